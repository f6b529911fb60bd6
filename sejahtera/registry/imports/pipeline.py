"""Import of households and persons: stage → validate (set-based) → promote (one transaction).

- Staging: PostgreSQL takes a plain comma-separated CSV by COPY straight from the file; any other
  file (XLSX, semicolons, a row with the wrong number of fields) is read row by row in Python and
  sent by COPY (PostgreSQL) or executemany (SQLite).
- Validation: one CREATE TABLE … AS SELECT per file computes every column's typed value and its
  error tokens; cross-row rules (duplicates, unknown regions, existing registry rows, orphan
  persons) are a few UPDATE … WHERE EXISTS statements.
- Promotion: INSERT … SELECT of the clean rows into the registry, with the audit entry and the
  job's result, in one transaction: a crash leaves nothing half-applied, and a rerun of the same
  files finds every row already present and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from sejahtera.common.audit import audit_record

from ..columns import HOUSEHOLD_COLUMNS, PERSON_COLUMNS, Column
from ..models import Household, ImportJob, ImportRowError, Person
from .messages import MESSAGES, message_for
from .readers import FileRejected, Table, check_header, csv_first_line, file_kind, open_table
from .sql import Dialect, error_expr, fast_ok, lit, promote_expr, q

log = logging.getLogger(__name__)

END_OF_DATA = re.compile(rb"\n\\\.\r?(\n|$)")

# Any constant: it names the advisory lock that serialises validation and promotion.
IMPORT_LOCK_KEY = 0x5E1A_1111
HH = "households"
PS = "persons"


def file_sha256(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        with p.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        h.update(b"\x00")
    return h.hexdigest()


# --- timings ---------------------------------------------------------------------------------
class Timings(dict[str, float]):
    """Seconds per step of one job (logged, and reported by the benchmark)."""

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self[name] = self.get(name, 0.0) + time.perf_counter() - start
            log.info("import step %s: %.2fs", name, self[name])


# --- progress --------------------------------------------------------------------------------
class Progress:
    """Writes the job's progress where other processes can see it while the job still runs.

    PostgreSQL: through a second connection, so the updates commit at once even while the job's
    own connection is inside a long COPY. SQLite: through the job's connection between batches."""

    def __init__(self, job: ImportJob, on_change: Callable[[ImportJob], None] | None = None) -> None:
        self.job = job
        self.on_change = on_change
        self._last = 0.0
        self._side: BaseDatabaseWrapper | None = None
        if connection.vendor == "postgresql":
            self._side = connections.create_connection("default")

    def update(self, *, force: bool = False, **fields: Any) -> None:
        for k, v in fields.items():
            setattr(self.job, k, v)
        now = time.monotonic()
        if not force and now - self._last < 0.5:
            return
        self._last = now
        self.job.heartbeat_at = timezone.now()
        names = ["phase", "bytes_done", "bytes_total", "households_read", "persons_read", "heartbeat_at"]
        values = [getattr(self.job, n) for n in names]
        sql = f"UPDATE registry_importjob SET {', '.join(f'{n} = %s' for n in names)} WHERE id = %s AND attempt = %s"
        conn = self._side or connection
        with conn.cursor() as cur:
            cur.execute(sql, [*values, self.job.pk, self.job.attempt])
        if self.on_change:
            self.on_change(self.job)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()


# --- staging ---------------------------------------------------------------------------------
def _stage_table(job_id: int, kind: str) -> str:
    return f"stg_{kind[:2]}_{job_id}"


def _create_stage(cur: Any, table: str, columns: tuple[Column, ...]) -> None:
    cols = ", ".join(f"{q(c.name)} text NOT NULL DEFAULT ''" for c in columns)
    # Validation writes its verdict into the same table: error and warning tokens, and the id of
    # the registry row the staged row already exists as.
    cols += ", errs text NOT NULL DEFAULT '', warns text NOT NULL DEFAULT '', existing_id bigint"
    cur.execute(f"DROP TABLE IF EXISTS {table}")
    if connection.vendor == "postgresql":
        # Temporary: no WAL, private to this connection, gone if the worker dies.
        cur.execute(
            f"CREATE TEMP TABLE {table} (row_no bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 2), {cols})"
        )
    else:
        cur.execute(f"CREATE TEMP TABLE {table} (row_no integer, {cols})")


