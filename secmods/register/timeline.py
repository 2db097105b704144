"""The progression timetable as a picture: geometry for a server-rendered SVG.

Each milestone gets a row: its label and date on one line, a track below with its marker.
A date known to the day is a dot; a week, month or quarter is a bar as long as that
period, so "May 2021" reads as the whole of May. A re-planned milestone also shows its
baseline as a dashed ghost ("was 1 Jun 2021"). TBC milestones sit in a column of their own
at the right. Done milestones are filled, the next one is highlighted. The page shows the
same facts as a table too, for screen readers and for copying.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.template.defaultfilters import add, floatformat
from django.utils.safestring import SafeString, mark_safe
from markupsafe import escape

from secmods.modifications.models import Milestone, MilestoneStatus
from secmods.rules.dates import ApproxDate, Precision
from secmods.rules.overdue import is_overdue

WIDTH = 720
LEFT = 12
RIGHT = 12
TBC_COLUMN = 64
AXIS_HEIGHT = 40
ROW_HEIGHT = 58
LABEL_OFFSET = 18  # baseline of the label text inside a row
TRACK_OFFSET = 38  # centre of the marker inside a row
BAR_HEIGHT = 14
DOT_RADIUS = 7


@dataclass(frozen=True)
class Marker:
    """A dot (day) or a bar (week, month, quarter) or a TBC box, in SVG units."""

    kind: str  # "dot", "bar" or "tbc"
    x: float
    width: float
    precision: str
    text: str


@dataclass(frozen=True)
class Row:
    milestone: Milestone
    y: float
    label_y: float
    track_y: float
    status: str  # "done", "next", "overdue", "planned", "cancelled"
    when_text: str
    marker: Marker
    baseline: Marker | None
    baseline_text: str

    @property
    def bar_y(self) -> float:
        return self.track_y - BAR_HEIGHT / 2


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    major: bool


@dataclass(frozen=True)
class Timeline:
    rows: list[Row]
    ticks: list[Tick]
    width: int
    height: float
    axis_y: float
    plot_left: float
    plot_right: float
    today_x: float | None
    tbc_x: float | None
    next_milestone: Milestone | None

    @property
    def overdue_count(self) -> int:
        return sum(1 for row in self.rows if row.status == "overdue")

    @property
    def track_bottom(self) -> float:
        return self.height - 6


def next_milestone(milestones: Iterable[Milestone], today: dt.date) -> Milestone | None:
    """The same rule as the register's "next key date": the first planned milestone that
    has not ended before today."""
    upcoming = [
        m
        for m in milestones
        if m.status == MilestoneStatus.PLANNED and m.date_to is not None and m.date_to >= today
    ]
    upcoming.sort(key=lambda m: (m.date_from or dt.date.max, m.order, m.pk or 0))
    return upcoming[0] if upcoming else None


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _ticks(start: dt.date, end: dt.date, x_of) -> list[Tick]:  # type: ignore[no-untyped-def]
    months: list[dt.date] = []
    cursor = start
    while cursor <= end:
        months.append(cursor)
        cursor = _add_month(cursor)
    ticks = []
    for index, month in enumerate(months):
        if len(months) <= 14:
            show = True
        elif len(months) <= 40:
            show = month.month in (1, 4, 7, 10)
        else:
            show = month.month == 1
        if not show:
            continue
        first = index == 0 or month.month == 1
        if len(months) > 40:
            label = str(month.year)
        elif first:
            label = f"{month:%b %Y}"
        else:
            label = f"{month:%b}"
        ticks.append(Tick(x=round(x_of(month), 1), label=label, major=first))
    return ticks


def build_timeline(milestones: Sequence[Milestone], today: dt.date) -> Timeline | None:
    """The picture's geometry, or None for an empty timetable."""
    if not milestones:
        return None
    dated: list[dt.date] = []
    for milestone in milestones:
        for approx in (milestone.when, milestone.baseline):
            if approx is not None and approx.start is not None and approx.end is not None:
                dated += [approx.start, approx.end]
    has_tbc = any(
        m.when.precision == Precision.TBC
        or (m.baseline is not None and m.baseline.precision == Precision.TBC)
        for m in milestones
    )
    plot_left = float(LEFT)
    plot_right = float(WIDTH - RIGHT - (TBC_COLUMN if has_tbc else 0))
    tbc_x = plot_right + 8 if has_tbc else None
    if dated:
        start = _month_start(min(dated))
        end = _month_end(max(dated))
        total_days = (end - start).days + 1
    else:
        start = end = today
        total_days = 1

    def x_of(day: dt.date) -> float:
        return plot_left + (day - start).days / total_days * (plot_right - plot_left)

    def marker_for(approx: ApproxDate) -> Marker:
        text = approx.display()
        if approx.precision == Precision.TBC or approx.start is None or approx.end is None:
            return Marker("tbc", tbc_x or plot_right, TBC_COLUMN - 16, Precision.TBC, text)
        left = x_of(approx.start)
        right = x_of(approx.end + dt.timedelta(days=1))
        if approx.precision == Precision.DAY:
            return Marker(
                "dot", round((left + right) / 2, 1), DOT_RADIUS * 2, approx.precision, text
            )
        return Marker(
            "bar", round(left, 1), round(max(right - left, 4.0), 1), approx.precision, text
        )

    upcoming = next_milestone(milestones, today)
    rows = []
    for index, milestone in enumerate(milestones):
        y = AXIS_HEIGHT + index * ROW_HEIGHT
        if milestone.status == MilestoneStatus.DONE:
            status = "done"
        elif milestone.status == MilestoneStatus.CANCELLED:
            status = "cancelled"
        elif upcoming is not None and milestone.pk == upcoming.pk:
            status = "next"
        elif is_overdue(milestone.status, milestone.date_to, today):
            status = "overdue"
        else:
            status = "planned"
        baseline = milestone.baseline if milestone.is_replanned else None
        rows.append(
            Row(
                milestone=milestone,
                y=y,
                label_y=y + LABEL_OFFSET,
                track_y=y + TRACK_OFFSET,
                status=status,
                when_text=milestone.when.display(),
                marker=marker_for(milestone.when),
                baseline=marker_for(baseline) if baseline is not None else None,
                baseline_text=f"was {baseline.display()}" if baseline is not None else "",
            )
        )
    height = AXIS_HEIGHT + len(rows) * ROW_HEIGHT + 8
    today_x = round(x_of(today), 1) if dated and start <= today <= end else None
    return Timeline(
        rows=rows,
        ticks=_ticks(start, end, x_of) if dated else [],
        width=WIDTH,
        height=height,
        axis_y=AXIS_HEIGHT - 14,
        plot_left=plot_left,
        plot_right=plot_right,
        today_x=today_x,
        tbc_x=tbc_x,
        next_milestone=upcoming,
    )


