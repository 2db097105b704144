"""The seed fixture holds DP160 exactly as the seed report describes it."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from secmods.committees.models import AgendaItem, Meeting
from secmods.glossary.models import GlossaryTerm
from secmods.glossary.selectors import terms_used_by
from secmods.modifications.models import Modification

REPORT = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "draft-modification-report-csr-forecasting.txt"
)


def normalised(text: str) -> str:
    # PDF extraction breaks lines (also after a hyphen: "Sub-\n\nCommittee") and pads them.
    text = re.sub(r"-\s*\n\s*", "-", text)
    return " ".join(text.split())


def test_the_seed_is_dp160_as_the_report_describes_it(seed):
    modification = seed
    assert modification.reference == "DP160"
    assert modification.title == "Certificate Signing Request forecasting"
    assert modification.stage == "draft_proposal"
    assert modification.is_published
    assert modification.proposer.name == "Graeme Liggett"
    assert modification.proposer.organisation.short_name == "DCC"
    assert modification.proposer.organisation.name == "Data Communications Company"
    assert modification.raised_on == dt.date(2021, 4, 19)
    assert [s.code for s in modification.sec_sections.all()] == ["L"]
    assert modification.sec_provisions == "L8.7–L8.12"


def test_the_sections_are_the_reports_text(seed):
    report = normalised(REPORT.read_text(encoding="utf-8"))
    sections = list(seed.sections.all())
    assert [(s.level, s.heading) for s in sections] == [
        (1, "About this document"),
        (1, "Summary"),
        (1, "Issue"),
        (2, "What are the current arrangements?"),
        (2, "What is the issue?"),
        (2, "What is the impact this is having?"),
        (2, "Impact on consumers"),
        (1, "Appendix 1: Progression timetable"),
    ]
    for section in sections:
        for paragraph in filter(None, section.body.split("\n\n")):
            assert normalised(paragraph) in report, f"{section.heading}: {paragraph[:60]}"
    assert "Graeme Liggett from the Data Communications Company" in sections[1].body
    assert sections[7].body.startswith("This Draft Proposal was raised on 19 April 2021.")


def test_the_timetable_has_four_milestones_with_their_precision(seed):
    milestones = list(seed.milestones.select_related("meeting__committee"))
    assert [(m.label, str(m.when), m.precision) for m in milestones] == [
        ("Draft Proposal raised", "19 Apr 2021", "day"),
        ("Presented to CSC for initial comment", "27 Apr 2021", "day"),
        ("Presented to SEC Sub-Committees for initial comment", "May 2021", "month"),
        ("Presented to CSC for final comment and recommendations", "1 Jun 2021", "day"),
    ]
    assert milestones[2].date_from == dt.date(2021, 5, 1)
    assert milestones[2].date_to == dt.date(2021, 5, 31)
    assert milestones[1].meeting.committee.abbreviation == "CSC"
    assert milestones[1].meeting.date == dt.date(2021, 4, 27)
    assert milestones[3].meeting.date == dt.date(2021, 6, 1)
    assert milestones[0].meeting is None and milestones[2].meeting is None


def test_the_csc_meetings_have_it_on_their_agendas(seed):
    meetings = Meeting.objects.filter(committee__slug="csc").order_by("starts_at")
    assert [m.date for m in meetings] == [dt.date(2021, 4, 27), dt.date(2021, 6, 1)]
    purposes = list(
        AgendaItem.objects.filter(modification=seed)
        .order_by("meeting__starts_at")
        .values_list("purpose", flat=True)
    )
    assert purposes == ["initial_comment", "final_comment"]


def test_the_eight_glossary_terms_are_all_used_by_its_text(seed):
    expected = {
        "CSC": "Change Sub-Committee",
        "CSR": "Certificate Signing Request",
        "DCC": "Data Communications Company",
        "DCCKI": "DCC Key Infrastructure",
        "IKI": "Infrastructure Key Infrastructure",
        "SEC": "Smart Energy Code",
        "SECAS": "Smart Energy Code Administrator and Secretariat",
        "SMKI": "Smart Metering Key Infrastructure",
    }
    assert dict(GlossaryTerm.objects.values_list("acronym", "full_term")) == expected
    report = REPORT.read_text(encoding="utf-8")
    for acronym, full_term in expected.items():
        assert f"{acronym} {full_term}" in report
    assert {t.acronym for t in terms_used_by(seed)} == set(expected)


def test_seed_is_never_loaded_over_existing_data(seed, capsys):
    seed.title = "Edited by staff"
    seed.save()
    call_command("load_seed")
    assert "already holds data" in capsys.readouterr().out
    assert Modification.objects.get().title == "Edited by staff"


def test_seed_objects_have_their_first_history_row(seed):
    assert seed.history.count() == 1
    assert all(m.history.count() == 1 for m in seed.milestones.all())


@pytest.mark.parametrize("spelling", ["MP160", "mp 160", "DP160", "160"])
def test_the_seed_is_found_by_every_spelling(seed, spelling):
    from secmods.modifications.selectors import get_by_reference

    assert get_by_reference(spelling) == seed
