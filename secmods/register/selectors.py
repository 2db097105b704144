"""Reads for the public register, its calendars and feeds.

Every function fetches what its page needs in a fixed number of queries, whatever the
number of rows: the register's list is one query for the page plus one for the count, a
modification page one statement on PostgreSQL (one query per kind of related row, prefetched,
on SQLite), a calendar is two.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.core.paginator import Page, Paginator
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from secmods.committees.models import (
    AgendaItem,
    AgendaPurpose,
    Committee,
    Meeting,
    MeetingStatus,
    Release,
)
from secmods.consultations.models import Answer, Consultation, Question, Response
from secmods.documents.models import Document, Visibility
from secmods.documents.selectors import can_see_confidential
from secmods.glossary.models import GlossaryTerm
from secmods.glossary.selectors import Term
from secmods.modifications.models import (
    Milestone,
    MilestoneStatus,
    Modification,
    Path,
    ReportSection,
    SecSection,
    Stage,
    StageChange,
)
from secmods.modifications.selectors import (
    get_by_reference,
    next_key_milestone,
    reference_filter,
    search_modifications,
    visible_modifications,
    visible_to,
    with_next_key_date,
)
from secmods.parties.models import Organisation, PartyCategory, Person
from secmods.rules.dates import Precision
from secmods.rules.overdue import is_overdue
from secmods.rules.references import format_reference, parse_reference

PAGE_SIZE = 50
DRAFT_STAGES = (Stage.DRAFT_PROPOSAL, Stage.CLOSED)  # as Modification.reference

# The lifecycle's order, so that "sort by stage" reads Draft Proposal ... Implemented.
STAGE_ORDER = Case(
    *[When(stage=value, then=Value(index)) for index, value in enumerate(Stage.values)],
    default=Value(len(Stage.values)),
    output_field=IntegerField(),
)

# Column key -> the expression it sorts by (ascending). Reference is the default.
SORTS: dict[str, list[Any]] = {
    "reference": [F("number").asc()],
    "title": [F("title").asc()],
    "proposer": [F("proposer__organisation__name").asc(nulls_last=True)],
    "lead_analyst": [F("lead_analyst__name").asc(nulls_last=True)],
    "stage": [STAGE_ORDER.asc()],
    "path": [F("path").asc()],
    "next_key_date": [F("next_key_from").asc(nulls_last=True)],
    "target_release": [F("target_release__date").asc(nulls_last=True)],
    "latest_update": [F("latest_update").asc()],
    "updated": [F("updated_at").asc()],
}
DEFAULT_SORT = "-reference"


class CommitteeChoice(NamedTuple):
    slug: str
    name: str


class CategoryChoice(NamedTuple):
    slug: str
    name: str


class SectionChoice(NamedTuple):
    code: str
    title: str


@dataclass(frozen=True)
class FilterOptions:
    """The choices of the register's filter form (one query)."""

    committees: list[CommitteeChoice]
    party_categories: list[CategoryChoice]
    sec_sections: list[SectionChoice]
    stages: list[tuple[str, str]] = field(default_factory=lambda: list(Stage.choices))
    paths: list[tuple[str, str]] = field(default_factory=lambda: list(Path.choices))


@functools.cache
def _filter_options_sql() -> str:
    # The three lists in one round trip, each in its model's own order (Committee: name;
    # PartyCategory: order, name; SecSection: code). Meta names only: no input.
    committee = Committee._meta.db_table
    category = PartyCategory._meta.db_table
    section = SecSection._meta.db_table
    return (
        f"SELECT 0 AS kind, slug, name, 0 AS rank, name AS sort FROM {committee} "  # noqa: S608
        f'UNION ALL SELECT 1, slug, name, "order", name FROM {category} '
        f"UNION ALL SELECT 2, code, title, 0, code FROM {section} "
        "ORDER BY 1, 4, 5"
    )


def filter_options() -> FilterOptions:
    # The form's lists as tuples: three querysets of model instances cost three round trips
    # and more Python than the page's rows.
    lists: tuple[list[Any], list[Any], list[Any]] = ([], [], [])
    with connection.cursor() as cursor:
        cursor.execute(_filter_options_sql())
        for kind, key, label, _, _ in cursor.fetchall():
            lists[kind].append((key, label))
    return FilterOptions(
        committees=[CommitteeChoice(*pair) for pair in lists[0]],
        party_categories=[CategoryChoice(*pair) for pair in lists[1]],
        sec_sections=[SectionChoice(*pair) for pair in lists[2]],
    )


@dataclass(frozen=True)
class RegisterQuery:
    """The register's filters once checked: every value is known to be valid."""

    stage: str = ""
    path: str = ""
    committee: str = ""  # slug
    party_category: str = ""  # slug
    sec_section: str = ""  # code
    search: str = ""
    sort: str = DEFAULT_SORT


def clean_text(text: str | None, limit: int = 200) -> str:
    """Search-box input made safe to query with: no NUL or other control characters
    (PostgreSQL refuses NUL in a string), single spaces, bounded length."""
    printable = "".join(char if char.isprintable() else " " for char in (text or ""))
    return " ".join(printable.split())[:limit]


def read_register_query(params: Any, options: FilterOptions) -> tuple[RegisterQuery, list[str]]:
    """Read the query string; an unknown value is dropped with a message saying so."""
    notices: list[str] = []
    allowed = {
        "stage": ("stage", {value for value, _ in options.stages}),
        "path": ("path", {value for value, _ in options.paths}),
        "committee": ("committee", {c.slug for c in options.committees}),
        "party_category": ("Party Category", {p.slug for p in options.party_categories}),
        "sec_section": ("SEC Section", {s.code for s in options.sec_sections}),
    }
    values: dict[str, str] = {}
    for name, (label, known) in allowed.items():
        value = (params.get(name) or "").strip()
        if not value:
            continue
        if value in known:
            values[name] = value
        else:
            shown = clean_text(value, 40)
            notices.append(f"There is no {label} “{shown}”, so that filter was ignored.")
    sort = (params.get("sort") or "").strip()
    if sort and sort.removeprefix("-") not in SORTS:
        notices.append("That sort order is not known; the register is sorted by reference.")
        sort = ""
    search = clean_text(params.get("q"))
    return RegisterQuery(search=search, sort=sort or DEFAULT_SORT, **values), notices


def _words_in_text(text: str) -> Q:
    """Every word appears in the title or somewhere in the report's text."""
    condition = Q()
    for word in text.split()[:10]:
        in_sections = ReportSection.objects.filter(modification=OuterRef("pk")).filter(
            Q(body__icontains=word) | Q(heading__icontains=word)
        )
        condition &= Q(title__icontains=word) | Q(Exists(in_sections))
    return condition


def search_register(queryset: QuerySet[Modification], text: str) -> QuerySet[Modification]:
    """A reference in any spelling, the title, or words of the report's text."""
    if not text:
        return queryset
    return search_modifications(queryset, text) | queryset.filter(_words_in_text(text))


def register_filtered(user: Any, query: RegisterQuery) -> QuerySet[Modification]:
    """The modifications the query selects, unsorted and without the table's columns."""
    rows = visible_modifications(user)
    if query.stage:
        rows = rows.filter(stage=query.stage)
    if query.path:
        rows = rows.filter(path=query.path)
    if query.committee:
        rows = rows.filter(
            Exists(
                AgendaItem.objects.filter(
                    modification=OuterRef("pk"), meeting__committee__slug=query.committee
                )
            )
        )
    if query.party_category:
        rows = rows.filter(
            Exists(
                Modification.impacted_party_categories.through.objects.filter(
                    modification=OuterRef("pk"), partycategory__slug=query.party_category
                )
            )
        )
    if query.sec_section:
        rows = rows.filter(
            Exists(
                Modification.sec_sections.through.objects.filter(
                    modification=OuterRef("pk"), secsection__code=query.sec_section
                )
            )
        )
    return search_register(rows, query.search)


