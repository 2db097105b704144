"""Hand-written twins of the API and the public pages, each answered by one SQL query.

The API's modification list and detail: the same JSON as /api/v1/modifications/ (same fields,
same rows, same order) without DRF, the ORM or extra queries. The register page, a
modification page and the meetings calendar: the same rows as secmods/register/views.py
shows an anonymous visitor (published modifications only), rendered by string building
without the ORM or the template engine. They are the yardsticks `make bench` measures the
real endpoints against; bench/api.py and bench/twins.py check that each twin answers the
same as its real endpoint. PostgreSQL only (LATERAL, json_agg).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from rest_framework.utils.urls import replace_query_param

from secmods.committees.models import AgendaPurpose, MeetingStatus
from secmods.consultations.models import ConsultationKind
from secmods.consultations.services import display_deadline
from secmods.documents.models import DocumentKind
from secmods.modifications.models import MilestoneStatus, Path, Stage
from secmods.register.glossary_markup import term_anchor
from secmods.register.timeline import build_timeline
from secmods.register.views import COLUMNS, FILE_FORMATS
from secmods.rules.dates import ApproxDate
from secmods.rules.references import format_reference, parse_reference

JSON = {"separators": (",", ":"), "ensure_ascii": False}
DRAFT = ("draft_proposal", "closed")


def _dt(value: datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    # As the API writes times (secmods.core.api.iso_datetime): London's offset, never Z.
    return timezone.localtime(value).isoformat()


def _day(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _when(precision: str, start: Any, end: Any) -> dict[str, Any]:
    when = ApproxDate(precision, _day(start), _day(end))
    return {
        "date": when.start.isoformat() if when.start else None,
        "precision": when.precision,
        "display": when.display(),
    }


_SUMMARY_COLUMNS = """
    m.id, m.number, m.suffix, m.legacy_reference, m.title, m.stage, m.path, m.is_urgent,
    m.is_authority_led, m.raised_on, m.latest_update, m.published_at, m.updated_at, m.version,
    p.id, p.name, o.name, o.short_name,
    (SELECT coalesce(array_agg(s.code ORDER BY s.code), '{}')
       FROM modifications_modification_sec_sections ms
       JOIN modifications_secsection s ON s.id = ms.secsection_id
      WHERE ms.modification_id = m.id),
    nk.label, nk.precision, nk.date_from, nk.date_to,
    (SELECT count(*) FROM modifications_milestone od
      WHERE od.modification_id = m.id AND od.status = 'planned' AND od.date_to < %(today)s)
"""
_SUMMARY_JOINS = """
    FROM modifications_modification m
    LEFT JOIN parties_person p ON p.id = m.proposer_id
    LEFT JOIN parties_organisation o ON o.id = p.organisation_id
    LEFT JOIN LATERAL (
        SELECT label, precision, date_from, date_to FROM modifications_milestone ms
         WHERE ms.modification_id = m.id AND ms.status = 'planned' AND ms.date_to >= %(today)s
         ORDER BY ms.date_from, ms."order", ms.id LIMIT 1
    ) nk ON true
"""
_VISIBLE = "WHERE m.published_at IS NOT NULL AND m.published_at <= now()"
_DETAIL_JOINS = """
    LEFT JOIN parties_person la ON la.id = m.lead_analyst_id
    LEFT JOIN parties_organisation lo ON lo.id = la.organisation_id
    LEFT JOIN committees_release r ON r.id = m.target_release_id
"""


def _summary(request: HttpRequest, row: tuple[Any, ...]) -> dict[str, Any]:
    (_, number, suffix, legacy, title, stage, path, urgent, authority_led, raised_on,
     latest_update, published_at, updated_at, version, person_id, person_name, org_name,
     org_short, sec_codes, nk_label, nk_precision, nk_from, nk_to, overdue) = row[:24]  # fmt: skip
    reference = format_reference(number, suffix, draft=stage in DRAFT and not suffix, legacy=legacy)
    return {
        "reference": reference,
        "url": request.build_absolute_uri(
            reverse("modification-detail", kwargs={"reference": reference})
        ),
        "number": number,
        "suffix": suffix,
        "title": title,
        "stage": stage,
        "path": path,
        "is_urgent": urgent,
        "is_authority_led": authority_led,
        "proposer": None
        if person_id is None
        else {
            "id": person_id,
            "name": person_name,
            "organisation": org_name,
            "organisation_short_name": org_short,
        },
        "raised_on": raised_on.isoformat(),
        "sec_sections": list(sec_codes),
        "latest_update": latest_update,
        "next_key_date": None
        if not nk_precision
        else {"label": nk_label, "when": _when(nk_precision, nk_from, nk_to)},
        "overdue_count": overdue,
        "published_at": _dt(published_at),
        "updated_at": _dt(updated_at),
        "version": version,
    }


def plain_list(request: HttpRequest) -> JsonResponse:
    page_size = min(int(request.GET.get("page_size", 50)), 200)
    page = int(request.GET.get("page", 1))
    # The page first (LIMIT on the indexed order), then its joins and next key dates; the
    # count as a scalar subquery: one statement, no work on rows that are not shown.
    page_sql = f"""(SELECT * FROM modifications_modification m {_VISIBLE}
                    ORDER BY m.number DESC, m.suffix ASC LIMIT %(limit)s OFFSET %(offset)s)"""  # noqa: S608
    joins = _SUMMARY_JOINS.replace("FROM modifications_modification m", f"FROM {page_sql} m")
    sql = f"""SELECT {_SUMMARY_COLUMNS},
                     (SELECT count(*) FROM modifications_modification m {_VISIBLE})
              {joins} ORDER BY m.number DESC, m.suffix ASC"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {"limit": page_size, "offset": (page - 1) * page_size, "today": timezone.localdate()},
        )
        rows = cursor.fetchall()
    count = rows[0][-1] if rows else 0
    url = request.build_absolute_uri()
    next_url = replace_query_param(url, "page", page + 1) if page * page_size < count else None
    previous = None
    if page > 1:
        previous = replace_query_param(url, "page", page - 1)
        if page == 2:
            from rest_framework.utils.urls import remove_query_param

            previous = remove_query_param(url, "page")
    body = {
        "count": count,
        "next": next_url,
        "previous": previous,
        "results": [_summary(request, row) for row in rows],
    }
    return JsonResponse(body, json_dumps_params=JSON)


_DETAIL_COLUMNS = """,
    la.id, la.name, lo.name, lo.short_name, r.id, r.name, r.date,
    m.sec_provisions, m.problem_statement_agreed, m.refinement_not_needed_reason,
    m.dcc_impact_assessment, m.change_board_outcome, m.authority_decision,
    m.appeal_window_closes_on, m.created_at,
    (SELECT coalesce(json_agg(pc.slug ORDER BY pc."order", pc.name), '[]')
       FROM modifications_modification_impacted_party_categories mi
       JOIN parties_partycategory pc ON pc.id = mi.partycategory_id
      WHERE mi.modification_id = m.id),
    (SELECT coalesce(json_agg(json_build_object('order', rs."order", 'level', rs.level,
            'heading', rs.heading, 'body', rs.body) ORDER BY rs."order"), '[]')
       FROM modifications_reportsection rs WHERE rs.modification_id = m.id),
    (SELECT coalesce(json_agg(json_build_object('id', t.id, 'kind', t.kind, 'label', t.label,
            'status', t.status, 'precision', t.precision, 'from', t.date_from, 'to', t.date_to,
            'bp', t.baseline_precision, 'bf', t.baseline_from, 'bt', t.baseline_to,
            'meeting', t.meeting_id, 'date_text', t.date_text, 'order', t."order",
            'version', t.version)
            ORDER BY t.date_from ASC NULLS LAST, t."order", t.id), '[]')
       FROM modifications_milestone t WHERE t.modification_id = m.id),
    (SELECT coalesce(json_agg(json_build_object('id', mt.id, 'committee', c.abbreviation,
            'starts_at', mt.starts_at, 'title', mt.title, 'status', mt.status,
            'purpose', ai.purpose, 'decision', ai.decision, 'outcome', ai.outcome)
            ORDER BY mt.starts_at, ai."order", ai.id), '[]')
       FROM committees_agendaitem ai
       JOIN committees_meeting mt ON mt.id = ai.meeting_id
       JOIN committees_committee c ON c.id = mt.committee_id
      WHERE ai.modification_id = m.id),
    (SELECT coalesce(json_agg(json_build_object('from_stage', sc.from_stage,
            'to_stage', sc.to_stage, 'changed_at', sc.changed_at, 'decided_by', sc.decided_by,
            'meeting', sc.meeting_id, 'reason', sc.reason)
            ORDER BY sc.changed_at, sc.id), '[]')
       FROM modifications_stagechange sc WHERE sc.modification_id = m.id),
    (SELECT coalesce(json_agg(json_build_object('acronym', g.acronym,
            'full_term', g.full_term) ORDER BY g.acronym), '[]')
       FROM glossary_glossaryterm g)
"""

