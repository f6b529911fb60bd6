"""Proposals (usulan): entered for a village, each one becoming a field-verification task."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import ensure_in_jurisdiction
from sejahtera.common.audit import PendingEntry, audit_record, audit_record_many
from sejahtera.common.errors import DomainError
from sejahtera.regions.models import Region
from sejahtera.registry import codes
from sejahtera.registry.models import Household, Person

from ..fields import HOUSEHOLD_FIELDS, PERSON_FIELDS, FieldError, parse_changes, parse_household, parse_member
from ..models import Proposal, VerificationTask
from ._base import move, now

K = Proposal.Kind
Origin = Proposal.Origin
S = Proposal.Status

DELIBERATIONS = {Origin.MUSDES, Origin.MUSKEL}
# Kinds that need an existing household, and the household status each expects.
NEEDS_ACTIVE_HOUSEHOLD = {
    K.HOUSEHOLD_CHANGE,
    K.PERSON_CHANGE,
    K.MEMBER_ADD,
    K.MEMBER_REMOVE,
    K.MOVE,
    K.DEACTIVATE,
}
NEEDS_PERSON = {K.PERSON_CHANGE, K.MEMBER_REMOVE}


class ProposalRefused(DomainError):
    """A proposal the rules refuse, naming the field at fault (the bulk upload reports it per row)."""

    def __init__(self, field_name: str, code: str, message: str, value: str = "") -> None:
        super().__init__(f"{field_name}: {message}" if field_name else message)
        self.field = field_name
        self.code = code
        self.value = value


@dataclass
class ProposalInput:
    """Everything a proposal may carry, as entered (the form, a spreadsheet row or the API)."""

    kind: str
    origin: str
    village_code: str
    household_id: int | None = None
    person_id: int | None = None
    target_village_code: str = ""
    inactive_reason: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    minutes_number: str = ""
    minutes_date: dt.date | None = None
    reference: str = ""
    note: str = ""


@dataclass
class CleanProposal:
    data: ProposalInput
    household: Household | None
    person: Person | None


def _refuse(field_name: str, code: str, message: str, value: Any = "") -> ProposalRefused:
    return ProposalRefused(field_name, code, message, str(value or "")[:100])


def _open_duplicate(household_id: int, kind: str, person_id: int | None) -> int | None:
    qs = Proposal.objects.filter(
        household_id=household_id,
        kind=kind,
        status__in=[S.SUBMITTED, S.RETURNED, S.QA_REVIEW, S.VERIFIED, S.DISTRICT_APPROVED, S.APPROVED],
    )
    if person_id:
        qs = qs.filter(person_id=person_id)
    return qs.values_list("id", flat=True).first()


def _check_payload(data: ProposalInput) -> dict[str, Any]:
    try:
        if data.kind == K.NEW_HOUSEHOLD:
            household = parse_household(data.payload.get("household") or {})
            raw_members = data.payload.get("members") or []
            if not raw_members:
                raise FieldError("members", "NO_MEMBERS", "keluarga baru harus mempunyai anggota")
            members = [parse_member(m) for m in raw_members]
            heads = [m for m in members if m["relationship"] == codes.Relationship.HEAD]
            if len(heads) != 1:
                raise FieldError("relationship", "ONE_HEAD", "harus ada tepat satu kepala keluarga")
            niks = [m["nik"] for m in members]
            if len(set(niks)) != len(niks):
                raise FieldError("nik", "NIK_TWICE", "NIK yang sama tercantum dua kali")
            return {"household": household, "members": members}
        if data.kind == K.HOUSEHOLD_CHANGE:
            return {"changes": parse_changes(data.payload.get("changes") or {}, HOUSEHOLD_FIELDS)}
        if data.kind == K.PERSON_CHANGE:
            return {"changes": parse_changes(data.payload.get("changes") or {}, PERSON_FIELDS)}
        if data.kind == K.MEMBER_ADD:
            return {"member": parse_member(data.payload.get("member") or {})}
    except FieldError as e:
        raise _refuse(e.field, e.code, e.message, e.value) from None
    return {}


def _check_identity(data: ProposalInput, payload: dict[str, Any]) -> None:
    """A new family or member must not already be active in the registry (one active KK/NIK)."""
    niks: list[str] = []
    if data.kind == K.NEW_HOUSEHOLD:
        kk = payload["household"]["kk_number"]
        if Household.objects.filter(kk_number=kk, status=codes.RecordStatus.ACTIVE).exists():
            raise _refuse("kk_number", "KK_REGISTERED", "nomor KK sudah terdaftar aktif", kk)
        niks = [m["nik"] for m in payload["members"]]
    elif data.kind == K.MEMBER_ADD:
        niks = [payload["member"]["nik"]]
    for nik in niks:
        if Person.objects.filter(nik=nik, status=codes.RecordStatus.ACTIVE).exists():
            raise _refuse("nik", "NIK_REGISTERED", "NIK sudah terdaftar aktif", nik)


def proposal_check(*, actor: User, data: ProposalInput) -> CleanProposal:
    """Every rule a proposal must meet before it is accepted; raises ProposalRefused."""
    ensure_can(actor, Action.PROPOSAL_SUBMIT)
    return _proposal_rules(data, actor=actor)


def _proposal_rules(data: ProposalInput, *, actor: User | None, identity: bool = True) -> CleanProposal:
    """The rules of proposal_check; `actor` None is the public portal (a citizen has no jurisdiction),
    `identity` False leaves the one-active-KK/NIK check to the caller."""
    if data.kind not in K.values:
        raise _refuse("kind", "KIND_UNKNOWN", "jenis usulan tidak dikenal", data.kind)
    if data.origin not in Origin.values:
        raise _refuse("origin", "ORIGIN_UNKNOWN", "asal usulan tidak dikenal", data.origin)
    if not Region.objects.filter(code=data.village_code, level=Region.Level.VILLAGE).exists():
        raise _refuse(
            "village_code", "VILLAGE_UNKNOWN", "kode desa/kelurahan tidak dikenal", data.village_code
        )
    if actor is not None:
        ensure_in_jurisdiction(actor, data.village_code)
    if data.origin in DELIBERATIONS and not (data.minutes_number.strip() and data.minutes_date):
        raise _refuse(
            "minutes_number",
            "MINUTES_REQUIRED",
            "usulan hasil musyawarah memerlukan nomor dan tanggal berita acara",
        )
    if data.minutes_date and data.minutes_date > now().date():
        raise _refuse("minutes_date", "DATE_IN_FUTURE", "tanggal berita acara tidak boleh di masa depan")

    household: Household | None = None
    person: Person | None = None
    if data.kind != K.NEW_HOUSEHOLD:
        if not data.household_id:
            raise _refuse("household_id", "HOUSEHOLD_REQUIRED", "pilih keluarga yang diusulkan")
        household = Household.objects.filter(pk=data.household_id, village_id=data.village_code).first()
        if household is None:
            raise _refuse(
                "household_id",
                "HOUSEHOLD_NOT_HERE",
                "keluarga tidak ditemukan di desa/kelurahan ini",
                data.household_id,
            )
        wanted = codes.RecordStatus.INACTIVE if data.kind == K.REACTIVATE else codes.RecordStatus.ACTIVE
        if household.status != wanted:
            raise _refuse(
                "household_id",
                "HOUSEHOLD_STATUS",
                f"keluarga berstatus {household.get_status_display()}; usulan ini memerlukan status "
                f"{codes.RecordStatus(wanted).label}",
            )
        if dup := _open_duplicate(household.pk, data.kind, data.person_id):
            raise _refuse(
                "household_id", "ALREADY_PROPOSED", f"sudah ada usulan #{dup} yang sama dan masih berjalan"
            )
    if data.kind in NEEDS_PERSON:
        assert household is not None
        person = Person.objects.filter(pk=data.person_id or 0, household=household).first()
        if person is None or person.status != codes.RecordStatus.ACTIVE:
            raise _refuse(
                "person_id",
                "PERSON_NOT_HERE",
                "anggota aktif tidak ditemukan pada keluarga ini",
                data.person_id,
            )
    if data.kind == K.MOVE:
        assert household is not None
        target = data.target_village_code
        if not Region.objects.filter(code=target, level=Region.Level.VILLAGE).exists():
            raise _refuse(
                "target_village_code", "VILLAGE_UNKNOWN", "desa/kelurahan tujuan tidak dikenal", target
            )
        if target == household.village_id:
            raise _refuse(
                "target_village_code", "SAME_VILLAGE", "desa/kelurahan tujuan sama dengan asal", target
            )
    if (
        data.kind in (K.DEACTIVATE, K.MEMBER_REMOVE)
        and data.inactive_reason not in codes.InactiveReason.values
    ):
        raise _refuse("inactive_reason", "REASON_REQUIRED", "pilih alasan penonaktifan", data.inactive_reason)
    data.payload = _check_payload(data)
    if identity:
        _check_identity(data, data.payload)
    return CleanProposal(data=data, household=household, person=person)


def _due_at(origin: str, at: dt.datetime) -> dt.datetime:
    days = (
        settings.UPDATES_OBJECTION_DAYS
        if origin == Origin.PUBLIC_OBJECTION
        else settings.UPDATES_VERIFICATION_DAYS
    )
    return at + dt.timedelta(days=days)


def _build(actor: User, clean: CleanProposal, at: dt.datetime, upload: Any = None) -> Proposal:
    d = clean.data
    p = Proposal(
        kind=d.kind,
        origin=d.origin,
        household=clean.household,
        person=clean.person,
        target_village_id=d.target_village_code or None,
        inactive_reason=d.inactive_reason if d.kind in (K.DEACTIVATE, K.MEMBER_REMOVE) else "",
        payload=d.payload,
        minutes_number=d.minutes_number.strip(),
        minutes_date=d.minutes_date,
        reference=d.reference.strip(),
        note=d.note.strip(),
        upload=upload,
        submitted_by=actor,
        submitted_at=at,
        due_at=_due_at(d.origin, at),
    )
    p.place_in(d.village_code)
    return p


def _task_for(p: Proposal, round_: int = 1) -> VerificationTask:
    task = VerificationTask(proposal=p, round=round_)
    task.place_in(p.village_id)
    return task


def _entry(p: Proposal) -> PendingEntry:
    return PendingEntry(
        action="proposal.submit",
        object_type="proposal",
        object_id=p.pk,
        region_code=p.village_id,
        after={
            "kind": p.kind,
            "origin": p.origin,
            "household": p.household_id,
            "person": p.person_id,
            "payload": p.payload,
            "minutes": p.minutes_number,
        },
        reason=p.note,
    )


@transaction.atomic
def proposal_submit(*, actor: User, data: ProposalInput) -> Proposal:
    """Accept a proposal for a village and open its field-verification task."""
    return _accept(actor, proposal_check(actor=actor, data=data))


def _accept(actor: User, clean: CleanProposal) -> Proposal:
    p = _build(actor, clean, now())
    p.save()
    _task_for(p).save()
    e = _entry(p)
    audit_record(
        actor=actor,
        action=e.action,
        object_type=e.object_type,
        object_id=e.object_id,
        region_code=e.region_code,
        after=e.after,
        reason=e.reason,
    )
    return p


@transaction.atomic
def proposals_submit_many(*, actor: User, rows: list[CleanProposal], upload: Any = None) -> list[Proposal]:
    """Accept already-checked proposals in bulk (the spreadsheet upload), one task each."""
    at = now()
    proposals = Proposal.objects.bulk_create([_build(actor, c, at, upload) for c in rows], batch_size=1000)
    VerificationTask.objects.bulk_create([_task_for(p) for p in proposals], batch_size=1000)
    audit_record_many(actor=actor, entries=[_entry(p) for p in proposals])
    return proposals


@transaction.atomic
def proposal_withdraw(*, actor: User, proposal_id: int, reason: str) -> Proposal:
    """The submitting office withdraws a proposal before it is verified."""
    ensure_can(actor, Action.PROPOSAL_SUBMIT)
    p = Proposal.objects.select_for_update().get(pk=proposal_id)
    ensure_in_jurisdiction(actor, p.village_id)
    if not reason.strip():
        raise DomainError("Alasan penarikan wajib diisi.")
    move(
        p,
        to=S.WITHDRAWN,
        actor=actor,
        entity="Usulan",
        object_type="proposal",
        region_code=p.village_id,
        reason=reason,
    )
    _cancel_open_tasks(p)
    return p


def _cancel_open_tasks(p: Proposal) -> None:
    VerificationTask.objects.filter(proposal=p, status=VerificationTask.Status.OPEN).update(
        status=VerificationTask.Status.CANCELLED
    )


@transaction.atomic
def proposals_lapse_overdue(*, actor: Any, at: dt.datetime | None = None) -> int:
    """Objections (sanggah) not verified by their due date lapse (issue 3 §7). Returns how many."""
    at = at or now()
    due = Proposal.objects.select_for_update().filter(
        status=S.SUBMITTED, origin=Origin.PUBLIC_OBJECTION, due_at__lt=at
    )
    lapsed = list(due.values_list("id", "village_id"))
    if not lapsed:
        return 0
    ids = [i for i, _v in lapsed]
    Proposal.objects.filter(id__in=ids).update(
        status=S.LAPSED, outcome="Tidak diverifikasi dalam batas waktu", updated_at=at
    )
    VerificationTask.objects.filter(proposal_id__in=ids, status=VerificationTask.Status.OPEN).update(
        status=VerificationTask.Status.CANCELLED
    )
    audit_record_many(
        actor=actor,
        entries=[
            PendingEntry(
                action="proposal.lapsed",
                object_type="proposal",
                object_id=i,
                region_code=v,
                before={"status": S.SUBMITTED},
                after={"status": S.LAPSED},
                reason=f"tidak diverifikasi dalam {settings.UPDATES_OBJECTION_DAYS} hari",
            )
            for i, v in lapsed
        ],
    )
    return len(ids)


# --- from the public portal (usul and sanggah, issue 5 §3-§4) ---------------------------------------
PUBLIC_ORIGINS = (Origin.PUBLIC_PROPOSAL, Origin.PUBLIC_OBJECTION)
_RUNNING = (S.SUBMITTED, S.RETURNED, S.QA_REVIEW, S.VERIFIED, S.DISTRICT_APPROVED, S.APPROVED)


def proposal_running_for(*, kind: str, household_id: int | None = None, kk_number: str = "") -> int | None:
    """The proposal still running for the same family and kind: a household's (a sanggah), or a new
    family's by its KK number (an usul). A second citizen's request joins it instead of a new one."""
    if household_id:
        return _open_duplicate(household_id, kind, None)
    return (
        Proposal.objects.filter(kind=kind, status__in=_RUNNING, payload__household__kk_number=kk_number)
        .values_list("id", flat=True)
        .first()
    )


@transaction.atomic
def proposal_submit_public(*, actor: User, data: ProposalInput) -> tuple[Proposal, str]:
    """A citizen's usul or sanggah, entered under the portal's system account (`actor`: it signs in
    to nothing and has no jurisdiction). The rules of a village's proposal apply, except one: a KK
    or NIK already active is not refused, since the refusal would tell anyone whether a number is
    in the registry. It is returned (and written in the note) for the operator to resolve."""
    if data.origin not in PUBLIC_ORIGINS:
        raise _refuse("origin", "ORIGIN_NOT_PUBLIC", "asal usulan bukan dari masyarakat", data.origin)
    clean = _proposal_rules(data, actor=None, identity=False)
    finding = ""
    try:
        _check_identity(clean.data, clean.data.payload)
    except ProposalRefused as e:
        finding = e.message
        clean.data.note = f"{clean.data.note.strip()}\n[Perlu diperiksa operator: {finding}]".strip()
    return _accept(actor, clean), finding
