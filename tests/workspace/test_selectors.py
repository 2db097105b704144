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


def test_open_consultations_count_each_ones_responses(db):  # type: ignore[no-untyped-def]
    from secmods.consultations.models import Response
    from secmods.parties.models import PartyCategory

    answered = ConsultationFactory(
        opens_at=NOW - dt.timedelta(days=1), closes_at=NOW + dt.timedelta(days=2)
    )
    unanswered = ConsultationFactory(
        opens_at=NOW - dt.timedelta(days=1), closes_at=NOW + dt.timedelta(days=3)
    )
    category = PartyCategory.objects.order_by("order").first()
    for i in range(3):
        Response.objects.create(
            consultation=answered,
            respondent_name=f"R {i}",
            organisation_name=f"Org {i}",
            party_category=category,
            received_at=NOW,
        )
    listing = selectors.open_consultations(NOW)
    counts = {c.pk: c.response_count for c in listing.rows}
    assert counts == {answered.pk: 3, unanswered.pk: 0}


def test_a_full_lists_total_is_counted_up_to_a_bound_and_shown_as_at_least(db, monkeypatch):  # type: ignore[no-untyped-def]
    """A register with hundreds of thousands of unnoted comments is not counted through on
    every visit: past COUNT_UP_TO the total reads "N+"."""
    from tests.factories import CommentFactory

    monkeypatch.setattr(selectors, "COUNT_UP_TO", selectors.ROWS + 2)
    modification = ModificationFactory()
    for _ in range(selectors.ROWS + 2):
        CommentFactory(modification=modification)
    exact = selectors.comments_to_note()
    assert (exact.total, exact.at_least, exact.total_label, exact.more_label) == (
        selectors.ROWS + 2,
        False,
        str(selectors.ROWS + 2),
        "2",
    )
    CommentFactory(modification=modification)
    bounded = selectors.comments_to_note()
    assert len(bounded.rows) == selectors.ROWS
    assert (bounded.total, bounded.at_least, bounded.total_label, bounded.more_label) == (
        selectors.ROWS + 2,
        True,
        f"{selectors.ROWS + 2}+",
        "2+",
    )
