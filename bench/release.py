"""The release cycle at 10^6 households on PostgreSQL (issue 3 §9), part of `make bench`: each figure
beside the raw database operation measured in the same run.

bench/run.py runs it right after the import, against the same database, calling the services:
1. baseline: build and publish the first release (two CENTRAL_DATA users, maker-checker);
2. setup, not measured: 50,000 APPROVED proposals on distinct households, written in bulk with
   their done verification tasks (20,000 household changes, 10,000 moves within the regency,
   8,000 deactivations, 5,000 added members, 7,000 new families of 3);
3. a file of 20,000 population events (8,000 deaths, 6,000 births into existing families,
   3,000 family moves, 3,000 persons moving out), applied with `events_apply`, then applied again
   (all duplicates: asserted);
4. `release_build` (apply the proposals, snapshot, diff), `release_publish`, and two reads of the
   stored diff: counts per regency, and an export-like iteration of every line;
5. the bare statements: the two snapshot SELECTs into new unindexed tables (CREATE TABLE ... AS).
Writes bench/results/release.json and prints a Markdown table for docs/performance.md.

Alone, on a database holding an imported registry and no release yet (it changes the registry):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sejahtera_bench .venv/bin/python bench/release.py

BENCH_HOUSEHOLDS below 1,000,000 scales the proposals and events down in proportion; --profile
prints the slowest SQL statements of each measured step; --json names the results file.
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import datetime as dt
import gc
import json
import os
import platform
import random
import resource
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import django

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "cache"
RESULTS = ROOT / "bench" / "results"
N = int(os.environ.get("BENCH_HOUSEHOLDS", "1000000"))
SCALE = min(1.0, N / 1_000_000)

# Issue 3 §9: the proposals of one release period and the population events arriving meanwhile.
PROPOSALS = {
    "HOUSEHOLD_CHANGE": 20_000,
    "MOVE": 10_000,
    "DEACTIVATE": 8_000,
    "MEMBER_ADD": 5_000,
    "NEW_HOUSEHOLD": 7_000,
}
EVENTS = {"deaths": 8_000, "births": 6_000, "family_moves": 3_000, "person_moves": 3_000}
NEW_FAMILY_SIZE = 3
MINUTES = "BA/BENCH/2026"
# The server settings that move these numbers, recorded with them.
SETTINGS = ["autovacuum", "shared_buffers", "work_mem", "max_wal_size", "synchronous_commit", "jit"]

# The snapshot's two SELECTs (updates/services/releases.py) into bare tables: no index, no
# constraint, no other statement around them.
BARE_HOUSEHOLDS = """
    CREATE TABLE bench_bare_hh AS
    SELECT 0 AS release_id, h.id AS household_id, h.kk_number, h.village_code, h.district_code,
           h.regency_code, h.province_code, m.n AS members, h.welfare_status, GREATEST(h.updated_at, m.v) AS version
    FROM registry_household h
    JOIN (SELECT household_id, COUNT(*) AS n, MAX(updated_at) AS v
          FROM registry_person WHERE status = 'ACTIVE' GROUP BY household_id) m
      ON m.household_id = h.id
    WHERE h.status = 'ACTIVE'
"""
# What a snapshot written into a table of its own would add: its indexes, built after the load.
BARE_INDEXES = (
    "CREATE UNIQUE INDEX ON bench_bare_hh (release_id, household_id)",
    "CREATE INDEX ON bench_bare_hh (release_id, regency_code)",
    "CREATE UNIQUE INDEX ON bench_bare_ps (release_id, person_id)",
    "CREATE INDEX ON bench_bare_ps (release_id, household_id)",
)
BARE_PERSONS = """
    CREATE TABLE bench_bare_ps AS
    SELECT 0 AS release_id, p.id AS person_id, p.household_id, p.nik, p.full_name, p.birth_date, p.sex,
           p.relationship, p.disability_severity, p.pregnant, p.school_level, p.ppks_mask
    FROM registry_person p
    JOIN bench_bare_hh rh ON rh.household_id = p.household_id
    WHERE p.status = 'ACTIVE'
