"""An officer's decisions on findings (resolve, dismiss: each with a reason, audited) and on padan
results (an override, requested by one district officer and approved by another)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import ensure_in_jurisdiction
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import DomainError, MakerCheckerViolation
from sejahtera.common.states import ensure_transition
from sejahtera.registry.models import Person

from ..models import Finding, FindingType, PadanOverride, PadanResult

FS = Finding.Status
OS = PadanOverride.Status
PADAN_TYPES = (FindingType.PADAN_NOT_MATCHED, FindingType.PADAN_NOT_FOUND)


def _decide(*, actor: User, finding_id: int, to: str, reason: str, action: str) -> Finding:
    ensure_can(actor, Action.QUALITY_MANAGE)
    finding = Finding.objects.select_for_update().get(pk=finding_id)
    ensure_in_jurisdiction(actor, finding.village_id)
    if not reason.strip():
        raise DomainError("Alasan wajib diisi.")
    ensure_transition(
        entity=f"Temuan {finding.pk}",
        table=Finding.TRANSITIONS,
        current=finding.status,
        requested=to,
        choices=FS,
    )
    before = finding.status
    finding.status = to
    finding.decided_by = actor
    finding.decided_at = timezone.now()
    finding.decision_reason = reason.strip()
    finding.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(
        actor=actor,
        action=action,
        object_type="quality_finding",
        object_id=finding.pk,
        region_code=finding.village_id,
        before={"status": before},
        after={"status": to, "type": finding.type, "fingerprint": finding.fingerprint},
        reason=finding.decision_reason,
    )
    return finding


@transaction.atomic
def finding_resolve(*, actor: User, finding_id: int, reason: str) -> Finding:
    """The problem was corrected (e.g. through an update proposal): say how."""
    return _decide(
        actor=actor, finding_id=finding_id, to=FS.RESOLVED, reason=reason, action="quality.resolve"
    )


@transaction.atomic
def finding_dismiss(*, actor: User, finding_id: int, reason: str) -> Finding:
    """Not a problem (e.g. an old district code after a split): say why. A re-run keeps it dismissed."""
    return _decide(
        actor=actor, finding_id=finding_id, to=FS.DISMISSED, reason=reason, action="quality.dismiss"
    )


def _latest_result(person: Person) -> PadanResult:
    result = PadanResult.objects.filter(person=person).order_by("-id").first()
    if result is None or result.result == PadanResult.Result.MATCHED:
        raise DomainError("Hasil padan terakhir orang ini bukan 'tidak padan' atau 'tidak ditemukan'.")
    return result


@transaction.atomic
def override_request(*, actor: User, finding_id: int, reason: str) -> PadanOverride:
    """A district officer asks that a person not matched in Dukcapil stay in the next releases."""
    ensure_can(actor, Action.PADAN_OVERRIDE)
    finding = Finding.objects.select_related("person__household").get(pk=finding_id)
    ensure_in_jurisdiction(actor, finding.village_id)
    if finding.type not in PADAN_TYPES or finding.person is None:
        raise DomainError("Pengecualian hanya untuk temuan padan (tidak padan / tidak ditemukan).")
    if not reason.strip():
        raise DomainError("Alasan wajib diisi.")
    result = _latest_result(finding.person)
    household = finding.person.household
    try:
        with transaction.atomic():
            override = PadanOverride.objects.create(
                person=finding.person,
                result=result,
                finding=finding,
                regency_code=household.regency_code,
                village_code=household.village_id,
                reason=reason.strip(),
                requested_by=actor,
            )
    except IntegrityError:
        raise DomainError("Pengecualian untuk hasil padan ini sudah diajukan atau disetujui.") from None
    audit_record(
        actor=actor,
        action="quality.override.request",
        object_type="padan_override",
        object_id=override.pk,
        region_code=override.village_code,
        after={"person": finding.person_id, "result": result.pk, "padan": result.result},
        reason=override.reason,
    )
    return override


@transaction.atomic
def override_decide(*, actor: User, override_id: int, approve: bool, note: str = "") -> PadanOverride:
    """A second district officer of the regency approves (the person returns to the next release)
    or rejects the override. Maker-checker: never the officer who asked."""
    ensure_can(actor, Action.PADAN_OVERRIDE)
    override = PadanOverride.objects.select_for_update().get(pk=override_id)
    ensure_in_jurisdiction(actor, override.village_code)
    to = OS.APPROVED if approve else OS.REJECTED
    ensure_transition(
        entity=f"Pengecualian {override.pk}",
        table=PadanOverride.TRANSITIONS,
        current=override.status,
        requested=to,
        choices=OS,
    )
    if override.requested_by_id == actor.pk:
        raise MakerCheckerViolation("Pengecualian harus disetujui petugas lain, bukan yang mengajukan.")
    if not approve and not note.strip():
        raise DomainError("Alasan penolakan wajib diisi.")
    override.status = to
    override.decided_by = actor
    override.decided_at = timezone.now()
    override.decision_note = note.strip()
    override.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action="quality.override.approve" if approve else "quality.override.reject",
        object_type="padan_override",
        object_id=override.pk,
        region_code=override.village_code,
        before={"status": OS.REQUESTED},
        after={"status": to, "person": override.person_id},
        reason=override.decision_note or override.reason,
    )
    if approve and override.finding_id:
        finding = Finding.objects.select_for_update().get(pk=override.finding_id)
        if finding.status in (FS.OPEN, FS.FIXED):
            _decide(
                actor=actor,
                finding_id=finding.pk,
                to=FS.RESOLVED,
                reason=f"Pengecualian padan #{override.pk} disetujui: {override.reason}",
                action="quality.resolve",
            )
    return override
