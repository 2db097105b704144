"""Change Board votes over the API: record votes, read the tally, decide the outcome."""

from __future__ import annotations

import datetime as dt

import pytest

from secmods.modifications.models import Modification
from secmods.votes import services
from secmods.votes.models import Ballot, Vote
from tests.factories import (
    ChangeBoardMembershipFactory,
    ModificationFactory,
    PersonFactory,
    party_category,
)

PAST = dt.datetime(2021, 3, 1, 9, 0, tzinfo=dt.UTC)


def _member(slug: str = "large-supplier"):  # type: ignore[no-untyped-def]
    return ChangeBoardMembershipFactory(party_category=party_category(slug)).person


def _at_change_board(path: str = "path_3", published: bool = True):  # type: ignore[no-untyped-def]
    return ModificationFactory(
        stage="change_board", path=path, published_at=PAST if published else None
    )


def _url(modification, tail=""):  # type: ignore[no-untyped-def]
    return f"/api/v1/modifications/{modification.reference}/votes/{tail}"


MATRIX = {
    "read": (200, 200, 200),
    "vote": (401, 403, 201),
    "outcome": (401, 403, 200),
}


@pytest.mark.parametrize("what", list(MATRIX))
@pytest.mark.parametrize("role", ["anonymous", "member", "staff"])
def test_permission_matrix(apis, what, role):  # type: ignore[no-untyped-def]
    modification = _at_change_board()
    services.record_vote(modification, person=_member(), choice="for")
    voter = _member("small-supplier")
    expected = MATRIX[what][["anonymous", "member", "staff"].index(role)]
    api = apis[role]
    if what == "read":
        response = api.get(_url(modification))
    elif what == "vote":
        response = api.post(
            _url(modification), {"person": voter.pk, "choice": "for"}, format="json"
        )
    else:
        response = api.post(_url(modification, "outcome/"), {}, format="json")
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert Vote.objects.count() == 1
        assert not Ballot.objects.filter(decided_at__isnull=False).exists()
        assert Modification.objects.get().stage == "change_board"