# The lifecycle's next stages, as lifecycle.next_stages computes them.
_WORDS = re.compile(r"[A-Za-z][A-Za-z0-9&]*")


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def plain_detail(request: HttpRequest, reference: str) -> JsonResponse:
    from secmods.rules import lifecycle

    parsed = parse_reference(reference)
    if parsed is None:
        raise Http404
    sql = f"""SELECT {_SUMMARY_COLUMNS} {_DETAIL_COLUMNS} {_SUMMARY_JOINS} {_DETAIL_JOINS}
              {_VISIBLE} AND m.number = %(number)s AND m.suffix = %(suffix)s LIMIT 1"""
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(sql, {"today": today, "number": parsed.number, "suffix": parsed.suffix})
        row = cursor.fetchone()
    if row is None:
        raise Http404
    body = _summary(request, row)
    (la_id, la_name, lo_name, lo_short, r_id, r_name, r_date, provisions, agreed,
     not_needed, impact, cb_outcome, authority, appeal, created_at, categories, sections,
     milestones, agenda, history, glossary) = row[24:]  # fmt: skip
    sections, milestones = _loads(sections), _loads(milestones)
    timetable = []
    for t in milestones:
        when = _when(t["precision"], t["from"], t["to"])
        baseline = _when(t["bp"], t["bf"], t["bt"]) if t["bp"] else None
        replanned = t["bp"] != "" and (
            ApproxDate(t["bp"], _day(t["bf"]), _day(t["bt"]))
            != ApproxDate(t["precision"], _day(t["from"]), _day(t["to"]))
        )
        timetable.append(
            {
                "id": t["id"],
                "kind": t["kind"],
                "label": t["label"],
                "status": t["status"],
                "when": when,
                "baseline": baseline,
                "is_replanned": replanned,
                "overdue": t["status"] == "planned"
                and t["to"] is not None
                and _day(t["to"]) < today,  # type: ignore[operator]
                "meeting": t["meeting"],
                "date_text": t["date_text"],
                "order": t["order"],
                "version": t["version"],
            }
        )
    text = "\n".join(
        [body["title"]]
        + [part for s in sections for part in (s["heading"], s["body"])]
        + [t["label"] for t in milestones]
    )
    words = set(_WORDS.findall(text))
    stage = body["stage"]
    body.update(
        {
            "lead_analyst": None
            if la_id is None
            else {
                "id": la_id,
                "name": la_name,
                "organisation": lo_name,
                "organisation_short_name": lo_short,
            },
            "target_release": None
            if r_id is None
            else {"id": r_id, "name": r_name, "date": r_date.isoformat()},
            "sec_provisions": provisions,
            "impacted_party_categories": _loads(categories),
            "problem_statement_agreed": agreed,
            "refinement_not_needed_reason": not_needed,
            "dcc_impact_assessment": impact,
            "change_board_outcome": cb_outcome,
            "authority_decision": authority,
            "appeal_window_closes_on": appeal.isoformat() if appeal else None,
            "created_at": _dt(created_at),
            "report_sections": sections,
            "timetable": timetable,
            "meetings": [
                {
                    "meeting": {
                        "id": a["id"],
                        "committee": a["committee"],
                        "starts_at": _dt(a["starts_at"]),
                        "title": a["title"],
                        "status": a["status"],
                    },
                    "purpose": a["purpose"],
                    "decision": a["decision"],
                    "outcome": a["outcome"],
                }
                for a in _loads(agenda)
            ],
            "stage_history": [{**h, "changed_at": _dt(h["changed_at"])} for h in _loads(history)],
            "glossary_terms": [
                g for g in _loads(glossary) if g["acronym"] in words or f"{g['acronym']}s" in words
            ],
            "next_stages": [mv.target for mv in lifecycle.MOVES if stage in mv.sources],
        }
    )
    response = JsonResponse(body, json_dumps_params=JSON)
    response["ETag"] = f'"{body["version"]}"'
    return response


# --- The public pages: register, modification page, meetings calendar ------------------
# The same pages as secmods/register/views.py shows an anonymous visitor (published
# modifications only), each from one hand-written query and rendered by string building:
# no ORM, no template engine, no paginator. bench/twins.py checks that each shows the same
# rows as the real page before it is measured.

esc = html.escape
STAGES = dict(Stage.choices)
PATHS = dict(Path.choices)
PURPOSES = dict(AgendaPurpose.choices)
MEETING_STATUSES = dict(MeetingStatus.choices)
MILESTONE_STATUSES = dict(MilestoneStatus.choices)
CONSULTATION_KINDS = dict(ConsultationKind.choices)
DOCUMENT_KINDS = dict(DocumentKind.choices)
PAGE_SIZE = 50


