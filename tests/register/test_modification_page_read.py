"""The modification page's one-statement read (PostgreSQL) against the ORM's prefetches:
the same page, byte for byte, for the public and for a committee member, on a modification
with every section the page shows and hostile text; and a query count that does not grow
with the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from secmods.committees.models import MeetingStatus
from secmods.consultations.models import Consultation
from secmods.documents.models import Visibility
from secmods.modifications.models import MilestoneStatus, Modification, StageChange
from secmods.parties.models import PartyCategory
from secmods.register import selectors
from secmods.rules.dates import ApproxDate
from tests.factories import (
    AgendaItemFactory,
    CommentFactory,
    ConsultationFactory,
    GlossaryTermFactory,
    MeetingFactory,
    MilestoneFactory,
    OrganisationFactory,
    PersonFactory,
    QuestionFactory,
    SecSectionFactory,
)

from .helpers import consultation_with_responses, document, full_modification

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the one-statement read is PostgreSQL's"
)

HOSTILE = "<script>alert('x')</script> & \"quotes\" — naïve DCCs' SMKI</p>"


def _orm_read(user, reference):  # type: ignore[no-untyped-def]
    modification = selectors.modification_page(user, reference)
    return None if modification is None else (modification, None)


def rich_modification() -> Modification:
    """Every section, both kinds of dates, every milestone status, meetings past and to
    come (one cancelled), stage changes with and without a meeting, three consultations
    (closed with published and confidential responses, open, not yet open), documents of
    both visibilities, glossary terms (one only as a plural), and markup in the texts."""
    GlossaryTermFactory(acronym="DCC", full_term="Data Communications Company <&>")
    GlossaryTermFactory(acronym="SMKI", full_term="Smart Metering Key Infrastructure")
    GlossaryTermFactory(acronym="CSR", full_term="Certificate Signing Request")
    GlossaryTermFactory(acronym="UNUSED", full_term="Not on this page")
    analyst = PersonFactory(name="Ana O'Lyst", organisation=OrganisationFactory(name="SECAS"))
    modification = full_modification(
        0,
        title=f"CSRs for the DCC {HOSTILE}",
        latest_update=f"Update: {HOSTILE}",
        lead_analyst=analyst,
        sec_provisions="L3.4 & L3.5 <b>",
        is_urgent=True,
    )
    modification.sec_sections.add(
        SecSectionFactory(code="A", title="Definitions & <Interpretation>")
    )
    modification.impacted_party_categories.add(*PartyCategory.objects.all()[:3])
    today = timezone.localdate()
    cancelled = MeetingFactory(status=MeetingStatus.CANCELLED)
    future = MeetingFactory(starts_at=timezone.now() + dt.timedelta(days=40))
    MilestoneFactory(modification=modification, when=ApproxDate.week(dt.date(2021, 5, 3)))
    MilestoneFactory(modification=modification, when=ApproxDate.quarter(2031, 3), label=HOSTILE)
    MilestoneFactory(modification=modification, when=ApproxDate.tbc(), label="TBC SMKI step")
    MilestoneFactory(
        modification=modification,
        when=ApproxDate.day(today - dt.timedelta(days=10)),
        label="Overdue DCC step",
    )
    MilestoneFactory(
        modification=modification,
        when=ApproxDate.month(2031, 9),
        baseline_precision="day",
        baseline_from=dt.date(2031, 7, 1),
        baseline_to=dt.date(2031, 7, 1),
        label="Replanned",
    )
    MilestoneFactory(
        modification=modification,
        when=ApproxDate.day(dt.date(2030, 1, 2)),
        status=MilestoneStatus.CANCELLED,
        meeting=cancelled,
    )
    AgendaItemFactory(
        meeting=cancelled, modification=modification, decision="Deferred", outcome=HOSTILE
    )
    AgendaItemFactory(meeting=future, modification=modification, outcome="")
    AgendaItemFactory(meeting=MeetingFactory(), modification=modification, outcome="")
    StageChange.objects.create(
        modification=modification,
        from_stage="draft_proposal",
        to_stage="development",
        changed_at=dt.datetime(2021, 5, 1, 9, 30, 15, 123456, tzinfo=dt.UTC),
        decided_by="Change Sub-Committee",
        meeting=cancelled,
        reason=f"The DCC agreed. {HOSTILE}",
    )
    StageChange.objects.create(
        modification=modification,
        from_stage="development",
        to_stage="refinement",
        changed_at=dt.datetime(2021, 11, 1, 0, 0, tzinfo=dt.UTC),
    )
    closed = consultation_with_responses(modification, 5)
    closed.title = f"Consultation {HOSTILE}"
    closed.save()
    now = timezone.now()
    ConsultationFactory(
        modification=modification,
        kind=Consultation._meta.get_field("kind").choices[-1][0],
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=9),
    )
    waiting = ConsultationFactory(
        modification=modification,
        opens_at=now + dt.timedelta(days=3),
        closes_at=now + dt.timedelta(days=20),
    )
    QuestionFactory(consultation=waiting, order=1, text=f"SMKI? {HOSTILE}")
    document(modification, f"DCC assessment {HOSTILE}", Visibility.PUBLISHED)
    document(modification, "Confidential costs", Visibility.CONFIDENTIAL)
    CommentFactory(modification=modification)
    return modification


def both_pages(client, monkeypatch, path):  # type: ignore[no-untyped-def]
    fast = client.get(path)
    with monkeypatch.context() as patch:
        patch.setattr(selectors, "modification_page_read", _orm_read)
        slow = client.get(path)
    return fast, slow


@on_postgresql
@pytest.mark.parametrize("reader", ["public", "member"])
def test_the_one_statement_page_is_the_prefetched_page(client, member_user, monkeypatch, reader):
    modification = rich_modification()
    if reader == "member":
        client.force_login(member_user)
    fast, slow = both_pages(client, monkeypatch, f"/modifications/{modification.reference}/")
    assert fast.status_code == slow.status_code == 200
    html = fast.content.decode()
    # Every section was there to compare.
    for shown in (
        "Ana O&#39;Lyst",
        "Section A (Definitions &amp; &lt;Interpretation&gt;)",
        'data-precision="quarter"',
        'data-precision="week"',
        'data-precision="tbc"',
        "Overdue</strong>",
        "(meeting cancelled)",
        "<strong>Deferred</strong>",
        "To come",
        "decided by Change Sub-Committee",
        "published responses",
        "Responses are published after the consultation closes.",
        "DCC assessment &lt;script&gt;",
        '<abbr title="Certificate Signing Requests">CSR</abbr>s',
        "&lt;script&gt;alert(&#x27;x&#x27;)",
    ):
        assert shown in html, shown
    assert ("Confidential costs" in html) is (reader == "member")
    assert "<script>" not in html
    assert fast.content == slow.content


@on_postgresql
def test_the_one_statement_page_is_the_prefetched_page_when_nearly_empty(client, monkeypatch):
    bare = full_modification(0, proposer=None, target_release=None, latest_update="")
    bare.milestones.all().delete()
    bare.sections.all().delete()
    bare.agenda_items.all().delete()
    bare.sec_sections.clear()
    bare.impacted_party_categories.clear()
    fast, slow = both_pages(client, monkeypatch, f"/modifications/{bare.reference}/")
    assert fast.status_code == 200
    assert "No timetable has been published yet." in fast.content.decode()
    assert fast.content == slow.content


def test_unknown_and_unpublished_references_are_404s(client):
    hidden = full_modification(0, published_at=None)
    future = full_modification(1, published_at=timezone.now() + dt.timedelta(days=1))
    for reference in [hidden.reference, future.reference, "MP99999", "x" * 60, "%00", "MP1A'"]:
        assert client.get(f"/modifications/{reference}/").status_code == 404


@pytest.mark.parametrize("rows", [1, 20])
def test_the_full_page_query_count_does_not_grow_with_rows(
    client, rows, django_assert_max_num_queries
):
    modification = rich_modification()
    for index in range(rows):
        GlossaryTermFactory(acronym=f"T{index}X", full_term=f"Term {index}")
        MilestoneFactory(modification=modification, label=f"Step {index} DCC")
        consultation_with_responses(full_modification(index + 1), 2)  # others' rows
    consultation_with_responses(modification, rows)
    # PostgreSQL: one statement. SQLite: the modification, eight prefetches, questions,
    # responses, the glossary, the Party Categories and the published answers' count.
    with django_assert_max_num_queries(1 if connection.vendor == "postgresql" else 14):
        response = client.get(f"/modifications/{modification.reference}/")
    assert response.status_code == 200
