"""The parser alone (no database): the seed, PDF and Word inputs, every date form, bad input."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from secmods.documents.parsing import DocumentError, parse_document, parse_text
from secmods.rules.dates import Precision
from tests.documents.helpers import docx_bytes, seed_lines, seed_text, word_report
from tests.documents.pdfmaker import text_pdf

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "seed.json"


def fixture_rows(model: str) -> list[dict]:
    return [o["fields"] for o in json.loads(FIXTURE.read_text()) if o["model"] == model]


def expected_sections() -> list[tuple[int, str, str]]:
    rows = sorted(fixture_rows("modifications.reportsection"), key=lambda r: r["order"])
    return [(r["level"], r["heading"], r["body"]) for r in rows]


def test_the_seed_text_gives_the_fixtures_sections_timetable_and_glossary():
    report = parse_text(seed_text())
    assert [(s.level, s.heading, s.body) for s in report.sections] == expected_sections()
    assert [
        (m.label, m.kind, m.status, m.when.precision, m.when.start, m.when.end, m.date_text)
        for m in report.milestones
    ] == [
        (
            r["label"],
            r["kind"],
            r["status"],
            r["precision"],
            date.fromisoformat(r["date_from"]),
            date.fromisoformat(r["date_to"]),
            r["date_text"],
        )
        for r in fixture_rows("modifications.milestone")
    ]
    assert [(t.acronym, t.full_term) for t in report.glossary] == [
        (r["acronym"], r["full_term"]) for r in fixture_rows("glossary.glossaryterm")
    ]
    assert report.proposer_name == "Graeme Liggett"
    assert report.proposer_organisation == "Data Communications Company"
    assert report.proposer_organisation_short == "DCC"
    assert report.raised_on == date(2021, 4, 19)
    assert report.sec_provisions == "L8.7–L8.12"
    assert (report.sec_section_code, report.sec_section_title) == (
        "L",
        "Smart Metering Key Infrastructure and DCC Key Infrastructure",
    )
    # The seed has neither: they come from --reference and --title.
    assert report.reference == "" and report.title == ""


def test_the_seed_as_a_pdf_reads_the_same():
    report = parse_document(text_pdf(seed_lines()), "seed.pdf")
    assert report.source_format == "pdf"
    assert [(s.level, s.heading, s.body) for s in report.sections] == expected_sections()
    assert len(report.milestones) == 4 and len(report.glossary) == 8


def test_text_without_blank_lines_and_with_page_furniture_reads_the_same():
    lines = seed_lines()
    lines.insert(30, "Page 2 of 7")
    lines.insert(60, "DP160 Draft Modification Report Page 3 of 7")
    report = parse_text("\n".join(lines))
    assert [(s.level, s.heading, s.body) for s in report.sections] == expected_sections()


def test_a_word_report_reads_headings_tables_and_every_date_form():
    report = parse_document(word_report(), "mp161.docx")
    assert report.source_format == "docx"
    assert (report.reference, report.title) == ("MP161", "Faster switching of meter data")
    assert [(s.level, s.heading) for s in report.sections] == [
        (1, "About this document"),
        (1, "Summary"),
        (1, "Issue"),
        (2, "What is the issue?"),
        (1, "Appendix 1: Progression timetable"),
    ]
    assert report.sections[3].body == (
        "Meter data arrives late at the Supplier.\n\nA second paragraph about the SMKI."
    )
    got = [(m.label, m.when.precision, m.when.start, m.date_text) for m in report.milestones]
    assert got == [
        ("Draft Proposal raised", Precision.DAY, date(2019, 1, 3), "3rd January 2019"),
        ("Presented to CSC for initial comment", Precision.DAY, date(2019, 2, 12), "12/02/2019"),
        ("Working Group meeting", Precision.WEEK, date(2021, 6, 7), "w/c 7 June 2021"),
        ("Refinement Consultation", Precision.QUARTER, date(2021, 7, 1), "Q3 2021"),
        # "Unknown" is TBC, and its words are kept.
        ("Change Board vote", Precision.TBC, None, "Unknown"),
        ("Implementation", Precision.MONTH, date(2022, 11, 1), "November 2022 SEC Release"),
    ]
    assert [m.kind for m in report.milestones] == [
        "raised",
        "csc",
        "working_group",
        "consultation_opens",
        "change_board",
        "implementation",
    ]
    assert [(t.acronym, t.full_term) for t in report.glossary] == [
        ("DCC", "Data Communications Company"),
        ("SMKI", "Smart Metering Key Infrastructure"),
    ]
    assert (report.proposer_name, report.proposer_organisation_short) == ("Ann Example", "BG")
    assert report.raised_on == date(2019, 1, 3)


def test_flattened_rows_in_text_read_every_date_form_and_wrapped_rows():
    text = "\n".join(
        [
            "MP162 ‘Some change’",
            "1. Summary",
            "A summary.",
            "Appendix 1: Progression timetable",
            "Timetable",
            "Event/Action Date",
            "Draft Proposal raised 01 June 2017",
            "Modification Report Consultation issued to industry for a",
            "fifteen Working Day period w/c 4 Apr 2022",
            "Change Board vote Unknown",
            "Authority decision TBC",
            "Implementation November 2022 SEC Release",
            "Appendix 2: Glossary",
            "Glossary",
            "Acronym Full term",
            "CSC Change Sub-Committee",
            "Glossary",
            "Acronym Full term",
            "SECAS Smart Energy Code Administrator and",
            "Secretariat",
            "CSC Change sub-committee",
        ]
    )
    report = parse_text(text)
    assert (report.reference, report.title) == ("MP162", "Some change")
    assert [(m.label, m.date_text, m.when.precision) for m in report.milestones] == [
        ("Draft Proposal raised", "01 June 2017", Precision.DAY),
        (
            "Modification Report Consultation issued to industry for a fifteen Working Day period",
            "w/c 4 Apr 2022",
            Precision.WEEK,
        ),
        ("Change Board vote", "Unknown", Precision.TBC),
        ("Authority decision", "TBC", Precision.TBC),
        ("Implementation", "November 2022 SEC Release", Precision.MONTH),
    ]
    assert [(t.acronym, t.full_term) for t in report.glossary] == [
        ("CSC", "Change Sub-Committee"),
        ("SECAS", "Smart Energy Code Administrator and Secretariat"),
    ]


# --- Bad input: one readable line, saying what and where ---------------------------------
def _corrupt_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<not-xml")
        archive.writestr("[Content_Types].xml", "nope")
    return out.getvalue()


def _zip_of_something_else() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photos/cat.jpg", b"\xff\xd8\xff")
    return out.getvalue()


def _no_headings_docx() -> bytes:
    document = Document()
    document.add_paragraph("Just a letter to a friend, with no structure whatsoever.")
    return docx_bytes(document)


BAD_INPUTS = [
    (b"", "empty.txt", "empty.txt is empty"),
    (b"   \n\n  ", "blank.txt", "blank.txt is empty"),
    (bytes(range(256)) * 40, "binary.txt", "binary.txt is not a text file"),
    (text_pdf(seed_lines(), password="s3cret"), "locked.pdf", "password-protected PDF"),
    (b"%PDF-1.7\n1 0 obj garbage", "corrupt.pdf", "corrupt.pdf is not a readable PDF"),
    (text_pdf([]), "scan.pdf", "scan.pdf has no text layer"),
    (_zip_of_something_else(), "report.docx", "a zip archive but not a Word document"),
    (_corrupt_docx(), "broken.docx", "broken.docx is not a readable Word file"),
    (_no_headings_docx(), "letter.docx", "no recognisable headings"),
    (b"Dear colleague,\nplease find attached.\n", "letter.txt", "no recognisable headings"),
    (
        seed_text().replace("27 Apr 2021", "Q5 2021").encode(),
        "seed.txt",
        "Q5 is not a quarter",
    ),
    (
        seed_text().replace("27 Apr 2021", "31 Apr 2021").encode(),
        "seed.txt",
        "line 133: cannot read the date in the timetable row 'Presented to CSC for initial "
        "comment 31 Apr 2021'",
    ),
    (
        word_report(timetable=[("Change Board vote", "31/02/2022")]),
        "mp.docx",
        "table 1, row 2: cannot read the date of 'Change Board vote'",
    ),
]


@pytest.mark.parametrize(
    ("data", "name", "message"), BAD_INPUTS, ids=[b[1] + ":" + b[2][:30] for b in BAD_INPUTS]
)
def test_bad_input_is_refused_with_one_readable_line(data, name, message):
    with pytest.raises(DocumentError) as caught:
        parse_document(data, name)
    text = str(caught.value)
    assert message in text
    assert "\n" not in text and "Traceback" not in text


def test_a_file_over_the_size_limit_is_refused_before_parsing():
    with pytest.raises(DocumentError, match=r"huge.txt is 2.0 MB: the limit is 1 MB"):
        parse_document(b"x" * (2 * 1024 * 1024), "huge.txt", max_bytes=1024 * 1024)


def test_word_glossary_rows_that_mention_acronyms_are_not_taken_for_headers():
    report = parse_document(
        word_report(glossary=[("ACR", "Acronym Register"), ("DCC", "Data Communications Co")]),
        "mp.docx",
    )
    assert [t.acronym for t in report.glossary] == ["ACR", "DCC"]


def test_control_characters_from_a_pdf_text_layer_are_dropped():
    lines = seed_lines()
    assert "background" in lines[1]
    lines[1] = lines[1].replace("background", "back\x00ground\x07")
    report = parse_document(text_pdf(lines), "seed.pdf")
    assert "\x00" not in report.sections[0].body and "\x07" not in report.sections[0].body
    assert "background" in report.sections[0].body


def test_a_nul_byte_anywhere_makes_a_text_file_binary():
    data = seed_text().encode() + b" " * 70_000 + b"\x00"
    with pytest.raises(DocumentError, match="is not a text file"):
        parse_document(data, "seed.txt")


def test_a_table_of_contents_is_skipped():
    lines = [
        "MP160 ‘CSR forecasting’",
        "Contents",
        "1. Summary 3",
        "2. Issue ........ 4",
        "Appendix 1: Progression timetable 6",
        *seed_lines(),
    ]
    report = parse_text("\n".join(lines))
    assert [(s.level, s.heading, s.body) for s in report.sections] == expected_sections()
    assert (report.reference, report.title) == ("MP160", "CSR forecasting")


def test_numbered_list_items_and_bullets_inside_a_section_are_not_headings():
    text = "\n".join(
        [
            "MP163 ‘Lists’",
            "1. Summary",
            "The DCC proposes to:",
            "1. Remove the obligation",
            "2. Keep the report",
            "• first point without a stop",
            "• second point",
            "2. Issue",
            "What is the issue?",
            "Nothing much.",
        ]
    )
    report = parse_text(text)
    assert [(s.level, s.heading) for s in report.sections] == [
        (1, "Summary"),
        (1, "Issue"),
        (2, "What is the issue?"),
    ]
    assert report.sections[0].body.split("\n\n") == [
        "The DCC proposes to:",
        "1. Remove the obligation",
        "2. Keep the report",
        "• first point without a stop",
        "• second point",
    ]


def test_the_reference_can_come_from_a_page_footer():
    lines = seed_lines()
    lines.insert(40, "DP160 Draft Modification Report Page 2 of 7")
    assert parse_text("\n".join(lines)).reference == "DP160"
    assert parse_document(text_pdf(lines), "dp160.pdf").reference == "DP160"


def test_a_timetable_line_without_a_date_is_a_warning_not_a_silent_loss():
    report = parse_document(seed_text().replace("  May 2021", " Mayish").encode(), "seed.txt")
    assert len(report.milestones) == 3
    assert any(
        "'Presented to SEC Sub-Committees for initial comment Mayish' has no date" in warning
        for warning in report.warnings
    ), report.warnings
