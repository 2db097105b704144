"""Every move of the lifecycle table, allowed and refused."""

import datetime as dt

import pytest
import time_machine

from secmods.modifications.models import (
    AuthorityDecision,
    DecisionOutcome,
    ImpactAssessment,
    Path,
    Stage,
)
from secmods.modifications.services import MoveRefused, move_stage
from secmods.rules import lifecycle
from tests.factories import AgendaItemFactory, ModificationFactory, ReleaseFactory, UserFactory


def at(stage, **fields):
    return ModificationFactory(stage=stage, **fields)


def satisfy_later_parts(modification, target):
    """Make the plugged-in conditions hold the real way: a closed Modification Report
    Consultation before the Change Board, and a decided Change Board vote after it."""
    from secmods.votes.services import record_vote, record_vote_outcome
    from tests.factories import ChangeBoardMembershipFactory, ConsultationFactory

    if modification.stage == Stage.REPORT_PHASE and target == Stage.CHANGE_BOARD:
        ConsultationFactory(modification=modification, kind="report")
    if modification.stage == Stage.CHANGE_BOARD and target != Stage.WITHDRAWN:
        wanted = modification.change_board_outcome
        if wanted:
            member = ChangeBoardMembershipFactory()
            choice = "for" if wanted == DecisionOutcome.APPROVED else "against"
            record_vote(modification, person=member.person, choice=choice)
            record_vote_outcome(modification, move=False)
            assert modification.change_board_outcome == wanted


# (from, to, fields that satisfy the guards, reason given)
ALLOWED = [
    (Stage.DRAFT_PROPOSAL, Stage.REFINEMENT, {"path": Path.PATH_3, "problem_statement_agreed": True}, ""),
    (Stage.DRAFT_PROPOSAL, Stage.REFINEMENT, {"path": Path.PATH_1}, "CSC agreed the problem statement on 27 April"),
    (Stage.DRAFT_PROPOSAL, Stage.REPORT_PHASE, {"path": Path.PATH_3, "problem_statement_agreed": True}, "Panel: no Refinement needed"),
    (Stage.DRAFT_PROPOSAL, Stage.CLOSED, {}, "Merged into MP161"),
    (Stage.DRAFT_PROPOSAL, Stage.APPROVED, {"path": Path.FAST_TRACK}, "Panel approved the typo fix"),
    (Stage.REFINEMENT, Stage.REPORT_PHASE, {"dcc_impact_assessment": ImpactAssessment.RECEIVED}, ""),
    (Stage.REFINEMENT, Stage.REPORT_PHASE, {"dcc_impact_assessment": ImpactAssessment.NOT_NEEDED}, ""),
    (Stage.REPORT_PHASE, Stage.CHANGE_BOARD, {}, ""),
    (Stage.REPORT_PHASE, Stage.REFINEMENT, {}, "Panel sent it back"),
    (Stage.CHANGE_BOARD, Stage.AUTHORITY_DECISION, {"path": Path.PATH_1, "change_board_outcome": DecisionOutcome.APPROVED}, ""),
    (Stage.CHANGE_BOARD, Stage.AUTHORITY_DECISION, {"path": Path.PATH_2, "change_board_outcome": DecisionOutcome.REJECTED}, ""),
    (Stage.CHANGE_BOARD, Stage.APPROVED, {"path": Path.PATH_3, "change_board_outcome": DecisionOutcome.APPROVED}, ""),
    (Stage.CHANGE_BOARD, Stage.REJECTED, {"path": Path.PATH_3, "change_board_outcome": DecisionOutcome.REJECTED}, ""),
    (Stage.AUTHORITY_DECISION, Stage.APPROVED, {"authority_decision": AuthorityDecision.APPROVED}, ""),
    (Stage.AUTHORITY_DECISION, Stage.REJECTED, {"authority_decision": AuthorityDecision.REJECTED}, ""),
    (Stage.AUTHORITY_DECISION, Stage.REPORT_PHASE, {"authority_decision": AuthorityDecision.SENT_BACK}, ""),
    *[(stage, Stage.WITHDRAWN, {}, "The proposer withdrew it") for stage in sorted(lifecycle.OPEN_STAGES)],
]  # fmt: skip


