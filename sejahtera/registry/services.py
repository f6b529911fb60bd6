"""Writes to the registry. Each function is one business operation in one transaction, audited."""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.forms.models import model_to_dict
from django.utils import timezone

from sejahtera.accounts.models import Role, User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import ensure_in_jurisdiction
from sejahtera.common.audit import audit_record, diff
from sejahtera.common.errors import DomainError, TransitionNotAllowed

from . import codes
from .imports.pipeline import file_sha256, import_execute
from .models import Household, ImportJob, Person

# A RUNNING job whose worker died may be claimed again after this long without a progress report
# (progress is written at least every few seconds while rows are read; one SQL statement of a
# national load can run for minutes).
STALE_AFTER = dt.timedelta(minutes=30)


def _store_upload(src: Path, name: str) -> Path:
    settings.UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    dest = settings.UPLOAD_DIR / f"{uuid.uuid4().hex}{Path(name).suffix.lower()[:6]}"
    shutil.copyfile(src, dest)
    return dest


def import_submit(
    *,
    actor: User,
    households_path: Path,
    persons_path: Path,
    households_name: str = "",
    persons_name: str = "",
) -> ImportJob:
    """Queue an import of a households file and a persons file. The same pair submitted again while
    the first is still queued or running returns the first job: it runs once."""
    ensure_can(actor, Action.REGISTRY_IMPORT)
    content_hash = file_sha256(households_path, persons_path)
    pending = ImportJob.objects.filter(
        content_hash=content_hash,
        created_by=actor,
        status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING],
    )
    if job := pending.first():
        return job
    try:
        with transaction.atomic():
            return ImportJob.objects.create(
                created_by=actor,
                households_file=str(_store_upload(households_path, households_name or households_path.name)),
                persons_file=str(_store_upload(persons_path, persons_name or persons_path.name)),
                households_name=households_name or households_path.name,
                persons_name=persons_name or persons_path.name,
                content_hash=content_hash,
                scope_code=actor.jurisdiction_code,
            )
    except IntegrityError:  # a concurrent submission of the same files won the race
        if job := pending.first():
            return job
        raise


def import_claim(*, job_id: int) -> ImportJob | None:
    """Claim a job for running with a conditional UPDATE, so that two workers never run one job."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(
        Q(status=ImportJob.Status.QUEUED)
        | Q(status=ImportJob.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER),
        pk=job_id,
    ).update(
        status=ImportJob.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempt=F("attempt") + 1,
        phase=ImportJob.Phase.WAITING,
        bytes_done=0,
    )
    if not claimed:
        return None
    return ImportJob.objects.select_related("created_by").get(pk=job_id)


def import_run(*, job_id: int, on_progress: Any = None) -> ImportJob:
    """Run a queued import (the body of the background job; the CLI calls it inline)."""
    job = import_claim(job_id=job_id)
    if job is None:
        return ImportJob.objects.get(pk=job_id)
    return import_execute(job, on_progress=on_progress)


# --- edits ---------------------------------------------------------------------------------------
_HOUSEHOLD_EDITABLE = {
    "address",
    "rt",
    "rw",
    "tenure_status",
    "land_status",
    "floor_area_m2",
    "floor_type",
    "wall_type",
    "wall_condition",
    "roof_type",
    "roof_condition",
    "bedrooms",
    "water_source",
    "water_acquisition",
    "lighting_source",
    "power_capacity",
    "cooking_fuel",
    "toilet_facility",
    "toilet_type",
    "sewage_disposal",
    "has_gas_cylinder",
    "has_refrigerator",
    "has_air_conditioner",
    "has_water_heater",
    "has_landline",
    "has_television",
    "has_flat_tv",
    "has_gold_savings",
    "has_computer",
    "has_bicycle",
    "has_motorcycle",
    "has_car",
    "has_boat",
    "has_outboard_motor",
    "has_motorboat",
    "has_ship",
    "phone_numbers",
    "owns_land",
    "land_area_m2",
    "has_other_house",
    "cattle",
    "buffalo",
    "horses",
    "pigs",
    "goats",
    "has_business",
    "welfare_status",
}
_PERSON_EDITABLE = {
    "full_name",
    "birth_place",
    "birth_date",
    "sex",
    "relationship",
    "marital_status",
    "mother_name",
    "education",
    "school_level",
    "work_sector",
    "disability",
    "disability_severity",
    "chronic_illness",
    "pregnant",
    "ppks_mask",
}


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise DomainError("Alasan perubahan wajib diisi.")


def _apply_changes(
    *,
    actor: User,
    obj: Household | Person,
    village_code: str,
    changes: dict[str, Any],
    editable: set[str],
    reason: str,
    exclude: list[str],
) -> None:
    """Validate, save and audit a correction of some attributes (the caller holds the row lock)."""
    unknown = set(changes) - editable
    if unknown:
        raise DomainError(f"Kolom tidak dapat diubah di sini: {', '.join(sorted(unknown))}")
    ensure_in_jurisdiction(actor, village_code)
    before = model_to_dict(obj, fields=list(changes))
    for k, v in changes.items():
        setattr(obj, k, v)
    obj.full_clean(exclude=exclude)
    obj.save(update_fields=[*changes, "updated_at"])
    b, a = diff(before, model_to_dict(obj, fields=list(changes)))
    name = type(obj).__name__.lower()
    audit_record(
        actor=actor,
        action=f"{name}.update",
        object_type=name,
        object_id=obj.pk,
        region_code=village_code,
        before=b,
        after=a,
        reason=reason,
    )


@transaction.atomic
def household_update(*, actor: User, household_id: int, changes: dict[str, Any], reason: str) -> Household:
    """Correct a household's attributes (the update cycle calls this when a change is applied)."""
    ensure_can(actor, Action.REGISTRY_EDIT)
    _require_reason(reason)
    hh = Household.objects.select_for_update().get(pk=household_id)
    _apply_changes(
        actor=actor,
        obj=hh,
        village_code=hh.village_id,
        changes=changes,
        editable=_HOUSEHOLD_EDITABLE,
        reason=reason,
        exclude=["village", "merged_into", "import_job"],
    )
    return hh


