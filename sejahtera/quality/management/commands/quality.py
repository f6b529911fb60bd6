"""sejahtera quality run [--check TYPE]… [--json] | padan (--csv FILE | --http) [--region CODE] [--json] |
checks [--json]"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from sejahtera.common.errors import DomainError
from sejahtera.quality.checks import CHECKS
from sejahtera.quality.models import FindingType, PadanRun
from sejahtera.quality.services import padan_run, quality_run
from sejahtera.quality.services.runs import run_summary
from sejahtera.registry.services import command_user
from sejahtera.updates.management.commands._cli import to_json

PADAN_FIELDS = (
    "id",
    "source",
    "file_name",
    "status",
    "threshold",
    "persons",
    "matched",
    "not_matched",
    "not_found",
    "deceased",
)


def _bar(options: dict[str, Any], desc: str) -> Any:
    show = not options["json"] and sys.stderr.isatty()
    return tqdm(total=100, unit="%", desc=desc, file=sys.stderr) if show else None


def _progress(bar: Any) -> Any:
    def on_progress(phase: str, percent: int) -> None:
        if bar is not None:
            bar.set_postfix_str(phase)
            bar.update(percent - bar.n)

    return on_progress


class Command(BaseCommand):
    help = (
        "Data quality: run the registry checks (findings upserted on their fingerprint), match persons "
        "against Dukcapil (padan) from a reference extract or the service, list the checks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Run the checks over the registry, inline, with a progress bar.")
        run.add_argument(
            "--check",
            action="append",
            default=[],
            metavar="TYPE",
            help=f"Only this check (repeatable): {', '.join(c.type for c in CHECKS)}",
        )
        run.add_argument("--json", action="store_true", help="Print the run as JSON.")
        run.add_argument("--user", help="A central data user (default: the system user).")

        padan = sub.add_parser("padan", help="Match active persons against Dukcapil (padan).")
        src = padan.add_mutually_exclusive_group(required=True)
        src.add_argument("--csv", type=Path, help="A Dukcapil reference extract (CSV).")
        src.add_argument("--http", action="store_true", help="The service at SEJAHTERA_DUKCAPIL_URL.")
        padan.add_argument("--region", default="", help="Only persons of this region (2, 4, 6 or 10 digits).")
        padan.add_argument("--json", action="store_true")
        padan.add_argument("--user", help="A central data user (default: the system user).")

        checks = sub.add_parser("checks", help="The checks: type, severity, rule, suggested action.")
        checks.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _user(self, options: dict[str, Any]) -> Any:
        return command_user(options.get("user"))

    def _run(self, options: dict[str, Any]) -> None:
        bar = _bar(options, "quality")
        try:
            run = quality_run(
                actor=self._user(options),
                check_types=[c.upper() for c in options["check"]],
                on_progress=_progress(bar),
            )
        finally:
            if bar is not None:
                bar.close()
        data = run_summary(run)
        if options["json"]:
            self.stdout.write(to_json(data))
            return
        labels = dict(FindingType.choices)
        for t, n in run.counts.items():
            self.stdout.write(f"{t:<24}{n:>10,}  {labels.get(t, '')}")
        self.stdout.write(f"run {run.pk}: {run.opened:,} new, {run.reopened:,} reopened, {run.fixed:,} fixed")

    def _padan(self, options: dict[str, Any]) -> None:
        path: Path | None = options["csv"]
        if path is not None and not path.is_file():
            raise CommandError(f"{path}: no such file")
        bar = _bar(options, "padan")
        try:
            run = padan_run(
                actor=self._user(options),
                source=PadanRun.Source.CSV if path else PadanRun.Source.HTTP,
                path=path,
                region_code=options["region"],
                on_progress=_progress(bar),
            )
        finally:
            if bar is not None:
                bar.close()
        data = {k: getattr(run, k) for k in PADAN_FIELDS}
        if options["json"]:
            self.stdout.write(to_json(data))
            return
        for k, v in data.items():
            self.stdout.write(f"{k:<14}{v}")

    def _checks(self, options: dict[str, Any]) -> None:
        data = [
            {
                "type": c.type,
                "severity": c.severity,
                "rule": str(c.rule),
                "action": str(c.action),
                "source": c.source,
            }
            for c in CHECKS
        ]
        if options["json"]:
            self.stdout.write(to_json(data))
            return
        for d in data:
            self.stdout.write(f"{d['type']:<24}{d['severity']:<9}{d['rule']}")