"""

# Households with at least two active members, in a fixed pseudo-random order, each with one
# member who is not the head (for deaths and persons moving out).
CANDIDATES = """
    SELECT h.id, h.village_code, h.kk_number, p.id, p.nik
    FROM registry_household h
    JOIN (SELECT household_id, COUNT(*) AS n, MAX(id) FILTER (WHERE relationship <> 'HEAD') AS member_id
          FROM registry_person WHERE status = 'ACTIVE' GROUP BY household_id) m
      ON m.household_id = h.id
    JOIN registry_person p ON p.id = m.member_id
    WHERE h.status = 'ACTIVE' AND m.n >= 2
    ORDER BY md5(h.id::text)
    LIMIT %s
"""


def scaled(counts: dict[str, int]) -> dict[str, int]:
    return {k: max(1, round(v * SCALE)) for k, v in counts.items()}


# --- measuring --------------------------------------------------------------------------------------
def _reset_peak() -> None:
    """Reset this process's peak resident memory (Linux), so each step reports its own: free what
    earlier steps left (the setup's 50,000 proposals) and give it back to the system first."""
    gc.collect()
    with suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


@dataclass
class Meter:
    """Wall seconds and peak memory of the Python process per step; with `profile`, every SQL
    statement's seconds too."""

    profile: bool = False
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    statements: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))

    @contextmanager
    def step(self, name: str) -> Iterator[dict[str, Any]]:
        from django.db import connection

        info: dict[str, Any] = {}
        timings = self.statements[name]

        def timed(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                timings.append((time.perf_counter() - start, " ".join(sql.split())[:150]))

        wrapper = connection.execute_wrapper(timed) if self.profile else nullcontext()
        _reset_peak()
        start, cpu = time.perf_counter(), time.process_time()
        with wrapper:
            yield info
        info["seconds"] = round(time.perf_counter() - start, 2)
        # This process's own CPU: the rest of the step is the database (or waiting for a core).
        info["python_cpu_seconds"] = round(time.process_time() - cpu, 2)
        info["peak_rss_mb"] = _peak_mb()
        # Other work on the machine: on 2 cores anything above ~1 slows the step down.
        info["load_average_1min"] = round(os.getloadavg()[0], 2)
        self.steps[name] = info
        print(f"{name}: {info['seconds']} s", flush=True)

    def report_profile(self, top: int = 8) -> None:
        for name, timings in self.statements.items():
            if not timings:
                continue
            grouped: dict[str, list[float]] = defaultdict(list)
            for seconds, sql in timings:
                grouped[sql[:90]].append(seconds)
            print(f"\n{name}: {len(timings)} statements, {sum(t for t, _ in timings):.2f} s in SQL")
            for sql, times in sorted(grouped.items(), key=lambda kv: -sum(kv[1]))[:top]:
                print(f"  {sum(times):8.2f} s  x{len(times):<6} {sql}")


def execute(sql: str, params: Any = None) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return int(cur.rowcount)


def fetch(sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


# --- setup: who, which periods, which villages -----------------------------------------------------
@dataclass
class Cast:
    builder: Any
    publisher: Any
    operator: Any
    verifier: Any


def cast() -> Cast:
    from sejahtera.accounts.models import User

    def user(username: str, role: str) -> Any:
        u, _ = User.objects.get_or_create(username=username, defaults={"role": role})
        return u

    return Cast(
        builder=user("bench_pusat", "CENTRAL_DATA"),
        publisher=user("bench_pusat_penetap", "CENTRAL_DATA"),
        operator=user("bench_desa", "VILLAGE_OPERATOR"),
        verifier=user("bench_verifikator", "VERIFIER"),
    )


def periods(today: dt.date) -> tuple[str, str]:
    """(previous quarter, current quarter): valid under the quarterly and the monthly cadence."""
    month = (today.month - 1) // 3 * 3 + 1
    year, prev = today.year, month - 3
    if prev < 1:
        year, prev = year - 1, prev + 12
    return f"{year}-{prev:02d}", f"{today.year}-{month:02d}"


class Villages:
    """The villages of each regency, for moves within the regency."""

    def __init__(self, province: str, rng: random.Random) -> None:
        from sejahtera.regions.models import Region

        self.rng = rng
        self.by_regency: dict[str, list[str]] = defaultdict(list)
        for code in (
            Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=province)
            .order_by("code")
            .values_list("code", flat=True)
        ):
            self.by_regency[code[:4]].append(code)
        self.all = [v for vs in self.by_regency.values() for v in vs]

    def other_in_regency(self, village: str) -> str | None:
        options = self.by_regency.get(village[:4], [])
        if len(options) < 2:
            return None
        i = self.rng.randrange(len(options))
        return options[i] if options[i] != village else options[(i + 1) % len(options)]

    def any(self) -> str:
        return self.all[self.rng.randrange(len(self.all))]


class NewPeople:
    """NIKs nobody holds: the generator numbers serials from 0001 per district, day and sex, so
    serials from `first_serial` up are free; each call gets a distinct (birth date, serial)."""

    def __init__(self, *, first_day: dt.date, days: int, first_serial: int) -> None:
        self.first_day, self.days, self.first_serial, self.n = first_day, days, first_serial, 0

    def next(self, district: str, sex: str) -> tuple[str, dt.date]:
        from sejahtera.registry.identifiers import nik_for

        j, self.n = self.n, self.n + 1
        born = self.first_day + dt.timedelta(days=j % self.days)
        return nik_for(
            district_code=district, birth_date=born, sex=sex, serial=self.first_serial + j // self.days
        ), born


@dataclass
class Candidate:
    household_id: int
    village: str
    kk_number: str
    member_id: int
    member_nik: str


def candidates(count: int) -> list[Candidate]:
    rows = fetch(CANDIDATES, [count])
    if len(rows) < count:
        raise SystemExit(f"need {count} households with two active members, found {len(rows)}")
    return [Candidate(*row) for row in rows]


# --- setup: proposals ---------------------------------------------------------------------------------
def prepare_proposals(
    who: Cast, pool: list[Candidate], villages: Villages, rng: random.Random, now: dt.datetime
) -> dict[str, int]:
    """The APPROVED proposals, written with bulk_create, and a done verification task each."""
    from sejahtera.registry.identifiers import kk_for
    from sejahtera.updates.fields import HOUSEHOLD_FIELDS, parse_changes, parse_household, parse_member
    from sejahtera.updates.models import Proposal

    counts = scaled(PROPOSALS)
    people = NewPeople(first_day=dt.date(1960, 1, 1), days=18_000, first_serial=9001)
    changes = {"changes": parse_changes({"floor_type": 3, "has_refrigerator": True}, HOUSEHOLD_FIELDS)}
    today = now.date()

    def proposal(kind: str, village: str, **kw: Any) -> Proposal:
        p = Proposal(
            kind=kind,
            origin=Proposal.Origin.MUSDES,
            status=Proposal.Status.APPROVED,
            minutes_number=MINUTES,
            minutes_date=today - dt.timedelta(days=40),
            submitted_by=who.operator,
            submitted_at=now - dt.timedelta(days=40),
            due_at=now - dt.timedelta(days=26),
            verified_by=who.verifier,
            verified_at=now - dt.timedelta(days=30),
            approved_at=now - dt.timedelta(days=1),
            **kw,
        )
        p.place_in(village)
        return p

    def member(district: str, sex: str, relationship: str, name: str) -> dict[str, Any]:
        nik, born = people.next(district, sex)
        return parse_member(
            {
                "nik": nik,
                "full_name": name,
                "birth_date": born.isoformat(),
                "sex": sex,
                "relationship": relationship,
            }
        )

    out: list[Proposal] = []
    it = iter(pool)
    for _ in range(counts["HOUSEHOLD_CHANGE"]):
        c = next(it)
        out.append(proposal("HOUSEHOLD_CHANGE", c.village, household_id=c.household_id, payload=changes))
    moves = 0
    while moves < counts["MOVE"]:
        c = next(it)
        if target := villages.other_in_regency(c.village):
            out.append(proposal("MOVE", c.village, household_id=c.household_id, target_village_id=target))
            moves += 1
    for _ in range(counts["DEACTIVATE"]):
        c = next(it)
        out.append(
            proposal("DEACTIVATE", c.village, household_id=c.household_id, inactive_reason="NOT_ELIGIBLE")
        )
    for i in range(counts["MEMBER_ADD"]):
        c = next(it)
        payload = {"member": member(c.village[:6], "LP"[i % 2], "OTHER", f"ANGGOTA BARU {i}")}
        out.append(proposal("MEMBER_ADD", c.village, household_id=c.household_id, payload=payload))
    for i in range(counts["NEW_HOUSEHOLD"]):
        village = villages.any()
        district = village[:6]
        kk = kk_for(
            district_code=district,
            record_date=dt.date(2025, 1, 1) + dt.timedelta(days=i % 300),
            serial=9001 + i // 300,
        )
        household = parse_household(
            {
                "kk_number": kk,
                "address": f"Kp. Baru RT 0{i % 9 + 1}",
                "rt": "001",
                "rw": "002",
                "floor_type": 9,
            }
        )
        members = [
            member(district, "L", "HEAD", f"KEPALA BARU {i}"),
            member(district, "P", "SPOUSE", f"ISTRI BARU {i}"),
            *(
                member(district, "LP"[k % 2], "CHILD", f"ANAK BARU {i} {k}")
                for k in range(NEW_FAMILY_SIZE - 2)
            ),
        ]
        out.append(proposal("NEW_HOUSEHOLD", village, payload={"household": household, "members": members}))
    rng.shuffle(out)  # villages send them in no particular order
    Proposal.objects.bulk_create(out, batch_size=2000)
    execute(
        """
        INSERT INTO updates_verificationtask
            (village_code, province_code, regency_code, district_code, proposal_id, round, status,
             assigned_to_id, created_at, result, corrections, latitude, longitude, visited_on, notes,
             verified_by_id, completed_at)
        SELECT village_code, province_code, regency_code, district_code, id, 1, 'DONE', %s, submitted_at,
               'CONFIRMED', '{}'::jsonb, -6.914744, 107.609810, verified_at::date, '', %s, verified_at
        FROM updates_proposal WHERE minutes_number = %s
        """,
        [who.verifier.pk, who.verifier.pk, MINUTES],
    )
    return counts


# --- setup: the events file ------------------------------------------------------------------------
def prepare_events(
    pool: list[Candidate], villages: Villages, rng: random.Random, today: dt.date, path: Path
) -> dict[str, int]:
    counts = scaled(EVENTS)
    babies = NewPeople(first_day=today - dt.timedelta(days=301), days=300, first_serial=9101)
    date = (today - dt.timedelta(days=10)).isoformat()
    records: list[dict[str, Any]] = []
    it = iter(pool)
    for i in range(counts["deaths"]):
        c = next(it)
        records.append({"event_id": f"BENCH-MATI-{i:06d}", "kind": "MATI", "nik": c.member_nik, "date": date})
    for i in range(counts["births"]):
        c = next(it)
        sex = "LP"[i % 2]
        nik, born = babies.next(c.village[:6], sex)
        records.append(
            {
                "event_id": f"BENCH-LAHIR-{i:06d}",
                "kind": "LAHIR",
                "nik": nik,
                "kk_number": c.kk_number,
                "date": born.isoformat(),
                "full_name": f"BAYI {i}",
                "sex": sex,
            }
        )
    moves = 0
    while moves < counts["family_moves"]:
        c = next(it)
        if target := villages.other_in_regency(c.village):
            records.append(
                {
                    "event_id": f"BENCH-PINDAH-KK-{moves:06d}",
                    "kind": "PINDAH",
                    "kk_number": c.kk_number,
                    "to_village": target,
                    "date": date,
                }
            )
            moves += 1
    for i in range(counts["person_moves"]):
        c = next(it)
        records.append(
            {
                "event_id": f"BENCH-PINDAH-{i:06d}",
                "kind": "PINDAH",
                "nik": c.member_nik,
                "to_village": villages.any(),
                "date": date,
            }
        )
    rng.shuffle(records)  # the population registry sends them in the order they happen
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in records)
    return counts


