"""Meeting updates through the service: every change of time, place or status is a new
calendar SEQUENCE, and a cancelled meeting's planned milestones stop being a next key date."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from secmods.committees import services
from secmods.committees.models import Meeting, MeetingStatus
from secmods.modifications.models import Milestone, MilestoneStatus, Modification
from secmods.modifications.selectors import with_next_key_date
from secmods.rules.dates import ApproxDate
from tests.factories import MeetingFactory, MilestoneFactory, ModificationFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
PUBLISHED = dt.datetime(2021, 4, 19, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def meeting() -> Meeting:
    return MeetingFactory(starts_at=dt.datetime(2027, 6, 29, 10, tzinfo=LONDON), location="Room 1")


@pytest.fixture
def scheduled(meeting):  # type: ignore[no-untyped-def]
    """A published modification on the meeting's agenda, and a later milestone of its own."""
    modification = ModificationFactory(published_at=PUBLISHED)
    services.add_to_agenda(meeting, modification=modification, purpose="initial_comment")
    later = MilestoneFactory(
        modification=modification,
        label="Change Board vote",
        kind="change_board",
        when=ApproxDate.month(2027, 9),
    )
    return modification, Milestone.objects.get(meeting=meeting), later


def next_key(modification: Modification) -> tuple[str | None, dt.date | None]:
    row = with_next_key_date(Modification.objects.filter(pk=modification.pk)).get()
    return row.next_key_label, row.next_key_from


@pytest.mark.parametrize(
    "change",
    [
        {"starts_at": dt.datetime(2027, 7, 6, 10, tzinfo=LONDON)},
        {"location": "Room 2"},
        {"status": MeetingStatus.CANCELLED},
        {"status": MeetingStatus.HELD},
    ],
    ids=["time", "place", "cancelled", "held"],
)
def test_a_change_of_time_place_or_status_raises_the_sequence(meeting, change):
    services.update_meeting(meeting, **change)
    meeting.refresh_from_db()
    assert (meeting.sequence, meeting.version) == (1, 2)
    services.update_meeting(meeting, **change)  # the same again: nothing for calendars
    meeting.refresh_from_db()
    assert (meeting.sequence, meeting.version) == (1, 3)


def test_a_new_title_is_a_new_version_but_the_same_sequence(meeting):
    services.update_meeting(meeting, title="Extraordinary CSC")
    meeting.refresh_from_db()
    assert (meeting.sequence, meeting.version) == (0, 2)


def test_recording_an_outcome_holds_the_meeting_with_a_new_sequence(
    meeting, scheduled, time_machine
):
    time_machine.move_to(dt.datetime(2027, 6, 30, 12, tzinfo=dt.UTC), tick=False)
    item = meeting.agenda_items.get()
    services.record_agenda_outcome(item, outcome="Noted.")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert (meeting.sequence, meeting.version) == (1, 2)


def test_cancelling_makes_its_planned_milestones_tbc_and_not_the_next_key_date(meeting, scheduled):
    modification, tied, _ = scheduled
    assert next_key(modification) == (tied.label, dt.date(2027, 6, 29))
    version = Modification.objects.get(pk=modification.pk).version
    services.cancel_meeting(meeting)
    tied.refresh_from_db()
    assert tied.when == ApproxDate.tbc()
    assert tied.baseline == ApproxDate.day(dt.date(2027, 6, 29))  # "TBC (was 29 Jun 2027)"
    assert tied.meeting_id == meeting.pk and tied.status == MilestoneStatus.PLANNED
    assert next_key(modification) == ("Change Board vote", dt.date(2027, 9, 1))
    # Its timetable changed: a stale edit of the modification is refused.
    assert Modification.objects.get(pk=modification.pk).version == version + 1
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence) == (MeetingStatus.CANCELLED, 1)


def test_a_done_milestone_stays_done_when_its_meeting_is_cancelled(meeting, scheduled):
    _, tied, _ = scheduled
    Milestone.objects.filter(pk=tied.pk).update(status=MilestoneStatus.DONE)
    services.cancel_meeting(meeting)
    tied.refresh_from_db()
    assert tied.when == ApproxDate.day(dt.date(2027, 6, 29))


def test_a_reinstated_meeting_gives_its_milestones_its_day_again(meeting, scheduled):
    modification, tied, _ = scheduled
    services.cancel_meeting(meeting)
    # Moving a cancelled meeting leaves its milestones TBC...
    services.update_meeting(meeting, starts_at=dt.datetime(2027, 7, 13, 10, tzinfo=LONDON))
    tied.refresh_from_db()
    assert tied.when == ApproxDate.tbc()
    # ...until it is on again, on its new day.
    services.update_meeting(meeting, status=MeetingStatus.SCHEDULED)
    tied.refresh_from_db()
    assert tied.when == ApproxDate.day(dt.date(2027, 7, 13))
    assert tied.baseline == ApproxDate.day(dt.date(2027, 6, 29))
    assert next_key(modification) == (tied.label, dt.date(2027, 7, 13))
    meeting.refresh_from_db()
    assert meeting.sequence == 3  # cancelled, moved, re-instated


def test_the_calendars_show_the_cancellation_with_a_higher_sequence(client, meeting, scheduled):
    modification, _, _ = scheduled
    services.cancel_meeting(meeting)
    for url, uid in [
        ("/calendar/meetings.ics", f"meeting-{meeting.pk}@127.0.0.1"),
        (
            f"/modifications/{modification.reference}/calendar.ics",
            f"modification-{modification.pk}-meeting-{meeting.pk}@127.0.0.1",
        ),
    ]:
        found = {
            str(e["UID"]): e for e in Calendar.from_ical(client.get(url).content).walk("VEVENT")
        }
        assert str(found[uid]["STATUS"]) == "CANCELLED", url
        assert int(found[uid]["SEQUENCE"]) == 1, url
    page = client.get(f"/modifications/{modification.reference}/").content.decode()
    assert "TBC" in page and "was 29 Jun 2027" in page and "meeting cancelled" in page


# --- The same through the API --------------------------------------------------------------
@pytest.fixture
def staff_api(secas_user):  # type: ignore[no-untyped-def]
    from tests.api.conftest import token_client

    return token_client(secas_user)


def test_the_api_raises_the_sequence_for_a_new_place_and_a_cancellation(
    staff_api, meeting, scheduled
):
    modification, tied, _ = scheduled
    url = f"/api/v1/meetings/{meeting.pk}/"
    response = staff_api.patch(url, {"location": "Room 2"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["sequence"] == 1
    response = staff_api.patch(url, {"status": "cancelled"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["sequence"] == 2
    tied.refresh_from_db()
    assert tied.when == ApproxDate.tbc()
    body = staff_api.get(f"/api/v1/modifications/{modification.reference}/").json()
    assert body["next_key_date"]["label"] == "Change Board vote"
