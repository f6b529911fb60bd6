"""Manual exits: graduation (graduasi) of a family by the program manager, with its reason; the end
of a family's memberships when data quality closes it as a duplicate."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import ensure_in_jurisdiction
from sejahtera.common.errors import DomainError

from ..models import Enrollment, ExitReason
from ._base import move, this_month


def _exit(enrollment: Enrollment, *, actor: User, exit_reason: str, note: str) -> None:
    enrollment.exit_reason = exit_reason
    enrollment.exit_period = this_month()
    enrollment.exited_at = timezone.now()
    enrollment.exit_note = note[:500]
    move(
        enrollment,
        to=Enrollment.Status.EXITED,
        actor=actor,
        entity=f"Kepesertaan {enrollment.pk}",
        object_type="enrollment",
        region_code=enrollment.village_code,
        reason=enrollment.exit_note,
        extra={"exit_reason": exit_reason, "exit_period": enrollment.exit_period},
        fields=("exit_reason", "exit_period", "exited_at", "exit_note"),
    )


@transaction.atomic
def enrollments_end_duplicate(*, actor: User, household_id: int, reason: str) -> list[int]:
    """End every ACTIVE membership of a family closed as a duplicate (a confirmed merge in
    quality.dedup, which checked the actor's right and jurisdiction); each exit is audited.
    Returns the enrolments ended."""
    ended = []
    for enrollment in Enrollment.objects.select_for_update().filter(
        household_id=household_id, status=Enrollment.Status.ACTIVE
    ):
        _exit(enrollment, actor=actor, exit_reason=ExitReason.DUPLICATE, note=reason)
        ended.append(enrollment.pk)
    return ended


@transaction.atomic
def enrollment_graduate(*, actor: User, enrollment_id: int, reason: str) -> Enrollment:
    """End a family's enrolment because it graduated (keluar dari kemiskinan, PKH graduasi): the
    program manager's decision, with its reason; the run does not enrol the family again."""
    ensure_can(actor, Action.PROGRAM_MANAGE)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment_id)
    ensure_in_jurisdiction(actor, enrollment.village_code)
    if not reason.strip():
        raise DomainError("Alasan graduasi wajib diisi.")
    _exit(enrollment, actor=actor, exit_reason=ExitReason.GRADUATED, note=reason.strip())
    return enrollment
