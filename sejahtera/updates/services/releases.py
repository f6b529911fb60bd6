"""Determination (penetapan): build, publish or discard a numbered release of the registry.

A build applies the approved proposals, writes the snapshot of active households and persons
with two INSERT ... SELECT statements, runs the configured hooks (targeting's score and deciles),
and writes the diff against the last published release with one more. Publication freezes it:
database triggers refuse any UPDATE of a snapshot row or of a published release.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max
from django.utils.module_loading import import_string

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import DomainError
from sejahtera.common.states import ensure_transition

from ..models import Release, ReleaseChange, ReleaseHousehold, ReleasePerson
from ._base import ensure_not_maker, move, now
from .apply import apply_approved

RS = Release.Status
_PERIOD = re.compile(r"^(?P<year>20\d\d)-(?P<month>0[1-9]|1[0-2])$")
QUARTER_MONTHS = {1, 4, 7, 10}

Progress = Callable[[str, int], None]
# The phase of a release numbered but not yet picked up by a worker.
QUEUED = "Dalam antrean"


def period_check(period: str) -> str:
    """A release period is YYYY-MM; since 2025 (DTSEN) quarterly cadence names each quarter by its
    first month, unless the cadence is configured monthly."""
    m = _PERIOD.match(period or "")
    if not m:
        raise DomainError(f"Periode {period!r} harus berbentuk YYYY-MM, mis. 2026-10.")
    year, month = int(m["year"]), int(m["month"])
    if year >= 2025 and settings.RELEASE_CADENCE == "quarterly" and month not in QUARTER_MONTHS:
        raise DomainError(
            f"Periode {period}: penetapan DTSEN bersifat triwulanan; gunakan bulan 01, 04, 07 atau 10."
        )
    return period


# --- the three statements ---------------------------------------------------------------------------
def _greatest(a: str, b: str) -> str:
    return f"GREATEST({a}, {b})" if connection.vendor == "postgresql" else f"MAX({a}, {b})"


def _snapshot_households_sql() -> str:
    # Only households with at least one active (and not held-out) member are determined; `version`
    # is the latest change to the household or to one of its active members.
    return f"""
        INSERT INTO updates_releasehousehold
            (release_id, household_id, kk_number, village_code, district_code, regency_code,
             province_code, members, welfare_status, version)
        SELECT %s, h.id, h.kk_number, h.village_code, h.district_code, h.regency_code,
               h.province_code, m.n, h.welfare_status, {_greatest("h.updated_at", "m.v")}
        FROM registry_household h
        JOIN (SELECT p.household_id, COUNT(*) AS n, MAX(p.updated_at) AS v
              FROM registry_person p WHERE p.status = 'ACTIVE'{_person_filters()} GROUP BY p.household_id) m
          ON m.household_id = h.id
        WHERE h.status = 'ACTIVE'
    """


def _person_filters() -> str:
    """The conditions settings.RELEASE_PERSON_FILTERS add on a registry person `p` (quality's
    padan hold-out: a person not matched in Dukcapil stays out until the district overrides it).
    A household left with no member is not determined, like one whose members all died."""
    return "".join(f" AND {import_string(path)()}" for path in settings.RELEASE_PERSON_FILTERS)


def _snapshot_persons_sql() -> str:
    return f"""
    INSERT INTO updates_releaseperson
        (release_id, person_id, household_id, nik, full_name, birth_date, sex, relationship,
         disability_severity, pregnant, school_level, ppks_mask)
    SELECT %s, p.id, p.household_id, p.nik, p.full_name, p.birth_date, p.sex, p.relationship,
           p.disability_severity, p.pregnant, p.school_level, p.ppks_mask
    FROM registry_person p
    JOIN updates_releasehousehold rh ON rh.release_id = %s AND rh.household_id = p.household_id
    WHERE p.status = 'ACTIVE'{_person_filters()}
