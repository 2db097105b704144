"""Read a Modification Report (plain text, PDF text layer or Word .docx) into plain data.

Pure functions, no database: `parse_document(data, filename)` returns a `ParsedReport` or
raises `DocumentError` with one readable line saying what is wrong and where.

Text extracted from a PDF (like the seed) is messy: sentences break across lines (often with
an empty line after every line), headings carry stray spaces, tables are flattened into one
line per row ("Draft Proposal raised 19 Apr 2021"), and a table split over two pages repeats
its caption and header ("Glossary", "Acronym Full term"). Every input format is first turned
into the same list of blocks (headings, paragraphs, tables); one assembler then builds the
report from them, so the three formats agree on what a report is.
"""

from __future__ import annotations

import contextlib
import io
import re
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from secmods.modifications.models import MilestoneKind, MilestoneStatus
from secmods.rules.dates import ApproxDate, DateParseError, Precision
from secmods.rules.references import parse_reference

from .filetypes import FileTypeError, check_pdf_expansion, check_zip_expansion

# The default size limit; the service passes settings.DOCUMENT_MAX_BYTES.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


class DocumentError(ValueError):
    """The document cannot be read as a Modification Report: what is wrong, and where."""

    def __init__(self, message: str, where: str = "") -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


# --- What a report is made of ---------------------------------------------------------------
@dataclass
class ParsedSection:
    heading: str
    level: int
    body: str = ""


@dataclass
class ParsedMilestone:
    label: str
    kind: str
    when: ApproxDate
    date_text: str
    status: str = MilestoneStatus.PLANNED


@dataclass
class ParsedTerm:
    acronym: str
    full_term: str


@dataclass
class ParsedReport:
    source_format: str
    reference: str = ""
    title: str = ""
    proposer_name: str = ""
    proposer_organisation: str = ""
    proposer_organisation_short: str = ""
    raised_on: date | None = None
    sec_section_code: str = ""
    sec_section_title: str = ""
    sec_provisions: str = ""
    sec_sections: list[tuple[str, str]] = field(default_factory=list)  # code, title
    sec_documents: list[str] = field(default_factory=list)  # "Appendix AA", "Schedule 8"
    impacted_categories: list[str] = field(default_factory=list)  # PartyCategory slugs
    sections: list[ParsedSection] = field(default_factory=list)
    milestones: list[ParsedMilestone] = field(default_factory=list)
    glossary: list[ParsedTerm] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- Blocks: the common shape of every input format -----------------------------------------
@dataclass
class _Heading:
    text: str
    level: int
    where: str


@dataclass
class _Paragraph:
    text: str
    where: str


@dataclass
class _Table:
    kind: str  # "timetable" or "glossary"
    rows: list[tuple[list[str], str]]  # cells, and where the row is in the document
    ruled_columns: int = 0  # read cell by cell from a PDF's ruled table: its width


@dataclass
class _RuledTable:
    """A table a PDF draws with rules, read cell by cell (a wrapped cell is one cell)."""

    rows: list[list[str]]
    where: str
    at_page_top: bool


_Block = _Heading | _Paragraph | _Table


# --- Words ----------------------------------------------------------------------------------
# C0 control characters other than whitespace (NUL above all: PostgreSQL refuses it in
# text) can come out of a PDF's text layer; they are never part of the words.
_CONTROLS = {code: None for code in range(32) if chr(code) not in "\t\n\r\x0b\x0c"}
_CONTROLS[0x7F] = None


def _clean(text: str) -> str:
    """One line of words: no stray, doubled or non-breaking spaces, no control characters."""
    return " ".join(text.translate(_CONTROLS).replace("\u00a0", " ").split())


_LEVEL_1_HEADINGS = {
    "about this document",
    "summary",
    "issue",
    "solution",
    "impacts",
    "costs",
    "implementation approach",
    "assessment of the proposal",
    "case for change",
    "recommendations",
    "next steps",
}
_LEVEL_2_HEADINGS = {
    "what are the current arrangements?",
    "what is the issue?",
    "what is the impact this is having?",
    "impact on consumers",
    "proposed solution",
    "alternative solution",
    "legal text",
    "sec parties",
    "dcc system",
    "sec and subsidiary documents",
    "consumers",
    "other industry codes",
    "greenhouse gas emissions",
    "dcc costs",
    "secas costs",
    "sec party costs",
    "implementation date",
    "observations on the issue",
    "solution development",
}
_NUMBERED = re.compile(r"^(?P<number>\d{1,2})\s*\.?\s+(?P<title>[A-Z][^\n]{0,90})$")
_APPENDIX = re.compile(
    r"^Appendix\s+(?P<number>\d{1,2}|[A-Z])\b\s*[:.\-–]?\s*(?P<title>[A-Z][^\n‘’“”]{0,90})$", re.I
)
_TERMINATOR = re.compile(r"[.!?:;…][’'\")\]]*$")
_TIMETABLE_HEADER = re.compile(
    r"^(?:event|milestone|action|activity)s?(?:\s*/\s*\w+)?\s+(?:target\s+)?dates?$", re.I
)
_GLOSSARY_HEADER = re.compile(
    r"^(?:acronym|abbreviation|term)s?\s+(?:full\s+term|meaning)s?$", re.I
)
_CAPTIONS = {"timetable": "timetable", "glossary": "glossary", "progression timetable": "timetable"}
_FURNITURE = re.compile(
    r"(?:^page\s+\d+(?:\s+of\s+\d+)?$)|(?:\bpage\s+\d+\s+of\s+\d+\s*$)|(?:^\d{1,3}$)"
    r"|(?:^this document (?:has|is) (?:a )?classification\b.*$)",
    re.I,
)
_REFERENCE_TITLE = re.compile(
    r"^(?P<reference>(?:SECMP\s*\d{1,4}|[DM]P\s*\d{1,6})[A-Z]?)\b\s*[:\-–]?\s*"
    r"[‘'\"“]?(?P<title>[^‘’'\"“”]{3,200}?)[’'\"”]?\s*$"
)
_RAISED_BY = re.compile(
    r"raised by (?P<name>[A-Z][\w’'.-]+(?:\s+[A-Z][\w’'.-]+){0,3})\s+(?:from|of|at)\s+"
    r"(?:the\s+)?(?P<org>[A-Z][^()\n;]{0,120}?)\s*(?:\((?P<short>[^)]{1,20})\))?"
    r"\s*(?:\bon behalf of\b|[.,;](?:\s|$)|$)"
)
_RAISED_ON = re.compile(
    r"\braised on\s+(?P<date>\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?\s+\d{4})"
)
_SEC_SECTION = re.compile(
    r"\bSection\s+(?P<code>[A-Z]{1,2})\s+[‘'\"“](?P<title>[^’'\"”]{3,150})[’'\"”]"
)
_PROVISIONS = re.compile(
    r"\bSEC\s+Sections?\s+(?P<first>[A-Z]{1,2}\d+(?:\.\d+)*)"
    r"(?:\s*[-–]\s*(?P<last>[A-Z]{0,2}\d+(?:\.\d+)*))?"
)


def _heading_key(text: str) -> str:
    return _clean(text).lower()


