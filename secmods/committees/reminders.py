"""The "papers due" reminder: a meeting's papers are due Committee.papers_due_working_days
Working Days before it; SECAS staff are reminded. Registered from CommitteesConfig.ready()
(docs/reminders.md, "Registries"); receivers re-plan in the saving transaction when a
meeting moves, is cancelled or deleted, or its committee's papers-due count changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
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
from secmods.reminders.services import replan_event
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


# --- Receivers ---------------------------------------------------------------------------
def _meeting_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        replan_event(EVENT_KIND, instance.pk)


def _committee_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    # papers_due_working_days may have changed: every coming meeting's papers-due day moves.

    if raw:
        return
    upcoming = instance.meetings.filter(
        status=MeetingStatus.SCHEDULED, starts_at__gte=timezone.now()
    ).values_list("pk", flat=True)
    for pk in list(upcoming):
        replan_event(EVENT_KIND, pk)


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


def _meeting_changed_all(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    replan_event("meeting", instance.pk)
    # Milestones tied to the meeting end when it starts: a new time of day moves them too.
    for pk in instance.milestones.values_list("pk", flat=True):
        replan_event("milestone", pk)


def _meeting_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    replan_event("meeting", instance.pk)


def _agenda_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    # The proposers and lead analysts of a meeting's modifications may be its recipients.
    if not raw:
        replan_event("meeting", instance.meeting_id)


def _membership_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    # A member who joins gets the reminders of the committee's coming meetings; one who
    # leaves stops getting them.
    upcoming = Meeting.objects.filter(
        committee_id=instance.committee_id,
        status=MeetingStatus.SCHEDULED,
        starts_at__gte=timezone.now(),
    ).values_list("pk", flat=True)
    for pk in list(upcoming):
        replan_event("meeting", pk)
    for pk in Milestone.objects.filter(meeting_id__in=list(upcoming)).values_list("pk", flat=True):
        replan_event("milestone", pk)


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
    uid = "secmods.committees.reminders"
    post_save.connect(_meeting_changed, sender=Meeting, dispatch_uid=f"{uid}.mt")
    post_delete.connect(_meeting_changed, sender=Meeting, dispatch_uid=f"{uid}.mt_del")
    post_save.connect(_committee_changed, sender=Committee, dispatch_uid=f"{uid}.cm")
    # The "meeting" kind keeps the dispatch uids it had in the reminders app.
    outbox = "secmods.reminders"
    post_save.connect(_meeting_changed_all, sender=Meeting, dispatch_uid=f"{outbox}.mt")
    post_delete.connect(_meeting_deleted, sender=Meeting, dispatch_uid=f"{outbox}.mt_del")
    post_save.connect(_agenda_changed, sender=AgendaItem, dispatch_uid=f"{outbox}.ag")
    post_delete.connect(_agenda_changed, sender=AgendaItem, dispatch_uid=f"{outbox}.ag_del")
    post_save.connect(_membership_changed, sender=Membership, dispatch_uid=f"{outbox}.mb")
    post_delete.connect(_membership_changed, sender=Membership, dispatch_uid=f"{outbox}.mb_del")
