"""A run of the checks: new findings open, re-runs upsert, gone problems become FIXED, officers'
decisions stick, an import's rows get findings, one registry run at a time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sejahtera.common.errors import DomainError, PermissionRefused, TransitionNotAllowed
from sejahtera.common.models import AuditEntry
from sejahtera.quality.models import CheckRun, Finding
from sejahtera.quality.services import finding_dismiss, finding_resolve, quality_run, quality_start
from sejahtera.registry.models import ImportJob, Person
from sejahtera.registry.services import import_run, import_submit

from .helpers import family

pytestmark = pytest.mark.django_db

EMPTY = "NAME_EMPTY"


def _open(type_: str = EMPTY) -> list[Finding]:
    return list(Finding.objects.filter(type=type_, status="OPEN"))


def test_a_run_opens_one_finding_per_problem_with_its_region_and_records(central):
    hh, (p,) = family(full_name="")
    run = quality_run(actor=central)
    assert run.status == "DONE" and run.counts[EMPTY] == 1 and run.opened >= 1
    (f,) = _open()
    assert (f.person_id, f.household_id, f.village_id, f.regency_code) == (p.pk, hh.pk, hh.village_id, "3204")
    assert f.severity == "ERROR" and f.fingerprint == f"{EMPTY}:p{p.pk}"
    assert AuditEntry.objects.filter(action="quality.run", object_id=str(run.pk)).exists()


def test_a_rerun_keeps_one_finding_and_refreshes_it(central):
    family(full_name="")
    first = quality_run(actor=central)
    second = quality_run(actor=central, check_types=[EMPTY])
    (f,) = Finding.objects.filter(type=EMPTY)
    assert (f.first_run_id, f.last_run_id) == (first.pk, second.pk)
    assert second.opened == 0


def test_a_problem_gone_is_fixed_and_a_problem_back_is_open_again(central):
    _, (p,) = family(full_name="")
    quality_run(actor=central, check_types=[EMPTY])
    Person.objects.filter(pk=p.pk).update(full_name="SITI")
    fixed = quality_run(actor=central, check_types=[EMPTY])
    assert fixed.fixed == 1 and Finding.objects.get(type=EMPTY).status == "FIXED"
    Person.objects.filter(pk=p.pk).update(full_name=" ")
    back = quality_run(actor=central, check_types=[EMPTY])
    assert back.reopened == 1 and Finding.objects.get(type=EMPTY).status == "OPEN"


def test_a_run_of_one_check_does_not_fix_the_findings_of_another(central):
    family(full_name="")
    quality_run(actor=central, check_types=[EMPTY])
    quality_run(actor=central, check_types=["AGE_OVER_120"])
    assert len(_open()) == 1


def test_a_dismissed_finding_stays_dismissed_after_a_rerun(central, district_a):
    family(full_name="")
    quality_run(actor=central, check_types=[EMPTY])
    (f,) = _open()
    finding_dismiss(actor=district_a, finding_id=f.pk, reason="nama tunggal ditulis di kolom lain")
    quality_run(actor=central, check_types=[EMPTY])
    f.refresh_from_db()
    assert f.status == "DISMISSED" and f.decided_by == district_a
    assert AuditEntry.objects.filter(action="quality.dismiss", object_id=str(f.pk)).exists()


def test_a_resolved_finding_is_not_reopened_nor_fixed(central, district_a):
    _, (p,) = family(full_name="")
    quality_run(actor=central, check_types=[EMPTY])
    (f,) = _open()
    finding_resolve(actor=district_a, finding_id=f.pk, reason="usulan perubahan no. 12")
    quality_run(actor=central, check_types=[EMPTY])
    Person.objects.filter(pk=p.pk).update(full_name="SITI")
    quality_run(actor=central, check_types=[EMPTY])
    f.refresh_from_db()
    assert f.status == "RESOLVED"


def test_a_decision_needs_a_reason_a_right_and_the_jurisdiction(central, district_b, village_operator):
    family(full_name="")
    quality_run(actor=central, check_types=[EMPTY])
    (f,) = _open()
    with pytest.raises(DomainError, match="Alasan"):
        finding_resolve(actor=central, finding_id=f.pk, reason="  ")
    with pytest.raises(PermissionRefused):
        finding_resolve(actor=village_operator, finding_id=f.pk, reason="x")
    with pytest.raises(DomainError) as e:
        finding_dismiss(actor=district_b, finding_id=f.pk, reason="x")
    assert e.value.status_code == 404
    finding_dismiss(actor=central, finding_id=f.pk, reason="x")
    with pytest.raises(TransitionNotAllowed):
        finding_resolve(actor=central, finding_id=f.pk, reason="y")


def test_only_the_central_team_runs_the_checks_one_run_at_a_time(central, district_a):
    with pytest.raises(PermissionRefused):
        quality_start(actor=district_a)
    quality_start(actor=central)
    with pytest.raises(DomainError, match="masih berjalan"):
        quality_start(actor=central)


def test_an_unknown_check_type_is_refused(central):
    with pytest.raises(DomainError, match="tidak dikenal"):
        quality_start(actor=central, check_types=["NOPE"])


def _import(actor, hh: Path, ps: Path) -> ImportJob:
    job = import_submit(actor=actor, households_path=hh, persons_path=ps)
    return import_run(job_id=job.pk)


def test_an_import_records_warning_findings_for_its_rows(tmp_path: Path, district_a):
    hh = tmp_path / "keluarga.csv"
    ps = tmp_path / "anggota.csv"
    hh.write_text("kk_number,village_code,address\n3204051503150001,3204052001,Jl. Uji 1\n")
    # A woman whose NIK says man (day 17, not 57): accepted with a warning, and now a finding.
    ps.write_text(
        "kk_number,nik,full_name,birth_date,sex,relationship\n"
        "3204051503150001,3204051703850007,SITI UJI,1985-03-17,P,HEAD\n"
    )
    job = _import(district_a, hh, ps)
    assert job.persons_imported == 1
    (f,) = Finding.objects.filter(import_job=job)
    assert f.type == "NIK_SEX_MISMATCH" and f.status == "OPEN"
    run = CheckRun.objects.get(import_job=job)
    assert run.status == "DONE" and "NAME_EMPTY" not in run.counts


def test_import_findings_never_fix_other_findings(central, tmp_path: Path, district_a):
    _, (p,) = family(birth_date=dt.date(1900, 1, 1))
    quality_run(actor=central, check_types=["AGE_OVER_120"])
    hh = tmp_path / "k.csv"
    ps = tmp_path / "a.csv"
    hh.write_text("kk_number,village_code,address\n3204051503150002,3204052001,Jl. Uji 2\n")
    ps.write_text(
        "kk_number,nik,full_name,birth_date,sex,relationship\n"
        "3204051503150002,3204051703850008,ADI UJI,1985-03-17,L,HEAD\n"
    )
    _import(district_a, hh, ps)
    assert Finding.objects.get(type="AGE_OVER_120", person=p).status == "OPEN"
