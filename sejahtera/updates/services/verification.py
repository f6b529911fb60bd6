"""Field verification and validation (verivali): a verifier of the district visits the family,
photographs the house, records the coordinates and the result."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count

from sejahtera.accounts.models import Role, User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import ensure_in_jurisdiction
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import DomainError
from sejahtera.registry.models import Household

from ..fields import HOUSEHOLD_FIELDS, PERSON_FIELDS, FieldError, parse_changes
from ..models import Proposal, QACase, VerificationPhoto, VerificationTask
from ._base import ensure_not_maker, move, now

R = VerificationTask.Result
K = Proposal.Kind
S = Proposal.Status

MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Image types a phone camera produces, recognised by their first bytes (not by the file name).
_MAGIC = {b"\xff\xd8\xff": ("image/jpeg", ".jpg"), b"\x89PNG\r\n\x1a\n": ("image/png", ".png")}
# Indonesia's extent with a margin (Sabang 95°E to Merauke 141°E, Miangas 5.6°N to Rote 11°S).
LAT_RANGE = (Decimal("-11.5"), Decimal("6.5"))
LON_RANGE = (Decimal("94.5"), Decimal("141.5"))


@dataclass(frozen=True)
class Photo:
    name: str
    content: bytes


def _photo_type(content: bytes) -> tuple[str, str] | None:
    for magic, kind in _MAGIC.items():
        if content.startswith(magic):
            return kind
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return ("image/webp", ".webp")
    return None


def _coordinate(value: Any, name: str, bounds: tuple[Decimal, Decimal]) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise DomainError(f"{name}: koordinat GPS harus berupa angka desimal.") from None
    if not bounds[0] <= number <= bounds[1]:
        raise DomainError(f"{name}: koordinat {number} berada di luar wilayah Indonesia.")
    return number.quantize(Decimal("0.000001"))


def _corrections(p: Proposal, raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    try:
        if raw.get("household"):
            out["household"] = parse_changes(raw["household"], HOUSEHOLD_FIELDS)
        if raw.get("person"):
            out["person"] = parse_changes(raw["person"], PERSON_FIELDS)
    except FieldError as e:
        raise DomainError(f"Perbaikan data, {e.field}: {e.message}") from None
    if not out:
        raise DomainError("Hasil 'sesuai dengan perbaikan' memerlukan data yang diperbaiki.")
    if "person" in out and p.kind not in (K.PERSON_CHANGE, K.MEMBER_ADD):
        raise DomainError("Perbaikan data anggota hanya untuk usulan perubahan atau penambahan anggota.")
    return out


def _store_photo(task: VerificationTask, photo: Photo) -> VerificationPhoto:
    if len(photo.content) > MAX_PHOTO_BYTES:
        raise DomainError(f"Foto {photo.name}: lebih dari {MAX_PHOTO_BYTES // (1024 * 1024)} MB.")
    kind = _photo_type(photo.content)
    if kind is None:
        raise DomainError(f"Foto {photo.name}: bukan gambar JPEG, PNG atau WebP.")
    rel = Path("verifikasi") / str(task.pk) / f"{uuid.uuid4().hex}{kind[1]}"
    dest = settings.PRIVATE_MEDIA_ROOT / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(photo.content)
    # Written before the transaction commits: a rolled-back visit can leave an unreferenced file
    # (named by a random id, never served, never listed).
    return VerificationPhoto.objects.create(
        task=task,
        path=str(rel),
        content_type=kind[0],
        size=len(photo.content),
        sha256=hashlib.sha256(photo.content).hexdigest(),
    )


# --- what contradicts a verification (QA, issue 3 §6) -----------------------------------------------
# Signs of a household that is not poor, from the Kepmensos 262/HUK/2022 screening and the field
# reports of houses "returned to the region for review" (a three-storey house; DOMAIN.md §3).
AFFLUENCE_SIGNS: tuple[tuple[str, Any, str], ...] = (
    ("has_car", True, "memiliki mobil"),
    ("has_air_conditioner", True, "memiliki AC"),
    ("has_motorboat", True, "memiliki perahu motor"),
    ("has_ship", True, "memiliki kapal"),
    ("has_other_house", True, "memiliki rumah di tempat lain"),
)
LARGE_FLOOR_M2 = 150


def affluence_findings(values: dict[str, Any]) -> list[str]:
    found = [label for name, bad, label in AFFLUENCE_SIGNS if values.get(name) == bad]
    area = values.get("floor_area_m2")
    if isinstance(area, int) and area >= LARGE_FLOOR_M2:
        found.append(f"luas lantai {area} m² (≥ {LARGE_FLOOR_M2} m²)")
    return found


def _household_after(p: Proposal, corrections: dict[str, Any]) -> dict[str, Any]:
    """The household as it will be if the proposal is applied with the verifier's corrections."""
    values: dict[str, Any] = {}
    if p.household_id:
        hh = Household.objects.filter(pk=p.household_id).values(*HOUSEHOLD_FIELDS).first() or {}
        values.update(hh)
    if p.kind == K.NEW_HOUSEHOLD:
        values.update(p.payload.get("household", {}))
    if p.kind == K.HOUSEHOLD_CHANGE:
        values.update(p.payload.get("changes", {}))
    values.update(corrections.get("household", {}))
    return values


