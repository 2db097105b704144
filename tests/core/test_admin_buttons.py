"""No button a role cannot use: every admin link a committee member is shown opens for them.

A link that answers 403 is a button the page should not have shown (an "Add document" on a
modification took a member to a bare "403 Forbidden").
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.core.test_admin_permissions import our_models
from tests.core.test_admin_permissions import world as world
from tests.factories import MembershipFactory, PersonFactory, UserFactory

LINK = re.compile(r'<a\b[^>]*\bhref="(/admin/[^"#]*)"')
# Leaving the admin, or the user's own account pages: not buttons of the pages under test.
SKIP = ("/admin/logout/", "/admin/password_change/")


def _links(html: str) -> set[str]:
    return {unescape(href) for href in LINK.findall(html) if not href.startswith(SKIP)}


@pytest.fixture
def member(world):  # type: ignore[no-untyped-def]
    user = UserFactory(committee_member=True, username="member")
    committee = world.milestones.exclude(meeting=None).first().meeting.committee
    MembershipFactory(committee=committee, person=PersonFactory(user=user))
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_every_admin_link_a_member_sees_opens_for_them(world, member):
    pages = {"/admin/", reverse("admin:modifications_modification_change", args=[world.pk])}
    for model in our_models():
        model_admin = admin.site._registry[model]
        info = (model._meta.app_label, model._meta.model_name)
        pages.add(reverse("admin:{}_{}_changelist".format(*info)))
        first = model_admin.get_queryset(_request_for(member)).first()
        if first is not None:
            pages.add(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    shown: dict[str, str] = {}
    for page in sorted(pages):
        response = member.get(page)
        if response.status_code == 200:
            for link in _links(response.content.decode()):
                shown.setdefault(link, page)
    refused = {}
    for link, page in sorted(shown.items()):
        status = member.get(link).status_code
        if status == 403:
            refused[link] = page
    assert refused == {}, "\n".join(f"{link} shown on {page}" for link, page in refused.items())
    assert len(shown) > 20  # the crawl did see the member's admin


def _request_for(client: Client):  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(username="member")
    return request
