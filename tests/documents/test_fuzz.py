"""Property-based: mangled variants of the seed (and of Word and PDF copies of it) are either
read or refused with DocumentError, never anything else; and what is read is valid."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secmods.documents.parsing import DocumentError, ParsedReport, parse_document
from secmods.documents.services import import_report
from secmods.modifications.models import Modification
from tests.documents.helpers import seed_lines, seed_text, word_report
from tests.documents.pdfmaker import text_pdf

SEED_LINES = seed_text().splitlines()
NOISE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
DATES = st.sampled_from(
    [
        "31 Apr 2021",
        "Q5 2021",
        "w/c May 2021",
        "Unknown",
        "TBC",
        "00/00/0000",
        "May",
        "3rd January 2019",
        "November 2022 SEC Release",
        "2021-13-01",
        "",
        "w/c 7 June 2021",
    ]
)


@st.composite
def mangled_lines(draw: st.DrawFn) -> list[str]:
    lines = list(SEED_LINES)
    for _ in range(draw(st.integers(0, 8))):
        if not lines:
            break
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(
            st.sampled_from(
                ["delete", "duplicate", "swap", "insert", "spaces", "date", "split", "upper"]
            )
        )
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif action == "insert":
            lines.insert(index, draw(NOISE))
        elif action == "spaces":
            lines[index] = "  ".join(lines[index]) if len(lines[index]) < 60 else lines[index]
        elif action == "date":
            words = lines[index].split()
            lines[index] = " ".join([*words[:-2], draw(DATES)])
        elif action == "split":
            cut = draw(st.integers(0, len(lines[index])))
            lines[index : index + 1] = [lines[index][:cut], lines[index][cut:]]
        else:
            lines[index] = lines[index].upper()
    return lines


def check(report: ParsedReport) -> None:
    assert report.sections, "a report that parses has sections"
    for section in report.sections:
        assert section.level in (1, 2) and 0 < len(section.heading) <= 200
    for milestone in report.milestones:
        assert milestone.when.is_consistent() is None
        assert milestone.label and len(milestone.label) <= 300 and len(milestone.date_text) <= 100
    for term in report.glossary:
        assert 0 < len(term.acronym) <= 30 and term.full_term
    assert len({t.acronym.upper() for t in report.glossary}) == len(report.glossary)


def parses_or_refuses(data: bytes, name: str) -> ParsedReport | None:
    try:
        report = parse_document(data, name)
    except DocumentError as exc:
        assert "\n" not in str(exc)
        return None
    check(report)
    return report


@settings(max_examples=200, deadline=None)
@given(mangled_lines(), st.sampled_from(["\n", "\r\n", "\n\n"]))
def test_mangled_seed_text_parses_or_is_refused_cleanly(lines, newline):
    parses_or_refuses(newline.join(lines).encode("utf-8"), "seed.txt")


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000), st.integers(0, 5000))
def test_random_bytes_in_the_seed_parse_or_are_refused_cleanly(junk, position):
    data = seed_text().encode("utf-8")
    parses_or_refuses(data[:position] + junk + data[position:], "seed.txt")


WORD = word_report()
PDF = text_pdf(seed_lines())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(WORD) - 1), st.integers(0, 255)), max_size=6))
def test_corrupted_word_files_parse_or_are_refused_cleanly(flips):
    data = bytearray(WORD)
    for position, value in flips:
        data[position] = value
    parses_or_refuses(bytes(data), "report.docx")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, len(PDF) - 1), st.integers(0, 255)), max_size=6),
    st.integers(100, len(PDF)),
)
def test_corrupted_pdfs_parse_or_are_refused_cleanly(flips, length):
    data = bytearray(PDF[:length])
    for position, value in flips:
        if position < len(data):
            data[position] = value
    parses_or_refuses(bytes(data), "report.pdf")


@settings(max_examples=40, deadline=None)
@given(mangled_lines())
def test_mangled_word_documents_made_from_the_seed_parse_or_are_refused(lines):
    from docx import Document

    document = Document()
    for line in lines:
        document.add_paragraph("".join(c for c in line if c.isprintable()))
    out = io.BytesIO()
    document.save(out)
    parses_or_refuses(out.getvalue(), "seed.docx")


def test_a_zip_bomb_docx_is_refused_before_it_is_expanded():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (101 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 1024 * 1024
    with pytest.raises(DocumentError, match="would expand to more than 100 MB"):
        parse_document(data, "bomb.docx")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mangled_lines())
def test_what_parses_also_imports_or_is_refused_and_a_dry_run_leaves_nothing(db, lines):
    report = parses_or_refuses("\n".join(lines).encode("utf-8"), "seed.txt")
    if report is None:
        return
    try:
        import_report(report, reference="DP160", title="CSR forecasting", dry_run=True)
    except DocumentError as exc:
        assert "\n" not in str(exc)
    assert not Modification.objects.exists()
