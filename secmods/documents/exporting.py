"""Write Modification Reports out: Word (.docx) in the shape committees know, and one
self-contained HTML page. A meeting pack puts the agenda and each report in one .docx.

What we write, the importer reads back to the same modification (tested): numbered level-1
headings ("2. Issue") in Heading 1, questions in Heading 2, the timetable and the glossary as
real tables whose header row repeats on every page.
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from docx import Document as new_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, Twips

from .selectors import MeetingPack, ReportData

_TIMETABLE_HEADING = re.compile(r"progression timetable|timetable", re.I)


def _numbered_headings(data: ReportData) -> list[tuple[int, str, str]]:
    """(level, heading as written, body): level-1 sections are numbered as SECAS numbers them
    ('1. Summary'), except 'About this document' and the appendices."""
    out = []
    number = 0
    for section in data.sections:
        heading = section.heading
        if (
            section.level == 1
            and not heading.lower().startswith("appendix")
            and heading.lower() != "about this document"
        ):
            number += 1
            heading = f"{number}. {heading}"
        out.append((section.level, heading, section.body))
    return out


def _appendix_number(data: ReportData) -> int:
    numbers = [
        int(m[1]) for s in data.sections if (m := re.match(r"Appendix\s+(\d+)", s.heading, re.I))
    ]
    return max(numbers, default=0) + 1


def _paragraphs(body: str) -> list[str]:
    return [part.strip() for part in re.split(r"\n\s*\n", body) if part.strip()]


def _date_text(milestone: object) -> str:
    return getattr(milestone, "date_text", "") or str(milestone.when)  # type: ignore[attr-defined]


def glossary_intro() -> str:
    return (
        "This table lists all the acronyms used in this document and the full term they are "
        "an abbreviation for."
    )


# --- Word -----------------------------------------------------------------------------------
def _repeat_header(row: object) -> None:
    # python-docx has no API for "repeat as header row at the top of each page".
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _field(paragraph: object, instruction: str, cached: str = "1") -> None:
    # A PAGE / NUMPAGES field as Word writes it: begin, instruction, separate, a cached
    # result, end. LibreOffice and Word recompute the result when they lay the pages out; a
    # w:fldSimple inside a run (what we wrote before) is not valid there and printed nothing.
    def run_with(child: object) -> None:
        run = paragraph.add_run()  # type: ignore[attr-defined]
        run._r.append(child)

    def char(kind: str) -> object:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    run_with(char("begin"))
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run_with(text)
    run_with(char("separate"))
    paragraph.add_run(cached)  # type: ignore[attr-defined]
    run_with(char("end"))


# A4 in twentieths of a point; SEC documents are A4 and British English.
_A4 = (Twips(11906), Twips(16838))
_LANGUAGE = "en-GB"


def _new_document() -> Any:
    """A blank document on A4 in en-GB (python-docx's template is US Letter, en-US)."""
    document = new_docx()
    for section in document.sections:
        section.page_width, section.page_height = _A4
    lang = document.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:lang"))
    for attribute in ("w:val", "w:eastAsia"):
        lang.set(qn(attribute), _LANGUAGE)
    theme_lang = document.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), _LANGUAGE)
    document.core_properties.language = _LANGUAGE
    document.styles["Normal"].font.name = "Arial"
    return document


