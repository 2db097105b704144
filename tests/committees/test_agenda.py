"""Agendas: built from the modifications scheduled to a meeting, reorderable, papers due a
number of Working Days before; an outcome marks the tied milestone done on the meeting's
date; a moved meeting moves its milestones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from secmods.committees import selectors, services
from secmods.committees.models import AgendaItem
from secmods.modifications.models import Milestone
from secmods.rules.dates import ApproxDate
from tests.admin_forms import admin_form_data, as_post
from tests.factories import (
    AgendaItemFactory,
    CommitteeFactory,
    MeetingFactory,
    MilestoneFactory,
    ModificationFactory,
)

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def meeting(db):  # type: ignore[no-untyped-def]
    return MeetingFactory(starts_at=dt.datetime(2021, 4, 27, 10, tzinfo=LONDON))


def test_adding_to_the_agenda_ties_a_milestone_to_the_meeting(meeting):
    modification = ModificationFactory()
    item = services.add_to_agenda(meeting, modification=modification, purpose="initial_comment")
    second = services.add_to_agenda(
        meeting, modification=ModificationFactory(), purpose="approve_timetable"
    )
    assert (item.order, second.order) == (1, 2)
    milestone = Milestone.objects.get(modification=modification)
    assert milestone.label == "Presented to CSC for initial comment"
    assert milestone.meeting == meeting and milestone.when == ApproxDate.day(dt.date(2021, 4, 27))
    with pytest.raises(ValidationError, match="already on this agenda"):
        services.add_to_agenda(meeting, modification=modification, purpose="initial_comment")
    assert AgendaItem.objects.count() == 2


def test_reorder_agenda(meeting):
    items = [AgendaItemFactory(meeting=meeting, order=n) for n in (1, 2, 3)]
    services.reorder_agenda(meeting, [items[2].pk, items[0].pk, items[1].pk])
    assert list(selectors.meeting_agenda(meeting)) == [items[2], items[0], items[1]]


@pytest.mark.parametrize("bad", ["missing", "duplicate", "foreign"])
def test_reorder_refuses_anything_but_the_meetings_items(meeting, bad):
    items = [AgendaItemFactory(meeting=meeting, order=n) for n in (1, 2)]
    ids = {
        "missing": [items[1].pk],
        "duplicate": [items[1].pk, items[1].pk, items[0].pk],
        "foreign": [items[1].pk, items[0].pk, AgendaItemFactory().pk],
    }[bad]
    with pytest.raises(ValidationError, match="exactly once"):
        services.reorder_agenda(meeting, ids)
    assert [i.order for i in AgendaItem.objects.filter(meeting=meeting).order_by("pk")] == [1, 2]


def test_recording_the_outcome_marks_the_milestone_done_on_the_meetings_date(meeting, secas_user):
    modification = ModificationFactory()
    milestone = MilestoneFactory(
        modification=modification,
        meeting=meeting,
        when=ApproxDate.parse("May 2021"),  # planned loosely, then fixed by the meeting
    )
    other = MilestoneFactory(modification=modification, label="Working Group")
    cancelled = MilestoneFactory(modification=modification, meeting=meeting, status="cancelled")
    item = AgendaItemFactory(meeting=meeting, modification=modification)
    version = modification.version
    with time_machine.travel(dt.datetime(2021, 4, 27, 15, tzinfo=LONDON), tick=False):
        services.record_agenda_outcome(
            item,
            outcome="The CSC agreed the problem statement.",
            decision="Convert to MP",
            actions="SECAS to update the timetable.",
            user=secas_user,
        )
    milestone.refresh_from_db()
    assert milestone.status == "done"
    assert milestone.when == ApproxDate.day(dt.date(2021, 4, 27))
    assert milestone.baseline == ApproxDate.parse("May 2021")
    assert milestone.history.order_by("-history_id").first().history_user == secas_user
    other.refresh_from_db()
    cancelled.refresh_from_db()
    assert other.status == "planned" and cancelled.status == "cancelled"
    item.refresh_from_db()
    assert item.actions == "SECAS to update the timetable." and item.outcome_recorded_at
    meeting.refresh_from_db()
    assert meeting.status == "held"
    modification.refresh_from_db()
    assert modification.version == version + 1


def test_an_outcome_needs_text_and_a_meeting_that_has_happened(meeting):
    item = AgendaItemFactory(meeting=meeting)
    milestone = MilestoneFactory(modification=item.modification, meeting=meeting)
    with (
        time_machine.travel(dt.datetime(2021, 4, 26, 15, tzinfo=LONDON), tick=False),
        pytest.raises(ValidationError, match="has not happened yet"),
    ):
        services.record_agenda_outcome(item, outcome="Agreed")
    with pytest.raises(ValidationError, match="Write what the meeting concluded"):
        services.record_agenda_outcome(item, outcome="   ")
    item.refresh_from_db()
    milestone.refresh_from_db()
    assert item.outcome == "" and milestone.status == "planned"


def test_moving_a_meeting_moves_its_planned_milestones(meeting):
    services.add_to_agenda(meeting, modification=ModificationFactory(), purpose="initial_comment")
    moved = services.move_meeting(meeting, starts_at=dt.datetime(2021, 5, 4, 10, tzinfo=LONDON))
    assert moved == 1
    milestone = Milestone.objects.get()
    assert milestone.when == ApproxDate.day(dt.date(2021, 5, 4))
    assert milestone.baseline == ApproxDate.day(dt.date(2021, 4, 27))
    assert meeting.sequence == 1


@pytest.mark.parametrize(
    ("meeting_day", "days", "due"),
    [
        (dt.date(2021, 4, 27), 5, dt.date(2021, 4, 20)),
        # Tue 4 May 2021: Mon 3 May is the Early May bank holiday.
        (dt.date(2021, 5, 4), 5, dt.date(2021, 4, 26)),
        # Wed 7 Apr 2021: Good Friday and Easter Monday skipped.
        (dt.date(2021, 4, 7), 3, dt.date(2021, 3, 31)),
    ],
)
def test_papers_due_working_days_before_per_committee(db, meeting_day, days, due):
    committee = CommitteeFactory(slug="panel", name="SEC Panel", abbreviation="Panel", kind="panel")
    committee.papers_due_working_days = days
    committee.save()
    meeting = MeetingFactory(
        committee=committee,
        starts_at=dt.datetime.combine(meeting_day, dt.time(10), tzinfo=LONDON),
    )
    assert selectors.papers_due_on(meeting) == due
    assert selectors.meetings_with_papers_due_on(due) == [meeting]


@pytest.mark.parametrize("size", [2, 12])
def test_agenda_page_query_count_does_not_grow(
    meeting, secas_client, size, django_assert_max_num_queries
):
    for _ in range(size):
        AgendaItemFactory(meeting=meeting)
    url = reverse("admin:committees_meeting_agenda", args=[meeting.pk])
    with django_assert_max_num_queries(10):
        page = secas_client.get(url)
    assert page.status_code == 200
    assert len(page.context["items"]) == size
    assert b"Papers due: <strong>Tuesday 20 April 2021</strong>" in page.content


def test_staff_reorder_and_record_an_outcome_in_the_admin(meeting, secas_client):
    first, second = (AgendaItemFactory(meeting=meeting, order=n) for n in (1, 2))
    url = reverse("admin:committees_meeting_agenda", args=[meeting.pk])
    page = secas_client.post(url, {f"order-{first.pk}": "2", f"order-{second.pk}": "1"})
    assert page.status_code == 302
    assert list(selectors.meeting_agenda(meeting)) == [second, first]
    outcome_url = reverse("admin:committees_meeting_outcome", args=[meeting.pk, first.pk])
    MilestoneFactory(modification=first.modification, meeting=meeting)
    with time_machine.travel(dt.datetime(2021, 4, 28, 9, tzinfo=LONDON), tick=False):
        empty = secas_client.post(outcome_url, {"outcome": ""})
        assert empty.status_code == 200 and empty.context["form"].errors
        done = secas_client.post(outcome_url, {"outcome": "Noted.", "decision": "Agreed"})
    assert done.status_code == 302
    assert Milestone.objects.get(modification=first.modification).status == "done"


def test_members_can_read_the_agenda_but_not_change_it(meeting, member_client):
    item = AgendaItemFactory(meeting=meeting)
    url = reverse("admin:committees_meeting_agenda", args=[meeting.pk])
    page = member_client.get(url)
    assert page.status_code == 200 and b"Record outcome" not in page.content
    outcome_url = reverse("admin:committees_meeting_outcome", args=[meeting.pk, item.pk])
    assert member_client.post(outcome_url, {"outcome": "x"}).status_code == 403


def test_adding_an_agenda_row_in_the_meeting_admin_ties_a_milestone(meeting, secas_client):
    modification = ModificationFactory()
    url = reverse("admin:committees_meeting_change", args=[meeting.pk])
    form = secas_client.get(url).context["adminform"].form
    data = {
        "committee": meeting.committee_id,
        "starts_at_0": "27/04/2021",
        "starts_at_1": "10:00",
        "title": "",
        "location": "",
        "status": "scheduled",
        "loaded_version": meeting.version,
        "agenda_items-TOTAL_FORMS": "1",
        "agenda_items-INITIAL_FORMS": "0",
        "agenda_items-0-order": "1",
        "agenda_items-0-modification": modification.pk,
        "agenda_items-0-purpose": "initial_comment",
    }
    assert set(form.fields) <= set(data) | {"starts_at"}
    page = secas_client.post(url, data)
    assert page.status_code == 302, page.context["errors"]
    milestone = Milestone.objects.get(modification=modification)
    assert (
        milestone.meeting == meeting and milestone.label == "Presented to CSC for initial comment"
    )


def test_on_the_seed_the_csc_initial_comment_milestone_is_done_after_the_outcome(seed):
    item = AgendaItem.objects.get(modification=seed, purpose="initial_comment")
    with time_machine.travel(dt.datetime(2021, 4, 27, 13, tzinfo=LONDON), tick=False):
        services.record_agenda_outcome(item, outcome="The CSC agreed the problem statement.")
    done = seed.milestones.get(label="Presented to CSC for initial comment")
    later = seed.milestones.get(label="Presented to CSC for final comment and recommendations")
    assert done.status == "done" and done.when == ApproxDate.day(dt.date(2021, 4, 27))
    assert later.status == "planned"


# --- Taking a modification off an agenda: the same through the service, admin and API ---
def _remove_by_service(item, client, api):  # type: ignore[no-untyped-def]
    services.remove_from_agenda(item)


def _remove_in_the_admin(item, client, api):  # type: ignore[no-untyped-def]
    url = reverse("admin:modifications_modification_change", args=[item.modification_id])
    data = as_post(admin_form_data(client.get(url).content.decode()))
    prefix = next(
        k.removesuffix("-id")
        for k, v in data.items()
        if k.startswith("agenda_items-") and k.endswith("-id") and v == str(item.pk)
    )
    data[f"{prefix}-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


def _remove_through_the_api(item, client, api):  # type: ignore[no-untyped-def]
    response = api.delete(f"/api/v1/meetings/{item.meeting_id}/agenda/{item.pk}/")
    assert response.status_code == 204, response.content


@pytest.mark.parametrize(
    "remove", [_remove_by_service, _remove_in_the_admin, _remove_through_the_api]
)
def test_taking_a_modification_off_the_agenda_unties_its_planned_milestone(
    meeting, secas_client, secas_user, remove
):
    modification = ModificationFactory()
    item = services.add_to_agenda(meeting, modification=modification, purpose="initial_comment")
    milestone = Milestone.objects.get(modification=modification, meeting=meeting)
    version = modification.__class__.objects.get(pk=modification.pk).version
    api = APIClient()
    api.force_authenticate(secas_user)

    remove(item, secas_client, api)

    milestone.refresh_from_db()
    assert not AgendaItem.objects.filter(pk=item.pk).exists()
    assert milestone.meeting_id is None
    assert str(milestone.when) == "TBC"
    assert milestone.baseline == ApproxDate.day(dt.date(2021, 4, 27))
    assert modification.__class__.objects.get(pk=modification.pk).version > version


def test_a_milestone_stays_tied_while_the_modification_is_on_the_agenda_for_something_else(
    meeting,
):
    modification = ModificationFactory()
    first = services.add_to_agenda(meeting, modification=modification, purpose="initial_comment")
    services.add_to_agenda(meeting, modification=modification, purpose="approve_timetable")
    services.remove_from_agenda(first)
    assert Milestone.objects.get(modification=modification).meeting_id == meeting.pk


def test_an_item_moved_to_another_meeting_takes_its_milestone_along(meeting):
    modification = ModificationFactory()
    item = services.add_to_agenda(meeting, modification=modification, purpose="initial_comment")
    later = MeetingFactory(
        committee=meeting.committee, starts_at=dt.datetime(2021, 5, 25, 10, tzinfo=LONDON)
    )
    services.update_agenda_item(item, meeting=later)
    milestone = Milestone.objects.get(modification=modification)
    assert milestone.meeting_id == later.pk
    assert milestone.when == ApproxDate.day(dt.date(2021, 5, 25))
