"""Reads of consultations and responses: the per-category summary, what the public may see,
the CSV export, the lifecycle guards and the reminder recipients."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from django.db.models import Count, Prefetch, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from secmods.core.roles import is_secas_staff
from secmods.modifications.models import Modification
from secmods.modifications.selectors import visible_modifications, visible_to
from secmods.parties.models import PartyCategory

from .models import (
    Answer,
    Comment,
    Consultation,
    ConsultationKind,
    Invitation,
    Question,
    QuestionKind,
    Response,
)
from .services import display_deadline


# --- Summary by Party Category -----------------------------------------------------------
def _plural(name: str) -> str:
    if name.endswith("s"):
        return name
    if name.endswith("y") and name[-2:-1] not in "aeiou":
        return f"{name[:-1]}ies"  # Non-SEC Party -> Non-SEC Parties
    return f"{name}s"


@dataclass
class CategoryCount:
    category: PartyCategory
    agree: int = 0
    disagree: int = 0
    neutral: int = 0
    text_only: int = 0

    @property
    def answered(self) -> int:
        return self.agree + self.disagree + self.neutral + self.text_only

    def sentence(self, kind: str) -> str:
        name = self.category.name
        plural = _plural(name)
        if kind == QuestionKind.FREE_TEXT:
            return f"{plural}: {self.answered} answered"
        parts = [f"{self.agree} agree", f"{self.disagree} disagree"]
        if self.neutral:
            parts.append(f"{self.neutral} neutral")
        return f"{plural}: {', '.join(parts)}"


@dataclass
class QuestionSummary:
    question: Question
    rows: list[CategoryCount] = field(default_factory=list)

    @property
    def sentences(self) -> list[str]:
        return [row.sentence(self.question.kind) for row in self.rows]


def _tally(
    counts: Any, categories: dict[int, PartyCategory]
) -> dict[int, dict[int, CategoryCount]]:
    """Grouped answer counts -> {question id: {Party Category id: CategoryCount}}."""
    table: dict[int, dict[int, CategoryCount]] = defaultdict(dict)
    for row in counts:
        category_id = row["response__party_category_id"]
        per_question = table[row["question_id"]]
        entry = per_question.setdefault(category_id, CategoryCount(categories[category_id]))
        position = row["position"] or "text_only"
        setattr(entry, position, getattr(entry, position) + row["n"])
    return table


def _summaries(
    questions: list[Question], table: dict[int, dict[int, CategoryCount]]
) -> list[QuestionSummary]:
    summaries = []
    for question in questions:
        rows = sorted(
            table.get(question.pk, {}).values(),
            key=lambda r: (r.category.order, r.category.name),
        )
        summaries.append(QuestionSummary(question, rows))
    return summaries


def _grouped_counts(answers: QuerySet[Answer]) -> Any:
    return (
        answers.values("question_id", "response__party_category_id", "position")
        .annotate(n=Count("pk"))
        .order_by()
    )


def consultation_summary(consultation: Consultation) -> list[QuestionSummary]:
    """Per question, per Party Category, how many agreed, disagreed or were neutral.

    Staff only (confidential responses count). Three queries, whatever the number of
    responses: questions, categories, one grouped count."""
    questions = list(consultation.questions.all())
    categories = {c.pk: c for c in PartyCategory.objects.all()}
    counts = _grouped_counts(Answer.objects.filter(question__consultation=consultation))
    return _summaries(questions, _tally(counts, categories))


def published_summaries(
    consultations: list[Consultation],
) -> dict[int, list[QuestionSummary]]:
    """The same summary for the public: counted over published responses only (never a
    confidential one, so neither its answers nor its existence show in any count).

    Keyed by consultation id. Two queries for any number of consultations (categories, one
    grouped count), plus one for the questions unless the caller prefetched them."""
    if not consultations:
        return {}
    categories = {c.pk: c for c in PartyCategory.objects.all()}
    counts = _grouped_counts(
        Answer.objects.filter(
            question__consultation__in=[c.pk for c in consultations],
            response__confidential=False,
            response__published_at__isnull=False,
        )
    )
    return summaries_from_counts(consultations, counts, categories)


def summaries_from_counts(
    consultations: list[Consultation],
    counts: Iterable[dict[str, Any]],
    categories: dict[int, PartyCategory],
) -> dict[int, list[QuestionSummary]]:
    """`published_summaries` from its grouped count and the Party Categories when a caller
    read them itself (the modification page reads them in its one statement): rows with
    question_id, response__party_category_id, position and n."""
    table = _tally(counts, categories)
    return {c.pk: _summaries(list(c.questions.all()), table) for c in consultations}


# --- Who sees which responses ------------------------------------------------------------
def _with_answers(queryset: QuerySet[Response]) -> QuerySet[Response]:
    return queryset.select_related("party_category").prefetch_related(
        Prefetch("answers", queryset=Answer.objects.select_related("question"))
    )


def public_responses(consultation: Consultation) -> QuerySet[Response]:
    """Published, never confidential, and only for a modification the public can see."""
    if not visible_modifications(None).filter(pk=consultation.modification_id).exists():
        return Response.objects.none()
    return _with_answers(
        consultation.responses.filter(confidential=False, published_at__isnull=False)
    )


def responses_for(user: Any, consultation: Consultation) -> QuerySet[Response]:
    """Staff see every response, confidential ones too; everyone else the published ones."""
    if is_secas_staff(user):
        return _with_answers(consultation.responses.all())
    return public_responses(consultation)


def visible_consultations(user: Any = None) -> QuerySet[Consultation]:
    return Consultation.objects.select_related("modification").filter(
        visible_to(user, through="modification")
    )


# --- CSV export --------------------------------------------------------------------------
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> str:
    """A spreadsheet runs a cell starting with = + - @ (or a tab/CR) as a formula; a leading
    apostrophe makes it text (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def write_responses_csv(
    out: TextIO, consultation: Consultation, responses: QuerySet[Response], *, staff: bool
) -> None:
    questions = list(consultation.questions.all())
    header = ["Organisation", "Party Category", "Respondent", "Received (London)"]
    if staff:
        header += ["Email", "Confidential", "Entered by SECAS", "Published"]
    for question in questions:
        if question.kind == QuestionKind.AGREE_DISAGREE:
            header.append(f"Q{question.order} position")
        header.append(f"Q{question.order} {question.text[:80]}")
    writer = csv.writer(out)
    writer.writerow([escape_cell(h) for h in header])
    for response in responses:
        answers = {a.question_id: a for a in response.answers.all()}
        row: list[Any] = [
            response.organisation_name,
            response.party_category.name,
            response.respondent_name,
            timezone.localtime(response.received_at).strftime("%Y-%m-%d %H:%M"),
        ]
        if staff:
            row += [
                response.respondent_email,
                "yes" if response.confidential else "no",
                "yes" if response.entered_by_id else "no",
                "yes" if response.published_at else "no",
            ]
        for question in questions:
            answer = answers.get(question.pk)
            if question.kind == QuestionKind.AGREE_DISAGREE:
                row.append(answer.get_position_display() if answer and answer.position else "")
            row.append(answer.text if answer else "")
        writer.writerow([escape_cell(cell) for cell in row])


# --- Lifecycle guards --------------------------------------------------------------------
def _still_open(modification: Modification, kind: str, now: datetime) -> list[Consultation]:
    return list(
        Consultation.objects.filter(modification=modification, kind=kind, closes_at__gt=now)
    )


def refinement_consultations_closed(modification: Modification, request: Any) -> str | None:
    still_open = _still_open(modification, ConsultationKind.REFINEMENT, timezone.now())
    if still_open:
        first = still_open[0]
        return f"The Refinement Consultation closes at {display_deadline(first.closes_at)}."
    return None


def report_consultation_closed(modification: Modification, request: Any) -> str | None:

    now = timezone.now()
    held = Consultation.objects.filter(modification=modification, kind=ConsultationKind.REPORT)
    if not held.exists():
        return "No Modification Report Consultation has been held."
    still_open = _still_open(modification, ConsultationKind.REPORT, now)
    if still_open:
        return (
            "The Modification Report Consultation closes at "
            f"{display_deadline(still_open[0].closes_at)}."
        )
    return None


# --- Reminder hooks (wired by the reminders part) ---------------------------------------
def consultations_closing_between(start: datetime, end: datetime) -> QuerySet[Consultation]:
    return Consultation.objects.select_related("modification").filter(
        closes_at__gte=start, closes_at__lt=end
    )


def respondents_yet_to_answer(consultation: Consultation) -> QuerySet[Invitation]:
    """Invited, link not withdrawn, and no response yet: the "consultation closing"
    reminder's recipients."""
    # Someone whose response staff entered from an email (no invitation attached) has
    # answered too: matched on the address, in any case.
    by_email = (
        Response.objects.filter(consultation=consultation)
        .exclude(respondent_email="")
        .annotate(address=Lower("respondent_email"))
        .values("address")
    )
    return (
        consultation.invitations.filter(revoked_at__isnull=True, response__isnull=True)
        .annotate(address=Lower("email"))
        .exclude(address__in=by_email)
    )


# --- Comments ----------------------------------------------------------------------------
def comments_for(
    *, modification: Modification | None = None, meeting: Any = None
) -> QuerySet[Comment]:
    queryset = Comment.objects.select_related("author", "meeting__committee", "modification")
    if modification is not None:
        queryset = queryset.filter(modification=modification)
    if meeting is not None:
        queryset = queryset.filter(meeting=meeting)
    return queryset
