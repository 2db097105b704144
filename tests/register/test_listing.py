"""The register's listing: PostgreSQL's one statement against the ORM's queryset and Django's
paginator (the path SQLite takes), over filters, sorts both ways, search, page numbers good
and bad, for the public and for staff; the filter form's choices; the query counts."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from secmods.committees.models import Committee
from secmods.modifications.models import Path, SecSection, Stage
from secmods.parties.models import PartyCategory
from secmods.register import selectors
from secmods.register.views import COLUMNS
from secmods.rules.dates import ApproxDate
from tests.factories import (
    MilestoneFactory,
    ModificationFactory,
    OrganisationFactory,
    PersonFactory,
    ReportSectionFactory,
)

from .helpers import PUBLISHED, many_modifications

pytestmark = pytest.mark.django_db

PAGE_SIZE = 7  # small pages: many pages and an out-of-range page from few rows


def hostile_register() -> None:
    """Rows whose values test the statement: markup and LIKE's wildcards in titles, ties in
    every sort key, no proposer, a proposer without organisation, legacy references,
    alternatives, drafts, unpublished and future publications, overdue and TBC dates."""
    many_modifications(12)
    lonely = PersonFactory(organisation=None, name="Ann <Example> & \"Co\" 'Ltd'")
    bare = OrganisationFactory(short_name="", name="Zeta & Sons")
    stages = list(Stage.values)
    paths = [*Path.values, ""]
    titles = [
        'Forecast <script>alert("x")</script> & more',
        "50% off_all the DCC's \\ charges",
        "Prévisions: ünïcode — “quotes”",
        "forecast",
        "forecast",  # a tie on the title
        "",
    ]
    for index in range(24):
        proposer = [None, lonely, PersonFactory(organisation=bare), PersonFactory()][index % 4]
        modification = ModificationFactory(
            number=900 + index // 3,  # alternatives share a number
            suffix="" if index % 3 == 0 else "AB"[index % 3 - 1],
            legacy_reference=index % 5 == 0,
            title=titles[index % len(titles)],
            stage=stages[index % len(stages)],
            path=paths[index % len(paths)],
            proposer=proposer,
            latest_update="Same update.",  # ties everywhere
            published_at=(
                None
                if index % 7 == 3
                else timezone.now() + dt.timedelta(days=3)
                if index % 7 == 5
                else PUBLISHED
            ),
        )
        if index % 2:
            MilestoneFactory(modification=modification, when=ApproxDate.day(dt.date(2020, 1, 2)))
        if index % 3:
            MilestoneFactory(modification=modification, when=ApproxDate.month(2031, 1 + index % 12))
            MilestoneFactory(modification=modification, when=ApproxDate.day(dt.date(2031, 1, 5)))
        if index % 4 == 1:
            ReportSectionFactory(modification=modification, body="A forecast of 50% charges.")
            modification.sec_sections.add(SecSection.objects.get(code="L"))
            modification.impacted_party_categories.add(
                PartyCategory.objects.get(slug="large-supplier")
            )


def queries() -> list[dict[str, str]]:
    """Every filter value (and unknown ones), every sort both ways, searches, page numbers."""
    found: list[dict[str, str]] = [{}]
    for key, _ in COLUMNS:
        for sort in (key, f"-{key}"):
            found += [{"sort": sort}, {"sort": sort, "page": "2"}, {"sort": sort, "page": "9"}]
    found += [{"stage": stage} for stage in [*Stage.values, "nope"]]
    found += [{"path": path} for path in [*Path.values, "x"]]
    found += [{"committee": slug} for slug in [*Committee.objects.values_list("slug", flat=True)]]
    found += [{"party_category": slug} for slug in PartyCategory.objects.values_list("slug", flat=True)]  # fmt: skip
    found += [{"sec_section": code} for code in ["L", "A", "Q"]]
    for text in ["forecast", "Forecast 50%", "50%", "_", "%", "\\", "'", "a\x00b", "<script>",
                 "ünïcode", "dcc charges", "zzz", "  forecast   of  "]:  # fmt: skip
        found += [{"q": text}, {"q": text, "sort": "-title", "page": "2"}]
    for page in ["1", "2", "3", "0", "-1", "abc", "1.5", "2.0", " 2 ", "999999", "1" + "0" * 30,
                 "", "\x00", "٣", "1_0"]:  # fmt: skip
        found.append({"page": page})
    found += [
        {"stage": "refinement", "path": "path_2", "sort": "-next_key_date", "page": "2"},
        {"committee": "csc", "q": "forecast", "sort": "proposer", "page": "0"},
        {"party_category": "large-supplier", "sec_section": "L", "sort": "-stage"},
    ]
    return found


def listing(user, params: dict[str, str], *, fast: bool) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    query, _ = selectors.read_register_query(params, selectors.filter_options())
    page = selectors.register_listing(user, query, params.get("page"), fast=fast)
    return page.number, page.paginator.count, page.paginator.num_pages, list(page.object_list)


@pytest.mark.postgres
def test_the_statement_gives_the_orm_s_pages(db, monkeypatch, secas_user):
    monkeypatch.setattr(selectors, "PAGE_SIZE", PAGE_SIZE)
    hostile_register()
    compared = 0
    for user in (AnonymousUser(), secas_user):
        for params in queries():
            fast, orm = listing(user, params, fast=True), listing(user, params, fast=False)
            assert fast == orm, params
            compared += bool(fast[3])
    assert compared > 150  # most queries show rows: the test compares rows, not empty pages


@pytest.mark.postgres
def test_the_page_is_the_same_bytes_either_way(client, member_client, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", PAGE_SIZE)
    hostile_register()
    urls = ["/?" + urlencode(params) for params in queries()]
    fast = {url: (client.get(url).content, member_client.get(url).content) for url in urls}
    # Without the filter's SQL the view takes the ORM's queryset and Django's paginator.
    monkeypatch.setattr(selectors, "_where_sql", lambda queryset: None)
    for url in urls:
        assert (client.get(url).content, member_client.get(url).content) == fast[url], url


def test_the_filter_choices_are_the_models_in_their_order(db):
    many_modifications(1)
    Committee.objects.create(slug="b-panel", name="Alpha Panel", abbreviation="AP", kind="panel")
    options = selectors.filter_options()
    assert options.committees == list(Committee.objects.values_list("slug", "name"))
    assert options.party_categories == list(PartyCategory.objects.values_list("slug", "name"))
    assert options.sec_sections == list(SecSection.objects.values_list("code", "title"))
    assert [c.slug for c in options.committees][:2] == ["b-panel", "csc"]  # by name


def count_queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


# PostgreSQL: the choices, then the count with the page; a page out of range costs the count
# alone and the last page after the page it did not find. SQLite: the choices, the count,
# the page.
IN_RANGE, OUT_OF_RANGE = (2, 4) if connection.vendor == "postgresql" else (3, 3)


@pytest.mark.parametrize("rows", [1, 15])
@pytest.mark.parametrize(
    "params", [{}, {"sort": "-next_key_date"}, {"committee": "csc", "q": "topic forecast"}]
)
def test_the_query_count_does_not_grow_with_rows(
    client, rows, params, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(selectors, "PAGE_SIZE", PAGE_SIZE)
    many_modifications(rows)
    with django_assert_max_num_queries(IN_RANGE):
        assert client.get("/", params).status_code == 200


@pytest.mark.parametrize("page", ["0", "99", "-3", "1" + "0" * 30])
def test_a_page_out_of_range_is_the_last_page_in_a_fixed_number_of_queries(
    client, page, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(selectors, "PAGE_SIZE", PAGE_SIZE)
    many_modifications(12)
    with django_assert_max_num_queries(OUT_OF_RANGE):
        html = client.get("/", {"page": page}).content.decode()
    assert f"There is no page “{page[:20]}”; showing page 2." in html
    assert html.count('data-label="Reference"') == 12 - PAGE_SIZE


# The table's rows as modification_list.html wrote them with Jinja2 before
# `register_table_rows` wrote them in Python: kept here to hold the two to the same bytes.
ROW_TEMPLATE = """\
    {% for modification in rows %}
    <tr>
      <th scope="row" data-label="Reference"><a href="{{ modification.url }}">{{ modification.reference }}</a>{% if not modification.published_at %} <span class="badge">Not published</span>{% endif %}</th>
      <td data-label="Title">{{ modification.title }}</td>
      <td data-label="Proposer">{{ modification.proposer }}</td>
      <td data-label="Lead Analyst">{{ modification.lead_analyst }}</td>
      <td data-label="Stage"><span class="stage stage-{{ modification.stage }}">{{ modification.stage_display }}</span></td>
      <td data-label="Path">{{ modification.path_display }}</td>
      <td data-label="Next key date">{% if modification.next_key_precision %}<span class="when precision-{{ modification.next_key_precision }}">{{ approx_date(modification.next_key_precision, modification.next_key_from, modification.next_key_to) }}</span> <span class="muted">{{ modification.next_key_label }}</span>{% else %}<span class="muted">None planned</span>{% endif %}{% if modification.overdue_count %} · <span class="overdue">{{ modification.overdue_count }} overdue</span>{% endif %}</td>
      <td data-label="Target release">{{ modification.target_release }}</td>
      <td data-label="Latest update">{{ modification.latest_update }}</td>
      <td data-label="Last updated"><time datetime="{{ modification.updated_iso }}">{{ modification.updated_text }}</time></td>
    </tr>
    {% endfor %}
