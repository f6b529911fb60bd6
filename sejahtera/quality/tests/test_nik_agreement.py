"""The SQL classification of a NIK (checks.nik_class_sql, what the registry checks run) and the
Python one (registry.identifiers.nik_check, what `sejahtera nik check` and the forms use) agree on
random NIKs: well-formed ones from real, historical and unknown districts with every day and month
at the edges, and arbitrary strings."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sejahtera.quality.checks import kk_class_sql, nik_class_sql
from sejahtera.registry.identifiers import kk_check, nik_check
from sejahtera.registry.imports.sql import Dialect

DISTRICTS = ["320405", "327301", "910101", "930101", "999901", "000000", "110101"]

structured = st.builds(
    lambda district, day, month, yy, serial: f"{district}{day:02d}{month:02d}{yy:02d}{serial:04d}",
    st.sampled_from(DISTRICTS),
    st.integers(0, 72),
    st.integers(0, 13),
    st.integers(0, 99),
    st.sampled_from([0, 1, 9, 10, 100, 1000, 9999]) | st.integers(0, 9999),
)
arbitrary = st.text(alphabet="0123456789 a-", min_size=0, max_size=18)
niks = st.lists(structured | arbitrary, min_size=1, max_size=25)


def python_class(number: str, *, nik: bool) -> str:
    result = nik_check(number, with_names=False) if nik else kk_check(number, with_names=False)
    found = result.errors + result.warnings
    return found[0] if found else ""


def sql_class(numbers: list[str], *, nik: bool) -> list[str]:
    d = Dialect(connection.vendor)
    expr = (nik_class_sql if nik else kk_class_sql)(d, "x.v")
    union = " UNION ALL ".join(f"SELECT {i} AS i, CAST(%s AS TEXT) AS v" for i in range(len(numbers)))
    sql = re.sub(r"%(?!s)", "%%", f"SELECT {expr} FROM ({union}) x ORDER BY x.i")
    with connection.cursor() as cur:
        cur.execute(sql, numbers)
        return [r[0] for r in cur.fetchall()]


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(numbers=niks)
def test_sql_and_python_classify_niks_alike(numbers):
    assert sql_class(numbers, nik=True) == [python_class(n, nik=True) for n in numbers]


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(numbers=niks)
def test_sql_and_python_classify_kks_alike(numbers):
    assert sql_class(numbers, nik=False) == [python_class(n, nik=False) for n in numbers]


@pytest.mark.django_db
def test_the_edges_are_classified_as_the_rules_say():
    numbers = [
        "3204052902000001",
        "3204052902010001",
        "3204056902960001",
        "3204057213850001",
        "3204051703850000",
    ]
    assert sql_class(numbers, nik=True) == ["", "DATE_INVALID", "", "DATE_INVALID", "SERIAL_ZERO"]
