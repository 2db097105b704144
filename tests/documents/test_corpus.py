"""The corpus (tests/documents/data/corpus/): 24 reports, each as four producers make it
(LibreOffice PDF from Word, reportlab PDF, the seed's style of extracted text, the .docx),
scored field by field against the hand-written expectations. Below 98% on any kind fails.

`tests/documents/corpus/score.py` prints the same table and every miss."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from secmods.documents.parsing import parse_document
from secmods.documents.services import import_report
from secmods.modifications.models import Modification
from tests.documents.corpus.score import CORPUS, KINDS, PRODUCERS, score, shares, table

THRESHOLD = 0.98


def test_every_report_is_in_the_corpus_from_every_producer():
    folders = [p for p in CORPUS.iterdir() if p.is_dir()]
    assert len(folders) >= 24
    for folder in folders:
        for name in ["expected.json", *PRODUCERS]:
            assert (folder / name).is_file(), folder / name


def test_every_field_kind_scores_at_least_98_percent(capsys):
    totals, misses = score()
    with capsys.disabled():
        print("\n" + table(totals))
    got = shares(totals)
    low = {kind: f"{share:.1%}" for kind, share in got.items() if share < THRESHOLD}
    assert not low, (low, misses[:20])
    assert set(got) == set(KINDS)
    refused = [m for m in misses if m[2] == "refused"]
    assert not refused, refused


def test_what_a_pdf_gives_is_what_its_word_file_gives():
    folder = CORPUS / "mp204a-gateway-resilience"
    word = parse_document((folder / "word.docx").read_bytes(), "word.docx")
    for producer in ["libreoffice.pdf", "reportlab.pdf"]:
        pdf = parse_document((folder / producer).read_bytes(), producer)
        assert [(s.level, s.heading) for s in pdf.sections] == [
            (s.level, s.heading) for s in word.sections
        ]
        assert [(m.label, m.when) for m in pdf.milestones] == [
            (m.label, m.when) for m in word.milestones
        ]
        assert pdf.glossary == word.glossary
        # Page furniture is never text: not a section, not in a body, not a row.
        for section in pdf.sections:
            assert "SECCo" not in section.body and "Page " not in section.body
            assert "Classification" not in section.body


def test_the_issue_cases_import_into_the_models(db):
    folder = CORPUS / "mp204a-gateway-resilience"
    report = parse_document((folder / "libreoffice.pdf").read_bytes(), "mp204a.pdf")
    summary = import_report(report)
    modification = Modification.objects.get(number=204, suffix="A")
    assert summary.reference == "MP204A"
    assert modification.title == "DCC Gateway Connection resilience – alternative solution"
    assert modification.proposer.name == "Kate Linden"
    assert modification.proposer.organisation.name == "Scottish and Southern Electricity Networks"
    assert modification.proposer.organisation.short_name == "SSEN"
    assert [s.code for s in modification.sec_sections.all()] == ["H"]
    assert modification.sec_provisions == "H15.1–H15.9; Appendix AA"
    assert sorted(c.slug for c in modification.impacted_party_categories.all()) == [
        "dcc",
        "electricity-network",
        "large-supplier",
    ]
    assert summary.warnings == []


@pytest.mark.conformance
@pytest.mark.timeout(900)
def test_the_corpus_regenerates_with_libreoffice_and_still_scores(tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (apt-get install -y libreoffice-writer-nogui)")
    script = Path(__file__).parent / "corpus" / "make_corpus.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True, timeout=600)
    totals, misses = score(tmp_path)
    low = {k: v for k, v in shares(totals).items() if v < THRESHOLD}
    assert not low, (low, misses[:20])
