"""What the program services share: the month a manual exit falls in, status moves with their audit
entry, and the maker-checker rule."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import MakerCheckerViolation
from sejahtera.common.states import ensure_transition


def this_month() -> str:
    """YYYY-MM of today (the exit period of a graduation or a withdrawal)."""
    return timezone.localdate().strftime("%Y-%m")


def move(
    obj: Any,
    *,
    to: str,
    actor: User,
    entity: str,
    object_type: str,
    region_code: str,
    reason: str = "",
    extra: dict[str, Any] | None = None,
    fields: tuple[str, ...] = (),
) -> None:
    """Move `obj` to status `to` if its TRANSITIONS allow it, save the named fields, audit the move."""
    ensure_transition(
        entity=entity, table=type(obj).TRANSITIONS, current=obj.status, requested=to, choices=type(obj).Status
    )
    before = obj.status
    obj.status = to
    obj.save(update_fields=["status", *fields])
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


def ensure_not_same(actor: User, *others: Any, what: str) -> None:
    """Whoever made a step may not check it (DESIGN.md "Maker-checker")."""
    if any(o is not None and getattr(o, "pk", o) == actor.pk for o in others):
        raise MakerCheckerViolation(f"{what}: langkah ini harus dilakukan oleh petugas lain.")
