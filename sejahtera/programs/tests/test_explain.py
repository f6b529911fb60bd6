"""The family's benefits page (why this family receives Rp X) and the simulator page: the rules
evaluated again beside each stored entitlement, a visible warning when they differ, the decile of the
release, deceased members, scoping (404 outside the jurisdiction, 403 without PROGRAM_VIEW)."""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from sejahtera.programs.models import (
    Enrollment,
    Entitlement,
    EntitlementComponent,
    Program,
    ProgramParameter,
    ProgramRun,
)
from sejahtera.registry.models import Household, Person
from sejahtera.targeting.models import HouseholdScore
from sejahtera.updates.models import Release, ReleaseHousehold, ReleasePerson
from sejahtera.updates.tests.factories import household, person

SEED = importlib.import_module("sejahtera.programs.migrations.0002_seed_programs")

pytestmark = pytest.mark.django_db

VILLAGE_A = "3204052001"
VILLAGE_B = "3273011001"


@pytest.fixture(autouse=True)
def _seeded():
    from django.apps import apps

    if not Program.objects.filter(code="PKH").exists():
        SEED.seed(apps, None)


@dataclass
class Family:
    household: Household
    persons: list[Person]
    release: Release


def _release(publisher: Any, number: int) -> Release:
    now = timezone.now()
    return Release.objects.create(
        number=number,
        period=f"2020-{number:02d}",
        cutoff=now,
        status=Release.Status.PUBLISHED,
        built_by=publisher,
        published_by=publisher,
        published_at=now,
        decree_number=f"KEPMENSOS {number}/HUK/2020",
    )


def family(
    publisher: Any,
    *,
    village: str = VILLAGE_A,
    decile: int | None = 2,
    release: Release | None = None,
    members: list[dict[str, Any]] | None = None,
) -> Family:
    """A household with a head (40) and by default an SD pupil (9 on 2021-01-01), in a published
    release, with its decile."""
    hh = household(village_id=village)
    rel = release or _release(publisher, Release.objects.count() + 1)
    members = members or [
        {"birth_date": dt.date(1980, 6, 1), "relationship": "HEAD", "full_name": "IBU KELUARGA CONTOH"},
        {
            "birth_date": dt.date(2011, 6, 1),
            "relationship": "CHILD",
            "school_level": "SD",
            "full_name": "ANAK SD",
        },
    ]
    persons = [person(household=hh, **m) for m in members]
    ReleaseHousehold.objects.create(
        release=rel,
        household_id=hh.pk,
        kk_number=hh.kk_number,
        village_code=hh.village_id,
        district_code=hh.district_code,
        regency_code=hh.regency_code,
        province_code=hh.province_code,
        members=len(persons),
        version=timezone.now(),
    )
    for p in persons:
        ReleasePerson.objects.create(
            release=rel,
            person_id=p.pk,
            household_id=hh.pk,
            nik=p.nik,
            full_name=p.full_name,
            birth_date=p.birth_date,
            sex=p.sex,
            relationship=p.relationship,
            disability_severity=p.disability_severity,
            pregnant=p.pregnant,
            school_level=p.school_level,
            ppks_mask=0,
        )
    if decile is not None:
        HouseholdScore.objects.create(
            release=rel,
            household_id=hh.pk,
            province_code=hh.province_code,
            regency_code=hh.regency_code,
            score=100,
            decile=decile,
            decile_province=decile,
            decile_regency=decile,
        )
    return Family(hh, persons, rel)


def entitle(
    fam: Family,
    starter: Any,
    *,
    code: str = "PKH",
    period: str = "2021-01",
    lines: dict[str, tuple[int, int]],
) -> Entitlement:
    """An entitlement as a run would have written it, with the given lines {component: (count, amount)}."""
    program = Program.objects.get(code=code)
    parameter = ProgramParameter.objects.filter(program=program).order_by("valid_from").first()
    assert parameter is not None
    run = ProgramRun.objects.create(
        program=program,
        period=period,
        release=fam.release,
        parameter=parameter,
        status=ProgramRun.Status.DONE,
        started_by=starter,
    )
    hh = fam.household
    where = {
        "village_code": hh.village_id,
        "district_code": hh.district_code,
        "regency_code": hh.regency_code,
        "province_code": hh.province_code,
    }
    enrollment = Enrollment.objects.filter(
        program=program, household=hh
    ).first() or Enrollment.objects.create(
        program=program, household=hh, rank=1, enrolled_run=run, enrolled_period=period, **where
    )
    ent = Entitlement.objects.create(
        program=program,
        household=hh,
        period=period,
        tahap=int(period[5:]) // 3 + 1 if code == "PKH" else int(period[5:]),
        amount=sum(a for _n, a in lines.values()),
        run=run,
        release=fam.release,
        enrollment=enrollment,
        **where,
    )
    for component, (count, amount) in lines.items():
        EntitlementComponent.objects.create(entitlement=ent, component=component, count=count, amount=amount)
    return ent


