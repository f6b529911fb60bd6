"""The public check's edge: who is asking (client address, partner API key) and how often.

Limits (numbers in settings, documented in docs/portal.md), each a `RequestLimit` in the cache
(Redis in production, so every worker counts together):
- per client address, and per village: a 429 with Retry-After and the wait in words;
- scanning: one address checking more than PORTAL_SCAN_VILLAGES different villages within
  PORTAL_SCAN_WINDOW seconds is refused until the window ends.
A partner with an API key (X-API-Key) skips the captcha and the scanning rule (a partner serves
many villages) but has its own limits per key and per key and village.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import time
from collections.abc import Callable

from captcha.models import CaptchaStore
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from sejahtera.common.errors import DomainError
from sejahtera.common.ratelimit import RequestLimit, hit_all

log = logging.getLogger("sejahtera.portal")


class CheckThrottled(DomainError):
    """Too many checks from one place, of one village, or across villages: answered 429."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _limit(scope: str, spec: tuple[int, int]) -> RequestLimit:
    return RequestLimit(scope=scope, max_requests=spec[0], window_seconds=spec[1])


def limits() -> dict[str, RequestLimit]:
    return {
        "address": _limit("portal.check.address", settings.PORTAL_LIMIT_ADDRESS),
        "village": _limit("portal.check.village", settings.PORTAL_LIMIT_VILLAGE),
        "key": _limit("portal.check.key", settings.PORTAL_LIMIT_API_KEY),
        "key_village": _limit("portal.check.key_village", settings.PORTAL_LIMIT_API_KEY_VILLAGE),
    }


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR; behind a proxy listed in PORTAL_TRUSTED_PROXIES, the last address of
    X-Forwarded-For that is not itself a trusted proxy (the left part of the header is the
    client's own word and may be forged)."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    trusted = settings.PORTAL_TRUSTED_PROXIES
    if not trusted or not _in_networks(remote, trusted):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in_networks(hop, trusted):
            return hop
    return remote


def _in_networks(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in networks)


def api_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_valid(key: str) -> str | None:
    """The hash of a configured partner key (SEJAHTERA_PUBLIC_API_KEYS), compared in constant time
    with every configured hash; None when the key is unknown."""
    if not key:
        return None
    given = api_key_hash(key)
    found = None
    for known in settings.PORTAL_API_KEY_HASHES:
        if hmac.compare_digest(given, known):
            found = known
    return found


def wait_text(seconds: int) -> str:
    if seconds < 120:
        return ngettext("%(n)d detik", "%(n)d detik", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(n)d menit", "%(n)d menit", minutes) % {"n": minutes}


# The refusal of each limit, with the wait in words.
MESSAGES = {
    "api-key": gettext_lazy("Batas permintaan kunci API terlampaui. Coba lagi dalam %(wait)s."),
    "scan": gettext_lazy(
        "Terlalu banyak desa/kelurahan berbeda diperiksa dari alamat Anda. Coba lagi dalam %(wait)s."
    ),
    "address": gettext_lazy("Terlalu banyak pencarian dari alamat Anda. Coba lagi dalam %(wait)s."),
    "village": gettext_lazy("Terlalu banyak pencarian untuk desa/kelurahan ini. Coba lagi dalam %(wait)s."),
}


def check_guard(*, address: str, village_code: str, api_key_hash: str | None = None) -> None:
    """Count one check; CheckThrottled when a limit is exceeded (the first one found, in order)."""
    lim = limits()
    steps: list[tuple[str, str, Callable[[], int]]]
    if api_key_hash:
        key = api_key_hash
        steps = [
            (
                "api-key",
                key[:8],
                lambda: hit_all([(lim["key"], key), (lim["key_village"], f"{key}|{village_code}")]),
            )
        ]
    else:
        steps = [
            ("scan", address, lambda: scan_guard(address=address, village_code=village_code)),
            ("address", address, lambda: lim["address"].hit(address)),
            ("village", village_code, lambda: lim["village"].hit(village_code)),
        ]
    for kind, ident, hit in steps:
        wait = hit()
        if wait:
            log.warning("portal check refused: %s %s retry_after=%d", kind, ident, wait)
            raise CheckThrottled(str(MESSAGES[kind]) % {"wait": wait_text(wait)}, retry_after=wait)


def scan_guard(*, address: str, village_code: str) -> int:
    """Seconds to wait when `address` already checked PORTAL_SCAN_VILLAGES other villages in the
    current window (a village it checked before stays allowed); 0 otherwise. The set of villages is
    one cache value per address and window (a race may let one extra village through)."""
    window_seconds = settings.PORTAL_SCAN_WINDOW
    now = time.time()
    window = int(now // window_seconds)
    key = f"portal.scan:{hashlib.sha256(address.encode()).hexdigest()[:32]}:{window}"
    seen: set[str] = cache.get(key) or set()
    if village_code in seen:
        return 0
    if len(seen) >= settings.PORTAL_SCAN_VILLAGES:
        return max(1, math.ceil((window + 1) * window_seconds - now))
    seen.add(village_code)
    cache.set(key, seen, timeout=window_seconds + 1)
    return 0


def captcha_take(*, key: str, answer: str) -> bool:
    """True when `answer` is the captcha's (case-insensitive, unexpired); the captcha is deleted
    either way, so each one is tried once (as django-simple-captcha's form field does)."""
    store = CaptchaStore.objects.filter(hashkey=key, expiration__gt=timezone.now()).first()
    if store is None:
        return False
    store.delete()
    return bool(answer) and hmac.compare_digest(store.response, answer.strip().lower())


def captcha_new() -> str:
    """A new captcha's key (its image is served by captcha's own view); expired ones are dropped."""
    CaptchaStore.remove_expired()
    return CaptchaStore.generate_key()
