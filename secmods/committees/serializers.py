"""API shapes of committees and meetings (with their agenda)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from secmods.core.api import sensible_datetime

from .models import AgendaItem, Committee, Meeting, MeetingStatus


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


class AgendaItemSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="modification.reference", read_only=True)
    title = serializers.CharField(source="modification.title", read_only=True)

    class Meta:
        model = AgendaItem
        fields = ["order", "reference", "title", "purpose", "decision", "outcome"]
        read_only_fields = fields


class MeetingDetailSerializer(MeetingSerializer):
    agenda = AgendaItemSerializer(source="agenda_items", many=True, read_only=True)

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "agenda"]
        read_only_fields = [*MeetingSerializer.Meta.read_only_fields, "agenda"]
