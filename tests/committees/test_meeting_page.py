"""A meeting's own admin page: its agenda, the meeting pack in Word; and meeting reminders
that say when, where, what and where to read more."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import docx
import pytest
from django.urls import reverse

from secmods.committees.reminders import load_meeting
from secmods.committees.services import add_to_agenda
from secmods.reminders.emails import render_reminder
from secmods.reminders.forms import DEFAULT_SUBJECT, DEFAULT_TEXT
from secmods.reminders.models import Reminder
from secmods.reminders.services import replan_event
from tests.factories import (
    MeetingFactory,
    MembershipFactory,
    ModificationFactory,
    ReminderRuleFactory,
    UserFactory,
)

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def meeting(db):
    meeting = MeetingFactory(
        starts_at=dt.datetime(2027, 3, 16, 10, 30, tzinfo=LONDON),
        location="Gemserv, 8 Fenchurch Place, London",
        title="CSC March 2027",
    )
    add_to_agenda(
        meeting,
        modification=ModificationFactory(number=160, title="CSR forecasting"),
        purpose="initial_comment",
    )
    return meeting


@pytest.mark.parametrize("who", ["secas_client", "member_client"])
def test_the_meeting_page_offers_its_agenda_and_the_pack(request, meeting, who):
    client = request.getfixturevalue(who)
    page = client.get(reverse("admin:committees_meeting_change", args=[meeting.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    pack = reverse("documents:meeting_pack_docx", args=[meeting.pk])
    assert f'href="{pack}"' in html and "Download meeting pack (Word)" in html
    assert reverse("admin:committees_meeting_agenda", args=[meeting.pk]) in html
    assert "CSR forecasting" in html  # the agenda itself, inline
    download = client.get(pack)
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="csc-2027-03-16-pack.docx"'
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(download.content)).paragraphs)
    assert "CSR forecasting" in text


def test_the_pack_is_for_people_who_see_meetings_in_the_admin(meeting, client):
    pack = reverse("documents:meeting_pack_docx", args=[meeting.pk])
    anonymous = client.get(pack)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    client.force_login(UserFactory(username="nobody"))  # staff status, no group
    assert client.get(pack).status_code == 403


def test_a_meeting_reminder_carries_time_place_agenda_and_link(meeting, settings):
    settings.SITE_URL = "https://secmods.example"
    MembershipFactory(committee=meeting.committee)
    ReminderRuleFactory(
        event_kind="meeting",
        subject_template=DEFAULT_SUBJECT,
        text_template=DEFAULT_TEXT,
    )
    replan_event("meeting", meeting.pk)
    reminder = Reminder.objects.filter(event_kind="meeting", event_ref=str(meeting.pk)).get()
    _, text, _ = render_reminder(reminder, load_meeting(str(meeting.pk)))
    assert "When: Tuesday 16 March 2027, 10:30 (London time)" in text
    assert "Where: Gemserv, 8 Fenchurch Place, London" in text
    assert "  1. DP160 CSR forecasting (Initial comment)" in text
    link = reverse("admin:committees_meeting_change", args=[meeting.pk])
    assert f"https://secmods.example{link}" in text
    assert text.count("When:") == 1  # placed by the template, not added a second time
