"""What staff see and do: rules (validated templates), the outbox, health, the preview."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from secmods.reminders.forms import ReminderRuleForm
from secmods.reminders.models import DispatcherHeartbeat, Reminder, ReminderRule, ReminderStatus
from secmods.reminders.selectors import reminder_health, upcoming_reminders
from tests.factories import (
    CommitteeFactory,
    MeetingFactory,
    MembershipFactory,
    ModificationFactory,
    PersonFactory,
    ReminderRuleFactory,
)

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
NOW = dt.datetime(2025, 5, 20, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _may_2025():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def csc():  # type: ignore[no-untyped-def]
    committee = CommitteeFactory()
    MembershipFactory(committee=committee, person=PersonFactory(email="alice@example.org"))
    return committee


def rule_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "CSC papers",
        "is_active": "on",
        "event_kind": "meeting",
        "milestone_kind": "",
        "committee": "",
        "offset_unit": "working_days",
        "offset": "5",
        "send_time": "09:00",
        "recipient_kinds": ["committee_members"],
        "addresses": "",
        "subject_template": "Papers for {{ meeting }}",
        "text_template": "Dear {{ recipient_name }}",
        "html_template": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("field", "source", "message"),
    [
        ("text_template", "{% if %}", "Template error"),
        ("text_template", "{{ meeting|nosuchfilter }}", "Template error"),
        ("html_template", "{% for x in y %}", "Template error"),
        ("subject_template", "{% debug %}", "{% debug %} is not allowed"),
        ("text_template", "{% include 'admin/base.html' %}", "{% include %} is not allowed"),
        ("text_template", "{% load static %}", "{% load %} is not allowed"),
    ],
)
def test_broken_or_unsafe_templates_are_form_errors(field: str, source: str, message: str) -> None:
    form = ReminderRuleForm(data=rule_data(**{field: source}))
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_named_addresses_are_validated() -> None:
    form = ReminderRuleForm(data=rule_data(recipient_kinds=["named"], addresses="not an email"))
    assert not form.is_valid()
    assert "'not an email' is not an email address." in form.errors["addresses"]
    form = ReminderRuleForm(data=rule_data(recipient_kinds=["named"], addresses=""))
    assert not form.is_valid()
    assert "addresses" in form.errors


def test_adding_a_rule_in_the_admin_plans_its_reminders(staff_client, csc) -> None:  # type: ignore[no-untyped-def]
    MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    response = staff_client.post("/admin/reminders/reminderrule/add/", rule_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/admin/reminders/reminderrule/"
    rule = ReminderRule.objects.get(event_kind="meeting")  # beside the shipped defaults
    assert rule.recipient_kinds == ["committee_members"]
    assert Reminder.objects.filter(rule=rule, status=ReminderStatus.PLANNED).count() == 1
    bad = staff_client.post(
        "/admin/reminders/reminderrule/add/", rule_data(text_template="{% if %}")
    )
    assert bad.status_code == 200
    assert b"Template error" in bad.content


def test_moving_a_meeting_in_the_admin_replans(staff_client, csc) -> None:  # type: ignore[no-untyped-def]
    ReminderRuleFactory(committee=csc)
    meeting = MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    response = staff_client.post(
        f"/admin/committees/meeting/{meeting.pk}/change/",
        {
            "committee": csc.pk,
            "starts_at_0": "10/06/2025",
            "starts_at_1": "10:00",
            "title": "",
            "location": "",
            "status": "scheduled",
            "agenda_items-TOTAL_FORMS": "0",
            "agenda_items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    # (The shipped "papers due" rule reminds SECAS staff too: not this test's concern.)
    meeting_reminders = Reminder.objects.filter(event_kind="meeting")
    planned = meeting_reminders.get(status=ReminderStatus.PLANNED)
    assert planned.due_at == dt.datetime(2025, 6, 3, 8, 0, tzinfo=UTC)
    assert meeting_reminders.filter(status=ReminderStatus.WITHDRAWN).count() == 1


def test_the_modification_page_lists_its_reminders(staff_client) -> None:  # type: ignore[no-untyped-def]
    ReminderRuleFactory(
        event_kind="milestone",
        recipient_kinds=["proposer"],
        offset=2,
        name="Consultation closing soon",
    )
    modification = ModificationFactory(proposer=PersonFactory(email="proposer@dcc.example"))
    from secmods.modifications import services
    from secmods.rules.dates import ApproxDate

    services.add_milestone(
        modification,
        kind="consultation_closes",
        label="Consultation closes",
        when=ApproxDate.day(dt.date(2025, 6, 13)),
    )
    page = staff_client.get(f"/admin/modifications/modification/{modification.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "reminders (planned and sent)" in text.lower()
    assert "proposer@dcc.example" in text
    assert "Wed 11 Jun 2025 09:00" in text


def test_the_outbox_shows_when_the_dispatcher_last_ran(staff_client) -> None:  # type: ignore[no-untyped-def]
    page = staff_client.get("/admin/reminders/reminder/")
    assert page.status_code == 200
    assert "the reminder dispatcher has never run" in page.content.decode()
    DispatcherHeartbeat.objects.create(pk=1, last_run_at=NOW - dt.timedelta(seconds=30))
    page = staff_client.get("/admin/reminders/reminder/")
    assert "Tue 20 May 2025 12:59:30 (London)" in page.content.decode()


def test_health_answers_503_until_the_dispatcher_runs_and_after_it_stops(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["problems"] == ["the reminder dispatcher has never run"]
    DispatcherHeartbeat.objects.create(pk=1, last_run_at=NOW - dt.timedelta(minutes=4))
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        response = client.get("/health/")
    assert response.status_code == 503
    assert "last ran 6 minutes ago" in response.json()["problems"][0]


def test_health_reads_in_a_fixed_number_of_queries(django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_max_num_queries(2):
        assert not reminder_health().ok


def test_reminders_preview_lists_what_goes_out_in_london_time(csc, capsys) -> None:  # type: ignore[no-untyped-def]
    ReminderRuleFactory(committee=csc, name="CSC papers")
    MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 11, 4, 10, 0, tzinfo=LONDON))
    call_command("reminders_preview", "--days", "10")
    out = capsys.readouterr().out
    assert "Tue 27 May 2025 09:00 BST  alice@example.org  [CSC papers]" in out
    assert "Nov 2025" not in out
    assert "1 reminder(s) in the next 10 day(s)." in out
    call_command("reminders_preview", "--days", "200")
    assert "Tue 28 Oct 2025 09:00 GMT  alice@example.org" in capsys.readouterr().out


@pytest.mark.parametrize("days", ["-1", "ten", "99999"])
def test_reminders_preview_refuses_bad_days(days: str) -> None:
    with pytest.raises(CommandError, match="--days must be"):
        call_command("reminders_preview", "--days", days)


def test_preview_selector_reads_in_one_query(csc, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    ReminderRuleFactory(committee=csc)
    for week in range(5):
        MeetingFactory(
            committee=csc,
            starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON) + dt.timedelta(weeks=week),
        )
    with django_assert_max_num_queries(1):
        rows = list(upcoming_reminders(days=60))
        assert len(rows) == 5
        assert all(r.rule.name for r in rows)


def test_staff_send_a_failed_reminder_again_or_acknowledge_it(staff_client, csc) -> None:  # type: ignore[no-untyped-def]
    MembershipFactory(committee=csc, person=PersonFactory(email="bob@example.org"))
    ReminderRuleFactory(committee=csc)
    MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    Reminder.objects.exclude(event_kind="meeting").delete()  # the shipped papers-due rule's
    Reminder.objects.update(status=ReminderStatus.FAILED, error="550 no such user", attempts=5)
    alice, bob = Reminder.objects.order_by("recipient_email")
    assert reminder_health().failed == 2
    response = staff_client.post(
        "/admin/reminders/reminder/", {"action": "retry_failed", "_selected_action": [alice.pk]}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.status, alice.attempts, alice.due_at) == (ReminderStatus.PLANNED, 0, NOW)
    staff_client.post(
        "/admin/reminders/reminder/",
        {"action": "withdraw_planned", "_selected_action": [bob.pk]},
    )
    bob.refresh_from_db()
    assert bob.status == ReminderStatus.WITHDRAWN
    assert reminder_health().failed == 0


def test_the_timeouts_must_nest(settings) -> None:  # type: ignore[no-untyped-def]
    from secmods.reminders.checks import reminder_timeouts

    assert reminder_timeouts() == []
    settings.CELERY_TASK_TIME_LIMIT = 900
    assert [e.id for e in reminder_timeouts()] == ["reminders.E001"]
    settings.CELERY_TASK_TIME_LIMIT = 120
    settings.EMAIL_TIMEOUT = None
    assert [e.id for e in reminder_timeouts()] == ["reminders.E002"]


def test_who_may_do_what_with_rules_and_the_outbox(client, secas_user, member_user, csc) -> None:  # type: ignore[no-untyped-def]
    rule = ReminderRuleFactory(committee=csc)
    MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    reminder = Reminder.objects.get(rule=rule)
    for user in (secas_user, member_user):
        user.save()  # see conftest.staff_client
    client.force_login(member_user)
    assert client.get("/admin/reminders/reminderrule/").status_code == 403
    assert client.post("/admin/reminders/reminderrule/add/", rule_data()).status_code == 403
    assert client.get("/admin/reminders/reminder/").status_code == 403
    assert client.get("/health/").status_code == 503  # public, no secrets in it
    client.force_login(secas_user)
    assert client.get(f"/admin/reminders/reminderrule/{rule.pk}/change/").status_code == 200
    # The outbox is a record: staff read it and act on it through its actions only.
    assert client.get(f"/admin/reminders/reminder/{reminder.pk}/change/").status_code == 200
    assert client.get("/admin/reminders/reminder/add/").status_code == 403
    url = f"/admin/reminders/reminder/{reminder.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Reminder.objects.filter(pk=reminder.pk).exists()


def test_beat_wakes_the_dispatcher_every_minute_in_our_app(settings) -> None:  # type: ignore[no-untyped-def]
    from config.celery import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    entry = settings.CELERY_BEAT_SCHEDULE["reminders-dispatch-due"]
    assert entry["task"] == "secmods.reminders.tasks.dispatch_due"
    assert entry["schedule"] == 60.0
    assert app.conf.timezone == "UTC"
    assert {"secmods.reminders.tasks.dispatch_due", "secmods.reminders.tasks.send_digest"} <= set(
        app.tasks
    )


def test_reminder_lists_name_event_and_recipient_kinds_in_words(db, client):
    import re

    from secmods.reminders import registry
    from tests.factories import ReminderRuleFactory, UserFactory

    client.force_login(UserFactory(secas_staff=True, username="analyst"))
    ReminderRuleFactory(
        event_kind="papers_due",
        recipient_kinds=["committee_members", "respondents_not_answered"],
    )
    for url in ("/admin/reminders/reminderrule/", "/admin/reminders/reminder/"):
        html = client.get(url).content.decode()
        shown = re.sub(r"<[^>]+>", " ", html)  # the words on the page, not the query strings
        for key in ("papers_due", "respondents_not_answered", "committee_members"):
            assert key not in shown, (url, key)
    rules = client.get("/admin/reminders/reminderrule/").content.decode()
    assert registry.event_kind("papers_due").label in rules
    assert registry.recipient_kind("respondents_not_answered").label in rules
