"""NIK and KK rules (DOMAIN.md §5): hand-picked numbers, and properties proving that the Python
rules (registry/identifiers.py) and their set-based SQL twin (registry/imports/sql.py) agree."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sejahtera.registry.columns import HOUSEHOLD_COLUMNS, PERSON_COLUMNS, Column
from sejahtera.registry.identifiers import days_in_month as py_days_in_month
from sejahtera.registry.identifiers import kk_check, kk_for, nik_check, nik_for
from sejahtera.registry.imports.sql import (
    Dialect,
    days_in_month,
    error_expr,
    fast_ok,
    id_number_errors,
    iso_date_errors,
    ppks_mask_py,
    promote_expr,
    q,
)
from sejahtera.registry.models import Person

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CILEUNYI = "320405"  # Kec. Cileunyi, Kabupaten Bandung
OLD_MERAUKE = "910101"  # Kec. Merauke before the 2022 Papua split; now 93.01.01


# --- NIK, hand-picked ------------------------------------------------------------------------------
def test_a_mans_nik_gives_his_birth_date_sex_and_district():
    r = nik_check("3204051705800001", today=TODAY)
    assert r.valid
    assert r.errors == [] and r.warnings == []
    assert (r.sex, r.birth_date) == ("L", "1980-05-17")
    assert (r.region_code, r.region_name) == ("32.04.05", "Cileunyi")
    assert r.current_region_code is None


def test_a_womans_nik_has_forty_added_to_the_day():
    r = nik_check("3204055705800002", today=TODAY)
    assert r.valid
    assert (r.sex, r.birth_date) == ("P", "1980-05-17")


@pytest.mark.parametrize(
    ("nik", "sex", "birth_date"),
    [
        ("3204052902000003", "L", "2000-02-29"),  # 2000 is a leap year (divisible by 400)
        ("3204052902840001", "L", "1984-02-29"),
        ("3204056902960001", "P", "1996-02-29"),  # 29 + 40
        ("3204057101800001", "P", "1980-01-31"),  # 31 + 40, the highest woman's day
        ("3204054101800001", "P", "1980-01-01"),  # 1 + 40, the lowest woman's day
        ("3204053112991234", "L", "1999-12-31"),
    ],
)
def test_real_dates_at_the_edges_are_accepted(nik, sex, birth_date):
    r = nik_check(nik, today=TODAY)
    assert r.valid, r.errors
    assert (r.sex, r.birth_date) == (sex, birth_date)


@pytest.mark.parametrize(
    "nik",
    [
        "3204052902850001",  # 29 Feb 1985/2085: no leap year
        "3204056902010001",  # a woman born 29 Feb 2001: no leap year
        "3204053205800001",  # day 32
        "3204057205800001",  # day 72 (= 32 for a woman)
        "3204054005800001",  # day 40: neither a man's nor a woman's day
        "3204050005800001",  # day 00
        "3204053104800001",  # 31 April
        "3204057104800001",  # a woman born 31 April
        "3204051700800001",  # month 00
        "3204051713800001",  # month 13
    ],
)
def test_impossible_birth_dates_are_refused(nik):
    r = nik_check(nik, today=TODAY)
    assert not r.valid
    assert r.errors == ["DATE_INVALID"]
    assert r.sex is None and r.birth_date is None


def test_serial_zero_is_refused_but_the_date_is_still_read():
    r = nik_check("3204051705800000", today=TODAY)
    assert not r.valid
    assert r.errors == ["SERIAL_ZERO"]
    assert r.birth_date == "1980-05-17"


def test_a_bad_date_and_a_zero_serial_are_both_reported():
    assert nik_check("3204051713800000", today=TODAY).errors == ["DATE_INVALID", "SERIAL_ZERO"]


@pytest.mark.parametrize(
    "nik",
    [
        "320405170580001",  # 15 digits
        "32040517058000011",  # 17 digits
        "32040517058000A1",  # a letter
        "3204 0517058000 1",
        "",
        "".join(chr(0xFF10 + int(c)) for c in "3204051705800001"),  # full-width digits: str.isdigit() is True
        "320405170580000\u0661",  # an Arabic-Indic digit one
    ],
)
def test_anything_but_sixteen_ascii_digits_is_a_format_error(nik):
    r = nik_check(nik, today=TODAY)
    assert not r.valid
    assert r.errors == ["FORMAT"]


def test_a_nik_from_before_the_papua_split_resolves_to_todays_district():
    r = nik_check(OLD_MERAUKE + "1505900001", today=TODAY)
    assert r.valid
    assert r.warnings == []
    assert r.region_code == "91.01.01"
    assert r.current_region_code == "93.01.01"
    assert r.region_name == "Merauke"


@pytest.mark.parametrize("district", ["990101", "320499"])
def test_an_unknown_district_is_a_warning_not_an_error(district):
    r = nik_check(district + "1505900001", today=TODAY)
    assert r.valid
    assert r.errors == []
    assert r.warnings == ["REGION_UNKNOWN"]
    assert r.region_name is None
    assert (r.sex, r.birth_date) == ("L", "1990-05-15")


@pytest.mark.parametrize(
    ("ddmmyy", "birth_date"),
    [
        ("150525", "2025-05-15"),  # in the past this century: this century
        ("150626", "2026-06-15"),  # today itself is not in the future
        ("160626", "1926-06-16"),  # tomorrow would be in the future: the century before
        ("151226", "1926-12-15"),
        ("010100", "2000-01-01"),
        ("150599", "1999-05-15"),
    ],
)
def test_the_century_is_the_latest_that_is_not_in_the_future(ddmmyy, birth_date):
    r = nik_check(f"{CILEUNYI}{ddmmyy}0001", today=TODAY)
    assert r.valid
    assert r.birth_date == birth_date


# --- KK, hand-picked -------------------------------------------------------------------------------
def test_a_valid_kk_gives_its_recording_date_and_district():
    r = kk_check("3204051503150001", today=TODAY)
    assert r.valid
    assert (r.record_date, r.region_code, r.region_name) == ("2015-03-15", "32.04.05", "Cileunyi")
    assert "record_date" in r.as_json() and "sex" not in r.as_json()


def test_an_unknown_region_is_an_error_for_a_kk():
    r = kk_check("9901011503150001", today=TODAY)
    assert not r.valid
    assert r.errors == ["REGION_UNKNOWN"]


def test_a_kk_from_before_the_papua_split_is_known():
    r = kk_check(OLD_MERAUKE + "0101200007", today=TODAY)
    assert r.valid
    assert (r.current_region_code, r.region_name) == ("93.01.01", "Merauke")


@pytest.mark.parametrize(
    ("kk", "errors"),
    [
        ("3204055503150001", ["DATE_INVALID"]),  # a KK date has no +40
        ("3204052902150001", ["DATE_INVALID"]),  # 29 Feb 2015
        ("3204052902160001", []),  # 29 Feb 2016
        ("3204051513150001", ["DATE_INVALID"]),
        ("3204051503150000", ["SERIAL_ZERO"]),
        ("320405150315000", ["FORMAT"]),
        ("3204051503150000X", ["FORMAT"]),
    ],
)
def test_kk_structure_rules(kk, errors):
    r = kk_check(kk, today=TODAY)
    assert r.errors == errors
    assert r.valid is (errors == [])


# --- properties: composing and parsing ------------------------------------------------------------
def _expected_birth_date(born: dt.date, today: dt.date) -> dt.date:
    """Two-digit years: a date more than a century ago reads as the same day a century later,
    unless that day is still in the future (the century rule of issue 2 §4)."""
    if born.year + 100 > today.year:
        return born
    later = born.replace(year=born.year + 100)  # 1904-02-29 → 2004-02-29: leap years map to leap years
    return later if later <= today else born


@PROPERTY
@given(
    born=st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    sex=st.sampled_from(["L", "P"]),
    serial=st.integers(1, 9999),
    district=st.sampled_from([CILEUNYI, "327301", OLD_MERAUKE, "930101", "110101"]),
)
def test_nik_for_then_nik_check_gives_back_sex_and_birth_date(born, sex, serial, district):
    nik = nik_for(district_code=district, birth_date=born, sex=sex, serial=serial)
    r = nik_check(nik, today=TODAY, with_names=False)
    assert r.valid, (nik, r.errors)
    assert r.warnings == []
    assert r.sex == sex
    assert r.birth_date == _expected_birth_date(born, TODAY).isoformat()
    if born > TODAY.replace(year=TODAY.year - 100):
        assert r.birth_date == born.isoformat()


@PROPERTY
@given(
    recorded=st.dates(min_value=dt.date(1927, 1, 1), max_value=TODAY),
    serial=st.integers(1, 9999),
)
def test_kk_for_then_kk_check_gives_back_the_recording_date(recorded, serial):
    r = kk_check(kk_for(district_code=CILEUNYI, record_date=recorded, serial=serial), today=TODAY)
    assert r.valid
    assert r.record_date == recorded.isoformat()


# --- properties: the SQL rules agree with the Python rules ----------------------------------------
# Each value is evaluated exactly as the import evaluates a staged cell: a fast predicate on the raw
# text; when it fails, the column-by-column diagnosis of the trimmed text (pipeline._validated_table).
def _column(name: str) -> Column:
    return next(c for c in (*HOUSEHOLD_COLUMNS, *PERSON_COLUMNS) if c.name == name)


def _evaluate(col: Column, values: Sequence[str], select: str) -> list[tuple[Any, ...]]:
    """Evaluate `select` (over s.<column name>) for each value, in order."""
    name = q(col.name)
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS sj_probe")
        cur.execute(f"CREATE TEMP TABLE sj_probe (i integer, {name} text)")
        cur.executemany(f"INSERT INTO sj_probe (i, {name}) VALUES (%s, %s)", list(enumerate(values)))
        cur.execute(f"SELECT {select} FROM sj_probe s ORDER BY s.i")
        rows = cur.fetchall()
        cur.execute("DROP TABLE sj_probe")
    return rows


def _import_error(col: Column) -> tuple[Dialect, str, str]:
    """(dialect, the trimmed cell, the error token the import computes for the cell)."""
    d = Dialect(connection.vendor)
    raw = "s." + q(col.name)
    v = f"trim({raw})"
    today = TODAY.isoformat()
    return d, v, f"(CASE WHEN {fast_ok(d, col, raw, today)} THEN '' ELSE {error_expr(d, col, v, today)} END)"


def _code(token: str) -> str:
    return token.split(":", 1)[1].removesuffix(";") if token else ""


def _id_number_sql(values: Sequence[str], *, nik: bool) -> list[tuple[str, str, set[str]]]:
    """Per value: the import's error code, the diagnosis's error code, and every failed rule."""
    col = _column("nik") if nik else HOUSEHOLD_COLUMNS[0]
    d, v, reported = _import_error(col)
    rules = id_number_errors(d, v, nik=nik)
    fmt = rules[0][0]
    assert [code for _, code in rules] == ["FORMAT", "DATE_INVALID", "SERIAL_ZERO"]
    # The date and serial rules are only meaningful (and only safe to evaluate) on 16 digits.
    each = ", ".join(f"CASE WHEN {fmt} THEN 0 WHEN {cond} THEN 1 ELSE 0 END" for cond, _ in rules[1:])
    diagnosis = error_expr(d, col, v, TODAY.isoformat())
    out = []
    for row in _evaluate(col, values, f"{reported}, {diagnosis}, CASE WHEN {fmt} THEN 1 ELSE 0 END, {each}"):
        failed = {code for (_, code), hit in zip(rules, row[2:], strict=True) if hit}
        out.append((_code(row[0]), _code(row[1]), failed))
    return out


DIGITS = "0123456789"


def _first_error(value: str, errors: list[str]) -> str:
    """What the import reports for the column: an empty required cell first, then the rules in order."""
    if value == "":
        return "REQUIRED"
    return errors[0] if errors else ""


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """Mostly 16 digits, with the date part biased towards the edges; sometimes not 16 digits."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(alphabet=DIGITS + "aZ-.", min_size=0, max_size=18))
    if draw(st.booleans()):
        return draw(st.text(alphabet=DIGITS, min_size=16, max_size=16))
    region = draw(st.text(alphabet=DIGITS, min_size=6, max_size=6))
    day = draw(st.integers(0, 99) | st.sampled_from([0, 1, 28, 29, 30, 31, 32, 40, 41, 68, 69, 70, 71, 72]))
    month = draw(st.integers(0, 99) | st.integers(0, 13))
    yy = draw(st.integers(0, 99) | st.sampled_from([0, 1, 4, 25, 26, 27, 96, 99]))
    serial = draw(
        st.sampled_from(["0000", "0001", "0010", "0100", "1000", "9999"])
        | st.text(alphabet=DIGITS, min_size=4, max_size=4)
    )
    return f"{region}{day:02d}{month:02d}{yy:02d}{serial}"


