"""Who sees responses: confidential ones reach staff only, never the public page or the CSV
of anyone else; the CSV escapes cells a spreadsheet would run as formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from secmods.consultations import selectors, services
from tests.factories import (
    ConsultationFactory,
    ModificationFactory,
    QuestionFactory,
    party_category,
)

LONDON = ZoneInfo("Europe/London")


def _respond(consultation, question, organisation, *, confidential=False, text="Agreed."):  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2021, 3, 15, 11, tzinfo=LONDON), tick=False):
        return services.submit_response(
            consultation,
            respondent_name="Someone",
            organisation_name=organisation,
            party_category=party_category("small-supplier"),
            answers={question.pk: {"position": "agree", "text": text}},
            confidential=confidential,
        )


@pytest.fixture
def consultation(db):  # type: ignore[no-untyped-def]
    modification = ModificationFactory(stage="refinement", published_at=timezone.now())
    consultation = ConsultationFactory(modification=modification)
    question = QuestionFactory(consultation=consultation, order=1)
    _respond(consultation, question, "Open Energy Ltd", text='=HYPERLINK("http://evil")')
    _respond(consultation, question, "Secret Power plc", confidential=True)
    _respond(consultation, question, "@Plus Energy", text="-1+2")
    return consultation


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


def test_publishing_waits_for_the_deadline_and_skips_confidential(consultation):
    with pytest.raises(ValidationError, match="once the consultation has closed"):
        services.publish_responses(consultation, when=consultation.closes_at - dt.timedelta(1))
    assert services.publish_responses(consultation, when=consultation.closes_at) == 2
    assert {r.organisation_name for r in selectors.public_responses(consultation)} == {
        "Open Energy Ltd",
        "@Plus Energy",
    }


def test_publishing_and_unpublishing_keep_a_history_row_per_response(consultation, secas_user):
    from secmods.consultations.models import Response

    before = Response.history.count()
    services.publish_responses(consultation, when=consultation.closes_at, user=secas_user)
    published = Response.history.filter(published_at=consultation.closes_at)
    assert published.count() == 2 == Response.history.count() - before
    assert {h.history_user for h in published} == {secas_user}
    assert services.unpublish_responses(consultation) == 2
    assert Response.history.count() - before == 4


def test_confidential_responses_never_reach_the_public_page_or_csv(consultation, member_client):
    services.publish_responses(consultation, when=consultation.closes_at)
    for who in (Client(), member_client):  # the public, then a committee member
        page = who.get(reverse("consultations:published_responses", args=[consultation.pk]))
        assert page.status_code == 200
        assert b"Open Energy Ltd" in page.content
        assert b"Secret Power" not in page.content
        rows = _csv(who.get(reverse("consultations:responses_csv", args=[consultation.pk])))
        assert "Secret Power plc" not in {row[0] for row in rows}
        assert len(rows) == 3  # header and the two published responses
        assert "Confidential" not in rows[0] and "Email" not in rows[0]


def test_nothing_is_public_before_publication_or_for_an_unpublished_modification(
    consultation, client
):
    page = client.get(reverse("consultations:published_responses", args=[consultation.pk]))
    assert b"No responses have been published." in page.content
    services.publish_responses(consultation, when=consultation.closes_at)
    hidden = ConsultationFactory(modification=ModificationFactory(stage="refinement"))
    for name in ("consultations:published_responses", "consultations:responses_csv"):
        assert client.get(reverse(name, args=[hidden.pk])).status_code == 404


def test_staff_csv_has_every_response_and_escapes_formulas(consultation, secas_client):
    rows = _csv(secas_client.get(reverse("consultations:responses_csv", args=[consultation.pk])))
    header, *body = rows
    assert "Confidential" in header
    by_org = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert by_org["Secret Power plc"]["Confidential"] == "yes"
    assert by_org["'@Plus Energy"]["Q1 position"] == "Agree"
    assert by_org["Open Energy Ltd"][header[-1]] == '\'=HYPERLINK("http://evil")'
    assert by_org["'@Plus Energy"][header[-1]] == "'-1+2"


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_escape_cell(value, escaped):
    assert selectors.escape_cell(value) == escaped


def test_a_confidential_response_cannot_be_published(consultation):
    from secmods.consultations.models import Response

    secret = Response.objects.get(confidential=True)
    secret.published_at = timezone.now()
    with pytest.raises(ValidationError):
        secret.full_clean()


@pytest.mark.parametrize("extra", [0, 10])
def test_public_page_and_csv_take_a_fixed_number_of_queries(
    consultation, extra, django_assert_max_num_queries
):
    question = consultation.questions.get()
    for n in range(extra):
        _respond(consultation, question, f"Extra {n} Ltd")
    services.publish_responses(consultation, when=consultation.closes_at)
    anonymous = Client()
    for name in ("consultations:published_responses", "consultations:responses_csv"):
        with django_assert_max_num_queries(6):
            page = anonymous.get(reverse(name, args=[consultation.pk]))
        assert page.status_code == 200
