"""Duplicate detection writes (issue 6 §3, docs/dedup.md): a run (queued from the web or run inline
by `sejahtera dedup run`), the pairs it stores set-based, and a reviewer's decision on a pair —
dismiss, or confirm, which merges the duplicate into the survivor in one transaction."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

import duckdb
from django.conf import settings
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import ensure_in_jurisdiction, in_jurisdiction
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import DomainError, NotInJurisdiction, TransitionNotAllowed
from sejahtera.common.states import ensure_transition
from sejahtera.registry import codes
from sejahtera.registry.models import Household, Person

from . import engine, export
from .models import DedupRun, DuplicatePair, Kind, Merge

log = logging.getLogger(__name__)
Progress = Callable[[str, int], None]
ACTIVE = codes.RecordStatus.ACTIVE
STAGE = "dedup_stage"


class RecordNotActive(DomainError):
    """One record of the pair is no longer ACTIVE (merged, deceased, moved out): nothing to merge."""

    status_code = 409


# --- runs --------------------------------------------------------------------------------------------
def run_start(
    *,
    actor: User,
    kind: str = "",
    threshold: float | None = None,
    backend: str | None = None,
    retrain: bool = False,
) -> DedupRun:
    """Check and queue a run: the central data team's, one at a time."""
    ensure_can(actor, Action.DEDUP_RUN)
    if kind not in ("", *Kind.values):
        raise DomainError(f"Jenis tidak dikenal: {kind!r}.")
    threshold = settings.DEDUP_THRESHOLD if threshold is None else threshold
    if not 0 < threshold < 1:
        raise DomainError("Ambang probabilitas harus di antara 0 dan 1.")
    backend = backend or settings.DEDUP_BACKEND
    if backend not in engine.BACKENDS:
        raise DomainError(f"Backend tidak dikenal: {backend!r} (duckdb atau spark).")
    with transaction.atomic():
        pending = DedupRun.objects.select_for_update().filter(
            status__in=[DedupRun.Status.QUEUED, DedupRun.Status.RUNNING]
        )
        if pending.exists():
            raise DomainError(
                f"Deteksi data ganda #{pending[0].pk} sedang berjalan atau menunggu; tunggu sampai selesai."
            )
        run = DedupRun.objects.create(
            kind=kind, threshold=threshold, backend=backend, retrain=retrain, started_by=actor
        )
        audit_record(
            actor=actor,
            action="dedup_run.start",
            object_type="dedup_run",
            object_id=run.pk,
            after={"kind": kind or "ALL", "threshold": threshold, "backend": backend, "retrain": retrain},
        )
    return run


def _claim(run_id: int) -> bool:
    """QUEUED -> RUNNING by a conditional UPDATE: a run queued twice executes once."""
    return bool(
        DedupRun.objects.filter(pk=run_id, status=DedupRun.Status.QUEUED).update(
            status=DedupRun.Status.RUNNING, started_at=timezone.now(), phase="export"
        )
    )


def _progress(run_id: int, on_progress: Progress | None, kinds: int, index: int) -> Progress:
    def report(phase: str, percent: int) -> None:
        overall = int((index * 100 + percent) / kinds)
        DedupRun.objects.filter(pk=run_id).update(phase=phase, progress=overall)
        if on_progress is not None:
            on_progress(phase, overall)

    return report


