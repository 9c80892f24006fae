"""The Redis client behind Django's cache, for the few commands its API lacks (issue 4's ingest path).

A rate-limit count and a debounced task each cost one round trip this way instead of two or three.
Without Redis (the demo's local-memory cache) callers fall back to the cache API.
"""

import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache


def redis_client(key: str) -> tuple[redis.Redis, str] | None:
    """The client and the full key (prefix and version applied) for ``key``; None when the cache is not Redis."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    # make_key, not make_and_validate_key: the keys here are our own, and validation walks every character.
    full_key = backend.make_key(key)
    # One client per cache connection (get_client builds a new one each call); the pool is shared anyway.
    cache_client = backend._cache
    client = getattr(cache_client, "_satisfaction_write_client", None)
    if client is None:
        client = cache_client._satisfaction_write_client = cache_client.get_client(full_key, write=True)
    return client, full_key
