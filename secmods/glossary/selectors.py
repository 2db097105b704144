"""Which glossary terms a modification's text uses."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import QuerySet

from secmods.modifications.models import Modification

from .models import GlossaryTerm


def modification_text(modification: Modification) -> str:
    parts: list[str] = [modification.title]
    for section in modification.sections.all():
        parts += [section.heading, section.body]
    parts += [milestone.label for milestone in modification.milestones.all()]
    return "\n".join(parts)


def terms_in_text(text: str, terms: Iterable[GlossaryTerm]) -> list[GlossaryTerm]:
    """Terms whose acronym appears as a word in the text (case-sensitive, so 'sec' in
    'second' or the word 'Sec' do not count; plurals such as "CSRs" do)."""
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9&]*", text))
    found = []
    for term in terms:
        if term.acronym in words or f"{term.acronym}s" in words:
            found.append(term)
    return found


def terms_used_by(modification: Modification) -> list[GlossaryTerm]:
    return terms_in_text(modification_text(modification), GlossaryTerm.objects.all())


def all_terms() -> QuerySet[GlossaryTerm]:
    return GlossaryTerm.objects.all()
