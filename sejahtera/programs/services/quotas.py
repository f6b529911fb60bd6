"""Quotas (kuota): how many families a regency or province may have ACTIVE in a program in a year.

A program with quota rows for a year enrols, in a region without one, nobody; a program with no
quota row for the year has no limit (docs/programs.md, "Runs, enrolment, quotas"). A family's quota
region is its regency's row if there is one, else its province's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import DomainError
from sejahtera.regions.models import Region
from sejahtera.registry.imports.readers import check_header, open_table

from ..models import Program, Quota

COLUMNS = ("program", "year", "region_code", "households", "legal_source")
REQUIRED = ["program", "year", "region_code", "households"]
YEARS = range(2000, 2101)
MAX_HOUSEHOLDS = 100_000_000


@dataclass(frozen=True)
class QuotaRowError:
    row: int  # as the spreadsheet shows it: 1 is the header
    column: str
    reason: str
    value: str = ""


class QuotaUploadRejected(DomainError):
    """A quota file with bad rows: nothing of it is applied; `errors` names each row and column."""

    def __init__(self, errors: list[QuotaRowError]) -> None:
        super().__init__(f"Berkas kuota ditolak: {len(errors)} kesalahan; tidak ada kuota yang diubah.")
        self.errors = errors


@dataclass(frozen=True)
class QuotaValue:
    program: Program
    year: int
    region_code: str
    households: int
    legal_source: str = ""


def _check(program_code: str, year: int, region_code: str, households: int) -> list[tuple[str, str]]:
    """(column, reason) of every problem of one quota."""
    problems: list[tuple[str, str]] = []
    if not Program.objects.filter(code=program_code).exists():
        problems.append(("program", f"program {program_code!r} tidak dikenal"))
    if year not in YEARS:
        problems.append(("year", "tahun harus antara 2000 dan 2100"))
    if not (region_code.isdigit() and len(region_code) in (2, 4)):
        problems.append(("region_code", "kode provinsi (2 digit) atau kabupaten/kota (4 digit), tanpa titik"))
    elif not Region.objects.filter(code=region_code).exists():
        problems.append(("region_code", f"wilayah {region_code} tidak ada dalam daftar Kemendagri"))
    if not 0 <= households <= MAX_HOUSEHOLDS:
        problems.append(("households", "jumlah keluarga harus bilangan bulat 0 atau lebih"))
    return problems


def _save(actor: User, value: QuotaValue) -> tuple[Quota, int | None]:
    """Create or replace one quota; returns it and the number it replaced (None when new)."""
    quota = (
        Quota.objects.select_for_update()
        .filter(program=value.program, year=value.year, region_code=value.region_code)
        .first()
    )
    before = quota.households if quota else None
    if quota is None:
        quota = Quota(program=value.program, year=value.year, region_code=value.region_code, households=0)
    quota.households = value.households
    quota.legal_source = value.legal_source[:300]
    quota.save()
    return quota, before


@transaction.atomic
def quota_set(
    *, actor: User, program_code: str, year: int, region_code: str, households: int, legal_source: str = ""
) -> Quota:
    """Set (or replace) the quota of a regency or province for a program and year."""
    ensure_can(actor, Action.PROGRAM_MANAGE)
    problems = _check(program_code, year, region_code, households)
    if problems:
        raise DomainError("; ".join(reason for _col, reason in problems))
    program = Program.objects.get(code=program_code)
    quota, before = _save(actor, QuotaValue(program, year, region_code, households, legal_source.strip()))
    audit_record(
        actor=actor,
        action="quota.set",
        object_type="quota",
        object_id=quota.pk,
        region_code=region_code,
        before=None if before is None else {"households": before},
        after={"program": program_code, "year": year, "region_code": region_code, "households": households},
        reason=legal_source.strip(),
    )
    return quota


def _int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


@transaction.atomic
def quota_load(*, actor: User, path: Path, label: str = "") -> int:
    """Set every quota of a CSV or XLSX file (columns program, year, region_code, households and
    optionally legal_source): all rows or none. Returns how many rows were applied; a file with any
    bad row raises QuotaUploadRejected naming each (row, column, reason)."""
    ensure_can(actor, Action.PROGRAM_MANAGE)
    name = label or path.name
    table = open_table(path, name)
    check_header(table.header, known=COLUMNS, required=REQUIRED, label=name)
    index = {h: i for i, h in enumerate(table.header)}
    errors: list[QuotaRowError] = []
    values: list[QuotaValue] = []
    seen: dict[tuple[str, int, str], int] = {}
    programs = {p.code: p for p in Program.objects.all()}
    for row, cells in table.rows:
        cell = {h: (cells[i].strip() if i < len(cells) else "") for h, i in index.items()}
        year, households = _int(cell["year"]), _int(cell["households"])
        if year is None:
            errors.append(QuotaRowError(row, "year", "tahun harus bilangan bulat", cell["year"]))
        if households is None:
            errors.append(
                QuotaRowError(row, "households", "jumlah keluarga harus bilangan bulat", cell["households"])
            )
        if year is None or households is None:
            continue
        code, region = cell["program"].upper(), cell["region_code"].replace(".", "")
        problems = _check(code, year, region, households)
        errors += [QuotaRowError(row, col, reason, cell.get(col, "")) for col, reason in problems]
        key = (code, year, region)
        if key in seen:
            errors.append(
                QuotaRowError(row, "region_code", f"wilayah yang sama sudah ada di baris {seen[key]}", region)
            )
        seen.setdefault(key, row)
        if not problems:
            values.append(QuotaValue(programs[code], year, region, households, cell.get("legal_source", "")))
    if errors:
        raise QuotaUploadRejected(errors)
    if not values:
        raise DomainError(f"{name}: tidak ada baris kuota.")
    changed = []
    for value in values:  # quotas are hundreds of rows (one per regency), not millions
        quota, before = _save(actor, value)
        if before != value.households:
            changed.append(
                {
                    "id": quota.pk,
                    "region_code": value.region_code,
                    "before": before,
                    "after": value.households,
                }
            )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    audit_record(
        actor=actor,
        action="quota.load",
        object_type="quota_file",
        object_id=name,
        after={"rows": len(values), "changed": changed, "sha256": digest},
    )
    return len(values)
