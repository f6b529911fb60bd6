"""What the update-cycle services share: the clock, status moves with their audit entry, and the
maker-checker rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import MakerCheckerViolation
from sejahtera.common.states import ensure_transition


def now() -> dt.datetime:
    return timezone.now()


def move(
    obj: Any,
    *,
    to: str,
    actor: Any,
    entity: str,
    object_type: str,
    region_code: str,
    reason: str = "",
    extra: dict[str, Any] | None = None,
    fields: tuple[str, ...] = (),
) -> None:
    """Move `obj` to status `to` if its table allows it, save the named fields, audit the move."""
    ensure_transition(
        entity=entity,
        table=type(obj).TRANSITIONS,
        current=obj.status,
        requested=to,
        choices=type(obj).Status,
    )
    before = obj.status
    obj.status = to
    update_fields = ["status", *fields]
    if any(f.name == "updated_at" for f in obj._meta.fields):
        update_fields.append("updated_at")
    obj.save(update_fields=update_fields)
    audit_record(
        actor=actor,
        action=f"{object_type}.{to.lower()}",
        object_type=object_type,
        object_id=obj.pk,
        region_code=region_code,
        before={"status": before},
        after={"status": to, **(extra or {})},
        reason=reason,
    )


def bulk_set(
    model: type[Model], objs: Sequence[Model], fields: Sequence[str], *, batch_size: int = 2000
) -> None:
    """Save `fields` of many rows, each with its own values (bulk paths: a release applying 50,000
    proposals, a file of population events).

    PostgreSQL: one UPDATE ... FROM (VALUES ...) per batch, joined on the primary key, so the cost
    grows with the rows. Django's bulk_update writes a CASE with one branch per row for every
    field: the server tests up to batch-size branches per row and Python builds an expression per
    value, which made it most of a release build at 10^6 households (docs/performance.md).
    Elsewhere (SQLite) bulk_update."""
    if not objs or not fields:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, list(fields), batch_size=500)
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    columns: list[Field[Any, Any]] = [pk, *(cast("Field[Any, Any]", meta.get_field(name)) for name in fields)]
    qn = connection.ops.quote_name
    table, key = qn(meta.db_table), qn(str(pk.column))
    row = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in columns) + ")"
    sets = ", ".join(f"{qn(str(f.column))} = v.{qn(str(f.column))}" for f in columns[1:])
    names = ", ".join(qn(str(f.column)) for f in columns)
    with connection.cursor() as cur:
        for start in range(0, len(objs), batch_size):
            chunk = objs[start : start + batch_size]
            params = [
                f.get_db_prep_save(getattr(obj, f.attname), connection) for obj in chunk for f in columns
            ]
            cur.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(chunk))}) AS v({names}) "
                f"WHERE {table}.{key} = v.{key}",
                params,
            )


def ensure_not_maker(actor: User, *makers: Any, what: str) -> None:
    """Whoever made a step may not check it (DESIGN.md "Maker-checker")."""
    if any(m is not None and getattr(m, "pk", m) == actor.pk for m in makers):
        raise MakerCheckerViolation(
            f"{what}: Anda tidak boleh memeriksa atau mengesahkan usulan yang Anda ajukan atau verifikasi sendiri."
        )
