"""Filters of the meeting list: committee and date range."""

from __future__ import annotations

import django_filters

from .models import Committee, Meeting, MeetingStatus


class MeetingFilter(django_filters.FilterSet):
    committee = django_filters.ModelChoiceFilter(
        field_name="committee",
        to_field_name="slug",
        queryset=Committee.objects.all(),
        help_text="A committee's slug, e.g. csc.",
    )
    date = django_filters.DateFromToRangeFilter(
        field_name="starts_at",
        help_text="date_after / date_before (YYYY-MM-DD, London days, both inclusive).",
    )
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices)

    class Meta:
        model = Meeting
        fields: list[str] = []
