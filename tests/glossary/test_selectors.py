from secmods.glossary.selectors import terms_in_text, terms_used_by
from tests.factories import GlossaryTermFactory, MilestoneFactory, ReportSectionFactory


def test_terms_are_found_as_whole_words_case_sensitively(db):
    sec = GlossaryTermFactory(acronym="SEC", full_term="Smart Energy Code")
    csr = GlossaryTermFactory(acronym="CSR", full_term="Certificate Signing Request")
    ssc = GlossaryTermFactory(acronym="SSC", full_term="Security Sub-Committee")
    text = "The second section (Sec. 2) lists CSRs sent. SECAS is not the code either."
    assert terms_in_text(text, [sec, csr, ssc]) == [csr]


def test_a_modification_uses_the_terms_in_its_sections_and_milestone_labels(db):
    dcc = GlossaryTermFactory(acronym="DCC", full_term="Data Communications Company")
    csc = GlossaryTermFactory(acronym="CSC", full_term="Change Sub-Committee")
    GlossaryTermFactory(acronym="TABASC", full_term="Technical Architecture...")
    section = ReportSectionFactory(body="Raised by the DCC.")
    MilestoneFactory(modification=section.modification, label="Presented to CSC")
    assert {t.acronym for t in terms_used_by(section.modification)} == {dcc.acronym, csc.acronym}


def test_the_glossary_refuses_the_same_acronym_twice_in_any_case(db):
    import pytest
    from django.db import IntegrityError

    from secmods.glossary.models import GlossaryTerm

    GlossaryTerm.objects.create(acronym="DCC", full_term="Data Communications Company")
    with pytest.raises(IntegrityError):
        GlossaryTerm.objects.create(acronym="dcc", full_term="Other")
