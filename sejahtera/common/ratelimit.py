"""A small fixed-window failure counter in the cache (login attempts; later the public portal).

Counting failures, not attempts: a user who signs in correctly is never slowed down, and a guesser
gets `max_failures` tries per window for one key. The counter lives in the default cache, so it is
shared between processes when REDIS_URL is set and per process with the local-memory cache.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache


@dataclass(frozen=True)
class FailureLimit:
    """At most `max_failures` failures per key within `window_seconds`."""

    scope: str
    max_failures: int
    window_seconds: int

    def _key(self, ident: str) -> str:
        # Hashed: the key holds a user name and an address, and cache keys may end up in logs.
        digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
        return f"ratelimit:{self.scope}:{digest}"

    def retry_after(self, ident: str) -> int:
        """Seconds until `ident` may try again; 0 when it is not blocked."""
        state = cache.get(self._key(ident))
        if not state:
            return 0
        count, reset_at = state
        if count < self.max_failures:
            return 0
        return max(1, math.ceil(reset_at - time.time()))

    def record_failure(self, ident: str) -> int:
        """Count one failure; returns the failures counted in the current window."""
        key = self._key(ident)
        now = time.time()
        state = cache.get(key)
        if state and state[1] > now:
            count, reset_at = state[0] + 1, state[1]
        else:
            count, reset_at = 1, now + self.window_seconds
        # Read-modify-write: two simultaneous failures may count once. That lets a guesser one try
        # more, at most, and keeps the counter a plain value on every cache backend.
        cache.set(key, (count, reset_at), timeout=max(1, math.ceil(reset_at - now)))
        return count

    def reset(self, ident: str) -> None:
        cache.delete(self._key(ident))


# Login: 10 failed attempts per address and user name in 15 minutes.
LOGIN_LIMIT = FailureLimit(scope="login", max_failures=10, window_seconds=15 * 60)


def login_ident(*, ip: str, username: str) -> str:
    return f"{ip}|{username.strip().lower()}"


# INCR each key; a key just created gets its life (its window and a second). One round trip for
# all the limits of a request. (Django's RedisCache.incr asks EXISTS first: two round trips each.)
_INCR = """
local out = {}
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, ARGV[i]) end
  out[i] = n
end
return out
"""


def _incr_script(backend: Any, key: str) -> Any:
    """The script, registered once per cache backend instance on its write client (Django's
    get_client() builds a new client object on each call: costly per request)."""
    script = getattr(backend, "_sejahtera_incr", None)
    if script is None:
        script = backend._cache.get_client(key, write=True).register_script(_INCR)
        backend._sejahtera_incr = script
    return script


def _incr(keys: list[str], ttls: list[int]) -> list[int]:
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full = [backend.make_and_validate_key(k) for k in keys]
        return [int(n) for n in _incr_script(backend, full[0])(keys=full, args=ttls)]
    counts = []
    for key, ttl in zip(keys, ttls, strict=True):
        # incr() is atomic on the local cache; the first request of a window creates the key
        # with add(), which only one of two racing requests wins (the other increments).
        try:
            counts.append(cache.incr(key))
        except ValueError:
            counts.append(1 if cache.add(key, 1, timeout=ttl) else cache.incr(key))
    return counts


@dataclass(frozen=True)
class RequestLimit:
    """At most `max_requests` requests per key within a fixed window of `window_seconds`.

    Counting every request (the public portal: checks, submissions). The window is aligned to the
    clock (`time // window`), so the counter is one atomic `incr` on a key that expires with its
    window: no read-modify-write race, and concurrent workers sharing Redis count exactly.
    """

    scope: str
    max_requests: int
    window_seconds: int

    def _key(self, ident: str, window: int) -> str:
        digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
        return f"ratelimit:{self.scope}:{digest}:{window}"

    def hit(self, ident: str) -> int:
        """Count one request; 0 when it is allowed, else the seconds to wait before the next one."""
        return hit_all([(self, ident)])

    def reset(self, ident: str) -> None:
        cache.delete(self._key(ident, int(time.time() // self.window_seconds)))


def hit_all(hits: list[tuple[RequestLimit, str]]) -> int:
    """Count one request against each (limit, ident) at once (one Redis round trip); 0 when every
    limit allows it, else the longest wait in seconds. Every limit counts the request."""
    now = time.time()
    windows = [int(now // limit.window_seconds) for limit, _ in hits]
    counts = _incr(
        [limit._key(ident, w) for (limit, ident), w in zip(hits, windows, strict=True)],
        [limit.window_seconds + 1 for limit, _ in hits],
    )
    wait = 0
    for (limit, _), window, count in zip(hits, windows, counts, strict=True):
        if count > limit.max_requests:
            wait = max(wait, max(1, math.ceil((window + 1) * limit.window_seconds - now)))
    return wait