@pytest.mark.parametrize(("source", "target", "fields", "reason"), ALLOWED)
def test_allowed_moves_are_recorded(db, source, target, fields, reason):
    user = UserFactory(secas_staff=True)
    modification = at(source, **fields)
    satisfy_later_parts(modification, target)
    modification.refresh_from_db()
    version = modification.version
    change = move_stage(modification, to=target, reason=reason, decided_by="Panel", user=user)
    modification.refresh_from_db()
    assert modification.stage == target
    assert modification.version == version + 1
    assert (change.from_stage, change.to_stage, change.changed_by, change.reason) == (
        source,
        target,
        user,
        reason,
    )
    assert change.decided_by == "Panel"
    assert modification.history.first().stage == target


# (from, to, fields, reason, words the refusal must contain)
REFUSED = [
    (Stage.DRAFT_PROPOSAL, Stage.REFINEMENT, {"path": Path.PATH_3}, "", "problem statement"),
    (Stage.DRAFT_PROPOSAL, Stage.REFINEMENT, {"problem_statement_agreed": True}, "", "path"),
    (Stage.DRAFT_PROPOSAL, Stage.REPORT_PHASE, {"path": Path.PATH_3, "problem_statement_agreed": True}, "", "no Refinement is needed"),
    (Stage.DRAFT_PROPOSAL, Stage.CLOSED, {}, "  ", "not converted"),
    (Stage.DRAFT_PROPOSAL, Stage.APPROVED, {"path": Path.PATH_3}, "Panel", "Fast-Track"),
    (Stage.DRAFT_PROPOSAL, Stage.CHANGE_BOARD, {}, "", "cannot move from Draft Proposal to Change Board"),
    (Stage.REFINEMENT, Stage.REPORT_PHASE, {}, "", "Impact Assessment"),
    (Stage.REFINEMENT, Stage.APPROVED, {}, "", "cannot move"),
    (Stage.REPORT_PHASE, Stage.REFINEMENT, {}, "", "sent it back"),
    (Stage.CHANGE_BOARD, Stage.AUTHORITY_DECISION, {"path": Path.PATH_3, "change_board_outcome": DecisionOutcome.APPROVED}, "", "Path 1"),
    (Stage.CHANGE_BOARD, Stage.AUTHORITY_DECISION, {"path": Path.PATH_1}, "", "vote has not been recorded"),
    (Stage.CHANGE_BOARD, Stage.APPROVED, {"path": Path.PATH_3, "change_board_outcome": DecisionOutcome.REJECTED}, "", "outcome is rejected"),
    (Stage.CHANGE_BOARD, Stage.APPROVED, {"path": Path.PATH_1, "change_board_outcome": DecisionOutcome.APPROVED}, "", "Self-Governance"),
    (Stage.CHANGE_BOARD, Stage.REJECTED, {"path": Path.PATH_3}, "", "vote has not been recorded"),
    (Stage.AUTHORITY_DECISION, Stage.APPROVED, {}, "", "no decision recorded"),
    (Stage.AUTHORITY_DECISION, Stage.REPORT_PHASE, {"authority_decision": AuthorityDecision.APPROVED}, "", "not Sent back"),
    (Stage.APPROVED, Stage.IMPLEMENTED, {}, "", "No target SEC Release"),
    (Stage.IMPLEMENTED, Stage.WITHDRAWN, {}, "too late", "cannot move"),
    (Stage.WITHDRAWN, Stage.REFINEMENT, {}, "", "cannot move"),
    (Stage.CLOSED, Stage.REFINEMENT, {}, "", "cannot move"),
    (Stage.REJECTED, Stage.APPROVED, {}, "", "cannot move"),
    (Stage.REFINEMENT, Stage.WITHDRAWN, {}, "", "withdrawn"),
    (Stage.REFINEMENT, "nonsense", {}, "", "is not a stage"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "target", "fields", "reason", "words"), REFUSED)
def test_refused_moves_say_why_and_write_nothing(db, source, target, fields, reason, words):
    modification = at(source, **fields)
    with pytest.raises(MoveRefused) as refused:
        move_stage(modification, to=target, reason=reason)
    assert any(words in message for message in refused.value.messages), refused.value.messages
    modification.refresh_from_db()
    assert modification.stage == source
    assert not modification.stage_changes.exists()
    assert modification.version == 1


def test_every_move_in_the_table_is_tested():
    tested = {(s, t) for s, t, *_ in ALLOWED}
    tested.add((Stage.APPROVED, Stage.IMPLEMENTED))  # test_implemented_waits_for_the_release_date
    for move in lifecycle.MOVES:
        for source in move.sources:
            assert (source, move.target) in tested, f"{source} -> {move.target} has no test"


