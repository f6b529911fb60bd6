"""The public pages: usul, sanggah and complaint from a client, captcha, CSRF and rate limits, and
no public answer (page or JSON) showing a registry family's NIK, KK number, address or birth date.
The complaint desk: scoped, exported, refused to other regions."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from django.test import Client

from sejahtera.portal.requests.models import Complaint, PublicSubmission
from sejahtera.updates.models import Proposal

from .fixtures import (
    JPEG,
    PNG,
    VILLAGE_A,
    VILLAGE_A2,
    Listed,
    captcha,
    check_page,
    listed_family,
    publish,
    usul_fields,
)

USUL, USUL_OK = "/publik/usul/", "/publik/usul/periksa/"
SANGGAH, SANGGAH_FORM, SANGGAH_OK = "/publik/sanggah/", "/publik/sanggah/isi/", "/publik/sanggah/periksa/"
ADU, TRACK = "/publik/pengaduan/", "/publik/lacak/"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def family(db, central, central_publisher) -> Listed:
    f = listed_family()
    publish([f, listed_family(VILLAGE_A2, name="SITI AMINAH", serial=8102)], central, central_publisher)
    return f


class Seen:
    """Every public answer of a test, to check none shows the listed family's secrets."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.texts: list[tuple[str, str]] = []  # (answer, what the request itself carried)

    def __call__(self, method: str, url: str, data=None, **kw):
        response = getattr(self.client, method)(url, data or {}, **kw)
        asked = " ".join(str(v) for v in (data or {}).values())
        self.texts.append((f"{response.status_code} {url} {response.content.decode()}", asked))
        return response

    def assert_no_secrets_of(self, family: Listed) -> None:
        # A number the request itself carried (a NIK typed into the search box, echoed back in it)
        # is the asker's own input, not a leak.
        for secret in family.secrets:
            leaks = [t[:80] for t, asked in self.texts if secret in t and secret not in asked]
            assert not leaks, f"{secret!r} of the registry shown on {leaks}"


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, f"{pattern} not in the page"
    return match[1]


def photo(content: bytes = JPEG, name: str = "rumah.jpg") -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


# --- usul -------------------------------------------------------------------------------------------
def test_an_usul_goes_data_then_confirm_then_tracking_code(db):
    seen = Seen(Client())
    step1 = seen("post", USUL, usul_fields())
    assert step1.status_code == 302 and step1["Location"] == USUL_OK
    confirm = seen("get", USUL_OK)
    fields = usul_fields()
    assert fields["kk_number"] in confirm.content.decode()  # the citizen's own entry, before sending
    done = seen(
        "post", USUL_OK, {"photo": photo(PNG, "r.png"), "confirm": "on", **captcha(confirm.content.decode())}
    )
    assert done.status_code == 302
    code = PublicSubmission.objects.get().code
    status = seen("get", done["Location"])
    page = status.content.decode()
    assert code in page and "Diterima" in page
    # After sending, the citizen's KK, NIK and address are never shown again.
    for entry in (fields["kk_number"], fields["head_nik"], fields["address"]):
        assert entry not in page
    assert Proposal.objects.get().origin == "USUL"


def test_an_usul_with_bad_numbers_names_each_field(db):
    response = Client().post(USUL, usul_fields(kk_number="12", head_nik="abc", relation=""))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Nomor KK harus 16 angka." in page and "NIK kepala keluarga harus 16 angka." in page
    assert "Pilih keluarga siapa yang diusulkan." in page


def test_the_operator_of_the_village_sees_the_usul_and_its_origin(db, village_operator):
    client = Client()
    client.post(USUL, usul_fields())
    confirm = client.get(USUL_OK).content.decode()
    client.post(USUL_OK, {"photo": photo(), "confirm": "on", **captcha(confirm)})
    sub = PublicSubmission.objects.get()
    client.force_login(village_operator)
    assert "Usul masyarakat" in client.get("/usulan/").content.decode()
    detail = client.get(f"/usulan/publik/{sub.pk}/").content.decode()
    assert sub.code in detail and "Suami meninggal" in detail
    image = client.get(f"/usulan/publik/{sub.pk}/foto/")
    assert image.status_code == 200 and image["Cache-Control"] == "private, no-store"


def test_without_javascript_the_pilih_button_lists_the_next_level_keeping_the_entries(db):
    response = Client().post(USUL, {"prov": "32", "pilih": "prov", "head_name": "Rahmawati"})
    page = response.content.decode()
    assert response.status_code == 200 and 'value="3204"' in page and 'value="Rahmawati"' in page
    assert "wajib" not in page.lower() and not PublicSubmission.objects.exists()


