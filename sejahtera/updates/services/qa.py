"""Quality assurance: a university reviewer upholds or reverses a contested verification; the
decision flows back into the proposal."""

from __future__ import annotations

from django.db import transaction

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import ensure_in_jurisdiction
from sejahtera.common.errors import DomainError

from ..models import Proposal, QACase
from ._base import ensure_not_maker, move, now

S = Proposal.Status


@transaction.atomic
def qa_decide(*, actor: User, case_id: int, uphold: bool, reason: str) -> QACase:
    """Uphold (the verification stands, the proposal goes on to approval) or reverse it (the
    proposal is not confirmed), with a reason."""
    ensure_can(actor, Action.QA_REVIEW)
    case = QACase.objects.select_for_update().get(pk=case_id)
    ensure_in_jurisdiction(actor, case.village_id)
    if case.assigned_to_id and case.assigned_to_id != actor.pk:
        raise DomainError("Kasus ini ditugaskan kepada peninjau lain.")
    if not reason.strip():
        raise DomainError("Alasan keputusan wajib diisi.")
    p = Proposal.objects.select_for_update().get(pk=case.proposal_id)
    ensure_not_maker(actor, p.submitted_by_id, p.verified_by_id, what=f"Usulan #{p.pk}")
    to = QACase.Status.UPHELD if uphold else QACase.Status.REVERSED
    case.decided_by = actor
    case.decided_at = now()
    case.decision_reason = reason.strip()
    case.assigned_to = case.assigned_to or actor
    move(
        case,
        to=to,
        actor=actor,
        entity="Kasus penjaminan mutu",
        object_type="qa_case",
        region_code=case.village_id,
        reason=reason,
        extra={"proposal": p.pk},
        fields=("decided_by", "decided_at", "decision_reason", "assigned_to"),
    )
    target = S.VERIFIED if uphold else S.NOT_CONFIRMED
    if not uphold:
        p.outcome = f"Dibatalkan penjamin mutu: {reason.strip()}"[:300]
    move(
        p,
        to=target,
        actor=actor,
        entity="Usulan",
        object_type="proposal",
        region_code=p.village_id,
        reason=reason,
        extra={"qa_case": case.pk},
        fields=("outcome",),
    )
    return case
