"""Writes of committee comments (with the membership rule) and of consultations: opening
them, inviting respondents with signed personal links, taking responses up to the deadline,
and publishing the non-confidential ones."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone

from secmods.committees.selectors import active_committee_ids
from secmods.core.concurrency import lock_for_write
from secmods.core.outbox import enqueue_after_commit
from secmods.core.pagecache import public_content_changed
from secmods.core.roles import is_secas_staff
from secmods.modifications.models import CLOSED_STAGES, Modification
from secmods.parties.models import PartyCategory
from secmods.reminders.services import replan_event
from secmods.rules.working_days import add_working_days, is_working_day

from .models import (
    Answer,
    AnswerPosition,
    Comment,
    Consultation,
    ConsultationKind,
    Invitation,
    Question,
    QuestionKind,
    Response,
)

LONDON = ZoneInfo("Europe/London")
logger = logging.getLogger(__name__)
SEND_INVITATION_TASK = "secmods.consultations.tasks.send_invitation"
CLOSING_EVENT_KIND = "consultation_closing"  # reminders.py registers it


def replan_consultation(consultation_id: int) -> None:
    """Opened, its deadline moved, deleted, or its respondents changed (an invitation added
    or withdrawn, a response given or removed): its closing reminders are planned again in
    this transaction, so a rolled-back change plans nothing."""
    replan_event(CLOSING_EVENT_KIND, consultation_id)


def check_comment_meeting(author: Any, meeting: Any) -> None:
    """A comment tied to a meeting needs an active Membership of that meeting's committee
    (SECAS staff, who minute meetings, are exempt)."""
    if meeting is None or is_secas_staff(author):
        return
    if meeting.committee_id not in active_committee_ids(author, timezone.localdate()):
        raise ValidationError(
            {
                "meeting": f"You are not an active member of the {meeting.committee}, "
                "so you cannot comment at its meetings."
            }
        )


@transaction.atomic
def create_comment(
    *, author: Any, modification: Any, text: str, position: str = "", meeting: Any = None
) -> Comment:
    check_comment_meeting(author, meeting)
    comment = Comment(
        author=author, modification=modification, text=text, position=position, meeting=meeting
    )
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def update_comment(comment: Comment, *, editor: Any, **fields: Any) -> Comment:
    if not can_edit_comment(editor, comment):
        raise ValidationError("You can change only your own comments.", code="not_author")
    for name, value in fields.items():
        setattr(comment, name, value)
    if "meeting" in fields:
        check_comment_meeting(comment.author, comment.meeting)
    comment.full_clean()
    comment.save()
    return comment


def can_edit_comment(user: Any, comment: Comment) -> bool:
    return is_secas_staff(user) or (user.is_authenticated and comment.author_id == user.pk)


@transaction.atomic
def mark_comments_noted(comments: Any, *, noted: bool = True) -> int:
    """Staff mark which comments were summarised into the report (history kept per row)."""
    changed = 0
    for comment in comments:
        if comment.noted_in_report != noted:
            comment.noted_in_report = noted
            comment.save(update_fields=["noted_in_report", "updated_at"])
            changed += 1
    return changed


# --- Consultations ---------------------------------------------------------------------
class ConsultationClosed(ValidationError):
    """A response outside the consultation's window (before it opens, at or after its
    deadline), judged by the server's clock."""


class LinkInvalid(Exception):
    """A respondent's personal link that is tampered with, expired or revoked."""


def display_deadline(moment: datetime) -> str:
    local = timezone.localtime(moment, LONDON)
    hour = local.strftime("%I:%M%p").lstrip("0").lower().replace(":00", "")
    return f"{hour} (London time) on {local:%A} {local.day} {local:%B %Y}"


def default_closing_deadline(day: date) -> datetime:
    """5pm London time (CONSULTATION_CLOSING_TIME) on `day`, which must be a Working Day."""
    if not is_working_day(day):
        raise ValidationError(
            {"closes_on": f"{day.day} {day:%B %Y} is not a SEC Working Day; choose another."}
        )
    hours, minutes = (int(part) for part in settings.CONSULTATION_CLOSING_TIME.split(":"))
    # Built in London time, so 5pm stays 5pm across the clock change (16:00 or 17:00 UTC).
    return datetime.combine(day, time(hours, minutes), tzinfo=LONDON)


def _check_question_text(text: Any, position: int) -> str:
    text = (text or "").strip() if isinstance(text, str) or text is None else None
    if not text:
        raise ValidationError({"questions": f"Question {position} has no text."})
    return text


