"""The Word exports as Word and LibreOffice show them: A4, en-GB, "Page N of M" in the footer.

The XML tests pin the shape; the `conformance` tests give the files to LibreOffice (headless,
to PDF) and read what it printed on each page, which is what a reader of the pack sees.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from secmods.documents.exporting import meeting_pack_docx, report_docx
from secmods.documents.selectors import meeting_pack, report_data
from secmods.modifications.models import Modification
from tests.conftest import IN_CI
from tests.documents.helpers import SEED
from tests.factories import LONDON, AgendaItemFactory, MeetingFactory, ModificationFactory

# A4 in twentieths of a point (Word's unit) and in PDF points.
A4_TWIPS = (11906, 16838)
A4_POINTS = (595.3, 841.9)


def _dp160() -> Modification:
    call_command(
        "import_report",
        str(SEED),
        "--reference",
        "DP160",
        "--title",
        "Certificate Signing Request forecasting",
        stdout=io.StringIO(),
    )
    return Modification.objects.get(number=160)


def _pack_bytes(seed: Modification) -> bytes:
    meeting = MeetingFactory(starts_at=dt.datetime(2021, 6, 1, 10, tzinfo=LONDON))
    AgendaItemFactory(meeting=meeting, modification=seed, order=1)
    AgendaItemFactory(
        meeting=meeting, modification=ModificationFactory(number=170), order=2, purpose="update"
    )
    return meeting_pack_docx(meeting_pack(meeting))


def _footer_fields(document: object) -> list[str]:
    """The instructions of the complex fields in the first footer, in order, each checked to
    have begin, instruction, separate, a cached result and end."""
    paragraph = document.sections[0].footer.paragraphs[0]._p  # type: ignore[attr-defined]
    found = []
    state = "text"
    for element in paragraph.iter():
        if element.tag == qn("w:fldChar"):
            kind = element.get(qn("w:fldCharType"))
            expected = {"text": "begin", "instr": "separate", "result": "end"}[state]
            assert kind == expected, f"{kind} where {expected} was due"
            state = {"begin": "instr", "separate": "result", "end": "text"}[kind]
        elif element.tag == qn("w:instrText"):
            assert state == "instr"
            found.append(element.text.strip())
        elif element.tag == qn("w:t") and state == "result":
            assert element.text, "a field's cached result is empty"
    assert state == "text"
    assert "fldSimple" not in paragraph.xml
    return found


def _check_word_shape(content: bytes) -> None:
    document = Document(io.BytesIO(content))
    for section in document.sections:
        assert (section.page_width.twips, section.page_height.twips) == A4_TWIPS
    assert document.core_properties.language == "en-GB"
    lang = document.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:lang"))
    assert lang is not None and lang.get(qn("w:val")) == "en-GB"
    assert _footer_fields(document) == ["PAGE", "NUMPAGES"]


def test_a_report_is_a4_en_gb_with_complex_page_fields(db):
    _check_word_shape(report_docx(report_data(_dp160())))


def test_a_meeting_pack_is_a4_en_gb_with_complex_page_fields(db):
    _check_word_shape(_pack_bytes(_dp160()))


# --- LibreOffice ----------------------------------------------------------------------------
def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        message = "LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


def _render_pdf(content: bytes, tmp_path: Path) -> PdfReader:
    soffice = _soffice()
    source = tmp_path / "export.docx"
    source.write_bytes(content)
    # A profile of its own: another soffice running on the machine would otherwise take the
    # conversion over (or lock the profile) and this one returns without writing a file.
    profile = (tmp_path / "lo-profile").as_uri()
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=100,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    pdf = tmp_path / "export.pdf"
    assert pdf.exists(), f"LibreOffice wrote no PDF: {result.stdout} {result.stderr}"
    return PdfReader(pdf)


def _check_printed(reader: PdfReader, footer: str) -> None:
    total = len(reader.pages)
    assert total >= 2
    # LibreOffice names the PDF's language after the document's default language.
    assert reader.trailer["/Root"].get("/Lang") == "en-GB"
    for number, page in enumerate(reader.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842), f"page {number} is {width}x{height}"
        text = re.sub(r"\s+", " ", page.extract_text())
        assert f"{footer} — Page {number} of {total}" in text, text[-200:]


@pytest.mark.conformance
def test_libreoffice_prints_page_n_of_m_on_a4_for_a_report(db, tmp_path):
    content = report_docx(report_data(_dp160()))
    _check_printed(_render_pdf(content, tmp_path), "DP160 Modification Report")


@pytest.mark.conformance
def test_libreoffice_prints_page_n_of_m_on_a4_for_a_meeting_pack(db, tmp_path):
    content = _pack_bytes(_dp160())
    _check_printed(_render_pdf(content, tmp_path), "CSC meeting pack")
