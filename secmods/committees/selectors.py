"""Reads of committees, memberships and meetings."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from .models import Meeting, Membership


def active_memberships(on: date) -> QuerySet[Membership]:
    return Membership.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on
    )


def active_committee_ids(user: Any, on: date) -> set[int]:
    if not getattr(user, "pk", None):
        return set()
    return set(
        active_memberships(on).filter(person__user=user).values_list("committee_id", flat=True)
    )


def meetings_for_commenting(user: Any, on: date) -> QuerySet[Meeting]:
    return Meeting.objects.select_related("committee").filter(
        committee_id__in=active_committee_ids(user, on)
    )


def meetings_with_agenda(user: Any) -> QuerySet[Meeting]:
    """Meetings with the agenda items this user may see (no unpublished modification leaks
    to the public through an agenda)."""
    from django.db.models import Prefetch

    from secmods.modifications.selectors import visible_modifications

    from .models import AgendaItem

    visible_items = AgendaItem.objects.filter(
        modification__in=visible_modifications(user)
    ).select_related("modification")
    return Meeting.objects.select_related("committee").prefetch_related(
        Prefetch("agenda_items", queryset=visible_items)
    )