@dataclass
class StageResult:
    rows: int
    structural_errors: list[tuple[int, str, str]]  # (row, code, value)


class _CountingReader:
    """A binary file wrapper that reports how many bytes have been read."""

    def __init__(self, path: Path, on_bytes: Callable[[int], None]) -> None:
        self.fh = path.open("rb")
        self.on_bytes = on_bytes

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        try:
            while chunk := self.fh.read(size):
                self.on_bytes(len(chunk))
                yield chunk
        finally:
            self.fh.close()


def _stage_pg_copy(
    cur: Any, table: str, path: Path, header: list[str], on_bytes: Callable[[int], None]
) -> int:
    cols = ", ".join(q(h) for h in header)
    sql = f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv, HEADER true, FORCE_NOT_NULL ({cols}))"
    tail = b""
    with cur.copy(sql) as copy:
        for chunk in _CountingReader(path, on_bytes).chunks():
            # COPY reads a line holding only "\." as the end of the data and would silently drop
            # every row after it: such a file goes to the row-by-row reader instead.
            if END_OF_DATA.search(tail + chunk):
                raise ValueError("a line holding only \\. (COPY's end-of-data marker)")
            tail = chunk[-4:]
            copy.write(chunk)
    return int(cur.rowcount)


def _stage_rows(
    cur: Any, table: str, tbl: Table, columns: tuple[Column, ...], on_rows: Callable[[int], None]
) -> StageResult:
    names = [c.name for c in columns]
    index = {h: i for i, h in enumerate(tbl.header)}
    width = len(tbl.header)
    errors: list[tuple[int, str, str]] = []
    count = 0

    def good_rows() -> Iterator[list[Any]]:
        nonlocal count
        for row_no, values in tbl.rows:
            if len(values) != width:
                errors.append((row_no, "COLUMN_COUNT", f"{len(values)}/{width}"))
                continue
            if any("\x00" in v for v in values):  # PostgreSQL text cannot hold NUL
                errors.append((row_no, "INVALID_CHARACTER", "NUL"))
                continue
            count += 1
            if count % 10000 == 0:
                on_rows(count)
            yield [row_no, *[values[index[n]].strip() if n in index else "" for n in names]]

    cols = ", ".join(["row_no", *(q(n) for n in names)])
    if connection.vendor == "postgresql":
        with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for r in good_rows():
                copy.write_row(r)
    else:
        placeholders = ", ".join(["%s"] * (len(names) + 1))
        sql = f"INSERT INTO {table} ({cols}) VALUES ({placeholders})"
        batch: list[list[Any]] = []
        for r in good_rows():
            batch.append(r)
            if len(batch) >= 5000:
                cur.executemany(sql, batch)
                batch.clear()
        if batch:
            cur.executemany(sql, batch)
    on_rows(count)
    return StageResult(rows=count, structural_errors=errors)


