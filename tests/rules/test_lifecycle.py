"""Every move of the lifecycle table, allowed and refused."""

import dataclasses
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


# --- Every guard of every move, over plain values (no database) ------------------------
# The other apps' conditions and evidence are replaced by the ones a case names, so each
# refusal below comes from the table alone.
@dataclasses.dataclass
class Plain:
    """A modification as the guards read it (lifecycle.Subject)."""

    stage: str
    path: str = ""
    problem_statement_agreed: bool = False
    dcc_impact_assessment: str = ImpactAssessment.PENDING
    change_board_outcome: str = ""
    authority_decision: str = ""
    target_release: object = None


@dataclasses.dataclass(frozen=True)
class Release:
    name: str
    date: dt.date


TODAY = dt.date(2022, 11, 3)
NOVEMBER = "November 2022 SEC Release"
PS = (
    "The CSC or Panel has not agreed the problem statement: record the outcome of its agenda "
    "item, tick 'problem statement agreed', or give the reason."
)
NO_PATH = "Set the modification's path first."
NO_VOTE = "The Change Board vote has not been recorded."
NO_IA = "The DCC Impact Assessment has not been received (or marked not needed)."
AUTHORITY_1_2 = (
    "Only for Path 1: Authority-determined or Path 2: Authority-determined modifications."
)
SELF_GOVERNANCE = "Only for Path 3: Self-Governance modifications."


def reason(what: str) -> str:
    return f"Give the reason: {what}."