def run_execute(*, run_id: int, on_progress: Progress | None = None) -> DedupRun:
    """Export the ACTIVE registry into DuckDB, find pairs with the engine, store them."""
    if not _claim(run_id):
        return DedupRun.objects.get(pk=run_id)
    run = DedupRun.objects.get(pk=run_id)
    kinds = [run.kind] if run.kind else [Kind.PERSON, Kind.HOUSEHOLD]
    versions, timings = [], {}
    new = updated = skipped = candidates = 0
    try:
        con = duckdb.connect()
        if settings.DEDUP_THREADS:
            con.sql(f"SET threads = {int(settings.DEDUP_THREADS)}")
        for i, kind in enumerate(kinds):
            report = _progress(run.pk, on_progress, len(kinds), i)
            t = timezone.now()
            if kind == Kind.PERSON:
                run.persons = export.load_persons(con, "persons")
                source = "persons"
            else:
                run.households = export.load_households(con, "households")
                source = "households"
            timings[f"{kind.lower()}_export"] = round((timezone.now() - t).total_seconds(), 2)
            result = engine.run_linkage(
                con,
                kind=kind,
                source=source,
                threshold=run.threshold,
                model_dir=settings.DEDUP_MODEL_DIR,
                retrain=run.retrain,
                backend=run.backend,
                on_progress=report,
            )
            timings.update({f"{kind.lower()}_{k}": v for k, v in result.timings.items()})
            report("store", 95)
            t = timezone.now()
            counts = pairs_store(run=run, kind=kind, rows=_pair_rows(result))
            timings[f"{kind.lower()}_store"] = round((timezone.now() - t).total_seconds(), 2)
            candidates += result.pairs.num_rows
            new, updated, skipped = new + counts[0], updated + counts[1], skipped + counts[2]
            versions.append(result.model_version)
        con.close()
    except Exception as exc:
        log.exception("dedup run %s failed", run.pk)
        message = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        DedupRun.objects.filter(pk=run.pk).update(
            status=DedupRun.Status.FAILED, finished_at=timezone.now(), error_message=message[:2000]
        )
        raise
    run.status, run.phase, run.progress = DedupRun.Status.DONE, "done", 100
    run.finished_at = timezone.now()
    run.model_version = " ".join(versions)
    run.candidates, run.pairs_new, run.pairs_updated, run.pairs_skipped = candidates, new, updated, skipped
    run.timings = timings
    run.save()
    audit_record(
        actor=run.started_by,
        action="dedup_run.done",
        object_type="dedup_run",
        object_id=run.pk,
        after={
            "candidates": candidates,
            "new": new,
            "updated": updated,
            "skipped": skipped,
            "model": run.model_version,
        },
    )
    return run


def dedup_run(
    *,
    actor: User,
    kind: str = "",
    threshold: float | None = None,
    backend: str | None = None,
    retrain: bool = False,
    on_progress: Progress | None = None,
) -> DedupRun:
    """A whole run inline (the command line): start, then execute in this process."""
    run = run_start(actor=actor, kind=kind, threshold=threshold, backend=backend, retrain=retrain)
    return run_execute(run_id=run.pk, on_progress=on_progress)


# --- storing pairs ------------------------------------------------------------------------------------
def _pair_rows(result: engine.EngineResult) -> Iterable[tuple[int, int, float, str]]:
    for row in result.pairs.to_pylist():
        details = {"levels": result.details(row), "match_weight": round(float(row["match_weight"]), 2)}
        yield (row["unique_id_l"], row["unique_id_r"], row["match_probability"], json.dumps(details))


def _stage(rows: Iterable[tuple[int, int, float, str]]) -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {STAGE}")
        temp = "TEMPORARY " if connection.vendor == "postgresql" else "TEMP "
        cur.execute(
            f"CREATE {temp}TABLE {STAGE} (record_a BIGINT NOT NULL, record_b BIGINT NOT NULL, "
            "probability DOUBLE PRECISION NOT NULL, details TEXT NOT NULL)"
        )
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {STAGE} (record_a, record_b, probability, details) FROM STDIN") as cp:
                for r in rows:
                    cp.write_row(r)
            cur.execute(f"ANALYZE {STAGE}")
            return
        batch: list[tuple[int, int, float, str]] = []
        for r in rows:
            batch.append(r)
            if len(batch) == 5000:
                cur.executemany(f"INSERT INTO {STAGE} VALUES (%s, %s, %s, %s)", batch)
                batch = []
        if batch:
            cur.executemany(f"INSERT INTO {STAGE} VALUES (%s, %s, %s, %s)", batch)


# The key and the village of each record, joined from the registry.
_RECORDS = {
    Kind.PERSON: (
        "JOIN registry_person pa ON pa.id = s.record_a JOIN registry_household ha ON ha.id = pa.household_id "
        "JOIN registry_person pb ON pb.id = s.record_b JOIN registry_household hb ON hb.id = pb.household_id",
        "pa.nik",
        "pb.nik",
    ),
    Kind.HOUSEHOLD: (
        "JOIN registry_household ha ON ha.id = s.record_a JOIN registry_household hb ON hb.id = s.record_b",
        "ha.kk_number",
        "hb.kk_number",
    ),
}


