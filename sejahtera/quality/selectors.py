"""Reads of the quality app, scoped to the user's jurisdiction (accounts.scoping): findings, their
counts per region and type, the trend across releases, check and padan runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, can, ensure_can
from sejahtera.accounts.scoping import (
    household_scope,
    households_in_region,
    in_jurisdiction,
    jurisdiction_of,
    region_code_scope,
)
from sejahtera.common.errors import NotInJurisdiction
from sejahtera.updates.models import Release

from .models import CheckRun, Finding, FindingType, PadanOverride, PadanRun, ReleaseFindingCount

# The field holding a region one level below a region code of this length ('' = the nation).
CHILD_FIELD = {0: "province_code", 2: "regency_code", 4: "district_code", 6: "village_id"}
TRENDS_SHOWN = 8


@dataclass(frozen=True)
class FindingFilter:
    type: str = ""
    status: str = ""
    severity: str = ""
    region: str = ""  # a region code within the jurisdiction


def finding_list(*, user: User, f: FindingFilter | None = None) -> QuerySet[Finding]:
    ensure_can(user, Action.QUALITY_VIEW)
    qs = Finding.objects.filter(household_scope(user))
    f = f or FindingFilter()
    if f.type:
        qs = qs.filter(type=f.type)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.severity:
        qs = qs.filter(severity=f.severity)
    if f.region:
        qs = qs.filter(households_in_region(f.region))
    return qs


def finding_get(*, user: User, finding_id: int) -> Finding:
    ensure_can(user, Action.QUALITY_VIEW)
    finding = (
        Finding.objects.filter(household_scope(user), pk=finding_id)
        .select_related("household", "person", "other_person", "decided_by")
        .first()
    )
    if finding is None:
        raise NotInJurisdiction("Temuan tidak ditemukan di wilayah kewenangan Anda.")
    return finding


def region_within(user: User, raw: str | None) -> str:
    """A region code inside the jurisdiction, else the jurisdiction itself ('' = the nation)."""
    own = jurisdiction_of(user) or ""
    code = (raw or "").strip()
    if (
        code.isdigit()
        and len(code) in (2, 4, 6, 10)
        and in_jurisdiction(user, code)
        and len(code) >= len(own)
    ):
        return code
    return own


@dataclass(frozen=True)
class TypeCount:
    type: str
    label: str
    severity: str
    open: int
    fixed: int
    resolved: int
    dismissed: int


def counts_by_type(*, user: User, region: str) -> list[TypeCount]:
    """Findings per type and status in a region of the jurisdiction (every type, zeros included)."""
    qs = finding_list(user=user, f=FindingFilter(region=region))
    seen: dict[tuple[str, str], int] = {}
    severity: dict[str, str] = {}
    for row in qs.values("type", "status", "severity").annotate(n=Count("id")).order_by():
        seen[(row["type"], row["status"])] = seen.get((row["type"], row["status"]), 0) + row["n"]
        severity[row["type"]] = row["severity"]
    from .checks import CHECKS_BY_TYPE, PADAN_ACTIONS

    def sev(t: str) -> str:
        if t in CHECKS_BY_TYPE:
            return str(CHECKS_BY_TYPE[t].severity)
        return str(PADAN_ACTIONS[t][0]) if t in PADAN_ACTIONS else severity.get(t, "")

    S = Finding.Status
    return [
        TypeCount(
            type=t.value,
            label=str(t.label),
            severity=sev(t.value),
            open=seen.get((t.value, S.OPEN), 0),
            fixed=seen.get((t.value, S.FIXED), 0),
            resolved=seen.get((t.value, S.RESOLVED), 0),
            dismissed=seen.get((t.value, S.DISMISSED), 0),
        )
        for t in FindingType
    ]


@dataclass(frozen=True)
class RegionCount:
    code: str
    errors: int
    warnings: int
    total: int


def counts_by_child_region(*, user: User, region: str) -> list[RegionCount]:
    """OPEN findings per region one level below `region` (none below a village)."""
    field = CHILD_FIELD.get(len(region))
    if field is None:
        return []
    qs = finding_list(user=user, f=FindingFilter(region=region, status=Finding.Status.OPEN))
    rows = (
        qs.values(field)
        .annotate(
            errors=Count("id", filter=Q(severity="ERROR")),
            warnings=Count("id", filter=Q(severity="WARNING")),
            total=Count("id"),
        )
        .order_by(field)
    )
    return [RegionCount(r[field], r["errors"], r["warnings"], r["total"]) for r in rows]


@dataclass(frozen=True)
class TrendRow:
    release: int
    period: str
    counts: list[int]  # in the order of the types given
    total: int


def trend(*, user: User, region: str, types: list[str]) -> list[TrendRow]:
    """OPEN findings per type when each of the latest releases was built, in a region of the
    jurisdiction (counted per district at the build; a village shows its district's)."""
    ensure_can(user, Action.QUALITY_VIEW)
    area = region[:6]
    qs = ReleaseFindingCount.objects.filter(region_code_scope(user, field="district_code"))
    if area:
        qs = qs.filter(district_code__startswith=area)
    releases = list(
        Release.objects.filter(pk__in=qs.values("release_id"))
        .exclude(status__in=[Release.Status.DISCARDED, Release.Status.FAILED])
        .order_by("-number")
        .values_list("pk", "number", "period")[:TRENDS_SHOWN]
    )
    sums: dict[tuple[int, str], int] = {}
    for row in (
        qs.filter(release_id__in=[r[0] for r in releases])
        .values("release_id", "type")
        .annotate(n=Sum("open"))
    ):
        sums[(row["release_id"], row["type"])] = row["n"] or 0
    out = []
    for pk, number, period in reversed(releases):
        counts = [sums.get((pk, t), 0) for t in types]
        out.append(TrendRow(number, period, counts, sum(sums.get((pk, t.value), 0) for t in FindingType)))
    return out


def extra_counters(*, user: User, region: str) -> dict[str, Any]:
    """Counters of the duplicates engineer's app (issue 6 §3), when it is installed."""
    try:
        from sejahtera.quality.dedup.selectors import pair_counts  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return {}
    counts: dict[str, Any] = pair_counts(user=user, region=region)
    return counts


# --- runs (the central data team) -------------------------------------------------------------------
def run_list(*, user: User) -> QuerySet[CheckRun]:
    ensure_can(user, Action.QUALITY_RUN)
    return CheckRun.objects.filter(import_job__isnull=True)


def run_get(*, user: User, run_id: int) -> CheckRun:
    run = run_list(user=user).filter(pk=run_id).first()
    if run is None:
        raise NotInJurisdiction("Pemeriksaan tidak ada.")
    return run


def padan_list(*, user: User) -> QuerySet[PadanRun]:
    ensure_can(user, Action.QUALITY_RUN)
    return PadanRun.objects.all()


def padan_get(*, user: User, run_id: int) -> PadanRun:
    run = padan_list(user=user).filter(pk=run_id).first()
    if run is None:
        raise NotInJurisdiction("Padan tidak ada.")
    return run


def overrides_of(*, user: User, finding: Finding) -> list[PadanOverride]:
    """The padan overrides asked for a finding's person (the finding is already in scope)."""
    if finding.person_id is None or not (can(user, Action.PADAN_OVERRIDE) or can(user, Action.QUALITY_VIEW)):
        return []
    return list(
        PadanOverride.objects.filter(person_id=finding.person_id).select_related("requested_by", "decided_by")
    )


def override_get(*, user: User, override_id: int) -> PadanOverride:
    ensure_can(user, Action.PADAN_OVERRIDE)
    override = PadanOverride.objects.filter(
        region_code_scope(user, field="village_code"), pk=override_id
    ).first()
    if override is None:
        raise NotInJurisdiction("Pengecualian tidak ditemukan di wilayah kewenangan Anda.")
    return override