@transaction.atomic
def person_update(*, actor: User, person_id: int, changes: dict[str, Any], reason: str) -> Person:
    """Correct a person's attributes."""
    ensure_can(actor, Action.REGISTRY_EDIT)
    _require_reason(reason)
    person = Person.objects.select_for_update().select_related("household").get(pk=person_id)
    _apply_changes(
        actor=actor,
        obj=person,
        village_code=person.household.village_id,
        changes=changes,
        editable=_PERSON_EDITABLE,
        reason=reason,
        exclude=["household", "merged_into", "import_job"],
    )
    return person


# Allowed status moves of a person (STYLE.md: a small table next to the statuses).
PERSON_TRANSITIONS: dict[str, set[str]] = {
    codes.RecordStatus.ACTIVE: {
        codes.RecordStatus.INACTIVE,
        codes.RecordStatus.DECEASED,
        codes.RecordStatus.MOVED,
        codes.RecordStatus.MERGED,
    },
    codes.RecordStatus.INACTIVE: {codes.RecordStatus.ACTIVE, codes.RecordStatus.DECEASED},
    codes.RecordStatus.MOVED: {codes.RecordStatus.ACTIVE},
    codes.RecordStatus.DECEASED: set(),
    codes.RecordStatus.MERGED: set(),
}


@transaction.atomic
def person_set_status(
    *,
    actor: User,
    person_id: int,
    status: str,
    reason: str,
    inactive_reason: str = "",
    death_date: dt.date | None = None,
) -> Person:
    """Move a person between ACTIVE, INACTIVE (with a reason), DECEASED, MOVED and MERGED."""
    ensure_can(actor, Action.REGISTRY_EDIT)
    _require_reason(reason)
    person = Person.objects.select_for_update().select_related("household").get(pk=person_id)
    ensure_in_jurisdiction(actor, person.household.village_id)
    if status not in PERSON_TRANSITIONS.get(person.status, set()):
        raise TransitionNotAllowed(entity="Penduduk", current=person.status, requested=status)
    if status == codes.RecordStatus.INACTIVE and inactive_reason not in codes.InactiveReason.values:
        raise DomainError("Status nonaktif memerlukan alasan penonaktifan yang sah.")
    if (
        status == codes.RecordStatus.ACTIVE
        and Person.objects.filter(nik=person.nik, status=codes.RecordStatus.ACTIVE)
        .exclude(pk=person.pk)
        .exists()
    ):
        raise DomainError("NIK ini sudah aktif pada orang lain; tidak dapat diaktifkan kembali.")
    before = {
        "status": person.status,
        "inactive_reason": person.inactive_reason,
        "death_date": person.death_date,
    }
    person.status = status
    person.inactive_reason = inactive_reason if status == codes.RecordStatus.INACTIVE else ""
    if status == codes.RecordStatus.DECEASED:
        person.death_date = death_date
    person.save(update_fields=["status", "inactive_reason", "death_date", "updated_at"])
    after = {
        "status": person.status,
        "inactive_reason": person.inactive_reason,
        "death_date": person.death_date,
    }
    audit_record(
        actor=actor,
        action="person.status",
        object_type="person",
        object_id=person.pk,
        region_code=person.household.village_id,
        before=before,
        after=after,
        reason=reason,
    )
    return person


def system_user() -> User:
    """The actor of command-line operations run without --user."""
    user, _ = User.objects.get_or_create(
        username="system", defaults={"role": Role.CENTRAL_DATA, "is_active": True, "first_name": "Sistem"}
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def command_user(username: str | None) -> User:
    """The actor of a command-line operation: the active user named by --user, else the system user."""
    if not username:
        return system_user()
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise DomainError(f"no active user {username!r}")
    return user