def register_rows(user: Any, query: RegisterQuery) -> QuerySet[Modification, dict[str, Any]]:
    """The register's rows (one query per page, whatever its length); `register_listing`
    reads the same rows in one statement on PostgreSQL."""
    rows = register_filtered(user, query)
    descending = query.sort.startswith("-")
    order = [
        _reverse(expression) if descending else expression
        for expression in SORTS[query.sort.removeprefix("-")]
    ]
    # The reference breaks ties, so pages never shuffle rows between them. Read as values
    # (register_page turns a page of them into RegisterRow): building 50 modifications with
    # their proposer, organisation, analyst and release as model instances cost more than
    # the query.
    return (
        with_next_key_date(rows)
        .order_by(*order, "-number", "suffix", "pk")
        .values(*REGISTER_FIELDS)
    )


REGISTER_FIELDS = (
    "number", "suffix", "stage", "legacy_reference", "title", "path", "published_at",
    "latest_update", "updated_at", "proposer_id", "proposer__name",
    "proposer__organisation__name", "proposer__organisation__short_name",
    "lead_analyst__name", "target_release__name", "next_key_label", "next_key_precision",
    "next_key_from", "next_key_to", "overdue_count",
)  # fmt: skip
STAGES = dict(Stage.choices)
PATHS = dict(Path.choices)


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One row of the register's table, as it shows it."""

    reference: str
    url: str
    title: str
    published_at: dt.datetime | None
    proposer: str  # the organisation's short name, else its name, else the person's
    lead_analyst: str
    stage: str
    stage_display: str
    path_display: str
    next_key_label: str | None
    next_key_precision: str | None
    next_key_from: dt.date | None
    next_key_to: dt.date | None
    overdue_count: int
    target_release: str
    latest_update: str
    updated_at: dt.datetime  # London time
    updated_iso: str  # to the second, as machine_time writes it
    updated_text: str  # as Django's date:"j M Y" writes it


def register_page(rows: Any) -> list[RegisterRow]:
    """A page of `register_rows` as the table shows it."""
    # One reverse() for the page, not one per row (each costs more than the row's cells).
    # A reference is letters and digits only: nothing in it needs quoting in a path.
    prefix = reverse("register:modification", args=["MP1"]).removesuffix("MP1/")
    london = timezone.get_current_timezone()  # once, not per row (localtime asks each time)
    page = []
    for row in rows:
        stage = row["stage"]
        proposer = ""
        if row["proposer_id"] is not None:
            proposer = (
                row["proposer__organisation__short_name"]
                or row["proposer__organisation__name"]
                or row["proposer__name"]
            )
        updated = row["updated_at"].astimezone(london)
        reference = format_reference(
            row["number"],
            row["suffix"],
            draft=stage in DRAFT_STAGES and not row["suffix"],
            legacy=row["legacy_reference"],
        )
        page.append(
            RegisterRow(
                reference=reference,
                url=f"{prefix}{reference}/",
                title=row["title"],
                published_at=row["published_at"],
                proposer=proposer,
                lead_analyst=row["lead_analyst__name"] or "",
                stage=stage,
                stage_display=STAGES.get(stage, stage),
                path_display=PATHS.get(row["path"], row["path"]) or "Not set",
                next_key_label=row["next_key_label"],
                next_key_precision=row["next_key_precision"],
                next_key_from=row["next_key_from"],
                next_key_to=row["next_key_to"],
                overdue_count=row["overdue_count"],
                target_release=row["target_release__name"] or "",
                latest_update=row["latest_update"],
                updated_at=updated,
                updated_iso=updated.replace(microsecond=0).isoformat(),
                updated_text=f"{updated.day} {updated:%b %Y}",
            )
        )
    return page


def register_listing(
    user: Any, query: RegisterQuery, number: Any, *, fast: bool | None = None
) -> Page:
    """The page `number` (the query string's, unchecked) of the register's rows as
    `RegisterRow`s, chosen as `Paginator.get_page` chooses: page 1 for what is not a
    whole number, the last page for one out of range.

    On PostgreSQL (`fast`) the count and the page come from one statement written once
    per process; only the filter is compiled by the ORM, per request. The ORM's queryset
    (`register_rows`) cost more to build and compile than the database took to run it,
    and the paginator's COUNT was a second round trip. Elsewhere (SQLite), and for a
    filter the statement cannot hold, the ORM's queryset and Django's paginator.
    tests/register/test_listing.py holds the two equal on PostgreSQL."""
    if fast is None:
        fast = connection.vendor == "postgresql"
    if fast:
        filtered = _where_sql(register_filtered(user, query))
        if filtered is not None:
            return _listing(query, number, *filtered)
    page = Paginator(register_rows(user, query), PAGE_SIZE).get_page(number)
    page.object_list = register_page(page.object_list)  # type: ignore[assignment]
    return page


# Sort key -> (SQL, NULLS LAST) as SORTS orders, over the statement's tables and aliases.
_SORT_SQL: dict[str, tuple[str, bool]] = {
    "reference": ("{m}.number", False),
    "title": ("{m}.title", False),
    "proposer": ("o.name", True),
    "lead_analyst": ("la.name", True),
    "stage": ("{stage_order}", False),
    "path": ("{m}.path", False),
    "next_key_date": ("(SELECT ms.date_from {upcoming})", True),
    "target_release": ("r.date", True),
    "latest_update": ("{m}.latest_update", False),
    "updated": ("{m}.updated_at", False),
}
# Beyond this page the offset is not tried: the count decides (and no bigint overflows).
_MAX_TRIED_PAGE = 10**7


def _where_sql(queryset: QuerySet[Modification]) -> tuple[str, list[Any]] | None:
    """The queryset's filter as SQL over the modification table by its own name (the ORM's
    Exists subqueries refer to it so), "" for every row; None when it needs a join."""
    sql_query = queryset.query
    if set(sql_query.alias_map) - {Modification._meta.db_table}:
        return None
    compiler = sql_query.get_compiler(connection=connection)
    try:
        sql, params = compiler.compile(sql_query.where)
    except EmptyResultSet:
        return "FALSE", []
    except FullResultSet:
        return "", []
    return sql, list(params)


