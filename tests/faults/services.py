"""Private services and real processes for the fault tests.

Each fault test gets its own PostgreSQL cluster (initdb + pg_ctl on a spare port in a temp
folder) and its own Redis (a Unix socket in a temp folder), so it can stop and start them
at will without touching the PostgreSQL and Redis that the rest of the suite uses.
"""

from __future__ import annotations

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


def wait_for(condition: Callable[[], bool], timeout: float, what: str, every: float = 0.2) -> None:
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
    def __init__(self) -> None:
        bin_dir = postgres_bin()
        assert bin_dir is not None
        self.bin = bin_dir
        self.directory = Path(tempfile.mkdtemp(prefix="secmods-faults-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/secmods"
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
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE secmods")
        return self

    @property
    def admin_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

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

    def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
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
        for process in self.started:
            try:
                self.kill(process, signal.SIGTERM)
            except subprocess.TimeoutExpired:
                self.kill(process)
            except ProcessLookupError:
                pass


def tick(broker_url: str) -> None:
    """What beat does every minute: ask a worker to run the reminder dispatcher."""
    from celery import Celery

    app = Celery("secmods-faults")
    try:
        # An explicit connection: Celery would take CELERY_BROKER_URL from the environment
        # (the shared Redis of the rest of the suite) over any broker given to the app.
        with app.connection_for_write(broker_url) as connection:
            app.send_task("secmods.reminders.tasks.dispatch_due", expires=30, connection=connection)
    finally:
        app.close()


def reminder_counts(pg: PrivatePostgres) -> dict[str, int]:
    return dict(pg.query("SELECT status, count(*) FROM reminders_reminder GROUP BY status"))
