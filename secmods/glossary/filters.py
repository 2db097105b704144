from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from .models import GlossaryTerm


class GlossaryTermFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", max_length=100, help_text="Words of the acronym or full term."
    )

    class Meta:
        model = GlossaryTerm
        fields: list[str] = []

    def filter_search(
        self, queryset: QuerySet[GlossaryTerm], name: str, value: str
    ) -> QuerySet[GlossaryTerm]:
        return queryset.filter(Q(acronym__icontains=value) | Q(full_term__icontains=value))
