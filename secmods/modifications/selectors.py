"""Reads of modifications: lookup by any spelling of the reference, search, next key date."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from secmods.core.roles import is_committee_member, is_secas_staff

from .models import Milestone, MilestoneStatus, Modification
from .references import parse_reference


def visible_modifications(user: Any = None) -> QuerySet[Modification]:
    """What a user may see: staff and committee members everything, the public published."""
    queryset = Modification.objects.all()
    if user is not None and (is_secas_staff(user) or is_committee_member(user)):
        return queryset
    return queryset.filter(published_at__isnull=False, published_at__lte=timezone.now())


def reference_filter(text: str) -> Q | None:
    """A filter for the modification(s) a reference spelling names, or None if it is not one.

    "160" alone names the original and its alternatives' base number; "MP160A" one row.
    """
    parsed = parse_reference(text)
    if parsed is None:
        return None
    return Q(number=parsed.number, suffix=parsed.suffix)


def get_by_reference(
    reference: str, queryset: QuerySet[Modification] | None = None
) -> Modification | None:
    condition = reference_filter(reference)
    if condition is None:
        return None
    queryset = Modification.objects.all() if queryset is None else queryset
    return queryset.filter(condition).first()


def search_modifications(queryset: QuerySet[Modification], text: str) -> QuerySet[Modification]:
    """Reference in any spelling, or words of the title."""
    text = " ".join((text or "").split())
    if not text:
        return queryset
    condition = Q(title__icontains=text)
    by_reference = reference_filter(text)
    if by_reference is not None:
        condition |= by_reference
    return queryset.filter(condition)


def with_next_key_date(queryset: QuerySet[Modification]) -> QuerySet[Modification]:
    """Annotate each modification with its next planned milestone (one subquery, any size)."""
    today = timezone.localdate()
    upcoming = Milestone.objects.filter(
        modification=OuterRef("pk"), status=MilestoneStatus.PLANNED, date_to__gte=today
    ).order_by("date_from", "order", "pk")
    return queryset.annotate(
        next_key_label=Subquery(upcoming.values("label")[:1]),
        next_key_precision=Subquery(upcoming.values("precision")[:1]),
        next_key_from=Subquery(upcoming.values("date_from")[:1]),
        next_key_to=Subquery(upcoming.values("date_to")[:1]),
    )


def next_key_milestone(milestones: list[Milestone]) -> Milestone | None:
    """The milestone `with_next_key_date` annotates, chosen from a fetched timetable."""
    today = timezone.localdate()
    upcoming = [
        m
        for m in milestones
        if m.status == MilestoneStatus.PLANNED and m.date_to is not None and m.date_to >= today
    ]
    if not upcoming:
        return None
    return min(upcoming, key=lambda m: (m.date_from, m.order, m.pk))


def timetable(modification: Modification) -> QuerySet[Milestone]:
    """The progression timetable in date order, TBC last, on every database."""
    return modification.milestones.select_related("meeting__committee").all()


def modification_list(user: Any = None) -> QuerySet[Modification]:
    """The rows of the register and the API list: summary fields and the next key date, in
    a fixed number of queries whatever the page size."""
    return with_next_key_date(
        visible_modifications(user)
        .select_related("proposer__organisation")
        .prefetch_related("sec_sections")
    )


def modification_detail(user: Any = None) -> QuerySet[Modification]:
    """One modification with its report, timetable, meetings and stage history."""
    from django.db.models import Prefetch

    from secmods.committees.models import AgendaItem

    from .models import StageChange

    # No next-key-date subqueries here: the whole timetable is fetched anyway, and
    # `next_key_milestone` picks the same milestone from it in Python.
    return (
        visible_modifications(user)
        .select_related("proposer__organisation", "lead_analyst__organisation", "target_release")
        .prefetch_related(
            "sec_sections",
            "sections",
            "impacted_party_categories",
            Prefetch("milestones", queryset=Milestone.objects.all()),
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.select_related("meeting__committee").order_by(
                    "meeting__starts_at", "order", "pk"
                ),
            ),
            Prefetch("stage_changes", queryset=StageChange.objects.all()),
        )
    )
