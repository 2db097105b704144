"""Planning: reminders follow their meetings and milestones, in the same transaction."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from secmods.committees import services as committee_services
from secmods.modifications import services as modification_services
from secmods.modifications.models import MilestoneKind, MilestoneStatus, Stage
from secmods.reminders import registry
from secmods.reminders.models import Reminder, ReminderStatus, Unsubscription
from secmods.reminders.services import replan_event, replan_rule
from secmods.rules.dates import ApproxDate
from tests.factories import (
    CommitteeFactory,
    MeetingFactory,
    MembershipFactory,
    MilestoneFactory,
    ModificationFactory,
    PersonFactory,
    ReminderRuleFactory,
)

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _spring_2025():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2025, 3, 1, 12, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def csc():  # type: ignore[no-untyped-def]
    committee = CommitteeFactory()
    MembershipFactory(committee=committee, person=PersonFactory(email="alice@example.org"))
    MembershipFactory(committee=committee, person=PersonFactory(email="bob@example.org"))
    MembershipFactory(
        committee=committee,
        person=PersonFactory(email="gone@example.org"),
        end_date=dt.date(2024, 12, 31),
    )
    return committee


def live(**filters: object) -> list[Reminder]:
    return list(
        Reminder.objects.filter(status=ReminderStatus.PLANNED, **filters).order_by(
            "recipient_email"
        )
    )


def test_a_new_meeting_plans_one_reminder_per_active_member(csc) -> None:  # type: ignore[no-untyped-def]
    ReminderRuleFactory(committee=csc)
    meeting = MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    rows = live(event_kind="meeting", event_ref=str(meeting.pk))
    assert [r.recipient_email for r in rows] == ["alice@example.org", "bob@example.org"]
    # 5 Working Days before Tuesday 3 June 2025 skips the Spring bank holiday (26 May):
    # Tuesday 27 May, 09:00 London = 08:00 UTC.
    assert {r.due_at for r in rows} == {dt.datetime(2025, 5, 27, 8, 0, tzinfo=UTC)}
    assert rows[0].event_day == dt.date(2025, 6, 3)


def test_moving_a_meeting_withdraws_the_old_reminder_and_plans_the_new(csc) -> None:  # type: ignore[no-untyped-def]
    ReminderRuleFactory(committee=csc)
    meeting = MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    old = live(event_ref=str(meeting.pk))
    committee_services.move_meeting(
        meeting, starts_at=dt.datetime(2025, 6, 10, 10, 0, tzinfo=LONDON)
    )
    for row in old:
        row.refresh_from_db()
        assert row.status == ReminderStatus.WITHDRAWN
        assert "moved" in row.note
    new = live(event_ref=str(meeting.pk))
    assert len(new) == 2
    assert {r.due_at for r in new} == {dt.datetime(2025, 6, 3, 8, 0, tzinfo=UTC)}


def test_saving_an_unchanged_meeting_keeps_its_reminders(csc) -> None:  # type: ignore[no-untyped-def]
    ReminderRuleFactory(committee=csc)
    meeting = MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    before = {r.pk for r in live()}
    meeting.title = "CSC 3 June"
    meeting.save()
    assert {r.pk for r in live()} == before
    assert Reminder.objects.count() == 2


def test_cancelling_or_deleting_a_meeting_withdraws_its_reminders(csc) -> None:  # type: ignore[no-untyped-def]
    ReminderRuleFactory(committee=csc)
    cancelled = MeetingFactory(
        committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON)
    )
    deleted = MeetingFactory(
        committee=csc, starts_at=dt.datetime(2025, 6, 10, 10, 0, tzinfo=LONDON)
    )
    assert len(live()) == 4
    committee_services.cancel_meeting(cancelled)
    committee_services.delete_meeting(deleted)
    assert live() == []
    notes = set(Reminder.objects.values_list("note", flat=True))
    assert notes == {
        "its event was cancelled or is no longer planned",
        "its event was deleted",
    }


@pytest.mark.parametrize(
    ("meeting_day", "due_utc"),
    [
        # Clocks went forward on Sunday 30 March 2025.
        (dt.date(2025, 4, 3), dt.datetime(2025, 3, 27, 9, 0, tzinfo=UTC)),  # sent in GMT
        (dt.date(2025, 4, 7), dt.datetime(2025, 3, 31, 8, 0, tzinfo=UTC)),  # sent in BST
        # Clocks went back on Sunday 26 October 2025.
        (dt.date(2025, 10, 30), dt.datetime(2025, 10, 23, 8, 0, tzinfo=UTC)),  # BST
        (dt.date(2025, 11, 3), dt.datetime(2025, 10, 27, 9, 0, tzinfo=UTC)),  # GMT
    ],
)
def test_nine_o_clock_is_nine_o_clock_in_london_across_the_clock_change(
    csc, meeting_day: dt.date, due_utc: dt.datetime
) -> None:  # type: ignore[no-untyped-def]
    ReminderRuleFactory(committee=csc)
    MeetingFactory(
        committee=csc, starts_at=dt.datetime.combine(meeting_day, dt.time(10), tzinfo=LONDON)
    )
    row = live()[0]
    assert row.due_at == due_utc
    assert row.due_at.astimezone(LONDON).time() == dt.time(9, 0)


def test_calendar_days_and_on_the_day(csc) -> None:  # type: ignore[no-untyped-def]
    ReminderRuleFactory(committee=csc, offset_unit="calendar_days", offset=3, name="b")
    ReminderRuleFactory(committee=csc, offset_unit="on_the_day", send_time=dt.time(7, 30), name="a")
    MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    dues = sorted({r.due_at for r in live()})
    assert dues == [
        dt.datetime(2025, 5, 31, 8, 0, tzinfo=UTC),  # Saturday: calendar days count weekends
        dt.datetime(2025, 6, 3, 6, 30, tzinfo=UTC),
    ]


def test_an_on_the_day_reminder_after_the_meeting_starts_is_not_planned(csc) -> None:  # type: ignore[no-untyped-def]
    ReminderRuleFactory(committee=csc, offset_unit="on_the_day")  # 09:00
    MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 8, 30, tzinfo=LONDON))
    assert live() == []


def test_rules_for_another_committee_do_not_apply(csc) -> None:  # type: ignore[no-untyped-def]
    panel = CommitteeFactory(slug="panel", name="SEC Panel", abbreviation="Panel", kind="panel")
    ReminderRuleFactory(committee=panel)
    ReminderRuleFactory(committee=csc, is_active=False)
    MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    assert live() == []


def _milestone_rule(**kwargs: object):  # type: ignore[no-untyped-def]
    return ReminderRuleFactory(
        event_kind="milestone",
        milestone_kind=MilestoneKind.CONSULTATION_CLOSES,
        recipient_kinds=["proposer", "lead_analyst", "named"],
        addresses="secas@example.org\n",
        offset=2,
        **kwargs,
    )


def test_a_month_precision_milestone_gets_no_reminder_until_its_day_is_known() -> None:
    _milestone_rule()
    modification = ModificationFactory(
        proposer=PersonFactory(email="proposer@dcc.example"),
        lead_analyst=PersonFactory(email="analyst@secas.example"),
    )
    milestone = modification_services.add_milestone(
        modification,
        kind=MilestoneKind.CONSULTATION_CLOSES,
        label="Modification Report Consultation closes",
        when=ApproxDate.month(2025, 5),
    )
    assert live() == []
    modification_services.replan_milestone(milestone, when=ApproxDate.day(dt.date(2025, 5, 23)))
    rows = live(event_kind="milestone")
    assert [r.recipient_email for r in rows] == [
        "analyst@secas.example",
        "proposer@dcc.example",
        "secas@example.org",
    ]
    # 2 Working Days before Friday 23 May 2025: Wednesday 21 May, 09:00 BST.
    assert {r.due_at for r in rows} == {dt.datetime(2025, 5, 21, 8, 0, tzinfo=UTC)}
    assert {r.modification_id for r in rows} == {modification.pk}
    # Back to "Q2 2025": withdrawn again.
    modification_services.replan_milestone(milestone, when=ApproxDate.quarter(2025, 2))
    assert live() == []


def test_milestones_of_other_kinds_and_done_or_closed_ones_get_none() -> None:
    _milestone_rule()
    modification = ModificationFactory(proposer=PersonFactory(email="p@example.org"))
    MilestoneFactory(
        modification=modification,
        kind=MilestoneKind.CSC,
        when=ApproxDate.day(dt.date(2025, 5, 23)),
    )
    assert live() == []
    closes = MilestoneFactory(
        modification=modification,
        kind=MilestoneKind.CONSULTATION_CLOSES,
        when=ApproxDate.day(dt.date(2025, 5, 23)),
    )
    assert len(live()) == 2
    closes = modification_services.update_milestone(closes, status=MilestoneStatus.DONE)
    assert live() == []
    modification_services.update_milestone(closes, status=MilestoneStatus.PLANNED)
    assert len(live()) == 2
    modification_services.move_stage(
        modification, to=Stage.WITHDRAWN, reason="Withdrawn by the proposer."
    )
    assert live() == []


def test_a_new_lead_analyst_or_proposer_gets_the_upcoming_reminders() -> None:
    _milestone_rule()
    modification = ModificationFactory(
        proposer=PersonFactory(email="proposer@dcc.example"),
        lead_analyst=PersonFactory(email="old-analyst@secas.example"),
    )
    MilestoneFactory(
        modification=modification,
        kind=MilestoneKind.CONSULTATION_CLOSES,
        when=ApproxDate.day(dt.date(2025, 5, 23)),
    )
    assert "old-analyst@secas.example" in [r.recipient_email for r in live()]
    modification = modification_services.update_modification(
        modification,
        lead_analyst=PersonFactory(email="new-analyst@secas.example"),
        proposer=PersonFactory(email="new-proposer@dcc.example"),
    )
    assert [r.recipient_email for r in live()] == [
        "new-analyst@secas.example",
        "new-proposer@dcc.example",
        "secas@example.org",
    ]
    # A change of title alone re-plans nothing (no reminder row is touched).
    before = {(r.pk, r.due_at) for r in live()}
    modification_services.update_modification(modification, title="A new title")
    assert {(r.pk, r.due_at) for r in live()} == before


def test_follow_meeting_moves_the_milestone_reminders(csc) -> None:  # type: ignore[no-untyped-def]
    ReminderRuleFactory(
        event_kind="milestone", milestone_kind=MilestoneKind.CSC, committee=csc, offset=1
    )
    meeting = MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    modification = ModificationFactory()
    modification_services.add_milestone(
        modification, kind=MilestoneKind.CSC, label="Presented to CSC", meeting=meeting
    )
    assert {r.due_at for r in live()} == {dt.datetime(2025, 6, 2, 8, 0, tzinfo=UTC)}
    meeting.starts_at = dt.datetime(2025, 6, 10, 10, 0, tzinfo=LONDON)
    meeting.save()
    modification_services.follow_meeting(meeting)
    assert {r.due_at for r in live()} == {dt.datetime(2025, 6, 9, 8, 0, tzinfo=UTC)}
    assert Reminder.objects.filter(status=ReminderStatus.WITHDRAWN).count() == 2


def test_a_rolled_back_change_plans_nothing(csc) -> None:  # type: ignore[no-untyped-def]
    ReminderRuleFactory(committee=csc)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
        assert len(live()) == 2
        raise Boom
    assert Reminder.objects.count() == 0


def test_a_member_who_joins_or_leaves_is_replanned(csc) -> None:  # type: ignore[no-untyped-def]
    ReminderRuleFactory(committee=csc)
    MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    carol = MembershipFactory(committee=csc, person=PersonFactory(email="carol@example.org"))
    assert "carol@example.org" in {r.recipient_email for r in live()}
    committee_services.save_membership(carol, end_date=dt.date(2025, 4, 30))
    assert "carol@example.org" not in {r.recipient_email for r in live()}


def test_unsubscribed_recipients_are_not_planned(csc) -> None:  # type: ignore[no-untyped-def]
    rule = ReminderRuleFactory(committee=csc)
    Unsubscription.objects.create(email="alice@example.org", rule=rule)
    MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    assert [r.recipient_email for r in live()] == ["bob@example.org"]


def test_a_new_rule_plans_for_upcoming_events_and_a_passed_event_gets_none(csc) -> None:  # type: ignore[no-untyped-def]
    MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 2, 3, 10, 0, tzinfo=LONDON))
    rule = ReminderRuleFactory(committee=csc)
    result = replan_rule(rule)
    assert result.planned == 2
    assert {r.event_day for r in live()} == {dt.date(2025, 6, 3)}
    rule.offset = 6
    rule.save()
    result = replan_rule(rule)
    assert (result.planned, result.withdrawn) == (2, 2)
    rule.is_active = False
    rule.save()
    assert replan_rule(rule).withdrawn == 2
    assert live() == []


def test_a_sent_reminder_is_not_planned_again_when_its_meeting_moves_back(csc) -> None:  # type: ignore[no-untyped-def]
    ReminderRuleFactory(committee=csc)
    meeting = MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    Reminder.objects.filter(status=ReminderStatus.PLANNED).update(status=ReminderStatus.SENT)
    meeting.starts_at = dt.datetime(2025, 6, 3, 11, 0, tzinfo=LONDON)  # same day, later
    meeting.save()
    assert live() == []


@pytest.fixture
def _forget_test_kinds():  # type: ignore[no-untyped-def]
    yield
    registry._event_kinds.pop("test_closing", None)
    registry._recipient_kinds.pop("test_not_answered", None)


@pytest.mark.usefixtures("_forget_test_kinds")
def test_another_app_can_register_its_own_event_and_recipient_kinds() -> None:
    # What the consultations part will do: no change to this package needed.
    event = registry.Event(
        kind="test_closing",
        ref="7",
        label="Consultation 7 closes",
        day=dt.date(2025, 6, 13),
        ends_at=dt.datetime(2025, 6, 13, 17, 0, tzinfo=LONDON),
    )
    registry.register_event_kind(
        registry.EventKind(
            key="test_closing",
            label="Consultation closing",
            load=lambda ref: event if ref == "7" else None,
            upcoming=lambda today: [event],
        )
    )
    registry.register_recipient_kind(
        registry.RecipientKind(
            "test_not_answered",
            "Respondents who have not answered",
            lambda rule, ev: [registry.Recipient("late@example.org", "Late Respondent")],
        )
    )
    ReminderRuleFactory(event_kind="test_closing", recipient_kinds=["test_not_answered"], offset=1)
    assert replan_event("test_closing", "7").planned == 1
    row = live()[0]
    assert (row.recipient_email, row.due_at) == (
        "late@example.org",
        dt.datetime(2025, 6, 12, 8, 0, tzinfo=UTC),
    )
    assert ("test_closing", "Consultation closing") in registry.event_kind_choices()


def test_proposers_of_the_modifications_on_a_meeting_agenda(csc) -> None:  # type: ignore[no-untyped-def]
    from secmods.committees.reminders import load_meeting
    from secmods.reminders.emails import render_reminder
    from tests.factories import AgendaItemFactory

    ReminderRuleFactory(
        committee=csc,
        recipient_kinds=["proposer"],
        text_template="{% for item in agenda_items %}{{ item.modification.reference }} "
        "({{ item.get_purpose_display }}){% endfor %}",
    )
    meeting = MeetingFactory(committee=csc, starts_at=dt.datetime(2025, 6, 3, 10, 0, tzinfo=LONDON))
    assert live() == []
    modification = ModificationFactory(number=160, proposer=PersonFactory(email="dcc@x.example"))
    item = AgendaItemFactory(meeting=meeting, modification=modification)
    row = live()[0]
    assert row.recipient_email == "dcc@x.example"
    _, text, _ = render_reminder(row, load_meeting(str(meeting.pk)))
    # The rule's own text, then the meeting's details (its template does not place them).
    assert text.startswith("DP160 (Initial comment)\n\nWhen: Tuesday 3 June 2025, 10:00")
    committee_services.remove_from_agenda(item)
    assert live() == []
