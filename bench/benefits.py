"""Targeting, programs and payments at 10^6 households on PostgreSQL (issue 4 §6), part of
`make bench`: each figure beside the bare INSERT ... SELECT of the same rows, measured in the same run.

bench/run.py runs it after bench/release.py, on the same database: the registry imported and the
releases that bench built and published, the last one scored by the release build hook.
1. scoring and deciles: the last release's scoring (targeting.score_release, run inside the release
   build by the hook; its own seconds are on targeting_releasescoring) beside the bare INSERT ...
   SELECT of the same household rows into an unindexed table of the same columns;
2. setup, not measured: KKS accounts for 70% of the families (payments.accounts_generate);
3. `programs_run` for PKH and for BPNT for the release's period (a PKH tahap, a BPNT disbursement):
   exits, enrolment, entitlements and their components, beside the bare INSERT ... SELECT of the
   same entitlement and component rows;
4. `batches_create` for both, approval by a second manager, and `batch_export` of every batch's
   file, beside the bare INSERT ... SELECT of the same payment rows and a bare COPY ... TO of the
   same file columns.
Writes bench/results/benefits.json and prints a Markdown table for docs/performance.md.

Alone: DATABASE_URL=postgres://postgres@127.0.0.1:5432/sejahtera_bench .venv/bin/python bench/benefits.py
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import django

sys.path.insert(0, str(Path(__file__).resolve().parent))

from release import RESULTS, Meter, execute, fetch

PROGRAMS = ("PKH", "BPNT")

BARE_SCORE = """
    INSERT INTO bench_bare_score (release_id, household_id, village_code, district_code, regency_code,
                                  province_code, score, decile, decile_province, decile_regency,
                                  criteria_mask, criteria_met)
    SELECT release_id, household_id, village_code, district_code, regency_code, province_code,
           0, 0, 0, 0, 0, 0
    FROM updates_releasehousehold WHERE release_id = %s
"""
BARE_ENTITLEMENTS = """
    INSERT INTO bench_bare_ent
    SELECT * FROM programs_entitlement WHERE run_id = %s
"""
BARE_COMPONENTS = """
    INSERT INTO bench_bare_comp
    SELECT c.* FROM programs_entitlementcomponent c
    JOIN programs_entitlement e ON e.id = c.entitlement_id WHERE e.run_id = %s
"""
BARE_PAYMENTS = """
    INSERT INTO bench_bare_pay
    SELECT p.* FROM payments_payment p JOIN payments_paymentbatch b ON b.id = p.batch_id
    WHERE b.program_id = %s AND b.period = %s
"""
# The columns of the channel file, straight from the tables (no CSV quoting rules of ours, no
# control line, no SHA-256).
BARE_EXPORT = """
    COPY (SELECT p.id, b.number, b.period, h.kk_number, ps.full_name, ps.nik, p.village_code,
                 a.account_number, p.amount
          FROM payments_payment p
          JOIN payments_paymentbatch b ON b.id = p.batch_id
          JOIN registry_household h ON h.id = p.household_id
          LEFT JOIN registry_person ps ON ps.household_id = h.id AND ps.relationship = 'HEAD'
               AND ps.status = 'ACTIVE'
          LEFT JOIN payments_paymentaccount a ON a.household_id = h.id
          WHERE b.id = ANY(%s) ORDER BY p.id) TO STDOUT WITH CSV
