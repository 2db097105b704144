"""The fault rig's own helpers must leave the rest of the suite as they found it."""

from __future__ import annotations

from celery import current_app

from tests.faults.services import tick


def test_ticking_a_private_broker_leaves_the_suites_celery_app_current(broker_url: str) -> None:
    # A Celery() made current here once left every later service on that xdist worker
    # queueing mail on an app with no tasks registered (NotRegistered, seen in CI).
    before = current_app._get_current_object()
    tick(broker_url)
    assert current_app._get_current_object() is before
    assert before.main == "secmods"
