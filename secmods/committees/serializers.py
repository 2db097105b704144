"""API shapes of committees and meetings (with their agenda)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from secmods.core.api import sensible_datetime

from .models import AgendaItem, AgendaPurpose, Committee, Meeting, MeetingStatus


class CommitteeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Committee
        fields = ["id", "slug", "name", "abbreviation", "kind", "papers_due_working_days"]


class MeetingSerializer(serializers.ModelSerializer):
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


class AgendaItemSerializer(serializers.ModelSerializer):
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
class AgendaItemEntrySerializer(serializers.ModelSerializer):
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


class AgendaSerializer(serializers.Serializer):
    meeting = serializers.IntegerField(source="meeting.pk")
    committee = serializers.CharField(source="meeting.committee.slug")
    starts_at = serializers.DateTimeField(source="meeting.starts_at")
    papers_due_on = serializers.DateField()
    items = AgendaItemEntrySerializer(many=True)

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        _number_from_one(data["items"])
        return data


class AgendaAddSerializer(serializers.Serializer):
    modification = serializers.CharField(
        max_length=40, help_text='The reference in any spelling, e.g. "MP160".'
    )
    purpose = serializers.ChoiceField(choices=AgendaPurpose.choices)


class AgendaOrderSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        help_text="Every item id of this agenda, once each, in the new order.",
    )


class AgendaOutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField(help_text="The minutes: what the meeting concluded.")
    decision = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    actions = serializers.CharField(required=False, allow_blank=True, default="")
