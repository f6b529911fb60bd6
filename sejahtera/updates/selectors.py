"""Reads of the update cycle, already scoped to the user's jurisdiction (accounts.scoping)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

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

from .models import (
    ApprovalDecision,
    PopulationEvent,
    Proposal,
    QACase,
    Release,
    ReleaseChange,
    ReleasePerson,
    VerificationPhoto,
    VerificationTask,
)
from .services.releases import DIFF_SELECT_SQL

S = Proposal.Status


def _in_region(qs: QuerySet[Any], region: str, village_field: str = "village_id") -> QuerySet[Any]:
    if region and len(region) in (2, 4, 6, 10) and region.isdigit():
        return qs.filter(households_in_region(region, village_field=village_field))
    return qs


# --- proposals ------------------------------------------------------------------------------------
@dataclass
class ProposalFilter:
    status: str = ""
    kind: str = ""
    origin: str = ""
    region: str = ""
    overdue: bool = False
    q: str = ""  # a proposal number, or a KK number


def proposal_list(*, user: User, f: ProposalFilter | None = None) -> QuerySet[Proposal]:
    ensure_can(user, Action.PROPOSAL_VIEW)
    f = f or ProposalFilter()
    qs = Proposal.objects.filter(household_scope(user)).select_related("village", "household", "submitted_by")
    if f.status:
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.origin:
        qs = qs.filter(origin=f.origin)
    if f.overdue:
        qs = qs.filter(overdue_q())
    qs = _in_region(qs, f.region)
    q = f.q.strip().lstrip("#")
    if q.isdigit():
        qs = qs.filter(Q(pk=int(q)) if len(q) < 16 else Q(household__kk_number=q))
    return qs


def overdue_q(at: dt.datetime | None = None) -> Q:
    """Proposals waiting for verification past their due date."""
    return Q(status__in=[S.SUBMITTED, S.RETURNED], due_at__lt=at or timezone.now())


def proposal_get(*, user: User, proposal_id: int) -> Proposal:
    ensure_can(user, Action.PROPOSAL_VIEW)
    p = (
        Proposal.objects.select_related(
            "village", "household", "person", "target_village", "submitted_by", "verified_by", "release"
        )
        .filter(pk=proposal_id)
        .first()
    )
    if p is None or not in_jurisdiction(user, p.village_id):
        raise NotInJurisdiction("Usulan tidak ditemukan di wilayah kewenangan Anda.")
    return p


def proposal_tasks(*, proposal: Proposal) -> list[VerificationTask]:
    """A proposal's verification rounds (the caller has the proposal through proposal_get)."""
    return list(
        VerificationTask.objects.filter(proposal=proposal)
        .select_related("verified_by", "assigned_to")
        .prefetch_related("photos")
        .order_by("round", "id")
    )


def proposal_decisions(*, proposal: Proposal) -> list[ApprovalDecision]:
    ids = [i for i in (proposal.district_decision_id, proposal.province_decision_id) if i]
    return list(ApprovalDecision.objects.filter(id__in=ids).select_related("decided_by"))


# --- verification -----------------------------------------------------------------------------------
def task_queue(*, user: User, mine_only: bool = False) -> QuerySet[VerificationTask]:
    """Open field visits in the verifier's area, oldest first; not the ones the user proposed."""
    ensure_can(user, Action.VERIFY)
    qs = (
        VerificationTask.objects.filter(household_scope(user), status=VerificationTask.Status.OPEN)
        .filter(Q(assigned_to__isnull=True) | Q(assigned_to=user))
        .exclude(proposal__submitted_by=user)
        .select_related("proposal", "proposal__household", "village")
        .order_by("proposal__due_at", "id")
    )
    if mine_only:
        qs = qs.filter(assigned_to=user)
    return qs


def task_get(*, user: User, task_id: int) -> VerificationTask:
    if not (can(user, Action.VERIFY) or can(user, Action.PROPOSAL_VIEW)):
        ensure_can(user, Action.VERIFY)
    task = (
        VerificationTask.objects.select_related("proposal", "village", "proposal__household")
        .filter(pk=task_id)
        .first()
    )
    if task is None or not in_jurisdiction(user, task.village_id):
        raise NotInJurisdiction("Tugas verifikasi tidak ditemukan di wilayah kewenangan Anda.")
    return task


def photo_get(*, user: User, photo_id: int) -> VerificationPhoto:
    """A house photo, for signed-in staff of the region only (never public)."""
    ensure_can(user, Action.PROPOSAL_VIEW)
    photo = VerificationPhoto.objects.select_related("task").filter(pk=photo_id).first()
    if photo is None or not in_jurisdiction(user, photo.task.village_id):
        raise NotInJurisdiction("Foto tidak ditemukan di wilayah kewenangan Anda.")
    return photo