# (from, to, fields, reason given, {condition or evidence: what it says}, exact refusals)
S, P, VO, A, IA = Stage, Path, DecisionOutcome, AuthorityDecision, ImpactAssessment
GUARDED = [
    # Draft Proposal -> Refinement: the problem statement agreed (ticked, a reason, or an
    # agenda item minuted) and the path set.
    (S.DRAFT_PROPOSAL, S.REFINEMENT, {}, "", {}, [PS, NO_PATH]),
    (S.DRAFT_PROPOSAL, S.REFINEMENT, {"path": P.PATH_3}, "", {}, [PS]),
    (S.DRAFT_PROPOSAL, S.REFINEMENT, {"problem_statement_agreed": True}, "", {}, [NO_PATH]),
    (S.DRAFT_PROPOSAL, S.REFINEMENT, {"path": P.PATH_3, "problem_statement_agreed": True}, "", {}, []),
    (S.DRAFT_PROPOSAL, S.REFINEMENT, {"path": P.PATH_1}, "CSC agreed it on 27 April", {}, []),
    (S.DRAFT_PROPOSAL, S.REFINEMENT, {"path": P.PATH_1}, "   ", {}, [PS]),
    (S.DRAFT_PROPOSAL, S.REFINEMENT, {"path": P.PATH_1}, "", {lifecycle.PROBLEM_STATEMENT_AGREED_AT_MEETING: True}, []),
    (S.DRAFT_PROPOSAL, S.REFINEMENT, {"path": P.PATH_1}, "", {lifecycle.PROBLEM_STATEMENT_AGREED_AT_MEETING: False}, [PS]),
    # Draft Proposal -> Report Phase: the same, and the Panel's reason for no Refinement.
    (S.DRAFT_PROPOSAL, S.REPORT_PHASE, {}, "", {}, [PS, NO_PATH, reason("why the Panel decided that no Refinement is needed")]),
    (S.DRAFT_PROPOSAL, S.REPORT_PHASE, {"path": P.PATH_3, "problem_statement_agreed": True}, "", {}, [reason("why the Panel decided that no Refinement is needed")]),
    (S.DRAFT_PROPOSAL, S.REPORT_PHASE, {}, "Panel: no Refinement", {}, [NO_PATH]),
    (S.DRAFT_PROPOSAL, S.REPORT_PHASE, {"path": P.PATH_3}, "Panel: no Refinement", {}, []),
    # Draft Proposal -> Closed, with the reason.
    (S.DRAFT_PROPOSAL, S.CLOSED, {}, " ", {}, [reason("why the Draft Proposal is not converted (or what it merged into)")]),
    (S.DRAFT_PROPOSAL, S.CLOSED, {}, "Merged into MP161", {}, []),
    # Draft Proposal -> Approved: Fast-Track only, with the Panel's decision.
    (S.DRAFT_PROPOSAL, S.APPROVED, {"path": P.PATH_3}, "Panel", {}, ["Only for Fast-Track modifications."]),
    (S.DRAFT_PROPOSAL, S.APPROVED, {"path": P.FAST_TRACK}, "", {}, [reason("the Panel's Fast-Track decision")]),
    (S.DRAFT_PROPOSAL, S.APPROVED, {"path": P.FAST_TRACK}, "Panel approved", {}, []),
    # Refinement -> Report Phase: consultations closed, Impact Assessment received or not needed.
    (S.REFINEMENT, S.REPORT_PHASE, {}, "", {}, [NO_IA]),
    (S.REFINEMENT, S.REPORT_PHASE, {"dcc_impact_assessment": IA.RECEIVED}, "", {}, []),
    (S.REFINEMENT, S.REPORT_PHASE, {"dcc_impact_assessment": IA.NOT_NEEDED}, "", {}, []),
    (S.REFINEMENT, S.REPORT_PHASE, {"dcc_impact_assessment": IA.RECEIVED}, "", {lifecycle.REFINEMENT_CONSULTATIONS_CLOSED: "A consultation is open."}, ["A consultation is open."]),
    # Report Phase -> Change Board: the Modification Report Consultation closed.
    (S.REPORT_PHASE, S.CHANGE_BOARD, {}, "", {}, []),
    (S.REPORT_PHASE, S.CHANGE_BOARD, {}, "", {lifecycle.REPORT_CONSULTATION_CLOSED: "It closes on 1 Jul."}, ["It closes on 1 Jul."]),
    # Report Phase -> Refinement, with the Panel's reason.
    (S.REPORT_PHASE, S.REFINEMENT, {}, "", {}, [reason("why the Panel sent it back")]),
    (S.REPORT_PHASE, S.REFINEMENT, {}, "More analysis", {}, []),
    # Change Board -> Authority Decision: Paths 1 and 2, after a vote either way.
    (S.CHANGE_BOARD, S.AUTHORITY_DECISION, {"path": P.PATH_3, "change_board_outcome": VO.APPROVED}, "", {}, [AUTHORITY_1_2]),
    (S.CHANGE_BOARD, S.AUTHORITY_DECISION, {"path": P.PATH_1}, "", {}, [NO_VOTE]),
    (S.CHANGE_BOARD, S.AUTHORITY_DECISION, {"path": P.PATH_1, "change_board_outcome": VO.APPROVED}, "", {}, []),
    (S.CHANGE_BOARD, S.AUTHORITY_DECISION, {"path": P.PATH_2, "change_board_outcome": VO.REJECTED}, "", {}, []),
    (S.CHANGE_BOARD, S.AUTHORITY_DECISION, {"path": P.PATH_2, "change_board_outcome": VO.REJECTED}, "", {lifecycle.CHANGE_BOARD_VOTE_RECORDED: "The ballot is open."}, ["The ballot is open."]),
    # Change Board -> Approved / Rejected: Path 3, after that outcome.
    (S.CHANGE_BOARD, S.APPROVED, {"path": P.PATH_3}, "", {}, [NO_VOTE, "The Change Board outcome is no vote recorded, not approved."]),
    (S.CHANGE_BOARD, S.APPROVED, {"path": P.PATH_3, "change_board_outcome": VO.REJECTED}, "", {}, ["The Change Board outcome is rejected, not approved."]),
    (S.CHANGE_BOARD, S.APPROVED, {"path": P.PATH_1, "change_board_outcome": VO.APPROVED}, "", {}, [SELF_GOVERNANCE]),
    (S.CHANGE_BOARD, S.APPROVED, {"path": P.PATH_3, "change_board_outcome": VO.APPROVED}, "", {}, []),
    (S.CHANGE_BOARD, S.APPROVED, {"path": P.PATH_3, "change_board_outcome": VO.APPROVED}, "", {lifecycle.CHANGE_BOARD_VOTE_RECORDED: "The ballot is open."}, ["The ballot is open."]),
    (S.CHANGE_BOARD, S.REJECTED, {"path": P.PATH_3, "change_board_outcome": VO.APPROVED}, "", {}, ["The Change Board outcome is approved, not rejected."]),
    (S.CHANGE_BOARD, S.REJECTED, {"path": P.FAST_TRACK, "change_board_outcome": VO.REJECTED}, "", {}, [SELF_GOVERNANCE]),
    (S.CHANGE_BOARD, S.REJECTED, {"path": P.PATH_3, "change_board_outcome": VO.REJECTED}, "", {}, []),
    # Authority Decision -> Approved / Rejected / Report Phase: the decision recorded.
    (S.AUTHORITY_DECISION, S.APPROVED, {}, "", {}, ["The Authority's decision is no decision recorded, not Approved."]),
    (S.AUTHORITY_DECISION, S.APPROVED, {"authority_decision": A.REJECTED}, "", {}, ["The Authority's decision is rejected, not Approved."]),
    (S.AUTHORITY_DECISION, S.APPROVED, {"authority_decision": A.APPROVED}, "", {}, []),
    (S.AUTHORITY_DECISION, S.REJECTED, {"authority_decision": A.SENT_BACK}, "", {}, ["The Authority's decision is sent_back, not Rejected."]),
    (S.AUTHORITY_DECISION, S.REJECTED, {"authority_decision": A.REJECTED}, "", {}, []),
    (S.AUTHORITY_DECISION, S.REPORT_PHASE, {"authority_decision": A.APPROVED}, "", {}, ["The Authority's decision is approved, not Sent back."]),
    (S.AUTHORITY_DECISION, S.REPORT_PHASE, {"authority_decision": A.SENT_BACK}, "", {}, []),
    # Approved -> Implemented: on or after its release's date.
    (S.APPROVED, S.IMPLEMENTED, {}, "", {}, ["No target SEC Release is set."]),
    (S.APPROVED, S.IMPLEMENTED, {"target_release": Release(NOVEMBER, TODAY + dt.timedelta(days=1))}, "", {}, [f"The {NOVEMBER} is not implemented until 4 Nov 2022."]),
    (S.APPROVED, S.IMPLEMENTED, {"target_release": Release(NOVEMBER, TODAY)}, "", {}, []),
    (S.APPROVED, S.IMPLEMENTED, {"target_release": Release(NOVEMBER, TODAY - dt.timedelta(days=1))}, "", {}, []),
    # Any open stage -> Withdrawn, with the reason.
    *[(stage, S.WITHDRAWN, {}, "", {}, [reason("why it is withdrawn (by the proposer, or closed by the Panel)")]) for stage in sorted(lifecycle.OPEN_STAGES)],
    *[(stage, S.WITHDRAWN, {}, "The proposer withdrew it", {}, []) for stage in sorted(lifecycle.OPEN_STAGES)],
]  # fmt: skip


