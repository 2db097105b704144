from __future__ import annotations

from rest_framework import serializers

from secmods.committees.models import Meeting

from .models import Comment, Position


class CommentSerializer(serializers.ModelSerializer):
    modification = serializers.CharField(source="modification.reference", read_only=True)
    author = serializers.CharField(source="author.get_username", read_only=True)
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.select_related("committee"), allow_null=True, required=False
    )
    position = serializers.ChoiceField(choices=Position.choices, required=False, allow_blank=True)
    noted_in_report = serializers.BooleanField(
        required=False, help_text="Set by SECAS staff once summarised into the report."
    )

    class Meta:
        model = Comment
        fields = [
            "id",
            "modification",
            "author",
            "meeting",
            "text",
            "position",
            "noted_in_report",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "modification", "author", "created_at", "updated_at"]