@PROPERTY
@given(values=st.lists(id_numbers(), min_size=1, max_size=40))
def test_sql_nik_rules_agree_with_nik_check(values):
    structural = {"FORMAT", "DATE_INVALID", "SERIAL_ZERO"}
    for value, (reported, diagnosed, failed) in zip(values, _id_number_sql(values, nik=True), strict=True):
        py = [e for e in nik_check(value, with_names=False).errors if e in structural]
        assert failed == set(py), value
        assert diagnosed == _first_error(value, py), value
        assert reported == _first_error(value, py), value


@PROPERTY
@given(values=st.lists(id_numbers(), min_size=1, max_size=40))
def test_sql_kk_rules_agree_with_kk_check(values):
    structural = {"FORMAT", "DATE_INVALID", "SERIAL_ZERO"}
    for value, (reported, diagnosed, failed) in zip(values, _id_number_sql(values, nik=False), strict=True):
        py = [e for e in kk_check(value, with_names=False).errors if e in structural]
        assert failed == set(py), value
        assert diagnosed == _first_error(value, py), value
        assert reported == _first_error(value, py), value


def test_sql_days_in_month_agrees_with_python_for_every_month():
    """Full years (ISO dates) over six centuries, and two-digit years (NIK/KK), where the century
    is the latest not in the future: '00' is 2000, a leap year."""
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS sj_months")
        cur.execute("CREATE TEMP TABLE sj_months (y integer, m integer)")
        cur.executemany(
            "INSERT INTO sj_months (y, m) VALUES (%s, %s)",
            [(y, m) for y in range(1800, 2401) for m in range(1, 13)],
        )
        cur.execute(
            f"SELECT y, m, {days_in_month('m', 'y', full_year=True)}, "
            f"{days_in_month('m', '(y % 100)', full_year=False)} FROM sj_months"
        )
        rows = cur.fetchall()
        cur.execute("DROP TABLE sj_months")
    assert len(rows) == 601 * 12
    for y, m, full, two_digit in rows:
        assert full == py_days_in_month(y, m), (y, m)
        assert two_digit == py_days_in_month(2000 + y % 100, m), (y, m)


