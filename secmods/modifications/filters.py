"""Filters of the modification list: stage, path, proposer, committee, dates, SEC section."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, QuerySet

from secmods.parties.models import Organisation

from . import related
from .models import Modification, Path, SecSection, Stage
from .selectors import search_modifications


class ModificationFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=200,
        help_text='A reference in any spelling ("MP160", "mp 160", "DP160", "160") or words '
        "of the title.",
    )
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    path = django_filters.MultipleChoiceFilter(choices=Path.choices)
    proposer_organisation = django_filters.ModelChoiceFilter(
        field_name="proposer__organisation",
        queryset=Organisation.objects.all(),
        help_text="The id of the proposer's organisation.",
    )
    committee = django_filters.CharFilter(
        method="filter_committee",
        max_length=50,
        help_text="A committee's slug (e.g. csc): modifications on its meetings' agendas.",
    )
    sec_section = django_filters.ModelChoiceFilter(
        field_name="sec_sections",
        to_field_name="code",
        queryset=SecSection.objects.all(),
        help_text="A SEC Section code, e.g. L.",
    )
    raised = django_filters.DateFromToRangeFilter(
        field_name="raised_on", help_text="raised_after / raised_before (YYYY-MM-DD)."
    )
    updated = django_filters.DateFromToRangeFilter(
        field_name="updated_at", help_text="updated_after / updated_before (YYYY-MM-DD)."
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "number"),
            ("raised_on", "raised_on"),
            ("updated_at", "updated_at"),
            ("title", "title"),
            ("stage", "stage"),
        )
    )

    class Meta:
        model = Modification
        fields: list[str] = []

    def filter_search(
        self, queryset: QuerySet[Modification], name: str, value: str
    ) -> QuerySet[Modification]:
        return search_modifications(queryset, value)

    def filter_committee(
        self, queryset: QuerySet[Modification], name: str, value: str
    ) -> QuerySet[Modification]:
        # Exists, not a join: a modification on many agendas must come out once.
        on_agenda = related.agenda_item_model().objects.filter(
            modification=OuterRef("pk"), meeting__committee__slug=value
        )
        return queryset.filter(Exists(on_agenda))