@transaction.atomic
def add_question(
    consultation: Consultation,
    *,
    text: str,
    kind: str = QuestionKind.AGREE_DISAGREE,
    order: int | None = None,
) -> Question:
    if order is None:
        order = consultation.questions.count() + 1
    question = Question(
        consultation=consultation, order=order, text=_check_question_text(text, order), kind=kind
    )
    question.full_clean()
    question.save()
    _bump(consultation.pk)
    return question


@transaction.atomic
def open_consultation(
    *,
    modification: Modification,
    kind: str,
    questions: Sequence[str | Mapping[str, Any]],
    title: str = "",
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    closes_on: date | None = None,
    created_by: Any = None,
) -> Consultation:
    """Open a consultation with its questions (text, or {"text", "kind"}).

    The deadline is `closes_at` if given, else 5pm London on `closes_on`, else 5pm on the
    Working Day CONSULTATION_DEFAULT_WORKING_DAYS after opening. Nothing is written unless
    every question is valid.
    """
    if kind not in ConsultationKind.values:
        raise ValidationError({"kind": f"'{kind}' is not a kind of consultation."})
    _check_consultable(modification)
    if not questions:
        raise ValidationError({"questions": "A consultation needs at least one question."})
    specs: list[tuple[str, str]] = []
    for position, spec in enumerate(questions, start=1):
        if isinstance(spec, Mapping):
            text, qkind = spec.get("text"), spec.get("kind") or QuestionKind.AGREE_DISAGREE
        else:
            text, qkind = spec, QuestionKind.AGREE_DISAGREE
        if qkind not in QuestionKind.values:
            raise ValidationError({"questions": f"Question {position}: unknown kind '{qkind}'."})
        specs.append((_check_question_text(text, position), qkind))
    opens_at = opens_at or timezone.now()
    if closes_at is None:
        if closes_on is None:
            closes_on = add_working_days(
                timezone.localtime(opens_at, LONDON).date(),
                settings.CONSULTATION_DEFAULT_WORKING_DAYS,
            )
        closes_at = default_closing_deadline(closes_on)
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": "The deadline must be after the opening time."})
    consultation = Consultation(
        modification=modification,
        kind=kind,
        title=title.strip() or f"{modification.reference} {ConsultationKind(kind).label}",
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=created_by if getattr(created_by, "pk", None) else None,
    )
    consultation.full_clean()
    if consultation.created_by is not None:
        consultation._history_user = consultation.created_by  # type: ignore[attr-defined]
    consultation.save()
    Question.objects.bulk_create(
        Question(consultation=consultation, order=order, text=text, kind=qkind)
        for order, (text, qkind) in enumerate(specs, start=1)
    )
    public_content_changed()
    replan_consultation(consultation.pk)
    return consultation


def _check_consultable(modification: Modification) -> None:
    if modification.stage in CLOSED_STAGES:
        raise ValidationError(
            {
                "modification": f"{modification.reference} is "
                f"{modification.get_stage_display()}; it cannot be consulted on."
            }
        )


@transaction.atomic
def update_consultation(
    consultation: Consultation,
    *,
    expected_version: int | None = None,
    closes_on: date | None = None,
    user: Any = None,
    **fields: Any,
) -> Consultation:
    """Change a consultation's modification, kind, title, opening or deadline (5pm London on
    `closes_on` when no exact `closes_at` is given), version-checked."""
    locked = lock_for_write(
        Consultation, consultation.pk, expected_version=expected_version, what="consultation"
    )
    allowed = {"modification", "kind", "title", "opens_at", "closes_at"}
    if set(fields) - allowed:
        raise ValidationError(f"Cannot change {', '.join(sorted(set(fields) - allowed))} here.")
    if "kind" in fields and fields["kind"] not in ConsultationKind.values:
        raise ValidationError({"kind": f"'{fields['kind']}' is not a kind of consultation."})
    if "modification" in fields and fields["modification"].pk != locked.modification_id:
        _check_consultable(fields["modification"])
    if fields.get("closes_at") is None:
        fields.pop("closes_at", None)
        if closes_on is not None:
            fields["closes_at"] = default_closing_deadline(closes_on)
    if not fields.get("opens_at", True):
        fields.pop("opens_at")
    for name, value in fields.items():
        setattr(locked, name, value)
    if not (locked.title or "").strip():
        locked.title = f"{locked.modification.reference} {ConsultationKind(locked.kind).label}"
    if locked.closes_at <= locked.opens_at:
        raise ValidationError({"closes_at": "The deadline must be after the opening time."})
    locked.version += 1
    locked.full_clean()
    if user is not None and getattr(user, "pk", None):
        locked._history_user = user  # type: ignore[attr-defined]
    locked.save()
    public_content_changed()
    replan_consultation(locked.pk)  # a deadline moved moves its closing reminders
    return locked


