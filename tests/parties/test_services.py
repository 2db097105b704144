"""manage.py forget_person: a person's personal data goes, history included; the SEC's
records stay and the command says what it kept."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import ProtectedError
from django.utils import timezone

from secmods.consultations.models import Comment, Invitation, Response
from secmods.parties import services
from secmods.parties.models import Organisation, Person
from secmods.reminders.models import Reminder, ReminderRule, Unsubscription
from secmods.votes.services import record_vote
from tests.factories import (
    ChangeBoardMembershipFactory,
    CommentFactory,
    ConsultationFactory,
    InvitationFactory,
    ModificationFactory,
    PersonFactory,
    ReminderRuleFactory,
    UserFactory,
    party_category,
)

EMAIL = "ada.lovelace@supplier.example"


@pytest.fixture
def ada(db):  # type: ignore[no-untyped-def]
    user = UserFactory(
        username="ada", email=EMAIL, first_name="Ada", last_name="Lovelace", committee_member=True
    )
    person = PersonFactory(name="Ada Lovelace", email=EMAIL, user=user)
    person.name = "Ada King"  # a second history row with her name
    person.save()
    membership = ChangeBoardMembershipFactory(person=person)
    modification = ModificationFactory(stage="change_board", path="path_3")
    staff = UserFactory(secas_staff=True, username="analyst")
    record_vote(modification, person=person, choice="for", recorded_by=staff)
    CommentFactory(modification=modification, author=user, text="We support this.")
    consultation = ConsultationFactory()
    invitation = InvitationFactory(consultation=consultation, email=EMAIL.upper(), name="Ada")
    Response.objects.create(
        consultation=consultation,
        invitation=invitation,
        respondent_name="Ada Lovelace",
        respondent_email=EMAIL,
        organisation_name="Energy Supplier Ltd",
        party_category=party_category("large-supplier"),
        received_at=consultation.opens_at,
    )
    rule = ReminderRuleFactory(
        recipient_kinds=["named"], addresses=f"secretariat@example.org\n{EMAIL}"
    )
    Reminder.objects.create(
        rule=rule,
        event_kind="meeting",
        event_ref="1",
        event_label="Change Board",
        event_day=dt.date(2026, 1, 5),
        recipient_email=EMAIL,
        recipient_name="Ada Lovelace",
        due_at=timezone.now(),
    )
    Unsubscription.objects.create(email=EMAIL, rule=rule)
    AccessAttempt.objects.create(
        username="ada", ip_address="203.0.113.1", user_agent="x", failures_since_start=1
    )
    return person, membership


def _all_text() -> str:
    """Every value of every row that could hold her, history tables included."""
    rows = [
        *Person.objects.values_list(),
        *Person.history.values_list(),
        *User.objects.values_list(),
        *Response.objects.values_list(),
        *Response.history.values_list(),
        *Invitation.objects.values_list(),
        *Reminder.objects.values_list(),
        *ReminderRule.objects.values_list(),
        *Unsubscription.objects.values_list(),
        *AccessAttempt.objects.values_list(),
    ]
    return repr(rows).lower()


def test_forget_person_erases_her_everywhere_and_says_what_it_kept(ada):
    person, membership = ada
    assert "lovelace" in _all_text() and "ada king" in _all_text()
    out = StringIO()
    call_command("forget_person", str(person.pk), stdout=out)
    text = _all_text()
    assert "lovelace" not in text and "ada king" not in text and '"ada"' not in text
    assert EMAIL not in text
    user = User.objects.get(pk=person.user_id)
    assert not user.is_active and not user.has_usable_password()
    # The SEC's records stay: her vote and its Party Category, the comment, the membership.
    output = out.getvalue()
    assert "kept: vote" in output and "Large Supplier" in output
    assert "kept: 1 comment(s)" in output
    assert "kept: membership of" in output
    assert Comment.objects.get().text == "We support this."
    membership.refresh_from_db()
    assert membership.person_id == person.pk
    assert ReminderRule.objects.get(name__startswith="Papers reminder").addresses == (
        "secretariat@example.org"
    )
    assert "erased: 1 reminder emails (outbox)" in output
    assert "erased: 1 consultation responses" in output


def test_an_unknown_person_is_one_readable_line(db):
    with pytest.raises(CommandError, match="No person has id 999"):
        call_command("forget_person", "999")


def test_a_failure_half_way_writes_nothing(ada, monkeypatch):
    person, _ = ada
    from secmods.reminders.models import ReminderRule as Rule

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    # Fails after the person, login and responses have been rewritten.
    monkeypatch.setattr(Rule.objects, "filter", broken)
    with pytest.raises(RuntimeError):
        call_command("forget_person", str(person.pk))
    person.refresh_from_db()
    assert person.name == "Ada King" and person.email == EMAIL
    assert User.objects.get(pk=person.user_id).username == "ada"
    assert Response.objects.get().respondent_email == EMAIL


def test_every_app_that_holds_personal_data_registers_its_eraser():
    from secmods.parties.services import registered_erasers

    modules = {eraser.__module__ for eraser in registered_erasers()}
    assert modules == {
        "secmods.committees.personal_data",
        "secmods.consultations.personal_data",
        "secmods.reminders.personal_data",
        "secmods.votes.personal_data",
    }


# --- Reference data: Party Categories and organisations -------------------------------
def test_an_organisation_named_like_another_whatever_its_case_is_refused(db):  # type: ignore[no-untyped-def]
    services.save_organisation(name="Data Communications Company", short_name="DCC")
    with pytest.raises(ValidationError):
        services.save_organisation(name="data communications company")
    assert Organisation.objects.filter(name__iexact="data communications company").count() == 1


def test_a_party_category_is_renamed_and_one_in_use_is_kept(db):  # type: ignore[no-untyped-def]
    category = services.save_party_category(name="Meter Operators", slug="meter-operators")
    services.save_party_category(category, name="Meter Operators and Installers")
    category.refresh_from_db()
    assert category.name == "Meter Operators and Installers"
    services.save_organisation(name="Installer Ltd", party_category=category)
    with pytest.raises(ProtectedError):
        services.delete_party_category(category)
    assert Organisation.objects.filter(party_category=category).exists()
