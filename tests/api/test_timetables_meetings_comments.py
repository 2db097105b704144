"""Milestones, meetings, comments and the glossary over the API."""

from __future__ import annotations

import pytest

from secmods.committees.models import Meeting
from secmods.consultations.models import Comment
from secmods.modifications.models import Milestone, Modification
from tests.factories import CommentFactory, MembershipFactory, PersonFactory

MOD = "/api/v1/modifications"


# --- Milestones ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("when", "display", "start", "end"),
    [
        ({"date": "2021-07-14", "precision": "day"}, "14 Jul 2021", "2021-07-14", "2021-07-14"),
        (
            {"date": "2021-07-12", "precision": "week"},
            "w/c 12 Jul 2021",
            "2021-07-12",
            "2021-07-18",
        ),
        ({"date": "2021-07-14", "precision": "month"}, "July 2021", "2021-07-01", "2021-07-31"),
        ({"date": "2021-08-14", "precision": "quarter"}, "Q3 2021", "2021-07-01", "2021-09-30"),
        ({"date": None, "precision": "tbc"}, "TBC", None, None),
    ],
)
def test_a_milestone_is_dated_to_its_precision(seed, staff_api, when, display, start, end):  # type: ignore[no-untyped-def]
    response = staff_api.post(
        f"{MOD}/MP160/milestones/",
        {"kind": "working_group", "label": "Working Group", "when": when},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["when"]["display"] == display
    assert response.json()["when"]["date"] == start
    milestone = Milestone.objects.get(pk=response.json()["id"])
    assert (
        str(milestone.date_from) if start else None,
        str(milestone.date_to) if end else None,
    ) == (start, end)
    assert Modification.objects.get().version == 2


@pytest.mark.parametrize(
    "when",
    [
        "May 2021",
        {"precision": "fortnight", "date": "2021-05-01"},
        {"precision": "month"},
        {"precision": "tbc", "date": "2021-05-01"},
        {"precision": "day", "date": "2021-02-30"},
        {"precision": "day", "date": "99999-01-01"},
    ],
)
def test_a_bad_date_is_400_on_the_when_field(seed, staff_api, when):  # type: ignore[no-untyped-def]
    response = staff_api.post(
        f"{MOD}/MP160/milestones/", {"kind": "other", "label": "X", "when": when}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["when"]


def test_replanning_keeps_the_baseline_and_checks_the_version(seed, staff_api):  # type: ignore[no-untyped-def]
    url = f"{MOD}/MP160/milestones/3/"
    etag = staff_api.get(url)["ETag"]
    moved = staff_api.patch(
        url,
        {"when": {"date": "2021-06-01", "precision": "month"}},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert body["when"]["display"] == "June 2021"
    assert body["baseline"]["display"] == "May 2021" and body["is_replanned"]
    assert moved["ETag"] == '"2"'
    stale = staff_api.patch(url, {"label": "Late"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["detail"].startswith("Someone else saved this milestone")
    assert Milestone.objects.get(pk=3).label != "Late"
    assert staff_api.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert staff_api.delete(url, HTTP_IF_MATCH='"2"').status_code == 204


def test_a_meeting_fixes_the_milestone_to_its_day(seed, staff_api):  # type: ignore[no-untyped-def]
    response = staff_api.patch(f"{MOD}/MP160/milestones/3/", {"meeting": 2}, format="json")
    assert response.json()["when"] == {
        "date": "2021-06-01",
        "precision": "day",
        "display": "1 Jun 2021",
    }


def test_milestones_of_another_modification_are_404(seed, staff_api):  # type: ignore[no-untyped-def]
    staff_api.post(f"{MOD}/", {"title": "Other", "raised_on": "2021-01-01"}, format="json")
    assert staff_api.get(f"{MOD}/DP161/milestones/3/").status_code == 404


# --- Meetings ------------------------------------------------------------------------------
def test_moving_a_meeting_moves_its_milestones_and_calendar_sequence(seed, staff_api):  # type: ignore[no-untyped-def]
    url = "/api/v1/meetings/2/"
    etag = staff_api.get(url)["ETag"]
    response = staff_api.patch(
        url, {"starts_at": "2021-06-08T10:00:00+01:00"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.content
    assert response.json()["starts_at"] == "2021-06-08T10:00:00+01:00"
    assert response.json()["sequence"] == 1
    milestone = Milestone.objects.get(pk=4)
    assert str(milestone.when) == "8 Jun 2021" and str(milestone.baseline) == "1 Jun 2021"
    assert Modification.objects.get().version == 2  # its timetable changed
    assert (
        staff_api.patch(url, {"location": "x"}, format="json", HTTP_IF_MATCH=etag).status_code
        == 412
    )


def test_meeting_filters(seed, anon_api):  # type: ignore[no-untyped-def]
    def ids(**params):  # type: ignore[no-untyped-def]
        return [m["id"] for m in anon_api.get("/api/v1/meetings/", params).json()["results"]]

    assert ids(committee="csc") == [1, 2]
    assert ids(committee="panel") == []
    assert ids(date_after="2021-05-01") == [2]
    assert ids(date_before="2021-04-27") == [1]
    assert anon_api.get("/api/v1/meetings/", {"committee": "nope"}).status_code == 400
    assert anon_api.get("/api/v1/meetings/", {"date_after": "2021-99-01"}).status_code == 400


def test_meeting_detail_has_its_agenda(seed, anon_api):  # type: ignore[no-untyped-def]
    body = anon_api.get("/api/v1/meetings/1/").json()
    assert body["committee"] == "csc"
    assert body["agenda"] == [
        {
            "order": 1,
            "reference": "DP160",
            "title": "Certificate Signing Request forecasting",
            "purpose": "initial_comment",
            "decision": "",
            "outcome": "",
        }
    ]


def test_creating_a_meeting_for_an_unknown_committee_is_400(seed, staff_api):  # type: ignore[no-untyped-def]
    response = staff_api.post(
        "/api/v1/meetings/", {"committee": "nope", "starts_at": "2021-01-01T10:00"}, format="json"
    )
    assert response.status_code == 400 and "committee" in response.json()
    assert Meeting.objects.count() == 2


# --- Comments ------------------------------------------------------------------------------
def test_a_comment_at_a_meeting_needs_an_active_membership(seed, member_api, member_user):  # type: ignore[no-untyped-def]
    url = f"{MOD}/MP160/comments/"
    refused = member_api.post(url, {"text": "At CSC", "meeting": 1}, format="json")
    assert refused.status_code == 400
    assert "not an active member" in refused.json()["meeting"][0]
    MembershipFactory(person=PersonFactory(user=member_user), committee_id=2)
    accepted = member_api.post(url, {"text": "At CSC", "meeting": 1}, format="json")
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["meeting"] == 1


def test_members_list_every_comment_and_edit_only_theirs(seed, member_api, member_user):  # type: ignore[no-untyped-def]
    mine = CommentFactory(modification=seed, author=member_user)
    theirs = CommentFactory(modification=seed)
    listed = member_api.get(f"{MOD}/MP160/comments/").json()["results"]
    assert {c["id"] for c in listed} == {mine.pk, theirs.pk}
    url = f"{MOD}/MP160/comments/{theirs.pk}/"
    assert member_api.patch(url, {"text": "Hijacked"}, format="json").status_code == 403
    assert Comment.objects.get(pk=theirs.pk).text == theirs.text


def test_staff_mark_comments_noted(seed, staff_api):  # type: ignore[no-untyped-def]
    comment = CommentFactory(modification=seed)
    url = f"{MOD}/MP160/comments/{comment.pk}/"
    response = staff_api.patch(url, {"noted_in_report": True}, format="json")
    assert response.status_code == 200 and response.json()["noted_in_report"] is True


# --- Glossary ------------------------------------------------------------------------------
def test_glossary_lookup_is_case_insensitive_and_unique(seed, anon_api, staff_api):  # type: ignore[no-untyped-def]
    assert anon_api.get("/api/v1/glossary/dcc/").json()["acronym"] == "DCC"
    assert anon_api.get("/api/v1/glossary/", {"search": "signing"}).json()["count"] == 1
    clash = staff_api.post(
        "/api/v1/glossary/", {"acronym": "csr", "full_term": "Something else"}, format="json"
    )
    assert clash.status_code == 400
    assert clash.json() == {
        "acronym": ["CSR is in the glossary already (Certificate Signing Request)."]
    }
    rename = staff_api.patch("/api/v1/glossary/csr/", {"acronym": "DCC"}, format="json")
    assert rename.status_code == 400
