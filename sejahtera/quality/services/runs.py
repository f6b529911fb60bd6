"""A run of the checks over the registry (a central user's button, the CLI, a job) or over one
import's rows (the import hook). Each check is one INSERT … SELECT into the staging table; the
merge is one transaction (services/merge.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import DomainError
from sejahtera.common.states import ensure_transition
from sejahtera.registry.imports.sql import Dialect
from sejahtera.registry.models import ImportJob

from ..checks import CHECKS, CHECKS_BY_TYPE, IMPORT_TYPES, Ctx, render
from ..models import CheckRun
from .merge import stage_create, stage_drop, stage_insert, stage_merge

Progress = Callable[[str, int], None]
RS = CheckRun.Status


def check_types_valid(types: Sequence[str]) -> list[str]:
    unknown = [t for t in types if t not in CHECKS_BY_TYPE]
    if unknown:
        known = ", ".join(CHECKS_BY_TYPE)
        raise DomainError(f"Jenis pemeriksaan tidak dikenal: {', '.join(unknown)} (dikenal: {known}).")
    return list(dict.fromkeys(types))


def quality_start(*, actor: User, check_types: Sequence[str] = ()) -> CheckRun:
    """Queue a run over the whole registry. One at a time: a second start is refused."""
    ensure_can(actor, Action.QUALITY_RUN)
    types = check_types_valid(check_types)
    try:
        with transaction.atomic():
            run = CheckRun.objects.create(started_by=actor, check_types=types, phase="Dalam antrean")
            audit_record(
                actor=actor,
                action="quality.run.start",
                object_type="quality_run",
                object_id=run.pk,
                after={"check_types": types},
            )
            return run
    except IntegrityError:
        pending = CheckRun.objects.filter(status__in=[RS.QUEUED, RS.RUNNING], import_job__isnull=True).first()
        raise DomainError(
            f"Pemeriksaan #{pending.pk if pending else '?'} masih berjalan; tunggu sampai selesai."
        ) from None


def quality_execute(*, run_id: int, on_progress: Progress | None = None) -> CheckRun:
    """Run a queued run once: the first caller claims it with a conditional UPDATE."""
    run = CheckRun.objects.get(pk=run_id)
    ensure_transition(
        entity=f"Pemeriksaan {run.pk}", table=CheckRun.TRANSITIONS, current=RS.QUEUED, requested=RS.RUNNING
    )
    if not CheckRun.objects.filter(pk=run_id, status=RS.QUEUED).update(
        status=RS.RUNNING, started_at=timezone.now()
    ):
        return CheckRun.objects.get(pk=run_id)
    run.refresh_from_db()
    try:
        _execute(run, on_progress=on_progress)
    except Exception as e:
        CheckRun.objects.filter(pk=run.pk).update(
            status=RS.FAILED, error_message=str(e)[:2000], finished_at=timezone.now()
        )
        raise
    run.refresh_from_db()
    return run


def quality_run(
    *, actor: User, check_types: Sequence[str] = (), on_progress: Progress | None = None
) -> CheckRun:
    """Start and run inline (the command line, tests); the web page queues quality_execute."""
    run = quality_start(actor=actor, check_types=check_types)
    return quality_execute(run_id=run.pk, on_progress=on_progress)


def _execute(run: CheckRun, *, on_progress: Progress | None) -> None:
    checks = [CHECKS_BY_TYPE[t] for t in run.check_types] if run.check_types else list(CHECKS)
    if run.import_job_id:
        checks = [c for c in checks if c.type in IMPORT_TYPES]
    ctx = Ctx(d=Dialect(connection.vendor), today=timezone.localdate(), import_job_id=run.import_job_id)
    params = ctx.bind()
    timings: dict[str, float] = {}

    def step(phase: str, percent: int) -> None:
        if not run.import_job_id:
            CheckRun.objects.filter(pk=run.pk).update(phase=phase, progress=percent)
        if on_progress:
            on_progress(phase, percent)

    with connection.cursor() as cur:
        stage_create(cur)
        try:
            for i, check in enumerate(checks):
                step(str(check.type), int(90 * i / len(checks)))
                t = time.perf_counter()
                stage_insert(cur, render(check.sql, ctx), params)
                timings[str(check.type)] = round(time.perf_counter() - t, 3)
            step("Menggabungkan temuan", 90)
            t = time.perf_counter()
            with transaction.atomic():
                result = stage_merge(
                    cur,
                    now=timezone.now(),
                    types=[c.type for c in checks],
                    run_id=run.pk,
                    import_job_id=run.import_job_id,
                    # An import's run sees only its own rows: it never decides that a problem is gone.
                    fix_scope=None if run.import_job_id else "1 = 1",
                )
                timings["merge"] = round(time.perf_counter() - t, 3)
                run.counts, run.opened, run.reopened, run.fixed = (
                    result.counts,
                    result.opened,
                    result.reopened,
                    result.fixed,
                )
                run.status, run.phase, run.progress = RS.DONE, "Selesai", 100
                run.finished_at, run.timings = timezone.now(), timings
                run.save(
                    update_fields=[
                        "counts",
                        "opened",
                        "reopened",
                        "fixed",
                        "status",
                        "phase",
                        "progress",
                        "finished_at",
                        "timings",
                    ]
                )
                # An import's findings are part of the import, which writes one audit entry.
                if not run.import_job_id:
                    audit_record(
                        actor=run.started_by,
                        action="quality.run",
                        object_type="quality_run",
                        object_id=run.pk,
                        after={
                            "counts": result.counts,
                            "opened": result.opened,
                            "reopened": result.reopened,
                            "fixed": result.fixed,
                            "import_job": run.import_job_id,
                        },
                    )
            if on_progress:
                on_progress("Selesai", 100)
        finally:
            stage_drop(cur)


def import_findings_hook(job: ImportJob) -> None:
    """settings.REGISTRY_IMPORT_HOOKS: after an import's promotion, in its transaction, the
    warning-level checks over the rows it promoted (NIK/sex and NIK/birth date, unknown NIK
    region, implausible ages) become findings of the import."""
    if connection.vendor == "postgresql":
        # The promoted rows are not in the statistics yet: without them the planner joins mothers to
        # children by nested loops over whole tables (over 7 minutes at 25,000 families, measured).
        # ANALYZE counts this transaction's own new rows.
        with connection.cursor() as cur:
            cur.execute("ANALYZE registry_person, registry_household")
    run = CheckRun.objects.create(
        started_by=job.created_by,
        import_job=job,
        check_types=[str(t) for t in IMPORT_TYPES],
        status=RS.RUNNING,
        started_at=timezone.now(),
    )
    _execute(run, on_progress=None)


def run_summary(run: CheckRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "status": run.status,
        "check_types": run.check_types,
        "counts": run.counts,
        "opened": run.opened,
        "reopened": run.reopened,
        "fixed": run.fixed,
        "timings": run.timings,
        "error_message": run.error_message,
    }
