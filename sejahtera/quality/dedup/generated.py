"""The generator's files (`sejahtera generate --dirty`) straight into DuckDB, for the benchmark and
the tests: persons.csv with each person's village from households.csv (unique_id = the row number
truth.csv uses: 2 is the first data row), and the true duplicate pairs of truth.csv.

A true pair is two rows of the same person: an original and its copy (problem duplicate_typo: the
name with one typing error and, in 60 %, the NIK with two digits swapped; two_households: an exact
copy in another family), or two copies of one original. invalid_nik and deceased_listed rows are
not duplicates."""

from __future__ import annotations

from pathlib import Path

import duckdb

LOAD = """
CREATE OR REPLACE TABLE gen_hh AS SELECT kk_number, village_code
FROM read_csv('{dir}/households.csv', header = true, all_varchar = true);
CREATE OR REPLACE TABLE gen_raw AS SELECT kk_number, nik, full_name, birth_date, sex
FROM read_csv('{dir}/persons.csv', header = true, all_varchar = true);
CREATE OR REPLACE TABLE {table} AS
SELECT r.rowid + 2 AS unique_id, r.full_name, r.nik, try_cast(r.birth_date AS DATE) AS birth_date, r.sex,
       h.village_code
FROM gen_raw r LEFT JOIN gen_hh h USING (kk_number);
DROP TABLE gen_raw; DROP TABLE gen_hh;
"""

HOUSEHOLDS = """
CREATE OR REPLACE TABLE gen_hh AS
SELECT * FROM read_csv('{dir}/households.csv', header = true, all_varchar = true);
CREATE OR REPLACE TABLE {table} AS
WITH heads AS (
    SELECT kk_number, full_name, nik, try_cast(birth_date AS DATE) AS birth_date,
           row_number() OVER (PARTITION BY kk_number ORDER BY nik) AS n
    FROM read_csv('{dir}/persons.csv', header = true, all_varchar = true)
    WHERE relationship = 'HEAD'
)
SELECT h.rowid + 2 AS unique_id, h.kk_number, p.full_name AS head_name, p.nik AS head_nik,
       p.birth_date AS head_birth_date, h.address, h.rt, h.rw, h.village_code
FROM gen_hh h
LEFT JOIN heads p ON p.kk_number = h.kk_number AND p.n = 1;
DROP TABLE gen_hh;
"""

TRUTH = """
CREATE OR REPLACE TABLE {table} AS
WITH dup AS (
    SELECT "row"::BIGINT AS r, original_row::BIGINT AS o
    FROM read_csv('{dir}/truth.csv', header = true, all_varchar = true)
    WHERE problem IN ('duplicate_typo', 'two_households')
), members AS (SELECT o, r FROM dup UNION SELECT o, o FROM dup)
SELECT DISTINCT a.r AS l, b.r AS r FROM members a JOIN members b ON a.o = b.o AND a.r < b.r
"""


def load_persons(con: duckdb.DuckDBPyConnection, directory: Path, table: str = "persons") -> int:
    """persons.csv into `table` (engine.PERSON_INPUT columns); returns the number of rows."""
    con.sql("SET preserve_insertion_order = true")  # rowid follows the file's order
    con.sql(LOAD.format(dir=directory, table=table))
    return int(con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def load_households(con: duckdb.DuckDBPyConnection, directory: Path, table: str = "households") -> int:
    """households.csv with each family's head into `table` (engine.HOUSEHOLD_INPUT columns)."""
    con.sql(HOUSEHOLDS.format(dir=directory, table=table))
    return int(con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def load_truth(con: duckdb.DuckDBPyConnection, directory: Path, table: str = "truth_pairs") -> int:
    """The true pairs (l < r, row numbers) into `table`; returns how many."""
    con.sql(TRUTH.format(dir=directory, table=table))
    return int(con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def score(con: duckdb.DuckDBPyConnection, pairs: str, truth: str = "truth_pairs") -> dict[str, float]:
    """Precision and recall of the pairs (columns l, r) against the true ones."""
    tp, found, true = con.sql(
        f"""SELECT (SELECT count(*) FROM {pairs} p JOIN {truth} t ON p.l = t.l AND p.r = t.r),
                   (SELECT count(*) FROM {pairs}), (SELECT count(*) FROM {truth})"""
    ).fetchall()[0]
    return {
        "pairs": found,
        "true_pairs": true,
        "true_positives": tp,
        "precision": round(tp / found, 4) if found else 0.0,
        "recall": round(tp / true, 4) if true else 0.0,
    }
