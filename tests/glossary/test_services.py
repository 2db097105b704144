"""glossary.services: one meaning per acronym, whatever its case."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from secmods.glossary import services
from secmods.glossary.models import GlossaryTerm


def test_an_acronym_has_one_meaning_whatever_its_case(db):  # type: ignore[no-untyped-def]
    term = services.create_term(acronym=" DCC ", full_term="Data and Communications Company")
    assert term.acronym == "DCC"
    with pytest.raises(ValidationError, match="in the glossary already"):
        services.create_term(acronym="dcc", full_term="Something else")
    other = services.create_term(acronym="SEC", full_term="Smart Energy Code")
    with pytest.raises(ValidationError, match="in the glossary already"):
        services.update_term(other, acronym="Dcc")
    services.delete_term(term)
    assert list(GlossaryTerm.objects.values_list("acronym", flat=True)) == ["SEC"]
