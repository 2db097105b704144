"""How long an import takes: the seed, and a generated 40-page report as text, PDF and .docx.

    DATABASE_URL=sqlite:///var/bench.sqlite3 .venv/bin/python bench/import_report.py [--runs 5]

Each figure is the median of --runs imports, split into parsing (the file to plain data) and
the whole import (parsing plus writing it all in one transaction). Every run writes a new
modification (its own reference), so each one creates sections, milestones and glossary rows.
The database defaults to a scratch SQLite file under var/; pass DATABASE_URL for PostgreSQL.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import textwrap
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from docx import Document  # noqa: E402

from secmods.documents.parsing import parse_document  # noqa: E402
from secmods.documents.services import import_report  # noqa: E402
from tests.documents.pdfmaker import text_pdf  # noqa: E402

SEED = ROOT / "tests" / "documents" / "data" / "draft-modification-report-csr-forecasting.txt"
LINES_PER_PAGE = 55
PAGES = 40

SENTENCES = [
    "The DCC believes that the obligation on Users to provide these forecasts should be removed.",
    "SEC Parties will utilise the SMKI and DCCKI services in order to manage Certificates.",
    "The Working Group noted that the CSR volumes are relatively stable across the year.",
    "SECAS will seek initial feedback from the SEC Sub-Committees before returning to CSC.",
    "Respondents from Large Suppliers agreed with the proposed solution and its timetable.",
    "The legal text for Section L has been drafted and reviewed by the Working Group.",
]
SECTIONS = [
    (1, "Summary"),
    (1, "Issue"),
    (2, "What are the current arrangements?"),
    (2, "What is the issue?"),
    (2, "What is the impact this is having?"),
    (2, "Impact on consumers"),
    (1, "Solution"),
    (2, "Proposed solution"),
    (2, "Legal text"),
    (1, "Impacts"),
    (2, "SEC Parties"),
    (2, "DCC System"),
    (2, "SEC and subsidiary documents"),
    (2, "Consumers"),
    (2, "Other industry Codes"),
    (2, "Greenhouse gas emissions"),
    (1, "Costs"),
    (2, "DCC costs"),
    (2, "SECAS costs"),
    (2, "SEC Party costs"),
    (1, "Implementation approach"),
    (1, "Assessment of the proposal"),
    (2, "Observations on the issue"),
    (2, "Solution development"),
]
DATES = [
    "19 Apr 2021",
    "27 April 2021",
    "12/12/2021",
    "May 2022",
    "Q3 2022",
    "w/c 7 June 2022",
    "TBC",
    "Unknown",
    "3rd January 2023",
    "November 2023 SEC Release",
]


def report_model(paragraphs_per_section: int, terms: int = 60) -> dict:
    sections = []
    for n, (level, heading) in enumerate(SECTIONS):
        paragraphs = [
            " ".join(SENTENCES[(n + p + k) % len(SENTENCES)] for k in range(4))
            for p in range(paragraphs_per_section)
        ]
        sections.append((level, heading, paragraphs))
    timetable = [
        (f"Meeting number {i + 1} of the Working Group", DATES[i % len(DATES)]) for i in range(40)
    ]
    timetable.insert(0, ("Draft Proposal raised", "19 Apr 2021"))
    glossary = [(f"AC{i:03d}", f"Acronym number {i} of the generated report") for i in range(terms)]
    return {"sections": sections, "timetable": timetable, "glossary": glossary}


def text_lines(model: dict) -> list[str]:
    """Like the seed: wrapped at ~100 characters, numbered headings, flattened tables whose
    caption and header repeat after each page break, page footers."""
    lines = [
        "MP900 ‘Generated forty-page report’",
        "About this document",
        "This document is a generated Modification Report.",
    ]
    number = 0
    for level, heading, paragraphs in model["sections"]:
        if level == 1:
            number += 1
            lines.append(f"{number}. {heading}")
        else:
            lines.append(heading)
        for paragraph in paragraphs:
            lines += textwrap.wrap(paragraph, 100)
    lines += [
        "Appendix 1: Progression timetable",
        "The timetable is below.",
        "Timetable",
        "Event/Action Date",
    ]
    lines += [f"{label} {when}" for label, when in model["timetable"]]
    lines += [
        "Appendix 2: Glossary",
        "This table lists all the acronyms used in this document.",
        "Glossary",
        "Acronym Full term",
    ]
    for index, (acronym, term) in enumerate(model["glossary"]):
        if index and index % 25 == 0:
            lines += ["Glossary", "Acronym Full term"]  # the header after a page break
        lines.append(f"{acronym} {term}")
    return lines


def paged(lines: list[str]) -> list[str]:
    out = []
    for start in range(0, len(lines), LINES_PER_PAGE - 1):
        out += lines[start : start + LINES_PER_PAGE - 1]
        out.append(f"Page {start // (LINES_PER_PAGE - 1) + 1}")
    return out


def docx_bytes(model: dict) -> bytes:
    document = Document()
    document.add_paragraph("MP900 ‘Generated forty-page report’", style="Title")
    document.add_heading("About this document", 1)
    document.add_paragraph("This document is a generated Modification Report.")
    number = 0
    for level, heading, paragraphs in model["sections"]:
        if level == 1:
            number += 1
            heading = f"{number}. {heading}"
        document.add_heading(heading, level)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    for title, header, rows in (
        ("Appendix 1: Progression timetable", ("Event/Action", "Date"), model["timetable"]),
        ("Appendix 2: Glossary", ("Acronym", "Full term"), model["glossary"]),
    ):
        document.add_heading(title, 1)
        table = document.add_table(rows=1, cols=2)
        table.rows[0].cells[0].text, table.rows[0].cells[1].text = header
        for left, right in rows:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = left, right
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def reportlab_pdf(model: dict) -> bytes:
    """The same report laid out by reportlab: ruled tables (read cell by cell), a running
    header and footer on every page (recognised as furniture and dropped)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    styles = getSampleStyleSheet()

    def furniture(canvas, doc) -> None:
        canvas.setFont("Helvetica", 8)
        canvas.drawString(56, 815, "MP900 Modification Report")
        canvas.drawString(56, 30, f"Version 1.0 14 December 2022 (c) SECCo 2022   Page {doc.page}")

    story = [Paragraph("MP900 ‘Generated forty-page report’", styles["Title"])]
    story.append(Paragraph("About this document", styles["Heading1"]))
    story.append(Paragraph("This document is a generated Modification Report.", styles["Normal"]))
    number = 0
    for level, heading, paragraphs in model["sections"]:
        if level == 1:
            number += 1
            heading = f"{number}. {heading}"
        story.append(Paragraph(heading, styles["Heading1" if level == 1 else "Heading2"]))
        story += [Paragraph(text, styles["Normal"]) for text in paragraphs]
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)])
    for title, header, rows in (
        ("Appendix 1: Progression timetable", ("Event/Action", "Date"), model["timetable"]),
        ("Appendix 2: Glossary", ("Acronym", "Full term"), model["glossary"]),
    ):
        story.append(Paragraph(title, styles["Heading1"]))
        story.append(Table([header, *rows], repeatRows=1, style=grid))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build(story, onFirstPage=furniture, onLaterPages=furniture)
    return out.getvalue()


