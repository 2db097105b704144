"""403, 404 and 500 pages (DEBUG=False, as the test client runs): the admin's look with a way
back under /admin/, the register's look elsewhere, JSON under /api/."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.template import loader
from django.test import Client
from django.urls import path

from config import urls as site_urls
from tests.factories import UserFactory


def _boom(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("a bug")


def _refuse(request):  # type: ignore[no-untyped-def]
    raise PermissionDenied


# The site's URLs and handlers, plus pages that fail on purpose.
urlpatterns = [
    path("admin/test-boom/", _boom),
    path("api/test-boom/", _boom),
    path("test-boom/", _boom),
    path("test-refuse/", _refuse),
    *site_urls.urlpatterns,
]
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500

pytestmark = pytest.mark.urls("tests.core.test_errors")

ADMIN_HEADER = "secmods — SEC modifications"


@pytest.fixture
def member(db):  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(committee_member=True, username="member", first_name="Mo"))
    return client


@pytest.fixture
def staff(db):  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(secas_staff=True, username="analyst"))
    return client


def test_a_refused_admin_page_is_in_the_admins_look_with_a_way_back(member):
    came_from = "http://testserver/admin/modifications/modification/"
    response = member.get("/admin/auth/user/", HTTP_REFERER=came_from)
    assert response.status_code == 403
    html = response.content.decode()
    assert ADMIN_HEADER in html and 'id="user-tools"' in html
    assert "<h1>You cannot do this</h1>" in html
    assert f'href="{came_from}"' in html and 'href="/admin/"' in html
    assert "403 Forbidden" not in html


def test_a_way_back_never_leads_off_the_site(member):
    response = member.get("/admin/auth/user/", HTTP_REFERER="https://evil.example/")
    assert "evil.example" not in response.content.decode()


def test_an_unknown_admin_address_is_the_admins_404(staff):
    response = staff.get("/admin/modifications/nothing-here/")
    assert response.status_code == 404
    html = response.content.decode()
    assert ADMIN_HEADER in html and "<h1>Page not found</h1>" in html
    assert 'href="/admin/"' in html


def test_public_404_keeps_the_registers_search_and_public_403_its_look(db):
    client = Client()
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and 'type="search"' in missing.content.decode()
    refused = client.get("/test-refuse/")
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "SEC modifications register" in html and "<h1>You cannot do this</h1>" in html
    assert ADMIN_HEADER not in html


def test_a_500_in_the_admin_has_the_admins_look(staff):
    response = staff.get("/admin/test-boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert ADMIN_HEADER in html and "<h1>Something went wrong</h1>" in html
    assert 'href="/admin/"' in html


def test_a_public_500_is_plain_and_the_api_answers_json(db):
    client = Client(raise_request_exception=False)
    html = client.get("/test-boom/").content.decode()
    assert "<h1>Something went wrong</h1>" in html and ADMIN_HEADER not in html
    assert "register.css" in html  # the register's look
    api = client.get("/api/test-boom/")
    assert api.status_code == 500 and api["Content-Type"] == "application/json"
    assert api.json() == {"detail": "Server error. It has been logged."}


def test_the_500_template_needs_no_context():
    # Django's own server_error renders it with nothing: no request, no user, no database.
    html = loader.get_template("500.html").render()
    assert "<h1>Something went wrong</h1>" in html and 'href="/"' in html


def test_when_the_admins_500_cannot_render_the_plain_one_is_sent(staff, monkeypatch):
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the template engine is broken too")

    monkeypatch.setattr(loader, "render_to_string", broken)
    response = staff.get("/admin/test-boom/")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode()
