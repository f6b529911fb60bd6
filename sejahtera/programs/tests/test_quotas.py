"""Quotas: set or replace one (program manager), load a CSV/XLSX of them with a per-row error report
and nothing half-applied."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from sejahtera.common.errors import DomainError, PermissionRefused
from sejahtera.common.models import AuditEntry
from sejahtera.programs import services
from sejahtera.programs.models import Quota
from sejahtera.registry.imports.readers import FileRejected

pytestmark = pytest.mark.django_db


def quotas() -> dict[tuple[str, int, str], int]:
    return {
        (q.program.code, q.year, q.region_code): q.households for q in Quota.objects.select_related("program")
    }


def test_a_quota_is_set_then_replaced_and_each_change_audited(program_manager):
    services.quota_set(
        actor=program_manager, program_code="PKH", year=2021, region_code="3204", households=1200
    )
    services.quota_set(
        actor=program_manager,
        program_code="PKH",
        year=2021,
        region_code="3204",
        households=1500,
        legal_source="SK Dirjen Linjamsos 2021",
    )
    assert quotas() == {("PKH", 2021, "3204"): 1500}
    entries = list(AuditEntry.objects.filter(action="quota.set").order_by("id"))
    assert [e.before for e in entries] == [None, {"households": 1200}]
    assert entries[1].reason == "SK Dirjen Linjamsos 2021"


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"program_code": "XYZ"}, "tidak dikenal"),
        ({"region_code": "320405"}, "kabupaten/kota"),
        ({"region_code": "9999"}, "tidak ada dalam daftar"),
        ({"households": -1}, "0 atau lebih"),
        ({"year": 1999}, "tahun"),
    ],
)
def test_a_bad_quota_is_refused(program_manager, kw, message):
    args = {"program_code": "PKH", "year": 2021, "region_code": "3204", "households": 10, **kw}
    with pytest.raises(DomainError, match=message):
        services.quota_set(actor=program_manager, **args)
    assert not Quota.objects.exists()


def test_only_the_program_manager_sets_quotas(district_a, central):
    for user in (district_a, central):
        with pytest.raises(PermissionRefused):
            services.quota_set(actor=user, program_code="PKH", year=2021, region_code="3204", households=1)


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kuota.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_of_quotas_is_applied_whole(program_manager, tmp_path):
    services.quota_set(actor=program_manager, program_code="PKH", year=2021, region_code="3204", households=5)
    path = _csv(
        tmp_path,
        "program,year,region_code,households,legal_source\nPKH,2021,3204,1200,SK 1\nPKH,2021,32.73,800,SK 1\n"
        "BPNT,2021,32,90000,\n",
    )
    assert services.quota_load(actor=program_manager, path=path) == 3
    assert quotas() == {("PKH", 2021, "3204"): 1200, ("PKH", 2021, "3273"): 800, ("BPNT", 2021, "32"): 90000}
    after = AuditEntry.objects.get(action="quota.load").after or {}
    assert after["rows"] == 3
    assert len(after["changed"]) == 3


def test_a_file_with_bad_rows_names_each_and_changes_nothing(program_manager, tmp_path):
    path = _csv(
        tmp_path,
        "program,year,region_code,households\nPKH,2021,3204,1200\nXYZ,2021,3273,10\nPKH,20x1,3204,5\n"
        "PKH,2021,9999,5\nPKH,2021,3204,7\n",
    )
    with pytest.raises(services.QuotaUploadRejected) as exc:
        services.quota_load(actor=program_manager, path=path)
    assert [(e.row, e.column) for e in exc.value.errors] == [
        (3, "program"),
        (4, "year"),
        (5, "region_code"),
        (6, "region_code"),
    ]
    assert "baris 2" in exc.value.errors[-1].reason
    assert not Quota.objects.exists()


def test_an_xlsx_file_of_quotas(program_manager, tmp_path):
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["program", "year", "region_code", "households"])
    ws.append(["PKH", 2021, "3204", 1200])
    path = tmp_path / "kuota.xlsx"
    wb.save(path)
    assert services.quota_load(actor=program_manager, path=path) == 1
    assert quotas() == {("PKH", 2021, "3204"): 1200}


def test_a_file_without_the_required_columns_is_refused(program_manager, tmp_path):
    with pytest.raises(FileRejected, match="households"):
        services.quota_load(
            actor=program_manager, path=_csv(tmp_path, "program,year,region_code\nPKH,2021,3204\n")
        )


def test_the_command_sets_and_loads_quotas(program_manager, tmp_path):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    call_command(
        "programs",
        "quota",
        "set",
        "PKH",
        "2021",
        "3204",
        "1200",
        "--user",
        program_manager.username,
        stdout=out,
    )
    assert "= 1,200" in out.getvalue()
    path = _csv(tmp_path, "program,year,region_code,households\nPKH,2021,3273,10\nPKH,2021,99,1\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="ditolak"):
        call_command("programs", "quota", "load", str(path), "--user", program_manager.username, stderr=err)
    assert "row 3 region_code" in err.getvalue()
    assert quotas() == {("PKH", 2021, "3204"): 1200}
