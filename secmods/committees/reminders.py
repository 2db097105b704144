"""The "papers due" reminder: a meeting's papers are due Committee.papers_due_working_days
Working Days before it; SECAS staff are reminded. Registered from CommitteesConfig.ready()
(docs/reminders.md, "Registries"). The committee services call the `replan_*` functions
below in their own transaction when a meeting moves, is cancelled or deleted, its agenda
or its committee's members change, or its committee's papers-due count changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.signals import post_save
from django.utils import timezone

from secmods.core.roles import SECAS_STAFF
from secmods.modifications.models import Milestone
from secmods.reminders.registry import (
    Event,
    EventKind,
    Recipient,
    RecipientKind,
    register_event_kind,
    register_recipient_kind,
)
from secmods.reminders.services import replan_event, replan_events
from secmods.rules.working_days import LONDON

from .models import AgendaItem, Committee, Meeting, MeetingStatus, Membership
from .selectors import meeting_details, papers_due_on

EVENT_KIND = "papers_due"
RECIPIENT_KIND = "secas_staff"


def _event(meeting: Any) -> Event:

    day = papers_due_on(meeting)
    # Papers are due by the end of their day (and never after the meeting starts).
    ends_at = min(
        datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=LONDON), meeting.starts_at
    )
    return Event(
        kind=EVENT_KIND,
        ref=str(meeting.pk),
        label=f"Papers due {day.day} {day:%B %Y} for {meeting.title or meeting}",
        day=day,
        ends_at=ends_at,
        cancelled=meeting.status != MeetingStatus.SCHEDULED,
        committee_id=meeting.committee_id,
        context={
            "meeting": meeting,
            "committee": meeting.committee,
            "papers_due_on": day,
            # Read only when a template asks (templates call callables).
            "agenda_items": cache(
                meeting.agenda_items.select_related("modification").order_by("order", "pk").all
            ),
            # Time, place, agenda and link; added to the email if its template omits it.
            "meeting_details": cache(lambda: meeting_details(meeting)),
        },
    )


def _meetings():  # type: ignore[no-untyped-def]

    return Meeting.objects.select_related("committee")


def load_papers_due(ref: str) -> Event | None:
    meeting = _meetings().filter(pk=int(ref)).first() if ref.isdecimal() else None
    return _event(meeting) if meeting is not None else None


def upcoming_papers_due(today: date) -> Iterable[Event]:

    start = datetime.combine(today, time(0, 0), tzinfo=LONDON)
    for meeting in _meetings().filter(status=MeetingStatus.SCHEDULED, starts_at__gte=start):
        yield _event(meeting)


def papers_due_matches(rule: Any, event: Event) -> bool:
    return rule.committee_id is None or rule.committee_id == event.committee_id


def secas_staff(rule: Any, event: Event) -> list[Recipient]:
    """Active users of the "SECAS staff" group who have an email address."""

    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=SECAS_STAFF)
        .exclude(email="")
        .order_by("pk")
        .distinct()
    )
    return [Recipient(u.email, u.get_full_name() or u.get_username()) for u in users]


# --- The "meeting" event kind and its members ---------------------------------------
def _meeting_event(meeting) -> Event:  # type: ignore[no-untyped-def]
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
            # Read only when a template or a recipient kind asks (templates call callables),
            # and then once per event: a send task renders up to 50 emails from one Event
            # (the same QuerySet, its rows cached; the same details text).
            "agenda_items": cache(
                meeting.agenda_items.select_related(
                    "modification__proposer", "modification__lead_analyst"
                ).all
            ),
            # Time, place, agenda and link; added to the email if its template omits it.
            "meeting_details": cache(lambda: meeting_details(meeting)),
        },
    )


def load_meeting(ref: str) -> Event | None:
    meeting = _meetings().filter(pk=int(ref)).first() if ref.isdecimal() else None
    return _meeting_event(meeting) if meeting is not None else None


def upcoming_meetings(today: date) -> Iterable[Event]:
    start = datetime.combine(today, time(0, 0), tzinfo=LONDON)
    for meeting in _meetings().filter(status=MeetingStatus.SCHEDULED, starts_at__gte=start):
        yield _meeting_event(meeting)


def meeting_matches(rule, event: Event) -> bool:  # type: ignore[no-untyped-def]
    return rule.committee_id is None or rule.committee_id == event.committee_id


def committee_members(rule, event: Event) -> list[Recipient]:  # type: ignore[no-untyped-def]
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


# --- Re-planning, called by the committee services -------------------------------------
def replan_meeting(meeting_id: int, milestone_ids: Iterable[int] | None = None) -> None:
    """A meeting added, moved, cancelled or deleted, or its agenda changed: its papers-due
    and meeting reminders, and those of the milestones tied to it (they end when it starts,
    so a new time of day moves them too). After a delete, pass the milestones that were
    tied to it (the tie is gone by then)."""
    replan_event(EVENT_KIND, meeting_id)
    replan_event("meeting", meeting_id)
    if milestone_ids is None:
        milestone_ids = Milestone.objects.filter(meeting_id=meeting_id).values_list("pk", flat=True)
    replan_events("milestone", milestone_ids)


def replan_committee(committee: Committee) -> None:
    """papers_due_working_days may have changed: every coming meeting's papers-due day
    moves."""
    upcoming = committee.meetings.filter(
        status=MeetingStatus.SCHEDULED, starts_at__gte=timezone.now()
    ).values_list("pk", flat=True)
    replan_events(EVENT_KIND, upcoming)


def replan_members(committee_id: int) -> None:
    """A member who joins gets the reminders of the committee's coming meetings; one who
    leaves stops getting them."""
    upcoming = list(
        Meeting.objects.filter(
            committee_id=committee_id,
            status=MeetingStatus.SCHEDULED,
            starts_at__gte=timezone.now(),
        ).values_list("pk", flat=True)
    )
    replan_events("meeting", upcoming)
    replan_events(
        "milestone", Milestone.objects.filter(meeting_id__in=upcoming).values_list("pk", flat=True)
    )


def _loaded(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    # Only rows loaddata writes (raw=True): every other write is a service, which re-plans
    # in its own transaction.
    if not raw:
        return
    if isinstance(instance, Meeting):
        replan_meeting(instance.pk)
    elif isinstance(instance, Committee):
        replan_committee(instance)
    elif isinstance(instance, AgendaItem):
        replan_meeting(instance.meeting_id)
    elif isinstance(instance, Membership):
        replan_members(instance.committee_id)


def register() -> None:
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
    register_event_kind(
        EventKind(
            key=EVENT_KIND,
            label="Papers due for a committee meeting",
            load=load_papers_due,
            upcoming=upcoming_papers_due,
            matches=papers_due_matches,
        )
    )
    register_recipient_kind(RecipientKind(RECIPIENT_KIND, "SECAS staff", secas_staff))
    for model in (Meeting, Committee, AgendaItem, Membership):
        post_save.connect(
            _loaded, sender=model, dispatch_uid=f"secmods.committees.reminders.{model.__name__}"
        )
