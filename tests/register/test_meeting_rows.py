"""The meeting pages' written-out SQL (selectors._meeting_sql) against the ORM queryset it
replaced, kept here as the reference: the same meetings, agenda lines and pages of past
meetings, for the public and for staff, on both databases, with hostile text."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db.models import FilteredRelation, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from secmods.committees.models import Committee, Meeting
from secmods.modifications.models import Stage
from secmods.modifications.selectors import visible_to
from secmods.register import selectors
from secmods.register.selectors import AgendaLine, MeetingRow
from secmods.rules.references import format_reference
from tests.factories import AgendaItemFactory, CommitteeFactory, MeetingFactory, ModificationFactory

HOSTILE = "<script>alert('x')</script> & \"quotes\" Ünïcödé — 💡 {{ x }} {% y %} %s"
NOW = dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC)


def reference_rows(user: Any, queryset: QuerySet[Meeting]) -> list[MeetingRow]:
    """The ORM path the pages used until round 6 (selectors.meeting_rows at e4022c1)."""
    condition = visible_to(user, through="agenda_items__modification") or Q(
        agenda_items__modification__isnull=False
    )
    rows = (
        queryset.annotate(shown=FilteredRelation("agenda_items__modification", condition=condition))
        .order_by("starts_at", "pk", "agenda_items__order", "agenda_items__pk")
        .values_list(
            *selectors.MEETING_FIELDS,
            "agenda_items__purpose",
            "agenda_items__decision",
            "agenda_items__outcome",
            "shown__number",
            "shown__suffix",
            "shown__stage",
            "shown__legacy_reference",
            "shown__title",
        )
    )
    found: list[MeetingRow] = []
    for row in rows:
        pk, starts_at, title, location, status, slug, name, abbreviation = row[:8]
        purpose, decision, outcome, number, suffix, stage, legacy, modification_title = row[8:]
        if not found or found[-1].pk != pk:
            starts = timezone.localtime(starts_at)
            found.append(
                MeetingRow(
                    pk=pk,
                    url=reverse("register:meeting", args=[pk]),
                    starts_at=starts,
                    starts_iso=starts.replace(microsecond=0).isoformat(),
                    starts_text=f"{starts:%a} {starts.day} {starts:%b %Y, %H:%M}",
                    title=title,
                    location=location,
                    status=status,
                    status_display=selectors.MEETING_STATUSES.get(status, status),
                    committee_slug=slug,
                    committee_name=name,
                    committee_abbreviation=abbreviation,
                    agenda=[],
                )
            )
        if number is None:
            continue
        reference = format_reference(
            number, suffix, draft=stage in selectors.DRAFT_STAGES and not suffix, legacy=legacy
        )
        found[-1].agenda.append(
            AgendaLine(
                reference=reference,
                url=reverse("register:modification", args=[reference]),
                title=modification_title,
                purpose_display=selectors.PURPOSES.get(purpose, purpose),
                decision=decision,
                outcome=outcome,
            )
        )
    return found


def reference_past(committee: Committee | None) -> QuerySet[Meeting]:
    queryset = Meeting.objects.filter(starts_at__lt=NOW)
    if committee is not None:
        queryset = queryset.filter(committee=committee)
    return queryset.order_by("-starts_at", "-pk")


@pytest.fixture
def meetings(db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    csc = CommitteeFactory()
    hostile = CommitteeFactory(slug="panel", name=HOSTILE, abbreviation="")
    published = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    shown = [
        ModificationFactory(title=HOSTILE, published_at=published),
        ModificationFactory(suffix="A", title="An alternative", published_at=published),
        ModificationFactory(legacy_reference=True, number=42, published_at=published),
        ModificationFactory(stage=Stage.DRAFT_PROPOSAL, title="A draft", published_at=published),
    ]
    hidden = [
        ModificationFactory(title="Not yet published", published_at=None),
        ModificationFactory(title="Published tomorrow", published_at=NOW + dt.timedelta(days=1)),
    ]
    start = dt.datetime(2024, 5, 2, 9, 30, tzinfo=dt.UTC)
    for index in range(24):
        when = start + dt.timedelta(days=2 * index)
        if index % 10 == 0:
            when = start + dt.timedelta(days=2 * (index - 1))  # two at the same moment
        meeting = MeetingFactory(
            committee=hostile if index % 3 == 0 else csc,
            starts_at=when,
            title=HOSTILE if index % 4 == 0 else "",
            location=HOSTILE if index % 5 == 0 else "",
            status=["scheduled", "held", "cancelled"][index % 3],
        )
        if index % 7 == 6:
            continue  # no agenda at all
        for order, modification in enumerate((shown + hidden)[index % 3 :]):
            AgendaItemFactory(
                meeting=meeting,
                modification=modification,
                order=(order * 5) % 3,  # ties in the order: the item's number breaks them
                purpose=["update", "decision", "vote", "refinement"][order % 4],
                decision=HOSTILE if order == 1 else "",
                outcome=HOSTILE if order == 2 else "",
            )
    return {"csc": csc, "hostile": hostile}


@pytest.fixture(params=["public", "staff"])
def reader(request, meetings):  # type: ignore[no-untyped-def]
    if request.param == "public":
        return AnonymousUser()
    return request.getfixturevalue("secas_user")


def test_a_meeting_page_reads_what_the_orm_read(meetings, reader, time_machine) -> None:
    time_machine.move_to(NOW)
    pks = list(Meeting.objects.values_list("pk", flat=True))
    for pk in pks:
        expected = reference_rows(reader, Meeting.objects.filter(pk=pk))
        assert [selectors.meeting_page(reader, pk)] == expected
    assert selectors.meeting_page(reader, max(pks) + 1) is None
    assert selectors.meeting_page(reader, 0) is None


@pytest.mark.parametrize("committee", [None, "csc", "hostile"])
def test_the_meeting_list_reads_what_the_orm_read(
    meetings, reader, committee, time_machine, monkeypatch
) -> None:
    time_machine.move_to(NOW)
    monkeypatch.setattr(selectors, "PAGE_SIZE", 4)  # several pages of past meetings
    for page in [None, "1", "2", "3", "99", "-1", "x", "2.5", "\x00"]:
        _check_list_page(reader, meetings[committee] if committee else None, page)


def _check_list_page(reader: Any, chosen: Committee | None, page: str | None) -> None:
    expected_page = Paginator(reference_past(chosen), selectors.PAGE_SIZE).get_page(page)
    got_page = Paginator(
        selectors.past_meetings(reader, committee=chosen, now=NOW),  # type: ignore[arg-type]
        selectors.PAGE_SIZE,
    ).get_page(page)
    assert (got_page.number, got_page.paginator.num_pages) == (
        expected_page.number,
        expected_page.paginator.num_pages,
    )
    assert list(got_page.object_list) == [m.pk for m in expected_page.object_list]
    upcoming, past = selectors.meeting_list_rows(
        reader, list(got_page.object_list), committee=chosen, now=NOW
    )
    window = Meeting.objects.filter(Q(starts_at__gte=NOW) | Q(pk__in=got_page.object_list))
    if chosen is not None:
        window = window.filter(committee=chosen)
    rows = reference_rows(reader, window)
    assert upcoming == [row for row in rows if row.starts_at >= NOW]
    assert past == [row for row in reversed(rows) if row.starts_at < NOW]
    assert upcoming and past


def test_the_pages_escape_what_they_show(client, meetings, time_machine) -> None:
    time_machine.move_to(NOW)
    meeting = Meeting.objects.filter(title=HOSTILE, location=HOSTILE).first()
    assert meeting is not None
    for path in ("/meetings/", f"/meetings/{meeting.pk}/", "/meetings/?committee=panel"):
        html = client.get(path).content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
