"""iCalendar (ICS) files for meetings and a modification's timetable.

Subscribed calendars must update an event, not add a second one: every event has a UID
that never changes (built from the row's primary key and the site's host), and a SEQUENCE
that grows when the event moves (Meeting.sequence, bumped by the admin when a meeting's
start changes; a milestone's version). Times are Europe/London with its VTIMEZONE, so that
a 10:00 meeting stays at 10:00 across summer time in every client.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

from secmods.committees.models import MeetingStatus
from secmods.modifications.models import MilestoneStatus

from .selectors import CalendarMeeting, CalendarMilestone, ModificationCalendar

PRODID = "-//secmods//SEC modifications register//EN"
# An event's DTSTAMP and LAST-MODIFIED are when its meeting or milestone last changed (the
# selectors read it from its history), not the time of the request, so that a calendar polled
# twice without a change in between is the same file, byte for byte. For a row with no
# history (none is written by loaddata or QuerySet.update()), any fixed moment does that.
NO_HISTORY_STAMP = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "secmods.localhost"


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# pytz, through which vobject reads a TZID it knows, has no changes of offset after 2037:
# it would read a London time from 2038 on an hour out in summer.
LAST_YEAR_OF_LOCAL_TIMES = 2037


def event_time(instant: dt.datetime) -> dt.datetime:
    """An instant as a London time (TZID=Europe/London), or in UTC where a London time would
    not name one instant in every client: in the hour repeated when summer time ends (01:30
    on the last Sunday of October happens twice) and after LAST_YEAR_OF_LOCAL_TIMES."""
    local = instant.astimezone(ZoneInfo(settings.TIME_ZONE))
    ambiguous = local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()
    if ambiguous or local.year > LAST_YEAR_OF_LOCAL_TIMES:
        return instant.astimezone(dt.UTC)
    return local


def ics_text(value: str) -> str:
    """An RFC 5545 TEXT value, escaped as icalendar escapes it (the same order, "\\N" too),
    so that the files are the same bytes as when icalendar wrote them."""
    return (
        value.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """A content line in lines of at most 75 octets, each continued by CRLF and a space
    (icalendar's foldline, to the octet)."""
    if line.isascii():
        if len(line) <= 74:  # most lines: nothing to fold
            return line
        return "\r\n ".join(line[i : i + 74] for i in range(0, len(line), 74))
    out: list[str] = []
    octets = 0
    for char in line:
        size = len(char.encode())
        octets += size
        if octets >= 75:
            out.append("\r\n ")
            octets = size
        out.append(char)
    return "".join(out)


def _stamp(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC)
    return f"{value.year:04d}{value:%m%dT%H%M%S}Z"


def _time(name: str, value: dt.datetime) -> str:
    """DTSTART/DTEND: a London time with its TZID, or UTC ("Z") as event_time chose."""
    if value.utcoffset() == dt.timedelta(0) and value.tzinfo is dt.UTC:
        return f"{name}:{_stamp(value)}"
    return f"{name};TZID={settings.TIME_ZONE}:{value.year:04d}{value:%m%dT%H%M%S}"


def meeting_event(
    meeting: CalendarMeeting, *, modification: ModificationCalendar | None = None
) -> list[str]:
    """A meeting as a timed event in London time: its content lines (unfolded), in the order
    icalendar wrote them (its canonical order, then the other names sorted)."""
    start = event_time(meeting.starts_at)
    # The end is a length of real time after the start (aware arithmetic on a London time
    # adds wall-clock time, an hour out across a change of offset).
    end = event_time(meeting.starts_at + settings.REGISTER_MEETING_DURATION)
    stamp = _stamp(meeting.last_changed or NO_HISTORY_STAMP)
    if modification is not None:
        # A meeting seen through a modification's calendar is a different event (its summary
        # names the modification): a separate UID keeps both calendars correct side by side.
        uid = f"modification-{modification.pk}-meeting-{meeting.pk}@{_host()}"
    else:
        uid = f"meeting-{meeting.pk}@{_host()}"
    title = meeting.title or f"{meeting.committee_name} meeting"
    if modification is not None:
        committee = meeting.committee_abbreviation or meeting.committee_name
        title = f"{modification.reference} at {committee}: {title}"
    description = meeting.committee_name
    if meeting.agenda:
        description += "\n\nAgenda:\n" + "\n".join(f"- {line}" for line in meeting.agenda)
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{ics_text(title)}",
        _time("DTSTART", start),
        _time("DTEND", end),
        f"DTSTAMP:{stamp}",
        f"UID:{ics_text(uid)}",
        f"SEQUENCE:{meeting.sequence}",
        f"DESCRIPTION:{ics_text(description)}",
        f"LAST-MODIFIED:{stamp}",
    ]
    if meeting.location:
        lines.append(f"LOCATION:{ics_text(meeting.location)}")
    status = "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED"
    lines += [f"STATUS:{status}", f"URL:{settings.SITE_URL}/meetings/{meeting.pk}/", "END:VEVENT"]
    return lines