def _is_acronym(token: str) -> bool:
    """'DCCKI', 'SMKI', 'SEC', 'R2.0', 'eCoS'-style tokens; not 'Secretariat' or 'of'."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9&/.\-]{0,29}", token):
        return False
    return sum(c.isupper() for c in token) >= 2 or (token.isupper() and len(token) >= 1)


def _row_state(text: str) -> str:
    """'ok' when the row ends with a date, 'bad' when it ends with a date that is not one,
    'none' when there is no date at its end."""
    try:
        _split_trailing_date(text)
    except DocumentError as exc:
        return "bad" if "cannot read" in str(exc) else "none"
    return "ok"


def _split_trailing_date(text: str) -> tuple[str, ApproxDate, str]:
    """'Draft Proposal raised 19 Apr 2021' -> ('Draft Proposal raised', 19 Apr 2021, '19 Apr
    2021'). The longest run of last words that reads as a date wins ('w/c 7 June 2021')."""
    words = text.split()
    for count in range(min(5, len(words) - 1), 0, -1):
        date_words = " ".join(words[-count:])
        try:
            when = ApproxDate.parse(date_words)
        except DateParseError as exc:
            if any(sign in str(exc) for sign in _INVALID_DATE_SIGNS):
                # It is written as a date but is not one ('31 Apr 2021', 'Q5 2021'): do not
                # fall back to the shorter 'Apr 2021'.
                raise DocumentError(
                    f"cannot read the date in the timetable row '{text}': {exc}"
                ) from None
            continue
        return " ".join(words[:-count]), when, date_words
    raise DocumentError(f"no date at the end of the timetable row '{text}'")


_INVALID_DATE_SIGNS = ("is not a real date", "is not a quarter", "w/c must be followed")
_JOINERS = {"and", "or", "of", "for", "to", "the", "a", "an", "on", "in", "with", "by", "at"}


def _date_like_tail(text: str) -> str:
    """The words at the end of a row that look as if they were meant as a date."""
    words = text.split()
    tail: list[str] = []
    for word in reversed(words):
        if (
            re.search(r"\d", word)
            or word.lower().rstrip(".,") in _MONTH_WORDS
            or (tail and word.lower() in {"w/c", "wc", "q1", "q2", "q3", "q4"})
        ):
            tail.insert(0, word)
        else:
            break
    return " ".join(tail)


_MONTH_WORDS = {
    m.lower()
    for m in [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Sept",
        "Oct",
        "Nov",
        "Dec",
    ]
}


def _classify_milestone(label: str) -> tuple[str, str]:
    """The kind of event a timetable row names, and whether it is done (a raised date is)."""
    text = label.lower()
    if "raised" in text:
        return MilestoneKind.RAISED, MilestoneStatus.DONE
    if re.search(r"\bcsc\b|change sub-committee", text):
        return MilestoneKind.CSC, MilestoneStatus.PLANNED
    if "sub-committee" in text or "subcommittee" in text:
        return MilestoneKind.SUB_COMMITTEES, MilestoneStatus.PLANNED
    if "working group" in text:
        return MilestoneKind.WORKING_GROUP, MilestoneStatus.PLANNED
    if "consultation" in text and re.search(r"\bclos", text):
        return MilestoneKind.CONSULTATION_CLOSES, MilestoneStatus.PLANNED
    if "consultation" in text:
        return MilestoneKind.CONSULTATION_OPENS, MilestoneStatus.PLANNED
    if "impact assessment" in text:
        return MilestoneKind.IMPACT_ASSESSMENT, MilestoneStatus.PLANNED
    if "change board" in text:
        return MilestoneKind.CHANGE_BOARD, MilestoneStatus.PLANNED
    if "authority" in text or "ofgem" in text:
        return MilestoneKind.AUTHORITY_DECISION, MilestoneStatus.PLANNED
    if "implement" in text or "release" in text:
        return MilestoneKind.IMPLEMENTATION, MilestoneStatus.PLANNED
    if "panel" in text:
        return MilestoneKind.PANEL, MilestoneStatus.PLANNED
    return MilestoneKind.OTHER, MilestoneStatus.PLANNED


def heading_level(
    text: str,
    *,
    next_text: str = "",
    in_appendix: bool = False,
    expected_number: int | None = None,
) -> int | None:
    """1 or 2 when a line standing on its own reads as a heading; None otherwise.

    The line has already been found at the start of a paragraph. Strong signs (numbered
    "2. Issue", "Appendix 1: ...", the section names SEC reports use) count anywhere; weak
    ones (a short question, a short untitled phrase) only outside the appendices, where
    flattened table rows look just like them. With `expected_number` (the next section number
    in the text so far), "1. Remove the obligation" inside section 3 is a list item, not a
    heading.
    """
    line = _clean(text)
    if not line or len(line) > 120:
        return None
    key = line.lower()
    if _APPENDIX.match(line):
        return 1
    if not (line[0].isupper() or line[0].isdigit()):
        return None  # 'recommendations' carrying on a wrapped line is not a heading
    if (match := _NUMBERED.match(line)) and _number_fits(match["number"], expected_number):
        title = match["title"]
        if not _TERMINATOR.search(title) and len(title.split()) <= 10:
            try:
                ApproxDate.parse(line)
            except DateParseError:
                return 1
    if key in _LEVEL_1_HEADINGS:
        return 1
    if key in _LEVEL_2_HEADINGS:
        return 2
    if in_appendix or _REFERENCE_TITLE.match(line):
        return None
    if line.endswith("?") and len(line.split()) <= 15 and line[0].isupper():
        return 2
    if (
        len(line.split()) <= 8
        and len(line) <= 60
        and line[0].isupper()
        and not re.search(r"[.,;:!]$", line)
        and next_text[:1].isupper()
        and key not in _CAPTIONS
    ):
        return 2
    return None


def _number_fits(number: str, expected: int | None) -> bool:
    # One missed heading is tolerated (the next but one number still counts).
    return expected is None or int(number) in (expected, expected + 1)


def _strong_heading(text: str, expected_number: int | None = None) -> bool:
    """A numbered section, an appendix or a level-1 SEC section name: a heading even where
    the line before it did not end a sentence."""
    line = _clean(text)
    if _APPENDIX.match(line) or line.lower() in _LEVEL_1_HEADINGS:
        return True
    match = _NUMBERED.match(line)
    if not match or _TERMINATOR.search(match["title"]) or len(match["title"].split()) > 6:
        return False
    if not _number_fits(match["number"], expected_number):
        return False
    try:
        ApproxDate.parse(line)
    except DateParseError:
        return True
    return False


def _heading_text(text: str) -> str:
    """'1. Summary' -> 'Summary'; 'Appendix 1 : Progression timetable' keeps its number."""
    line = _clean(text)
    if match := _APPENDIX.match(line):
        return f"Appendix {match['number'].upper()}: {match['title'].strip()}"
    if match := _NUMBERED.match(line):
        return match["title"].strip()
    return line


# --- Plain text (and PDF text layer) --------------------------------------------------------
_BULLET = re.compile(r"^(?:[•●▪◦·\uf0b7\uf0a7\uf076\uf0d8]\s*|[\-–o]\s+)\S")
_CONTENTS = {"contents", "table of contents"}
_CONTENTS_ENTRY = re.compile(r"^\S.{0,150}?(?:\s*\.{3,}\s*|\s+)\d{1,3}$")


def _text_blocks(
    text: str,
    *,
    page_of_line: list[int] | None = None,
    tables: dict[int, _RuledTable] | None = None,
    warnings: list[str] | None = None,
) -> list[_Block]:
    """Blocks from lines of text. `tables` (from a PDF) puts ruled tables, read cell by cell,
    in place of the line numbers they stand at; `warnings` collects what could not be used."""
    raw_lines = text.splitlines()
    tables = tables or {}
    lost = warnings if warnings is not None else []

    def where(index: int) -> str:
        if page_of_line is not None:
            return f"page {page_of_line[index]}"
        return f"line {index + 1}"

    furniture = set() if page_of_line is not None else _repeated_furniture(raw_lines)
    lines = [(i, _clean(line)) for i, line in enumerate(raw_lines)]
    lines = [
        (i, line)
        for i, line in lines
        if not (line and (_FURNITURE.search(line) or _furniture_key(line) in furniture))
    ]
    nonblank = [idx for idx, (_, line) in enumerate(lines) if line]
    followed_by_blank = sum(1 for idx in nonblank if idx + 1 < len(lines) and not lines[idx + 1][1])
    # Text from a PDF often has an empty line after every line; then empty lines say nothing.
    blank_is_noise = bool(nonblank) and followed_by_blank >= 0.8 * len(nonblank)

    blocks: list[_Block] = []
    paragraph: list[str] = []
    paragraph_where = ""
    table: _Table | None = None
    pending_row: tuple[str, str] | None = None  # a wrapped table row waiting for its end
    in_appendix = False

    def flush_paragraph() -> None:
        nonlocal paragraph
        if paragraph:
            blocks.append(_Paragraph(_join_lines(paragraph), paragraph_where))
            paragraph = []

    def flush_table() -> None:
        nonlocal table, pending_row
        if table is not None:
            if pending_row is not None:
                table.rows.append(([pending_row[0]], pending_row[1]))
                pending_row = None
            blocks.append(table)
            table = None

    def ruled(entry: _RuledTable) -> None:
        """A table read cell by cell: a new one, the rest of the one before (continued on
        this page, with or without its header), or another table kept as paragraphs."""
        nonlocal table
        flush_paragraph()
        rows = [cells for cells in entry.rows if any(cells)]
        if not rows:
            return
        kind = _table_kind(rows[0])
        last = blocks[-1] if blocks else None
        if table is not None and not table.rows and table.ruled_columns == 0:
            # Only a caption or a header line (at the foot of the page before) opened it.
            if kind is None and len(rows[0]) == 2:
                kind = table.kind
                rows = [rows[0], *rows]  # no header of its own: every row is a row
            table = None
        elif table is not None:
            flush_table()
            last = blocks[-1]
        body = rows[1:]
        if kind is None:
            if (
                isinstance(last, _Table)
                and last.ruled_columns == len(rows[0])
                and entry.at_page_top
            ):
                kind, body = last.kind, rows
            else:
                for number, cells in enumerate(rows, start=1):
                    blocks.append(
                        _Paragraph(" | ".join(_dedupe(cells)), f"{entry.where}, row {number}")
                    )
                return
        continued = body is rows  # no header row of its own on this page
        header = [cell.lower() for cell in rows[0]]
        found = [
            (_dedupe(cells), f"{entry.where}, row {number}")
            for number, cells in enumerate(body, start=1 if continued else 2)
            if continued or [cell.lower() for cell in cells] != header
        ]
        if isinstance(last, _Table) and last.kind == kind and last.ruled_columns:
            if found and last.rows and entry.at_page_top and not found[0][0][0]:
                # The page broke inside a row: its first cell carried on with nothing.
                cells, row_where = last.rows[-1]
                joined = [
                    _join_lines([a, b]) if b else a
                    for a, b in zip(cells, [*found[0][0], *[""] * len(cells)], strict=False)
                ]
                last.rows[-1] = (joined, row_where)
                found = found[1:]
            last.rows.extend(found)  # the same table, continued on this page
        else:
            blocks.append(_Table(kind, found, ruled_columns=len(rows[0])))

    def next_nonblank(position: int) -> str:
        for _, candidate in lines[position + 1 :]:
            if candidate:
                return candidate
        return ""

    in_contents = False
    section_number = 0
    list_number: int | None = None
    for position, (index, line) in enumerate(lines):
        if index in tables:
            if table is not None and pending_row is not None:
                flush_table()
            ruled(tables[index])
            continue
        if not line:
            if not blank_is_noise:
                flush_paragraph()
            continue
        at_start = not paragraph
        key = line.lower()
        # A table of contents ("1. Summary .... 3") would otherwise read as empty sections.
        if key in _CONTENTS:
            flush_paragraph()
            in_contents = True
            continue
        if in_contents:
            if _CONTENTS_ENTRY.match(line):
                continue
            in_contents = False
        # Table captions and header rows, repeated after a page break, are dropped.
        if at_start and (key in _CAPTIONS or _TIMETABLE_HEADER.match(line)):
            flush_paragraph()
            kind = "timetable" if _TIMETABLE_HEADER.match(line) else _CAPTIONS[key]
            if table is None or table.kind != kind:
                flush_table()
                table = _Table(kind, [])
            continue
        if at_start and _GLOSSARY_HEADER.match(line):
            flush_paragraph()
            if table is None or table.kind != "glossary":
                flush_table()
                table = _Table("glossary", [])
            continue
        if (
            not at_start
            and _strong_heading(line, section_number + 1)
            and not paragraph[-1].endswith("-")
        ):
            # A title-page line without a full stop must not swallow "1. Summary".
            flush_paragraph()
            at_start = True
        numbered = _NUMBERED.match(line)
        if (
            numbered
            and list_number is not None
            and int(numbered["number"]) == list_number + 1
            and numbered["title"].lower() not in _LEVEL_1_HEADINGS
        ):
            # The next item of a numbered list ("1. Remove...", "2. Keep..."), not section 2.
            list_number += 1
            flush_paragraph()
            paragraph, paragraph_where = [line], where(index)
            if _TERMINATOR.search(line):
                flush_paragraph()
            continue
        if at_start:
            level = heading_level(
                line,
                next_text=next_nonblank(position),
                in_appendix=in_appendix or table is not None,
                expected_number=section_number + 1,
            )
            if level is None and numbered:
                list_number = int(numbered["number"])
                flush_paragraph()  # a list item starts its own paragraph
            if level is not None:
                flush_paragraph()
                flush_table()
                list_number = None
                if numbered:
                    section_number = int(numbered["number"])
                heading = _heading_text(line)
                in_appendix = heading.lower().startswith("appendix")
                blocks.append(_Heading(heading, level, where(index)))
                continue
        if table is not None and at_start:
            if table.kind == "timetable":
                previous = table.rows[-1] if table.rows and pending_row is None else None
                if (
                    previous is not None
                    and _row_state(line) == "none"
                    and not _date_like_tail(line)
                    and _row_state(previous[0][0]) == "ok"
                    and _carries_on(_split_trailing_date(previous[0][0])[0], line)
                ):
                    # The label cell wrapped below the row's date (cells aligned at the top).
                    label, _, date_words = _split_trailing_date(previous[0][0])
                    table.rows[-1] = ([f"{label} {line} {date_words}"], previous[1])
                    continue
                if pending_row is not None and not _continues(pending_row[0], line):
                    lost.append(
                        f"{pending_row[1]}: the timetable line '{pending_row[0]}' has no date: "
                        "left out"
                    )
                    pending_row = None
                candidate = f"{pending_row[0]} {line}" if pending_row else line
                row_where = pending_row[1] if pending_row else where(index)
                state = _row_state(candidate)
                if state == "none" and not _date_like_tail(candidate):
                    # A cell that wrapped onto the next line: wait for the rest of the row.
                    pending_row = (candidate, row_where)
                else:
                    # Dated, or dated wrongly (the assembler says why).
                    table.rows.append(([candidate], row_where))
                    pending_row = None
                continue
            split = _split_glossary_line(line)
            if split is not None and not (
                table.rows and _TERMINATOR.search(line) is None and _wrapped_term(line)
            ):
                table.rows.append(([split[0], split[1]], where(index)))
            elif not table.rows and len(line.split()) == 1 and _is_acronym(line):
                table.rows.append(([line], where(index)))  # an acronym without its term
            elif table.rows and not _TERMINATOR.search(line):
                # The full term wrapped onto the next line.
                cells, row_where = table.rows[-1]
                table.rows[-1] = ([cells[0], _join_lines([cells[-1], line])], row_where)
            else:
                flush_table()
                paragraph, paragraph_where = [line], where(index)
            continue
        if paragraph and _BULLET.match(line):
            flush_paragraph()  # each bullet point is a paragraph of its own
        if not paragraph:
            paragraph_where = where(index)
        paragraph.append(line)
        if _TERMINATOR.search(line):
            flush_paragraph()
    flush_paragraph()
    if table is not None and pending_row is not None:
        lost.append(
            f"{pending_row[1]}: the timetable line '{pending_row[0]}' has no date: left out"
        )
        pending_row = None
    flush_table()
    return blocks


def _carries_on(label: str, line: str) -> bool:
    """Whether a dateless line under a dated timetable row is the rest of its label."""
    last = label.split()[-1].lower() if label.split() else ""
    return (
        line[:1].islower()
        or line[:1] in "(&,"
        or last in _JOINERS
        or label.endswith(("-", ",", "&"))
    )


def _acronym_part(token: str) -> bool:
    return token in {"&", "+"} or _is_acronym(token) or bool(re.search(r"\d", token))


def _initials(text: str) -> str:
    return "".join(word[0] for word in re.split(r"[\s\-]+", text) if word and word[0].isalnum())


def _split_glossary_line(line: str) -> tuple[str, str] | None:
    """'SM WAN Smart Metering Wide Area Network' -> ('SM WAN', 'Smart Metering Wide Area
    Network'). A flattened row does not say where its acronym ends: of the splits whose
    acronym is made of acronym-like words and whose full term starts with a capital, the one
    whose acronym best matches the full term's initials wins (the shortest on a tie)."""
    words = line.split()
    if len(words) < 2:
        return None
    best: tuple[int, int] | None = None
    for count in range(1, min(4, len(words))):
        acronym, term = words[:count], words[count:]
        if count > 1 and not all(_acronym_part(w) for w in acronym[1:]):
            break
        if acronym[-1] in {"&", "+"} or (not term[0][:1].isupper() and not term[0][:1].isdigit()):
            continue
        if count == 1 and not (_is_acronym(acronym[0]) or acronym[0][:1].isupper()):
            return None
        letters = "".join(c for c in " ".join(acronym) if c.isupper())
        initials = "".join(c for c in _initials(" ".join(term)) if c.isupper())
        score = len(_common_prefix(letters, initials))
        if best is None or score > best[0]:
            best = (score, count)
    if best is None:
        return None
    return " ".join(words[: best[1]]), " ".join(words[best[1] :])


def _common_prefix(a: str, b: str) -> str:
    out = []
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        out.append(x)
    return "".join(out)


def _wrapped_term(line: str) -> bool:
    """A line that carries on the full term above rather than starting a row: one word, or
    a first word that is no acronym and does not start the term after it ('Reference
    Number'; but 'Ofgem Office of Gas...' and 'Alt HAN Alternative...' are rows)."""
    words = line.split()
    if len(words) == 1:
        return True
    if _is_acronym(words[0]):
        return False
    split = _split_glossary_line(line)
    return split is None or _initials(split[1])[:1].upper() != split[0][:1].upper()


def _furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", _clean(line).lower())


# What running headers and footers say: a copyright or version-and-date line, a page
# number, a classification mark, the report's own name.
_FURNITURE_WORDS = re.compile(
    r"©|\bcopyright\b|\bclassification\b|\bsecco\b|\bpage\s+\d"
    r"|^version\s+\d+(?:\.\d+)*\b.*\d{4}"
    r"|^(?:official|public|confidential|internal|restricted)(?:\s*[-–:]\s*\w+)?$"
    r"|\b(?:modification report|draft proposal)$",
    re.I,
)


def _repeated_furniture(lines: list[str]) -> set[str]:
    """Page headers and footers in extracted text: a line repeated (numbers aside) that reads
    like furniture, or one repeated on three or more pages. Captions, table headers and
    headings repeat too and are not furniture."""
    counts: dict[str, int] = {}
    for raw in lines:
        line = _clean(raw)
        if line and len(line) <= 120:
            counts[_furniture_key(line)] = counts.get(_furniture_key(line), 0) + 1
    found = set()
    for raw in lines:
        line = _clean(raw)
        key = _furniture_key(line) if line else ""
        if not key or counts.get(key, 0) < 2 or key in found:
            continue
        if (
            key in _CAPTIONS
            or _TIMETABLE_HEADER.match(line)
            or _GLOSSARY_HEADER.match(line)
            or heading_level(line) is not None
            or _BULLET.match(line)
        ):
            continue
        if _FURNITURE_WORDS.search(line) or _FOOTER_REFERENCE.match(line):
            found.add(key)
    return found


def _continues(pending: str, line: str) -> bool:
    """Whether `line` carries on a table cell that wrapped: it starts in lower case, or the
    line before stopped on a word that cannot end a label ('for a', 'and')."""
    last = pending.split()[-1].lower() if pending.split() else ""
    return line[:1].islower() or last in _JOINERS or pending.endswith(("-", ","))


def _join_lines(lines: list[str]) -> str:
    """Rejoin a sentence broken across lines: 'Self-' + 'Service' -> 'Self-Service'."""
    text = ""
    for line in lines:
        if not text:
            text = line
        elif text.endswith("-") and not text.endswith(" -") and line[:1].isalpha():
            text += line
        else:
            text += " " + line
    return _clean(text)


def _decode_text(data: bytes, filename: str) -> str:
    if b"\x00" in data:
        raise DocumentError(f"{filename} is not a text file (it holds binary data)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Word's "Save as text" on Windows writes cp1252; accept it when it decodes cleanly.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise DocumentError(
                f"{filename} is neither UTF-8 nor Windows-1252 text (byte {exc.start})"
            ) from None
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    if controls > max(10, len(text) // 100):
        raise DocumentError(f"{filename} is not a text file (it holds binary data)")
    return text


def parse_text(text: str, *, source_format: str = "text") -> ParsedReport:
    if not text.strip():
        raise DocumentError("the document is empty")
    warnings: list[str] = []
    report = _assemble(_text_blocks(text, warnings=warnings), source_format=source_format)
    report.warnings[:0] = warnings
    report.reference = report.reference or _footer_reference(text)
    return report


_FOOTER_REFERENCE = re.compile(r"^(?P<reference>(?:SECMP\s*\d{1,4}|[DM]P\s*\d{1,6})[A-Z]?)\b")


def _footer_reference(text: str) -> str:
    """The reference a page footer gives ("MP160 Modification Report Page 2 of 9")."""
    for raw in text.splitlines():
        line = _clean(raw)
        if line and _FURNITURE.search(line) and (match := _FOOTER_REFERENCE.match(line)):
            return re.sub(r"\s+", "", match["reference"]).upper()
    return ""


# --- PDF --------------------------------------------------------------------------------
# pypdf and python-docx (with zlib and lxml beneath) fail on damaged files in more ways than
# can be listed. Only the calls into them sit inside these broad handlers, which turn any
# failure into DocumentError; our own reading of what they return stays outside, so a bug of
# ours still shows as one.
_LIBRARY_FAILURES = (Exception,)


# Bounds on what a PDF may cost to read (beyond the file size limit): the streams it really
# expands to (counted before pdfminer sees them), its pages, and the time spent on them.
PDF_MAX_STREAM = 16 * 1024 * 1024
PDF_MAX_EXPANDED = 128 * 1024 * 1024
PDF_MAX_PAGES = 400
DEFAULT_PARSE_SECONDS = 10.0
# Running headers and footers sit in these bands at the top and the foot of a page.
_FURNITURE_BAND = 0.12


@dataclass
class _PdfLine:
    text: str
    page: int
    top: float
    band: bool  # in the header or footer band of its page


_UNMAPPED_GLYPH = re.compile(r"\(cid:\d+\)")


def _pdf_text(text: str) -> str:
    """pdfminer writes '(cid:7)' for a glyph its font maps to no character: not words.
    PDFium marks a hyphen that ends a line as U+0002 (or U+FFFE): it is a hyphen."""
    text = text.replace("\x02", "-").replace("\ufffe", "-")
    return _clean(_UNMAPPED_GLYPH.sub("", text))


def _cell_text(cell: str | None) -> str:
    return _join_lines([_pdf_text(part) for part in (cell or "").splitlines() if _pdf_text(part)])


def _read_pdf(
    data: bytes, filename: str, deadline: float
) -> tuple[list[_PdfLine | _RuledTable], int]:
    """Lines (with their page and height on it) and ruled tables (cell by cell), in reading
    order; the number of pages.

    Text comes from PDFium (pypdfium2): its text runs, with their boxes, grouped into lines.
    Only pages that draw lines or rectangles go through pdfplumber, whose table finder reads
    ruled tables cell by cell; it costs about 50 ms a page (it makes an object of every
    character), against about 5 ms for PDFium, so a 40-page report stays well under 2 s."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_raw

    try:
        check_pdf_expansion(
            data, filename, stream_limit=PDF_MAX_STREAM, total_limit=PDF_MAX_EXPANDED
        )
    except FileTypeError as exc:
        raise DocumentError(str(exc).rstrip(".")) from None
    items: list[_PdfLine | _RuledTable] = []
    document: Any = None
    try:
        document = pdfium.PdfDocument(data)
        page_count = len(document)
        if page_count > PDF_MAX_PAGES:
            raise DocumentError(
                f"{filename} has {page_count} pages: more than {PDF_MAX_PAGES}, refused"
            )
        for index in range(page_count):
            number = index + 1
            if time.monotonic() > deadline:
                raise _too_slow(filename, f"page {number}")
            page = document[index]
            height = float(page.get_height()) or 1.0
            placed: list[tuple[float, _PdfLine | _RuledTable]] = []
            boxes: list[tuple[float, float, float, float]] = []
            textpage = page.get_textpage()
            paths = [
                obj.get_bounds()
                for obj in page.get_objects()
                if obj.type == pdfium_raw.FPDF_PAGEOBJ_PATH
            ]
            for bbox, cells in _ruled_tables(paths, height):
                boxes.append(bbox)
                rows = [
                    [
                        _cell_text(
                            textpage.get_text_bounded(c[0], height - c[3], c[2], height - c[1])
                        )
                        if c
                        else ""
                        for c in row
                    ]
                    for row in cells
                ]
                placed.append((bbox[1], _RuledTable(rows, f"page {number}", False)))
            runs: list[tuple[float, float, float, str]] = []  # top, bottom, left, text
            for run in range(textpage.count_rects()):
                left, bottom, right, top = textpage.get_rect(run)
                y_top, y_bottom = height - top, height - bottom
                x, y = (left + right) / 2, (y_top + y_bottom) / 2
                if any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes):
                    continue  # read with its table
                text = _pdf_text(textpage.get_text_bounded(left, bottom, right, top))
                if text:
                    runs.append((y_top, y_bottom, left, text))
            for top, line in _lines_of(runs):
                band = top < height * _FURNITURE_BAND or top > height * (1 - _FURNITURE_BAND)
                placed.append((top, _PdfLine(line, number, top, band)))
            placed.sort(key=lambda pair: pair[0])
            items.extend(item for _, item in placed)
    except DocumentError:
        raise
    except RecursionError:
        raise DocumentError(f"{filename} is not a readable PDF (nested too deeply)") from None
    except _LIBRARY_FAILURES as exc:
        if "password" in str(exc).lower():
            raise DocumentError(
                f"{filename} is a password-protected PDF: remove the password"
            ) from None
        raise DocumentError(f"{filename} is not a readable PDF ({_short(exc)})") from None
    finally:
        if document is not None:
            document.close()
    return items, page_count


_EDGE_THICKNESS = 2.0  # a path thinner than this (in points) is a rule
_EDGE_MIN_LENGTH = 3.0


def _ruled_tables(
    paths: list[tuple[float, float, float, float]], height: float
) -> list[tuple[tuple[float, float, float, float], list[list[Any]]]]:
    """Tables drawn with rules: pdfplumber's cell finder (edges -> intersections -> cells ->
    tables) fed with the rules PDFium sees, in pdfplumber's top-down coordinates. Each table:
    its box and its rows of cell boxes (None where a merged cell spans)."""
    from pdfplumber import table as tables

    edges: list[dict[str, Any]] = []

    def edge(x0: float, top: float, x1: float, bottom: float, orientation: str) -> None:
        if max(x1 - x0, bottom - top) >= _EDGE_MIN_LENGTH:
            edges.append(
                {
                    "x0": x0,
                    "x1": x1,
                    "top": top,
                    "bottom": bottom,
                    "width": x1 - x0,
                    "height": bottom - top,
                    "orientation": orientation,
                    "object_type": "line",
                }
            )

    for left, bottom, right, top in paths:
        y_top, y_bottom = height - top, height - bottom
        if y_bottom - y_top <= _EDGE_THICKNESS:
            middle = (y_top + y_bottom) / 2
            edge(left, middle, right, middle, "h")
        elif right - left <= _EDGE_THICKNESS:
            middle = (left + right) / 2
            edge(middle, y_top, middle, y_bottom, "v")
        else:  # a rectangle: its four sides
            edge(left, y_top, right, y_top, "h")
            edge(left, y_bottom, right, y_bottom, "h")
            edge(left, y_top, left, y_bottom, "v")
            edge(right, y_top, right, y_bottom, "v")
    if not edges:
        return []
    merged = tables.merge_edges(edges, 3, 3, 3, 3)
    cells = tables.intersections_to_cells(tables.edges_to_intersections(merged, 3, 3))
    found = []
    for group in tables.cells_to_tables(cells):
        table = tables.Table(None, group)  # type: ignore[arg-type]
        bbox = table.bbox
        rows = [list(row.cells) for row in table.rows]
        if rows:
            found.append(((bbox[0], bbox[1], bbox[2], bbox[3]), rows))
    return found


def _lines_of(runs: list[tuple[float, float, float, str]]) -> list[tuple[float, str]]:
    """Text runs on the same line (their middles within half a line of each other) joined
    left to right; lines top to bottom."""
    lines: list[list[tuple[float, float, float, str]]] = []
    for run in sorted(runs, key=lambda r: (r[0], r[2])):
        middle = (run[0] + run[1]) / 2
        if lines:
            last = lines[-1][0]
            if abs((last[0] + last[1]) / 2 - middle) <= max(2.0, (last[1] - last[0]) / 2):
                lines[-1].append(run)
                continue
        lines.append([run])
    return [
        (min(r[0] for r in line), _clean(" ".join(r[3] for r in sorted(line, key=lambda r: r[2]))))
        for line in lines
    ]


def _pdf_furniture(items: list[_PdfLine | _RuledTable], page_count: int) -> set[int]:
    """Running headers and footers: the same words (numbers aside) at the same height in the
    header or footer band of two pages or more. Returns the positions of those lines."""
    places: dict[str, list[tuple[int, float, int]]] = {}
    for position, item in enumerate(items):
        if isinstance(item, _PdfLine) and item.band and item.text:
            places.setdefault(_furniture_key(item.text), []).append((item.page, item.top, position))
    furniture: set[int] = set()
    for seen in places.values():
        pages = {page for page, _, _ in seen}
        # On most pages, not just two: a body line can fall at the same height twice.
        if page_count > 1 and (len(pages) < 2 or len(pages) < 0.3 * page_count):
            continue
        tops = sorted(top for _, top, _ in seen)
        median = tops[len(tops) // 2]
        furniture.update(position for _, top, position in seen if abs(top - median) <= 3)
    return furniture


def parse_pdf(
    data: bytes, filename: str = "document.pdf", *, seconds: float = DEFAULT_PARSE_SECONDS
) -> ParsedReport:
    items, page_count = _read_pdf(data, filename, time.monotonic() + seconds)
    furniture = _pdf_furniture(items, page_count)
    lines: list[str] = []
    page_of_line: list[int] = []
    tables: dict[int, _RuledTable] = {}
    page_started = 0
    for position, item in enumerate(items):
        if position in furniture:
            continue
        if isinstance(item, _RuledTable):
            page = int(item.where.split()[-1])
            item.at_page_top = page != page_started
            tables[len(lines)] = item
            lines.append("[table]")  # a placeholder line: _text_blocks reads the table there
        else:
            page = item.page
            # A single-page document has no repetition to go by: the patterns still hold.
            if item.band and page_count == 1 and _FURNITURE_WORDS.search(item.text):
                continue
            lines.append(item.text)
        page_of_line.append(page)
        page_started = page
    if not any(lines) and not tables:
        raise DocumentError(f"{filename} has no text layer (a scanned PDF?): nothing to read")
    text = "\n".join(lines)
    warnings: list[str] = []
    blocks = _text_blocks(text, page_of_line=page_of_line, tables=tables, warnings=warnings)
    report = _assemble(blocks, source_format="pdf")
    report.warnings[:0] = warnings
    report.reference = report.reference or _footer_reference(
        "\n".join(item.text for item in items if isinstance(item, _PdfLine))
    )
    return report


def _too_slow(filename: str, where: str) -> DocumentError:
    return DocumentError(
        f"{filename} takes too long to read (stopped at {where}): refused as a damaged file "
        "or an archive bomb"
    )


def _short(exc: BaseException) -> str:
    text = _clean(str(exc)) or type(exc).__name__
    return text[:120]


# --- Word .docx -------------------------------------------------------------------------
# A .docx is a zip: refuse one that would expand beyond this before python-docx opens it.
DOCX_MAX_UNCOMPRESSED = 100 * 1024 * 1024


@dataclass
class _WordParagraph:
    text: str
    style: str


@dataclass
class _WordTable:
    rows: list[list[str]]


@dataclass
class _WordFile:
    items: list[_WordParagraph | _WordTable]
    core_title: str
    core_identifier: str


def _word_level(style: str) -> int | None:
    if match := re.match(r"^Heading\s+(\d)", style):
        return 1 if match[1] == "1" else 2
    return None


def _table_kind(header: list[str]) -> str | None:
    cells = [_clean(cell).lower() for cell in header]
    if any("acronym" in cell or "abbreviation" in cell for cell in cells):
        return "glossary"
    if len(cells) >= 2 and any("date" in cell for cell in cells[1:]):
        return "timetable"
    return None


def _read_word(data: bytes, filename: str, deadline: float = float("inf")) -> _WordFile:
    """Everything we use from the .docx, as plain data (the only python-docx calls)."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.table import Table

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except _LIBRARY_FAILURES as exc:
        raise DocumentError(f"{filename} is not a readable Word file ({_short(exc)})") from None
    if "word/document.xml" not in {info.filename for info in infos}:
        raise DocumentError(
            f"{filename} is a zip archive but not a Word document (no word/document.xml)"
        )
    if sum(info.file_size for info in infos) > DOCX_MAX_UNCOMPRESSED:
        raise DocumentError(
            f"{filename} would expand to more than {DOCX_MAX_UNCOMPRESSED // 1_048_576} MB: refused"
        )
    try:
        # What the parts declare proves nothing: decompress them, counting, before lxml
        # builds a tree of them (a 300 KB file can hold 95 MB of XML).
        check_zip_expansion(data, filename)
    except FileTypeError as exc:
        raise DocumentError(str(exc).rstrip(".")) from None
    except _LIBRARY_FAILURES as exc:
        raise DocumentError(f"{filename} is not a readable Word file ({_short(exc)})") from None
    try:
        document = docx.Document(io.BytesIO(data))
        # Paragraph.style looks the style up among all styles on every call (slow on long
        # reports): map the style ids to names once and read each paragraph's id instead.
        names = {style.style_id: style.name or "" for style in document.styles}
        default = getattr(document.styles.default(WD_STYLE_TYPE.PARAGRAPH), "name", "Normal")
        items: list[_WordParagraph | _WordTable] = []
        for count, item in enumerate(document.iter_inner_content()):
            if count % 200 == 0 and time.monotonic() > deadline:
                raise _too_slow(filename, f"paragraph {count + 1}")
            if isinstance(item, Table):
                rows = [[_clean(cell.text) for cell in row.cells] for row in item.rows]
                items.append(_WordTable(rows))
            else:
                style_id = item._p.style
                style = names.get(style_id, "") if style_id else (default or "Normal")
                items.append(_WordParagraph(_clean(item.text), style))
        properties = document.core_properties
        return _WordFile(items, _clean(properties.title or ""), _clean(properties.identifier or ""))
    except RecursionError:
        raise DocumentError(f"{filename} is not a readable Word file (nested too deeply)") from None
    except DocumentError:
        raise
    except _LIBRARY_FAILURES as exc:
        raise DocumentError(f"{filename} is not a readable Word file ({_short(exc)})") from None


def _docx_blocks(items: list[_WordParagraph | _WordTable]) -> tuple[list[_Block], list[str]]:
    texts = [item.text if isinstance(item, _WordParagraph) else "" for item in items]
    blocks: list[_Block] = []
    preamble: list[str] = []
    in_appendix = False
    table_number = 0
    # A document that uses Word's heading styles says where its headings are; only one that
    # does not (headings typed as bold Normal text) needs the guesses that plain text needs.
    styled = any(isinstance(item, _WordParagraph) and _word_level(item.style) for item in items)
    seen_heading = False
    for position, item in enumerate(items):
        if isinstance(item, _WordTable):
            table_number += 1
            rows = item.rows
            if not rows:
                continue
            kind = _table_kind(rows[0])
            if kind is None:
                # Another table (costs, votes): keep its rows as paragraphs of the section.
                for row in rows:
                    blocks.append(_Paragraph(" | ".join(_dedupe(row)), f"table {table_number}"))
                continue
            body = []
            header = [cell.lower() for cell in rows[0]]
            for row_number, row in enumerate(rows[1:], start=2):
                if [cell.lower() for cell in row] == header:
                    continue  # the header repeated on the next page
                cells = _dedupe(row)
                if any(cells):
                    body.append((cells, f"table {table_number}, row {row_number}"))
            blocks.append(_Table(kind, body))
            continue
        text = texts[position]
        if not text:
            continue
        where = f"paragraph {position + 1}"
        if item.style.lower().startswith("toc") or text.lower() in _CONTENTS:
            continue  # the table of contents
        if item.style == "Title" or (not seen_heading and item.style == "Subtitle"):
            preamble.append(text)
            continue
        level = _word_level(item.style)
        if level is None and not styled and not seen_heading and not _strong_heading(text):
            pass  # the cover: its lines are not headings until the first real one
        elif level is None and "list" in item.style.lower():
            pass  # a bullet or numbered list item
        elif level is None and not styled and not re.search(r"[.;,]$", text):
            following = next((t for t in texts[position + 1 :] if t), "")
            level = heading_level(text, next_text=following, in_appendix=in_appendix)
        if level is not None:
            heading = _heading_text(text)
            if heading.lower() in _CAPTIONS:
                continue
            in_appendix = heading.lower().startswith("appendix")
            seen_heading = True
            blocks.append(_Heading(heading, level, where))
            continue
        if text.lower() in _CAPTIONS:
            continue
        if not seen_heading:
            preamble.append(text)
        blocks.append(_Paragraph(text, where))
    return blocks, preamble


def _dedupe(cells: list[str]) -> list[str]:
    # Merged cells come back once per grid column.
    out: list[str] = []
    for cell in cells:
        if not out or cell != out[-1]:
            out.append(cell)
    return out


def parse_docx(
    data: bytes, filename: str = "document.docx", *, seconds: float = DEFAULT_PARSE_SECONDS
) -> ParsedReport:
    word = _read_word(data, filename, time.monotonic() + seconds)
    blocks, preamble = _docx_blocks(word.items)
    report = _assemble(blocks, source_format="docx", preamble=preamble)
    # Our own export records the reference and title as document properties too, so that a
    # title with quotes in it comes back whole.
    if word.core_identifier and parse_reference(word.core_identifier) is not None:
        report.reference = report.reference or word.core_identifier.replace(" ", "").upper()
    if word.core_title:
        match = _REFERENCE_TITLE.match(word.core_title)
        report.title = report.title or (match["title"] if match else word.core_title)[:300]
    return report


# --- From blocks to a report ------------------------------------------------------------
# A cover line: the reference, then the title in quotes ('MP204A ‘DCC Gateway Connection
# resilience – …’'), perhaps followed by more cover text once lines are joined. The closing
# quote is the last ’ not followed by a letter (‘Supplier’s’ keeps its apostrophe).
_COVER = re.compile(
    r"^(?P<reference>(?:SECMP\s*\d{1,4}|[DM]P\s*\d{1,6})[A-Z]?)\b\s*[:\-–]?\s*"
    r"[‘“\"'](?P<title>.{3,300})[’”\"'](?![A-Za-z])"
)


def _take_reference_title(report: ParsedReport, lines: Iterable[str]) -> None:
    for line in lines:
        text = _clean(line)
        match = _COVER.match(text) or _REFERENCE_TITLE.match(text)
        if match:
            if not report.reference:
                report.reference = re.sub(r"\s+", "", match["reference"]).upper()
            title = match["title"].strip(" -–:")
            if (
                not report.title
                and title
                and not title.lower().startswith(("modification report", "draft proposal", "page "))
            ):
                report.title = title
            if report.reference and report.title:
                return
        elif _FOOTER_REFERENCE.match(text) and re.search(r"[‘“]", text) and not report.title:
            report.warnings.append(
                f"the cover line '{text[:80]}' seems to give the title, but it could not be "
                "read (no closing quote?)"
            )


def _assemble(
    blocks: list[_Block], *, source_format: str, preamble: list[str] | None = None
) -> ParsedReport:
    report = ParsedReport(source_format=source_format)
    headings = [b for b in blocks if isinstance(b, _Heading)]
    if not headings:
        raise DocumentError(
            "no recognisable headings (expected e.g. 'About this document', '1. Summary', "
            "'Appendix 1: Progression timetable'): is this a Modification Report?"
        )
    first_heading = blocks.index(headings[0])
    before = [b.text for b in blocks[:first_heading] if isinstance(b, _Paragraph)]
    _take_reference_title(report, [*(preamble or []), *before])

    current: ParsedSection | None = None
    bodies: list[tuple[ParsedSection, list[str]]] = []
    skip_section = False
    glossary_heading: _Heading | None = None
    all_text: list[str] = [*before]
    for block in blocks[first_heading:]:
        if isinstance(block, _Heading):
            # The glossary appendix is rebuilt from the one global glossary, not kept as text.
            if block.level == 1:
                skip_section = "glossary" in block.text.lower()
                if skip_section:
                    glossary_heading = block
            if skip_section:
                current = None
                continue
            current = ParsedSection(_truncate(block.text, 200), block.level)
            bodies.append((current, []))
            all_text.append(block.text)
        elif isinstance(block, _Paragraph):
            all_text.append(block.text)
            if current is not None and not skip_section:
                bodies[-1][1].append(block.text)
        else:
            if block.kind == "timetable":
                report.milestones.extend(_milestones(block, report.warnings))
            else:
                _merge_terms(report, _terms(block, report.warnings))
                if not block.rows:
                    report.warnings.append("a glossary table with no rows (only its header)")
    timetable_heading = next(
        (b for b in headings if b.level == 1 and "timetable" in b.text.lower()), None
    )
    if timetable_heading is not None and not report.milestones:
        report.warnings.append(
            f"{timetable_heading.where}: the section '{timetable_heading.text}' gave no "
            "timetable row (its table was not found or not read)"
        )
    if glossary_heading is not None and not report.glossary:
        report.warnings.append(
            f"{glossary_heading.where}: the section '{glossary_heading.text}' gave no term "
            "(its table was not found or not read)"
        )
    for section, paragraphs in bodies:
        section.body = "\n\n".join(paragraphs)
        report.sections.append(section)
    _find_facts(report, "\n".join(all_text))
    _find_impacted(report)
    return report


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _milestones(table: _Table, warnings: list[str]) -> Iterator[ParsedMilestone]:
    for cells, where in table.rows:
        if len(cells) >= 2 and not cells[-1]:
            warnings.append(f"{where}: the timetable row '{cells[0]}' has no date: left out")
            continue
        if len(cells) >= 2:
            label, date_text = cells[0], cells[-1]
            try:
                when = ApproxDate.parse(date_text)
            except DateParseError as exc:
                raise DocumentError(f"cannot read the date of '{label}': {exc}", where) from None
        else:
            row = cells[0]
            try:
                label, when, date_text = _split_trailing_date(row)
            except DocumentError as exc:
                if "cannot read" in exc.message:
                    raise DocumentError(exc.message, where) from None
                tail = _date_like_tail(row)
                if tail:
                    try:
                        ApproxDate.parse(tail)
                    except DateParseError as exc:
                        raise DocumentError(
                            f"cannot read the date in the timetable row '{row}': {exc}", where
                        ) from None
                warnings.append(
                    f"{where}: the timetable row '{row}' has no date at its end: left out"
                )
                continue
        label = _clean(label)
        if not label:
            raise DocumentError(f"the timetable row '{date_text}' has no event", where)
        kind, status = _classify_milestone(label)
        yield ParsedMilestone(
            label=_truncate(label, 300),
            kind=kind,
            when=when,
            date_text=_truncate(_clean(date_text), 100),
            status=status,
        )


def _terms(table: _Table, warnings: list[str]) -> Iterator[ParsedTerm]:
    for cells, where in table.rows:
        if len(cells) < 2 or not cells[0] or not cells[-1]:
            warnings.append(
                f"{where}: the glossary row '{' '.join(cells)}' has no full term: left out"
            )
            continue
        acronym, full_term = _clean(cells[0]), _clean(" ".join(cells[1:]))
        if len(acronym) > 30:
            raise DocumentError(f"'{acronym[:40]}' is too long for an acronym", where)
        yield ParsedTerm(acronym, _truncate(full_term, 300))


def _merge_terms(report: ParsedReport, terms: Iterable[ParsedTerm]) -> None:
    known = {term.acronym.upper(): term for term in report.glossary}
    for term in terms:
        existing = known.get(term.acronym.upper())
        if existing is None:
            report.glossary.append(term)
            known[term.acronym.upper()] = term
        elif existing.full_term.lower() != term.full_term.lower():
            report.warnings.append(
                f"the glossary gives {term.acronym} twice: '{existing.full_term}' kept, "
                f"'{term.full_term}' ignored"
            )


_SEC_DOCUMENT = re.compile(
    r"(?:\bSEC\s+(?P<sec>Appendix\s+[A-Z]{1,2}|Schedule\s+\d{1,2})\b"
    r"|\b(?P<quoted>Appendix\s+[A-Z]{1,2}|Schedule\s+\d{1,2})\s+(?=[‘“\"'])"
    r"|\b(?P<schedule>Schedule\s+\d{1,2})\b)"
)


def _find_facts(report: ParsedReport, text: str) -> None:
    """The proposer, the raised date, the SEC Sections, provisions and other SEC documents,
    where the text states them; a warning where it seems to state one that cannot be read."""
    if match := _RAISED_BY.search(text):
        report.proposer_name = _clean(match["name"])
        report.proposer_organisation = _clean(match["org"])
        report.proposer_organisation_short = _clean(match["short"] or "")
    elif match := re.search(r"\braised by\b.{0,100}", text):
        report.warnings.append(f"the proposer could not be read from '{_clean(match[0])[:100]}'")
    raised = [m for m in report.milestones if m.kind == MilestoneKind.RAISED]
    if raised and raised[0].when.precision == Precision.DAY:
        report.raised_on = raised[0].when.start
    elif match := _RAISED_ON.search(text):
        with contextlib.suppress(DateParseError):
            report.raised_on = ApproxDate.parse(match["date"]).start
    for match in _SEC_SECTION.finditer(text):
        if match["code"] not in {code for code, _ in report.sec_sections}:
            report.sec_sections.append((match["code"], _clean(match["title"])))
    if report.sec_sections:
        report.sec_section_code, report.sec_section_title = report.sec_sections[0]
    if match := _PROVISIONS.search(text):
        last = match["last"]
        if last:
            if not re.match(r"[A-Z]", last):
                last = re.match(r"[A-Z]+", match["first"])[0] + last  # type: ignore[index]
            report.sec_provisions = f"{match['first']}–{last}"
        else:
            report.sec_provisions = match["first"]
    for match in _SEC_DOCUMENT.finditer(text):
        name = _clean(match["sec"] or match["quoted"] or match["schedule"])
        name = name[0].upper() + name[1:]
        if name not in report.sec_documents:
            report.sec_documents.append(name)


# Party Categories by the words reports use for them (the slugs of parties' data migration).
_CATEGORY_WORDS = [
    ("large-supplier", re.compile(r"\blarge\s+suppliers?\b", re.I)),
    ("small-supplier", re.compile(r"\bsmall\s+suppliers?\b", re.I)),
    ("electricity-network", re.compile(r"\belectricity\s+(?:network|distribution)", re.I)),
    ("gas-network", re.compile(r"\bgas\s+(?:network|transporter)", re.I)),
    ("other-sec-party", re.compile(r"\bother\s+sec\s+part", re.I)),
    ("dcc", re.compile(r"^(?:the\s+)?(?:DCC|Data Communications Company)\b")),
]
_TICK = re.compile(r"(?P<box>[☒☐☑✓✔■□])\s*(?P<words>[^☒☐☑✓✔■□|]+)")
_TICKED = "☒☑✓✔■"
_WHO_IS_IMPACTED = re.compile(
    r"^(?:who is impacted\??|parties impacted|impacted parties|party categories impacted)$", re.I
)


def _category_of(words: str) -> str | None:
    words = _clean(words).strip(" •-–:;,.")
    for slug, pattern in _CATEGORY_WORDS:
        if pattern.search(words):
            return slug
    return None


def _find_impacted(report: ParsedReport) -> None:
    """Impacted Party Categories: ticked boxes (☒ Large Suppliers ☐ Small Suppliers), or the
    list under a 'Who is impacted?' heading."""
    found: list[str] = []

    def add(slug: str) -> None:
        if slug not in found:
            found.append(slug)

    boxes = 0
    for section in report.sections:
        for match in _TICK.finditer(section.body):
            boxes += 1
            slug = _category_of(match["words"])
            if slug is None:
                report.warnings.append(
                    f"the tick box '{_clean(match[0])[:60]}' names no Party Category we know"
                )
            elif match["box"] in _TICKED:
                add(slug)
    for section in report.sections:
        if not _WHO_IS_IMPACTED.match(section.heading):
            continue
        listed = 0
        for paragraph in section.body.split("\n\n"):
            if _TICK.search(paragraph) or paragraph.rstrip().endswith((".", ":")):
                continue  # tick boxes are read above; sentences are not a list
            # A list flattened into one line (bullets the reader did not recognise) too.
            for item in re.split(r"\s*[•●▪\uf0b7\uf0a7;,]\s*|\s+and\s+", paragraph):
                slug = _category_of(item) if len(item) <= 60 else None
                if slug is not None:
                    listed += 1
                    add(slug)
        if not listed and not boxes:
            report.warnings.append(
                f"the section '{section.heading}' names no Party Category that could be read"
            )
    report.impacted_categories = found


# --- The entry point --------------------------------------------------------------------
def detect_format(data: bytes) -> str:
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        return "docx"
    return "text"


def parse_document(
    data: bytes,
    filename: str = "document",
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    seconds: float = DEFAULT_PARSE_SECONDS,
) -> ParsedReport:
    """Read a report in any of the three formats, told apart by content, not by name."""
    if not data or not data.strip():
        raise DocumentError(f"{filename} is empty")
    if len(data) > max_bytes:
        raise DocumentError(
            f"{filename} is {len(data) / 1_048_576:.1f} MB: the limit is "
            f"{max_bytes / 1_048_576:.0f} MB"
        )
    kind = detect_format(data)
    try:
        if kind == "pdf":
            return parse_pdf(data, filename, seconds=seconds)
        if kind == "docx":
            return parse_docx(data, filename, seconds=seconds)
        return parse_text(_decode_text(data, filename))
    except RecursionError:
        raise DocumentError(f"{filename} is nested too deeply to read") from None
