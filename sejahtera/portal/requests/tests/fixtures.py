"""Test data of the public requests: a family listed in a published release (what the public check
and a sanggah search find), photos, and the captcha's answer read from its store."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.portal.selectors import latest_release_forget
from sejahtera.portal.services import check_index_write
from sejahtera.registry.identifiers import kk_for, nik_for
from sejahtera.registry.models import Household, Person
from sejahtera.updates.models import Release, ReleaseHousehold, ReleasePerson
from sejahtera.updates.tests.factories import household, person

VILLAGE_A = "3204052001"  # Cileunyi Kulon, Kab. Bandung (region A)
VILLAGE_A2 = "3204332007"  # Majakerta, Kab. Bandung, another district
VILLAGE_B = "3273011001"  # Sukarasa, Kota Bandung (region B)
# The smallest thing the photo check accepts: a JPEG's first bytes.
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class Listed:
    """A family in the registry and in the published release: what must never show publicly."""

    household: Household
    head: Person
    spouse: Person

    @property
    def secrets(self) -> list[str]:
        """Its NIKs, KK number, address and birth dates, as a page could print them."""
        out = [self.household.kk_number, self.household.address]
        for p in (self.head, self.spouse):
            out += [
                p.nik,
                p.birth_date.isoformat(),
                p.birth_date.strftime("%d-%m-%Y"),
                p.birth_date.strftime("%d/%m/%Y"),
                f"{p.birth_date.day} {_MONTHS[p.birth_date.month - 1]} {p.birth_date.year}",
            ]
        return out


_MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
           "Oktober", "November", "Desember"]  # fmt: skip


def listed_family(village: str = VILLAGE_A, *, name: str = "SITI AMINAH", serial: int = 8101) -> Listed:
    district = village[:6]
    hh = household(
        village_id=village,
        kk_number=kk_for(district_code=district, record_date=dt.date(2014, 8, 19), serial=serial),
        address=f"Gg. Rahasia {serial} RT 09",
    )
    head = person(
        household=hh,
        full_name=name,
        birth_date=dt.date(1971, 11, 23),
        sex="P",
        nik=nik_for(district_code=district, birth_date=dt.date(1971, 11, 23), sex="P", serial=serial),
    )
    spouse = person(
        household=hh,
        full_name=f"SUAMI {name}",
        birth_date=dt.date(1969, 2, 14),
        sex="L",
        relationship="SPOUSE",
        nik=nik_for(district_code=district, birth_date=dt.date(1969, 2, 14), sex="L", serial=serial),
    )
    return Listed(hh, head, spouse)


def publish(families: list[Listed], builder: User, publisher: User) -> Release:
    """A published release holding the families (rows written directly: the build is tested elsewhere)."""
    latest_release_forget()
    number = (Release.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    release = Release.objects.create(
        number=number, period=f"2026-{number:02d}", cutoff=timezone.now(), status=Release.Status.PUBLISHED,
        built_by=builder, published_by=publisher, published_at=timezone.now(), decree_number="KEP-1/2026",
    )  # fmt: skip
    for f in families:
        hh = f.household
        ReleaseHousehold.objects.create(
            release=release, household_id=hh.pk, kk_number=hh.kk_number, village_code=hh.village_id,
            district_code=hh.district_code, regency_code=hh.regency_code, province_code=hh.province_code,
            members=2, version=hh.updated_at,
        )  # fmt: skip
        ReleasePerson.objects.bulk_create(
            ReleasePerson(
                release=release, person_id=p.pk, household_id=hh.pk, nik=p.nik, full_name=p.full_name,
                birth_date=p.birth_date, sex=p.sex, relationship=p.relationship, disability_severity="",
                pregnant=False, school_level="", ppks_mask=0,
            )
            for p in (f.head, f.spouse)
        )  # fmt: skip
    check_index_write(release_id=release.pk)  # the check's copy (the release hook, in real life)
    return release


_HASHKEY = (
    re.compile(r'name="captcha_0"[^>]*value="([0-9a-f]+)"'),
    re.compile(r'value="([0-9a-f]{40})"[^>]*name="captcha_0"'),
)


def captcha(html: str) -> dict[str, str]:
    """The captcha fields of a rendered form, answered: the answer read from the captcha store by
    the hash key the page carries (what a person reads off the image)."""
    from captcha.models import CaptchaStore

    key = _HASHKEY[0].search(html) or _HASHKEY[1].search(html)
    assert key, "the page has no captcha"
    return {"captcha_0": key[1], "captcha_1": CaptchaStore.objects.get(hashkey=key[1]).response}


def usul_fields(village: str = VILLAGE_A, *, serial: int = 8201, **over: Any) -> dict[str, str]:
    district = village[:6]
    data = {
        "prov": village[:2],
        "kab": village[:4],
        "kec": village[:6],
        "village": village,
        "relation": "OTHER",
        "kk_number": kk_for(district_code=district, record_date=dt.date(2020, 1, 6), serial=serial),
        "head_nik": nik_for(district_code=district, birth_date=dt.date(1988, 5, 2), sex="P", serial=serial),
        "head_name": "Rahmawati",
        "address": "Kp. Sukamaju RT 03",
        "rt": "3",
        "rw": "7",
        "program": "PKH",
        "statement": "Suami meninggal, tiga anak sekolah, rumah bilik bambu.",
        "contact_name": "Ujang",
        "contact_phone": "0812 3456 7890",
    }
    data.update(over)
    return data


def check_page(client: Any, village: str, name: str) -> str:
    """The public check (portal) searched with its captcha answered: the masked results, each with
    its "Sanggah penerima ini" form (ref and village)."""
    form = client.get("/publik/cek/").content.decode()
    data = {"prov": village[:2], "kab": village[:4], "kec": village[:6], "desa": village, "nama": name}
    response = client.post("/publik/cek/", {**data, **captcha(form)})
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())
