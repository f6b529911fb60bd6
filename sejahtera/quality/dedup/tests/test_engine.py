"""The engine on tiny DuckDB inputs, with the shipped model (deterministic): a typo'd name with two
NIK digits swapped is found; two different people born the same day in the same district (NIKs
sharing 12 digits, serials one apart) are not; a model trained on a few hundred generated persons
finds the generator's duplicates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from sejahtera.common.errors import DomainError
from sejahtera.quality.dedup import engine, generated
from sejahtera.registry.generate import generate

D = dt.date


Row = tuple[int, str, str, dt.date, str, str]


def table(rows: list[Row]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.sql(
        "CREATE TABLE persons (unique_id BIGINT, full_name VARCHAR, nik VARCHAR, birth_date DATE, "
        "sex VARCHAR, village_code VARCHAR)"
    )
    for r in rows:
        con.execute("INSERT INTO persons VALUES (?, ?, ?, ?, ?, ?)", list(r)).fetchall()
    return con


# Thirty unrelated people in two districts of Kab. Bandung (each NIK consistent with its birth date).
def crowd() -> list[Row]:
    first = ["ADI", "BUDI", "CITRA", "DEWI", "EKO", "FITRI", "GILANG", "HANA", "IWAN", "JOKO"]
    last = ["SANTOSO", "LESTARI", "NUGROHO", "PERTIWI", "WIBOWO"]
    out = []
    for i in range(30):
        born = D(1960 + i, 1 + i % 12, 1 + i % 27)
        sex = "L" if i % 2 else "P"
        day = born.day + (40 if sex == "P" else 0)
        nik = f"320405{day:02d}{born.month:02d}{born.year % 100:02d}{i + 1:04d}"
        out.append((100 + i, f"{first[i % 10]} {last[i % 5]}", nik, born, sex, "3204052001"))
    return out


def pairs(con: duckdb.DuckDBPyConnection, threshold: float = 0.9) -> set[tuple[int, int]]:
    result = engine.run_linkage(con, kind=engine.PERSON, source="persons", threshold=threshold)
    assert result.model_version.startswith("person-")
    return {(r["unique_id_l"], r["unique_id_r"]) for r in result.pairs.to_pylist()}


def test_it_finds_a_typod_name_with_two_nik_digits_swapped_in_another_village():
    original = (1, "SITI AMINAH", "3204054304850007", D(1985, 4, 3), "P", "3204052001")
    copy = (2, "SITI AMNIAH", "3204054304850070", D(1985, 4, 3), "P", "3273011001")
    assert pairs(table([*crowd(), original, copy])) == {(1, 2)}


def test_it_finds_an_exact_copy_in_another_family():
    original = (1, "DEDI KURNIAWAN", "3204051208900003", D(1990, 8, 12), "L", "3204052001")
    copy = (7, "DEDI KURNIAWAN", "3204051208900003", D(1990, 8, 12), "L", "3204332007")
    assert pairs(table([*crowd(), original, copy])) == {(1, 7)}


def test_it_does_not_pair_two_people_born_the_same_day_in_the_same_district():
    # 12 of 16 digits shared, serials 0001 and 0002 one edit apart: Levenshtein on the whole NIK
    # would take them for one person.
    a = (1, "RINA MARLINA", "3204054304850001", D(1985, 4, 3), "P", "3204052001")
    b = (2, "RINI MARYATI", "3204054304850002", D(1985, 4, 3), "P", "3204052001")
    assert pairs(table([*crowd(), a, b]), threshold=0.5) == set()


def test_the_details_name_each_comparison_level():
    original = (1, "SITI AMINAH", "3204054304850007", D(1985, 4, 3), "P", "3204052001")
    copy = (2, "SITI AMNIAH", "3204054304850070", D(1985, 4, 3), "P", "3273011001")
    result = engine.run_linkage(
        table([*crowd(), original, copy]), kind=engine.PERSON, source="persons", threshold=0.9
    )
    details = result.details(result.pairs.to_pylist()[0])
    assert details["nik"]["level"] == f"NIK: {engine.TRANSPOSED}"
    assert details["birth_date"]["level"] == "Exact match on date of birth"
    assert set(details) == {"full_name", "nik", "birth_date", "sex", "village_code"}


def test_spark_without_pyspark_is_a_clear_error():
    with pytest.raises(DomainError, match="pyspark"):
        engine.run_linkage(
            table(crowd()), kind=engine.PERSON, source="persons", threshold=0.9, backend="spark"
        )


def test_a_model_trained_on_a_few_hundred_generated_persons_finds_their_duplicates(tmp_path: Path):
    out = tmp_path / "gen"
    generate(households=150, region="3204", seed=3, dirty=0.25, out=out)
    con = duckdb.connect()
    generated.load_persons(con, out)
    true = generated.load_truth(con, out)
    assert true >= 10
    result = engine.run_linkage(
        con, kind=engine.PERSON, source="persons", threshold=0.9, model_dir=tmp_path / "model", retrain=True
    )
    assert result.trained and (tmp_path / "model" / "person.json").exists()
    con.register("found_arrow", result.pairs)
    con.sql("CREATE TABLE found AS SELECT unique_id_l AS l, unique_id_r AS r FROM found_arrow")
    score = generated.score(con, "found")
    assert score["recall"] >= 0.9
    assert score["precision"] >= 0.9
    # The next run predicts with the model it saved.
    again = engine.run_linkage(
        con, kind=engine.PERSON, source="persons", threshold=0.9, model_dir=tmp_path / "model"
    )
    assert not again.trained and again.model_version == result.model_version
