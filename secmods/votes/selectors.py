"""Reads of Change Board votes (the decision rule itself is secmods/rules/change_board.py)."""

from __future__ import annotations

from typing import Any

from secmods.modifications.models import Modification
from secmods.rules.change_board import RuleSpec

from .models import Ballot, DecisionRule


def rule_spec(rule: DecisionRule) -> RuleSpec:
    """The rule as the plain data `secmods.rules.change_board.decide` applies."""
    return RuleSpec(
        categories=tuple((c.pk, c.name) for c in rule.categories.all()),
        category_share=rule.category_share,
        more_for_than_against=rule.more_for_than_against,
        min_categories_in_favour=rule.min_categories_in_favour,
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
