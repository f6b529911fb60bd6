"""Sign-in, sign-out and the limit on failed sign-ins."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from conftest import PASSWORD
from sejahtera.common import ratelimit

pytestmark = pytest.mark.django_db

LOGIN = "/masuk/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Autouse, so it applies before the personas hash their passwords: these tests sign in
    # dozens of times, and the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_login_and_logout_addresses():
    assert reverse("accounts:login") == "/masuk/"
    assert reverse("accounts:logout") == "/keluar/"


def test_a_correct_password_signs_in_and_lands_on_the_dashboard(client, district_a):
    response = client.post(LOGIN, {"username": "dinsos_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:dashboard")
    page = client.get(response["Location"]).content.decode()
    assert "dinsos_a" in page
    assert "Dinas Sosial kabupaten/kota" in page  # the role
    assert "32.04 Kabupaten Bandung" in page  # the jurisdiction


def test_next_is_followed_after_signing_in(client, district_a):
    response = client.post(
        LOGIN + "?next=/keluarga/", {"username": "dinsos_a", "password": PASSWORD, "next": "/keluarga/"}
    )
    assert response["Location"] == "/keluarga/"


def test_a_wrong_password_is_told_in_indonesian(client, district_a):
    response = client.post(LOGIN, {"username": "dinsos_a", "password": "salah-sandi-123"})
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_returns_to_the_login(client, district_a):
    client.force_login(district_a)
    assert client.get("/keluar/").status_code == 405
    response = client.post("/keluar/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert client.get(reverse("registry:dashboard")).status_code == 302


def fail(client, username="dinsos_a", ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": "tebak-tebak-123"}, REMOTE_ADDR=ip)


def test_ten_failures_block_the_next_attempt_even_with_the_right_password(client, district_a):
    for _ in range(10):
        assert fail(client).status_code == 200
    response = client.post(LOGIN, {"username": "dinsos_a", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 14 * 60
    html = response.content.decode()
    assert "Terlalu banyak percobaan masuk yang gagal" in html
    assert "15 menit" in html
    assert "_auth_user_id" not in client.session


def test_the_block_is_per_address_and_user_name(client, district_a, district_b):
    for _ in range(10):
        fail(client)
    ok_b = client.post(LOGIN, {"username": "dinsos_b", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert ok_b.status_code == 302
    client.logout()
    ok_elsewhere = client.post(LOGIN, {"username": "dinsos_a", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2")
    assert ok_elsewhere.status_code == 302


def test_the_block_ends_with_its_window(client, district_a, monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    for _ in range(10):
        fail(client)
    assert fail(client).status_code == 429
    now[0] += 15 * 60 + 1
    cache.clear()  # the entry's cache timeout has passed too
    response = client.post(LOGIN, {"username": "dinsos_a", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 302


def test_a_successful_sign_in_clears_earlier_failures(client, district_a):
    for _ in range(9):
        fail(client)
    assert (
        client.post(LOGIN, {"username": "dinsos_a", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1").status_code
        == 302
    )
    client.logout()
    for _ in range(9):
        assert fail(client).status_code == 200
    assert fail(client).status_code == 200  # the 10th failure of the new window is still answered
    assert fail(client).status_code == 429


def test_the_user_name_is_matched_without_case(client, district_a):
    for i in range(10):
        fail(client, username="DINSOS_A" if i % 2 else "dinsos_a")
    assert fail(client).status_code == 429


def test_the_limiter_counts_within_its_window_only(monkeypatch):
    limit = ratelimit.FailureLimit(scope="t", max_failures=2, window_seconds=60)
    now = [0.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    assert limit.record_failure("x") == 1
    now[0] = 30
    assert limit.record_failure("x") == 2
    assert limit.retry_after("x") == 30
    assert limit.retry_after("y") == 0
    now[0] = 61
    assert limit.record_failure("x") == 1  # a new window
    assert limit.retry_after("x") == 0
