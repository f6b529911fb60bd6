"""Duplicate detection at 10^6 persons (issue 6 §5), part of `make bench`.

1. generate ~1,000,000 persons with injected duplicates (`sejahtera generate --dirty`, cached in
   bench/cache/; 250,000 households of Jawa Barat give about 1.0 M persons);
2. load persons.csv (with each person's village from households.csv) straight into DuckDB;
3. the raw baseline in the same run: DuckDB's bare self-join on the blocking keys (the distinct
   candidate pairs, no comparison, no model);
4. the product's engine (sejahtera.quality.dedup.engine.run_linkage): once training the model
   (u by random sampling, EM) and predicting, then once more predicting with the saved model (a
   routine `sejahtera dedup run`);
5. scored against truth.csv at the product's threshold: a true pair is two rows of the same
   person — an original and its copy (problem duplicate_typo: name typo, NIK with two digits
   swapped in 60 %; two_households: an exact copy in another family), and two copies of one
   original. invalid_nik and deceased_listed rows are not duplicates.
Writes bench/results/dedup.json and prints a Markdown table for docs/performance.md.

Alone: `.venv/bin/python bench/dedup.py` (BENCH_DEDUP_HOUSEHOLDS, default 250000; --threshold P).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sejahtera.quality.dedup import engine, generated  # noqa: E402
from sejahtera.quality.dedup.generated import score  # noqa: E402

CACHE = ROOT / "bench" / "cache"
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
HOUSEHOLDS = int(os.environ.get("BENCH_DEDUP_HOUSEHOLDS", "250000"))
DIRTY = 0.1  # 10 % of persons get a problem; half of the problems are duplicates (about 5 %)

# The blocking rules' candidate pairs as bare self-joins (the same keys as engine.person_settings).
BLOCKING_KEYS = (
    ("nik",),
    ("nik_prefix",),
    ("birth_date", "sex", "first_letter"),
    ("birth_date", "first_token"),
    ("full_name", "village_code"),
)


def bare_blocking_sql() -> str:
    joins = [
        "SELECT l.unique_id AS l, r.unique_id AS r FROM dd_person l JOIN dd_person r ON "
        + " AND ".join(f"l.{k} = r.{k}" for k in keys)
        + " AND l.unique_id < r.unique_id"
        for keys in BLOCKING_KEYS
    ]
    return "CREATE TABLE bare_pairs AS " + " UNION ".join(joins)


def peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def generated_files() -> tuple[Path, dict[str, float]]:
    out = CACHE / f"dedup{HOUSEHOLDS}"
    meta = out / "meta.json"
    if not meta.exists():
        t = time.perf_counter()
        proc = subprocess.run(
            [
                str(BIN / "sejahtera"),
                "generate",
                "--households",
                str(HOUSEHOLDS),
                "--region",
                "32",
                "--seed",
                "7",
                "--dirty",
                str(DIRTY),
                "--out",
                str(out),
                "--json",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        info = json.loads(proc.stdout.strip().splitlines()[-1])
        meta.write_text(json.dumps({"seconds": round(time.perf_counter() - t, 1), **info}))
    return out, json.loads(meta.read_text())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threshold", type=float, default=engine.DEFAULT_THRESHOLD)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    files, gen = generated_files()
    load_before = os.getloadavg()
    con = duckdb.connect()
    con.sql(f"SET threads = {args.threads}")

    t0 = time.perf_counter()
    persons = generated.load_persons(con, files)
    load_s = time.perf_counter() - t0
    generated.load_truth(con, files)

    model_dir = Path(tempfile.mkdtemp(prefix="dedup-bench-"))
    t = time.perf_counter()
    first = engine.run_linkage(
        con, kind=engine.PERSON, source="persons", threshold=args.threshold, model_dir=model_dir, retrain=True
    )
    first_s = time.perf_counter() - t
    peak_first = peak_mb()

    # The raw baseline: the blocking rules' candidate pairs as bare self-joins, and their recall.
    t = time.perf_counter()
    con.sql(bare_blocking_sql())
    bare_s = time.perf_counter() - t
    blocking = score(con, "bare_pairs")

    t = time.perf_counter()
    routine = engine.run_linkage(
        con, kind=engine.PERSON, source="persons", threshold=args.threshold, model_dir=model_dir
    )
    routine_s = time.perf_counter() - t
    load_after = os.getloadavg()

    con.register("first_arrow", first.pairs)
    con.sql(
        "CREATE TABLE first_pairs AS SELECT unique_id_l AS l, unique_id_r AS r, match_probability FROM first_arrow"
    )
    con.register("routine_arrow", routine.pairs)
    con.sql("CREATE TABLE routine_pairs AS SELECT unique_id_l AS l, unique_id_r AS r FROM routine_arrow")
    quality = score(con, "first_pairs")
    sweep = {}
    for p in (x for x in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999) if x >= args.threshold):
        con.sql(
            f"CREATE OR REPLACE TABLE sweep AS SELECT l, r FROM first_pairs WHERE match_probability >= {p}"
        )
        sweep[str(p)] = {
            k: v for k, v in score(con, "sweep").items() if k in ("pairs", "precision", "recall")
        }
    result = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.node()} {os.cpu_count()} cores, "
        f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, "
        f"DuckDB {duckdb.__version__}, {args.threads} threads",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "generated": gen,
        "persons": persons,
        "threshold": args.threshold,
        "load_csv_seconds": round(load_s, 2),
        "bare_blocking_join_seconds": round(bare_s, 2),
        "blocking": blocking,
        "train_and_predict": {
            "seconds": round(first_s, 2),
            "seconds_with_load": round(first_s + load_s, 2),
            "timings": first.timings,
            "peak_rss_mb": peak_first,
            "model_version": first.model_version,
            **quality,
        },
        "routine_predict": {
            "seconds": round(routine_s, 2),
            "timings": routine.timings,
            "pairs": routine.pairs.num_rows,
            **{k: v for k, v in score(con, "routine_pairs").items() if k in ("precision", "recall")},
        },
        "threshold_sweep": sweep,
        "peak_rss_mb": peak_mb(),
    }
    (RESULTS / "dedup.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    tp = result["train_and_predict"]
    print(f"""
| duplicate detection, {persons:,} persons | time | peak RSS | precision | recall |
|---|---|---|---|---|
| load persons.csv into DuckDB | {load_s:.1f} s | - | - | - |
| bare self-join on the blocking keys (raw baseline) | {bare_s:.1f} s | - | {blocking["precision"]} | {blocking["recall"]} |
| train + predict (`dedup run --retrain`) | {first_s:.1f} s | {peak_first} MB | {tp["precision"]} | {tp["recall"]} |
| predict with the saved model (`dedup run`) | {routine_s:.1f} s | {result["peak_rss_mb"]} MB | - | - |
""")


if __name__ == "__main__":
    main()