"""


# The diff of release %(new)s against %(old)s, in three parts. A removed household's reason is its
# registry status or inactive reason now (NO_MEMBERS: still active, but nobody active in it).
# The build stores it (DIFF_SQL); `sejahtera release diff N M` reads it for any two releases
# (selectors.release_compare).
DIFF_SELECT_SQL = """
    SELECT %(new)s AS release_id, n.household_id AS household_id, 'ADDED' AS change, '' AS reason,
           n.kk_number AS kk_number, n.village_code AS village_code, n.district_code AS district_code,
           n.regency_code AS regency_code, n.province_code AS province_code,
           NULL AS members_before, n.members AS members_after
    FROM updates_releasehousehold n
    LEFT JOIN updates_releasehousehold o ON o.release_id = %(old)s AND o.household_id = n.household_id
    WHERE n.release_id = %(new)s AND o.household_id IS NULL
    UNION ALL
    SELECT %(new)s, o.household_id, 'REMOVED',
           CASE WHEN h.status = 'INACTIVE' THEN h.inactive_reason
                WHEN h.status = 'ACTIVE' THEN 'NO_MEMBERS'
                ELSE COALESCE(h.status, 'DELETED') END,
           o.kk_number, o.village_code, o.district_code, o.regency_code, o.province_code, o.members, NULL
    FROM updates_releasehousehold o
    LEFT JOIN updates_releasehousehold n ON n.release_id = %(new)s AND n.household_id = o.household_id
    LEFT JOIN registry_household h ON h.id = o.household_id
    WHERE o.release_id = %(old)s AND n.household_id IS NULL
    UNION ALL
    SELECT %(new)s, n.household_id, 'CHANGED',
           CASE WHEN n.village_code <> o.village_code THEN 'VILLAGE'
                WHEN n.members <> o.members THEN 'MEMBERS'
                ELSE 'DATA' END,
           n.kk_number, n.village_code, n.district_code, n.regency_code, n.province_code, o.members, n.members
    FROM updates_releasehousehold n
    JOIN updates_releasehousehold o ON o.release_id = %(old)s AND o.household_id = n.household_id
    WHERE n.release_id = %(new)s AND (n.version <> o.version OR n.village_code <> o.village_code
                                      OR n.members <> o.members)
"""
DIFF_SQL = (
    """
    INSERT INTO updates_releasechange
        (release_id, household_id, change, reason, kk_number, village_code, district_code,
         regency_code, province_code, members_before, members_after)
"""
    + DIFF_SELECT_SQL
)


def _execute(sql: str, params: Any) -> int:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def _run_hooks(release: Release, hooks: list[str] | None = None) -> None:
    for path in settings.RELEASE_BUILD_HOOKS if hooks is None else hooks:
        import_string(path)(release)


# --- a build whose worker died ------------------------------------------------------------------------
# A build runs holding a session advisory lock (PostgreSQL) keyed on its number: a BUILDING release
# whose lock nobody holds was left by a process that died. Its snapshot transaction rolled back;
# proposals applied in the batches before it stay applied (as after a failed build) and reach the
# next release. SQLite has one process at a time: there the operator decides (release_abandon).
_LOCK_KEY = 0x5E1A_0B1D
ABANDONED = "Penyusunan ditinggalkan: prosesnya berhenti sebelum selesai."


def _lock(number: int, *, wait: bool) -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cur:
        if wait:
            cur.execute("SELECT pg_advisory_lock(%s, %s)", [_LOCK_KEY, number])
            return True
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_KEY, number])
        return bool(cur.fetchone()[0])


def _unlock(number: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_KEY, number])


def release_abandon(*, actor: User, number: int, reason: str) -> Release:
    """Close a release left BUILDING by a worker that died, so the next one can be built."""
    ensure_can(actor, Action.RELEASE_BUILD)
    if not reason.strip():
        raise DomainError("Alasan penutupan wajib diisi.")
    with transaction.atomic():
        release = Release.objects.select_for_update().get(number=number)
        if release.status != RS.BUILDING:
            raise DomainError(f"Rilis {number} tidak sedang disusun ({release.get_status_display()}).")
        if release.phase != QUEUED and not _lock(number, wait=False):
            raise DomainError(f"Rilis {number} masih disusun oleh sebuah proses; tunggu sampai selesai.")
        try:
            release.error_message = f"{ABANDONED} {reason.strip()}"[:2000]
            _move_release(
                release, to=RS.FAILED, actor=actor, reason=reason.strip(), fields=("error_message",)
            )
        finally:
            if release.phase != QUEUED:
                _unlock(number)
    return release


def _move_release(release: Release, **kwargs: Any) -> None:
    """A release's move: national (no region), named "Rilis" in refusals and the audit log."""
    move(release, entity="Rilis", object_type="release", region_code="", **kwargs)