def _iso_oracle(v: str, today: dt.date) -> str:
    if v == "":
        return "REQUIRED"
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", v):
        return "DATE_FORMAT"
    try:
        date = dt.date.fromisoformat(v)
    except ValueError:
        return "DATE_INVALID"
    if date.year < 1900:
        return "DATE_INVALID"
    return "DATE_IN_FUTURE" if date > today else ""


@st.composite
def iso_dates(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 5)) == 0:
        return draw(st.text(alphabet=DIGITS + "-/", min_size=0, max_size=12))
    y = draw(st.integers(1850, 2100) | st.integers(0, 9999))
    m = draw(st.integers(0, 14))
    d = draw(st.integers(0, 32))
    return f"{y:04d}-{m:02d}-{d:02d}"


@PROPERTY
@given(values=st.lists(iso_dates(), min_size=1, max_size=40))
def test_sql_iso_dates_agree_with_python(values):
    col = _column("birth_date")
    d, v, reported = _import_error(col)
    assert [code for _, code in iso_date_errors(d, v, TODAY.isoformat())] == [
        "DATE_FORMAT",
        "DATE_INVALID",
        "DATE_IN_FUTURE",
    ]
    promoted = promote_expr(d, col, v, Person._meta.get_field("birth_date"))
    rows = _evaluate(col, values, f"{reported}, CASE WHEN {reported} = '' THEN CAST({promoted} AS text) END")
    for value, (token, as_date) in zip(values, rows, strict=True):
        expected = _iso_oracle(value, TODAY)
        assert _code(token) == expected, value
        assert as_date == (value if expected == "" else None), value


