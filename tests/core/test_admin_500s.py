"""The admin 500s found by hand (issues 13 and 15), each reproduced with DEBUG=False: a bad
milestone date, a committee member opening a consultation or a document, an agenda whose
modification has no proposer, the history page by reference."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from secmods.modifications.models import Milestone, Modification
from tests.admin_forms import admin_form_data, as_post
from tests.factories import (
    AgendaItemFactory,
    ConsultationFactory,
    ModificationFactory,
    QuestionFactory,
    UserFactory,
)

BAD_DATES = ["31 Feb 2021", "Q5 2021", "32/13/2021", "next Tuesday"]


@pytest.fixture(autouse=True)
def _production_errors(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    # A 500 comes back as a response (as a browser would see it), not as an exception.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def staff(db):  # type: ignore[no-untyped-def]
    return _client(UserFactory(secas_staff=True))


@pytest.fixture
def member(db):  # type: ignore[no-untyped-def]
    return _client(UserFactory(committee_member=True))


@pytest.mark.parametrize("text", BAD_DATES)
def test_a_bad_date_under_milestones_add_is_a_form_error(staff, text):  # type: ignore[no-untyped-def]
    modification = ModificationFactory()
    url = reverse("admin:modifications_milestone_add")
    data = as_post(admin_form_data(staff.get(url).content.decode()))
    data.update(modification=modification.pk, kind="csc", label="CSC", when=text)
    page = staff.post(url, data)
    assert page.status_code == 200
    assert page.context["adminform"].form.errors["when"]
    assert not Milestone.objects.exists()


@pytest.mark.parametrize("text", BAD_DATES)
def test_a_bad_date_in_the_inline_is_a_form_error(staff, text):  # type: ignore[no-untyped-def]
    modification = ModificationFactory()
    url = reverse("admin:modifications_modification_change", args=[modification.pk])
    data = as_post(admin_form_data(staff.get(url).content.decode()))
    data.update(
        {
            "milestones-TOTAL_FORMS": "1",
            "milestones-0-kind": "csc",
            "milestones-0-label": "CSC",
            "milestones-0-status": "planned",
            "milestones-0-when": text,
            "milestones-0-order": "1",
        }
    )
    before = Modification.objects.get().version
    page = staff.post(url, data)
    assert page.status_code == 200
    (timetable,) = (
        f.formset for f in page.context["inline_admin_formsets"] if f.formset.prefix == "milestones"
    )
    assert "when" in timetable.errors[0]
    assert not Milestone.objects.exists()
    assert Modification.objects.get().version == before


@pytest.mark.parametrize("text", BAD_DATES)
def test_a_bad_date_with_a_new_modification_writes_nothing(staff, text):  # type: ignore[no-untyped-def]
    url = reverse("admin:modifications_modification_add")
    data = as_post(admin_form_data(staff.get(url).content.decode()))
    data.update(
        {
            "title": "New",
            "raised_on": "19/04/2021",
            "milestones-TOTAL_FORMS": "1",
            "milestones-0-kind": "csc",
            "milestones-0-label": "CSC",
            "milestones-0-status": "planned",
            "milestones-0-when": text,
            "milestones-0-order": "1",
        }
    )
    page = staff.post(url, data)
    assert page.status_code == 200
    assert not Modification.objects.exists() and not Milestone.objects.exists()


def test_a_member_opens_a_consultation_in_the_admin(member):  # type: ignore[no-untyped-def]
    consultation = ConsultationFactory()
    QuestionFactory(consultation=consultation)
    url = reverse("admin:consultations_consultation_change", args=[consultation.pk])
    assert member.get(url).status_code == 200


def test_a_member_opens_a_document_in_the_admin(member, seed):  # type: ignore[no-untyped-def]
    from secmods.documents.services import add_document
    from tests.documents.pdfmaker import text_pdf

    document = add_document(
        seed, data=text_pdf(["An assessment"]), filename="a.pdf", kind="dcc_assessment"
    )
    url = reverse("admin:documents_document_change", args=[document.pk])
    assert member.get(url).status_code == 200


def test_the_agenda_page_of_a_modification_without_a_proposer(staff):  # type: ignore[no-untyped-def]
    item = AgendaItemFactory(modification=ModificationFactory(proposer=None))
    page = staff.get(reverse("admin:committees_meeting_agenda", args=[item.meeting_id]))
    assert page.status_code == 200
    assert item.modification.reference in page.content.decode()


def test_the_history_page_answers_to_the_reference(staff, seed):  # type: ignore[no-untyped-def]
    page = staff.get("/admin/modifications/modification/MP160/history/")
    assert page.status_code == 200
    assert staff.get("/admin/modifications/modification/MP999/history/").status_code == 404


def test_history_is_for_reading_revert_is_refused(staff, seed):  # type: ignore[no-untyped-def]
    record = seed.history.order_by("history_id").first()
    url = reverse(
        "admin:modifications_modification_simple_history", args=[seed.pk, record.history_id]
    )
    page = staff.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    before = Modification.objects.get(pk=seed.pk).version
    data = as_post(admin_form_data(page.content.decode()))
    assert staff.post(url, data).status_code == 403
    assert Modification.objects.get(pk=seed.pk).version == before
