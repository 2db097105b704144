"""Django's Redis cache, with one redis-py client per connection pool instead of one per
command.

Django's RedisCacheClient.get_client() makes a new `redis.Redis` for every cache call, and
redis-py's constructor builds its table of response callbacks (some 160 entries) each time:
for a public page served from the cache (one `get_many`, secmods/core/pagecache.py) that was
a third of the request's CPU, more than its round trip to Redis. A `redis.Redis` over a
connection pool holds no connection of its own and is safe to share between threads; redis-py
re-makes a pool's connections after a fork, so a client made before gunicorn forks is fine.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django: Any = self  # Django's private attributes: django-stubs has none of them
        index = django._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            if index not in django._pools:
                django._pools[index] = django._pool_class.from_url(
                    django._servers[index], **django._pool_options
                )
            client = self._clients[index] = django._client(connection_pool=django._pools[index])
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