def pages_of(model: dict) -> int:
    return -(-len(paged(text_lines(model))) // LINES_PER_PAGE)


def forty_pages() -> tuple[str, bytes, bytes, int]:
    """The whole report on exactly 40 pages of 55 lines: as many paragraphs per section as
    fit, then glossary rows to fill the last page."""
    paragraphs = 1
    while pages_of(report_model(paragraphs + 1)) <= PAGES:
        paragraphs += 1
    terms = 60
    while pages_of(report_model(paragraphs, terms + 1)) <= PAGES:
        terms += 1
    model = report_model(paragraphs, terms)
    lines = paged(text_lines(model))
    text = "\n\n".join(lines)  # an empty line after every line, as in the seed
    pdf = text_pdf(lines, lines_per_page=LINES_PER_PAGE)
    return (
        text,
        pdf,
        docx_bytes(model),
        len(lines),
        reportlab_pdf(report_model(paragraphs - 2, terms)),
    )


def measure(name: str, data: bytes, filename: str, runs: int, first_number: int) -> int:
    parse_times, import_times = [], []
    sections = milestones = terms = 0
    for run in range(runs):
        start = time.perf_counter()
        report = parse_document(data, filename)
        parsed = time.perf_counter()
        import_report(report, reference=f"MP{first_number + run}", title=f"{name} run {run}")
        done = time.perf_counter()
        parse_times.append(parsed - start)
        import_times.append(done - start)
        sections, milestones = len(report.sections), len(report.milestones)
        terms = len(report.glossary)
    print(
        f"{name:<18} {len(data) / 1024:>5.0f} KB  {sections:>3} sections {milestones:>3} rows "
        f"{terms:>3} terms  "
        f"parse {statistics.median(parse_times) * 1000:>7.1f} ms  "
        f"import {statistics.median(import_times) * 1000:>7.1f} ms"
    )
    return first_number + runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    (ROOT / "var").mkdir(exist_ok=True)
    call_command("migrate", verbosity=0)
    from secmods.modifications.models import Modification

    Modification.objects.filter(number__gte=1000).delete()
    text, pdf, docx, line_count, ruled = forty_pages()
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    ruled_pages = len(PdfReader(io.BytesIO(ruled)).pages)
    print(f"database: {django.db.connection.vendor}; runs: {args.runs} (median)")
    print(
        f"generated report: {line_count} lines, {pages} PDF pages; reportlab: {ruled_pages} pages"
    )
    number = 1000
    seed = SEED.read_bytes()
    number = measure("seed (text)", seed, "seed.txt", args.runs, number)
    number = measure(
        "seed (PDF)",
        text_pdf([ln for ln in seed.decode().splitlines() if ln.strip()]),
        "seed.pdf",
        args.runs,
        number,
    )
    number = measure("40 pages (text)", text.encode(), "forty.txt", args.runs, number)
    number = measure("40 pages (PDF)", pdf, "forty.pdf", args.runs, number)
    number = measure("40 pages (docx)", docx, "forty.docx", args.runs, number)
    number = measure(f"{ruled_pages} pages (reportlab)", ruled, "ruled.pdf", args.runs, number)
    # Memory: the peak that Python allocates while parsing and importing the largest PDF.
    tracemalloc.start()
    import_report(parse_document(ruled, "ruled.pdf"), reference=f"MP{number}", title="memory")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak allocated while importing the reportlab PDF: {peak / 1_048_576:.0f} MB; "
        f"process peak RSS over the whole run: {rss:.0f} MB"
    )
    Modification.objects.filter(number__gte=1000).delete()


if __name__ == "__main__":
    main()
