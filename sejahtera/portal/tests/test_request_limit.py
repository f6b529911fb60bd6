"""common.ratelimit.RequestLimit: the fixed-window request counter the public portal uses."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from sejahtera.common import ratelimit


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_it_allows_max_requests_then_names_the_wait(monkeypatch):
    limit = ratelimit.RequestLimit(scope="t", max_requests=3, window_seconds=60)
    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_200.0 + 15)  # 15 s into a window
    assert [limit.hit("a") for _ in range(3)] == [0, 0, 0]
    assert limit.hit("a") == 45
    assert limit.hit("b") == 0


def test_a_new_window_starts_afresh(monkeypatch):
    limit = ratelimit.RequestLimit(scope="t", max_requests=1, window_seconds=60)
    now = [1_200.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    assert limit.hit("a") == 0
    assert limit.hit("a") == 60
    now[0] += 60
    assert limit.hit("a") == 0


def test_reset_forgets_the_current_window(monkeypatch):
    limit = ratelimit.RequestLimit(scope="t", max_requests=1, window_seconds=60)
    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_200.0)
    limit.hit("a")
    limit.reset("a")
    assert limit.hit("a") == 0


def _redis_up() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.2).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_on_redis_it_counts_in_one_key_that_expires_with_its_window(settings, monkeypatch):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
        }
    }
    from django.core.cache import caches

    limit = ratelimit.RequestLimit(scope="t-redis", max_requests=2, window_seconds=60)
    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_200.0 + 15)
    limit.reset("a")
    assert [limit.hit("a") for _ in range(3)] == [0, 0, 45]
    backend = caches["default"]
    key = backend.make_and_validate_key(limit._key("a", 20))
    client = backend._cache.get_client(key)  # type: ignore[attr-defined]
    assert 0 < client.ttl(key) <= 61
    assert caches["default"].get(limit._key("a", 20)) == 3  # the same counter Django's cache reads
    limit.reset("a")


def test_several_limits_count_at_once_and_the_longest_wait_wins(monkeypatch):
    minute = ratelimit.RequestLimit(scope="t-min", max_requests=1, window_seconds=60)
    hour = ratelimit.RequestLimit(scope="t-hour", max_requests=1, window_seconds=3600)
    monkeypatch.setattr(ratelimit.time, "time", lambda: 7_200.0 + 30)
    assert ratelimit.hit_all([(minute, "a"), (hour, "a")]) == 0
    assert ratelimit.hit_all([(minute, "a"), (hour, "a")]) == 3570
    assert minute.hit("b") == 0  # another ident is counted apart
