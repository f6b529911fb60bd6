"""Voluntary withdrawal (mengundurkan diri) of a family from a program, maker-checker:

1. a district officer of the family's region requests it, with the family's reason;
2. another officer confirms it with the date of the family's signed statement;
3. an officer other than the confirmer verifies it: only then does the enrolment end (WITHDRAWN).

Any of them may reject an open request, with a reason. The run never enrols a withdrawn family again.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import ensure_in_jurisdiction
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import DomainError

from ..models import Enrollment, ExitReason, Withdrawal
from ._base import ensure_not_same, move, this_month

WS = Withdrawal.Status


def _withdrawal(actor: User, withdrawal_id: int) -> Withdrawal:
    ensure_can(actor, Action.ENROLLMENT_EXIT)
    w = Withdrawal.objects.select_for_update().select_related("enrollment").get(pk=withdrawal_id)
    ensure_in_jurisdiction(actor, w.village_code)
    return w


@transaction.atomic
def withdrawal_request(*, actor: User, enrollment_id: int, reason: str) -> Withdrawal:
    """Record a family's wish to leave a program (the first step; the enrolment stays ACTIVE)."""
    ensure_can(actor, Action.ENROLLMENT_EXIT)
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment_id)
    ensure_in_jurisdiction(actor, enrollment.village_code)
    if enrollment.status != Enrollment.Status.ACTIVE:
        raise DomainError("Keluarga ini tidak lagi aktif dalam program; tidak ada yang dapat diundurkan.")
    if not reason.strip():
        raise DomainError("Alasan pengunduran diri wajib diisi.")
    try:
        with transaction.atomic():
            w = Withdrawal.objects.create(
                enrollment=enrollment,
                regency_code=enrollment.regency_code,
                village_code=enrollment.village_code,
                reason=reason.strip(),
                requested_by=actor,
            )
    except IntegrityError:
        raise DomainError("Sudah ada permohonan pengunduran diri yang terbuka untuk keluarga ini.") from None
    audit_record(
        actor=actor,
        action="withdrawal.request",
        object_type="withdrawal",
        object_id=w.pk,
        region_code=w.village_code,
        after={"status": WS.REQUESTED, "enrollment": enrollment.pk, "program": enrollment.program_id},
        reason=w.reason,
    )
    return w


@transaction.atomic
def withdrawal_confirm(*, actor: User, withdrawal_id: int, statement_date: dt.date) -> Withdrawal:
    """A second officer confirms the request with the date of the family's signed statement."""
    w = _withdrawal(actor, withdrawal_id)
    ensure_not_same(actor, w.requested_by_id, what="Konfirmasi pengunduran diri")
    if statement_date > timezone.localdate():
        raise DomainError("Tanggal surat pernyataan tidak boleh di masa depan.")
    w.statement_date = statement_date
    w.confirmed_by = actor
    w.confirmed_at = timezone.now()
    move(
        w,
        to=WS.CONFIRMED,
        actor=actor,
        entity=f"Pengunduran diri {w.pk}",
        object_type="withdrawal",
        region_code=w.village_code,
        extra={"statement_date": statement_date},
        fields=("statement_date", "confirmed_by", "confirmed_at"),
    )
    return w


@transaction.atomic
def withdrawal_verify(*, actor: User, withdrawal_id: int) -> Withdrawal:
    """An officer other than the confirmer verifies: the enrolment ends as WITHDRAWN."""
    w = _withdrawal(actor, withdrawal_id)
    ensure_not_same(actor, w.confirmed_by_id, what="Verifikasi pengunduran diri")
    w.verified_by = actor
    w.verified_at = timezone.now()
    move(
        w,
        to=WS.VERIFIED,
        actor=actor,
        entity=f"Pengunduran diri {w.pk}",
        object_type="withdrawal",
        region_code=w.village_code,
        fields=("verified_by", "verified_at"),
    )
    enrollment = Enrollment.objects.select_for_update().get(pk=w.enrollment_id)
    enrollment.exit_reason = ExitReason.WITHDRAWN
    enrollment.exit_period = this_month()
    enrollment.exited_at = w.verified_at
    enrollment.exit_note = w.reason[:500]
    move(
        enrollment,
        to=Enrollment.Status.EXITED,
        actor=actor,
        entity=f"Kepesertaan {enrollment.pk}",
        object_type="enrollment",
        region_code=enrollment.village_code,
        reason=enrollment.exit_note,
        extra={
            "exit_reason": ExitReason.WITHDRAWN,
            "exit_period": enrollment.exit_period,
            "withdrawal": w.pk,
        },
        fields=("exit_reason", "exit_period", "exited_at", "exit_note"),
    )
    return w


@transaction.atomic
def withdrawal_reject(*, actor: User, withdrawal_id: int, reason: str) -> Withdrawal:
    """Close an open request without ending the enrolment (e.g. the family did not sign)."""
    w = _withdrawal(actor, withdrawal_id)
    if not reason.strip():
        raise DomainError("Alasan penolakan wajib diisi.")
    w.note = reason.strip()
    move(
        w,
        to=WS.REJECTED,
        actor=actor,
        entity=f"Pengunduran diri {w.pk}",
        object_type="withdrawal",
        region_code=w.village_code,
        reason=w.note,
        fields=("note",),
    )
    return w
