"""The "consultation closing" reminder: planned 3 Working Days before at 09:00 London to the
invited respondents who have not answered, kept in step with the deadline, and sent (in
process, to the locmem outbox) with each respondent's personal link."""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from secmods.consultations import services
from secmods.consultations.reminders import ANSWERED, EVENT_KIND
from secmods.modifications import services as modification_services
from secmods.reminders import dispatch
from secmods.reminders.forms import ReminderRuleForm
from secmods.reminders.models import Reminder, ReminderRule, ReminderStatus
from tests.factories import ModificationFactory, UserFactory, party_category
from tests.reminders.test_dispatch import Queue

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
PLANNING = dt.datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
CLOSES_ON = dt.date(2025, 6, 27)  # a Friday: closes at 17:00 BST
DUE = dt.datetime(2025, 6, 24, 8, 0, tzinfo=UTC)  # Tuesday 24 June, 09:00 BST


@pytest.fixture
def rule() -> ReminderRule:
    # The rule the data migration ships (editable in the admin).
    return ReminderRule.objects.get(event_kind=EVENT_KIND)


def open_with_invitees(closes_on: dt.date = CLOSES_ON, *emails: str):  # type: ignore[no-untyped-def]
    modification = ModificationFactory(stage="report_phase", title="CSR forecasting")
    consultation = services.open_consultation(
        modification=modification,
        kind="report",
        questions=["Do you agree with the solution?"],
        closes_on=closes_on,
    )
    services.invite_respondents(
        consultation,
        [{"email": email, "name": email.split("@")[0].title()} for email in emails]
        or [{"email": "ann@example.org", "name": "Ann"}, {"email": "ben@example.org"}],
    )
    mail.outbox.clear()  # the invitations themselves
    return consultation


def live(consultation) -> dict[str, dt.datetime]:  # type: ignore[no-untyped-def]
    rows = Reminder.objects.filter(
        event_kind=EVENT_KIND, event_ref=str(consultation.pk), status=ReminderStatus.PLANNED
    )
    return {r.recipient_email: r.due_at for r in rows}


def answer(consultation, invitation=None, **extra):  # type: ignore[no-untyped-def]
    question = consultation.questions.get()
    return services.submit_response(
        consultation,
        respondent_name="Ann",
        organisation_name="Ann Energy",
        party_category=party_category("large-supplier"),
        answers={question.pk: {"position": "agree", "text": "Yes."}},
        invitation=invitation,
        **extra,
    )


def test_the_shipped_rule_is_valid_and_editable(rule: ReminderRule) -> None:
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
    assert (rule.offset, rule.offset_unit, rule.send_time) == (3, "working_days", dt.time(9))
    assert rule.recipient_kinds == ["respondents_not_answered"]


@time_machine.travel(PLANNING, tick=False)
def test_opening_plans_three_working_days_before_at_nine_london(rule: ReminderRule) -> None:
    consultation = open_with_invitees()
    assert consultation.closes_at == dt.datetime(2025, 6, 27, 17, 0, tzinfo=LONDON)
    assert live(consultation) == {"ann@example.org": DUE, "ben@example.org": DUE}
    row = Reminder.objects.filter(event_kind=EVENT_KIND).first()
    assert row is not None
    assert (row.rule, row.event_day, row.modification) == (
        rule,
        CLOSES_ON,
        consultation.modification,
    )


@pytest.mark.parametrize(
    ("planned_at", "closes_on", "due"),
    [
        # Closes in summer time (17:00 BST), reminded on the last Friday of winter time.
        (dt.datetime(2025, 3, 3, 12, 0, tzinfo=UTC), dt.date(2025, 4, 2), "2025-03-28 09:00"),
        # Closes in winter time (17:00 GMT), reminded on the last Friday of summer time.
        (dt.datetime(2025, 10, 1, 12, 0, tzinfo=UTC), dt.date(2025, 10, 29), "2025-10-24 08:00"),
    ],
)
def test_nine_london_across_the_clock_change(
    rule: ReminderRule, planned_at: dt.datetime, closes_on: dt.date, due: str
) -> None:
    with time_machine.travel(planned_at, tick=False):
        consultation = open_with_invitees(closes_on, "ann@example.org")
    (due_at,) = live(consultation).values()
    assert f"{due_at.astimezone(UTC):%Y-%m-%d %H:%M}" == due
    assert due_at.astimezone(LONDON).time() == dt.time(9, 0)


@time_machine.travel(PLANNING, tick=False)
def test_moving_the_deadline_replans_and_closing_early_withdraws(rule: ReminderRule) -> None:
    consultation = open_with_invitees()
    # A week later, through the service the admin's change form and the API call.
    services.update_consultation(
        consultation, closes_at=dt.datetime(2025, 7, 4, 17, 0, tzinfo=LONDON)
    )
    assert live(consultation) == {
        "ann@example.org": dt.datetime(2025, 7, 1, 8, 0, tzinfo=UTC),
        "ben@example.org": dt.datetime(2025, 7, 1, 8, 0, tzinfo=UTC),
    }
    withdrawn = Reminder.objects.filter(status=ReminderStatus.WITHDRAWN, event_kind=EVENT_KIND)
    assert {r.due_at for r in withdrawn} == {DUE}
    assert withdrawn.count() == 2
    # Closed early (the deadline brought forward to now): nothing left to remind of.
    services.update_consultation(
        consultation, closes_at=PLANNING, opens_at=PLANNING - dt.timedelta(days=1)
    )
    assert live(consultation) == {}
    assert Reminder.objects.filter(status=ReminderStatus.WITHDRAWN).count() == 4


