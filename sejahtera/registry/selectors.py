"""Registry reads, already scoped to the reader's jurisdiction (accounts/scoping.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import (
    household_scope,
    households_in_region,
    jurisdiction_of,
    region_code_scope,
)
from sejahtera.common.errors import NotInJurisdiction
from sejahtera.common.models import AuditEntry

from . import codes
from .models import Household, ImportJob, ImportRowError, Person

SORTS = {
    "kk": "kk_number",
    "-kk": "-kk_number",
    "village": "village_id",
    "-village": "-village_id",
    "members": "member_count",
    "-members": "-member_count",
    "new": "-id",
    "old": "id",
}


@dataclass(frozen=True)
class HouseholdFilter:
    q: str = ""
    region: str = ""
    status: str = ""
    welfare: str = ""
    sort: str = "kk"


def households_visible(user: User) -> QuerySet[Household]:
    ensure_can(user, Action.REGISTRY_VIEW)
    return Household.objects.filter(household_scope(user))


def household_list(*, user: User, filters: HouseholdFilter) -> QuerySet[Household]:
    qs = households_visible(user)
    region = "".join(ch for ch in filters.region if ch.isdigit())
    if region and len(region) in (2, 4, 6, 10):
        qs = qs.filter(households_in_region(region))
    if filters.status in codes.RecordStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.welfare.isdigit():
        qs = qs.filter(welfare_status=int(filters.welfare))
    term = filters.q.strip()
    if term:
        if term.isdigit() and len(term) == 16:
            # A subquery rather than a join, so that the member count below is not narrowed to
            # the matching member.
            qs = qs.filter(
                Q(kk_number=term) | Q(id__in=Person.objects.filter(nik=term).values("household_id"))
            )
        elif len(term) >= 3:
            qs = qs.filter(id__in=Person.objects.filter(full_name__icontains=term).values("household_id"))
        else:
            qs = qs.none()
    head = Person.objects.filter(household=OuterRef("pk"), relationship=codes.Relationship.HEAD).order_by(
        "id"
    )
    qs = qs.select_related("village").annotate(
        head_name=Subquery(head.values("full_name")[:1]),
        member_count=Coalesce(
            Subquery(
                Person.objects.filter(household=OuterRef("pk"), status=codes.RecordStatus.ACTIVE)
                .values("household")
                .annotate(n=Count("id"))
                .values("n")[:1]
            ),
            0,
        ),
    )
    return qs.order_by(SORTS.get(filters.sort, "kk_number"), "id")


def household_get(*, user: User, household_id: int) -> Household:
    hh = (
        households_visible(user)
        .select_related("village", "village__parent", "village__parent__parent")
        .filter(pk=household_id)
        .first()
    )
    if hh is None:
        raise NotInJurisdiction("Keluarga tidak ditemukan di wilayah kewenangan Anda.")
    return hh


def household_members(*, household: Household) -> QuerySet[Person]:
    return household.members.order_by("id")


def person_get(*, user: User, person_id: int) -> Person:
    ensure_can(user, Action.REGISTRY_VIEW)
    person = (
        Person.objects.filter(household_scope(user, prefix="household__"), pk=person_id)
        .select_related("household", "household__village")
        .first()
    )
    if person is None:
        raise NotInJurisdiction("Penduduk tidak ditemukan di wilayah kewenangan Anda.")
    return person


def _import_entry(user: User, import_job_id: int | None) -> Q:
    """The audit entry of the import that created a record, when that import lies inside the
    reader's jurisdiction: a national import's entry carries national totals and file names."""
    if not import_job_id:
        return Q(pk__in=[])
    return (
        Q(object_type="import_job", object_id=str(import_job_id))
        & region_code_scope(user, field="region_code")
        & (Q() if jurisdiction_of(user) == "" else ~Q(region_code=""))
    )


def household_history(*, user: User, household: Household) -> QuerySet[AuditEntry]:
    """The household's own entries, its members' entries, and the import that created it."""
    member_ids = [str(i) for i in household.members.values_list("id", flat=True)]
    cond = Q(object_type="household", object_id=str(household.pk)) | Q(
        object_type="person", object_id__in=member_ids
    )
    cond |= _import_entry(user, household.import_job_id)
    return AuditEntry.objects.filter(cond).select_related("actor").order_by("-id")


def person_history(*, user: User, person: Person) -> QuerySet[AuditEntry]:
    cond = Q(object_type="person", object_id=str(person.pk)) | _import_entry(user, person.import_job_id)
    return AuditEntry.objects.filter(cond).select_related("actor").order_by("-id")


def registry_counts(*, user: User) -> dict[str, int]:
    """Counts in the user's jurisdiction, for the dashboard and the API."""
    hh = households_visible(user)
    persons = Person.objects.filter(household_scope(user, prefix="household__"))
    by_status = dict(persons.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "households": hh.filter(status=codes.RecordStatus.ACTIVE).count(),
        "persons": by_status.get(codes.RecordStatus.ACTIVE, 0),
        "persons_deceased": by_status.get(codes.RecordStatus.DECEASED, 0),
        "persons_inactive": by_status.get(codes.RecordStatus.INACTIVE, 0),
    }


def import_jobs_visible(user: User) -> QuerySet[ImportJob]:
    ensure_can(user, Action.REGISTRY_IMPORT)
    return ImportJob.objects.filter(region_code_scope(user, field="scope_code")).select_related("created_by")


def import_job_get(*, user: User, job_id: int) -> ImportJob:
    job = import_jobs_visible(user).filter(pk=job_id).first()
    if job is None:
        raise NotInJurisdiction("Pekerjaan impor tidak ditemukan.")
    return job


def import_job_errors(*, job: ImportJob) -> QuerySet[ImportRowError]:
    return job.row_errors.order_by("severity", "file", "row", "column")


def audit_list(*, user: User, action: str = "", object_type: str = "") -> QuerySet[AuditEntry]:
    ensure_can(user, Action.AUDIT_VIEW)
    code = jurisdiction_of(user)
    qs = AuditEntry.objects.filter(region_code_scope(user, field="region_code"))
    if code:
        # Regional auditors do not see national entries ('' region).
        qs = qs.exclude(region_code="")
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    return qs.select_related("actor").order_by("-id")


def household_export_rows(*, user: User, filters: HouseholdFilter) -> QuerySet[Household]:
    """Every household in scope matching the filters, for a file export (a separate right)."""
    ensure_can(user, Action.REGISTRY_EXPORT)
    return household_list(user=user, filters=filters)
