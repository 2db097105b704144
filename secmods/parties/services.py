"""Erasing a person's personal data (UK GDPR right to erasure), history rows included.

What identifies someone goes: their name and email on the Person and on every historical row
of it, their login's names and address (the login stays, deactivated, because comments and
audit rows point at it), consultation responses and invitations sent to their address,
reminders addressed to them, their address in reminder rules, and the failed-login records
that hold their username. What the SEC's records need is kept and said: votes (with the
Party Category they were cast for), committee memberships (committee, role, dates), and the
text of comments, now authored by an anonymous login.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from secmods.parties.models import Person

FORGOTTEN_NAME = "Forgotten person"


def _placeholder_email(kind: str, pk: int) -> str:
    # Some fields require an address; .invalid (RFC 2606) can never be delivered to.
    return f"forgotten-{kind}-{pk}@example.invalid"


@dataclass
class ForgetReport:
    person_id: int
    erased: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)


@transaction.atomic
def forget_person(person_id: int) -> ForgetReport:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from secmods.committees.models import Membership
    from secmods.consultations.models import Comment, Invitation, Response
    from secmods.reminders.models import Reminder, ReminderRule, Unsubscription
    from secmods.votes.models import Vote

    person = Person.objects.select_for_update().get(pk=person_id)
    report = ForgetReport(person_id=person.pk)
    email = person.email.strip()
    erased = report.erased

    name = f"{FORGOTTEN_NAME} {person.pk}"
    erased["person history rows"] = Person.history.filter(id=person.pk).update(  # type: ignore[attr-defined]
        name=name, email=""
    )
    # A queryset update writes no new history row holding the old values.
    Person.objects.filter(pk=person.pk).update(name=name, email="")

    user = person.user
    if user is not None:
        User = get_user_model()
        username = user.get_username()
        anonymous = f"forgotten-{user.pk}"
        User.objects.filter(pk=user.pk).update(
            username=anonymous,
            first_name="",
            last_name="",
            email="",
            is_active=False,
            password=make_password(None),  # unusable: nobody can log in as them
        )
        erased["login"] = 1
        erased["failed-login records"] = sum(
            model.objects.filter(username=username).delete()[0]
            for model in (AccessAttempt, AccessLog, AccessFailureLog)
        )
        comments = Comment.objects.filter(author_id=user.pk).count()
        if comments:
            report.kept.append(
                f"{comments} comment(s): their text, now by the anonymous login '{anonymous}'"
            )

    if email:
        responses = Response.objects.filter(respondent_email__iexact=email)
        ids = list(responses.values_list("pk", flat=True))
        erased["consultation responses"] = responses.update(
            respondent_name=FORGOTTEN_NAME, respondent_email=""
        )
        erased["consultation response history rows"] = Response.history.filter(  # type: ignore[attr-defined]
            id__in=ids
        ).update(respondent_name=FORGOTTEN_NAME, respondent_email="")
        if ids:
            report.kept.append(
                f"{len(ids)} consultation response(s): organisation, Party Category and answers"
            )
        invitations = 0
        for invitation in Invitation.objects.filter(email__iexact=email):
            invitation.name = ""
            invitation.email = _placeholder_email("invitation", invitation.pk)
            invitation.save(update_fields=["name", "email"])
            invitations += 1
        erased["consultation invitations"] = invitations
        reminders = 0
        for reminder in Reminder.objects.filter(recipient_email__iexact=email).only("pk"):
            Reminder.objects.filter(pk=reminder.pk).update(
                recipient_email=_placeholder_email("reminder", reminder.pk), recipient_name=""
            )
            reminders += 1
        erased["reminder emails (outbox)"] = reminders
        erased["unsubscriptions"] = Unsubscription.objects.filter(email__iexact=email).delete()[0]
        rules = 0
        for rule in ReminderRule.objects.filter(addresses__icontains=email):
            lines = [line for line in rule.addresses.splitlines() if line.strip()]
            kept_lines = [line for line in lines if line.strip().lower() != email.lower()]
            if kept_lines != lines:
                ReminderRule.objects.filter(pk=rule.pk).update(addresses="\n".join(kept_lines))
                rules += 1
        erased["addresses in reminder rules"] = rules

    votes = Vote.objects.filter(person_id=person.pk).select_related("party_category")
    for vote in votes:
        report.kept.append(
            f"vote {vote.pk} ({vote.choice}) for Party Category '{vote.party_category}'"
        )
    memberships = Membership.objects.filter(person_id=person.pk).select_related("committee")
    for membership in memberships:
        report.kept.append(
            f"membership of {membership.committee} from {membership.start_date}"
            f" to {membership.end_date or 'now'}"
        )
    if person.organisation_id:
        report.kept.append(f"organisation '{person.organisation}' (not personal data)")
    return report


@transaction.atomic
def save_person(person: Person | None = None, *, editor: Any = None, **fields: Any) -> Person:
    """Add a person (a proposer, analyst or committee member) or change their details."""
    person = person or Person()
    for name, value in fields.items():
        setattr(person, name, value)
    person.full_clean()
    if editor is not None and getattr(editor, "pk", None):
        person._history_user = editor  # type: ignore[attr-defined]
    person.save()
    return person


@transaction.atomic
def delete_person(person: Person) -> None:
    """Delete a person nothing protects (a proposer of a modification is kept: PROTECT)."""
    person.delete()