def _ppks_sql(values: Sequence[str]) -> list[tuple[str, int | None]]:
    """(error code, promoted mask) as the import computes them from the cell."""
    col = _column("ppks")
    d, v, reported = _import_error(col)
    promoted = promote_expr(d, col, v, Person._meta.get_field("ppks_mask"))
    rows = _evaluate(col, values, f"{reported}, CASE WHEN {reported} = '' THEN {promoted} END")
    return [(_code(token), mask) for token, mask in rows]


@PROPERTY
@given(values=st.lists(st.text(alphabet="0123456789; ", max_size=12), min_size=1, max_size=40))
def test_sql_ppks_list_agrees_with_ppks_mask_py(values):
    for value, (code, mask) in zip(values, _ppks_sql(values), strict=True):
        expected = ppks_mask_py(value.strip(" "))
        if expected < 0:
            assert (code, mask) == ("CODE_UNKNOWN", None), value
        else:
            assert (code, mask) == ("", expected), value


@pytest.mark.parametrize(
    ("value", "mask"),
    [
        ("", 0),
        ("9", 1 << 8),
        ("09", 1 << 8),
        ("9;24", (1 << 8) | (1 << 23)),
        ("24 ; 9", (1 << 8) | (1 << 23)),
        ("1;26", 1 | 1 << 25),
    ],
)
def test_ppks_lists_become_bit_masks(value, mask):
    assert ppks_mask_py(value) == mask
    assert _ppks_sql([value]) == [("", mask)]


@pytest.mark.parametrize("value", ["0", "27", "9;", ";9", "9;;24", "9,24", "009", "x"])
def test_bad_ppks_lists_are_refused(value):
    assert ppks_mask_py(value) == -1
    assert _ppks_sql([value]) == [("CODE_UNKNOWN", None)]


@pytest.mark.parametrize("value", ["9\t;24", "9;\u00a024"])
def test_ppks_whitespace_other_than_spaces_is_read_alike_on_both_databases(value):
    """A tab or a no-break space (common in spreadsheet exports) next to a semicolon: PostgreSQL's
    sj_ppks_mask and its SQLite twin ppks_mask_py must give the same verdict."""
    expected = ppks_mask_py(value)
    assert _ppks_sql([value]) == ([("CODE_UNKNOWN", None)] if expected < 0 else [("", expected)])