@pytest.fixture
def plugged(monkeypatch):
    """Empty condition and evidence registries, and a way to plug in what a case says."""
    monkeypatch.setattr(lifecycle, "_conditions", {})
    monkeypatch.setattr(lifecycle, "_evidence", {})

    def plug(said: dict[str, object]) -> None:
        for name, value in said.items():
            if isinstance(value, bool):
                lifecycle.register_evidence(name, lambda mod, value=value: value)
            else:
                lifecycle.register_condition(name, lambda mod, req, value=value: value)

    return plug


def refused(case) -> list[str]:  # type: ignore[no-untyped-def]
    source, target, fields, why, _said, _expected = case
    request = lifecycle.MoveRequest(to=target, reason=why, today=TODAY)
    return lifecycle.refusals(Plain(stage=source, **fields), request)


@pytest.mark.parametrize("case", GUARDED, ids=lambda c: f"{c[0]}->{c[1]}")
def test_each_guard_refuses_with_its_reason(plugged, case):
    plugged(case[4])
    assert refused(case) == case[5]


def test_every_move_has_an_allowed_and_a_refused_case():
    for move in lifecycle.MOVES:
        for source in move.sources:
            outcomes = {bool(c[5]) for c in GUARDED if (c[0], c[1]) == (source, move.target)}
            assert outcomes == {True, False}, f"{source} -> {move.target}"


def without(move: lifecycle.Move, part: str, index: int = 0) -> lifecycle.Move:
    if part == "guards":
        return dataclasses.replace(move, guards=move.guards[:index] + move.guards[index + 1 :])
    return dataclasses.replace(move, **{part: ()})


def deletions() -> list[tuple[int, str, int]]:
    """Every guard of every move that can be deleted: each of its guards, its paths and
    the vote it waits for."""
    found = []
    for i, move in enumerate(lifecycle.MOVES):
        found += [(i, "guards", g) for g in range(len(move.guards))]
        found += [(i, part, 0) for part in ("paths", "after_vote") if getattr(move, part)]
    return found


