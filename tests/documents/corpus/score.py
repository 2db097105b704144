"""Score the parser against the corpus, field by field: `python tests/documents/corpus/score.py`.

Every field kind is counted as right / (expected + extra found): a field found wrongly costs
its expected value and counts as an extra, so neither missing nor invented values score.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CORPUS = ROOT / "tests" / "documents" / "data" / "corpus"
PRODUCERS = ["libreoffice.pdf", "reportlab.pdf", "extracted.txt", "word.docx"]
KINDS = ["metadata", "sec", "sections", "timetable", "glossary", "impacted"]


def _norm(text: str) -> str:
    return " ".join(str(text).split())


def _compare(expected: list, found: list) -> tuple[int, int, list]:
    want, got = Counter(expected), Counter(found)
    right = sum((want & got).values())
    extra = sum((got - want).values())
    misses = [("missing", k) for k in (want - got).elements()] + [
        ("extra", k) for k in (got - want).elements()
    ]
    return right, sum(want.values()) + extra, misses


def fields(report, expected: dict) -> dict[str, tuple[list, list]]:
    """For each kind: the expected values and the found ones, as comparable tuples."""
    from secmods.rules.dates import ApproxDate

    meta = expected["metadata"]
    raised = ApproxDate.parse(meta["raised"]).start
    found_meta = [
        ("reference", report.reference),
        ("title", _norm(report.title)),
        ("proposer", report.proposer_name),
        ("organisation", report.proposer_organisation),
        ("raised", str(report.raised_on)),
    ]
    want_meta = [
        ("reference", meta["reference"]),
        ("title", _norm(meta["title"])),
        ("proposer", meta["proposer"]),
        ("organisation", meta["organisation"]),
        ("raised", str(raised)),
    ]
    sec = expected["sec"]
    want_sec = [("section", c) for c in sec["sections"]] + [
        ("document", d) for d in sec["documents"]
    ]
    found_sec = [("section", c) for c, _ in report.sec_sections] + [
        ("document", d) for d in report.sec_documents
    ]
    if sec["provisions"] or report.sec_provisions:
        want_sec.append(("provisions", sec["provisions"]))
        found_sec.append(("provisions", report.sec_provisions))
    timetable_want = []
    for label, when, precision in expected["timetable"]:
        parsed = ApproxDate.parse(when)
        timetable_want.append((_norm(label), str(parsed.start), precision))
    timetable_found = [
        (_norm(m.label), str(m.when.start), m.when.precision) for m in report.milestones
    ]
    return {
        "metadata": (want_meta, found_meta),
        "sec": (want_sec, found_sec),
        "sections": (
            [(level, _norm(h)) for level, h in expected["sections"]],
            [(s.level, _norm(s.heading)) for s in report.sections],
        ),
        "timetable": (timetable_want, timetable_found),
        "glossary": (
            [(a, _norm(t)) for a, t in expected["glossary"]],
            [(t.acronym, _norm(t.full_term)) for t in report.glossary],
        ),
        "impacted": (sorted(expected["impacted"]), sorted(report.impacted_categories)),
    }


def score(corpus: Path = CORPUS, producers: list[str] = PRODUCERS):
    """Per kind and producer: (right, total); and the misses, for reading."""
    from secmods.documents.parsing import DocumentError, parse_document

    totals: dict[tuple[str, str], list[int]] = {}
    misses: list[tuple[str, str, str, object]] = []
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        for producer in producers:
            data = (folder / producer).read_bytes()
            try:
                report = parse_document(data, producer)
            except DocumentError as exc:
                report = None
                misses.append((folder.name, producer, "refused", str(exc)))
            for kind in KINDS:
                cell = totals.setdefault((kind, producer), [0, 0])
                if report is None:
                    want = fields(_Empty(), expected)[kind][0]
                    cell[1] += len(want)
                    continue
                want, found = fields(report, expected)[kind]
                right, total, wrong = _compare(want, found)
                cell[0] += right
                cell[1] += total
                misses += [(folder.name, producer, kind, w) for w in wrong]
    return totals, misses


class _Empty:
    reference = title = proposer_name = proposer_organisation = sec_provisions = ""
    raised_on = None
    sec_sections: list = []
    sec_documents: list = []
    milestones: list = []
    sections: list = []
    glossary: list = []
    impacted_categories: list = []


def table(totals: dict, producers: list[str] = PRODUCERS) -> str:
    head = "| field kind | " + " | ".join(producers) + " | all |"
    lines = [head, "|" + "---|" * (len(producers) + 2)]
    for kind in KINDS:
        cells = []
        right_all = total_all = 0
        for producer in producers:
            right, total = totals[(kind, producer)]
            right_all, total_all = right_all + right, total_all + total
            cells.append(f"{right}/{total}")
        share = 100 * right_all / total_all if total_all else 100
        lines.append(
            f"| {kind} | " + " | ".join(cells) + f" | {right_all}/{total_all} ({share:.1f}%) |"
        )
    return "\n".join(lines)


def shares(totals: dict) -> dict[str, float]:
    out = {}
    for kind in KINDS:
        right = sum(v[0] for (k, _), v in totals.items() if k == kind)
        total = sum(v[1] for (k, _), v in totals.items() if k == kind)
        out[kind] = right / total if total else 1.0
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    totals, misses = score(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)
    for miss in misses:
        print(*miss, sep="  ")
    print(table(totals))
