"""Worker processes sending through a real SMTP sink; one is killed (SIGKILL) mid-run.

Nothing may be lost, and a message sent twice (the one window: accepted by the mail server,
worker killed before the row is marked sent) must carry the same Message-ID.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection, connections
from django.utils import timezone

from secmods.reminders import dispatch, tasks
from secmods.reminders.models import Reminder, ReminderStatus
from tests.factories import CommitteeFactory, MeetingFactory, ReminderRuleFactory
from tests.reminders.smtp_sink import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
CONCURRENCY = 4

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
    pytest.mark.postgres,  # the worker processes need a database they can share
    pytest.mark.faults,
]


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _start_worker(env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "threads",
            "--concurrency", str(CONCURRENCY), "--loglevel", "WARNING",
            "--hostname", f"{name}@%h", "--without-mingle", "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def _worker_ready(app, name: str) -> Callable[[], bool]:  # type: ignore[no-untyped-def]
    return lambda: any(name in host for reply in app.control.ping(timeout=0.5) for host in reply)


def test_a_killed_worker_loses_nothing_and_repeats_keep_their_message_id(  # type: ignore[no-untyped-def]
    broker_url: str, settings
) -> None:
    from config.celery import app

    settings.REMINDER_CLAIM_TIMEOUT = 3  # the dispatcher here takes dead claims back fast
    app.conf.broker_url = broker_url
    app.close()
    app.control.purge()
    addresses = [f"member{n:03}@example.org" for n in range(200)]
    committee = CommitteeFactory()
    ReminderRuleFactory(
        committee=committee,
        offset_unit="calendar_days",
        offset=20,
        recipient_kinds=["named"],
        addresses="\n".join(addresses),
    )
    MeetingFactory(committee=committee, starts_at=timezone.now() + dt.timedelta(days=10))
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    workers: list[subprocess.Popen[bytes]] = []
    with SmtpSink() as sink:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "EMAIL_URL": sink.email_url,
            "LOG_LEVEL": "WARNING",
        }
        try:
            workers.append(_start_worker(env, "crashing"))
            _wait(_worker_ready(app, "crashing"), 60, "the first worker")
            assert dispatch.dispatch_due(tasks.enqueue_digest).claimed == 200
            _wait(lambda: sink.handler.received >= 20, 60, "the first 20 messages")
            os.killpg(workers[0].pid, signal.SIGKILL)
            workers[0].wait(timeout=30)
            at_kill = sink.handler.received
            assert at_kill < 200, "the worker finished before it could be killed"

            workers.append(_start_worker(env, "survivor"))
            _wait(_worker_ready(app, "survivor"), 60, "the second worker")

            def all_sent() -> bool:
                # Beat's job: run the dispatcher; it takes the dead worker's claims back.
                dispatch.dispatch_due(tasks.enqueue_digest)
                return Reminder.objects.filter(status=ReminderStatus.SENT).count() == 200

            _wait(all_sent, 120, "every reminder to be marked sent")
            time.sleep(2)  # a late duplicate would arrive now
        finally:
            for worker in workers:
                if worker.poll() is None:
                    os.killpg(worker.pid, signal.SIGTERM)
                    worker.wait(timeout=60)
            connections.close_all()
    rows = dict(Reminder.objects.values_list("recipient_email", "message_id"))
    assert sorted(sink.handler.recipients) == addresses  # nothing lost
    assert set(sink.handler.message_ids) == set(rows.values())  # repeats reuse their ID
    # Only messages in flight in the dead worker's threads can have gone out twice.
    assert sink.handler.duplicates <= CONCURRENCY
    print(f"killed after {at_kill} messages; {sink.handler.duplicates} repeat(s)")
