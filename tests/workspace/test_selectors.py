"""workspace.selectors: what the staff dashboard lists, read straight from the selectors."""

from __future__ import annotations

import datetime as dt

from secmods.committees.models import MeetingStatus
from secmods.rules.dates import ApproxDate
from secmods.workspace import selectors
from tests.factories import (
    ConsultationFactory,
    MeetingFactory,
    MilestoneFactory,
    ModificationFactory,
)

NOW = dt.datetime(2026, 12, 3, 8, 30, tzinfo=dt.UTC)


def test_the_pipeline_counts_open_modifications_per_stage_in_lifecycle_order(db):  # type: ignore[no-untyped-def]
    ModificationFactory(stage="refinement")
    ModificationFactory(stage="refinement")
    ModificationFactory(stage="withdrawn")
    bars = selectors.pipeline()
    counts = {bar.stage: bar.count for bar in bars}
    assert counts["refinement"] == 2
    assert "withdrawn" not in counts
    assert max(bar.percent for bar in bars) == 100


def test_coming_meetings_are_the_scheduled_ones_of_the_next_four_weeks(db):  # type: ignore[no-untyped-def]
    soon = MeetingFactory(starts_at=NOW + dt.timedelta(days=7))
    MeetingFactory(starts_at=NOW + dt.timedelta(days=8), status=MeetingStatus.CANCELLED)
    MeetingFactory(starts_at=NOW - dt.timedelta(days=1))
    MeetingFactory(starts_at=NOW + dt.timedelta(weeks=5))
    listing = selectors.coming_meetings(NOW)
    assert [row.meeting.pk for row in listing.rows] == [soon.pk]
    assert listing.total == 1


def test_overdue_lists_planned_milestones_of_open_modifications_only(db):  # type: ignore[no-untyped-def]
    late = MilestoneFactory(
        modification=ModificationFactory(stage="refinement"), when=ApproxDate.month(2026, 10)
    )
    MilestoneFactory(
        modification=ModificationFactory(stage="withdrawn"), when=ApproxDate.month(2026, 10)
    )
    MilestoneFactory(
        modification=ModificationFactory(stage="refinement"), when=ApproxDate.month(2027, 1)
    )
    listing = selectors.overdue(NOW.date())
    assert [m.pk for m in listing.rows] == [late.pk]


def test_open_consultations_are_open_now_soonest_to_close_first(db):  # type: ignore[no-untyped-def]
    later = ConsultationFactory(
        opens_at=NOW - dt.timedelta(days=1), closes_at=NOW + dt.timedelta(days=9)
    )
    sooner = ConsultationFactory(
        opens_at=NOW - dt.timedelta(days=1), closes_at=NOW + dt.timedelta(days=2)
    )
    ConsultationFactory(opens_at=NOW + dt.timedelta(days=1), closes_at=NOW + dt.timedelta(days=9))
    listing = selectors.open_consultations(NOW)
    assert [c.pk for c in listing.rows] == [sooner.pk, later.pk]