def _table(document: object, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    _repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = text


def _write_report(document: object, data: ReportData, *, shift: int = 0) -> None:
    """The sections, the timetable and the glossary; `shift` pushes headings down a level
    (a meeting pack puts each report under its own Heading 1)."""
    add_heading = document.add_heading  # type: ignore[attr-defined]
    add_paragraph = document.add_paragraph  # type: ignore[attr-defined]
    timetable_written = False
    for level, heading, body in _numbered_headings(data):
        add_heading(heading, level=level + shift)
        for paragraph in _paragraphs(body):
            add_paragraph(paragraph)
        if level == 1 and _TIMETABLE_HEADING.search(heading) and not timetable_written:
            _timetable(document, data)
            timetable_written = True
    appendix = _appendix_number(data)
    if data.milestones and not timetable_written:
        add_heading(f"Appendix {appendix}: Progression timetable", level=1 + shift)
        _timetable(document, data)
        appendix += 1
    if data.terms:
        add_heading(f"Appendix {appendix}: Glossary", level=1 + shift)
        add_paragraph(glossary_intro())
        _table(document, ["Acronym", "Full term"], [[t.acronym, t.full_term] for t in data.terms])


def _timetable(document: object, data: ReportData) -> None:
    if data.milestones:
        _table(
            document,
            ["Event/Action", "Date"],
            [[m.label, _date_text(m)] for m in data.milestones],
        )


def _footer(document: object, text: str) -> None:
    footer = document.sections[0].footer  # type: ignore[attr-defined]
    paragraph = footer.paragraphs[0]
    paragraph.text = f"{text} — Page "
    _field(paragraph, "PAGE")
    paragraph.add_run(" of ")
    _field(paragraph, "NUMPAGES")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def report_docx(data: ReportData) -> bytes:
    modification = data.modification
    document = _new_document()
    document.styles["Normal"].font.size = Pt(11)
    properties = document.core_properties
    properties.title = modification.title
    properties.identifier = modification.reference
    properties.subject = "Modification Report"
    properties.revision = data.version
    document.add_paragraph(f"{modification.reference} ‘{modification.title}’", style="Title")
    document.add_paragraph("Modification Report", style="Subtitle")
    today = timezone.localdate()
    document.add_paragraph(f"Version {data.version}.0")
    document.add_paragraph(f"{today.day} {today:%B %Y}")
    if modification.proposer is not None:
        document.add_paragraph(f"Proposer: {modification.proposer}")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _write_report(document, data)
    _footer(document, f"{modification.reference} Modification Report")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def meeting_pack_docx(pack: MeetingPack) -> bytes:
    meeting = pack.meeting
    document = _new_document()
    local = timezone.localtime(meeting.starts_at)
    title = meeting.title or f"{meeting.committee.name} meeting {local.day} {local:%B %Y}"
    document.core_properties.title = f"{title}: meeting pack"
    document.add_paragraph(title, style="Title")
    document.add_paragraph("Meeting pack", style="Subtitle")
    document.add_paragraph(f"{local.day} {local:%B %Y}, {local:%H:%M} (UK time)")
    if meeting.location:
        document.add_paragraph(meeting.location)
    document.add_heading("Agenda", level=1)
    if pack.items:
        _table(
            document,
            ["Item", "Modification", "Title", "Purpose"],
            [
                [
                    str(n),
                    item.modification.reference,
                    item.modification.title,
                    item.get_purpose_display(),
                ]
                for n, item in enumerate(pack.items, start=1)
            ],
        )
    else:
        document.add_paragraph("No modification is scheduled for this meeting.")
    for data in pack.reports:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(f"{data.modification.reference} ‘{data.modification.title}’", 1)
        document.add_paragraph(f"Modification Report, version {data.version}.0")
        _write_report(document, data, shift=1)
    _footer(document, f"{meeting.committee.abbreviation or meeting.committee.name} meeting pack")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- HTML -----------------------------------------------------------------------------------
def report_html(data: ReportData) -> str:
    """One page, styles inline, nothing fetched from elsewhere (it can be mailed or saved)."""
    sections = [
        {
            "level": level,
            "heading": heading,
            "paragraphs": _paragraphs(body),
            "timetable": level == 1 and bool(_TIMETABLE_HEADING.search(heading)),
        }
        for level, heading, body in _numbered_headings(data)
    ]
    timetable_written = any(s["timetable"] for s in sections)
    appendix = _appendix_number(data)
    today = timezone.localdate()
    return render_to_string(
        "documents/report.html",
        {
            "data": data,
            "modification": data.modification,
            "sections": sections,
            "timetable": [(m.label, _date_text(m)) for m in data.milestones],
            "timetable_appendix": None if timetable_written or not data.milestones else appendix,
            "glossary_appendix": appendix + (0 if timetable_written or not data.milestones else 1),
            "glossary_intro": glossary_intro(),
            "issued": f"{today.day} {today:%B %Y}",
        },
    )