@functools.cache
def _listing_sql(sort: str) -> tuple[str, str, int]:
    """The page statement for `sort` (its total in every row) and the count alone, each with
    `{where}` to fill, and how many days its ORDER BY takes. Meta names and the code's own
    stage values only: no input."""
    quote = connection.ops.quote_name
    m = quote(Modification._meta.db_table)
    milestones = quote(Milestone._meta.db_table)
    person = quote(Person._meta.db_table)
    organisation = quote(Organisation._meta.db_table)
    release = quote(Release._meta.db_table)
    stage_order = (
        f"CASE {m}.stage "
        + " ".join(f"WHEN '{value}' THEN {index}" for index, value in enumerate(Stage.values))
        + f" ELSE {len(Stage.values)} END"
    )
    assert all(value.replace("-", "").replace("_", "").isalnum() for value in Stage.values)
    planned = MilestoneStatus.PLANNED.value
    # The next key date in one scalar subquery (text[], dates as ISO text), not four as
    # with_next_key_date writes them nor a LATERAL join: PostgreSQL evaluates a select
    # list's subqueries that are no sort key after the sort and the LIMIT, for the page's
    # rows only, and each one is an index scan per row. Sorted by it, the date is also
    # read for every row, in the ORDER BY.
    upcoming = (
        f"FROM {milestones} ms WHERE ms.modification_id = {m}.id "
        f"AND ms.status = '{planned}' AND ms.date_to >= %s "
        'ORDER BY ms.date_from, ms."order", ms.id LIMIT 1'
    )
    expression, nulls_last = _SORT_SQL[sort.removeprefix("-")]
    order = expression.format(m=m, stage_order=stage_order, upcoming=upcoming)
    order += " DESC" if sort.startswith("-") else " ASC"
    if nulls_last:
        order += " NULLS LAST"
    count = f"SELECT count(*) FROM {m}{{where}}"  # noqa: S608
    page = (
        f"SELECT ({count}), {m}.number, {m}.suffix, {m}.stage, {m}.legacy_reference, "  # noqa: S608
        f"{m}.title, {m}.path, {m}.published_at, {m}.latest_update, {m}.updated_at, "
        f"{m}.proposer_id, p.name, o.name, o.short_name, la.name, r.name, "
        "(SELECT ARRAY[ms.label, ms.precision, to_char(ms.date_from, 'YYYY-MM-DD'), "
        f"to_char(ms.date_to, 'YYYY-MM-DD')] {upcoming}), "
        f"(SELECT count(*) FROM {milestones} od WHERE od.modification_id = {m}.id "
        f"AND od.status = '{planned}' AND od.date_to < %s) "
        f"FROM {m} LEFT JOIN {person} p ON p.id = {m}.proposer_id "
        f"LEFT JOIN {organisation} o ON o.id = p.organisation_id "
        f"LEFT JOIN {person} la ON la.id = {m}.lead_analyst_id "
        f"LEFT JOIN {release} r ON r.id = {m}.target_release_id{{where}} "
        f"ORDER BY {order}, {m}.number DESC, {m}.suffix ASC, {m}.id ASC LIMIT %s OFFSET %s"
    )
    return page, count, order.count("%s")


def _listing(query: RegisterQuery, number: Any, where: str, params: list[Any]) -> Page:
    page_sql, count_sql, sort_days = _listing_sql(query.sort)
    where = f" WHERE {where}" if where else ""
    page_sql, count_sql = page_sql.format(where=where), count_sql.format(where=where)
    today = timezone.localdate()

    def fetch(page_number: int) -> list[tuple[Any, ...]]:
        offset = (page_number - 1) * PAGE_SIZE
        with connection.cursor() as cursor:
            # The count's filter, the two subqueries' day, the filter, the sort's day (by
            # the next key date), the page.
            arguments = [*params, today, today, *params, *[today] * sort_days, PAGE_SIZE, offset]
            cursor.execute(page_sql, arguments)
            return cursor.fetchall()

    try:  # as Paginator.validate_number reads it
        if isinstance(number, float) and not number.is_integer():
            raise ValueError
        wanted = int(number)
    except (TypeError, ValueError):
        wanted = 1
    rows = fetch(wanted) if 1 <= wanted <= _MAX_TRIED_PAGE else []
    if rows or wanted == 1:
        total = rows[0][0] if rows else 0
        page = Paginator(range(total), PAGE_SIZE).get_page(number)
    else:  # out of range: the count says which page is the last
        with connection.cursor() as cursor:
            cursor.execute(count_sql, params)
            total = cursor.fetchone()[0]
        page = Paginator(range(total), PAGE_SIZE).get_page(number)
        rows = fetch(page.number)
    page.object_list = register_page(map(_register_values, rows))  # type: ignore[assignment]
    return page


def _register_values(row: tuple[Any, ...]) -> dict[str, Any]:
    """A row of the page statement as `register_rows` gives it (REGISTER_FIELDS)."""
    *columns, next_key, overdue = row[1:]
    label, precision, start, end = next_key or (None, None, None, None)
    return dict(
        zip(
            REGISTER_FIELDS,
            (
                *columns,
                label,
                precision,
                start and dt.date.fromisoformat(start),
                end and dt.date.fromisoformat(end),
                overdue,
            ),
            strict=True,
        )
    )


def _reverse(expression: Any) -> Any:
    # OrderBy(descending=False) -> the same expression descending, keeping nulls last.
    reversed_expression = expression.copy()
    reversed_expression.descending = not expression.descending
    return reversed_expression


def reference_match(user: Any, text: str) -> Modification | None:
    """The one visible modification a search box entry names by reference, if it is one."""
    if parse_reference(text) is None:
        return None
    return get_by_reference(text, visible_modifications(user))


def modification_page(user: Any, reference: str) -> Modification | None:
    """A visible modification with everything its page shows, in a fixed number of queries."""
    queryset = visible_modifications(user).select_related(
        "proposer__organisation", "lead_analyst__organisation", "target_release"
    )
    queryset = with_next_key_date(queryset).prefetch_related(
        "sections",
        Prefetch("milestones", queryset=Milestone.objects.select_related("meeting__committee")),
        Prefetch(
            "agenda_items",
            queryset=AgendaItem.objects.select_related("meeting__committee").order_by(
                "meeting__starts_at", "order", "pk"
            ),
        ),
        Prefetch("stage_changes", queryset=StageChange.objects.select_related("meeting")),
        "sec_sections",
        "impacted_party_categories",
        Prefetch(
            "consultations",
            queryset=Consultation.objects.order_by("opens_at", "pk").prefetch_related(
                "questions",
                Prefetch(
                    "responses",
                    queryset=published_responses(),
                    to_attr="published_responses",
                ),
            ),
        ),
        Prefetch("documents", queryset=library_documents(user), to_attr="library"),
    )
    return get_by_reference(reference, queryset)


# --- The modification page in one statement (PostgreSQL) --------------------------------
# The prefetches above are fourteen queries; the ORM's building and compiling of them and
# of the ~280 model instances they made was most of the page's time (docs/proof.md,
# "Round 6"). On PostgreSQL the same rows come in one statement, compiled once per
# process: each table's rows as whole-row JSON (row_to_json, so no column is ever
# missing from an instance), folded per relation with json_agg in the prefetches' orders,
# and turned into the same model instances, their prefetch caches filled, as the
# prefetches left. The published answers are counted in the same statement.


class PageRow(NamedTuple):
    """What the page reads besides the modification's own instance."""

    terms: list[Any]  # the whole glossary, in its order (glossary.selectors.Term)
    categories: dict[int, PartyCategory]  # every Party Category, by id
    answer_counts: list[dict[str, Any]]  # published answers per question, category, position


def modification_page_read(user: Any, reference: str) -> tuple[Modification, PageRow | None] | None:
    """`modification_page`, with what the page's other reads need when they came in the
    same statement (None on SQLite, where each is read as before)."""
    if connection.vendor != "postgresql":
        modification = modification_page(user, reference)
        return None if modification is None else (modification, None)
    return _folded_page(user, reference)


def _json_rows(table: str, alias: str, where: str, order: str, joins: str = "") -> str:
    return (
        f"(SELECT coalesce(json_agg(row_to_json({alias}) ORDER BY {order}), '[]') "  # noqa: S608
        f"FROM {table} {alias} {joins} WHERE {where})"
    )


