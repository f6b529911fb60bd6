"""Duplicate detection with Splink on DuckDB (issue 6 §3): persons by name, NIK (12-digit prefix and
4-digit serial compared apart), birth date, sex and village; households by KK (the same split), the
head's name and NIK, and the address.

Input is a DuckDB table already in the connection (the product fills it from the registry with
`export.py`; the benchmark reads the generator's CSV straight into it), so one code path serves
both. No DuckDB extension is loaded: everything runs offline.

A routine run only predicts, with a stored model (trained m/u parameters as Splink's JSON): the one
under settings.DEDUP_MODEL_DIR when a run trained it (`--retrain`), else the one shipped in
`model/`. Training (u by random sampling with a seed, then EM on two blocking rules) is the
dominant cost; it is deterministic for the same input.

Spark: `backend="spark"` uses Splink's SparkAPI when pyspark is installed (not a dependency of the
project: a national run larger than one machine); without it, a clear error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from sejahtera.common.errors import DomainError

PERSON = "PERSON"
HOUSEHOLD = "HOUSEHOLD"
BACKENDS = ("duckdb", "spark")
SHIPPED_MODELS = Path(__file__).resolve().parent / "model"
SEED = 1
# The product's threshold (settings.DEDUP_THRESHOLD overrides it): see docs/dedup.md for the measured
# precision and recall at each threshold.
DEFAULT_THRESHOLD = 0.9
# Random pairs for the u-estimation: the dominant cost (single-threaded; NOTES.md). 10^6 pairs
# observe every level except the exact-NIK one (set by hand: calibrate).
U_MAX_PAIRS = 1e6

# Person columns the engine needs in its input table (the export and the bench provide them).
PERSON_INPUT = ("unique_id", "full_name", "nik", "birth_date", "sex", "village_code")
HOUSEHOLD_INPUT = (
    "unique_id",
    "kk_number",
    "head_name",
    "head_nik",
    "head_birth_date",
    "address",
    "rt",
    "rw",
    "village_code",
)

Progress = Callable[[str, int], None]


@dataclass
class EngineResult:
    """The pairs at or above the threshold (unique_id_l < unique_id_r, match_probability, the
    comparison levels as gamma_* columns) and where the time went."""

    kind: str
    pairs: pa.Table
    records: int
    model_version: str
    trained: bool
    timings: dict[str, float] = field(default_factory=dict)
    levels: dict[str, list[tuple[float, str]]] = field(default_factory=dict)

    def details(self, row: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The level of each comparison for one pair, for the reviewer: Splink 5 returns each
        comparison's match weight (mw_*); the level is the one of the model with that weight."""
        out = {}
        for name, levels in self.levels.items():
            weight = row.get(f"mw_{name}")
            if weight is None:
                continue
            label = min(levels, key=lambda lv: abs(lv[0] - weight))[1] if levels else ""
            out[name] = {"level": label, "weight": round(float(weight), 2)}
        return out


