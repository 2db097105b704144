"""A meeting's agenda over the API: read, add, reorder, minute an outcome."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from secmods.committees.models import AgendaItem, Meeting
from secmods.modifications.models import Milestone
from tests.factories import AgendaItemFactory, MeetingFactory, ModificationFactory

LONDON = ZoneInfo("Europe/London")
PAST = dt.datetime(2021, 3, 1, 9, 0, tzinfo=dt.UTC)
STARTS = dt.datetime(2031, 4, 29, 10, 0, tzinfo=LONDON)  # a Tuesday


def _published(**kwargs):  # type: ignore[no-untyped-def]
    return ModificationFactory(published_at=PAST, **kwargs)


@pytest.fixture
def meeting(db):  # type: ignore[no-untyped-def]
    return MeetingFactory(starts_at=STARTS)


def _url(meeting, tail=""):  # type: ignore[no-untyped-def]
    return f"/api/v1/meetings/{meeting.pk}/agenda/{tail}"


MATRIX = {
    "read": (200, 200, 200),
    "add": (401, 403, 201),
    "order_put": (401, 403, 200),
    "order_patch": (401, 403, 200),
    "outcome": (401, 403, 200),
}


@pytest.mark.parametrize("what", list(MATRIX))
@pytest.mark.parametrize("role", ["anonymous", "member", "staff"])
def test_permission_matrix(apis, meeting, what, role):  # type: ignore[no-untyped-def]
    first = AgendaItemFactory(meeting=meeting, modification=_published(), order=1)
    second = AgendaItemFactory(meeting=meeting, modification=_published(), order=2)
    expected = MATRIX[what][["anonymous", "member", "staff"].index(role)]
    api = apis[role]
    with time_machine.travel(STARTS + dt.timedelta(hours=3)):
        if what == "read":
            response = api.get(_url(meeting))
        elif what == "add":
            body = {"modification": _published().reference, "purpose": "initial_comment"}
            response = api.post(_url(meeting), body, format="json")
        elif what.startswith("order"):
            method = what.split("_")[1]
            body = {"items": [second.pk, first.pk]}
            response = getattr(api, method)(_url(meeting, "order/"), body, format="json")
        else:
            response = api.post(
                _url(meeting, f"{first.pk}/outcome/"), {"outcome": "Noted."}, format="json"
            )
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert AgendaItem.objects.count() == 2
        assert list(meeting.agenda_items.order_by("order").values_list("pk", flat=True)) == [
            first.pk,
            second.pk,
        ]
        assert not AgendaItem.objects.exclude(outcome="").exists()


def test_the_public_agenda_leaves_out_unpublished_modifications(apis, meeting):  # type: ignore[no-untyped-def]
    shown = AgendaItemFactory(meeting=meeting, modification=_published(), order=1)
    hidden = AgendaItemFactory(
        meeting=meeting, modification=ModificationFactory(published_at=None), order=2
    )
    body = apis["anonymous"].get(_url(meeting)).json()
    assert [item["id"] for item in body["items"]] == [shown.pk]
    assert (
        hidden.modification.reference.encode() not in apis["anonymous"].get(_url(meeting)).content
    )
    assert [item["id"] for item in apis["staff"].get(_url(meeting)).json()["items"]] == [
        shown.pk,
        hidden.pk,
    ]
    # CSC papers are due 5 Working Days before Tuesday 29 April 2031.
    assert body["papers_due_on"] == "2031-04-22"
    assert body["committee"] == "csc"


def test_staff_add_an_item_at_the_end_with_a_milestone(staff_api, meeting):  # type: ignore[no-untyped-def]
    AgendaItemFactory(meeting=meeting, modification=_published(), order=1)
    modification = _published(number=160, stage="refinement")
    response = staff_api.post(
        _url(meeting), {"modification": "mp 160", "purpose": "approve_timetable"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["order"] == 2 and response.json()["reference"] == "MP160"
    assert Milestone.objects.filter(modification=modification, meeting=meeting).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"modification": "MP999", "purpose": "initial_comment"}, "modification"),
        ({"modification": "{ref}", "purpose": "gossip"}, "purpose"),
        ({"modification": "{dup}", "purpose": "initial_comment"}, "modification"),
    ],
)
def test_a_bad_new_item_is_400(staff_api, meeting, body, field):  # type: ignore[no-untyped-def]
    there = AgendaItemFactory(meeting=meeting, modification=_published(), purpose="initial_comment")
    other = _published()
    body = {
        **body,
        "modification": body["modification"]
        .replace("{ref}", other.reference)
        .replace("{dup}", there.modification.reference),
    }
    response = staff_api.post(_url(meeting), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert AgendaItem.objects.count() == 1


def test_a_cancelled_meeting_takes_no_items(staff_api, meeting):  # type: ignore[no-untyped-def]
    Meeting.objects.filter(pk=meeting.pk).update(status="cancelled")
    response = staff_api.post(
        _url(meeting), {"modification": _published().reference, "purpose": "update"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"meeting": ["This meeting is cancelled."]}


def test_staff_reorder_and_a_wrong_list_is_400(staff_api, meeting):  # type: ignore[no-untyped-def]
    items = [
        AgendaItemFactory(meeting=meeting, modification=_published(), order=n) for n in (1, 2, 3)
    ]
    ids = [item.pk for item in items]
    response = staff_api.put(_url(meeting, "order/"), {"items": ids[::-1]}, format="json")
    assert response.status_code == 200, response.content
    assert [item["id"] for item in response.json()["items"]] == ids[::-1]
    for wrong in (ids[:2], [*ids, ids[0]], [*ids[:2], 999999], []):
        response = staff_api.patch(_url(meeting, "order/"), {"items": wrong}, format="json")
        assert response.status_code == 400, wrong
        assert "items" in response.json()
    assert list(meeting.agenda_items.order_by("order").values_list("pk", flat=True)) == ids[::-1]


def test_staff_record_an_outcome_after_the_meeting(staff_api, meeting):  # type: ignore[no-untyped-def]
    item = AgendaItemFactory(meeting=meeting, modification=_published())
    url = _url(meeting, f"{item.pk}/outcome/")
    body = {"outcome": "The CSC agreed the timetable.", "decision": "Agreed", "actions": "None"}
    response = staff_api.post(url, body, format="json")
    assert response.status_code == 400
    assert "has not happened yet" in response.json()["outcome"][0]
    with time_machine.travel(STARTS + dt.timedelta(hours=3)):
        assert staff_api.post(url, {"outcome": "  "}, format="json").status_code == 400
        response = staff_api.post(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["decision"] == "Agreed"
    assert response.json()["outcome_recorded_at"] is not None
    meeting.refresh_from_db()
    assert meeting.status == "held"


def test_an_item_of_another_meeting_or_meeting_that_does_not_exist_is_404(staff_api, meeting):  # type: ignore[no-untyped-def]
    elsewhere = AgendaItemFactory(modification=_published())
    response = staff_api.post(
        _url(meeting, f"{elsewhere.pk}/outcome/"), {"outcome": "Noted."}, format="json"
    )
    assert response.status_code == 404
    assert staff_api.get("/api/v1/meetings/999999/agenda/").status_code == 404
    assert staff_api.get("/api/v1/meetings/abc/agenda/").status_code == 404


@pytest.mark.parametrize("rows", [1, 30])
def test_agenda_query_count_does_not_grow(anon_api, meeting, django_assert_max_num_queries, rows):  # type: ignore[no-untyped-def]
    for n in range(rows):
        AgendaItemFactory(meeting=meeting, modification=_published(), order=n + 1)
    # meeting (with committee), agenda items (with modifications); papers-due is arithmetic
    with django_assert_max_num_queries(3):
        body = anon_api.get(_url(meeting)).json()
    assert len(body["items"]) == rows


def test_options_describe_the_agenda_routes(staff_api, meeting):  # type: ignore[no-untyped-def]
    for tail in ("", "order/"):
        assert staff_api.options(_url(meeting, tail)).status_code == 200
    # An unknown meeting: DRF leaves the PUT description out, as for any view (no 500).
    assert staff_api.options("/api/v1/meetings/0/agenda/order/").status_code == 200


def test_the_public_numbers_the_items_it_sees_one_to_n(apis, meeting):  # type: ignore[no-untyped-def]
    # An "order": 2 on the only item the public sees would say that an item is hidden.
    AgendaItemFactory(meeting=meeting, modification=ModificationFactory(published_at=None), order=1)
    AgendaItemFactory(meeting=meeting, modification=_published(), order=2)
    AgendaItemFactory(meeting=meeting, modification=_published(), order=5)
    public = apis["anonymous"]
    assert [item["order"] for item in public.get(_url(meeting)).json()["items"]] == [1, 2]
    detail = public.get(f"/api/v1/meetings/{meeting.pk}/").json()["agenda"]
    assert [item["order"] for item in detail] == [1, 2]
    # Members and staff see every item, numbered without the gap the stored order has.
    for role in ("member", "staff"):
        items = apis[role].get(_url(meeting)).json()["items"]
        assert [item["order"] for item in items] == [1, 2, 3], role
        detail = apis[role].get(f"/api/v1/meetings/{meeting.pk}/").json()["agenda"]
        assert [item["order"] for item in detail] == [1, 2, 3], role


def test_a_superscript_digit_in_the_meeting_id_is_a_404_not_a_500(client, db):
    # "¹".isdigit() is true but int("¹") fails: found by schemathesis.
    response = client.get("/api/v1/meetings/%C2%B9/agenda/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
