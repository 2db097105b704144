from __future__ import annotations

from rest_framework import serializers

from .models import GlossaryTerm


class GlossaryTermSerializer(serializers.ModelSerializer):
    class Meta:
        model = GlossaryTerm
        fields = ["acronym", "full_term", "description"]