def stage_file(
    cur: Any, job_id: int, kind: str, path: Path, columns: tuple[Column, ...], progress: Progress, label: str
) -> StageResult:
    known = tuple(c.name for c in columns)
    required = [c.name for c in columns if c.required]
    tbl = open_table(path, label)
    check_header(tbl.header, known=known, required=required, label=label)
    table = _stage_table(job_id, kind)
    _create_stage(cur, table, columns)
    read_field = "households_read" if kind == HH else "persons_read"

    if connection.vendor == "postgresql" and tbl.kind == "csv" and tbl.delimiter == ",":
        start_bytes = progress.job.bytes_done

        def on_bytes(n: int) -> None:
            progress.update(bytes_done=progress.job.bytes_done + n)

        try:
            # A transaction of its own (a savepoint inside a caller's): a failed COPY rolls back
            # and leaves the stage table empty, whatever the connection's state.
            with transaction.atomic():
                rows = _stage_pg_copy(cur, table, path, tbl.header, on_bytes)
            progress.update(force=True, **_read(read_field, rows))
            return StageResult(rows=rows, structural_errors=[])
        except Exception as exc:  # psycopg raises its own errors from COPY: read row by row below
            log.info("COPY of %s failed (%s); reading row by row", path.name, exc)
            progress.update(bytes_done=start_bytes)
            tbl = open_table(path, label)

    size = path.stat().st_size
    start_bytes = progress.job.bytes_done

    def on_rows(n: int) -> None:
        # Row-by-row readers do not expose byte offsets; estimate from the rows read so far.
        est = min(size, int(size * n / max(1, _estimate_rows(path, size))))
        progress.update(bytes_done=start_bytes + est, **_read(read_field, n))

    result = _stage_rows(cur, table, tbl, columns, on_rows)
    progress.update(force=True, bytes_done=start_bytes + size, **_read(read_field, result.rows))
    return result


def _read(field: str, n: int) -> dict[str, Any]:
    return {field: n}