def _id_comparison(column: str, label: str) -> Any:
    """A 16-digit number of 6 region + 6 date + 4 serial digits (NIK, KK): the 12-digit prefix and
    the serial are compared apart. Levenshtein on the whole number would pair two different people
    born the same day in the same district (12 of 16 digits shared, serials 0001 and 0002 one edit
    apart); here that case is its own level, TRAP, whose weight is set negative (calibrate).
    A typo that swaps two adjacent digits anywhere is the TRANSPOSED level."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import ColumnExpression

    prefix = ColumnExpression(column).substr(1, 12)
    serial = ColumnExpression(column).substr(13, 4)
    # Hamming first: it is cheap, and DuckDB evaluates the rest of a conjunction only where it
    # holds (Damerau-Levenshtein on every random pair made u-training 10x slower).
    transposed = cll.CustomLevel(
        f"hamming({column}_l, {column}_r) = 2 AND damerau_levenshtein({column}_l, {column}_r) = 1",
        label_for_charts=f"{label}: {TRANSPOSED}",
    )
    trap = cll.And(cll.ExactMatchLevel(prefix), cll.Not(cll.ExactMatchLevel(serial)))
    trap.configure(label_for_charts=f"{label}: {TRAP}")
    levels = [cll.ExactMatchLevel(column), transposed, trap, cll.ElseLevel()]
    # m is domain knowledge (ID_M), fixed: EM must not move it (see calibrate).
    for level, m in zip(levels, ID_M.values(), strict=True):
        level.configure(m_probability=m, fix_m_probability=True)
    return cl.CustomComparison(output_column_name=column, comparison_levels=[cll.NullLevel(column), *levels])


TRANSPOSED = "two adjacent digits swapped"
TRAP = "same 12-digit prefix, another serial"
# m and u of the identifier levels, set by hand (domain knowledge, docs/dedup.md) because training
# cannot see them right: a duplicate registration keeps its NIK or mistypes it (swapped digits);
# random pairs never share a NIK (u of exact/transposed is about 1/records); and the TRAP level
# repeats the birth date and sex that the birth-date comparison already counts, so its u is the
# chance that two different people born the same day share the district and sex (about 10^-3),
# and it weighs against a match.
ID_M = {"exact": 0.70, "transposed": 0.20, "trap": 1e-5, "else": 0.09999}
TRAP_U = 1e-3


def _region_comparison(column: str) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import ColumnExpression

    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column),
            cll.ExactMatchLevel(ColumnExpression(column).substr(1, 6)),
            cll.ExactMatchLevel(ColumnExpression(column).substr(1, 4)),
            cll.ElseLevel(),
        ],
    )


def person_settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.JaroWinklerAtThresholds("full_name", [0.95, 0.88, 0.80]),
            _id_comparison("nik", "NIK"),
            cl.DateOfBirthComparison("birth_date", input_is_string=False),
            cl.ExactMatch("sex"),
            _region_comparison("village_code"),
        ],
        # Recall is decided here: a pair no rule brings together is never scored. A copied NIK;
        # a typo in the serial (same district, birth date and sex: the 12-digit prefix); the
        # same birth date, sex and first letter of the name (a typo or a transposed NIK rarely
        # touch those: 0.7 M pairs at 10^6 persons, where birth date and serial alone give 24 M
        # because most serials are 0001); the same first name and birth date (no NIK, wrong sex);
        # the same full name in the same village (a wrong birth date).
        blocking_rules_to_generate_predictions=[
            block_on("nik"),
            block_on("nik_prefix"),
            block_on("birth_date", "sex", "first_letter"),
            block_on("birth_date", "first_token"),
            block_on("full_name", "village_code"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
    )


# Households: the registry holds too few known duplicate families to learn m by EM, so the m
# probabilities (how often a true duplicate family shows each level) are set by hand, and only u
# (how often two different families do) is estimated from the data. Order: the non-null levels.
HOUSEHOLD_M = {
    "kk_number": [0.70, 0.20, 1e-5, 0.09999],
    "head_name": [0.75, 0.12, 0.06, 0.07],
    "head_nik": [0.70, 0.20, 1e-5, 0.09999],
    "address": [0.60, 0.15, 0.10, 0.15],
    "rt_rw": [0.85, 0.15],
    "village_code": [0.80, 0.10, 0.05, 0.05],
}
HOUSEHOLD_PRIOR = 1e-5  # about one family in 10^5 registered twice


def household_settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    comparisons = [
        _id_comparison("kk_number", "KK"),
        cl.JaroWinklerAtThresholds("head_name", [0.95, 0.88]),
        _id_comparison("head_nik", "NIK"),
        cl.JaroWinklerAtThresholds("address", [0.95, 0.85]),
        cl.ExactMatch("rt_rw"),
        _region_comparison("village_code"),
    ]
    for c, m in zip(comparisons, HOUSEHOLD_M.values(), strict=True):
        c.configure(m_probabilities=m)
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=HOUSEHOLD_PRIOR,
        comparisons=comparisons,
        # The same KK; a typo in its serial; the same head's NIK; the same head born the same day
        # with the same first name; the same address in the same village.
        blocking_rules_to_generate_predictions=[
            block_on("kk_number"),
            block_on("kk_prefix"),
            block_on("head_nik"),
            block_on("head_birth_date", "head_first_token"),
            block_on("village_code", "address"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=True,
    )


# The derived columns each linker blocks and compares on, computed once in DuckDB.
PERSON_PREPARE = """
CREATE OR REPLACE TABLE dd_person AS
SELECT unique_id,
       nullif(trim(regexp_replace(upper(full_name), '\\s+', ' ', 'g')), '') AS full_name,
       split_part(trim(upper(full_name)), ' ', 1) AS first_token,
       substr(trim(upper(full_name)), 1, 1) AS first_letter,
       CASE WHEN regexp_full_match(nik, '[0-9]{{16}}') THEN nik END AS nik,
       CASE WHEN regexp_full_match(nik, '[0-9]{{16}}') THEN substr(nik, 1, 12) END AS nik_prefix,
       CASE WHEN regexp_full_match(nik, '[0-9]{{16}}') THEN substr(nik, 13, 4) END AS nik_serial,
       birth_date,
       year(birth_date) AS birth_year,
       sex,
       village_code
