"""Writes of Change Board votes: one vote per member, then the outcome, recorded on the
modification together with the path's next step."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from secmods.committees.models import CommitteeKind, Meeting, Membership
from secmods.committees.selectors import active_memberships
from secmods.core.writes import save_fields
from secmods.modifications import services as modification_services
from secmods.modifications.models import Modification, Stage, StageChange
from secmods.parties.models import Person
from secmods.rules import change_board, lifecycle

from . import selectors
from .models import Ballot, BallotOutcome, DecisionRule, Vote, VoteChoice


def change_board_membership(person: Person, on: date) -> Membership | None:
    return (
        active_memberships(on)
        .filter(person=person, committee__kind=CommitteeKind.CHANGE_BOARD)
        .select_related("party_category", "committee")
        .first()
    )


def _open_ballot(
    modification: Modification, meeting: Meeting | None, rule: DecisionRule | None
) -> Ballot:
    ballot = (
        Ballot.objects.select_for_update()
        .filter(modification=modification, decided_at__isnull=True)
        .first()
    )
    if ballot is not None:
        return ballot
    rule = rule or selectors.default_rule()
    if rule is None:
        raise ValidationError("No default Change Board decision rule is set; SECAS must set one.")
    try:
        with transaction.atomic():
            return Ballot.objects.create(modification=modification, meeting=meeting, rule=rule)
    except IntegrityError:
        # Another analyst opened it at the same moment.
        return Ballot.objects.get(modification=modification, decided_at__isnull=True)


def check_vote(
    modification: Modification, person: Person, meeting: Meeting | None = None
) -> Membership:
    """Refuse (ValidationError) a vote that cannot be recorded; return the membership it
    counts under. Reads only, so forms can ask before saving."""
    if modification.stage != Stage.CHANGE_BOARD:
        raise ValidationError(
            f"{modification.reference} is at {modification.get_stage_display()}, "
            "not at the Change Board."
        )
    on = meeting.date if meeting is not None else timezone.localdate()
    membership = change_board_membership(person, on)
    if membership is None:
        raise ValidationError(
            {"person": f"{person.name} is not a member of the Change Board on {on:%-d %b %Y}."}
        )
    if membership.party_category_id is None:
        raise ValidationError(
            {"person": f"{person.name}'s Change Board membership has no Party Category."}
        )
    if Vote.objects.filter(
        ballot__modification=modification, ballot__decided_at__isnull=True, person=person
    ).exists():
        raise ValidationError({"person": f"{person.name} has already voted on this modification."})
    return membership


@transaction.atomic
def record_vote(
    modification: Modification,
    *,
    person: Person,
    choice: str,
    recorded_by: Any = None,
    meeting: Meeting | None = None,
    rule: DecisionRule | None = None,
) -> Vote:
    """Record one Change Board member's vote, under their membership's Party Category."""
    if choice not in VoteChoice.values:
        raise ValidationError({"choice": f"'{choice}' is not for, against or abstain."})
    # Lock the modification: votes and the outcome are recorded one at a time.
    locked = Modification.objects.select_for_update().get(pk=modification.pk)
    membership = check_vote(locked, person, meeting)
    ballot = _open_ballot(locked, meeting, rule)
    vote = Vote(
        ballot=ballot,
        person=person,
        party_category=membership.party_category,
        choice=choice,
        recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            vote.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"person": f"{person.name} has already voted on this modification."}
        ) from exc
    return vote


@transaction.atomic
def record_vote_outcome(
    modification: Modification, *, user: Any = None, move: bool = True
) -> Ballot:
    """Close the open ballot: compute the outcome under its rule, record it on the
    modification, and (with `move`) take the path's next step: the Authority's decision for
    Paths 1 and 2 (a recommendation), approval with its appeal window, or rejection, for
    Path 3 (Self-Governance)."""
    locked = Modification.objects.select_for_update().get(pk=modification.pk)
    if locked.stage != Stage.CHANGE_BOARD:
        raise ValidationError(
            f"{locked.reference} is at {locked.get_stage_display()}, not at the Change Board."
        )
    if lifecycle.stage_after_vote(locked.path, BallotOutcome.APPROVED) is None:
        raise ValidationError(
            f"{locked.reference} has no Path 1, 2 or 3 set, so the vote has no next step."
        )
    ballot = (
        Ballot.objects.select_for_update()
        .filter(modification=locked, decided_at__isnull=True)
        .first()
    )
    if ballot is None:
        raise ValidationError("No votes have been recorded for this Change Board vote.")
    ballot = selectors.ballot_with_votes(ballot)
    decision = change_board.decide(
        selectors.rule_spec(ballot.rule),
        ((v.party_category_id, v.choice) for v in ballot.votes.all()),
    )
    ballot.outcome = decision.outcome
    ballot.tally = decision.as_tally()
    ballot.decided_at = timezone.now()
    ballot.decided_by = user if getattr(user, "pk", None) else None
    ballot.save()
    locked.change_board_outcome = decision.outcome
    next_stage = lifecycle.stage_after_vote(locked.path, decision.outcome)
    # Paths 1 and 2: the Change Board recommends and the Authority decides.
    verb = "recommended" if next_stage == Stage.AUTHORITY_DECISION else "decided"
    locked.latest_update = (
        f"Change Board {verb} {'approval' if decision.outcome == 'approved' else 'rejection'}: "
        f"{decision.reason}"
    )[:500]
    if getattr(user, "pk", None):
        locked._history_user = user  # type: ignore[attr-defined]
    locked.save(update_fields=["change_board_outcome", "latest_update", "updated_at"])
    modification_services.bump_version(locked)
    if move:
        modification_services.move_stage(
            locked,
            to=str(next_stage),
            decided_by=lifecycle.DecidingBody.CHANGE_BOARD,
            meeting=ballot.meeting,
            user=user,
            reason=decision.reason,
        )
    for name in ("change_board_outcome", "latest_update", "stage", "appeal_window_closes_on"):
        setattr(modification, name, getattr(locked, name))
    modification.version = Modification.objects.get(pk=locked.pk).version
    return ballot


def vote_recorded_guard(modification: Modification, request: Any) -> str | None:
    """CHANGE_BOARD_VOTE_RECORDED: a ballot decided since the modification last came to the
    Change Board, whose outcome is the one recorded on the modification."""
    arrived = (
        StageChange.objects.filter(modification=modification, to_stage=Stage.CHANGE_BOARD)
        .order_by("-changed_at", "-pk")
        .values_list("changed_at", flat=True)
        .first()
    )
    decided = Ballot.objects.filter(modification=modification, decided_at__isnull=False)
    if arrived is not None:
        decided = decided.filter(decided_at__gte=arrived)
    latest = decided.order_by("-decided_at", "-pk").first()
    if latest is None:
        return "The Change Board members' votes have not been recorded."
    if latest.outcome != modification.change_board_outcome:
        return (
            f"The recorded Change Board outcome ({modification.change_board_outcome or 'none'}) "
            f"differs from the vote ({latest.outcome})."
        )
    return None


# --- Decision rules, and taking back a ballot or a vote ---------------------------------
@transaction.atomic
def save_decision_rule(
    rule: DecisionRule | None = None, *, editor: Any = None, **fields: Any
) -> DecisionRule:
    """Add a Change Board decision rule or change one; its history keeps the categories
    that voted under each version (ballots already decided keep their tally)."""
    return save_fields(rule or DecisionRule(), fields, editor=editor)


@transaction.atomic
def delete_decision_rule(rule: DecisionRule) -> None:
    """Delete a rule no ballot was counted under (PROTECT)."""
    rule.delete()


@transaction.atomic
def delete_ballot(ballot: Ballot) -> None:
    """Take back a Change Board vote with its votes: the modification's version moves on,
    since whether its vote is recorded changed."""
    locked = Modification.objects.select_for_update().get(pk=ballot.modification_id)
    ballot.delete()
    modification_services.bump_version(locked)


@transaction.atomic
def delete_vote(vote: Vote) -> None:
    """Take back a vote recorded in error, while its ballot is open: a decided ballot's
    tally was counted from its votes."""
    locked = Modification.objects.select_for_update().get(pk=vote.ballot.modification_id)
    if Ballot.objects.filter(pk=vote.ballot_id, decided_at__isnull=False).exists():
        raise ValidationError(
            "This Change Board vote is decided: its votes are the record of its outcome."
        )
    vote.delete()
    modification_services.bump_version(locked)
