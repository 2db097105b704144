"""Reads of modifications: lookup by any spelling of the reference, search, next key date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import cache
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable
from django.utils import timezone

from secmods.core.roles import is_committee_member, is_secas_staff
from secmods.glossary.models import GlossaryTerm
from secmods.glossary.selectors import Term
from secmods.parties.models import PartyCategory
from secmods.rules.references import parse_reference

from . import related
from .models import Milestone, MilestoneStatus, Modification, ReportSection, SecSection, StageChange


def visible_modifications(user: Any = None) -> QuerySet[Modification]:
    """What a user may see: staff and committee members everything, the public published."""
    return Modification.objects.filter(visible_to(user))


def visible_to(user: Any = None, *, through: str = "") -> Q:
    """The condition of `visible_modifications`, on a related model when `through` names the
    relation ("modification"). Filtering rows of another table by this join condition, rather
    than by `modification__in=visible_modifications(...)`, lets PostgreSQL look up only the
    joined modifications instead of hashing the whole table: the cost stays with the rows
    shown, not with the size of the register."""
    if user is not None and (is_secas_staff(user) or is_committee_member(user)):
        return Q()
    prefix = f"{through}__" if through else ""
    return Q(
        **{f"{prefix}published_at__isnull": False, f"{prefix}published_at__lte": timezone.now()}
    )


def reference_filter(text: str) -> Q | None:
    """A filter for the modification(s) a reference spelling names, or None if it is not one.

    "160" alone names the original and its alternatives' base number; "MP160A" one row.
    """
    parsed = parse_reference(text)
    if parsed is None:
        return None
    return Q(number=parsed.number, suffix=parsed.suffix)


def get_by_reference(
    reference: str, queryset: QuerySet[Modification] | None = None
) -> Modification | None:
    condition = reference_filter(reference)
    if condition is None:
        return None
    queryset = Modification.objects.all() if queryset is None else queryset
    # (number, suffix) is unique: no ORDER BY to compile and run, as first() would add.
    return next(iter(queryset.filter(condition).order_by()[:1]), None)


def search_modifications(queryset: QuerySet[Modification], text: str) -> QuerySet[Modification]:
    """Reference in any spelling, or words of the title."""
    text = " ".join((text or "").split())
    if not text:
        return queryset
    condition = Q(title__icontains=text)
    by_reference = reference_filter(text)
    if by_reference is not None:
        condition |= by_reference
    return queryset.filter(condition)


def overdue_milestones(today: Any = None) -> Q:
    """The database form of `overdue.is_overdue`: planned, and the whole period has passed."""
    today = today or timezone.localdate()
    return Q(status=MilestoneStatus.PLANNED, date_to__lt=today)


def with_next_key_date(queryset: QuerySet[Modification]) -> QuerySet[Modification]:
    """Annotate each modification with its next planned milestone not yet passed, and how
    many planned ones have passed (`overdue_count`): two correlated subqueries, any size."""
    today = timezone.localdate()
    upcoming = Milestone.objects.filter(
        modification=OuterRef("pk"), status=MilestoneStatus.PLANNED, date_to__gte=today
    ).order_by("date_from", "order", "pk")
    overdue = (
        Milestone.objects.filter(overdue_milestones(today), modification=OuterRef("pk"))
        .order_by()
        .values("modification")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        next_key_label=Subquery(upcoming.values("label")[:1]),
        next_key_precision=Subquery(upcoming.values("precision")[:1]),
        next_key_from=Subquery(upcoming.values("date_from")[:1]),
        next_key_to=Subquery(upcoming.values("date_to")[:1]),
        overdue_count=Coalesce(Subquery(overdue), 0),
    )


def next_key_milestone(milestones: list[Milestone]) -> Milestone | None:
    """The milestone `with_next_key_date` annotates, chosen from a fetched timetable."""
    today = timezone.localdate()
    upcoming = [
        m
        for m in milestones
        if m.status == MilestoneStatus.PLANNED and m.date_to is not None and m.date_to >= today
    ]
    if not upcoming:
        return None
    return min(upcoming, key=lambda m: (m.date_from, m.order, m.pk))


def overdue_count(milestones: list[Milestone]) -> int:
    """The `overdue_count` that `with_next_key_date` annotates, from a fetched timetable."""
    return sum(1 for m in milestones if m.is_overdue)


def timetable(modification: Modification) -> QuerySet[Milestone]:
    """The progression timetable in date order, TBC last, on every database."""
    return modification.milestones.select_related("meeting__committee").all()


def modification_list(user: Any = None) -> QuerySet[Modification]:
    """The rows of the register and the API list: summary fields and the next key date, in
    a fixed number of queries whatever the page size."""
    return with_next_key_date(
        visible_modifications(user)
        .select_related("proposer__organisation")
        .prefetch_related("sec_sections")
    )


# The list's rows as plain values: no model instances for 50 modifications, their
# proposers and organisations (the ORM's instance building was most of the list's time).
SUMMARY_VALUES = (
    "id", "number", "suffix", "legacy_reference", "title", "stage", "path", "is_urgent",
    "is_authority_led", "raised_on", "latest_update", "published_at", "updated_at", "version",
    "proposer_id", "proposer__name", "proposer__organisation__name",
    "proposer__organisation__short_name",
)  # fmt: skip
_NEXT_KEY_VALUES = ("next_key_label", "next_key_precision", "next_key_from", "next_key_to")


def summary_rows(queryset: QuerySet[Modification]) -> QuerySet[Any, dict[str, Any]]:
    """The list's fields of (filtered) modifications as dicts (`values()`), each with its
    next key date (`next_key`: [label, precision, from, to] or None), its `overdue_count`
    and its SEC Section codes (`sec_codes`, ordered by code).

    On PostgreSQL in the page's one query, the next key date from one subquery written as
    SQL: the ORM's four correlated Subquery annotations (`with_next_key_date`) cost more
    to build and compile than the whole page took to fetch, and made PostgreSQL walk the
    timetable four times. Elsewhere (SQLite) `with_summary_extras` completes the fetched
    page: the four columns folded into `next_key`, the codes in one more query.
    """
    if connection.vendor != "postgresql":
        rows = with_next_key_date(queryset)
        return rows.values(*SUMMARY_VALUES, *_NEXT_KEY_VALUES, "overdue_count")
    return queryset.annotate(**_summary_subqueries(timezone.localdate())).values(
        *SUMMARY_VALUES, "next_key", "overdue_count", "sec_codes"
    )


def _summary_subqueries(today: date) -> dict[str, RawSQL]:
    """`with_next_key_date`'s milestones (and the same order) as three correlated
    subqueries over the list's modification (model meta names only, `today` a parameter)."""
    mine = f'"{Modification._meta.db_table}"."id"'
    milestones = Milestone._meta.db_table
    sec_sections = Modification.sec_sections.through._meta.db_table
    planned = MilestoneStatus.PLANNED.value
    return {
        "next_key": RawSQL(  # noqa: S611 (model meta names only, no input)
            # text[], not JSON: django-filter's multiple choices make the query DISTINCT,
            # and json has no equality.
            "(SELECT ARRAY[nk.label, nk.precision, to_char(nk.date_from, 'YYYY-MM-DD'), "  # noqa: S608
            "to_char(nk.date_to, 'YYYY-MM-DD')] "
            f"FROM {milestones} nk WHERE nk.modification_id = {mine} "
            f"AND nk.status = '{planned}' AND nk.date_to >= %s "
            'ORDER BY nk.date_from, nk."order", nk.id LIMIT 1)',
            (today,),
        ),
        "overdue_count": RawSQL(  # noqa: S611 (model meta names only, no input)
            f"(SELECT count(*) FROM {milestones} od WHERE od.modification_id = {mine} "  # noqa: S608
            f"AND od.status = '{planned}' AND od.date_to < %s)",
            (today,),
        ),
        "sec_codes": RawSQL(  # noqa: S611 (model meta names only, no input)
            f"ARRAY(SELECT s.code FROM {sec_sections} ms "  # noqa: S608
            f"JOIN {SecSection._meta.db_table} s ON s.id = ms.secsection_id "
            f"WHERE ms.modification_id = {mine} ORDER BY s.code)",
            (),
        ),
    }


