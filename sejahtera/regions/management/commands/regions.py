"""sejahtera regions load | stats [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sejahtera.regions.selectors import district_codes, region_stats
from sejahtera.regions.services import regions_load


class Command(BaseCommand):
    help = "Load the Kemendagri region hierarchy (idempotent) or print its counts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load", help="Load or refresh all regions and historical codes (idempotent).")
        stats = sub.add_parser("stats", help="Count regions per level.")
        stats.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            result = regions_load()
            district_codes.cache_clear()
            self.stdout.write(
                f"regions: {result.created} created, {result.updated} refreshed, "
                f"{result.historical} historical codes"
            )
            return
        stats = region_stats()
        if options["json"]:
            self.stdout.write(json.dumps(stats))
        else:
            for key, value in stats.items():
                self.stdout.write(f"{key:<14}{value:>8,}")
