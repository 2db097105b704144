"""documents.selectors: the public sees published documents only, and a confidential one is
a 404 to them (None), never a hint that it exists."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from secmods.documents import selectors
from secmods.documents.services import add_document
from tests.documents.pdfmaker import text_pdf


def test_the_public_never_learns_of_a_confidential_document(seed, secas_user):  # type: ignore[no-untyped-def]
    public = add_document(
        seed, data=text_pdf(["Public"]), filename="p.pdf", kind="dcc_assessment",
        visibility="published",
    )  # fmt: skip
    secret = add_document(
        seed, data=text_pdf(["Secret"]), filename="s.pdf", kind="dcc_assessment",
        visibility="confidential",
    )  # fmt: skip
    anonymous = AnonymousUser()
    assert list(selectors.library(seed, anonymous)) == [public]
    assert set(selectors.library(seed, secas_user)) == {public, secret}
    assert selectors.downloadable_document(secret.pk, anonymous) is None
    assert selectors.downloadable_document(secret.pk, secas_user) == secret
