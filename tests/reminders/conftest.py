from __future__ import annotations

import pytest


@pytest.fixture
def staff_client(client, secas_user):  # type: ignore[no-untyped-def]
    # UserFactory sets the password after its save (skip_postgeneration_save), so the row
    # lacks the hash that force_login records and the session is dropped; save it first.
    secas_user.save()
    client.force_login(secas_user)
    return client
