"""reminders.selectors: the upcoming reminders and the dispatcher's health."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from secmods.reminders import selectors
from secmods.reminders.models import Reminder, ReminderStatus
from tests.factories import ReminderRuleFactory


def _reminder(rule, due, status=ReminderStatus.PLANNED, email="a@example.org"):  # type: ignore[no-untyped-def]
    return Reminder.objects.create(
        rule=rule, event_kind="meeting", event_ref=email, event_label="CSC",
        event_day=due.date(), recipient_email=email, due_at=due, status=status,
    )  # fmt: skip


def test_upcoming_are_the_planned_ones_due_within_the_window(db):  # type: ignore[no-untyped-def]
    now = timezone.now()
    rule = ReminderRuleFactory()
    soon = _reminder(rule, now + dt.timedelta(days=2), email="soon@example.org")
    _reminder(rule, now + dt.timedelta(days=20), email="later@example.org")
    _reminder(rule, now + dt.timedelta(days=1), ReminderStatus.SENT, email="sent@example.org")
    assert list(selectors.upcoming_reminders(days=7, now=now)) == [soon]


def test_health_reports_failed_reminders(db):  # type: ignore[no-untyped-def]
    rule = ReminderRuleFactory()
    _reminder(rule, timezone.now(), ReminderStatus.FAILED)
    health = selectors.reminder_health()
    assert health.failed == 1 and not health.ok
