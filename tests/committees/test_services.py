"""committees.services: meetings change through update_meeting (SEQUENCE, versions, the
milestones that follow), agenda rows through add/update/remove; stale writes refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from secmods.committees import services
from secmods.committees.models import Committee, Meeting
from secmods.modifications.models import Milestone, Modification
from tests.factories import AgendaItemFactory, MeetingFactory, ModificationFactory


def test_cancelling_bumps_the_sequence_and_the_tied_modifications_versions(db):  # type: ignore[no-untyped-def]
    meeting = MeetingFactory()
    modification = ModificationFactory()
    services.add_to_agenda(meeting, modification=modification, purpose="initial_comment")
    version = Modification.objects.get(pk=modification.pk).version
    services.update_meeting(meeting, expected_version=meeting.version, status="cancelled")
    meeting.refresh_from_db()
    assert (meeting.status, meeting.sequence, meeting.version) == ("cancelled", 1, 2)
    # A move does too (the milestones follow it).
    services.update_meeting(meeting, starts_at=meeting.starts_at + dt.timedelta(days=7))
    assert Modification.objects.get(pk=modification.pk).version > version


def test_a_stale_meeting_write_is_refused_and_writes_nothing(db):  # type: ignore[no-untyped-def]
    meeting = MeetingFactory(location="Room 1")
    services.update_meeting(meeting, expected_version=1, location="Room 2")
    with pytest.raises(ValidationError, match="Someone else saved this meeting"):
        services.update_meeting(meeting, expected_version=1, location="Room 3")
    meeting.refresh_from_db()
    assert meeting.location == "Room 2"


def test_agenda_rows_change_and_go_through_the_service(db):  # type: ignore[no-untyped-def]
    item = AgendaItemFactory()
    version = item.modification.version
    changed = services.update_agenda_item(item, purpose="decision")
    assert changed.purpose == "decision"
    with pytest.raises(ValidationError, match="agenda page"):
        services.update_agenda_item(item, outcome="Agreed")
    services.remove_from_agenda(item)
    assert Modification.objects.get(pk=item.modification_id).version == version + 2
    assert not type(item).objects.filter(pk=item.pk).exists()


# --- Committees and SEC Releases --------------------------------------------------------
def test_deleting_a_committee_unties_its_meetings_milestones_and_bumps_their_versions(db):  # type: ignore[no-untyped-def]
    meeting = MeetingFactory()
    modification = ModificationFactory()
    services.add_to_agenda(meeting, modification=modification, purpose="update")
    milestone = Milestone.objects.get(modification=modification, meeting=meeting)
    version = Modification.objects.get(pk=modification.pk).version

    services.delete_committee(meeting.committee)
    assert not Committee.objects.filter(pk=meeting.committee_id).exists()
    assert not Meeting.objects.filter(pk=meeting.pk).exists()
    milestone.refresh_from_db()
    assert milestone.meeting_id is None
    assert Modification.objects.get(pk=modification.pk).version > version


def test_a_release_with_a_name_in_use_is_refused(db):  # type: ignore[no-untyped-def]
    services.save_release(name="November 2027 SEC Release", date=dt.date(2027, 11, 4))
    with pytest.raises(ValidationError):
        services.save_release(name="November 2027 SEC Release", date=dt.date(2027, 11, 5))
