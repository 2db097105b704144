"""`make run` as a user runs it: web, worker and beat from one command, stopped by Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from secmods.core.runaddr import site_url_for

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_runtracker_runs_web_worker_and_beat_on_embedded_redis_and_stops_together(tmp_path):
    port = free_port()
    unset = ("CELERY_BROKER_URL", "DATABASE_URL", "SITE_URL", "RUN_ADDR")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.sqlite3'}"
    # As the README says: RUN_ADDR=127.0.0.1:8101 make run.
    env["RUN_ADDR"] = f"127.0.0.1:{port}"
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "runtracker",
                "--var-dir",
                str(tmp_path / "var"),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def admin_answers() -> bool:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/admin/login/", timeout=2
                ) as r:
                    return r.status == 200
            except OSError:
                return False

        assert wait_for(admin_answers), log.read_text()
        assert wait_for(lambda: "ready." in log.read_text()), log.read_text()
        assert wait_for(lambda: "beat: Starting" in log.read_text()), log.read_text()
        text = log.read_text()
        assert "Seed loaded" in text
        # Links in the worker's emails follow the address, not the default port 8000.
        assert f"Links in emails and feeds point to http://127.0.0.1:{port}/" in text
        assert "Connected to redis+socket://" in text
        assert (tmp_path / "var" / "redis" / "redis.sock").exists()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    text = log.read_text()
    assert "Stopped web, worker, beat and Redis." in text
    assert not (tmp_path / "var" / "redis" / "redis.sock").exists()
    leftovers = [
        pid
        for pattern in (str(tmp_path), f"127.0.0.1:{port}")
        for pid in subprocess.run(
            ["pgrep", "-f", pattern], capture_output=True, text=True, check=False
        ).stdout.split()
    ]
    assert leftovers == [], f"processes left running: {leftovers}"


@pytest.mark.parametrize(
    ("addr", "url"),
    [
        ("127.0.0.1:8101", "http://127.0.0.1:8101"),
        ("8101", "http://127.0.0.1:8101"),
        ("0.0.0.0:8101", "http://127.0.0.1:8101"),
        ("0:8101", "http://127.0.0.1:8101"),
        ("localhost:9000", "http://localhost:9000"),
        ("[::1]:8101", "http://[::1]:8101"),
        ("", "http://127.0.0.1:8000"),
    ],
)
def test_the_site_url_follows_the_run_address(addr, url):
    assert site_url_for(addr) == url


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"RUN_ADDR": "127.0.0.1:8101"}, "http://127.0.0.1:8101"),
        ({"RUN_ADDR": "127.0.0.1:8101", "SITE_URL": "https://sec.example/"}, "https://sec.example"),
    ],
)
def test_settings_derive_site_url_from_run_addr_unless_site_url_is_set(extra, expected):
    # What the Celery worker sees when it builds a link in an email: its own settings.
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "RUN_ADDR")}
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=ROOT,
        env={**env, **extra, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == expected, result.stderr
