from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict
from django.utils.safestring import SafeString

from secmods.rules.dates import ApproxDate

from ..glossary_markup import mark_acronyms, paragraphs, term_anchor

register = template.Library()


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