def picture(timeline: Timeline | None, reference: str) -> SafeString:
    """The picture and its phone-sized list, written as the Jinja2 include that wrote them
    before did, byte for byte (its whitespace too; its escaping: markupsafe's, &#39;).

    Written here, not in a template: twenty rows of ~30 values each were more than half
    of the modification page's template output, and a third of its rendering time
    (docs/proof.md, "Round 6"). tests/register/test_timeline.py holds it to the template."""
    if not timeline:
        return mark_safe("\n")
    axis = timeline.axis_y
    bottom = timeline.track_bottom
    left, right = timeline.plot_left, timeline.plot_right
    above4, above8 = add(axis, -4), add(axis, -8)
    out = [
        '\n<div class="timeline-scroll" role="region" aria-label="Progression timetable picture"'
        ' tabindex="0">\n<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 '
        f'{timeline.width} {timeline.height}" role="img" aria-labelledby="timeline-title '
        'timeline-desc" preserveAspectRatio="xMinYMin meet">\n  <title id="timeline-title">'
        f"Progression timetable of {escape(reference)}</title>\n"
        '  <desc id="timeline-desc">'
    ]
    labels = [escape(row.milestone.label) for row in timeline.rows]
    whens = [escape(row.when_text) for row in timeline.rows]
    wases = [escape(row.baseline_text) if row.baseline_text else "" for row in timeline.rows]
    for row, label, when, was in zip(timeline.rows, labels, whens, wases, strict=True):
        out.append(f"{label}: {when} ({escape(row.status)}{', ' + was if was else ''}). ")
    out.append(
        '</desc>\n  <g class="axis" aria-hidden="true">\n    <line class="axis-line" '
        f'x1="{left}" x2="{right}" y1="{axis}" y2="{axis}"/>\n    '
    )
    for tick in timeline.ticks:
        major = " major" if tick.major else ""
        out.append(
            f'\n    <line class="tick{major}" x1="{tick.x}" x2="{tick.x}" y1="{above4}" '
            f'y2="{bottom}"/>\n    <text class="tick-label" x="{floatformat(tick.x, 1)}" '
            f'y="{above8}" dx="3">{escape(tick.label)}</text>\n    '
        )
    out.append("\n    ")
    if timeline.tbc_x:
        out.append(f'<text class="tick-label" x="{timeline.tbc_x}" y="{above8}">TBC</text>')
    out.append("\n    ")
    if timeline.today_x:
        x = timeline.today_x
        out.append(
            f'<line class="today" x1="{x}" x2="{x}" y1="{axis}" y2="{bottom}"/><text '
            f'class="today-label" x="{x}" y="{add(axis, 8)}" dx="3">Today</text>'
        )
    out.append("\n  </g>\n  ")
    for row, label, when, was in zip(timeline.rows, labels, whens, wases, strict=True):
        status = escape(row.status)
        flag = f'<tspan class="flag" dx="8">{status}</tspan>' if status in _FLAGGED else ""
        was_span = f'<tspan class="was" dx="8">{was}</tspan>' if was else ""
        out.append(
            f'\n  <g class="milestone status-{status}" data-precision="'
            f'{escape(row.marker.precision)}" data-status="{status}">\n    <title>{label}: '
            f'{when}{f" ({was})" if was else ""}</title>\n    <text class="label" '
            f'x="{left}" y="{row.label_y}"><tspan class="when">{when}</tspan><tspan dx="8">'
            f"{label}</tspan>{flag}{was_span}</text>\n"
            f'    <line class="track" x1="{left}" x2="{right}" y1="{row.track_y}" '
            f'y2="{row.track_y}"/>\n    '
        )
        if row.baseline:
            out.append(f"\n      {_shape(row.baseline, row, 'baseline')}\n    ")
        out.append(f"\n    \n      {_shape(row.marker, row, '')}\n    \n  </g>\n  ")
    out.append('\n</svg>\n</div>\n\n<ol class="timeline-list" aria-hidden="true">\n  ')
    for row, label, when, was in zip(timeline.rows, labels, whens, wases, strict=True):
        status = escape(row.status)
        kind = row.marker.kind
        key = "key-span" if kind == "bar" else f"key-{status}" if kind == "dot" else "key-tbc"
        flag = f' <span class="flag">{status}</span>' if status in _FLAGGED else ""
        was_span = f' <span class="was">({was})</span>' if was else ""
        out.append(
            f'\n  <li class="status-{status}" data-precision="{escape(row.marker.precision)}">'
            f'<span class="key {key}"></span> <span class="when">{when}</span>{flag}<br>'
            f"{label}{was_span}</li>\n  "
        )
    out.append(
        '\n</ol>\n<p class="legend" aria-hidden="true"><span class="key key-done"></span> done '
        '<span class="key key-next"></span> next <span class="key key-overdue"></span> overdue '
        '<span class="key key-planned"></span> planned <span class="key key-span"></span> a bar '
        'is a week, month or quarter <span class="key key-baseline"></span> first plan</p>\n\n'
    )
    return mark_safe("".join(out))  # noqa: S308 - every value is escaped above


_FLAGGED = ("next", "overdue", "done")


def _shape(marker: Marker, row: Row, baseline: str) -> str:
    """A marker's circle or rect; a baseline's have the class "baseline" whatever its kind.
    A dot's and a bar's are followed by the template's line break, a TBC box's not."""
    if marker.kind == "dot":
        css = baseline or "marker dot"
        return f'<circle class="{css}" cx="{marker.x}" cy="{row.track_y}" r="7"/>\n      '
    css = baseline or ("marker span" if marker.kind == "bar" else "marker tbc")
    rect = (
        f'<rect class="{css}" x="{marker.x}" y="{row.bar_y}" width="{marker.width}" '
        'height="14" rx="3"/>'
    )
    return f"{rect}\n      " if marker.kind == "bar" else rect
