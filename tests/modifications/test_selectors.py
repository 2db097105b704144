"""modifications.selectors: a reference in any spelling finds its modification; search by
reference or title; the next key date is the earliest planned milestone still to come (the
spellings themselves are tests/rules/test_references.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from secmods.modifications import selectors
from secmods.modifications.models import Modification, Stage
from secmods.modifications.selectors import get_by_reference, search_modifications
from secmods.rules.dates import ApproxDate
from tests.factories import MilestoneFactory, ModificationFactory


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


@pytest.mark.parametrize("spelling", ["MP160", "mp 160", "DP160", "160", "SECMP0160"])
def test_get_by_reference_in_any_spelling(db, spelling):  # type: ignore[no-untyped-def]
    modification = ModificationFactory(number=160, stage="refinement")
    ModificationFactory(number=161)
    assert selectors.get_by_reference(spelling) == modification


def test_an_unknown_reference_finds_nothing(db):  # type: ignore[no-untyped-def]
    ModificationFactory(number=160)
    assert selectors.get_by_reference("MP999") is None
    assert selectors.get_by_reference("not a reference") is None


def test_the_next_key_milestone_is_the_earliest_planned_one(db):  # type: ignore[no-untyped-def]
    modification = ModificationFactory()
    done = MilestoneFactory(modification=modification, status="done")
    later = MilestoneFactory(modification=modification, when=ApproxDate.day(dt.date(2030, 6, 1)))
    sooner = MilestoneFactory(modification=modification, when=ApproxDate.month(2030, 5))
    milestones = list(selectors.timetable(modification))
    assert done in milestones and later in milestones
    assert selectors.next_key_milestone(milestones) == sooner
