"""The decision rule as data: the default of docs/domain.md and other rule sets, ties, no votes,
abstentions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from secmods.rules.change_board import RuleSpec, decide

LARGE, SMALL, ELEC, GAS, OTHER, CONSUMER = 1, 2, 3, 4, 5, 99
FIVE = ((LARGE, "Large"), (SMALL, "Small"), (ELEC, "Elec"), (GAS, "Gas"), (OTHER, "Other"))
DEFAULT = RuleSpec(categories=FIVE)
TWO_THIRDS = RuleSpec(categories=FIVE, category_share=Decimal("0.666"))
THREE_CATEGORIES = RuleSpec(categories=FIVE, min_categories_in_favour=3)
AT_LEAST_TWO_ANY_AGAINST = RuleSpec(
    categories=FIVE, more_for_than_against=False, min_categories_in_favour=2
)


def votes(**by_category: str) -> list[tuple[int, str]]:
    ids = {"large": LARGE, "small": SMALL, "elec": ELEC, "gas": GAS, "other": OTHER}
    ids["consumer"] = CONSUMER
    codes = {"f": "for", "a": "against", "x": "abstain"}
    return [(ids[name], codes[c]) for name, cast in by_category.items() for c in cast]


@pytest.mark.parametrize(
    ("rule", "cast", "outcome", "cats_for", "cats_against"),
    [
        # Default: majority within a category; more categories for than against.
        (DEFAULT, votes(large="ffa", small="f", elec="a"), "approved", 2, 1),
        (DEFAULT, votes(large="ff", elec="a", gas="a"), "rejected", 1, 2),
        # A tie between categories is not approval.
        (DEFAULT, votes(large="f", elec="a"), "rejected", 1, 1),
        # A tie inside a category leaves it undecided.
        (DEFAULT, votes(large="fa", small="f"), "approved", 1, 0),
        (DEFAULT, votes(large="fa"), "rejected", 0, 0),
        # No votes at all, or abstentions only: not approval.
        (DEFAULT, [], "rejected", 0, 0),
        (DEFAULT, votes(large="xx", gas="x"), "rejected", 0, 0),
        # Abstentions are not counted: 1 for, 3 abstain is a majority in favour.
        (DEFAULT, votes(large="fxxx", gas="a"), "rejected", 1, 1),
        (DEFAULT, votes(large="fxxx"), "approved", 1, 0),
        # A category the rule does not name is not counted.
        (DEFAULT, votes(consumer="aaaa", small="f"), "approved", 1, 0),
        # Two-thirds per category: 2 of 3 (0.667) passes, 3 of 5 does not.
        (TWO_THIRDS, votes(large="ffa"), "approved", 1, 0),
        (TWO_THIRDS, votes(large="fffaa"), "rejected", 0, 0),
        # At least three categories in favour.
        (THREE_CATEGORIES, votes(large="f", small="f", elec="a"), "rejected", 2, 1),
        (THREE_CATEGORIES, votes(large="f", small="f", gas="f", elec="a"), "approved", 3, 1),
        # Two in favour suffice even against three, when the rule does not compare.
        (
            AT_LEAST_TWO_ANY_AGAINST,
            votes(large="f", small="f", elec="a", gas="a", other="a"),
            "approved",
            2,
            3,
        ),
        (AT_LEAST_TWO_ANY_AGAINST, votes(large="f"), "rejected", 1, 0),
    ],
)
def test_outcomes(rule, cast, outcome, cats_for, cats_against):
    decision = decide(rule, cast)
    assert (decision.outcome, decision.categories_for, decision.categories_against) == (
        outcome,
        cats_for,
        cats_against,
    )


def test_the_tally_explains_itself():
    decision = decide(DEFAULT, votes(large="ffx", elec="a"))
    tally = decision.as_tally()
    assert tally["categories"][0] == {
        "category": "Large",
        "for": 2,
        "against": 0,
        "abstain": 1,
        "position": "for",
    }
    assert tally["reason"] == "A tie (1 for, 1 against) is not approval."
    assert decide(DEFAULT, []).reason == "No category voted either way: not approved."


ZERO_NEEDED = RuleSpec(categories=FIVE, min_categories_in_favour=0)
HALF_OR_MORE = RuleSpec(categories=FIVE, category_share=Decimal("0.49"))


@pytest.mark.parametrize(
    ("rule", "cast", "outcome", "reason"),
    [
        (DEFAULT, votes(large="ff"), "approved", "1 categories in favour, 0 against."),
        (DEFAULT, votes(large="f", small="f", elec="a"), "approved", "2 categories in favour, 1 against."),
        (DEFAULT, [], "rejected", "No category voted either way: not approved."),
        (DEFAULT, votes(large="fa"), "rejected", "No category voted either way: not approved."),
        (DEFAULT, votes(large="f", elec="a"), "rejected", "A tie (1 for, 1 against) is not approval."),
        (DEFAULT, votes(elec="a"), "rejected", "0 categories in favour, 1 against: not enough (at least 1 needed, and more for than against)."),
        (THREE_CATEGORIES, votes(large="f", small="f"), "rejected", "2 categories in favour, 0 against: not enough (at least 3 needed, and more for than against)."),
        (AT_LEAST_TWO_ANY_AGAINST, votes(large="f", elec="a"), "rejected", "1 categories in favour, 1 against: not enough (at least 2 needed)."),
        # At least one category in favour, whatever the rule says.
        (ZERO_NEEDED, votes(elec="a"), "rejected", "0 categories in favour, 1 against: not enough (at least 0 needed, and more for than against)."),
        (ZERO_NEEDED, votes(large="f"), "approved", "1 categories in favour, 0 against."),
        # The share is a strict "more than": at 0.49, one of two in favour is enough.
        (HALF_OR_MORE, votes(large="fa"), "approved", "1 categories in favour, 0 against."),
    ],
)  # fmt: skip
def test_every_reason_exactly(rule, cast, outcome, reason):
    decision = decide(rule, cast)
    assert (decision.outcome, decision.reason) == (outcome, reason)


def test_each_category_is_tallied_and_placed():
    decision = decide(
        DEFAULT, [*votes(large="ffa", small="aaf", elec="fa", gas="xx"), (GAS, "spoilt")]
    )
    assert [c.as_dict() for c in decision.categories] == [
        {"category": "Large", "for": 2, "against": 1, "abstain": 0, "position": "for"},
        {"category": "Small", "for": 1, "against": 2, "abstain": 0, "position": "against"},
        {"category": "Elec", "for": 1, "against": 1, "abstain": 0, "position": "undecided"},
        # Anything but for or against counts as an abstention.
        {"category": "Gas", "for": 0, "against": 0, "abstain": 3, "position": "no votes"},
        {"category": "Other", "for": 0, "against": 0, "abstain": 0, "position": "no votes"},
    ]
    assert [c.category_id for c in decision.categories] == [LARGE, SMALL, ELEC, GAS, OTHER]
    assert decision.as_tally() == {
        "categories": [c.as_dict() for c in decision.categories],
        "categories_for": 1,
        "categories_against": 1,
        "reason": "A tie (1 for, 1 against) is not approval.",
    }


def test_the_default_rule_is_a_majority_of_categories():
    assert DEFAULT.category_share == Decimal("0.5")
    assert DEFAULT.more_for_than_against is True
    assert DEFAULT.min_categories_in_favour == 1
