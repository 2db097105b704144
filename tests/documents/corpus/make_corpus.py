"""Build the import corpus in tests/documents/data/corpus/ from the hand-written reports.

    .venv/bin/python tests/documents/corpus/make_corpus.py [--only NAME] [--no-libreoffice]

For each report of `reports.py`: `expected.json` (what an import must find), and the report
as four producers make it:

- `word.docx`: python-docx, as an analyst writes it (headings by style in half the reports,
  typed as bold paragraphs in the other half), with a running header, a footer with
  "Page X of Y" fields, a tick-box table of Party Categories, ruled tables;
- `libreoffice.pdf`: that .docx rendered by LibreOffice headless (`soffice --convert-to pdf`);
- `reportlab.pdf`: laid out by reportlab's platypus (a report generator), header and footer
  drawn on every page, tables split across pages with or without a repeated header row;
- `extracted.txt`: the seed's style of text taken out of a PDF (an empty line after every
  line in half the reports, tables flattened one row a line, wrapped cells, the page header
  and footer in the middle of the text at each page break).

The outputs are committed, so the tests need neither LibreOffice nor reportlab; the
conformance test regenerates them and checks they still score.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from tests.documents.corpus.reports import CATEGORY_WORDS, REPORTS  # noqa: E402

OUT = ROOT / "tests" / "documents" / "data" / "corpus"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

SENTENCES = [
    "The Working Group considered whether the change should apply to all Users or only to those that opted in.",
    "SECAS will seek initial feedback from the SEC Sub-Committees before returning to the CSC.",
    "Respondents agreed that the issue is real, although two noted that the costs are not yet known.",
    "The DCC has stated that the change can be delivered within its existing service arrangements.",
    "If nothing is changed, Service Users will continue to spend resources on a process of little value.",
    "The legal text has been drafted by SECAS and reviewed by the Working Group at its last meeting.",
    "A consumer would see no difference in the service they receive from their energy supplier.",
    "Members asked for the implementation approach to allow enough time for testing by Parties.",
    "The proposal does not change how the data is protected or who may see it.",
    "This will be investigated further during the Refinement Process, with the DCC's help.",
    "The solution keeps the current reporting for exceptional volumes while removing the routine one.",
    "Several Parties noted that their systems already hold the information that the change needs.",
]


def _rng(entry: dict, salt: str) -> random.Random:
    seed = hashlib.sha256(f"{entry['name']}:{salt}".encode()).hexdigest()
    return random.Random(int(seed[:12], 16))


def _variant(entry: dict) -> int:
    return REPORTS.index(entry) % 2


# --- What each report says -----------------------------------------------------------------
def _document_name(name: str) -> str:
    return name.removeprefix("SEC ").strip()


def expected(entry: dict) -> dict:
    sections = [[level, heading] for level, heading in entry["sections"]]
    if entry["impacted_form"] == "list":
        at = next(i for i, (_, h) in enumerate(sections) if h == "Summary") + 1
        sections.insert(at, [2, "Who is impacted?"])
    raised = entry["timetable"][0][1]
    return {
        "name": entry["name"],
        "metadata": {
            "reference": entry["reference"],
            "title": entry["title"],
            "proposer": entry["proposer"],
            "organisation": entry["organisation"],
            "raised": raised,
        },
        "sec": {
            "sections": [code for code, _ in entry["sec_sections"]],
            "provisions": entry["provisions"].replace("-", "–"),
            "documents": [_document_name(name) for name, _ in entry["documents"]],
        },
        "sections": sections,
        "timetable": [[label, when, precision] for label, when, precision in entry["timetable"]],
        "glossary": [[acronym, term] for acronym, term in entry["glossary"]],
        "impacted": sorted(entry["impacted"]),
    }


def _filler(entry: dict, heading: str, count: int) -> list[str]:
    rng = _rng(entry, heading)
    return [" ".join(rng.sample(SENTENCES, rng.randint(2, 4))) for _ in range(count)]


def _raised_by(entry: dict) -> str:
    org = entry["organisation"]
    article = "the " if org.split()[0] in {"Data", "Smart"} else ""
    short = f" ({entry['short']})" if entry.get("short") else ""
    behalf = f" on behalf of {entry['on_behalf']}" if entry.get("on_behalf") else ""
    return (
        f"This proposal has been raised by {entry['proposer']} from {article}{org}{short}{behalf}."
    )


def _sec_sentence(entry: dict) -> str:
    parts = [f"Section {code} ‘{title}’" for code, title in entry["sec_sections"]]
    text = ""
    if parts:
        text = "The change affects Smart Energy Code (SEC) " + " and ".join(parts)
        if entry["provisions"]:
            text += f", in particular SEC Sections {entry['provisions']}"
        text += "."
    if entry["documents"]:
        docs = [f"{name} ‘{title}’" for name, title in entry["documents"]]
        text += " It also amends " + " and ".join(docs) + "."
    return text.strip()


def content(entry: dict) -> list[tuple]:
    """The report as a list of items: ("heading", level, text, number), ("para", text),
    ("bullets", [..]), ("ticks", [(word, ticked)]), ("table", kind, header, rows)."""
    items: list[tuple] = []
    number = 0
    for level, heading in entry["sections"]:
        label = heading
        if (
            level == 1
            and heading not in {"About this document"}
            and not heading.startswith("Appendix")
        ):
            number += 1
            label = f"{number}. {heading}"
        items.append(("heading", level, label))
        if heading == "About this document":
            items.append(
                (
                    "para",
                    f"This document is a {entry['kind'].lower()}. It sets out the background, issue, and progression timetable for this modification, along with any relevant discussions, views and conclusions.",
                )
            )
        elif heading == "Summary":
            items.append(("para", _raised_by(entry)))
            if sec := _sec_sentence(entry):
                items.append(("para", sec))
            items += [("para", p) for p in _filler(entry, heading, entry["filler"])]
            if entry["impacted_form"] == "list":
                items.append(("heading", 2, "Who is impacted?"))
                items.append(("para", "The following Parties are impacted by this modification:"))
                items.append(
                    (
                        "bullets",
                        [CATEGORY_WORDS[s] for s in CATEGORY_WORDS if s in entry["impacted"]],
                    )
                )
            else:
                items.append(("para", "Parties impacted:"))
                items.append(
                    (
                        "ticks",
                        [
                            (word, slug in entry["impacted"])
                            for slug, word in CATEGORY_WORDS.items()
                        ],
                    )
                )
        elif "timetable" in heading.lower():
            items.append(
                (
                    "para",
                    f"This {entry['kind']} was raised on {entry['timetable'][0][1]}. The timetable below was approved by the Change Sub-Committee.",
                )
            )
            items += [("para", p) for p in _filler(entry, heading, max(1, entry["filler"] - 1))]
            items.append(
                (
                    "table",
                    "timetable",
                    ("Event/Action", "Date"),
                    [(label, when) for label, when, _ in entry["timetable"]],
                )
            )
        else:
            items += [("para", p) for p in _filler(entry, heading, entry["filler"])]
    appendix = sum(1 for _, h in entry["sections"] if h.startswith("Appendix")) + 1
    items.append(("heading", 1, f"Appendix {appendix}: Glossary"))
    items.append(
        (
            "para",
            "This table lists all the acronyms used in this document and the full term they are an abbreviation for.",
        )
    )
    items.append(("table", "glossary", ("Acronym", "Full term"), list(entry["glossary"])))
    return items


def _cover(entry: dict) -> list[str]:
    return [
        f"{entry['reference']} ‘{entry['title']}’",
        entry["kind"],
        f"Version {entry['version']}",
        entry["issued"],
    ]


def _classification(entry: dict) -> str:
    return (
        "Classification: Public"
        if _variant(entry) == 0
        else "This document has a Classification of White"
    )


# --- Word -----------------------------------------------------------------------------------
def _field(run, instruction: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    value = OxmlElement("w:t")
    value.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, text, separate, value, end):
        run._r.append(element)


def word(entry: dict) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    styled = _variant(entry) == 0
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.2)
    header = section.header.paragraphs[0]
    header.text = f"{entry['header']}\t\t{_classification(entry)}"
    footer = section.footer.paragraphs[0]
    footer.text = f"{entry['footer']}\t\tPage "
    _field(footer.add_run(), "PAGE")
    footer.add_run(" of ")
    _field(footer.add_run(), "NUMPAGES")
    cover = _cover(entry)
    document.add_paragraph(cover[0], style="Title")
    for line in cover[1:]:
        document.add_paragraph(line)
    for item in content(entry):
        if item[0] == "heading":
            if styled:
                document.add_heading(item[2], item[1])
            else:
                run = document.add_paragraph().add_run(item[2])
                run.bold = True
                run.font.size = Pt(14 if item[1] == 1 else 12)
        elif item[0] == "para":
            document.add_paragraph(item[1])
        elif item[0] == "bullets":
            for text in item[1]:
                document.add_paragraph(text, style="List Bullet")
        elif item[0] == "ticks":
            table = document.add_table(rows=3, cols=2)
            table.style = "Table Grid"
            for index, (text, ticked) in enumerate(item[1]):
                table.cell(index // 2, index % 2).text = f"{'☒' if ticked else '☐'} {text}"
        else:
            _, kind, head, rows = item
            table = document.add_table(rows=1, cols=2)
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.LEFT
            widths = (Cm(11), Cm(5)) if kind == "timetable" else (Cm(3.5), Cm(12.5))
            for cell, text in zip(table.rows[0].cells, head, strict=True):
                cell.text = text
                cell.paragraphs[0].runs[0].bold = True
            # The header row repeats on each page, as SECAS's template does.
            properties = table.rows[0]._tr.get_or_add_trPr()
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            properties.append(repeat)
            for row in rows:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = row
            for row in table.rows:
                for cell, width in zip(row.cells, widths, strict=True):
                    cell.width = width
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def libreoffice(docx_paths: list[Path]) -> None:
    """Render every .docx to PDF in one LibreOffice run (it is slow to start)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit(
            "LibreOffice is not installed: apt-get install -y libreoffice-writer-nogui"
        )
    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryDirectory() as work:
        inputs = []
        for path in docx_paths:
            inputs.append(Path(work) / f"{path.parent.name}.docx")
            shutil.copy(path, inputs[-1])
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                work,
                *map(str, inputs),
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
        for path in docx_paths:
            shutil.move(Path(work) / f"{path.parent.name}.pdf", path.with_name("libreoffice.pdf"))


