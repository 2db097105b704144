"""The "consultation closing" reminder: its event kind, its recipients (invited respondents
who have not yet answered) and the receivers that keep its reminders in step.

Registered from ConsultationsConfig.ready() (docs/reminders.md, "Registries"). The
consultation services call `services.replan_consultation` in their own transaction (every door, the
admin, the API and the respondent's page, goes through them), so a rolled-back change plans
nothing; a modification's stage change re-plans through `of_modification`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, datetime, time
from typing import Any

from django.db.models.functions import Lower
from django.db.models.signals import post_save

from secmods.modifications.models import CLOSED_STAGES
from secmods.reminders.registry import (
    Event,
    EventKind,
    Recipient,
    RecipientKind,
    register_event_kind,
    register_recipient_kind,
)
from secmods.reminders.services import replan_event
from secmods.rules.working_days import LONDON

from .models import Consultation, Invitation, Response
from .selectors import respondents_yet_to_answer
from .services import display_deadline, response_link

EVENT_KIND = "consultation_closing"  # services.CLOSING_EVENT_KIND
RECIPIENT_KIND = "respondents_not_answered"
ANSWERED = "they have answered the consultation"
WITHDRAWN_LINK = "their link to the consultation was withdrawn"


def _event(consultation: Any) -> Event:

    modification = consultation.modification
    deadline = display_deadline(consultation.closes_at)
    title = consultation.title
    if modification.reference not in title:  # default titles start with the reference
        title = f"{modification.reference}: {title}"
    return Event(
        kind=EVENT_KIND,
        ref=str(consultation.pk),
        label=f"{title} (closes {deadline})",
        day=consultation.closes_at.astimezone(LONDON).date(),
        # Responses are refused from closes_at on: a reminder after that is pointless.
        ends_at=consultation.closes_at,
        # A withdrawn, rejected or implemented modification is no longer consulted on.
        cancelled=modification.stage in CLOSED_STAGES,
        modification_id=modification.pk,
        context={
            "consultation": consultation,
            "modification": modification,
            "consultation_kind": consultation.get_kind_display(),
            "closes_at": consultation.closes_at.astimezone(LONDON),
            "deadline": deadline,
        },
    )


def _consultations():  # type: ignore[no-untyped-def]

    return Consultation.objects.select_related("modification")


def load_consultation(ref: str) -> Event | None:
    consultation = _consultations().filter(pk=int(ref)).first() if ref.isdecimal() else None
    return _event(consultation) if consultation is not None else None


def upcoming_consultations(today: date) -> Iterable[Event]:
    start = datetime.combine(today, time(0, 0), tzinfo=LONDON)
    for consultation in _consultations().filter(closes_at__gte=start):
        yield _event(consultation)


def respondents_not_answered(rule: Any, event: Event) -> list[Recipient]:

    consultation = event.context.get("consultation") if event.kind == EVENT_KIND else None
    if consultation is None:
        return []
    return [Recipient(i.email, i.name) for i in respondents_yet_to_answer(consultation)]


def personal_link(event: Event, email: str) -> dict[str, Any]:
    """The respondent's own link, for the email (built, not reissued: earlier links live)."""

    invitation = (
        Invitation.objects.filter(
            consultation_id=int(event.ref), email__iexact=email, revoked_at__isnull=True
        )
        .order_by("pk")
        .first()
    )
    if invitation is None:
        return {}
    return {"invitation": invitation, "response_link": response_link(invitation)}


def no_longer_to_remind(event: Event, emails: Collection[str]) -> dict[str, str]:
    """Asked when a reminder is claimed and sent: someone who answered (through their link,
    or by email entered by staff) or whose link was withdrawn since planning is dropped."""

    consultation_id = int(event.ref)
    wanted = {email.lower() for email in emails}
    answered = set(
        Response.objects.filter(consultation_id=consultation_id)
        .annotate(address=Lower("respondent_email"))
        .filter(address__in=wanted)
        .values_list("address", flat=True)
    ) | set(
        Invitation.objects.filter(consultation_id=consultation_id, response__isnull=False)
        .annotate(address=Lower("email"))
        .filter(address__in=wanted)
        .values_list("address", flat=True)
    )
    revoked = set(
        Invitation.objects.filter(consultation_id=consultation_id, revoked_at__isnull=False)
        .annotate(address=Lower("email"))
        .filter(address__in=wanted)
        .values_list("address", flat=True)
    )
    reasons = dict.fromkeys(revoked - answered, WITHDRAWN_LINK)
    reasons.update(dict.fromkeys(answered, ANSWERED))
    return reasons


# --- Receivers ---------------------------------------------------------------------------
def consultations_of(modification_id: int) -> list[int]:
    return list(
        Consultation.objects.filter(modification_id=modification_id).values_list("pk", flat=True)
    )


def _loaded(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    # Only rows loaddata writes (raw=True): every other write is a service.
    if raw:
        replan_event(
            EVENT_KIND,
            instance.pk if isinstance(instance, Consultation) else instance.consultation_id,
        )


def register() -> None:

    register_event_kind(
        EventKind(
            key=EVENT_KIND,
            label="A consultation closing",
            load=load_consultation,
            upcoming=upcoming_consultations,
            recipient_context=personal_link,
            skip_recipients=no_longer_to_remind,
            of_modification=consultations_of,
        )
    )
    register_recipient_kind(
        RecipientKind(
            RECIPIENT_KIND,
            "Invited respondents who have not yet answered",
            respondents_not_answered,
        )
    )
    for model in (Consultation, Invitation, Response):
        post_save.connect(
            _loaded, sender=model, dispatch_uid=f"secmods.consultations.reminders.{model.__name__}"
        )
