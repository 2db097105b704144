"""The admin's History page in people's words (django-simple-history shows stored values:
`report_phase`, a lead analyst's id, "None", a login name)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models
from django.utils.text import capfirst

from secmods.core.people import display_name

register = template.Library()

NOTHING = "—"


def _field(model: type[models.Model], shown_name: str) -> models.Field[Any, Any] | None:
    # The change carries the field's verbose name (as django-simple-history formats it).
    for field in model._meta.fields:
        if capfirst(field.verbose_name) == shown_name or field.name == shown_name:
            return field
    return None


def _words(field: models.Field[Any, Any] | None, value: Any) -> str:
    text = "" if value is None else str(value)
    if text in ("", "None"):
        return NOTHING
    if field is None:
        return text
    if field.choices:
        return str(dict((str(k), v) for k, v in field.flatchoices).get(text, text))
    if isinstance(field, models.BooleanField):
        return {"True": "yes", "False": "no"}.get(text, text)
    related: Any = field.related_model
    if field.is_relation and related is not None and not isinstance(related, str):
        # Related rows arrive as their str(); an empty one as "Deleted person (pk=None)".
        if text.endswith("(pk=None)"):
            return NOTHING
        if related._meta.label_lower == "auth.user":
            user = related._default_manager.filter(username=text).first()
            return display_name(user) if user is not None else text
    return text


@register.simple_tag
def readable_change(record: Any, change: dict[str, Any]) -> dict[str, str]:
    """One line of the Changes column: the field, and the old and new values as labels."""
    model = record.instance_type
    field = _field(model, str(change["field"]))
    return {
        "field": str(change["field"]),
        "old": _words(field, change["old"]),
        "new": _words(field, change["new"]),
    }


@register.filter
def person_name(user: Any) -> str:
    return display_name(user) if user is not None else NOTHING
