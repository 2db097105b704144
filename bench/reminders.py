"""Benchmark: plan N due reminders, let real Celery workers send them through a local SMTP
sink, and report messages per second and duplicates (must be 0).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_reminders \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/4 \
    .venv/bin/python bench/reminders.py --reminders 10000 --concurrency 8

The database named in DATABASE_URL is created if missing, migrated, and its reminder tables
emptied: never point it at a database you care about. The workers are separate processes
(`celery -A config worker`) that send through Django's SMTP backend to an aiosmtpd sink on
127.0.0.1; this process plans the reminders and runs `dispatch_due` like beat would.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def ensure_database(url: str) -> None:
    import psycopg
    from django.conf import settings

    name = settings.DATABASES["default"]["NAME"]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')


def bare_smtplib_loop(port: int, count: int, sample: bytes) -> float:
    """What the sink takes from the simplest client: one thread, one connection, `count`
    ready-made messages the size of a reminder. Returns messages per second."""
    import smtplib

    messages = [
        (
            f"bare{n:05}@bench.example",
            sample.replace(b"Message-ID: <", f"Message-ID: <bare.{n}.".encode(), 1),
        )
        for n in range(count)
    ]
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for to, data in messages:
            client.sendmail("secas@bench.example", [to], data)
    return count / (time.monotonic() - started)


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class DatabaseCPU(threading.Thread):
    """CPU seconds of the PostgreSQL backends serving this database while the run lasts,
    when the server runs on this machine (None when its processes cannot be read): the
    statements' cost on the server, which the workers' and dispatcher's figures leave out.

    A backend may live for one task only (Celery closes a task's connections unless they
    are kept), so they are sampled every 0.1 s from a connection of its own; the CPU a
    backend used in its last 0.1 s, or before the run, is not counted."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url.replace("postgres://", "postgresql://", 1)
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.readable = True
        self.stopping = threading.Event()

    def sample(self, cursor: Any) -> None:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        for (pid,) in cursor.fetchall():
            try:
                cpu = process_cpu(pid)
            except (OSError, IndexError, ValueError):
                self.readable = self.readable and pid in self.last
                continue
            self.first.setdefault(pid, cpu)
            self.last[pid] = cpu

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn, conn.cursor() as cursor:
            self.sample(cursor)
            # Backends open before the run (this process's own) count from here on; the
            # workers' start from zero.
            self.first = dict(self.last)
            while not self.stopping.wait(0.1):
                self.sample(cursor)
            self.sample(cursor)

    def stop(self) -> float | None:
        self.stopping.set()
        self.join()
        if not self.readable or not self.last:
            return None
        return sum(cpu - self.first.get(pid, 0.0) for pid, cpu in self.last.items())


