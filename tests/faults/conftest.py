"""Fixtures for tests/faults: a private PostgreSQL, a private Redis, an SMTP sink, and the
environment that points real processes at them (never at the shared services)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from secmods.core.embedded_redis import EmbeddedRedis
from tests.faults.services import PrivatePostgres, Processes, why_no_private_postgres
from tests.reminders.smtp_sink import SmtpSink

IN_CI = os.environ.get("CI", "").lower() == "true"


@dataclass
class Rig:
    pg: PrivatePostgres
    redis: EmbeddedRedis
    sink: SmtpSink
    procs: Processes

    @property
    def broker_url(self) -> str:
        return self.redis.url


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    reason = why_no_private_postgres()
    if reason:
        if IN_CI:
            pytest.fail(f"fault tests need a private PostgreSQL: {reason}")
        pytest.skip(f"fault tests need a private PostgreSQL: {reason}")
    pg = PrivatePostgres().create()
    redis = EmbeddedRedis(tmp_path / "redis").start()
    try:
        with SmtpSink() as sink:
            env = {
                **os.environ,
                "DATABASE_URL": pg.url,
                "CELERY_BROKER_URL": redis.url,
                "EMAIL_URL": sink.email_url,
                "LOG_LEVEL": "INFO",
                "CONN_MAX_AGE": "60",
                "PYTHONUNBUFFERED": "1",
            }
            env.pop("TEST_DATABASE_NAME", None)
            procs = Processes(env, tmp_path)
            try:
                procs.manage("migrate", "--verbosity", "0")
                yield Rig(pg, redis, sink, procs)
            finally:
                procs.stop_all()
    finally:
        redis.stop()
        pg.destroy()
