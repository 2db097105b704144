"""The timeline picture's geometry and markup."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.template import engines

from secmods.modifications import services
from secmods.modifications.models import MilestoneStatus
from secmods.register.timeline import build_timeline, picture
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


# --- The picture's writer against the template that wrote it before -------------------
FORMER_TEMPLATE = Path(__file__).with_name("former_timeline.html")


def _former(timeline, reference: str) -> str:  # type: ignore[no-untyped-def]
    """What register/_timeline.html (kept here as former_timeline.html) wrote."""
    env = engines["jinja2"].env  # type: ignore[attr-defined]
    template = env.from_string(FORMER_TEMPLATE.read_text())
    return template.render(timeline=timeline, modification={"reference": reference})


def _milestones(modification, kinds):  # type: ignore[no-untyped-def]
    hostile = "<b>&\"'</b> naïve"
    made = []
    for index, (when, status, baseline) in enumerate(kinds):
        milestone = MilestoneFactory.build(
            modification=modification,
            when=when,
            status=status,
            label=f"Step {index} {hostile}",
            pk=index + 1,
            order=index,
        )
        if baseline is not None:
            milestone.baseline_precision = baseline.precision
            milestone.baseline_from, milestone.baseline_to = baseline.start, baseline.end
        made.append(milestone)
    return made


DAY, WEEK = ApproxDate.day, ApproxDate.week
PLANNED, DONE, CANCELLED = MilestoneStatus.PLANNED, MilestoneStatus.DONE, MilestoneStatus.CANCELLED
TIMETABLES = {
    "every precision and status": [
        (DAY(dt.date(2021, 4, 19)), DONE, None),
        (WEEK(dt.date(2021, 5, 3)), PLANNED, None),  # overdue on the day below
        (ApproxDate.month(2021, 9), PLANNED, DAY(dt.date(2021, 8, 2))),  # next, replanned
        (ApproxDate.quarter(2022, 1), PLANNED, ApproxDate.month(2021, 12)),
        (ApproxDate.tbc(), PLANNED, None),
        (DAY(dt.date(2021, 7, 1)), CANCELLED, DAY(dt.date(2021, 6, 1))),
        (ApproxDate.tbc(), PLANNED, DAY(dt.date(2021, 10, 4))),  # a dated baseline of a TBC
        (DAY(dt.date(2022, 2, 1)), PLANNED, ApproxDate.tbc()),  # a TBC baseline
    ],
    "over 14 months (quarterly ticks)": [
        (DAY(dt.date(2021, 1, 4)), DONE, None),
        (DAY(dt.date(2023, 6, 30)), PLANNED, None),
    ],
    "over 40 months (yearly ticks), today outside": [
        (ApproxDate.month(2015, 2), DONE, None),
        (ApproxDate.quarter(2019, 4), PLANNED, None),
    ],
    "only TBC": [(ApproxDate.tbc(), PLANNED, None)],
    "one day": [(DAY(dt.date(2021, 6, 1)), PLANNED, None)],
}


@pytest.mark.parametrize("name", TIMETABLES)
def test_the_picture_is_what_the_template_wrote(db, name):
    modification = ModificationFactory.build(number=160)
    milestones = _milestones(modification, TIMETABLES[name])
    timeline = build_timeline(milestones, dt.date(2021, 6, 15))
    reference = "MP160 <&>"
    assert str(picture(timeline, reference)) == _former(timeline, reference)


def test_no_timetable_writes_what_the_template_wrote():
    assert str(picture(None, "MP1")) == _former(None, "MP1") == "\n"