def sample_message() -> bytes:
    """A message as build_digest makes one for the bench's rule (headers, body, size)."""
    from django.core.mail import EmailMultiAlternatives

    message = EmailMultiAlternatives(
        subject="Papers for BENCH 1 Jan 2030",
        body="Dear colleague, the papers for BENCH 1 Jan 2030 are out.\n\n--\n"
        "Stop receiving these reminders: http://127.0.0.1:8000/reminders/unsubscribe/"
        + "x" * 90
        + "/\n",
        from_email="secmods <secas@secmods.localhost>",
        to=["member00000@bench.example"],
        headers={"Message-ID": "<sample@bench.example>", "Auto-Submitted": "auto-generated"},
    )
    return message.message().as_bytes(linesep="\r\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=8, help="threads per worker")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument(
        "--bare", type=int, default=10_000, help="messages for the bare smtplib loop (0: none)"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("bench/reminders.py needs DATABASE_URL=postgres://... (a throwaway database)")
        return 1
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
        print("bench/reminders.py needs CELERY_BROKER_URL=redis://...")
        return 1

    import django

    django.setup()
    ensure_database(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.db import connection
    from django.utils import timezone

    from config.celery import app
    from secmods.committees.models import Committee, Meeting
    from secmods.reminders import dispatch, tasks
    from secmods.reminders.models import Reminder, ReminderRule, ReminderStatus
    from tests.reminders.smtp_sink import free_port

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE reminders_reminder, reminders_unsubscription, "
            "reminders_dispatcherheartbeat RESTART IDENTITY CASCADE"
        )
    ReminderRule.objects.all().delete()
    app.control.purge()

    # Plan: one meeting in 10 days, one rule "20 calendar days before" to N named
    # addresses, so every reminder fell due 10 days ago and goes to its own recipient.
    committee, _ = Committee.objects.get_or_create(
        slug="bench", defaults={"name": "Bench Committee", "abbreviation": "BENCH", "kind": "csc"}
    )
    # A rerun on the same database: the last run's meeting is still ahead and would be
    # planned again (2N reminders).
    Meeting.objects.filter(committee=committee).delete()
    started = time.monotonic()
    # Through the services, as staff would: re-planning is an explicit call inside them
    # (docs/reminders.md), not a signal on a bare save.
    from secmods.committees.services import create_meeting
    from secmods.reminders.services import save_rule

    save_rule(
        name="Bench reminder",
        event_kind="meeting",
        committee=committee,
        offset_unit="calendar_days",
        offset=20,
        recipient_kinds=["named"],
        addresses="\n".join(f"member{n:05}@bench.example" for n in range(args.reminders)),
        subject_template="Papers for {{ meeting }}",
        text_template="Dear colleague, the papers for {{ event_label }} are out.",
    )
    create_meeting(committee=committee, starts_at=timezone.now() + dt.timedelta(days=10))
    planned = Reminder.objects.filter(status=ReminderStatus.PLANNED).count()
    print(f"planned {planned} due reminders in {time.monotonic() - started:.1f}s")
    assert planned == args.reminders, planned

    port = free_port()
    report = Path(tempfile.mkdtemp(prefix="secmods-bench-")) / "sink.json"
    # The sink, the dispatcher (this process) and each worker are separate processes, so
    # that none of them slows another through Python's GIL.
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "reminders" / "smtp_sink.py"),
         "--port", str(port), "--report", str(report)],
        cwd=ROOT, stdout=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    assert sink.stdout is not None
    print("SMTP sink", sink.stdout.readline().decode().strip())
    sink_cpu0 = process_cpu(sink.pid)
    bare_rate = bare_smtplib_loop(port, args.bare, sample_message()) if args.bare else 0.0
    sink_cpu_bare = process_cpu(sink.pid) - sink_cpu0
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{port}", "LOG_LEVEL": "WARNING"}
    workers = [
        subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--pool", "threads", "--concurrency", str(args.concurrency),
                "--loglevel", "WARNING", "--hostname", f"bench{i}@%h",
                "--without-mingle", "--without-gossip",
            ],
            cwd=ROOT,
            env=env,
            # The banner goes to stdout, which `make bench` appends to results.md; warnings and
            # errors still reach stderr.
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        for i in range(args.workers)
    ]  # fmt: skip
    try:
        # Timed from when every worker answers, as beat's tick finds them in production.
        ready_by = time.monotonic() + 60
        while len(app.control.ping(timeout=0.5)) < args.workers and time.monotonic() < ready_by:
            pass
        database = DatabaseCPU(url)
        database.start()
        t0 = time.monotonic()
        cpu0 = time.process_time()
        # What the workers used to start (the threads pool: one process each); the figure
        # below includes it, the one after it does not.
        workers_cpu0 = sum(process_cpu(worker.pid) for worker in workers)
        claimed = 0
        while claimed < planned:
            # As beat's task does: send tasks of dispatch.SEND_BATCH digests each.
            result = dispatch.dispatch_due(enqueue_many=tasks.enqueue_digests)
            claimed += result.claimed
            if result.claimed == 0:
                break
        t_claimed = time.monotonic() - t0
        cpu_dispatch = time.process_time() - cpu0
        deadline = t0 + args.timeout
        while (
            Reminder.objects.filter(status=ReminderStatus.SENT).count() < planned
            and time.monotonic() < deadline
        ):
            time.sleep(0.2)
        t_sent = time.monotonic() - t0
        time.sleep(2)  # anything sent twice would have arrived by now
        sink_cpu_dispatch = process_cpu(sink.pid) - sink_cpu0 - sink_cpu_bare
        workers_cpu_sending = sum(process_cpu(worker.pid) for worker in workers) - workers_cpu0
        database_cpu = database.stop()
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=60)
        sink.send_signal(signal.SIGTERM)
        sink.wait(timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_children = (after.ru_utime - children_before.ru_utime) + (
        after.ru_stime - children_before.ru_stime
    )
    seen: dict[str, int] = json.loads(report.read_text())["message_ids"]
    bare_received = sum(n for mid, n in seen.items() if mid.startswith("<bare."))
    received_ids = {mid: n for mid, n in seen.items() if not mid.startswith("<bare.")}
    received = sum(received_ids.values())
    duplicates = sum(n - 1 for n in received_ids.values() if n > 1)
    sent_rows = Reminder.objects.filter(status=ReminderStatus.SENT).count()
    other = Reminder.objects.exclude(status=ReminderStatus.SENT).count()
    print(f"claimed {claimed} in {t_claimed:.1f}s (dispatch_due)")
    print(
        f"SMTP sink received {received} messages ({len(received_ids)} distinct "
        f"Message-IDs); every row marked sent after {t_sent:.1f}s; not sent: {other}"
    )
    rate = sent_rows / t_sent
    print(
        f"throughput: {rate:.0f} messages/second "
        f"({args.workers} worker(s) x {args.concurrency} threads)"
    )
    if args.bare:
        print(
            f"bare smtplib loop into the same sink: {bare_rate:.0f} messages/second "
            f"({bare_received} messages, one connection, one thread); "
            f"dispatch / bare = {rate / bare_rate:.2f}"
        )
    # The children's CPU includes the workers' start-up and shutdown and the whole sink's.
    cpu_workers = cpu_children - sink_cpu0 - sink_cpu_bare - sink_cpu_dispatch
    print(
        f"CPU: workers + sink {1000 * cpu_children / planned:.1f} ms/message "
        f"(workers {1000 * cpu_workers / planned:.1f}, start-up included; sink "
        f"{1000 * sink_cpu_dispatch / planned:.2f}, and "
        f"{1000 * sink_cpu_bare / max(args.bare, 1):.2f} for a bare message), "
        f"dispatcher {1000 * cpu_dispatch / planned:.2f} ms/reminder; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"CPU after start-up: workers {1000 * workers_cpu_sending / planned:.2f} ms/message "
        f"(their start-up {workers_cpu0:.1f} s of CPU for {args.workers} worker(s))"
    )
    if database_cpu is not None:
        print(
            f"CPU of PostgreSQL: {1000 * database_cpu / planned:.2f} ms/message (the backends "
            "serving this database, dispatch and sending)"
        )
    print(f"duplicates: {duplicates}")
    ok = (
        duplicates == 0
        and received == planned
        and sent_rows == planned
        and bare_received == args.bare
    )
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