def page(client: Any, user: Any, hh: Household, **params: str) -> Any:
    client.force_login(user)
    return client.get(reverse("programs:household_benefits", kwargs={"household_id": hh.pk}), params)


# --- the household page ---------------------------------------------------------------------------------
def test_the_page_explains_a_stored_entitlement_line_by_line(client, central, district_a):
    fam = family(central)
    ent = entitle(fam, central, lines={"SD": (1, 225_000)})
    response = page(client, district_a, fam.household, period="2021-01")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="entitlement-{ent.pk}"' in html
    assert "Mengapa keluarga ini menerima Rp225.000 pada 2021-01" in html
    assert "Desil 2 ≤ 4: memenuhi syarat desil" in html
    assert "Anggota 2 (SD, usia 9): komponen Anak SD/sederajat Rp225.000" in html
    assert "Indeks dan Komponen Bantuan PKH" in html  # the legal source
    assert 'id="explain-differs"' not in html
    assert "ANAK SD" in html  # member 2 is named in the members table
    assert html.index('id="program-PKH"') < html.index('id="program-BPNT"')  # its programs first


def test_a_stored_amount_the_rules_do_not_give_is_a_visible_warning(client, central, district_a):
    fam = family(central)
    entitle(fam, central, lines={"SD": (1, 225_000), "ELDERLY": (1, 600_000)})
    html = page(client, district_a, fam.household).content.decode()
    assert 'id="explain-differs"' in html
    assert "Perhitungan ulang Rp225.000 berbeda dari jumlah tersimpan Rp825.000." in html


def test_a_member_deceased_before_the_period_is_not_counted_and_the_warning_shows(
    client, central, district_a
):
    fam = family(central)
    entitle(fam, central, lines={"SD": (1, 225_000)})
    pupil = fam.persons[1]
    Person.objects.filter(pk=pupil.pk).update(status="DECEASED", death_date=dt.date(2020, 12, 15))
    html = page(client, district_a, fam.household).content.decode()
    assert "Anggota 2 meninggal sebelum 2021-01-01: tidak dihitung" in html
    assert 'id="explain-differs"' in html


def test_a_death_after_the_period_still_counts(client, central, district_a):
    fam = family(central)
    entitle(fam, central, lines={"SD": (1, 225_000)})
    Person.objects.filter(pk=fam.persons[1].pk).update(status="DECEASED", death_date=dt.date(2021, 2, 1))
    html = page(client, district_a, fam.household).content.decode()
    assert 'id="explain-differs"' not in html


def test_without_a_decile_the_page_says_so(client, central, district_a):
    fam = family(central, decile=None)
    html = page(client, district_a, fam.household, period="2021-01").content.decode()
    assert "belum ada desil" in html
    assert "Belum ada desil: tidak memenuhi syarat" in html


def test_without_entitlements_the_rules_at_the_period_still_explain(client, central, district_a):
    fam = family(central, decile=6)
    response = page(client, district_a, fam.household, period="2021-04")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Belum ada hak tersimpan untuk program ini." in html
    assert "Desil 6 &gt; 4: tidak memenuhi syarat desil" in html
    assert "Tidak ada parameter program ini yang berlaku pada tahun 2021." not in html
    html_2026 = page(client, district_a, fam.household, period="2026-04").content.decode()
    assert "Tidak ada parameter program ini yang berlaku pada tahun 2026." in html_2026  # BST, BPNT PPKM


def test_bst_explanation_names_the_pkh_enrolment(client, central, district_a):
    fam = family(central)
    entitle(fam, central, lines={"SD": (1, 225_000)})  # enrolled in PKH
    html = page(client, district_a, fam.household, period="2021-02").content.decode()
    assert "Terdaftar aktif di PKH: tidak memenuhi syarat" in html