def test_a_wrong_captcha_sends_nothing(db):
    client = Client()
    client.post(USUL, usul_fields())
    confirm = client.get(USUL_OK).content.decode()
    answer = {**captcha(confirm), "captcha_1": "zzzz"}
    response = client.post(USUL_OK, {"photo": photo(), "confirm": "on", **answer})
    assert response.status_code == 400 and "Huruf pada gambar tidak cocok." in response.content.decode()
    assert not PublicSubmission.objects.exists()


def test_a_photo_over_10_mb_is_refused_before_it_is_read(db, settings):
    client = Client()
    client.post(USUL, usul_fields())
    confirm = client.get(USUL_OK).content.decode()
    big = photo(JPEG + b"\x00" * (10 * 1024 * 1024))
    response = client.post(USUL_OK, {"photo": big, "confirm": "on", **captcha(confirm)})
    assert response.status_code == 400 and "Berkas lebih dari 10 MB." in response.content.decode()
    assert not PublicSubmission.objects.exists()


def test_the_complaint_form_requires_the_captcha(db):
    response = Client().post(ADU, {"village": VILLAGE_A, "kind": "QUESTION", "category": "DATA", "text": "?"})
    assert response.status_code == 400 and not Complaint.objects.exists()


def test_posts_need_the_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    assert client.post(USUL, usul_fields()).status_code == 403
    assert client.post(ADU, {}).status_code == 403


def test_too_many_posts_from_one_address_get_429_with_the_wait(db):
    client = Client()
    codes = [client.post(USUL, {}, REMOTE_ADDR="10.9.9.9").status_code for _ in range(21)]
    assert codes[:20] == [400] * 20 and codes[20] == 429
    last = client.post(USUL, {}, REMOTE_ADDR="10.9.9.9")
    assert int(last["Retry-After"]) > 0 and "Coba lagi dalam" in last.content.decode()
    assert client.post(USUL, {}, REMOTE_ADDR="10.9.9.10").status_code == 400  # another address


