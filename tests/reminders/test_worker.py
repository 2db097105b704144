"""A real Celery worker running OUR app (config.celery.app) on the real Redis broker.

Not eager mode: the messages go through Redis, and the worker runs the tasks in its own
threads, with its own database connections, as in production.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from email.utils import parseaddr
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from secmods.reminders import dispatch, tasks
from secmods.reminders.models import Reminder, ReminderStatus
from tests.factories import CommitteeFactory, MeetingFactory, ReminderRuleFactory

# PostgreSQL only: Django's SQLite test database lives in shared-cache memory, whose table
# locks fail at once ("database table is locked") instead of waiting, as soon as a worker
# thread writes while the test reads. The SQLite claim path is covered in-process by
# test_dispatch.py; `make run` uses a WAL file database, where writers wait.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
    pytest.mark.postgres,
]


def _close_db_connections(**kwargs: Any) -> None:
    # Runs in the worker's thread after each task: PostgreSQL's TRUNCATE at teardown
    # would otherwise wait for the worker's idle connections.
    connections.close_all()


@pytest.fixture
def worker(broker_url: str) -> Iterator[Any]:
    from config.celery import app

    app.conf.broker_url = broker_url
    app.close()  # drop connection pools made for another broker URL
    app.control.purge()
    task_postrun.connect(_close_db_connections, weak=False)
    started = timezone.now()
    try:
        with start_worker(
            app,
            pool="threads",
            concurrency=4,
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=30,
        ) as running:
            yield running
    finally:
        task_postrun.disconnect(_close_db_connections)
        connections.close_all()
        if connection.vendor == "postgresql":
            # Belt and braces: no worker connection may outlive the test.
            with connection.cursor() as cursor:
                # Only connections the worker opened: a live server's (browser tests run
                # on the same xdist worker and database) must survive.
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND backend_start >= %s",
                    [started],
                )


def _due_reminders(addresses: list[str]) -> list[Reminder]:
    """Reminders to `addresses` that fell due 10 days ago, for a meeting in 10 days."""
    committee = CommitteeFactory()
    ReminderRuleFactory(
        committee=committee,
        offset_unit="calendar_days",
        offset=20,
        recipient_kinds=["named"],
        addresses="\n".join(addresses),
    )
    MeetingFactory(committee=committee, starts_at=timezone.now() + dt.timedelta(days=10))
    rows = list(Reminder.objects.filter(status=ReminderStatus.PLANNED))
    assert len(rows) == len(addresses)
    assert all(r.due_at < timezone.now() for r in rows)
    return rows


def _wait_until_all_sent(count: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Reminder.objects.filter(status=ReminderStatus.SENT).count() >= count:
            return
        time.sleep(0.2)
    statuses = list(Reminder.objects.values_list("status", "error"))
    raise AssertionError(f"not all sent within {timeout}s: {statuses[:5]}...")


def test_a_due_reminder_goes_through_the_worker_to_the_outbox_once(worker) -> None:  # type: ignore[no-untyped-def]
    _due_reminders(["member@example.org"])
    assert tasks.dispatch_due() == {"claimed": 1, "reclaimed": 0, "skipped": 0}
    _wait_until_all_sent(1)
    # Beat fires again: nothing left to claim.
    assert tasks.dispatch_due()["claimed"] == 0
    time.sleep(1)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert parseaddr(message.to[0])[1] == "member@example.org"
    row = Reminder.objects.get()
    assert row.message_id == message.extra_headers["Message-ID"]
    assert (row.status, row.attempts) == (ReminderStatus.SENT, 1)


def test_two_dispatchers_at_once_over_500_due_reminders_send_500_messages(worker) -> None:  # type: ignore[no-untyped-def]
    addresses = [f"member{n:03}@example.org" for n in range(500)]
    _due_reminders(addresses)
    start = threading.Barrier(2)
    results: list[dispatch.DispatchResult] = []
    errors: list[BaseException] = []

    def dispatcher() -> None:
        try:
            start.wait()
            # Small batches so the two interleave; SKIP LOCKED keeps them apart. The digests
            # go out as beat's task sends them: send tasks of up to SEND_BATCH digests.
            results.append(dispatch.dispatch_due(enqueue_many=tasks.enqueue_digests, batch=25))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(r.claimed for r in results) == 500
    _wait_until_all_sent(500)
    time.sleep(1)  # any duplicate message would have arrived by now
    assert len(mail.outbox) == 500
    assert sorted(parseaddr(m.to[0])[1] for m in mail.outbox) == addresses
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 500
    assert Reminder.objects.exclude(status=ReminderStatus.SENT).count() == 0