def _estimate_rows(path: Path, size: int) -> int:
    if file_kind(path) == "xlsx":
        return max(1, size // 60)
    with path.open("rb") as fh:
        sample = fh.read(1 << 16)
    lines = max(1, sample.count(b"\n"))
    return max(1, int(size / (len(sample) / lines)))


# --- validation ------------------------------------------------------------------------------
def _validated_table(
    cur: Any, d: Dialect, job_id: int, kind: str, columns: tuple[Column, ...], today_iso: str
) -> str:
    """One pass over the staged rows: a row that passes every column's fast check is left as it
    is; any other row is trimmed and diagnosed column by column (error tokens into errs)."""
    stg = _stage_table(job_id, kind)
    fast = " AND ".join(f"({fast_ok(d, c, q(c.name), today_iso)})" for c in columns)
    slow = " || ".join(error_expr(d, c, f"trim({q(c.name)})", today_iso) for c in columns)
    trims = ", ".join(f"{q(c.name)} = trim({q(c.name)})" for c in columns)
    cur.execute(f"UPDATE {stg} SET {trims}, errs = {slow} WHERE NOT ({fast})")
    if not d.pg:
        cur.execute(f"CREATE INDEX {stg}_row ON {stg} (row_no)")
    return stg


def _model_field(model: Any, c: Column) -> Any:
    # persons.csv names its family by kk_number, a Household field.
    owner = model if c.field != "kk_number" else Household
    return owner._meta.get_field(c.field)


def _typed(d: Dialect, model: Any, c: Column, alias: str) -> str:
    return promote_expr(d, c, alias + q(c.name), _model_field(model, c))


def _mark(
    cur: Any, chk: str, token: str, where: str, params: Iterable[Any] = (), column: str = "errs"
) -> None:
    cur.execute(f"UPDATE {chk} SET {column} = {column} || {lit(token)} WHERE {where}", list(params) or None)


_CONTAINS = {"postgresql": "strpos", "sqlite": "instr"}


# Current district codes and the historical ones that old NIKs and KKs still carry.
KNOWN_DISTRICTS = "(SELECT code FROM regions_region WHERE level = 3 UNION ALL SELECT old_code FROM regions_historicalregioncode)"


def _mark_duplicates(cur: Any, chk: str, column: str) -> None:
    """Every occurrence after the first error-free one of a value seen twice in the file: a
    rejected row never shadows a valid later one. The GROUP BY finds the few repeated values
    first, so that only their rows are ranked."""
    _mark(
        cur,
        chk,
        f"{column}:DUPLICATE_IN_FILE;",
        f"row_no IN (SELECT row_no FROM (SELECT row_no, row_number() OVER "
        f"(PARTITION BY {column} ORDER BY row_no) AS rn FROM {chk} WHERE errs = '' AND {column} IN "
        f"(SELECT {column} FROM {chk} WHERE errs = '' GROUP BY {column} HAVING count(*) > 1)) t WHERE rn > 1)",
    )


def _has_err(col: str) -> str:
    return f"{_CONTAINS[connection.vendor]}(errs, {lit(col + ':')}) > 0"


def _same(d: Dialect, a: str, b: str) -> str:
    return f"{a} IS NOT DISTINCT FROM {b}"


def validate_households(cur: Any, d: Dialect, job: ImportJob, today_iso: str) -> str:
    chk = _validated_table(cur, d, job.pk, HH, HOUSEHOLD_COLUMNS, today_iso)
    if d.pg:
        cur.execute(f"ANALYZE {chk}")
    else:
        cur.execute(f"CREATE INDEX {chk}_kk ON {chk} (kk_number)")
    # NOT IN over a small subquery is one hashed lookup per row on PostgreSQL.
    _mark(
        cur,
        chk,
        "village_code:UNKNOWN;",
        f"NOT {_has_err('village_code')} AND village_code NOT IN (SELECT code FROM regions_region WHERE level = 4)",
    )
    if job.scope_code:
        _mark(
            cur,
            chk,
            "village_code:OUT_OF_JURISDICTION;",
            f"NOT {_has_err('village_code')} AND substr(village_code, 1, %s) <> %s",
            [len(job.scope_code), job.scope_code],
        )
    _mark(
        cur,
        chk,
        "kk_number:REGION_UNKNOWN;",
        f"NOT {_has_err('kk_number')} AND substr(kk_number, 1, 6) NOT IN {KNOWN_DISTRICTS}",
    )
    _mark_duplicates(cur, chk, "kk_number")
    # Rows already in the registry: identical → unchanged; different → refused (the update cycle
    # is the way to change a registered family).
    cur.execute(
        f"UPDATE {chk} SET existing_id = h.id FROM registry_household h "
        f"WHERE h.kk_number = {chk}.kk_number AND h.status = 'ACTIVE' AND {chk}.errs = ''"
    )
    # A KK known only in another status (merged, put to sleep) is not brought back by an import.
    _mark(
        cur,
        chk,
        "kk_number:NOT_ACTIVE;",
        f"errs = '' AND existing_id IS NULL AND EXISTS (SELECT 1 FROM registry_household h "
        f"WHERE h.kk_number = {chk}.kk_number AND h.status <> 'ACTIVE')",
    )
    differs = " OR ".join(
        f"NOT ({_same(d, _typed(d, Household, c, 'c.'), 'h.' + q(_db_column(c)))})" for c in HOUSEHOLD_COLUMNS
    )
    _mark(
        cur,
        chk,
        "kk_number:ALREADY_REGISTERED;",
        f"existing_id IN (SELECT c.existing_id FROM {chk} c JOIN registry_household h ON h.id = c.existing_id "
        f"WHERE {differs})",
    )
    return chk


def validate_persons(cur: Any, d: Dialect, job: ImportJob, today_iso: str, hh_chk: str) -> str:
    chk = _validated_table(cur, d, job.pk, PS, PERSON_COLUMNS, today_iso)
    if d.pg:
        cur.execute(f"ANALYZE {chk}")
    else:
        cur.execute(f"CREATE INDEX {chk}_kk ON {chk} (kk_number)")
        cur.execute(f"CREATE INDEX {chk}_nik ON {chk} (nik)")
    # The family of each person: a valid row of the households file, or an active registry row.
    valid_in_file = f"EXISTS (SELECT 1 FROM {hh_chk} h WHERE h.kk_number = {chk}.kk_number AND h.errs = '')"
    rejected_in_file = (
        f"EXISTS (SELECT 1 FROM {hh_chk} h WHERE h.kk_number = {chk}.kk_number AND h.errs <> '')"
    )
    # A registered family outside the importer's jurisdiction counts as unknown: an import neither
    # adds members to it nor reveals that it exists.
    scope = f" AND h.village_code LIKE {lit(job.scope_code + '%')}" if job.scope_code else ""
    in_registry = (
        f"EXISTS (SELECT 1 FROM registry_household h WHERE h.kk_number = {chk}.kk_number "
        f"AND h.status = 'ACTIVE'{scope})"
    )
    cur.execute(
        f"UPDATE {chk} SET errs = errs || CASE WHEN {rejected_in_file} THEN 'kk_number:HOUSEHOLD_REJECTED;' "
        f"ELSE 'kk_number:HOUSEHOLD_UNKNOWN;' END "
        f"WHERE NOT {_has_err('kk_number')} AND NOT {valid_in_file} AND ({rejected_in_file} OR NOT {in_registry})"
    )
    _mark_duplicates(cur, chk, "nik")
    cur.execute(
        f"UPDATE {chk} SET existing_id = p.id FROM registry_person p "
        f"WHERE p.nik = {chk}.nik AND p.status = 'ACTIVE' AND {chk}.errs = ''"
    )
    # A deceased, moved or inactive person is not made active again by re-importing an old file
    # (the 2021 audits found deceased people still listed, DOMAIN.md §13).
    _mark(
        cur,
        chk,
        "nik:NOT_ACTIVE;",
        f"errs = '' AND existing_id IS NULL AND EXISTS (SELECT 1 FROM registry_person p "
        f"WHERE p.nik = {chk}.nik AND p.status <> 'ACTIVE')",
    )
    differs = " OR ".join(
        f"NOT ({_same(d, _typed(d, Person, c, 'c.'), 'p.' + q(c.field))})"
        for c in PERSON_COLUMNS
        if c.name != "kk_number"
    )
    # One active person per NIK is national, so this finding tells the importer that the NIK is
    # registered somewhere, though not where: the price of refusing duplicates across regions.
    _mark(
        cur,
        chk,
        "nik:ALREADY_REGISTERED;",
        f"existing_id IN (SELECT c.existing_id FROM {chk} c JOIN registry_person p ON p.id = c.existing_id "
        f"JOIN registry_household h ON h.id = p.household_id WHERE h.kk_number <> c.kk_number OR {differs})",
    )
    # Warnings: the row is accepted, the finding is reported (a NIK is never reissued to fix a
    # wrong birth date, and old NIKs carry district codes from before a split: DOMAIN.md §5).
    dd = d.to_int("substr(nik,7,2)")
    nik_day = f"(CASE WHEN {dd} > 40 THEN {dd} - 40 ELSE {dd} END)"
    part = d.to_int
    warnings = {
        "nik:NIK_SEX_MISMATCH;": f"(NOT {_has_err('sex')} AND ((upper(sex) = 'P') <> ({dd} > 40)))",
        "nik:NIK_BIRTHDATE_MISMATCH;": (
            f"(NOT {_has_err('birth_date')} AND ({nik_day} <> {part('substr(birth_date,9,2)')} "
            f"OR {part('substr(nik,9,2)')} <> {part('substr(birth_date,6,2)')} "
            f"OR {part('substr(nik,11,2)')} <> {part('substr(birth_date,3,2)')}))"
        ),
        "nik:REGION_UNKNOWN;": f"(substr(nik, 1, 6) NOT IN {KNOWN_DISTRICTS})",
    }
    tokens = " || ".join(f"(CASE WHEN {cond} THEN {lit(tok)} ELSE '' END)" for tok, cond in warnings.items())
    cur.execute(
        f"UPDATE {chk} SET warns = warns || {tokens} "
        f"WHERE NOT {_has_err('nik')} AND ({' OR '.join(warnings.values())})"
    )
    return chk


def collect_findings(
    cur: Any, job: ImportJob, kind: str, chk: str, raw_cols: dict[str, str]
) -> tuple[int, int]:
    """Turn the error and warning tokens into ImportRowError rows. Returns (rejected, warned)."""
    rejected = _count(cur, f"SELECT count(*) FROM {chk} WHERE errs <> ''")
    warned = _count(cur, f"SELECT count(*) FROM {chk} WHERE errs = '' AND warns <> ''")
    if connection.vendor == "postgresql":
        # In SQL, however many rows were refused: memory stays flat for a file that fails whole.
        cases = " ".join(
            f"WHEN {lit(code)} THEN {lit(str(msg)).replace('%', '%%')}" for code, msg in MESSAGES.items()
        )
        cur.execute(
            f'INSERT INTO registry_importrowerror (job_id, file, row, "column", code, message, value, severity) '
            f"SELECT %s, %s, row_no, split_part(t, ':', 1), split_part(t, ':', 2), "
            f"CASE split_part(t, ':', 2) {cases} ELSE split_part(t, ':', 2) END, "
            f"left(coalesce(to_jsonb(c) ->> split_part(t, ':', 1), ''), 100), sev "
            f"FROM (SELECT c.*, unnest(string_to_array(rtrim(errs, ';'), ';')) AS t, 'ERROR' AS sev "
            f"FROM {chk} c WHERE errs <> '' UNION ALL "
            f"SELECT c.*, unnest(string_to_array(rtrim(warns, ';'), ';')), 'WARNING' "
            f"FROM {chk} c WHERE warns <> '') c",
            [job.pk, kind],
        )
        return rejected, warned
    sel = ", ".join(q(c) for c in raw_cols)
    cur.execute(
        f"SELECT row_no, errs, warns, {sel} FROM {chk} WHERE errs <> '' OR warns <> '' ORDER BY row_no"
    )
    names = list(raw_cols)
    out: list[ImportRowError] = []
    for row in cur.fetchall():
        row_no, errs, warns, raw = row[0], row[1], row[2], dict(zip(names, row[3:], strict=True))
        for tokens, severity in (
            (errs, ImportRowError.Severity.ERROR),
            (warns, ImportRowError.Severity.WARNING),
        ):
            for token in filter(None, tokens.split(";")):
                column, code = token.split(":", 1)
                out.append(
                    ImportRowError(
                        job=job,
                        file=kind,
                        row=row_no,
                        column=column,
                        code=code,
                        message=message_for(code),
                        value=str(raw.get(column, ""))[:100],
                        severity=severity,
                    )
                )
    ImportRowError.objects.bulk_create(out, batch_size=5000)
    return rejected, warned


# --- promotion -------------------------------------------------------------------------------
def _db_column(c: Column) -> str:
    return "village_code" if c.name == "village_code" else c.field


# Above this many new rows, promotion on PostgreSQL drops the registry tables' secondary indexes
# and foreign keys, inserts, and rebuilds them in the same transaction: one sort per index instead
# of a B-tree insertion per row (NOTES.md: COPY into a bare table then building the indexes is
# 2-3x cheaper than loading into an indexed table). Readers wait on the table lock meanwhile, so
# only large loads take this path.
BULK_THRESHOLD = 200_000


@contextmanager
def _indexes_rebuilt(cur: Any, tables: list[str], enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    cur.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND (conrelid::regclass::text = ANY(%s) OR confrelid::regclass::text = ANY(%s))",
        [tables, tables],
    )
    fks = cur.fetchall()
    cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [tables],
    )
    indexes = cur.fetchall()
    for table, name, _ in fks:
        cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {q(name)}")
    for name, _ in indexes:
        cur.execute(f"DROP INDEX {name}")
    yield
    cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
    for _, ddl in indexes:
        cur.execute(ddl)
    for table, name, ddl in fks:
        cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {q(name)} {ddl}")
    for table in tables:
        cur.execute(f"ANALYZE {table}")