@functools.cache
def _page_sql(confidential: bool) -> str:
    """The page's statement (model meta names only: no input reaches the text). `%s`
    placeholders: the reference's number and suffix, then `_public`'s parameters."""
    quote = connection.ops.quote_name

    def table(model: type[Model]) -> str:
        return quote(model._meta.db_table)

    sec = Modification.sec_sections.through._meta.db_table
    impacted = Modification.impacted_party_categories.through._meta.db_table
    published = "NOT r.confidential AND r.published_at IS NOT NULL"  # as published_responses()
    documents = "d.modification_id = m.id"
    if not confidential:  # as library_documents()
        documents += f" AND d.visibility = '{Visibility.PUBLISHED.value}'"
    meeting = (
        "CASE WHEN mt.id IS NULL THEN NULL "
        "ELSE json_build_array(row_to_json(mt), row_to_json(c)) END"
    )
    # Joins, not a subquery per row: planning is paid on every request (no prepared
    # statements), and it cost more than running the statement.
    meeting_joins = (
        f"LEFT JOIN {table(Meeting)} mt ON mt.id = t.meeting_id "
        f"LEFT JOIN {table(Committee)} c ON c.id = mt.committee_id"
    )
    folds = {
        "sec_sections": f"(SELECT coalesce(json_agg(row_to_json(s) ORDER BY s.code, s.id), '[]') "  # noqa: S608 (meta names only)
        f"FROM {quote(sec)} ms JOIN {table(SecSection)} s ON s.id = ms.secsection_id "
        "WHERE ms.modification_id = m.id)",
        "impacted": "(SELECT coalesce(json_agg(pc.id ORDER BY pc.\"order\", pc.name, pc.id), '[]') "  # noqa: S608 (meta names only)
        f"FROM {quote(impacted)} mi JOIN {table(PartyCategory)} pc "
        "ON pc.id = mi.partycategory_id WHERE mi.modification_id = m.id)",
        "sections": _json_rows(
            table(ReportSection), "t", "t.modification_id = m.id", 't."order", t.id'
        ),
        "milestones": "(SELECT coalesce(json_agg(json_build_array(row_to_json(t), "  # noqa: S608 (meta names only)
        f"{meeting}) ORDER BY t.date_from ASC NULLS LAST, t.\"order\", t.id), '[]') "
        f"FROM {table(Milestone)} t {meeting_joins} WHERE t.modification_id = m.id)",
        "agenda": "(SELECT coalesce(json_agg(json_build_array(row_to_json(t), "  # noqa: S608 (meta names only)
        f"{meeting}) ORDER BY mt.starts_at, t.\"order\", t.id), '[]') "
        f"FROM {table(AgendaItem)} t {meeting_joins} WHERE t.modification_id = m.id)",
        "stage_changes": "(SELECT coalesce(json_agg(json_build_array(row_to_json(t), "  # noqa: S608 (meta names only)
        "CASE WHEN mt.id IS NULL THEN NULL ELSE row_to_json(mt) END) "
        "ORDER BY t.changed_at, t.id), '[]') "
        f"FROM {table(StageChange)} t LEFT JOIN {table(Meeting)} mt ON mt.id = t.meeting_id "
        "WHERE t.modification_id = m.id)",
        "consultations": "(SELECT coalesce(json_agg(json_build_array(row_to_json(k), "
        + _json_rows(table(Question), "q", "q.consultation_id = k.id", 'q."order", q.id')
        + ", "
        + _json_rows(
            table(Response),
            "r",
            f"r.consultation_id = k.id AND {published}",
            'pc."order", r.organisation_name, r.id',
            joins=f"JOIN {table(PartyCategory)} pc ON pc.id = r.party_category_id",
        )
        + ") ORDER BY k.opens_at, k.id), '[]') "
        f"FROM {table(Consultation)} k WHERE k.modification_id = m.id)",
        # published_summaries' grouped count, over every consultation of the modification.
        "answer_counts": "(SELECT coalesce(json_agg(json_build_array(g.question_id, "  # noqa: S608 (meta names only)
        "g.party_category_id, g.position, g.n)), '[]') FROM (SELECT a.question_id, "
        "r.party_category_id, a.position, count(*) AS n "
        f"FROM {table(Answer)} a JOIN {table(Response)} r ON r.id = a.response_id "
        f"JOIN {table(Question)} q ON q.id = a.question_id "
        f"JOIN {table(Consultation)} k ON k.id = q.consultation_id "
        f"WHERE k.modification_id = m.id AND {published} GROUP BY 1, 2, 3) g)",
        "documents": _json_rows(table(Document), "d", documents, "d.uploaded_at DESC, d.id"),
        "categories": _json_rows(table(PartyCategory), "pc", "true", 'pc."order", pc.name, pc.id'),
        "glossary": "(SELECT coalesce(json_agg(json_build_array(g.acronym, g.full_term) "  # noqa: S608 (meta names only)
        f"ORDER BY g.acronym), '[]') FROM {table(GlossaryTerm)} g)",
    }

    def whole(alias: str) -> str:  # a left-joined row: null when there is none
        return f"CASE WHEN {alias}.id IS NULL THEN NULL ELSE row_to_json({alias}) END"

    columns = ["row_to_json(m)", *(whole(alias) for alias in ("p", "po", "la", "lo", "rl"))]
    return (
        f"SELECT {', '.join([*columns, *folds.values()])} FROM {table(Modification)} m "  # noqa: S608
        f"LEFT JOIN {table(Person)} p ON p.id = m.proposer_id "
        f"LEFT JOIN {table(Organisation)} po ON po.id = p.organisation_id "
        f"LEFT JOIN {table(Person)} la ON la.id = m.lead_analyst_id "
        f"LEFT JOIN {table(Organisation)} lo ON lo.id = la.organisation_id "
        f"LEFT JOIN {table(Release)} rl ON rl.id = m.target_release_id "
        "WHERE m.number = %s AND m.suffix = %s{public}"
    )


@functools.cache
def _columns(model: type[Model]) -> tuple[tuple[str, str, Any], ...]:
    """(attname, column, parser of its JSON text or None) of each concrete field, in order."""
    columns = []
    for model_field in model._meta.concrete_fields:
        kind = model_field.get_internal_type()
        parse: Any = None
        if kind == "DateTimeField":
            parse = _utc
        elif kind == "DateField":
            parse = dt.date.fromisoformat
        columns.append((model_field.attname, model_field.column, parse))
    return tuple(columns)


def _utc(text: str) -> dt.datetime:
    # PostgreSQL writes a timestamptz into JSON in the session's zone, which Django sets
    # to UTC; the ORM gives the same moment with tzinfo=UTC.
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def _instance(model: type[Model], row: dict[str, Any] | None) -> Any:
    """The instance `Model.from_db` would build from this row (every column, saved state).

    Written into the instance's __dict__ as Model.__init__ would (no field of these
    models has a setter that does more), without __init__'s per-field loop and its two
    signals: ~140 instances a page, and __init__ was a third of the read's time. When
    something listens to those signals, from_db itself."""
    if row is None:
        return None
    columns = _columns(model)
    if pre_init.receivers or post_init.receivers:
        values = [row[c] if p is None or row[c] is None else p(row[c]) for _, c, p in columns]
        return model.from_db(DEFAULT_DB_ALIAS, [a for a, _, _ in columns], values)
    instance = model.__new__(model)
    state = instance._state = ModelState()
    state.adding = False
    state.db = DEFAULT_DB_ALIAS  # `connection`'s: the statement ran on it
    fields = instance.__dict__
    for attname, column, parse in columns:
        value = row[column]
        fields[attname] = value if parse is None or value is None else parse(value)
    return instance


def _related(instance: Any, name: str, related: Any) -> None:
    """What select_related leaves: the related instance in the foreign key's cache (the
    ids already agree; the descriptor's checks cost more than the rest of the build)."""
    instance._state.fields_cache[name] = related


def _with_meeting(row: Any, instance: Any) -> Any:
    meeting = None
    if row is not None:
        meeting_row, committee_row = row
        meeting = _instance(Meeting, meeting_row)
        _related(meeting, "committee", _instance(Committee, committee_row))
    _related(instance, "meeting", meeting)
    return instance


