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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from secmods.core.pagecache import public_content_changed
from secmods.core.writes import save_fields
from secmods.parties.models import Organisation, PartyCategory, Person

FORGOTTEN_NAME = "Forgotten person"


def placeholder_email(kind: str, pk: int) -> str:
    # Some fields require an address; .invalid (RFC 2606) can never be delivered to.
    return f"forgotten-{kind}-{pk}@example.invalid"


@dataclass
class ForgetReport:
    person_id: int
    erased: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)


@dataclass
class Erasure:
    """What an eraser is told about the person being forgotten, and where it reports."""

    person: Person
    email: str  # the address they used, stripped; "" when none
    user_id: int | None  # their login, already anonymised, or None
    anonymous_login: str  # the login's new username ("" without a login)
    report: ForgetReport


Eraser = Callable[[Erasure], None]

# Each app that holds personal data registers its eraser from its AppConfig.ready(), so
# that this app, low in the layers, need not know their tables (docs/deploy.md).
_erasers: list[Eraser] = []


def register_eraser(eraser: Eraser) -> None:
    if eraser not in _erasers:
        _erasers.append(eraser)


@transaction.atomic
def forget_person(person_id: int) -> ForgetReport:
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
    anonymous = ""
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

    erasure = Erasure(
        person=person,
        email=email,
        user_id=user.pk if user is not None else None,
        anonymous_login=anonymous,
        report=report,
    )
    for eraser in _erasers:
        eraser(erasure)
    if person.organisation_id:
        report.kept.append(f"organisation '{person.organisation}' (not personal data)")
    public_content_changed()  # a proposer's name is on the register
    return report


def registered_erasers() -> list[Any]:
    return list(_erasers)


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
    public_content_changed()  # proposers and Lead Analysts are named on the register
    return person


@transaction.atomic
def delete_person(person: Person) -> None:
    """Delete a person nothing protects (a proposer of a modification is kept: PROTECT)."""
    person.delete()
    public_content_changed()


# --- Reference data: Party Categories and organisations -------------------------------
@transaction.atomic
def save_party_category(
    category: PartyCategory | None = None, *, editor: Any = None, **fields: Any
) -> PartyCategory:
    """Add a Party Category or rename one (votes and summaries count by it)."""
    category = save_fields(category or PartyCategory(), fields, editor=editor)
    public_content_changed()  # the register names it
    return category


@transaction.atomic
def delete_party_category(category: PartyCategory) -> None:
    """Delete a Party Category no organisation, member or vote names (PROTECT)."""
    category.delete()
    public_content_changed()  # the register names it


@transaction.atomic
def save_organisation(
    organisation: Organisation | None = None, *, editor: Any = None, **fields: Any
) -> Organisation:
    """Add an organisation or change its name or Party Category."""
    organisation = save_fields(organisation or Organisation(), fields, editor=editor)
    public_content_changed()  # the register names it
    return organisation


@transaction.atomic
def delete_organisation(organisation: Organisation) -> None:
    """Delete an organisation nobody belongs to (PROTECT)."""
    organisation.delete()
    public_content_changed()  # the register names it
