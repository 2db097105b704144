from __future__ import annotations

from secmods.core.api import ApiModelSerializer

from .models import GlossaryTerm


class GlossaryTermSerializer(ApiModelSerializer):
    class Meta:
        model = GlossaryTerm
        fields = ["acronym", "full_term", "description"]
