"""Writes of the public requests: an usul or a sanggah entering the update cycle, a complaint, and
the district office's handling of complaints. One function per operation, one transaction, audited."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import ensure_in_jurisdiction
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import DomainError
from sejahtera.common.states import ensure_transition
from sejahtera.programs.models import Program
from sejahtera.regions.models import Region
from sejahtera.registry import codes
from sejahtera.registry.identifiers import kk_check, nik_check
from sejahtera.registry.models import Household, Person
from sejahtera.updates.models import Proposal
from sejahtera.updates.services.proposals import (
    ProposalInput,
    ProposalRefused,
    proposal_running_for,
    proposal_submit_public,
)
from sejahtera.updates.services.verification import (
    LAT_RANGE,
    LON_RANGE,
    MAX_PHOTO_BYTES,
    _coordinate,
    _photo_type,
)

from .models import Complaint, PublicSubmission

PORTAL_USERNAME = "portal"
# Codes a citizen reads out on the phone or types from a slip: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 31^10 ≈ 8·10^14: guessing one is hopeless under the lookup rate limit
PREFIX = {PublicSubmission.Kind.USUL: "USL", PublicSubmission.Kind.SANGGAH: "SGH"}
OBJECTION_REASON = {
    PublicSubmission.Reason.NOT_POOR: codes.InactiveReason.NOT_ELIGIBLE,
    PublicSubmission.Reason.DECEASED: codes.InactiveReason.NO_MEMBERS,
    PublicSubmission.Reason.MOVED: codes.InactiveReason.NOT_FOUND,
    PublicSubmission.Reason.DUPLICATE: codes.InactiveReason.DUPLICATE,
    PublicSubmission.Reason.OTHER: codes.InactiveReason.OTHER,
}


class RequestRefused(DomainError):
    """A public request the rules refuse, naming the form field at fault."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def random_code(prefix: str) -> str:
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{prefix}-{body[:5]}-{body[5:]}"


def normalise_code(raw: str) -> str:
    """What a citizen typed, as stored: upper case, spaces dropped, dashes where they belong."""
    text = "".join(ch for ch in raw.upper() if ch.isalnum())
    for prefix in (*PREFIX.values(), "ADU"):
        if text.startswith(prefix):
            body = text[len(prefix) :]
            if prefix == "ADU" and len(body) == 4 + CODE_LENGTH:
                return f"ADU-{body[:4]}-{body[4:9]}-{body[9:]}"
            if prefix != "ADU" and len(body) == CODE_LENGTH:
                return f"{prefix}-{body[:5]}-{body[5:]}"
    return ""


def portal_user() -> User:
    """The system account public requests are submitted under (migration 0002 creates it): no role,
    no jurisdiction, inactive, no usable password, so it signs in to nothing, and maker-checker
    holds: no officer is ever its submitter."""
    user, _created = User.objects.get_or_create(
        username=PORTAL_USERNAME,
        defaults={"first_name": "Portal publik", "is_active": False, "password": make_password(None)},
    )
    return user


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


def _store(upload: Upload, folder: str, field_name: str) -> dict[str, Any]:
    """A photo (JPEG, PNG or WebP by its first bytes, at most 10 MB) under PRIVATE_MEDIA_ROOT."""
    if len(upload.content) > MAX_PHOTO_BYTES:
        raise RequestRefused(field_name, f"Berkas lebih dari {MAX_PHOTO_BYTES // (1024 * 1024)} MB.")
    kind = _photo_type(upload.content)
    if kind is None:
        raise RequestRefused(field_name, "Berkas harus foto JPEG, PNG atau WebP.")
    rel = Path("publik") / folder / timezone.localdate().strftime("%Y%m") / f"{uuid.uuid4().hex}{kind[1]}"
    dest = settings.PRIVATE_MEDIA_ROOT / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(upload.content)
    # Written before the transaction commits: a refused request may leave an unreferenced file
    # (a random name, never served, never listed).
    return {
        "path": str(rel),
        "content_type": kind[0],
        "size": len(upload.content),
        "sha256": hashlib.sha256(upload.content).hexdigest(),
    }


def _village(code: str) -> Region:
    village = Region.objects.filter(code=code, level=Region.Level.VILLAGE).first()
    if village is None:
        raise RequestRefused("village", "Pilih desa/kelurahan.")
    return village


