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
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from secmods.committees.models import Meeting, MeetingStatus
from secmods.modifications.models import Milestone, MilestoneStatus, Modification
from secmods.rules.dates import Precision

PRODID = "-//secmods//SEC modifications register//EN"
# DTSTAMP of a row with no history (none is written by loaddata or QuerySet.update()): any
# fixed moment keeps the file the same from one poll to the next.
NO_HISTORY_STAMP = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def last_changed(row: object) -> dt.datetime:
    """When a meeting or milestone last changed (the selectors annotate it from its history):
    the event's DTSTAMP and LAST-MODIFIED. Not the time of the request, so that a calendar
    polled twice without a change in between is the same file, byte for byte."""
    return getattr(row, "last_changed", None) or NO_HISTORY_STAMP


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "secmods.localhost"


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def meeting_uid(meeting: Meeting, *, modification: Modification | None = None) -> str:
    # A meeting seen through a modification's calendar is a different event (its summary
    # names the modification): a separate UID keeps both calendars correct side by side.
    if modification is not None:
        return f"modification-{modification.pk}-meeting-{meeting.pk}@{_host()}"
    return f"meeting-{meeting.pk}@{_host()}"


def milestone_uid(milestone: Milestone) -> str:
    return f"milestone-{milestone.pk}@{_host()}"


def new_calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


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


def meeting_event(
    meeting: Meeting,
    *,
    modification: Modification | None = None,
    agenda: list[str] | None = None,
) -> Event:
    """A meeting as a timed event in London time. `agenda` defaults to the meeting's
    prefetched agenda items."""
    start = event_time(meeting.starts_at)
    # The end is a length of real time after the start (aware arithmetic on a London time
    # adds wall-clock time, an hour out across a change of offset).
    end = event_time(meeting.starts_at + settings.REGISTER_MEETING_DURATION)
    event = Event()
    event.add("uid", meeting_uid(meeting, modification=modification))
    stamp = last_changed(meeting)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", meeting.sequence)
    event.add("dtstart", start)
    event.add("dtend", end)
    committee = meeting.committee
    title = meeting.title or f"{committee.name} meeting"
    if modification is not None:
        title = f"{modification.reference} at {committee.abbreviation or committee.name}: {title}"
    event.add("summary", title)
    if meeting.location:
        event.add("location", meeting.location)
    if agenda is None:
        agenda = [
            f"{item.modification.reference} {item.modification.title} "
            f"({item.get_purpose_display()})"
            for item in meeting.agenda_items.all()
        ]
    description = committee.name
    if agenda:
        description += "\n\nAgenda:\n" + "\n".join(f"- {line}" for line in agenda)
    event.add("description", description)
    event.add("url", _absolute(reverse("register:meeting", args=[meeting.pk])))
    event.add("status", "CANCELLED" if meeting.status == MeetingStatus.CANCELLED else "CONFIRMED")
    return event


def milestone_event(milestone: Milestone, modification: Modification) -> Event:
    """A milestone known to the day, as an all-day event."""
    day = milestone.date_from
    if milestone.precision != Precision.DAY or day is None:
        raise ValueError(f"{milestone} is not known to the day")
    event = Event()
    event.add("uid", milestone_uid(milestone))
    stamp = last_changed(milestone)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", max(milestone.version - 1, 0))
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", f"{modification.reference}: {milestone.label}")
    event.add("transp", "TRANSPARENT")
    event.add("url", _absolute(reverse("register:modification", args=[modification.reference])))
    event.add(
        "status", "CANCELLED" if milestone.status == MilestoneStatus.CANCELLED else "CONFIRMED"
    )
    return event


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


def _calendar(name: str, events: list[Event], days: Iterable[dt.date]) -> bytes:
    cal = new_calendar(name)
    # Always one VTIMEZONE (so that even an empty calendar is valid: RFC 5545 asks for at
    # least one component), covering the events' years only rather than 1970-2038.
    # Whole years, so that the file does not change from one day to the next.
    days = list(days)
    today = timezone.localdate()
    first = dt.date(min([*days, today]).year - 1, 1, 1)
    last = dt.date(max([*days, today]).year + 1, 12, 31)
    cal.add_component(vtimezone(settings.TIME_ZONE, first.year, last.year))
    for event in events:
        cal.add_component(event)
    return cal.to_ical()


def meetings_calendar(name: str, meetings: Iterable[Meeting]) -> bytes:
    meetings = list(meetings)
    events = [meeting_event(meeting) for meeting in meetings]
    return _calendar(name, events, [meeting.date for meeting in meetings])


def modification_calendar(modification: Modification, meetings: Iterable[Meeting]) -> bytes:
    """Its milestones known to the day (those not fixed by a meeting) and its meetings."""
    events = []
    days = []
    purposes: dict[int, list[str]] = {}
    for item in modification.agenda_items.all():
        purposes.setdefault(item.meeting_id, []).append(
            f"{modification.reference} {modification.title} ({item.get_purpose_display()})"
        )
    for meeting in meetings:
        agenda = purposes.get(meeting.pk, [f"{modification.reference} {modification.title}"])
        events.append(meeting_event(meeting, modification=modification, agenda=agenda))
        days.append(meeting.date)
    for milestone in modification.milestones.all():
        # A milestone fixed by a meeting is that meeting's event already.
        if milestone.precision != Precision.DAY or milestone.meeting_id is not None:
            continue
        if milestone.date_from is None:
            continue
        events.append(milestone_event(milestone, modification))
        days.append(milestone.date_from)
    return _calendar(f"{modification.reference} {modification.title}", events, days)
