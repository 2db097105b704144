"""The register's pages: what the public sees, filters, search, sorting, 404s, query counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secmods.modifications import services
from secmods.modifications.models import Modification, Path, Stage
from secmods.parties.models import PartyCategory
from tests.factories import (
    GlossaryTermFactory,
    MeetingFactory,
    ModificationFactory,
    OrganisationFactory,
    PersonFactory,
)

from .helpers import PUBLISHED, full_modification, many_modifications

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(captured)


# --- The register ----------------------------------------------------------------------
def test_register_lists_the_published_seed_with_its_columns(client, seed):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "DP160" in html
    assert "Certificate Signing Request forecasting" in html
    assert "DCC" in html  # the proposer's organisation
    assert "Draft Proposal" in html
    for column in ["Reference", "Lead Analyst", "Next key date", "Target release", "Last updated"]:
        assert f">{column}" in html
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "<script" not in html and "style=" not in html


def test_modifications_path_is_the_register_too(client, seed):
    assert "DP160" in client.get("/modifications/").content.decode()


def test_unpublished_modifications_are_hidden_from_the_public(client, seed):
    hidden = ModificationFactory(title="Secret plan", published_at=None)
    future = ModificationFactory(
        title="Not yet", published_at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC)
    )
    html = client.get("/").content.decode()
    assert "Secret plan" not in html and "Not yet" not in html
    for modification in (hidden, future):
        response = client.get(f"/modifications/{modification.reference}/")
        assert response.status_code == 404
        assert 'name="q"' in response.content.decode()
        assert (
            client.get(f"/modifications/{modification.reference}/calendar.ics").status_code == 404
        )
        assert client.get(f"/modifications/{modification.reference}/feed.atom").status_code == 404


def test_committee_members_see_unpublished_modifications(member_client, seed):
    hidden = ModificationFactory(title="Secret plan", published_at=None)
    assert "Secret plan" in member_client.get("/").content.decode()
    assert member_client.get(f"/modifications/{hidden.reference}/").status_code == 200


@pytest.mark.parametrize("text", ["mp 160", "MP160", "mp160", "DP160", "160", " 0160 "])
def test_search_by_any_spelling_of_a_reference_lands_on_it(client, seed, text):
    response = client.get("/", {"q": text})
    assert response.status_code == 302
    assert response.headers["Location"] == "/modifications/DP160/"


def test_search_by_words_of_the_title_and_of_the_text(client, seed):
    ModificationFactory(title="Unrelated topic", published_at=PUBLISHED)
    html = client.get("/", {"q": "signing request"}).content.decode()
    assert "DP160" in html and "Unrelated topic" not in html
    # "headroom" is only in the report's text; both words must appear somewhere.
    html = client.get("/", {"q": "headroom forecasts"}).content.decode()
    assert "DP160" in html
    html = client.get("/", {"q": "headroom zebra"}).content.decode()
    assert "DP160" not in html
    assert "No published modification matches" in html


def test_search_for_an_unknown_reference_lists_nothing(client, seed):
    html = client.get("/", {"q": "MP999"}).content.decode()
    assert "No published modification matches" in html


def test_filters_by_stage_path_committee_party_category_and_section(client, seed):
    other = full_modification(1, title="Path three modification", path=Path.PATH_3)
    other.impacted_party_categories.set([PartyCategory.objects.get(slug="gas-network")])
    other.sec_sections.clear()

    def titles(**params):  # type: ignore[no-untyped-def]
        html = client.get("/", params).content.decode()
        return {"seed": "Certificate Signing Request" in html, "other": "Path three" in html}

    assert titles(stage=Stage.DRAFT_PROPOSAL) == {"seed": True, "other": True}
    assert titles(stage=Stage.REFINEMENT) == {"seed": False, "other": False}
    assert titles(path=Path.PATH_3) == {"seed": False, "other": True}
    assert titles(committee="csc") == {"seed": True, "other": True}
    assert titles(committee="ssc") == {"seed": False, "other": False}
    assert titles(party_category="gas-network") == {"seed": False, "other": True}
    assert titles(sec_section="L") == {"seed": True, "other": False}


@pytest.mark.parametrize(
    "params",
    [
        {"stage": "bogus"},
        {"path": "path_9"},
        {"committee": "nope"},
        {"party_category": "\x00"},
        {"sec_section": "ZZ" * 100},
        {"sort": "password"},
        {"page": "999"},
        {"page": "abc"},
        {"q": "x" * 5000},
    ],
)
def test_bad_filter_values_are_ignored_with_a_message(client, seed, params):
    response = client.get("/", params)
    assert response.status_code == 200
    html = response.content.decode()
    if "q" not in params:
        assert 'class="notice"' in html
        assert "DP160" in html  # the filter was dropped, so the seed still shows


SORT_KEYS = [
    "reference",
    "title",
    "proposer",
    "lead_analyst",
    "stage",
    "path",
    "next_key_date",
    "target_release",
    "latest_update",
    "updated",
]


@pytest.mark.parametrize("key", SORT_KEYS)
def test_every_column_sorts_both_ways(client, seed, key):
    full_modification(1, title="Aardvark", latest_update="Aaa")
    for sort in (key, f"-{key}"):
        response = client.get("/", {"sort": sort})
        assert response.status_code == 200
        html = response.content.decode()
        assert 'aria-sort="' in html
        assert "DP160" in html and "Aardvark" in html


def test_sort_by_title_orders_the_rows(client, seed):
    full_modification(1, title="Aardvark")
    html = client.get("/", {"sort": "title"}).content.decode()
    assert html.index("Aardvark") < html.index("Certificate Signing")
    html = client.get("/", {"sort": "-title"}).content.decode()
    assert html.index("Aardvark") > html.index("Certificate Signing")


def test_sort_by_stage_follows_the_lifecycle(client, seed):
    moved = full_modification(1, title="In refinement", path=Path.PATH_3)
    moved.problem_statement_agreed = True
    moved.save()
    services.move_stage(moved, to=Stage.REFINEMENT, decided_by="CSC")
    html = client.get("/", {"sort": "stage"}).content.decode()
    assert html.index("Certificate Signing") < html.index("In refinement")


def test_pages_of_fifty(client, db):
    many_modifications(55)
    first = client.get("/").content.decode()
    assert first.count('data-label="Reference"') == 50
    assert "page 1 of 2" in first
    second = client.get("/", {"page": 2}).content.decode()
    assert second.count('data-label="Reference"') == 5


def test_the_pager_links_the_ends_and_two_either_side(client, db, monkeypatch):
    # Pages of two, so that 24 modifications make 12 pages: the pager must not list them all
    # (its cost grew with the register while it looped over every page number).
    monkeypatch.setattr("secmods.register.selectors.PAGE_SIZE", 2)
    ModificationFactory.create_batch(24, published_at=PUBLISHED)
    html = client.get("/", {"page": 6}).content.decode()
    pager = html[html.index('<nav class="pager"') :]
    pager = pager[: pager.index("</nav>")]
    links = re.findall(r">(\d+|…)</(?:a|span)>", pager)
    assert links == ["1", "…", "4", "5", "6", "7", "8", "…", "12"]
    assert 'aria-current="page">6<' in pager


@pytest.mark.parametrize("rows", [1, 55])
def test_the_register_query_count_does_not_grow_with_rows(
    client, rows, django_assert_max_num_queries
):
    many_modifications(rows)
    # The filter choices, then the count and the page: one statement on PostgreSQL, two
    # queries elsewhere (tests/register/test_listing.py).
    with django_assert_max_num_queries(2 if connection.vendor == "postgresql" else 3):
        response = client.get("/", {"sort": "next_key_date"})
    assert response.status_code == 200


def test_register_query_count_is_the_same_for_1_and_55_rows(client, db):
    many_modifications(1)
    one = count_queries(client, "/?committee=csc&q=topic")
    many_modifications(54)
    many = count_queries(client, "/?committee=csc&q=topic")
    assert one == many


# --- A modification's page -------------------------------------------------------------
@pytest.mark.parametrize(
    "spelling", ["DP160", "MP160", "mp160", "mp%20160", "160", "dp160", "MP-160"]
)
def test_every_spelling_of_the_reference_reaches_the_page(client, seed, spelling):
    response = client.get(f"/modifications/{spelling}/")
    assert response.status_code == 200
    assert "Certificate Signing Request forecasting" in response.content.decode()
    assert '<link rel="canonical" href="/modifications/DP160/">' in response.content.decode()


def test_the_page_shows_the_report_timetable_meetings_and_glossary(client, seed):
    html = client.get("/modifications/MP160/").content.decode()
    assert "Graeme Liggett, Data Communications Company" in html
    assert "Section L" in html and "L8.7" in html
    assert "What are the current arrangements?" in html
    assert "Presented to SEC Sub-Committees for initial comment" in html
    assert "May 2021" in html
    assert "Change Sub-Committee" in html and "Initial comment" in html
    assert '<svg class="timeline"' in html
    # Acronyms in the text: full term on hover, link to the glossary.
    assert (
        '<a class="term" href="/glossary/#term-SMKI"><abbr title="Smart Metering Key '
        'Infrastructure">SMKI</abbr></a>' in html
    )
    assert '<abbr title="Certificate Signing Requests">CSR</abbr>s</a>' in html
    assert 'href="/modifications/DP160/calendar.ics"' in html
    assert 'href="/modifications/DP160/feed.atom"' in html


def test_the_page_shows_stage_history_and_outcomes(client, seed):
    seed.path = Path.PATH_3
    seed.problem_statement_agreed = True
    seed.save()
    item = seed.agenda_items.first()
    item.outcome = "The CSC agreed the problem statement."
    item.decision = "Agreed"
    item.save()
    services.move_stage(seed, to=Stage.REFINEMENT, decided_by="CSC", reason="Converted")
    html = client.get("/modifications/MP160/").content.decode()
    assert "MP160" in html
    assert "Draft Proposal → <strong>Refinement</strong>, decided by CSC" in html
    assert 'The <a class="term"' in html  # the outcome's "CSC" is marked too
    assert "<strong>Agreed</strong>" in html


def test_unknown_reference_is_a_404_with_a_search_box(client, seed):
    for reference in ["MP999", "not-a-reference", "%00", "x" * 40]:
        response = client.get(f"/modifications/{reference}/")
        assert response.status_code == 404
        html = response.content.decode()
        assert 'role="search"' in html and 'name="q"' in html


@pytest.mark.parametrize("rows", [1, 30])
def test_the_page_query_count_does_not_grow_with_rows(
    client, db, rows, django_assert_max_num_queries
):
    modification = full_modification(0)
    for index in range(rows):
        GlossaryTermFactory(acronym=f"T{index}X", full_term=f"Term {index}")
        full_modification(index + 1)  # other rows that must not be read
        MeetingFactory()
    # PostgreSQL: one statement (tests/register/test_modification_page_read.py). SQLite:
    # the modification, eight prefetches (sections, milestones, agenda, stage changes, SEC
    # Sections, Party Categories, consultations, documents) and the glossary; with no
    # consultation, their questions, responses and summary cost nothing.
    with django_assert_max_num_queries(1 if connection.vendor == "postgresql" else 10):
        response = client.get(f"/modifications/{modification.reference}/")
    assert response.status_code == 200


# --- Meetings and glossary -------------------------------------------------------------
def test_meetings_list_upcoming_and_past_with_their_agendas(client, seed, time_machine):
    time_machine.move_to(dt.datetime(2021, 5, 15, 12, tzinfo=dt.UTC))
    html = client.get("/meetings/").content.decode()
    upcoming, past = html.split('id="past-heading"')
    assert "CSC meeting 1 June 2021" in upcoming
    assert "CSC meeting 27 April 2021" in past
    assert "DP160" in html
    assert "Tue 27 Apr 2021, 10:00" in html  # London time (09:00 UTC in summer)


def test_meetings_filter_by_committee_and_ignore_unknown_ones(client, seed):
    html = client.get("/meetings/", {"committee": "ssc"}).content.decode()
    assert "Security Sub-Committee" in html and "CSC meeting" not in html
    response = client.get("/meetings/", {"committee": "nope"})
    assert response.status_code == 200
    assert "There is no committee" in response.content.decode()
    assert "CSC meeting" in response.content.decode()


def test_meeting_page_hides_unpublished_agenda_items_from_the_public(client, seed):
    hidden = ModificationFactory(title="Secret plan", published_at=None)
    meeting = seed.agenda_items.first().meeting
    meeting.agenda_items.create(modification=hidden, purpose="update")
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "DP160" in html and "Secret plan" not in html
    assert client.get("/meetings/99999/").status_code == 404


@pytest.mark.parametrize("rows", [1, 60])
def test_meetings_query_count_does_not_grow(client, db, rows, django_assert_max_num_queries):
    many_modifications(rows)
    for _ in range(rows):
        MeetingFactory(starts_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    # The committees, the count of past meetings, the past page's meetings, then both tables
    # with their agenda in one query.
    with django_assert_max_num_queries(4):
        assert client.get("/meetings/").status_code == 200
    meeting = MeetingFactory()
    for modification in Modification.objects.all():
        meeting.agenda_items.create(modification=modification, purpose="update")
    # The meeting, its agenda and their modifications: one query.
    with django_assert_max_num_queries(1):
        html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert len(re.findall(r"<li><a href=\"/modifications/\w+/\">", html)) == rows


def test_glossary_lists_and_searches_terms(client, seed, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        html = client.get("/glossary/").content.decode()
    assert 'id="term-SMKI"' in html and "Smart Metering Key Infrastructure" in html
    html = client.get("/glossary/", {"q": "signing"}).content.decode()
    assert "CSR" in html and "term-SMKI" not in html


def test_csp_is_not_set_on_the_admin(client, db):
    response = client.get("/admin/login/")
    assert "Content-Security-Policy" not in response.headers


def test_unknown_page_uses_the_helpful_404(client, db, settings):
    settings.DEBUG = False
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert 'role="search"' in response.content.decode()


def test_post_is_not_allowed(client, seed):
    assert client.post("/").status_code == 405
    assert client.post("/modifications/MP160/").status_code == 405


def test_proposer_without_organisation(client, db):
    person = PersonFactory(organisation=None, name="Ann Example")
    ModificationFactory(proposer=person, published_at=PUBLISHED)
    assert "Ann Example" in client.get("/").content.decode()
    OrganisationFactory()  # unused, keeps factories honest
    assert Modification.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "/?q=%00",
        "/?q=MP%00160",
        "/?q=a%00b+c",
        "/glossary/?q=%00",
        "/meetings/?committee=%00",
        "/meetings/?page=%00",
        "/modifications/%00/",
        "/meetings/99999999999999999999999/",
        "/meetings/9223372036854775808/",
        "/calendar/committees/x%00.ics",
    ],
)
def test_hostile_input_is_never_a_500(client, seed, url):
    response = client.get(url)
    assert response.status_code in (200, 302, 404)  # "MP\x00160" reads as "MP 160": found
    assert b"\x00" not in response.content


def test_staff_see_which_rows_are_unpublished(member_client, seed):
    ModificationFactory(title="Secret plan", published_at=None)
    html = member_client.get("/").content.decode()
    assert "Not published" in html
    page = member_client.get("/modifications/DP160/").content.decode()
    assert "Not published" not in page


def test_sort_is_also_a_form_field_for_phones(client, seed):
    full_modification(1, title="Aardvark")
    html = client.get("/", {"sort": "-title"}).content.decode()
    assert '<option value="-title" selected>Title, descending</option>' in html
    assert html.index("Certificate Signing") < html.index("Aardvark")


def test_next_key_date_is_shown_with_its_precision(client, db):
    full_modification(1, title="Has a plan")
    html = client.get("/").content.decode()
    assert '<span class="when precision-month">May 2031</span>' in html
    html = client.get("/", {"sort": "next_key_date"}).content.decode()
    assert "Has a plan" in html


def test_passed_planned_dates_show_as_overdue_beside_the_next_key_date(seed, client):
    planned = seed.milestones.filter(status="planned").count()
    assert planned  # the seed's 2021 plan, years ago now
    page = client.get("/modifications/MP160/").content.decode()
    assert f'None planned · <span class="overdue">{planned} overdue</span>' in page
    assert page.count('<strong class="overdue">Overdue</strong>') == planned
    listing = client.get("/").content.decode()
    assert f'<span class="overdue">{planned} overdue</span>' in listing


def test_time_elements_carry_a_valid_html_datetime(client, seed):
    # HTML allows at most three digits of a second: Django's date:'c' gave six.
    import re

    from secmods.modifications.models import Modification

    Modification.objects.filter(pk=seed.pk).update(updated_at="2021-07-01T09:15:30.123456Z")
    for path in ("/", "/modifications/MP160/", "/meetings/", "/meetings/1/"):
        values = re.findall(r'<time datetime="([^"]*)"', client.get(path).content.decode())
        assert values, path
        for value in values:
            assert re.fullmatch(r"\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d[+-]\d\d:\d\d)?", value), (
                path,
                value,
            )
    assert '<time datetime="2021-07-01T10:15:30+01:00">' in client.get("/").content.decode()


def _chrome(html: str) -> str:
    """The page around <main>: header, navigation, footer (the title and head links vary)."""
    before, _, rest = html.partition('<main id="main"')
    _, _, after = rest.partition("</main>")
    return before.split("</head>", 1)[1] + after


def test_the_jinja2_base_matches_the_django_one(client, seed):
    # The register is rendered by Jinja2 (secmods/register/jinja2/), the glossary by Django's
    # engine; both bases must give the same header, navigation and footer.
    register = client.get("/").content.decode()
    glossary = client.get("/glossary/").content.decode()
    assert _chrome(register).replace(' aria-current="page"', "") == _chrome(glossary).replace(
        ' aria-current="page"', ""
    )
    assert '<link rel="stylesheet" href="' in register.split("</head>")[0]
