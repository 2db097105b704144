"""Writes to the glossary: one meaning per acronym, whatever its case."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from secmods.core.pagecache import public_content_changed

from .models import GlossaryTerm


def _check_acronym_free(acronym: str, term: GlossaryTerm | None = None) -> None:
    clash = GlossaryTerm.objects.filter(acronym__iexact=acronym)
    if term is not None and term.pk:
        clash = clash.exclude(pk=term.pk)
    existing = clash.first()
    if existing is not None:
        raise ValidationError(
            {"acronym": f"{existing.acronym} is in the glossary already ({existing.full_term})."}
        )


@transaction.atomic
def create_term(*, acronym: str, full_term: str, description: str = "") -> GlossaryTerm:
    term = GlossaryTerm(acronym=acronym.strip(), full_term=full_term, description=description)
    _check_acronym_free(term.acronym)
    term.full_clean()  # the case-insensitive unique constraint answers "exists already"
    term.save()
    public_content_changed()  # the glossary page, and terms marked in modification pages
    return term


@transaction.atomic
def update_term(term: GlossaryTerm, **fields: Any) -> GlossaryTerm:
    for name, value in fields.items():
        setattr(term, name, value.strip() if name == "acronym" else value)
    _check_acronym_free(term.acronym, term)
    term.full_clean()
    term.save()
    public_content_changed()
    return term


@transaction.atomic
def delete_term(term: GlossaryTerm) -> None:
    term.delete()
    public_content_changed()