def test_a_recorded_agenda_outcome_counts_as_the_problem_statement_agreed(db):
    modification = at(Stage.DRAFT_PROPOSAL, path=Path.PATH_3)
    AgendaItemFactory(modification=modification, outcome="The CSC agreed the problem statement.")
    move_stage(modification, to=Stage.REFINEMENT)
    assert modification.stage == Stage.REFINEMENT
    assert modification.reference.startswith("MP")


def test_implemented_waits_for_the_release_date(db):
    release = ReleaseFactory(name="November 2022 SEC Release", date=dt.date(2022, 11, 3))
    modification = at(Stage.APPROVED, target_release=release)
    with (
        time_machine.travel(dt.datetime(2022, 11, 2, 12, 0), tick=False),
        pytest.raises(MoveRefused, match="not implemented until 3 Nov 2022"),
    ):
        move_stage(modification, to=Stage.IMPLEMENTED)
    with time_machine.travel(dt.datetime(2022, 11, 3, 12, 0), tick=False):
        move_stage(modification, to=Stage.IMPLEMENTED)
    assert modification.stage == Stage.IMPLEMENTED


def test_self_governance_approval_opens_the_appeal_window(db):
    modification = at(Stage.CHANGE_BOARD, path=Path.PATH_3, change_board_outcome="approved")
    satisfy_later_parts(modification, Stage.APPROVED)
    # Wednesday 22 Dec 2021: 15 Working Days skip Christmas, Boxing Day substitutes, New Year.
    with time_machine.travel(dt.datetime(2021, 12, 22, 12, 0), tick=False):
        move_stage(modification, to=Stage.APPROVED)
    modification.refresh_from_db()
    assert modification.appeal_window_closes_on == dt.date(2022, 1, 17)


def test_a_plugged_in_condition_can_refuse(db):
    modification = at(Stage.REPORT_PHASE)
    satisfy_later_parts(modification, Stage.CHANGE_BOARD)

    def consultation_still_open(mod, request):
        return "The Modification Report Consultation closes on 1 Jul 2021."

    lifecycle.register_condition(lifecycle.REPORT_CONSULTATION_CLOSED, consultation_still_open)
    try:
        with pytest.raises(MoveRefused, match="closes on 1 Jul 2021"):
            move_stage(modification, to=Stage.CHANGE_BOARD)
    finally:
        lifecycle._conditions[lifecycle.REPORT_CONSULTATION_CLOSED].remove(consultation_still_open)


# --- The table over plain values (no database) ---------------------------------------
@pytest.mark.parametrize(
    ("path", "outcome", "stage"),
    [
        (Path.PATH_1, DecisionOutcome.APPROVED, Stage.AUTHORITY_DECISION),
        (Path.PATH_1, DecisionOutcome.REJECTED, Stage.AUTHORITY_DECISION),
        (Path.PATH_2, DecisionOutcome.APPROVED, Stage.AUTHORITY_DECISION),
        (Path.PATH_2, DecisionOutcome.REJECTED, Stage.AUTHORITY_DECISION),
        (Path.PATH_3, DecisionOutcome.APPROVED, Stage.APPROVED),
        (Path.PATH_3, DecisionOutcome.REJECTED, Stage.REJECTED),
        (Path.FAST_TRACK, DecisionOutcome.APPROVED, None),
        ("", DecisionOutcome.REJECTED, None),
    ],
)
def test_the_stage_after_a_change_board_vote_comes_from_the_table(path, outcome, stage):
    assert lifecycle.stage_after_vote(path, outcome) == stage


def test_only_a_self_governance_approval_opens_the_appeal_window():
    wednesday = dt.date(2021, 12, 22)
    approved = lifecycle.MoveRequest(to=Stage.APPROVED, today=wednesday)
    assert lifecycle.effects(Stage.CHANGE_BOARD, approved) == {
        "stage": Stage.APPROVED,
        "appeal_window_closes_on": dt.date(2022, 1, 17),
    }
    assert lifecycle.effects(Stage.AUTHORITY_DECISION, approved) == {"stage": Stage.APPROVED}
    assert lifecycle.effects(Stage.DRAFT_PROPOSAL, approved) == {"stage": Stage.APPROVED}
