"""The "papers due" reminder: a meeting's papers are due Committee.papers_due_working_days
Working Days before it; SECAS staff are reminded. Registered from CommitteesConfig.ready()
(docs/reminders.md, "Registries"); receivers re-plan in the saving transaction when a
meeting moves, is cancelled or deleted, or its committee's papers-due count changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models.signals import post_delete, post_save

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

EVENT_KIND = "papers_due"
RECIPIENT_KIND = "secas_staff"


def _event(meeting: Any) -> Event:
    from .models import MeetingStatus
    from .selectors import papers_due_on

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
            "agenda_items": meeting.agenda_items.select_related("modification")
            .order_by("order", "pk")
            .all,
        },
    )


def _meetings():  # type: ignore[no-untyped-def]
    from .models import Meeting

    return Meeting.objects.select_related("committee")


def load_papers_due(ref: str) -> Event | None:
    meeting = _meetings().filter(pk=int(ref)).first() if ref.isdigit() else None
    return _event(meeting) if meeting is not None else None


def upcoming_papers_due(today: date) -> Iterable[Event]:
    from .models import MeetingStatus

    start = datetime.combine(today, time(0, 0), tzinfo=LONDON)
    for meeting in _meetings().filter(status=MeetingStatus.SCHEDULED, starts_at__gte=start):
        yield _event(meeting)


def papers_due_matches(rule: Any, event: Event) -> bool:
    return rule.committee_id is None or rule.committee_id == event.committee_id


def secas_staff(rule: Any, event: Event) -> list[Recipient]:
    """Active users of the "SECAS staff" group who have an email address."""
    from django.contrib.auth import get_user_model

    from secmods.core.roles import SECAS_STAFF

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
    from django.utils import timezone

    from .models import MeetingStatus

    if raw:
        return
    upcoming = instance.meetings.filter(
        status=MeetingStatus.SCHEDULED, starts_at__gte=timezone.now()
    ).values_list("pk", flat=True)
    for pk in list(upcoming):
        replan_event(EVENT_KIND, pk)


def register() -> None:
    from .models import Committee, Meeting

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