# --- reportlab ------------------------------------------------------------------------------
def reportlab_pdf(entry: dict) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import (
        ListFlowable,
        ListItem,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    pdfmetrics.registerFont(TTFont("DejaVu", str(FONT)))
    pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(FONT_BOLD)))
    body = ParagraphStyle("body", fontName="DejaVu", fontSize=10, leading=13, spaceAfter=6)
    cell = ParagraphStyle("cell", parent=body, spaceAfter=0)
    head = ParagraphStyle("head", parent=cell, fontName="DejaVu-Bold")
    h1 = ParagraphStyle(
        "h1", parent=body, fontName="DejaVu-Bold", fontSize=15, leading=19, spaceBefore=10
    )
    h2 = ParagraphStyle(
        "h2", parent=body, fontName="DejaVu-Bold", fontSize=12, leading=15, spaceBefore=6
    )
    title = ParagraphStyle("title", parent=body, fontName="DejaVu-Bold", fontSize=20, leading=25)
    repeat = 1 if _variant(entry) == 1 else 0

    def furniture(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("DejaVu", 8)
        canvas.drawString(2 * cm, A4[1] - 1.2 * cm, entry["header"])
        canvas.drawRightString(A4[0] - 2 * cm, A4[1] - 1.2 * cm, _classification(entry))
        canvas.drawString(2 * cm, 1.2 * cm, entry["footer"])
        canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, f"Page {doc.page}")
        canvas.restoreState()

    story: list = []
    cover = _cover(entry)
    story.append(Paragraph(escape(cover[0]), title))
    story += [Paragraph(escape(line), body) for line in cover[1:]]
    story.append(Spacer(1, 12))
    grid = TableStyle(
        [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    )
    for item in content(entry):
        if item[0] == "heading":
            story.append(Paragraph(escape(item[2]), h1 if item[1] == 1 else h2))
        elif item[0] == "para":
            story.append(Paragraph(escape(item[1]), body))
        elif item[0] == "bullets":
            story.append(
                ListFlowable(
                    [ListItem(Paragraph(escape(t), body)) for t in item[1]],
                    bulletType="bullet",
                    bulletFontName="DejaVu",
                )
            )
        elif item[0] == "ticks":
            cells = [
                Paragraph(f"{'☒' if ticked else '☐'} {escape(text)}", cell)
                for text, ticked in item[1]
            ]
            story.append(
                Table([cells[0:2], cells[2:4], cells[4:6]], colWidths=[8 * cm, 8 * cm], style=grid)
            )
            story.append(Spacer(1, 8))
        else:
            _, kind, header, rows = item
            widths = [10 * cm, 5 * cm] if kind == "timetable" else [3.2 * cm, 7 * cm]
            data = [[Paragraph(escape(h), head) for h in header]]
            data += [[Paragraph(escape(a), cell), Paragraph(escape(b), cell)] for a, b in rows]
            story.append(Table(data, colWidths=widths, repeatRows=repeat, style=grid))
            story.append(Spacer(1, 8))
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=cover[0],
        author="SECAS",
    ).build(story, onFirstPage=furniture, onLaterPages=furniture)
    return out.getvalue()