def promote(cur: Any, d: Dialect, job: ImportJob, hh_chk: str, ps_chk: str) -> tuple[int, int]:
    new_rows = _count(cur, f"SELECT count(*) FROM {ps_chk} WHERE errs = '' AND existing_id IS NULL")
    with _indexes_rebuilt(cur, ["registry_household", "registry_person"], d.pg and new_rows > BULK_THRESHOLD):
        return _promote_rows(cur, d, job, hh_chk, ps_chk)


def _promote_rows(cur: Any, d: Dialect, job: ImportJob, hh_chk: str, ps_chk: str) -> tuple[int, int]:
    now = timezone.now()
    hh_cols = ", ".join(q(_db_column(c)) for c in HOUSEHOLD_COLUMNS)
    hh_vals = ", ".join(_typed(d, Household, c, "") for c in HOUSEHOLD_COLUMNS)
    cur.execute(
        f"INSERT INTO registry_household ({hh_cols}, province_code, regency_code, "
        f"district_code, status, inactive_reason, import_job_id, created_at, updated_at) "
        f"SELECT {hh_vals}, substr(village_code, 1, 2), substr(village_code, 1, 4), "
        f"substr(village_code, 1, 6), 'ACTIVE', '', %s, %s, %s FROM {hh_chk} "
        f"WHERE errs = '' AND existing_id IS NULL",
        [job.pk, now, now],
    )
    households = int(cur.rowcount)
    ps_columns = [c for c in PERSON_COLUMNS if c.name != "kk_number"]
    ps_cols = ", ".join(q(c.field) for c in ps_columns)
    ps_vals = ", ".join(_typed(d, Person, c, "p.") for c in ps_columns)
    cur.execute(
        f"INSERT INTO registry_person (household_id, {ps_cols}, status, "
        f"inactive_reason, dukcapil_match, import_job_id, created_at, updated_at) "
        f"SELECT h.id, {ps_vals}, 'ACTIVE', '', 'UNCHECKED', %s, %s, %s "
        f"FROM {ps_chk} p JOIN registry_household h ON h.kk_number = p.kk_number AND h.status = 'ACTIVE' "
        f"WHERE p.errs = '' AND p.existing_id IS NULL",
        [job.pk, now, now],
    )
    return households, int(cur.rowcount)


