"""Logged-in clients that stay logged in.

tests/factories.UserFactory sets the password after creating the user and, with
skip_postgeneration_save, never saves it: the session's password hash then differs from the
stored one and Django logs the client out on its first request. Saving the user first (here,
so as not to change the shared factory under other branches) keeps the session valid.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def secas_client(client, secas_user):  # type: ignore[no-untyped-def]
    secas_user.save()
    client.force_login(secas_user)
    return client


@pytest.fixture
def member_client(client, member_user):  # type: ignore[no-untyped-def]
    member_user.save()
    client.force_login(member_user)
    return client