# --- The seed's style of extracted text --------------------------------------------------------
def extracted_text(entry: dict) -> str:
    """Lines as pypdf gives them from a SECAS PDF: wrapped paragraphs, flattened table rows,
    the page header and footer wherever a page ends (even inside a table or a paragraph)."""
    rng = _rng(entry, "text")
    spaced = _variant(entry) == 0
    lines: list[str] = [entry["header"], _classification(entry), *_cover(entry)]
    for item in content(entry):
        if item[0] == "heading":
            lines.append(f" {item[2]} ")
        elif item[0] == "para":
            lines += textwrap.wrap(item[1], 100)
        elif item[0] == "bullets":
            lines += [f"• {text}" for text in item[1]]
        elif item[0] == "ticks":
            ticks = [f"{'☒' if ticked else '☐'} {text}" for text, ticked in item[1]]
            lines += [" ".join(ticks[0:2]), " ".join(ticks[2:4]), " ".join(ticks[4:6])]
        else:
            _, kind, header, rows = item
            lines.append("Timetable" if kind == "timetable" else "Glossary")
            lines.append(" ".join(header))
            for a, b in rows:
                width = 45 if kind == "timetable" else 60
                wrapped = textwrap.wrap(a, width) if kind == "timetable" else [a]
                if kind == "timetable" and len(wrapped) > 1:
                    # A wrapped label: Word aligns cells at the top, so the date comes out
                    # with the label's first line and the rest of the label follows.
                    lines.append(f"{wrapped[0]} {b}")
                    lines += wrapped[1:]
                elif kind == "glossary" and len(f"{a} {b}") > width:
                    parts = textwrap.wrap(f"{a} {b}", width)
                    lines += parts
                else:
                    lines.append(f"{a} {b}")
    # Page breaks every 38-46 lines, with the running header and footer at each.
    out: list[str] = []
    page = 1
    count = 0
    limit = rng.randint(38, 46)
    total_pages = len(lines) // 38 + 1
    for line in lines:
        out.append(line)
        count += 1
        if count >= limit:
            page += 1
            out += [
                entry["footer"],
                f"{entry['reference']} {entry['kind']} Page {page - 1} of {total_pages}",
                entry["header"],
                _classification(entry),
            ]
            count = 0
            limit = rng.randint(38, 46)
    out += [entry["footer"], f"{entry['reference']} {entry['kind']} Page {page} of {total_pages}"]
    return "\n".join(f"{line} \n" if spaced else line for line in out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="")
    parser.add_argument("--no-libreoffice", action="store_true")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    out = Path(args.out)
    docx_paths = []
    for entry in REPORTS:
        if args.only and entry["name"] != args.only:
            continue
        folder = out / entry["name"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "expected.json").write_text(
            json.dumps(expected(entry), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (folder / "word.docx").write_bytes(word(entry))
        (folder / "reportlab.pdf").write_bytes(reportlab_pdf(entry))
        (folder / "extracted.txt").write_text(extracted_text(entry), encoding="utf-8")
        docx_paths.append(folder / "word.docx")
    if not args.no_libreoffice:
        libreoffice(docx_paths)
    print(f"{len(docx_paths)} reports in {out}")


if __name__ == "__main__":
    main()
