"""Reads of the public requests: a code's public status (what the citizen may see, nothing of the
registry), and the staff's scoped lists and records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import ensure_in_jurisdiction, household_scope
from sejahtera.common.errors import NotInJurisdiction
from sejahtera.updates.models import Proposal, VerificationTask

from .models import Complaint, PublicSubmission
from .services import normalise_code

S = Proposal.Status


@dataclass(frozen=True)
class PublicStatus:
    """What a status page shows: the code, what it is, where, the status in the citizen's words,
    the dates and (a complaint) the official answer. Never a NIK, KK, address, birth date or a
    verifier's notes."""

    code: str
    what: str
    village: str
    status: str
    tone: str  # open | done | refused
    explanation: str
    submitted_at: dt.datetime
    due_at: dt.datetime | None = None
    answer: str = ""
    answered_at: dt.datetime | None = None


def _words(p: Proposal, kind: str) -> tuple[str, str, str]:
    """(status, tone, explanation) of a proposal in the citizen's words."""
    sanggah = kind == PublicSubmission.Kind.SANGGAH
    if p.status in (S.SUBMITTED, S.RETURNED):
        taken = VerificationTask.objects.filter(
            proposal=p, status=VerificationTask.Status.OPEN, assigned_to__isnull=False
        ).exists()
        if taken or p.status == S.RETURNED:
            return _("Sedang diverifikasi"), "open", _("Petugas sedang memeriksa ke lapangan.")
        return _("Diterima"), "open", _("Menunggu kunjungan petugas verifikasi.")
    if p.status == S.QA_REVIEW:
        return _("Sedang diverifikasi"), "open", _("Hasil kunjungan sedang ditinjau.")
    if p.status in (S.VERIFIED, S.DISTRICT_APPROVED, S.APPROVED):
        if sanggah:
            return _("Terbukti"), "done", _("Sanggahan terbukti; menunggu penetapan data berikutnya.")
        return _("Terbukti layak"), "done", _("Menunggu pengesahan dan penetapan data berikutnya.")
    if p.status == S.APPLIED:
        number = p.release.number if p.release else 0
        return (
            _("Ditetapkan dalam rilis %(n)d") % {"n": number},
            "done",
            _("Perubahan sudah berlaku dalam data terpadu."),
        )
    if p.status == S.NOT_CONFIRMED:
        if sanggah:
            return _("Tidak terbukti"), "refused", _("Hasil verifikasi tidak membenarkan sanggahan.")
        return _("Tidak terbukti layak"), "refused", _("Hasil verifikasi tidak membenarkan usulan.")
    if p.status == S.LAPSED:
        return (
            _("Kedaluwarsa"),
            "refused",
            _("Tidak diverifikasi dalam batas waktu, sehingga sanggahan dianggap tidak sah."),
        )
    if p.status == S.WITHDRAWN:
        return _("Tidak diproses"), "refused", _("Ditutup oleh petugas; hubungi kantor desa/kelurahan.")
    return _("Tidak dapat diterapkan"), "refused", _("Hubungi Dinas Sosial kabupaten/kota.")


def _village_label(sub: PublicSubmission | Complaint) -> str:
    return sub.village.name


def track(raw_code: str) -> PublicStatus | None:
    """The public status of a tracking code or ticket number; None when there is none."""
    code = normalise_code(raw_code)
    if not code:
        return None
    if code.startswith("ADU-"):
        c = Complaint.objects.select_related("village").filter(ticket=code).first()
        if c is None:
            return None
        tone = "done" if c.status in (Complaint.Status.ANSWERED, Complaint.Status.CLOSED) else "open"
        return PublicStatus(
            code=c.ticket,
            what=f"{c.get_kind_display()}: {c.get_category_display()}",
            village=_village_label(c),
            status=c.get_status_display(),
            tone=tone,
            explanation=_("Ditangani Dinas Sosial kabupaten/kota."),
            submitted_at=c.submitted_at,
            answer=c.answer,
            answered_at=c.answered_at or c.closed_at,
        )
    sub = (
        PublicSubmission.objects.select_related("village", "proposal", "proposal__release", "program")
        .filter(code=code)
        .first()
    )
    if sub is None:
        return None
    status, tone, explanation = _words(sub.proposal, sub.kind)
    what = (
        _("Usul keluarga (program %(program)s)") % {"program": sub.program.code if sub.program else "—"}
        if sub.kind == PublicSubmission.Kind.USUL
        else _("Sanggahan: %(reason)s") % {"reason": sub.get_reason_display()}
    )
    return PublicStatus(
        code=sub.code,
        what=what,
        village=_village_label(sub),
        status=status,
        tone=tone,
        explanation=explanation,
        submitted_at=sub.submitted_at,
        due_at=sub.proposal.due_at if tone == "open" else None,
    )


# --- staff ------------------------------------------------------------------------------------------
def complaint_list(
    *, user: User, status: str = "", kind: str = "", category: str = "", region: str = "", ticket: str = ""
) -> QuerySet[Complaint]:
    ensure_can(user, Action.COMPLAINT_VIEW)
    qs = Complaint.objects.filter(household_scope(user)).select_related("village", "handled_by")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if category:
        qs = qs.filter(category=category)
    if region:
        qs = qs.filter(Q(village_id__startswith=region))
    if ticket:
        qs = qs.filter(ticket__icontains=ticket.strip().upper())
    return qs


def complaint_get(*, user: User, complaint_id: int) -> Complaint:
    c = Complaint.objects.select_related("village", "handled_by").filter(pk=complaint_id).first()
    if c is None:
        raise NotInJurisdiction(_("Pengaduan tidak ditemukan."))
    ensure_in_jurisdiction(user, c.village_id)
    ensure_can(user, Action.COMPLAINT_VIEW)
    return c


def submission_list(*, user: User, kind: str = "", code: str = "") -> QuerySet[PublicSubmission]:
    ensure_can(user, Action.PROPOSAL_VIEW)
    qs = PublicSubmission.objects.filter(household_scope(user)).select_related("village", "proposal")
    if kind:
        qs = qs.filter(kind=kind)
    if code:
        qs = qs.filter(code__icontains=code.strip().upper())
    return qs


def submission_get(*, user: User, submission_id: int) -> PublicSubmission:
    sub = (
        PublicSubmission.objects.select_related("village", "proposal", "program")
        .filter(pk=submission_id)
        .first()
    )
    if sub is None:
        raise NotInJurisdiction(_("Usul/sanggah tidak ditemukan."))
    ensure_in_jurisdiction(user, sub.village_id)
    ensure_can(user, Action.PROPOSAL_VIEW)
    return sub
