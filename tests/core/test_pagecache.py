"""The public page cache (secmods/core/pagecache.py): warm, never stale, never for members.

Every service that changes what the register shows is called between two anonymous requests
of a page that shows it: the first is answered from the cache (no query at all), the second
shows the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.sites import site as admin_site
from django.core.cache import cache
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from secmods.committees import services as committee_services
from secmods.committees.models import Committee, Meeting
from secmods.consultations import services as consultation_services
from secmods.core import pagecache
from secmods.documents import services as document_services
from secmods.documents.models import Visibility
from secmods.glossary import services as glossary_services
from secmods.modifications import services as modification_services
from secmods.modifications.models import Modification
from secmods.parties import services as party_services
from secmods.rules.dates import ApproxDate
from secmods.votes import services as vote_services
from tests.factories import (
    AgendaItemFactory,
    ChangeBoardMembershipFactory,
    ConsultationFactory,
    GlossaryTermFactory,
    MeetingFactory,
    ModificationFactory,
    PersonFactory,
    QuestionFactory,
    party_category,
)
from tests.register.helpers import PUBLISHED, document, full_modification, respond

LONDON = ZoneInfo("Europe/London")

pytestmark = pytest.mark.usefixtures("page_cache")


@dataclass
class World:
    modification: Modification
    meeting: Meeting


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    modification = full_modification(0, title="Smart meter install windows")
    meeting = modification.agenda_items.get().meeting
    return World(modification=modification, meeting=meeting)


def page_of(modification: Modification) -> str:
    return reverse("register:modification", args=[modification.reference])


def meeting_page(meeting: Meeting) -> str:
    return reverse("register:meeting", args=[meeting.pk])


def anonymous(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def committed(action: Callable[[], Any], capture) -> None:  # type: ignore[no-untyped-def]
    """Run a service as a request does: in a transaction that commits (its on_commit
    callbacks, the version bump among them, run)."""
    with capture(execute=True), transaction.atomic():
        action()


# --- Every service that changes public content ----------------------------------------
# Each case arranges what it needs and returns (url, the service call, a text the change
# brings to the page, a text it takes away); either text may be None.
Case = Callable[[World], tuple[str, Callable[[], Any], str | None, str | None]]


def create_modification(w: World):  # type: ignore[no-untyped-def]
    def act() -> None:
        modification_services.create_modification(
            title="Brand new register entry",
            raised_on=dt.date(2021, 5, 1),
            proposer=PersonFactory(),
            published_at=PUBLISHED,
        )

    return "/", act, "Brand new register entry", None


def publish_modification(w: World):  # type: ignore[no-untyped-def]
    hidden = ModificationFactory(title="Waiting to be published")
    return (
        "/",
        lambda: modification_services.publish_modification(hidden),
        "Waiting to be published",
        None,
    )


def update_modification(w: World):  # type: ignore[no-untyped-def]
    return (
        page_of(w.modification),
        lambda: modification_services.update_modification(
            w.modification, title="Install windows, revised"
        ),
        "Install windows, revised",
        "Smart meter install windows",
    )


def delete_modification(w: World):  # type: ignore[no-untyped-def]
    gone = ModificationFactory(title="About to be deleted", published_at=PUBLISHED)
    return "/", lambda: modification_services.delete_modification(gone), None, gone.title


def move_stage(w: World):  # type: ignore[no-untyped-def]
    moving = ModificationFactory(
        stage="refinement",
        path="path_3",
        dcc_impact_assessment="not_needed",
        published_at=PUBLISHED,
    )
    return (
        reverse("register:modification-feed", args=[moving.reference]),
        lambda: modification_services.move_stage(moving, to="report_phase"),
        "Report Phase",
        None,
    )


def add_milestone(w: World):  # type: ignore[no-untyped-def]
    return (
        page_of(w.modification),
        lambda: modification_services.add_milestone(
            w.modification,
            kind="other",
            label="Extra workshop",
            when=ApproxDate.day(dt.date(2031, 7, 1)),
        ),
        "Extra workshop",
        None,
    )


def replan_milestone(w: World):  # type: ignore[no-untyped-def]
    milestone = w.modification.milestones.get(date_from=dt.date(2031, 6, 1))
    return (
        reverse("register:modification-calendar", args=[w.modification.reference]),
        lambda: modification_services.replan_milestone(
            milestone, when=ApproxDate.day(dt.date(2031, 9, 3))
        ),
        "20310903",
        "20310601",
    )


def update_milestone(w: World):  # type: ignore[no-untyped-def]
    milestone = w.modification.milestones.get(date_from=dt.date(2031, 6, 1))
    return (
        page_of(w.modification),
        lambda: modification_services.update_milestone(milestone, label="Renamed milestone"),
        "Renamed milestone",
        None,
    )


def delete_milestone(w: World):  # type: ignore[no-untyped-def]
    milestone = w.modification.milestones.get(date_from=dt.date(2031, 6, 1))
    label = modification_services.update_milestone(milestone, label="Doomed milestone").label
    return (
        page_of(w.modification),
        lambda: modification_services.delete_milestone(milestone),
        None,
        label,
    )


def save_report_section(w: World):  # type: ignore[no-untyped-def]
    return (
        page_of(w.modification),
        lambda: modification_services.save_report_section(
            w.modification, heading="Costs", body="It costs nothing at all.", level=2
        ),
        "It costs nothing at all.",
        None,
    )


def delete_report_section(w: World):  # type: ignore[no-untyped-def]
    section = w.modification.sections.get(order=1)
    return (
        page_of(w.modification),
        lambda: modification_services.delete_report_section(section),
        None,
        "The DCC says so.",
    )


def create_meeting(w: World):  # type: ignore[no-untyped-def]
    return (
        reverse("register:meetings"),
        lambda: committee_services.create_meeting(
            committee=w.meeting.committee,
            starts_at=dt.datetime(2031, 3, 4, 10, tzinfo=LONDON),
            title="An extra CSC",
        ),
        "An extra CSC",
        None,
    )


def update_meeting(w: World):  # type: ignore[no-untyped-def]
    return (
        meeting_page(w.meeting),
        lambda: committee_services.update_meeting(w.meeting, location="Room 101, Gemserv"),
        "Room 101, Gemserv",
        None,
    )


def _coming_meeting(w: World) -> Meeting:
    # Calendars hold the last twelve months and what is to come.
    return MeetingFactory(
        committee=w.meeting.committee, starts_at=dt.datetime(2036, 1, 8, 10, tzinfo=LONDON)
    )


def move_meeting(w: World):  # type: ignore[no-untyped-def]
    meeting = _coming_meeting(w)
    return (
        reverse("register:meetings-calendar"),
        lambda: committee_services.move_meeting(
            meeting, starts_at=dt.datetime(2036, 2, 12, 10, tzinfo=LONDON)
        ),
        "20360212",
        "20360108",
    )


def cancel_meeting(w: World):  # type: ignore[no-untyped-def]
    meeting = _coming_meeting(w)
    return (
        reverse("register:committee-calendar", args=[w.meeting.committee.slug]),
        lambda: committee_services.cancel_meeting(meeting),
        "STATUS:CANCELLED",
        None,
    )


def delete_meeting(w: World):  # type: ignore[no-untyped-def]
    spare = MeetingFactory(committee=w.meeting.committee, title="A meeting nobody needs")
    return (
        reverse("register:meetings"),
        lambda: committee_services.delete_meeting(spare),
        None,
        "A meeting nobody needs",
    )


def add_to_agenda(w: World):  # type: ignore[no-untyped-def]
    other = ModificationFactory(title="Joining the agenda", published_at=PUBLISHED)
    return (
        meeting_page(w.meeting),
        lambda: committee_services.add_to_agenda(w.meeting, modification=other, purpose="update"),
        "Joining the agenda",
        None,
    )


def remove_from_agenda(w: World):  # type: ignore[no-untyped-def]
    item = w.modification.agenda_items.get()
    return (
        meeting_page(w.meeting),
        lambda: committee_services.remove_from_agenda(item),
        None,
        "Smart meter install windows",
    )


def update_agenda_item(w: World):  # type: ignore[no-untyped-def]
    item = w.modification.agenda_items.get()
    return (
        meeting_page(w.meeting),
        lambda: committee_services.update_agenda_item(item, purpose="refinement"),
        "Refinement discussion",
        None,
    )


def record_agenda_outcome(w: World):  # type: ignore[no-untyped-def]
    item = w.modification.agenda_items.get()
    # An outcome is minuted after the meeting (the factory's meeting may lie ahead).
    Meeting.objects.filter(pk=item.meeting_id).update(
        starts_at=timezone.now() - dt.timedelta(days=1)
    )
    return (
        page_of(w.modification),
        lambda: committee_services.record_agenda_outcome(
            item, outcome="Sent back for more analysis."
        ),
        "Sent back for more analysis.",
        None,
    )


def reorder_agenda(w: World):  # type: ignore[no-untyped-def]
    other = ModificationFactory(title="Second on the agenda", published_at=PUBLISHED)
    second = AgendaItemFactory(meeting=w.meeting, modification=other)
    first = w.modification.agenda_items.get()
    url = meeting_page(w.meeting)
    return (
        url,
        lambda: committee_services.reorder_agenda(w.meeting, [second.pk, first.pk]),
        None,
        None,
    )


def create_term(w: World):  # type: ignore[no-untyped-def]
    return (
        reverse("register:glossary"),
        lambda: glossary_services.create_term(acronym="ZZT", full_term="Zig Zag Tariff"),
        "Zig Zag Tariff",
        None,
    )


def update_term(w: World):  # type: ignore[no-untyped-def]
    term = GlossaryTermFactory(acronym="QQQ", full_term="Quiet Queue Quota")
    return (
        reverse("register:glossary"),
        lambda: glossary_services.update_term(term, full_term="Quick Queue Quota"),
        "Quick Queue Quota",
        "Quiet Queue Quota",
    )


def delete_term(w: World):  # type: ignore[no-untyped-def]
    term = GlossaryTermFactory(acronym="XQX", full_term="Excess Query Xylophone")
    return (
        reverse("register:glossary"),
        lambda: glossary_services.delete_term(term),
        None,
        "Excess Query Xylophone",
    )


def open_consultation(w: World):  # type: ignore[no-untyped-def]
    modification = ModificationFactory(stage="refinement", published_at=PUBLISHED)
    return (
        page_of(modification),
        lambda: consultation_services.open_consultation(
            modification=modification,
            kind="refinement",
            questions=["Do you agree?"],
            title="Consultation on the new windows",
            opens_at=dt.datetime(2021, 5, 1, 9, tzinfo=LONDON),
        ),
        "Consultation on the new windows",
        None,
    )


def update_consultation(w: World):  # type: ignore[no-untyped-def]
    consultation = ConsultationFactory(modification=w.modification, title="First title")
    return (
        page_of(w.modification),
        lambda: consultation_services.update_consultation(consultation, title="Better title"),
        "Better title",
        "First title",
    )


def delete_consultation(w: World):  # type: ignore[no-untyped-def]
    ConsultationFactory(modification=w.modification, title="Short-lived consultation")
    consultation = w.modification.consultations.get()
    return (
        page_of(w.modification),
        lambda: consultation_services.delete_consultation(consultation),
        None,
        "Short-lived consultation",
    )


def _closed_consultation(w: World):  # type: ignore[no-untyped-def]
    consultation = ConsultationFactory(modification=w.modification)
    QuestionFactory(consultation=consultation, order=1)
    respond(consultation, "Northern Lights Energy")
    return consultation


def publish_responses(w: World):  # type: ignore[no-untyped-def]
    consultation = _closed_consultation(w)
    return (
        page_of(w.modification),
        lambda: consultation_services.publish_responses(consultation),
        "Northern Lights Energy",
        None,
    )


def unpublish_responses(w: World):  # type: ignore[no-untyped-def]
    consultation = _closed_consultation(w)
    consultation_services.publish_responses(consultation)
    return (
        page_of(w.modification),
        lambda: consultation_services.unpublish_responses(consultation),
        None,
        "Northern Lights Energy",
    )


def record_vote_outcome(w: World):  # type: ignore[no-untyped-def]
    voting = ModificationFactory(
        stage="change_board", path="path_3", published_at=PUBLISHED, title="Up for a vote"
    )
    member = ChangeBoardMembershipFactory(party_category=party_category("large-supplier"))
    vote_services.record_vote(voting, person=member.person, choice="for")
    return (
        page_of(voting),
        lambda: vote_services.record_vote_outcome(voting),
        "Change Board decided approval",
        None,
    )


def add_document(w: World):  # type: ignore[no-untyped-def]
    return (
        page_of(w.modification),
        lambda: document(w.modification, "DCC assessment, final", Visibility.PUBLISHED),
        "DCC assessment, final",
        None,
    )


def update_document(w: World):  # type: ignore[no-untyped-def]
    paper = document(w.modification, "Not for the public yet", Visibility.CONFIDENTIAL)
    return (
        page_of(w.modification),
        lambda: document_services.update_document(paper, visibility=Visibility.PUBLISHED),
        "Not for the public yet",
        None,
    )


def delete_document(w: World):  # type: ignore[no-untyped-def]
    paper = document(w.modification, "Withdrawn paper", Visibility.PUBLISHED)
    return (
        page_of(w.modification),
        lambda: document_services.delete_document(paper),
        None,
        "Withdrawn paper",
    )


def save_person(w: World):  # type: ignore[no-untyped-def]
    proposer = w.modification.proposer
    return (
        page_of(w.modification),
        lambda: party_services.save_person(proposer, name="Ada Proposer-Renamed"),
        "Ada Proposer-Renamed",
        proposer.name,
    )


def forget_person(w: World):  # type: ignore[no-untyped-def]
    proposer = w.modification.proposer
    return (
        page_of(w.modification),
        lambda: party_services.forget_person(proposer.pk),
        None,
        proposer.name,
    )


def admin_committee_rename(w: World):  # type: ignore[no-untyped-def]
    """Reference data (a committee) renamed in the admin, through its service."""
    committee = w.meeting.committee
    model_admin = admin_site._registry[Committee]

    def act() -> None:
        request = RequestFactory().post("/admin/")
        model_admin.service_save(request, committee, {"name": "Change Sub-Committee (renamed)"})

    return meeting_page(w.meeting), act, "Change Sub-Committee (renamed)", None


CASES: list[Case] = [
    create_modification,
    publish_modification,
    update_modification,
    delete_modification,
    move_stage,
    add_milestone,
    replan_milestone,
    update_milestone,
    delete_milestone,
    save_report_section,
    delete_report_section,
    create_meeting,
    update_meeting,
    move_meeting,
    cancel_meeting,
    delete_meeting,
    add_to_agenda,
    remove_from_agenda,
    update_agenda_item,
    record_agenda_outcome,
    reorder_agenda,
    create_term,
    update_term,
    delete_term,
    open_consultation,
    update_consultation,
    delete_consultation,
    publish_responses,
    unpublish_responses,
    record_vote_outcome,
    add_document,
    update_document,
    delete_document,
    save_person,
    forget_person,
    admin_committee_rename,
]


@pytest.mark.parametrize("case", CASES, ids=[case.__name__ for case in CASES])
def test_the_next_anonymous_request_shows_the_change(  # type: ignore[no-untyped-def]
    case, world, client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # what the case arranges, done
        url, act, shown, gone = case(world)
    before = anonymous(client, url)
    with django_assert_num_queries(0):  # the same page again, from the cache
        assert anonymous(client, url) == before
    if shown is not None:
        assert shown not in before
    if gone is not None:
        assert gone in before

    committed(act, django_capture_on_commit_callbacks)

    after = anonymous(client, url)
    assert after != before
    if shown is not None:
        assert shown in after
    if gone is not None:
        assert gone not in after


def test_a_rolled_back_change_keeps_the_cached_page(  # type: ignore[no-untyped-def]
    world, client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    url = page_of(world.modification)
    anonymous(client, url)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        modification_services.update_modification(world.modification, title="Never saved")
        raise RuntimeError("the request failed after the service")
    assert callbacks == []
    with django_assert_num_queries(0):
        assert "Never saved" not in anonymous(client, url)


def test_one_transaction_moves_the_version_on_once(db, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    modification = ModificationFactory()
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        modification_services.update_modification(modification, title="One")
        modification_services.update_modification(modification, title="Two")
        glossary_services.create_term(acronym="ONE", full_term="Only Needs one")
    assert len(callbacks) == 1


def test_a_bump_in_a_rolled_back_savepoint_is_registered_again(  # type: ignore[no-untyped-def]
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                pagecache.public_content_changed()
                raise ValueError
        except ValueError:
            pass
        pagecache.public_content_changed()
    assert len(callbacks) == 1


# --- Conditional requests ---------------------------------------------------------------
def test_a_cached_page_has_an_etag_and_answers_if_none_match_with_304(world, client):  # type: ignore[no-untyped-def]
    url = page_of(world.modification)
    first = client.get(url)
    etag = first["ETag"]
    assert etag and first["Cache-Control"] == "public, no-cache" and "Cookie" in first["Vary"]
    again = client.get(url, headers={"if-none-match": etag})
    assert again.status_code == 304 and again["ETag"] == etag and again.content == b""


def test_if_modified_since_answers_304_until_the_next_change(  # type: ignore[no-untyped-def]
    world, client, django_capture_on_commit_callbacks
):
    url = page_of(world.modification)
    with time_machine.travel(dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC), tick=False):
        committed(
            lambda: glossary_services.create_term(acronym="T1", full_term="t"),
            django_capture_on_commit_callbacks,
        )
    with time_machine.travel(dt.datetime(2026, 5, 1, 12, 5, tzinfo=dt.UTC), tick=False):
        first = client.get(url)
        stamp = first["Last-Modified"]
        assert stamp == "Fri, 01 May 2026 12:00:00 GMT"
        assert client.get(url, headers={"if-modified-since": stamp}).status_code == 304
    with time_machine.travel(dt.datetime(2026, 5, 1, 12, 6, tzinfo=dt.UTC), tick=False):
        committed(
            lambda: modification_services.update_modification(world.modification, title="New"),
            django_capture_on_commit_callbacks,
        )
    with time_machine.travel(dt.datetime(2026, 5, 1, 12, 7, tzinfo=dt.UTC), tick=False):
        changed = client.get(url, headers={"if-modified-since": stamp, "if-none-match": ""})
        assert changed.status_code == 200 and "New" in changed.content.decode()
        assert changed["Last-Modified"] == "Fri, 01 May 2026 12:06:00 GMT"


def test_an_old_etag_gets_the_new_page_after_a_change(  # type: ignore[no-untyped-def]
    world, client, django_capture_on_commit_callbacks
):
    url = reverse("register:feed")
    etag = client.get(url)["ETag"]
    committed(
        lambda: modification_services.update_modification(world.modification, title="Fresh"),
        django_capture_on_commit_callbacks,
    )
    response = client.get(url, headers={"if-none-match": etag})
    assert response.status_code == 200 and response["ETag"] != etag


# --- Signed-in readers ------------------------------------------------------------------
def test_a_member_never_gets_the_public_copy_nor_leaves_theirs(  # type: ignore[no-untyped-def]
    db, client, member_user, django_assert_max_num_queries
):
    hidden = ModificationFactory(title="Only members see this")  # not published
    # The public copy first, then a member: the member sees the unpublished modification.
    assert hidden.title not in anonymous(client, "/")
    client.force_login(member_user)
    member_page = client.get("/")
    assert hidden.title in member_page.content.decode()
    assert "private" in member_page["Cache-Control"] and "Cookie" in member_page["Vary"]
    # Then the other way round: the member's copy was not kept for the public.
    cache.clear()
    assert hidden.title in client.get("/").content.decode()
    client.logout()
    client.cookies.clear()
    assert hidden.title not in anonymous(client, "/")


def test_a_members_calendar_is_not_kept(db, client, member_user):  # type: ignore[no-untyped-def]
    client.force_login(member_user)
    response = client.get(reverse("register:meetings-calendar"))
    assert response.status_code == 200 and response["Cache-Control"].startswith("private")
    assert cache.get(pagecache.version_key()) is None  # the cache was not even asked


# --- The clock ------------------------------------------------------------------------
def test_a_consultation_closing_is_shown_without_any_write(world, client):  # type: ignore[no-untyped-def]
    ConsultationFactory(
        modification=world.modification,
        opens_at=dt.datetime(2026, 6, 1, 9, tzinfo=LONDON),
        closes_at=dt.datetime(2026, 6, 5, 17, tzinfo=LONDON),
    )
    url = page_of(world.modification)
    with time_machine.travel(dt.datetime(2026, 6, 5, 16, 59, tzinfo=LONDON), tick=False):
        assert "<strong>Open</strong>" in anonymous(client, url)
    with time_machine.travel(dt.datetime(2026, 6, 5, 17, 0, 1, tzinfo=LONDON), tick=False):
        assert "Closed at" in anonymous(client, url)


def test_a_scheduled_publication_appears_when_its_time_comes(db, client):  # type: ignore[no-untyped-def]
    ModificationFactory(
        title="Published at noon", published_at=dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
    )
    with time_machine.travel(dt.datetime(2026, 6, 1, 11, 59, tzinfo=dt.UTC), tick=False):
        assert "Published at noon" not in anonymous(client, "/")
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, 0, 1, tzinfo=dt.UTC), tick=False):
        assert "Published at noon" in anonymous(client, "/")


def test_the_day_boundary_is_midnight_in_london_across_the_clocks_change():
    now = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # the clocks go forward at 01:00
    start, end = pagecache.day_boundaries(now)
    assert start == dt.datetime(2026, 3, 29, 0, 0, tzinfo=LONDON)
    assert end == dt.datetime(2026, 3, 30, 0, 0, tzinfo=LONDON)
    assert end.timestamp() - start.timestamp() == 23 * 3600


# --- The switch, and a cache that is down -------------------------------------------------
def test_public_page_cache_false_serves_every_page_fresh(world, client, settings):  # type: ignore[no-untyped-def]
    settings.PUBLIC_PAGE_CACHE = False
    url = page_of(world.modification)
    anonymous(client, url)
    Modification.objects.filter(pk=world.modification.pk).update(title="Changed past services")
    assert "Changed past services" in anonymous(client, url)
    assert "ETag" not in client.get(url)


def test_with_the_cache_down_pages_are_served_uncached(world, client, settings):  # type: ignore[no-untyped-def]
    # A Redis that is not there: every read fails, fast.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    url = page_of(world.modification)
    assert world.modification.title in anonymous(client, url)
    Modification.objects.filter(pk=world.modification.pk).update(title="Changed meanwhile")
    assert "Changed meanwhile" in anonymous(client, url)
    # and a write still succeeds: its bump fails quietly after the commit
    pagecache._bump()


def test_non_public_pages_and_errors_are_not_kept(world, client):  # type: ignore[no-untyped-def]
    missing = client.get("/modifications/MP9999/")
    assert missing.status_code == 404 and "ETag" not in missing
    assert client.get("/api/v1/modifications/").status_code == 200
    assert "ETag" not in client.get("/favicon.ico")