"""


def _users() -> dict[str, Any]:
    from sejahtera.accounts.models import User

    made = {}
    for name, role in (("bench_pm", "PROGRAM_MANAGER"), ("bench_pm2", "PROGRAM_MANAGER")):
        made[name], _ = User.objects.get_or_create(username=name, defaults={"role": role})
    return made


def _bare_tables() -> None:
    for name, like in (
        ("bench_bare_score", "targeting_householdscore"),
        ("bench_bare_ent", "programs_entitlement"),
        ("bench_bare_comp", "programs_entitlementcomponent"),
        ("bench_bare_pay", "payments_payment"),
    ):
        execute(f"DROP TABLE IF EXISTS {name}")
        # The same columns and types, no index, no constraint, no default.
        execute(f"CREATE TABLE {name} (LIKE {like})")
        execute(f"ALTER TABLE {name} ALTER COLUMN id DROP NOT NULL")


def bench(meter: Meter) -> dict[str, Any]:
    from django.db import connection, transaction

    from sejahtera.payments.models import PaymentBatch
    from sejahtera.payments.services.accounts import accounts_generate
    from sejahtera.payments.services.batches import batch_approve, batch_export, batches_create
    from sejahtera.programs.services.runs import programs_run
    from sejahtera.targeting.models import ReleaseScoring
    from sejahtera.updates.selectors import release_current

    users = _users()
    pm, pm2 = users["bench_pm"], users["bench_pm2"]
    release = release_current()
    assert release is not None, "bench/release.py publishes the releases this bench reads"
    scoring = ReleaseScoring.objects.filter(release=release).first()
    assert scoring is not None, f"release {release.number} was not scored by the build hook"
    _bare_tables()
    result: dict[str, Any] = {
        "release": release.number,
        "period": release.period,
        "households": release.households,
        "persons": release.persons,
        "steps": meter.steps,
    }

    # 1. scoring: measured inside the release build (the hook), beside the bare copy of its rows.
    result["scoring"] = {"seconds": scoring.seconds, "households": scoring.households}
    with meter.step("bare_score") as info, transaction.atomic():
        info["rows"] = execute(BARE_SCORE, [release.pk])

    # 2. accounts (setup).
    with meter.step("setup_accounts") as info:
        info["rows"] = accounts_generate(actor=pm, share=0.7)

    # 3. the program runs, each beside the bare copy of the rows it wrote.
    runs = {}
    for code in PROGRAMS:
        with meter.step(f"run_{code}") as info:
            run = programs_run(actor=pm, program_code=code, period=release.period)
            info.update(
                enrolled=run.enrolled, exited=run.exited, entitlements=run.entitlements, amount=run.amount,
                timings=run.timings,
            )  # fmt: skip
        runs[code] = run
        with meter.step(f"bare_entitlements_{code}") as info, transaction.atomic():
            info["rows"] = execute(BARE_ENTITLEMENTS, [run.pk])
            info["components"] = execute(BARE_COMPONENTS, [run.pk])
        with meter.step(f"rerun_{code}") as info:
            again = programs_run(actor=pm, program_code=code, period=release.period)
            info["entitlements"] = again.entitlements
            assert again.entitlements == 0, "a second run of the same period must create nothing"

    # 4. payments: batches, approval, the channel files.
    for code in PROGRAMS:
        with meter.step(f"batches_{code}") as info:
            batches = batches_create(actor=pm, program_code=code, period=release.period)
            info["batches"] = len(batches)
            info["rows"] = sum(b.payments for b in batches)
            info["total"] = sum(b.total_amount for b in batches)
        with meter.step(f"bare_payments_{code}") as info, transaction.atomic():
            info["rows"] = execute(BARE_PAYMENTS, [runs[code].program_id, release.period])
        with meter.step(f"approve_{code}") as info:
            for b in batches:
                batch_approve(actor=pm2, batch=b)
            info["batches"] = len(batches)
        ids = [b.pk for b in batches]
        with meter.step(f"export_{code}") as info:
            rows = size = 0
            for b in PaymentBatch.objects.filter(pk__in=ids).order_by("number"):
                out = batch_export(actor=pm, batch=b)
                rows, size = rows + out.rows, size + out.size
                out.close()
            info.update(rows=rows, bytes=size)
        with meter.step(f"bare_export_{code}") as info:
            sink = io.BytesIO()
            with connection.cursor() as cur, cur.cursor.copy(BARE_EXPORT, [ids]) as copy:
                for data in copy:
                    sink.write(data)
            info["bytes"] = sink.tell()
    result["database_bytes"] = fetch("SELECT pg_database_size(current_database())")[0][0]
    return result


def ratios(r: dict[str, Any]) -> dict[str, float]:
    s = r["steps"]
    out = {"scoring": r["scoring"]["seconds"] / s["bare_score"]["seconds"]}
    for code in PROGRAMS:
        out[f"run_{code}"] = s[f"run_{code}"]["seconds"] / s[f"bare_entitlements_{code}"]["seconds"]
        out[f"batches_{code}"] = s[f"batches_{code}"]["seconds"] / s[f"bare_payments_{code}"]["seconds"]
        out[f"export_{code}"] = s[f"export_{code}"]["seconds"] / s[f"bare_export_{code}"]["seconds"]
    return {k: round(v, 1) for k, v in out.items()}


def table(r: dict[str, Any]) -> str:
    s, x = r["steps"], r["ratios"]

    def row(what: str, rows: int | None, seconds: float, mem: Any, raw: str, ratio: str) -> str:
        rate = f"{round(rows / seconds):,}" if rows and seconds else "-"
        return (
            f"| {what} | {f'{rows:,}' if rows else '-'} | {seconds:.1f} s | {rate} | "
            f"{f'{mem} MB' if mem else '-'} | {raw} | {ratio} |"
        )

    lines = [
        "| step | rows | time | rows/s | peak memory (Python) | bare INSERT ... SELECT, same run | ratio |",
        "|---|---|---|---|---|---|---|",
        row(
            f"score and rank release {r['release']} (3 deciles per household)",
            r["scoring"]["households"],
            r["scoring"]["seconds"],
            None,
            f"{s['bare_score']['seconds']:.1f} s",
            f"**{x['scoring']}x**",
        ),
    ]
    for code in PROGRAMS:
        run, bare = s[f"run_{code}"], s[f"bare_entitlements_{code}"]
        lines.append(
            row(
                f"`programs_run` {code} {r['period']} ({run['enrolled']:,} enrolled, "
                f"{bare['components']:,} component lines)",
                run["entitlements"],
                run["seconds"],
                run["peak_rss_mb"],
                f"{bare['seconds']:.1f} s",
                f"**{x[f'run_{code}']}x**",
            )
        )
        t = run.get("timings") or {}
        if t:
            lines.append(
                f"| - {' / '.join(t)} | - | {' / '.join(f'{v:.1f}' for v in t.values())} s | - | - | - | - |"
            )
        lines.append(
            row(
                f"the same {code} run again (nothing new)",
                None,
                s[f"rerun_{code}"]["seconds"],
                None,
                "-",
                "-",
            )
        )
        b, bp = s[f"batches_{code}"], s[f"bare_payments_{code}"]
        lines.append(
            row(
                f"`batches_create` {code} ({b['batches']} batches, Rp{b['total']:,})",
                b["rows"],
                b["seconds"],
                b["peak_rss_mb"],
                f"{bp['seconds']:.1f} s",
                f"**{x[f'batches_{code}']}x**",
            )
        )
        lines.append(
            row(
                f"`batch_approve` {code} (second manager)",
                None,
                s[f"approve_{code}"]["seconds"],
                None,
                "-",
                "-",
            )
        )
        e, be = s[f"export_{code}"], s[f"bare_export_{code}"]
        lines.append(
            row(
                f"`batch_export` {code}: every channel file ({e['bytes'] / 1e6:.0f} MB)",
                e["rows"],
                e["seconds"],
                e["peak_rss_mb"],
                f"COPY TO {be['seconds']:.1f} s",
                f"**{x[f'export_{code}']}x**",
            )
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--profile", action="store_true", help="print the slowest SQL statements per step")
    parser.add_argument("--json", type=Path, default=RESULTS / "benefits.json", help="results file")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sejahtera.config.settings")
    os.environ.setdefault(
        "DATABASE_URL",
        os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sejahtera_bench"),
    )
    django.setup()
    meter = Meter(profile=args.profile)
    result = bench(meter)
    result["ratios"] = ratios(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps(result, indent=2, default=str))
    print()
    print(table(result))
    if args.profile:
        meter.report_profile()


if __name__ == "__main__":
    main()
