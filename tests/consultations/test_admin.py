"""Staff open consultations, invite respondents and enter emailed responses in the admin."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail
from django.urls import reverse

from secmods.consultations.models import Consultation, Response
from tests.factories import (
    ConsultationFactory,
    ModificationFactory,
    QuestionFactory,
    party_category,
)

LONDON = ZoneInfo("Europe/London")


def _add_form(modification, **extra):  # type: ignore[no-untyped-def]
    return {
        "modification": modification.pk,
        "kind": "report",
        "title": "",
        "opens_at_0": "",
        "opens_at_1": "",
        "closes_on": "",
        "closes_at_0": "",
        "closes_at_1": "",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-0-order": "1",
        "questions-0-kind": "agree_disagree",
        "questions-0-text": "Do you agree?",
        "invitations-TOTAL_FORMS": "0",
        "invitations-INITIAL_FORMS": "0",
        **extra,
    }


def test_staff_open_a_consultation_with_the_default_deadline(db, secas_client):
    modification = ModificationFactory(stage="report_phase")
    url = reverse("admin:consultations_consultation_add")
    with time_machine.travel(dt.datetime(2021, 4, 1, 9, tzinfo=LONDON), tick=False):
        page = secas_client.post(url, _add_form(modification))
    assert page.status_code == 302, page.context["adminform"].form.errors
    consultation = Consultation.objects.get()
    assert consultation.closes_at == dt.datetime(2021, 4, 26, 17, tzinfo=LONDON)
    assert consultation.title == f"{modification.reference} Modification Report Consultation"
    assert consultation.questions.get().text == "Do you agree?"


def test_a_closing_day_that_is_not_a_working_day_or_a_blank_question_is_a_form_error(
    db, secas_client
):
    modification = ModificationFactory(stage="report_phase")
    url = reverse("admin:consultations_consultation_add")
    page = secas_client.post(url, _add_form(modification, closes_on="2030-01-05"))  # Saturday
    assert "not a SEC Working Day" in str(page.context["adminform"].form.errors["closes_on"])
    page = secas_client.post(url, _add_form(modification, **{"questions-0-text": "   "}))
    assert page.status_code == 200
    assert not Consultation.objects.exists()


def test_staff_invite_and_enter_an_emailed_response(db, secas_client):
    consultation = ConsultationFactory()
    question = QuestionFactory(consultation=consultation)
    invite = reverse("admin:consultations_consultation_invite", args=[consultation.pk])
    enter = reverse("admin:consultations_consultation_enter_response", args=[consultation.pk])
    with time_machine.travel(dt.datetime(2021, 3, 29, 10, tzinfo=LONDON), tick=False):
        bad = secas_client.post(invite, {"invitees": "Ann <ann@example.org>\nnot an address"})
        assert "Line 2" in str(bad.context["form"].errors)
        closed = secas_client.post(invite, {"invitees": "Ann <ann@example.org>"})
        assert "has closed" in str(closed.context["form"].errors)
        entered = secas_client.post(
            enter,
            {
                "respondent_name": "Bob",
                "organisation_name": "Gas Co",
                "party_category": party_category("gas-network").pk,
                "received_at": "26/03/2021 16:30",
                f"q{question.pk}_position": "agree",
            },
        )
        assert entered.status_code == 302, entered.context["form"].errors
        late = secas_client.post(
            enter,
            {
                "respondent_name": "Late",
                "organisation_name": "Late Co",
                "party_category": party_category("gas-network").pk,
                "received_at": "26/03/2021 17:30",
                f"q{question.pk}_position": "agree",
            },
        )
        assert "closed at 5pm" in str(late.context["form"].errors)
    assert Response.objects.get().organisation_name == "Gas Co"
    assert not mail.outbox


def test_the_invite_help_shows_the_name_and_address_form(db, secas_client):
    # Help text goes into the page as HTML: a bare <email> was taken as a tag and vanished,
    # leaving "email, or 'Name '.".
    consultation = ConsultationFactory()
    invite = reverse("admin:consultations_consultation_invite", args=[consultation.pk])
    html = secas_client.get(invite).content.decode()
    assert "Ann Example &lt;ann@example.org&gt;" in html
    assert "'Name <email>'" not in html