def pairs_store(
    *, run: DedupRun, kind: str, rows: Iterable[tuple[int, int, float, str]]
) -> tuple[int, int, int]:
    """Upsert a run's pairs from a staging table: new pairs are PENDING; PENDING pairs found again
    get the new probability and levels; DISMISSED and CONFIRMED pairs are left as they are (never
    proposed again). Returns (new, updated, skipped)."""
    with transaction.atomic():
        _stage(rows)
        with connection.cursor() as cur:
            cur.execute(
                f"""SELECT
                      SUM(CASE WHEN d.id IS NULL THEN 1 ELSE 0 END),
                      SUM(CASE WHEN d.status = 'PENDING' THEN 1 ELSE 0 END),
                      SUM(CASE WHEN d.status IN ('DISMISSED', 'CONFIRMED') THEN 1 ELSE 0 END)
                    FROM {STAGE} s LEFT JOIN dedup_duplicatepair d
                      ON d.kind = %s AND d.record_a = s.record_a AND d.record_b = s.record_b""",
                [kind],
            )
            new, updated, skipped = (int(x or 0) for x in cur.fetchone())
            joins, key_a, key_b = _RECORDS[Kind(kind)]
            details = "CAST(s.details AS jsonb)" if connection.vendor == "postgresql" else "s.details"
            cur.execute(
                f"""INSERT INTO dedup_duplicatepair
                      (kind, record_a, record_b, key_a, key_b, village_a, village_b, probability, details,
                       status, first_run_id, last_run_id, found_at, reason)
                    SELECT %s, s.record_a, s.record_b, {key_a}, {key_b}, ha.village_code, hb.village_code,
                           s.probability, {details}, 'PENDING', %s, %s, %s, ''
                    FROM {STAGE} s {joins}
                    WHERE true
                    ON CONFLICT (kind, record_a, record_b) DO UPDATE
                      SET probability = excluded.probability, details = excluded.details,
                          last_run_id = excluded.last_run_id
                      WHERE dedup_duplicatepair.status = 'PENDING'""",
                [kind, run.pk, run.pk, timezone.now()],
            )
            cur.execute(f"DROP TABLE {STAGE}")
    return new, updated, skipped


# --- decisions ----------------------------------------------------------------------------------------
def _pair_for_decision(actor: User, pair_id: int) -> DuplicatePair:
    ensure_can(actor, Action.DEDUP_DECIDE)
    pair = DuplicatePair.objects.select_for_update().filter(pk=pair_id).first()
    if pair is None or not (in_jurisdiction(actor, pair.village_a) or in_jurisdiction(actor, pair.village_b)):
        raise NotInJurisdiction("Data tidak ditemukan di wilayah kewenangan Anda.")
    return pair


def _require_reason(reason: str) -> str:
    if not reason.strip():
        raise DomainError("Alasan keputusan wajib diisi.")
    return reason.strip()


def _decide(pair: DuplicatePair, *, actor: User, to: str, reason: str, extra: dict[str, Any]) -> None:
    ensure_transition(
        entity=f"Pasangan ganda {pair.pk}",
        table=DuplicatePair.TRANSITIONS,
        current=pair.status,
        requested=to,
        choices=DuplicatePair.Status,
    )
    before = pair.status
    pair.status, pair.reviewed_by, pair.reviewed_at, pair.reason = to, actor, timezone.now(), reason
    pair.save(update_fields=["status", "reviewed_by", "reviewed_at", "reason"])
    audit_record(
        actor=actor,
        action=f"duplicate_pair.{to.lower()}",
        object_type="duplicate_pair",
        object_id=pair.pk,
        region_code=pair.village_a,
        before={"status": before},
        after={"status": to, "kind": pair.kind, "a": pair.record_a, "b": pair.record_b, **extra},
        reason=reason,
    )


