"""Change Board votes by Party Category, and the decision rule that turns them into an outcome.

The rule is data, not code (docs/domain.md#change-board-votes): SECAS edit it in the admin to
match SEC Section D; each ballot keeps the rule it was decided under. The arithmetic is
secmods/rules/change_board.py.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from secmods.core.validators import no_nul_bytes
from secmods.rules.change_board import BallotOutcome, VoteChoice


class DecisionRule(models.Model):
    name = models.CharField(max_length=100, unique=True, validators=[no_nul_bytes])
    categories = models.ManyToManyField(
        "parties.PartyCategory",
        related_name="+",
        help_text="The Party Categories that vote. Votes of other categories are not counted.",
    )
    category_share = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("0.999"))],
        help_text="A category is in favour when MORE than this share of its votes cast are "
        "in favour, against when more than this share are against, undecided otherwise. "
        "0.5 = simple majority.",
    )
    more_for_than_against = models.BooleanField(
        default=True,
        help_text="The board approves only when more categories are in favour than against.",
    )
    min_categories_in_favour = models.PositiveSmallIntegerField(
        default=1, help_text="And at least this many categories are in favour."
    )
    is_default = models.BooleanField(default=False, help_text="Used for new ballots.")
    history = HistoricalRecords(m2m_fields=[categories])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_rule"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Ballot(models.Model):
    """One Change Board vote on a modification: its votes, and once decided, its outcome.

    A modification sent back by the Authority comes to the Change Board again: a new ballot.
    """

    modification = models.ForeignKey(
        "modifications.Modification", on_delete=models.CASCADE, related_name="ballots"
    )
    meeting = models.ForeignKey(
        "committees.Meeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.ForeignKey(DecisionRule, on_delete=models.PROTECT, related_name="ballots")
    opened_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=20, choices=BallotOutcome.choices, blank=True)
    tally = models.JSONField(default=dict, blank=True, help_text="Counts per category.")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["modification", "-opened_at", "-pk"]
        verbose_name = "Change Board ballot"
        constraints = [
            models.UniqueConstraint(
                fields=["modification"],
                condition=Q(decided_at__isnull=True),
                name="one_open_ballot_per_modification",
            ),
        ]

    def __str__(self) -> str:
        state = self.get_outcome_display() if self.outcome else "open"
        return f"Change Board vote on {self.modification.reference} ({state})"


class Vote(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    person = models.ForeignKey("parties.Person", on_delete=models.PROTECT, related_name="+")
    party_category = models.ForeignKey(
        "parties.PartyCategory", on_delete=models.PROTECT, related_name="+"
    )
    choice = models.CharField(max_length=10, choices=VoteChoice.choices)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["ballot", "party_category__order", "person__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "person"],
                name="one_vote_per_member",
                violation_error_message="This member has already voted on this modification.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.party_category}): {self.get_choice_display()}"
