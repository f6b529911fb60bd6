"""The registry's ACTIVE persons and households into DuckDB, without DuckDB's database scanners
(extensions fetched from the internet: not available on a closed network). PostgreSQL streams
them with COPY ... TO STDOUT, SQLite through a server-side iteration of a cursor; both into a CSV
file that DuckDB reads with the engine's column types."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import duckdb
from django.db import connection

# The engine's input (engine.PERSON_INPUT, engine.HOUSEHOLD_INPUT) straight from the registry.
PERSONS_SQL = """
SELECT p.id AS unique_id, p.full_name, p.nik, p.birth_date, p.sex, h.village_code
FROM registry_person p JOIN registry_household h ON h.id = p.household_id
WHERE p.status = 'ACTIVE' AND h.status = 'ACTIVE'
"""
PERSON_TYPES = {
    "unique_id": "BIGINT",
    "full_name": "VARCHAR",
    "nik": "VARCHAR",
    "birth_date": "DATE",
    "sex": "VARCHAR",
    "village_code": "VARCHAR",
}

# The head: the ACTIVE member recorded as HEAD (the lowest id if a family has two), else none. One
# grouped pass and two hash joins (a correlated subquery per family took minutes at 25,000).
HOUSEHOLDS_SQL = """
SELECT h.id AS unique_id, h.kk_number, hp.full_name AS head_name, hp.nik AS head_nik,
       hp.birth_date AS head_birth_date, h.address, h.rt, h.rw, h.village_code
FROM registry_household h
LEFT JOIN (SELECT household_id, MIN(id) AS head_id FROM registry_person
           WHERE relationship = 'HEAD' AND status = 'ACTIVE' GROUP BY household_id) head
  ON head.household_id = h.id
LEFT JOIN registry_person hp ON hp.id = head.head_id
WHERE h.status = 'ACTIVE'
"""
HOUSEHOLD_TYPES = {
    "unique_id": "BIGINT",
    "kk_number": "VARCHAR",
    "head_name": "VARCHAR",
    "head_nik": "VARCHAR",
    "head_birth_date": "DATE",
    "address": "VARCHAR",
    "rt": "VARCHAR",
    "rw": "VARCHAR",
    "village_code": "VARCHAR",
}


def _to_csv(sql: str, path: Path) -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Right after a bulk import the tables have no statistics yet, and the planner then
            # joins the heads per family in a nested loop (96 s at 25,000 families; 0.3 s after).
            cur.execute("ANALYZE registry_household, registry_person")
            raw = cur.cursor  # psycopg 3
            with path.open("wb") as fh, raw.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                for chunk in copy:
                    fh.write(chunk)
            return
        cur.execute(sql)
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            while rows := cur.fetchmany(10_000):
                writer.writerows(rows)


def _load(con: duckdb.DuckDBPyConnection, *, table: str, sql: str, types: dict[str, str]) -> int:
    with tempfile.TemporaryDirectory(prefix="dedup-") as tmp:
        path = Path(tmp) / f"{table}.csv"
        _to_csv(sql, path)
        if path.stat().st_size == 0:  # nothing ACTIVE: DuckDB cannot sniff an empty file
            defs = ", ".join(f"{name} {kind}" for name, kind in types.items())
            con.sql(f"CREATE OR REPLACE TABLE {table} ({defs})")
            return 0
        columns = ", ".join(f"'{name}': '{kind}'" for name, kind in types.items())
        con.sql(
            f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_csv('{path}', header = false, "
            f"columns = {{{columns}}}, quote = '\"', escape = '\"', nullstr = '')"
        )
    return int(con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def load_persons(con: duckdb.DuckDBPyConnection, table: str = "persons") -> int:
    return _load(con, table=table, sql=PERSONS_SQL, types=PERSON_TYPES)


def load_households(con: duckdb.DuckDBPyConnection, table: str = "households") -> int:
    return _load(con, table=table, sql=HOUSEHOLDS_SQL, types=HOUSEHOLD_TYPES)
