"""The public check (cek bansos), page and JSON: what is found, what is refused, what is never shown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from sejahtera.payments.models import Channel, Payment, PaymentBatch
from sejahtera.payments.tests.builders import VILLAGE_A, VILLAGE_A2
from sejahtera.portal.selectors import check_search, resolve_ref
from sejahtera.updates.models import Release

from .conftest import api_captcha, api_check, page_check

pytestmark = pytest.mark.django_db


def test_a_misspelt_name_is_found_in_its_village_and_the_same_name_elsewhere_is_not(world):
    world.family(VILLAGE_A, head="SITI AMINAH")
    world.family(VILLAGE_A2, head="SITI AMINAH")
    found = check_search(village_code=VILLAGE_A, name="siti amnah")
    # the mother and her child ("ANAK SITI AMINAH", the builder's), of village A only
    assert [r.masked_name for r in found] == ["SI** AMI***", "AN** SI** AMI***"]
    assert {(r.village_name, r.district_name) for r in found} == {("Cileunyi Kulon", "Cileunyi")}
    assert found[0].age == dt.date.today().year - 1985 - (
        dt.date.today() < dt.date(dt.date.today().year, 3, 4)
    )


def test_an_exact_match_comes_before_similar_names(world):
    world.family(VILLAGE_A, head="SITI AMINA")
    world.family(VILLAGE_A, head="SITI AMINAH")
    found = check_search(village_code=VILLAGE_A, name="Siti  Aminah.")
    assert [r.masked_name for r in found][:2] == ["SI** AMI***", "SI** AMI**"]


def test_a_different_name_is_not_found(world):
    world.family(VILLAGE_A, head="SITI AMINAH")
    assert check_search(village_code=VILLAGE_A, name="BUDI SANTOSO") == []


def test_at_most_ten_are_shown(world):
    for i in range(12):
        world.family(VILLAGE_A, head=f"DEWI LESTARI {'ABCDEFGHIJKL'[i]}")
    assert len(check_search(village_code=VILLAGE_A, name="DEWI LESTARI")) == 10


def test_a_family_s_programs_show_period_and_the_payment_status(world, central):
    hh = world.family(VILLAGE_A, head="SITI AMINAH")
    ent = world.entitlement(hh, code="PKH", period="2026-10", tahap=4)
    world.entitlement(hh, code="BPNT", period="2026-10", tahap=4)
    batch = PaymentBatch.objects.create(
        number=77, program=ent.program, period="2026-10", tahap=4, channel=Channel.POS, created_by=central
    )
    Payment.objects.create(
        batch=batch,
        entitlement=ent,
        household_id=hh.pk,
        amount=ent.amount,
        status=Payment.Status.PAID,
        village_code=VILLAGE_A,
        district_code=VILLAGE_A[:6],
        regency_code=VILLAGE_A[:4],
        province_code="32",
    )
    head = check_search(village_code=VILLAGE_A, name="SITI AMINAH")[0]
    assert [(p.code, p.period, p.tahap, p.status) for p in head.programs] == [
        ("BPNT", "2026-10", 4, "IN_PROCESS"),
        ("PKH", "2026-10", 4, "PAID"),
    ]
    assert head.programs[1].status_label == "Disalurkan"


def test_only_the_latest_published_release_is_read(world, central):
    world.family(VILLAGE_A, head="SITI AMINAH")
    draft = Release.objects.create(
        number=world.release.number + 1,
        period="2021-04",
        cutoff=world.release.cutoff,
        status=Release.Status.DRAFT,
        built_by=central,
    )
    world.release = draft  # the next family exists only in the draft
    world.family(VILLAGE_A, head="SITI AMINAH KEDUA")
    found = check_search(village_code=VILLAGE_A, name="SITI AMINAH KEDUA")
    assert "SI** AMI*** KE***" not in [r.masked_name for r in found]  # the draft's family
    assert "SI** AMI***" in [r.masked_name for r in found]  # the published one is close enough


def test_a_ref_names_the_person_and_a_forged_one_names_nobody(world):
    hh = world.family(VILLAGE_A, head="SITI AMINAH")
    found = check_search(village_code=VILLAGE_A, name="SITI AMINAH")[0]
    ref = resolve_ref(found.ref)
    assert ref is not None
    assert (ref.release_number, ref.household_id) == (world.release.number, hh.pk)
    assert ref.person_id == hh.members.get(full_name="SITI AMINAH").pk
    assert resolve_ref(found.ref[:-2] + "xx") is None
    assert resolve_ref(found.ref, max_age=-1) is None


def test_the_page_finds_a_masked_family_and_says_so_when_nothing_is_found(world, client: Client):
    world.family(VILLAGE_A, head="SITI AMINAH")
    found = page_check(client, VILLAGE_A, "SITI AMINAH")
    assert found.status_code == 200
    assert "SI** AMI***" in found.content.decode()
    none = page_check(client, VILLAGE_A, "BUDI SANTOSO")
    assert "Tidak Terdapat Peserta/PM" in none.content.decode()


def test_the_page_wants_the_captcha_and_takes_each_answer_once(world, client: Client):
    world.family(VILLAGE_A, head="SITI AMINAH")
    wrong = page_check(client, VILLAGE_A, "SITI AMINAH", answer="zzzz")
    assert wrong.status_code == 400
    assert "SI** AMI***" not in wrong.content.decode()
    html = client.get("/publik/cek/").content.decode()
    from .conftest import captcha_of

    key, answer = captcha_of(html)
    data = {"desa": VILLAGE_A, "nama": "SITI AMINAH", "captcha_0": key, "captcha_1": answer}
    assert "SI** AMI***" in client.post("/publik/cek/", data).content.decode()
    again = client.post("/publik/cek/", data)
    assert again.status_code == 400
    assert "SI** AMI***" not in again.content.decode()


def test_the_api_finds_with_a_captcha_once(world, client: Client):
    world.family(VILLAGE_A, head="SITI AMINAH")
    key, answer = api_captcha(client)
    params = {"village": VILLAGE_A, "name": "siti aminah", "captcha_key": key, "captcha": answer}
    first = client.get("/api/v1/public/check", params)
    assert first.status_code == 200
    body = first.json()
    assert [r["masked_name"] for r in body["results"]] == ["SI** AMI***", "AN** SI** AMI***"]
    assert body["release"] == world.release.number
    again = client.get("/api/v1/public/check", params)
    assert again.status_code == 400
    assert "Huruf kode" in again.json()["detail"]


def test_the_api_without_captcha_or_key_is_refused(world, client: Client):
    r = client.get("/api/v1/public/check", {"village": VILLAGE_A, "name": "SITI AMINAH"})
    assert r.status_code == 400


def test_the_api_says_tidak_terdapat_when_nothing_is_found(world, client: Client):
    body = api_check(client, VILLAGE_A, "BUDI SANTOSO").json()
    assert body == {"release": world.release.number, "message": "Tidak Terdapat Peserta/PM", "results": []}


def test_a_partner_key_needs_no_captcha_and_a_wrong_key_is_refused(world, client: Client, settings):
    from sejahtera.portal.edge import api_key_hash

    settings.PORTAL_API_KEY_HASHES = [api_key_hash("partner-secret")]
    world.family(VILLAGE_A, head="SITI AMINAH")
    params = {"village": VILLAGE_A, "name": "SITI AMINAH"}
    ok = client.get("/api/v1/public/check", params, HTTP_X_API_KEY="partner-secret")
    assert ok.json()["results"][0]["masked_name"] == "SI** AMI***"
    assert client.get("/api/v1/public/check", params, HTTP_X_API_KEY="guess").status_code == 401


def test_a_new_captcha_comes_with_its_image(client: Client):
    body = client.get("/api/v1/public/captcha").json()
    image = client.get(body["image_url"])
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
