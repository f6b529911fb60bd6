"""sejahtera events apply FILE [--json] [--user NAME]"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from sejahtera.common.errors import DomainError
from sejahtera.updates import services

from ._cli import actor, add_user_argument, to_json


class Command(BaseCommand):
    help = (
        "Apply a file of population-registry events (CSV with a header, or JSON lines; see "
        "docs/update-cycle.md). Each event applies once: an event id already applied is counted as a "
        "duplicate, a rejected one is tried again. Prints applied, duplicate and rejected counts with the "
        "reasons; exits 0 when the file was read, rejections or not."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        apply = sub.add_parser("apply", help="Apply the events of FILE.")
        apply.add_argument("file", type=Path)
        apply.add_argument("--json", action="store_true", help="Print the result as JSON.")
        add_user_argument(apply)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"file not found: {path}")
        user = actor(options.get("user"))
        bar = (
            tqdm(unit=" events", desc="events", file=sys.stderr)
            if not options["json"] and sys.stderr.isatty()
            else None
        )

        def on_progress(done: int) -> None:
            if bar is not None:
                bar.update(done - bar.n)

        try:
            result = services.events_apply(
                actor=user, records=services.events_read(path), source=path.name, on_progress=on_progress
            )
        except UnicodeDecodeError as exc:
            # Batches before the bad byte are applied; a second run counts them as duplicates.
            raise CommandError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        finally:
            if bar is not None:
                bar.close()
        if options["json"]:
            self.stdout.write(to_json(result.as_dict()))
            return
        self.stdout.write(f"applied    {result.applied}")
        self.stdout.write(f"duplicate  {result.duplicate}")
        self.stdout.write(f"rejected   {result.rejected}")
        for code, n in result.reasons.most_common():
            self.stdout.write(f"  {code:<20}{n}")
        for r in result.rejections:
            self.stdout.write(f"line {r.line}: {r.event_id or '-'} {r.code}: {r.message}")
