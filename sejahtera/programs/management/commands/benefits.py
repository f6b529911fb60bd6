"""sejahtera benefits simulate FILE.json | -   (docs/benefits-simulate.md)"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sejahtera.programs.parameters import simulate
from sejahtera.programs.rules import InputError

# Bad input exits with 2 (as argparse does for bad arguments), nothing on stdout.
BAD_INPUT = 2


def _read(source: str) -> Any:
    if source == "-":
        text, name = sys.stdin.read(), "stdin"
    else:
        path = Path(source)
        try:
            text, name = path.read_text(encoding="utf-8"), source
        except FileNotFoundError:
            raise CommandError(f"{source}: no such file", returncode=BAD_INPUT) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{source}: cannot be read ({exc})", returncode=BAD_INPUT) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{name}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", returncode=BAD_INPUT
        ) from None


class Command(BaseCommand):
    help = (
        "Program benefits. `simulate FILE.json` (or - for stdin): what a family described in the file "
        "would receive from each program named, with every rule applied, under the parameters in the "
        "database (docs/benefits-simulate.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sim = sub.add_parser("simulate", help="Evaluate the rules for one family; prints JSON.")
        sim.add_argument("file", help="The family as JSON (docs/benefits-simulate.md); - reads stdin.")
        sim.add_argument("--compact", action="store_true", help="One line of JSON instead of indented.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "simulate":
            self._simulate(options)

    def _simulate(self, options: dict[str, Any]) -> None:
        doc = _read(options["file"])
        try:
            out = simulate(doc)
        except InputError as exc:
            raise CommandError(str(exc), returncode=BAD_INPUT) from None
        self.stdout.write(json.dumps(out, ensure_ascii=False, indent=None if options["compact"] else 2))
