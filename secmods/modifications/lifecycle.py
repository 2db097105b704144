"""The lifecycle of a modification: one table of allowed moves, each with its guards.

Every stage move, from the admin, the API or a command, goes through `check_move` and
`services.move_stage`. A guard returns None when satisfied or the reason to refuse. Guards
that depend on later parts of the process (consultations closing, Change Board votes) ask
the `conditions` registry, so that those apps plug their checks in at start-up
(`register_condition`) without changing this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from .models import (
    CLOSED_STAGES,
    AuthorityDecision,
    DecisionOutcome,
    ImpactAssessment,
    Modification,
    Path,
    Stage,
)

if TYPE_CHECKING:
    from secmods.committees.models import Meeting


class DecidingBody(models.TextChoices):
    SECAS = "SECAS", "SECAS"
    CSC = "CSC", "Change Sub-Committee"
    PANEL = "Panel", "SEC Panel"
    CHANGE_BOARD = "Change Board", "Change Board"
    AUTHORITY = "Authority", "The Authority (Ofgem)"
    PROPOSER = "Proposer", "Proposer"


@dataclass(frozen=True)
class MoveRequest:
    to: str
    reason: str = ""
    decided_by: str = ""
    meeting: Meeting | None = None
    today: date = field(default_factory=lambda: timezone.localdate())


Guard = Callable[[Modification, MoveRequest], str | None]

# --- Conditions that later apps provide ---------------------------------------------
# name -> checks; each check returns a reason to refuse, or None. With no check
# registered a condition holds (nothing of that kind exists yet to wait for).
_conditions: dict[str, list[Guard]] = {}

REFINEMENT_CONSULTATIONS_CLOSED = "refinement_consultations_closed"
REPORT_CONSULTATION_CLOSED = "report_consultation_closed"
CHANGE_BOARD_VOTE_RECORDED = "change_board_vote_recorded"


def register_condition(name: str, check: Guard) -> None:
    if check not in _conditions.setdefault(name, []):
        _conditions[name].append(check)


def condition(name: str) -> Guard:
    def guard(modification: Modification, request: MoveRequest) -> str | None:
        for check in _conditions.get(name, []):
            reason = check(modification, request)
            if reason:
                return reason
        return None

    guard.__name__ = f"condition_{name}"
    return guard


# --- Guards ----------------------------------------------------------------------------
def needs_reason(what: str) -> Guard:
    def guard(modification: Modification, request: MoveRequest) -> str | None:
        return None if request.reason.strip() else f"Give the reason: {what}."

    return guard


def problem_statement_agreed(modification: Modification, request: MoveRequest) -> str | None:
    if modification.problem_statement_agreed or request.reason.strip():
        return None
    from secmods.committees.models import AgendaItem, CommitteeKind

    agreed_at_meeting = (
        AgendaItem.objects.filter(
            modification=modification,
            meeting__committee__kind__in=[CommitteeKind.CSC, CommitteeKind.PANEL],
        )
        .exclude(outcome="")
        .exists()
    )
    if agreed_at_meeting:
        return None
    return (
        "The CSC or Panel has not agreed the problem statement: record the outcome of its "
        "agenda item, tick 'problem statement agreed', or give the reason."
    )


def path_is_set(modification: Modification, request: MoveRequest) -> str | None:
    return None if modification.path else "Set the modification's path first."


def impact_assessment_settled(modification: Modification, request: MoveRequest) -> str | None:
    if modification.dcc_impact_assessment in (
        ImpactAssessment.RECEIVED,
        ImpactAssessment.NOT_NEEDED,
    ):
        return None
    return "The DCC Impact Assessment has not been received (or marked not needed)."


def path_is(*paths: str) -> Guard:
    labels = " or ".join(str(Path(p).label) for p in paths)

    def guard(modification: Modification, request: MoveRequest) -> str | None:
        return None if modification.path in paths else f"Only for {labels} modifications."

    return guard


def change_board_vote_recorded(modification: Modification, request: MoveRequest) -> str | None:
    if not modification.change_board_outcome:
        return "The Change Board vote has not been recorded."
    return condition(CHANGE_BOARD_VOTE_RECORDED)(modification, request)


def change_board_outcome_is(outcome: str) -> Guard:
    def guard(modification: Modification, request: MoveRequest) -> str | None:
        if modification.change_board_outcome == outcome:
            return None
        recorded = modification.change_board_outcome or "no vote recorded"
        return f"The Change Board outcome is {recorded}, not {outcome}."

    return guard


def authority_decision_is(decision: str) -> Guard:
    def guard(modification: Modification, request: MoveRequest) -> str | None:
        if modification.authority_decision == decision:
            return None
        recorded = modification.authority_decision or "no decision recorded"
        return f"The Authority's decision is {recorded}, not {AuthorityDecision(decision).label}."

    return guard


def release_implemented(modification: Modification, request: MoveRequest) -> str | None:
    release = modification.target_release
    if release is None:
        return "No target SEC Release is set."
    if release.date > request.today:
        return f"The {release.name} is not implemented until {release.date:%-d %b %Y}."
    return None


# --- The table -------------------------------------------------------------------------
@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    target: str
    guards: tuple[Guard, ...]
    description: str


OPEN_STAGES = frozenset(s for s in Stage.values if s not in CLOSED_STAGES)
_S = Stage

MOVES: tuple[Move, ...] = (
    Move(
        frozenset({_S.DRAFT_PROPOSAL}),
        _S.REFINEMENT,
        (problem_statement_agreed, path_is_set),
        "Converted to a Modification Proposal and sent to Refinement",
    ),
    Move(
        frozenset({_S.DRAFT_PROPOSAL}),
        _S.REPORT_PHASE,
        (
            problem_statement_agreed,
            path_is_set,
            needs_reason("why the Panel decided that no Refinement is needed"),
        ),
        "Converted and sent straight to the Report Phase",
    ),
    Move(
        frozenset({_S.DRAFT_PROPOSAL}),
        _S.CLOSED,
        (needs_reason("why the Draft Proposal is not converted (or what it merged into)"),),
        "Draft Proposal closed without conversion",
    ),
    Move(
        frozenset({_S.DRAFT_PROPOSAL}),
        _S.APPROVED,
        (path_is(Path.FAST_TRACK), needs_reason("the Panel's Fast-Track decision")),
        "Fast-Track modification approved by the Panel",
    ),
    Move(
        frozenset({_S.REFINEMENT}),
        _S.REPORT_PHASE,
        (condition(REFINEMENT_CONSULTATIONS_CLOSED), impact_assessment_settled),
        "Refinement complete",
    ),
    Move(
        frozenset({_S.REPORT_PHASE}),
        _S.CHANGE_BOARD,
        (condition(REPORT_CONSULTATION_CLOSED),),
        "Modification Report Consultation closed; to the Change Board",
    ),
    Move(
        frozenset({_S.REPORT_PHASE}),
        _S.REFINEMENT,
        (needs_reason("why the Panel sent it back"),),
        "Sent back to Refinement by the Panel",
    ),
    Move(
        frozenset({_S.CHANGE_BOARD}),
        _S.AUTHORITY_DECISION,
        (path_is(Path.PATH_1, Path.PATH_2), change_board_vote_recorded),
        "Change Board recommendation sent to the Authority",
    ),
    Move(
        frozenset({_S.CHANGE_BOARD}),
        _S.APPROVED,
        (
            path_is(Path.PATH_3),
            change_board_vote_recorded,
            change_board_outcome_is(DecisionOutcome.APPROVED),
        ),
        "Approved by the Change Board (Self-Governance); the appeal window opens",
    ),
    Move(
        frozenset({_S.CHANGE_BOARD}),
        _S.REJECTED,
        (
            path_is(Path.PATH_3),
            change_board_vote_recorded,
            change_board_outcome_is(DecisionOutcome.REJECTED),
        ),
        "Rejected by the Change Board (Self-Governance)",
    ),
    Move(
        frozenset({_S.AUTHORITY_DECISION}),
        _S.APPROVED,
        (authority_decision_is(AuthorityDecision.APPROVED),),
        "Approved by the Authority",
    ),
    Move(
        frozenset({_S.AUTHORITY_DECISION}),
        _S.REJECTED,
        (authority_decision_is(AuthorityDecision.REJECTED),),
        "Rejected by the Authority",
    ),
    Move(
        frozenset({_S.AUTHORITY_DECISION}),
        _S.REPORT_PHASE,
        (authority_decision_is(AuthorityDecision.SENT_BACK),),
        "Sent back by the Authority",
    ),
    Move(
        frozenset({_S.APPROVED}),
        _S.IMPLEMENTED,
        (release_implemented,),
        "Implemented in its SEC Release",
    ),
    Move(
        OPEN_STAGES,
        _S.WITHDRAWN,
        (needs_reason("why it is withdrawn (by the proposer, or closed by the Panel)"),),
        "Withdrawn",
    ),
)

# Self-Governance approvals may be appealed to the Authority within this many Working Days.
APPEAL_WINDOW_WORKING_DAYS = 15


def find_move(from_stage: str, to_stage: str) -> Move | None:
    for move in MOVES:
        if from_stage in move.sources and move.target == to_stage:
            return move
    return None


def refusals(modification: Modification, request: MoveRequest) -> list[str]:
    """Every reason the move is refused; empty when it is allowed."""
    if request.to not in Stage.values:
        return [f"'{request.to}' is not a stage."]
    move = find_move(modification.stage, request.to)
    if move is None:
        return [
            f"A modification cannot move from {Stage(modification.stage).label} "
            f"to {Stage(request.to).label}."
        ]
    reasons = [reason for guard in move.guards if (reason := guard(modification, request))]
    return reasons


def next_stages(modification: Modification) -> list[str]:
    """The stages the table lets this modification move to (guards not yet checked)."""
    return [move.target for move in MOVES if modification.stage in move.sources]


def describe() -> list[dict[str, Any]]:
    """The table in words, for documentation and the admin."""
    return [
        {
            "from": sorted(str(Stage(s).label) for s in move.sources),
            "to": str(Stage(move.target).label),
            "description": move.description,
        }
        for move in MOVES
    ]
