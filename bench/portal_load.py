"""The public check under load (issue 5 §6): `GET /api/v1/public/check` at 10^6 households.

`make bench-portal` (not part of `make test` or CI). Steps:
1. build (once; skipped when the database already has a published release): a database of its own
   (BENCH_PORTAL_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/sejahtera_portal_bench)
   with the 10^6-household registry of bench/run.py (the same generated files in bench/cache/,
   generated when missing), imported, released and published, a PKH and a BPNT tahap run,
   their payment batches made, approved, and part of the payments marked paid or failed;
2. the request mix: villages and names drawn from the release (existing names, the same names
   with one letter changed, dropped or doubled, and absent names), written to a wrk Lua script;
3. gunicorn as README "Production set-up" documents it (PostgreSQL, Redis cache, WORKERS sync
   workers), an API key for the bench (the API-key path has its own limits: see docs/portal.md;
   they are raised here only so that one key can drive 300+ requests/s, and said so in the result);
4. wrk on loopback with 1, 10 and 50 connections (one thread per 25), DURATION seconds each after
   a warm-up; throughput and latency percentiles, the load average during each run, and the
   error and non-2xx counts;
5. the raw database baseline: the same lookup statement the check runs, executed by psycopg
   directly in a loop on one connection (no HTTP, no Django), for the same request mix.
Writes bench/results/portal.json and prints a Markdown table for docs/performance.md.

Environment: BENCH_PORTAL_DATABASE_URL, BENCH_HOUSEHOLDS (1000000), REDIS_URL
(redis://127.0.0.1:6379/3), BENCH_PORTAL_WORKERS (4), BENCH_PORTAL_DURATION (20 s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "cache"
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
N = int(os.environ.get("BENCH_HOUSEHOLDS", "1000000"))
URL = os.environ.get("BENCH_PORTAL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sejahtera_portal_bench")
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3")
WORKERS = int(os.environ.get("BENCH_PORTAL_WORKERS", "4"))
DURATION = int(os.environ.get("BENCH_PORTAL_DURATION", "20"))
PORT = 8765
API_KEY = "bench-portal-key"
MIX = {"existing": 0.6, "misspelt": 0.25, "absent": 0.15}
ABSENT = ["BUDI HARTONO SAPUTRA", "YOHANES KRISTIANTO", "MARGARETHA SIMANJUNTAK", "I KETUT WIRAWAN"]


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": URL,
        "DJANGO_SETTINGS_MODULE": "sejahtera.config.settings",
        "REDIS_URL": REDIS,
        "DJANGO_DEBUG": "0",
        "SEJAHTERA_PUBLIC_API_KEYS": API_KEY,
        # One key drives the whole bench: its own per-key limit (default 60000/60) is kept; the
        # per-key-and-village limit too (the mix spreads over thousands of villages).
    }


def psql(sql: str, db: str | None = None) -> str:
    u = urlparse(URL)
    cmd = ["psql", "-X", "-q", "-t", "-A", "-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432)]
    cmd += [
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


def sejahtera(*args: str) -> str:
    proc = subprocess.run([str(BIN / "sejahtera"), *args], env=env(), capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"failed: sejahtera {' '.join(args)}")
    return proc.stdout


# --- 1. the database ------------------------------------------------------------------------------
def has_published_release() -> bool:
    db = urlparse(URL).path.lstrip("/")
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'", db="postgres") != "1":
        return False
    try:
        return psql("SELECT count(*) FROM updates_release WHERE status = 'PUBLISHED'") not in ("", "0")
    except subprocess.CalledProcessError:
        return False


def build() -> dict[str, float]:
    """The registry, a published release and the payments of two programs (setup, timed only so
    that the reader knows what it costs)."""
    timings: dict[str, float] = {}
    files = CACHE / f"hh{N}"
    t = time.perf_counter()
    if not (files / "persons.csv").exists():
        sejahtera(
            "generate", "--households", str(N), "--region", "32", "--seed", "7", "--dirty", "0.01",
            "--out", str(files),
        )  # fmt: skip
    timings["generate"] = round(time.perf_counter() - t, 1)
    db = urlparse(URL).path.lstrip("/")
    psql(f"DROP DATABASE IF EXISTS {db}", db="postgres")
    psql(f"CREATE DATABASE {db}", db="postgres")
    for step, args in (
        ("migrate", ["migrate", "--no-input", "-v0"]),
        ("regions", ["regions", "load"]),
        ("import", ["import", str(files / "households.csv"), str(files / "persons.csv"), "--json"]),
    ):
        t = time.perf_counter()
        sejahtera(*args)
        timings[step] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    subprocess.run([sys.executable, __file__, "_release_and_payments"], env=env(), check=True)
    timings["release_and_payments"] = round(time.perf_counter() - t, 1)
    psql("VACUUM ANALYZE")
    return timings


def _release_and_payments() -> None:
    """Inside Django: build and publish a release, run PKH and BPNT, make and approve their
    batches, then mark 70% of the payments paid and 3% failed (as a channel's status file would)."""
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from sejahtera.accounts.models import User
    from sejahtera.payments.services.accounts import accounts_generate
    from sejahtera.payments.services.batches import batch_approve, batches_create
    from sejahtera.programs.services.runs import programs_run
    from sejahtera.updates import services

    def user(username: str, role: str) -> Any:
        return User.objects.get_or_create(username=username, defaults={"role": role})[0]

    builder, publisher = user("bench_pusat", "CENTRAL_DATA"), user("bench_pusat_penetap", "CENTRAL_DATA")
    pm, pm2 = user("bench_pm", "PROGRAM_MANAGER"), user("bench_pm2", "PROGRAM_MANAGER")
    today = timezone.localdate()
    period = f"{today.year}-{(today.month - 1) // 3 * 3 + 1:02d}"
    release = services.release_build(actor=builder, period=period)
    services.release_publish(actor=publisher, number=release.number, decree_number="KEP-BENCH/HUK/2026")
    accounts_generate(actor=pm, share=0.7)
    for code in ("PKH", "BPNT"):
        programs_run(actor=pm, program_code=code, period=period)
        for batch in batches_create(actor=pm, program_code=code, period=period):
            batch_approve(actor=pm2, batch=batch)
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE payments_payment SET status = CASE WHEN id % 100 < 70 THEN 'PAID' "
            "WHEN id % 100 < 73 THEN 'FAILED' ELSE status END, status_date = CURRENT_DATE"
        )