"""

HOSTILE = ["", "plain", "<b>&amp;</b>", "'single' \"double\"", "a & b > c < d", "ünï — “q”", "\\"]


def test_the_rows_writer_writes_what_the_row_template_wrote():
    from django.template import engines

    from secmods.register.jinja2env import register_table_rows

    updated = dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)
    rows = [
        selectors.RegisterRow(
            reference=f"MP{index}{text[:1]}",
            url=f"/modifications/{text}/",
            title=text,
            published_at=None if index % 3 == 0 else PUBLISHED,
            proposer=text,
            lead_analyst=text[::-1],
            stage=text or "refinement",
            stage_display=f"Stage {text}",
            path_display=text or "Not set",
            next_key_label=None if index % 4 == 1 else text,
            next_key_precision=[None, "day", "month", "quarter", "tbc"][index % 5],
            next_key_from=dt.date(2031, 1, 5),
            next_key_to=dt.date(2031, 3, 31),
            overdue_count=index % 3,
            target_release=text,
            latest_update=f"{text} {index}",
            updated_at=updated,
            updated_iso=f"{updated.isoformat()}{text}",
            updated_text=text,
        )
        for index, text in enumerate(HOSTILE * 5)
    ]
    template = engines["jinja2"].from_string(ROW_TEMPLATE)
    expected = template.render({"rows": rows})
    assert f"    {register_table_rows(rows)}\n" == expected
    assert "&lt;b&gt;&amp;amp;&lt;/b&gt;" in expected and "&#39;single&#39; &#34;double" in expected
