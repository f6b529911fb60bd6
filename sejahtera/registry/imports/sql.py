"""Set-based validation of staged rows: each documented column becomes a SQL expression that
yields an error token ('column:CODE;') or nothing, and a typed value for promotion.

The rules are the same as registry/identifiers.py and are tested against it (hypothesis). Only the
small differences between PostgreSQL and SQLite live here (regular expressions, date casts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

from ..columns import FALSE_WORDS, TRUE_WORDS, Column


def q(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def in_list(values: Sequence[str]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


class Dialect:
    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self.pg = vendor == "postgresql"

    def digits(self, expr: str, lo: int, hi: int) -> str:
        """expr is lo..hi ASCII digits."""
        if self.pg:
            return f"({expr} ~ '^[0-9]{{{lo},{hi}}}$')"
        return f"(length({expr}) BETWEEN {lo} AND {hi} AND {expr} NOT GLOB '*[^0-9]*')"

    def regex(self, expr: str, pattern: str) -> str:
        """Full-match regular expression (SQLite: the REGEXP function Django registers)."""
        return f"({expr} ~ {lit(pattern)})" if self.pg else f"({expr} REGEXP {lit(pattern)})"

    def iso_date_shape(self, expr: str) -> str:
        if self.pg:
            return f"({expr} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$')"
        return (
            f"(length({expr}) = 10 AND substr({expr},5,1) = '-' AND substr({expr},8,1) = '-' "
            f"AND (substr({expr},1,4) || substr({expr},6,2) || substr({expr},9,2)) NOT GLOB '*[^0-9]*')"
        )

    def to_int(self, expr: str) -> str:
        return f"CAST({expr} AS INTEGER)"

    def to_date(self, expr: str) -> str:
        return f"CAST({expr} AS date)" if self.pg else expr

    def true(self) -> str:
        return "TRUE" if self.pg else "1"

    def false(self) -> str:
        return "FALSE" if self.pg else "0"


def days_in_month(month: str, year: str, *, full_year: bool) -> str:
    """SQL for the days of a month. With two-digit years (NIK/KK) every year divisible by 4 is a
    leap year: the century is chosen as the latest not in the future, so '00' means 2000."""
    leap = (
        f"({year} % 4 = 0 AND ({year} % 100 <> 0 OR {year} % 400 = 0))" if full_year else f"({year} % 4 = 0)"
    )
    return f"(CASE WHEN {month} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END WHEN {month} IN (4, 6, 9, 11) THEN 30 ELSE 31 END)"


def id_number_errors(d: Dialect, v: str, *, nik: bool) -> list[tuple[str, str]]:
    """(condition, code) pairs, checked in order, for a NIK or KK held in expression v."""
    dd = d.to_int(f"substr({v},7,2)")
    mm = d.to_int(f"substr({v},9,2)")
    yy = d.to_int(f"substr({v},11,2)")
    day = f"(CASE WHEN {dd} > 40 THEN {dd} - 40 ELSE {dd} END)" if nik else dd
    day_ok = f"({dd} BETWEEN 1 AND 31 OR {dd} BETWEEN 41 AND 71)" if nik else f"({dd} BETWEEN 1 AND 31)"
    date_ok = f"({mm} BETWEEN 1 AND 12 AND {day_ok} AND {day} <= {days_in_month(mm, yy, full_year=False)})"
    return [
        (f"NOT {d.digits(v, 16, 16)}", "FORMAT"),
        (f"NOT {date_ok}", "DATE_INVALID"),
        (f"substr({v},13,4) = '0000'", "SERIAL_ZERO"),
    ]


def iso_date_errors(d: Dialect, v: str, today_iso: str) -> list[tuple[str, str]]:
    y = d.to_int(f"substr({v},1,4)")
    m = d.to_int(f"substr({v},6,2)")
    day = d.to_int(f"substr({v},9,2)")
    ok = f"({y} >= 1900 AND {m} BETWEEN 1 AND 12 AND {day} BETWEEN 1 AND {days_in_month(m, y, full_year=True)})"
    return [
        (f"NOT {d.iso_date_shape(v)}", "DATE_FORMAT"),
        (f"NOT {ok}", "DATE_INVALID"),
        (f"{v} > {lit(today_iso)}", "DATE_IN_FUTURE"),
    ]


def code_forms(values: Sequence[str]) -> list[str]:
    """Accepted spellings of numeric codes: '3' and '03'."""
    forms: list[str] = []
    for v in values:
        forms.append(v)
        if len(v) == 1:
            forms.append("0" + v)
    return forms


def column_checks(d: Dialect, col: Column, v: str, today_iso: str) -> list[tuple[str, str]]:
    """(condition, code) pairs for a non-empty value."""
    if col.kind in ("kk", "nik"):
        return id_number_errors(d, v, nik=col.kind == "nik")
    if col.kind == "village":
        return [(f"NOT {d.digits(v, 10, 10)}", "FORMAT")]
    if col.kind == "text":
        return [(f"length({v}) > {col.max_len}", "TOO_LONG")]
    if col.kind == "digits":
        return [(f"NOT {d.digits(v, col.lo, col.hi)}", "FORMAT")]
    if col.kind == "int":
        return [
            (f"NOT {d.digits(v, 1, 9)}", "NOT_A_NUMBER"),
            (f"{d.to_int(v)} NOT BETWEEN {col.lo} AND {col.hi}", "OUT_OF_RANGE"),
        ]
    if col.kind == "code":
        return [(f"{v} NOT IN {in_list(code_forms(col.values))}", "CODE_UNKNOWN")]
    if col.kind == "choice":
        return [(f"upper({v}) NOT IN {in_list(col.values)}", "CODE_UNKNOWN")]
    if col.kind == "bool":
        return [(f"lower({v}) NOT IN {in_list(TRUE_WORDS + FALSE_WORDS)}", "NOT_YES_NO")]
    if col.kind == "date":
        return iso_date_errors(d, v, today_iso)
    if col.kind == "ppks":
        return [("sj_ppks_mask(" + v + ") < 0", "CODE_UNKNOWN")]
    raise ValueError(col.kind)


def error_expr(d: Dialect, col: Column, v: str, today_iso: str) -> str:
    """One CASE giving 'column:CODE;' for the first failed rule of this column, '' when none."""
    whens = []
    if col.required:
        whens.append(f"WHEN {v} = '' THEN {lit(col.name + ':REQUIRED;')}")
    checks = column_checks(d, col, v, today_iso)
    for cond, code in checks:
        whens.append(f"WHEN {v} <> '' AND {cond} THEN {lit(col.name + ':' + code + ';')}")
    return "CASE " + " ".join(whens) + " ELSE '' END"


# --- the fast path ----------------------------------------------------------------------------
# A valid row passes one cheap predicate per column (mostly a regular expression or an IN list);
# only a row that fails one of them is diagnosed column by column with error_expr. A fast predicate
# may reject a valid value (the diagnosis then finds no error), never accept an invalid one.
# Day and month of a NIK or KK (DDMM): every real date but 29 February, which goes to the diagnosis.
_DDMM = "((0[1-9]|1[0-9]|2[0-8])(0[1-9]|1[0-2])|(29|30)(0[13-9]|1[0-2])|31(0[13578]|1[02]))"
# The same with 40 added to the day for women.
_NIK_DDMM = (
    "((0[1-9]|1[0-9]|2[0-8]|4[1-9]|5[0-9]|6[0-8])(0[1-9]|1[0-2])|(29|30|69|70)(0[13-9]|1[0-2])"
    "|(31|71)(0[13578]|1[02]))"
)
# An ISO date's month and day (MM-DD), likewise without 29 February.
_MMDD = "((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)"
_SERIAL = "([0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"  # 0001-9999
_PPKS_CODE = "([1-9]|1[0-9]|2[0-6])"


def fast_ok(d: Dialect, col: Column, v: str, today_iso: str) -> str:
    empty_ok = "" if col.required else f"{v} = '' OR "
    if col.kind == "nik":
        return d.regex(v, f"^[0-9]{{6}}{_NIK_DDMM}[0-9]{{2}}{_SERIAL}$")
    if col.kind == "kk":
        return d.regex(v, f"^[0-9]{{6}}{_DDMM}[0-9]{{2}}{_SERIAL}$")
    if col.kind == "village":
        return d.regex(v, "^[0-9]{10}$")
    if col.kind == "text":
        # Untrimmed here (COPY keeps spaces): a required cell of spaces only must still fail.
        return (
            f"trim({v}) <> '' AND length({v}) <= {col.max_len}"
            if col.required
            else f"length({v}) <= {col.max_len}"
        )
    if col.kind == "digits":
        return f"({empty_ok}{d.regex(v, f'^[0-9]{{{col.lo},{col.hi}}}$')})"
    if col.kind == "int":
        digits = len(str(col.hi)) - 1  # one digit fewer than the maximum: always within range
        if digits < 1 or col.lo > 1:
            return "(1 = 0)"
        pattern = f"^[0-9]{{1,{digits}}}$" if col.lo == 0 else f"^[1-9][0-9]{{0,{digits - 1}}}$"
        return f"({empty_ok}{d.regex(v, pattern)})"
    if col.kind == "code":
        return f"({empty_ok}{v} IN {in_list(code_forms(col.values))})"
    if col.kind == "choice":
        return f"({empty_ok}{v} IN {in_list(col.values)})"
    if col.kind == "bool":
        return f"{v} IN ('0', '1', '')"
    if col.kind == "date":
        return f"({empty_ok}({d.regex(v, f'^(19|20)[0-9]{{2}}-{_MMDD}$')} AND {v} <= {lit(today_iso)}))"
    if col.kind == "ppks":
        return f"({v} = '' OR {d.regex(v, f'^{_PPKS_CODE}(;{_PPKS_CODE})*$')})"
    raise ValueError(col.kind)


def promote_expr(d: Dialect, col: Column, v: str, field: models.Field[Any, Any]) -> str:
    """The typed value of a validated (error-free) text value."""
    default = field.get_default() if field.has_default() else None
    if col.kind == "text":
        return f"trim({v})"  # the fast check only measured its length
    if col.kind in ("kk", "nik", "village", "digits"):
        return v
    if col.kind in ("int", "code"):
        fallback = "NULL" if default is None else str(int(default))
        return f"(CASE WHEN {v} = '' THEN {fallback} ELSE {d.to_int(v)} END)"
    if col.kind == "choice":
        fallback = "NULL" if default is None else lit(str(default))
        return f"(CASE WHEN {v} = '' THEN {fallback} ELSE upper({v}) END)"
    if col.kind == "bool":
        t, f = d.true(), d.false()
        return (
            f"(CASE WHEN {v} = '1' THEN {t} WHEN {v} IN ('0', '') THEN {f} "
            f"WHEN lower({v}) IN {in_list(TRUE_WORDS)} THEN {t} ELSE {f} END)"
        )
    if col.kind == "date":
        return d.to_date(v)
    if col.kind == "ppks":
        single = f"(1 << ({d.to_int(v)} - 1))"
        return f"(CASE WHEN {v} = '' THEN 0 WHEN {d.regex(v, '^[0-9]+$')} THEN {single} ELSE sj_ppks_mask({v}) END)"
    raise ValueError(col.kind)


PG_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION sj_ppks_mask(v text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN v IS NULL OR v = '' THEN 0
    WHEN v !~ '^[0-9]{1,2}( *; *[0-9]{1,2})*$' THEN -1
    ELSE (SELECT CASE WHEN bool_and(x::int BETWEEN 1 AND 26) THEN bit_or(1 << (x::int - 1)) ELSE -1 END
          FROM unnest(regexp_split_to_array(v, ' *; *')) AS x)
  END
$$;
"""


def ppks_mask_py(v: str | None) -> int:
    """The SQLite implementation of sj_ppks_mask (registered on every SQLite connection)."""
    if v is None or v.strip(" ") == "":
        return 0
    mask = 0
    for part in v.split(";"):
        p = part.strip(" ")  # spaces only, as the PostgreSQL twin allows
        if not p.isascii() or not p.isdigit() or len(p) > 2 or not 1 <= int(p) <= 26:
            return -1
        mask |= 1 << (int(p) - 1)
    return mask
