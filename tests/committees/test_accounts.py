"""Inviting a committee member: an account with a set-password link; password reset."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse

from secmods.committees import services
from secmods.core.roles import is_committee_member
from tests.factories import CommitteeFactory

NEW_PASSWORD = "a long and unusual passphrase 42"


def _link(body: str, site: str) -> str:
    return re.search(rf"{re.escape(site)}(\S+)", body).group(1)  # type: ignore[union-attr]


def test_an_invited_member_sets_a_password_and_logs_in(db, settings, run_queued_tasks):
    settings.SITE_URL = "https://secmods.example"
    committee = CommitteeFactory()
    with run_queued_tasks():
        user = services.invite_committee_member(
            email="Ann.Member@Example.org", name="Ann Member", committee=committee
        )
        assert not mail.outbox  # sent by a worker, after the request
    assert is_committee_member(user) and user.is_staff and not user.has_usable_password()
    assert user.person.memberships.get().committee == committee
    (message,) = mail.outbox
    assert message.to == ["ann.member@example.org"]
    client = Client()
    path = _link(message.body, "https://secmods.example")
    page = client.get(path, follow=True)
    assert page.status_code == 200
    form_url = page.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    # django-axes checks logins against the request they come in; Client.login has none.
    assert client.login(
        request=RequestFactory().post("/admin/login/"),
        username="ann.member@example.org",
        password=NEW_PASSWORD,
    )
    # The link works once.
    again = Client().get(path, follow=True)
    assert not again.context["validlink"]


def test_inviting_an_existing_address_is_refused(db, run_queued_tasks):
    with run_queued_tasks():
        services.invite_committee_member(email="b@example.org", name="B")
    with pytest.raises(ValidationError, match="exists already"):
        services.invite_committee_member(email="B@example.org", name="B again")
    assert User.objects.count() == 1 and len(mail.outbox) == 1


def test_password_reset_uses_djangos_views_and_email(db, member_user, run_queued_tasks):
    client = Client()
    login = client.get(reverse("admin:login"))
    assert reverse("admin_password_reset").encode() in login.content
    with run_queued_tasks():  # a worker sends it (tests/core/test_accounts.py)
        page = client.post(reverse("admin_password_reset"), {"email": member_user.email})
    assert page.status_code == 302
    (message,) = mail.outbox
    assert "/accounts/reset/" in message.body


def test_staff_invite_a_member_from_the_committee_admin(db, secas_client, run_queued_tasks):
    committee = CommitteeFactory()
    url = reverse("admin:committees_committee_invite", args=[committee.pk])
    with run_queued_tasks():
        page = secas_client.post(url, {"name": "Cat Member", "email": "cat@example.org"})
    assert page.status_code == 302
    assert User.objects.get(email="cat@example.org").person.memberships.get().committee == committee
    again = secas_client.post(url, {"name": "Cat Again", "email": "cat@example.org"})
    assert "exists already" in str(again.context["form"].errors["email"])
    assert len(mail.outbox) == 1


def test_members_cannot_invite(db, member_client):
    url = reverse("admin:committees_committee_invite", args=[CommitteeFactory().pk])
    assert member_client.post(url, {"name": "X", "email": "x@example.org"}).status_code == 403
