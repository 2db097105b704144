"""Reads of the outbox: what will be sent, and whether the dispatcher is healthy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from .models import DispatcherHeartbeat, Reminder, ReminderStatus

#: /health/ turns 503 when the dispatcher has not run for this long.
HEARTBEAT_STALE_AFTER = timedelta(minutes=5)


def upcoming_reminders(*, days: int, now: datetime | None = None) -> QuerySet[Reminder]:
    """Planned reminders due within `days` days (and any overdue), soonest first."""
    now = now or timezone.now()
    return (
        Reminder.objects.filter(
            status=ReminderStatus.PLANNED, due_at__lte=now + timedelta(days=days)
        )
        .select_related("rule")
        .order_by("due_at", "recipient_email", "pk")
    )


def reminders_of_modification(modification_id: int) -> QuerySet[Reminder]:
    return (
        Reminder.objects.filter(modification_id=modification_id)
        .exclude(status=ReminderStatus.WITHDRAWN)
        .select_related("rule")
        .order_by("-due_at", "pk")
    )


@dataclass(frozen=True)
class Health:
    last_run_at: datetime | None
    failed: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def reminder_health(now: datetime | None = None) -> Health:
    """Two queries: the heartbeat row and the count of failed reminders."""
    now = now or timezone.now()
    heartbeat = DispatcherHeartbeat.objects.filter(pk=1).first()
    failed = Reminder.objects.filter(status=ReminderStatus.FAILED).count()
    problems = []
    if heartbeat is None:
        problems.append("the reminder dispatcher has never run")
    elif now - heartbeat.last_run_at > HEARTBEAT_STALE_AFTER:
        minutes = int((now - heartbeat.last_run_at).total_seconds() // 60)
        problems.append(f"the reminder dispatcher last ran {minutes} minutes ago")
    if failed:
        problems.append(f"{failed} reminder(s) failed")
    return Health(heartbeat.last_run_at if heartbeat else None, failed, problems)
