"""sejahtera updates lapse [--json] [--user NAME]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sejahtera.updates import services

from ._cli import actor, add_user_argument, to_json


class Command(BaseCommand):
    help = "Update-cycle housekeeping. `lapse`: objections (sanggah) not verified by their due date lapse; run daily."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        lapse = sub.add_parser("lapse", help="Lapse the objections past their verification due date.")
        lapse.add_argument("--json", action="store_true")
        add_user_argument(lapse)

    def handle(self, *args: Any, **options: Any) -> None:
        lapsed = services.proposals_lapse_overdue(actor=actor(options.get("user")))
        self.stdout.write(to_json({"lapsed": lapsed}) if options["json"] else f"lapsed {lapsed}")
