"""NIK and KK numbers (DOMAIN.md §5).

NIK: PP KK CC DDMMYY SSSS — the district where it was first issued (which may be a code from
before a regional split), the birth date with 40 added to the day for women, and a serial from
0001. KK: the issuing district's 6-digit code, a 6-digit recording date, a 4-digit serial.

The same rules are written once more as SQL for set-based validation of imports
(registry/imports/sql.py); a hypothesis test proves the two agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils import timezone

from sejahtera.regions.selectors import district_codes

# Error codes (the number is refused) and warning codes (accepted, but worth a look).
E_FORMAT = "FORMAT"  # not exactly 16 digits
E_DATE = "DATE_INVALID"  # the date part is not a real date
E_SERIAL = "SERIAL_ZERO"  # serial 0000
E_REGION = "REGION_UNKNOWN"  # district neither current nor historical: an error for KK, a warning for NIK
W_FUTURE = "DATE_IN_FUTURE"  # a KK recording date after today


def days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def resolve_century(yy: int, month: int, day: int, today: dt.date) -> int | None:
    """The latest year ending in yy whose date is not after today; None when not a real date."""
    for year in (2000 + yy, 1900 + yy):
        if day > days_in_month(year, month):
            continue
        if dt.date(year, month, day) <= today:
            return year
    return None


@dataclass
class IdentifierCheck:
    nik: str | None = None
    kk: str | None = None
    valid: bool = True
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sex: str | None = None
    birth_date: str | None = None
    record_date: str | None = None
    region_code: str | None = None
    region_name: str | None = None
    current_region_code: str | None = None

    def as_json(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if v is not None}
        if self.nik is not None:
            data.pop("record_date", None)
        return data


def _region(code6: str) -> tuple[bool, str | None]:
    """(known, current code) for a 6-digit district code."""
    current, historical = district_codes()
    if code6 in current:
        return True, code6
    if code6 in historical:
        return True, historical[code6]
    return False, None


def _dotted_district(code6: str) -> str:
    return f"{code6[0:2]}.{code6[2:4]}.{code6[4:6]}"


def _region_name(current_code: str | None) -> str | None:
    if not current_code:
        return None
    from sejahtera.regions.selectors import region_names

    return region_names([current_code]).get(current_code)


def _serial_and_region(
    result: IdentifierCheck, number: str, *, unknown_region: list[str], with_names: bool
) -> IdentifierCheck:
    """The checks NIK and KK share: serial 0000, and the issuing district (current or historical)."""
    if number[12:16] == "0000":
        result.errors.append(E_SERIAL)
    code6 = number[0:6]
    known, current = _region(code6)
    if not known:
        unknown_region.append(E_REGION)
    else:
        result.current_region_code = _dotted_district(current) if current and current != code6 else None
        if with_names:
            result.region_name = _region_name(current)
    result.valid = not result.errors
    return result


def nik_check(nik: str, *, today: dt.date | None = None, with_names: bool = True) -> IdentifierCheck:
    today = today or timezone.localdate()
    result = IdentifierCheck(nik=nik)
    if len(nik) != 16 or not nik.isascii() or not nik.isdigit():
        result.errors.append(E_FORMAT)
        result.valid = False
        return result
    code6 = nik[0:6]
    result.region_code = _dotted_district(code6)
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "L"
    if day > 40:
        day -= 40
        sex = "P"
    year = resolve_century(yy, month, day, today) if 1 <= month <= 12 and 1 <= day <= 31 else None
    if year is None:
        result.errors.append(E_DATE)
    else:
        result.sex = sex
        result.birth_date = dt.date(year, month, day).isoformat()
    return _serial_and_region(result, nik, unknown_region=result.warnings, with_names=with_names)


def kk_check(kk: str, *, today: dt.date | None = None, with_names: bool = True) -> IdentifierCheck:
    today = today or timezone.localdate()
    result = IdentifierCheck(kk=kk)
    if len(kk) != 16 or not kk.isascii() or not kk.isdigit():
        result.errors.append(E_FORMAT)
        result.valid = False
        return result
    code6 = kk[0:6]
    result.region_code = _dotted_district(code6)
    day, month, yy = int(kk[6:8]), int(kk[8:10]), int(kk[10:12])
    year = resolve_century(yy, month, day, today) if 1 <= month <= 12 and 1 <= day <= 31 else None
    if year is None:
        result.errors.append(E_DATE)
    else:
        result.record_date = dt.date(year, month, day).isoformat()
    # A KK's issuing district must be known (issue 2 §4); for a NIK it is only a warning.
    return _serial_and_region(result, kk, unknown_region=result.errors, with_names=with_names)


def nik_for(*, district_code: str, birth_date: dt.date, sex: str, serial: int) -> str:
    """Compose a NIK (used by the synthetic population and tests)."""
    day = birth_date.day + (40 if sex == "P" else 0)
    return f"{district_code}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"


def kk_for(*, district_code: str, record_date: dt.date, serial: int) -> str:
    return (
        f"{district_code}{record_date.day:02d}{record_date.month:02d}{record_date.year % 100:02d}{serial:04d}"
    )
