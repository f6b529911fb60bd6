"""sejahtera users create USERNAME --role ROLE [--region CODE] | users list [--json]"""

from __future__ import annotations

import getpass
import json
import secrets
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sejahtera.accounts.models import Role, User
from sejahtera.accounts.services import user_create
from sejahtera.common.errors import DomainError


class Command(BaseCommand):
    help = "Create users with one role and one jurisdiction, or list them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        c = sub.add_parser("create", help="Create a user (the password is read from stdin, or generated).")
        c.add_argument("username")
        c.add_argument("--role", required=True, choices=Role.values)
        c.add_argument("--region", default="", help="Jurisdiction code (dots allowed); empty = national.")
        c.add_argument("--name", default="", help="Full name.")
        c.add_argument("--password-stdin", action="store_true", help="Read the password from stdin.")
        lst = sub.add_parser("list", help="List users with role and jurisdiction.")
        lst.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            rows = [
                {
                    "username": u.username,
                    "role": u.role,
                    "jurisdiction": u.jurisdiction_code,
                    "active": u.is_active,
                }
                for u in User.objects.order_by("username")
            ]
            for row in rows:
                self.stdout.write(
                    json.dumps(row)
                    if options["json"]
                    else f"{row['username']:<20}{row['role']:<22}{row['jurisdiction'] or 'NASIONAL'}"
                )
            return
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass()
            generated = False
        else:
            password, generated = secrets.token_urlsafe(12), True
        if len(password) < 10:
            raise CommandError("the password needs at least 10 characters")
        region = "".join(ch for ch in options["region"] if ch.isdigit())
        try:
            user = user_create(
                actor=None,
                username=options["username"],
                password=password,
                role=options["role"],
                jurisdiction_code=region,
                full_name=options["name"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"created {user.username} ({user.get_role_display()}, {user.jurisdiction_label()})")
        if generated:
            self.stdout.write(f"password: {password}")