# --- approval ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VillageBatch:
    village_code: str
    village_name: str
    district_name: str
    proposals: int


def approval_villages(*, user: User, level: str = ApprovalDecision.Level.DISTRICT) -> list[VillageBatch]:
    """Villages with proposals waiting for this user's decision, with how many."""
    action = Action.APPROVE_DISTRICT if level == ApprovalDecision.Level.DISTRICT else Action.APPROVE_PROVINCE
    ensure_can(user, action)
    status = S.VERIFIED if level == ApprovalDecision.Level.DISTRICT else S.DISTRICT_APPROVED
    rows = (
        Proposal.objects.filter(household_scope(user), status=status)
        .values("village_id", "village__name", "village__parent__name")
        .annotate(n=Count("id"))
        .order_by("village_id")
    )
    return [
        VillageBatch(r["village_id"], r["village__name"], r["village__parent__name"], r["n"]) for r in rows
    ]


def approval_candidates(
    *, user: User, village_code: str, level: str = ApprovalDecision.Level.DISTRICT
) -> QuerySet[Proposal]:
    action = Action.APPROVE_DISTRICT if level == ApprovalDecision.Level.DISTRICT else Action.APPROVE_PROVINCE
    ensure_can(user, action)
    if not in_jurisdiction(user, village_code):
        raise NotInJurisdiction("Desa/kelurahan tidak ditemukan di wilayah kewenangan Anda.")
    status = S.VERIFIED if level == ApprovalDecision.Level.DISTRICT else S.DISTRICT_APPROVED
    return (
        Proposal.objects.filter(village_id=village_code, status=status)
        .select_related("household", "submitted_by", "verified_by")
        .order_by("id")
    )


# --- QA ---------------------------------------------------------------------------------------------
def qa_list(*, user: User, status: str = "") -> QuerySet[QACase]:
    if not can(user, Action.QA_REVIEW):
        ensure_can(user, Action.EVALUATION_VIEW)
    qs = QACase.objects.filter(household_scope(user)).select_related("proposal", "assigned_to", "village")
    if user.role == "QA_REVIEWER":
        qs = qs.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
    return qs.filter(status=status) if status else qs


def qa_get(*, user: User, case_id: int) -> QACase:
    case = qa_list(user=user).filter(pk=case_id).first()
    if case is None:
        raise NotInJurisdiction("Kasus tidak ditemukan di wilayah kewenangan Anda.")
    return case


# --- releases ---------------------------------------------------------------------------------------
def release_list(*, user: User) -> QuerySet[Release]:
    """Releases are national decisions: every staff role may read them; their rows are scoped."""
    ensure_can(user, Action.RELEASE_VIEW)
    return Release.objects.select_related("built_by", "published_by")


def release_get(*, user: User, number: int) -> Release:
    release = release_list(user=user).filter(number=number).first()
    if release is None:
        raise NotInJurisdiction("Rilis tidak ditemukan.")
    return release


def release_changes(
    *, user: User, release: Release, region: str = "", change: str = ""
) -> QuerySet[ReleaseChange]:
    """The release's diff lines in the user's jurisdiction (and a region within it)."""
    ensure_can(user, Action.RELEASE_VIEW)
    qs = ReleaseChange.objects.filter(household_scope(user, village_field="village_code"), release=release)
    qs = _in_region(qs, region, village_field="village_code")
    if change:
        qs = qs.filter(change=change)
    return qs.order_by("id")


@dataclass(frozen=True)
class RegionCount:
    code: str
    added: int
    removed: int
    changed: int


def release_region_counts(*, user: User, release: Release, region: str = "") -> list[RegionCount]:
    """Diff counts one level below the region asked for (or the user's jurisdiction)."""
    base = region if region and in_jurisdiction(user, region) else (user.jurisdiction_code or "")
    field = {0: "province_code", 2: "regency_code", 4: "district_code", 6: "village_code"}.get(
        len(base), "village_code"
    )
    rows = (
        release_changes(user=user, release=release, region=base)
        .values(field)
        .annotate(
            added=Count("id", filter=Q(change="ADDED")),
            removed=Count("id", filter=Q(change="REMOVED")),
            changed=Count("id", filter=Q(change="CHANGED")),
        )
        .order_by(field)
    )
    return [RegionCount(r[field], r["added"], r["removed"], r["changed"]) for r in rows]


DIFF_COLUMNS = (
    "household_id",
    "change",
    "reason",
    "kk_number",
    "village_code",
    "district_code",
    "regency_code",
    "province_code",
    "members_before",
    "members_after",
)
_DIFF_LEVEL = {2: "province_code", 4: "regency_code", 6: "district_code", 10: "village_code"}


