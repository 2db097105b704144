"""`manage.py reminders_preview [--days N]`: what will be sent, to whom and when (London)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from secmods.reminders.selectors import upcoming_reminders


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise CommandError(f"--days must be a whole number, not '{value}'") from None
    if not 0 <= days <= 3660:
        raise CommandError(f"--days must be between 0 and 3660, not {days}")
    return days


class Command(BaseCommand):
    help = "List the planned reminders due in the next N days (default 7), in London time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", default="7", help="How many days ahead (default 7).")

    def handle(self, *args: Any, days: str, **options: Any) -> None:
        n = _days(days)
        now = timezone.now()
        reminders = list(upcoming_reminders(days=n, now=now))
        if not reminders:
            self.stdout.write(f"No reminders planned in the next {n} day(s).")
            return
        for reminder in reminders:
            local = timezone.localtime(reminder.due_at)
            late = " (overdue: goes out at the next dispatch)" if reminder.due_at <= now else ""
            self.stdout.write(
                f"{local:%a %d %b %Y %H:%M} {local.tzname()}  {reminder.recipient_email}  "
                f"[{reminder.rule.name}]  {reminder.event_label}{late}"
            )
        self.stdout.write(f"{len(reminders)} reminder(s) in the next {n} day(s).")
