"""The staff summary per question by Party Category, and its fixed number of queries."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from secmods.consultations import selectors, services
from tests.factories import ConsultationFactory, QuestionFactory, party_category

LONDON = ZoneInfo("Europe/London")


def _respond(consultation, category, positions, *, confidential=False):  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2021, 3, 15, 11, tzinfo=LONDON), tick=False):
        services.submit_response(
            consultation,
            respondent_name="R",
            organisation_name=f"{category} org",
            party_category=party_category(category),
            answers={
                q.pk: {"position": p, "text": "because"} if p != "text" else {"text": "views"}
                for q, p in zip(consultation.questions.all(), positions, strict=True)
                if p
            },
            confidential=confidential,
        )


@pytest.fixture
def consultation(db):  # type: ignore[no-untyped-def]
    consultation = ConsultationFactory()
    QuestionFactory(consultation=consultation, order=1, text="Do you agree?")
    QuestionFactory(consultation=consultation, order=2, text="Other comments?", kind="free_text")
    return consultation


def _fill(consultation, scale=1):  # type: ignore[no-untyped-def]
    for _ in range(scale):
        for _ in range(3):
            _respond(consultation, "large-supplier", ["agree", "text"])
        _respond(consultation, "large-supplier", ["disagree", ""], confidential=True)
        _respond(consultation, "electricity-network", ["disagree", "text"])
        _respond(consultation, "gas-network", ["neutral", ""])
        _respond(consultation, "non-party", ["", "text"])


def test_summary_counts_by_category(consultation):
    _fill(consultation)
    first, second = selectors.consultation_summary(consultation)
    assert first.sentences == [
        "Large Suppliers: 3 agree, 1 disagree",
        "Electricity Networks: 0 agree, 1 disagree",
        "Gas Networks: 0 agree, 0 disagree, 1 neutral",
    ]
    assert second.sentences == [
        "Large Suppliers: 3 answered",
        "Electricity Networks: 1 answered",
        "Non-SEC Parties: 1 answered",
    ]


@pytest.mark.parametrize("scale", [1, 5])
def test_summary_takes_a_fixed_number_of_queries(consultation, scale, django_assert_num_queries):
    _fill(consultation, scale)
    with django_assert_num_queries(3):
        summaries = selectors.consultation_summary(consultation)
        assert summaries[0].rows[0].agree == 3 * scale


@pytest.mark.parametrize("scale", [1, 5])
def test_summary_page_query_count_does_not_grow(
    consultation, scale, secas_client, django_assert_max_num_queries
):
    _fill(consultation, scale)
    url = reverse("admin:consultations_consultation_summary", args=[consultation.pk])
    with django_assert_max_num_queries(12):
        page = secas_client.get(url)
    assert page.status_code == 200
    assert b"Large Suppliers: " in page.content
    assert f"{7 * scale} responses".encode() in page.content


def test_summary_page_is_for_staff_only(consultation, member_client):
    url = reverse("admin:consultations_consultation_summary", args=[consultation.pk])
    assert member_client.get(url).status_code == 403