@transaction.atomic
def delete_consultation(consultation: Consultation) -> None:
    locked = lock_for_write(Consultation, consultation.pk, expected_version=None)
    pk = locked.pk
    locked.delete()
    public_content_changed()
    replan_consultation(pk)


def _bump(consultation_id: int) -> None:
    Consultation.objects.filter(pk=consultation_id).update(version=models.F("version") + 1)
    # The register shows a consultation's questions with its published responses.
    public_content_changed()


@transaction.atomic
def update_question(question: Question, **fields: Any) -> Question:
    locked = Question.objects.select_for_update().get(pk=question.pk)
    if "text" in fields:
        fields["text"] = _check_question_text(fields["text"], fields.get("order", locked.order))
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    _bump(locked.consultation_id)
    return locked


@transaction.atomic
def delete_question(question: Question) -> None:
    if question.answers.exists():
        raise ValidationError(
            f"Question {question.order} has answers; it cannot be taken out of the consultation."
        )
    consultation_id = question.consultation_id
    question.delete()
    _bump(consultation_id)


# --- Personal links --------------------------------------------------------------------
def response_token(invitation: Invitation) -> str:
    return signing.dumps(
        {"i": invitation.pk, "k": invitation.key}, salt=settings.CONSULTATION_LINK_SALT
    )


def response_link(invitation: Invitation) -> str:
    path = reverse("consultations:respond", args=[response_token(invitation)])
    return f"{settings.SITE_URL}{path}"


def resolve_response_link(token: str) -> Invitation:
    """The invitation a personal link names, or LinkInvalid saying why not."""
    try:
        payload = signing.loads(
            token, salt=settings.CONSULTATION_LINK_SALT, max_age=settings.CONSULTATION_LINK_MAX_AGE
        )
    except signing.SignatureExpired as exc:
        raise LinkInvalid(
            "This link has expired. Ask SECAS for a new one if the consultation is still open."
        ) from exc
    except signing.BadSignature as exc:
        raise LinkInvalid("This link is not valid. Check that you copied all of it.") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("i"), int):
        raise LinkInvalid("This link is not valid. Check that you copied all of it.")
    invitation = (
        Invitation.objects.select_related("consultation__modification", "organisation")
        .filter(pk=payload["i"], key=str(payload.get("k", "")))
        .first()
    )
    if invitation is None:
        raise LinkInvalid("This link has been replaced by a newer one or withdrawn.")
    if invitation.revoked_at is not None:
        raise LinkInvalid("This link has been withdrawn by SECAS.")
    return invitation


@dataclass(frozen=True)
class Invitee:
    email: str
    name: str = ""
    organisation: Any = None


def _invitation_email(invitation: Invitation) -> tuple[str, str]:
    consultation = invitation.consultation
    reference = consultation.modification.reference
    subject = f"SEC consultation: {consultation.title}"
    greeting = f"Dear {invitation.name}," if invitation.name else "Hello,"
    body = (
        f"{greeting}\n\n"
        f"SECAS invites you to respond to the {consultation.get_kind_display()} on "
        f'{reference} "{consultation.modification.title}".\n\n'
        f"Your personal response link (no account needed; do not forward it):\n"
        f"{response_link(invitation)}\n\n"
        f"Responses are due by {display_deadline(consultation.closes_at)}. "
        "You can change your response until then.\n\nSECAS\n"
    )
    return subject, body


def send_invitation(invitation: Invitation) -> None:
    """Queue the invitation's email; a worker sends it after this transaction commits."""
    enqueue_after_commit(SEND_INVITATION_TASK, invitation.pk, invitation.key)


def deliver_invitation(invitation_id: int, key: str) -> str:
    """Send one invitation's email (in the worker). Nothing to do once it is sent, revoked,
    or replaced by a newer link (a late or repeated message)."""
    now = timezone.now()
    # Claim it first, so that two deliveries of one message send one email.
    claimed = Invitation.objects.filter(
        pk=invitation_id, key=key, sent_at__isnull=True, revoked_at__isnull=True
    ).update(sent_at=now)
    if not claimed:
        return "nothing to do"
    invitation = Invitation.objects.select_related("consultation__modification").get(
        pk=invitation_id
    )
    subject, body = _invitation_email(invitation)
    try:
        send_mail(subject, body, None, [invitation.email])
    except Exception:
        Invitation.objects.filter(pk=invitation_id, sent_at=now).update(sent_at=None)
        raise
    return "sent"