def release_compare(
    *, user: User, release: Release, against: Release, region: str = "", change: str = ""
) -> Iterator[tuple[Any, ...]]:
    """The diff of `release` against any other release, computed with the build's rules (not read
    from the stored diff), in the user's jurisdiction and a region within it; rows in DIFF_COLUMNS
    order by household. Read with a server-side cursor on PostgreSQL, 2000 rows at a time."""
    ensure_can(user, Action.RELEASE_VIEW)
    jurisdiction = jurisdiction_of(user)
    if jurisdiction is None:
        return
    where: list[str] = []
    params: dict[str, Any] = {"new": release.pk, "old": against.pk}
    for i, code in enumerate((jurisdiction, region)):
        if code and code.isdigit() and len(code) in _DIFF_LEVEL:
            where.append(f"d.{_DIFF_LEVEL[len(code)]} = %(code{i})s")
            params[f"code{i}"] = code
    if change:
        where.append("d.change = %(change)s")
        params["change"] = change
    sql = (
        f"SELECT {', '.join(f'd.{c}' for c in DIFF_COLUMNS)} FROM ({DIFF_SELECT_SQL}) d"
        f"{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY d.household_id"
    )
    with connection.chunked_cursor() as cur:
        cur.execute(sql, params)
        while rows := cur.fetchmany(2000):
            yield from rows


def release_countable_persons(*, release: Release) -> QuerySet[ReleasePerson]:
    """The persons of a release that programs may count: its snapshot, less anyone whose death
    the population registry reported since (issue 3 §5: a death counts at once, not at the next
    release)."""
    deceased = PopulationEvent.objects.filter(
        kind=PopulationEvent.Kind.DEATH, status=PopulationEvent.Status.APPLIED, person__isnull=False
    ).values("person_id")
    return ReleasePerson.objects.filter(release=release).exclude(person_id__in=deceased)


def release_current() -> Release | None:
    """The release programs and the public portal read: the latest published one."""
    return Release.objects.filter(status=Release.Status.PUBLISHED).order_by("-number").first()


# --- population events ------------------------------------------------------------------------------
def event_list(*, user: User, status: str = "", kind: str = "") -> QuerySet[PopulationEvent]:
    if not can(user, Action.EVENTS_APPLY):
        ensure_can(user, Action.PROPOSAL_VIEW)
    qs = PopulationEvent.objects.filter(region_code_scope(user, field="region_code"))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


# --- the weekly evaluation ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Evaluation:
    week_start: dt.date
    week_end: dt.date
    by_status: dict[str, int]
    submitted: int
    verified: int
    approved: int
    applied: int
    overdue: int
    lapsed: int
    open_qa: int
    oldest_overdue: list[Proposal]


def evaluation(*, user: User, region: str = "", week_start: dt.date | None = None) -> Evaluation:
    """Counts in each state, the week's throughput and the overdue items, for a region in scope."""
    ensure_can(user, Action.EVALUATION_VIEW)
    today = timezone.localdate()
    start = week_start or today - dt.timedelta(days=today.weekday())
    end = start + dt.timedelta(days=7)
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tz)
    hi = dt.datetime.combine(end, dt.time.min, tz)
    qs = _in_region(
        Proposal.objects.filter(household_scope(user)), region if in_jurisdiction(user, region) else ""
    )
    by_status = dict(qs.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    week = qs.aggregate(
        submitted=Count("id", filter=Q(submitted_at__gte=lo, submitted_at__lt=hi)),
        verified=Count("id", filter=Q(verified_at__gte=lo, verified_at__lt=hi)),
        approved=Count("id", filter=Q(approved_at__gte=lo, approved_at__lt=hi)),
        applied=Count("id", filter=Q(applied_at__gte=lo, applied_at__lt=hi)),
        lapsed=Count("id", filter=Q(status=S.LAPSED, updated_at__gte=lo, updated_at__lt=hi)),
        overdue=Count("id", filter=overdue_q()),
    )
    qa = _in_region(
        QACase.objects.filter(household_scope(user)), region if in_jurisdiction(user, region) else ""
    )
    return Evaluation(
        week_start=start,
        week_end=end - dt.timedelta(days=1),
        by_status={s: by_status.get(s, 0) for s in S.values},
        open_qa=qa.filter(status=QACase.Status.OPEN).count(),
        oldest_overdue=list(qs.filter(overdue_q()).select_related("village").order_by("due_at")[:20]),
        **week,
    )


def objection_days() -> int:
    return int(settings.UPDATES_OBJECTION_DAYS)
