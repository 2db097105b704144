"""Test inputs: the seed text, and Word reports built with python-docx."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document

DATA = Path(__file__).parent / "data"
SEED = DATA / "draft-modification-report-csr-forecasting.txt"


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def seed_lines() -> list[str]:
    return [line for line in seed_text().splitlines() if line.strip()]


def docx_bytes(document: object) -> bytes:
    out = io.BytesIO()
    document.save(out)  # type: ignore[attr-defined]
    return out.getvalue()


def word_report(
    *,
    title: str = "MP161 ‘Faster switching of meter data’",
    timetable: list[tuple[str, str]] | None = None,
    glossary: list[tuple[str, str]] | None = None,
    repeat_header: bool = True,
) -> bytes:
    """A report as an analyst writes it in Word: heading styles, real tables."""
    document = Document()
    document.add_paragraph(title, style="Title")
    document.add_paragraph("Modification Report", style="Subtitle")
    document.add_paragraph("Version 0.2")
    document.add_heading("About this document", 1)
    document.add_paragraph("This document is a Modification Report.")
    document.add_heading("1. Summary", 1)
    document.add_paragraph(
        "This proposal has been raised by Ann Example from British Gas (BG). It changes how "
        "the DCC sends meter data."
    )
    document.add_heading("2. Issue", 1)
    document.add_heading("What is the issue?", 2)
    document.add_paragraph("Meter data arrives late at the Supplier.")
    document.add_paragraph("A second paragraph about the SMKI.")
    document.add_heading("Appendix 1: Progression timetable", 1)
    document.add_paragraph("The timetable below was approved by the CSC.")
    rows = timetable or [
        ("Draft Proposal raised", "3rd January 2019"),
        ("Presented to CSC for initial comment", "12/02/2019"),
        ("Working Group meeting", "w/c 7 June 2021"),
        ("Refinement Consultation", "Q3 2021"),
        ("Change Board vote", "Unknown"),
        ("Implementation", "November 2022 SEC Release"),
    ]
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Event/Action"
    table.rows[0].cells[1].text = "Date"
    for index, (label, when) in enumerate(rows):
        if repeat_header and index == 3:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = "Event/Action", "Date"
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, when
    document.add_heading("Appendix 2: Glossary", 1)
    document.add_paragraph("This table lists all the acronyms used in this document.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Acronym", "Full term"
    for acronym, term in glossary or [
        ("DCC", "Data Communications Company"),
        ("SMKI", "Smart Metering Key Infrastructure"),
    ]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = acronym, term
    return docx_bytes(document)