def _least_loaded_reviewer(prefixes: list[str]) -> User | None:
    reviewers = list(User.objects.filter(role=Role.QA_REVIEWER, is_active=True, jurisdiction_id__in=prefixes))
    if not reviewers:
        return None
    load = dict(
        QACase.objects.filter(status=QACase.Status.OPEN, assigned_to__in=reviewers)
        .values_list("assigned_to")
        .annotate(n=Count("id"))
        .values_list("assigned_to", "n")
    )
    return min(reviewers, key=lambda u: (load.get(u.pk, 0), u.pk))


def _qa_reason(p: Proposal, result: str, corrections: dict[str, Any]) -> tuple[str, list[str]] | None:
    if (
        p.kind == K.DEACTIVATE
        and p.origin == Proposal.Origin.PUBLIC_OBJECTION
        and result in (R.NOT_ELIGIBLE, R.NOT_FOUND)
    ):
        return QACase.Reason.OBJECTION_UPHELD, [f"sanggahan terbukti di lapangan: {R(result).label}"]
    if p.kind in (K.NEW_HOUSEHOLD, K.REACTIVATE, K.HOUSEHOLD_CHANGE) and result in (R.CONFIRMED, R.CORRECTED):
        findings = affluence_findings(_household_after(p, corrections))
        if findings:
            return QACase.Reason.ASSETS_CONTRADICT, findings
    return None


def proposal_outcome(kind: str, result: str) -> str:
    """Where a verification result sends the proposal. A deactivation is borne out when the family
    is not found or not eligible; every other kind when the family is confirmed."""
    if kind == K.DEACTIVATE:
        if result == R.CORRECTED:
            raise DomainError("Untuk usulan penonaktifan pilih: sesuai, tidak ditemukan, atau tidak layak.")
        return S.NOT_CONFIRMED if result == R.CONFIRMED else S.VERIFIED
    return S.VERIFIED if result in (R.CONFIRMED, R.CORRECTED) else S.NOT_CONFIRMED


@transaction.atomic
def task_claim(*, actor: User, task_id: int) -> VerificationTask:
    """A verifier takes an open task from the district's queue."""
    ensure_can(actor, Action.VERIFY)
    task = VerificationTask.objects.select_for_update().select_related("proposal").get(pk=task_id)
    ensure_in_jurisdiction(actor, task.village_id)
    if task.status != VerificationTask.Status.OPEN:
        raise DomainError("Tugas ini sudah selesai atau dibatalkan.")
    if task.assigned_to_id and task.assigned_to_id != actor.pk:
        raise DomainError("Tugas ini sudah diambil petugas lain.")
    ensure_not_maker(actor, task.proposal.submitted_by_id, what=f"Usulan #{task.proposal_id}")
    task.assigned_to = actor
    task.save(update_fields=["assigned_to"])
    return task