# --- 2. the request mix ---------------------------------------------------------------------------
def misspell(name: str, rng: random.Random) -> str:
    """One letter changed, dropped or doubled, away from the first letter."""
    letters = [i for i, ch in enumerate(name) if ch.isalpha() and i > 0]
    i = rng.choice(letters)
    kind = rng.choice(("change", "drop", "double"))
    if kind == "change":
        return name[:i] + rng.choice("AEIOUNRST".replace(name[i], "")) + name[i + 1 :]
    if kind == "drop":
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i] + name[i:]


def request_mix(count: int = 4000, seed: int = 11) -> list[tuple[str, str, str]]:
    """(kind, village, name) drawn from the published release: one person per sampled household."""
    rng = random.Random(seed)
    rows = psql(
        "SELECT h.village_code, p.full_name FROM updates_releasehousehold h "
        "JOIN updates_releaseperson p ON p.release_id = h.release_id AND p.household_id = h.household_id "
        "WHERE h.release_id = (SELECT max(id) FROM updates_release WHERE status = 'PUBLISHED') "
        f"AND p.relationship = 'HEAD' ORDER BY md5(p.person_id::text) LIMIT {count}"
    ).splitlines()
    people = [tuple(r.split("|", 1)) for r in rows if "|" in r]
    mix: list[tuple[str, str, str]] = []
    for village, name in people:
        r = rng.random()
        if r < MIX["existing"]:
            mix.append(("existing", village, name))
        elif r < MIX["existing"] + MIX["misspelt"] and sum(ch.isalpha() for ch in name) >= 5:
            mix.append(("misspelt", village, misspell(name, rng)))
        elif r < MIX["existing"] + MIX["misspelt"]:
            mix.append(("existing", village, name))  # too short to misspell and stay searchable
        else:
            mix.append(("absent", village, rng.choice(ABSENT)))
    return mix


def lua_script(mix: list[tuple[str, str, str]], path: Path) -> None:
    urls = [f"/api/v1/public/check?village={v}&name={quote(n)}" for _, v, n in mix]
    body = ",\n".join(json.dumps(u) for u in urls)
    path.write_text(
        "-- generated by bench/portal_load.py: the request mix, one URL per request in turn\n"
        f"local urls = {{\n{body}\n}}\n"
        "local i = 0\n"
        f'wrk.headers["X-API-Key"] = "{API_KEY}"\n'
        "request = function()\n"
        "  i = i % #urls + 1\n"
        '  return wrk.format("GET", urls[i])\n'
        "end\n"
        "done = function(summary, latency, requests)\n"
        "  local s = {}\n"
        "  for _, p in ipairs({50, 90, 95, 99, 99.9}) do s[#s + 1] = string.format('\"p%s\": %d', p, latency:percentile(p)) end\n"
        '  io.write(string.format(\'RESULT {%s, "mean": %d, "max": %d, "requests": %d, "non2xx": %d, \'\n'
        "    .. '\"errors\": %d, \"seconds\": %.3f}\\n', table.concat(s, ', '), latency.mean, latency.max,\n"
        "    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read\n"
        "    + summary.errors.write + summary.errors.timeout, summary.duration / 1e6))\n"
        "end\n"
    )


