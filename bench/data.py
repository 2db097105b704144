"""The benchmark's data set: a register with a long history and a bounded amount of live work.

`load(size)` writes `size` published modifications, each with what a real one accumulates:

    20 milestones        (day, week, month, quarter and TBC precision)
     5 agenda items      (CSC, Panel, a Sub-Committee and the Change Board, monthly meetings)
    30 comments          (by committee members, most at one of those meetings)
     2 consultations     (Refinement and Modification Report), 3 questions each,
                         ~40 responses each (once opened) with an answer to every question
     8 report sections, 3 stage changes, 2 SEC Sections, 3 impacted Party Categories

and one history row for each modification, milestone, meeting, comment, consultation and
response (what the admin writes on creation), because the pages and the ICS feed read the
last change from the history tables.

Modifications are raised at a steady 100 a year up to today, so a bigger register is an older
one: 10,000 modifications reach back a century, while the last twelve months hold about the
same work at every size. A page or feed whose cost grows with the size therefore reads rows
it does not show.

Rows go in with PostgreSQL's COPY (psycopg's `copy.write_row`), in one transaction, with
explicit primary keys so that children need no read-back; sequences are reset afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

PER_YEAR = 100
MILESTONES_EACH = 20
AGENDA_EACH = 5
COMMENTS_EACH = 30
CONSULTATIONS_EACH = 2
QUESTIONS_EACH = 3
RESPONSES_EACH = 40
SECTIONS_EACH = 8
COMMITTEES = [
    ("Change Sub-Committee", "CSC", "csc", "csc"),
    ("SEC Panel", "Panel", "panel", "panel"),
    ("Change Board", "CB", "change-board", "change_board"),
    ("Technical Architecture and Business Architecture Sub-Committee", "TABASC", "tabasc",
     "sub_committee"),
    ("Operations Group", "OPSG", "opsg", "sub_committee"),
]  # fmt: skip
# (committee index, months after raising, purpose): where a modification is presented.
AGENDA = [
    (0, 1, "initial_comment"),
    (0, 4, "update"),
    (3, 6, "refinement"),
    (1, 8, "update"),
    (2, 11, "vote"),
]
LONDON = ZoneInfo("Europe/London")
PARAGRAPH = (
    "The DCC forecasts the number of Certificate Signing Requests (CSRs) it expects each "
    "month, so that the SMKI Certificate Authority can plan its capacity. Parties send their "
    "forecasts by the fifth Working Day of the month; the forecast covers the next twelve "
    "months and is compared with the CSRs actually received. "
)


def _month(start: date, months: int) -> tuple[int, int]:
    total = start.year * 12 + start.month - 1 + months
    return total // 12, total % 12 + 1


def copy_rows(model: Any, rows: Iterable[dict[str, Any]], *, fields: list[str]) -> int:
    """COPY `rows` (dicts over `fields`) into `model`'s table; other columns take the field's
    default (Django's defaults live in Python, not in the table). Returns the row count."""
    from django.db import connection

    opts = model._meta
    now = datetime.now(UTC)
    given = [opts.get_field(name) for name in fields]
    # An unnamed primary key is left to its identity column.
    rest = [f for f in opts.concrete_fields if f.name not in fields and not f.primary_key]
    fill: list[Any] = []
    for field in rest:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            fill.append(now)
        elif field.has_default() or not field.null:
            fill.append(field.get_default())
        else:
            fill.append(None)
    columns = ", ".join(f'"{f.column}"' for f in [*given, *rest])
    count = 0
    sql = f'COPY "{opts.db_table}" ({columns}) FROM STDIN'
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([*(row[name] for name in fields), *fill])
            count += 1
    return count


def backfill_history(model: Any, history_date_sql: str) -> None:
    """One creation row ('+') per existing row, dated by an SQL expression over the row."""
    from django.db import connection

    historical = model.history.model
    columns = [
        f.column
        for f in historical._meta.concrete_fields
        if not f.name.startswith("history_") and f.name != "history_id"
    ]
    names = ", ".join(f'"{c}"' for c in columns)
    # Table and column names come from the models, the date expression from this module.
    with connection.cursor() as cursor:
        sql = (
            f'INSERT INTO "{historical._meta.db_table}" ({names}, history_date, history_type, '  # noqa: S608
            f"history_change_reason, history_user_id) "
            f'SELECT {names}, {history_date_sql}, %s, NULL, NULL FROM "{model._meta.db_table}"'
        )
        cursor.execute(
            sql,
            ["+"],
        )


def load(size: int, *, log: Callable[[str], None] = print) -> None:
    """Load `size` modifications into the (migrated, empty) default database."""
    from django.contrib.auth import get_user_model
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Model

    from secmods.committees.models import AgendaItem, Committee, Meeting
    from secmods.consultations.models import Answer, Comment, Consultation, Question, Response
    from secmods.glossary.models import GlossaryTerm
    from secmods.modifications.models import (
        Milestone,
        Modification,
        ReportSection,
        SecSection,
        StageChange,
    )
    from secmods.parties.models import Organisation, PartyCategory, Person
    from secmods.rules.dates import ApproxDate

    if connection.vendor != "postgresql":
        raise SystemExit("the bench data set is loaded with COPY: PostgreSQL only")
    if Modification.objects.exists():
        log("bench data already loaded")
        return
    User = get_user_model()
    started = time.monotonic()
    today = date.today()
    now = datetime.now(UTC)
    counts: dict[str, int] = {}

    with transaction.atomic():
        categories = list(PartyCategory.objects.order_by("order"))
        orgs = Organisation.objects.bulk_create(
            Organisation(
                name=f"Party {i} Ltd", short_name=f"P{i}", party_category=categories[i % 5]
            )
            for i in range(200)
        )
        people = Person.objects.bulk_create(
            Person(name=f"Person {i}", organisation=orgs[i % len(orgs)]) for i in range(500)
        )
        members = User.objects.bulk_create(
            User(username=f"member{i}", email=f"member{i}@example.org", password="!")  # noqa: S106 (unusable)
            for i in range(60)
        )
        sections = SecSection.objects.bulk_create(
            SecSection(code=code, title=f"Section {code}") for code in "ABCDEFGHIJKLMN"
        )
        committees = Committee.objects.bulk_create(
            Committee(name=name, abbreviation=abbr, slug=slug, kind=kind)
            for name, abbr, slug, kind in COMMITTEES
        )
        GlossaryTerm.objects.bulk_create(
            [
                GlossaryTerm(acronym=a, full_term=t)
                for a, t in [
                    ("CSC", "Change Sub-Committee"),
                    ("CSR", "Certificate Signing Request"),
                    ("DCC", "Data Communications Company"),
                    ("SEC", "Smart Energy Code"),
                    ("SMKI", "Smart Metering Key Infrastructure"),
                ]
            ]
            + [GlossaryTerm(acronym=f"TERM{i}", full_term=f"Term {i}") for i in range(60)]
        )

        def raised(n: int) -> date:
            return today - timedelta(days=20 + round((size - n) * 365 / PER_YEAR))

        # Monthly meetings of every committee, from the month the oldest modification was
        # raised to fourteen months ahead; the committee's day of the month differs.
        first = raised(1).replace(day=1)
        months = (today.year - first.year) * 12 + today.month - first.month + 15
        meeting_ids: dict[tuple[int, int, int], int] = {}
        meeting_starts: dict[int, datetime] = {}

        def meeting_rows() -> Iterator[dict[str, Any]]:
            pk = 0
            for m in range(months):
                year, month = _month(first, m)
                for c, committee in enumerate(committees):
                    pk += 1
                    starts = datetime(year, month, 3 + 4 * c, 10, tzinfo=LONDON)
                    meeting_ids[(c, year, month)] = pk
                    meeting_starts[pk] = starts
                    yield {
                        "id": pk,
                        "committee": committee.pk,
                        "starts_at": starts,
                        "title": f"{committee.abbreviation} {starts:%B %Y}",
                        "location": "Teleconference",
                        "status": "held" if starts < now else "scheduled",
                    }

        counts["meetings"] = copy_rows(
            Meeting,
            meeting_rows(),
            fields=["id", "committee", "starts_at", "title", "location", "status"],
        )

        def stage(age: int, n: int) -> str:
            if age < 120:
                return "refinement"
            if age < 240:
                return "report_phase"
            if age < 330:
                return "change_board"
            if age < 420:
                return "authority_decision" if n % 3 else "approved"
            if age < 600:
                return "approved"
            return ("implemented", "implemented", "implemented", "withdrawn", "rejected")[n % 5]

        def modification_rows() -> Iterator[dict[str, Any]]:
            for n in range(1, size + 1):
                on = raised(n)
                yield {
                    "id": n,
                    "number": n,
                    "title": f"Modification {n}: the DCC and the CSR forecast for SMKI",
                    "stage": stage((today - on).days, n),
                    "path": ("path_1", "path_2", "path_3")[n % 3],
                    "proposer": people[n % len(people)].pk,
                    "lead_analyst": people[(n * 7) % len(people)].pk,
                    "raised_on": on,
                    "latest_update": f"Update on modification {n}.",
                    "published_at": datetime(on.year, on.month, on.day, 12, tzinfo=UTC),
                    "created_at": datetime(on.year, on.month, on.day, 9, tzinfo=UTC),
                    "updated_at": now,
                }

        counts["modifications"] = copy_rows(
            Modification,
            modification_rows(),
            fields=[
                "id", "number", "title", "stage", "path", "proposer", "lead_analyst",
                "raised_on", "latest_update", "published_at", "created_at", "updated_at",
            ],
        )  # fmt: skip
        mods = range(1, size + 1)
        sec_through = Modification.sec_sections.through
        copy_rows(
            sec_through,
            (
                {"modification": n, "secsection": sections[(n + j * 5) % len(sections)].pk}
                for n in mods
                for j in range(2)
            ),
            fields=["modification", "secsection"],
        )
        category_through = Modification.impacted_party_categories.through
        copy_rows(
            category_through,
            (
                {"modification": n, "partycategory": categories[(n + j) % 5].pk}
                for n in mods
                for j in range(3)
            ),
            fields=["modification", "partycategory"],
        )

        kinds = [
            "raised", "csc", "working_group", "csc", "consultation_opens", "consultation_closes",
            "working_group", "csc", "sub_committees", "impact_assessment", "consultation_opens",
            "consultation_closes", "panel", "csc", "change_board", "authority_decision",
            "implementation", "other", "other", "implementation",
        ]  # fmt: skip

        def milestone_rows() -> Iterator[dict[str, Any]]:
            pk = 0
            for n in mods:
                on = raised(n)
                for k in range(MILESTONES_EACH):
                    day = on + timedelta(days=30 * k)
                    if k == MILESTONES_EACH - 1:
                        when = ApproxDate.tbc()
                    elif k < 10:
                        when = ApproxDate.day(day)
                    else:
                        when = [
                            ApproxDate.day(day),
                            ApproxDate.week(day),
                            ApproxDate.month(day.year, day.month),
                            ApproxDate.quarter(day.year, (day.month - 1) // 3 + 1),
                        ][k % 4]
                    pk += 1
                    done = when.end is not None and when.end < today
                    yield {
                        "id": pk,
                        "modification": n,
                        "kind": kinds[k],
                        "label": f"Milestone {k + 1} of the timetable",
                        "status": "done" if done else "planned",
                        "precision": when.precision,
                        "date_from": when.start,
                        "date_to": when.end,
                        "order": k,
                    }

        counts["milestones"] = copy_rows(
            Milestone,
            milestone_rows(),
            fields=[
                "id", "modification", "kind", "label", "status", "precision", "date_from",
                "date_to", "order",
            ],
        )  # fmt: skip

        agenda: dict[int, list[int]] = {}

        def agenda_rows() -> Iterator[dict[str, Any]]:
            for n in mods:
                on = raised(n)
                for order, (c, after, purpose) in enumerate(AGENDA):
                    year, month = _month(on, after)
                    meeting = meeting_ids[(c, year, month)]
                    agenda.setdefault(n, []).append(meeting)
                    yield {
                        "meeting": meeting,
                        "modification": n,
                        "purpose": purpose,
                        "order": (n % 12) + order,
                        "outcome": "Noted." if meeting_starts[meeting] < now else "",
                    }

        counts["agenda items"] = copy_rows(
            AgendaItem,
            agenda_rows(),
            fields=["meeting", "modification", "purpose", "order", "outcome"],
        )

        def comment_rows() -> Iterator[dict[str, Any]]:
            positions = ["", "supports", "", "neutral", "does_not_support", ""]
            for n in mods:
                meetings = agenda[n]
                for j in range(COMMENTS_EACH):
                    meeting = meetings[j % AGENDA_EACH]
                    held = meeting_starts[meeting]
                    written = held + timedelta(hours=2 + j)
                    if written > now:
                        # Not yet met: a comment in writing, since the modification was raised.
                        on = raised(n)
                        written = datetime(on.year, on.month, on.day, 9, tzinfo=UTC)
                        written += timedelta(hours=j)
                        meeting_or_none = None
                    else:
                        meeting_or_none = meeting
                    yield {
                        "modification": n,
                        "author": members[(n * 31 + j) % len(members)].pk,
                        "meeting": meeting_or_none,
                        "text": f"Comment {j + 1} on MP{n}: the forecast should cover the SMKI "
                        "Certificate Authority's planned capacity for the next twelve months.",
                        "position": positions[j % len(positions)],
                        "noted_in_report": j % 4 == 0,
                        "created_at": written,
                        "updated_at": written,
                    }

        counts["comments"] = copy_rows(
            Comment,
            comment_rows(),
            fields=[
                "modification", "author", "meeting", "text", "position", "noted_in_report",
                "created_at", "updated_at",
            ],
        )  # fmt: skip

        consultation_windows: dict[int, tuple[datetime, datetime]] = {}

        def consultation_rows() -> Iterator[dict[str, Any]]:
            pk = 0
            for n in mods:
                on = raised(n)
                for kind, after in (("refinement", 100), ("report", 230)):
                    pk += 1
                    day = on + timedelta(days=after)
                    opens = datetime(day.year, day.month, day.day, 9, tzinfo=LONDON)
                    closes = datetime(day.year, day.month, day.day, 17, tzinfo=LONDON) + timedelta(
                        days=21
                    )
                    consultation_windows[pk] = (opens, closes)
                    label = "Refinement" if kind == "refinement" else "Modification Report"
                    yield {
                        "id": pk,
                        "modification": n,
                        "kind": kind,
                        "title": f"MP{n} {label} Consultation",
                        "opens_at": opens,
                        "closes_at": closes,
                        "created_at": opens - timedelta(days=2),
                    }

        counts["consultations"] = copy_rows(
            Consultation,
            consultation_rows(),
            fields=["id", "modification", "kind", "title", "opens_at", "closes_at", "created_at"],
        )
        consultations = range(1, len(consultation_windows) + 1)
        counts["questions"] = copy_rows(
            Question,
            (
                {
                    "id": (c - 1) * QUESTIONS_EACH + q + 1,
                    "consultation": c,
                    "order": q + 1,
                    "text": f"Question {q + 1}: do you agree with the proposed solution?",
                    "kind": "agree_disagree" if q < 2 else "free_text",
                }
                for c in consultations
                for q in range(QUESTIONS_EACH)
            ),
            fields=["id", "consultation", "order", "text", "kind"],
        )

        answered: list[tuple[int, int]] = []  # (response id, consultation id)

        def response_rows() -> Iterator[dict[str, Any]]:
            pk = 0
            for c in consultations:
                opens, closes = consultation_windows[c]
                if opens > now:
                    continue  # not open yet: no responses
                span = min(closes, now) - opens
                for r in range(RESPONSES_EACH):
                    pk += 1
                    org = orgs[(c * 7 + r) % len(orgs)]
                    confidential = r % 10 == 9
                    published = closes + timedelta(days=7)
                    answered.append((pk, c))
                    yield {
                        "id": pk,
                        "consultation": c,
                        "respondent_name": f"Respondent {r + 1}",
                        "respondent_email": f"respondent{r + 1}@party{org.pk}.example.org",
                        "organisation_name": org.name,
                        "party_category": org.party_category_id,
                        "confidential": confidential,
                        "received_at": opens + span * (r + 1) / (RESPONSES_EACH + 1),
                        "published_at": None if confidential or published > now else published,
                    }

        counts["responses"] = copy_rows(
            Response,
            response_rows(),
            fields=[
                "id", "consultation", "respondent_name", "respondent_email",
                "organisation_name", "party_category", "confidential", "received_at",
                "published_at",
            ],
        )  # fmt: skip
        answer_positions = ["agree", "agree", "disagree", "neutral"]
        counts["answers"] = copy_rows(
            Answer,
            (
                {
                    "response": response,
                    "question": (c - 1) * QUESTIONS_EACH + q + 1,
                    "position": answer_positions[(response + q) % 4] if q < 2 else "",
                    "text": "We agree, provided the forecast template stays as it is."
                    if q < 2
                    else "No further comments.",
                }
                for response, c in answered
                for q in range(QUESTIONS_EACH)
            ),
            fields=["response", "question", "position", "text"],
        )
        headings = [
            "Summary", "What is the issue?", "Solution", "Impacts", "Costs",
            "Implementation approach", "Assessment of the proposal", "Legal text",
        ]  # fmt: skip
        counts["report sections"] = copy_rows(
            ReportSection,
            (
                {"modification": n, "order": o + 1, "heading": h, "body": PARAGRAPH * (1 + o % 3)}
                for n in mods
                for o, h in enumerate(headings[:SECTIONS_EACH])
            ),
            fields=["modification", "order", "heading", "body"],
        )

        def stage_change_rows() -> Iterator[dict[str, Any]]:
            moves = [("draft_proposal", "refinement", 0), ("refinement", "report_phase", 120),
                     ("report_phase", "change_board", 240)]  # fmt: skip
            for n in mods:
                on = raised(n)
                for before, after, days in moves:
                    when = datetime(on.year, on.month, on.day, 15, tzinfo=UTC)
                    when += timedelta(days=days)
                    if when > now:
                        break
                    yield {
                        "modification": n,
                        "from_stage": before,
                        "to_stage": after,
                        "changed_at": when,
                        "decided_by": "CSC",
                        "reason": "Agreed at the meeting.",
                    }

        counts["stage changes"] = copy_rows(
            StageChange,
            stage_change_rows(),
            fields=["modification", "from_stage", "to_stage", "changed_at", "decided_by", "reason"],
        )

        backfill_history(Modification, "created_at")
        backfill_history(Milestone, "now()")
        backfill_history(Meeting, "starts_at - interval '60 days'")
        backfill_history(Comment, "created_at")
        backfill_history(Consultation, "created_at")
        backfill_history(Response, "received_at")

        loaded: list[type[Model]] = [
            Meeting, Modification, Milestone, AgendaItem, Comment, Consultation, Question,
            Response, Answer, ReportSection, StageChange, sec_through, category_through,
        ]  # fmt: skip
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), loaded):
                cursor.execute(sql)
    # What autovacuum would have done by the time anyone reads the register: statistics for
    # the planner and a visibility map, without which a count cannot use an index-only scan.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    took = time.monotonic() - started
    log(f"loaded in {took:.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
