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
