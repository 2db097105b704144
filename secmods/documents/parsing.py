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
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from secmods.modifications.models import MilestoneKind, MilestoneStatus
from secmods.rules.dates import ApproxDate, DateParseError, Precision
from secmods.rules.references import parse_reference

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
    r"^Appendix\s+(?P<number>\d{1,2}|[A-Z])\s*[:.\-–]?\s*(?P<title>[A-Z][^\n]{0,90})$", re.I
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
    r"(?:the\s+)?(?P<org>[A-Z][^(.;,]{1,120}?)\s*(?:\((?P<short>[^)]{1,20})\))?[.,;]"
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
_BULLET = re.compile(r"^(?:[•●▪◦·\-–]|o)\s+\S")
_CONTENTS = {"contents", "table of contents"}
_CONTENTS_ENTRY = re.compile(r"^\S.{0,150}?(?:\s*\.{3,}\s*|\s+)\d{1,3}$")


def _text_blocks(text: str, *, page_of_line: list[int] | None = None) -> list[_Block]:
    raw_lines = text.splitlines()

    def where(index: int) -> str:
        if page_of_line is not None:
            return f"page {page_of_line[index]}"
        return f"line {index + 1}"

    lines = [(i, _clean(line)) for i, line in enumerate(raw_lines)]
    lines = [(i, line) for i, line in lines if not (line and _FURNITURE.search(line))]
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

    def next_nonblank(position: int) -> str:
        for _, candidate in lines[position + 1 :]:
            if candidate:
                return candidate
        return ""

    in_contents = False
    section_number = 0
    list_number: int | None = None
    for position, (index, line) in enumerate(lines):
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
                if pending_row is not None and not _continues(pending_row[0], line):
                    # The row before never found its date: the assembler says so.
                    table.rows.append(([pending_row[0]], pending_row[1]))
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
            first = line.split()[0]
            if _is_acronym(first) and len(line.split()) >= 2:
                table.rows.append(([first, " ".join(line.split()[1:])], where(index)))
            elif table.rows and not _TERMINATOR.search(line):
                # The full term wrapped onto the next line.
                cells, row_where = table.rows[-1]
                table.rows[-1] = ([cells[0], f"{cells[-1]} {line}".strip()], row_where)
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
    flush_table()
    return blocks


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
    report = _assemble(_text_blocks(text), source_format=source_format)
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


def _pdf_lines(data: bytes, filename: str) -> tuple[list[str], list[int]]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except RecursionError:
        raise DocumentError(f"{filename} is not a readable PDF (nested too deeply)") from None
    except _LIBRARY_FAILURES as exc:
        raise DocumentError(f"{filename} is not a readable PDF ({_short(exc)})") from None
    if encrypted:
        # An owner password alone still lets anyone read the text; a user password does not.
        try:
            readable = bool(reader.decrypt(""))
        except _LIBRARY_FAILURES:
            readable = False
        if not readable:
            raise DocumentError(f"{filename} is a password-protected PDF: remove the password")
    lines: list[str] = []
    page_of_line: list[int] = []
    try:
        for number, page in enumerate(reader.pages, start=1):
            page_lines = (page.extract_text() or "").splitlines()
            lines.extend(page_lines)
            page_of_line.extend([number] * len(page_lines))
    except RecursionError:
        raise DocumentError(f"{filename} is not a readable PDF (nested too deeply)") from None
    except _LIBRARY_FAILURES as exc:
        where = f"page {len(set(page_of_line)) + 1}"
        raise DocumentError(f"{filename} is not a readable PDF ({_short(exc)})", where) from None
    return lines, page_of_line


def parse_pdf(data: bytes, filename: str = "document.pdf") -> ParsedReport:
    lines, page_of_line = _pdf_lines(data, filename)
    if not "".join(lines).strip():
        raise DocumentError(f"{filename} has no text layer (a scanned PDF?): nothing to read")
    text = "\n".join(lines)
    report = _assemble(_text_blocks(text, page_of_line=page_of_line), source_format="pdf")
    report.reference = report.reference or _footer_reference(text)
    return report


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


def _read_word(data: bytes, filename: str) -> _WordFile:
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
        document = docx.Document(io.BytesIO(data))
        # Paragraph.style looks the style up among all styles on every call (slow on long
        # reports): map the style ids to names once and read each paragraph's id instead.
        names = {style.style_id: style.name or "" for style in document.styles}
        default = getattr(document.styles.default(WD_STYLE_TYPE.PARAGRAPH), "name", "Normal")
        items: list[_WordParagraph | _WordTable] = []
        for item in document.iter_inner_content():
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
        if level is None and not styled and not re.search(r"[.;,]$", text):
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


def parse_docx(data: bytes, filename: str = "document.docx") -> ParsedReport:
    word = _read_word(data, filename)
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
def _take_reference_title(report: ParsedReport, lines: Iterable[str]) -> None:
    for line in lines:
        match = _REFERENCE_TITLE.match(_clean(line))
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
    all_text: list[str] = []
    for block in blocks[first_heading:]:
        if isinstance(block, _Heading):
            # The glossary appendix is rebuilt from the one global glossary, not kept as text.
            if block.level == 1:
                skip_section = "glossary" in block.text.lower()
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
                report.milestones.extend(_milestones(block))
            else:
                _merge_terms(report, _terms(block))
    for section, paragraphs in bodies:
        section.body = "\n\n".join(paragraphs)
        report.sections.append(section)
    _find_facts(report, "\n".join(all_text))
    return report


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _milestones(table: _Table) -> Iterator[ParsedMilestone]:
    for cells, where in table.rows:
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
                raise DocumentError(
                    f"the timetable row '{row}' has no date at its end", where
                ) from None
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


def _terms(table: _Table) -> Iterator[ParsedTerm]:
    for cells, where in table.rows:
        if len(cells) < 2 or not cells[0] or not cells[-1]:
            raise DocumentError(f"the glossary row '{' '.join(cells)}' has no full term", where)
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


def _find_facts(report: ParsedReport, text: str) -> None:
    """The proposer, the raised date and the SEC provisions, where the text states them."""
    if match := _RAISED_BY.search(text):
        report.proposer_name = _clean(match["name"])
        report.proposer_organisation = _clean(match["org"])
        report.proposer_organisation_short = _clean(match["short"] or "")
    raised = [m for m in report.milestones if m.kind == MilestoneKind.RAISED]
    if raised and raised[0].when.precision == Precision.DAY:
        report.raised_on = raised[0].when.start
    elif match := _RAISED_ON.search(text):
        with contextlib.suppress(DateParseError):
            report.raised_on = ApproxDate.parse(match["date"]).start
    if match := _SEC_SECTION.search(text):
        report.sec_section_code = match["code"]
        report.sec_section_title = _clean(match["title"])
    if match := _PROVISIONS.search(text):
        last = match["last"]
        if last:
            if not re.match(r"[A-Z]", last):
                last = re.match(r"[A-Z]+", match["first"])[0] + last  # type: ignore[index]
            report.sec_provisions = f"{match['first']}–{last}"
        else:
            report.sec_provisions = match["first"]


# --- The entry point --------------------------------------------------------------------
def detect_format(data: bytes) -> str:
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        return "docx"
    return "text"


def parse_document(
    data: bytes, filename: str = "document", *, max_bytes: int = DEFAULT_MAX_BYTES
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
            return parse_pdf(data, filename)
        if kind == "docx":
            return parse_docx(data, filename)
        return parse_text(_decode_text(data, filename))
    except RecursionError:
        raise DocumentError(f"{filename} is nested too deeply to read") from None
