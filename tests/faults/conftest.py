"""Fixtures for tests/faults: a private PostgreSQL, a private Redis, an SMTP sink, and the
environment that points real processes at them (never at the shared services).

The PostgreSQL cluster is made and migrated once per test process (`private_postgres`); each
test gets a fresh copy of the migrated database. Redis and the sink are each test's own.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from secmods.core.embedded_redis import EmbeddedRedis
from tests.faults.services import PrivatePostgres, Processes, why_no_private_postgres
from tests.reminders.smtp_sink import SmtpSink

IN_CI = os.environ.get("CI", "").lower() == "true"

# Beat ticks every few seconds here instead of every minute: a test waits for the next tick
# (after an outage, or for two beats to race), not for the clock.
BEAT_INTERVAL = "3"


@dataclass
class Rig:
    pg: PrivatePostgres
    redis: EmbeddedRedis
    sink: SmtpSink
    procs: Processes

    @property
    def broker_url(self) -> str:
        return self.redis.url


def _base_env(url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LOG_LEVEL": "INFO",
        "CONN_MAX_AGE": "60",
        "PYTHONUNBUFFERED": "1",
        "REMINDER_DISPATCH_INTERVAL": BEAT_INTERVAL,
    }
    env.pop("TEST_DATABASE_NAME", None)
    return env


@pytest.fixture(scope="session")
def private_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivatePostgres]:
    reason = why_no_private_postgres()
    if reason:
        if IN_CI:
            pytest.fail(f"fault tests need a private PostgreSQL: {reason}")
        pytest.skip(f"fault tests need a private PostgreSQL: {reason}")
    pg = PrivatePostgres().create()
    try:
        pg.admin(f'CREATE DATABASE "{pg.TEMPLATE}"')
        logs = tmp_path_factory.mktemp("faults-template")
        Processes(_base_env(pg.url_for(pg.TEMPLATE)), logs).manage("migrate", "--verbosity", "0")
        yield pg
    finally:
        pg.destroy()


_databases = itertools.count(1)


@pytest.fixture
def rig(private_postgres: PrivatePostgres, tmp_path: Path) -> Iterator[Rig]:
    pg = private_postgres
    database = f"secmods_{next(_databases)}"
    pg.use(database)
    redis = EmbeddedRedis(tmp_path / "redis").start()
    try:
        with SmtpSink() as sink:
            env = {
                **_base_env(pg.url),
                "CELERY_BROKER_URL": redis.url,
                "EMAIL_URL": sink.email_url,
            }
            procs = Processes(env, tmp_path)
            try:
                yield Rig(pg, redis, sink, procs)
            finally:
                procs.stop_all()
    finally:
        redis.stop()
        pg.drop(database)