def _folded_page(user: Any, reference: str) -> tuple[Modification, PageRow] | None:
    public, parameters = _public(user)  # first: it reads the user whatever the reference
    parsed = parse_reference(reference)
    if parsed is None:
        return None
    sql = _page_sql(can_see_confidential(user)).format(public=public)
    with connection.cursor() as cursor:
        cursor.execute(sql, [parsed.number, parsed.suffix, *parameters])
        row = cursor.fetchone()
    if row is None:
        return None
    (mine, proposer, proposer_org, analyst, analyst_org, release, sec_sections, impacted,
     sections, milestone_rows, agenda, stage_changes, consultation_rows, answer_counts,
     documents, category_rows, glossary) = row  # fmt: skip
    modification: Modification = _instance(Modification, mine)
    for name, person_row, organisation_row in (
        ("proposer", proposer, proposer_org),
        ("lead_analyst", analyst, analyst_org),
    ):
        person = _instance(Person, person_row)
        if person is not None:
            _related(person, "organisation", _instance(Organisation, organisation_row))
        _related(modification, name, person)
    _related(modification, "target_release", _instance(Release, release))
    categories = {r["id"]: _instance(PartyCategory, r) for r in category_rows}
    milestones = [_with_meeting(m, _instance(Milestone, t)) for t, m in milestone_rows]
    items = [_with_meeting(m, _instance(AgendaItem, t)) for t, m in agenda]
    changes = []
    for change_row, meeting_row in stage_changes:
        change = _instance(StageChange, change_row)
        _related(change, "meeting", _instance(Meeting, meeting_row))
        changes.append(change)
    consultations = []
    for consultation_row, question_rows, response_rows in consultation_rows:
        consultation = _instance(Consultation, consultation_row)
        consultation._prefetched_objects_cache = {
            "questions": [_instance(Question, r) for r in question_rows]
        }
        responses = []
        for response_row in response_rows:
            response = _instance(Response, response_row)
            _related(response, "party_category", categories[response.party_category_id])
            responses.append(response)
        consultation.published_responses = responses  # type: ignore[attr-defined]
        consultations.append(consultation)
    for milestone in milestones:  # as the prefetch left them
        _related(milestone, "modification", modification)
    modification._prefetched_objects_cache = {  # type: ignore[attr-defined]
        "sections": [_instance(ReportSection, r) for r in sections],
        "milestones": milestones,
        "agenda_items": items,
        "stage_changes": changes,
        "sec_sections": [_instance(SecSection, r) for r in sec_sections],
        "impacted_party_categories": [categories[pk] for pk in impacted],
        "consultations": consultations,
    }
    modification.library = [_instance(Document, r) for r in documents]  # type: ignore[attr-defined]
    # with_next_key_date's annotations, from the timetable fetched anyway (its rule).
    upcoming = next_key_milestone(milestones)
    modification.next_key_label = upcoming.label if upcoming else None  # type: ignore[attr-defined]
    modification.next_key_precision = upcoming.precision if upcoming else None  # type: ignore[attr-defined]
    modification.next_key_from = upcoming.date_from if upcoming else None  # type: ignore[attr-defined]
    modification.next_key_to = upcoming.date_to if upcoming else None  # type: ignore[attr-defined]
    today = timezone.localdate()  # (once: Milestone.is_overdue asks for it per milestone)
    modification.overdue_count = sum(  # type: ignore[attr-defined]
        1 for m in milestones if is_overdue(m.status, m.date_to, today)
    )
    counts = [
        {"question_id": q, "response__party_category_id": c, "position": p, "n": n}
        for q, c, p, n in answer_counts
    ]
    terms = [Term(acronym, full_term) for acronym, full_term in glossary]
    return modification, PageRow(terms, categories, counts)


def published_responses() -> QuerySet[Response]:
    """Responses the public may read: published, and so never confidential (a database
    constraint forbids publishing a confidential one; the filter says it again)."""
    return Response.objects.filter(confidential=False, published_at__isnull=False).select_related(
        "party_category"
    )


def library_documents(user: Any) -> QuerySet[Document]:
    """The documents this user may see in a library: the public, published ones only;
    SECAS staff and committee members also confidential ones (as documents.selectors.library
    decides, but for a prefetch)."""
    documents = Document.objects.order_by("-uploaded_at", "pk")
    if can_see_confidential(user):
        return documents
    return documents.filter(visibility=Visibility.PUBLISHED)


@functools.cache
def _history_table(model: type[Model]) -> str:
    # Once per model: each read of Model.history builds a new history manager class
    # (simple_history), half a millisecond.
    return model.history.model._meta.db_table  # type: ignore[attr-defined,no-any-return]


def _newest_change(model: type[Model], row: str) -> str:
    """SQL for when the `model` row whose id is the column `row` last changed: the date of
    its newest django-simple-history row (newest by history_id, the order they were written
    in); null for a row without history. A subquery, so a calendar costs no extra query."""
    history = connection.ops.quote_name(_history_table(model))
    return (
        f"(SELECT h.history_date FROM {history} h WHERE h.id = {row} "  # noqa: S608 (meta names)
        "ORDER BY h.history_id DESC LIMIT 1)"
    )


def glossary_terms(search: str = "") -> QuerySet[GlossaryTerm]:
    terms = GlossaryTerm.objects.all()
    search = clean_text(search, 100)
    if search:
        terms = terms.filter(
            Q(acronym__icontains=search)
            | Q(full_term__icontains=search)
            | Q(description__icontains=search)
        )
    return terms


# --- Meetings --------------------------------------------------------------------------
MEETING_FIELDS = (
    "pk", "starts_at", "title", "location", "status",
    "committee__slug", "committee__name", "committee__abbreviation",
)  # fmt: skip
MEETING_STATUSES = dict(MeetingStatus.choices)
PURPOSES = dict(AgendaPurpose.choices)
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class AgendaLine:
    """One published item of a meeting's agenda, as the meeting pages show it."""

    reference: str
    url: str
    title: str
    purpose_display: str
    decision: str
    outcome: str


@dataclass(frozen=True, slots=True)
class MeetingRow:
    """A meeting as the meeting list and a meeting's page show it."""

    pk: int
    url: str
    starts_at: dt.datetime  # London time
    starts_iso: str  # to the second, as machine_time writes it
    starts_text: str  # as Django's date:"D j M Y, H:i" writes it
    title: str
    location: str
    status: str
    status_display: str
    committee_slug: str
    committee_name: str
    committee_abbreviation: str
    agenda: list[AgendaLine]


