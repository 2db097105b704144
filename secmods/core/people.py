"""How the tracker names a login to people: never the login name where a real name exists."""

from __future__ import annotations

from typing import Any


def display_name(user: Any) -> str:
    """The Person's name for this login, else the account's full name, else the login name
    (a hand-made account with neither)."""
    if user is None:
        return ""
    person = getattr(user, "person", None)  # RelatedObjectDoesNotExist is an AttributeError
    if person is not None and person.name:
        return str(person.name)
    return str(user.get_full_name() or user.get_username())
