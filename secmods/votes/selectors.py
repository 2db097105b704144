"""Reads of Change Board votes, and the decision rule applied to them (pure functions)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from secmods.modifications.models import Modification

from .models import Ballot, BallotOutcome, DecisionRule, VoteChoice


@dataclass
class CategoryTally:
    category_id: int
    name: str
    for_: int = 0
    against: int = 0
    abstain: int = 0
    position: str = "no votes"  # "for" | "against" | "undecided" | "no votes"

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.name,
            "for": self.for_,
            "against": self.against,
            "abstain": self.abstain,
            "position": self.position,
        }


@dataclass
class Decision:
    outcome: str
    categories: list[CategoryTally] = field(default_factory=list)
    categories_for: int = 0
    categories_against: int = 0
    reason: str = ""

    def as_tally(self) -> dict[str, Any]:
        return {
            "categories": [c.as_dict() for c in self.categories],
            "categories_for": self.categories_for,
            "categories_against": self.categories_against,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class RuleSpec:
    """A decision rule as plain data, so the arithmetic is testable without a database."""

    categories: tuple[tuple[int, str], ...]
    category_share: Decimal = Decimal("0.5")
    more_for_than_against: bool = True
    min_categories_in_favour: int = 1

    @classmethod
    def of(cls, rule: DecisionRule) -> RuleSpec:
        return cls(
            categories=tuple((c.pk, c.name) for c in rule.categories.all()),
            category_share=rule.category_share,
            more_for_than_against=rule.more_for_than_against,
            min_categories_in_favour=rule.min_categories_in_favour,
        )


def decide(rule: RuleSpec, votes: Iterable[tuple[int, str]]) -> Decision:
    """Apply a rule to (category id, choice) pairs.

    A category is in favour when more than `category_share` of its votes cast (abstentions
    are not cast) are in favour, against when more than that share are against, else
    undecided. The board approves when at least `min_categories_in_favour` categories are
    in favour and (if the rule says so) more are in favour than against. A tie, or no votes
    cast, is not approval. Categories the rule does not name are not counted."""
    tallies = {pk: CategoryTally(pk, name) for pk, name in rule.categories}
    for category_id, choice in votes:
        tally = tallies.get(category_id)
        if tally is None:
            continue
        if choice == VoteChoice.FOR:
            tally.for_ += 1
        elif choice == VoteChoice.AGAINST:
            tally.against += 1
        else:
            tally.abstain += 1
    cats_for = cats_against = 0
    for tally in tallies.values():
        cast = tally.for_ + tally.against
        if cast == 0:
            tally.position = "no votes"
        elif Decimal(tally.for_) / cast > rule.category_share:
            tally.position, cats_for = "for", cats_for + 1
        elif Decimal(tally.against) / cast > rule.category_share:
            tally.position, cats_against = "against", cats_against + 1
        else:
            tally.position = "undecided"
    approved = cats_for >= max(rule.min_categories_in_favour, 1) and (
        not rule.more_for_than_against or cats_for > cats_against
    )
    if approved:
        reason = f"{cats_for} categories in favour, {cats_against} against."
    elif cats_for == 0 and cats_against == 0:
        reason = "No category voted either way: not approved."
    elif rule.more_for_than_against and cats_for == cats_against:
        reason = f"A tie ({cats_for} for, {cats_against} against) is not approval."
    else:
        reason = (
            f"{cats_for} categories in favour, {cats_against} against: "
            f"not enough (at least {rule.min_categories_in_favour} needed"
            f"{', and more for than against' if rule.more_for_than_against else ''})."
        )
    return Decision(
        outcome=BallotOutcome.APPROVED if approved else BallotOutcome.REJECTED,
        categories=list(tallies.values()),
        categories_for=cats_for,
        categories_against=cats_against,
        reason=reason,
    )


def current_ballot(modification: Modification) -> Ballot | None:
    return (
        Ballot.objects.filter(modification=modification)
        .select_related("rule")
        .order_by("-opened_at", "-pk")
        .first()
    )


def ballot_with_votes(ballot: Ballot) -> Ballot:
    return (
        Ballot.objects.select_related("rule", "modification", "meeting__committee")
        .prefetch_related("votes__person", "votes__party_category", "rule__categories")
        .get(pk=ballot.pk)
    )


def default_rule() -> DecisionRule | None:
    return DecisionRule.objects.filter(is_default=True).first()


def sees_named_votes(user: Any) -> bool:
    """How each named member voted is for SECAS staff and sitting Change Board members; the
    public (and other committees) get the outcome and the tally per Party Category, as SECAS
    publishes decisions."""
    from django.utils import timezone

    from secmods.committees.models import CommitteeKind
    from secmods.committees.selectors import active_memberships
    from secmods.core.roles import is_committee_member, is_secas_staff

    if is_secas_staff(user):
        return True
    return is_committee_member(user) and (
        active_memberships(timezone.localdate())
        .filter(person__user=user, committee__kind=CommitteeKind.CHANGE_BOARD)
        .exists()
    )


def ballots_for(modification: Modification) -> Any:
    """Every ballot of a modification, newest first, with its votes and rule: four queries
    whatever the number of ballots and votes."""
    return (
        Ballot.objects.filter(modification=modification)
        .select_related("rule")
        .prefetch_related("votes__person", "votes__party_category", "rule__categories")
        .order_by("-opened_at", "-pk")
    )