@functools.cache
def _meeting_sql() -> dict[str, str]:
    """The meeting pages' statements, in the SQL both databases speak, written once per
    process: building and compiling the ORM's joined queryset (a FilteredRelation, eight
    columns through two joins) cost more than the database took to run it, on the meeting
    page most of the request. `{window}` is the condition on `w`, the meetings, that names
    those shown, `{public}` the public's condition on the agenda's modifications (`_public`)."""
    quote = connection.ops.quote_name
    # Model meta names only (S608): no input reaches the text; values are parameters.
    meeting = quote(Meeting._meta.db_table)
    return {
        # The meetings, then their agenda items (of modifications the user may see), in
        # one statement and one round trip; the items in agenda order. A meeting's columns
        # come once, not once per item: the list's ~500 items each repeating their meeting's
        # start cost a datetime to parse apiece. Meetings are put in time order in Python.
        "rows": "SELECT 0, w.id, 0, 0, NULL, NULL, w.starts_at, w.title, w.location, "  # noqa: S608
        "w.status, c.slug, c.name, c.abbreviation "
        f"FROM {meeting} w JOIN {quote(Committee._meta.db_table)} c ON c.id = w.committee_id "
        "WHERE {window} "
        f"UNION ALL SELECT 1, a.meeting_id, a.{quote('order')}, a.id, m.number, "
        "m.legacy_reference, NULL, m.title, m.suffix, m.stage, a.purpose, a.decision, "
        f"a.outcome FROM {quote(AgendaItem._meta.db_table)} a "
        f"JOIN {quote(Modification._meta.db_table)} m ON m.id = a.modification_id "
        f"WHERE a.meeting_id IN (SELECT w.id FROM {meeting} w WHERE {{window}}){{public}} "
        "ORDER BY 1, 3, 4",
        # The list's meetings: the upcoming ones and a page of past ones, by number. (As a
        # condition on the meetings, not `id IN (subquery)`: PostgreSQL then read the whole
        # table to hash-join it, a cost that grew with the register's history.)
        "list_window": "(w.starts_at >= %s OR w.id IN ({ids})){committee}",
        "past_count": f"SELECT count(*) FROM {meeting} w WHERE w.starts_at < %s{{committee}}",  # noqa: S608
        # The primary key breaks ties: a page never shows a meeting its neighbour shows too.
        "past_ids": f"SELECT w.id FROM {meeting} w WHERE w.starts_at < %s{{committee}} "  # noqa: S608
        "ORDER BY w.starts_at DESC, w.id DESC LIMIT %s OFFSET %s",
    }


def _meeting_rows(user: Any, window: str, window_parameters: list[Any]) -> list[MeetingRow]:
    """The meetings `window` names, in time order, with their agenda as the user may see it
    (one query, `_meeting_sql`'s "rows")."""
    public, parameters = _public(user)
    sql = _meeting_sql()["rows"].format(window=window, public=public)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*window_parameters, *window_parameters, *parameters])
        rows = cursor.fetchall()
    # One reverse() for the page, not one per row: a meeting's number and a reference
    # (letters and digits) need no quoting in a path.
    meeting_prefix = reverse("register:meeting", args=[1]).removesuffix("1/")
    prefix = reverse("register:modification", args=["MP1"]).removesuffix("MP1/")
    # The zone once, and the date's names by lookup: timezone.localtime() and strftime()
    # per meeting were a fifth of the list's request (a hundred and more meetings).
    zone = timezone.get_current_timezone()
    found: dict[int, MeetingRow] = {}
    for kind, pk, _, _, number, legacy, starts_at, title, *texts in rows:
        if kind == 0:
            location, status, slug, name, abbreviation = texts
            starts = _aware(starts_at).astimezone(zone)  # type: ignore[union-attr]
            found[pk] = MeetingRow(
                pk=pk,
                url=f"{meeting_prefix}{pk}/",
                starts_at=starts,
                starts_iso=starts.replace(microsecond=0).isoformat(),
                # As Django's date:"D j M Y, H:i" writes it (English names, as the site's).
                starts_text=f"{DAY_NAMES[starts.weekday()]} {starts.day} "
                f"{MONTH_NAMES[starts.month - 1]} {starts.year}, "
                f"{starts.hour:02d}:{starts.minute:02d}",
                title=title,
                location=location,
                status=status,
                status_display=MEETING_STATUSES.get(status, status),
                committee_slug=slug,
                committee_name=name,
                committee_abbreviation=abbreviation,
                agenda=[],
            )
            continue
        suffix, stage, purpose, decision, outcome = texts
        reference = format_reference(
            number, suffix, draft=stage in DRAFT_STAGES and not suffix, legacy=bool(legacy)
        )
        found[pk].agenda.append(
            AgendaLine(
                reference=reference,
                url=f"{prefix}{reference}/",
                title=title,
                purpose_display=PURPOSES.get(purpose, purpose),
                decision=decision,
                outcome=outcome,
            )
        )
    return sorted(found.values(), key=lambda row: (row.starts_at, row.pk))


def _committee_condition(committee: Committee | None) -> tuple[str, list[Any]]:
    if committee is None:
        return "", []
    return " AND w.committee_id = %s", [committee.pk]


class PastMeetings:
    """The numbers of the past meetings, latest first, as Paginator reads them: `count()`,
    then one slice (a query each)."""

    def __init__(self, committee: Committee | None, now: dt.datetime) -> None:
        self.narrow, narrow_parameters = _committee_condition(committee)
        self.parameters = [connection.ops.adapt_datetimefield_value(now), *narrow_parameters]

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                _meeting_sql()["past_count"].format(committee=self.narrow), self.parameters
            )
            return int(cursor.fetchone()[0])

    def __getitem__(self, page: slice) -> list[int]:
        start, stop = page.start or 0, page.stop
        with connection.cursor() as cursor:
            cursor.execute(
                _meeting_sql()["past_ids"].format(committee=self.narrow),
                [*self.parameters, stop - start, start],
            )
            return [pk for (pk,) in cursor.fetchall()]


def past_meetings(
    user: Any, *, committee: Committee | None = None, now: dt.datetime | None = None
) -> PastMeetings:
    return PastMeetings(committee, now or timezone.now())


def meeting_list_rows(
    user: Any, past_page: Sequence[int], *, committee: Committee | None, now: dt.datetime
) -> tuple[list[MeetingRow], list[MeetingRow]]:
    """The meeting list's two tables, in one query: the upcoming meetings, soonest first,
    and a page of past ones (`past_page`, numbers from `past_meetings`), latest first."""
    narrow, narrow_parameters = _committee_condition(committee)
    ids = list(past_page)
    window = _meeting_sql()["list_window"].format(
        ids=", ".join(["%s"] * len(ids)) or "NULL", committee=narrow
    )
    now_value = connection.ops.adapt_datetimefield_value(now)
    rows = _meeting_rows(user, window, [now_value, *ids, *narrow_parameters])
    upcoming = [row for row in rows if row.starts_at >= now]
    past = [row for row in reversed(rows) if row.starts_at < now]
    return upcoming, past


MAX_ID = 2**63 - 1  # a bigint: a larger number in the address is no meeting, not a 500


def meeting_page(user: Any, meeting_id: int) -> MeetingRow | None:
    """A meeting and its published agenda (one query)."""
    if not 0 < meeting_id <= MAX_ID:
        return None
    found = _meeting_rows(user, "w.id = %s", [meeting_id])
    return found[0] if found else None


def committees() -> QuerySet[Committee]:
    return Committee.objects.only("slug", "name", "abbreviation")


def get_committee(slug: str) -> Committee | None:
    # The slug is unique: no ORDER BY (first() would sort by name) to compile or run.
    return next(iter(Committee.objects.filter(slug=slug).order_by()[:1]), None)


# --- Calendars -------------------------------------------------------------------------
def twelve_months_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


class CalendarMeeting(NamedTuple):
    """What a meeting's event shows (selectors read it as values, not model instances)."""

    pk: int
    starts_at: dt.datetime
    title: str
    location: str
    status: str
    sequence: int
    committee_name: str
    committee_abbreviation: str
    last_changed: dt.datetime | None
    agenda: list[str]  # "MP160 Title (Purpose)" lines


