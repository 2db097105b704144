"""Enumerations with labels, usable as Django model field choices without importing Django.

The rules name stages, paths, precisions and vote choices; the models store them. Django's
`TextChoices` lives in `django.db.models`, which this layer must not import, so this is the
small part of it the project uses: members are strings (`Stage.APPROVED == "approved"`),
each has a `label`, and the class gives `choices`, `values` and `labels`.

    class Colour(Choices):
        RED = "red", "Red"
"""

from __future__ import annotations

from enum import EnumType, StrEnum
from typing import Any, Self


class ChoicesType(EnumType):
    def __new__(metacls, name: str, bases: tuple[type, ...], classdict: Any, **kwds: Any) -> Any:
        cls = super().__new__(metacls, name, bases, classdict, **kwds)
        # Django templates call callables; a class of choices is a value there, not a call.
        setattr(cls, "do_not_call_in_templates", True)  # noqa: B010
        return cls

    def _members(cls) -> list[Any]:
        return list(cls.__members__.values())

    @property
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls._members()]

    @property
    def values(cls) -> list[str]:
        return [member.value for member in cls._members()]

    @property
    def labels(cls) -> list[str]:
        return [member.label for member in cls._members()]


class Choices(StrEnum, metaclass=ChoicesType):
    _value_: str
    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value.replace("_", " ").capitalize()
        return member
