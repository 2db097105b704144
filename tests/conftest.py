"""Test-wide fixtures: services the suite runs against, roles, and the seed.

Redis is always there: CELERY_BROKER_URL from the environment, else an embedded Redis
started for the session. Under pytest-xdist (`make test` runs 4 workers) each worker has its
own test database (pytest-django suffixes the name: test_x_gw0, test_x_gw1) and its own
Redis database: CELERY_BROKER_URL's number plus the worker's index, so one worker's Celery
never takes another's tasks; an embedded Redis is per worker anyway. PostgreSQL-only tests (marked `postgres`) skip, with the reason,
when DATABASE_URL is not PostgreSQL. With CI=true a service that this pass is configured to
use but cannot reach fails the run instead of skipping.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest
from django.conf import settings

from secmods.core.embedded_redis import EmbeddedRedis

IN_CI = os.environ.get("CI", "").lower() == "true"


#: Tests that xdist keeps together on one worker, one after another (`--dist loadgroup`,
#: as `make test` runs): the fault tests start real workers, beats, web servers and restart
#: their private PostgreSQL cluster (one per worker process), and two of them side by side
#: on 2 cores would slow each other past their timeouts. The rest of the suite shares the
#: other workers meanwhile. (The Redis outage test names a group of its own: see
#: tests/faults/test_reminder_faults.py.) Not the browser tests: they are transactional,
#: and their flush empties the rows data migrations made, so they must stay where
#: pytest-django puts them, after each worker's other tests; xdist starts the largest group
#: first, and the test run after a browser group found no roles.
SERIAL_GROUPS = ("faults",)


def pytest_itemcollected(item: pytest.Item) -> None:
    # The groups are marked as each test is collected: xdist's worker reads them (and names
    # the test after its group) in its own pytest_collection_modifyitems, which runs before
    # a trylast one, so markers added there came too late and every group was spread over
    # both workers.
    if item.get_closest_marker("xdist_group"):
        return  # a test that names its own group (xdist would join the two names)
    for group in SERIAL_GROUPS:
        if group in item.keywords:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(trylast=True)  # after pytest-django has put the transactional tests last
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The fault tests first: they are the longest group (the Redis outage alone lasts two
    # minutes in CI), so one worker starts them at once while the other takes the rest;
    # scheduled last, they would run alone at the end. They use no Django test database,
    # so pytest-django's order does not concern them.
    items[:] = sorted(items, key=lambda item: "faults" not in item.keywords)
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    for item in items:
        if "postgres" in item.keywords and not settings.IS_POSTGRES:
            item.add_marker(skip)


def xdist_worker_index() -> int:
    """0 outside xdist and on its first worker (gw0), 1 on gw1, ..."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker.removeprefix("gw")) if worker.startswith("gw") else 0


def per_worker_redis_url(url: str, index: int) -> str:
    """The same Redis, database number + `index` (Redis has 16: 0-15)."""
    if index == 0 or not url.startswith(("redis://", "rediss://")):
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    db = base + index
    if db > 15:
        raise ValueError(
            f"CELERY_BROKER_URL={url}: xdist worker {index} would use Redis database {db}; "
            "Redis has 0-15, so give a lower database number"
        )
    return urlunsplit(parts._replace(path=f"/{db}"))


_CONFIGURED_BROKER = os.environ.get("CELERY_BROKER_URL")
if _CONFIGURED_BROKER:
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration, on
    # every connection: the worker's database must be there too, or an xdist worker would
    # publish into another's Redis database. (An impossible number fails in broker_url.)
    with contextlib.suppress(ValueError):
        os.environ["CELERY_BROKER_URL"] = per_worker_redis_url(
            _CONFIGURED_BROKER, xdist_worker_index()
        )


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        if url.startswith("redis+socket://"):
            client = redis.Redis(unix_socket_path=url.removeprefix("redis+socket://"))
        else:
            client = redis.Redis.from_url(url, socket_connect_timeout=2)
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def broker_url() -> Iterator[str]:
    """A real Redis broker URL for tests that run Celery."""
    configured = _CONFIGURED_BROKER
    if configured:
        try:
            configured = per_worker_redis_url(configured, xdist_worker_index())
        except ValueError as error:
            pytest.fail(str(error))
        if not _redis_reachable(configured):
            message = f"Redis at CELERY_BROKER_URL={configured} is not reachable"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
        yield configured
        return
    with EmbeddedRedis() as redis:
        yield redis.url


@pytest.fixture(autouse=True)
def _london_time(settings):  # type: ignore[no-untyped-def]
    settings.TIME_ZONE = "Europe/London"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Hashing a password properly takes ~0.3 s; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    # Uploads in tests go to a throwaway folder, never var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _page_cache(settings):  # type: ignore[no-untyped-def]
    # The public page cache in this process's memory, empty for each test: the database is
    # rolled back after a test, and a page kept from one must not answer in the next. Off
    # unless a test asks for it (the `page_cache` fixture): most tests build their data with
    # factories, past the services that move the register version on, and pin the query
    # counts of the views themselves. tests/core/test_pagecache.py proves the cache.
    settings.PUBLIC_PAGE_CACHE = False
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "secmods-tests",
            "KEY_PREFIX": "secmods",
        }
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def page_cache(settings):  # type: ignore[no-untyped-def]
    """The public page cache on, as in production (in this process's memory)."""
    settings.PUBLIC_PAGE_CACHE = True
    from secmods.core import pagecache

    pagecache._clock_memo.clear()
    return pagecache


@pytest.fixture
def seed(db):  # type: ignore[no-untyped-def]
    """The seed fixture, loaded the way `make run` loads it."""
    from django.core.management import call_command

    call_command("load_seed", verbosity=0)
    from secmods.modifications.models import Modification

    return Modification.objects.get(number=160, suffix="")


@pytest.fixture
def secas_user(db):  # type: ignore[no-untyped-def]
    from tests.factories import UserFactory

    return UserFactory(secas_staff=True, username="analyst")


@pytest.fixture
def member_user(db):  # type: ignore[no-untyped-def]
    from tests.factories import UserFactory

    return UserFactory(committee_member=True, username="member")


@pytest.fixture
def secas_client(client, secas_user):  # type: ignore[no-untyped-def]
    client.force_login(secas_user)
    return client


@pytest.fixture
def member_client(client, member_user):  # type: ignore[no-untyped-def]
    client.force_login(member_user)
    return client


@pytest.fixture
def run_queued_tasks(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """`with run_queued_tasks(): ...` runs the tasks that services queue after commit, in
    this process (Celery's eager mode), as a worker would once the request is over."""
    from contextlib import contextmanager

    from config.celery import app

    @contextmanager
    def run():  # type: ignore[no-untyped-def]
        app.conf.task_always_eager = True
        try:
            with django_capture_on_commit_callbacks(execute=True):
                yield
        finally:
            app.conf.task_always_eager = False

    return run