@transaction.atomic
def pair_dismiss(*, actor: User, pair_id: int, reason: str) -> DuplicatePair:
    """Not the same person (or family): the pair is never proposed again."""
    pair = _pair_for_decision(actor, pair_id)
    _decide(pair, actor=actor, to=DuplicatePair.Status.DISMISSED, reason=_require_reason(reason), extra={})
    return pair


def _snapshot(obj: Any) -> dict[str, Any]:
    data = model_to_dict(obj)
    data["id"] = obj.pk
    for k, v in data.items():
        if isinstance(v, dt.date | dt.datetime):
            data[k] = v.isoformat()
    return data


def _end_enrollments(*, actor: User, household: Household, reason: str) -> tuple[list[int], list[int]]:
    """End the family's ACTIVE program memberships (exit reason DUPLICATE, audited as a manual exit
    is); note the payments of its entitlements not yet sent (PENDING), which are left alone:
    the payments office cancels them."""
    from sejahtera.payments.models import Payment
    from sejahtera.programs.services import enrollments_end_duplicate

    ended = enrollments_end_duplicate(actor=actor, household_id=household.pk, reason=reason)
    unsent = list(
        Payment.objects.filter(household_id=household.pk, status=Payment.Status.PENDING)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return ended, unsent


def _close_household(*, actor: User, household: Household, into: Household | None, reason: str) -> None:
    before = {"status": household.status, "inactive_reason": household.inactive_reason}
    household.status = codes.RecordStatus.INACTIVE
    household.inactive_reason = codes.InactiveReason.DUPLICATE
    household.merged_into = into
    household.save(update_fields=["status", "inactive_reason", "merged_into", "updated_at"])
    audit_record(
        actor=actor,
        action="household.merge",
        object_type="household",
        object_id=household.pk,
        region_code=household.village_id,
        before=before,
        after={
            "status": household.status,
            "inactive_reason": household.inactive_reason,
            "merged_into": into.pk if into else None,
        },
        reason=reason,
    )


def _merge_person(*, actor: User, duplicate: Person, survivor: Person, reason: str) -> None:
    before = {"status": duplicate.status, "inactive_reason": duplicate.inactive_reason}
    duplicate.status = codes.RecordStatus.INACTIVE
    duplicate.inactive_reason = codes.InactiveReason.DUPLICATE
    duplicate.merged_into = survivor
    duplicate.save(update_fields=["status", "inactive_reason", "merged_into", "updated_at"])
    audit_record(
        actor=actor,
        action="person.merge",
        object_type="person",
        object_id=duplicate.pk,
        region_code=duplicate.household.village_id,
        before=before,
        after={
            "status": duplicate.status,
            "inactive_reason": duplicate.inactive_reason,
            "merged_into": survivor.pk,
        },
        reason=reason,
    )


def _same_person(a: Person, b: Person) -> bool:
    return a.nik == b.nik or (
        " ".join(a.full_name.upper().split()) == " ".join(b.full_name.upper().split())
        and a.birth_date == b.birth_date
    )


def unmatched_members(*, duplicate: Household, survivor: Household) -> list[Person]:
    """ACTIVE members of the duplicate family not found among the survivor's (same NIK, or the same
    name and birth date): a household merge waits until the village moves them."""
    theirs = list(Person.objects.filter(household=survivor, status=ACTIVE))
    return [
        p
        for p in Person.objects.filter(household=duplicate, status=ACTIVE).order_by("id")
        if not any(_same_person(p, s) for s in theirs)
    ]


@transaction.atomic
def pair_confirm(*, actor: User, pair_id: int, survivor_id: int, reason: str) -> Merge:
    """The two records are one person (or family): the duplicate becomes INACTIVE (DUPLICATE) with
    merged_into the survivor; a family left without active members closes and its program
    memberships end. The duplicate's data before the merge is kept on the Merge row; nothing is
    deleted. The actor must have the duplicate's village in their jurisdiction."""
    pair = _pair_for_decision(actor, pair_id)
    reason = _require_reason(reason)
    if pair.status != DuplicatePair.Status.PENDING:
        raise TransitionNotAllowed(
            entity=f"Pasangan ganda {pair.pk}", current=pair.status, requested=DuplicatePair.Status.CONFIRMED
        )
    if survivor_id not in (pair.record_a, pair.record_b):
        raise DomainError("Rekaman yang dipertahankan harus salah satu dari pasangan ini.")
    duplicate_id = pair.record_b if survivor_id == pair.record_a else pair.record_a
    merge = Merge(
        pair=pair, kind=pair.kind, survivor_id=survivor_id, duplicate_id=duplicate_id, reason=reason
    )
    merge.merged_by = actor
    if pair.kind == Kind.PERSON:
        _confirm_persons(actor=actor, merge=merge, reason=reason)
    else:
        _confirm_households(actor=actor, merge=merge, reason=reason)
    merge.save()
    _decide(
        pair,
        actor=actor,
        to=DuplicatePair.Status.CONFIRMED,
        reason=reason,
        extra={
            "survivor": survivor_id,
            "duplicate": duplicate_id,
            "households_closed": merge.households_closed,
            "enrollments_ended": merge.enrollments_ended,
            "unsent_payments": merge.unsent_payments,
        },
    )
    return merge


def _active_pair(model: type[Any], ids: list[int]) -> dict[int, Any]:
    rows = {r.pk: r for r in model.objects.select_for_update().filter(pk__in=ids)}
    for pk in ids:
        if pk not in rows or rows[pk].status != ACTIVE:
            raise RecordNotActive(
                f"Rekaman {pk} tidak lagi aktif; pasangan ini tidak dapat digabung (tandai bukan ganda)."
            )
    return rows


def _confirm_persons(*, actor: User, merge: Merge, reason: str) -> None:
    people = _active_pair(Person, [merge.survivor_id, merge.duplicate_id])
    survivor, duplicate = people[merge.survivor_id], people[merge.duplicate_id]
    household = Household.objects.select_for_update().get(pk=duplicate.household_id)
    ensure_in_jurisdiction(actor, household.village_id)
    merge.before = {"person": _snapshot(duplicate)}
    _merge_person(actor=actor, duplicate=duplicate, survivor=survivor, reason=reason)
    merge.persons_merged = [duplicate.pk]
    if not Person.objects.filter(household=household, status=ACTIVE).exists():
        merge.before["household"] = _snapshot(household)
        into = Household.objects.get(pk=survivor.household_id)
        _close_household(actor=actor, household=household, into=into, reason=reason)
        merge.households_closed = [household.pk]
        merge.enrollments_ended, merge.unsent_payments = _end_enrollments(
            actor=actor, household=household, reason=reason
        )


def _confirm_households(*, actor: User, merge: Merge, reason: str) -> None:
    families = _active_pair(Household, [merge.survivor_id, merge.duplicate_id])
    survivor, duplicate = families[merge.survivor_id], families[merge.duplicate_id]
    ensure_in_jurisdiction(actor, duplicate.village_id)
    left = unmatched_members(duplicate=duplicate, survivor=survivor)
    if left:
        names = ", ".join(f"{p.full_name} ({p.nik})" for p in left)
        raise DomainError(
            f"Anggota keluarga ganda ini tidak ada di keluarga yang dipertahankan: {names}. Pindahkan atau "
            "usulkan mereka lebih dulu (usulan perubahan desa), lalu konfirmasi lagi."
        )
    theirs = list(Person.objects.filter(household=survivor, status=ACTIVE).order_by("id"))
    members = list(
        Person.objects.select_for_update().filter(household=duplicate, status=ACTIVE).order_by("id")
    )
    merge.before = {"household": _snapshot(duplicate), "members": [_snapshot(p) for p in members]}
    for p in members:
        same = next(s for s in theirs if _same_person(p, s))
        p.household = duplicate
        _merge_person(actor=actor, duplicate=p, survivor=same, reason=reason)
    merge.persons_merged = [p.pk for p in members]
    _close_household(actor=actor, household=duplicate, into=survivor, reason=reason)
    merge.households_closed = [duplicate.pk]
    merge.enrollments_ended, merge.unsent_payments = _end_enrollments(
        actor=actor, household=duplicate, reason=reason
    )