def test_staff_record_votes_and_read_the_running_tally(staff_api, anon_api, secas_user):  # type: ignore[no-untyped-def]
    modification = _at_change_board()
    first, second = _member("large-supplier"), _member("small-supplier")
    response = staff_api.post(
        _url(modification), {"person": first.pk, "choice": "for"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["party_category"] == "Large Supplier"
    staff_api.post(_url(modification), {"person": second.pk, "choice": "against"}, format="json")
    assert Vote.objects.get(person=first).recorded_by == secas_user
    ballots = anon_api.get(_url(modification)).json()
    assert len(ballots) == 1 and ballots[0]["decided"] is False and ballots[0]["outcome"] == ""
    tally = ballots[0]["tally"]
    assert (tally["categories_for"], tally["categories_against"]) == (1, 1)
    assert "tie" in tally["reason"]
    assert {v["person"] for v in staff_api.get(_url(modification)).json()[0]["votes"]} == {
        first.pk,
        second.pk,
    }


def _change_board_login():  # type: ignore[no-untyped-def]
    from tests.factories import UserFactory

    user = UserFactory(committee_member=True, username="cb-member")
    ChangeBoardMembershipFactory(
        person=PersonFactory(user=user), party_category=party_category("large-supplier")
    )
    return user


@pytest.mark.parametrize(
    "who, named",
    [("anonymous", False), ("member", False), ("change_board", True), ("staff", True)],
)
def test_named_votes_are_for_staff_and_the_change_board_only(apis, who, named):  # type: ignore[no-untyped-def]
    """The public (and other committees' members) get the outcome and the tally per Party
    Category, as SECAS publishes decisions; how each named member voted is not theirs."""
    from tests.api.conftest import token_client

    modification = _at_change_board()
    voter = _member("large-supplier")
    services.record_vote(modification, person=voter, choice="against")
    services.record_vote(modification, person=_member("small-supplier"), choice="for")
    api = token_client(_change_board_login()) if who == "change_board" else apis[who]
    response = api.get(_url(modification))
    assert response.status_code == 200, response.content
    ballot = response.json()[0]
    positions = {c["category"]: c["position"] for c in ballot["tally"]["categories"]}
    assert (positions["Large Supplier"], positions["Small Supplier"]) == ("against", "for")
    if named:
        assert {v["person_name"] for v in ballot["votes"]} >= {voter.name}
    else:
        assert ballot["votes"] is None
        assert voter.name not in response.content.decode()


def test_a_vote_by_a_non_member_or_a_second_vote_is_400(staff_api):  # type: ignore[no-untyped-def]
    modification = _at_change_board()
    member = _member()
    outsider = PersonFactory()
    response = staff_api.post(
        _url(modification), {"person": outsider.pk, "choice": "for"}, format="json"
    )
    assert response.status_code == 400
    assert "not a member of the Change Board" in response.json()["person"][0]
    assert (
        staff_api.post(
            _url(modification), {"person": member.pk, "choice": "for"}, format="json"
        ).status_code
        == 201
    )
    response = staff_api.post(
        _url(modification), {"person": member.pk, "choice": "against"}, format="json"
    )
    assert response.status_code == 400
    assert "already voted" in response.json()["person"][0]
    assert Vote.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [{"person": 999999, "choice": "for"}, {"person": "{member}", "choice": "maybe"}, {}],
)
def test_a_malformed_vote_is_400(staff_api, body):  # type: ignore[no-untyped-def]
    modification = _at_change_board()
    member = _member()
    if body.get("person") == "{member}":
        body = {**body, "person": member.pk}
    assert staff_api.post(_url(modification), body, format="json").status_code == 400
    assert not Vote.objects.exists()


def test_a_vote_on_a_modification_not_at_the_change_board_is_400(staff_api):  # type: ignore[no-untyped-def]
    modification = ModificationFactory(stage="refinement", published_at=PAST)
    response = staff_api.post(
        _url(modification), {"person": _member().pk, "choice": "for"}, format="json"
    )
    assert response.status_code == 400
    assert "not at the Change Board" in response.json()["non_field_errors"][0]


def test_staff_decide_the_outcome_and_the_modification_moves_on(staff_api):  # type: ignore[no-untyped-def]
    modification = _at_change_board("path_3")
    services.record_vote(modification, person=_member("large-supplier"), choice="for")
    services.record_vote(modification, person=_member("small-supplier"), choice="for")
    response = staff_api.post(_url(modification, "outcome/"), {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["decided"] is True and body["outcome"] == "approved"
    assert body["tally"]["categories_for"] == 2
    modification.refresh_from_db()
    assert (modification.stage, modification.change_board_outcome) == ("approved", "approved")
    # A second outcome has no open ballot and the modification has moved: 400.
    assert staff_api.post(_url(modification, "outcome/"), {}, format="json").status_code == 400


def test_an_outcome_without_votes_is_400(staff_api):  # type: ignore[no-untyped-def]
    modification = _at_change_board()
    response = staff_api.post(_url(modification, "outcome/"), {"move": False}, format="json")
    assert response.status_code == 400
    assert "No votes" in response.json()["non_field_errors"][0]


def test_votes_of_an_unpublished_modification_are_404_to_the_public(apis):  # type: ignore[no-untyped-def]
    modification = _at_change_board(published=False)
    services.record_vote(modification, person=_member(), choice="for")
    assert apis["anonymous"].get(_url(modification)).status_code == 404
    assert apis["staff"].get(_url(modification)).status_code == 200
    assert apis["member"].get(_url(modification)).status_code == 200


@pytest.mark.parametrize("caller, budget", [("anonymous", 6), ("staff", 9)])
@pytest.mark.parametrize("rows", [1, 12])
def test_ballots_query_count_does_not_grow(
    apis, django_assert_max_num_queries, rows, caller, budget
):  # type: ignore[no-untyped-def]
    modification = _at_change_board()
    slugs = ["large-supplier", "small-supplier", "gas-network"]
    for n in range(rows):
        services.record_vote(modification, person=_member(slugs[n % 3]), choice="for")
    # modification, ballots (with rule), votes, people, categories, rule categories; staff:
    # their token, user and groups too
    with django_assert_max_num_queries(budget):
        ballots = apis[caller].get(_url(modification)).json()
    tally = ballots[0]["tally"]
    assert sum(c["for"] for c in tally["categories"]) == rows
    if caller == "staff":
        assert len(ballots[0]["votes"]) == rows
