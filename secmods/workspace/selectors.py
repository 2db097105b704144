"""What the admin home shows: a SECAS analyst's dashboard, a committee member's home.

Every list is cut to a fixed number of rows (with the total beside it and a link to the
full list), and every figure is one grouped or counted query, so the page costs the same
number of queries on a register of 10 or 10,000 modifications (pinned by a test).
This module reads the other apps; nothing imports it (it sits on top of the layers).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import Aggregate, Count, DateField, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone

from secmods.committees.models import Meeting, MeetingStatus
from secmods.committees.selectors import next_agendas_for_member, papers_due_on
from secmods.consultations.models import Comment, Consultation, Response
from secmods.modifications.models import (
    CLOSED_STAGES,
    Milestone,
    MilestoneStatus,
    Modification,
    Stage,
    StageChange,
)
from secmods.modifications.selectors import overdue_milestones, with_next_key_date
from secmods.reminders.models import LIVE_STATUSES, Reminder, ReminderStatus
from secmods.rules.dates import ApproxDate

ROWS = 12  # per list: enough for a week's work, never the whole register
# A list's total is counted up to this and shown as "500+" past it: a count of every
# unnoted comment on an old register read 220,000 index entries on each visit, for a figure
# that says no more than "many".
COUNT_UP_TO = 500
MEETING_WINDOW = timedelta(weeks=4)
TIMELINE_DAYS = 90
CLOSING_SOON = timedelta(days=7)
# A live reminder this long past its time has not gone out: the dispatcher is stopped or
# the mail server refuses it. Shown so that someone looks.
HELD_AFTER = timedelta(minutes=15)
OPEN_STAGES = [s for s in Stage.values if s not in CLOSED_STAGES]


@dataclass
class Listing:
    rows: list[Any]
    total: int
    # True when there are more than `total` (= COUNT_UP_TO) rows: counting stopped there.
    at_least: bool = False

    @property
    def more(self) -> int:
        return max(self.total - len(self.rows), 0)

    @property
    def total_label(self) -> str:
        return f"{self.total}+" if self.at_least else str(self.total)

    @property
    def more_label(self) -> str:
        return f"{self.more}+" if self.at_least else str(self.more)


def _listing(rows: list[Any], matching: QuerySet[Any]) -> Listing:
    """The rows shown and how many match: counted (up to COUNT_UP_TO) only when the list is
    full, since a shorter list is all there is."""
    if len(rows) < ROWS:
        return Listing(rows, len(rows))
    total = matching.order_by()[: COUNT_UP_TO + 1].count()
    return Listing(rows, min(total, COUNT_UP_TO), at_least=total > COUNT_UP_TO)


@dataclass
class StageBar:
    stage: str
    label: str
    count: int
    percent: float


@dataclass
class MyModification:
    modification: Modification
    days_in_stage: int
    median_days: int | None
    next_key: ApproxDate | None
    next_key_label: str
    overdue_count: int
    bar_percent: float = 0.0
    median_percent: float | None = None

    @property
    def slower_than_usual(self) -> bool:
        return self.median_days is not None and self.days_in_stage > self.median_days


@dataclass
class MeetingRow:
    meeting: Meeting
    papers_due: date
    agenda_count: int
    papers_late: bool


@dataclass
class TimelineEvent:
    lane: str
    day: date
    x: float
    label: str
    url: str


@dataclass
class Timeline:
    start: date
    end: date
    lanes: list[str]
    events: list[TimelineEvent]
    ticks: list[tuple[float, str]]


@dataclass
class StaffDashboard:
    today: date
    mine: list[MyModification]
    mine_total: int
    pipeline: list[StageBar]
    meetings: Listing
    overdue: Listing
    consultations: Listing
    comments: Listing
    reminders: Listing
    timeline: Timeline
    person_missing: bool = False
    closing_soon_before: datetime = field(default_factory=timezone.now)


class _Median(Aggregate):
    """PostgreSQL's median of an orderable value (dates included); SQLite has none."""

    function = "percentile_disc"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DateField()


def _entered_stage() -> Any:
    """When each modification entered its current stage: its last stage change, or the day
    it was raised."""
    last_change = (
        StageChange.objects.filter(modification=OuterRef("pk"))
        .order_by("-changed_at", "-pk")
        .values("changed_at")[:1]
    )
    return Coalesce(TruncDate(Subquery(last_change)), F("raised_on"), output_field=DateField())