@time_machine.travel(PLANNING, tick=False)
def test_a_withdrawn_modification_or_a_deleted_consultation_withdraws(rule: ReminderRule) -> None:
    consultation = open_with_invitees()
    other = open_with_invitees(CLOSES_ON, "cat@example.org")
    modification_services.move_stage(
        consultation.modification, to="withdrawn", reason="Withdrawn by the proposer."
    )
    assert live(consultation) == {}
    assert set(
        Reminder.objects.filter(event_ref=str(consultation.pk)).values_list("note", flat=True)
    ) == {"its event was cancelled or is no longer planned"}
    other_ref = str(other.pk)
    services.delete_consultation(other)
    # (Its invitations go first in the cascade: the reason may name the recipients.)
    assert Reminder.objects.get(event_ref=other_ref).status == ReminderStatus.WITHDRAWN


@time_machine.travel(PLANNING, tick=False)
def test_a_rolled_back_opening_plans_nothing(rule: ReminderRule) -> None:
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        open_with_invitees()
        raise RuntimeError("the rest of the request failed")
    assert not Reminder.objects.exists()


@time_machine.travel(PLANNING, tick=False)
def test_who_answers_or_loses_their_link_is_not_reminded(rule: ReminderRule) -> None:
    consultation = open_with_invitees(
        CLOSES_ON, "ann@example.org", "ben@example.org", "cy@example.org"
    )
    ann, ben, _cy = consultation.invitations.order_by("email")
    answer(consultation, invitation=ann)
    services.revoke_invitation(ben)
    assert live(consultation) == {"cy@example.org": DUE}
    # A response that came by email and was entered by staff counts too (matched on the
    # address, in any case).
    staff = UserFactory(secas_staff=True)
    answer(consultation, respondent_email="Cy@Example.org", entered_by=staff)
    assert live(consultation) == {}


def dispatch_at(when: dt.datetime, queue: Queue, capture) -> dispatch.DispatchResult:  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False), capture(execute=True):
        return dispatch.dispatch_due(queue)


def test_one_reminder_with_the_personal_link(
    rule: ReminderRule, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    queue = Queue()
    with time_machine.travel(PLANNING, tick=False):
        consultation = open_with_invitees()
        answer(consultation, invitation=consultation.invitations.get(email="ann@example.org"))
    assert (
        dispatch_at(
            DUE - dt.timedelta(minutes=1), queue, django_capture_on_commit_callbacks
        ).claimed
        == 0
    )
    assert dispatch_at(DUE, queue, django_capture_on_commit_callbacks).claimed == 1
    with time_machine.travel(DUE, tick=False):
        assert queue.run(DUE) == ["sent"]
    (message,) = mail.outbox
    assert parseaddr(message.to[0])[1] == "ben@example.org"
    assert message.subject == (
        f"Reminder: {consultation.title} closes at 5pm (London time) on Friday 27 June 2025"
    )
    link = re.search(r"http\S+/consultations/respond/(\S+)/", message.body)
    assert link is not None
    with time_machine.travel(DUE, tick=False):  # signed when sent: valid for 90 days from then
        invitation = services.resolve_response_link(link.group(1))
    assert invitation == consultation.invitations.get(email="ben@example.org")
    html = message.alternatives[0][0]
    assert link.group(0) in html
    assert "We have not yet received your response" in message.body
    assert Reminder.objects.get(recipient_email="ben@example.org").status == ReminderStatus.SENT


def test_an_answer_after_the_claim_drops_the_reminder_at_send_time(
    rule: ReminderRule, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    queue = Queue()
    with time_machine.travel(PLANNING, tick=False):
        consultation = open_with_invitees()
    # Both claimed by the dispatcher; Ann answers before the worker gets to her message
    # (re-planning leaves a claimed row alone: the send-time check is what stops it).
    assert dispatch_at(DUE, queue, django_capture_on_commit_callbacks).claimed == 2
    with time_machine.travel(DUE + dt.timedelta(seconds=5), tick=False):
        answer(consultation, invitation=consultation.invitations.get(email="ann@example.org"))
        assert sorted(queue.run()) == ["sent", "skipped"]
    assert [parseaddr(m.to[0])[1] for m in mail.outbox] == ["ben@example.org"]
    ann = Reminder.objects.get(recipient_email="ann@example.org")
    assert (ann.status, ann.note) == (ReminderStatus.SKIPPED, ANSWERED)


def test_an_answer_written_without_signals_is_caught_when_claiming(
    rule: ReminderRule, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from secmods.consultations.models import Response

    queue = Queue()
    with time_machine.travel(PLANNING, tick=False):
        consultation = open_with_invitees()
        response = answer(consultation)  # entered with no invitation nor address...
    # ...then tied to Ann's invitation by a bulk UPDATE (no post_save, no re-planning).
    Response.objects.filter(pk=response.pk).update(
        invitation=consultation.invitations.get(email="ann@example.org")
    )
    assert set(live(consultation)) == {"ann@example.org", "ben@example.org"}
    result = dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    assert (result.claimed, result.skipped) == (1, 1)
    with time_machine.travel(DUE, tick=False):
        assert queue.run() == ["sent"]
    assert [parseaddr(m.to[0])[1] for m in mail.outbox] == ["ben@example.org"]
    assert Reminder.objects.get(recipient_email="ann@example.org").note == ANSWERED