def test_tracking_lookups_are_limited_per_address(db):
    client = Client()
    statuses = [
        client.get(TRACK, {"kode": f"USL-AAAAA-AAAA{c}"}).status_code
        for c in "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    ]
    assert statuses[:30] == [404] * 30 and statuses[30] == 429


# --- sanggah ----------------------------------------------------------------------------------------
def _search(seen: Seen, name: str = "siti aminah") -> str:
    """The recipient found through the public check (its captcha answered)."""
    page = check_page(seen.client, VILLAGE_A, name)
    seen.texts.append((page, name))
    return page


def _ref(page: str) -> str:
    return found(r'name="ref" value="([^"]+)"', page)


def test_a_sanggah_searches_masked_picks_confirms_and_tracks(family):
    seen = Seen(Client())
    page = _search(seen)
    assert "SI** AMI***" in page and "SITI AMINAH" not in page
    assert "/publik/cek/" in seen("get", SANGGAH).content.decode()  # the rules lead to the check
    assert "Sanggah penerima ini" in page
    form = seen("get", SANGGAH_FORM, {"ref": _ref(page), "desa": VILLAGE_A})
    assert form.status_code == 200
    ref = found(r'name="ref" value="([^"]+)"', form.content.decode())
    step2 = seen(
        "post",
        SANGGAH_FORM,
        {"ref": ref, "desa": VILLAGE_A, "reason": "NOT_POOR", "statement": "Punya mobil.",
         "objector_name": "Asep", "objector_nik": "3204050101900077", "resident": "on"},
    )  # fmt: skip
    assert step2.status_code == 302
    confirm = seen("get", SANGGAH_OK).content.decode()
    assert "sanggahan palsu" in confirm.lower() and "3204050101900077" in confirm
    done = seen(
        "post",
        SANGGAH_OK,
        {"photo": photo(), "latitude": "-6.93", "longitude": "107.72", "confirm": "on", **captcha(confirm)},
    )
    assert done.status_code == 302
    status = seen("get", done["Location"]).content.decode()
    sub = PublicSubmission.objects.get()
    assert sub.code in status and "Batas verifikasi" in status
    assert "3204050101900077" not in status  # the objector's NIK is not echoed after sending
    assert sub.proposal.household_id == family.household.pk
    seen.assert_no_secrets_of(family)


def test_a_forged_or_altered_ref_is_refused(family):
    assert Client().get(SANGGAH_FORM, {"ref": "forged", "desa": VILLAGE_A}).status_code == 400
    from django.core import signing

    forged = signing.dumps([1, family.household.pk, family.head.pk], salt="not-the-portal")
    response = Client().post(SANGGAH_FORM, {"ref": forged, "desa": VILLAGE_A})
    assert response.status_code == 400 and not Proposal.objects.exists()


def test_a_sanggah_from_another_village_is_refused(family):
    ref = _ref(_search(Seen(Client())))
    response = Client().post(
        SANGGAH_FORM,
        {"ref": ref, "desa": VILLAGE_A2, "reason": "NOT_POOR", "statement": "x",
         "objector_name": "Asep", "objector_nik": "3204050101900077", "resident": "on"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "tidak dapat disanggah dari desa/kelurahan ini" in response.content.decode()


def test_the_objector_must_declare_living_in_the_village(family):
    ref = _ref(_search(Seen(Client())))
    response = Client().post(SANGGAH_FORM, {"ref": ref, "desa": VILLAGE_A, "reason": "MOVED",
                                            "statement": "x", "objector_name": "A", "objector_nik": "1"})  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400
    assert "warga desa/kelurahan yang sama" in page and "NIK Anda harus 16 angka." in page


# --- pengaduan and the desk -----------------------------------------------------------------------------
def _complain(client: Client) -> Complaint:
    form = client.get(ADU).content.decode()
    response = client.post(
        ADU,
        {"village": VILLAGE_A, "kind": "COMPLAINT", "category": "STAFF", "text": "Petugas meminta uang.",
         "attachment": photo(), **captcha(form)},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    return Complaint.objects.get()


def test_a_complaint_is_answered_by_the_district_and_the_answer_shows_by_ticket(db, district_a):
    c = _complain(Client())
    desk = Client()
    desk.force_login(district_a)
    assert c.ticket in desk.get("/pengaduan/").content.decode()
    assert c.ticket in desk.get("/pengaduan/", {"format": "csv"}).getvalue().decode()
    assert desk.get("/pengaduan/", {"format": "xlsx"}).status_code == 200
    assert desk.get(f"/pengaduan/{c.pk}/lampiran/").status_code == 200
    desk.post(f"/pengaduan/{c.pk}/", {"action": "take"})
    desk.post(f"/pengaduan/{c.pk}/", {"action": "answer", "answer": "Petugas sudah ditegur."})
    public = Client().get(TRACK, {"kode": c.ticket}).content.decode()
    assert "Dijawab" in public and "Petugas sudah ditegur." in public
    assert "Petugas meminta uang" not in public  # the citizen's text is not published


def test_another_regions_officer_gets_404_and_an_auditor_403(db, district_b, auditor):
    c = _complain(Client())
    other = Client()
    other.force_login(district_b)
    assert other.get(f"/pengaduan/{c.pk}/").status_code == 404
    assert other.post(f"/pengaduan/{c.pk}/", {"action": "take"}).status_code == 404
    assert c.ticket not in other.get("/pengaduan/").content.decode()
    reader = Client()
    reader.force_login(auditor)
    assert reader.get(f"/pengaduan/{c.pk}/").status_code == 200
    assert reader.post(f"/pengaduan/{c.pk}/", {"action": "take"}).status_code == 403
    c.refresh_from_db()
    assert c.status == "NEW"


def test_the_desk_is_closed_to_the_public_and_to_village_operators(db, village_operator):
    assert Client().get("/pengaduan/").status_code == 302  # to the sign-in page
    client = Client()
    client.force_login(village_operator)
    assert client.get("/pengaduan/").status_code == 403


# --- nothing of the registry in any public answer ---------------------------------------------------------
def test_no_public_answer_shows_a_registry_nik_kk_address_or_birth_date(family):
    """Every public page and partial, with the listed family's own numbers typed in as searches and
    codes: none answers with its NIK, KK, address or birth date (the JSON API of the public check is
    the other engineer's, tested there)."""
    seen = Seen(Client())
    f = family
    ref = _ref(_search(seen))
    seen("get", SANGGAH_FORM, {"ref": ref, "desa": VILLAGE_A})
    for url in (USUL, SANGGAH, ADU, TRACK):
        seen("get", url)
        seen("get", url, {"kode": f.household.kk_number, "q": f.head.nik, "parent": VILLAGE_A[:6]})
    seen("get", TRACK, {"kode": f.head.nik})
    seen("post", USUL, usul_fields(kk_number=f.household.kk_number))  # a KK already listed
    confirm = seen("get", USUL_OK)
    seen("post", USUL_OK, {"photo": photo(), "confirm": "on", **captcha(confirm.content.decode())})
    code = PublicSubmission.objects.get().code
    status = seen("get", TRACK, {"kode": code})
    assert "Diterima" in status.content.decode()
    # The confirmation step echoed the KK the citizen typed; nothing after it did.
    echoed = [t for t in seen.texts if t[0].startswith(f"200 {USUL_OK}")]
    assert any(f.household.kk_number in t for t, _asked in echoed)  # so the check below can fail
    seen.texts = [t for t in seen.texts if t not in echoed]
    seen.assert_no_secrets_of(family)