def stage_medians(today: date) -> dict[str, int]:
    """Per open stage, the median number of days its modifications have been in it."""
    entered = (
        Modification.objects.filter(stage__in=OPEN_STAGES)
        .annotate(entered_on=_entered_stage())
        .order_by()
    )
    if connection.vendor == "postgresql":
        rows = entered.values("stage").annotate(median=_Median("entered_on"))
        return {row["stage"]: (today - row["median"]).days for row in rows if row["median"]}
    # SQLite (development): no ordered-set aggregate, so the days are fetched and sorted.
    days: dict[str, list[int]] = {}
    for stage, entered_on in entered.values_list("stage", "entered_on"):
        days.setdefault(stage, []).append((today - _as_date(entered_on)).days)
    return {stage: int(statistics.median_low(values)) for stage, values in days.items()}


def _as_date(value: Any) -> date:
    # SQLite hands back the coalesced date as text.
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def pipeline() -> list[StageBar]:
    """Open modifications per stage, in the lifecycle's order (one grouped query)."""
    counts = dict(
        Modification.objects.filter(stage__in=OPEN_STAGES)
        .order_by()
        .values_list("stage")
        .annotate(n=Count("pk"))
    )
    biggest = max(counts.values(), default=0) or 1
    return [
        StageBar(
            stage, Stage(stage).label, counts.get(stage, 0), 100 * counts.get(stage, 0) / biggest
        )
        for stage in OPEN_STAGES
    ]


def my_modifications(user: Any, today: date) -> tuple[list[MyModification], int]:
    """The open modifications the user is Lead Analyst of, longest in their stage first."""
    mine = Modification.objects.filter(lead_analyst__user_id=user.pk, stage__in=OPEN_STAGES)
    total = mine.count()
    rows = list(
        with_next_key_date(mine)
        .annotate(entered_on=_entered_stage())
        .order_by(F("entered_on").asc(), "number", "suffix")[:ROWS]
    )
    medians = stage_medians(today) if rows else {}
    result = []
    for m in rows:
        next_key = (
            ApproxDate(m.next_key_precision, m.next_key_from, m.next_key_to)  # type: ignore[attr-defined]
            if m.next_key_precision  # type: ignore[attr-defined]
            else None
        )
        result.append(
            MyModification(
                modification=m,
                days_in_stage=(today - _as_date(m.entered_on)).days,  # type: ignore[attr-defined]
                median_days=medians.get(m.stage),
                next_key=next_key,
                next_key_label=m.next_key_label or "",  # type: ignore[attr-defined]
                overdue_count=m.overdue_count,  # type: ignore[attr-defined]
            )
        )
    # One scale for every bar of the picture, so that the rows compare with each other.
    scale = max([r.days_in_stage for r in result] + [r.median_days or 0 for r in result] + [1])
    for r in result:
        r.bar_percent = round(100 * r.days_in_stage / scale, 1)
        if r.median_days is not None:
            r.median_percent = round(100 * r.median_days / scale, 1)
    return result, total


def coming_meetings(now: datetime) -> Listing:
    """Scheduled meetings of the next four weeks, with their papers-due day and agenda size."""
    window = Meeting.objects.filter(
        status=MeetingStatus.SCHEDULED, starts_at__gte=now, starts_at__lt=now + MEETING_WINDOW
    )
    meetings = list(
        window.select_related("committee")
        .annotate(agenda_count=Count("agenda_items"))
        .order_by("starts_at", "pk")[:ROWS]
    )
    today = timezone.localdate(now)
    rows = []
    for meeting in meetings:
        due = papers_due_on(meeting)
        rows.append(MeetingRow(meeting, due, meeting.agenda_count, due < today))  # type: ignore[attr-defined]
    return _listing(rows, window)


def overdue(today: date) -> Listing:
    """Planned milestones of open modifications whose date has passed, oldest first."""
    late = Milestone.objects.filter(overdue_milestones(today), modification__stage__in=OPEN_STAGES)
    rows = list(late.select_related("modification__lead_analyst").order_by("date_to", "pk")[:ROWS])
    return _listing(rows, late)