@pytest.mark.parametrize(("move_index", "part", "guard_index"), deletions())
def test_deleting_any_guard_fails_a_case_of_the_table(
    plugged, monkeypatch, move_index, part, guard_index
):
    """Mutation testing of the table itself (mutmut leaves module-level data alone): with
    one guard deleted, some case of GUARDED for that move must give another answer."""
    move = lifecycle.MOVES[move_index]
    weaker = list(lifecycle.MOVES)
    weaker[move_index] = without(move, part, guard_index)
    cases = [c for c in GUARDED if c[0] in move.sources and c[1] == move.target]
    monkeypatch.setattr(lifecycle, "MOVES", tuple(weaker))
    changed = []
    for case in cases:
        monkeypatch.setattr(lifecycle, "_conditions", {})
        monkeypatch.setattr(lifecycle, "_evidence", {})
        plugged(case[4])
        changed.append(refused(case) != case[5])
    assert any(changed), f"deleting {part}[{guard_index}] of {move.description!r} goes unnoticed"


# --- The registries and the helpers around the table -----------------------------------
def test_a_condition_gives_the_first_reason_and_each_check_is_registered_once(plugged):
    calls = []

    def holds(mod, req):
        calls.append("holds")
        return ""

    def refuses(mod, req):
        calls.append("refuses")
        return "Still open."

    def also_refuses(mod, req):
        calls.append("also")
        return "Another reason."

    for check in (holds, holds, refuses, also_refuses, refuses):
        lifecycle.register_condition("some_condition", check)
    guard = lifecycle.condition("some_condition")
    assert guard.__name__ == "condition_some_condition"
    request = lifecycle.MoveRequest(to=Stage.REFINEMENT, today=TODAY)
    assert guard(Plain(stage=Stage.DRAFT_PROPOSAL), request) == "Still open."
    assert calls == ["holds", "refuses"]
    assert (
        lifecycle.condition("nothing_registered")(Plain(stage=Stage.DRAFT_PROPOSAL), request)
        is None
    )


def test_evidence_is_any_check_that_shows_it_and_each_check_is_registered_once(plugged):
    seen = []

    def no(mod):
        seen.append("no")
        return False

    def yes(mod):
        seen.append("yes")
        return True

    mod = Plain(stage=Stage.DRAFT_PROPOSAL)
    assert not lifecycle.has_evidence("minuted", mod)
    lifecycle.register_evidence("minuted", no)
    lifecycle.register_evidence("minuted", no)
    assert not lifecycle.has_evidence("minuted", mod)
    assert seen == ["no"]
    lifecycle.register_evidence("minuted", yes)
    assert lifecycle.has_evidence("minuted", mod)
    assert lifecycle._evidence["minuted"] == [no, yes]


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        (Stage.REFINEMENT, "nonsense", "'nonsense' is not a stage."),
        (Stage.DRAFT_PROPOSAL, Stage.CHANGE_BOARD, "A modification cannot move from Draft Proposal to Change Board."),
        (Stage.IMPLEMENTED, Stage.WITHDRAWN, "A modification cannot move from Implemented to Withdrawn."),
        (Stage.REJECTED, Stage.APPROVED, "A modification cannot move from Rejected to Approved."),
    ],
)  # fmt: skip
def test_moves_outside_the_table_say_so(plugged, source, target, message):
    request = lifecycle.MoveRequest(to=target, reason="because", today=TODAY)
    assert lifecycle.refusals(Plain(stage=source), request) == [message]


def test_find_move_and_next_stages():
    move = lifecycle.find_move(Stage.CHANGE_BOARD, Stage.APPROVED)
    assert move is not None and move.opens_appeal_window
    assert lifecycle.find_move(Stage.CHANGE_BOARD, Stage.CLOSED) is None
    assert lifecycle.find_move(Stage.IMPLEMENTED, Stage.WITHDRAWN) is None
    assert lifecycle.next_stages(Plain(stage=Stage.DRAFT_PROPOSAL)) == [
        Stage.REFINEMENT,
        Stage.REPORT_PHASE,
        Stage.CLOSED,
        Stage.APPROVED,
        Stage.WITHDRAWN,
    ]
    assert lifecycle.next_stages(Plain(stage=Stage.CHANGE_BOARD)) == [
        Stage.AUTHORITY_DECISION,
        Stage.APPROVED,
        Stage.REJECTED,
        Stage.WITHDRAWN,
    ]
    assert lifecycle.next_stages(Plain(stage=Stage.IMPLEMENTED)) == []