def queue_unsent_invitations(*, older_than_seconds: int = 120) -> int:
    """Queue again the unsent invitations of open consultations (a broker that was away,
    a worker that died). Run by beat."""
    now = timezone.now()
    unsent = Invitation.objects.filter(
        sent_at__isnull=True,
        revoked_at__isnull=True,
        consultation__closes_at__gt=now,
        created_at__lt=now - timedelta(seconds=older_than_seconds),
    ).values_list("pk", "key")
    count = 0
    for pk, key in unsent:
        enqueue_after_commit(SEND_INVITATION_TASK, pk, key)
        count += 1
    return count


def invite_respondents(
    consultation: Consultation, invitees: Iterable[Invitee | Mapping[str, Any]]
) -> list[Invitation]:
    """Invite respondents by email, each with a personal link. All rows or none are
    written; a worker sends the emails after the rows are committed (one refused address
    does not hold up the others). An invitation not yet sent has an empty `sent_at`."""
    if timezone.now() >= consultation.closes_at:
        raise ConsultationClosed("The consultation has closed; nobody can be invited to it.")
    people = [i if isinstance(i, Invitee) else Invitee(**dict(i)) for i in invitees]
    if not people:
        raise ValidationError({"invitees": "Give at least one email address."})
    with transaction.atomic():
        created = []
        for person in people:
            invitation = Invitation(
                consultation=consultation,
                email=person.email.strip().lower(),
                name=person.name.strip(),
                organisation=person.organisation,
                key=secrets.token_urlsafe(16),
            )
            # Constraints are checked by the database below, to name the address.
            invitation.full_clean(validate_constraints=False)
            try:
                with transaction.atomic():
                    invitation.save()
            except IntegrityError as exc:
                raise ValidationError(
                    {"invitees": f"{invitation.email} is already invited."}
                ) from exc
            created.append(invitation)
        replan_consultation(consultation.pk)  # the invited are reminded of the deadline
        for invitation in created:
            send_invitation(invitation)
    return created


@transaction.atomic
def revoke_invitation(invitation: Invitation) -> Invitation:
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        replan_consultation(invitation.consultation_id)
    return invitation


@transaction.atomic
def reissue_link(invitation: Invitation) -> str:
    """A new key: every earlier link for this invitation stops working."""
    invitation.key = secrets.token_urlsafe(16)
    invitation.revoked_at = None
    invitation.sent_at = None  # the new link is still to be sent
    invitation.save(update_fields=["key", "revoked_at", "sent_at"])
    replan_consultation(invitation.consultation_id)
    return response_link(invitation)


# --- Responses -------------------------------------------------------------------------
def check_open(consultation: Consultation, moment: datetime) -> None:
    if moment < consultation.opens_at:
        raise ConsultationClosed(
            f"This consultation opens at {display_deadline(consultation.opens_at)}; "
            "responses cannot be given before then.",
            code="not_open",
        )
    if moment >= consultation.closes_at:
        raise ConsultationClosed(
            f"This consultation closed at {display_deadline(consultation.closes_at)}; "
            "responses can no longer be given or changed.",
            code="closed",
        )


def _clean_answers(
    consultation: Consultation, answers: Mapping[int, Mapping[str, str]]
) -> dict[int, tuple[str, str]]:
    questions = {q.pk: q for q in consultation.questions.all()}
    cleaned: dict[int, tuple[str, str]] = {}
    errors: dict[str, list[str]] = {}
    for question_id, answer in answers.items():
        question = questions.get(int(question_id))
        if question is None:
            errors.setdefault("answers", []).append(
                f"Question {question_id} is not part of this consultation."
            )
            continue
        position = (answer.get("position") or "").strip()
        text = (answer.get("text") or "").strip()
        if "\x00" in text:
            errors.setdefault("answers", []).append(
                f"Question {question.order}: text may not contain NUL characters."
            )
            continue
        if position and question.kind != QuestionKind.AGREE_DISAGREE:
            errors.setdefault("answers", []).append(
                f"Question {question.order} asks for text, not agree/disagree."
            )
            continue
        if position and position not in AnswerPosition.values:
            errors.setdefault("answers", []).append(
                f"Question {question.order}: '{position}' is not agree, disagree or neutral."
            )
            continue
        if position or text:
            cleaned[question.pk] = (position, text)
    if errors:
        raise ValidationError(errors)
    if not cleaned:
        raise ValidationError({"answers": "Answer at least one question."})
    return cleaned


