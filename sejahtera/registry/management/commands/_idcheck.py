"""Shared body of `sejahtera nik check` and `sejahtera kk check`: one JSON object per line."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sejahtera.registry.identifiers import IdentifierCheck


class IdCheckCommand(BaseCommand):
    noun = ""
    checker: Callable[..., IdentifierCheck]

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        c = sub.add_parser(
            "check", help=f"Check one or more {self.noun} numbers ('-' reads them from stdin)."
        )
        c.add_argument("numbers", nargs="+", help=f"{self.noun} numbers, dots and spaces ignored")
        c.add_argument("--json", action="store_true", help="One JSON object per line.")

    def handle(self, *args: Any, **options: Any) -> None:
        numbers: list[str] = options["numbers"]
        if numbers == ["-"]:
            numbers = [line.strip() for line in sys.stdin if line.strip()]
        any_invalid = False
        for raw in numbers:
            value = raw.replace(".", "").replace(" ", "")
            result = type(self).checker(value)
            any_invalid |= not result.valid
            if options["json"]:
                self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            else:
                verdict = "valid" if result.valid else "INVALID"
                extra = ", ".join(result.errors + [f"warning {w}" for w in result.warnings])
                self.stdout.write(f"{value}  {verdict}  {result.region_name or ''} {extra}".rstrip())
        if any_invalid:
            sys.exit(1)
