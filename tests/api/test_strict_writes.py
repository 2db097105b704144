"""The API refuses what it does not take: unknown and read-only fields are a 400 naming them
(nothing written), a choice error lists the valid values, and /api/v1/ lists the endpoints.

The rule lives once in secmods.core.api.StrictSerializerMixin, the base of every API
serializer; these tests go through several endpoints to show it holds for all of them.
"""

from __future__ import annotations

import pytest

from secmods.consultations.models import Consultation
from secmods.glossary.models import GlossaryTerm
from secmods.modifications.models import Milestone, Modification

MOD = "/api/v1/modifications"


def test_a_milestone_with_a_top_level_date_is_400_not_a_tbc_milestone(seed, staff_api):  # type: ignore[no-untyped-def]
    before = Milestone.objects.count()
    response = staff_api.post(
        f"{MOD}/MP160/milestones/",
        {"kind": "working_group", "label": "WG", "date": "2021-07-01", "precision": "quarter"},
        format="json",
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"date", "precision"}
    assert '"when"' in body["date"][0]
    assert Milestone.objects.count() == before


def test_a_milestone_with_when_is_still_created(seed, staff_api):  # type: ignore[no-untyped-def]
    response = staff_api.post(
        f"{MOD}/MP160/milestones/",
        {
            "kind": "working_group",
            "label": "WG",
            "when": {"date": "2021-07-01", "precision": "quarter"},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["when"]["display"] == "Q3 2021"


def test_patching_the_stage_is_400_and_changes_nothing(seed, staff_api):  # type: ignore[no-untyped-def]
    before = Modification.objects.get(pk=seed.pk)
    response = staff_api.patch(f"{MOD}/DP160/", {"stage": "refinement"}, format="json")
    assert response.status_code == 400, response.content
    assert "transitions" in response.json()["stage"][0]
    after = Modification.objects.get(pk=seed.pk)
    assert (after.stage, after.version) == (before.stage, before.version)


@pytest.mark.parametrize(
    "body, field, says",
    [
        ({"reference": "MP999"}, "reference", "read-only"),
        ({"version": 9}, "version", "If-Match"),
        ({"titel": "Typo"}, "titel", "Unknown field"),
    ],
)
def test_read_only_and_unknown_fields_are_named(seed, staff_api, body, field, says):  # type: ignore[no-untyped-def]
    response = staff_api.patch(f"{MOD}/DP160/", body, format="json")
    assert response.status_code == 400, response.content
    assert says in response.json()[field][0]


def test_an_unknown_field_lists_what_the_write_takes(seed, staff_api):  # type: ignore[no-untyped-def]
    response = staff_api.post("/api/v1/glossary/", {"acronym": "ZZ", "meaning": "x"}, format="json")
    assert response.status_code == 400
    message = response.json()["meaning"][0]
    assert "Unknown field" in message and "full_term" in message
    assert not GlossaryTerm.objects.filter(acronym="ZZ").exists()


def test_nested_writes_are_strict_too(seed, staff_api):  # type: ignore[no-untyped-def]
    response = staff_api.post(
        "/api/v1/consultations/",
        {
            "modification": "MP160",
            "kind": "refinement",
            "questions": [{"text": "Do you agree?", "answer": "yes"}],
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "Unknown field" in str(response.json()["questions"])
    assert not Consultation.objects.exists()


def test_a_choice_error_lists_the_valid_values(seed, staff_api):  # type: ignore[no-untyped-def]
    response = staff_api.post(
        f"{MOD}/DP160/transitions/", {"to": "closed", "decided_by": "the board"}, format="json"
    )
    assert response.status_code == 400
    message = response.json()["decided_by"][0]
    for value in ("SECAS", "CSC", "Panel", "Change Board", "Authority", "Proposer"):
        assert value in message


def test_a_choice_in_another_case_is_that_choice(seed, staff_api):  # type: ignore[no-untyped-def]
    staff_api.patch(f"{MOD}/DP160/", {"path": "path_3"}, format="json")
    response = staff_api.post(
        f"{MOD}/DP160/transitions/",
        {"to": "refinement", "decided_by": "csc", "reason": "Agreed"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["stage_history"][0]["decided_by"] == "CSC"


def test_the_api_root_lists_the_endpoints(anon_api):  # type: ignore[no-untyped-def]
    response = anon_api.get("/api/v1/")
    assert response.status_code == 200
    body = response.json()
    paths = {row["path"]: row["methods"] for row in body["endpoints"]}
    assert paths["/api/v1/modifications/"] == ["GET", "POST"]
    assert "/api/v1/modifications/{reference}/votes/" in paths
    assert "/api/v1/glossary/{acronym}/" in paths
    assert body["schema"].endswith("/api/schema/")