FROM {source}
"""

HOUSEHOLD_PREPARE = """
CREATE OR REPLACE TABLE dd_household AS
SELECT unique_id,
       CASE WHEN regexp_full_match(kk_number, '[0-9]{{16}}') THEN kk_number END AS kk_number,
       CASE WHEN regexp_full_match(kk_number, '[0-9]{{16}}') THEN substr(kk_number, 1, 12) END AS kk_prefix,
       nullif(trim(upper(head_name)), '') AS head_name,
       split_part(trim(upper(head_name)), ' ', 1) AS head_first_token,
       CASE WHEN regexp_full_match(head_nik, '[0-9]{{16}}') THEN head_nik END AS head_nik,
       head_birth_date,
       nullif(trim(regexp_replace(upper(address), '[^A-Z0-9 ]', '', 'g')), '') AS address,
       nullif(coalesce(rt, '') || '/' || coalesce(rw, ''), '/') AS rt_rw,
       village_code
FROM {source}
"""


def _model_paths(kind: str, model_dir: Path | None) -> tuple[Path | None, Path]:
    """(the trained model of this installation if any, the shipped one)."""
    name = f"{kind.lower()}.json"
    local = model_dir / name if model_dir is not None else None
    return (local if local is not None and local.exists() else None), SHIPPED_MODELS / name


def model_version(model: dict[str, Any]) -> str:
    blob = json.dumps(model, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def _db_api(con: duckdb.DuckDBPyConnection, backend: str) -> Any:
    if backend == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI(connection=con)
    if backend == "spark":
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise DomainError(
                "Backend spark memerlukan paket pyspark (tidak terpasang); gunakan --backend duckdb "
                "atau pasang pyspark pada mesin kluster (docs/dedup.md)."
            ) from None
        from splink import SparkAPI

        return SparkAPI(spark_session=SparkSession.builder.getOrCreate())
    raise DomainError(f"Backend tidak dikenal: {backend!r} (duckdb atau spark).")


def _register(db_api: Any, con: duckdb.DuckDBPyConnection, table: str, backend: str) -> Any:
    if backend == "duckdb":
        return db_api.register(table)
    # Spark: hand the prepared rows over as Arrow batches (the cluster reads them once).
    arrow = con.sql(f"SELECT * FROM {table}").to_arrow_table()
    spark = db_api.spark
    return db_api.register(spark.createDataFrame(arrow.to_pylist()))


def _levels(model: dict[str, Any]) -> dict[str, list[tuple[float, str]]]:
    """(match weight, label) of every level of every comparison: log2(m/u), 0 for the null level."""
    out: dict[str, list[tuple[float, str]]] = {}
    for comp in model["comparisons"]:
        levels = []
        for lv in comp["comparison_levels"]:
            label = lv.get("label_for_charts") or lv["sql_condition"]
            m, u = lv.get("m_probability"), lv.get("u_probability")
            if lv.get("is_null_level"):
                levels.append((0.0, label))
            elif m and u:
                levels.append((math.log2(m / u), label))
        out[comp["output_column_name"]] = levels
    return out


def _train(linker: Any, kind: str, timings: dict[str, float], progress: Progress) -> bool:
    """Train the linker; False when m could not be learnt (EM had no pairs) and must come from the
    shipped model."""
    from splink import block_on

    t = time.perf_counter()
    if kind == HOUSEHOLD:  # m and the prior are set by hand (HOUSEHOLD_M): u only
        linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
        timings["train_u"] = round(time.perf_counter() - t, 2)
        progress("train", 55)
        return True
    deterministic = [block_on("nik", "birth_date"), block_on("full_name", "birth_date", "sex")]
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    progress("train", 15)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    timings["train_u"] = round(time.perf_counter() - t, 2)
    progress("train", 40)
    t = time.perf_counter()
    # EM on pairs sharing a NIK trains name, birth date, sex and village (the NIK's own m is fixed:
    # ID_M). The registry itself never holds two ACTIVE persons with one NIK (a database
    # constraint), so there no such pair exists: EM on "same birth date and first name" instead
    # was measured to learn that namesakes born the same day are one person (precision 0.72), so
    # the m of the shipped model are kept and only u and the prior are the registry's own.
    from splink.internals.exceptions import EMTrainingException

    try:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("nik"))
    except EMTrainingException:
        timings["train_em"] = 0.0
        progress("train", 55)
        return False
    timings["train_em"] = round(time.perf_counter() - t, 2)
    progress("train", 55)
    return True


def _keep_m(model: dict[str, Any], shipped: dict[str, Any]) -> None:
    """The m probabilities of the shipped model, level by level, into a model trained without EM."""
    source = {c["output_column_name"]: c["comparison_levels"] for c in shipped["comparisons"]}
    for comp in model["comparisons"]:
        for mine, theirs in zip(comp["comparison_levels"], source[comp["output_column_name"]], strict=True):
            if "m_probability" in theirs:
                mine["m_probability"] = theirs["m_probability"]


ID_COLUMNS = ("nik", "kk_number", "head_nik")
M_FLOOR = 1e-3


def calibrate(model: dict[str, Any], records: int) -> None:
    """After training: the identifier levels get ID_M / TRAP_U (see there); no other level keeps an
    m below M_FLOOR (the synthetic duplicates never have a wrong birth date, which would make one
    impossible: -30 bits)."""
    rare = 1.0 / max(records, 1000)
    for comp in model["comparisons"]:
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        if comp["output_column_name"] in ID_COLUMNS:
            exact, transposed, trap, other = levels
            exact["m_probability"], exact["u_probability"] = (
                ID_M["exact"],
                max(exact.get("u_probability") or 0, rare),
            )
            transposed["m_probability"], transposed["u_probability"] = ID_M["transposed"], rare
            trap["m_probability"], trap["u_probability"] = ID_M["trap"], TRAP_U
            other["m_probability"] = ID_M["else"]
            other["u_probability"] = 1 - exact["u_probability"] - transposed["u_probability"] - TRAP_U
            continue
        for lv in levels:
            if lv.get("m_probability") is not None and lv["m_probability"] < M_FLOOR:
                lv["m_probability"] = M_FLOOR


def run_linkage(
    con: duckdb.DuckDBPyConnection,
    *,
    kind: str,
    source: str,
    threshold: float,
    model_dir: Path | None = None,
    retrain: bool = False,
    backend: str = "duckdb",
    on_progress: Progress | None = None,
) -> EngineResult:
    """Find duplicate pairs among the rows of `source` (a table or view in `con` with the columns of
    PERSON_INPUT or HOUSEHOLD_INPUT) with match probability >= threshold."""
    from splink import Linker

    progress = on_progress or (lambda phase, percent: None)
    if not 0 < threshold < 1:
        raise DomainError("Ambang probabilitas harus di antara 0 dan 1.")
    prepare, table, make = (
        (PERSON_PREPARE, "dd_person", person_settings)
        if kind == PERSON
        else (HOUSEHOLD_PREPARE, "dd_household", household_settings)
    )
    timings: dict[str, float] = {}
    t = time.perf_counter()
    con.sql(prepare.format(source=source))
    records = con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    timings["prepare"] = round(time.perf_counter() - t, 2)
    progress("prepare", 5)
    local, shipped = _model_paths(kind, model_dir)
    if records < 2:  # nothing to compare (an empty registry): no model, no pairs
        empty = pa.table({"unique_id_l": pa.array([], pa.int64()), "unique_id_r": pa.array([], pa.int64())})
        return EngineResult(kind=kind, pairs=empty, records=int(records), model_version="", trained=False)
    trained = retrain or (local is None and not shipped.exists())
    db_api = _db_api(con, backend)
    sdf = _register(db_api, con, table, backend)
    if trained:
        linker = Linker(sdf, make(), log_level=logging.ERROR)
        learnt_m = _train(linker, kind, timings, progress)
        model = linker.misc.save_model_to_json()
        if not learnt_m:
            _keep_m(model, json.loads(shipped.read_text()))
        calibrate(model, records)
        if model_dir is not None:
            model_dir.mkdir(parents=True, exist_ok=True)
            (model_dir / f"{kind.lower()}.json").write_text(json.dumps(model, indent=1))
        linker = Linker(sdf, model, log_level=logging.ERROR)
    else:
        model = json.loads((local or shipped).read_text())
        linker = Linker(sdf, model, log_level=logging.ERROR)
    progress("predict", 60)
    t = time.perf_counter()
    pred = linker.inference.predict(threshold_match_probability=threshold)
    weights = [f"mw_{c['output_column_name']}" for c in model["comparisons"]]
    cols = ["unique_id_l", "unique_id_r", "match_probability", "match_weight", *weights]
    pairs = (
        pred.as_pyarrow_table()
        .select(cols)
        .sort_by([("unique_id_l", "ascending"), ("unique_id_r", "ascending")])
    )
    pred.drop_table_from_database_and_remove_from_cache()
    timings["predict"] = round(time.perf_counter() - t, 2)
    progress("predict", 90)
    return EngineResult(
        kind=kind,
        pairs=pairs,
        records=int(records),
        model_version=f"{kind.lower()}-{model_version(model)}",
        trained=trained,
        timings=timings,
        levels=_levels(model),
    )
