"""sejahtera audit verify [--json]"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sejahtera.common.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and name the first broken entry."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        v = sub.add_parser("verify", help="Walk the chain in order; exit 1 at the first broken entry.")
        v.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken = audit_verify()
        if options["json"]:
            out: dict[str, Any] = {"ok": broken is None, "checked": checked}
            if broken:
                out.update(first_broken_id=broken.entry_id, reason=broken.reason)
            self.stdout.write(json.dumps(out))
        elif broken is None:
            self.stdout.write(f"audit chain intact: {checked} entries")
        else:
            self.stdout.write(
                f"audit chain BROKEN at entry #{broken.entry_id}: {broken.reason} "
                f"({checked} entries before it are intact)"
            )
        if broken is not None:
            sys.exit(1)
