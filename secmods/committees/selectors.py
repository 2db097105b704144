"""Reads of committees, memberships and meetings."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from secmods.modifications.selectors import visible_to
from secmods.rules.working_days import add_working_days

from .models import AgendaItem, CommitteeKind, Meeting, MeetingStatus, Membership


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


# --- Agendas and papers ------------------------------------------------------------------
def papers_due_on(meeting: Meeting) -> date:
    """Papers go out this committee's number of Working Days before the meeting."""

    return add_working_days(meeting.date, -meeting.committee.papers_due_working_days)


def meeting_agenda(meeting: Meeting) -> QuerySet[Any]:
    """The agenda in order, with what a page shows per item; two queries, any length."""

    return (
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("modification__proposer__organisation", "modification__lead_analyst")
        .annotate(comment_count=Count("modification__comments", distinct=True))
        .order_by("order", "pk")
    )


def meeting_details(meeting: Meeting) -> str:
    """A meeting's time, place, agenda and link, as plain text for reminder emails (the
    email is often all a member reads before the meeting)."""
    local = timezone.localtime(meeting.starts_at)
    lines = [
        f"When: {local:%A} {local.day} {local:%B %Y}, {local:%H:%M} (London time)",
        f"Where: {meeting.location or 'to be confirmed'}",
    ]
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("modification")
        .order_by("order", "pk")
    )
    if items:
        lines.append("Agenda:")
        lines += [
            f"  {n}. {item.modification.reference} {item.modification.title}"
            f" ({item.get_purpose_display()})"
            for n, item in enumerate(items, start=1)
        ]
    else:
        lines.append("Agenda: not published yet")
    path = reverse("admin:committees_meeting_change", args=[meeting.pk])
    lines.append(f"The meeting, its agenda and papers: {settings.SITE_URL}{path}")
    return "\n".join(lines)


def meetings_with_papers_due_on(day: date) -> list[Meeting]:
    """Scheduled meetings whose papers are due on `day` (the "papers due" reminder)."""

    # Papers are due at most N Working Days before; look at a generous window, then check.
    horizon = add_working_days(day, 40)
    candidates = Meeting.objects.select_related("committee").filter(
        status=MeetingStatus.SCHEDULED,
        starts_at__date__gt=day,
        starts_at__date__lte=horizon + timedelta(days=1),
    )
    return [m for m in candidates if papers_due_on(m) == day]


def next_agendas_for_member(user: Any, now: Any = None) -> list[Meeting]:
    """For a committee member's admin home: the next scheduled meeting of each committee
    they are an active member of, with its agenda items. Three queries."""

    now = now or timezone.now()
    committee_ids = active_committee_ids(user, timezone.localdate(now))
    if not committee_ids:
        return []
    upcoming = (
        Meeting.objects.filter(
            committee_id__in=committee_ids, starts_at__gte=now, status=MeetingStatus.SCHEDULED
        )
        .select_related("committee")
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.select_related("modification").order_by("order", "pk"),
            )
        )
        .order_by("starts_at")
    )
    nxt: dict[int, Meeting] = {}
    for meeting in upcoming:
        nxt.setdefault(meeting.committee_id, meeting)
    return sorted(nxt.values(), key=lambda m: m.starts_at)


def meetings_with_agenda(user: Any) -> QuerySet[Meeting]:
    """Meetings with the agenda items this user may see (no unpublished modification leaks
    to the public through an agenda)."""

    # Ordered within each meeting (the default ordering would join every meeting).
    visible_items = (
        AgendaItem.objects.filter(visible_to(user, through="modification"))
        .select_related("modification")
        .order_by("order", "pk")
    )
    return Meeting.objects.select_related("committee").prefetch_related(
        Prefetch("agenda_items", queryset=visible_items)
    )


def problem_statement_agreed_at_meeting(modification: Any) -> bool:
    """The lifecycle's evidence that the CSC or Panel agreed the problem statement: an
    agenda item of theirs for the modification with its outcome recorded."""
    return (
        AgendaItem.objects.filter(
            modification=modification,
            meeting__committee__kind__in=[CommitteeKind.CSC, CommitteeKind.PANEL],
        )
        .exclude(outcome="")
        .exists()
    )


def memberships_all_ended(user: Any) -> bool:
    """A login whose person sat on committees and whose every membership has ended (the
    day after the last end date): core.roles then no longer counts it a committee member."""
    if not user.pk:
        return False
    today = timezone.localdate()
    memberships = Membership.objects.filter(person__user_id=user.pk)
    return (
        memberships.exists()
        and not memberships.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today
        ).exists()
    )
