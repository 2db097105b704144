"""Every public page, the meeting pages and the HTML export, given to the W3C Nu HTML
checker (vnu.jar from npm, run with Debian's Java): no error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from secmods.committees.models import Meeting
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
    held = Meeting.objects.order_by("starts_at").first()
    assert held is not None
    return {
        "register": "/",
        "register-filtered": "/?stage=refinement&sort=-next_key_date",
        "register-bad-filter": "/?stage=nonsense",
        "register-search": "/?q=forecast",
        "modification": f"/modifications/{reference}/",
        "meetings": "/meetings/",
        "meeting-held": f"/meetings/{held.pk}/",
        "meeting-upcoming": f"/meetings/{upcoming.pk}/",
        "glossary": "/glossary/",
        "glossary-search": "/glossary/?q=SMKI",
        "consultation-responses": f"/consultations/{consultation.pk}/responses/",
        "consultation-respond": f"/consultations/respond/{token}/",
        "consultation-respond-bad-link": "/consultations/respond/not-a-token/",
        "report-export": f"/documents/reports/{reference}.html",
        "not-found": "/modifications/MP999/",
    }


def nu_errors(client, pages: dict[str, str], folder: Path, vnu) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Fetch each page, give them all to the Nu checker in one run: its errors by page."""
    for name, path in pages.items():
        response = client.get(path)
        assert response["Content-Type"].startswith("text/html"), (name, path)
        expected = 404 if "not-found" in name else 403 if "bad-link" in name else 200
        assert response.status_code == expected, (name, path, response.status_code)
        (folder / f"{name}.html").write_bytes(response.content)
    errors: dict[str, list[str]] = {name: [] for name in pages}
    warnings = 0
    for message in vnu([folder / f"{name}.html" for name in pages]):
        name = Path(message.get("url", "?").removeprefix("file:")).stem
        if message["type"] == "error" or message.get("subType") == "fatal":
            line = message.get("lastLine", "?")
            errors.setdefault(name, []).append(
                f"line {line}: {message['message']} [{message.get('extract', '').strip()}]"
            )
        else:
            warnings += 1
    for name, found in errors.items():
        record("Nu checker", f"{pages.get(name, name)}: {len(found)} errors {found or ''}")
    record("Nu checker", f"{len(pages)} pages, {warnings} warnings or notes in all")
    return {name: found for name, found in errors.items() if found}


def test_the_public_pages_have_no_nu_error(client, seed, tmp_path: Path, vnu):
    assert nu_errors(client, public_pages(seed), tmp_path, vnu) == {}


def test_the_meeting_pages_for_staff_have_no_nu_error(secas_client, seed, tmp_path: Path, vnu):
    meeting = Meeting.objects.order_by("starts_at").first()
    assert meeting is not None
    pages = {
        "staff-meetings": "/meetings/",
        "staff-meeting": f"/meetings/{meeting.pk}/",
        "admin-agenda": f"/admin/committees/meeting/{meeting.pk}/agenda/",
        "admin-meeting": f"/admin/committees/meeting/{meeting.pk}/change/",
        "staff-modification": "/modifications/MP160/",
        "admin-modification": f"/admin/modifications/modification/{seed.pk}/change/",
        "admin-home": "/admin/",
    }
    assert nu_errors(secas_client, pages, tmp_path, vnu) == {}
