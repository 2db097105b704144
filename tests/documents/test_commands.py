"""The commands as a user runs them: exit status, one readable line, files written; and the
round trip (export to Word, import it back, same modification)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import ManagementUtility, call_command
from docx import Document

from secmods.documents.exporting import report_docx
from secmods.documents.parsing import parse_document
from secmods.documents.selectors import report_data
from secmods.documents.services import import_report
from secmods.glossary.models import GlossaryTerm
from secmods.modifications.models import Modification
from tests.documents.helpers import SEED, seed_lines, word_report
from tests.documents.pdfmaker import text_pdf
from tests.factories import (
    LONDON,
    AgendaItemFactory,
    GlossaryTermFactory,
    MeetingFactory,
    ModificationFactory,
)

TITLE = "Certificate Signing Request forecasting"


@pytest.fixture
def run(monkeypatch):
    """manage.py as the shell runs it: SystemExit carries the exit status.

    run_from_argv closes every database connection when a command ends; inside a test that
    would close the test's own transaction on PostgreSQL, so closing is skipped here.
    """
    from django import db

    monkeypatch.setattr(db.connections, "close_all", lambda: None)

    def run(*argv: str) -> int:
        try:
            ManagementUtility(["manage.py", *argv]).execute()
        except SystemExit as exit_:
            return int(exit_.code or 0)
        return 0

    return run


def test_bad_input_exits_1_with_one_line_and_writes_nothing(run, db, tmp_path, capsys):
    bad = tmp_path / "report.txt"
    bad.write_bytes(bytes(range(256)) * 10)
    assert run("import_report", str(bad), "--reference", "MP1", "--title", "x") == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        "CommandError: report.txt is not a text file (it holds binary data)"
    )
    assert captured.out == ""
    assert not Modification.objects.exists()


def test_a_missing_file_and_a_huge_file_are_one_line_each(run, db, tmp_path, capsys, settings):
    assert run("import_report", str(tmp_path / "nope.txt")) == 1
    assert "nope.txt: no such file" in capsys.readouterr().err
    settings.DOCUMENT_MAX_BYTES = 1000
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"a" * 5000)
    assert run("import_report", str(huge)) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["CommandError: huge.txt is 0.0 MB: the limit is 0 MB (DOCUMENT_MAX_BYTES)"]


def test_import_report_prints_a_short_table(run, db, capsys):
    assert run("import_report", str(SEED), "--reference", "DP160", "--title", TITLE) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "DP160 Certificate Signing Request forecasting (created, from text)"
    )
    assert "    Presented to SEC Sub-Committees for initial comment     May 2021" in out
    assert "Glossary    8 added (CSC, CSR, DCC, DCCKI, IKI, SEC, SECAS, SMKI)" in out


def test_a_pdf_and_a_word_report_import_through_the_command(db, tmp_path):
    pdf = tmp_path / "dp160.pdf"
    pdf.write_bytes(text_pdf(seed_lines()))
    call_command(
        "import_report", str(pdf), "--reference", "DP160", "--title", TITLE, stdout=io.StringIO()
    )
    assert Modification.objects.get().sections.count() == 8
    docx = tmp_path / "mp161.docx"
    docx.write_bytes(word_report())
    call_command("import_report", str(docx), stdout=io.StringIO())
    mp161 = Modification.objects.get(number=161)
    assert (mp161.reference, mp161.title, mp161.stage) == (
        "MP161",
        "Faster switching of meter data",
        "refinement",
    )
    assert mp161.milestones.count() == 6


def snapshot(modification: Modification) -> dict:
    # Milestones in timetable order (date, then tie-break); the tie-break numbers themselves
    # may be renumbered by an import, so they are not compared.
    return {
        "reference": modification.reference,
        "title": modification.title,
        "raised_on": modification.raised_on,
        "proposer": (modification.proposer.name, modification.proposer.organisation.name),
        "sections": list(modification.sections.values_list("order", "level", "heading", "body")),
        "milestones": list(
            modification.milestones.values_list(
                "kind", "label", "status", "precision", "date_from", "date_to", "date_text"
            )
        ),
        "glossary": sorted(GlossaryTerm.objects.values_list("acronym", "full_term")),
    }


def test_round_trip_export_to_word_then_import_gives_the_same_modification(db, tmp_path):
    call_command(
        "import_report", str(SEED), "--reference", "DP160", "--title", TITLE, stdout=io.StringIO()
    )
    original = snapshot(Modification.objects.get())
    path = tmp_path / "dp160.docx"
    call_command(
        "export_report", "dp 160", "--format", "docx", "-o", str(path), stdout=io.StringIO()
    )
    Modification.objects.all().delete()
    # No --reference, no --title: the exported file says both.
    call_command("import_report", str(path), stdout=io.StringIO())
    assert snapshot(Modification.objects.get()) == original


def test_round_trip_keeps_every_date_form_and_a_title_with_quotes(db):
    import_report(parse_document(word_report(), "mp.docx"), reference="DP170")
    modification = Modification.objects.get(number=170)
    modification.title = "The DCC's ‘quoted’ title"
    modification.save()
    before = snapshot(modification)
    again = parse_document(report_docx(report_data(modification)), "export.docx")
    assert (again.reference, again.title) == ("DP170", "The DCC's ‘quoted’ title")
    assert [(m.label, m.date_text, m.when) for m in again.milestones] == [
        (m.label, m.date_text, m.when) for m in modification.milestones.all()
    ]
    import_report(again)
    modification.refresh_from_db()
    assert snapshot(modification) == before


def test_the_word_export_has_real_tables_only_the_terms_used_and_page_numbers(db, tmp_path):
    call_command(
        "import_report", str(SEED), "--reference", "DP160", "--title", TITLE, stdout=io.StringIO()
    )
    GlossaryTermFactory(
        acronym="TABASC", full_term="Technical Architecture and Business Architecture Sub-Committee"
    )
    path = tmp_path / "dp160.docx"
    call_command(
        "export_report", "DP160", "--format", "docx", "-o", str(path), stdout=io.StringIO()
    )
    document = Document(str(path))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "DP160 ‘Certificate Signing Request forecasting’"
    assert "Version 1.0" in texts
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        "About this document",
        "1. Summary",
        "2. Issue",
        "What are the current arrangements?",
        "What is the issue?",
        "What is the impact this is having?",
        "Impact on consumers",
        "Appendix 1: Progression timetable",
        "Appendix 2: Glossary",
    ]
    timetable, glossary = document.tables
    assert [c.text for c in timetable.rows[3].cells] == [
        "Presented to SEC Sub-Committees for initial comment",
        "May 2021",
    ]
    acronyms = [row.cells[0].text for row in glossary.rows[1:]]
    assert acronyms == ["CSC", "CSR", "DCC", "DCCKI", "IKI", "SEC", "SECAS", "SMKI"]
    assert 'w:tblHeader w:val="true"' in timetable.rows[0]._tr.xml
    assert (
        '<w:instrText xml:space="preserve"> PAGE </w:instrText>'
        in document.sections[0].footer.paragraphs[0]._p.xml
    )


def test_the_html_export_is_one_self_contained_page(db, tmp_path):
    call_command(
        "import_report", str(SEED), "--reference", "DP160", "--title", TITLE, stdout=io.StringIO()
    )
    path = tmp_path / "dp160.html"
    call_command(
        "export_report", "DP160", "--format", "html", "-o", str(path), stdout=io.StringIO()
    )
    html = path.read_text()
    assert "<h2>2. Issue</h2>" in html and "<h3>What is the issue?</h3>" in html
    assert "<td>Presented to CSC for initial comment</td><td>27 Apr 2021</td>" in html
    assert "<td>SECAS</td>" in html
    assert "<link" not in html and "<script" not in html and "src=" not in html


def test_export_of_an_unknown_reference_is_one_line(run, db, capsys, tmp_path):
    assert run("export_report", "MP999", "-o", str(tmp_path / "x.docx")) == 1
    assert capsys.readouterr().err.strip() == "CommandError: no modification MP999"


def test_a_meeting_pack_has_the_agenda_and_each_report(db, seed, tmp_path):
    other = ModificationFactory(number=170, title="Another change")
    meeting = MeetingFactory(
        starts_at=dt.datetime(2021, 6, 1, 10, tzinfo=LONDON),
        title="CSC meeting 1 June 2021 (extra)",
    )
    AgendaItemFactory(meeting=meeting, modification=seed, order=1)
    AgendaItemFactory(meeting=meeting, modification=other, order=2, purpose="update")
    path = tmp_path / "pack.docx"
    call_command("export_meeting_pack", str(meeting.pk), "-o", str(path), stdout=io.StringIO())
    document = Document(str(path))
    agenda = document.tables[0]
    assert [c.text for c in agenda.rows[1].cells] == ["1", "DP160", TITLE, "Initial comment"]
    assert [c.text for c in agenda.rows[2].cells][:2] == ["2", "DP170"]
    level1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert level1 == ["Agenda", f"DP160 ‘{TITLE}’", "DP170 ‘Another change’"]
    assert "2. Issue" in [p.text for p in document.paragraphs if p.style.name == "Heading 2"]


def test_a_meeting_pack_for_an_unknown_meeting_is_one_line(run, db, capsys, tmp_path):
    assert run("export_meeting_pack", "999", "-o", str(tmp_path / "x.docx")) == 1
    assert capsys.readouterr().err.strip() == "CommandError: no meeting with id 999"


@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_report_data_takes_a_fixed_number_of_queries(db, seed, django_assert_max_num_queries, fmt):
    from secmods.documents.exporting import report_html

    for n in range(30):
        seed.sections.create(order=100 + n, level=2, heading=f"Extra {n}", body="SMKI text")
    with django_assert_max_num_queries(6):
        data = report_data(seed)
        report_docx(data) if fmt == "docx" else report_html(data)


def test_the_dry_run_shows_every_warning_before_anything_is_written(run, db, tmp_path, capsys):
    path = tmp_path / "dp160.txt"
    path.write_text(SEED.read_text().replace("  May 2021", " Mayish"), encoding="utf-8")
    assert (
        run("import_report", str(path), "--reference", "DP160", "--title", TITLE, "--dry-run") == 0
    )
    out = capsys.readouterr().out
    assert "Warnings    1 (read them before relying on it)" in out
    assert (
        "Warning: line 135: the timetable line 'Presented to SEC Sub-Committees for initial "
        "comment Mayish' has no date: left out"
    ) in out
    assert "Dry run: nothing was written." in out
    assert not Modification.objects.exists()


def test_the_command_says_which_option_gives_a_missing_reference(run, db, capsys, tmp_path):
    path = tmp_path / "no-reference.txt"
    path.write_text(SEED.read_text(encoding="utf-8").replace("DP160", ""), encoding="utf-8")
    assert run("import_report", str(path)) == 1
    assert capsys.readouterr().err.strip() == (
        "CommandError: no-reference.txt: the document gives no reference (MP160, DP160...): "
        "pass --reference"
    )
