"""A signed-in SECAS analyst for `make bench`: made (or found) in a bench database, with a
session of its own, so that wrk can ask for the admin pages an analyst works in.

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=.../secmods_bench_100 \
    .venv/bin/python bench/analyst.py 50

Prints one JSON line: the session cookie and the admin paths (modification number 50's and
the latest meeting's, by internal ids only this script needs to know). Idempotent: the user, its
group and its session are reused on every run, so the session table does not grow.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

USERNAME = "bench-analyst"
# A fixed session key: a second run finds the same session (refreshed) instead of adding one.
SESSION_KEY = "benchanalyst0000000000000000000x"
SEARCH = "forecast"  # in every bench modification's title: the search reads the whole register


def analyst_session(number: int) -> dict[str, str]:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        get_user_model,
        load_backend,
    )
    from django.contrib.auth import SESSION_KEY as UID
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from secmods.committees.models import Meeting
    from secmods.core.roles import SECAS_STAFF
    from secmods.modifications.models import Modification

    user, _ = get_user_model().objects.get_or_create(
        username=USERNAME,
        defaults={"email": "bench-analyst@secas.example", "first_name": "Bench"},
    )
    user.is_staff = True
    user.is_active = True
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=SECAS_STAFF))

    data = {
        UID: str(user.pk),
        # The backend a password login ends with (axes' backend, first in the list, only
        # checks for lock-outs and loads no users).
        BACKEND_SESSION_KEY: next(
            path
            for path in settings.AUTHENTICATION_BACKENDS
            if hasattr(load_backend(path), "get_user")
        ),
        HASH_SESSION_KEY: user.get_session_auth_hash(),
    }
    # Written as the login view would store it, under the fixed key (SessionStore.save()
    # would pick a fresh key for a session it cannot find).
    Session.objects.update_or_create(
        session_key=SESSION_KEY,
        defaults={
            "session_data": SessionStore().encode(data),
            "expire_date": timezone.now() + timedelta(days=7),
        },
    )

    modification = Modification.objects.filter(number=number).order_by("pk").first()
    assert modification is not None, f"no modification number {number} in the bench data"
    # The busiest meeting of the last year: the agenda an analyst opens before a meeting.
    meeting = (
        Meeting.objects.filter(agenda_items__isnull=False)
        .order_by("-starts_at")
        .values_list("pk", flat=True)
        .first()
    )
    return {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={SESSION_KEY}",
        "change": f"/admin/modifications/modification/{modification.pk}/change/",
        "changelist": f"/admin/modifications/modification/?q={SEARCH}",
        "agenda": f"/admin/committees/meeting/{meeting}/agenda/",
    }


if __name__ == "__main__":
    print(json.dumps(analyst_session(int(sys.argv[1]) if len(sys.argv) > 1 else 50)))
