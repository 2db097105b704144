"""The API's modification list and detail, answered by one hand-written SQL query each.

The same JSON as /api/v1/modifications/ (same fields, same rows, same order) without DRF,
the ORM or extra queries: the yardstick the API's throughput is measured against.
PostgreSQL only (LATERAL, json_agg).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from rest_framework.utils.urls import replace_query_param

from secmods.modifications.dates import ApproxDate
from secmods.modifications.references import format_reference, parse_reference

JSON = {"separators": (",", ":"), "ensure_ascii": False}
DRAFT = ("draft_proposal", "closed")


def _dt(value: datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


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
    nk.label, nk.precision, nk.date_from, nk.date_to
"""
_SUMMARY_JOINS = """
    FROM modifications_modification m
    LEFT JOIN parties_person p ON p.id = m.proposer_id
    LEFT JOIN parties_organisation o ON o.id = p.organisation_id
    LEFT JOIN LATERAL (
        SELECT label, precision, date_from, date_to FROM modifications_milestone ms
         WHERE ms.modification_id = m.id AND ms.status = 'planned' AND ms.date_to >= %s
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
     org_short, sec_codes, nk_label, nk_precision, nk_from, nk_to) = row[:23]  # fmt: skip
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
                    ORDER BY m.number DESC, m.suffix ASC LIMIT %s OFFSET %s)"""  # noqa: S608
    joins = _SUMMARY_JOINS.replace("FROM modifications_modification m", f"FROM {page_sql} m")
    sql = f"""SELECT {_SUMMARY_COLUMNS},
                     (SELECT count(*) FROM modifications_modification m {_VISIBLE})
              {joins} ORDER BY m.number DESC, m.suffix ASC"""  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [page_size, (page - 1) * page_size, timezone.localdate()])
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
    from secmods.modifications import lifecycle

    parsed = parse_reference(reference)
    if parsed is None:
        raise Http404
    sql = f"""SELECT {_SUMMARY_COLUMNS} {_DETAIL_COLUMNS} {_SUMMARY_JOINS} {_DETAIL_JOINS}
              {_VISIBLE} AND m.number = %s AND m.suffix = %s LIMIT 1"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.localdate(), parsed.number, parsed.suffix])
        row = cursor.fetchone()
    if row is None:
        raise Http404
    body = _summary(request, row)
    (la_id, la_name, lo_name, lo_short, r_id, r_name, r_date, provisions, agreed,
     not_needed, impact, cb_outcome, authority, appeal, created_at, categories, sections,
     milestones, agenda, history, glossary) = row[23:]  # fmt: skip
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
