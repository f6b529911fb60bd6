"""The append-only, hash-chained audit log.

`audit_record` is called by every service that changes registry, program or payment data, inside
the service's transaction: the entry commits or rolls back with the change it describes.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from .models import AuditEntry

GENESIS_HASH = "0" * 64
# Any constant works; it names the advisory lock that serialises appends on PostgreSQL.
_CHAIN_LOCK_KEY = 0x5E1A_7E4A


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def _parse_float(text: str) -> int | float:
    # PostgreSQL's jsonb keeps numbers as numeric and writes 1e16 back as 10000000000000000, which
    # JSON reads as an int: integral floats are stored as ints so the hash survives the round trip.
    number = float(text)
    return int(number) if number.is_integer() else number


def canonical(value: Any) -> Any:
    """The JSON form stored and hashed: what goes in is exactly what comes back from the database."""
    return json.loads(json.dumps(value, default=_json_default, sort_keys=True), parse_float=_parse_float)


def entry_hash(
    *,
    prev_hash: str,
    at: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    region_code: str,
    before: Any,
    after: Any,
    reason: str,
) -> str:
    payload = json.dumps(
        {
            "at": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "region_code": region_code,
            "before": before,
            "after": after,
            "reason": reason,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def hash_of(entry: AuditEntry) -> str:
    """The hash an entry must carry, from its own fields as stored."""
    return entry_hash(
        prev_hash=entry.prev_hash,
        at=entry.at,
        actor_id=entry.actor_id,
        actor_label=entry.actor_label,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        region_code=entry.region_code,
        before=entry.before,
        after=entry.after,
        reason=entry.reason,
    )


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    # SQLite: transactions are IMMEDIATE (settings), so writers are already serialised.


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: Any,
    region_code: str = "",
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction."""
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        prev_hash = last or GENESIS_HASH
        actor_id = getattr(actor, "pk", None)
        entry = AuditEntry(
            at=timezone.now(),
            actor_id=actor_id,
            actor_label=getattr(actor, "username", "") or (str(actor) if actor and not actor_id else ""),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            region_code=region_code,
            before=canonical(before),
            after=canonical(after),
            reason=reason,
            prev_hash=prev_hash,
        )
        entry.hash = hash_of(entry)
        entry.save()
        return entry


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (before, after)."""
    keys = [k for k in after if canonical(before.get(k)) != canonical(after.get(k))]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    reason: str


def _iter_entries(batch: int = 5000) -> Iterator[AuditEntry]:
    last_id = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def audit_verify() -> tuple[int, ChainBreak | None]:
    """Walk the chain in id order. Returns (entries checked, first break or None)."""
    prev = GENESIS_HASH
    checked = 0
    for e in _iter_entries():
        if e.prev_hash != prev:
            return checked, ChainBreak(e.id, "prev_hash does not match the previous entry's hash")
        if hash_of(e) != e.hash:
            return checked, ChainBreak(e.id, "content does not match its hash (edited after it was written)")
        prev = e.hash
        checked += 1
    return checked, None


@dataclass(frozen=True)
class PendingEntry:
    """One entry of a bulk append (audit_record_many)."""

    action: str
    object_type: str
    object_id: Any
    region_code: str = ""
    before: Any = None
    after: Any = None
    reason: str = ""


def audit_record_many(*, actor: Any, entries: list[PendingEntry]) -> int:
    """Append many entries in one statement, chained in the order given (bulk paths: a release
    applying 50,000 proposals writes 50,000 entries without 50,000 round trips)."""
    if not entries:
        return 0
    with transaction.atomic():
        _lock_chain()
        prev_hash = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
        actor_id = getattr(actor, "pk", None)
        label = getattr(actor, "username", "") or (str(actor) if actor and not actor_id else "")
        now = timezone.now()
        rows = []
        for e in entries:
            row = AuditEntry(
                at=now,
                actor_id=actor_id,
                actor_label=label,
                action=e.action,
                object_type=e.object_type,
                object_id=str(e.object_id),
                region_code=e.region_code,
                before=canonical(e.before),
                after=canonical(e.after),
                reason=e.reason,
                prev_hash=prev_hash,
            )
            row.hash = hash_of(row)
            prev_hash = row.hash
            rows.append(row)
        # Inserted in order, so ids follow the chain (audit_verify walks by id).
        AuditEntry.objects.bulk_create(rows, batch_size=2000)
        return len(rows)
