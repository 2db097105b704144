"""The admin home: the staff dashboard and a committee member's home."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from secmods.committees.services import add_to_agenda
from secmods.modifications import services as modification_services
from secmods.reminders.models import Reminder, ReminderStatus
from secmods.rules.dates import ApproxDate
from secmods.workspace import selectors
from tests.factories import (
    CommentFactory,
    ConsultationFactory,
    MeetingFactory,
    MembershipFactory,
    MilestoneFactory,
    ModificationFactory,
    PersonFactory,
    ReminderRuleFactory,
)

# Before 09:00, when the papers-due reminders planned for today fall due.
NOW = dt.datetime(2026, 12, 3, 8, 30, tzinfo=dt.UTC)
INDEX = reverse("admin:index")


def build_register(analyst_person, n):
    """n modifications led by the analyst (and n by someone else), each with an overdue
    and a coming milestone, on a meeting's agenda, with a comment and an open consultation."""
    other = PersonFactory()
    for i in range(n):
        for lead in (analyst_person, other):
            modification = ModificationFactory(lead_analyst=lead, raised_on=dt.date(2026, 1, 5))
            MilestoneFactory(
                modification=modification, when=ApproxDate.month(2026, 10), label=f"late {i}"
            )
            MilestoneFactory(
                modification=modification,
                when=ApproxDate.day(dt.date(2027, 1, 5) + dt.timedelta(days=i)),
                label=f"coming {i}",
            )
            meeting = MeetingFactory(starts_at=NOW + dt.timedelta(days=7 + i))
            add_to_agenda(meeting, modification=modification, purpose="initial_comment")
            CommentFactory(modification=modification)
            ConsultationFactory(
                modification=modification,
                opens_at=NOW - dt.timedelta(days=2),
                closes_at=NOW + dt.timedelta(days=5 + i),
            )
    rule = ReminderRuleFactory()
    for i in range(n):
        Reminder.objects.create(
            rule=rule,
            event_kind="meeting",
            event_ref=str(i),
            event_label=f"Reminder {i}",
            event_day=NOW.date(),
            recipient_email=f"r{i}@example.org",
            due_at=NOW - dt.timedelta(hours=1),
            status=ReminderStatus.FAILED if i % 2 else ReminderStatus.PLANNED,
        )


@pytest.fixture
def analyst(secas_user):
    assert secas_user.person  # every SECAS staff login has a Person
    return secas_user


@time_machine.travel(NOW, tick=False)
def test_the_dashboard_costs_the_same_queries_at_any_size(
    db, analyst, secas_client, django_assert_max_num_queries
):
    """Every list full (more rows than it shows), then twice as many rows: the same count.
    (Below a full list, one count query per list is saved: 19 on a tiny register.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for _ in range(2):
        build_register(analyst.person, selectors.ROWS + 2)
        with django_assert_max_num_queries(24), CaptureQueriesContext(connection) as queries:
            page = secas_client.get(INDEX)
        assert page.status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


@time_machine.travel(NOW, tick=False)
def test_the_staff_home_shows_the_days_work_with_links(db, analyst, secas_client):
    build_register(analyst.person, 3)
    page = secas_client.get(INDEX).content.decode()
    assert "Your work today, Thursday 3 December 2026" in page
    dash = selectors.staff_dashboard(analyst)
    assert dash.mine_total == 3 and len(dash.mine) == 3
    row = dash.mine[0]
    # add_to_agenda tied a milestone to next week's meeting: that is the next key date.
    assert row.next_key_label == "Presented to CSC for initial comment"
    assert row.overdue_count == 1
    assert row.days_in_stage == (dt.date(2026, 12, 3) - dt.date(2026, 1, 5)).days
    assert row.median_days == row.days_in_stage  # every open one entered on the same day
    assert dash.overdue.total == 6 and dash.comments.total == 6
    assert dash.meetings.total == 6 and all(m.agenda_count == 1 for m in dash.meetings.rows)
    assert dash.consultations.total == 6
    # Failed ones, and planned ones an hour late (the default papers-due rules' own
    # reminders due before today count too: no dispatcher runs in this test).
    held = {r.event_label: r.status for r in dash.reminders.rows}
    assert {held["Reminder 0"], held["Reminder 1"], held["Reminder 2"]} == {"planned", "failed"}
    assert {e.lane for e in dash.timeline.events} == {
        "Meetings",
        "My milestones",
        "Consultations close",
    }
    pipeline = {bar.stage: bar.count for bar in dash.pipeline}
    assert pipeline["draft_proposal"] == 6 and pipeline["refinement"] == 0
    m = row.modification
    change = reverse("admin:modifications_modification_change", args=[m.pk])
    for expected in (
        f'href="{change}"',
        f'href="{change}#milestones-group"',
        "1 overdue",
        "Pipeline: open modifications per stage",
        "?stage__exact=draft_proposal",
        "The next 90 days",
        "Meetings in the next four weeks (6)",
        "1 on the agenda",
        "Overdue milestones (6)",
        "Consultations open (6)",
        "Comments not yet noted (6)",
        "Reminders that failed or are held (",
        "held since",
        "Everything in the admin (all tables)",
    ):
        assert expected in page, expected


@time_machine.travel(NOW, tick=False)
def test_lists_are_cut_with_the_total_beside_them(db, analyst, secas_client):
    build_register(analyst.person, selectors.ROWS)
    dash = selectors.staff_dashboard(analyst)
    assert len(dash.overdue.rows) == selectors.ROWS
    assert dash.overdue.total == 2 * selectors.ROWS and dash.overdue.more == selectors.ROWS
    assert dash.mine_total == selectors.ROWS
    page = secas_client.get(INDEX).content.decode()
    assert f"All {2 * selectors.ROWS} overdue" in page
    assert "date_to__lt=2026-12-03" in page
    listing = secas_client.get(
        reverse("admin:modifications_milestone_changelist"),
        {"status__exact": "planned", "date_to__lt": "2026-12-03"},
    )
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 2 * selectors.ROWS


@time_machine.travel(NOW, tick=False)
def test_days_in_stage_count_from_the_last_move(db, analyst):
    modification = ModificationFactory(lead_analyst=analyst.person, path="path_3")
    modification.problem_statement_agreed = True
    modification.save()
    with time_machine.travel(dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)):
        modification_services.move_stage(
            modification, to="refinement", reason="Agreed", user=analyst
        )
    mine, total = selectors.my_modifications(analyst, dt.date(2026, 12, 3))
    assert total == 1 and mine[0].days_in_stage == 10 and mine[0].median_days == 10


def test_a_staff_login_that_leads_nothing_is_told(db, secas_client):
    page = secas_client.get(INDEX).content.decode()
    assert "You are not Lead Analyst of any open modification" in page


@time_machine.travel(NOW, tick=False)
def test_a_member_sees_their_committees_agendas_and_their_comments(db, member_user, client):
    person = PersonFactory(user=member_user)
    membership = MembershipFactory(person=person)
    meeting = MeetingFactory(committee=membership.committee, starts_at=NOW + dt.timedelta(days=6))
    modification = ModificationFactory()
    add_to_agenda(meeting, modification=modification, purpose="initial_comment")
    CommentFactory(author=member_user, modification=modification, text="We support it.")
    client.force_login(member_user)
    page = client.get(INDEX).content.decode()
    assert "Your committees' next agendas" in page
    assert "Write a comment" in page
    assert "Your comments (1)" in page and "We support it." in page
    assert "not yet noted" in page
    assert "Pipeline" not in page  # the staff dashboard is for staff
    assert timezone.localdate() == NOW.date()