# --- the run ---------------------------------------------------------------------------------------
def bench(meter: Meter) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from sejahtera.registry.models import Household
    from sejahtera.updates import selectors, services
    from sejahtera.updates.models import Release

    if Release.objects.exists():
        raise SystemExit("this database already has releases: run on a freshly imported registry")
    rng = random.Random(7)
    who = cast()
    now = timezone.now()
    today = timezone.localdate()
    first_period, period = periods(today)
    province = Household.objects.values_list("province_code", flat=True).first() or ""

    # 1. The baseline: the first release of the imported registry (every household is ADDED).
    execute("CHECKPOINT")
    with meter.step("baseline_build") as info:
        first = services.release_build(actor=who.builder, period=first_period)
    info.update(households=first.households, persons=first.persons, added=first.added, timings=first.timings)
    with meter.step("baseline_publish"):
        services.release_publish(actor=who.publisher, number=first.number, decree_number="KEP-1/HUK/2026")

    # 2-3. Setup, not measured: the proposals and the events file, on distinct households.
    t = time.perf_counter()
    villages = Villages(province, rng)
    # Existing households needed: all but the new families, with a margin for the few moves that
    # find no other village in their regency.
    n_props = sum(scaled(PROPOSALS).values()) - scaled(PROPOSALS)["NEW_HOUSEHOLD"]
    n_evs = sum(scaled(EVENTS).values())
    pool = candidates(n_props + n_evs + 400)
    proposals = prepare_proposals(who, pool[: n_props + 200], villages, rng, now)
    events_path = CACHE / f"release-events-{N}.jsonl"
    events = prepare_events(pool[n_props + 200 :], villages, rng, today, events_path)
    # What autovacuum would have done in the weeks between two releases (it is off on this server).
    execute("ANALYZE")
    setup_seconds = round(time.perf_counter() - t, 1)
    print(f"setup: {setup_seconds} s", flush=True)
    n_events = sum(events.values())
    n_proposals = sum(proposals.values())

    # 3. Population events, then the same file again.
    execute("CHECKPOINT")
    with meter.step("events_apply") as info:
        result = services.events_apply(
            actor=who.builder, records=services.events_read(events_path), source=events_path.name
        )
    info.update(rows=n_events, **{k: v for k, v in result.as_dict().items() if k != "rejections"})
    assert result.applied == n_events and result.rejected == 0, result.reasons
    with meter.step("events_reapply") as info:
        again = services.events_apply(
            actor=who.builder, records=services.events_read(events_path), source=events_path.name
        )
    info.update(rows=n_events, **{k: v for k, v in again.as_dict().items() if k != "rejections"})
    assert again.applied == 0 and again.rejected == 0 and again.duplicate == n_events, again.as_dict()

    # 4. The release: apply the proposals, snapshot, diff; publish; read the diff.
    execute("CHECKPOINT")
    with meter.step("build") as info:
        release = services.release_build(actor=who.builder, period=period)
    info.update(
        households=release.households,
        persons=release.persons,
        proposals_applied=release.proposals_applied,
        proposals_conflicted=release.proposals_conflicted,
        added=release.added,
        removed=release.removed,
        changed=release.changed,
        timings=release.timings,
    )
    assert release.proposals_applied == n_proposals and release.proposals_conflicted == 0, info
    # Every proposal and event touched its own household, and none emptied one.
    assert release.added == proposals["NEW_HOUSEHOLD"], info
    assert release.removed == proposals["DEACTIVATE"], info
    expected_changed = n_proposals - proposals["NEW_HOUSEHOLD"] - proposals["DEACTIVATE"] + n_events
    assert release.changed == expected_changed, (info, expected_changed)
    with meter.step("publish"):
        services.release_publish(actor=who.publisher, number=release.number, decree_number="KEP-2/HUK/2026")

    with meter.step("diff_region_counts") as info:
        counts = selectors.release_region_counts(user=who.builder, release=release, region=province)
    info.update(regions=len(counts), rows=sum(c.added + c.removed + c.changed for c in counts))
    with meter.step("diff_export") as info, open(os.devnull, "w", newline="") as sink:
        writer = csv.writer(sink)
        rows = 0
        for row in (
            selectors.release_changes(user=who.builder, release=release)
            .values_list(
                "household_id", "change", "reason", "kk_number", "village_code", "members_before",
                "members_after",
            )
            .iterator(chunk_size=5000)
        ):  # fmt: skip
            writer.writerow(row)
            rows += 1
        info["rows"] = rows

    # 5. The bare statements on the same registry, with the build's work_mem (releases.py).
    execute("DROP TABLE IF EXISTS bench_bare_hh, bench_bare_ps")
    execute("CHECKPOINT")
    execute("SET work_mem = '256MB'")
    with meter.step("bare_households") as info:
        info["rows"] = execute(BARE_HOUSEHOLDS)
    with meter.step("bare_persons") as info:
        info["rows"] = execute(BARE_PERSONS)
    with meter.step("bare_indexes"):
        for statement in BARE_INDEXES:
            execute(statement)
    execute("RESET work_mem")
    execute("DROP TABLE bench_bare_hh, bench_bare_ps")
    assert meter.steps["bare_households"]["rows"] == release.households
    assert meter.steps["bare_persons"]["rows"] == release.persons

    s = {k: v["seconds"] for k, v in meter.steps.items()}
    for name in ("baseline_build", "build"):
        # What the build's own timings leave out: mostly the commit, which runs the deferred
        # foreign-key check of every snapshot row.
        step = meter.steps[name]
        step["commit_and_rest"] = round(step["seconds"] - sum(step["timings"].values()), 2)
    bare = s["bare_households"] + s["bare_persons"]
    cycle = s["events_apply"] + s["build"] + s["publish"]
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        server = cur.fetchone()[0]
    settings = dict(
        fetch(
            f"SELECT name, setting FROM pg_settings WHERE name IN ({', '.join(['%s'] * len(SETTINGS))})",
            SETTINGS,
        )
    )
    return {
        "date": today.isoformat(),
        "machine": f"{platform.node()} {os.cpu_count()} cores, "
        f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, "
        f"PostgreSQL {server}",
        "server_settings": settings,
        "households_generated": N,
        "proposals": proposals,
        "events": events,
        "setup_seconds": setup_seconds,
        "steps": meter.steps,
        "bare_seconds": round(bare, 2),
        "cycle_seconds": round(cycle, 2),
        "cycle_to_bare_ratio": round(cycle / bare, 2),
        "build_to_bare_ratio": round(s["build"] / bare, 2),
        "baseline_build_to_bare_ratio": round(s["baseline_build"] / bare, 2),
    }