def test_the_page_reads_a_fixed_number_of_queries(client, central, district_a, django_assert_max_num_queries):
    fam = family(central)
    for period in ("2021-01", "2021-04", "2021-07"):
        entitle(fam, central, period=period, lines={"SD": (1, 225_000)})
    client.force_login(district_a)
    url = reverse("programs:household_benefits", kwargs={"household_id": fam.household.pk})
    with django_assert_max_num_queries(40):
        assert client.get(url, {"period": "2021-01"}).status_code == 200


# --- scoping ---------------------------------------------------------------------------------------------
def test_a_household_outside_the_jurisdiction_answers_404(
    client, central, district_a, district_b, village_operator
):
    fam_b = family(central, village=VILLAGE_B)
    entitle(fam_b, central, lines={"SD": (1, 225_000)})
    assert page(client, district_a, fam_b.household).status_code == 404
    assert page(client, village_operator, fam_b.household).status_code == 404
    assert page(client, district_b, fam_b.household).status_code == 200


def test_a_household_that_does_not_exist_answers_404(client, central):
    client.force_login(central)
    url = reverse("programs:household_benefits", kwargs={"household_id": 999_999})
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("persona", ["verifier", "payment_channel"])
def test_a_role_without_program_view_is_refused(client, central, persona, request):
    user = request.getfixturevalue(persona)
    fam = family(central)
    assert page(client, user, fam.household).status_code == 403
    client.force_login(user)
    assert client.get(reverse("programs:benefits_simulator")).status_code == 403


def test_anonymous_is_sent_to_login(client, central):
    fam = family(central)
    response = client.get(reverse("programs:household_benefits", kwargs={"household_id": fam.household.pk}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- the simulator page ------------------------------------------------------------------------------------
def _form(**extra: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "period": "2021-01",
        "decile": "2",
        "programs": ["PKH", "BPNT", "BST"],
        "m-TOTAL_FORMS": "8",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "8",
        "m-0-birth_date": "1985-03-05",
        "m-0-sex": "P",
        "m-0-relationship": "HEAD",
        "m-0-school_level": "NONE",
        "m-0-disability": "NONE",
        "m-0-alive": "on",
        "m-1-birth_date": "2012-01-01",
        "m-1-sex": "L",
        "m-1-relationship": "CHILD",
        "m-1-school_level": "SD",
        "m-1-disability": "NONE",
        "m-1-alive": "on",
        "m-2-birth_date": "2019-01-01",
        "m-2-sex": "L",
        "m-2-relationship": "CHILD",
        "m-2-school_level": "NONE",
        "m-2-disability": "NONE",
        "m-2-alive": "on",
    }
    for i in range(3, 8):
        data |= {
            f"m-{i}-sex": "P",
            f"m-{i}-relationship": "CHILD",
            f"m-{i}-school_level": "NONE",
            f"m-{i}-disability": "NONE",
            f"m-{i}-alive": "on",
        }
    return data | extra


def test_the_simulator_shows_what_the_cli_shows(client, district_a):
    client.force_login(district_a)
    response = client.get(reverse("programs:benefits_simulator"), _form())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="result-PKH"' in html
    assert "Setahun: Rp3.900.000" in html  # 4 x (750,000 + 225,000), as test_simulate
    assert "Setahun: Rp2.800.000" in html  # BPNT 2021: 14 x 200,000
    assert "Setahun: Rp1.800.000" in html  # BST
    assert "Anggota 2 (SD, usia 9): komponen Anak SD/sederajat Rp225.000" in html


def test_the_simulator_names_a_bad_field(client, district_a):
    client.force_login(district_a)
    response = client.get(reverse("programs:benefits_simulator"), _form(**{"m-1-birth_date": "2012-02-30"}))
    html = response.content.decode()
    assert 'id="simulator-results"' not in html
    assert "errorlist" in html


def test_the_simulator_starts_empty(client, village_operator):
    client.force_login(village_operator)
    response = client.get(reverse("programs:benefits_simulator"))
    assert response.status_code == 200
    assert 'id="simulator-results"' not in response.content.decode()
    assert 'name="m-7-birth_date"' in response.content.decode()
