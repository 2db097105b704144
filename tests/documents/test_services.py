"""Importing reports into the database: the seed against the fixture, new versions,
dry runs, the one glossary, and nothing written when anything is wrong."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from secmods.documents.models import ReportVersion
from secmods.documents.parsing import DocumentError, parse_text
from secmods.documents.services import import_report
from secmods.glossary.models import GlossaryTerm
from secmods.modifications.models import Milestone, Modification, ReportSection
from secmods.parties.models import Organisation, Person
from tests.documents.helpers import SEED, seed_text
from tests.factories import LONDON, CommitteeFactory, GlossaryTermFactory, MeetingFactory

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "seed.json"
TITLE = "Certificate Signing Request forecasting"


def fixture(model: str) -> list[dict]:
    return [o["fields"] for o in json.loads(FIXTURE.read_text()) if o["model"] == model]


def import_seed(*extra: str) -> str:
    out = io.StringIO()
    call_command(
        "import_report", str(SEED), "--reference", "DP160", "--title", TITLE, *extra, stdout=out
    )
    return out.getvalue()


def as_text(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


MILESTONE_FIELDS = [
    "kind",
    "label",
    "status",
    "precision",
    "date_from",
    "date_to",
    "date_text",
    "baseline_precision",
    "baseline_from",
    "baseline_to",
    "order",
    "version",
]


def test_importing_the_seed_into_an_empty_database_gives_the_fixtures_report(db):
    import_seed()
    modification = Modification.objects.get()
    expected = fixture("modifications.modification")[0]
    for name in ["number", "suffix", "title", "stage", "sec_provisions"]:
        assert getattr(modification, name) == expected[name], name
    assert modification.raised_on.isoformat() == expected["raised_on"]
    assert modification.reference == "DP160"
    assert (
        modification.proposer.name,
        modification.proposer.organisation.name,
        modification.proposer.organisation.short_name,
    ) == ("Graeme Liggett", "Data Communications Company", "DCC")
    assert [(s.code, s.title) for s in modification.sec_sections.all()] == [
        (s["code"], s["title"]) for s in fixture("modifications.secsection")
    ]

    sections = [
        {"order": s.order, "level": s.level, "heading": s.heading, "body": s.body}
        for s in modification.sections.order_by("order")
    ]
    assert sections == [
        {k: row[k] for k in ("order", "level", "heading", "body")}
        for row in fixture("modifications.reportsection")
    ]
    # Field by field, except the meeting: an empty database has no meetings to link to
    # (test_milestones_are_tied_to_the_meetings_they_name covers that).
    milestones = [
        {name: as_text(getattr(m, name)) for name in MILESTONE_FIELDS}
        for m in modification.milestones.all()
    ]
    assert milestones == [
        {name: row[name] for name in MILESTONE_FIELDS} for row in fixture("modifications.milestone")
    ]
    terms = [
        {"acronym": t.acronym, "full_term": t.full_term, "description": t.description}
        for t in GlossaryTerm.objects.order_by("acronym")
    ]
    assert terms == fixture("glossary.glossaryterm")


def test_milestones_are_tied_to_the_meetings_they_name(db):
    csc = CommitteeFactory()
    first = MeetingFactory(committee=csc, starts_at=dt.datetime(2021, 4, 27, 10, tzinfo=LONDON))
    final = MeetingFactory(committee=csc, starts_at=dt.datetime(2021, 6, 1, 10, tzinfo=LONDON))
    import_seed()
    by_label = {m.label: m.meeting for m in Milestone.objects.all()}
    assert by_label["Presented to CSC for initial comment"] == first
    assert by_label["Presented to CSC for final comment and recommendations"] == final
    assert by_label["Presented to SEC Sub-Committees for initial comment"] is None


def test_importing_the_seed_over_the_loaded_fixture_changes_nothing(seed):
    before = list(seed.milestones.values_list("label", "date_from", "meeting_id", "baseline_from"))
    sections_before = list(seed.sections.values_list("order", "level", "heading", "body"))
    import_seed()
    seed.refresh_from_db()
    assert Modification.objects.count() == 1
    assert (
        list(seed.milestones.values_list("label", "date_from", "meeting_id", "baseline_from"))
        == before
    )
    assert list(seed.sections.values_list("order", "level", "heading", "body")) == sections_before
    assert GlossaryTerm.objects.count() == 8
    assert Person.objects.count() == 1 and Organisation.objects.count() == 1
    assert not ReportVersion.objects.exists()  # the same text is not a new version


def newer_seed() -> str:
    text = seed_text()
    text = text.replace(
        "This will be investigated during the Refinement Process.",
        "Consumers will not be affected: the forecasts never reached them.",
    )
    text = text.replace(
        "Presented to CSC for final comment and recommendations  1 Jun 2021",
        "Presented to CSC for final comment and recommendations  6 Jul 2021 \n\n"
        "Change Board vote Unknown",
    )
    return text.replace(
        "IKI Infrastructure Key Infrastructure",
        "IKI Infrastructure Key Infrastructure \n\nOPSG Operations Group",
    )


def test_a_newer_version_updates_the_report_keeps_the_old_text_and_replans(db, tmp_path):
    import_seed()
    newer = tmp_path / "dp160-v2.txt"
    newer.write_text(newer_seed(), encoding="utf-8")
    call_command("import_report", str(newer), "--reference", "DP160", stdout=io.StringIO())
    modification = Modification.objects.get()
    assert modification.title == TITLE  # not in the document: kept as it was
    consumers = modification.sections.get(heading="Impact on consumers")
    assert consumers.body == "Consumers will not be affected: the forecasts never reached them."

    version = ReportVersion.objects.get()
    assert version.number == 1 and version.replaced_by_source == "dp160-v2.txt"
    assert "This will be investigated during the Refinement Process." in version.text
    assert {
        "label": "Presented to CSC for final comment and recommendations",
        "date": "1 Jun 2021",
    } in version.timetable

    final = modification.milestones.get(label__startswith="Presented to CSC for final")
    assert (final.date_from, final.baseline_from, final.date_text) == (
        dt.date(2021, 7, 6),
        dt.date(2021, 6, 1),
        "6 Jul 2021",
    )
    assert final.is_replanned and final.version == 2
    vote = modification.milestones.get(label="Change Board vote")
    assert (vote.precision, vote.date_text, vote.kind) == ("tbc", "Unknown", "change_board")
    assert GlossaryTerm.objects.filter(acronym="OPSG").exists()
    assert GlossaryTerm.objects.count() == 9


def test_a_dry_run_writes_nothing_but_says_what_it_would_do(db):
    out = import_seed("--dry-run")
    assert "DP160 Certificate Signing Request forecasting (would create, from text)" in out
    assert "Dry run: nothing was written." in out
    for model in (Modification, ReportSection, Milestone, GlossaryTerm, Person, Organisation):
        assert not model.objects.exists(), model


def test_the_glossary_is_merged_without_duplicates_in_any_case(db):
    GlossaryTermFactory(acronym="Dcc", full_term="Data Communications Company")
    GlossaryTermFactory(acronym="SEC", full_term="Smart Energy Code (the code)")
    summary = import_report(parse_text(seed_text()), reference="DP160", title=TITLE)
    assert GlossaryTerm.objects.filter(acronym__iexact="dcc").count() == 1
    assert GlossaryTerm.objects.count() == 8
    assert "DCC" not in summary.terms_added and "Dcc" in summary.terms_known
    assert any("SEC is 'Smart Energy Code (the code)'" in w for w in summary.warnings)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--reference", "DP160"], "the document gives no title: pass --title"),
        ([], "the document gives no reference"),
        (["--reference", "XY-1", "--title", TITLE], "'XY-1' is not a modification reference"),
    ],
)
def test_refusals_after_work_has_started_write_nothing(db, arguments, message):
    # The proposer is found (and would be created) before the title is found missing: the
    # one transaction takes it back.
    with pytest.raises(CommandError, match=message):
        call_command("import_report", str(SEED), *arguments)
    for model in (Modification, ReportSection, Milestone, GlossaryTerm, Person, Organisation):
        assert not model.objects.exists(), model


def test_an_mp_reference_creates_a_modification_past_the_draft_stage(db):
    summary = import_report(parse_text(seed_text()), reference="MP160", title=TITLE)
    assert summary.reference == "MP160"
    assert Modification.objects.get().stage == "refinement"


def test_service_errors_are_document_errors(db):
    with pytest.raises(DocumentError, match="no title"):
        import_report(parse_text(seed_text()), reference="DP161")
    assert not Person.objects.exists()
