"""iCalendar (ICS) files for meetings and a modification's timetable.

Subscribed calendars must update an event, not add a second one: every event has a UID
that never changes (built from the row's primary key and the site's host), and a SEQUENCE
that grows when the event moves (Meeting.sequence, bumped by the admin when a meeting's
start changes; a milestone's version). Times are Europe/London with its VTIMEZONE, so that
a 10:00 meeting stays at 10:00 across summer time in every client.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, Timezone

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


def meeting_event(
    meeting: Meeting,
    *,
    modification: Modification | None = None,
    agenda: list[str] | None = None,
) -> Event:
    """A meeting as a timed event in London time. `agenda` defaults to the meeting's
    prefetched agenda items."""
    london = ZoneInfo(settings.TIME_ZONE)
    start = meeting.starts_at.astimezone(london)
    event = Event()
    event.add("uid", meeting_uid(meeting, modification=modification))
    stamp = last_changed(meeting)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", meeting.sequence)
    event.add("dtstart", start)
    event.add("dtend", start + settings.REGISTER_MEETING_DURATION)
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


def _calendar(name: str, events: list[Event], days: Iterable[dt.date]) -> bytes:
    cal = new_calendar(name)
    # Always one VTIMEZONE (so that even an empty calendar is valid: RFC 5545 asks for at
    # least one component), covering the events' years only rather than 1970-2038.
    # Whole years, so that the file does not change from one day to the next.
    days = list(days)
    today = timezone.localdate()
    first = dt.date(min([*days, today]).year - 1, 1, 1)
    last = dt.date(max([*days, today]).year + 1, 12, 31)
    cal.add_component(Timezone.from_tzid(settings.TIME_ZONE, first_date=first, last_date=last))
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
