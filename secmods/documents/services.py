"""Writes: importing a Modification Report, and adding files to a modification's library."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.functions import Upper

from secmods.committees.models import CommitteeKind, Meeting
from secmods.core.pagecache import public_content_changed
from secmods.glossary.models import GlossaryTerm
from secmods.modifications import services as modification_services
from secmods.modifications.models import (
    MilestoneKind,
    Modification,
    ReportSection,
    SecSection,
    Stage,
)
from secmods.parties.models import Organisation, PartyCategory, Person
from secmods.reminders.services import replan_event
from secmods.rules.references import parse_reference

from .filetypes import FileTypeError, check_upload
from .models import Document, ReportVersion, Visibility
from .parsing import (
    DEFAULT_PARSE_SECONDS,
    DocumentError,
    ParsedMilestone,
    ParsedReport,
    parse_document,
)


def max_bytes() -> int:
    return int(settings.DOCUMENT_MAX_BYTES)


def read_report(data: bytes, filename: str) -> ParsedReport:
    """Parse an uploaded or given report (text, PDF or .docx), within the size limit and
    the time limit (`DOCUMENT_PARSE_SECONDS`, default 10)."""
    seconds = float(getattr(settings, "DOCUMENT_PARSE_SECONDS", DEFAULT_PARSE_SECONDS))
    return parse_document(data, filename, max_bytes=max_bytes(), seconds=seconds)


# --- Import ---------------------------------------------------------------------------------
@dataclass
class ImportSummary:
    """What an import did (or, for a dry run, would do), for the command and the admin."""

    reference: str
    title: str
    created: bool
    source_format: str
    proposer: str
    raised_on: date | None
    sections: list[tuple[int, str]]
    milestones: list[tuple[str, str, str]]  # label, date, what happened
    sec_sections: list[str] = field(default_factory=list)  # "Section L ‘...’"
    sec_provisions: str = ""
    impacted: list[str] = field(default_factory=list)  # Party Category names
    terms_added: list[str] = field(default_factory=list)
    terms_known: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    version_kept: int | None = None
    modification_id: int | None = None
    dry_run: bool = False


class MissingDetail(DocumentError):
    """The document does not give its reference or title, and the importer gave none: each
    way in says how to give it (`--reference` on the command line, a form field on the web)."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(message)
        self.detail = detail  # "reference" or "title": the option / form field that gives it


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back after it has done everything."""


def import_report(
    report: ParsedReport,
    *,
    reference: str = "",
    title: str = "",
    user: Any = None,
    source_name: str = "",
    dry_run: bool = False,
) -> ImportSummary:
    """Write a parsed report in one transaction: create or update the modification, keep the
    previous text as a ReportVersion, re-plan changed milestones, merge the glossary.

    A dry run does all of it and rolls it back, so its summary is exactly what a real import
    would do. Anything wrong raises DocumentError and writes nothing.
    """
    summary: ImportSummary | None = None
    try:
        with transaction.atomic():
            summary = _import(
                report, reference=reference, title=title, user=user, source_name=source_name
            )
            if dry_run:
                summary.dry_run = True
                summary.modification_id = None
                raise _DryRun
    except _DryRun:
        pass
    except ValidationError as exc:
        raise DocumentError("; ".join(exc.messages)) from None
    assert summary is not None
    return summary


def _resolve_reference(report: ParsedReport, reference: str) -> tuple[int, str, str]:
    text = reference or report.reference
    if not text:
        raise MissingDetail("the document gives no reference (MP160, DP160...)", "reference")
    parsed = parse_reference(text)
    if parsed is None:
        raise DocumentError(f"'{text}' is not a modification reference (e.g. MP160, DP160)")
    prefix = "".join(c for c in text.upper() if c.isalpha())[:5]
    return parsed.number, parsed.suffix, prefix


def _find_or_create_proposer(report: ParsedReport) -> Person | None:
    if not report.proposer_name:
        return None
    organisation = None
    if report.proposer_organisation:
        organisation = Organisation.objects.filter(
            name__iexact=report.proposer_organisation
        ).first()
        if organisation is None and report.proposer_organisation_short:
            organisation = Organisation.objects.filter(
                short_name__iexact=report.proposer_organisation_short
            ).first()
        if organisation is None:
            organisation = Organisation(
                name=report.proposer_organisation[:200],
                short_name=report.proposer_organisation_short[:40],
            )
            organisation.full_clean()
            organisation.save()
    person = Person.objects.filter(
        name__iexact=report.proposer_name, organisation=organisation
    ).first()
    if person is None:
        person = Person(name=report.proposer_name[:200], organisation=organisation)
        person.full_clean()
        person.save()
    return person


def _sec_sections(report: ParsedReport) -> list[SecSection]:
    found = report.sec_sections or (
        [(report.sec_section_code, report.sec_section_title)] if report.sec_section_code else []
    )
    sections = []
    for code, title in found:
        section, _ = SecSection.objects.get_or_create(code=code, defaults={"title": title[:200]})
        sections.append(section)
    return sections


def _provisions(report: ParsedReport) -> str:
    """The provisions, then the other SEC documents affected ('L8.7–L8.12; Appendix AA;
    Schedule 8'): the model has no place of their own for Appendices and Schedules."""
    return "; ".join(p for p in [report.sec_provisions, *report.sec_documents] if p)[:200]


def _impacted(report: ParsedReport, warnings: list[str]) -> list[PartyCategory]:
    categories = list(PartyCategory.objects.filter(slug__in=report.impacted_categories))
    missing = set(report.impacted_categories) - {c.slug for c in categories}
    if missing:
        warnings.append(
            f"impacted Party Categories not in the database: {', '.join(sorted(missing))}"
        )
    return categories


_COMMITTEE_FOR_KIND = {
    MilestoneKind.CSC: CommitteeKind.CSC,
    MilestoneKind.PANEL: CommitteeKind.PANEL,
    MilestoneKind.CHANGE_BOARD: CommitteeKind.CHANGE_BOARD,
}


def _meeting_for(parsed: ParsedMilestone) -> Meeting | None:
    """The committee meeting a day-precise CSC/Panel/Change Board row names, if we know it."""
    committee_kind = _COMMITTEE_FOR_KIND.get(parsed.kind)  # type: ignore[call-overload]
    if committee_kind is None or parsed.when.precision != "day" or parsed.when.start is None:
        return None
    return (
        Meeting.objects.filter(committee__kind=committee_kind, starts_at__date=parsed.when.start)
        .select_related("committee")
        .first()
    )


def snapshot(modification: Modification) -> tuple[list[dict[str, Any]], list[dict[str, str]], str]:
    sections = [
        {"heading": s.heading, "level": s.level, "body": s.body}
        for s in modification.sections.order_by("order")
    ]
    timetable = [
        {"label": m.label, "date": m.date_text or m.when.display()}
        for m in modification.milestones.all()
    ]
    lines: list[str] = []
    for section in sections:
        lines += [str(section["heading"]), "", str(section["body"]), ""]
    if timetable:
        lines += ["Timetable", *(f"{row['label']}\t{row['date']}" for row in timetable)]
    return sections, timetable, "\n".join(lines).strip()


def _keep_version(
    modification: Modification, report: ParsedReport, user: Any, source_name: str
) -> int | None:
    """Keep the current text as a version, unless there is none or the import repeats it."""
    sections, timetable, text = snapshot(modification)
    if not sections and not timetable:
        return None
    incoming = [{"heading": s.heading, "level": s.level, "body": s.body} for s in report.sections]
    incoming_timetable = {(_label_key(m.label), m.when) for m in report.milestones}
    current_timetable = {(_label_key(m.label), m.when) for m in modification.milestones.all()}
    if incoming == sections and incoming_timetable == current_timetable:
        return None
    last = modification.report_versions.order_by("-number").values_list("number", flat=True)
    number = (last[0] if last else 0) + 1
    ReportVersion.objects.create(
        modification=modification,
        number=number,
        sections=sections,
        timetable=timetable,
        text=text,
        replaced_by=user if getattr(user, "pk", None) else None,
        replaced_by_source=source_name[:255],
    )
    return number


def _label_key(label: str) -> str:
    return " ".join(label.lower().split())


def _import(
    report: ParsedReport, *, reference: str, title: str, user: Any, source_name: str
) -> ImportSummary:
    number, suffix, prefix = _resolve_reference(report, reference)
    warnings = list(report.warnings)
    if reference and report.reference and parse_reference(report.reference) != (number, suffix):
        warnings.append(f"the document says {report.reference}; imported as {reference}")
    modification = (
        Modification.objects.select_for_update().filter(number=number, suffix=suffix).first()
    )
    created = modification is None
    proposer = _find_or_create_proposer(report)
    sec_sections = _sec_sections(report)
    provisions = _provisions(report)
    impacted = _impacted(report, warnings)
    version_kept = None
    if modification is None:
        title = title or report.title
        if not title:
            raise MissingDetail("the document gives no title", "title")
        if report.raised_on is None:
            raise DocumentError(
                "the document gives no raised date (a 'Draft Proposal raised' timetable row "
                "or 'raised on <date>')"
            )
        modification = modification_services.create_modification(
            title=title[:300],
            raised_on=report.raised_on,
            number=number,
            suffix=suffix,
            # An MP reference means the Draft Proposal was converted already.
            stage=Stage.DRAFT_PROPOSAL if prefix.startswith("DP") else Stage.REFINEMENT,
            legacy_reference=prefix.startswith("SECMP"),
            proposer=proposer,
            sec_provisions=provisions,
            sec_sections=sec_sections,
            impacted_party_categories=impacted,
        )
    else:
        version_kept = _keep_version(modification, report, user, source_name)
        changed: list[str] = []
        for name, value in (
            ("title", (title or report.title)[:300]),
            ("raised_on", report.raised_on),
            ("proposer", proposer),
            ("sec_provisions", provisions),
        ):
            if value and getattr(modification, name) != value:
                setattr(modification, name, value)
                changed.append(name)
        if user is not None and getattr(user, "pk", None):
            modification._history_user = user  # type: ignore[attr-defined]
        if changed:
            modification.full_clean()
            modification.save(update_fields=[*changed, "updated_at"])
        if sec_sections:
            modification.sec_sections.add(*sec_sections)
        if impacted:
            modification.impacted_party_categories.add(*impacted)
        modification.sections.all().delete()
    rows = [
        ReportSection(
            modification=modification,
            order=order,
            level=section.level,
            heading=section.heading,
            body=section.body,
        )
        for order, section in enumerate(report.sections, start=1)
    ]
    for row in rows:
        row.full_clean(exclude=["modification"], validate_constraints=False)
    ReportSection.objects.bulk_create(rows)
    milestone_rows = _import_milestones(modification, report.milestones)
    terms_added, terms_known = _merge_glossary(report, warnings)
    modification_services.bump_version(modification)
    return ImportSummary(
        reference=modification.reference,
        title=modification.title,
        created=created,
        source_format=report.source_format,
        proposer=str(proposer) if proposer else "",
        raised_on=modification.raised_on,
        sections=[(s.level, s.heading) for s in report.sections],
        milestones=milestone_rows,
        sec_sections=[f"Section {s.code} ‘{s.title}’" for s in sec_sections],
        sec_provisions=provisions,
        impacted=[c.name for c in impacted],
        terms_added=terms_added,
        terms_known=terms_known,
        warnings=warnings,
        version_kept=version_kept,
        modification_id=modification.pk,
    )


def _import_milestones(
    modification: Modification, parsed_rows: list[ParsedMilestone]
) -> list[tuple[str, str, str]]:
    existing = {_label_key(m.label): m for m in modification.milestones.all()}
    rows: list[tuple[str, str, str]] = []
    for order, parsed in enumerate(parsed_rows, start=1):
        meeting = _meeting_for(parsed)
        milestone = existing.pop(_label_key(parsed.label), None)
        if milestone is None:
            modification_services.add_milestone(
                modification,
                kind=parsed.kind,
                label=parsed.label,
                when=parsed.when,
                meeting=meeting,
                status=parsed.status,
                date_text=parsed.date_text,
                order=order,
            )
            rows.append((parsed.label, parsed.date_text, "added"))
            continue
        previous = milestone.when
        if previous != parsed.when:
            milestone = modification_services.replan_milestone(
                milestone, when=parsed.when, meeting=meeting
            )
            rows.append((parsed.label, parsed.date_text, f"re-planned (was {previous})"))
        else:
            rows.append((parsed.label, parsed.date_text, "unchanged"))
        updates = {"date_text": parsed.date_text, "order": order}
        if meeting is not None:
            updates["meeting"] = meeting
        for name, value in updates.items():
            setattr(milestone, name, value)
        milestone.save(update_fields=list(updates))
        replan_event("milestone", milestone.pk)
    for milestone in existing.values():
        rows.append((milestone.label, milestone.when.display(), "kept (not in this version)"))
    return rows


def _merge_glossary(report: ParsedReport, warnings: list[str]) -> tuple[list[str], list[str]]:
    """Into the one global glossary, without duplicates (an acronym matches in any case)."""
    added: list[str] = []
    known: list[str] = []
    # One query for the terms we know already, whatever the length of the glossary.
    by_upper = {
        term.upper_acronym: term
        for term in GlossaryTerm.objects.annotate(upper_acronym=Upper("acronym")).filter(
            upper_acronym__in=[t.acronym.upper() for t in report.glossary]
        )
    }
    for term in report.glossary:
        existing = by_upper.get(term.acronym.upper())
        if existing is None:
            new = GlossaryTerm(acronym=term.acronym, full_term=term.full_term)
            new.full_clean(validate_constraints=False)
            new.save()
            added.append(term.acronym)
            continue
        known.append(existing.acronym)
        if " ".join(existing.full_term.lower().split()) != " ".join(term.full_term.lower().split()):
            warnings.append(
                f"{existing.acronym} is '{existing.full_term}' in the glossary; the document "
                f"says '{term.full_term}' (the glossary was not changed)"
            )
    return added, known


# --- The documents library ------------------------------------------------------------
@transaction.atomic
def add_document(
    modification: Modification,
    *,
    data: bytes,
    filename: str,
    title: str = "",
    kind: str,
    visibility: str = Visibility.CONFIDENTIAL,
    user: Any = None,
) -> Document:
    """Store a file in the modification's library after checking what it really is."""
    try:
        content_type = check_upload(data, filename, max_bytes=max_bytes())
    except FileTypeError as exc:
        raise ValidationError({"file": str(exc)}) from None
    document = Document(
        modification=modification,
        title=(title or filename)[:300],
        kind=kind,
        visibility=visibility,
        original_name=filename[:255],
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=user if getattr(user, "pk", None) else None,
    )
    document.file.save(filename, ContentFile(data), save=False)
    try:
        document.full_clean()
        document.save()
    except Exception:
        # The row is rolled back; do not leave the stored file behind without it.
        document.file.delete(save=False)
        raise
    public_content_changed()  # a published document is listed on its modification's page
    return document


@transaction.atomic
def update_document(document: Document, **fields: Any) -> Document:
    """Change a document's title, kind or visibility (its file is never replaced in place:
    upload a new document instead)."""
    allowed = {"title", "kind", "visibility"}
    if set(fields) - allowed:
        raise ValidationError("Only the title, kind and visibility of a document change.")
    for name, value in fields.items():
        setattr(document, name, value)
    document.full_clean()
    document.save()
    public_content_changed()
    return document


@transaction.atomic
def delete_document(document: Document) -> None:
    document.delete()
    public_content_changed()
