"""Duplicate reads, scoped: a user sees a pair when either record lies in their jurisdiction (a
pair across two districts is worked by either office; only the office of the record that a merge
deactivates may confirm it, services.pair_confirm)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, can, ensure_can
from sejahtera.accounts.scoping import NOTHING, region_code_scope
from sejahtera.common.errors import NotInJurisdiction
from sejahtera.registry.models import Household, Person

from .models import DedupRun, DuplicatePair, Kind

# Probability bands of the list's filter.
BANDS: dict[str, tuple[float, float]] = {
    "99": (0.99, 1.01),
    "95": (0.95, 0.99),
    "90": (0.90, 0.95),
    "low": (0.0, 0.90),
}


def pair_scope(user: User) -> Q:
    if not can(user, Action.DEDUP_VIEW):
        return NOTHING
    return region_code_scope(user, field="village_a") | region_code_scope(user, field="village_b")


@dataclass(frozen=True)
class PairFilter:
    kind: str = ""
    status: str = ""
    band: str = ""
    region: str = ""


def pair_list(*, user: User, f: PairFilter | None = None) -> QuerySet[DuplicatePair]:
    ensure_can(user, Action.DEDUP_VIEW)
    f = f or PairFilter()
    qs = DuplicatePair.objects.filter(pair_scope(user))
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.band in BANDS:
        lo, hi = BANDS[f.band]
        qs = qs.filter(probability__gte=lo, probability__lt=hi)
    if f.region:
        qs = qs.filter(Q(village_a__startswith=f.region) | Q(village_b__startswith=f.region))
    return qs


def pair_get(*, user: User, pair_id: int) -> DuplicatePair:
    ensure_can(user, Action.DEDUP_VIEW)
    pair = DuplicatePair.objects.filter(pair_scope(user), pk=pair_id).first()
    if pair is None:
        raise NotInJurisdiction("Data tidak ditemukan di wilayah kewenangan Anda.")
    return pair


def pair_counts(*, user: User, region: str = "") -> dict[str, dict[str, int]]:
    """Pairs per kind and status in the user's scope (optionally one region within it), for the
    quality dashboard: {"PERSON": {"PENDING": n, "CONFIRMED": n, "DISMISSED": n}, "HOUSEHOLD": {...}}."""
    out = {k: dict.fromkeys(DuplicatePair.Status.values, 0) for k in Kind.values}
    if not can(user, Action.DEDUP_VIEW):
        return out
    qs = DuplicatePair.objects.filter(pair_scope(user))
    if region:
        qs = qs.filter(Q(village_a__startswith=region) | Q(village_b__startswith=region))
    for row in qs.values("kind", "status").annotate(n=Count("id")).order_by():
        out[row["kind"]][row["status"]] = row["n"]
    return out


@dataclass(frozen=True)
class PairRecords:
    """Both records of a pair as the pair page shows them, side by side."""

    a: Any
    b: Any
    household_a: Household | None
    household_b: Household | None
    members_a: list[Person]
    members_b: list[Person]
    enrollments_a: list[Any]
    enrollments_b: list[Any]


def pair_records(*, pair: DuplicatePair) -> PairRecords:
    """The two registry records of a pair (already scoped by pair_get), their families' members and
    program enrolments."""
    from sejahtera.programs.models import Enrollment

    a: Any
    b: Any
    if pair.kind == Kind.PERSON:
        people = {
            p.pk: p
            for p in Person.objects.select_related("household").filter(pk__in=[pair.record_a, pair.record_b])
        }
        a, b = people.get(pair.record_a), people.get(pair.record_b)
        ha, hb = (a.household if a else None), (b.household if b else None)
    else:
        families = {h.pk: h for h in Household.objects.filter(pk__in=[pair.record_a, pair.record_b])}
        a, b = families.get(pair.record_a), families.get(pair.record_b)
        ha, hb = a, b

    def members(h: Household | None) -> list[Person]:
        return list(Person.objects.filter(household=h).order_by("id")) if h else []

    def enrollments(h: Household | None) -> list[Any]:
        if h is None:
            return []
        return list(Enrollment.objects.filter(household=h).select_related("program").order_by("-id")[:20])

    return PairRecords(a, b, ha, hb, members(ha), members(hb), enrollments(ha), enrollments(hb))


def _filled(p: Any) -> int:
    fields = ("nik", "full_name", "birth_place", "mother_name", "marital_status", "address", "rt", "rw")
    return sum(1 for f in fields if getattr(p, f, None) not in (None, ""))


def default_survivor(records: PairRecords) -> int | None:
    """The record to keep unless the reviewer chooses otherwise: the ACTIVE one, then the more
    complete, then the older (lower id)."""
    candidates = [r for r in (records.a, records.b) if r is not None]
    if not candidates:
        return None
    best = sorted(candidates, key=lambda r: (r.status != "ACTIVE", -_filled(r), r.pk))[0]
    return int(best.pk)


def run_list(*, user: User) -> QuerySet[DedupRun]:
    ensure_can(user, Action.DEDUP_VIEW)
    return DedupRun.objects.select_related("started_by").order_by("-id")


def run_get(*, user: User, run_id: int) -> DedupRun:
    ensure_can(user, Action.DEDUP_VIEW)
    run = DedupRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotInJurisdiction("Data tidak ditemukan.")
    return run