@transaction.atomic
def submit_response(
    consultation: Consultation,
    *,
    respondent_name: str,
    organisation_name: str,
    party_category: PartyCategory,
    answers: Mapping[int, Mapping[str, str]],
    confidential: bool = False,
    respondent_email: str = "",
    invitation: Invitation | None = None,
    entered_by: Any = None,
    received_at: datetime | None = None,
    response: Response | None = None,
) -> Response:
    """Give (or change) a response. Respondents answer between opening and deadline by the
    server's clock; staff entering a response that came by email give when it was received.

    With an invitation, its one response is changed in place (history kept)."""
    now = timezone.now()
    if entered_by is not None:
        if not is_secas_staff(entered_by):
            raise ValidationError("Only SECAS staff can enter responses received by email.")
        received_at = received_at or now
        if received_at > now:
            raise ValidationError({"received_at": "The time received cannot be in the future."})
    else:
        received_at = now
    if invitation is not None:
        # Lock the invitation: a double-click cannot create two responses.
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.consultation_id != consultation.pk:
            raise ValidationError("This link is for another consultation.")
        if invitation.revoked_at is not None:
            raise LinkInvalid("This link has been withdrawn by SECAS.")
    check_open(consultation, received_at)
    cleaned = _clean_answers(consultation, answers)

    if response is None and invitation is not None:
        response = Response.objects.filter(invitation=invitation).first()
    if response is not None and response.consultation_id != consultation.pk:
        raise ValidationError("This response belongs to another consultation.")
    if response is None:
        response = Response(consultation=consultation, invitation=invitation)
    was_published = response.published_at is not None
    response.respondent_name = (respondent_name or "").strip()
    response.respondent_email = (respondent_email or "").strip()
    response.organisation_name = (organisation_name or "").strip()
    response.party_category = party_category
    response.confidential = bool(confidential)
    response.received_at = received_at
    if response.confidential:
        response.published_at = None
    if entered_by is not None:
        response.entered_by = entered_by
        response._history_user = entered_by  # type: ignore[attr-defined]
    response.full_clean()
    response.save()
    kept = []
    for question_id, (position, text) in cleaned.items():
        Answer.objects.update_or_create(
            response=response,
            question_id=question_id,
            defaults={"position": position, "text": text},
        )
        kept.append(question_id)
    response.answers.exclude(question_id__in=kept).delete()
    # Only published responses are public, but a response entered late for a consultation
    # whose responses are out changes what the register shows.
    if was_published:
        public_content_changed()
    replan_consultation(response.consultation_id)  # who answered is reminded no more
    return response


def _set_published(responses: Any, when: datetime | None, user: Any) -> int:
    # Row by row through save(), not QuerySet.update(): every change keeps its history row
    # (simple-history writes none for update()). A consultation has tens of responses.
    changed = 0
    for response in responses.select_for_update():
        response.published_at = when
        if user is not None and getattr(user, "pk", None):
            response._history_user = user
        response.save(update_fields=["published_at"])
        changed += 1
    if changed:
        public_content_changed()
    return changed


@transaction.atomic
def publish_responses(
    consultation: Consultation, *, when: datetime | None = None, user: Any = None
) -> int:
    """Publish the non-confidential responses of a closed consultation to the register."""
    when = when or timezone.now()
    if when < consultation.closes_at:
        raise ValidationError(
            "Responses are published once the consultation has closed "
            f"({display_deadline(consultation.closes_at)})."
        )
    unpublished = consultation.responses.filter(confidential=False, published_at__isnull=True)
    return _set_published(unpublished, when, user)


@transaction.atomic
def unpublish_responses(consultation: Consultation, *, user: Any = None) -> int:
    return _set_published(consultation.responses.filter(published_at__isnull=False), None, user)


@transaction.atomic
def delete_comment(comment: Comment, *, editor: Any) -> None:
    if not can_edit_comment(editor, comment):
        raise ValidationError("You can delete only your own comments.", code="not_author")
    comment.delete()


@transaction.atomic
def delete_response(response: Response, *, user: Any = None) -> None:
    """Delete a response (entered twice, or sent by mistake), its answers with it; the
    consultation's version moves on, as its summary changed."""
    locked = lock_for_write(Consultation, response.consultation_id, expected_version=None)
    if getattr(user, "pk", None):
        response._history_user = user  # type: ignore[attr-defined]
    response.delete()
    replan_consultation(locked.pk)
    _bump(locked.pk)


@transaction.atomic
def delete_invitation(invitation: Invitation) -> None:
    """Delete an invitation and its link; a response sent through it is kept (its
    respondent's details are on the response)."""
    consultation_id = invitation.consultation_id
    invitation.delete()
    replan_consultation(consultation_id)
