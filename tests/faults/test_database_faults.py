"""PostgreSQL faults: a restart under a running web server and worker, and an import killed
half-way. The private cluster is restarted; the shared one is never touched."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.faults.services import ROOT, reminder_counts, tick, wait_for
from tests.reminders.smtp_sink import free_port

pytestmark = [pytest.mark.faults, pytest.mark.timeout(400)]

REPORT = ROOT / "fixtures" / "draft-modification-report-csr-forecasting.txt"
IMPORT_ARGS = ["--reference", "MP999", "--title", "CSR forecasting, imported again"]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:  # noqa: S310 - 127.0.0.1
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return 0, str(error)


def _worker_ready(rig, name: str) -> bool:  # type: ignore[no-untyped-def]
    log = rig.procs.logs / f"{name}.log"
    return log.exists() and b"ready." in log.read_bytes()


def test_postgres_restart_under_web_and_worker(rig):  # type: ignore[no-untyped-def]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    rig.procs.manage("load_seed", "--verbosity", "0")
    gunicorn = rig.procs.gunicorn(port)
    worker = rig.procs.worker("worker")
    wait_for(lambda: _get(f"{base}/")[0] == 200, 60, "gunicorn")
    wait_for(lambda: _worker_ready(rig, "worker"), 60, "the worker")
    pages = ["/", "/modifications/MP160/", "/glossary/", "/calendar/meetings.ics"]
    before = {page: _get(base + page) for page in pages}  # now in the public page cache
    assert all(status == 200 for status, _ in before.values())
    # Pages nobody asked for yet: built from the database, so the outage shows.
    uncached = ["/meetings/", "/modifications/MP160/calendar.ics", "/?outage=1"]

    rig.pg.stop()
    during = {page: _get(base + page) for page in pages}
    during_uncached = {page: _get(base + page) for page in uncached}
    tick(rig.broker_url)  # the worker's dispatcher meets the outage too
    time.sleep(2)
    rig.pg.start()

    # The register stays readable where a copy is kept (same bytes as before the outage)...
    for page, (status, body) in during.items():
        assert (status, body) == before[page], f"{page} answered {status} during the outage"
    # ...and a page that needs the database says so, politely.
    for page, (status, body) in during_uncached.items():
        assert status == 503, f"{page} answered {status} during the outage: {body[:300]}"
        assert "Traceback" not in body and "temporarily unavailable" in body
    # Back without restarting anything: the same gunicorn and worker processes.
    wait_for(lambda: all(_get(base + p)[0] == 200 for p in pages), 60, "pages after restart")
    assert gunicorn.poll() is None and worker.poll() is None
    assert rig.procs.scenario("reminders", "50").strip() == "50"

    def all_sent() -> bool:
        tick(rig.broker_url)
        return reminder_counts(rig.pg).get("sent", 0) == 50

    wait_for(all_sent, 120, "the worker to send after the restart", every=2)
    handler = rig.sink.handler
    print(
        f"\n[PostgreSQL restart] during outage: cached {sorted(s for s, _ in during.values())}, "
        f"uncached {sorted(s for s, _ in during_uncached.values())}; "
        f"sent={len(handler.recipients)} duplicated={handler.duplicates} "
        f"lost={50 - len(handler.recipients)}"
    )
    assert (len(handler.recipients), handler.duplicates) == (50, 0)
    assert worker.poll() is None


def _table_counts(rig) -> dict[str, int]:  # type: ignore[no-untyped-def]
    tables = [
        row[0]
        for row in rig.pg.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT LIKE 'django_%' ORDER BY tablename"
        )
    ]
    return {t: rig.pg.query(f'SELECT count(*) FROM "{t}"')[0][0] for t in tables}  # noqa: S608


def test_an_import_killed_half_way_writes_nothing(rig, tmp_path: Path):  # type: ignore[no-untyped-def]
    import psycopg

    rig.procs.manage("load_seed", "--verbosity", "0")
    before = _table_counts(rig)
    report = tmp_path / "report.txt"
    report.write_text(REPORT.read_text(encoding="utf-8").replace("MP160", "MP999"))
    # Hold the glossary (written last) so the import stops half-way: the modification, its
    # sections and milestones written, the transaction open.
    with psycopg.connect(rig.pg.url) as blocker:
        blocker.execute("LOCK TABLE glossary_glossaryterm IN ACCESS EXCLUSIVE MODE")
        importer = subprocess.Popen(
            [sys.executable, "manage.py", "import_report", str(report), *IMPORT_ARGS],
            cwd=ROOT, env=rig.procs.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

        def waiting_on_the_lock() -> bool:
            return bool(
                rig.pg.query(
                    "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND state = 'active' AND query ILIKE '%glossary%'"
                )
            )

        try:
            wait_for(waiting_on_the_lock, 60, "the import to reach the glossary")
        except AssertionError:
            importer.kill()
            raise AssertionError(importer.communicate()[0].decode()[-2000:]) from None
        # Half-way indeed: the import already holds write locks on what it inserted.
        written = {
            row[0]
            for row in rig.pg.query(
                "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.granted AND l.mode = 'RowExclusiveLock'"
            )
        }
        assert {"modifications_modification", "modifications_historicalmilestone"} <= written
        importer.send_signal(signal.SIGKILL)
        importer.wait(timeout=30)
        blocker.rollback()  # releases the lock
    wait_for(
        lambda: (
            not rig.pg.query(
                "SELECT 1 FROM pg_stat_activity WHERE query ILIKE '%glossary%' "
                "AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
        ),
        60,
        "the killed import's backend to end",
    )
    after = _table_counts(rig)
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    print(f"\n[import killed half-way] tables changed: {changed or 'none'}")
    assert changed == {}
    assert rig.pg.query("SELECT count(*) FROM modifications_modification")[0][0] == 1
    # And the same import, not killed, does write: the test did stop it half-way.
    rig.procs.manage("import_report", str(report), *IMPORT_ARGS)
    assert rig.pg.query("SELECT count(*) FROM modifications_modification")[0][0] == 2
