"""The library and the exports over HTTP, and the admin's upload and import screens."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from secmods.documents.filetypes import DOCX, PDF
from secmods.documents.models import Document, DocumentKind, Visibility
from secmods.documents.services import add_document
from secmods.glossary.models import GlossaryTerm
from secmods.modifications.models import Modification
from tests.documents.helpers import SEED, seed_lines, word_report
from tests.documents.pdfmaker import text_pdf
from tests.factories import ModificationFactory, UserFactory

PDF_BYTES = text_pdf(["A DCC assessment", "of the proposal."])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def library(seed) -> tuple[Document, Document]:
    published = add_document(
        seed,
        data=PDF_BYTES,
        filename="assessment.pdf",
        kind=DocumentKind.DCC_ASSESSMENT,
        visibility=Visibility.PUBLISHED,
    )
    confidential = add_document(
        seed,
        data=word_report(),
        filename="response.docx",
        kind=DocumentKind.CONSULTATION_RESPONSE,
        visibility=Visibility.CONFIDENTIAL,
    )
    return published, confidential


def test_the_public_downloads_published_files_only(client, seed):
    published, confidential = library(seed)
    response = client.get(reverse("documents:download", args=[published.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == PDF
    assert response["Content-Security-Policy"] == "sandbox"
    assert 'filename="assessment.pdf"' in response["Content-Disposition"]
    assert client.get(reverse("documents:download", args=[confidential.pk])).status_code == 404


@pytest.mark.parametrize("who", ["secas_client", "member_client"])
def test_staff_and_committee_members_download_confidential_files(request, seed, who):
    _, confidential = library(seed)
    response = request.getfixturevalue(who).get(
        reverse("documents:download", args=[confidential.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"


def test_files_of_an_unpublished_modification_are_hidden_from_the_public(client, db):
    modification = ModificationFactory(published_at=None)
    document = add_document(
        modification,
        data=PDF_BYTES,
        filename="a.pdf",
        kind=DocumentKind.OTHER,
        visibility=Visibility.PUBLISHED,
    )
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404


def test_the_upload_folder_is_not_served(client, seed):
    published, _ = library(seed)
    assert client.get(f"/media/{published.file.name}").status_code == 404
    assert Path(published.file.path).read_bytes() == PDF_BYTES
    assert "assessment" not in published.file.name  # a random name on disk


def test_report_exports_follow_what_the_user_may_see(secas_client, seed):
    client = Client()  # anonymous, beside the logged-in one
    html = client.get(reverse("documents:report_html", args=["MP160"]))
    assert html.status_code == 200 and b"<h2>2. Issue</h2>" in html.content
    docx = client.get(reverse("documents:report_docx", args=["dp160"]))
    assert docx.status_code == 200 and docx["Content-Type"] == DOCX
    assert docx.content[:2] == b"PK"
    hidden = ModificationFactory(number=300, published_at=None)
    assert client.get(reverse("documents:report_html", args=["DP300"])).status_code == 404
    assert (
        secas_client.get(reverse("documents:report_html", args=[hidden.reference])).status_code
        == 200
    )


# --- Admin: the library -------------------------------------------------------------------
def upload(secas_client, seed, content: bytes, name: str, **extra):
    return secas_client.post(
        reverse("admin:documents_document_add"),
        {
            "modification": seed.pk,
            "upload": SimpleUploadedFile(name, content),
            "title": "",
            "kind": DocumentKind.DCC_ASSESSMENT,
            "visibility": Visibility.PUBLISHED,
            **extra,
        },
    )


def test_staff_upload_a_file_checked_by_its_content(secas_client, secas_user, seed):
    response = upload(secas_client, seed, PDF_BYTES, "DCC assessment.pdf")
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.title, document.content_type, document.size, document.uploaded_by) == (
        "DCC assessment.pdf",
        PDF,
        len(PDF_BYTES),
        secas_user,
    )


@pytest.mark.parametrize(
    ("content", "name", "error"),
    [
        (
            b"<html><script>alert(1)</script></html>",
            "minutes.pdf",
            "the name says &#x27;.pdf&#x27; but the content is .txt",
        ),
        (bytes(range(256)) * 4, "notes.txt", "is not a PDF, Word (.docx), Excel (.xlsx)"),
        (b"%PDF-1.4 but nothing else", "fake.pdf", "is not a PDF, Word"),
        (PDF_BYTES, "assessment.docx", "the content is .pdf"),
    ],
)
def test_uploads_that_are_not_what_they_say_are_refused(secas_client, seed, content, name, error):
    response = upload(secas_client, seed, content, name)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Document.objects.exists()


def test_uploads_over_the_size_limit_are_refused(secas_client, seed, settings):
    settings.DOCUMENT_MAX_BYTES = 1024 * 1024
    response = upload(secas_client, seed, b"a" * (1024 * 1024 + 1), "big.txt")
    assert "big.txt is 1.0 MB; the limit is 1 MB." in response.content.decode()
    assert not Document.objects.exists()


def test_the_modification_page_lists_its_library_and_links_the_exports(secas_client, seed):
    published, _ = library(seed)
    page = secas_client.get(reverse("admin:modifications_modification_change", args=[seed.pk]))
    content = page.content.decode()
    assert reverse("documents:download", args=[published.pk]) in content
    assert reverse("documents:report_docx", args=["DP160"]) in content
    assert reverse("documents:report_html", args=["DP160"]) in content


def test_committee_members_cannot_upload(member_client, seed):
    response = upload(member_client, seed, PDF_BYTES, "a.pdf")
    assert response.status_code == 403
    assert not Document.objects.exists()


# --- Admin: import a report with a preview -----------------------------------------------
IMPORT_URL = "admin:documents_import_report"


def preview(client, content: bytes, name: str, **fields):
    return client.post(reverse(IMPORT_URL), {"file": SimpleUploadedFile(name, content), **fields})


def token_of(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode())[1]


def test_import_shows_a_preview_then_writes_on_confirm(secas_client, db, settings):
    response = preview(
        secas_client,
        SEED.read_bytes(),
        "dp160.txt",
        reference="DP160",
        title="Certificate Signing Request forecasting",
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Preview of dp160.txt" in content
    assert "Presented to SEC Sub-Committees for initial comment" in content
    assert "CSC, CSR, DCC, DCCKI, IKI, SEC, SECAS, SMKI" in content
    assert not Modification.objects.exists() and not GlossaryTerm.objects.exists()
    pending = list((Path(settings.MEDIA_ROOT) / "report-imports").iterdir())
    assert len(pending) == 1

    confirmed = secas_client.post(reverse(IMPORT_URL), {"token": token_of(response)})
    modification = Modification.objects.get()
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse(
        "admin:modifications_modification_change", args=[modification.pk]
    )
    assert modification.sections.count() == 8 and GlossaryTerm.objects.count() == 8
    assert not list((Path(settings.MEDIA_ROOT) / "report-imports").iterdir())


def test_a_pdf_import_preview_and_a_bad_file_error(secas_client, db):
    response = preview(
        secas_client,
        text_pdf(seed_lines()),
        "dp160.pdf",
        reference="DP160",
        title="CSR forecasting",
    )
    assert "Read from</th><td>pdf" in response.content.decode()
    bad = preview(secas_client, b"%PDF-1.7 broken", "broken.pdf", reference="DP160")
    assert "broken.pdf is not a readable PDF" in bad.content.decode()
    assert not Modification.objects.exists()


def test_a_confirm_token_is_bound_to_its_uploader_and_cannot_be_forged(secas_client, db):
    token = token_of(
        preview(secas_client, SEED.read_bytes(), "dp160.txt", reference="DP160", title="x")
    )
    other = UserFactory(secas_staff=True, username="other-analyst")
    other.save()
    client = Client()
    client.force_login(other)
    assert client.post(reverse(IMPORT_URL), {"token": token}).status_code == 403
    assert secas_client.post(reverse(IMPORT_URL), {"token": token + "x"}).status_code == 403
    assert not Modification.objects.exists()


def test_an_expired_preview_asks_for_the_file_again(secas_client, db):
    token = token_of(
        preview(secas_client, SEED.read_bytes(), "dp160.txt", reference="DP160", title="x")
    )
    import time_machine

    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        response = secas_client.post(reverse(IMPORT_URL), {"token": token})
    assert "The preview has expired: upload the file again." in response.content.decode()
    assert not Modification.objects.exists()


def test_committee_members_cannot_import(member_client, db):
    assert member_client.get(reverse(IMPORT_URL)).status_code == 403


def test_deleting_a_modification_deletes_its_files(seed, django_capture_on_commit_callbacks):
    published, confidential = library(seed)
    paths = [Path(published.file.path), Path(confidential.file.path)]
    assert all(path.exists() for path in paths)
    with django_capture_on_commit_callbacks(execute=True):
        seed.delete()
    assert not any(path.exists() for path in paths)


def test_the_import_link_shows_to_those_who_may_import(secas_client, db):
    page = secas_client.get(reverse("admin:documents_document_changelist")).content.decode()
    assert reverse(IMPORT_URL) in page


def test_members_see_the_library_list_without_the_import_link(member_client, db):
    page = member_client.get(reverse("admin:documents_document_changelist"))
    assert page.status_code == 200
    assert reverse(IMPORT_URL) not in page.content.decode()


def test_the_preview_shows_the_warnings_before_confirming(secas_client, db):
    text = (
        SEED.read_text().replace("  May 2021", " Mayish").replace("CSC Change Sub-Committee", "CSC")
    )
    response = preview(secas_client, text.encode(), "dp160.txt", reference="DP160", title="x")
    content = response.content.decode()
    assert "Warnings (2): read them before confirming" in content
    assert "has no date: left out" in content
    assert "the glossary row &#x27;CSC&#x27; has no full term: left out" in content
    assert 'value="Confirm the import"' in content
    assert not Modification.objects.exists()


def test_a_report_without_reference_or_title_asks_in_web_words(secas_client, db):
    text = SEED.read_text(encoding="utf-8").replace("DP160", "").encode("utf-8")
    response = preview(secas_client, text, "no-reference.txt")
    html = response.content.decode()
    assert "The document gives no reference (MP160, DP160...): type it here." in html
    assert "--reference" not in html and "--title" not in html
    titled = preview(secas_client, SEED.read_bytes(), "dp160.txt", reference="DP160")
    assert "--title" not in titled.content.decode()
