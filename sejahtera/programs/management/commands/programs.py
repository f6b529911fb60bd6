"""sejahtera programs list | run PKH --period 2021-01 [--release N] | abandon RUN_ID | quota set |
quota load FILE | enrolled PKH [--region CODE]"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from sejahtera.common.errors import DomainError
from sejahtera.programs import selectors, services
from sejahtera.programs.models import ProgramRun
from sejahtera.programs.parameters import short_source
from sejahtera.programs.rules import rupiah
from sejahtera.regions.selectors import region_names
from sejahtera.registry.services import command_user
from sejahtera.updates.management.commands._cli import to_json

RUN_FIELDS = (
    "id",
    "period",
    "status",
    "exited",
    "enrolled",
    "entitlements",
    "amount",
    "timings",
    "error_message",
)


def _user(username: str | None) -> Any:
    try:
        return command_user(username)
    except DomainError as exc:
        raise CommandError(exc.message) from exc


def run_summary(run: ProgramRun) -> dict[str, Any]:
    out = {k: getattr(run, k) for k in RUN_FIELDS}
    out["program"] = run.program.code
    out["release"] = run.release.number
    return out


class Command(BaseCommand):
    help = (
        "Programs: list them with the parameter set in force, run a program for a disbursement period "
        "(exits, enrolment within quota, entitlements), set or load quotas, count ACTIVE enrolment per region."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser(
            "list", help="Programs with the parameter set in force today and its source."
        )
        listing.add_argument("--json", action="store_true")

        run = sub.add_parser(
            "run", help="Run a program for a disbursement period, inline, with a progress bar."
        )
        run.add_argument("program", help="PKH, BPNT, BPNT_PPKM, BST or PBI")
        run.add_argument(
            "--period", required=True, help="YYYY-MM, a disbursement month (PKH: 01, 04, 07, 10)"
        )
        run.add_argument("--release", type=int, help="A published release number (default: the latest)")
        run.add_argument("--json", action="store_true", help="Print the run as JSON.")
        run.add_argument("--user", required=True, help="A program manager (PROGRAM_MANAGE).")

        abandon = sub.add_parser("abandon", help="Close a queued or running run whose worker died.")
        abandon.add_argument("run_id", type=int)
        abandon.add_argument("--reason", required=True)
        abandon.add_argument("--user", required=True)

        quota = sub.add_parser("quota", help="Quotas per program, year and regency or province.")
        qsub = quota.add_subparsers(dest="quota_action", required=True)
        qset = qsub.add_parser("set", help="Set or replace one quota.")
        qset.add_argument("program")
        qset.add_argument("year", type=int)
        qset.add_argument("region_code", help="2 (province) or 4 (regency/city) digits, no dots")
        qset.add_argument("households", type=int)
        qset.add_argument("--source", default="", help="The decision the quota comes from.")
        qset.add_argument("--user", required=True)
        qload = qsub.add_parser(
            "load", help="Set every quota of a CSV/XLSX (program,year,region_code,households)."
        )
        qload.add_argument("file", type=Path)
        qload.add_argument("--user", required=True)

        enrolled = sub.add_parser("enrolled", help="ACTIVE enrolment per region one level below --region.")
        enrolled.add_argument("program")
        enrolled.add_argument(
            "--region", default="", help="Region code (2, 4, 6 digits); default: the nation"
        )
        enrolled.add_argument(
            "--user", help="Count within this user's jurisdiction (default: the system user)."
        )
        enrolled.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "quota":
            action = f"quota_{options['quota_action']}"
        try:
            getattr(self, f"_{action}")(options)
        except services.QuotaUploadRejected as exc:
            for e in exc.errors:
                self.stderr.write(f"row {e.row} {e.column}: {e.reason} ({e.value!r})")
            raise CommandError(exc.message) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _list(self, options: dict[str, Any]) -> None:
        rows = selectors.program_list(user=_user(None))
        data = [
            {
                "code": r.program.code,
                "name": r.program.name,
                "unit": r.program.unit,
                "valid_from": r.parameter.valid_from.isoformat() if r.parameter else None,
                "valid_to": r.parameter.valid_to.isoformat()
                if r.parameter and r.parameter.valid_to
                else None,
                "source": short_source(r.parameter.legal_source) if r.parameter else None,
            }
            for r in rows
        ]
        if options["json"]:
            self.stdout.write(to_json(data))
            return
        for d in data:
            since = d["valid_from"] or "(no parameter set in force)"
            self.stdout.write(f"{d['code']:<10} {d['name']:<50} {since:<11} {d['source'] or ''}")

    def _run(self, options: dict[str, Any]) -> None:
        user = _user(options["user"])
        show_bar = not options["json"] and sys.stderr.isatty()
        bar = tqdm(total=100, unit="%", desc=options["program"], file=sys.stderr) if show_bar else None

        def on_progress(phase: str, percent: int) -> None:
            if bar is not None:
                bar.set_postfix_str(phase)
                bar.update(percent - bar.n)

        try:
            run = services.programs_run(
                actor=user,
                program_code=options["program"].upper(),
                period=options["period"],
                release_number=options.get("release"),
                on_progress=on_progress,
            )
        finally:
            if bar is not None:
                bar.close()
        data = run_summary(run)
        if options["json"]:
            self.stdout.write(to_json(data))
            return
        data["amount"] = rupiah(run.amount)
        for key, value in data.items():
            self.stdout.write(f"{key:<14}{value}")

    def _abandon(self, options: dict[str, Any]) -> None:
        run = services.run_abandon(
            actor=_user(options["user"]), run_id=options["run_id"], reason=options["reason"]
        )
        self.stdout.write(f"run {run.pk} {run.status}: {run.error_message}")

    def _quota_set(self, options: dict[str, Any]) -> None:
        quota = services.quota_set(
            actor=_user(options["user"]),
            program_code=options["program"].upper(),
            year=options["year"],
            region_code=options["region_code"],
            households=options["households"],
            legal_source=options["source"],
        )
        self.stdout.write(
            f"quota {quota.program.code} {quota.year} {quota.region_code} = {quota.households:,}"
        )

    def _quota_load(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        applied = services.quota_load(actor=_user(options["user"]), path=path)
        self.stdout.write(f"{applied} quotas set from {path.name}")

    def _enrolled(self, options: dict[str, Any]) -> None:
        user = _user(options.get("user"))
        region = options["region"]
        if region and not (region.isdigit() and len(region) in (2, 4, 6)):
            raise CommandError(f"--region {region!r}: a region code of 2, 4 or 6 digits")
        program = selectors.program_get(user=user, code=options["program"].upper())
        counts = selectors.active_by_region(user=user, program=program, region=region)
        names = region_names([c.code for c in counts])
        if options["json"]:
            self.stdout.write(
                to_json(
                    [{"region": c.code, "name": names.get(c.code, ""), "active": c.active} for c in counts]
                )
            )
            return
        for c in counts:
            self.stdout.write(f"{c.code:<11} {names.get(c.code, ''):<40} {c.active:>12,}")
        self.stdout.write(f"{'total':<52} {sum(c.active for c in counts):>12,}")