def test_the_table_in_words():
    described = lifecycle.describe()
    assert len(described) == len(lifecycle.MOVES)
    assert described[0] == {
        "from": ["Draft Proposal"],
        "to": "Refinement",
        "description": "Converted to a Modification Proposal and sent to Refinement",
    }
    withdrawn = described[-1]
    assert withdrawn["to"] == "Withdrawn"
    assert withdrawn["from"] == sorted(str(Stage(s).label) for s in lifecycle.OPEN_STAGES)


def test_effects_set_the_stage_and_only_the_appeal_window_move_dates_it():
    request = lifecycle.MoveRequest(to=Stage.APPROVED, today=dt.date(2024, 6, 3))
    assert lifecycle.effects(Stage.CHANGE_BOARD, request) == {
        "stage": Stage.APPROVED,
        # 15 Working Days after Monday 3 June 2024.
        "appeal_window_closes_on": dt.date(2024, 6, 24),
    }
    assert lifecycle.APPEAL_WINDOW_WORKING_DAYS == 15
    assert lifecycle.effects(Stage.IMPLEMENTED, request) == {"stage": Stage.APPROVED}
    rejected = lifecycle.MoveRequest(to=Stage.REJECTED, today=dt.date(2024, 6, 3))
    assert lifecycle.effects(Stage.CHANGE_BOARD, rejected) == {"stage": Stage.REJECTED}


def test_a_request_is_dated_by_the_london_calendar():
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    with time_machine.travel(dt.datetime(2024, 6, 30, 23, 30, tzinfo=dt.UTC), tick=False):
        assert lifecycle.london_today() == dt.date(2024, 7, 1)
        assert lifecycle.MoveRequest(to=Stage.APPROVED).today == dt.date(2024, 7, 1)
    request = lifecycle.MoveRequest(to=Stage.APPROVED, today=TODAY)
    assert (request.reason, request.decided_by, request.meeting) == ("", "", None)


# The table's guards are built once, when the module is imported; these build them again
# inside the test, so that a broken guard factory fails here and not only at import.
@pytest.mark.parametrize(
    ("factory", "argument", "fields", "why", "refusal"),
    [
        (lifecycle.needs_reason, "the Panel's decision", {}, "", "Give the reason: the Panel's decision."),
        (lifecycle.needs_reason, "the Panel's decision", {}, " \t", "Give the reason: the Panel's decision."),
        (lifecycle.needs_reason, "the Panel's decision", {}, "Agreed", None),
        (lifecycle.authority_decision_is, AuthorityDecision.APPROVED, {}, "", "The Authority's decision is no decision recorded, not Approved."),
        (lifecycle.authority_decision_is, AuthorityDecision.APPROVED, {"authority_decision": AuthorityDecision.SENT_BACK}, "", "The Authority's decision is sent_back, not Approved."),
        (lifecycle.authority_decision_is, AuthorityDecision.APPROVED, {"authority_decision": AuthorityDecision.APPROVED}, "", None),
        (lifecycle.authority_decision_is, AuthorityDecision.SENT_BACK, {"authority_decision": AuthorityDecision.REJECTED}, "", "The Authority's decision is rejected, not Sent back."),
    ],
)  # fmt: skip
def test_guard_factories(factory, argument, fields, why, refusal):
    guard = factory(argument)  # built here, not at collection
    request = lifecycle.MoveRequest(to=Stage.APPROVED, reason=why, today=TODAY)
    assert guard(Plain(stage=Stage.AUTHORITY_DECISION, **fields), request) == refusal


def test_conditions_are_asked_with_the_modification_and_the_request(plugged):
    asked = []

    def check(mod, req):
        asked.append((mod, req))
        return None

    lifecycle.register_condition(lifecycle.CHANGE_BOARD_VOTE_RECORDED, check)
    mod = Plain(stage=Stage.CHANGE_BOARD, path=Path.PATH_3, change_board_outcome=VO.APPROVED)
    request = lifecycle.MoveRequest(to=Stage.APPROVED, today=TODAY)
    assert lifecycle.change_board_vote_recorded(mod, request) is None
    assert lifecycle.condition(lifecycle.CHANGE_BOARD_VOTE_RECORDED)(mod, request) is None
    assert lifecycle.refusals(mod, request) == []
    assert asked == [(mod, request)] * 3
