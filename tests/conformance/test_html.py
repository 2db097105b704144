"""Every public page, the meeting pages and the HTML export, given to the W3C Nu HTML
checker (vnu.jar from npm, run with Debian's Java): no error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from secmods.consultations import services as consultation_services
from secmods.documents.models import Visibility
from secmods.modifications.models import Modification
from tests.factories import (
    AgendaItemFactory,
    ConsultationFactory,
    InvitationFactory,
    MeetingFactory,
    QuestionFactory,
)
from tests.register.helpers import consultation_with_responses, document

from .conftest import record

pytestmark = [pytest.mark.conformance, pytest.mark.django_db]


def public_pages(modification: Modification) -> dict[str, str]:
    """name -> path of every page the public reads."""
    consultation = consultation_with_responses(modification, 4)
    document(modification, "DCC Preliminary Assessment", Visibility.PUBLISHED)
    document(modification, "Confidential legal advice", Visibility.CONFIDENTIAL)
    # A meeting to come with an agenda, and an open consultation with a respondent's link.
    upcoming = MeetingFactory(starts_at=timezone.now() + dt.timedelta(days=30))
    AgendaItemFactory(meeting=upcoming, modification=modification, purpose="update")
    open_consultation = ConsultationFactory(
        modification=modification, closes_at=timezone.now() + dt.timedelta(days=10)
    )
    QuestionFactory(consultation=open_consultation, order=1)
    QuestionFactory(consultation=open_consultation, order=2, kind="free_text", text="Why?")
    invitation = InvitationFactory(consultation=open_consultation)
    token = consultation_services.response_token(invitation)
    reference = modification.reference
    return {
        "register": "/",
        "register-filtered": "/?stage=refinement&sort=-next_key_date",
        "register-bad-filter": "/?stage=nonsense",
        "register-search": "/?q=forecast",
        "modification": f"/modifications/{reference}/",
        "meetings": "/meetings/",
        "meeting-held": "/meetings/1/",
        "meeting-upcoming": f"/meetings/{upcoming.pk}/",
        "glossary": "/glossary/",
        "glossary-search": "/glossary/?q=SMKI",
        "consultation-responses": f"/consultations/{consultation.pk}/responses/",
        "consultation-respond": f"/consultations/respond/{token}/",
        "consultation-respond-bad-link": "/consultations/respond/not-a-token/",
        "report-export": f"/documents/reports/{reference}.html",
        "not-found": "/modifications/MP999/",
    }


def test_the_nu_checker_finds_no_error(client, seed, tmp_path: Path, vnu):
    pages = public_pages(seed)
    for name, path in pages.items():
        response = client.get(path)
        assert response["Content-Type"].startswith("text/html"), (name, path)
        assert response.status_code in (200, 403, 404), (name, path, response.status_code)
        file = tmp_path / f"{name}.html"
        file.write_bytes(response.content)
    messages = vnu([tmp_path / f"{name}.html" for name in pages])
    errors: dict[str, list[str]] = {name: [] for name in pages}
    warnings = 0
    for message in messages:
        name = Path(message.get("url", "?").removeprefix("file:")).stem
        if message["type"] == "error" or message.get("subType") == "fatal":
            line = message.get("lastLine", "?")
            errors.setdefault(name, []).append(
                f"line {line}: {message['message']} [{message.get('extract', '').strip()}]"
            )
        else:
            warnings += 1
    for name, found in errors.items():
        record("Nu checker", f"{pages.get(name, name)}: {len(found)} errors {found}")
    record("Nu checker", f"{len(pages)} pages, {warnings} warnings (info) in all")
    assert {name: found for name, found in errors.items() if found} == {}
