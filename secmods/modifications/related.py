"""The committees models that modifications' reads show (meetings, agenda items, releases),
reached through the relations the models declare by name ("committees.Meeting").

committees sits above modifications (its services move milestones when a meeting moves and
bump the versions of the modifications concerned), so this app does not import it
(README.md, "Layout"). What it shows of committees rows it finds through its own foreign
keys, resolved by Django's app registry once the apps are loaded.
"""

from __future__ import annotations

from typing import Any, cast

from .models import Milestone, Modification


def _related(model: type[Any], name: str) -> type[Any]:
    return cast(type[Any], model._meta.get_field(name).related_model)


def meeting_model() -> type[Any]:
    return _related(Milestone, "meeting")


def committee_model() -> type[Any]:
    return _related(meeting_model(), "committee")


def agenda_item_model() -> type[Any]:
    return _related(Modification, "agenda_items")


def release_model() -> type[Any]:
    return _related(Modification, "target_release")
