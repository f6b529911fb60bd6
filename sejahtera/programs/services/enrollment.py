"""Manual exits: graduation (graduasi) of a family by the program manager, with its reason."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import ensure_in_jurisdiction
from sejahtera.common.errors import DomainError

from ..models import Enrollment, ExitReason
from ._base import move, this_month


@transaction.atomic
def enrollment_graduate(*, actor: User, enrollment_id: int, reason: str) -> Enrollment:
    """End a family's enrolment because it graduated (keluar dari kemiskinan, PKH graduasi): the
    program manager's decision, with its reason; the run does not enrol the family again."""
    ensure_can(actor, Action.PROGRAM_MANAGE)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment_id)
    ensure_in_jurisdiction(actor, enrollment.village_code)
    if not reason.strip():
        raise DomainError("Alasan graduasi wajib diisi.")
    enrollment.exit_reason = ExitReason.GRADUATED
    enrollment.exit_period = this_month()
    enrollment.exited_at = timezone.now()
    enrollment.exit_note = reason.strip()[:500]
    move(
        enrollment,
        to=Enrollment.Status.EXITED,
        actor=actor,
        entity=f"Kepesertaan {enrollment.pk}",
        object_type="enrollment",
        region_code=enrollment.village_code,
        reason=enrollment.exit_note,
        extra={"exit_reason": ExitReason.GRADUATED, "exit_period": enrollment.exit_period},
        fields=("exit_reason", "exit_period", "exited_at", "exit_note"),
    )
    return enrollment
