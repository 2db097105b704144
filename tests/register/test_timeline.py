"""The timeline picture's geometry and markup."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from secmods.modifications import services
from secmods.modifications.models import MilestoneStatus
from secmods.register.timeline import build_timeline
from secmods.rules.dates import ApproxDate
from tests.factories import MilestoneFactory, ModificationFactory

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def test_seed_timeline_draws_days_as_dots_and_may_2021_as_a_month(seed):
    milestones = list(seed.milestones.all())
    timeline = build_timeline(milestones, dt.date(2021, 4, 28))
    assert timeline is not None
    rows = {row.milestone.label: row for row in timeline.rows}
    assert len(rows) == 4
    may = rows["Presented to SEC Sub-Committees for initial comment"]
    assert may.marker.kind == "bar" and may.marker.precision == "month"
    assert may.when_text == "May 2021"
    raised = rows["Draft Proposal raised"]
    assert raised.marker.kind == "dot" and raised.status == "done"
    # The bar covers all of May: from 1 May to 1 June, and the 1 June dot sits after it.
    june = rows["Presented to CSC for final comment and recommendations"]
    day_width = (timeline.plot_right - timeline.plot_left) / 91  # April to June: 30 + 31 + 30 days
    assert may.marker.width == pytest.approx(31 * day_width, abs=0.2)
    assert june.marker.x > may.marker.x + may.marker.width
    # On 28 April the next milestone is the sub-committees in May.
    assert may.status == "next"
    # 27 April has passed while still planned: overdue, counted beside the next key date.
    assert rows["Presented to CSC for initial comment"].status == "overdue"
    assert timeline.overdue_count == 1
    assert timeline.today_x is not None


def test_replanned_milestone_shows_its_baseline(db):
    milestone = MilestoneFactory(when=ApproxDate.day(dt.date(2021, 6, 1)))
    services.replan_milestone(milestone, when=ApproxDate.day(dt.date(2021, 7, 6)))
    milestone.refresh_from_db()
    timeline = build_timeline([milestone], dt.date(2021, 5, 1))
    assert timeline is not None
    row = timeline.rows[0]
    assert row.baseline is not None and row.baseline_text == "was 1 Jun 2021"
    assert row.baseline.x < row.marker.x


def test_quarter_and_tbc(db):
    modification = ModificationFactory()
    quarter = MilestoneFactory(modification=modification, when=ApproxDate.quarter(2022, 3))
    tbc = MilestoneFactory(modification=modification, when=ApproxDate.tbc(), label="Vote")
    timeline = build_timeline([quarter, tbc], dt.date(2022, 1, 1))
    assert timeline is not None
    q_row, tbc_row = timeline.rows
    assert q_row.marker.kind == "bar" and q_row.when_text == "Q3 2022"
    assert tbc_row.marker.kind == "tbc" and tbc_row.when_text == "TBC"
    assert timeline.tbc_x is not None and tbc_row.marker.x >= timeline.plot_right
    assert q_row.marker.x + q_row.marker.width <= timeline.plot_right + 0.1


def test_only_tbc_and_empty(db):
    tbc = MilestoneFactory(when=ApproxDate.tbc())
    assert build_timeline([tbc], dt.date(2022, 1, 1)) is not None
    assert build_timeline([], dt.date(2022, 1, 1)) is None


def test_long_timetables_label_quarters_or_years(db):
    modification = ModificationFactory()
    first = MilestoneFactory(modification=modification, when=ApproxDate.day(dt.date(2021, 1, 5)))
    last = MilestoneFactory(modification=modification, when=ApproxDate.day(dt.date(2023, 6, 5)))
    timeline = build_timeline([first, last], dt.date(2021, 1, 1))
    assert timeline is not None
    assert [tick.label for tick in timeline.ticks][:3] == ["Jan 2021", "Apr", "Jul"]
    very_last = MilestoneFactory(
        modification=modification, when=ApproxDate.day(dt.date(2027, 6, 5))
    )
    timeline = build_timeline([first, very_last], dt.date(2021, 1, 1))
    assert timeline is not None
    assert [tick.label for tick in timeline.ticks][:2] == ["2021", "2022"]


def test_the_page_svg_is_well_formed_and_labelled(client, seed):
    seed.milestones.filter(label__startswith="Draft").update(status=MilestoneStatus.DONE)
    html = client.get("/modifications/MP160/").content.decode()
    svg_text = html[html.index("<svg") : html.index("</svg>") + 6]
    svg = ET.fromstring(svg_text)  # noqa: S314 - our own output
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title") is not None
    groups = svg.findall(f"{SVG}g[@class]")
    milestones = [g for g in groups if g.get("class", "").startswith("milestone")]
    assert len(milestones) == 4
    may = next(g for g in milestones if g.get("data-precision") == "month")
    assert may.find(f"{SVG}rect").get("class") == "marker span"  # type: ignore[union-attr]
    assert "May 2021" in "".join(may.itertext())
