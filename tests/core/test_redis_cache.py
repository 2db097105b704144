"""secmods.core.redis_cache: Django's Redis cache with one client per pool, against a real
Redis (the tests' broker)."""

from __future__ import annotations

import os

from config import settings as project_settings
from secmods.core.redis_cache import RedisCache


def test_the_project_uses_it_for_its_redis() -> None:
    if not os.environ.get("CACHE_URL"):  # the Redis of CELERY_BROKER_URL
        assert project_settings.CACHES["default"]["BACKEND"] == (
            "secmods.core.redis_cache.RedisCache"
        )


def test_one_client_serves_every_call_and_the_cache_works(broker_url: str) -> None:
    # The embedded Redis of a plain `make test` is a Unix socket, spelt the kombu way.
    location = project_settings._redis_cache_url(broker_url)
    cache = RedisCache(location, {"KEY_PREFIX": "secmods-test-redis-cache"})
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client
    cache.set("a", {"page": b"<p>x</p>"}, timeout=30)
    cache.set("n", 41, timeout=30)
    assert cache.incr("n") == 42
    assert cache.add("a", "other") is False
    assert cache.get_many(["a", "n", "missing"]) == {"a": {"page": b"<p>x</p>"}, "n": 42}
    cache.delete_many(["a", "n"])
    assert cache.get("a") is None
    assert cache._cache.get_client() is client
