"""What the check refuses (short names, wildcards, a code that is no village, scanning across
villages) and how it limits (per address, per village, per partner key): 400 or 429 with
Retry-After and the wait in the message."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from sejahtera.payments.tests.builders import VILLAGE_A, VILLAGE_A2, VILLAGE_B
from sejahtera.portal.edge import api_key_hash, client_address
from sejahtera.portal.selectors import CheckRefused, check_search, mask_word, normalise_name

from .conftest import api_check, page_check

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("SI", "minimal 3 huruf"),
        ("S I", "minimal 3 huruf"),
        ("SITI%", "%, _, * atau ?"),
        ("S_T_", "%, _, * atau ?"),
        ("SIT*", "%, _, * atau ?"),
        ("?????", "%, _, * atau ?"),
        ("AAAAAA", "huruf yang diulang"),
        ("3204054503850001", "angka"),
    ],
)
def test_a_name_that_cannot_be_searched_is_refused(world, name, why):
    with pytest.raises(CheckRefused, match=why.replace("?", r"\?").replace("*", r"\*")):
        check_search(village_code=VILLAGE_A, name=name)


@pytest.mark.parametrize("code", ["320405", "3204052", "3204059999", "32040520011", "abcdefghij", ""])
def test_a_code_that_is_not_a_village_is_refused(world, code):
    with pytest.raises(CheckRefused, match="desa/kelurahan"):
        check_search(village_code=code, name="SITI AMINAH")


def test_the_page_and_the_api_answer_a_refusal_with_400_and_its_reason(world, client: Client):
    page = page_check(client, VILLAGE_A, "SI")
    assert page.status_code == 400
    assert "minimal 3 huruf" in page.content.decode()
    api = api_check(client, "320405", "SITI AMINAH")
    assert api.status_code == 400
    assert "desa/kelurahan" in api.json()["detail"]


def test_one_address_checking_many_villages_is_refused_with_a_wait(world, client: Client, settings):
    settings.PORTAL_SCAN_VILLAGES = 2
    assert api_check(client, VILLAGE_A, "SITI AMINAH").status_code == 200
    assert api_check(client, VILLAGE_A2, "SITI AMINAH").status_code == 200
    third = api_check(client, VILLAGE_B, "SITI AMINAH")
    assert third.status_code == 429
    assert int(third["Retry-After"]) > 0
    assert "desa/kelurahan berbeda" in third.json()["detail"]
    assert third.json()["retry_after"] == int(third["Retry-After"])
    # a village already checked stays open; another address is not affected
    assert api_check(client, VILLAGE_A, "SITI AMINAH").status_code == 200
    assert api_check(client, VILLAGE_B, "SITI AMINAH", REMOTE_ADDR="10.1.1.1").status_code == 200


def test_an_address_is_limited_and_told_how_long_to_wait(world, client: Client, settings):
    settings.PORTAL_LIMIT_ADDRESS = (2, 600)
    assert page_check(client, VILLAGE_A, "SITI AMINAH").status_code == 200
    assert page_check(client, VILLAGE_A, "SITI AMINAH").status_code == 200
    third = page_check(client, VILLAGE_A, "SITI AMINAH")
    assert third.status_code == 429
    assert 0 < int(third["Retry-After"]) <= 600
    assert "Terlalu banyak pencarian dari alamat Anda. Coba lagi dalam" in third.content.decode()
    assert page_check(client, VILLAGE_A, "SITI AMINAH", REMOTE_ADDR="10.2.2.2").status_code == 200


def test_a_village_is_limited_whoever_asks(world, client: Client, settings):
    settings.PORTAL_LIMIT_VILLAGE = (2, 600)
    for addr in ("10.0.0.1", "10.0.0.2"):
        assert api_check(client, VILLAGE_A, "SITI AMINAH", REMOTE_ADDR=addr).status_code == 200
    third = api_check(client, VILLAGE_A, "SITI AMINAH", REMOTE_ADDR="10.0.0.3")
    assert third.status_code == 429
    assert "desa/kelurahan ini" in third.json()["detail"]
    assert api_check(client, VILLAGE_A2, "SITI AMINAH", REMOTE_ADDR="10.0.0.3").status_code == 200


def test_a_partner_key_has_its_own_limit(world, client: Client, settings):
    settings.PORTAL_API_KEY_HASHES = [api_key_hash("partner-secret")]
    settings.PORTAL_LIMIT_API_KEY = (2, 60)
    params = {"village": VILLAGE_A, "name": "SITI AMINAH"}
    codes = [
        client.get("/api/v1/public/check", params, HTTP_X_API_KEY="partner-secret").status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]


def test_x_forwarded_for_counts_only_behind_a_trusted_proxy(rf, settings):
    forged = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(forged) == "203.0.113.9"
    settings.PORTAL_TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxied = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7, 10.0.0.9")
    assert client_address(proxied) == "198.51.100.7"


@given(st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=1, max_size=20))
def test_a_masked_word_never_shows_more_than_half_or_three_letters(word):
    masked = mask_word(word)
    shown = len(masked) - masked.count("*")
    assert len(masked) == len(word)
    assert masked[:shown] == word[:shown]
    assert shown <= 3
    assert shown <= (len(word) + 1) // 2
    assert "*" in masked or len(word) == 0


def test_names_are_normalised_before_they_are_compared():
    assert normalise_name("  sïti   'aminah. ") == "SITI AMINAH"
    assert normalise_name("Muh. Ridwan-Saleh") == "MUH RIDWAN SALEH"
