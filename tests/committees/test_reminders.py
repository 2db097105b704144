"""The "papers due" reminder: SECAS staff are reminded N Working Days before a meeting's
papers are due (Committee.papers_due_working_days before the meeting), at 09:00 London;
re-planned when the meeting moves or the committee's count changes, withdrawn on cancel."""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from secmods.committees import services
from secmods.committees.reminders import EVENT_KIND
from secmods.reminders import dispatch
from secmods.reminders.forms import ReminderRuleForm
from secmods.reminders.models import Reminder, ReminderRule, ReminderStatus
from tests.factories import (
    AgendaItemFactory,
    CommitteeFactory,
    ModificationFactory,
    UserFactory,
)
from tests.reminders.test_dispatch import Queue

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
PLANNING = dt.datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
MEETING = dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON)  # papers due Tuesday 27 May
# Two Working Days before 27 May, over the Spring bank holiday (26 May): Thursday 22 May.
DUE = dt.datetime(2025, 5, 22, 8, 0, tzinfo=UTC)


@pytest.fixture
def rule() -> ReminderRule:
    return ReminderRule.objects.get(event_kind=EVENT_KIND)  # shipped by a data migration


@pytest.fixture
def staff():  # type: ignore[no-untyped-def]
    sam = UserFactory(username="sam", first_name="Sam", last_name="Analyst", secas_staff=True)
    UserFactory(username="noaddress", email="", secas_staff=True)
    UserFactory(username="gone", is_active=False, secas_staff=True)
    UserFactory(username="member", committee_member=True)
    return sam


def live(meeting) -> dict[str, dt.datetime]:  # type: ignore[no-untyped-def]
    rows = Reminder.objects.filter(
        event_kind=EVENT_KIND, event_ref=str(meeting.pk), status=ReminderStatus.PLANNED
    )
    return {r.recipient_email: r.due_at for r in rows}


def test_the_shipped_rule_is_valid(rule: ReminderRule) -> None:
    form = ReminderRuleForm(
        data={
            "name": rule.name,
            "is_active": "on",
            "event_kind": rule.event_kind,
            "offset_unit": rule.offset_unit,
            "offset": rule.offset,
            "send_time": "09:00",
            "recipient_kinds": rule.recipient_kinds,
            "subject_template": rule.subject_template,
            "text_template": rule.text_template,
            "html_template": rule.html_template,
        },
        instance=rule,
    )
    assert form.is_valid(), form.errors
    assert rule.recipient_kinds == ["secas_staff"]


@time_machine.travel(PLANNING, tick=False)
def test_scheduling_plans_for_staff_with_an_address(rule: ReminderRule, staff) -> None:  # type: ignore[no-untyped-def]
    meeting = services.schedule_meeting(committee=CommitteeFactory(), starts_at=MEETING)
    assert live(meeting) == {"sam@example.org": DUE}
    row = Reminder.objects.get(event_kind=EVENT_KIND)
    assert (row.event_day, row.recipient_name) == (dt.date(2025, 5, 27), "Sam Analyst")


@time_machine.travel(PLANNING, tick=False)
def test_nine_london_across_the_clock_change(rule: ReminderRule, staff) -> None:  # type: ignore[no-untyped-def]
    # Meeting Tuesday 8 April (BST): papers due Tuesday 1 April; reminded Friday 28 March,
    # the last working day of GMT, at 09:00 GMT = 09:00 UTC.
    meeting = services.schedule_meeting(
        committee=CommitteeFactory(), starts_at=dt.datetime(2025, 4, 8, 10, 0, tzinfo=LONDON)
    )
    assert live(meeting) == {"sam@example.org": dt.datetime(2025, 3, 28, 9, 0, tzinfo=UTC)}


@time_machine.travel(PLANNING, tick=False)
def test_moving_the_meeting_or_the_papers_rule_replans_and_cancelling_withdraws(
    rule: ReminderRule, staff
) -> None:  # type: ignore[no-untyped-def]
    committee = CommitteeFactory()
    meeting = services.schedule_meeting(committee=committee, starts_at=MEETING)
    services.move_meeting(meeting, starts_at=MEETING + dt.timedelta(days=7))
    # Papers due Tuesday 3 June; reminded Friday 30 May at 09:00 BST.
    assert live(meeting) == {"sam@example.org": dt.datetime(2025, 5, 30, 8, 0, tzinfo=UTC)}
    services.save_committee(committee, papers_due_working_days=3)
    # Papers due Thursday 5 June; reminded Tuesday 3 June.
    assert live(meeting) == {"sam@example.org": dt.datetime(2025, 6, 3, 8, 0, tzinfo=UTC)}
    services.cancel_meeting(meeting)
    assert live(meeting) == {}
    notes = Reminder.objects.filter(event_kind=EVENT_KIND).values_list("status", "note")
    assert sorted(notes)[-1] == (
        ReminderStatus.WITHDRAWN,
        "its event was cancelled or is no longer planned",
    )
    assert Reminder.objects.filter(event_kind=EVENT_KIND).count() == 3


def test_one_papers_due_email_lists_the_agenda(
    rule: ReminderRule, staff, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    queue = Queue()
    with time_machine.travel(PLANNING, tick=False):
        meeting = services.schedule_meeting(committee=CommitteeFactory(), starts_at=MEETING)
        AgendaItemFactory(
            meeting=meeting, modification=ModificationFactory(title="CSR forecasting")
        )
    with time_machine.travel(DUE, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert dispatch.dispatch_due(queue).claimed == 1
    with time_machine.travel(DUE, tick=False):
        assert queue.run() == ["sent"]
    (message,) = [m for m in mail.outbox if "Papers due" in m.subject]
    assert parseaddr(message.to[0])[1] == "sam@example.org"
    assert message.subject == "Papers due Tuesday 27 May 2025 for CSC 3 Jun 2025"
    assert "CSR forecasting" in message.body
    assert "Tuesday 3 June 2025, 10:00 London" in message.body
    assert "CSR forecasting" in message.alternatives[0][0]
