"""What the update-cycle services share: the clock, status moves with their audit entry, and the
maker-checker rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

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


def ensure_not_maker(actor: User, *makers: Any, what: str) -> None:
    """Whoever made a step may not check it (DESIGN.md "Maker-checker")."""
    if any(m is not None and getattr(m, "pk", m) == actor.pk for m in makers):
        raise MakerCheckerViolation(
            f"{what}: Anda tidak boleh memeriksa atau mengesahkan usulan yang Anda ajukan atau verifikasi sendiri."
        )
