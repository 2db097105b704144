"""Builders shared by the register's tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from secmods.committees.models import Committee
from secmods.consultations import services as consultation_services
from secmods.consultations.models import Consultation, Response
from secmods.documents.models import Document, DocumentKind
from secmods.documents.services import add_document
from secmods.modifications.models import MilestoneStatus, Modification, SecSection
from secmods.parties.models import PartyCategory
from secmods.rules.dates import ApproxDate
from tests.documents.pdfmaker import text_pdf
from tests.factories import (
    AgendaItemFactory,
    ConsultationFactory,
    GlossaryTermFactory,
    MeetingFactory,
    MilestoneFactory,
    ModificationFactory,
    QuestionFactory,
    ReleaseFactory,
    ReportSectionFactory,
    SecSectionFactory,
)
from tests.factories import party_category as category

PUBLISHED = dt.datetime(2021, 4, 19, 12, 0, tzinfo=dt.UTC)


def full_modification(index: int, **fields) -> Modification:  # type: ignore[no-untyped-def]
    """A published modification with every kind of related row the pages show."""
    fields.setdefault("published_at", PUBLISHED)
    fields.setdefault("latest_update", f"Update {index} from the CSC.")
    fields.setdefault("lead_analyst", None)
    fields.setdefault("target_release", ReleaseFactory())
    modification = ModificationFactory(**fields)
    committee = Committee.objects.get_or_create(
        slug="csc", defaults={"name": "Change Sub-Committee", "abbreviation": "CSC", "kind": "csc"}
    )[0]
    meeting = MeetingFactory(committee=committee)
    AgendaItemFactory(meeting=meeting, modification=modification, outcome="Noted.")
    ReportSectionFactory(modification=modification, order=1, body="The DCC says so.")
    ReportSectionFactory(modification=modification, order=2, heading="Issue", body="More.")
    MilestoneFactory(
        modification=modification,
        when=ApproxDate.day(dt.date(2021, 4, 19)),
        status=MilestoneStatus.DONE,
        kind="raised",
        label="Raised",
    )
    MilestoneFactory(modification=modification, when=ApproxDate.month(2031, 5), meeting=None)
    MilestoneFactory(modification=modification, when=ApproxDate.day(dt.date(2031, 6, 1)))
    modification.sec_sections.add(SecSectionFactory())
    modification.impacted_party_categories.add(PartyCategory.objects.get(slug="large-supplier"))
    return modification


def many_modifications(count: int) -> list[Modification]:
    GlossaryTermFactory(acronym="DCC", full_term="Data Communications Company")
    SecSection.objects.get_or_create(code="L", defaults={"title": "SMKI"})
    return [full_modification(index) for index in range(count)]


def now() -> dt.datetime:
    return timezone.now()


# --- Consultation responses and documents -----------------------------------------------
LONDON = ZoneInfo("Europe/London")
PDF_BYTES = text_pdf(["A DCC assessment", "of the proposal."])
SECRET = "Secret Power plc"
SECRET_TEXT = "Our confidential cost figure is 4.2 million."


def respond(
    consultation: Consultation,
    organisation: str,
    *,
    slug: str = "small-supplier",
    position: str = "agree",
    text: str = "Agreed.",
    confidential: bool = False,
) -> Response:
    """A response given inside the consultation's window (as the factory dates it)."""
    questions = list(consultation.questions.all())
    with time_machine.travel(dt.datetime(2021, 3, 15, 11, tzinfo=LONDON), tick=False):
        return consultation_services.submit_response(
            consultation,
            respondent_name="Someone",
            organisation_name=organisation,
            party_category=category(slug),
            answers={
                question.pk: {
                    "position": position if question.kind == "agree_disagree" else "",
                    "text": text,
                }
                for question in questions
            },
            confidential=confidential,
        )


def consultation_with_responses(modification: Modification, count: int) -> Consultation:
    consultation = ConsultationFactory(modification=modification)
    QuestionFactory(consultation=consultation, order=1, text="Do you agree with the solution?")
    QuestionFactory(consultation=consultation, order=2, text="Any comments?", kind="free_text")
    for index in range(count):
        respond(
            consultation,
            f"Energy Company {index}",
            slug="large-supplier" if index % 2 else "small-supplier",
            position="disagree" if index % 3 == 2 else "agree",
        )
    respond(consultation, SECRET, text=SECRET_TEXT, confidential=True, position="disagree")
    consultation_services.publish_responses(consultation, when=consultation.closes_at)
    return consultation


def document(modification: Modification, title: str, visibility: str) -> Document:
    return add_document(
        modification,
        data=PDF_BYTES,
        filename="assessment.pdf",
        title=title,
        kind=DocumentKind.DCC_ASSESSMENT,
        visibility=visibility,
    )
