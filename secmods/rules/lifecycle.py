"""The lifecycle of a modification: its stages, its paths, and one table of allowed moves,
each with its guards and its effects (docs/domain.md, "Stages and moves").

Every stage move, from the admin, the API, a command or a Change Board vote, goes through
`refusals` and then `modifications.services.move_stage`, which writes what `effects` says.
A guard returns None when satisfied or the reason to refuse. Guards read plain attributes
of the modification (the `Subject` protocol); what only other apps know (a consultation
closed, a vote decided, an agenda item minuted) they ask of the `conditions` and
`evidence` registries, which those apps fill from their `AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from .change_board import BallotOutcome
from .choices import Choices
from .working_days import LONDON, add_working_days


class Stage(Choices):
    DRAFT_PROPOSAL = "draft_proposal", "Draft Proposal"
    REFINEMENT = "refinement", "Refinement"
    REPORT_PHASE = "report_phase", "Report Phase"
    CHANGE_BOARD = "change_board", "Change Board"
    AUTHORITY_DECISION = "authority_decision", "Authority Decision"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    IMPLEMENTED = "implemented", "Implemented"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CLOSED = "closed", "Closed"


CLOSED_STAGES = frozenset({Stage.IMPLEMENTED, Stage.REJECTED, Stage.WITHDRAWN, Stage.CLOSED})
OPEN_STAGES = frozenset(s for s in Stage.values if s not in CLOSED_STAGES)


class Path(Choices):
    PATH_1 = "path_1", "Path 1: Authority-determined"
    PATH_2 = "path_2", "Path 2: Authority-determined"
    PATH_3 = "path_3", "Path 3: Self-Governance"
    FAST_TRACK = "fast_track", "Fast-Track"


# The Change Board's outcome as the modification records it: a ballot's two outcomes.
DecisionOutcome = BallotOutcome


class AuthorityDecision(Choices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SENT_BACK = "sent_back", "Sent back"


class ImpactAssessment(Choices):
    PENDING = "pending", "Not yet received"
    RECEIVED = "received", "Received"
    NOT_NEEDED = "not_needed", "Not needed"


class DecidingBody(Choices):
    SECAS = "SECAS", "SECAS"
    CSC = "CSC", "Change Sub-Committee"
    PANEL = "Panel", "SEC Panel"
    CHANGE_BOARD = "Change Board", "Change Board"
    AUTHORITY = "Authority", "The Authority (Ofgem)"
    PROPOSER = "Proposer", "Proposer"


class MilestoneKind(Choices):
    """The steps a progression timetable names (docs/domain.md, "The timetable")."""

    RAISED = "raised", "Raised"
    CSC = "csc", "Change Sub-Committee"
    PANEL = "panel", "Panel"
    SUB_COMMITTEES = "sub_committees", "SEC Sub-Committees"
    WORKING_GROUP = "working_group", "Working Group"
    CONSULTATION_OPENS = "consultation_opens", "Consultation opens"
    CONSULTATION_CLOSES = "consultation_closes", "Consultation closes"
    IMPACT_ASSESSMENT = "impact_assessment", "DCC Impact Assessment"
    CHANGE_BOARD = "change_board", "Change Board"
    AUTHORITY_DECISION = "authority_decision", "Authority decision"
    IMPLEMENTATION = "implementation", "Implementation"
    OTHER = "other", "Other"


# Self-Governance approvals may be appealed to the Authority within this many Working Days.
APPEAL_WINDOW_WORKING_DAYS = 15


class Release(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def date(self) -> date: ...


class Subject(Protocol):
    """What the guards read of a modification (a `modifications.Modification` is one)."""

    @property
    def stage(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def problem_statement_agreed(self) -> bool: ...

    @property
    def dcc_impact_assessment(self) -> str: ...

    @property
    def change_board_outcome(self) -> str: ...

    @property
    def authority_decision(self) -> str: ...

    @property
    def target_release(self) -> Release | None: ...


def london_today() -> date:
    return datetime.now(LONDON).date()


@dataclass(frozen=True)
class MoveRequest:
    to: str
    reason: str = ""
    decided_by: str = ""
    meeting: Any = None
    today: date = field(default_factory=london_today)


# Checks registered by other apps take their own model, hence Any for the subject.
Guard = Callable[[Any, MoveRequest], str | None]

# --- What other apps know ----------------------------------------------------------------
# Conditions: name -> checks; each returns a reason to refuse, or None. With no check
# registered a condition holds (nothing of that kind exists yet to wait for).
_conditions: dict[str, list[Guard]] = {}
# Evidence: name -> checks; each says whether it shows the thing happened. With none
# registered, or none that shows it, there is no such evidence.
_evidence: dict[str, list[Callable[[Any], bool]]] = {}

REFINEMENT_CONSULTATIONS_CLOSED = "refinement_consultations_closed"
REPORT_CONSULTATION_CLOSED = "report_consultation_closed"
CHANGE_BOARD_VOTE_RECORDED = "change_board_vote_recorded"
PROBLEM_STATEMENT_AGREED_AT_MEETING = "problem_statement_agreed_at_meeting"


def register_condition(name: str, check: Guard) -> None:
    if check not in _conditions.setdefault(name, []):
        _conditions[name].append(check)


def register_evidence(name: str, check: Callable[[Any], bool]) -> None:
    if check not in _evidence.setdefault(name, []):
        _evidence[name].append(check)


def condition(name: str) -> Guard:
    def guard(modification: Subject, request: MoveRequest) -> str | None:
        for check in _conditions.get(name, []):
            reason = check(modification, request)
            if reason:
                return reason
        return None

    guard.__name__ = f"condition_{name}"
    return guard


def has_evidence(name: str, modification: Subject) -> bool:
    return any(check(modification) for check in _evidence.get(name, []))


# --- Guards ----------------------------------------------------------------------------
def needs_reason(what: str) -> Guard:
    def guard(modification: Subject, request: MoveRequest) -> str | None:
        return None if request.reason.strip() else f"Give the reason: {what}."

    return guard


def problem_statement_agreed(modification: Subject, request: MoveRequest) -> str | None:
    if (
        modification.problem_statement_agreed
        or request.reason.strip()
        or has_evidence(PROBLEM_STATEMENT_AGREED_AT_MEETING, modification)
    ):
        return None
    return (
        "The CSC or Panel has not agreed the problem statement: record the outcome of its "
        "agenda item, tick 'problem statement agreed', or give the reason."
    )


def path_is_set(modification: Subject, request: MoveRequest) -> str | None:
    return None if modification.path else "Set the modification's path first."


def impact_assessment_settled(modification: Subject, request: MoveRequest) -> str | None:
    if modification.dcc_impact_assessment in (
        ImpactAssessment.RECEIVED,
        ImpactAssessment.NOT_NEEDED,
    ):
        return None
    return "The DCC Impact Assessment has not been received (or marked not needed)."


def authority_decision_is(decision: str) -> Guard:
    def guard(modification: Subject, request: MoveRequest) -> str | None:
        if modification.authority_decision == decision:
            return None
        recorded = modification.authority_decision or "no decision recorded"
        return f"The Authority's decision is {recorded}, not {AuthorityDecision(decision).label}."

    return guard


def release_implemented(modification: Subject, request: MoveRequest) -> str | None:
    release = modification.target_release
    if release is None:
        return "No target SEC Release is set."
    if release.date > request.today:
        return f"The {release.name} is not implemented until {release.date:%-d %b %Y}."
    return None


# --- The table -------------------------------------------------------------------------
@dataclass(frozen=True)
class Move:
    """One allowed move. Besides its `guards`, a move may be only for some `paths`; a move
    that a Change Board vote takes lists the outcomes it follows (`after_vote`) and needs
    that vote recorded; `opens_appeal_window` dates the end of the appeal window."""

    sources: frozenset[str]
    target: str
    description: str
    guards: tuple[Guard, ...] = ()
    paths: tuple[str, ...] = ()
    after_vote: tuple[str, ...] = ()
    opens_appeal_window: bool = False

    def refusals(self, modification: Subject, request: MoveRequest) -> list[str]:
        reasons: list[str | None] = []
        if self.paths and modification.path not in self.paths:
            labels = " or ".join(str(Path(p).label) for p in self.paths)
            reasons.append(f"Only for {labels} modifications.")
        if self.after_vote:
            reasons.append(change_board_vote_recorded(modification, request))
            outcome = modification.change_board_outcome
            if len(self.after_vote) == 1 and outcome != self.after_vote[0]:
                recorded = outcome or "no vote recorded"
                reasons.append(f"The Change Board outcome is {recorded}, not {self.after_vote[0]}.")
        reasons.extend(guard(modification, request) for guard in self.guards)
        return [reason for reason in reasons if reason]


def change_board_vote_recorded(modification: Subject, request: MoveRequest) -> str | None:
    if not modification.change_board_outcome:
        return "The Change Board vote has not been recorded."
    return condition(CHANGE_BOARD_VOTE_RECORDED)(modification, request)


_S = Stage
_VOTED = (DecisionOutcome.APPROVED, DecisionOutcome.REJECTED)

MOVES: tuple[Move, ...] = (
    Move(
        frozenset({_S.DRAFT_PROPOSAL}),
        _S.REFINEMENT,
        "Converted to a Modification Proposal and sent to Refinement",
        guards=(problem_statement_agreed, path_is_set),
    ),
    Move(
        frozenset({_S.DRAFT_PROPOSAL}),
        _S.REPORT_PHASE,
        "Converted and sent straight to the Report Phase",
        guards=(
            problem_statement_agreed,
            path_is_set,
            needs_reason("why the Panel decided that no Refinement is needed"),
        ),
    ),
    Move(
        frozenset({_S.DRAFT_PROPOSAL}),
        _S.CLOSED,
        "Draft Proposal closed without conversion",
        guards=(needs_reason("why the Draft Proposal is not converted (or what it merged into)"),),
    ),
    Move(
        frozenset({_S.DRAFT_PROPOSAL}),
        _S.APPROVED,
        "Fast-Track modification approved by the Panel",
        guards=(needs_reason("the Panel's Fast-Track decision"),),
        paths=(Path.FAST_TRACK,),
    ),
    Move(
        frozenset({_S.REFINEMENT}),
        _S.REPORT_PHASE,
        "Refinement complete",
        guards=(condition(REFINEMENT_CONSULTATIONS_CLOSED), impact_assessment_settled),
    ),
    Move(
        frozenset({_S.REPORT_PHASE}),
        _S.CHANGE_BOARD,
        "Modification Report Consultation closed; to the Change Board",
        guards=(condition(REPORT_CONSULTATION_CLOSED),),
    ),
    Move(
        frozenset({_S.REPORT_PHASE}),
        _S.REFINEMENT,
        "Sent back to Refinement by the Panel",
        guards=(needs_reason("why the Panel sent it back"),),
    ),
    Move(
        frozenset({_S.CHANGE_BOARD}),
        _S.AUTHORITY_DECISION,
        "Change Board recommendation sent to the Authority",
        paths=(Path.PATH_1, Path.PATH_2),
        after_vote=_VOTED,
    ),
    Move(
        frozenset({_S.CHANGE_BOARD}),
        _S.APPROVED,
        "Approved by the Change Board (Self-Governance); the appeal window opens",
        paths=(Path.PATH_3,),
        after_vote=(DecisionOutcome.APPROVED,),
        opens_appeal_window=True,
    ),
    Move(
        frozenset({_S.CHANGE_BOARD}),
        _S.REJECTED,
        "Rejected by the Change Board (Self-Governance)",
        paths=(Path.PATH_3,),
        after_vote=(DecisionOutcome.REJECTED,),
    ),
    Move(
        frozenset({_S.AUTHORITY_DECISION}),
        _S.APPROVED,
        "Approved by the Authority",
        guards=(authority_decision_is(AuthorityDecision.APPROVED),),
    ),
    Move(
        frozenset({_S.AUTHORITY_DECISION}),
        _S.REJECTED,
        "Rejected by the Authority",
        guards=(authority_decision_is(AuthorityDecision.REJECTED),),
    ),
    Move(
        frozenset({_S.AUTHORITY_DECISION}),
        _S.REPORT_PHASE,
        "Sent back by the Authority",
        guards=(authority_decision_is(AuthorityDecision.SENT_BACK),),
    ),
    Move(
        frozenset({_S.APPROVED}),
        _S.IMPLEMENTED,
        "Implemented in its SEC Release",
        guards=(release_implemented,),
    ),
    Move(
        OPEN_STAGES,
        _S.WITHDRAWN,
        "Withdrawn",
        guards=(needs_reason("why it is withdrawn (by the proposer, or closed by the Panel)"),),
    ),
)


def find_move(from_stage: str, to_stage: str) -> Move | None:
    for move in MOVES:
        if from_stage in move.sources and move.target == to_stage:
            return move
    return None


def refusals(modification: Subject, request: MoveRequest) -> list[str]:
    """Every reason the move is refused; empty when it is allowed."""
    if request.to not in Stage.values:
        return [f"'{request.to}' is not a stage."]
    move = find_move(modification.stage, request.to)
    if move is None:
        return [
            f"A modification cannot move from {Stage(modification.stage).label} "
            f"to {Stage(request.to).label}."
        ]
    return move.refusals(modification, request)


def effects(from_stage: str, request: MoveRequest) -> dict[str, Any]:
    """The fields an allowed move sets on the modification besides its stage."""
    move = find_move(from_stage, request.to)
    changes: dict[str, Any] = {"stage": request.to}
    if move is not None and move.opens_appeal_window:
        changes["appeal_window_closes_on"] = add_working_days(
            request.today, APPEAL_WINDOW_WORKING_DAYS
        )
    return changes


def stage_after_vote(path: str, outcome: str) -> str | None:
    """Where a Change Board vote with this outcome takes a modification on this path: the
    Authority's decision for Paths 1 and 2 (the vote is a recommendation), approval or
    rejection for Path 3 (Self-Governance); None when the path has no vote."""
    for move in MOVES:
        if Stage.CHANGE_BOARD in move.sources and outcome in move.after_vote and path in move.paths:
            return move.target
    return None


def next_stages(modification: Subject) -> list[str]:
    """The stages the table lets this modification move to (guards not yet checked)."""
    return stages_after(modification.stage)


def stages_after(stage: str) -> list[str]:
    """The stages the table lets a modification at `stage` move to (guards not yet checked)."""
    return [move.target for move in MOVES if stage in move.sources]


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
