"""Proof under attack (issue 9): login lockout, security headers, CSRF on every form, former
committee members, and no secret in the repository."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from secmods.consultations.services import response_token
from secmods.core.roles import is_committee_member
from tests.core.test_admin_permissions import MODEL_LABELS, change_url, first_object, snapshot
from tests.core.test_admin_permissions import world as world
from tests.factories import (
    ConsultationFactory,
    InvitationFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
)

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"


class WhoAmI(APIView):
    """A protected API view for the token tests: the api branch brings the real ones."""

    permission_classes = [IsAuthenticated]

    def get(self, request):  # type: ignore[no-untyped-def]
        return Response({"username": request.user.username})


urlpatterns = [path("whoami/", WhoAmI.as_view())]


def admin_login(client, username, password, ip="203.0.113.7"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


@pytest.mark.django_db
def test_admin_login_locks_out_after_five_failures_for_that_username_and_address(settings):
    settings.AXES_FAILURE_LIMIT = 5
    UserFactory(username="analyst", secas_staff=True)
    client = Client()
    for _ in range(5):
        assert admin_login(client, "analyst", "wrong").status_code in (200, 429)
    locked = admin_login(client, "analyst", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # The same person from their office, and another user from the attacker's address, still
    # get in: the lockout is for the pair, so nobody can lock staff out from elsewhere.
    office = admin_login(Client(), "analyst", PASSWORD, ip="198.51.100.20")
    assert office.status_code == 302
    UserFactory(username="colleague", secas_staff=True)
    assert admin_login(Client(), "colleague", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="analyst", secas_staff=True)
    for _ in range(2):
        admin_login(Client(), "analyst", "wrong")
    assert admin_login(Client(), "analyst", PASSWORD).status_code == 302
    for _ in range(2):
        admin_login(Client(), "analyst", "wrong")
    assert admin_login(Client(), "analyst", PASSWORD).status_code == 302


@pytest.mark.django_db
@pytest.mark.urls("tests.core.test_security")
def test_bad_api_tokens_lock_out_the_address_for_tokens(settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory(username="integration")
    good = Token.objects.create(user=user).key
    client = APIClient(REMOTE_ADDR="203.0.113.9")
    assert client.get("/whoami/", HTTP_AUTHORIZATION=f"Token {good}").status_code == 200
    statuses = [
        client.get("/whoami/", HTTP_AUTHORIZATION=f"Token {'0' * 39}{n}").status_code
        for n in range(3)
    ]
    # The failure that reaches the limit is itself answered "locked".
    assert statuses == [401, 401, 429]
    locked = client.get("/whoami/", HTTP_AUTHORIZATION=f"Token {good}")
    assert locked.status_code == 429
    assert AccessAttempt.objects.filter(ip_address="203.0.113.9").exists()
    # Another address with the good token is not affected.
    other = APIClient(REMOTE_ADDR="198.51.100.3")
    assert other.get("/whoami/", HTTP_AUTHORIZATION=f"Token {good}").status_code == 200


@pytest.mark.django_db
def test_proxy_hop_gives_the_client_address(settings, rf):
    from secmods.core.authentication import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5")
    settings.SECMODS_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.SECMODS_PROXY_COUNT = 1
    # The client can write anything on the left; only the hop our proxy added is trusted.
    assert client_ip(request) == "203.0.113.5"


@pytest.mark.django_db
def test_security_headers_on_public_and_admin_pages(client):
    public = client.get("/")
    assert public.status_code == 200
    assert public["X-Frame-Options"] == "DENY"
    assert public["Referrer-Policy"] == "same-origin"
    assert public["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in public["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in public["Content-Security-Policy"]
    login = client.get(reverse("admin:login"))
    assert login["X-Frame-Options"] == "DENY"
    assert login["Referrer-Policy"] == "same-origin"


def test_production_sends_hsts_and_secure_cookies(tmp_path):
    import os
    import sys

    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/health/', secure=True, HTTP_HOST='secmods.example.org'); "
        "print(r.status_code, r.get('Strict-Transport-Security')); "
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "z" * 64,
        "ALLOWED_HOSTS": "secmods.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    lines = result.stdout.strip().splitlines()
    assert lines[-2].split(" ", 1)[1] == "max-age=31536000; includeSubDomains; preload", result
    assert lines[-1] == "True True"


# --- CSRF on every form ---------------------------------------------------------------------


def _post_forms(html: str) -> list[str]:
    return re.findall(r"<form[^>]*method=[\"']post[\"'][^>]*>.*?</form>", html, re.S | re.I)


@pytest.mark.parametrize("label", MODEL_LABELS)
def test_every_admin_form_carries_a_token_and_is_refused_without_it(world, label):
    model = apps.get_model(label)
    obj = first_object(model)
    meta = model._meta
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(secas_staff=True, username="staff"))
    urls = [change_url(model, obj)]
    if admin.site._registry[model].has_add_permission(_staff_request()):
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    before = snapshot(model)
    for url in urls:
        page = client.get(url)
        assert page.status_code in (200, 403)
        for form in _post_forms(page.content.decode()):
            assert 'name="csrfmiddlewaretoken"' in form, f"{url}: a form without a token"
        assert client.post(url, {"_save": "Save"}).status_code == 403
    delete_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert snapshot(model) == before


def _staff_request():  # type: ignore[no-untyped-def]
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = UserFactory(secas_staff=True, username="staff")
    return request


@pytest.mark.django_db
def test_public_forms_carry_a_token_and_are_refused_without_it():
    from secmods.reminders.models import Unsubscription
    from secmods.reminders.services import unsubscribe_token
    from tests.factories import QuestionFactory, ReminderRuleFactory

    now = timezone.now()
    consultation = ConsultationFactory(
        opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=10)
    )
    QuestionFactory(consultation=consultation, kind="free_text", text="Any comments?")
    invitation = InvitationFactory(consultation=consultation)
    rule = ReminderRuleFactory(recipient_kinds=["named"], addresses="someone@example.org")
    urls = [
        reverse("admin:login"),
        reverse("password_reset"),
        reverse("consultations:respond", args=[response_token(invitation)]),
    ]
    client = Client(enforce_csrf_checks=True)
    for url in urls:
        page = client.get(url)
        forms = _post_forms(page.content.decode())
        assert forms, f"{url} shows no form"
        for form in forms:
            assert 'name="csrfmiddlewaretoken"' in form, url
        assert client.post(url, {"username": "x", "email": "x@example.org"}).status_code == 403

    # The one exemption, on purpose (secmods/reminders/views.py): one-click unsubscribe
    # (RFC 8058) is POSTed by mail clients without a cookie, so the signed token in the URL
    # is the credential. A token that is not ours changes nothing.
    token = unsubscribe_token("someone@example.org", rule.pk)
    forged = reverse("reminders:unsubscribe", args=[token[:-3] + "AAA"])
    assert client.post(forged).status_code == 400
    assert not Unsubscription.objects.exists()


# --- A committee member whose membership ended yesterday ------------------------------------


@pytest.fixture
def former_member(db):  # type: ignore[no-untyped-def]
    user = UserFactory(committee_member=True, username="former")
    person = PersonFactory(user=user)
    today = timezone.localdate()
    MembershipFactory(person=person, start_date=dt.date(2020, 1, 1), end_date=today)
    assert is_committee_member(user)  # still a member today, the last day
    person.memberships.update(end_date=today - dt.timedelta(days=1))
    return type(user).objects.get(pk=user.pk)


@pytest.mark.parametrize("label", MODEL_LABELS)
def test_former_member_is_refused_every_admin_page(world, former_member, label):
    assert not is_committee_member(former_member)
    model = apps.get_model(label)
    obj = first_object(model)
    meta = model._meta
    client = Client()
    client.force_login(former_member)
    before = snapshot(model)
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    add_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
    delete_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk])
    assert client.get(changelist).status_code == 403
    assert client.get(change_url(model, obj)).status_code == 403
    assert client.post(change_url(model, obj), {"_save": "Save"}).status_code == 403
    assert client.get(add_url).status_code == 403
    assert client.post(add_url, {}).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert snapshot(model) == before


@pytest.mark.django_db
def test_a_current_member_keeps_access_and_a_hand_made_login_too(client):
    user = UserFactory(committee_member=True, username="current")
    MembershipFactory(person=PersonFactory(user=user), end_date=None)
    client.force_login(user)
    assert client.get(reverse("admin:modifications_modification_changelist")).status_code == 200
    hand_made = UserFactory(committee_member=True, username="no-person")
    client.force_login(hand_made)
    assert client.get(reverse("admin:modifications_modification_changelist")).status_code == 200


# --- No secret in the repository --------------------------------------------------------------

SECRET_PATTERNS = [
    re.compile(r"-----BEGIN (RSA |EC |OPENSSH |)PRIVATE KEY-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"xox[baprs]-[0-9A-Za-z-]{10,}"),
    re.compile(r"gh[pousr]_[0-9A-Za-z]{36}"),
    re.compile(r"postgres(ql)?://[^:@/\s]+:[^@/\s]+@(?!127\.0\.0\.1|localhost|db\b|HOST)"),
    re.compile(r"^SECRET_KEY\s*=\s*['\"](?!django-insecure)", re.M),
]


def test_no_secret_is_committed():
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert ".env" not in files
    found = []
    for name in files:
        file = ROOT / name
        if not file.is_file() or file.suffix in {".pdf", ".docx", ".png", ".ico", ".woff2"}:
            continue
        text = file.read_text(encoding="utf-8", errors="ignore")
        found += [f"{name}: {p.pattern}" for p in SECRET_PATTERNS if p.search(text)]
    assert found == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/admin/", "javascript:alert(1)", ""]
)
def test_a_refused_next_after_login_lands_on_the_admin_home(next_url):
    # Django drops a `next` that leaves the site and goes to LOGIN_REDIRECT_URL, which was
    # the default /accounts/profile/: a 404 straight after signing in.
    UserFactory(secas_staff=True, username="analyst", password=PASSWORD)
    client = Client()
    response = client.post(
        reverse("admin:login") + "?next=" + next_url,
        {"username": "analyst", "password": PASSWORD, "next": next_url},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_a_next_on_this_site_is_followed_after_login():
    UserFactory(committee_member=True, username="member", password=PASSWORD)
    target = reverse("admin:modifications_modification_changelist") + "?stage=refinement"
    response = Client().post(
        reverse("admin:login"),
        {"username": "member", "password": PASSWORD, "next": target},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302 and response["Location"] == target