def _count(cur: Any, sql: str) -> int:
    cur.execute(sql)
    return int(cur.fetchone()[0])


# --- the job ---------------------------------------------------------------------------------
def import_execute(job: ImportJob, *, on_progress: Callable[[ImportJob], None] | None = None) -> ImportJob:
    """Run a claimed job to its end. Raises nothing for bad rows; a bad file fails the job."""
    d = Dialect(connection.vendor)
    hh_path, ps_path = Path(job.households_file), Path(job.persons_file)
    progress = Progress(job, on_progress)
    today_iso = timezone.localdate().isoformat()
    try:
        progress.update(
            force=True,
            phase=ImportJob.Phase.STAGING,
            bytes_total=hh_path.stat().st_size + ps_path.stat().st_size,
        )
        with connection.cursor() as cur:
            if d.pg:
                # Hash joins and aggregates over millions of staged rows, in memory rather than on disk.
                cur.execute("SET work_mem = '256MB'")
                _set_temp_buffers(cur)
            try:
                # Staging and validation work on this connection's temporary tables, in autocommit,
                # so that progress is visible while they run; only promotion is one transaction.
                hh_stage = stage_file(
                    cur, job.pk, HH, hh_path, HOUSEHOLD_COLUMNS, progress, job.households_name
                )
                ps_stage = stage_file(cur, job.pk, PS, ps_path, PERSON_COLUMNS, progress, job.persons_name)
                progress.update(force=True, phase=ImportJob.Phase.VALIDATING)
                if d.pg:
                    # Imports validate and promote one at a time, so that no other import can
                    # register a KK or NIK between this one's checks and its INSERT. (SQLite
                    # already serialises writers; a clash there fails the job cleanly.)
                    cur.execute("SELECT pg_advisory_lock(%s)", [IMPORT_LOCK_KEY])
                hh_chk = validate_households(cur, d, job, today_iso)
                ps_chk = validate_persons(cur, d, job, today_iso, hh_chk)
                progress.update(force=True, phase=ImportJob.Phase.PROMOTING)
                with transaction.atomic():
                    structural = [(HH, e) for e in hh_stage.structural_errors] + [
                        (PS, e) for e in ps_stage.structural_errors
                    ]
                    ImportRowError.objects.bulk_create(
                        ImportRowError(
                            job=job,
                            file=kind,
                            row=row,
                            column="",
                            code=code,
                            message=message_for(code),
                            value=value,
                        )
                        for kind, (row, code, value) in structural
                    )
                    hh_rej, hh_warn = collect_findings(
                        cur, job, HH, hh_chk, {c.name: "" for c in HOUSEHOLD_COLUMNS}
                    )
                    ps_rej, ps_warn = collect_findings(
                        cur, job, PS, ps_chk, {c.name: "" for c in PERSON_COLUMNS}
                    )
                    households, persons = promote(cur, d, job, hh_chk, ps_chk)
                    job.households_imported, job.persons_imported = households, persons
                    job.households_unchanged = _count(
                        cur, f"SELECT count(*) FROM {hh_chk} WHERE errs = '' AND existing_id IS NOT NULL"
                    )
                    job.persons_unchanged = _count(
                        cur, f"SELECT count(*) FROM {ps_chk} WHERE errs = '' AND existing_id IS NOT NULL"
                    )
                    job.rows_rejected = hh_rej + ps_rej + len(structural)
                    job.rows_with_warnings = hh_warn + ps_warn
                    job.status = (
                        ImportJob.Status.SUCCEEDED_WITH_REJECTIONS
                        if job.rows_rejected
                        else ImportJob.Status.SUCCEEDED
                    )
                    job.phase = ImportJob.Phase.DONE
                    job.finished_at = timezone.now()
                    _save_result(job)
                    audit_record(
                        actor=job.created_by,
                        action="registry.import",
                        object_type="import_job",
                        object_id=job.pk,
                        region_code=job.scope_code,
                        after={
                            "households_file": job.households_name,
                            "persons_file": job.persons_name,
                            "content_sha256": job.content_hash,
                            "households_imported": households,
                            "persons_imported": persons,
                            "rows_rejected": job.rows_rejected,
                        },
                        reason="impor berkas",
                    )
            finally:
                for kind in (HH, PS):
                    cur.execute(f"DROP TABLE IF EXISTS {_stage_table(job.pk, kind)}")
                if d.pg:
                    cur.execute("RESET work_mem")
                    cur.execute("SELECT pg_advisory_unlock_all()")
    except FileRejected as exc:
        _fail(job, exc.message)
    except Exception as exc:
        log.exception("import job %s failed", job.pk)
        _fail(job, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        progress.close()
    if on_progress:
        on_progress(job)
    return job


def _set_temp_buffers(cur: Any) -> None:
    """Staging tables are temporary and live in this session's local buffers (8 MB by default).
    PostgreSQL accepts a new size only before the session's first temporary table."""
    try:
        with transaction.atomic():
            cur.execute("SET temp_buffers = '512MB'")
    except DatabaseError:
        log.info("temp_buffers unchanged: this session already used temporary tables")


class JobSuperseded(Exception):
    """Another worker claimed this job after this one was taken for dead: this one must not write."""


_RESULT_FIELDS = (
    "status",
    "phase",
    "finished_at",
    "households_imported",
    "persons_imported",
    "households_unchanged",
    "persons_unchanged",
    "rows_rejected",
    "rows_with_warnings",
)


def _save_result(job: ImportJob) -> None:
    """Write the result only if this run still holds the job (its attempt is the latest claim)."""
    fields = {name: getattr(job, name) for name in _RESULT_FIELDS}
    if not ImportJob.objects.filter(pk=job.pk, attempt=job.attempt).update(**fields):
        raise JobSuperseded(f"import job {job.pk} was claimed again; this run's work is rolled back")


def _fail(job: ImportJob, message: str) -> None:
    ImportJob.objects.filter(pk=job.pk, attempt=job.attempt).update(
        status=ImportJob.Status.FAILED,
        phase=ImportJob.Phase.DONE,
        error_message=message[:2000],
        finished_at=timezone.now(),
    )
    job.refresh_from_db()


def today() -> dt.date:
    return timezone.localdate()


def first_line(path: Path) -> str:
    return csv_first_line(path)
