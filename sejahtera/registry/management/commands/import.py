"""sejahtera import HOUSEHOLDS PERSONS [--errors FILE] [--json] [--user NAME]"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from sejahtera.accounts.models import User
from sejahtera.common.errors import DomainError
from sejahtera.common.views import csv_lines
from sejahtera.registry.models import ImportJob
from sejahtera.registry.selectors import import_job_errors
from sejahtera.registry.services import command_user, import_run, import_submit

ERROR_HEADER = ("file", "row", "column", "code", "message", "value", "severity")


class Command(BaseCommand):
    help = (
        "Import households and persons (CSV or XLSX, the columns `generate` writes). Bad rows are "
        "reported with row, column and reason; valid rows are promoted in one transaction. Exits 1 "
        "when rows were rejected, 2 when a file could not be read."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("households", type=Path, help="households.csv or .xlsx")
        parser.add_argument("persons", type=Path, help="persons.csv or .xlsx")
        parser.add_argument("--errors", type=Path, help="Write every rejected row and warning to this CSV.")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")
        parser.add_argument("--user", help="Import as this user (default: the system user, national scope).")

    def handle(self, *args: Any, **options: Any) -> None:
        for p in (options["households"], options["persons"]):
            if not p.is_file():
                raise CommandError(f"file not found: {p}")
        actor = self._actor(options.get("user"))
        try:
            job = import_submit(
                actor=actor, households_path=options["households"], persons_path=options["persons"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        show_bar = not options["json"] and sys.stderr.isatty()
        bar = tqdm(total=100, unit="%", desc="import", file=sys.stderr) if show_bar else None

        def on_progress(j: ImportJob) -> None:
            if bar is not None:
                bar.set_postfix_str(j.get_phase_display())
                bar.update(j.progress_percent - bar.n)

        try:
            job = import_run(job_id=job.pk, on_progress=on_progress)
        finally:
            if bar is not None:
                bar.close()
        if options["errors"]:
            self._write_errors(job, options["errors"])
        summary = {
            "job": job.pk,
            "status": job.status,
            "households_imported": job.households_imported,
            "persons_imported": job.persons_imported,
            "households_unchanged": job.households_unchanged,
            "persons_unchanged": job.persons_unchanged,
            "rows_rejected": job.rows_rejected,
            "rows_with_warnings": job.rows_with_warnings,
        }
        if job.status == ImportJob.Status.FAILED:
            summary["error"] = job.error_message
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            for k, v in summary.items():
                self.stdout.write(f"{k:<22}{v}")
        if job.status == ImportJob.Status.FAILED:
            if not options["json"]:
                self.stderr.write(job.error_message)
            sys.exit(2)
        if job.rows_rejected:
            sys.exit(1)

    def _actor(self, username: str | None) -> User:
        try:
            return command_user(username)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _write_errors(self, job: ImportJob, path: Path) -> None:
        # The same CSV as the web download: cells that a spreadsheet would run as formulas are
        # neutralised (the values come from the uploaded file).
        rows = (
            (e.file, e.row, e.column, e.code, e.message, e.value, e.severity)
            for e in import_job_errors(job=job).iterator(chunk_size=5000)
        )
        lines = csv_lines(ERROR_HEADER, rows)
        with path.open("w", newline="", encoding="utf-8") as fh:
            fh.write(next(lines).removeprefix("\ufeff"))  # plain UTF-8 for scripts; the web copy has a BOM
            fh.writelines(lines)