def _with_unique_code(make: Any, prefix: str) -> Any:
    """Save a row under a fresh random code; a collision (one in 10^14) draws again."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return make(random_code(prefix))
        except IntegrityError:
            continue
    raise DomainError("Kode pelacakan tidak dapat dibuat; coba lagi.")


# --- usul -------------------------------------------------------------------------------------------
@dataclass
class UsulInput:
    village_code: str
    relation: str
    kk_number: str
    head_nik: str
    head_name: str
    address: str
    statement: str
    program_code: str
    contact_name: str
    contact_phone: str = ""
    rt: str = ""
    rw: str = ""
    members: list[dict[str, str]] = field(default_factory=list)  # nik, full_name, relationship


def _person(nik: str, name: str, relationship: str, field_name: str) -> dict[str, Any]:
    check = nik_check(nik, with_names=False)
    if not check.valid:
        raise RequestRefused(field_name, "NIK harus 16 angka dengan tanggal lahir yang benar.")
    return {
        "nik": nik,
        "full_name": name.strip().upper(),
        "birth_date": check.birth_date,
        "sex": check.sex,
        "relationship": relationship,
    }


def usul_check(data: UsulInput) -> None:
    """The citizen's entries, each refused with the field at fault (before anything is stored)."""
    _village(data.village_code)
    if data.relation not in PublicSubmission.Relation.values:
        raise RequestRefused("relation", "Pilih keluarga siapa yang diusulkan.")
    if not kk_check(data.kk_number, with_names=False).valid:
        raise RequestRefused("kk_number", "Nomor KK harus 16 angka sesuai kartu keluarga.")
    _person(data.head_nik, data.head_name, codes.Relationship.HEAD, "head_nik")
    if not Program.objects.filter(code=data.program_code).exists():
        raise RequestRefused("program", "Pilih program bantuan yang diusulkan.")


@transaction.atomic
def usul_submit(*, data: UsulInput, photo: Upload) -> PublicSubmission:
    """A family proposed by a citizen: a NEW_HOUSEHOLD proposal (origin USUL) in the village
    operator's queue with its verification task, and a tracking code for the citizen."""
    usul_check(data)
    village = _village(data.village_code)
    members = [_person(data.head_nik, data.head_name, codes.Relationship.HEAD, "head_nik")]
    members += [
        _person(m["nik"], m["full_name"], m["relationship"], f"member_{i}")
        for i, m in enumerate(data.members)
    ]
    payload = {
        "household": {
            "kk_number": data.kk_number,
            "address": data.address.strip(),
            "rt": data.rt.strip(),
            "rw": data.rw.strip(),
        },
        "members": members,
    }
    program = Program.objects.get(code=data.program_code)
    return _enter(
        PublicSubmission.Kind.USUL,
        running=proposal_running_for(kind=Proposal.Kind.NEW_HOUSEHOLD, kk_number=data.kk_number),
        proposal=ProposalInput(
            kind=Proposal.Kind.NEW_HOUSEHOLD,
            origin=Proposal.Origin.PUBLIC_PROPOSAL,
            village_code=village.code,
            payload=payload,
            note=f"Usul masyarakat ({program.code}): {data.statement.strip()}"[:2000],
        ),
        statement=data.statement.strip(),
        relation=data.relation,
        program=program,
        contact_name=data.contact_name.strip(),
        contact_phone=data.contact_phone.strip(),
        **_store(photo, "usul", "photo"),
    )


def _enter(kind: str, *, running: int | None, proposal: ProposalInput, **fields: Any) -> PublicSubmission:
    """The citizen's submission with its proposal: a new one (its reference is the tracking code),
    or the one already running for the same family, which the submission joins."""
    actor = portal_user()

    def make(code: str) -> PublicSubmission:
        finding = ""
        if running:
            p = Proposal.objects.get(pk=running)
        else:
            proposal.reference = code
            p, finding = _public_proposal(actor, proposal)
        sub = PublicSubmission(
            code=code, kind=kind, proposal=p, submitted_at=timezone.now(), finding=finding[:200], **fields
        )
        sub.place_in(proposal.village_code)
        sub.save()
        return sub

    sub: PublicSubmission = _with_unique_code(make, PREFIX[PublicSubmission.Kind(kind)])
    _audit_submission(actor, sub, joined=bool(running))
    return sub


def _public_proposal(actor: User, data: ProposalInput) -> tuple[Proposal, str]:
    try:
        return proposal_submit_public(actor=actor, data=data)
    except ProposalRefused as e:
        raise RequestRefused(_FORM_FIELD.get(e.field, ""), _public_message(e)) from None


