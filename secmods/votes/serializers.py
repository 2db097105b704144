"""API shapes of Change Board ballots, votes and their tally."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from secmods.committees.models import Meeting
from secmods.core.api import ApiModelSerializer, ApiSerializer
from secmods.parties.models import Person
from secmods.rules import change_board

from . import selectors
from .models import Ballot, BallotOutcome, Vote, VoteChoice


class VoteSerializer(ApiModelSerializer):
    person = serializers.IntegerField(source="person_id", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    party_category = serializers.CharField(source="party_category.name", read_only=True)

    class Meta:
        model = Vote
        fields = ["id", "person", "person_name", "party_category", "choice", "recorded_at"]
        read_only_fields = fields


class VoteWriteSerializer(ApiSerializer):
    read_only_names = ("id", "person_name", "party_category", "recorded_at")

    person = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(), help_text="The Change Board member voting."
    )
    choice = serializers.ChoiceField(choices=VoteChoice.choices)
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The Change Board meeting; membership is checked on its day (else today).",
    )


class VoteOutcomeSerializer(ApiSerializer):
    move = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Also take the path's next step (Authority Decision, Approved or Rejected).",
    )


TALLY_SCHEMA = {
    "type": "object",
    "properties": {
        "categories": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "category": {"type": "string"},
                    "for": {"type": "integer"},
                    "against": {"type": "integer"},
                    "abstain": {"type": "integer"},
                    "position": {
                        "type": "string",
                        "enum": ["for", "against", "undecided", "no votes"],
                    },
                },
            },
        },
        "categories_for": {"type": "integer"},
        "categories_against": {"type": "integer"},
        "reason": {"type": "string"},
    },
}


class BallotSerializer(ApiModelSerializer):
    """A ballot, its votes and tally: the recorded tally once decided, else the tally the
    rule gives the votes so far (`decided` false, `outcome` blank)."""

    rule = serializers.CharField(source="rule.name", read_only=True)
    # Declared so that the schema says "" (not decided yet) is a value too.
    outcome = serializers.ChoiceField(
        choices=BallotOutcome.choices, allow_blank=True, read_only=True
    )
    decided = serializers.SerializerMethodField()
    tally = serializers.SerializerMethodField()
    votes = serializers.SerializerMethodField(
        help_text="Each member's vote: for SECAS staff and Change Board members only, null "
        "for everyone else (the tally per Party Category is public)."
    )

    class Meta:
        model = Ballot
        fields = [
            "id",
            "meeting",
            "rule",
            "opened_at",
            "decided",
            "outcome",
            "decided_at",
            "tally",
            "votes",
        ]
        read_only_fields = fields

    def get_decided(self, obj: Ballot) -> bool:
        return obj.decided_at is not None

    @extend_schema_field(VoteSerializer(many=True, allow_null=True))
    def get_votes(self, obj: Ballot) -> list[dict[str, Any]] | None:
        if not self.context.get("named_votes"):
            return None
        return list(VoteSerializer(obj.votes.all(), many=True).data)

    @extend_schema_field(TALLY_SCHEMA)
    def get_tally(self, obj: Ballot) -> dict[str, Any]:
        if obj.decided_at is not None and obj.tally:
            return dict(obj.tally)
        decision = change_board.decide(
            selectors.rule_spec(obj.rule),
            ((v.party_category_id, v.choice) for v in obj.votes.all()),
        )
        return decision.as_tally()
