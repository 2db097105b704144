"""Test-wide fixtures: services the suite runs against, roles, and the seed.

Redis is always there: CELERY_BROKER_URL from the environment, else an embedded Redis
started for the session. PostgreSQL-only tests (marked `postgres`) skip, with the reason,
when DATABASE_URL is not PostgreSQL. With CI=true a service that this pass is configured to
use but cannot reach fails the run instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings

from secmods.core.embedded_redis import EmbeddedRedis

IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if settings.IS_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


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
    configured = os.environ.get("CELERY_BROKER_URL")
    if configured:
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