@transaction.atomic
def verification_submit(
    *,
    actor: User,
    task_id: int,
    result: str,
    latitude: Any,
    longitude: Any,
    visited_on: dt.date,
    photos: list[Photo],
    notes: str = "",
    corrections: dict[str, Any] | None = None,
) -> VerificationTask:
    """Record a field visit: result, at least one photo of the house, GPS coordinates, date, notes."""
    ensure_can(actor, Action.VERIFY)
    task = VerificationTask.objects.select_for_update().get(pk=task_id)
    ensure_in_jurisdiction(actor, task.village_id)
    p = Proposal.objects.select_for_update().get(pk=task.proposal_id)
    ensure_not_maker(actor, p.submitted_by_id, what=f"Usulan #{p.pk}")
    if task.assigned_to_id and task.assigned_to_id != actor.pk:
        raise DomainError("Tugas ini diambil petugas lain.")
    if result not in R.values:
        raise DomainError("Pilih hasil verifikasi.")
    lat = _coordinate(latitude, "Lintang", LAT_RANGE)
    lon = _coordinate(longitude, "Bujur", LON_RANGE)
    if visited_on > now().date():
        raise DomainError("Tanggal kunjungan tidak boleh di masa depan.")
    if visited_on < p.submitted_at.date():
        raise DomainError("Tanggal kunjungan tidak boleh sebelum usulan diajukan.")
    if not photos:
        raise DomainError("Lampirkan sedikitnya satu foto rumah.")
    fixed = _corrections(p, corrections or {}) if result == R.CORRECTED else {}
    target = proposal_outcome(p.kind, result)
    qa = _qa_reason(p, result, fixed) if target == S.VERIFIED else None

    for photo in photos:
        _store_photo(task, photo)
    task.result = result
    task.corrections = fixed
    task.latitude, task.longitude = lat, lon
    task.visited_on = visited_on
    task.notes = notes.strip()
    task.verified_by = actor
    task.assigned_to = task.assigned_to or actor
    task.completed_at = now()
    move(
        task,
        to=VerificationTask.Status.DONE,
        actor=actor,
        entity="Tugas verifikasi",
        object_type="verification",
        region_code=task.village_id,
        reason=task.notes,
        extra={
            "result": result,
            "latitude": str(lat),
            "longitude": str(lon),
            "photos": len(photos),
            "corrections": fixed,
        },
        fields=(
            "result",
            "corrections",
            "latitude",
            "longitude",
            "visited_on",
            "notes",
            "verified_by",
            "assigned_to",
            "completed_at",
        ),
    )
    p.verified_by = actor
    p.verified_at = task.completed_at
    if qa is not None:
        target = S.QA_REVIEW
    if target == S.NOT_CONFIRMED:
        p.outcome = f"Hasil verifikasi: {R(result).label}"
    move(
        p,
        to=target,
        actor=actor,
        entity="Usulan",
        object_type="proposal",
        region_code=p.village_id,
        reason=task.notes,
        extra={"result": result},
        fields=("verified_by", "verified_at", "outcome"),
    )
    if qa is not None:
        case = QACase(
            proposal=p,
            task=task,
            reason=qa[0],
            findings=qa[1],
            assigned_to=_least_loaded_reviewer([p.village_id[:2], p.village_id[:4]]),
            opened_at=now(),
        )
        case.place_in(p.village_id)
        case.save()
        audit_record(
            actor=actor,
            action="qa.open",
            object_type="qa_case",
            object_id=case.pk,
            region_code=p.village_id,
            after={
                "proposal": p.pk,
                "reason": case.reason,
                "findings": case.findings,
                "assigned_to": case.assigned_to_id,
            },
        )
    return task
