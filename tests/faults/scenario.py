"""Data for the fault tests, written by a separate process into the private database.

python -m tests.faults.scenario reminders N [--due-in SECONDS]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.utils import timezone  # noqa: E402

from secmods.reminders.models import Reminder, ReminderStatus  # noqa: E402
from tests.factories import (  # noqa: E402
    CommitteeFactory,
    MeetingFactory,
    ReminderRuleFactory,
)


def reminders(count: int, due_in: float, prefix: str) -> None:
    """`count` reminders, one per named address, due now (or in `due_in` seconds)."""
    committee = CommitteeFactory()
    ReminderRuleFactory(
        committee=committee,
        offset_unit="calendar_days",
        offset=20,
        recipient_kinds=["named"],
        addresses="\n".join(f"{prefix}{n:05}@example.org" for n in range(count)),
    )
    MeetingFactory(committee=committee, starts_at=timezone.now() + dt.timedelta(days=10))
    planned = Reminder.objects.filter(
        status=ReminderStatus.PLANNED, recipient_email__startswith=prefix
    )
    if due_in:
        planned.update(due_at=timezone.now() + dt.timedelta(seconds=due_in))
    print(planned.count())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["reminders"])
    parser.add_argument("count", type=int)
    parser.add_argument("--due-in", type=float, default=0)
    parser.add_argument("--prefix", default="member")
    options = parser.parse_args()
    reminders(options.count, options.due_in, options.prefix)
