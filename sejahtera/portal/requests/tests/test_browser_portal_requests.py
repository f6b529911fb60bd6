"""The three public journeys on a phone (390 x 844, issue 5 acceptance): an usul, a sanggah and a
complaint, each ending on the status page of its tracking code, without sideways scrolling and
without a script error. The captcha's answer is read from its store by the key the page carries
(the real captcha is checked; there is no test mode)."""

from __future__ import annotations

from typing import Any

import pytest
from captcha.models import CaptchaStore
from django.core.cache import cache

from sejahtera.common.tests.browser import NEEDS_CHROMIUM
from sejahtera.portal.requests.models import Complaint, PublicSubmission

from .fixtures import JPEG, VILLAGE_A, listed_family, publish, usul_fields

pytestmark = NEEDS_CHROMIUM
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def phone(browser):
    """A phone at a house in Cileunyi Kulon: its GPS answers with the house's position."""
    context = browser.new_context(
        viewport=PHONE,
        locale="id-ID",
        geolocation={"latitude": -6.9351, "longitude": 107.7212},
        permissions=["geolocation"],
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page, errors
    context.close()


@pytest.fixture
def house_photo(tmp_path):
    path = tmp_path / "rumah.jpg"
    path.write_bytes(JPEG)
    return str(path)


def _region(page: Any, village: str, last: str) -> None:
    for select, value in (("prov", village[:2]), ("kab", village[:4]), ("kec", village[:6]), (last, village)):
        page.wait_for_selector(f"#id_{select} option[value='{value}']", state="attached")
        page.select_option(f"#id_{select}", value)


def _captcha(page: Any) -> None:
    key = page.get_attribute("input[name=captcha_0]", "value")
    page.fill("input[name=captcha_1]", CaptchaStore.objects.get(hashkey=key).response)


def _fits(page: Any, errors: list[str]) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []


def _status_page(page: Any, code: str) -> str:
    page.wait_for_selector("#tracking-code")
    assert page.inner_text("#tracking-code").strip() == code
    return str(page.inner_text("main"))


def test_a_citizen_proposes_a_family_on_a_phone(live_server, phone, house_photo):
    page, errors = phone
    data = usul_fields()
    page.goto(f"{live_server.url}/publik/")
    page.click("text=Usulkan keluarga yang layak dibantu.")
    _region(page, VILLAGE_A, "village")
    page.check("input[name=relation][value=OTHER]")
    for name in ("kk_number", "head_nik", "head_name", "address", "rt", "rw", "statement", "contact_name"):
        page.fill(f"[name={name}]", data[name])
    page.select_option("#id_program", "PKH")
    _fits(page, errors)
    page.click("main button[type=submit]")
    page.wait_for_url("**/publik/usul/periksa/")
    assert data["kk_number"] in page.inner_text(".echo")  # the citizen checks what they typed
    page.set_input_files("#id_photo", house_photo)
    _captcha(page)
    page.check("#id_confirm")
    _fits(page, errors)
    page.click("main form button[type=submit]")
    text = _status_page(page, PublicSubmission.objects.get().code)
    assert "Diterima" in text and data["kk_number"] not in text
    _fits(page, errors)


def test_a_resident_objects_to_a_recipient_on_a_phone(
    live_server, phone, house_photo, central, central_publisher
):
    family = listed_family()
    publish([family], central, central_publisher)
    page, errors = phone
    page.goto(f"{live_server.url}/publik/sanggah/")
    page.click("text=Cari penerima (Cek bansos)")
    _region(page, VILLAGE_A, "desa")
    page.fill("#id_nama", "siti aminah")
    _captcha(page)
    page.click("#check-form button[type=submit]")
    page.click(".result >> nth=0 >> text=Sanggah penerima ini")
    page.wait_for_url("**/publik/sanggah/isi/**")
    page.check("input[name=reason][value=NOT_POOR]")
    page.fill("#id_statement", "Punya mobil dan toko bangunan.")
    page.fill("#id_objector_name", "Asep")
    page.fill("#id_objector_nik", "3204050101900077")
    page.check("#id_resident")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/publik/sanggah/periksa/")
    assert "dicatat" in page.inner_text("#false-objection-notice")
    page.set_input_files("#id_photo", house_photo)
    page.click("#gps-fill")  # the phone's position fills the coordinates
    page.wait_for_function("document.getElementById('id_latitude').value !== ''")
    _captcha(page)
    page.check("#id_confirm")
    _fits(page, errors)
    page.click("main form button[type=submit]")
    sub = PublicSubmission.objects.get()
    text = _status_page(page, sub.code)
    assert "Batas verifikasi" in text and "Sanggahan" in text
    assert str(sub.latitude) == "-6.935100"
    for secret in family.secrets:
        assert secret not in page.content()
    _fits(page, errors)


def test_a_citizen_files_a_complaint_on_a_phone(live_server, phone):
    page, errors = phone
    page.goto(f"{live_server.url}/publik/pengaduan/")
    page.check("input[name=kind][value=COMPLAINT]")
    page.select_option("#id_category", "DISBURSEMENT")
    _region(page, VILLAGE_A, "village")
    page.fill("#id_text", "Bantuan BPNT bulan ini belum diterima.")
    _captcha(page)
    _fits(page, errors)
    page.click("main form button[type=submit]")
    c = Complaint.objects.get()
    text = _status_page(page, c.ticket)
    assert "Diterima" in text and c.regency_code == "3204"
    page.fill("#id_kode", c.ticket.lower())  # typed again later, in lower case
    page.click("main form button[type=submit]")
    page.wait_for_selector("#public-status")
    assert page.inner_text("#public-status") == "Diterima"
    _fits(page, errors)
