"""Builders shared by the register's tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from secmods.committees.models import Committee
from secmods.modifications.dates import ApproxDate
from secmods.modifications.models import MilestoneStatus, Modification, SecSection
from secmods.parties.models import PartyCategory
from tests.factories import (
    AgendaItemFactory,
    GlossaryTermFactory,
    MeetingFactory,
    MilestoneFactory,
    ModificationFactory,
    ReleaseFactory,
    ReportSectionFactory,
    SecSectionFactory,
)

PUBLISHED = dt.datetime(2021, 4, 19, 12, 0, tzinfo=dt.UTC)


def full_modification(index: int, **fields) -> Modification:  # type: ignore[no-untyped-def]
    """A published modification with every kind of related row the pages show."""
    fields.setdefault("published_at", PUBLISHED)
    fields.setdefault("latest_update", f"Update {index} from the CSC.")
    fields.setdefault("lead_analyst", None)
    fields.setdefault("target_release", ReleaseFactory())
    modification = ModificationFactory(**fields)
    committee = Committee.objects.get_or_create(
        slug="csc", defaults={"name": "Change Sub-Committee", "abbreviation": "CSC", "kind": "csc"}
    )[0]
    meeting = MeetingFactory(committee=committee)
    AgendaItemFactory(meeting=meeting, modification=modification, outcome="Noted.")
    ReportSectionFactory(modification=modification, order=1, body="The DCC says so.")
    ReportSectionFactory(modification=modification, order=2, heading="Issue", body="More.")
    MilestoneFactory(
        modification=modification,
        when=ApproxDate.day(dt.date(2021, 4, 19)),
        status=MilestoneStatus.DONE,
        kind="raised",
        label="Raised",
    )
    MilestoneFactory(modification=modification, when=ApproxDate.month(2031, 5), meeting=None)
    MilestoneFactory(modification=modification, when=ApproxDate.day(dt.date(2031, 6, 1)))
    modification.sec_sections.add(SecSectionFactory())
    modification.impacted_party_categories.add(PartyCategory.objects.get(slug="large-supplier"))
    return modification


def many_modifications(count: int) -> list[Modification]:
    GlossaryTermFactory(acronym="DCC", full_term="Data Communications Company")
    SecSection.objects.get_or_create(code="L", defaults={"title": "SMKI"})
    return [full_modification(index) for index in range(count)]


def now() -> dt.datetime:
    return timezone.now()
