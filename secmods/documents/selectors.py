"""Reads for reports and libraries, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Max, QuerySet

from secmods.committees.models import AgendaItem, Meeting
from secmods.core.roles import is_committee_member, is_secas_staff
from secmods.glossary.models import GlossaryTerm
from secmods.glossary.selectors import terms_in_text
from secmods.modifications.models import Milestone, Modification, ReportSection
from secmods.modifications.selectors import visible_modifications

from .models import Document, Visibility


@dataclass
class ReportData:
    """Everything a written Modification Report shows."""

    modification: Modification
    sections: list[ReportSection]
    milestones: list[Milestone]
    terms: list[GlossaryTerm]
    version: int  # the report's version: the texts kept before it, plus one


def report_data(modification: Modification) -> ReportData:
    """Five queries, whatever the size of the report (the glossary is read once)."""
    sections = list(modification.sections.order_by("order"))
    milestones = list(modification.milestones.all())
    parts = [modification.title]
    for section in sections:
        parts += [section.heading, section.body]
    parts += [milestone.label for milestone in milestones]
    terms = terms_in_text("\n".join(parts), GlossaryTerm.objects.all())
    kept = modification.report_versions.aggregate(m=Max("number"))["m"] or 0
    return ReportData(modification, sections, milestones, terms, kept + 1)


def can_see_confidential(user: Any) -> bool:
    return is_secas_staff(user) or is_committee_member(user)


def library(modification: Modification, user: Any = None) -> QuerySet[Document]:
    """The documents of a modification this user may see: the public sees published ones."""
    documents = Document.objects.filter(modification=modification).select_related("uploaded_by")
    if can_see_confidential(user):
        return documents
    return documents.filter(visibility=Visibility.PUBLISHED)


def downloadable_document(document_id: int, user: Any = None) -> Document | None:
    """The document if this user may download it; None otherwise (a 404, not a 403, so that
    the public cannot learn that a confidential document exists)."""
    documents = Document.objects.filter(
        pk=document_id, modification__in=visible_modifications(user)
    ).select_related("modification")
    if not can_see_confidential(user):
        documents = documents.filter(visibility=Visibility.PUBLISHED)
    return documents.first()


@dataclass
class MeetingPack:
    meeting: Meeting
    items: list[AgendaItem]
    reports: list[ReportData]


def meeting_pack(meeting: Meeting) -> MeetingPack:
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("modification__proposer__organisation")
        .order_by("order", "pk")
    )
    seen: set[int] = set()
    reports = []
    for item in items:
        if item.modification_id not in seen:
            seen.add(item.modification_id)
            reports.append(report_data(item.modification))
    return MeetingPack(meeting, items, reports)
