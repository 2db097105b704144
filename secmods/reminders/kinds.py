"""The event and recipient kinds this app brings: milestones, meetings; members, proposer,
lead analyst, named addresses. Registered in RemindersConfig.ready()."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import Q

from secmods.rules.working_days import LONDON

from .registry import (
    Event,
    EventKind,
    Recipient,
    RecipientKind,
    register_event_kind,
    register_recipient_kind,
)


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=LONDON)


# --- Milestones -------------------------------------------------------------------------
def _milestone_event(milestone) -> Event:  # type: ignore[no-untyped-def]
    from secmods.committees.models import MeetingStatus
    from secmods.modifications.models import CLOSED_STAGES, MilestoneStatus
    from secmods.rules.dates import Precision

    modification = milestone.modification
    meeting = milestone.meeting
    known_to_the_day = milestone.precision == Precision.DAY and milestone.date_from is not None
    day = milestone.date_from if known_to_the_day else None
    if meeting is not None and meeting.status != MeetingStatus.CANCELLED:
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
    from secmods.modifications.models import Milestone

    return Milestone.objects.select_related(
        "modification__proposer", "modification__lead_analyst", "meeting__committee"
    )


def load_milestone(ref: str) -> Event | None:
    milestone = _milestones().filter(pk=int(ref)).first() if ref.isdigit() else None
    return _milestone_event(milestone) if milestone is not None else None


def upcoming_milestones(today: date) -> Iterable[Event]:
    from secmods.modifications.models import CLOSED_STAGES, MilestoneStatus
    from secmods.rules.dates import Precision

    for milestone in (
        _milestones()
        .filter(precision=Precision.DAY, status=MilestoneStatus.PLANNED, date_from__gte=today)
        .exclude(modification__stage__in=CLOSED_STAGES)
    ):
        yield _milestone_event(milestone)


def milestone_matches(rule, event: Event) -> bool:  # type: ignore[no-untyped-def]
    return not rule.milestone_kind or rule.milestone_kind == event.context["milestone_kind"]


# --- Meetings ---------------------------------------------------------------------------
def _meeting_event(meeting) -> Event:  # type: ignore[no-untyped-def]
    from secmods.committees.models import MeetingStatus

    return Event(
        kind="meeting",
        ref=str(meeting.pk),
        label=f"{meeting.title or meeting}",
        day=meeting.date,
        ends_at=meeting.starts_at,
        cancelled=meeting.status != MeetingStatus.SCHEDULED,
        committee_id=meeting.committee_id,
        context={
            "meeting": meeting,
            "committee": meeting.committee,
            # Read only when a template or a recipient kind asks (templates call callables).
            "agenda_items": meeting.agenda_items.select_related(
                "modification__proposer", "modification__lead_analyst"
            ).all,
        },
    )


def _meetings():  # type: ignore[no-untyped-def]
    from secmods.committees.models import Meeting

    return Meeting.objects.select_related("committee")


def load_meeting(ref: str) -> Event | None:
    meeting = _meetings().filter(pk=int(ref)).first() if ref.isdigit() else None
    return _meeting_event(meeting) if meeting is not None else None


def upcoming_meetings(today: date) -> Iterable[Event]:
    from secmods.committees.models import MeetingStatus

    start = datetime.combine(today, time(0, 0), tzinfo=LONDON)
    for meeting in _meetings().filter(status=MeetingStatus.SCHEDULED, starts_at__gte=start):
        yield _meeting_event(meeting)


def meeting_matches(rule, event: Event) -> bool:  # type: ignore[no-untyped-def]
    return rule.committee_id is None or rule.committee_id == event.committee_id


# --- Recipients -------------------------------------------------------------------------
def committee_members(rule, event: Event) -> list[Recipient]:  # type: ignore[no-untyped-def]
    from secmods.committees.models import Membership

    committee_id = event.committee_id or rule.committee_id
    if committee_id is None or event.day is None:
        return []
    memberships = (
        Membership.objects.filter(committee_id=committee_id, start_date__lte=event.day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=event.day))
        .exclude(person__email="")
        .select_related("person")
    )
    return [Recipient(m.person.email, m.person.name) for m in memberships]


def _modifications(event: Event) -> list:  # type: ignore[type-arg]
    if "modification" in event.context:
        return [event.context["modification"]]
    agenda_items = event.context.get("agenda_items")
    return [item.modification for item in agenda_items()] if agenda_items else []


def proposer(rule, event: Event) -> list[Recipient]:  # type: ignore[no-untyped-def]
    people = [m.proposer for m in _modifications(event) if m.proposer is not None]
    return [Recipient(p.email, p.name) for p in people if p.email]


def lead_analyst(rule, event: Event) -> list[Recipient]:  # type: ignore[no-untyped-def]
    people = [m.lead_analyst for m in _modifications(event) if m.lead_analyst is not None]
    return [Recipient(p.email, p.name) for p in people if p.email]


def named_addresses(rule, event: Event) -> list[Recipient]:  # type: ignore[no-untyped-def]
    return [Recipient(address) for address in rule.address_list]


def register_builtin_kinds() -> None:
    register_event_kind(
        EventKind(
            key="milestone",
            label="A milestone of the timetable",
            load=load_milestone,
            upcoming=upcoming_milestones,
            matches=milestone_matches,
        )
    )
    register_event_kind(
        EventKind(
            key="meeting",
            label="A committee meeting",
            load=load_meeting,
            upcoming=upcoming_meetings,
            matches=meeting_matches,
        )
    )
    register_recipient_kind(
        RecipientKind("committee_members", "The committee's active members", committee_members)
    )
    register_recipient_kind(RecipientKind("proposer", "The proposer", proposer))
    register_recipient_kind(RecipientKind("lead_analyst", "The lead analyst", lead_analyst))
    register_recipient_kind(RecipientKind("named", "The named addresses", named_addresses))
