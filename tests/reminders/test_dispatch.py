"""Dispatching in-process (locmem outbox): once, digests, retries, skips, stale claims."""

from __future__ import annotations

import dataclasses
import datetime as dt
import smtplib
import types
from collections.abc import Iterator
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secmods.reminders import dispatch
from secmods.reminders.models import DispatcherHeartbeat, Reminder, ReminderStatus
from tests.factories import (
    CommitteeFactory,
    MeetingFactory,
    MembershipFactory,
    PersonFactory,
    ReminderRuleFactory,
    UserFactory,
)
from tests.reminders.mail_backends import FlakyBackend

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
PLANNING_TIME = dt.datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
DUE = dt.datetime(2025, 5, 27, 8, 0, tzinfo=UTC)  # 5 Working Days before 3 June, 09:00 BST

pytestmark = pytest.mark.django_db


def to(message) -> str:  # type: ignore[no-untyped-def]
    return parseaddr(message.to[0])[1]


class Queue:
    """Stands in for the broker's queue in-process: what dispatch_due hands over."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def __call__(self, digest_key: str, claim_token: str) -> None:
        self.items.append((digest_key, claim_token))

    def run(self, now: dt.datetime | None = None) -> list[str]:
        items, self.items = self.items, []
        outcomes = []
        for key, token in items:
            try:
                outcomes.append(dispatch.send_digest(key, token, now=now))
            except dispatch.RetryLater as retry:
                outcomes.append("retry")
                self.items.append((key, retry.claim_token))
        return outcomes


@pytest.fixture
def queue() -> Queue:
    return Queue()


@pytest.fixture
def meeting(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    committee = CommitteeFactory()
    for name in ("alice", "bob"):
        MembershipFactory(committee=committee, person=PersonFactory(email=f"{name}@example.org"))
    ReminderRuleFactory(committee=committee, name="CSC papers")
    with time_machine.travel(PLANNING_TIME, tick=False):
        return MeetingFactory(
            committee=committee, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON)
        )


def dispatch_at(when: dt.datetime, queue: Queue, capture) -> dispatch.DispatchResult:  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False), capture(execute=True):
        return dispatch.dispatch_due(queue)


def test_nothing_goes_out_before_it_is_due(
    meeting, queue, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    result = dispatch_at(DUE - dt.timedelta(seconds=1), queue, django_capture_on_commit_callbacks)
    assert result.claimed == 0
    assert queue.items == []


def test_a_due_reminder_is_sent_once_by_two_dispatch_runs(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks
) -> None:
    first = dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    second = dispatch_at(DUE + dt.timedelta(minutes=1), queue, django_capture_on_commit_callbacks)
    assert (first.claimed, second.claimed) == (2, 0)
    assert len(queue.items) == 2
    duplicate = list(queue.items)  # a redelivered copy of each message
    assert queue.run(DUE) == ["sent", "sent"]
    queue.items = duplicate
    assert queue.run(DUE) == ["nothing to do", "nothing to do"]
    assert sorted(to(m) for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.SENT}
    message = mail.outbox[0]
    row = Reminder.objects.get(recipient_email=to(message))
    assert message.extra_headers["Message-ID"] == row.message_id
    assert message.subject.startswith("Papers for CSC 3 Jun 2025")
    assert "/reminders/unsubscribe/" in message.body
    assert message.body.count("http://127.0.0.1:8000/reminders/unsubscribe/") == 1


def test_one_person_gets_one_digest_for_reminders_due_together(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks
) -> None:
    rule2 = ReminderRuleFactory(
        committee=meeting.committee,
        name="Agenda",
        subject_template="Agenda for {{ meeting }}",
        html_template="<p>Agenda for <b>{{ meeting }}</b></p>",
        offset=6,
    )
    with time_machine.travel(PLANNING_TIME, tick=False):
        from secmods.reminders.services import replan_rule

        replan_rule(rule2)
    # The scheduler was down for a week: all four fell due meanwhile.
    dispatch_at(DUE + dt.timedelta(days=1), queue, django_capture_on_commit_callbacks)
    assert len(queue.items) == 2
    queue.run(DUE + dt.timedelta(days=1))
    assert len(mail.outbox) == 2
    alice = next(m for m in mail.outbox if to(m) == "alice@example.org")
    assert alice.subject == "secmods: 2 reminders"
    assert "Papers for CSC" in alice.body and "Agenda for CSC" in alice.body
    html = alice.alternatives[0][0]
    assert "<b>CSC 3 Jun 2025</b>" in html
    rows = Reminder.objects.filter(recipient_email="alice@example.org")
    assert {r.status for r in rows} == {ReminderStatus.SENT}
    assert len({r.message_id for r in rows}) == 1
    assert "List-Unsubscribe" not in alice.extra_headers  # two kinds: links in the body


def test_a_reminder_for_a_passed_event_is_skipped_with_the_reason(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks
) -> None:
    result = dispatch_at(
        dt.datetime(2025, 6, 3, 9, 30, tzinfo=UTC), queue, django_capture_on_commit_callbacks
    )
    assert (result.claimed, result.skipped) == (0, 2)
    row = Reminder.objects.first()
    assert row is not None
    assert row.status == ReminderStatus.SKIPPED
    assert row.note == "its event had passed (03 Jun 2025 10:00 London) when it fell due"
    assert mail.outbox == []


def test_a_smtp_failure_is_retried_and_then_sent(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks, settings
) -> None:
    settings.EMAIL_BACKEND = "tests.reminders.mail_backends.FlakyBackend"
    FlakyBackend.failures_left = 2
    dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    assert sorted(queue.run(DUE)) == ["retry", "retry"]
    first_ids = {r.message_id for r in Reminder.objects.all()}
    assert sorted(queue.run(DUE)) == ["sent", "sent"]
    rows = list(Reminder.objects.order_by("pk"))
    assert [r.status for r in rows] == [ReminderStatus.SENT, ReminderStatus.SENT]
    assert [r.attempts for r in rows] == [2, 2]
    assert {r.message_id for r in rows} == first_ids
    assert len(mail.outbox) == 2


def test_a_reminder_fails_for_good_after_the_last_try_and_staff_are_told(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks, settings, client
) -> None:
    settings.EMAIL_BACKEND = "tests.reminders.mail_backends.FlakyBackend"
    settings.REMINDER_MAX_ATTEMPTS = 3
    UserFactory(secas_staff=True, username="lead", email="lead@secas.example")
    FlakyBackend.failures_left = 0
    FlakyBackend.refused = frozenset({"bob@"})
    try:
        dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
        FlakyBackend.failures_left = 3  # alice's three tries fail too
        outcomes = []
        for _ in range(4):
            outcomes += queue.run(DUE)
    finally:
        FlakyBackend.refused = frozenset()
        FlakyBackend.failures_left = 0
    assert sorted(outcomes) == ["failed", "failed", "retry", "retry"]
    bob = Reminder.objects.get(recipient_email="bob@example.org")
    alice = Reminder.objects.get(recipient_email="alice@example.org")
    assert (bob.status, bob.attempts) == (ReminderStatus.FAILED, 1)
    assert "SMTPRecipientsRefused" in bob.error
    assert (alice.status, alice.attempts) == (ReminderStatus.FAILED, 3)
    assert "attempt 3: SMTPServerDisconnected" in alice.error
    staff_mails = [m for m in mail.outbox if to(m) == "lead@secas.example"]
    assert len(staff_mails) == 2
    assert "could not be sent" in staff_mails[0].subject
    assert client.get("/health/").status_code == 503


def test_a_claim_left_by_a_dead_worker_is_taken_again_with_the_same_message_id(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks, settings
) -> None:
    dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    lost = list(queue.items)
    queue.items = []  # the worker died with the messages
    ids_before = dict(Reminder.objects.values_list("pk", "message_id"))
    early = dispatch_at(DUE + dt.timedelta(minutes=5), queue, django_capture_on_commit_callbacks)
    assert early.reclaimed == 0
    late = dispatch_at(
        DUE + dt.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT + 60),
        queue,
        django_capture_on_commit_callbacks,
    )
    assert late.reclaimed == 2
    assert dict(Reminder.objects.values_list("pk", "message_id")) == ids_before
    # The lost messages, if ever redelivered, find their claim taken over.
    stale = Queue()
    stale.items = lost
    assert stale.run() == ["nothing to do", "nothing to do"]
    assert queue.run(DUE + dt.timedelta(minutes=11)) == ["sent", "sent"]
    assert len(mail.outbox) == 2
    assert {m.extra_headers["Message-ID"] for m in mail.outbox} == set(ids_before.values())


def test_the_heartbeat_is_recorded(meeting, queue, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    beat = DispatcherHeartbeat.objects.get()
    assert beat.claimed == 2
    assert beat.last_run_at == DUE


def test_the_message_carries_the_rule_text_and_a_working_unsubscribe_link(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks, client
) -> None:
    dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    queue.run(DUE)
    message = next(m for m in mail.outbox if to(m) == "alice@example.org")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    path = url.removeprefix("http://127.0.0.1:8000")
    page = client.get(path)
    assert page.status_code == 200
    assert b"Stop" in page.content
    assert client.post(path).status_code == 200
    from secmods.reminders.models import Unsubscription

    assert Unsubscription.objects.filter(email="alice@example.org").count() == 1
    assert client.get(path[:-5] + "xxxx/").status_code == 400


@pytest.mark.parametrize("members", [2, 40])
def test_dispatch_claims_a_batch_in_a_fixed_number_of_queries(  # type: ignore[no-untyped-def]
    members: int, queue, django_assert_num_queries, django_capture_on_commit_callbacks
) -> None:
    committee = CommitteeFactory()
    for n in range(members):
        MembershipFactory(committee=committee, person=PersonFactory(email=f"m{n}@example.org"))
    ReminderRuleFactory(committee=committee)
    with time_machine.travel(PLANNING_TIME, tick=False):
        MeetingFactory(committee=committee, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    # Stale claims, due rows, the event, one UPDATE for the whole batch, the digests won,
    # the heartbeat, savepoints: the same count for 2 or 40 recipients.
    with django_assert_num_queries(13):
        result = dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    assert result.claimed == members
    assert len(queue.items) == members


def _due_digests(members: int, queue, capture_on_commit):  # type: ignore[no-untyped-def]
    """A committee of `members` with a rule and a meeting; its digests claimed, as a send
    task would be handed them."""
    committee = CommitteeFactory()
    for n in range(members):
        MembershipFactory(committee=committee, person=PersonFactory(email=f"m{n}@example.org"))
    ReminderRuleFactory(committee=committee)
    with time_machine.travel(PLANNING_TIME, tick=False):
        MeetingFactory(committee=committee, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    dispatch_at(DUE, queue, capture_on_commit)
    pairs, queue.items = queue.items, []
    return pairs


@pytest.mark.parametrize("members", [2, 40])
def test_one_send_task_reads_its_rows_and_the_meeting_once_and_updates_once_per_message(  # type: ignore[no-untyped-def]
    members: int, queue, django_assert_max_num_queries, django_capture_on_commit_callbacks
) -> None:
    # The meeting's details (time, place, agenda) go into every email: read once per task,
    # not once per message (it was, and cost more than the email itself).
    pairs = _due_digests(members, queue, django_capture_on_commit_callbacks)
    with time_machine.travel(DUE, tick=False), django_assert_max_num_queries(10 + members):
        result = dispatch.send_digests(pairs)
    assert set(result.outcomes.values()) == {"sent"}
    assert len(mail.outbox) == members
    assert all("Agenda:" in message.body for message in mail.outbox)


def test_a_send_task_reads_its_rule_once_whatever_its_size(  # type: ignore[no-untyped-def]
    queue, django_capture_on_commit_callbacks
) -> None:
    # The rule (templates, timestamps) is read once per task, not joined onto every row:
    # built per row it was a fifth of a task's fixed cost.
    pairs = _due_digests(30, queue, django_capture_on_commit_callbacks)
    with time_machine.travel(DUE, tick=False), CaptureQueriesContext(connection) as queries:
        result = dispatch.send_digests(pairs)
    assert set(result.outcomes.values()) == {"sent"}
    assert len(mail.outbox) == 30
    rule_reads = [
        q for q in queries.captured_queries if 'FROM "reminders_reminderrule"' in q["sql"]
    ]
    assert len(rule_reads) == 1
    assert 'JOIN "reminders_reminderrule"' not in " ".join(
        q["sql"] for q in queries.captured_queries
    )


def test_a_retry_after_the_meeting_was_cancelled_sends_nothing(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks, settings
) -> None:
    settings.EMAIL_BACKEND = "tests.reminders.mail_backends.FlakyBackend"
    FlakyBackend.failures_left = 2
    dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    assert sorted(queue.run(DUE)) == ["retry", "retry"]
    FlakyBackend.failures_left = 0
    meeting.status = "cancelled"
    meeting.save()  # the claimed rows are being sent: re-planning leaves them alone
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.CLAIMED}
    assert queue.run(DUE) == ["skipped", "skipped"]
    assert mail.outbox == []
    row = Reminder.objects.first()
    assert row is not None
    assert (row.status, row.note) == (
        ReminderStatus.SKIPPED,
        "its event was cancelled or is no longer planned",
    )


# --- The parts of dispatching, one at a time ---------------------------------------------
@pytest.mark.parametrize(
    ("attempt", "base"),
    [(0, 30), (1, 30), (2, 60), (3, 120), (4, 240), (5, 300), (9, 300)],
)
def test_backoff_doubles_from_30_seconds_to_a_5_minute_cap_with_up_to_a_fifth_of_jitter(
    monkeypatch, attempt: int, base: int
) -> None:
    asked = []

    def highest(low: int, high: int) -> int:
        asked.append((type(low), low, type(high), high))
        return high

    monkeypatch.setattr(dispatch.random, "randint", highest)
    assert dispatch.backoff_seconds(attempt) == base + base // 5
    assert asked == [(int, 0, int, base // 5)]


def test_max_attempts_comes_from_the_settings_else_five(settings) -> None:  # type: ignore[no-untyped-def]
    settings.REMINDER_MAX_ATTEMPTS = "3"
    assert dispatch.max_attempts() == 3
    del settings.REMINDER_MAX_ATTEMPTS
    assert dispatch.max_attempts() == 5


def _event(**fields) -> dispatch.registry.Event:  # type: ignore[no-untyped-def]
    return dispatch.registry.Event(
        kind="meeting", ref="1", label="CSC", day=dt.date(2025, 6, 3), **fields
    )


NOW = dt.datetime(2025, 6, 3, 9, 0, tzinfo=UTC)  # 10:00 in London


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (None, "its event no longer exists"),
        (_event(ends_at=None, cancelled=True), "its event was cancelled or is no longer planned"),
        (_event(ends_at=None), None),
        (_event(ends_at=NOW + dt.timedelta(seconds=1)), None),
        (_event(ends_at=NOW), "its event had passed (03 Jun 2025 10:00 London) when it fell due"),
        (
            _event(ends_at=NOW - dt.timedelta(days=1, hours=1)),
            "its event had passed (02 Jun 2025 09:00 London) when it fell due",
        ),
    ],
)
def test_the_reasons_to_skip_a_reminder(event, reason) -> None:  # type: ignore[no-untyped-def]
    assert dispatch._skip_reason(event, NOW) == reason


def test_staff_addresses_are_active_secas_staff_and_superusers_once_each() -> None:
    UserFactory(secas_staff=True, username="b", email="b@secas.example")
    UserFactory(secas_staff=True, username="a", email="a@secas.example")
    UserFactory(username="root", email="root@secas.example", is_superuser=True)
    UserFactory(secas_staff=True, username="gone", email="gone@secas.example", is_active=False)
    UserFactory(secas_staff=True, username="silent", email="")
    UserFactory(username="member", email="member@example.org")
    UserFactory(secas_staff=True, username="twin", email="a@secas.example")
    assert dispatch.staff_addresses() == [
        "a@secas.example",
        "b@secas.example",
        "root@secas.example",
    ]


def _failed_rows(meeting) -> list[Reminder]:  # type: ignore[no-untyped-def]
    return list(Reminder.objects.order_by("recipient_email"))


def test_staff_hear_of_failed_reminders_with_each_one_listed(meeting) -> None:  # type: ignore[no-untyped-def]
    UserFactory(secas_staff=True, username="lead", email="lead@secas.example")
    rows = _failed_rows(meeting)
    dispatch.notify_staff_of_failure(rows, "550 no such user")
    (message,) = mail.outbox
    assert message.to == ["lead@secas.example"]
    assert message.subject == "secmods: 2 reminder(s) could not be sent"
    assert message.body.startswith("These reminders failed for good:\n- ")
    assert "- CSC papers to alice@example.org about " in message.body
    assert "\n- CSC papers to bob@example.org about " in message.body
    assert "(due 27 May 2025 09:00)" in message.body
    assert "\n\nError: 550 no such user\n\n" in message.body
    assert message.body.endswith("/admin/reminders/reminder/?status__exact=failed\n")


def test_with_no_staff_address_the_failure_is_logged(meeting, caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level("ERROR", logger="secmods.reminders.dispatch"):
        dispatch.notify_staff_of_failure(rows := _failed_rows(meeting), "boom")
    assert mail.outbox == []
    (record,) = caplog.records
    assert record.getMessage() == f"reminders {rows} failed and no staff address is known"


def test_a_mail_server_that_fails_the_staff_notice_is_logged_not_raised(  # type: ignore[no-untyped-def]
    meeting, settings, caplog
) -> None:
    UserFactory(secas_staff=True, username="lead", email="lead@example.org")
    settings.EMAIL_BACKEND = "tests.reminders.mail_backends.FlakyBackend"
    FlakyBackend.failures_left = 1
    try:
        with caplog.at_level("ERROR", logger="secmods.reminders.dispatch"):
            dispatch.notify_staff_of_failure(_failed_rows(meeting), "boom")
    finally:
        FlakyBackend.failures_left = 0
    assert mail.outbox == []
    assert "could not tell staff that reminders failed" in caplog.text


def test_a_small_batch_is_claimed_batch_after_batch(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks
) -> None:
    with time_machine.travel(DUE, tick=False), django_capture_on_commit_callbacks(execute=True):
        result = dispatch.dispatch_due(queue, batch=1)
    assert result.claimed == 2
    assert len(queue.items) == 2 == len(result.digests)
    assert set(result.digests) == set(queue.items)


def test_no_time_left_claims_nothing(meeting, queue, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(DUE, tick=False), django_capture_on_commit_callbacks(execute=True):
        result = dispatch.dispatch_due(queue, max_seconds=0)
    assert (result.claimed, queue.items) == (0, [])
    assert DispatcherHeartbeat.objects.get().claimed == 0


def test_a_digest_holds_at_most_digest_max_reminders(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from secmods.reminders.services import replan_rule

    for name, offset in (("Agenda", 6), ("Minutes", 7)):
        rule = ReminderRuleFactory(committee=meeting.committee, name=name, offset=offset)
        with time_machine.travel(PLANNING_TIME, tick=False):
            replan_rule(rule)
    monkeypatch.setattr(dispatch, "DIGEST_MAX", 2)
    result = dispatch_at(DUE + dt.timedelta(days=1), queue, django_capture_on_commit_callbacks)
    assert result.claimed == 6
    # Three reminders each for alice and bob: a digest of two and one of one.
    sizes = sorted(
        Reminder.objects.filter(digest_key=key).count() for key, _token in result.digests
    )
    assert sizes == [1, 1, 2, 2]
    assert len({key for key, _ in result.digests}) == 4


def test_the_heartbeat_counts_what_the_run_did(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks, settings
) -> None:
    dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    queue.items = []
    late = DUE + dt.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT + 60)
    result = dispatch_at(late, queue, django_capture_on_commit_callbacks)
    beat = DispatcherHeartbeat.objects.get()
    assert (
        (beat.claimed, beat.reclaimed, beat.skipped)
        == (0, 2, 0)
        == (
            result.claimed,
            result.reclaimed,
            result.skipped,
        )
    )
    assert beat.last_run_at == late
    assert 0 <= beat.duration_ms < 60_000
    assert set(Reminder.objects.values_list("claimed_at", "updated_at")) == {(late, late)}
    passed = dt.datetime(2025, 6, 3, 9, 30, tzinfo=UTC)
    Reminder.objects.update(status=ReminderStatus.PLANNED)
    dispatch_at(passed, queue, django_capture_on_commit_callbacks)
    assert DispatcherHeartbeat.objects.get().skipped == 2


def test_a_digest_that_cannot_be_rendered_fails_at_once_and_staff_are_told(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks, monkeypatch, caplog
) -> None:
    UserFactory(secas_staff=True, username="lead", email="lead@secas.example")
    dispatch_at(DUE, queue, django_capture_on_commit_callbacks)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("no such variable")

    monkeypatch.setattr(dispatch, "build_digest", broken)
    later = DUE + dt.timedelta(minutes=3)
    keys = sorted(key for key, _ in queue.items)
    with caplog.at_level("ERROR", logger="secmods.reminders.dispatch"):
        assert queue.run(later) == ["failed", "failed"]
    assert sorted(r.getMessage() for r in caplog.records) == [
        f"reminder digest {key} could not be rendered" for key in keys
    ]
    rows = list(Reminder.objects.all())
    assert {(r.status, r.error, r.attempts, r.updated_at) for r in rows} == {
        (ReminderStatus.FAILED, "could not render the email: no such variable", 1, later)
    }
    assert [to(m) for m in mail.outbox] == ["lead@secas.example", "lead@secas.example"]
    assert "Error: could not render the email: no such variable" in mail.outbox[0].body


def test_a_sent_digest_records_when_and_clears_the_error(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks, settings
) -> None:
    settings.EMAIL_BACKEND = "tests.reminders.mail_backends.FlakyBackend"
    FlakyBackend.failures_left = 2
    dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    queue.run(DUE)
    assert {r.error for r in Reminder.objects.all()} == {
        "attempt 1: SMTPServerDisconnected: Connection unexpectedly closed"
    }
    later = DUE + dt.timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        assert queue.run(later) == ["sent", "sent"]
    rows = list(Reminder.objects.all())
    assert {(r.status, r.error, r.sent_at, r.attempts) for r in rows} == {
        (ReminderStatus.SENT, "", later, 2)
    }


def test_a_retry_waits_the_backoff_and_keeps_the_new_token(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks, settings, monkeypatch
) -> None:
    settings.EMAIL_BACKEND = "tests.reminders.mail_backends.FlakyBackend"
    FlakyBackend.failures_left = 1
    monkeypatch.setattr(dispatch.random, "randint", lambda low, high: 0)
    dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    key, token = queue.items[0]
    try:
        dispatch.send_digest(key, token, now=DUE)
    except dispatch.RetryLater as retry:
        assert retry.countdown == 30
        assert retry.claim_token != token
        assert str(retry) == "attempt 1: SMTPServerDisconnected: Connection unexpectedly closed"
        row = Reminder.objects.filter(digest_key=key).get()
        assert (row.claim_token, row.status, row.claimed_at) == (
            retry.claim_token,
            ReminderStatus.CLAIMED,
            DUE,
        )
    else:
        pytest.fail("a dropped connection is retried")
    finally:
        FlakyBackend.failures_left = 0


def test_recipients_the_event_no_longer_wants_are_skipped_when_claimed_and_when_sent(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    # A kind that, like the consultations', drops people who have answered since.
    unwanted: dict[str, str] = {}
    asked = []

    def skip(event, emails):  # type: ignore[no-untyped-def]
        asked.append((event.kind, event.ref, sorted(emails)))
        return dict(unwanted)

    kind = dataclasses.replace(dispatch.registry.event_kind("meeting"), skip_recipients=skip)
    monkeypatch.setitem(dispatch.registry._event_kinds, "meeting", kind)
    Reminder.objects.filter(recipient_email="alice@example.org").update(
        recipient_email="Alice@Example.org"
    )
    unwanted["alice@example.org"] = "answered on 20 May"
    result = dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    assert (result.claimed, result.skipped) == (1, 1)
    assert asked == [("meeting", str(meeting.pk), ["alice@example.org", "bob@example.org"])]
    alice = Reminder.objects.get(recipient_email="Alice@Example.org")
    assert (alice.status, alice.note) == (ReminderStatus.SKIPPED, "answered on 20 May")
    # Bob answers while his reminder waits for the worker.
    unwanted["bob@example.org"] = "answered on 26 May"
    later = DUE + dt.timedelta(minutes=1)
    assert queue.run(later) == ["skipped"]
    bob = Reminder.objects.get(recipient_email="bob@example.org")
    assert (bob.status, bob.note, bob.updated_at) == (
        ReminderStatus.SKIPPED,
        "answered on 26 May",
        later,
    )
    assert mail.outbox == []


def test_a_digest_drops_only_the_reminders_whose_event_no_longer_wants_the_recipient(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    with time_machine.travel(PLANNING_TIME, tick=False):
        other = MeetingFactory(
            committee=meeting.committee, starts_at=dt.datetime(2025, 6, 3, 14, 0, tzinfo=LONDON)
        )
    dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    assert len(queue.items) == 2  # alice's two reminders in one digest, and bob's

    def skip(event, emails):  # type: ignore[no-untyped-def]
        # Alice is no longer wanted for the first meeting only.
        if event.ref == str(meeting.pk) and "alice@example.org" in emails:
            return {"alice@example.org": "sent her apologies"}
        return {}

    kind = dataclasses.replace(dispatch.registry.event_kind("meeting"), skip_recipients=skip)
    monkeypatch.setitem(dispatch.registry._event_kinds, "meeting", kind)
    assert sorted(queue.run(DUE)) == ["sent", "sent"]
    alice = {r.event_ref: r for r in Reminder.objects.filter(recipient_email="alice@example.org")}
    assert (alice[str(meeting.pk)].status, alice[str(meeting.pk)].note) == (
        ReminderStatus.SKIPPED,
        "sent her apologies",
    )
    assert alice[str(other.pk)].status == ReminderStatus.SENT
    assert sorted(to(m) for m in mail.outbox) == ["alice@example.org", "bob@example.org"]


def test_a_retry_of_a_reminder_that_is_no_longer_claimed_does_nothing(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks, settings
) -> None:
    settings.EMAIL_BACKEND = "tests.reminders.mail_backends.FlakyBackend"
    FlakyBackend.failures_left = 2
    try:
        dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
        assert sorted(queue.run(DUE)) == ["retry", "retry"]
    finally:
        FlakyBackend.failures_left = 0
    # Withdrawn by staff while the retries waited: the tokens in the queue still match.
    Reminder.objects.update(status=ReminderStatus.SKIPPED, note="withdrawn")
    assert queue.run(DUE) == ["nothing to do", "nothing to do"]
    assert mail.outbox == []
    assert set(Reminder.objects.values_list("status", "attempts")) == {(ReminderStatus.SKIPPED, 1)}


def test_a_long_smtp_error_is_kept_to_2000_characters(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks, settings
) -> None:
    settings.EMAIL_BACKEND = "tests.reminders.mail_backends.LongErrorBackend"
    settings.REMINDER_MAX_ATTEMPTS = 2
    dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    assert queue.run(DUE) == ["retry", "retry"]
    errors = list(Reminder.objects.values_list("error", flat=True))
    assert [len(e) for e in errors] == [2000, 2000]
    assert all(e.startswith("attempt 1: SMTPDataError: (451, ") for e in errors)
    assert queue.run(DUE) == ["failed", "failed"]
    rows = list(Reminder.objects.all())
    assert [(r.status, len(r.error)) for r in rows] == [(ReminderStatus.FAILED, 2000)] * 2
    assert rows[0].error.startswith("attempt 2: SMTPDataError")


def test_due_reminders_are_claimed_earliest_first(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks
) -> None:
    first, second = Reminder.objects.order_by("pk")
    Reminder.objects.filter(pk=second.pk).update(due_at=DUE - dt.timedelta(hours=1))
    with time_machine.travel(DUE, tick=False), django_capture_on_commit_callbacks(execute=True):
        result = dispatch.dispatch_due(queue, batch=1)
    claimed_in_order = [Reminder.objects.get(digest_key=key).pk for key, _ in result.digests]
    assert claimed_in_order == [second.pk, first.pk]


def test_a_reminder_whose_event_kind_is_gone_is_skipped(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks
) -> None:
    Reminder.objects.filter(recipient_email="alice@example.org").update(event_kind="retired")
    result = dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    assert (result.claimed, result.skipped) == (1, 1)
    alice = Reminder.objects.get(recipient_email="alice@example.org")
    assert (alice.status, alice.note) == (ReminderStatus.SKIPPED, "its event no longer exists")


def test_the_heartbeat_records_how_long_the_run_took(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    ticks = iter([100.0, 100.5, 101.0, 101.5, 102.0, 102.5, 103.0])
    # Only the dispatcher's clock: the module's own name for `time`.
    monkeypatch.setattr(dispatch, "time", types.SimpleNamespace(monotonic=lambda: next(ticks)))
    with time_machine.travel(DUE, tick=False), django_capture_on_commit_callbacks(execute=True):
        dispatch.dispatch_due(queue)
    # Started at 100.0; one claim batch (checked at 100.5); the heartbeat reads 101.0.
    assert DispatcherHeartbeat.objects.get().duration_ms == 1000


def test_the_note_of_a_digest_whose_events_all_passed_is_kept_to_300_characters(  # type: ignore[no-untyped-def]
    meeting, queue, django_capture_on_commit_callbacks
) -> None:
    with time_machine.travel(PLANNING_TIME, tick=False):
        for hour in (11, 12, 13, 14, 15):
            MeetingFactory(
                committee=meeting.committee,
                starts_at=dt.datetime(2025, 6, 3, hour, 0, tzinfo=LONDON),
            )
    dispatch_at(DUE, queue, django_capture_on_commit_callbacks)
    evening = dt.datetime(2025, 6, 3, 19, 0, tzinfo=UTC)
    assert queue.run(evening) == ["skipped", "skipped"]
    notes = set(Reminder.objects.values_list("note", flat=True))
    assert [len(n) for n in notes] == [300]
    assert notes.pop().startswith(
        "its event had passed (03 Jun 2025 10:00 London) when it fell due; "
    )


class _RecordingHandler:
    """A mail server that records each envelope and refuses addresses at refused.example."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[str, list[str], list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address.endswith("@refused.example"):
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.envelopes.append(
            (envelope.mail_from, envelope.mail_options, envelope.rcpt_tos, envelope.content)
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def recording_server() -> Iterator[tuple[_RecordingHandler, int]]:
    from aiosmtpd.controller import Controller

    from tests.reminders.smtp_sink import free_port

    handler, port = _RecordingHandler(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


def test_the_plain_sendmail_sends_what_smtplib_sendmail_sends(recording_server) -> None:  # type: ignore[no-untyped-def]
    handler, port = recording_server
    data = b"Message-ID: <a@b>\r\nSubject: x\r\n\r\n.a line starting with a dot\r\n"
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.sendmail("secmods <secas@secmods.example>", ["Alice <alice@example.org>"], data)
        dispatch._sendmail(
            client, "secmods <secas@secmods.example>", ["Alice <alice@example.org>"], data
        )
        dispatch._sendmail(client, "secas@secmods.example", ["bob@example.org"], data)
    smtplib_envelope, ours, bare = handler.envelopes
    assert ours == smtplib_envelope
    assert ours[:3] == ("secas@secmods.example", [f"SIZE={len(data)}"], ["alice@example.org"])
    assert bare[:3] == ("secas@secmods.example", [f"SIZE={len(data)}"], ["bob@example.org"])


def test_the_plain_sendmail_raises_what_smtplib_raises_and_the_connection_goes_on(  # type: ignore[no-untyped-def]
    recording_server,
) -> None:
    handler, port = recording_server
    data = b"Message-ID: <a@b>\r\n\r\nhello\r\n"
    with smtplib.SMTP("127.0.0.1", port) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as theirs:
            client.sendmail("secas@secmods.example", ["Zed <zed@refused.example>"], data)
        with pytest.raises(smtplib.SMTPRecipientsRefused) as ours:
            dispatch._sendmail(client, "secas@secmods.example", ["Zed <zed@refused.example>"], data)
        dispatch._sendmail(client, "secas@secmods.example", ["alice@example.org"], data)
    assert ours.value.recipients == theirs.value.recipients
    assert [envelope[2] for envelope in handler.envelopes] == [["alice@example.org"]]
