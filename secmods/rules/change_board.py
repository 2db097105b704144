"""The Change Board decision rule: votes by Party Category in, an outcome out.

SEC Section D has the Change Board vote in groups by Party Category; whether a modification
is approved depends on how many categories are in favour, not on a head count
(docs/domain.md, "Change Board votes"). The rule is data (a `RuleSpec`; SECAS edit the
`votes.DecisionRule` it is read from) and `decide` is the arithmetic, without a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .choices import Choices


class VoteChoice(Choices):
    FOR = "for", "In favour"
    AGAINST = "against", "Against"
    ABSTAIN = "abstain", "Abstains"


class BallotOutcome(Choices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


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