# The update cycle's field names, as the public forms call them.
_FORM_FIELD = {
    "kk_number": "kk_number",
    "nik": "head_nik",
    "address": "address",
    "rt": "rt",
    "rw": "rw",
    "full_name": "head_name",
    "household_id": "recipient",
}


def _public_message(e: ProposalRefused) -> str:
    # Refusals that would describe a registry record are worded without it.
    if e.code in ("HOUSEHOLD_NOT_HERE", "HOUSEHOLD_STATUS"):
        return "Penerima yang dipilih tidak dapat disanggah di desa/kelurahan ini."
    text = str(e.message)
    return text[:1].upper() + text[1:] + "."


def _audit_submission(actor: User, sub: PublicSubmission, *, joined: bool) -> None:
    audit_record(
        actor=actor,
        action=f"portal.{sub.kind.lower()}",
        object_type="public_submission",
        object_id=sub.pk,
        region_code=sub.village_id,
        after={
            "code": sub.code,
            "proposal": sub.proposal_id,
            "joined_running_proposal": joined,
            "reason": sub.reason,
            "residency": sub.objector_residency,
        },
    )


# --- sanggah ----------------------------------------------------------------------------------------
@dataclass
class SanggahInput:
    village_code: str
    household_id: int  # from the recipient's signed ref (views resolve it; never typed)
    reason: str
    statement: str
    latitude: Any
    longitude: Any
    objector_nik: str
    objector_name: str
    contact_phone: str = ""


def _residency(nik: str, household: Household) -> str:
    R = PublicSubmission.Residency
    row = (
        Person.objects.filter(nik=nik, status=codes.RecordStatus.ACTIVE)
        .values_list("household_id", "household__village_id")
        .first()
    )
    if row is None:
        return R.NOT_LISTED
    if row[0] == household.pk:
        return R.OWN_FAMILY
    return R.HERE if row[1] == household.village_id else R.ELSEWHERE


def sanggah_recipient(*, village_code: str, household_id: int) -> Household:
    """The recipient's family, if it is active in the village the objector declares to live in."""
    village = _village(village_code)
    household = Household.objects.filter(pk=household_id, status=codes.RecordStatus.ACTIVE).first()
    # The objector lives in the recipient's village (DOMAIN.md §8): an objection to a family of
    # another village is refused, worded without saying anything of that family.
    if household is None or household.village_id != village.code:
        raise RequestRefused(
            "recipient", "Penerima yang dipilih tidak dapat disanggah dari desa/kelurahan ini."
        )
    return household


def sanggah_check(data: SanggahInput) -> tuple[Household, Decimal, Decimal]:
    household = sanggah_recipient(village_code=data.village_code, household_id=data.household_id)
    if data.reason not in PublicSubmission.Reason.values:
        raise RequestRefused("reason", "Pilih alasan sanggahan.")
    if not nik_check(data.objector_nik, with_names=False).valid:
        raise RequestRefused("objector_nik", "NIK Anda harus 16 angka dengan tanggal lahir yang benar.")
    try:
        lat = _coordinate(data.latitude, "Lintang", LAT_RANGE)
        lon = _coordinate(data.longitude, "Bujur", LON_RANGE)
    except DomainError as e:
        raise RequestRefused("latitude", e.message) from None
    return household, lat, lon


@transaction.atomic
def sanggah_submit(*, data: SanggahInput, photo: Upload) -> PublicSubmission:
    """An objection by a resident of the village: a DEACTIVATE proposal (origin SANGGAH) on the
    recipient's family with its verification task, due in UPDATES_OBJECTION_DAYS (14) days, after
    which it lapses; a second objection to the same family joins the one running."""
    household, lat, lon = sanggah_check(data)
    reason = PublicSubmission.Reason(data.reason)
    return _enter(
        PublicSubmission.Kind.SANGGAH,
        running=proposal_running_for(kind=Proposal.Kind.DEACTIVATE, household_id=household.pk),
        proposal=ProposalInput(
            kind=Proposal.Kind.DEACTIVATE,
            origin=Proposal.Origin.PUBLIC_OBJECTION,
            village_code=household.village_id,
            household_id=household.pk,
            inactive_reason=OBJECTION_REASON[reason],
            note=f"Sanggahan masyarakat ({reason.label}): {data.statement.strip()}"[:2000],
        ),
        reason=reason,
        statement=data.statement.strip(),
        contact_name=data.objector_name.strip(),
        contact_phone=data.contact_phone.strip(),
        objector_nik=data.objector_nik,
        objector_residency=_residency(data.objector_nik, household),
        latitude=lat,
        longitude=lon,
        **_store(photo, "sanggah", "photo"),
    )


