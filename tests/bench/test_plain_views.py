"""The benchmark's plain twins of the public pages show the same rows as the real pages.

`make bench` measures each page next to a hand-written twin (bench/plain_views.py) and
trusts the ratio only because bench/twins.py checks that both show the same thing. These
tests hold the twins to that on a small register with every kind of row the pages show,
check that the comparison does catch a missing row, and pin each twin to one query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from bench.twins import compare, ics_events, page_blocks, pairs
from secmods.committees.models import Meeting
from secmods.consultations.models import Answer, Response
from secmods.documents import filetypes
from secmods.documents.models import Document
from secmods.modifications.models import Milestone, Modification, StageChange
from secmods.parties.models import PartyCategory
from secmods.rules.dates import ApproxDate
from tests.factories import (
    AgendaItemFactory,
    CommentFactory,
    CommitteeFactory,
    ConsultationFactory,
    GlossaryTermFactory,
    MeetingFactory,
    MilestoneFactory,
    ModificationFactory,
    PersonFactory,
    QuestionFactory,
    ReleaseFactory,
    ReportSectionFactory,
    SecSectionFactory,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def bench_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "bench.urls"


def _respond(consultation: Any, questions: list[Any], name: str, slug: str, **kw: Any) -> Any:
    response = Response.objects.create(
        consultation=consultation,
        respondent_name="Rita Respondent",
        organisation_name=name,
        party_category=PartyCategory.objects.get(slug=slug),
        received_at=consultation.opens_at + dt.timedelta(days=2),
        **kw,
    )
    for question, position in zip(questions, ["agree", ""], strict=True):
        Answer.objects.create(response=response, question=question, position=position, text="ok")
    return response


@pytest.fixture
def register(db: Any) -> dict[str, Any]:
    """MP160 with every kind of row its page shows, a bare DP150, an unpublished MP170."""
    now = timezone.now()
    today = timezone.localdate()
    GlossaryTermFactory(acronym="DCC", full_term="Data Communications Company")
    GlossaryTermFactory(acronym="CSR", full_term="Certificate Signing Request")
    GlossaryTermFactory(acronym="SMKI", full_term="Smart Metering Key Infrastructure")
    csc = CommitteeFactory()
    panel = CommitteeFactory(name="SEC Panel", abbreviation="Panel", slug="panel", kind="panel")
    held = MeetingFactory(committee=csc, starts_at=now - dt.timedelta(days=60), title="CSC 1")
    coming = MeetingFactory(committee=panel, starts_at=now + dt.timedelta(days=30), title="")
    cancelled = MeetingFactory(
        committee=csc, starts_at=now + dt.timedelta(days=40), status="cancelled", location="Q, Hall"
    )
    MeetingFactory(committee=csc, starts_at=now - dt.timedelta(days=800))  # not in the ICS
    mp160 = ModificationFactory(
        number=160,
        title="CSR forecasting by the DCC & <Parties>",
        stage="refinement",
        path="path_3",
        is_urgent=True,
        latest_update="Waiting for the DCC's CSRs",
        lead_analyst=PersonFactory(name="Ann Analyst"),
        target_release=ReleaseFactory(name="June 2027 SEC Release", date=dt.date(2027, 6, 24)),
        sec_provisions="L8.7–L8.12",
        published_at=now - dt.timedelta(days=90),
    )
    mp160.sec_sections.add(SecSectionFactory())
    mp160.impacted_party_categories.add(
        *PartyCategory.objects.filter(slug__in=["dcc", "gas-network"])
    )
    ReportSectionFactory(modification=mp160, order=1, heading="Summary", body="The DCC.\n\nCSRs.")
    ReportSectionFactory(modification=mp160, order=2, level=2, heading="Why?", body="")
    MilestoneFactory(
        modification=mp160,
        label="Presented to CSC",
        status="done",
        meeting=held,
        when=ApproxDate.day(timezone.localtime(held.starts_at).date()),
    )
    MilestoneFactory(
        modification=mp160, label="Panel", when=ApproxDate.day(today + dt.timedelta(days=30))
    )
    replanned = MilestoneFactory(
        modification=mp160, label="DCC impact assessment", when=ApproxDate.month(2030, 5)
    )
    Milestone.objects.filter(pk=replanned.pk).update(
        baseline_precision="day", baseline_from=dt.date(2030, 3, 1), baseline_to=dt.date(2030, 3, 1)
    )
    MilestoneFactory(modification=mp160, label="Change Board", when=ApproxDate.quarter(2030, 3))
    MilestoneFactory(
        modification=mp160,
        label="Working group",
        status="cancelled",
        when=ApproxDate.week(dt.date(2030, 1, 7)),
    )
    MilestoneFactory(modification=mp160, label="Implementation", when=ApproxDate.tbc())
    AgendaItemFactory(
        meeting=held, modification=mp160, decision="Agreed", outcome="The DCC will report."
    )
    AgendaItemFactory(meeting=coming, modification=mp160, purpose="update")
    AgendaItemFactory(meeting=cancelled, modification=mp160, purpose="vote")
    StageChange.objects.create(
        modification=mp160,
        from_stage="draft_proposal",
        to_stage="refinement",
        changed_at=held.starts_at + dt.timedelta(hours=3),
        decided_by="CSC",
        meeting=held,
        reason="Agreed; the CSR forecast matters.",
    )
    closed = ConsultationFactory(
        modification=mp160,
        title="",
        opens_at=now - dt.timedelta(days=50),
        closes_at=now - dt.timedelta(days=20),
    )
    questions = [
        QuestionFactory(consultation=closed, order=1, text="Do you agree with the DCC?"),
        QuestionFactory(consultation=closed, order=2, text="Anything else?", kind="free_text"),
    ]
    published = now - dt.timedelta(days=10)
    for name, slug in [
        ("Energy Co", "large-supplier"),
        ("Alpha Gas", "gas-network"),
        ("Beta Gas", "gas-network"),
    ]:
        _respond(closed, questions, name, slug, published_at=published)
    _respond(closed, questions, "Secret Ltd", "large-supplier", confidential=True)
    _respond(closed, questions, "Late Ltd", "dcc")  # not yet published
    ConsultationFactory(
        modification=mp160,
        kind="report",
        title="MP160 Modification Report Consultation",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=20),
    )
    CommentFactory(modification=mp160, meeting=held)
    for title, visibility in [
        ("DCC assessment", "published"),
        ("Draft legal text", "confidential"),
    ]:
        Document.objects.create(
            modification=mp160,
            title=title,
            kind="dcc_assessment",
            visibility=visibility,
            file="documents/x.pdf",
            original_name="x.pdf",
            content_type=filetypes.PDF,
            size=12_345,
            sha256="0" * 64,
        )
    mp150 = ModificationFactory(number=150, published_at=now - dt.timedelta(days=1))
    mp170 = ModificationFactory(number=170, published_at=None)
    AgendaItemFactory(meeting=coming, modification=mp170)  # not in the public calendar
    AgendaItemFactory(meeting=coming, modification=mp150, purpose="vote", order=2)
    return {"mp160": mp160, "mp150": mp150, "coming": coming}


def fetch(client: Any, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.content[:300])
    return response.content.decode()


@pytest.mark.parametrize("reference", ["MP160", "DP150"])
def test_every_twin_shows_the_rows_of_its_real_page(client, register, reference):
    for name, kind, real, twin in pairs(reference, register["coming"].pk):
        assert compare(kind, fetch(client, real), fetch(client, twin)) == [], name


def test_the_comparison_sees_the_rows(client, register):
    """What compare() reads from the real pages is the data (so an empty match is not a pass)."""
    register_page = [text for _, tag, text in page_blocks(fetch(client, "/")) if tag == "th"]
    assert register_page[-2:] == ["MP160", "DP150"]  # newest first; MP170 is not published
    page = page_blocks(fetch(client, "/modifications/MP160/"))
    milestones = [
        text for section, tag, text in page if section == "timetable-heading" and tag == "th"
    ]
    assert "DCC impact assessment" in milestones
    assert any("Read the 3 published responses" in text for _, _, text in page)
    assert ("report-heading", "h4", "Why?") in page
    events = ics_events(fetch(client, "/calendar/meetings.ics"))
    assert len(events) == 3
    coming = next(
        e for e in events.values() if e["URL"].endswith(f"/meetings/{register['coming'].pk}/")
    )
    assert "DP150" in coming["DESCRIPTION"] and "DP170" not in coming["DESCRIPTION"]


def _unpublish_dp150(register: dict[str, Any]) -> str:
    Modification.objects.filter(pk=register["mp150"].pk).update(published_at=None)
    return "DP150"


def _drop_a_milestone(register: dict[str, Any]) -> str:
    Milestone.objects.filter(label="Change Board").delete()
    return "Change Board"


def _unpublish_a_response(register: dict[str, Any]) -> str:
    Response.objects.filter(organisation_name="Beta Gas").update(published_at=None)
    return "Beta Gas"


def _drop_a_meeting(register: dict[str, Any]) -> str:
    Meeting.objects.filter(pk=register["coming"].pk).delete()
    return f"meeting-{register['coming'].pk}@"


@pytest.mark.parametrize(
    ("page", "change"),
    [
        ("register page", _unpublish_dp150),
        ("modification page MP160", _drop_a_milestone),
        ("modification page MP160", _unpublish_a_response),
        ("ICS feed", _drop_a_meeting),
    ],
)
def test_a_twin_that_misses_a_row_fails_the_check(client, register, page, change):
    """The real page is read before a row goes away, the twin after: the twin now misses
    that row, as a twin with a wrong query would, and compare() must say so."""
    # By name: the list of pairs grows as twins are added.
    name, kind, real, twin = next(p for p in pairs("MP160") if p[0] == page)
    before = fetch(client, real)
    missing = change(register)
    problems = compare(kind, before, fetch(client, twin))
    assert problems, name
    assert any(missing in problem for problem in problems), problems


@pytest.mark.parametrize("index", range(len(pairs("MP160"))))
def test_each_twin_is_one_query(client, register, index, django_assert_num_queries):
    # The meeting's id is known only once the rows exist (PostgreSQL's sequences go on).
    twin = pairs("MP160", register["coming"].pk)[index][3]
    with django_assert_num_queries(1):
        fetch(client, twin)


def test_an_unknown_or_unpublished_modification_is_not_found(client, register):
    assert client.get("/bench/plain/modifications/MP170/page/").status_code == 404
    assert client.get("/bench/plain/modifications/nonsense/page/").status_code == 404


def test_the_seed_modification_and_its_calendar_match_too(client, seed, time_machine):
    """DP160 as `make run` loads it: a real report's text, glossary and meetings."""
    time_machine.move_to(dt.datetime(2021, 5, 15, 12, tzinfo=dt.UTC))
    first = Meeting.objects.order_by("starts_at").values_list("pk", flat=True).first()
    for name, kind, real, twin in pairs(seed.reference, first or 1):
        assert compare(kind, fetch(client, real), fetch(client, twin)) == [], name


ATOM = [pair for pair in pairs("MP160") if pair[1] == "atom"]


@pytest.mark.parametrize("reference", ["MP160", "DP150"])
def test_the_atom_twins_write_the_same_bytes(client, register, reference):
    """Read before the meeting pages' twins: the Atom twins are held to the same bytes."""
    for name, _kind, real, twin in [p for p in pairs(reference) if p[1] == "atom"]:
        assert fetch(client, real) == fetch(client, twin), name


def test_an_atom_twin_that_misses_a_stage_change_fails_the_check(client, register):
    """The real feed read before MP160's stage change goes away, the twin after."""
    for name, kind, real, twin in ATOM:
        before = fetch(client, real)
        assert "the CSR forecast matters" in before  # the reason, escaped for an html summary
        with transaction.atomic():
            StageChange.objects.all().delete()
            problems = compare(kind, before, fetch(client, twin))
            transaction.set_rollback(True)
        assert any("the CSR forecast matters" in problem for problem in problems), name


def test_an_atom_twin_of_an_unpublished_modification_is_not_found(client, register):
    assert client.get("/bench/plain/modifications/MP170/feed.atom").status_code == 404
    assert client.get("/modifications/MP170/feed.atom").status_code == 404
