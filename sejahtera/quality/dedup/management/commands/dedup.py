"""sejahtera dedup run [--json] [--kind person|household] [--threshold P] [--retrain]
[--backend duckdb|spark] | pairs --csv FILE [--status S] [--kind K] | runs [--json]"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from sejahtera.common.errors import DomainError
from sejahtera.quality.dedup import selectors, services
from sejahtera.quality.dedup.models import DedupRun, DuplicatePair, Kind
from sejahtera.updates.management.commands._cli import actor, add_user_argument, to_json

# Exactly the columns issue 6 §3 names, in this order.
PAIRS_HEADER = ("nik_a", "nik_b", "probability")


def run_summary(run: DedupRun) -> dict[str, Any]:
    seconds = (
        (run.finished_at - run.started_at).total_seconds() if run.finished_at and run.started_at else None
    )
    return {
        "run": run.pk,
        "status": run.status,
        "kind": run.kind or "ALL",
        "backend": run.backend,
        "threshold": run.threshold,
        "model_version": run.model_version,
        "persons": run.persons,
        "households": run.households,
        "candidates": run.candidates,
        "pairs_new": run.pairs_new,
        "pairs_updated": run.pairs_updated,
        "pairs_skipped": run.pairs_skipped,
        "seconds": round(seconds, 2) if seconds is not None else None,
        "timings": run.timings,
    }


class Command(BaseCommand):
    help = "Duplicate persons and families (Splink): run the detection, export the pairs, list runs."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Find duplicate pairs over the whole registry and store them.")
        run.add_argument("--kind", choices=["person", "household"], help="Default: both.")
        run.add_argument(
            "--threshold", type=float, help="Match probability (default settings.DEDUP_THRESHOLD)."
        )
        run.add_argument("--retrain", action="store_true", help="Train the model on this data and keep it.")
        run.add_argument(
            "--backend", choices=["duckdb", "spark"], help="spark needs pyspark installed (docs/dedup.md)."
        )
        run.add_argument("--json", action="store_true", help="Print a machine-readable summary.")
        add_user_argument(run)

        pairs = sub.add_parser("pairs", help="Write the pairs as CSV: nik_a,nik_b,probability.")
        pairs.add_argument(
            "--csv", required=True, type=Path, dest="csv_file", help="Output file ('-' = stdout)."
        )
        pairs.add_argument("--status", choices=[s.lower() for s in DuplicatePair.Status.values])
        pairs.add_argument(
            "--kind", choices=["person", "household"], default="person", help="household: KK numbers."
        )
        add_user_argument(pairs)

        runs = sub.add_parser("runs", help="The last runs.")
        runs.add_argument("--json", action="store_true")
        add_user_argument(runs)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _run(self, options: dict[str, Any]) -> None:
        user = actor(options.get("user"))
        show_bar = not options["json"] and sys.stderr.isatty()
        bar = tqdm(total=100, unit="%", desc="dedup", file=sys.stderr) if show_bar else None

        def on_progress(phase: str, percent: int) -> None:
            if bar is not None:
                bar.set_postfix_str(phase)
                bar.update(max(0, percent - bar.n))

        try:
            run = services.dedup_run(
                actor=user,
                kind=(options.get("kind") or "").upper(),
                threshold=options.get("threshold"),
                backend=options.get("backend"),
                retrain=options["retrain"],
                on_progress=on_progress,
            )
        finally:
            if bar is not None:
                bar.close()
        data = run_summary(run)
        if options["json"]:
            self.stdout.write(to_json(data))
            return
        for key, value in data.items():
            self.stdout.write(f"{key:<15}{value}")

    def _pairs(self, options: dict[str, Any]) -> None:
        user = actor(options.get("user"))
        f = selectors.PairFilter(
            kind=Kind(options["kind"].upper()), status=(options.get("status") or "").upper()
        )
        qs = selectors.pair_list(user=user, f=f).order_by("-probability", "id")
        rows = qs.values_list("key_a", "key_b", "probability").iterator(chunk_size=5000)
        target: Path = options["csv_file"]
        fh = sys.stdout if str(target) == "-" else target.open("w", newline="", encoding="utf-8")
        try:
            writer = csv.writer(fh)
            writer.writerow(PAIRS_HEADER)
            n = 0
            for a, b, p in rows:
                writer.writerow((a, b, f"{p:.6f}"))
                n += 1
        finally:
            if fh is not sys.stdout:
                fh.close()
        if fh is not sys.stdout:
            self.stdout.write(f"{n} pairs written to {target}")

    def _runs(self, options: dict[str, Any]) -> None:
        runs = [run_summary(r) for r in selectors.run_list(user=actor(options.get("user")))[:20]]
        if options["json"]:
            self.stdout.write(to_json(runs))
            return
        for r in runs:
            self.stdout.write(
                f"#{r['run']:<5} {r['status']:<8} {r['kind']:<10} p>={r['threshold']} "
                f"{r['candidates']} found, {r['pairs_new']} new, {r['pairs_updated']} updated, "
                f"{r['pairs_skipped']} skipped"
            )