def _local(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return timezone.localtime(value)


def _short(day: date | datetime) -> str:  # Django's date:"j M Y"
    return f"{day.day} {day:%b %Y}"


def _long(day: date | datetime) -> str:  # Django's date:"j F Y"
    return f"{day.day} {day:%B %Y}"


def _reference(number: int, suffix: str, legacy: bool, stage: str) -> str:
    return format_reference(number, suffix, draft=stage in DRAFT and not suffix, legacy=legacy)


@cache
def _stylesheet() -> str:
    return staticfiles_storage.url("register/register.css")


def _layout(title: str, nav: str, main: str, head: str = "") -> HttpResponse:
    """base.html: the same header, navigation and footer around `main`."""

    def link(path: str, label: str, key: str) -> str:
        current = ' aria-current="page"' if nav == key else ""
        return f'<li><a href="{path}"{current}>{label}</a></li>'

    return HttpResponse(
        '<!doctype html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)} · secmods</title>\n"
        f'<link rel="stylesheet" href="{_stylesheet()}">\n<link rel="icon" href="data:,">\n'
        '<link rel="alternate" type="application/atom+xml" title="New modifications and stage '
        f'changes" href="/feeds/modifications.atom">\n{head}</head>\n<body>\n'
        '<a class="skip-link" href="#main">Skip to content</a>\n'
        '<header class="site-header"><div class="wrap"><a class="brand" href="/">secmods '
        '<span>SEC modifications register</span></a><nav aria-label="Main"><ul>'
        + link("/modifications/", "Modifications", "modifications")
        + link("/meetings/", "Meetings", "meetings")
        + link("/glossary/", "Glossary", "glossary")
        + '<li><a href="/admin/">Sign in</a></li></ul></nav></div></header>\n'
        f'<main id="main" class="wrap" tabindex="-1">\n{main}\n</main>\n'
        '<footer class="site-footer"><div class="wrap"><p>Subscribe: <a href="/feeds/'
        'modifications.atom">Atom feed of new modifications and stage changes</a> · <a href="'
        '/calendar/meetings.ics">calendar of meetings (ICS)</a>. Times are UK time '
        "(Europe/London).</p></div></footer>\n</body>\n</html>\n"
    )


# --- Register page ------------------------------------------------------------------------
_REGISTER_SQL = f"""
SELECT h.total, h.committees, h.categories, h.sections, pg.*
  FROM (SELECT (SELECT count(*) FROM modifications_modification m {_VISIBLE}) AS total,
               (SELECT json_agg(json_build_array(slug, name) ORDER BY name)::text
                  FROM committees_committee) AS committees,
               (SELECT json_agg(json_build_array(slug, name) ORDER BY "order", name)::text
                  FROM parties_partycategory) AS categories,
               (SELECT json_agg(json_build_array(code, title) ORDER BY code)::text
                  FROM modifications_secsection) AS sections) h
  LEFT JOIN LATERAL (
    SELECT m.id, m.number, m.suffix, m.legacy_reference, m.stage, m.title, m.path,
           m.latest_update, m.updated_at, p.name AS proposer, o.name AS org, o.short_name,
           la.name AS analyst, r.name AS release,
           nk.label, nk.precision, nk.date_from, nk.date_to,
           (SELECT count(*) FROM modifications_milestone od
             WHERE od.modification_id = m.id AND od.status = 'planned'
               AND od.date_to < %(today)s) AS overdue
      FROM (SELECT * FROM modifications_modification m {_VISIBLE}
             ORDER BY m.number DESC, m.suffix, m.id LIMIT %(limit)s OFFSET %(offset)s) m
      LEFT JOIN parties_person p ON p.id = m.proposer_id
      LEFT JOIN parties_organisation o ON o.id = p.organisation_id
      LEFT JOIN parties_person la ON la.id = m.lead_analyst_id
      LEFT JOIN committees_release r ON r.id = m.target_release_id
      LEFT JOIN LATERAL (
        SELECT label, precision, date_from, date_to FROM modifications_milestone ms
         WHERE ms.modification_id = m.id AND ms.status = 'planned' AND ms.date_to >= %(today)s
         ORDER BY ms.date_from, ms."order", ms.id LIMIT 1
      ) nk ON true
  ) pg ON true
 ORDER BY pg.number DESC, pg.suffix, pg.id
"""  # noqa: S608 (constant SQL: only the page and the day are parameters)


def _select(id_: str, name: str, label: str, anything: str, choices: Iterable[Any]) -> str:
    options = "".join(f'<option value="{esc(v)}">{esc(t)}</option>' for v, t in choices)
    return (
        f'<div><label for="{id_}">{label}</label><select id="{id_}" name="{name}">'
        f'<option value="">{anything}</option>{options}</select></div>'
    )


def plain_register(request: HttpRequest) -> HttpResponse:
    """The register's first page (or ?page=N) for the default query: sorted by reference,
    newest first, 50 rows. Filters, search and sorting are the real view's only."""
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isdigit() and int(raw) > 0 else 1
    with connection.cursor() as cursor:
        cursor.execute(
            _REGISTER_SQL,
            {
                "limit": PAGE_SIZE,
                "offset": (number - 1) * PAGE_SIZE,
                "today": timezone.localdate(),
            },
        )
        rows = cursor.fetchall()
    total, committees, categories, sections = rows[0][:4]
    pages = max(1, -(-total // PAGE_SIZE))
    if number > pages:
        return HttpResponse("No such page.", status=404, content_type="text/plain")
    out = [
        '<h1>SEC modifications</h1>\n<p class="lede">Every published modification of the Smart'
        ' Energy Code, where it stands and what happens next.</p>\n<div class="finder">'
        '<form class="search" role="search" method="get" action="/modifications/">'
        '<label for="search-q">Search by reference (e.g. MP160) or words</label>'
        '<div class="search-row"><input type="search" id="search-q" name="q" value="" '
        'autocomplete="off" spellcheck="false"><button type="submit">Search</button></div>'
        '</form><form class="filters" method="get" action="/modifications/" aria-label="Filter '
        'the register"><fieldset><legend>Filter and sort</legend><div class="filter-grid">',
        _select("f-stage", "stage", "Stage", "Any stage", Stage.choices),
        _select("f-path", "path", "Path", "Any path", Path.choices),
        _select(
            "f-committee",
            "committee",
            "Presented to",
            "Any committee",
            json.loads(committees or "[]"),
        ),
        _select(
            "f-party",
            "party_category",
            "Party Category impacted",
            "Any Party Category",
            json.loads(categories or "[]"),
        ),
        _select(
            "f-section",
            "sec_section",
            "SEC Section",
            "Any SEC Section",
            [(code, f"Section {code}: {title}") for code, title in json.loads(sections or "[]")],
        ),
        '<div><label for="f-sort">Sort by</label><select id="f-sort" name="sort">',
    ]
    for key, label in COLUMNS:
        for prefix, direction in (("", "ascending"), ("-", "descending")):
            selected = " selected" if f"{prefix}{key}" == "-reference" else ""
            out.append(f'<option value="{prefix}{key}"{selected}>{label}, {direction}</option>')
    out.append(
        '</select></div></div><div class="filter-actions"><button type="submit">Apply filters'
        "</button></div></fieldset></form></div>\n"
    )
    of_pages = f"; page {number} of {pages}" if pages > 1 else ""
    out.append(
        f'<p class="count" id="result-count">{total} modification{"" if total == 1 else "s"}'
        f"{of_pages}.</p>\n"
    )
    if rows[0][4] is None:
        out.append(
            '<p>No published modification matches. <a href="/modifications/">Show them all</a>'
            ".</p>\n"
        )
    else:
        out.append(
            '<div class="table-scroll" role="region" aria-labelledby="result-count" tabindex="0">'
            '<table class="register"><caption class="visually-hidden">Modifications, sorted by '
            "reference (descending)</caption><thead><tr>"
        )
        for key, label in COLUMNS:
            if key == "reference":
                out.append(
                    '<th scope="col" aria-sort="descending"><a href="?sort=reference">Reference'
                    '<span class="sort-mark" aria-hidden="true"> ▼</span></a></th>'
                )
            else:
                out.append(f'<th scope="col"><a href="?sort={key}">{label}</a></th>')
        out.append("</tr></thead>\n<tbody>\n")
        for row in rows:
            (_, number_, suffix, legacy, stage, title, path, latest, updated, proposer, org,
             short, analyst, release, nk_label, nk_precision, nk_from, nk_to,
             overdue) = row[4:]  # fmt: skip
            reference = _reference(number_, suffix, legacy, stage)
            if nk_precision:
                when = ApproxDate(nk_precision, nk_from, nk_to).display()
                next_key = (
                    f'<span class="when precision-{nk_precision}">{when}</span> '
                    f'<span class="muted">{esc(nk_label)}</span>'
                )
            else:
                next_key = '<span class="muted">None planned</span>'
            if overdue:
                next_key += f' · <span class="overdue">{overdue} overdue</span>'
            updated = timezone.localtime(updated)
            out.append(
                f'<tr><th scope="row" data-label="Reference"><a href="/modifications/'
                f'{reference}/">{reference}</a></th>'
                f'<td data-label="Title">{esc(title)}</td>'
                f'<td data-label="Proposer">{esc(short or org or proposer or "")}</td>'
                f'<td data-label="Lead Analyst">{esc(analyst or "")}</td>'
                f'<td data-label="Stage"><span class="stage stage-{stage}">{STAGES[stage]}'
                "</span></td>"
                f'<td data-label="Path">{PATHS.get(path, "Not set")}</td>'
                f'<td data-label="Next key date">{next_key}</td>'
                f'<td data-label="Target release">{esc(release or "")}</td>'
                f'<td data-label="Latest update">{esc(latest)}</td>'
                f'<td data-label="Last updated"><time datetime="{updated.isoformat()}">'
                f"{_short(updated)}</time></td></tr>\n"
            )
        out.append("</tbody></table></div>\n")
    if pages > 1:
        out.append('<nav class="pager" aria-label="Pages"><ul>')
        if number > 1:
            out.append(f'<li><a href="?page={number - 1}" rel="prev">Previous</a></li>')
        # Django's own elided range over a range object: no rows are read or built.
        links = Paginator(range(total), PAGE_SIZE).get_elided_page_range(
            number, on_each_side=2, on_ends=1
        )
        for n in links:
            if n == number:
                out.append(f'<li><a href="?page={n}" aria-current="page">{n}</a></li>')
            elif n == Paginator.ELLIPSIS:
                out.append(f'<li><span aria-hidden="true">{n}</span></li>')
            else:
                out.append(f'<li><a href="?page={n}">{n}</a></li>')
        if number < pages:
            out.append(f'<li><a href="?page={number + 1}" rel="next">Next</a></li>')
        out.append("</ul></nav>\n")
    return _layout("Modifications", "modifications", "".join(out))


# --- Modification page --------------------------------------------------------------------
_PUBLISHED_RESPONSE = "NOT r.confidential AND r.published_at IS NOT NULL"
_PAGE_SQL = f"""
SELECT m.id, m.number, m.suffix, m.legacy_reference, m.title, m.stage, m.path, m.is_urgent,
       m.is_authority_led, m.latest_update, m.raised_on, m.sec_provisions,
       p.name, o.name, la.name, r.name, r.date,
       (SELECT coalesce(json_agg(json_build_array(s.code, s.title) ORDER BY s.code), '[]')
          FROM modifications_modification_sec_sections ms
          JOIN modifications_secsection s ON s.id = ms.secsection_id
         WHERE ms.modification_id = m.id),
       (SELECT coalesce(json_agg(pc.name ORDER BY pc."order", pc.name), '[]')
          FROM modifications_modification_impacted_party_categories mi
          JOIN parties_partycategory pc ON pc.id = mi.partycategory_id
         WHERE mi.modification_id = m.id),
       (SELECT coalesce(json_agg(json_build_array(rs."order", rs.level, rs.heading, rs.body)
                                 ORDER BY rs."order"), '[]')
          FROM modifications_reportsection rs WHERE rs.modification_id = m.id),
       (SELECT coalesce(json_agg(json_build_array(t.id, t.label, t.status, t.meeting_id,
                                 t.precision, t.date_from, t.date_to, t.baseline_precision,
                                 t.baseline_from, t.baseline_to, t."order")
                                 ORDER BY t.date_from ASC NULLS LAST, t."order", t.id), '[]')
          FROM modifications_milestone t WHERE t.modification_id = m.id),
       (SELECT coalesce(json_agg(json_build_array(mt.id, c.name, mt.starts_at, mt.status,
                                 ai.purpose, ai.decision, ai.outcome)
                                 ORDER BY mt.starts_at, ai."order", ai.id), '[]')
          FROM committees_agendaitem ai
          JOIN committees_meeting mt ON mt.id = ai.meeting_id
          JOIN committees_committee c ON c.id = mt.committee_id
         WHERE ai.modification_id = m.id),
       (SELECT coalesce(json_agg(json_build_array(sc.id, sc.from_stage, sc.to_stage,
                                 sc.changed_at, sc.decided_by, sc.meeting_id, mt.starts_at,
                                 sc.reason) ORDER BY sc.changed_at, sc.id), '[]')
          FROM modifications_stagechange sc
          LEFT JOIN committees_meeting mt ON mt.id = sc.meeting_id
         WHERE sc.modification_id = m.id),
       (SELECT coalesce(json_agg(json_build_array(c.id, c.kind, c.title, c.opens_at,
                                 c.closes_at, q.questions, rp.responses)
                                 ORDER BY c.opens_at, c.id), '[]')
          FROM consultations_consultation c
          -- Per question, per Party Category, the published answers' positions.
          LEFT JOIN LATERAL (
            SELECT coalesce(json_agg(json_build_array(q."order", q.text, q.kind, (
                     SELECT coalesce(json_agg(json_build_array(g.name, g.agree, g.disagree,
                                              g.neutral, g.answered)
                                              ORDER BY g."order", g.name), '[]')
                       FROM (SELECT pc.name, pc."order",
                                    count(*) FILTER (WHERE a.position = 'agree') AS agree,
                                    count(*) FILTER (WHERE a.position = 'disagree') AS disagree,
                                    count(*) FILTER (WHERE a.position = 'neutral') AS neutral,
                                    count(*) AS answered
                               FROM consultations_answer a
                               JOIN consultations_response r ON r.id = a.response_id
                               JOIN parties_partycategory pc ON pc.id = r.party_category_id
                              WHERE a.question_id = q.id AND {_PUBLISHED_RESPONSE}
                              GROUP BY pc.id) g)) ORDER BY q."order"), '[]') AS questions
              FROM consultations_question q WHERE q.consultation_id = c.id
          ) q ON true
          LEFT JOIN LATERAL (
            SELECT coalesce(json_agg(json_build_array(r.organisation_name, pc.name)
                                     ORDER BY pc."order", r.organisation_name, r.id), '[]')
                   AS responses
              FROM consultations_response r
              JOIN parties_partycategory pc ON pc.id = r.party_category_id
             WHERE r.consultation_id = c.id AND {_PUBLISHED_RESPONSE}
          ) rp ON true
         WHERE c.modification_id = m.id),
       (SELECT coalesce(json_agg(json_build_array(d.id, d.title, d.kind, d.content_type,
                                 d.size, d.uploaded_at) ORDER BY d.uploaded_at DESC, d.id), '[]')
          FROM documents_document d
         WHERE d.modification_id = m.id AND d.visibility = 'published'),
       (SELECT coalesce(json_agg(json_build_array(g.acronym, g.full_term)
                                 ORDER BY g.acronym), '[]')
          FROM glossary_glossaryterm g)
  FROM modifications_modification m
  LEFT JOIN parties_person p ON p.id = m.proposer_id
  LEFT JOIN parties_organisation o ON o.id = p.organisation_id
  LEFT JOIN parties_person la ON la.id = m.lead_analyst_id
  LEFT JOIN committees_release r ON r.id = m.target_release_id
 {_VISIBLE} AND m.number = %s AND m.suffix = %s
"""  # noqa: S608 (constant SQL: the reference's number and suffix are parameters)


@dataclass(frozen=True)
class _Milestone:
    """A timetable row as build_timeline reads it (duck-typing the model's properties)."""

    pk: int
    label: str
    status: str
    meeting_id: int | None
    precision: str
    date_from: date | None
    date_to: date | None
    baseline_precision: str
    baseline_from: date | None
    baseline_to: date | None
    order: int

    @property
    def when(self) -> ApproxDate:
        return ApproxDate(self.precision, self.date_from, self.date_to)

    @property
    def baseline(self) -> ApproxDate | None:
        if not self.baseline_precision:
            return None
        return ApproxDate(self.baseline_precision, self.baseline_from, self.baseline_to)

    @property
    def is_replanned(self) -> bool:
        baseline = self.baseline
        return baseline is not None and baseline != self.when


class _Terms:
    """The glossary terms a text uses, marked as glossary_markup marks them (escaped)."""

    def __init__(self, terms: list[tuple[str, str]]) -> None:
        self.full = dict(terms)
        acronyms = sorted({a for a, _ in terms if a}, key=len, reverse=True)
        alternatives = "|".join(re.escape(a) for a in acronyms)
        self.pattern = (
            re.compile(rf"(?<![A-Za-z0-9&])({alternatives})(s?)(?![A-Za-z0-9&])")
            if acronyms
            else None
        )

    def _link(self, match: re.Match[str]) -> str:
        acronym, plural = match.group(1), match.group(2)
        return (
            f'<a class="term" href="/glossary/#{term_anchor(acronym)}"><abbr title="'
            f'{esc(self.full[acronym] + plural)}">{esc(acronym)}</abbr>{plural}</a>'
        )

    def inline(self, text: str) -> str:
        if self.pattern is None:
            return esc(text)
        out, position = [], 0
        for match in self.pattern.finditer(text):
            out += [esc(text[position : match.start()]), self._link(match)]
            position = match.end()
        out.append(esc(text[position:]))
        return "".join(out)

    def paragraphs(self, text: str) -> str:
        blocks = [b.strip() for b in re.split(r"\n\s*\n", text or "") if b.strip()]
        return "".join(f"<p>{self.inline(block)}</p>" for block in blocks)


def _plural(name: str) -> str:  # as the consultation summary names a Party Category's members
    if name.endswith("s"):
        return name
    if name.endswith("y") and name[-2:-1] not in "aeiou":
        return f"{name[:-1]}ies"
    return f"{name}s"


def _filesize(size: int) -> str:  # Django's filesizeformat, in English
    if size < 1024:
        return f"{size}\xa0byte{'' if size == 1 else 's'}"
    value, unit = size / 1024, "KB"
    for bigger in ("MB", "GB", "TB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{round(value, 1):.1f}\xa0{unit}"


def _timeline_svg(reference: str, timeline: Any) -> str:
    """_timeline.html: the timetable as a picture (geometry from register.timeline)."""
    axis = timeline.axis_y
    bottom = timeline.track_bottom
    left, right = timeline.plot_left, timeline.plot_right
    desc = "".join(
        f"{esc(r.milestone.label)}: {r.when_text} ({r.status}"
        f"{', ' + r.baseline_text if r.baseline_text else ''}). "
        for r in timeline.rows
    )
    out = [
        '<div class="timeline-scroll" role="region" aria-label="Progression timetable picture"'
        ' tabindex="0"><svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 '
        f'{timeline.width} {timeline.height}" role="img" aria-labelledby="timeline-title '
        'timeline-desc" preserveAspectRatio="xMinYMin meet">'
        f'<title id="timeline-title">Progression timetable of {reference}</title>'
        f'<desc id="timeline-desc">{desc}</desc><g class="axis" aria-hidden="true">'
        f'<line class="axis-line" x1="{left}" x2="{right}" y1="{axis}" y2="{axis}"/>'
    ]
    for tick in timeline.ticks:
        major = " major" if tick.major else ""
        out.append(
            f'<line class="tick{major}" x1="{tick.x}" x2="{tick.x}" y1="{axis - 4}" '
            f'y2="{bottom}"/><text class="tick-label" x="{tick.x:.1f}" y="{axis - 8}" dx="3">'
            f"{tick.label}</text>"
        )
    if timeline.tbc_x:
        out.append(f'<text class="tick-label" x="{timeline.tbc_x}" y="{axis - 8}">TBC</text>')
    if timeline.today_x:
        x = timeline.today_x
        out.append(
            f'<line class="today" x1="{x}" x2="{x}" y1="{axis}" y2="{bottom}"/><text '
            f'class="today-label" x="{x}" y="{axis + 8}" dx="3">Today</text>'
        )
    out.append("</g>")
    for row in timeline.rows:
        label = esc(row.milestone.label)
        was = f" ({row.baseline_text})" if row.baseline_text else ""
        flag = (
            f'<tspan class="flag" dx="8">{row.status}</tspan>'
            if row.status in ("next", "overdue", "done")
            else ""
        )
        was_span = (
            f'<tspan class="was" dx="8">{row.baseline_text}</tspan>' if row.baseline_text else ""
        )
        out.append(
            f'<g class="milestone status-{row.status}" data-precision="{row.marker.precision}" '
            f'data-status="{row.status}"><title>{label}: {row.when_text}{was}</title>'
            f'<text class="label" x="{left}" y="{row.label_y}"><tspan class="when">'
            f'{row.when_text}</tspan><tspan dx="8">{label}</tspan>{flag}{was_span}</text>'
            f'<line class="track" x1="{left}" x2="{right}" y1="{row.track_y}" '
            f'y2="{row.track_y}"/>'
        )
        for marker, css in ((row.baseline, "baseline"), (row.marker, "marker")):
            if marker is None:
                continue
            if marker.kind == "dot":
                css = css if css == "baseline" else "marker dot"
                out.append(f'<circle class="{css}" cx="{marker.x}" cy="{row.track_y}" r="7"/>')
            else:
                if css == "marker":
                    css = "marker span" if marker.kind == "bar" else "marker tbc"
                out.append(
                    f'<rect class="{css}" x="{marker.x}" y="{row.bar_y}" width="{marker.width}"'
                    ' height="14" rx="3"/>'
                )
        out.append("</g>")
    out.append('</svg></div><ol class="timeline-list" aria-hidden="true">')
    for row in timeline.rows:
        if row.marker.kind == "bar":
            key = "key-span"
        elif row.marker.kind == "dot":
            key = f"key-{row.status}"
        else:
            key = "key-tbc"
        flag = (
            f' <span class="flag">{row.status}</span>'
            if row.status in ("next", "overdue", "done")
            else ""
        )
        was = f' <span class="was">({row.baseline_text})</span>' if row.baseline_text else ""
        out.append(
            f'<li class="status-{row.status}" data-precision="{row.marker.precision}">'
            f'<span class="key {key}"></span> <span class="when">{row.when_text}</span>{flag}'
            f"<br>{esc(row.milestone.label)}{was}</li>"
        )
    out.append(
        '</ol><p class="legend" aria-hidden="true"><span class="key key-done"></span> '
        'done <span class="key key-next"></span> next <span class="key key-overdue"></span> '
        'overdue <span class="key key-planned"></span> planned <span class="key key-span">'
        '</span> a bar is a week, month or quarter <span class="key key-baseline"></span> '
        "first plan</p>"
    )
    return "".join(out)


def plain_page(request: HttpRequest, reference: str) -> HttpResponse:
    """modification_detail for an anonymous visitor, from one query."""
    parsed = parse_reference(reference)
    if parsed is None:
        raise Http404
    with connection.cursor() as cursor:
        cursor.execute(_PAGE_SQL, [parsed.number, parsed.suffix])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    (_, number, suffix, legacy, title, stage, path, urgent, authority_led, latest, raised_on,
     provisions, proposer, org, analyst, release, release_date, sec_sections, categories,
     sections, milestone_rows, agenda, history, consultations, documents,
     glossary) = row  # fmt: skip
    ref = _reference(number, suffix, legacy, stage)
    today = timezone.localdate()
    now = timezone.now()
    sections = _loads(sections)
    milestones = [
        _Milestone(
            pk, label, status, meeting, precision, _day(start), _day(end), bp, _day(bf),
            _day(bt), order,
        )
        for pk, label, status, meeting, precision, start, end, bp, bf, bt, order in _loads(
            milestone_rows
        )
    ]  # fmt: skip
    text = "\n".join(
        [title, *(part for _, _, heading, body in sections for part in (heading, body))]
        + [m.label for m in milestones]
    )
    words = set(_WORDS.findall(text))
    used = [(a, f) for a, f in _loads(glossary) if a in words or f"{a}s" in words]
    terms = _Terms(used)
    timeline = build_timeline(cast(Any, milestones), today)
    upcoming = timeline.next_milestone if timeline else None

    out = [
        f'<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/modifications/">'
        f'Modifications</a> › <span aria-current="page">{ref}</span></nav>\n'
        f'<h1><span class="ref">{ref}</span> {terms.inline(title)}</h1>\n'
        f'<p class="status-line"><span class="stage stage-{stage}">{STAGES[stage]}</span>'
        + (f" · {PATHS[path]}" if path else "")
        + (" · Urgent" if urgent else "")
        + (" · Authority-Led Variation" if authority_led else "")
        + "</p>\n"
    ]
    if latest:
        out.append(f'<p class="latest"><strong>Latest update:</strong> {terms.inline(latest)}</p>')
    proposer_text = (
        (esc(proposer) + (f", {esc(org)}" if org else "")) if proposer else "Not recorded"
    )
    if upcoming is not None:
        next_key = f"{upcoming.when.display()}: {esc(upcoming.label)}"
    else:
        next_key = "None planned"
    if timeline and timeline.overdue_count:
        next_key += f' · <span class="overdue">{timeline.overdue_count} overdue</span>'
    target = f"{esc(release)} ({_long(release_date)})" if release else "Not yet set"
    secs = "; ".join(f"Section {esc(c)} ({esc(t)})" for c, t in _loads(sec_sections))
    secs = (secs or "Not recorded") + (f": {esc(provisions)}" if provisions else "")
    impacted = ", ".join(esc(name) for name in _loads(categories)) or "To be assessed"
    out.append(
        '<div class="detail-grid"><section aria-labelledby="facts-heading" class="facts">'
        '<h2 id="facts-heading" class="visually-hidden">Key facts</h2><dl>'
        f"<div><dt>Proposer</dt><dd>{proposer_text}</dd></div>"
        f"<div><dt>Lead Analyst</dt><dd>{esc(analyst or 'Not yet assigned')}</dd></div>"
        f'<div><dt>Raised</dt><dd><time datetime="{raised_on.isoformat()}">{_long(raised_on)}'
        "</time></dd></div>"
        f"<div><dt>Next key date</dt><dd>{next_key}</dd></div>"
        f"<div><dt>Target release</dt><dd>{target}</dd></div>"
        f"<div><dt>SEC Sections</dt><dd>{secs}</dd></div>"
        f"<div><dt>Who is impacted</dt><dd>{impacted}</dd></div></dl>"
        f'<p class="subscribe"><a href="/modifications/{ref}/calendar.ics">Add its dates to your'
        f' calendar (ICS)</a> · <a href="/modifications/{ref}/feed.atom">Follow its stage '
        "changes (Atom)</a></p></section></div>\n"
    )

    out.append(
        '<section aria-labelledby="timetable-heading"><h2 id="timetable-heading">Progression '
        "timetable</h2>"
    )
    if timeline:
        out.append(_timeline_svg(ref, timeline))
        out.append(
            '<table class="timetable"><caption class="visually-hidden">Progression timetable of '
            f'{ref}</caption><thead><tr><th scope="col">Event</th><th scope="col">Date</th>'
            '<th scope="col">Status</th></tr></thead><tbody>'
        )
        for r in timeline.rows:
            meeting = (
                f' <a href="/meetings/{r.milestone.meeting_id}/">(meeting)</a>'
                if r.milestone.meeting_id
                else ""
            )
            was = f' <span class="was">({r.baseline_text})</span>' if r.baseline_text else ""
            status = (
                "<strong>Next</strong>"
                if r.status == "next"
                else '<strong class="overdue">Overdue</strong>'
                if r.status == "overdue"
                else MILESTONE_STATUSES[r.milestone.status]
            )
            out.append(
                f'<tr class="status-{r.status}"><th scope="row">{terms.inline(r.milestone.label)}'
                f"{meeting}</th><td>{r.when_text}{was}</td><td>{status}</td></tr>"
            )
        out.append("</tbody></table>")
    else:
        out.append("<p>No timetable has been published yet.</p>")
    out.append("</section>\n")

    if sections:
        out.append(
            '<section aria-labelledby="report-heading" class="report">'
            '<h2 id="report-heading">Modification Report</h2>'
        )
        for order, level, heading, body in sections:
            tag = "h3" if level == 1 else "h4"
            out.append(
                f'<{tag} id="section-{order}">{terms.inline(heading)}</{tag}>'
                f"{terms.paragraphs(body)}"
            )
        out.append("</section>\n")

    out.append(
        '<section aria-labelledby="meetings-heading"><h2 id="meetings-heading">Meetings</h2>'
    )
    agenda = _loads(agenda)
    if agenda:
        out.append(
            '<table class="stack"><caption class="visually-hidden">Meetings where '
            f'{ref} is presented</caption><thead><tr><th scope="col">Meeting</th><th scope="col">'
            'Date</th><th scope="col">Purpose</th><th scope="col">Outcome</th></tr></thead><tbody>'
        )
        for meeting_id, committee, starts_at, status, purpose, decision, outcome in agenda:
            starts = _local(starts_at)
            result = f"<strong>{esc(decision)}</strong> " if decision else ""
            result += terms.inline(outcome) if outcome else ""
            if not decision and not outcome:
                result += (
                    '<span class="muted">'
                    + ("To come" if starts > now else "Not yet recorded")
                    + "</span>"
                )
            out.append(
                f'<tr><th scope="row" data-label="Meeting"><a href="/meetings/{meeting_id}/">'
                f"{esc(committee)}</a>{' (cancelled)' if status == 'cancelled' else ''}</th>"
                f'<td data-label="Date"><time datetime="{starts.isoformat()}">{_short(starts)}, '
                f'{starts:%H:%M}</time></td><td data-label="Purpose">{PURPOSES[purpose]}</td>'
                f'<td data-label="Outcome">{result}</td></tr>'
            )
        out.append("</tbody></table>")
    else:
        out.append("<p>It has not been presented at a meeting yet.</p>")
    out.append("</section>\n")

    out.append(
        '<section aria-labelledby="consultations-heading">'
        '<h2 id="consultations-heading">Consultations</h2>'
    )
    consultations = _loads(consultations)
    for pk, kind, c_title, opens_at, closes_at, questions, responses in consultations:
        opens, closes = _local(opens_at), _local(closes_at)
        not_yet_open = now < opens
        is_open = opens <= now < closes
        deadline = display_deadline(closes)
        kind_label = CONSULTATION_KINDS[kind]
        state = f"{kind_label}. " if c_title else ""
        if not_yet_open:
            state += (
                f'Opens <time datetime="{opens.isoformat()}">{_long(opens)}</time>; responses '
                f"are due by {deadline}."
            )
        elif is_open:
            state += f"<strong>Open</strong>: responses are due by {deadline}."
        else:
            state += f"Closed at {deadline}."
        out.append(
            f'<article class="consultation" aria-labelledby="consultation-{pk}">'
            f'<h3 id="consultation-{pk}">{esc(c_title or kind_label)}</h3><p>{state}</p>'
        )
        if responses:
            count = len(responses)
            out.append(
                f'<p><a href="/consultations/{pk}/responses/">Read the {count} published '
                f'response{"" if count == 1 else "s"}</a> · <a href="/consultations/{pk}/'
                'responses.csv">Download them as CSV</a></p><table class="stack summary">'
                "<caption>What the published responses said, by Party Category</caption>"
                '<thead><tr><th scope="col">Question</th><th scope="col">Published answers</th>'
                "</tr></thead><tbody>"
            )
            for order, q_text, q_kind, counts in questions:
                if counts:
                    sentences = []
                    for name, agree, disagree, neutral, answered in counts:
                        if q_kind == "free_text":
                            sentences.append(f"{_plural(name)}: {answered} answered")
                        else:
                            parts = f"{agree} agree, {disagree} disagree"
                            parts += f", {neutral} neutral" if neutral else ""
                            sentences.append(f"{_plural(name)}: {parts}")
                    answers = (
                        '<ul class="plain">'
                        + "".join(f"<li>{esc(s)}</li>" for s in sentences)
                        + "</ul>"
                    )
                else:
                    answers = '<span class="muted">No published answer</span>'
                out.append(
                    f'<tr><th scope="row" data-label="Question">Q{order}. {terms.inline(q_text)}'
                    f'</th><td data-label="Published answers">{answers}</td></tr>'
                )
            out.append('</tbody></table><h4>Respondents</h4><ul class="respondents">')
            out += [
                f'<li>{esc(name)} <span class="muted">({esc(category)})</span></li>'
                for name, category in responses
            ]
            out.append("</ul>")
        elif is_open or not_yet_open:
            out.append(
                '<p class="muted">Responses are published after the consultation closes.</p>'
            )
        else:
            out.append('<p class="muted">No responses have been published.</p>')
        out.append("</article>")
    if not consultations:
        out.append("<p>No consultation has been held on it yet.</p>")
    out.append("</section>\n")

    out.append(
        '<section aria-labelledby="documents-heading"><h2 id="documents-heading">Documents</h2>'
    )
    if sections:
        out.append(
            '<p class="exports">The Modification Report as shown above: <a href="/documents/'
            f'reports/{ref}.docx" download>Word (.docx)</a> · <a href="/documents/reports/'
            f'{ref}.html">web page (HTML)</a></p>'
        )
    documents = _loads(documents)
    if documents:
        out.append(
            '<table class="stack library"><caption class="visually-hidden">Documents of '
            f'{ref}</caption><thead><tr><th scope="col">Document</th><th scope="col">Kind</th>'
            '<th scope="col">Format</th><th scope="col">Added</th></tr></thead><tbody>'
        )
        for pk, d_title, kind, content_type, size, uploaded_at in documents:
            uploaded = _local(uploaded_at)
            out.append(
                f'<tr><th scope="row" data-label="Document"><a href="/documents/{pk}/" download>'
                f'{esc(d_title)}</a></th><td data-label="Kind">{DOCUMENT_KINDS[kind]}</td>'
                f'<td data-label="Format">{FILE_FORMATS.get(content_type, "File")}, '
                f'{_filesize(size)}</td><td data-label="Added"><time datetime="'
                f'{uploaded.isoformat()}">{_short(uploaded)}</time></td></tr>'
            )
        out.append("</tbody></table>")
    else:
        besides = " besides the report" if sections else ""
        out.append(f"<p>No documents have been published{besides}.</p>")
    out.append("</section>\n")

    out.append(
        '<section aria-labelledby="history-heading"><h2 id="history-heading">Stage history</h2>'
    )
    history = _loads(history)
    if history:
        out.append('<ol class="history">')
        for (
            pk,
            from_stage,
            to_stage,
            changed_at,
            decided_by,
            meeting_id,
            meeting_at,
            reason,
        ) in history:
            changed = _local(changed_at)
            item = (
                f'<li id="stage-change-{pk}"><time datetime="{changed.isoformat()}">'
                f"{_short(changed)}</time>: {STAGES[from_stage]} → <strong>{STAGES[to_stage]}"
                "</strong>"
            )
            if decided_by:
                item += f", decided by {esc(decided_by)}"
            if meeting_id:
                item += (
                    f' at <a href="/meetings/{meeting_id}/">the meeting of '
                    f"{_short(_local(meeting_at))}</a>"
                )
            if reason:
                item += f". {terms.inline(reason)}"
            out.append(item + "</li>")
        out.append("</ol>")
    else:
        out.append(
            f"<p>Raised on {_long(raised_on)} as a {STAGES[stage]}; it has not moved stage "
            "since.</p>"
        )
    out.append("</section>\n")

    out.append(
        '<section aria-labelledby="glossary-heading"><h2 id="glossary-heading">Glossary</h2>'
    )
    if used:
        out.append('<dl class="terms">')
        out += [
            f'<div><dt><a href="/glossary/#{term_anchor(a)}">{esc(a)}</a></dt><dd>{esc(f)}</dd>'
            "</div>"
            for a, f in used
        ]
        out.append("</dl>")
    else:
        out.append("<p>It uses no acronym from the glossary.</p>")
    out.append("</section>")

    head = (
        f'<link rel="canonical" href="/modifications/{ref}/">\n<link rel="alternate" '
        f'type="application/atom+xml" title="{ref} stage changes" href="/modifications/{ref}/'
        'feed.atom">\n'
    )
    return _layout(f"{ref} {title}", "modifications", "".join(out), head)


# --- Meetings calendar (ICS) --------------------------------------------------------------
_ICS_SQL = """
WITH meetings AS (
    SELECT mt.id, mt.starts_at, mt.title, mt.location, mt.status, mt.sequence, c.name
      FROM committees_meeting mt
      JOIN committees_committee c ON c.id = mt.committee_id
     WHERE mt.starts_at >= %(since)s AND (%(committee)s::text IS NULL OR c.slug = %(committee)s)
),
-- The agenda of all those meetings in one join, grouped by meeting: a subquery per meeting
-- let the planner hash the whole modifications table once per meeting.
agenda AS (
    SELECT ai.meeting_id,
           json_agg(json_build_array(m.number, m.suffix, m.legacy_reference, m.stage, m.title,
                                     ai.purpose) ORDER BY ai."order", ai.id) AS items
      FROM committees_agendaitem ai
      JOIN modifications_modification m ON m.id = ai.modification_id
     WHERE ai.meeting_id IN (SELECT id FROM meetings)
       AND m.published_at IS NOT NULL AND m.published_at <= now()
     GROUP BY ai.meeting_id
)
SELECT mt.id, mt.starts_at, mt.title, mt.location, mt.status, mt.sequence, mt.name,
       (SELECT h.history_date FROM committees_historicalmeeting h
         WHERE h.id = mt.id ORDER BY h.history_id DESC LIMIT 1),
       coalesce(a.items, '[]')
  FROM meetings mt
  LEFT JOIN agenda a ON a.meeting_id = mt.id
 ORDER BY mt.starts_at, mt.id
"""

# Europe/London's rule since 1996, as a client expects it (the real feed lists the
# transitions of the years it covers instead: the same times either way).
_VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    "TZID:Europe/London",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19700329T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19701025T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)
_NO_HISTORY_STAMP = "20000101T000000Z"


def ics_text(value: str) -> str:
    """An RFC 5545 TEXT value: backslash, semicolon, comma and newline escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def ics_fold(line: str) -> str:
    """Content lines of at most 75 octets, continued on lines that start with a space."""
    if line.isascii():
        return "\r\n ".join(line[i : i + 74] for i in range(0, len(line), 74))
    out, octets = [], 0
    for char in line:
        size = len(char.encode())
        octets += size
        if octets >= 75:
            out.append("\r\n ")
            octets = size
        out.append(char)
    return "".join(out)


def plain_committee_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """/calendar/committees/<slug>.ics: the meetings calendar of one committee."""
    return plain_meetings_ics(request, committee=slug)


def plain_meetings_ics(request: HttpRequest, committee: str | None = None) -> HttpResponse:
    """/calendar/meetings.ics: meetings from twelve months ago on, with their published
    agenda, one VEVENT each with the real feed's UID."""
    london = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localdate()
    try:
        since = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        since = today.replace(year=today.year - 1, day=28)
    host = urlsplit(settings.SITE_URL).hostname or "secmods.localhost"  # as calendars.py
    duration: timedelta = settings.REGISTER_MEETING_DURATION
    with connection.cursor() as cursor:
        cursor.execute(
            _ICS_SQL,
            {
                "since": datetime.combine(since, datetime.min.time(), london),
                "committee": committee,
            },
        )
        rows = cursor.fetchall()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//secmods//SEC modifications register//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:SEC meetings",
        f"X-WR-TIMEZONE:{settings.TIME_ZONE}",
        *_VTIMEZONE,
    ]
    for pk, starts_at, title, location, status, sequence, committee, changed, agenda in rows:
        start = starts_at.astimezone(london)
        stamp = changed.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") if changed else _NO_HISTORY_STAMP
        description = committee
        items = _loads(agenda)
        if items:
            description += "\n\nAgenda:\n" + "\n".join(
                f"- {_reference(number, suffix, legacy, stage)} {m_title} ({PURPOSES[purpose]})"
                for number, suffix, legacy, stage, m_title, purpose in items
            )
        lines += [
            "BEGIN:VEVENT",
            f"SUMMARY:{ics_text(title or f'{committee} meeting')}",
            f"DTSTART;TZID={settings.TIME_ZONE}:{start:%Y%m%dT%H%M%S}",
            f"DTEND;TZID={settings.TIME_ZONE}:{start + duration:%Y%m%dT%H%M%S}",
            f"DTSTAMP:{stamp}",
            f"UID:meeting-{pk}@{host}",
            f"SEQUENCE:{sequence}",
            f"DESCRIPTION:{ics_text(description)}",
            f"LAST-MODIFIED:{stamp}",
        ]
        if location:
            lines.append(f"LOCATION:{ics_text(location)}")
        lines += [
            f"STATUS:{'CANCELLED' if status == 'cancelled' else 'CONFIRMED'}",
            f"URL:{settings.SITE_URL}/meetings/{pk}/",
            "END:VEVENT",
        ]
    return _ics_response(lines, "sec-meetings.ics")


def _ics_response(lines: list[str], filename: str) -> HttpResponse:
    lines.append("END:VCALENDAR")
    body = "".join(ics_fold(line) + "\r\n" for line in lines)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=300"
    return response


_MODIFICATION_ICS_SQL = f"""
SELECT m.id, m.number, m.suffix, m.legacy_reference, m.stage, m.title,
  (SELECT coalesce(json_agg(json_build_array(mt.id, mt.starts_at, mt.title, mt.location,
          mt.status, mt.sequence, c.name, c.abbreviation,
          (SELECT h.history_date FROM committees_historicalmeeting h
            WHERE h.id = mt.id ORDER BY h.history_id DESC LIMIT 1),
          (SELECT coalesce(json_agg(ai.purpose ORDER BY ai."order", ai.id), '[]')
             FROM committees_agendaitem ai
            WHERE ai.meeting_id = mt.id AND ai.modification_id = m.id))
          ORDER BY mt.starts_at, mt.id), '[]')
     FROM committees_meeting mt JOIN committees_committee c ON c.id = mt.committee_id
    WHERE mt.id IN (SELECT meeting_id FROM committees_agendaitem WHERE modification_id = m.id
                    UNION SELECT meeting_id FROM modifications_milestone
                           WHERE modification_id = m.id AND meeting_id IS NOT NULL)),
  (SELECT coalesce(json_agg(json_build_array(t.id, t.label, t.date_from, t.status, t.version,
          (SELECT h.history_date FROM modifications_historicalmilestone h
            WHERE h.id = t.id ORDER BY h.history_id DESC LIMIT 1))
          ORDER BY t.date_from, t."order", t.id), '[]')
     FROM modifications_milestone t
    WHERE t.modification_id = m.id AND t.precision = 'day' AND t.meeting_id IS NULL
      AND t.date_from IS NOT NULL)
  FROM modifications_modification m
  {_VISIBLE} AND m.number = %(number)s AND m.suffix = %(suffix)s
"""  # noqa: S608 (constant SQL: the reference's parts are parameters)


def _stamp(value: str | None) -> str:
    if not value:
        return _NO_HISTORY_STAMP
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def plain_modification_ics(request: HttpRequest, reference: str) -> HttpResponse:
    """/modifications/<ref>/calendar.ics: the meetings where it is presented or that fix its
    milestones, and its milestones known to the day."""
    parsed = parse_reference(reference)
    if parsed is None:
        raise Http404
    london = ZoneInfo(settings.TIME_ZONE)
    host = urlsplit(settings.SITE_URL).hostname or "secmods.localhost"
    duration: timedelta = settings.REGISTER_MEETING_DURATION
    with connection.cursor() as cursor:
        cursor.execute(_MODIFICATION_ICS_SQL, {"number": parsed.number, "suffix": parsed.suffix})
        row = cursor.fetchone()
    if row is None:
        raise Http404
    pk, number, suffix, legacy, stage, title, meetings, milestones = row
    ref = _reference(number, suffix, legacy, stage)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//secmods//SEC modifications register//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_text(f'{ref} {title}')}",
        f"X-WR-TIMEZONE:{settings.TIME_ZONE}",
        *_VTIMEZONE,
    ]
    for (mid, starts_at, m_title, location, status, sequence, committee, abbreviation,
         changed, purposes) in _loads(meetings):  # fmt: skip
        start = _local(starts_at).astimezone(london)
        stamp = _stamp(changed)
        agenda = [f"{ref} {title} ({PURPOSES[p]})" for p in purposes] or [f"{ref} {title}"]
        description = committee + "\n\nAgenda:\n" + "\n".join(f"- {a}" for a in agenda)
        summary = f"{ref} at {abbreviation or committee}: {m_title or f'{committee} meeting'}"
        lines += [
            "BEGIN:VEVENT",
            f"SUMMARY:{ics_text(summary)}",
            f"DTSTART;TZID={settings.TIME_ZONE}:{start:%Y%m%dT%H%M%S}",
            f"DTEND;TZID={settings.TIME_ZONE}:{start + duration:%Y%m%dT%H%M%S}",
            f"DTSTAMP:{stamp}",
            f"UID:modification-{pk}-meeting-{mid}@{host}",
            f"SEQUENCE:{sequence}",
            f"DESCRIPTION:{ics_text(description)}",
            f"LAST-MODIFIED:{stamp}",
        ]
        if location:
            lines.append(f"LOCATION:{ics_text(location)}")
        lines += [
            f"STATUS:{'CANCELLED' if status == 'cancelled' else 'CONFIRMED'}",
            f"URL:{settings.SITE_URL}/meetings/{mid}/",
            "END:VEVENT",
        ]
    for tid, label, day, status, version, changed in _loads(milestones):
        start = date.fromisoformat(day)
        stamp = _stamp(changed)
        lines += [
            "BEGIN:VEVENT",
            f"SUMMARY:{ics_text(f'{ref}: {label}')}",
            f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{start + timedelta(days=1):%Y%m%d}",
            f"DTSTAMP:{stamp}",
            f"UID:milestone-{tid}@{host}",
            f"SEQUENCE:{max(version - 1, 0)}",
            f"LAST-MODIFIED:{stamp}",
            f"STATUS:{'CANCELLED' if status == 'cancelled' else 'CONFIRMED'}",
            "TRANSP:TRANSPARENT",
            f"URL:{settings.SITE_URL}/modifications/{ref}/",
            "END:VEVENT",
        ]
    return _ics_response(lines, f"{ref.lower()}.ics")


# --- Meetings: the list and a meeting's page ---------------------------------------------
_AGENDA_JSON = """
    (SELECT coalesce(json_agg(json_build_array(m.number, m.suffix, m.legacy_reference, m.stage,
            m.title, ai.purpose, ai.decision, ai.outcome) ORDER BY ai."order", ai.id), '[]')
       FROM committees_agendaitem ai
       JOIN modifications_modification m ON m.id = ai.modification_id
      WHERE ai.meeting_id = mt.id AND m.published_at IS NOT NULL AND m.published_at <= now())
"""
_MEETING_COLUMNS = f"""mt.id, mt.starts_at, mt.title, mt.location, mt.status, c.slug, c.name,
    c.abbreviation, {_AGENDA_JSON}"""
_MEETINGS_SQL = f"""
SELECT (SELECT json_agg(json_build_array(slug, name) ORDER BY name) FROM committees_committee),
       (SELECT coalesce(json_agg(json_build_array({_MEETING_COLUMNS}) ORDER BY mt.starts_at), '[]')
          FROM committees_meeting mt JOIN committees_committee c ON c.id = mt.committee_id
         WHERE mt.starts_at >= %(now)s),
       (SELECT count(*) FROM committees_meeting WHERE starts_at < %(now)s),
       (SELECT coalesce(json_agg(p.row ORDER BY p.starts_at DESC), '[]') FROM (
          SELECT json_build_array({_MEETING_COLUMNS}) AS row, mt.starts_at
            FROM committees_meeting mt JOIN committees_committee c ON c.id = mt.committee_id
           WHERE mt.starts_at < %(now)s ORDER BY mt.starts_at DESC
           LIMIT %(limit)s
          -- Past the last page shows the last page, as Django's Paginator.get_page does.
          OFFSET (LEAST(%(page)s, GREATEST(1, CEIL((SELECT count(*) FROM committees_meeting
                   WHERE starts_at < %(now)s)::numeric / %(limit)s)::int)) - 1) * %(limit)s) p)
"""  # noqa: S608 (constant SQL)


def _meeting_rows(meetings: list[Any], caption: str) -> str:
    out = [
        f'<table class="stack"><caption class="visually-hidden">{caption}</caption><thead><tr>'
        '<th scope="col">Date (UK time)</th><th scope="col">Committee</th><th scope="col">'
        'Meeting</th><th scope="col">Agenda</th></tr></thead><tbody>'
    ]
    for pk, starts_at, title, _, status, slug, name, abbreviation, agenda in meetings:
        starts = _local(starts_at)
        cancelled = status == "cancelled"
        items = "<br>".join(
            f'<a href="/modifications/{ref}/">{ref}</a> <span class="muted">'
            f"{PURPOSES[purpose].lower()}</span>"
            for ref, purpose in (
                (_reference(n, s, legacy, stage), purpose)
                for n, s, legacy, stage, _, purpose, _, _ in agenda
            )
        )
        row_class = ' class="cancelled"' if cancelled else ""
        items = items or '<span class="muted">No published item</span>'
        out.append(
            f'<tr{row_class}><td data-label="Date"><time '
            f'datetime="{starts.isoformat()}">{starts:%a} {_short(starts)}, {starts:%H:%M}'
            f'</time></td><td data-label="Committee"><a href="/meetings/?committee={slug}">'
            f'{esc(abbreviation or name)}</a></td><td data-label="Meeting"><a href="/meetings/'
            f'{pk}/">{esc(title or name)}</a>{" <strong>(cancelled)</strong>" if cancelled else ""}'
            f'</td><td data-label="Agenda">{items}'
            "</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def plain_meetings(request: HttpRequest) -> HttpResponse:
    """/meetings/ for every committee: the upcoming meetings, then a page of past ones."""
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isdigit() and int(raw) > 0 else 1
    with connection.cursor() as cursor:
        cursor.execute(
            _MEETINGS_SQL,
            {"now": timezone.now(), "limit": PAGE_SIZE, "page": number},
        )
        committees, upcoming, past_count, past = cursor.fetchone()
    options = "".join(
        f'<option value="{esc(slug)}">{esc(name)}</option>' for slug, name in _loads(committees)
    )
    out = [
        '<h1>Meetings</h1><form class="filters inline" method="get" action="/meetings/">'
        '<label for="m-committee">Committee</label><select id="m-committee" name="committee">'
        f'<option value="">All committees</option>{options}</select><button type="submit">'
        'Show</button></form><p class="subscribe">Subscribe: <a href="/calendar/meetings.ics">'
        'all meetings (ICS)</a></p><section aria-labelledby="upcoming-heading"><h2 id="'
        'upcoming-heading">Upcoming</h2>'
    ]
    upcoming, past = _loads(upcoming), _loads(past)
    out.append(
        _meeting_rows(upcoming, "Upcoming meetings")
        if upcoming
        else "<p>No meeting is scheduled.</p>"
    )
    out.append('</section><section aria-labelledby="past-heading"><h2 id="past-heading">Past</h2>')
    out.append(
        _meeting_rows(past, "Past meetings, latest first") if past else "<p>No past meeting.</p>"
    )
    pages = max(1, -(-past_count // PAGE_SIZE))
    number = min(number, pages)
    if pages > 1:
        out.append('<nav class="pager" aria-label="Pages of past meetings"><ul>')
        if number > 1:
            out.append(f'<li><a href="?page={number - 1}" rel="prev">Later meetings</a></li>')
        out.append(f"<li>Page {number} of {pages}</li>")
        if number < pages:
            out.append(f'<li><a href="?page={number + 1}" rel="next">Earlier meetings</a></li>')
        out.append("</ul></nav>")
    out.append("</section>")
    return _layout("Meetings", "meetings", "".join(out))


_MEETING_SQL = f"""
SELECT {_MEETING_COLUMNS}
  FROM committees_meeting mt JOIN committees_committee c ON c.id = mt.committee_id
 WHERE mt.id = %(pk)s
"""  # noqa: S608 (constant SQL)


def plain_meeting(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """/meetings/<id>/: a meeting and its published agenda."""
    with connection.cursor() as cursor:
        cursor.execute(_MEETING_SQL, {"pk": meeting_id})
        row = cursor.fetchone()
    if row is None:
        raise Http404
    _, starts_at, title, location, status, slug, name, abbreviation, agenda = row
    starts = _local(starts_at)
    heading = esc(title or name)
    out = [
        f'<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/meetings/">Meetings</a> › '
        f'<span aria-current="page">{esc(abbreviation or name)} {_short(starts)}</span></nav>'
        f'<h1>{heading}</h1><dl class="facts"><div><dt>Committee</dt><dd><a href="/meetings/'
        f'?committee={slug}">{esc(name)}</a></dd></div><div><dt>When (UK time)</dt><dd><time '
        f'datetime="{starts.isoformat()}">{starts:%A} {_long(starts)}, {starts:%H:%M}</time>'
        "</dd></div>"
    ]
    if location:
        out.append(f"<div><dt>Where</dt><dd>{esc(location)}</dd></div>")
    out.append(
        f"<div><dt>Status</dt><dd>{MEETING_STATUSES[status]}</dd></div></dl>"
        f'<p class="subscribe"><a href="/calendar/committees/{slug}.ics">{esc(name)} calendar '
        '(ICS)</a></p><section aria-labelledby="agenda-heading"><h2 id="agenda-heading">Agenda'
        "</h2>"
    )
    agenda = _loads(agenda)
    if agenda:
        out.append('<ol class="agenda">')
        for n, s, legacy, stage, m_title, purpose, decision, outcome in agenda:
            ref = _reference(n, s, legacy, stage)
            result = ""
            if decision or outcome:
                strong = f"<strong>{esc(decision)}.</strong> " if decision else ""
                result = f"<p>{strong}{esc(outcome or '')}</p>"
            out.append(
                f'<li><a href="/modifications/{ref}/">{ref} {esc(m_title)}</a>: '
                f"{PURPOSES[purpose]}{result}</li>"
            )
        out.append("</ol>")
    else:
        out.append("<p>No published modification is on its agenda.</p>")
    out.append("</section>")
    return _layout(title or name, "meetings", "".join(out))


# The Atom feeds' entries, newest first, in one query: a modification's publication and its
# stage changes, each already joined to the modification and its proposer. Ties keep the
# real feed's order (publications before stage changes, stage changes newest id first).
_ATOM_SQL = """
WITH target AS (
    SELECT m.id, m.number, m.suffix, m.legacy_reference, m.stage, m.title
      FROM modifications_modification m
     WHERE m.number = %(number)s AND m.suffix = %(suffix)s
       AND m.published_at IS NOT NULL AND m.published_at <= now()
)
SELECT * FROM (
    -- One modification's feed: the modification itself first (kind -1), for the feed's title.
    SELECT now() AS at, -1 AS kind, id AS key, number, suffix, legacy_reference, stage, title,
           '' AS from_stage, '' AS to_stage, '' AS decided_by, '' AS reason,
           NULL::date AS raised_on, NULL AS person, NULL AS organisation
      FROM target
    UNION ALL
    (SELECT m.published_at, 0, m.id, m.number, m.suffix, m.legacy_reference, m.stage,
            m.title, '', '', '', '', m.raised_on, p.name, o.name
       FROM modifications_modification m
       LEFT JOIN parties_person p ON p.id = m.proposer_id
       LEFT JOIN parties_organisation o ON o.id = p.organisation_id
      WHERE m.published_at IS NOT NULL AND m.published_at <= now()
        {published}
      ORDER BY m.published_at DESC LIMIT 50)
    UNION ALL
    (SELECT sc.changed_at, 1, sc.id, m.number, m.suffix, m.legacy_reference, m.stage, m.title,
            sc.from_stage, sc.to_stage, sc.decided_by, sc.reason, m.raised_on, p.name, o.name
       FROM modifications_stagechange sc
       JOIN modifications_modification m ON m.id = sc.modification_id
       LEFT JOIN parties_person p ON p.id = m.proposer_id
       LEFT JOIN parties_organisation o ON o.id = p.organisation_id
      WHERE m.published_at IS NOT NULL AND m.published_at <= now()
        {changes}
      ORDER BY sc.changed_at DESC, sc.id DESC LIMIT 50)
) entries
ORDER BY kind = -1 DESC, at DESC, kind, key DESC
LIMIT 51
"""
# A modification's own feed walks its rows by the modification's index (a scalar subquery,
# so PostgreSQL looks the id up first); the register's walks the newest-first indexes.
_ATOM_REGISTER_SQL = _ATOM_SQL.format(published="", changes="")
_ATOM_MODIFICATION_SQL = _ATOM_SQL.format(
    published="AND m.id = (SELECT id FROM target)",
    changes="AND sc.modification_id = (SELECT id FROM target)",
)
_ATOM_AUTHOR = "SECAS (the SEC Administrator and Secretariat)"


def _xml(value: str) -> str:  # Django's SimplerXMLGenerator.characters
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _atom_rows(number: int | None = None, suffix: str = "") -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        sql = _ATOM_REGISTER_SQL if number is None else _ATOM_MODIFICATION_SQL
        cursor.execute(sql, {"number": number, "suffix": suffix})
        return cursor.fetchall()


def _atom_response(
    request: HttpRequest,
    title: str,
    subtitle: str,
    link: str,
    self_link: str,
    rows: list[tuple[Any, ...]],
) -> HttpResponse:
    rows = rows[:50]
    host = urlsplit(settings.SITE_URL).hostname or "secmods.localhost"
    site = f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
    author = (
        f"<author><name>{_xml(_ATOM_AUTHOR)}</name><uri>{_xml(settings.SITE_URL)}/</uri></author>"
    )
    stages = dict(Stage.choices)
    entries = []
    for (at, kind, key, number, suffix, legacy, stage, m_title, from_stage, to_stage,
         decided_by, reason, raised_on, person, organisation) in rows:  # fmt: skip
        ref = _reference(number, suffix, legacy, stage)
        when = at.astimezone(UTC).isoformat()
        url = f"/modifications/{ref}/"
        if kind:
            entry_title = f"{ref} {m_title}: moved from {stages[from_stage]} to {stages[to_stage]}"
            url += f"#stage-change-{key}"
            tag = f"stage-change-{key}"
            parts = [f"{ref} is now at {stages[to_stage]}."]
            if decided_by:
                parts.append(f"Decided by: {decided_by}.")
            if reason:
                parts.append(reason)
            summary = " ".join(parts)
        else:
            entry_title = f"New modification: {ref} {m_title}"
            tag = f"published-{key}"
            by = ""
            if person is not None:
                by = f" Raised by {organisation or person} on {raised_on:%d %B %Y}."
            summary = f"{m_title}.{by} Stage: {stages[stage]}."
        entries.append(
            f"<entry><title>{_xml(entry_title)}</title>"
            f'<link href="{_xml(site + url)}" rel="alternate"/>'
            f"<published>{when}</published><updated>{when}</updated>{author}"
            f"<id>tag:{host},2021:{tag}</id>"
            f'<summary type="html">{_xml(html.escape(summary))}</summary></entry>'
        )
    updated = (rows[0][0] if rows else timezone.now()).astimezone(UTC).isoformat()
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xml:lang="{settings.LANGUAGE_CODE}" xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{_xml(title)}</title>"
        f'<link href="{_xml(site + link)}" rel="alternate"/>'
        f'<link href="{_xml(site + self_link)}" rel="self"/>'
        f"<id>{_xml(site + link)}</id><updated>{updated}</updated>{author}"
        f"<subtitle>{_xml(subtitle)}</subtitle>{''.join(entries)}</feed>"
    )
    return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")


def plain_feed(request: HttpRequest) -> HttpResponse:
    """/feeds/modifications.atom: the latest publications and stage changes."""
    return _atom_response(
        request,
        "SEC modifications: new modifications and stage changes",
        "Modifications published on the secmods register, and their moves between stages.",
        "/modifications/",
        "/feeds/modifications.atom",
        _atom_rows(),
    )


def plain_modification_feed(request: HttpRequest, reference: str) -> HttpResponse:
    """/modifications/<ref>/feed.atom: one modification's publication and stage changes."""
    parsed = parse_reference(reference)
    if parsed is None:
        raise Http404
    rows = _atom_rows(parsed.number, parsed.suffix)
    if not rows or rows[0][1] != -1:
        raise Http404
    _, _, _, number, suffix, legacy, stage, title, *_ = rows[0]
    ref = _reference(number, suffix, legacy, stage)
    return _atom_response(
        request,
        f"{ref} {title}: stage changes",
        f"Publication and stage changes of {ref} on the secmods register.",
        f"/modifications/{ref}/",
        f"/modifications/{ref}/feed.atom",
        rows[1:],
    )
