"""ICS calendars: valid iCalendar, London times with VTIMEZONE, stable UIDs, SEQUENCE."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from secmods.committees.models import Meeting, MeetingStatus
from tests.factories import MeetingFactory, ModificationFactory

from .helpers import many_modifications

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def parse(response) -> Calendar:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def in_may_2021(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(dt.datetime(2021, 5, 15, 12, tzinfo=dt.UTC))


def test_meetings_calendar_has_london_times_and_a_vtimezone(client, seed, in_may_2021):
    calendar = parse(client.get("/calendar/meetings.ics"))
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/London"]
    found = events(calendar)
    assert set(found) == {"meeting-1@127.0.0.1", "meeting-2@127.0.0.1"}
    event = found["meeting-1@127.0.0.1"]
    start = event["DTSTART"].dt
    assert start.tzinfo is not None and str(start.tzinfo) == "Europe/London"
    assert start.replace(tzinfo=None) == dt.datetime(2021, 4, 27, 10, 0)  # 09:00 UTC in BST
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert int(event["SEQUENCE"]) == 0
    assert "DP160 Certificate Signing Request forecasting (Initial comment)" in str(
        event["DESCRIPTION"]
    )
    assert str(event["URL"]).endswith("/meetings/1/")


def test_a_moved_meeting_keeps_its_uid_and_gets_a_higher_sequence(secas_client, seed, in_may_2021):
    before = events(parse(secas_client.get("/calendar/meetings.ics")))["meeting-2@127.0.0.1"]
    meeting = Meeting.objects.get(pk=2)
    # The admin bumps the sequence when the start moves (and moves the milestones).
    response = secas_client.post(
        f"/admin/committees/meeting/{meeting.pk}/change/",
        {
            "committee": meeting.committee_id,
            "starts_at_0": "08/06/2021",
            "starts_at_1": "10:00:00",
            "title": meeting.title,
            "location": "",
            "status": MeetingStatus.SCHEDULED,
            "agenda_items-TOTAL_FORMS": "0",
            "agenda_items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    after = events(parse(secas_client.get("/calendar/meetings.ics")))["meeting-2@127.0.0.1"]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after["DTSTART"].dt.date() == dt.date(2021, 6, 8)
    # The modification's own calendar follows too.
    own = events(parse(secas_client.get("/modifications/MP160/calendar.ics")))
    assert int(own["modification-1-meeting-2@127.0.0.1"]["SEQUENCE"]) == 1


def test_meetings_from_twelve_months_ago_onwards(client, db, time_machine):
    time_machine.move_to(dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC))
    old = MeetingFactory(starts_at=dt.datetime(2023, 2, 28, 10, tzinfo=LONDON))
    kept = MeetingFactory(starts_at=dt.datetime(2023, 3, 1, 10, tzinfo=LONDON))
    future = MeetingFactory(starts_at=dt.datetime(2025, 1, 7, 10, tzinfo=LONDON))
    found = events(parse(client.get("/calendar/meetings.ics")))
    assert f"meeting-{old.pk}@127.0.0.1" not in found
    assert {f"meeting-{kept.pk}@127.0.0.1", f"meeting-{future.pk}@127.0.0.1"} <= set(found)


def test_the_window_starts_at_midnight_london_time_in_summer(client, db, time_machine):
    # The window is a range on starts_at (so an index serves it): its start must still be
    # midnight in London, an hour before midnight UTC in summer.
    time_machine.move_to(dt.datetime(2024, 7, 15, 12, tzinfo=dt.UTC))
    just_in = MeetingFactory(starts_at=dt.datetime(2023, 7, 15, 0, 30, tzinfo=LONDON))
    just_out = MeetingFactory(starts_at=dt.datetime(2023, 7, 14, 23, 30, tzinfo=LONDON))
    found = events(parse(client.get("/calendar/meetings.ics")))
    assert f"meeting-{just_in.pk}@127.0.0.1" in found
    assert f"meeting-{just_out.pk}@127.0.0.1" not in found


def test_a_winter_meeting_is_in_gmt(client, db, time_machine):
    time_machine.move_to(dt.datetime(2024, 11, 1, 12, tzinfo=dt.UTC))
    meeting = MeetingFactory(starts_at=dt.datetime(2024, 12, 3, 10, tzinfo=LONDON))
    event = events(parse(client.get("/calendar/meetings.ics")))[f"meeting-{meeting.pk}@127.0.0.1"]
    assert event["DTSTART"].dt.utcoffset() == dt.timedelta(0)
    assert event["DTSTART"].dt.hour == 10


def test_cancelled_meetings_stay_in_the_calendar_as_cancelled(client, db, time_machine):
    time_machine.move_to(dt.datetime(2024, 11, 1, 12, tzinfo=dt.UTC))
    meeting = MeetingFactory(
        starts_at=dt.datetime(2024, 12, 3, 10, tzinfo=LONDON), status=MeetingStatus.CANCELLED
    )
    event = events(parse(client.get("/calendar/meetings.ics")))[f"meeting-{meeting.pk}@127.0.0.1"]
    assert str(event["STATUS"]) == "CANCELLED"


def test_empty_calendar_is_still_valid(client, db):
    calendar = parse(client.get("/calendar/meetings.ics"))
    assert calendar.walk("VEVENT") == []
    assert len(calendar.walk("VTIMEZONE")) == 1


def test_committee_calendar(client, seed, in_may_2021):
    found = events(parse(client.get("/calendar/committees/csc.ics")))
    assert set(found) == {"meeting-1@127.0.0.1", "meeting-2@127.0.0.1"}
    assert events(parse(client.get("/calendar/committees/ssc.ics"))) == {}
    response = client.get("/calendar/committees/nope.ics")
    assert response.status_code == 404


def test_modification_calendar_has_its_meetings_and_day_milestones(client, seed):
    calendar = parse(client.get("/modifications/mp160/calendar.ics"))
    found = events(calendar)
    # Raised (a day, no meeting) is an all-day event; the two CSC milestones are their
    # meetings; "May 2021" is not known to the day, so it is not an event.
    assert set(found) == {
        "milestone-1@127.0.0.1",
        "modification-1-meeting-1@127.0.0.1",
        "modification-1-meeting-2@127.0.0.1",
    }
    raised = found["milestone-1@127.0.0.1"]
    assert raised["DTSTART"].dt == dt.date(2021, 4, 19)
    assert str(raised["SUMMARY"]) == "DP160: Draft Proposal raised"
    meeting = found["modification-1-meeting-1@127.0.0.1"]
    assert "DP160" in str(meeting["SUMMARY"])
    assert "Initial comment" in str(meeting["DESCRIPTION"])
    assert calendar.walk("VTIMEZONE")


def test_unpublished_meeting_agenda_is_not_in_the_public_calendar(client, seed, in_may_2021):
    hidden = ModificationFactory(title="Secret plan", published_at=None)
    Meeting.objects.get(pk=1).agenda_items.create(modification=hidden, purpose="update")
    assert b"Secret plan" not in client.get("/calendar/meetings.ics").content


@pytest.mark.parametrize("rows", [1, 60])
def test_calendar_query_counts_do_not_grow(client, db, rows, django_assert_max_num_queries):
    modifications = many_modifications(rows)
    for _ in range(rows):
        MeetingFactory(starts_at=dt.datetime(2099, 1, 1, 10, tzinfo=LONDON))
    with django_assert_max_num_queries(2):
        parse(client.get("/calendar/meetings.ics"))
    with django_assert_max_num_queries(3):
        parse(client.get("/calendar/committees/csc.ics"))
    # The modification, then its agenda items and milestones in one statement.
    with django_assert_max_num_queries(2):
        parse(client.get(f"/modifications/{modifications[0].reference}/calendar.ics"))


# --- Polling: the same file until something changes, and 304 Not Modified --------------
@pytest.mark.parametrize(
    "url",
    ["/calendar/meetings.ics", "/calendar/committees/csc.ics", "/modifications/MP160/calendar.ics"],
)
def test_a_calendar_polled_twice_is_the_same_file_and_answers_304(client, seed, time_machine, url):
    time_machine.move_to(dt.datetime(2021, 5, 15, 12, tzinfo=dt.UTC))
    first = client.get(url)
    # An hour later, and the next day: nothing changed, so neither did the file.
    time_machine.move_to(dt.datetime(2021, 5, 15, 13, tzinfo=dt.UTC))
    second = client.get(url)
    time_machine.move_to(dt.datetime(2021, 5, 16, 9, tzinfo=dt.UTC))
    third = client.get(url)
    assert first.content == second.content == third.content
    etag = first["ETag"]
    assert etag.startswith('"') and etag == third["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_dtstamp_is_the_last_change_of_the_meeting_and_moves_with_it(client, seed, time_machine):
    from secmods.committees.services import move_meeting

    time_machine.move_to(dt.datetime(2021, 5, 15, 12, tzinfo=dt.UTC))
    before = client.get("/calendar/meetings.ics")
    meeting = Meeting.objects.get(pk=2)
    # iCalendar times have whole seconds.
    stamp = meeting.history.latest("history_id").history_date.replace(microsecond=0)
    event = events(parse(before))["meeting-2@127.0.0.1"]
    assert event["DTSTAMP"].dt == stamp
    assert event["LAST-MODIFIED"].dt == stamp
    moved_at = dt.datetime(2021, 5, 20, 8, 30, tzinfo=dt.UTC)
    time_machine.move_to(moved_at)
    move_meeting(meeting, starts_at=dt.datetime(2021, 6, 8, 10, tzinfo=LONDON))
    after = client.get("/calendar/meetings.ics", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    moved = events(parse(after))["meeting-2@127.0.0.1"]
    assert moved["DTSTAMP"].dt == moved_at
    assert int(moved["SEQUENCE"]) == int(event["SEQUENCE"]) + 1
    # The other meeting did not change, nor did its stamp.
    other = events(parse(after))["meeting-1@127.0.0.1"]
    assert other["DTSTAMP"].dt == events(parse(before))["meeting-1@127.0.0.1"]["DTSTAMP"].dt


def test_milestone_dtstamp_is_its_last_change(client, seed, time_machine):
    from secmods.modifications.models import Milestone

    time_machine.move_to(dt.datetime(2021, 5, 15, 12, tzinfo=dt.UTC))
    calendar = parse(client.get("/modifications/MP160/calendar.ics"))
    raised = next(e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith("milestone-"))
    milestone = Milestone.objects.get(pk=int(str(raised["UID"]).split("-")[1].split("@")[0]))
    stamp = milestone.history.latest("history_id").history_date.replace(microsecond=0)
    assert raised["DTSTAMP"].dt == stamp


# --- The VTIMEZONE: what clients that read it (Thunderbird's ical.js, vobject) see ------
@pytest.mark.parametrize(
    ("tzid", "first", "last"),
    [("Europe/London", 2025, 2037), ("America/Sao_Paulo", 2016, 2021), ("UTC", 2025, 2027)],
)
def test_the_vtimezone_gives_the_tz_database_offset_at_every_hour(tzid, first, last):
    from dateutil.tz import tzical

    from secmods.register.calendars import vtimezone

    text = vtimezone(tzid, first, last).to_ical().decode()
    assert "RDATE" not in text  # ical.js reads only the first value of a multi-valued one
    read = tzical(io.StringIO(text)).get()
    zone = ZoneInfo(tzid)
    # From the first change on (before it the file says nothing certain), every hour.
    instant = dt.datetime(first, 4, 1, tzinfo=dt.UTC)
    end = dt.datetime(last, 12, 31, 23, tzinfo=dt.UTC)
    while instant < end:
        assert instant.astimezone(read).utcoffset() == instant.astimezone(zone).utcoffset(), instant
        instant += dt.timedelta(hours=1)


def test_london_changes_are_two_yearly_rules():
    from secmods.register.calendars import vtimezone

    text = vtimezone("Europe/London", 2025, 2028).to_ical().decode()
    assert "DTSTART:20250330T010000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text
    assert "DTSTART:20251026T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in text
    assert text.count("BEGIN:DAYLIGHT") == text.count("BEGIN:STANDARD") == 1


def test_times_that_a_london_time_would_not_name_once_are_written_in_utc(client, db, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC))
    # 01:30 BST on 31 October 2027 (the first of two 01:30s that night), and a meeting of
    # 2038 (vobject reads London times through pytz, whose tables end in 2037).
    repeated = MeetingFactory(starts_at=dt.datetime(2027, 10, 31, 0, 30, tzinfo=dt.UTC))
    late = MeetingFactory(starts_at=dt.datetime(2038, 8, 4, 9, tzinfo=dt.UTC))
    ordinary = MeetingFactory(starts_at=dt.datetime(2027, 10, 31, 10, tzinfo=dt.UTC))
    body = client.get("/calendar/meetings.ics").content.decode()
    assert "DTSTART:20271031T003000Z" in body
    assert "DTSTART:20380804T090000Z" in body
    assert "DTSTART;TZID=Europe/London:20271031T100000" in body
    found = events(Calendar.from_ical(body))
    for meeting in (repeated, late, ordinary):
        event = found[f"meeting-{meeting.pk}@127.0.0.1"]
        assert event["DTSTART"].dt == meeting.starts_at


def test_a_meeting_just_before_bst_starts_lasts_its_real_length(client, db, time_machine, settings):
    time_machine.move_to(dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC))
    # 00:30 GMT + 2 hours is 03:30 BST, not the wall-clock 02:30 (which does not exist).
    meeting = MeetingFactory(starts_at=dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC))
    event = events(parse(client.get("/calendar/meetings.ics")))[f"meeting-{meeting.pk}@127.0.0.1"]
    start, end = (event[name].dt.astimezone(dt.UTC) for name in ("DTSTART", "DTEND"))
    assert end - start == settings.REGISTER_MEETING_DURATION
    assert event["DTEND"].dt.astimezone(dt.UTC) == dt.datetime(2027, 3, 28, 2, 30, tzinfo=dt.UTC)
