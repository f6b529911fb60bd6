"""No public answer (page, JSON, the OpenAPI schema) carries a NIK, a KK number, an address or a
birth date from the registry, whatever the family receives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from sejahtera.payments.tests.builders import VILLAGE_A
from sejahtera.registry.models import Household, Person
from sejahtera.updates.models import ReleasePerson

from .conftest import api_check, page_check

pytestmark = pytest.mark.django_db

BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September"]
BULAN += ["Oktober", "November", "Desember"]


def _secrets(households: list[Household]) -> list[str]:
    out: list[str] = []
    for hh in households:
        out += [hh.kk_number, hh.address]
        for p in Person.objects.filter(household=hh):
            d = p.birth_date
            out += [
                p.nik,
                d.isoformat(),
                d.strftime("%d-%m-%Y"),
                d.strftime("%d/%m/%Y"),
                d.strftime("%d.%m.%Y"),
                d.strftime("%d%m%Y"),
                f"{d.day} {BULAN[d.month - 1]} {d.year}",
                d.strftime("%B %d, %Y"),
                d.strftime("%d %B %Y"),
            ]
    return out


def test_no_public_answer_shows_a_nik_kk_address_or_birth_date(world, client: Client):
    families = [
        world.family(VILLAGE_A, head=name) for name in ("SITI AMINAH", "SITI AMINA", "RAHMAT HIDAYAT")
    ]
    for i, hh in enumerate(families):
        Household.objects.filter(pk=hh.pk).update(address=f"JL. RAHASIA NOMOR {i}77 RT 0{i}")
        world.entitlement(hh, code="PKH", period="2026-10", tahap=4)
    households = list(Household.objects.filter(pk__in=[h.pk for h in families]))
    assert ReleasePerson.objects.filter(household_id__in=[h.pk for h in families]).count() == 6

    answers = {
        "page": page_check(client, VILLAGE_A, "SITI AMINAH"),
        "page, a misspelt name": page_check(client, VILLAGE_A, "RAHMAT HIDAYAD"),
        "json": api_check(client, VILLAGE_A, "SITI AMINAH"),
        "json, a child": api_check(client, VILLAGE_A, "ANAK RAHMAT HIDAYAT"),
        "home": client.get("/publik/"),
        "openapi": client.get("/api/v1/openapi.json"),
        "cascade": client.get("/publik/wilayah/", {"parent": VILLAGE_A[:6]}),
    }
    assert "SI** AMI***" in answers["page"].content.decode()  # the answers do show the families
    assert len(answers["json"].json()["results"]) >= 2
    assert answers["json, a child"].json()["results"][0]["age"] == _age(dt.date(2012, 1, 9))
    secrets = _secrets(households)
    for what, response in answers.items():
        body = response.content.decode().upper()
        for secret in secrets:
            assert secret.upper() not in body, f"{what} shows {secret!r}"
        for header, value in response.items():
            assert not any(s.upper() in value.upper() for s in secrets), f"{what} header {header}"


def test_the_public_schema_names_only_public_fields(client: Client):
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert set(schema["CheckResultOut"]["properties"]) == {
        "ref", "masked_name", "age", "village_name", "district_name", "programs",
    }  # fmt: skip


def _age(born: dt.date) -> int:
    today = dt.date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
