"""sejahtera generate --households N [--region CODE] [--seed S] [--dirty RATE] --out DIR"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from sejahtera.registry.generate import generate


class Command(BaseCommand):
    help = (
        "Write a synthetic population (households.csv, persons.csv, and truth.csv with --dirty) "
        "in the import format. Deterministic for a seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, required=True, help="Number of households.")
        parser.add_argument(
            "--region", default="3204", help="Region code (any level, dots allowed). Default 3204."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--dirty",
            type=float,
            default=0.0,
            help="Share of person rows with an injected problem (0-0.5), e.g. 0.02.",
        )
        parser.add_argument("--out", type=Path, required=True, help="Output folder.")
        parser.add_argument("--json", action="store_true", help="Print a JSON summary.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        n = options["households"]
        if n < 1:
            raise CommandError("--households must be at least 1")
        if not 0 <= options["dirty"] <= 0.5:
            raise CommandError("--dirty must be between 0 and 0.5")
        region = "".join(ch for ch in options["region"] if ch.isdigit())
        bar = None if options["no_progress"] or options["json"] else tqdm(total=n, unit="hh", desc="generate")

        def tick(done: int) -> None:
            if bar is not None:
                bar.update(done - bar.n)

        try:
            result = generate(
                households=n,
                region=region,
                seed=options["seed"],
                dirty=options["dirty"],
                out=options["out"],
                on_progress=tick,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bar is not None:
                bar.close()
        summary = {
            "households": result.households,
            "persons": result.persons,
            "dirty_rows": result.dirty_rows,
            "out": str(options["out"]),
        }
        self.stdout.write(
            json.dumps(summary)
            if options["json"]
            else f"{result.households:,} households, {result.persons:,} persons → {options['out']}"
        )
