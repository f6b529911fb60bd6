"""Approval (pengesahan): the district office decides the verified proposals of a village in one
batch, under the regent's or mayor's letter; a province stage follows when configured."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import ensure_in_jurisdiction
from sejahtera.common.audit import PendingEntry, audit_record, audit_record_many
from sejahtera.common.errors import DomainError
from sejahtera.common.states import ensure_transition

from ..models import ApprovalDecision, Proposal, VerificationTask
from ._base import ensure_not_maker, now

S = Proposal.Status
L = ApprovalDecision.Level
D = ApprovalDecision.Decision


def _target(level: str, decision: str) -> str:
    if decision == D.RETURN:
        return S.RETURNED
    if level == L.DISTRICT and settings.UPDATES_PROVINCE_STAGE:
        return S.DISTRICT_APPROVED
    return S.APPROVED


@transaction.atomic
def proposals_decide(
    *,
    actor: User,
    village_code: str,
    proposal_ids: list[int],
    decision: str,
    letter_number: str,
    letter_date: dt.date,
    note: str = "",
    level: str = L.DISTRICT,
) -> ApprovalDecision:
    """Approve or return a batch of one village's proposals. The approver is never their submitter
    or verifier (nor, at the province stage, their district approver)."""
    ensure_can(actor, Action.APPROVE_DISTRICT if level == L.DISTRICT else Action.APPROVE_PROVINCE)
    if level == L.PROVINCE and not settings.UPDATES_PROVINCE_STAGE:
        raise DomainError("Tahap pengesahan provinsi tidak diaktifkan.")
    if decision not in D.values:
        raise DomainError("Pilih keputusan: disahkan atau dikembalikan.")
    if not letter_number.strip():
        raise DomainError("Nomor surat pengesahan wajib diisi.")
    if letter_date > now().date():
        raise DomainError("Tanggal surat tidak boleh di masa depan.")
    if decision == D.RETURN and not note.strip():
        raise DomainError("Alasan pengembalian wajib diisi.")
    if not proposal_ids:
        raise DomainError("Pilih sedikitnya satu usulan.")
    ensure_in_jurisdiction(actor, village_code)
    proposals = list(Proposal.objects.select_for_update().filter(id__in=set(proposal_ids)).order_by("id"))
    found = {p.pk for p in proposals}
    if missing := sorted(set(proposal_ids) - found):
        raise DomainError(f"Usulan tidak ditemukan: {', '.join(map(str, missing))}")
    expected = S.VERIFIED if level == L.DISTRICT else S.DISTRICT_APPROVED
    target = _target(level, decision)
    district_approvers: dict[int, int | None] = {}
    if level == L.PROVINCE:
        district_approvers = dict(
            ApprovalDecision.objects.filter(
                id__in=[p.district_decision_id for p in proposals if p.district_decision_id]
            ).values_list("id", "decided_by_id")
        )
    for p in proposals:
        if p.village_id != village_code:
            raise DomainError(
                f"Usulan #{p.pk} bukan dari desa/kelurahan {village_code}; satu keputusan satu desa."
            )
        ensure_transition(
            entity=f"Usulan #{p.pk}",
            table=Proposal.TRANSITIONS,
            current=p.status,
            requested=target,
            choices=S,
        )
        if p.status != expected:
            raise DomainError(f"Usulan #{p.pk} belum siap untuk tahap ini ({p.get_status_display()}).")
        ensure_not_maker(
            actor,
            p.submitted_by_id,
            p.verified_by_id,
            district_approvers.get(p.district_decision_id or 0),
            what=f"Usulan #{p.pk}",
        )
    at = now()
    decision_row = ApprovalDecision(
        level=level,
        decision=decision,
        letter_number=letter_number.strip(),
        letter_date=letter_date,
        note=note.strip(),
        decided_by=actor,
        decided_at=at,
        proposals=len(proposals),
    )
    decision_row.place_in(village_code)
    decision_row.save()
    fields = {"status": target, "updated_at": at}
    fields["district_decision" if level == L.DISTRICT else "province_decision"] = decision_row
    if target == S.APPROVED:
        fields["approved_at"] = at
    if decision == D.RETURN:
        fields["outcome"] = note.strip()[:300]
    Proposal.objects.filter(id__in=found).update(**fields)
    if decision == D.RETURN:
        rounds = dict(
            VerificationTask.objects.filter(proposal_id__in=found)
            .order_by()
            .values_list("proposal_id")
            .annotate(n=Max("round"))
        )
        tasks = []
        for p in proposals:
            t = VerificationTask(proposal=p, round=(rounds.get(p.pk) or 0) + 1)
            t.place_in(p.village_id)
            tasks.append(t)
        VerificationTask.objects.bulk_create(tasks)
    audit_record(
        actor=actor,
        action=f"approval.{decision.lower()}",
        object_type="approval",
        object_id=decision_row.pk,
        region_code=village_code,
        after={
            "level": level,
            "letter": decision_row.letter_number,
            "letter_date": letter_date,
            "proposals": sorted(found),
        },
        reason=note,
    )
    audit_record_many(
        actor=actor,
        entries=[
            PendingEntry(
                action=f"proposal.{target.lower()}",
                object_type="proposal",
                object_id=p.pk,
                region_code=p.village_id,
                before={"status": p.status},
                after={"status": target, "decision": decision_row.pk, "letter": decision_row.letter_number},
                reason=note,
            )
            for p in proposals
        ],
    )
    return decision_row
