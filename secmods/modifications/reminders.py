"""The "milestone" reminder event kind: a planned milestone of a modification's timetable,
known to the day. Registered from ModificationsConfig.ready() (docs/reminders.md,
"Registries"), with the receivers that re-plan its reminders.

Every door (the admin's timetable inline and milestone admin, the REST API, document
import, meetings that move) writes milestones through the modification services, and those
call `replan_event` in their own transaction, so a rollback un-plans too. A modification's
stage change re-plans its events through `of_modification`. The one receiver left is for
rows loaddata writes, which pass no service.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models.signals import post_save

from secmods.reminders.registry import Event, EventKind, register_event_kind
from secmods.reminders.services import replan_event
from secmods.rules.dates import Precision
from secmods.rules.working_days import LONDON

from .models import CLOSED_STAGES, Milestone, MilestoneStatus


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=LONDON)


def _milestone_event(milestone) -> Event:  # type: ignore[no-untyped-def]
    modification = milestone.modification
    meeting = milestone.meeting
    known_to_the_day = milestone.precision == Precision.DAY and milestone.date_from is not None
    day = milestone.date_from if known_to_the_day else None
    if meeting is not None and not meeting.is_cancelled:
        ends_at = meeting.starts_at
    else:
        ends_at = _end_of_day(day) if day else None
    return Event(
        kind="milestone",
        ref=str(milestone.pk),
        label=f"{modification.reference}: {milestone.label} ({milestone.when})",
        day=day,
        ends_at=ends_at,
        cancelled=(
            milestone.status != MilestoneStatus.PLANNED or modification.stage in CLOSED_STAGES
        ),
        modification_id=modification.pk,
        committee_id=meeting.committee_id if meeting is not None else None,
        context={
            "modification": modification,
            "milestone": milestone,
            "meeting": meeting,
            "milestone_kind": milestone.kind,
        },
    )


def _milestones():  # type: ignore[no-untyped-def]
    return Milestone.objects.select_related(
        "modification__proposer", "modification__lead_analyst", "meeting__committee"
    )


def load_milestone(ref: str) -> Event | None:
    milestone = _milestones().filter(pk=int(ref)).first() if ref.isdigit() else None
    return _milestone_event(milestone) if milestone is not None else None


def upcoming_milestones(today: date) -> Iterable[Event]:
    for milestone in (
        _milestones()
        .filter(precision=Precision.DAY, status=MilestoneStatus.PLANNED, date_from__gte=today)
        .exclude(modification__stage__in=CLOSED_STAGES)
    ):
        yield _milestone_event(milestone)


def milestone_matches(rule, event: Event) -> bool:  # type: ignore[no-untyped-def]
    return not rule.milestone_kind or rule.milestone_kind == event.context["milestone_kind"]


def _loaded(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    # Only rows loaddata writes (raw=True): every other write is a service, which re-plans
    # in its own transaction.
    if raw:
        replan_event("milestone", instance.pk)


def milestones_of(modification_id: int) -> list[int]:
    return list(
        Milestone.objects.filter(modification_id=modification_id).values_list("pk", flat=True)
    )


def register() -> None:
    register_event_kind(
        EventKind(
            key="milestone",
            label="A milestone of the timetable",
            load=load_milestone,
            upcoming=upcoming_milestones,
            matches=milestone_matches,
            of_modification=milestones_of,
        )
    )
    post_save.connect(_loaded, sender=Milestone, dispatch_uid="secmods.reminders.ms")