@functools.cache
def _calendar_meetings_sql() -> dict[str, str]:
    """The window's agenda lines and meetings, in the SQL both databases speak, written once
    per process (the ORM's querysets cost more to build than these to run). `{committee}`
    narrows the window to one committee, `{public}` the agenda to what the public sees."""
    quote = connection.ops.quote_name
    # Model meta names only (S608): no input reaches the text; values are parameters.
    meeting = quote(Meeting._meta.db_table)
    window = f"SELECT w.id FROM {meeting} w WHERE w.starts_at >= %s{{committee}}"  # noqa: S608
    return {
        # In each meeting's agenda order.
        "agenda": "SELECT a.meeting_id, m.number, m.suffix, m.stage, m.legacy_reference, "  # noqa: S608
        f"m.title, a.purpose FROM {quote(AgendaItem._meta.db_table)} a "
        f"JOIN {quote(Modification._meta.db_table)} m ON m.id = a.modification_id "
        f"WHERE a.meeting_id IN ({window}){{public}} ORDER BY a.{quote('order')}, a.id",
        # A fixed order (the primary key breaks ties between meetings at the same time), so
        # the same data always gives the same file, and the same ETag.
        "meetings": "SELECT mt.id, mt.starts_at, mt.title, mt.location, mt.status, "  # noqa: S608
        f"mt.sequence, c.name, c.abbreviation, {_newest_change(Meeting, 'mt.id')} "
        f"FROM {meeting} mt JOIN {quote(Committee._meta.db_table)} c ON c.id = mt.committee_id "
        f"WHERE mt.id IN ({window}) ORDER BY mt.starts_at, mt.id",
    }


def calendar_meetings(
    user: Any, *, committee: Committee | None = None, today: dt.date | None = None
) -> list[CalendarMeeting]:
    """Meetings from twelve months ago onwards, so a calendar's size does not grow with
    history (two queries). Read as values: a feed of hundreds of meetings and their agenda
    spent more time building model instances than the database spent finding the rows."""
    public, parameters = _public(user)
    today = today or timezone.localdate()
    since = twelve_months_before(today)
    # A range on the column itself (not a per-row conversion to London time that no index
    # serves), so the feed reads the window, not every meeting.
    window_start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    window: list[Any] = [connection.ops.adapt_datetimefield_value(window_start)]
    narrow = ""
    if committee is not None:
        narrow = " AND w.committee_id = %s"
        window.append(committee.pk)
    sql = _calendar_meetings_sql()
    agenda: dict[int, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            sql["agenda"].format(committee=narrow, public=public), [*window, *parameters]
        )
        # The public sees items of published modifications only.
        for meeting_id, number, suffix, stage, legacy, title, purpose in cursor.fetchall():
            reference = format_reference(
                number, suffix, draft=stage in DRAFT_STAGES and not suffix, legacy=legacy
            )
            agenda.setdefault(meeting_id, []).append(
                f"{reference} {title} ({PURPOSES.get(purpose, purpose)})"
            )
        cursor.execute(sql["meetings"].format(committee=narrow), window)
        rows = cursor.fetchall()
    return [
        CalendarMeeting._make((pk, _aware(starts_at), *rest, _aware(changed), agenda.get(pk, [])))
        for pk, starts_at, *rest, changed in rows
    ]


class CalendarMilestone(NamedTuple):
    """A milestone known to the day, as its all-day event shows it."""

    pk: int
    label: str
    day: dt.date
    status: str
    version: int
    last_changed: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ModificationCalendar:
    """What a modification's calendar shows: the meetings where it is presented or that fix
    its milestones (in time order), and its other milestones known to the day."""

    pk: int
    reference: str
    title: str
    meetings: list[CalendarMeeting]
    milestones: list[CalendarMilestone]


@functools.cache
def _modification_calendar_sql() -> str:
    """Its agenda items and the milestones a calendar shows (fixed by a meeting, or known to
    the day), each with its meeting and when that and the milestone last changed: one
    statement in the SQL both databases speak, written once per process. The ORM took
    longer to build and compile these as querysets (three queries, 2.5 ms) than the
    database took to run them; the twin reads the same in one."""
    tables = {
        "agenda": AgendaItem._meta.db_table,
        "milestone": Milestone._meta.db_table,
        "meeting": Meeting._meta.db_table,
        "committee": Committee._meta.db_table,
    }
    quote = connection.ops.quote_name
    # Model meta names only (S608): no input reaches the text, the reference is a parameter.
    t = {name: quote(table) for name, table in tables.items()}
    order = quote("order")
    meeting = (
        "mt.starts_at, mt.title, mt.location, mt.status, mt.sequence, c.name, c.abbreviation, "
        + _newest_change(Meeting, "mt.id")
    )
    return (
        f"SELECT 0, a.{order}, a.id, a.meeting_id, a.purpose, NULL, NULL, NULL, NULL, NULL, "  # noqa: S608
        f"{meeting} FROM {t['agenda']} a "
        f"JOIN {t['meeting']} mt ON mt.id = a.meeting_id "
        f"JOIN {t['committee']} c ON c.id = mt.committee_id "
        "WHERE a.modification_id = %s "
        f"UNION ALL SELECT 1, s.{order}, s.id, s.meeting_id, s.label, s.precision, "
        f"s.date_from, s.status, s.version, {_newest_change(Milestone, 's.id')}, {meeting} "
        f"FROM {t['milestone']} s "
        f"LEFT JOIN {t['meeting']} mt ON mt.id = s.meeting_id "
        f"LEFT JOIN {t['committee']} c ON c.id = mt.committee_id "
        "WHERE s.modification_id = %s AND (s.meeting_id IS NOT NULL "
        "OR (s.precision = %s AND s.date_from IS NOT NULL))"
    )


def _aware(value: Any) -> dt.datetime | None:
    """A datetime as the ORM gives it (aware, UTC) from a plain cursor's column: SQLite gives
    text for a subquery's, and naive UTC for a column's."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value  # type: ignore[no-any-return]


def modification_calendar(user: Any, reference: str) -> ModificationCalendar | None:
    """A visible modification's calendar (two queries, rows as values): the modification,
    then its agenda items and milestones (`_modification_calendar_sql`). Model instances and
    their prefetches cost five times the twin's whole request."""
    # The visibility first: it reads the user (and so the session) whatever the reference,
    # as every reply then varies on the cookie.
    visible = visible_modifications(user)
    condition = reference_filter(reference)
    if condition is None:
        return None
    row = next(
        iter(
            visible.filter(condition)
            .order_by()  # (number, suffix) is unique: no ORDER BY to compile or run
            .values_list("pk", "number", "suffix", "stage", "legacy_reference", "title")[:1]
        ),
        None,
    )
    if row is None:
        return None
    pk, number, suffix, stage, legacy, title = row
    reference = format_reference(
        number, suffix, draft=stage in DRAFT_STAGES and not suffix, legacy=legacy
    )
    with connection.cursor() as cursor:
        cursor.execute(_modification_calendar_sql(), [pk, pk, Precision.DAY])
        rows = cursor.fetchall()
    # In each meeting's agenda order, and the milestones' (Milestone.Meta.ordering).
    # (str(): dates and SQLite's text sort alike.)
    rows.sort(key=lambda row: (row[0], row[6] is None, str(row[6]), row[1], row[2]))
    found: dict[int, tuple[Any, ...]] = {}
    purposes: dict[int, list[str]] = {}
    milestones = []
    for kind, _, key, meeting_id, text, _, day, status, version, changed, *meeting in rows:
        if meeting_id is not None:  # an agenda item, or a milestone its meeting fixes
            starts_at, *rest, meeting_changed = meeting
            found.setdefault(meeting_id, (_aware(starts_at), *rest, _aware(meeting_changed)))
            if kind == 0:
                purposes.setdefault(meeting_id, []).append(
                    f"{reference} {title} ({PURPOSES.get(text, text)})"
                )
        else:
            if isinstance(day, str):  # SQLite: text
                day = parse_date(day)
            milestones.append(CalendarMilestone(key, text, day, status, version, _aware(changed)))
    untitled = [f"{reference} {title}"]
    meetings = sorted(
        (
            CalendarMeeting._make((meeting_id, *meeting, purposes.get(meeting_id, untitled)))
            for meeting_id, meeting in found.items()
        ),
        key=lambda meeting: (meeting.starts_at, meeting.pk),
    )
    return ModificationCalendar(pk, reference, title, meetings, milestones)


