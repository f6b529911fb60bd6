"""What the update-cycle commands (release, events, updates) share: the acting user, JSON output."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.common.errors import DomainError
from sejahtera.registry.services import command_user


def add_user_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--user", help="Act as this user (default: the system user, central data team, national scope)."
    )


def actor(username: str | None) -> User:
    try:
        return command_user(username)
    except DomainError as exc:
        raise CommandError(exc.message) from exc


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(value: Any) -> str:
    return json.dumps(value, default=_plain, ensure_ascii=False)
