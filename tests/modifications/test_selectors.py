"""Reads of modifications by reference in any spelling (the spellings themselves are
tests/rules/test_references.py)."""

import pytest

from secmods.modifications.models import Modification, Stage
from secmods.modifications.selectors import get_by_reference, search_modifications
from tests.factories import ModificationFactory


@pytest.mark.parametrize("spelling", ["MP160", "mp 160", "DP160", "160", "Mp160", "dp 160"])
def test_lookup_finds_the_same_modification(db, spelling):
    modification = ModificationFactory(number=160)
    ModificationFactory(number=16)
    ModificationFactory(number=1600)
    assert get_by_reference(spelling) == modification


def test_reference_follows_the_stage(db):
    modification = ModificationFactory(number=160)
    assert modification.reference == "DP160"
    modification.stage = Stage.REFINEMENT
    assert modification.reference == "MP160"


def test_search_matches_reference_or_title(db):
    target = ModificationFactory(number=160, title="Certificate Signing Request forecasting")
    other = ModificationFactory(number=161, title="Something else")

    everything = Modification.objects.all()
    assert list(search_modifications(everything, "mp 160")) == [target]
    assert list(search_modifications(everything, "signing request")) == [target]
    assert set(search_modifications(everything, "")) == {target, other}
