"""Every ICS the tracker serves, read by four independent parsers: the same events at the
same UTC instants, for meetings in GMT and in BST, years ahead.

ical.js (Thunderbird, Nextcloud) and vobject read the times through the file's VTIMEZONE;
node-ical and icalendar through the TZID's name. A wrong VTIMEZONE shows as a meeting an hour
out in the first two only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from icalendar import Calendar

from secmods.committees.models import Committee, MeetingStatus
from secmods.committees.services import add_to_agenda
from secmods.rules.dates import ApproxDate
from tests.factories import MeetingFactory, MilestoneFactory, ModificationFactory

from .conftest import python_tool, record

pytestmark = [pytest.mark.conformance, pytest.mark.django_db]
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC

# (UTC instant, what it is in London): both sides of each change, years ahead, and the hour
# around the changes themselves, where a VTIMEZONE's onset times are tested.
MEETINGS = [
    (dt.datetime(2027, 1, 13, 10, 0, tzinfo=UTC), "10:00 GMT"),
    (dt.datetime(2027, 3, 28, 0, 30, tzinfo=UTC), "00:30 GMT, half an hour before BST"),
    (dt.datetime(2027, 3, 28, 1, 30, tzinfo=UTC), "02:30 BST, half an hour into BST"),
    (dt.datetime(2027, 6, 29, 9, 0, tzinfo=UTC), "10:00 BST"),
    (dt.datetime(2027, 10, 31, 0, 30, tzinfo=UTC), "01:30 BST, the first 01:30 that day"),
    (dt.datetime(2027, 10, 31, 2, 30, tzinfo=UTC), "02:30 GMT, after BST ends"),
    (dt.datetime(2031, 7, 15, 13, 0, tzinfo=UTC), "14:00 BST"),
    (dt.datetime(2036, 12, 3, 9, 30, tzinfo=UTC), "09:30 GMT"),
    (dt.datetime(2038, 8, 4, 9, 0, tzinfo=UTC), "10:00 BST, past 2038"),
]


def _iso(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        assert value.tzinfo is not None, f"{value} has no time zone"
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return value.isoformat()


def read_with_vobject(text: str) -> list[dict[str, object]]:
    calendar = python_tool("vobject").readOne(text)
    found = []
    for event in calendar.vevent_list:
        start = event.dtstart.value
        found.append(
            {
                "uid": event.uid.value,
                "start": _iso(start),
                "end": _iso(event.dtend.value),
                "status": event.status.value,
                "sequence": int(event.sequence.value),
            }
        )
    return found


def read_with_icalendar(text: str) -> list[dict[str, object]]:
    found = []
    for event in Calendar.from_ical(text).walk("VEVENT"):
        found.append(
            {
                "uid": str(event["UID"]),
                "start": _iso(event["DTSTART"].dt),
                "end": _iso(event["DTEND"].dt),
                "status": str(event["STATUS"]),
                "sequence": int(event["SEQUENCE"]),
            }
        )
    return found


def _key(events: list[dict[str, object]]) -> dict[str, tuple[object, ...]]:
    return {
        str(e["uid"]): (e["start"], e["end"], e["status"], int(str(e["sequence"]))) for e in events
    }


@pytest.fixture
def calendars(client, tmp_path, time_machine):  # type: ignore[no-untyped-def]
    """The three kinds of calendar, with meetings at every instant of MEETINGS, one of them
    cancelled, and all-day milestones; and the events each should hold."""
    time_machine.move_to(dt.datetime(2026, 12, 2, 12, tzinfo=UTC), tick=False)
    committee = Committee.objects.create(
        name="Change Sub-Committee", abbreviation="CSC", slug="csc", kind="csc"
    )
    modification = ModificationFactory(
        published_at=dt.datetime(2021, 4, 19, tzinfo=UTC), title="Clocks <& quotes>"
    )
    meetings = [
        MeetingFactory(committee=committee, starts_at=when, location="Room 1, London")
        for when, _ in MEETINGS
    ]
    meetings[3].status = MeetingStatus.CANCELLED
    meetings[3].save()
    for meeting in meetings[:3]:
        add_to_agenda(meeting, modification=modification, purpose="update")
    day = MilestoneFactory(
        modification=modification, when=ApproxDate.day(dt.date(2031, 10, 26)), meeting=None
    )
    duration = settings.REGISTER_MEETING_DURATION
    host = "127.0.0.1"

    def meeting_event(meeting, uid):  # type: ignore[no-untyped-def]
        status = "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED"
        start = meeting.starts_at
        return uid, (_iso(start), _iso(start + duration), status, meeting.sequence)

    every = dict(meeting_event(m, f"meeting-{m.pk}@{host}") for m in meetings)
    own = dict(
        meeting_event(m, f"modification-{modification.pk}-meeting-{m.pk}@{host}")
        for m in meetings[:3]
    )
    own[f"milestone-{day.pk}@{host}"] = ("2031-10-26", "2031-10-27", "CONFIRMED", 0)
    urls = {
        "/calendar/meetings.ics": every,
        "/calendar/committees/csc.ics": every,
        f"/modifications/{modification.reference}/calendar.ics": own,
    }
    files = {}
    for index, url in enumerate(urls):
        response = client.get(url)
        assert response.status_code == 200, url
        path = tmp_path / f"calendar-{index}.ics"
        path.write_bytes(response.content)
        files[url] = path
    return urls, files


def test_four_parsers_read_the_same_events_at_the_same_instants(calendars, read_ics):
    expected, files = calendars
    paths = list(files.values())
    failures = []
    by_js = {name: read_ics(name, paths) for name in ("icaljs", "nodeical")}
    for url, path in files.items():
        text = path.read_text()
        readers = {
            "ical.js": _key(by_js["icaljs"][str(path)]),
            "node-ical": _key(by_js["nodeical"][str(path)]),
            "vobject": _key(read_with_vobject(text)),
            "icalendar": _key(read_with_icalendar(text)),
        }
        for reader, found in readers.items():
            wrong = {
                uid: (found.get(uid), want)
                for uid, want in expected[url].items()
                if found.get(uid) != want
            }
            extra = set(found) - set(expected[url])
            verdict = "ok" if not wrong and not extra else f"WRONG {wrong} extra {extra}"
            record(reader, f"{url}: {len(found)} events, {verdict}")
            if wrong or extra:
                failures.append(f"{reader} misreads {url}: {wrong} {extra}")
    assert failures == []


def test_the_vtimezone_has_one_value_per_rdate(calendars):
    # ical.js reads only the first value of a multi-valued RDATE.
    _, files = calendars
    for path in files.values():
        for line in path.read_text().splitlines():
            if line.startswith("RDATE"):
                assert "," not in line, line


def test_node_is_what_we_think(read_ics, tmp_path: Path):
    # The harness itself: a UTC event is read as that instant by both JavaScript readers.
    path = tmp_path / "utc.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:u\r\n"
        "DTSTAMP:20260101T000000Z\r\nDTSTART:20270629T090000Z\r\nDTEND:20270629T110000Z\r\n"
        "SEQUENCE:3\r\nSTATUS:CONFIRMED\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    for reader in ("icaljs", "nodeical"):
        (event,) = read_ics(reader, [path])[str(path)]
        assert event["start"] == "2027-06-29T09:00:00.000Z", reader
        assert event["sequence"] == 3, reader
