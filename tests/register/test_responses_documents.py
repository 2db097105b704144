"""A modification's page shows its published consultation responses and documents, and
never a confidential one; its query count stays the same however many there are."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from secmods.consultations import services as consultation_services
from secmods.documents.models import Visibility
from secmods.modifications.models import Modification
from tests.factories import ConsultationFactory, ModificationFactory, QuestionFactory

from .helpers import (
    SECRET,
    SECRET_TEXT,
    consultation_with_responses,
    document,
    full_modification,
    respond,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def page(client: Client, modification: Modification) -> str:
    response = client.get(f"/modifications/{modification.reference}/")
    assert response.status_code == 200
    return response.content.decode()


# --- Consultation responses -------------------------------------------------------------
def test_published_responses_show_by_consultation_with_the_summary(client, db):
    modification = full_modification(0)
    consultation = consultation_with_responses(modification, 3)
    html = page(client, modification)
    assert f'id="consultation-{consultation.pk}"' in html
    assert "Refinement Consultation. Closed at 5pm (London time) on Friday 26 March 2021." in html
    # Counted over the three published responses only (the confidential one disagrees).
    assert "Small Suppliers: 1 agree, 1 disagree" in html
    assert "Large Suppliers: 1 agree, 0 disagree" in html
    assert "Small Suppliers: 2 answered" in html  # the free-text question
    for index in range(3):
        assert f"Energy Company {index}" in html
    assert "Read the 3 published responses" in html
    responses_url = reverse("consultations:published_responses", args=[consultation.pk])
    csv_url = reverse("consultations:responses_csv", args=[consultation.pk])
    assert responses_url in html and csv_url in html
    assert client.get(responses_url).status_code == 200
    assert client.get(csv_url).status_code == 200


@pytest.mark.parametrize("who", ["client", "member_client", "secas_client"])
def test_a_confidential_response_never_appears_on_the_page(request, db, who):
    modification = full_modification(0)
    consultation_with_responses(modification, 2)
    html = page(request.getfixturevalue(who), modification)
    assert SECRET not in html and SECRET_TEXT not in html
    # Not even in a count: two published responses, and the summary counts only those.
    assert "Read the 2 published responses" in html
    assert "Small Suppliers: 1 agree, 0 disagree" in html
    assert "Large Suppliers: 1 agree, 0 disagree" in html


def test_responses_wait_for_publication(client, db):
    modification = full_modification(0, published_at=dt.datetime(2021, 2, 1, tzinfo=dt.UTC))
    consultation = ConsultationFactory(modification=modification)
    QuestionFactory(consultation=consultation, order=1)
    respond(consultation, "Early Energy Ltd")  # not published yet
    html = page(client, modification)
    assert "Early Energy Ltd" not in html
    assert "No responses have been published." in html
    with time_machine.travel(dt.datetime(2021, 3, 10, 9, tzinfo=LONDON), tick=False):
        html = page(client, modification)
    assert "<strong>Open</strong>: responses are due by 5pm (London time) on Friday" in html
    assert "Responses are published after the consultation closes." in html


def test_a_modification_without_consultations_says_so(client, db):
    assert "No consultation has been held on it yet." in page(client, full_modification(0))


# --- Documents --------------------------------------------------------------------------
def test_published_documents_link_to_the_checked_download(client, db):
    modification = full_modification(0)
    published = document(modification, "DCC Preliminary Assessment", Visibility.PUBLISHED)
    confidential = document(modification, "Confidential legal advice", Visibility.CONFIDENTIAL)
    html = page(client, modification)
    download = reverse("documents:download", args=[published.pk])
    assert f'href="{download}"' in html and "DCC Preliminary Assessment" in html
    assert "PDF, " in html
    assert "Confidential legal advice" not in html
    assert reverse("documents:download", args=[confidential.pk]) not in html
    answer = client.get(download)
    assert answer.status_code == 200 and answer["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize("who", ["member_client", "secas_client"])
def test_staff_and_members_see_confidential_documents_marked(request, db, who):
    modification = full_modification(0)
    confidential = document(modification, "Confidential legal advice", Visibility.CONFIDENTIAL)
    html = page(request.getfixturevalue(who), modification)
    assert "Confidential legal advice" in html
    assert "Confidential: SECAS staff and committee members only" in html
    assert reverse("documents:download", args=[confidential.pk]) in html


def test_the_report_exports_are_linked_and_public_for_a_published_modification(client, seed):
    html = page(client, seed)
    docx = reverse("documents:report_docx", args=[seed.reference])
    web = reverse("documents:report_html", args=[seed.reference])
    assert f'href="{docx}"' in html and f'href="{web}"' in html
    assert client.get(docx).status_code == 200
    report = client.get(web)
    assert report.status_code == 200 and b"Certificate Signing Request" in report.content


def test_an_unpublished_modification_and_its_files_stay_404_for_the_public(client, db):
    hidden = full_modification(0, published_at=None)
    published_file = document(hidden, "Draft assessment", Visibility.PUBLISHED)
    consultation = consultation_with_responses(hidden, 1)
    urls = [
        f"/modifications/{hidden.reference}/",
        reverse("documents:report_docx", args=[hidden.reference]),
        reverse("documents:report_html", args=[hidden.reference]),
        reverse("documents:download", args=[published_file.pk]),
        reverse("consultations:published_responses", args=[consultation.pk]),
        reverse("consultations:responses_csv", args=[consultation.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url


# --- Query counts -----------------------------------------------------------------------
def _page_queries(client: Client, modification: Modification) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/modifications/{modification.reference}/")
    assert response.status_code == 200
    return len(captured)


def _populate(modification: Modification, rows: int) -> None:
    for _ in range(2):
        consultation_with_responses(modification, rows)
    for index in range(rows):
        document(modification, f"Published {index}", Visibility.PUBLISHED)
        document(modification, f"Confidential {index}", Visibility.CONFIDENTIAL)


@pytest.mark.parametrize("rows", [1, 12])
def test_the_page_query_count_is_pinned_with_responses_and_documents(
    client, db, rows, django_assert_max_num_queries
):
    modification = full_modification(0)
    _populate(modification, rows)
    # The 8 of the page before (itself, six prefetches, the glossary), then consultations,
    # their questions, their published responses, the library, and the summary's two
    # (Party Categories, one grouped count).
    with django_assert_max_num_queries(14):
        html = page(client, modification)
    assert html.count("Energy Company 0") == 2  # one in each consultation
    assert f"Published {rows - 1}" in html and "Confidential 0" not in html


def test_the_page_query_count_is_the_same_for_1_and_many(client, db):
    few = full_modification(0)
    _populate(few, 1)
    many = full_modification(1)
    _populate(many, 15)
    assert _page_queries(client, few) == _page_queries(client, many)


def test_an_unpublished_response_of_a_public_modification_is_no_count_either(client, db):
    modification = ModificationFactory(published_at=dt.datetime(2021, 4, 1, tzinfo=dt.UTC))
    consultation = ConsultationFactory(modification=modification)
    QuestionFactory(consultation=consultation, order=1)
    respond(consultation, "Published Energy")
    consultation_services.publish_responses(consultation, when=consultation.closes_at)
    respond(consultation, "Late Entry Energy")  # entered after publication: not published
    html = page(client, modification)
    assert "Late Entry Energy" not in html
    assert "Read the 1 published response<" in html


# --- The pages the register links to work under its Content Security Policy -------------
def test_the_linked_pages_have_no_inline_style_the_policy_would_block(client, db):
    modification = full_modification(0)
    consultation = consultation_with_responses(modification, 1)
    responses = client.get(reverse("consultations:published_responses", args=[consultation.pk]))
    html = responses.content.decode()
    assert "style-src 'self'" in responses["Content-Security-Policy"]
    assert "<style" not in html and "style=" not in html
    assert 'rel="stylesheet" href="/static/consultations/consultations.css"' in html
    # ...and it leads back to the modification's page.
    assert f'href="/modifications/{modification.reference}/"' in html


def test_the_html_report_may_use_its_inline_styles_and_nothing_else(client, seed):
    report = client.get(reverse("documents:report_html", args=["MP160"]))
    policy = report["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "style-src 'unsafe-inline'" in policy
    assert "script" not in policy and "frame-ancestors 'none'" in policy


def test_head_requests_reach_the_exports_and_downloads(client, seed):
    published = document(seed, "DCC Preliminary Assessment", Visibility.PUBLISHED)
    for url in [
        reverse("documents:report_html", args=["MP160"]),
        reverse("documents:report_docx", args=["MP160"]),
        reverse("documents:download", args=[published.pk]),
    ]:
        assert client.head(url).status_code == 200, url