# --- 3-4. the server and the load ------------------------------------------------------------------
def gunicorn() -> subprocess.Popen[bytes]:
    cmd = [
        str(BIN / "gunicorn"), "sejahtera.config.wsgi:application",
        "--bind", f"127.0.0.1:{PORT}", "--workers", str(WORKERS), "--worker-class", "sync",
        "--backlog", "2048", "--access-logfile", "-", "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/publik/", timeout=2).read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def server_pids(gunicorn_pid: int) -> list[int]:
    """The gunicorn master and workers, the PostgreSQL backends of the bench database, Redis."""
    pids = [gunicorn_pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] == str(gunicorn_pid):
                pids.append(int(stat.parent.name))
        except (OSError, IndexError):
            continue
    db = urlparse(URL).path.lstrip("/")
    pids += [int(p) for p in psql(f"SELECT pid FROM pg_stat_activity WHERE datname = '{db}'").split() if p]
    pids += [
        int(p)
        for p in subprocess.run(["pidof", "redis-server"], capture_output=True, text=True).stdout.split()
    ]
    return pids


def cpu_ticks(pids: list[int]) -> dict[int, int]:
    return {p: _ticks(p) for p in pids}


def cpu_seconds_since(before: dict[int, int], pids: list[int]) -> float:
    """CPU the processes used since `before` (a process started since counts whole)."""
    return sum(_ticks(p) - before.get(p, 0) for p in pids) / os.sysconf("SC_CLK_TCK")


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def wrk(connections: int, seconds: int, script: Path, server: int = 0) -> dict[str, Any]:
    threads = max(1, min(2, connections // 25 + 1))
    samples: list[float] = []
    cpu0, own0 = cpu_ticks(server_pids(server)) if server else {}, os.times()
    proc = subprocess.Popen(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "5s",
         "-s", str(script), f"http://127.0.0.1:{PORT}"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    while proc.poll() is None:
        time.sleep(1)
        samples.append(loadavg())
    out = proc.stdout.read() if proc.stdout else ""
    # CPU the server side used (gunicorn, its PostgreSQL backends, Redis) and wrk itself: what a
    # request costs whatever else runs on the machine.
    server_cpu = cpu_seconds_since(cpu0, server_pids(server)) if server else 0.0
    own1 = os.times()
    wrk_cpu = (own1.children_user - own0.children_user) + (own1.children_system - own0.children_system)
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT "))
    r = json.loads(line.removeprefix("RESULT "))
    cpu_ms = 1000 * server_cpu / max(1, r["requests"])
    return {
        "server_cpu_ms_per_request": round(cpu_ms, 2),
        "wrk_cpu_ms_per_request": round(1000 * wrk_cpu / max(1, r["requests"]), 2),
        # Requests/s two cores would carry for the server side alone (CPU-bound estimate).
        "cpu_bound_estimate_rps_on_2_cores": round(2000 / cpu_ms) if cpu_ms else None,
        "connections": connections,
        "threads": threads,
        "requests": r["requests"],
        "seconds": r["seconds"],
        "requests_per_second": round(r["requests"] / r["seconds"], 1),
        "p50_ms": round(r["p50"] / 1000, 2),
        "p90_ms": round(r["p90"] / 1000, 2),
        "p95_ms": round(r["p95"] / 1000, 2),
        "p99_ms": round(r["p99"] / 1000, 2),
        "p99_9_ms": round(r["p99.9"] / 1000, 2),
        "max_ms": round(r["max"] / 1000, 2),
        "mean_ms": round(r["mean"] / 1000, 2),
        "non_2xx": r["non2xx"],
        "socket_errors": r["errors"],
        "load_average_1min_max": max(samples) if samples else loadavg(),
        "load_average_1min_end": samples[-1] if samples else loadavg(),
    }


# --- 5. the raw database baseline -----------------------------------------------------------------
def raw_baseline(mix: list[tuple[str, str, str]]) -> dict[str, Any]:
    """The check's own lookup statement (portal.selectors), executed by psycopg on one connection
    for each request of the mix: the floor under any HTTP answer."""
    import psycopg

    sys.path.insert(0, str(ROOT))
    os.environ.update({k: v for k, v in env().items() if k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")})
    import django

    django.setup()
    from sejahtera.portal.selectors import MAX_RESULTS, SIMILARITY_THRESHOLD, _candidates_sql, normalise_name

    sql = _candidates_sql(with_similarity=True)
    with psycopg.connect(URL.replace("postgres://", "postgresql://")) as conn, conn.cursor() as cur:
        release_id = cur.execute("SELECT max(id) FROM updates_release WHERE status = 'PUBLISHED'").fetchone()[
            0
        ]
        times = []
        for _, village, name in mix:
            q = normalise_name(name)
            t = time.perf_counter()
            cur.execute(sql, [q, release_id, village, q, SIMILARITY_THRESHOLD, MAX_RESULTS])
            cur.fetchall()
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {
        "queries": len(times),
        "mean_ms": round(statistics.mean(times), 3),
        "p50_ms": round(times[len(times) // 2], 3),
        "p99_ms": round(times[int(len(times) * 0.99)], 3),
        "queries_per_second_one_connection": round(1000 / statistics.mean(times)),
    }


def machine() -> str:
    mem = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30)
    return f"{platform.node()} {os.cpu_count()} cores, {mem} GiB, PostgreSQL {psql('SHOW server_version')}"


def table(r: dict[str, Any]) -> str:
    lines = [
        "| concurrent clients | requests/s | p50 | p95 | p99 | max | non-2xx | load average (max, 1 min) "
        "| server CPU per request | CPU-bound estimate, 2 cores |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {x['connections']} | {x['requests_per_second']:,.0f} | {x['p50_ms']} ms | {x['p95_ms']} ms | "
        f"{x['p99_ms']} ms | {x['max_ms']} ms | {x['non_2xx']} | {x['load_average_1min_max']} | "
        f"{x['server_cpu_ms_per_request']} ms | {x['cpu_bound_estimate_rps_on_2_cores']} req/s |"
        for x in r["runs"]
    ]
    b = r["raw_baseline"]
    lines.append(
        f"| raw lookup statement, psycopg, 1 connection | {b['queries_per_second_one_connection']:,} | "
        f"{b['p50_ms']} ms | - | {b['p99_ms']} ms | - | - | - | - | - |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "step", nargs="?", default="all", choices=["all", "build", "run", "_release_and_payments"]
    )
    parser.add_argument("--connections", default="1,10,50")
    args = parser.parse_args()
    if args.step == "_release_and_payments":
        _release_and_payments()
        return
    result: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "households": N}
    if args.step in ("all", "build") and not has_published_release():
        result["build_seconds"] = build()
        print(json.dumps(result["build_seconds"]), flush=True)
    if args.step == "build":
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    mix = request_mix()
    script = RESULTS / ".portal_mix.lua"
    lua_script(mix, script)
    result.update(
        machine=machine(),
        workers=WORKERS,
        worker_class="sync",
        cache=REDIS,
        duration_seconds=DURATION,
        mix={k: sum(1 for m in mix if m[0] == k) for k in MIX},
        release_households=int(psql("SELECT households FROM updates_release WHERE status = 'PUBLISHED' ORDER BY number DESC LIMIT 1")),
        load_average_before=loadavg(),
    )  # fmt: skip
    subprocess.run(["redis-cli", "-u", REDIS, "FLUSHDB"], check=True, capture_output=True)
    server = gunicorn()
    try:
        wrk(10, 5, script)  # warm-up: every worker's connection, caches, plans
        result["runs"] = []
        for c in [int(x) for x in args.connections.split(",")]:
            subprocess.run(["redis-cli", "-u", REDIS, "FLUSHDB"], check=True, capture_output=True)
            result["runs"].append(wrk(c, DURATION, script, server.pid))
            print(json.dumps(result["runs"][-1]), flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    result["raw_baseline"] = raw_baseline(mix)
    goal = next((x for x in result["runs"] if x["connections"] == 50), None)
    if goal:
        result["goal_50_clients"] = {
            "p99_under_100_ms": goal["p99_ms"] < 100,
            "at_least_300_rps": goal["requests_per_second"] >= 300,
        }
    script.unlink(missing_ok=True)
    (RESULTS / "portal.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print()
    print(table(result))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