def table(r: dict[str, Any]) -> str:
    st = r["steps"]
    base, b = st["baseline_build"], st["build"]
    bt, t = base["timings"], b["timings"]
    bare_h, bare_p = st["bare_households"]["seconds"], st["bare_persons"]["seconds"]
    bare, bare_ix = r["bare_seconds"], st["bare_indexes"]["seconds"]
    hh, ps = b["households"], b["persons"]
    ev, again = st["events_apply"], st["events_reapply"]

    def row(
        what: str, rows: int | None, seconds: float, mem: Any = None, raw: str = "-", ratio: str = "-"
    ) -> str:
        rate = f"{round(rows / seconds):,}" if rows and seconds else "-"
        count = f"{rows:,}" if rows else "-"
        return f"| {what} | {count} | {seconds:.1f} s | {rate} | {f'{mem} MB' if mem else '-'} | {raw} | {ratio} |"

    def x(a: float, against: float) -> str:
        return f"{a / against:.1f}x"

    snap = f"bare snapshot {bare:.1f} s"
    return "\n".join(
        [
            "| step | rows | time | rows/s | peak memory (Python) | raw operation, same run | ratio |",
            "|---|---|---|---|---|---|---|",
            row(
                "baseline: build the first release (every household ADDED)",
                base["households"] + base["persons"],
                base["seconds"],
                base["peak_rss_mb"],
                snap,
                x(base["seconds"], bare),
            ),
            f"| - snapshot households / persons / diff / commit | - | {bt['snapshot_households']:.1f} / "
            f"{bt['snapshot_persons']:.1f} / {bt['diff']:.1f} / {base['commit_and_rest']:.1f} s "
            "| - | - | - | - |",
            row("baseline: publish", None, st["baseline_publish"]["seconds"]),
            row(f"events_apply ({ev['rows']:,} events)", ev["rows"], ev["seconds"], ev["peak_rss_mb"]),
            row(
                "the same file again (all duplicates)", again["rows"], again["seconds"], again["peak_rss_mb"]
            ),
            row(
                f"**release_build** ({b['proposals_applied']:,} proposals, snapshot, diff)",
                hh + ps,
                b["seconds"],
                b["peak_rss_mb"],
                snap,
                f"**{x(b['seconds'], bare)}**",
            ),
            row("- apply the approved proposals", b["proposals_applied"], t["apply_proposals"]),
            row(
                "- snapshot households",
                hh,
                t["snapshot_households"],
                None,
                f"bare {bare_h:.1f} s",
                x(t["snapshot_households"], bare_h),
            ),
            row(
                "- snapshot persons",
                ps,
                t["snapshot_persons"],
                None,
                f"bare {bare_p:.1f} s",
                x(t["snapshot_persons"], bare_p),
            ),
            row(
                f"- diff ({b['added']:,} added, {b['removed']:,} removed, {b['changed']:,} changed)",
                b["added"] + b["removed"] + b["changed"],
                t["diff"],
            ),
            row(
                "- commit (deferred foreign-key check per snapshot row) and the rest",
                None,
                b["commit_and_rest"],
            ),
            row("release_publish", None, st["publish"]["seconds"]),
            row(
                f"diff read: counts per regency ({st['diff_region_counts']['regions']} regencies)",
                st["diff_region_counts"]["rows"],
                st["diff_region_counts"]["seconds"],
            ),
            row(
                "diff read: every line, export-like",
                st["diff_export"]["rows"],
                st["diff_export"]["seconds"],
                st["diff_export"]["peak_rss_mb"],
            ),
            row("bare: households SELECT into a new table", st["bare_households"]["rows"], bare_h),
            row("bare: persons SELECT into a new table", st["bare_persons"]["rows"], bare_p),
            row("bare: the snapshot's 4 indexes, built after the load", None, bare_ix),
            row(
                "**events + build + publish**",
                None,
                r["cycle_seconds"],
                None,
                snap,
                f"**{r['cycle_to_bare_ratio']:.1f}x**",
            ),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--profile", action="store_true", help="print the slowest SQL statements per step")
    parser.add_argument("--json", type=Path, default=RESULTS / "release.json", help="results file")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sejahtera.config.settings")
    os.environ.setdefault(
        "DATABASE_URL",
        os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sejahtera_bench"),
    )
    django.setup()
    meter = Meter(profile=args.profile)
    result = bench(meter)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print()
    print(table(result))
    if args.profile:
        meter.report_profile()


if __name__ == "__main__":
    main()