def _last_published() -> Release | None:
    return Release.objects.filter(status=RS.PUBLISHED).order_by("-number").first()


def _start(actor: User, period: str, cutoff: dt.datetime) -> Release:
    try:
        with transaction.atomic():
            number = (Release.objects.aggregate(n=Max("number"))["n"] or 0) + 1
            release = Release.objects.create(
                number=number,
                period=period,
                cutoff=cutoff,
                status=RS.BUILDING,
                previous=_last_published(),
                built_by=actor,
                phase=QUEUED,
            )
            audit_record(
                actor=actor,
                action="release.build",
                object_type="release",
                object_id=release.number,
                after={"period": period, "cutoff": cutoff},
            )
            return release
    except IntegrityError:
        pending = Release.objects.filter(status__in=[RS.BUILDING, RS.DRAFT]).first()
        raise DomainError(
            f"Rilis {pending.number if pending else '?'} masih disusun atau menunggu penetapan; "
            "tetapkan atau batalkan dulu."
        ) from None


def release_start(*, actor: User, period: str, cutoff: dt.datetime | None = None) -> Release:
    """Number the next release and queue its build (release_run), after the checks a build needs:
    the web page refuses a bad request at once instead of in a background job."""
    ensure_can(actor, Action.RELEASE_BUILD)
    period_check(period)
    if Release.objects.filter(period=period, status=RS.PUBLISHED).exists():
        raise DomainError(f"Periode {period} sudah mempunyai rilis yang ditetapkan.")
    cutoff = cutoff or now()
    if cutoff > now():
        raise DomainError("Batas waktu (cut-off) tidak boleh di masa depan.")
    return _start(actor, period, cutoff)


def release_build(
    *, actor: User, period: str, cutoff: dt.datetime | None = None, on_progress: Progress | None = None
) -> Release:
    """Build the next release: apply approved proposals up to the cut-off, snapshot, diff."""
    release = release_start(actor=actor, period=period, cutoff=cutoff)
    return release_run(number=release.number, on_progress=on_progress)


def release_run(*, number: int, on_progress: Progress | None = None) -> Release:
    """Run the build of a started release. It runs once: the first caller claims the queued release
    with a conditional UPDATE; a second (the same job queued twice) finds nothing to claim."""
    claimed = Release.objects.filter(number=number, status=RS.BUILDING, phase=QUEUED).update(phase="Memulai")
    release = Release.objects.select_related("built_by").get(number=number)
    if not claimed:
        return release
    # Held while the build runs: release_abandon tells a dead worker's release from a live one.
    _lock(number, wait=True)
    try:
        return _build(release, on_progress)
    finally:
        _unlock(number)


