from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.http import QueryDict
from django.utils import timezone
from django.utils.safestring import SafeString

from secmods.rules.dates import ApproxDate

from ..glossary_markup import mark_acronyms, paragraphs, term_anchor

register = template.Library()


@register.filter
def machine_time(value: Any) -> str:
    """A `<time datetime>` value: London time to the second with its offset
    ("2021-04-27T10:00:00+01:00"). Django's `date:'c'` adds microseconds, which HTML's
    datetime syntax does not allow (three digits at most)."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return ""


@register.simple_tag
def approx_date(precision: str | None, start: Any, end: Any) -> str:
    """An annotated next key date as people write it ("May 2021", "27 Apr 2021")."""
    if not precision:
        return ""
    return ApproxDate(precision, start, end).display()


@register.filter
def with_terms(text: str, terms: Any) -> SafeString:
    return paragraphs(text, terms)


@register.filter
def inline_terms(text: str, terms: Any) -> SafeString:
    return mark_acronyms(text, terms)


@register.filter
def anchor(acronym: str) -> str:
    return term_anchor(acronym)


@register.simple_tag(takes_context=True)
def query(context: Any, **changes: Any) -> str:
    """The current query string with some parameters changed (None or "" drops one)."""
    params: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
