"""Private services and real processes for the fault tests.

The fault tests share one private PostgreSQL cluster per test process (initdb + pg_ctl on a
spare port in a temp folder; under xdist each worker has its own), migrated once into a
template database that each test copies (CREATE DATABASE ... TEMPLATE) for a fresh one. Each
test gets its own Redis (a Unix socket in a temp folder). So a test can stop and start its
services at will without touching the PostgreSQL and Redis that the rest of the suite uses;
the tests of one process run one after another, so a restart never meets another test.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from tests.reminders.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def wait_for(condition: Callable[[], bool], timeout: float, what: str, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def why_no_private_postgres() -> str | None:
    """None when a private cluster can be made here, else the reason."""
    if postgres_bin() is None:
        return "no initdb/pg_ctl (install the postgresql server package)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
        if not shutil.which("runuser"):
            return "running as root and there is no runuser to drop to the postgres user"
    return None


class PrivatePostgres:
    """A private cluster; `url` and `query` speak to the database in use (`use`)."""

    TEMPLATE = "secmods_template"

    def __init__(self) -> None:
        bin_dir = postgres_bin()
        assert bin_dir is not None
        self.bin = bin_dir
        self.directory = Path(tempfile.mkdtemp(prefix="secmods-faults-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.database = "secmods"
        self._as_postgres: list[str] = []
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            entry = pwd.getpwnam("postgres")
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)
            self._as_postgres = ["runuser", "-u", "postgres", "--"]

    def _run(self, *argv: str) -> None:
        subprocess.run([*self._as_postgres, *argv], check=True, capture_output=True, timeout=120)

    def create(self) -> PrivatePostgres:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        self.start()
        return self

    @property
    def url(self) -> str:
        return self.url_for(self.database)

    def url_for(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    @property
    def admin_url(self) -> str:
        return self.url_for("postgres")

    def admin(self, sql: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def use(self, database: str) -> None:
        """A fresh database copied from the migrated template, and the one `url` names."""
        self.ensure_running()
        self.admin(f'CREATE DATABASE "{database}" TEMPLATE "{self.TEMPLATE}"')
        self.database = database

    def drop(self, database: str) -> None:
        if self.running():
            self.admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.directory / "server.log"), "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def ensure_running(self) -> None:
        # A test that stopped the cluster and failed before starting it again.
        if not self.running():
            self.start()

    def destroy(self) -> None:
        try:
            if self.running():
                self.stop()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def query(self, sql: str, *params: object) -> list[tuple]:  # type: ignore[type-arg]
        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql, params or None).fetchall()  # type: ignore[arg-type]


class Processes:
    """The processes a test started; all stopped (their whole process group) at the end."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *argv: str) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        self.started.append(process)
        return process

    def worker(self, name: str, concurrency: int = 4) -> subprocess.Popen[bytes]:
        return self.start(
            name, PYTHON, "-m", "celery", "-A", "config", "worker", "--pool", "threads",
            "--concurrency", str(concurrency), "--loglevel", "INFO", "--hostname",
            f"{name}@%h", "--without-mingle", "--without-gossip",
        )  # fmt: skip

    def beat(self, name: str) -> subprocess.Popen[bytes]:
        return self.start(
            name, PYTHON, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
            "--schedule", str(self.logs / f"{name}-schedule"),
        )  # fmt: skip

    def gunicorn(self, port: int) -> subprocess.Popen[bytes]:
        return self.start(
            "gunicorn", PYTHON, "-m", "gunicorn", "config.wsgi:application", "--bind",
            f"127.0.0.1:{port}", "--workers", "2", "--timeout", "30",
        )  # fmt: skip

    def manage(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
            text=True, timeout=timeout,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def scenario(self, *args: str) -> str:
        result = subprocess.run(
            [PYTHON, "-m", "tests.faults.scenario", *args], cwd=ROOT, env=self.env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    @staticmethod
    def kill(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        if process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout=60)

    def stop_all(self) -> None:
        """SIGTERM to every process at once (warm shutdowns run side by side), then SIGKILL
        whatever has not ended within a minute."""
        running = [p for p in self.started if p.poll() is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        for process in running:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    self.kill(process)


def tick(broker_url: str) -> None:
    """What beat does every minute: ask a worker to run the reminder dispatcher."""
    from celery import Celery

    # Not the current app: the test process's own app (config.celery) must stay the one that
    # services queue their mail on after this test.
    app = Celery("secmods-faults", set_as_current=False)
    try:
        # An explicit connection: Celery would take CELERY_BROKER_URL from the environment
        # (the shared Redis of the rest of the suite) over any broker given to the app.
        with app.connection_for_write(broker_url) as connection:
            app.send_task("secmods.reminders.tasks.dispatch_due", expires=30, connection=connection)
    finally:
        app.close()


def reminder_counts(pg: PrivatePostgres) -> dict[str, int]:
    return dict(pg.query("SELECT status, count(*) FROM reminders_reminder GROUP BY status"))
