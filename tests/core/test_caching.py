"""Answers built for a signed-in reader are never `public`: a shared cache would hand a
member's calendar, feed or CSV (which can name unpublished modifications) to the public."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    ConsultationFactory,
    MeetingFactory,
    ModificationFactory,
    UserFactory,
)


@pytest.fixture
def urls(db) -> list[str]:
    published = ModificationFactory(number=160, published_at=timezone.now() - dt.timedelta(1))
    MeetingFactory(starts_at=timezone.now() + dt.timedelta(days=7))
    consultation = ConsultationFactory(modification=published)
    return [
        reverse("register:meetings-calendar"),
        reverse("register:committee-calendar", args=["csc"]),
        reverse("register:modification-calendar", args=["MP160"]),
        reverse("register:feed"),
        reverse("register:modification-feed", args=["MP160"]),
        reverse("consultations:responses_csv", args=[consultation.pk]),
    ]


def _vary(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.strip().lower() for v in response.get("Vary", "").split(",")}


def test_the_public_copy_may_be_shared_and_varies_on_the_cookie(urls):
    client = Client()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "public, max-age=300", url
        assert "cookie" in _vary(response), url


@pytest.mark.parametrize("role", ["committee_member", "secas_staff"])
def test_a_signed_in_readers_copy_is_private(urls, role):
    client = Client()
    client.force_login(UserFactory(**{role: True}))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        cache_control = response["Cache-Control"]
        assert cache_control.startswith("private"), (url, cache_control)
        assert "public" not in cache_control, url
        assert "cookie" in _vary(response), url
