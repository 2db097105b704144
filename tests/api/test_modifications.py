"""Modifications over the API: spellings, filters, visibility, writes, 400/409/412."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from secmods.modifications.models import Modification, Stage, StageChange
from secmods.rules.dates import ApproxDate
from tests.factories import (
    AgendaItemFactory,
    CommitteeFactory,
    MeetingFactory,
    MilestoneFactory,
    ModificationFactory,
    OrganisationFactory,
    PersonFactory,
    SecSectionFactory,
)

MOD = "/api/v1/modifications"


def refs(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


def published(**fields):  # type: ignore[no-untyped-def]
    return ModificationFactory(published_at=timezone.now() - dt.timedelta(days=1), **fields)


# --- Reading -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "spelling", ["MP160", "mp160", "mp 160", "DP160", "dp160", "160", "SECMP0160"]
)
def test_every_spelling_of_the_reference_answers_the_same_body(seed, anon_api, spelling):  # type: ignore[no-untyped-def]
    canonical = anon_api.get(f"{MOD}/DP160/")
    response = anon_api.get(f"{MOD}/{spelling}/")
    assert response.status_code == 200
    assert response.json() == canonical.json()
    assert response["ETag"] == '"1"'


@pytest.mark.parametrize("spelling", ["MP160", "mp 160", "DP160", "160", "  Mp-160 "])
def test_search_finds_every_spelling(seed, anon_api, spelling):  # type: ignore[no-untyped-def]
    published(number=16, title="Sixteen")
    published(number=1600, title="One thousand six hundred")
    assert refs(anon_api.get(f"{MOD}/", {"search": spelling})) == ["DP160"]


def test_search_by_title_words(seed, anon_api):  # type: ignore[no-untyped-def]
    published(title="Something else")
    assert refs(anon_api.get(f"{MOD}/", {"search": "signing request"})) == ["DP160"]


def test_detail_carries_timetable_meetings_history_and_glossary(seed, anon_api):  # type: ignore[no-untyped-def]
    body = anon_api.get(f"{MOD}/MP160/").json()
    assert body["reference"] == "DP160"
    assert body["proposer"]["organisation_short_name"] == "DCC"
    month = next(m for m in body["timetable"] if m["when"]["precision"] == "month")
    assert month["when"] == {"date": "2021-05-01", "precision": "month", "display": "May 2021"}
    assert [m["meeting"]["committee"] for m in body["meetings"]] == ["CSC", "CSC"]
    assert body["meetings"][0]["meeting"]["starts_at"] == "2021-04-27T10:00:00+01:00"
    acronyms = {t["acronym"] for t in body["glossary_terms"]}
    assert {"CSR", "DCC", "SEC"} <= acronyms
    assert "closed" in body["next_stages"]
    assert body["stage_history"] == []


def test_list_rows_carry_the_next_key_date(seed, anon_api):  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2021, 5, 3, 12, tzinfo=dt.UTC)):
        row = anon_api.get(f"{MOD}/").json()["results"][0]
    assert row["next_key_date"] == {
        "label": "Presented to SEC Sub-Committees for initial comment",
        "when": {"date": "2021-05-01", "precision": "month", "display": "May 2021"},
    }


def test_unpublished_modifications_are_404_to_the_public(db, anon_api, member_api, staff_api):  # type: ignore[no-untyped-def]
    hidden = ModificationFactory(number=300, published_at=None)
    later = ModificationFactory(number=301, published_at=timezone.now() + dt.timedelta(days=3))
    for modification in (hidden, later):
        url = f"{MOD}/{modification.number}/"
        assert anon_api.get(url).status_code == 404
        assert anon_api.get(f"{url}milestones/").status_code == 404
        assert member_api.get(url).status_code == 200
        assert staff_api.get(url).status_code == 200
    assert refs(anon_api.get(f"{MOD}/")) == []
    assert refs(staff_api.get(f"{MOD}/")) == ["DP301", "DP300"]


def test_unpublished_modifications_stay_off_public_meeting_agendas(seed, anon_api, staff_api):  # type: ignore[no-untyped-def]
    hidden = ModificationFactory(number=300)
    AgendaItemFactory(meeting_id=1, modification=hidden)
    public = [i["reference"] for i in anon_api.get("/api/v1/meetings/1/").json()["agenda"]]
    staff = [i["reference"] for i in staff_api.get("/api/v1/meetings/1/").json()["agenda"]]
    assert public == ["DP160"]
    assert sorted(staff) == ["DP160", "DP300"]


# --- Filters -----------------------------------------------------------------------------
def test_filters(seed, anon_api):  # type: ignore[no-untyped-def]
    dcc = seed.proposer.organisation
    other_org = OrganisationFactory()
    a = published(
        number=170,
        stage=Stage.REFINEMENT,
        path="path_3",
        raised_on=dt.date(2022, 3, 1),
        proposer=PersonFactory(organisation=other_org),
    )
    b = published(
        number=171, stage=Stage.REPORT_PHASE, path="path_1", raised_on=dt.date(2023, 1, 5)
    )
    b.sec_sections.add(SecSectionFactory(code="H", title="DCC Services"))
    panel = CommitteeFactory(slug="panel", name="SEC Panel", abbreviation="Panel", kind="panel")
    AgendaItemFactory(meeting=MeetingFactory(committee=panel), modification=a)
    AgendaItemFactory(meeting=MeetingFactory(committee=panel), modification=a, purpose="update")

    def q(**params):  # type: ignore[no-untyped-def]
        return refs(anon_api.get(f"{MOD}/", params))

    assert q(stage="refinement") == ["MP170"]
    assert sorted(q(stage=["refinement", "report_phase"])) == ["MP170", "MP171"]
    assert q(path="path_1") == ["MP171"]
    assert q(proposer_organisation=other_org.pk) == ["MP170"]
    assert q(proposer_organisation=dcc.pk) == ["DP160"]
    assert q(committee="panel") == ["MP170"]  # once, though on two agendas
    assert q(committee="csc") == ["DP160"]
    assert q(sec_section="H") == ["MP171"]
    assert q(sec_section="L") == ["DP160"]
    assert q(raised_after="2022-01-01", raised_before="2022-12-31") == ["MP170"]
    assert q(raised_before="2021-12-31") == ["DP160"]
    # The seed was loaded with its 2021 timestamps; the factories' rows are new.
    assert q(updated_after=timezone.localdate().isoformat()) == ["MP171", "MP170"]
    assert q(updated_before="2021-12-31") == ["DP160"]
    assert q(updated_before="2000-01-01") == []
    assert q(ordering="raised_on") == ["DP160", "MP170", "MP171"]
    assert q(ordering="-number") == ["MP171", "MP170", "DP160"]

    # The count is taken on the filtered rows alone (not the page's joins): the same rows.
    for params in (
        {"stage": ["refinement", "report_phase"]},
        {"committee": "panel"},
        {"sec_section": "H"},
        {"proposer_organisation": dcc.pk},
        {"path": ["path_1", "path_3"], "page_size": 1},
    ):
        body = anon_api.get(f"{MOD}/", params).json()
        everything = anon_api.get(f"{MOD}/", {**params, "page_size": 200}).json()["results"]
        assert body["count"] == len(everything) > 0, params


def test_page_size_is_capped(db, anon_api):  # type: ignore[no-untyped-def]
    for _ in range(3):
        published()
    body = anon_api.get(f"{MOD}/", {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
    from secmods.core.api import MAX_PAGE_SIZE

    assert MAX_PAGE_SIZE == 200
    assert len(anon_api.get(f"{MOD}/", {"page_size": 10_000}).json()["results"]) == 3


# --- Writes --------------------------------------------------------------------------------
def test_staff_create_a_draft_proposal_and_an_alternative(seed, staff_api):  # type: ignore[no-untyped-def]
    response = staff_api.post(
        f"{MOD}/",
        {
            "title": "Amend the SMKI",
            "raised_on": "2021-06-01",
            "sec_sections": ["L"],
            "impacted_party_categories": ["large-supplier"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["reference"] == "DP161"
    assert response["ETag"] == '"1"'
    assert response.json()["sec_sections"] == ["L"]
    alt = staff_api.post(
        f"{MOD}/",
        {"title": "Alternative", "raised_on": "2021-06-01", "alternative_of": "mp 160"},
        format="json",
    )
    assert alt.status_code == 201, alt.content
    assert alt.json()["reference"] == "MP160A"


def test_update_bumps_the_version_and_a_stale_if_match_is_412(seed, staff_api):  # type: ignore[no-untyped-def]
    first = staff_api.patch(
        f"{MOD}/MP160/", {"latest_update": "First"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert first.status_code == 200, first.content
    assert first["ETag"] == '"2"'
    stale = staff_api.patch(
        f"{MOD}/MP160/", {"latest_update": "Second"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412
    assert stale.json()["detail"].startswith("Someone else saved this modification")
    assert stale.json()["current_version"] == 2
    seed.refresh_from_db()
    assert seed.latest_update == "First" and seed.version == 2
    weak = staff_api.patch(
        f"{MOD}/MP160/", {"latest_update": "Third"}, format="json", HTTP_IF_MATCH='W/"2"'
    )
    assert weak.status_code == 200
    garbage = staff_api.patch(f"{MOD}/MP160/", {}, format="json", HTTP_IF_MATCH="nonsense")
    assert garbage.status_code == 412


def test_the_admin_and_the_api_share_the_version(seed, staff_api):  # type: ignore[no-untyped-def]
    from secmods.modifications.forms import ModificationForm

    etag = staff_api.get(f"{MOD}/MP160/")["ETag"]
    staff_api.patch(f"{MOD}/MP160/", {"title": "Changed by API"}, format="json")
    form_data = {
        "number": 160,
        "title": "Changed in the admin",
        "raised_on": "2021-04-19",
        "dcc_impact_assessment": "pending",
        "loaded_version": int(etag.strip('"')),
    }
    form = ModificationForm(data=form_data, instance=Modification.objects.get(pk=seed.pk))
    assert not form.is_valid()
    assert "Someone else saved this modification" in str(form.errors)


def test_field_errors_are_400_with_messages(seed, staff_api):  # type: ignore[no-untyped-def]
    response = staff_api.post(
        f"{MOD}/",
        {
            "title": "x" * 301,
            "raised_on": "2021-02-30",
            "proposer": 10**30,
            "number": 10**30,
            "sec_sections": ["ZZ"],
            "path": "path_9",
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {
        "title",
        "raised_on",
        "proposer",
        "number",
        "sec_sections",
        "path",
    }
    assert Modification.objects.count() == 1


def test_nul_in_text_is_400_on_its_field(seed, staff_api):  # type: ignore[no-untyped-def]
    response = staff_api.post(
        f"{MOD}/", {"title": "Bad\x00title", "raised_on": "2021-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"title": ["NUL characters are not allowed."]}


def test_a_reference_that_exists_is_400(seed, staff_api):  # type: ignore[no-untyped-def]
    response = staff_api.post(
        f"{MOD}/", {"title": "Dup", "raised_on": "2021-01-01", "number": 160}, format="json"
    )
    assert response.status_code == 400
    assert "exists already" in str(response.json())


def test_number_cannot_change_after_create(seed, staff_api):  # type: ignore[no-untyped-def]
    response = staff_api.patch(f"{MOD}/MP160/", {"number": 5}, format="json")
    assert response.status_code == 400
    assert response.json() == {"number": ["Can be given on create only."]}


# --- Lifecycle moves -----------------------------------------------------------------------
def test_a_refused_move_is_409_with_every_reason(seed, staff_api):  # type: ignore[no-untyped-def]
    response = staff_api.post(f"{MOD}/MP160/transitions/", {"to": "refinement"}, format="json")
    assert response.status_code == 409
    reasons = response.json()["reasons"]
    assert any("problem statement" in r for r in reasons)
    assert any("path" in r for r in reasons)
    assert not StageChange.objects.exists()
    impossible = staff_api.post(f"{MOD}/MP160/transitions/", {"to": "implemented"}, format="json")
    assert impossible.status_code == 409
    assert impossible.json()["reasons"] == [
        "A modification cannot move from Draft Proposal to Implemented."
    ]


def test_an_allowed_move_is_recorded(seed, staff_api, secas_user):  # type: ignore[no-untyped-def]
    staff_api.patch(f"{MOD}/DP160/", {"path": "path_3"}, format="json")
    response = staff_api.post(
        f"{MOD}/DP160/transitions/",
        {
            "to": "refinement",
            "reason": "CSC agreed the problem statement",
            "decided_by": "CSC",
            "meeting": 1,
        },
        format="json",
        HTTP_IF_MATCH='"2"',
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reference"] == "MP160" and body["stage"] == "refinement"
    assert response["ETag"] == '"3"'
    assert body["stage_history"][0]["to_stage"] == "refinement"
    change = StageChange.objects.get()
    assert change.changed_by == secas_user and change.meeting_id == 1


def test_a_move_with_a_stale_version_is_412(seed, staff_api):  # type: ignore[no-untyped-def]
    response = staff_api.post(
        f"{MOD}/DP160/transitions/",
        {"to": "closed", "reason": "Merged"},
        format="json",
        HTTP_IF_MATCH='"7"',
    )
    assert response.status_code == 412
    assert Modification.objects.get().stage == Stage.DRAFT_PROPOSAL


def test_a_bad_target_stage_is_400(seed, staff_api):  # type: ignore[no-untyped-def]
    response = staff_api.post(f"{MOD}/DP160/transitions/", {"to": "heaven"}, format="json")
    assert response.status_code == 400
    assert "to" in response.json()


# --- Bad input is 400 (or 404), never 500 --------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        {"search": "MP\x00160"},
        {"stage": "nowhere"},
        {"raised_after": "2021-13-45"},
        {"updated_before": "yesterday"},
        {"proposer_organisation": str(10**30)},
        {"proposer_organisation": "abc"},
        {"sec_section": "\x00"},
        {"ordering": "password"},
        {"committee": "x" * 500},
    ],
)
def test_bad_filters_are_400(seed, anon_api, params):  # type: ignore[no-untyped-def]
    response = anon_api.get(f"{MOD}/", params)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "url",
    [
        f"{MOD}/MP160%00/",
        f"{MOD}/{10**30}/",
        f"{MOD}/not-a-reference/",
        f"{MOD}/MP160/milestones/{10**30}/",
        f"{MOD}/MP160/milestones/abc/",
        "/api/v1/meetings/99999999999999999999999/",
        "/api/v1/committees/%00/",
        "/api/v1/glossary/%00/",
        "/api/v1/no-such-thing/",
    ],
)
def test_bad_paths_are_json_404(seed, anon_api, url):  # type: ignore[no-untyped-def]
    response = anon_api.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_an_invalid_page_is_404(seed, anon_api):  # type: ignore[no-untyped-def]
    assert anon_api.get(f"{MOD}/", {"page": 99}).status_code == 404
    assert anon_api.get(f"{MOD}/", {"page": "x"}).status_code == 404


@pytest.mark.parametrize("when", ["0193-09-04T10:22:16-00:01", "3001-01-01T00:00:00Z"])
def test_times_outside_sensible_years_are_400(seed, staff_api, when):  # type: ignore[no-untyped-def]
    # 193 AD in London is local mean time, -00:01:15: no valid ISO 8601 offset to answer with.
    response = staff_api.patch(f"{MOD}/MP160/", {"published_at": when}, format="json")
    assert response.status_code == 400 and list(response.json()) == ["published_at"]
    meeting = staff_api.patch("/api/v1/meetings/1/", {"starts_at": when}, format="json")
    assert meeting.status_code == 400 and list(meeting.json()) == ["starts_at"]


def test_huge_and_bad_dates_in_bodies_are_400(seed, staff_api):  # type: ignore[no-untyped-def]
    response = staff_api.patch(
        f"{MOD}/MP160/",
        {"published_at": "9999-12-31T23:59:59-12:00", "appeal_window_closes_on": "10000-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"published_at", "appeal_window_closes_on"}


def test_next_key_date_milestone_factory_is_used(seed):  # type: ignore[no-untyped-def]
    # A guard for the factory the query-count tests rely on.
    milestone = MilestoneFactory(modification=seed, when=ApproxDate.quarter(2030, 1))
    assert milestone.date_to == dt.date(2030, 3, 31)


def test_detail_and_list_agree_on_the_next_key_date(seed, anon_api):  # type: ignore[no-untyped-def]
    # The list annotates it in SQL, the detail picks it from the fetched timetable.
    MilestoneFactory(modification=seed, when=ApproxDate.month(2021, 5), label="Same start")
    for day in (dt.datetime(2021, 4, 20, 12), dt.datetime(2021, 5, 3, 12), dt.datetime(2030, 1, 1)):
        with time_machine.travel(day.replace(tzinfo=dt.UTC)):
            row = anon_api.get(f"{MOD}/").json()["results"][0]
            detail = anon_api.get(f"{MOD}/MP160/").json()
        assert detail["next_key_date"] == row["next_key_date"], day


def test_unknown_pages_outside_the_api_keep_the_sites_html_404(db, client):  # type: ignore[no-untyped-def]
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "body",
    [
        {"title": "T", "raised_on": "2021-01-01", "sec_sections": ["L\x00"]},
        {"title": "T", "raised_on": "2021-01-01", "impacted_party_categories": ["\ud800x"]},
        {"title": "T", "raised_on": "2021-01-01", "alternative_of": "MP160\x00"},
    ],
)
def test_unstorable_text_in_lookups_is_400(seed, staff_api, body):  # type: ignore[no-untyped-def]
    # Found by schemathesis: a NUL in a slug lookup reached PostgreSQL (a 500).
    import json

    response = staff_api.post(f"{MOD}/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert Modification.objects.count() == 1
