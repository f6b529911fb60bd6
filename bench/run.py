"""`make bench`: the registry's bulk paths at 10^6 households on PostgreSQL, each beside the raw
database operation measured in the same run. Not part of `make test`.

1. generate 1,000,000 households once (cached in bench/cache/, with its own time and memory);
2. a raw COPY of the same two files into bare text tables;
3. `sejahtera import` of the same files into an empty registry (staging, validation,
   constraints, indexes, promotion, audit) in a fresh database;
4. the release cycle on the registry just imported (bench/release.py: events, proposals, build,
   publish, diff, beside the bare snapshot statements; the builds score the releases);
5. targeting, programs and payments on the last release (bench/benefits.py: scoring, a PKH tahap
   and a BPNT disbursement, payment batches and their files, beside the bare INSERT ... SELECT);
writes bench/results/import.json, release.json and benefits.json and prints Markdown tables for
docs/performance.md.

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/sejahtera_bench; the
database is dropped and created), BENCH_HOUSEHOLDS (default 1000000).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "cache"
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
N = int(os.environ.get("BENCH_HOUSEHOLDS", "1000000"))
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sejahtera_bench")


# A wrapper process with a single child: its RUSAGE_CHILDREN is that child's own peak memory.
_WRAP = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[2:]); "
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
    "sys.exit(r.returncode)"
)


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """(seconds, peak RSS of the command in MB, stdout)."""
    peak_file = RESULTS / ".peak"
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _WRAP, str(peak_file), *cmd],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    peak_mb = int(peak_file.read_text()) // 1024
    peak_file.unlink()
    return seconds, peak_mb, proc.stdout


class ServerMemory:
    """Samples the summed RSS of the PostgreSQL server's processes while a command runs (shared
    buffers are counted once per process that touched them, so this overstates a little)."""

    def __init__(self) -> None:
        self.peak_mb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        total = 0
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            if "\nName:\tpostgres" in "\n" + text:
                for line in text.splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        return total // 1024

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.peak_mb = max(self.peak_mb, self._sample())

    def __enter__(self) -> ServerMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def psql(sql: str, db: str | None = None) -> str:
    u = urlparse(URL)
    cmd = [
        "psql",
        "-X",
        "-q",
        "-t",
        "-A",
        "-h",
        u.hostname or "127.0.0.1",
        "-p",
        str(u.port or 5432),
        "-U",
        u.username or "postgres",
        "-d",
        db or u.path.lstrip("/"),
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        sql,
    ]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def generated() -> dict[str, float]:
    out = CACHE / f"hh{N}"
    meta = out / "meta.json"
    if meta.exists():
        return json.loads(meta.read_text())
    seconds, peak, stdout = run(
        [
            str(BIN / "sejahtera"),
            "generate",
            "--households",
            str(N),
            "--region",
            "32",
            "--seed",
            "7",
            "--dirty",
            "0.01",
            "--out",
            str(out),
            "--json",
        ]
    )
    info = json.loads(stdout.strip().splitlines()[-1])
    data = {
        "seconds": round(seconds, 1),
        "peak_rss_mb": peak,
        "households": info["households"],
        "persons": info["persons"],
        "bytes": sum(f.stat().st_size for f in out.glob("*.csv")),
    }
    meta.write_text(json.dumps(data))
    return data


def raw_copy(files: Path) -> float:
    """COPY of both files into bare text tables: the floor for any import."""
    hh = (files / "households.csv").open().readline().strip().split(",")
    ps = (files / "persons.csv").open().readline().strip().split(",")
    psql("DROP TABLE IF EXISTS raw_hh, raw_ps")
    psql(f"CREATE TABLE raw_hh ({', '.join(c + ' text' for c in hh)})")
    psql(f"CREATE TABLE raw_ps ({', '.join(c + ' text' for c in ps)})")
    t = time.perf_counter()
    psql(f"\\copy raw_hh FROM '{files / 'households.csv'}' WITH (FORMAT csv, HEADER true)")
    psql(f"\\copy raw_ps FROM '{files / 'persons.csv'}' WITH (FORMAT csv, HEADER true)")
    seconds = time.perf_counter() - t
    psql("DROP TABLE raw_hh, raw_ps")
    return seconds


def main() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    gen = generated()
    files = CACHE / f"hh{N}"
    u = urlparse(URL)
    db = u.path.lstrip("/")
    psql(f"DROP DATABASE IF EXISTS {db}", db="postgres")
    psql(f"CREATE DATABASE {db}", db="postgres")
    env = {"DATABASE_URL": URL}
    run([str(BIN / "sejahtera"), "migrate", "--no-input", "-v0"], env)
    run([str(BIN / "sejahtera"), "regions", "load"], env)
    psql("CHECKPOINT")
    copy_s = raw_copy(files)
    psql("CHECKPOINT")
    import_cmd = [
        str(BIN / "sejahtera"),
        "import",
        str(files / "households.csv"),
        str(files / "persons.csv"),
        "--json",
    ]
    with ServerMemory() as server:
        imp_s, imp_peak, stdout = run(import_cmd, env)
    summary = json.loads(stdout.strip().splitlines()[-1])
    rows = gen["households"] + gen["persons"]
    again_s, _, stdout2 = run(
        [
            str(BIN / "sejahtera"),
            "import",
            str(files / "households.csv"),
            str(files / "persons.csv"),
            "--json",
        ],
        env,
    )
    again = json.loads(stdout2.strip().splitlines()[-1])
    result = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.node()} {os.cpu_count()} cores, "
        f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, "
        f"{psql('SHOW server_version')} (default configuration)",
        "households": gen["households"],
        "persons": gen["persons"],
        "generate_seconds": gen["seconds"],
        "generate_peak_rss_mb": gen["peak_rss_mb"],
        "raw_copy_seconds": round(copy_s, 1),
        "import_seconds": round(imp_s, 1),
        "import_rows_per_second": round(rows / imp_s),
        "import_peak_rss_mb": imp_peak,
        "postgres_server_peak_rss_mb": server.peak_mb,
        "import_to_raw_copy_ratio": round(imp_s / copy_s, 1),
        "import_summary": summary,
        "reimport_seconds": round(again_s, 1),
        "reimport_summary": again,
    }
    (RESULTS / "import.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"""
| path | rows | time | rows/s | peak RSS | raw DB operation | ratio |
|---|---|---|---|---|---|---|
| generate (households.csv + persons.csv) | {rows:,} | {gen["seconds"]} s | {round(rows / gen["seconds"]):,} | {gen["peak_rss_mb"]} MB | - | - |
| import into an empty registry | {rows:,} | {imp_s:.1f} s | {round(rows / imp_s):,} | {imp_peak} MB (server {server.peak_mb} MB) | raw COPY {copy_s:.1f} s | {imp_s / copy_s:.1f}x |
| re-import of the same files (changes nothing) | {rows:,} | {again_s:.1f} s | {round(rows / again_s):,} | - | raw COPY {copy_s:.1f} s | {again_s / copy_s:.1f}x |
""")
    for script in ("release.py", "benefits.py", "dedup.py"):  # dedup.py: issue 6 §5, no database
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / script)],
            env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "sejahtera.config.settings"},
            check=True,
        )


if __name__ == "__main__":
    main()