# --- Feeds -----------------------------------------------------------------------------
class FeedModification(NamedTuple):
    """What a feed shows of a modification (its own feed's title, and its publication)."""

    pk: int
    reference: str
    title: str
    stage: str
    published_at: dt.datetime | None
    raised_on: dt.date
    proposer: str | None  # its organisation's name, else the person's; None: no proposer


class FeedEntry(NamedTuple):
    """One event of a feed: a modification published, or moved to another stage."""

    when: dt.datetime
    key: str  # "published-<modification pk>" or "stage-change-<pk>": the entry's tag
    reference: str
    title: str  # the modification's
    stage_change: int | None  # its pk, for the link's fragment; None: a publication
    summary: str  # plain text
    from_stage: str = ""
    to_stage: str = ""


def _reference(number: int, suffix: str, stage: str, legacy: bool) -> str:
    return format_reference(
        number, suffix, draft=stage in DRAFT_STAGES and not suffix, legacy=legacy
    )


@functools.cache
def _feed_sql() -> dict[str, str]:
    """The feeds' statements, in the SQL both databases speak, written once per process:
    the ORM took longer to build and compile the querysets than the database to run them,
    and the twin reads the same rows in one statement. `{public}` is where the public's
    condition goes (`_public`)."""
    quote = connection.ops.quote_name
    # Model meta names only (S608): no input reaches the text; values are parameters.
    m = quote(Modification._meta.db_table)
    p = quote(Person._meta.db_table)
    o = quote(Organisation._meta.db_table)
    sc = quote(StageChange._meta.db_table)
    modification = "m.id, m.number, m.suffix, m.stage, m.legacy_reference, m.title"
    details = "m.raised_on, m.proposer_id, p.name, p.organisation_id, o.name"
    publication = f"m.published_at, {details}"
    proposer = (
        f"LEFT JOIN {p} p ON p.id = m.proposer_id LEFT JOIN {o} o ON o.id = p.organisation_id"
    )
    change = "sc.id, sc.changed_at, sc.from_stage, sc.to_stage, sc.decided_by, sc.reason"
    return {
        # One modification by its reference's parts, for its own feed.
        "modification": f"SELECT {modification}, {publication} FROM {m} m {proposer} "  # noqa: S608
        "WHERE m.number = %s AND m.suffix = %s{public}",
        # Its stage changes, newest first.
        "changes": f"SELECT {change} FROM {sc} sc WHERE sc.modification_id = %s "  # noqa: S608
        "ORDER BY sc.changed_at DESC, sc.id DESC LIMIT %s",
        # The register's newest publications, then its newest stage changes, in the same
        # columns (no nulls to type): the modification, whether it is a stage change, the
        # moment, the key, the publication's details, then the stage change's ('' for a
        # publication).
        "register": f"SELECT * FROM (SELECT {modification}, 0, m.published_at, m.id, "  # noqa: S608
        f"{details}, '', '', '', '' FROM {m} m {proposer} "
        "WHERE m.published_at IS NOT NULL{public} ORDER BY m.published_at DESC LIMIT %s) "
        f"published UNION ALL SELECT * FROM (SELECT {modification}, 1, sc.changed_at, sc.id, "
        f"{details}, sc.from_stage, sc.to_stage, sc.decided_by, sc.reason FROM {sc} sc "
        f"JOIN {m} m ON m.id = sc.modification_id {proposer} WHERE 1 = 1{{public}} "
        "ORDER BY sc.changed_at DESC, sc.id DESC LIMIT %s) changes",
    }


def _public(user: Any) -> tuple[str, list[Any]]:
    """visible_to's condition in SQL, with its parameters: none for those who see
    unpublished modifications (visible_to gives them no condition), else published by now."""
    if not visible_to(user):
        return "", []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    return " AND m.published_at IS NOT NULL AND m.published_at <= %s", [now]


def _feed_modification(row: Sequence[Any]) -> FeedModification:
    (pk, number, suffix, stage, legacy, title, published_at, raised_on, proposer_id,
     person, organisation_id, organisation) = row  # fmt: skip
    proposer = None
    if proposer_id is not None:
        proposer = organisation if organisation_id is not None else person
    if isinstance(raised_on, str):  # SQLite: text
        raised_on = parse_date(raised_on)
    reference = _reference(number, suffix, stage, legacy)
    return FeedModification(pk, reference, title, stage, _aware(published_at), raised_on, proposer)


def feed_modification(user: Any, reference: str) -> FeedModification | None:
    """A visible modification, for its own feed (one query)."""
    public, parameters = _public(user)  # first: it reads the user whatever the reference
    parsed = parse_reference(reference)
    if parsed is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            _feed_sql()["modification"].format(public=public),
            [parsed.number, parsed.suffix, *parameters],
        )
        row = cursor.fetchone()
    return None if row is None else _feed_modification(row)


def _published_entry(modification: FeedModification) -> FeedEntry:
    by = ""
    if modification.proposer is not None:
        by = f" Raised by {modification.proposer} on {modification.raised_on:%d %B %Y}."
    stage = STAGES.get(modification.stage, modification.stage)
    return FeedEntry(
        modification.published_at,  # type: ignore[arg-type] # (only published ones)
        f"published-{modification.pk}",
        modification.reference,
        modification.title,
        None,
        f"{modification.title}.{by} Stage: {stage}.",
    )


def _stage_change_entry(change: Sequence[Any], reference: str, title: str) -> FeedEntry:
    """A stage change read as _feed_sql's columns, of the modification named."""
    pk, changed_at, from_stage, to_stage, decided_by, reason = change
    to_display = STAGES.get(to_stage, to_stage)
    parts = [f"{reference} is now at {to_display}."]
    if decided_by:
        parts.append(f"Decided by: {decided_by}.")
    if reason:
        parts.append(reason)
    return FeedEntry(
        _aware(changed_at),  # type: ignore[arg-type] # (a stage change has its moment)
        f"stage-change-{pk}",
        reference,
        title,
        pk,
        " ".join(parts),
        STAGES.get(from_stage, from_stage),
        to_display,
    )


def feed_entries(
    user: Any, *, modification: FeedModification | None = None, limit: int = 50
) -> list[FeedEntry]:
    """The latest publications and stage changes, newest first, as values in one query (a
    modification's, read by `feed_modification`, from it and one query). Model instances of
    every entry's modification, proposer and organisation, and Django's feed framework
    around them, cost five times the twin's whole request."""
    entries = []
    with connection.cursor() as cursor:
        if modification is not None:
            if modification.published_at is not None:
                entries.append(_published_entry(modification))
            cursor.execute(_feed_sql()["changes"], [modification.pk, limit])
            entries += [
                _stage_change_entry(row, modification.reference, modification.title)
                for row in cursor.fetchall()
            ]
        else:
            public, parameters = _public(user)
            sql = _feed_sql()["register"].format(public=public)
            cursor.execute(sql, [*parameters, limit, *parameters, limit])
            for row in cursor.fetchall():
                if row[6] == 0:  # a publication
                    publication = (*row[:6], row[7], *row[9:14])
                    entries.append(_published_entry(_feed_modification(publication)))
                else:
                    _, number, suffix, stage, legacy, title = row[:6]
                    reference = _reference(number, suffix, stage, legacy)
                    change = (row[8], row[7], *row[14:])
                    entries.append(_stage_change_entry(change, reference, title))
    # A stable sort: at the same moment, publications stay before stage changes.
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]
