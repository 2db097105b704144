"""Which glossary terms a modification's text uses."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple, TypeVar

from django.db.models import QuerySet

from .models import GlossaryTerm

# A modification is read for its title, report sections and milestone labels; the type is
# not imported, as the glossary sits below modifications (README.md, "Layout").
Modification = Any


def modification_text(modification: Modification) -> str:
    parts: list[str] = [modification.title]
    for section in modification.sections.all():
        parts += [section.heading, section.body]
    parts += [milestone.label for milestone in modification.milestones.all()]
    return "\n".join(parts)


class Term(NamedTuple):
    """A glossary entry read as plain values (no model instance for every term)."""

    acronym: str
    full_term: str


TermT = TypeVar("TermT", GlossaryTerm, Term)


def terms_in_text(text: str, terms: Iterable[TermT]) -> list[TermT]:
    """Terms whose acronym appears as a word in the text (case-sensitive, so 'sec' in
    'second' or the word 'Sec' do not count; plurals such as "CSRs" do)."""
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9&]*", text))
    found = []
    for term in terms:
        if term.acronym in words or f"{term.acronym}s" in words:
            found.append(term)
    return found


def terms_used_by(
    modification: Modification, terms: Iterable[Term] | None = None
) -> list[GlossaryTerm] | list[Term]:
    """`terms`: the whole glossary when the caller already has it (the API's detail
    selector fetches it in its one query); else it is read here."""
    if terms is None:
        return terms_in_text(modification_text(modification), GlossaryTerm.objects.all())
    return terms_in_text(modification_text(modification), terms)


def all_terms() -> QuerySet[GlossaryTerm]:
    return GlossaryTerm.objects.all()