def milestone_event(milestone: CalendarMilestone, reference: str, url: str) -> list[str]:
    """A milestone known to the day, as an all-day event (`url`: its modification's page)."""
    day = milestone.day
    stamp = _stamp(milestone.last_changed or NO_HISTORY_STAMP)
    status = "CANCELLED" if milestone.status == MilestoneStatus.CANCELLED else "CONFIRMED"
    return [
        "BEGIN:VEVENT",
        f"SUMMARY:{ics_text(f'{reference}: {milestone.label}')}",
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
        f"DTSTAMP:{stamp}",
        f"UID:{ics_text(f'milestone-{milestone.pk}@{_host()}')}",
        f"SEQUENCE:{max(milestone.version - 1, 0)}",
        f"LAST-MODIFIED:{stamp}",
        f"STATUS:{status}",
        "TRANSP:TRANSPARENT",
        f"URL:{url}",
        "END:VEVENT",
    ]


# (offset before, after, name, summer, month, weekday, week of the month (-1: last), time)
YearlyRule = tuple[dt.timedelta, dt.timedelta, str, bool, int, int, int, dt.time]


class Change(NamedTuple):
    """A change of a zone's offset: BST starting or ending."""

    at: dt.datetime  # the UTC instant
    before: dt.timedelta
    after: dt.timedelta
    name: str  # the zone's abbreviation after it ("BST")
    summer: bool  # summer time after it (a DAYLIGHT component, else STANDARD)

    @property
    def onset(self) -> dt.datetime:
        """The local time of the change in the offset before it: a component's DTSTART."""
        return (self.at + self.before).replace(tzinfo=None)

    def yearly_rule(self) -> YearlyRule | None:
        """What makes it "the last Sunday of March at 01:00": equal keys, one yearly rule."""
        local = self.onset
        if local.day + 7 > calendar.monthrange(local.year, local.month)[1]:
            week = -1  # the last such weekday of the month
        elif local.day <= 28:
            week = (local.day - 1) // 7 + 1
        else:
            return None
        return (self.before, self.after, self.name, self.summer, local.month, local.weekday(),
                week, local.time())  # fmt: skip


def _offset(zone: ZoneInfo, seconds: int) -> dt.timedelta | None:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).astimezone(zone).utcoffset()


def zone_changes(zone: ZoneInfo, first: dt.date, last: dt.date) -> list[Change]:
    """The zone's changes of offset between two days, to the second, from the tz database."""
    found = []
    day = 86_400
    instant = int(dt.datetime.combine(first, dt.time(12), tzinfo=dt.UTC).timestamp())
    end = int(dt.datetime.combine(last, dt.time(12), tzinfo=dt.UTC).timestamp())
    before = _offset(zone, instant)
    while instant < end:
        after = _offset(zone, instant + day)
        if after != before and before is not None and after is not None:
            low, high = instant, instant + day  # the offset changes in (low, high]
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            at = dt.datetime.fromtimestamp(high, tz=dt.UTC)
            local = at.astimezone(zone)
            found.append(Change(at, before, after, local.tzname() or "", bool(local.dst())))
            before = after
        instant += day
    return found


WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@functools.lru_cache(maxsize=32)
def vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for whole years, read from the tz database.

    Changes that recur every year of the range on one rule ("last Sunday of March at 01:00
    GMT") are one DAYLIGHT or STANDARD component with an RRULE, the form every client reads,
    Thunderbird included (closed with UNTIL if the rule stopped inside the range); any other
    change is a component of its own. Never a multi-valued RDATE: ical.js (Thunderbird,
    Nextcloud) reads only its first value, and showed summer meetings an hour late.
    """
    zone = ZoneInfo(tzid)
    changes = zone_changes(zone, dt.date(first_year, 1, 1), dt.date(last_year, 12, 31))
    result = Timezone()
    result.add("tzid", tzid)
    if not changes:  # no summer time: one component with the zone's only offset
        start = dt.datetime(first_year, 1, 1, tzinfo=zone)
        offset = start.utcoffset() or dt.timedelta(0)
        changes = [Change(start.astimezone(dt.UTC), offset, offset, start.tzname() or "", False)]
    rules: dict[YearlyRule, list[Change]] = {}
    singles: list[Change] = []
    for change in changes:
        key = change.yearly_rule()
        if key is None:
            singles.append(change)
        else:
            rules.setdefault(key, []).append(change)
    components: list[tuple[Change, dict[str, object] | None]] = []
    for rule, members in rules.items():
        years = [member.onset.year for member in members]
        if len(years) < 2 or years != list(range(years[0], years[0] + len(years))):
            singles.extend(members)
            continue
        month, weekday, week = rule[4], rule[5], rule[6]
        recur: dict[str, object] = {
            "freq": "yearly",
            "bymonth": month,
            "byday": f"{week}{WEEKDAYS[weekday]}",
        }
        if years[-1] < last_year:
            recur["until"] = members[-1].at
        components.append((members[0], recur))
    components += [(change, None) for change in singles]
    for change, yearly in sorted(components, key=lambda item: item[0].at):
        component = TimezoneDaylight() if change.summer else TimezoneStandard()
        component.add("dtstart", change.onset)
        if yearly is not None:
            component.add("rrule", yearly)
        component.add("tzoffsetfrom", change.before)
        component.add("tzoffsetto", change.after)
        component.add("tzname", change.name)
        result.add_component(component)
    return result


@functools.lru_cache(maxsize=32)
def vtimezone_lines(tzid: str, first_year: int, last_year: int) -> str:
    """The VTIMEZONE as text: built once per range by icalendar (rarely), not per request."""
    return vtimezone(tzid, first_year, last_year).to_ical().decode()


def _calendar(name: str, events: Iterable[list[str]], days: Iterable[dt.date]) -> bytes:
    """The file, written line by line. icalendar built an object per property and serialised
    them again on every request: most of a feed's time (docs/proof.md)."""
    # Always one VTIMEZONE (so that even an empty calendar is valid: RFC 5545 asks for at
    # least one component), covering the events' years only rather than 1970-2038.
    # Whole years, so that the file does not change from one day to the next.
    days = list(days)
    today = timezone.localdate()
    first = min([*days, today]).year - 1
    last = max([*days, today]).year + 1
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{ics_text(PRODID)}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_text(name)}",
        f"X-WR-TIMEZONE:{ics_text(settings.TIME_ZONE)}",
    ]
    out = [
        "".join(fold(line) + "\r\n" for line in head),
        vtimezone_lines(settings.TIME_ZONE, first, last),
    ]
    for event in events:
        out.append("".join(fold(line) + "\r\n" for line in event))
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode()


def meetings_calendar(name: str, meetings: Iterable[CalendarMeeting]) -> bytes:
    meetings = list(meetings)
    events = [meeting_event(meeting) for meeting in meetings]
    return _calendar(name, events, [timezone.localdate(m.starts_at) for m in meetings])


def modification_calendar(calendar: ModificationCalendar) -> bytes:
    """Its meetings and its milestones known to the day (those not fixed by a meeting)."""
    events = [meeting_event(meeting, modification=calendar) for meeting in calendar.meetings]
    days = [timezone.localdate(meeting.starts_at) for meeting in calendar.meetings]
    url = _absolute(reverse("register:modification", args=[calendar.reference]))
    for milestone in calendar.milestones:
        events.append(milestone_event(milestone, calendar.reference, url))
        days.append(milestone.day)
    return _calendar(f"{calendar.reference} {calendar.title}", events, days)