def _build(release: Release, on_progress: Progress | None) -> Release:
    actor, cutoff = release.built_by, release.cutoff
    timings: dict[str, float] = {}

    def step(phase: str, percent: int) -> None:
        Release.objects.filter(pk=release.pk).update(phase=phase, progress=percent)
        if on_progress:
            on_progress(phase, percent)

    try:
        t = time.perf_counter()
        step("Menerapkan usulan yang disahkan", 5)
        applied, conflicts = apply_approved(
            release=release,
            actor=actor,
            cutoff=cutoff,
            on_progress=lambda done, total: step(
                f"Menerapkan usulan {done}/{total}", 5 + int(35 * done / max(total, 1))
            ),
        )
        timings["apply_proposals"] = round(time.perf_counter() - t, 3)
        with transaction.atomic():
            t = time.perf_counter()
            step("Menyusun potret keluarga", 40)
            if connection.vendor == "postgresql":
                # Room to count the members of a national registry in memory (4 MB spills to disk).
                _execute("SET LOCAL work_mem = '256MB'", None)
            households = _execute(_snapshot_households_sql(), [release.pk])
            if connection.vendor == "postgresql":
                # The statistics know only the earlier releases: without this the planner expects one
                # row for the new release and joins it by a million index probes (persons, diff).
                _execute("ANALYZE updates_releasehousehold", None)
            timings["snapshot_households"] = round(time.perf_counter() - t, 3)
            t = time.perf_counter()
            step("Menyusun potret anggota", 60)
            persons = _execute(_snapshot_persons_sql(), [release.pk, release.pk])
            timings["snapshot_persons"] = round(time.perf_counter() - t, 3)
            t = time.perf_counter()
            step("Pemeringkatan", 80)
            _run_hooks(release)
            timings["hooks"] = round(time.perf_counter() - t, 3)
            t = time.perf_counter()
            step("Membandingkan dengan rilis sebelumnya", 85)
            # With no published release before it, every household is new (old = 0 matches nothing).
            _execute(DIFF_SQL, {"new": release.pk, "old": release.previous_id or 0})
            counts = dict.fromkeys(ReleaseChange.Change, 0) | dict(
                ReleaseChange.objects.filter(release=release)
                .values("change")
                .annotate(n=Count("id"))
                .values_list("change", "n")
            )
            timings["diff"] = round(time.perf_counter() - t, 3)
            release.refresh_from_db()
            release.households, release.persons = households, persons
            release.added = counts[ReleaseChange.Change.ADDED]
            release.removed = counts[ReleaseChange.Change.REMOVED]
            release.changed = counts[ReleaseChange.Change.CHANGED]
            release.proposals_applied, release.proposals_conflicted = applied, conflicts
            release.built_at = now()
            release.phase, release.progress, release.timings = "Selesai", 100, timings
            _move_release(
                release,
                to=RS.DRAFT,
                actor=actor,
                extra={
                    "households": households,
                    "persons": persons,
                    "added": release.added,
                    "removed": release.removed,
                    "changed": release.changed,
                    "proposals_applied": applied,
                    "proposals_conflicted": conflicts,
                },
                fields=(
                    "households",
                    "persons",
                    "added",
                    "removed",
                    "changed",
                    "proposals_applied",
                    "proposals_conflicted",
                    "built_at",
                    "phase",
                    "progress",
                    "timings",
                ),
            )
    except Exception as e:
        with transaction.atomic():
            failed = Release.objects.select_for_update().get(pk=release.pk)
            failed.error_message = str(e)[:2000]
            _move_release(
                failed,
                to=RS.FAILED,
                actor=actor,
                reason=failed.error_message,
                fields=("error_message",),
            )
        raise
    return release


@transaction.atomic
def release_publish(*, actor: User, number: int, decree_number: str) -> Release:
    """Determine a built release under the minister's decree. It is never edited afterwards."""
    ensure_can(actor, Action.RELEASE_PUBLISH)
    release = Release.objects.select_for_update().get(number=number)
    ensure_transition(
        entity=f"Rilis {number}",
        table=Release.TRANSITIONS,
        current=release.status,
        requested=RS.PUBLISHED,
        choices=RS,
    )
    ensure_not_maker(actor, release.built_by_id, what=f"Rilis {number}")
    if not decree_number.strip():
        raise DomainError("Nomor Keputusan Menteri wajib diisi.")
    latest = _last_published()
    if latest and latest.pk != release.previous_id:
        raise DomainError(
            f"Rilis {latest.number} ditetapkan setelah rilis ini disusun; susun ulang agar selisihnya benar."
        )
    release.decree_number = decree_number.strip()
    release.published_by = actor
    release.published_at = now()
    _move_release(
        release,
        to=RS.PUBLISHED,
        actor=actor,
        extra={"decree_number": release.decree_number},
        fields=("decree_number", "published_by", "published_at"),
    )
    return release


@transaction.atomic
def release_discard(*, actor: User, number: int, reason: str) -> Release:
    """Drop a draft: its snapshot goes; the changes it applied stay in the registry and appear in the
    next release's diff."""
    ensure_can(actor, Action.RELEASE_BUILD)
    if not reason.strip():
        raise DomainError("Alasan pembatalan wajib diisi.")
    release = Release.objects.select_for_update().get(number=number)
    _move_release(
        release,
        to=RS.DISCARDED,
        actor=actor,
        reason=reason,
    )
    # What the build hooks wrote for it (targeting's scores) goes with the snapshot.
    _run_hooks(release, settings.RELEASE_DISCARD_HOOKS)
    for model in (ReleaseChange, ReleasePerson, ReleaseHousehold):
        model.objects.filter(release=release).delete()
    return release
