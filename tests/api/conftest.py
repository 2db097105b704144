"""API clients for the three kinds of caller: anonymous, committee member, SECAS staff."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _answers_match_the_schema(monkeypatch):  # type: ignore[no-untyped-def]
    """Every answer under /api/v1/ that a test here receives must be one the OpenAPI schema
    describes (see tests/api/schema_check.py)."""
    from django.test.client import Client

    from tests.api.schema_check import check_response

    original = Client.request

    def request(self, **kwargs):  # type: ignore[no-untyped-def]
        response = original(self, **kwargs)
        check_response(response.wsgi_request, response)
        return response

    monkeypatch.setattr(Client, "request", request)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    # The factories set real passwords; the default hasher costs ~0.3 s a user on CI.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anon_api(db) -> APIClient:  # type: ignore[no-untyped-def]
    return APIClient()


@pytest.fixture
def staff_api(secas_user) -> APIClient:  # type: ignore[no-untyped-def]
    return token_client(secas_user)


@pytest.fixture
def member_api(member_user) -> APIClient:  # type: ignore[no-untyped-def]
    return token_client(member_user)


@pytest.fixture
def apis(anon_api, member_api, staff_api):  # type: ignore[no-untyped-def]
    return {"anonymous": anon_api, "member": member_api, "staff": staff_api}


@pytest.fixture
def _keep_test_connection():  # type: ignore[no-untyped-def]
    """Requests that go through the real WSGI app (not Django's test client: schemathesis,
    the generated client) fire request_started/finished, whose handler would close the
    test's connection mid-transaction; detach it as Django's own test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
