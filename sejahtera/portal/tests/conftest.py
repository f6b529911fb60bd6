"""Portal test helpers: a published release to search (payments' test builder), the captcha's
answer read from its store (no test mode: the real captcha is checked), a clean cache per test."""

from __future__ import annotations

import re
from typing import Any

import pytest
from captcha.models import CaptchaStore
from django.core.cache import cache
from django.test import Client

from sejahtera.payments.tests.builders import World
from sejahtera.portal.selectors import latest_release_forget
from sejahtera.portal.services import check_index_write


@pytest.fixture(autouse=True)
def _fresh_limits_and_release():
    cache.clear()
    latest_release_forget()
    yield
    cache.clear()
    latest_release_forget()


class CheckWorld(World):
    """payments' test world, whose families are also in the check's copy of the release (written
    at build time by the release hook in real life)."""

    def family(self, *args: Any, **kw: Any) -> Any:
        hh = super().family(*args, **kw)
        check_index_write(release_id=self.release.pk)
        return hh


@pytest.fixture
def world(central) -> World:
    return CheckWorld(central)


def captcha_of(html: str) -> tuple[str, str]:
    """(key, answer) of the captcha a page shows."""
    key = re.search(r'name="captcha_0"[^>]*value="([0-9a-f]+)"', html) or re.search(
        r'value="([0-9a-f]{40})"[^>]*name="captcha_0"', html
    )
    assert key, "the page shows no captcha"
    return key.group(1), CaptchaStore.objects.get(hashkey=key.group(1)).response


def page_check(client: Client, village: str, name: str, *, answer: str | None = None, **extra: Any) -> Any:
    """Open /publik/cek/, then search with its captcha (answered right unless `answer`)."""
    key, right = captcha_of(client.get("/publik/cek/").content.decode())
    data = {
        "prov": village[:2],
        "kab": village[:4],
        "kec": village[:6],
        "desa": village,
        "nama": name,
        "captcha_0": key,
        "captcha_1": right if answer is None else answer,
    }
    return client.post("/publik/cek/", data, **extra)


def api_captcha(client: Client) -> tuple[str, str]:
    key = client.get("/api/v1/public/captcha").json()["captcha_key"]
    return key, CaptchaStore.objects.get(hashkey=key).response


def api_check(client: Client, village: str, name: str, **extra: Any) -> Any:
    key, answer = api_captcha(client)
    params = {"village": village, "name": name, "captcha_key": key, "captcha": answer}
    return client.get("/api/v1/public/check", params, **extra)
