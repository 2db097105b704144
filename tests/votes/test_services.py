"""Recording Change Board votes and their outcome on the modification."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from secmods.modifications import services as modification_services
from secmods.modifications.models import Modification
from secmods.votes import services
from secmods.votes.models import Ballot, DecisionRule, Vote
from tests.factories import (
    ChangeBoardMembershipFactory,
    MembershipFactory,
    ModificationFactory,
    PersonFactory,
    UserFactory,
    party_category,
)


def _member(slug: str, **kwargs):  # type: ignore[no-untyped-def]
    return ChangeBoardMembershipFactory(party_category=party_category(slug), **kwargs).person


def _at_change_board(path: str = "path_3"):  # type: ignore[no-untyped-def]
    return ModificationFactory(stage="change_board", path=path)


def test_the_default_rule_ships_with_the_five_voting_categories(db):
    rule = DecisionRule.objects.get(is_default=True)
    assert sorted(rule.categories.values_list("slug", flat=True)) == [
        "electricity-network",
        "gas-network",
        "large-supplier",
        "other-sec-party",
        "small-supplier",
    ]
    assert rule.category_share == Decimal("0.5") and rule.more_for_than_against


def test_self_governance_approval_records_the_outcome_and_opens_the_appeal_window(db, secas_user):
    modification = _at_change_board("path_3")
    for slug, choice in [
        ("large-supplier", "for"),
        ("large-supplier", "for"),
        ("large-supplier", "against"),
        ("small-supplier", "for"),
        ("gas-network", "against"),
        ("electricity-network", "abstain"),
    ]:
        services.record_vote(
            modification, person=_member(slug), choice=choice, recorded_by=secas_user
        )
    with time_machine.travel(dt.datetime(2021, 7, 7, 12, tzinfo=dt.UTC), tick=False):
        ballot = services.record_vote_outcome(modification, user=secas_user)
    assert ballot.outcome == "approved"
    assert ballot.tally["categories_for"] == 2 and ballot.tally["categories_against"] == 1
    modification.refresh_from_db()
    assert modification.change_board_outcome == "approved"
    assert modification.stage == "approved"
    assert modification.appeal_window_closes_on == dt.date(2021, 7, 28)
    change = modification.stage_changes.get()
    assert change.decided_by == "Change Board" and change.changed_by == secas_user
    assert modification.latest_update.startswith("Change Board decided approval")


def test_a_tie_is_rejection_under_self_governance(db):
    modification = _at_change_board("path_3")
    services.record_vote(modification, person=_member("large-supplier"), choice="for")
    services.record_vote(modification, person=_member("gas-network"), choice="against")
    services.record_vote_outcome(modification)
    modification.refresh_from_db()
    assert (modification.change_board_outcome, modification.stage) == ("rejected", "rejected")


@pytest.mark.parametrize("path", ["path_1", "path_2"])
def test_authority_paths_go_to_the_authority_whatever_the_recommendation(db, path):
    modification = _at_change_board(path)
    services.record_vote(modification, person=_member("small-supplier"), choice="against")
    services.record_vote_outcome(modification)
    modification.refresh_from_db()
    assert modification.change_board_outcome == "rejected"
    assert modification.stage == "authority_decision"
    assert modification.latest_update.startswith("Change Board recommended rejection")


def test_a_ballot_keeps_the_rule_it_opened_with(db):
    strict = DecisionRule.objects.create(name="Two-thirds", category_share=Decimal("0.666"))
    strict.categories.set([party_category("large-supplier")])
    modification = _at_change_board("path_3")
    for choice in ("for", "for", "for", "against", "against"):
        services.record_vote(
            modification, person=_member("large-supplier"), choice=choice, rule=strict
        )
    ballot = services.record_vote_outcome(modification)
    assert ballot.rule == strict and ballot.outcome == "rejected"  # 3/5 is not two-thirds


def test_a_vote_by_someone_not_on_the_change_board_is_refused(db):
    modification = _at_change_board()
    csc_member = MembershipFactory(party_category=party_category("large-supplier")).person
    former = ChangeBoardMembershipFactory(
        start_date=dt.date(2019, 1, 1), end_date=dt.date(2020, 1, 1)
    ).person
    for person in (PersonFactory(), csc_member, former):
        with pytest.raises(ValidationError, match="is not a member of the Change Board"):
            services.record_vote(modification, person=person, choice="for")
    assert not Vote.objects.exists() and not Ballot.objects.exists()


def test_a_second_vote_by_the_same_member_is_refused(db):
    modification = _at_change_board()
    person = _member("large-supplier")
    services.record_vote(modification, person=person, choice="for")
    with pytest.raises(ValidationError, match="has already voted"):
        services.record_vote(modification, person=person, choice="against")
    assert list(Vote.objects.values_list("choice", flat=True)) == ["for"]


def test_votes_only_at_the_change_board_and_an_outcome_needs_votes(db):
    modification = ModificationFactory(stage="report_phase", path="path_3")
    with pytest.raises(ValidationError, match="not at the Change Board"):
        services.record_vote(modification, person=_member("large-supplier"), choice="for")
    modification = _at_change_board()
    with pytest.raises(ValidationError, match="No votes have been recorded"):
        services.record_vote_outcome(modification)
    with pytest.raises(ValidationError, match="is not for, against or abstain"):
        services.record_vote(modification, person=_member("gas-network"), choice="maybe")
    modification.refresh_from_db()
    assert modification.change_board_outcome == "" and modification.stage == "change_board"


def test_a_membership_without_a_party_category_cannot_vote(db):
    person = ChangeBoardMembershipFactory(party_category=None).person
    with pytest.raises(ValidationError, match="has no Party Category"):
        services.record_vote(_at_change_board(), person=person, choice="for")


def test_the_move_needs_the_recorded_vote_not_just_the_field(db):
    modification = _at_change_board("path_1")
    modification.change_board_outcome = "approved"  # typed in by hand, no votes
    modification.save()
    with pytest.raises(modification_services.MoveRefused, match="votes have not been recorded"):
        modification_services.move_stage(modification, to="authority_decision")


def test_back_at_the_change_board_a_new_ballot_is_needed(db):
    modification = _at_change_board("path_1")
    services.record_vote(modification, person=(member := _member("large-supplier")), choice="for")
    services.record_vote_outcome(modification)
    modification.refresh_from_db()
    modification.authority_decision = "sent_back"
    modification.save()
    modification_services.move_stage(modification, to="report_phase")
    modification.authority_decision = ""
    modification.save()
    from tests.factories import ConsultationFactory

    ConsultationFactory(modification=modification, kind="report")
    modification_services.move_stage(modification, to="change_board")
    with pytest.raises(modification_services.MoveRefused, match="votes have not been recorded"):
        modification_services.move_stage(modification, to="authority_decision")
    services.record_vote(modification, person=member, choice="against")  # may vote again
    assert Ballot.objects.filter(modification=modification).count() == 2


def test_staff_record_a_vote_in_the_admin_with_clear_errors(db, secas_client):
    modification = _at_change_board()
    person = _member("small-supplier")
    url = reverse("admin:votes_vote_add")
    page = secas_client.post(
        url, {"modification": modification.pk, "person": person.pk, "choice": "for"}
    )
    assert page.status_code == 302, page.context["adminform"].form.errors
    again = secas_client.post(
        url, {"modification": modification.pk, "person": person.pk, "choice": "against"}
    )
    assert again.status_code == 200
    assert "has already voted" in str(again.context["adminform"].form.non_field_errors())
    assert Vote.objects.get().choice == "for"


# --- Decision rules, and taking back a ballot or a vote ---------------------------------
def test_a_decision_rule_saved_by_staff_keeps_its_categories_in_its_history(db):  # type: ignore[no-untyped-def]
    staff = UserFactory(secas_staff=True)
    categories = [party_category("large-supplier"), party_category("gas-network")]
    rule = services.save_decision_rule(
        name="Two categories", categories=categories, min_categories_in_favour=2, editor=staff
    )
    assert sorted(rule.categories.values_list("slug", flat=True)) == [
        "gas-network",
        "large-supplier",
    ]
    latest = rule.history.latest()
    assert latest.history_user == staff


def test_a_second_default_decision_rule_is_refused_and_nothing_is_written(db):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        services.save_decision_rule(
            name="Another default", categories=[party_category("large-supplier")], is_default=True
        )
    assert not DecisionRule.objects.filter(name="Another default").exists()


def test_a_vote_is_taken_back_while_its_ballot_is_open_but_not_once_decided(db):  # type: ignore[no-untyped-def]
    modification = _at_change_board()
    vote = services.record_vote(modification, person=_member("large-supplier"), choice="for")
    version = Modification.objects.get(pk=modification.pk).version
    services.delete_vote(vote)
    assert not Vote.objects.filter(pk=vote.pk).exists()
    assert Modification.objects.get(pk=modification.pk).version == version + 1

    vote = services.record_vote(modification, person=_member("gas-network"), choice="for")
    services.record_vote_outcome(modification, move=False)
    with pytest.raises(ValidationError, match="decided"):
        services.delete_vote(vote)
    assert Vote.objects.filter(pk=vote.pk).exists()


def test_deleting_a_ballot_moves_the_modification_version_on(db):  # type: ignore[no-untyped-def]
    modification = _at_change_board()
    vote = services.record_vote(modification, person=_member("large-supplier"), choice="for")
    version = Modification.objects.get(pk=modification.pk).version
    services.delete_ballot(vote.ballot)
    assert not Ballot.objects.filter(modification=modification).exists()
    assert Modification.objects.get(pk=modification.pk).version == version + 1
