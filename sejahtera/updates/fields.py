"""Proposed values, checked one by one against the registry's documented columns (registry/columns.py).

A proposal carries registry data as JSON; the phone form, the bulk spreadsheet and the API all
pass every value through `parse_value`, so a value that reaches a proposal is one the registry
accepts, and a refused value names its field and the reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from sejahtera.regions.models import Region
from sejahtera.registry import codes
from sejahtera.registry.columns import FALSE_WORDS, HOUSEHOLD_COLUMNS, PERSON_COLUMNS, TRUE_WORDS, Column
from sejahtera.registry.identifiers import kk_check, nik_check

# Household attributes a proposal may set (the identity columns are handled by kind).
HOUSEHOLD_FIELDS: dict[str, Column] = {
    c.field: c for c in HOUSEHOLD_COLUMNS if c.name not in ("kk_number", "village_code")
}
# Person attributes; NIK only when a member is added.
PERSON_FIELDS: dict[str, Column] = {c.field: c for c in PERSON_COLUMNS if c.name not in ("kk_number", "nik")}
NIK_COLUMN = next(c for c in PERSON_COLUMNS if c.name == "nik")
KK_COLUMN = next(c for c in HOUSEHOLD_COLUMNS if c.name == "kk_number")


@dataclass
class FieldError(Exception):
    """A value the registry would refuse: which field, a code and a sentence for the operator."""

    field: str
    code: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "1" if raw else "0"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return str(raw).strip()


def parse_value(col: Column, raw: Any, *, field: str | None = None) -> Any:
    """The registry value of `raw` for column `col` (JSON-safe: dates as ISO text), or FieldError."""
    name = field or col.field
    text = _text(raw)
    if text == "":
        if col.required:
            raise FieldError(name, "REQUIRED", "wajib diisi")
        if col.kind == "bool":
            return False
        if col.kind == "ppks":
            return 0
        if col.kind in ("text", "digits", "choice"):
            return ""
        return None
    if col.kind == "nik":
        check = nik_check(text, with_names=False)
        if not check.valid:
            raise FieldError(name, "NIK_INVALID", f"NIK tidak sah ({', '.join(check.errors)})", text)
        return text
    if col.kind == "kk":
        check = kk_check(text, with_names=False)
        if not check.valid:
            raise FieldError(name, "KK_INVALID", f"Nomor KK tidak sah ({', '.join(check.errors)})", text)
        return text
    if col.kind == "village":
        if not Region.objects.filter(code=text, level=Region.Level.VILLAGE).exists():
            raise FieldError(name, "VILLAGE_UNKNOWN", "kode desa/kelurahan tidak dikenal", text)
        return text
    if col.kind == "text":
        if len(text) > col.max_len:
            raise FieldError(name, "TOO_LONG", f"paling banyak {col.max_len} karakter", text[:100])
        return text
    if col.kind == "digits":
        if not text.isdigit() or not col.lo <= len(text) <= col.hi:
            raise FieldError(name, "DIGITS", f"harus {col.lo}-{col.hi} angka", text)
        return text
    if col.kind in ("int", "code"):
        try:
            number = int(text)
        except ValueError:
            raise FieldError(name, "NOT_A_NUMBER", "harus bilangan bulat", text) from None
        if col.kind == "code" and str(number) not in col.values:
            raise FieldError(
                name, "CODE_UNKNOWN", f"kode harus salah satu dari {', '.join(col.values)}", text
            )
        if col.kind == "int" and not col.lo <= number <= col.hi:
            raise FieldError(name, "OUT_OF_RANGE", f"harus antara {col.lo} dan {col.hi}", text)
        return number
    if col.kind == "choice":
        value = text.upper()
        if value not in col.values:
            raise FieldError(name, "CHOICE_UNKNOWN", f"harus salah satu dari {', '.join(col.values)}", text)
        return value
    if col.kind == "bool":
        low = text.lower()
        if low in TRUE_WORDS:
            return True
        if low in FALSE_WORDS:
            return False
        raise FieldError(name, "NOT_YES_NO", "harus 1/0 atau ya/tidak", text)
    if col.kind == "date":
        try:
            day = dt.date.fromisoformat(text[:10])
        except ValueError:
            raise FieldError(name, "DATE_INVALID", "tanggal harus berbentuk YYYY-MM-DD", text) from None
        if day > timezone.localdate():
            raise FieldError(name, "DATE_IN_FUTURE", "tanggal tidak boleh di masa depan", text)
        return day.isoformat()
    if col.kind == "ppks":
        if isinstance(raw, int):
            if not 0 <= raw < 1 << 26:
                raise FieldError(name, "PPKS_UNKNOWN", "kode PPKS harus 1-26", text)
            return raw
        try:
            found = [int(p) for p in text.replace(",", ";").split(";") if p.strip()]
        except ValueError:
            raise FieldError(name, "PPKS_UNKNOWN", "kode PPKS 1-26 dipisah titik koma", text) from None
        if any(not 1 <= c <= 26 for c in found):
            raise FieldError(name, "PPKS_UNKNOWN", "kode PPKS harus 1-26", text)
        return codes.ppks_mask(found)
    raise AssertionError(f"unknown column kind {col.kind}")


def parse_changes(raw: dict[str, Any], fields: dict[str, Column]) -> dict[str, Any]:
    """Changed attributes: each field known and each value valid. At least one change."""
    if not raw:
        raise FieldError("changes", "NO_CHANGE", "tidak ada data yang diubah")
    out: dict[str, Any] = {}
    for name, value in raw.items():
        col = fields.get(name)
        if col is None:
            raise FieldError(name, "FIELD_UNKNOWN", "kolom ini tidak dapat diusulkan untuk diubah")
        out[name] = parse_value(col, value, field=name)
    return out


def parse_member(raw: dict[str, Any]) -> dict[str, Any]:
    """A new member: NIK and every person column, each valid."""
    out = {"nik": parse_value(NIK_COLUMN, raw.get("nik"), field="nik")}
    unknown = set(raw) - set(PERSON_FIELDS) - {"nik"}
    if unknown:
        raise FieldError(sorted(unknown)[0], "FIELD_UNKNOWN", "kolom tidak dikenal")
    for name, col in PERSON_FIELDS.items():
        out[name] = parse_value(col, raw.get(name), field=name)
    nik = out["nik"]
    check = nik_check(nik, with_names=False)
    if check.birth_date and check.birth_date != out["birth_date"]:
        raise FieldError("birth_date", "NIK_DATE_MISMATCH", "tanggal lahir tidak sesuai dengan NIK", nik)
    if check.sex and check.sex != out["sex"]:
        raise FieldError("sex", "NIK_SEX_MISMATCH", "jenis kelamin tidak sesuai dengan NIK", nik)
    return out


def parse_household(raw: dict[str, Any]) -> dict[str, Any]:
    """A new household: KK number, address and the housing and asset columns."""
    out = {"kk_number": parse_value(KK_COLUMN, raw.get("kk_number"), field="kk_number")}
    unknown = set(raw) - set(HOUSEHOLD_FIELDS) - {"kk_number"}
    if unknown:
        raise FieldError(sorted(unknown)[0], "FIELD_UNKNOWN", "kolom tidak dikenal")
    for name, col in HOUSEHOLD_FIELDS.items():
        out[name] = parse_value(col, raw.get(name), field=name)
    return out


def model_values(values: dict[str, Any]) -> dict[str, Any]:
    """Payload values as model attributes (ISO dates back to dates)."""
    out = dict(values)
    for name in ("birth_date",):
        if isinstance(out.get(name), str) and out[name]:
            out[name] = dt.date.fromisoformat(out[name])
    return out