# --- pengaduan --------------------------------------------------------------------------------------
@dataclass
class ComplaintInput:
    village_code: str
    kind: str
    category: str
    text: str
    contact_name: str = ""
    contact_phone: str = ""


@transaction.atomic
def complaint_submit(*, data: ComplaintInput, attachment: Upload | None = None) -> Complaint:
    """A question, suggestion or complaint, routed to the district office of its village."""
    village = _village(data.village_code)
    if data.kind not in Complaint.Kind.values:
        raise RequestRefused("kind", "Pilih jenis: pertanyaan, saran atau pengaduan.")
    if data.category not in Complaint.Category.values:
        raise RequestRefused("category", "Pilih kategori.")
    if not data.text.strip():
        raise RequestRefused("text", "Tuliskan isi pertanyaan, saran atau pengaduan Anda.")
    stored = _store(attachment, "pengaduan", "attachment") if attachment else {}
    actor = portal_user()
    year = timezone.localdate().year

    def make(code: str) -> Complaint:
        c = Complaint(
            ticket=code,
            kind=data.kind,
            category=data.category,
            text=data.text.strip(),
            contact_name=data.contact_name.strip(),
            contact_phone=data.contact_phone.strip(),
            submitted_at=timezone.now(),
            **stored,
        )
        c.place_in(village.code)
        c.save()
        return c

    c: Complaint = _with_unique_code(make, f"ADU-{year}")
    audit_record(
        actor=actor,
        action="complaint.submit",
        object_type="complaint",
        object_id=c.pk,
        region_code=c.village_id,
        after={"ticket": c.ticket, "kind": c.kind, "category": c.category},
    )
    return c


def _complaint_for(actor: User, complaint_id: int) -> Complaint:
    c = Complaint.objects.select_for_update().get(pk=complaint_id)
    ensure_in_jurisdiction(actor, c.village_id)
    ensure_can(actor, Action.COMPLAINT_HANDLE)
    return c


def _move(c: Complaint, *, to: str, actor: User, reason: str = "", fields: tuple[str, ...] = ()) -> None:
    ensure_transition(
        entity="Pengaduan",
        table=Complaint.TRANSITIONS,
        current=c.status,
        requested=to,
        choices=Complaint.Status,
    )
    before = c.status
    c.status = to
    c.save(update_fields=["status", "updated_at", *fields])
    audit_record(
        actor=actor,
        action=f"complaint.{to.lower()}",
        object_type="complaint",
        object_id=c.pk,
        region_code=c.village_id,
        before={"status": before},
        after={"status": to, **{f: str(getattr(c, f) or "") for f in fields}},
        reason=reason,
    )


@transaction.atomic
def complaint_take(*, actor: User, complaint_id: int) -> Complaint:
    """An officer of the district takes the complaint (NEW, or ANSWERED and reopened)."""
    c = _complaint_for(actor, complaint_id)
    c.handled_by = actor
    _move(c, to=Complaint.Status.IN_PROGRESS, actor=actor, fields=("handled_by",))
    return c


@transaction.atomic
def complaint_answer(*, actor: User, complaint_id: int, answer: str) -> Complaint:
    """The official answer, shown to the citizen on the ticket's status page."""
    c = _complaint_for(actor, complaint_id)
    if not answer.strip():
        raise RequestRefused("answer", "Jawaban resmi wajib diisi.")
    c.answer = answer.strip()
    c.answered_at = timezone.now()
    c.handled_by = c.handled_by or actor
    _move(c, to=Complaint.Status.ANSWERED, actor=actor, fields=("answer", "answered_at", "handled_by"))
    return c


@transaction.atomic
def complaint_close(*, actor: User, complaint_id: int, note: str = "") -> Complaint:
    """Close the ticket; one closed unanswered (spam, a duplicate) needs a note, shown as its answer."""
    c = _complaint_for(actor, complaint_id)
    fields: tuple[str, ...] = ("closed_at",)
    if not c.answer:
        if not note.strip():
            raise RequestRefused("answer", "Tuliskan alasan penutupan; alasan ini tampil bagi pelapor.")
        c.answer = note.strip()
        fields += ("answer",)
    c.closed_at = timezone.now()
    _move(c, to=Complaint.Status.CLOSED, actor=actor, reason=note, fields=fields)
    return c