def open_consultations(now: datetime) -> Listing:
    """Consultations open now, the soonest to close first."""
    open_now = Consultation.objects.filter(opens_at__lte=now, closes_at__gt=now)
    # Counted per row shown: a grouped join would group every open consultation (and
    # join every modification) before the first twelve could be taken.
    responses = (
        Response.objects.filter(consultation=OuterRef("pk"))
        .order_by()
        .values("consultation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = list(
        open_now.select_related("modification")
        .annotate(response_count=Coalesce(Subquery(responses), 0))
        .order_by("closes_at", "pk")[:ROWS]
    )
    return _listing(rows, open_now)


def comments_to_note() -> Listing:
    """Committee members' comments that SECAS has not yet summarised into the report."""
    waiting = Comment.objects.filter(noted_in_report=False)
    rows = list(
        waiting.select_related("modification", "author__person", "meeting__committee").order_by(
            "-created_at", "-pk"
        )[:ROWS]
    )
    return _listing(rows, waiting)


def reminders_needing_attention(now: datetime) -> Listing:
    """Reminders that failed, and live ones held past their time (not gone out)."""
    stuck = Reminder.objects.filter(
        Q(status=ReminderStatus.FAILED) | Q(status__in=LIVE_STATUSES, due_at__lt=now - HELD_AFTER)
    )
    rows = list(stuck.select_related("modification").order_by("-due_at", "-pk")[:ROWS])
    return _listing(rows, stuck)


def next_days(user: Any, today: date, now: datetime) -> Timeline:
    """The next 90 days as lanes of dated events: meetings, the user's own modifications'
    milestones, consultations closing. Each lane is cut at a fixed number of events."""
    end = today + timedelta(days=TIMELINE_DAYS)
    span = (end - today).days or 1

    def x(day: date) -> float:
        return round(100 * (day - today).days / span, 2)

    events: list[TimelineEvent] = []
    horizon = timezone.make_aware(datetime.combine(end, datetime.min.time()))
    for meeting in (
        Meeting.objects.filter(
            status=MeetingStatus.SCHEDULED, starts_at__gte=now, starts_at__lt=horizon
        )
        .select_related("committee")
        .order_by("starts_at", "pk")[: ROWS * 4]
    ):
        events.append(
            TimelineEvent(
                "Meetings",
                meeting.date,
                x(meeting.date),
                f"{meeting}",
                reverse("admin:committees_meeting_change", args=[meeting.pk]),
            )
        )
    for milestone in (
        Milestone.objects.filter(
            modification__lead_analyst__user_id=user.pk,
            modification__stage__in=OPEN_STAGES,
            status=MilestoneStatus.PLANNED,
            date_from__gte=today,
            date_from__lte=end,
        )
        .select_related("modification")
        .order_by("date_from", "pk")[: ROWS * 4]
    ):
        assert milestone.date_from is not None
        events.append(
            TimelineEvent(
                "My milestones",
                milestone.date_from,
                x(milestone.date_from),
                f"{milestone.modification.reference}: {milestone.label} ({milestone.when})",
                reverse(
                    "admin:modifications_modification_change", args=[milestone.modification_id]
                ),
            )
        )
    for consultation in (
        Consultation.objects.filter(closes_at__gte=now, closes_at__lt=horizon)
        .select_related("modification")
        .order_by("closes_at", "pk")[: ROWS * 4]
    ):
        day = timezone.localdate(consultation.closes_at)
        events.append(
            TimelineEvent(
                "Consultations close",
                day,
                x(day),
                f"{consultation.modification.reference}: {consultation.title} closes",
                reverse("admin:consultations_consultation_change", args=[consultation.pk]),
            )
        )
    ticks = []
    first = today.replace(day=1)
    month = first
    while month <= end:
        # A label too near the right edge would hang out of the picture on a phone.
        if month >= today and x(month) <= 92:
            ticks.append((x(month), f"{month:%b}"))
        month = (month + timedelta(days=32)).replace(day=1)
    return Timeline(today, end, ["Meetings", "My milestones", "Consultations close"], events, ticks)


def staff_dashboard(user: Any, now: datetime | None = None) -> StaffDashboard:
    now = now or timezone.now()
    today = timezone.localdate(now)
    mine, mine_total = my_modifications(user, today)
    return StaffDashboard(
        today=today,
        mine=mine,
        mine_total=mine_total,
        pipeline=pipeline(),
        meetings=coming_meetings(now),
        overdue=overdue(today),
        consultations=open_consultations(now),
        comments=comments_to_note(),
        reminders=reminders_needing_attention(now),
        timeline=next_days(user, today, now),
        person_missing=not _has_person(user),
        closing_soon_before=now + CLOSING_SOON,
    )


def _has_person(user: Any) -> bool:
    try:
        return user.person is not None
    except ObjectDoesNotExist:
        return False


# --- A committee member's home -------------------------------------------------------
@dataclass
class MemberHome:
    agendas: list[dict[str, Any]]
    comments: Listing


def member_home(user: Any, now: datetime | None = None) -> MemberHome:
    agendas = [
        {"meeting": meeting, "papers_due": papers_due_on(meeting)}
        for meeting in next_agendas_for_member(user, now)
    ]
    mine: QuerySet[Comment] = Comment.objects.filter(author_id=user.pk)
    rows = list(
        mine.select_related("modification", "meeting__committee").order_by("-created_at", "-pk")[
            :ROWS
        ]
    )
    return MemberHome(agendas, _listing(rows, mine))
