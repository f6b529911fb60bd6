"""Program reads, already scoped: programs with the parameter set in force, runs, enrolment,
entitlements, withdrawals and quotas. Enrolments, entitlements and withdrawals carry their family's
region, so a jurisdiction is one equality (accounts.scoping); a record outside it is NotInJurisdiction
(404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import (
    household_scope,
    households_in_region,
    jurisdiction_of,
    region_code_scope,
)
from sejahtera.common.errors import NotInJurisdiction

from .models import Enrollment, Entitlement, Program, ProgramParameter, ProgramRun, Quota, Withdrawal
from .parameters import NoParameter, parameter_for

# One level below each jurisdiction: what a count "per region" groups by.
_CHILD_FIELD = {
    0: "province_code",
    2: "regency_code",
    4: "district_code",
    6: "village_code",
    10: "village_code",
}


def _scope(user: User) -> Q:
    return household_scope(user, village_field="village_code")


def _in_region(qs: QuerySet[Any], region: str) -> QuerySet[Any]:
    return qs.filter(households_in_region(region, village_field="village_code")) if region else qs


def child_field(user: User, region: str = "") -> str:
    """The column that splits `region` (or the user's jurisdiction) one level down."""
    return _CHILD_FIELD[len(region or user.jurisdiction_code or "")]


# --- programs ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProgramInForce:
    program: Program
    parameter: ProgramParameter | None


def program_list(*, user: User, day: dt.date | None = None) -> list[ProgramInForce]:
    ensure_can(user, Action.PROGRAM_VIEW)
    day = day or timezone.localdate()
    out = []
    for program in Program.objects.all():
        try:
            parameter: ProgramParameter | None = parameter_for(program, day)
        except NoParameter:
            parameter = None
        out.append(ProgramInForce(program, parameter))
    return out


def program_get(*, user: User, code: str) -> Program:
    ensure_can(user, Action.PROGRAM_VIEW)
    program = Program.objects.filter(code=code).first()
    if program is None:
        raise NotInJurisdiction(f"Program {code} tidak ada.")
    return program


def parameter_history(*, program: Program) -> QuerySet[ProgramParameter]:
    return ProgramParameter.objects.filter(program=program).order_by("-valid_from")


# --- runs ----------------------------------------------------------------------------------------------
def run_list(*, user: User, program: Program | None = None) -> QuerySet[ProgramRun]:
    ensure_can(user, Action.PROGRAM_VIEW)
    qs = ProgramRun.objects.select_related("program", "release", "started_by")
    return qs.filter(program=program) if program is not None else qs


def run_get(*, user: User, run_id: int) -> ProgramRun:
    """A run is national (one per program and period); the regions see it, with their own counts."""
    run = run_list(user=user).select_related("parameter").filter(pk=run_id).first()
    if run is None:
        raise NotInJurisdiction("Run program tidak ada.")
    return run


@dataclass(frozen=True)
class RunCounts:
    enrolled: int
    exited: dict[str, int]
    entitlements: int
    amount: int


def run_counts(*, user: User, run: ProgramRun) -> RunCounts:
    """What the run did in the user's jurisdiction (the run row holds the national totals)."""
    scope = _scope(user) & Q(program_id=run.program_id)
    exited = dict(
        Enrollment.objects.filter(scope, status=Enrollment.Status.EXITED, exit_run=run)
        .values_list("exit_reason")
        .annotate(n=Count("id"))
        .values_list("exit_reason", "n")
    )
    ent = Entitlement.objects.filter(scope, period=run.period, run=run).aggregate(
        n=Count("id"), amount=Sum("amount")
    )
    return RunCounts(
        enrolled=Enrollment.objects.filter(scope, enrolled_run=run).count(),
        exited=exited,
        entitlements=ent["n"] or 0,
        amount=ent["amount"] or 0,
    )


# --- enrolment -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EnrollmentFilter:
    region: str = ""
    status: str = ""
    exit_reason: str = ""


def enrollment_list(
    *, user: User, program: Program, f: EnrollmentFilter | None = None
) -> QuerySet[Enrollment]:
    ensure_can(user, Action.PROGRAM_VIEW)
    f = f or EnrollmentFilter()
    qs = Enrollment.objects.filter(_scope(user), program=program)
    qs = _in_region(qs, f.region)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.exit_reason:
        qs = qs.filter(exit_reason=f.exit_reason)
    return qs


def enrollment_get(*, user: User, enrollment_id: int) -> Enrollment:
    ensure_can(user, Action.PROGRAM_VIEW)
    found = (
        Enrollment.objects.filter(_scope(user), pk=enrollment_id)
        .select_related("program", "household", "enrolled_run", "exit_run")
        .first()
    )
    if found is None:
        raise NotInJurisdiction("Kepesertaan tidak ditemukan di wilayah kewenangan Anda.")
    return found


@dataclass(frozen=True)
class RegionCount:
    code: str
    active: int


def active_by_region(*, user: User, program: Program, region: str = "") -> list[RegionCount]:
    """ACTIVE enrolments per region one level below `region` (or the jurisdiction)."""
    field = child_field(user, region)
    rows = (
        enrollment_list(user=user, program=program, f=EnrollmentFilter(region=region, status="ACTIVE"))
        .values_list(field)
        .annotate(n=Count("id"))
        .values_list(field, "n")
        .order_by(field)
    )
    return [RegionCount(code, n) for code, n in rows]


# --- entitlements --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EntitlementFilter:
    period: str = ""
    region: str = ""


def entitlement_list(
    *, user: User, program: Program, f: EntitlementFilter | None = None
) -> QuerySet[Entitlement]:
    ensure_can(user, Action.PROGRAM_VIEW)
    f = f or EntitlementFilter()
    qs = Entitlement.objects.filter(_scope(user), program=program)
    if f.period:
        qs = qs.filter(period=f.period)
    return _in_region(qs, f.region)


def entitlement_periods(*, program: Program) -> list[str]:
    """The periods a program has runs for, newest first."""
    return list(
        ProgramRun.objects.filter(program=program, status=ProgramRun.Status.DONE)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )


def entitlement_get(*, user: User, entitlement_id: int) -> Entitlement:
    ensure_can(user, Action.PROGRAM_VIEW)
    found = (
        Entitlement.objects.filter(_scope(user), pk=entitlement_id)
        .select_related("program", "household", "run", "release", "enrollment")
        .first()
    )
    if found is None:
        raise NotInJurisdiction("Hak bantuan tidak ditemukan di wilayah kewenangan Anda.")
    return found


# --- withdrawals ---------------------------------------------------------------------------------------
def withdrawal_list(*, user: User, status: str = "") -> QuerySet[Withdrawal]:
    ensure_can(user, Action.PROGRAM_VIEW)
    qs = Withdrawal.objects.filter(household_scope(user, prefix="enrollment__", village_field="village_code"))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("enrollment__program", "enrollment__household", "requested_by")


def withdrawal_get(*, user: User, withdrawal_id: int) -> Withdrawal:
    found = (
        withdrawal_list(user=user)
        .select_related("confirmed_by", "verified_by", "enrollment__household")
        .filter(pk=withdrawal_id)
        .first()
    )
    if found is None:
        raise NotInJurisdiction("Pengunduran diri tidak ditemukan di wilayah kewenangan Anda.")
    return found


def enrollment_withdrawals(*, enrollment: Enrollment) -> QuerySet[Withdrawal]:
    return Withdrawal.objects.filter(enrollment=enrollment).select_related(
        "requested_by", "confirmed_by", "verified_by"
    )


# --- quotas --------------------------------------------------------------------------------------------
def quota_list(*, user: User, program: Program | None = None, year: int | None = None) -> QuerySet[Quota]:
    """Quota rows of regions in the jurisdiction (a regency officer sees its regency's row)."""
    ensure_can(user, Action.PROGRAM_VIEW)
    qs = Quota.objects.filter(region_code_scope(user, field="region_code")).select_related("program")
    if program is not None:
        qs = qs.filter(program=program)
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("program__code", "-year", "region_code")


def is_national(user: User) -> bool:
    return jurisdiction_of(user) == ""