def with_summary_extras(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Completes rows of `summary_rows` that lack `next_key` and `sec_codes` (not read on
    PostgreSQL): the codes of the whole page in one query."""
    missing = [row for row in rows if "sec_codes" not in row]
    if not missing:
        return rows
    codes: dict[int, list[str]] = {row["id"]: [] for row in missing}
    through = Modification.sec_sections.through.objects.filter(modification_id__in=codes)
    for modification_id, code in through.order_by("secsection__code").values_list(
        "modification_id", "secsection__code"
    ):
        codes[modification_id].append(code)
    for row in missing:
        row["sec_codes"] = codes[row["id"]]
        label, precision, start, end = (row.pop(name) for name in _NEXT_KEY_VALUES)
        row["next_key"] = [label, precision, start, end] if precision else None
    return rows


def modification_detail(user: Any = None, *, fold: bool | None = None) -> QuerySet[Modification]:
    """One modification with its report, timetable, meetings, stage history and the glossary.

    On PostgreSQL one query: the to-many rows come folded into arrays of JSON objects by
    correlated subqueries, and are unpacked into the same (unsaved) model instances a
    prefetch would have cached, so that every reader (serializers, `terms_used_by`) sees
    what it saw with prefetches. Elsewhere (SQLite) the prefetches themselves.
    `fold`: None for "on PostgreSQL"; False forces the prefetches (tests compare the two).
    """

    AgendaItem = related.agenda_item_model()

    # No next-key-date subqueries here: the whole timetable is fetched anyway, and
    # `next_key_milestone` picks the same milestone from it in Python.
    queryset = visible_modifications(user).select_related(
        "proposer__organisation", "lead_analyst__organisation", "target_release"
    )
    if fold is None:
        fold = connection.vendor == "postgresql"
    if fold:
        folded = queryset.annotate(**_folded_relations())
        folded._iterable_class = _UnfoldingIterable
        return folded
    return queryset.prefetch_related(
        "sec_sections",
        "sections",
        "impacted_party_categories",
        Prefetch("milestones", queryset=Milestone.objects.all()),
        Prefetch(
            "agenda_items",
            queryset=AgendaItem.objects.select_related("meeting__committee").order_by(
                "meeting__starts_at", "order", "pk"
            ),
        ),
        Prefetch("stage_changes", queryset=StageChange.objects.all()),
    )


DETAIL_VALUES = (
    *SUMMARY_VALUES, "lead_analyst_id", "lead_analyst__name", "lead_analyst__organisation__name",
    "lead_analyst__organisation__short_name", "target_release_id", "target_release__name",
    "target_release__date", "sec_provisions", "problem_statement_agreed",
    "refinement_not_needed_reason", "dcc_impact_assessment", "change_board_outcome",
    "authority_decision", "appeal_window_closes_on", "created_at",
)  # fmt: skip


def detail_row(reference: str, user: Any = None) -> dict[str, Any] | None:
    """PostgreSQL only: the modification a reference names, if this user may see it, as
    the plain values `values(*DETAIL_VALUES)` gives, with its to-many rows as the folded
    subqueries give them (`folded_milestones` etc.: lists of dicts, dates and times as ISO
    text), in one query and without the model instances `modification_detail` unfolds
    them into. For reads that only answer the detail's JSON (`serializers.detail_from_row`).

    The ORM compiles the row lookup (reference and visibility) per request; the SELECT
    list, its joins and folded subqueries, the same for every request, once per process:
    building and compiling its 40 columns cost more than the query took to run.
    """
    condition = reference_filter(reference)
    if condition is None:
        return None
    found = visible_modifications(user).filter(condition).order_by().values("pk")[:1]
    try:
        lookup, params = found.query.sql_with_params()
    except EmptyResultSet:  # a lookup the ORM knows matches nothing (QuerySets catch it)
        return None
    table = Modification._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'{_detail_select()} WHERE "{table}"."id" = ({lookup})', params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip((column.name for column in cursor.description), row, strict=True))


@cache
def _detail_select() -> str:
    """SELECT <DETAIL_VALUES and the folded rows> FROM <the modification and its to-one
    joins>, as the ORM compiles it (columns named as `values()` names them)."""
    folded = _folded_relations()
    rows = Modification.objects.order_by().annotate(**folded).values(*DETAIL_VALUES, *folded)
    sql, params = rows.query.sql_with_params()
    assert not params  # nothing per request in it
    return sql


# --- The detail's to-many rows folded into its one query (PostgreSQL) -------------------
_FOLDED_MILESTONE_FIELDS = (
    "id", "kind", "label", "status", "meeting_id", "precision", "date_from", "date_to",
    "date_text", "baseline_precision", "baseline_from", "baseline_to", "order", "version",
)  # fmt: skip
_FOLDED_STAGE_CHANGE_FIELDS = (
    "id", "from_stage", "to_stage", "changed_at", "changed_by_id", "decided_by", "meeting_id",
    "reason",
)  # fmt: skip


def _folded_relations() -> dict[str, Any]:
    """json_agg subqueries over the modification's rows, in the orders the prefetches used.

    Written as SQL, not as ArraySubquery(JSONObject(...)): building and compiling those
    ORM expressions (some 200 of them) cost more time per request than the seven queries
    they replace.
    """

    AgendaItem, Meeting = related.agenda_item_model(), related.meeting_model()
    Committee = related.committee_model()

    mine = f'"{Modification._meta.db_table}"."id"'

    def rows(table: str, fields: tuple[str, ...], order: str, where: str = "") -> RawSQL:
        pairs = ", ".join(f"'{name}', t.\"{name}\"" for name in fields)
        where = where or f"t.modification_id = {mine}"
        return RawSQL(  # noqa: S611 (model meta names only, no input)
            f"(SELECT coalesce(json_agg(json_build_object({pairs}) ORDER BY {order}), '[]') "  # noqa: S608
            f"FROM {table} t WHERE {where})",
            (),
        )

    sec_sections = Modification.sec_sections.through._meta.db_table
    categories = Modification.impacted_party_categories.through._meta.db_table
    return {
        "folded_sec_sections": RawSQL(  # noqa: S611 (model meta names only, no input)
            f"(SELECT coalesce(json_agg(s.code ORDER BY s.code), '[]') FROM {sec_sections} ms "  # noqa: S608
            f"JOIN {SecSection._meta.db_table} s ON s.id = ms.secsection_id "
            f"WHERE ms.modification_id = {mine})",
            (),
        ),
        # In PartyCategory's own order (Meta.ordering), as the prefetch gave them.
        "folded_categories": RawSQL(  # noqa: S611 (model meta names only, no input)
            f"(SELECT coalesce(json_agg(pc.slug ORDER BY pc.\"order\", pc.name), '[]') "  # noqa: S608
            f"FROM {categories} mc "
            f"JOIN {PartyCategory._meta.db_table} pc ON pc.id = mc.partycategory_id "
            f"WHERE mc.modification_id = {mine})",
            (),
        ),
        "folded_sections": rows(
            ReportSection._meta.db_table,
            ("id", "order", "level", "heading", "body"),
            't."order"',
        ),
        "folded_milestones": rows(
            Milestone._meta.db_table,
            _FOLDED_MILESTONE_FIELDS,
            't.date_from ASC NULLS LAST, t."order", t.id',
        ),
        "folded_agenda": RawSQL(  # noqa: S611 (model meta names only, no input)
            "(SELECT coalesce(json_agg(json_build_object('id', t.id, 'purpose', t.purpose, "  # noqa: S608
            "'decision', t.decision, 'outcome', t.outcome, 'meeting_id', mt.id, "
            "'starts_at', mt.starts_at, 'meeting_title', mt.title, "
            "'meeting_status', mt.status, 'committee', c.abbreviation) "
            "ORDER BY mt.starts_at, t.\"order\", t.id), '[]') "
            f"FROM {AgendaItem._meta.db_table} t "
            f"JOIN {Meeting._meta.db_table} mt ON mt.id = t.meeting_id "
            f"JOIN {Committee._meta.db_table} c ON c.id = mt.committee_id "
            f"WHERE t.modification_id = {mine})",
            (),
        ),
        "folded_stage_changes": rows(
            StageChange._meta.db_table, _FOLDED_STAGE_CHANGE_FIELDS, "t.changed_at, t.id"
        ),
        # Every term (a few hundred at most): the detail lists those its text uses.
        "folded_glossary": rows(
            GlossaryTerm._meta.db_table, ("acronym", "full_term"), "t.acronym", where="true"
        ),
    }


_COLUMNS: dict[type[Any], dict[str, tuple[str, Any]]] = {}


def _columns(model: type[Any]) -> dict[str, tuple[str, Any]]:
    """JSON key (a column's attname) -> (attname, parser or None), per model, once."""
    if model not in _COLUMNS:
        _COLUMNS[model] = {
            field.attname: (
                field.attname,
                field.to_python
                if field.get_internal_type() in ("DateField", "DateTimeField")
                else None,
            )
            for field in model._meta.concrete_fields
        }
    return _COLUMNS[model]


def _instance(model: type[Any], row: dict[str, Any]) -> Any:
    """An unsaved instance from a JSON row: dates and times parsed as the ORM would."""
    columns = _columns(model)
    values = {}
    for name, value in row.items():
        attname, parse = columns[name]
        values[attname] = parse(value) if parse is not None and value is not None else value
    return model(**values)


class _UnfoldingIterable(ModelIterable):  # type: ignore[type-arg]
    """Model instances whose prefetch caches are filled from the folded JSON arrays."""

    def __iter__(self) -> Iterator[Modification]:
        AgendaItem, Meeting = related.agenda_item_model(), related.meeting_model()
        Committee = related.committee_model()

        for modification in super().__iter__():
            folded = modification.__dict__
            agenda = []
            for row in folded.pop("folded_agenda"):
                meeting = Meeting(
                    id=row["meeting_id"],
                    starts_at=Meeting._meta.get_field("starts_at").to_python(row["starts_at"]),
                    title=row["meeting_title"],
                    status=row["meeting_status"],
                )
                meeting.committee = Committee(abbreviation=row["committee"])
                item = AgendaItem(
                    id=row["id"],
                    purpose=row["purpose"],
                    decision=row["decision"],
                    outcome=row["outcome"],
                    modification_id=modification.pk,
                )
                item.meeting = meeting
                agenda.append(item)
            modification._prefetched_objects_cache = {
                "sec_sections": [SecSection(code=c) for c in folded.pop("folded_sec_sections")],
                "impacted_party_categories": [
                    PartyCategory(slug=s) for s in folded.pop("folded_categories")
                ],
                "sections": [
                    _instance(ReportSection, {**r, "modification_id": modification.pk})
                    for r in folded.pop("folded_sections")
                ],
                "milestones": [
                    _instance(Milestone, {**r, "modification_id": modification.pk})
                    for r in folded.pop("folded_milestones")
                ],
                "agenda_items": agenda,
                "stage_changes": [
                    _instance(StageChange, {**r, "modification_id": modification.pk})
                    for r in folded.pop("folded_stage_changes")
                ],
            }
            modification.all_glossary_terms = [  # type: ignore[attr-defined]
                Term(r["acronym"], r["full_term"]) for r in folded.pop("folded_glossary")
            ]
            yield modification
