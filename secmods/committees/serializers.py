"""API shapes of committees and meetings (with their agenda)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from secmods.core.api import (
    ApiModelSerializer,
    ApiSerializer,
    LondonDateTimeField,
    sensible_datetime,
)

from .models import AgendaItem, AgendaPurpose, Committee, Meeting, MeetingStatus


class CommitteeSerializer(ApiModelSerializer):
    class Meta:
        model = Committee
        fields = ["id", "slug", "name", "abbreviation", "kind", "papers_due_working_days"]


class MeetingSerializer(ApiModelSerializer):
    committee = serializers.SlugRelatedField(slug_field="slug", queryset=Committee.objects.all())
    committee_name = serializers.CharField(source="committee.name", read_only=True)
    status = serializers.ChoiceField(choices=MeetingStatus.choices, required=False)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "committee",
            "committee_name",
            "starts_at",
            "title",
            "location",
            "status",
            "sequence",
            "version",
        ]
        read_only_fields = ["id", "committee_name", "sequence", "version"]

    read_only_names = ("agenda",)

    def validate_starts_at(self, value: Any) -> Any:
        return sensible_datetime(value)


def _number_from_one(items: list[Any]) -> list[Any]:
    """Each item's `order` is its place in the list this reader gets (1..n), not the stored
    order: the public does not see items of unpublished modifications, and a gap in the
    numbers (an only item numbered 2) would tell them one is there."""
    for position, item in enumerate(items, start=1):
        item["order"] = position
    return items


_ORDER_HELP = "Place on the agenda as this reader sees it, from 1."


class AgendaItemSerializer(ApiModelSerializer):
    reference = serializers.CharField(source="modification.reference", read_only=True)
    title = serializers.CharField(source="modification.title", read_only=True)

    class Meta:
        model = AgendaItem
        fields = ["order", "reference", "title", "purpose", "decision", "outcome"]
        read_only_fields = fields
        extra_kwargs = {"order": {"help_text": _ORDER_HELP}}


class MeetingDetailSerializer(MeetingSerializer):
    agenda = AgendaItemSerializer(source="agenda_items", many=True, read_only=True)

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "agenda"]
        read_only_fields = [*MeetingSerializer.Meta.read_only_fields, "agenda"]

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        _number_from_one(data["agenda"])
        return data


# --- Agendas (issue 6) -------------------------------------------------------------------
class AgendaItemEntrySerializer(ApiModelSerializer):
    reference = serializers.CharField(source="modification.reference", read_only=True)
    title = serializers.CharField(source="modification.title", read_only=True)

    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "order",
            "reference",
            "title",
            "purpose",
            "outcome",
            "decision",
            "actions",
            "outcome_recorded_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"order": {"help_text": _ORDER_HELP}}


class AgendaSerializer(ApiSerializer):
    meeting = serializers.IntegerField(source="meeting.pk")
    committee = serializers.CharField(source="meeting.committee.slug")
    starts_at = LondonDateTimeField(source="meeting.starts_at")
    papers_due_on = serializers.DateField()
    items = AgendaItemEntrySerializer(many=True)

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        _number_from_one(data["items"])
        return data


class AgendaAddSerializer(ApiSerializer):
    read_only_names = ("id", "order", "reference", "title", "outcome", "decision", "actions")

    modification = serializers.CharField(
        max_length=40, help_text='The reference in any spelling, e.g. "MP160".'
    )
    purpose = serializers.ChoiceField(choices=AgendaPurpose.choices)


class AgendaOrderSerializer(ApiSerializer):
    items = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        help_text="Every item id of this agenda, once each, in the new order.",
    )


class AgendaOutcomeSerializer(ApiSerializer):
    outcome = serializers.CharField(help_text="The minutes: what the meeting concluded.")
    decision = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    actions = serializers.CharField(required=False, allow_blank=True, default="")
