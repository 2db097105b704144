"""The plain write of a reference-data row (a committee, a Release, a Party Category...),
for the services of the apps that own them: set the fields, validate as the model does,
save so that its history (where it keeps one) and the admin's log see one change, then the
many-to-many fields."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def save_fields(obj: M, fields: dict[str, Any], *, editor: Any = None) -> M:
    many: dict[str, Any] = {}
    for name, value in fields.items():
        if obj._meta.get_field(name).many_to_many:
            many[name] = value
        else:
            setattr(obj, name, value)
    obj.full_clean()
    if getattr(editor, "pk", None) and hasattr(type(obj), "history"):
        obj._history_user = editor  # type: ignore[attr-defined]
    obj.save()
    for name, value in many.items():
        getattr(obj, name).set(value)
    return obj
