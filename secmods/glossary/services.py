"""Writes to the glossary: one meaning per acronym, whatever its case."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .models import GlossaryTerm


@transaction.atomic
def create_term(*, acronym: str, full_term: str, description: str = "") -> GlossaryTerm:
    term = GlossaryTerm(acronym=acronym.strip(), full_term=full_term, description=description)
    term.full_clean()  # the case-insensitive unique constraint answers "exists already"
    term.save()
    return term


@transaction.atomic
def update_term(term: GlossaryTerm, **fields: Any) -> GlossaryTerm:
    for name, value in fields.items():
        setattr(term, name, value.strip() if name == "acronym" else value)
    term.full_clean()
    term.save()
    return term


@transaction.atomic
def delete_term(term: GlossaryTerm) -> None:
    term.delete()
