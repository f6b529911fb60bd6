"""A program run (issue 4 §3-§4): for a program and a disbursement period, from a published and
scored release, the exits of ACTIVE enrolments, the enrolment of eligible families within quota,
and one entitlement per family with its component lines. Each step is ONE set-based statement
(programs.sql); all of them run in one transaction, so a run that fails leaves nothing.

`run_start` does every check a run needs and queues it (the web page refuses a bad request at
once); `run_execute` runs it once (a conditional UPDATE claims it); `programs_run` does both inline
(the command line, tests).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import DomainError
from sejahtera.common.states import ensure_transition
from sejahtera.targeting.models import ReleaseScoring
from sejahtera.updates.models import Release
from sejahtera.updates.selectors import release_current

from .. import sql
from ..models import Enrollment, Entitlement, Program, ProgramParameter, ProgramRun, Quota
from ..parameters import NoParameter, parameter_for
from ..rules import parse_period

RS = ProgramRun.Status
Progress = Callable[[str, int], None]
QUEUED = "Dalam antrean"


def period_first_day(period: str) -> dt.date:
    try:
        year, month = parse_period(period)
    except ValueError:
        raise DomainError(f"Periode {period!r} harus berbentuk YYYY-MM, mis. 2021-01.") from None
    return dt.date(year, month, 1)


def _program(code: str) -> Program:
    program = Program.objects.filter(code=code).first()
    if program is None:
        raise DomainError(f"Program {code!r} tidak dikenal.")
    return program


def _release(number: int | None) -> Release:
    if number is None:
        release = release_current()
        if release is None:
            raise DomainError("Belum ada rilis DTKS yang ditetapkan.")
    else:
        found = Release.objects.filter(number=number).first()
        if found is None or found.status != Release.Status.PUBLISHED:
            raise DomainError(f"Rilis {number} tidak ada atau belum ditetapkan.")
        release = found
    if not ReleaseScoring.objects.filter(release=release).exists():
        raise DomainError(
            f"Rilis {release.number} belum diperingkat (belum ada skor dan desil): program tidak dapat dijalankan."
        )
    return release


def _parameter(program: Program, day: dt.date) -> ProgramParameter:
    try:
        return parameter_for(program, day)
    except NoParameter as e:
        # Not a missing page: a refusal of this run (400 on the form).
        raise DomainError(e.message) from None


def _ensure_excluded_ran(program: Program, plan: sql.Plan) -> None:
    """BST (and BPNT PPKM) exclude the families of other programs: those programs must have run for
    this period (or an earlier one of the same year) first, so their enrolment is current."""
    missing = [
        code
        for code in plan.exclude_programs
        if not ProgramRun.objects.filter(
            program__code=code, status=RS.DONE, period__gte=f"{plan.year}-01", period__lte=plan.period
        ).exists()
    ]
    if missing:
        names = " dan ".join(missing)
        raise DomainError(
            f"Jalankan {names} periode ini dulu: {program.code} tidak boleh mencapai keluarga penerima "
            f"{', '.join(plan.exclude_programs)}, dan keanggotaannya baru diketahui setelah run itu selesai."
        )


def _ensure_not_behind(program: Program, period: str) -> None:
    later = (
        ProgramRun.objects.filter(program=program, status=RS.DONE, period__gt=period)
        .order_by("-period")
        .first()
    )
    if later is not None:
        raise DomainError(
            f"{program.code} sudah dijalankan untuk periode {later.period}; periode sebelumnya tidak dapat "
            "dijalankan lagi."
        )


def run_start(
    *, actor: User, program_code: str, period: str, release_number: int | None = None
) -> ProgramRun:
    """Check a run and queue it: the release (given, or the latest published) must be scored, a
    parameter set must be in force, the period must be a disbursement month, the programs it
    excludes must have run, and no other run of the program may be in progress."""
    ensure_can(actor, Action.PROGRAM_MANAGE)
    day = period_first_day(period)
    program = _program(program_code)
    release = _release(release_number)
    parameter = _parameter(program, day)
    plan = sql.plan_for(parameter.params, period)
    _ensure_excluded_ran(program, plan)
    _ensure_not_behind(program, period)
    try:
        with transaction.atomic():
            run = ProgramRun.objects.create(
                program=program,
                period=period,
                release=release,
                parameter=parameter,
                started_by=actor,
                phase=QUEUED,
            )
            audit_record(
                actor=actor,
                action="program_run.start",
                object_type="program_run",
                object_id=run.pk,
                after={
                    "program": program.code,
                    "period": period,
                    "tahap": plan.tahap,
                    "release": release.number,
                    "parameter": parameter.pk,
                },
            )
    except IntegrityError:
        pending = ProgramRun.objects.filter(program=program, status__in=[RS.QUEUED, RS.RUNNING]).first()
        if pending is not None and _orphaned(pending):
            # Its process died: the transaction rolled back, only the claim remains. Close it, start.
            _fail(pending.pk, DomainError(ORPHANED))
            return run_start(
                actor=actor, program_code=program_code, period=period, release_number=release_number
            )
        number = f" #{pending.pk}" if pending else ""
        raise DomainError(
            f"Run {program.code}{number} sedang berjalan atau menunggu; tunggu sampai selesai sebelum menjalankan "
            f"yang baru (run yang prosesnya terhenti ditutup dengan: sejahtera programs abandon{number})."
        ) from None
    return run


# --- a run whose process died ------------------------------------------------------------------------
# A run executes holding a session advisory lock (PostgreSQL) keyed on its id: a RUNNING run whose
# lock nobody holds was left by a process that died (its transaction rolled back: nothing of it is
# stored). SQLite has one process at a time: there an operator closes such a run (run_abandon).
_LOCK_KEY = 0x5E1A_0A11
ORPHANED = "Run ditinggalkan: prosesnya berhenti sebelum selesai; tidak ada yang tersimpan."


def _try_lock(run_id: int) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_KEY, run_id])
        return bool(cur.fetchone()[0])


def _unlock(run_id: int) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_KEY, run_id])


def _orphaned(run: ProgramRun) -> bool:
    """A RUNNING run that no live process executes (PostgreSQL only; False elsewhere)."""
    if connection.vendor != "postgresql" or run.status != RS.RUNNING:
        return False
    if not _try_lock(run.pk):
        return False
    _unlock(run.pk)
    return True


def run_abandon(*, actor: User, run_id: int, reason: str) -> ProgramRun:
    """Close a queued or running run that will not finish (its worker died), so the program can run
    again. Nothing of it was stored: a run writes in one transaction."""
    ensure_can(actor, Action.PROGRAM_MANAGE)
    run = ProgramRun.objects.get(pk=run_id)
    if run.status not in (RS.QUEUED, RS.RUNNING):
        raise DomainError(f"Run #{run.pk} sudah {run.get_status_display().lower()}.")
    if connection.vendor == "postgresql" and run.status == RS.RUNNING and not _orphaned(run):
        raise DomainError(f"Run #{run.pk} masih dijalankan oleh sebuah proses; tunggu sampai selesai.")
    if not reason.strip():
        raise DomainError("Alasan penutupan wajib diisi.")
    _fail(run.pk, DomainError(f"{ORPHANED} {reason.strip()}"), actor=actor)
    run.refresh_from_db()
    return run


def _execute(statement: str, params: dict[str, Any]) -> int:
    with connection.cursor() as cur:
        cur.execute(statement, params)
        return max(cur.rowcount, 0)


# The table a step writes that the next step reads (PostgreSQL's statistics).
ANALYZE_AFTER = {"enrol": "programs_enrollment", "entitlements": "programs_entitlement"}


def run_execute(*, run_id: int, on_progress: Progress | None = None) -> ProgramRun:
    """Run a queued run once: the first caller claims it (QUEUED -> RUNNING with a conditional
    UPDATE); a second (the job queued twice) finds nothing to claim and returns the run as it is."""
    run = ProgramRun.objects.select_related("program", "parameter", "release", "started_by").get(pk=run_id)
    ensure_transition(
        entity=f"Run {run.pk}",
        table=ProgramRun.TRANSITIONS,
        current=RS.QUEUED,
        requested=RS.RUNNING,
        choices=RS,
    )
    locked = connection.vendor == "postgresql" and _try_lock(run_id)
    if connection.vendor == "postgresql" and not locked:
        return run  # another process executes it
    try:
        if not ProgramRun.objects.filter(pk=run_id, status=RS.QUEUED).update(
            status=RS.RUNNING, phase="Memulai"
        ):
            run.refresh_from_db()
            return run
        return _execute_claimed(run, on_progress)
    finally:
        if locked:
            _unlock(run_id)


def _execute_claimed(run: ProgramRun, on_progress: Progress | None) -> ProgramRun:
    run_id = run.pk
    timings: dict[str, float] = {}

    def step(phase: str, percent: int) -> None:
        ProgramRun.objects.filter(pk=run_id).update(phase=phase, progress=percent)
        if on_progress:
            on_progress(phase, percent)

    try:
        plan = sql.plan_for(run.parameter.params, run.period)
        keys = sql.RunKeys(
            program_id=run.program_id, run_id=run.pk, release_id=run.release_id, now=timezone.now()
        )
        params = sql.bind(plan, keys)
        with_quota = Quota.objects.filter(program_id=run.program_id, year=plan.year).exists()
        steps: list[tuple[str, str, int, str]] = [
            ("exit_not_in_release", "Keluar: tidak ada dalam rilis", 10, sql.exit_not_in_release_sql()),
            ("exit_deceased", "Keluar: tanpa anggota yang dihitung", 20, sql.exit_deceased_sql()),
            ("exit_not_eligible", "Keluar: tidak memenuhi syarat", 30, sql.exit_not_eligible_sql(plan)),
            ("follow_moves", "Wilayah keluarga yang pindah", 40, sql.follow_moves_sql()),
            ("enrol", "Kepesertaan dalam kuota", 55, sql.enrol_sql(plan, with_quota=with_quota)),
            ("entitlements", "Hak bantuan", 75, sql.entitlements_sql(plan)),
            ("entitlement_lines", "Rincian komponen", 90, sql.entitlement_lines_sql(plan)),
        ]
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Room for the window functions over a province's members (4 MB spills to disk).
                _execute("SET LOCAL work_mem = '256MB'", {})
            for name, phase, percent, statement in steps:
                step(phase, percent)
                t = time.perf_counter()
                _execute(statement, params)
                if connection.vendor == "postgresql" and name in ANALYZE_AFTER:
                    # The next statement joins the rows just written: without fresh statistics the
                    # planner expects none and loops over them once per family (hours at 10^6).
                    _execute(f"ANALYZE {ANALYZE_AFTER[name]}", {})
                timings[name] = round(time.perf_counter() - t, 3)
            _finish(run, timings)
    except Exception as e:
        _fail(run_id, e)
        raise
    if on_progress:
        on_progress("Selesai", 100)
    return run


def _finish(run: ProgramRun, timings: dict[str, float]) -> None:
    # Narrowed by program, status and period first: the indexes on (program, status, regency) and
    # (program, period, regency) find the rows; run ids are not indexed.
    exits = dict(
        Enrollment.objects.filter(program_id=run.program_id, status=Enrollment.Status.EXITED, exit_run=run)
        .values_list("exit_reason")
        .annotate(n=Count("id"))
        .values_list("exit_reason", "n")
    )
    created = Entitlement.objects.filter(program_id=run.program_id, period=run.period, run=run).aggregate(
        n=Count("id"), amount=Sum("amount")
    )
    run.refresh_from_db()
    run.exited = sum(exits.values())
    run.enrolled = Enrollment.objects.filter(
        program_id=run.program_id, status=Enrollment.Status.ACTIVE, enrolled_run=run
    ).count()
    run.entitlements = created["n"] or 0
    run.amount = created["amount"] or 0
    run.timings = timings
    run.phase, run.progress, run.finished_at = "Selesai", 100, timezone.now()
    ensure_transition(
        entity=f"Run {run.pk}",
        table=ProgramRun.TRANSITIONS,
        current=run.status,
        requested=RS.DONE,
        choices=RS,
    )
    run.status = RS.DONE
    run.save()
    audit_record(
        actor=run.started_by,
        action="program_run.done",
        object_type="program_run",
        object_id=run.pk,
        before={"status": RS.RUNNING},
        after={
            "status": RS.DONE,
            "program": run.program.code,
            "period": run.period,
            "release": run.release.number,
            "exited": run.exited,
            "exits": exits,
            "enrolled": run.enrolled,
            "entitlements": run.entitlements,
            "amount": run.amount,
            "timings": timings,
        },
    )


def _fail(run_id: int, error: Exception, actor: User | None = None) -> None:
    message = error.message if isinstance(error, DomainError) else f"{type(error).__name__}: {error}"
    with transaction.atomic():
        run = ProgramRun.objects.select_for_update().select_related("started_by").get(pk=run_id)
        ensure_transition(
            entity=f"Run {run.pk}",
            table=ProgramRun.TRANSITIONS,
            current=run.status,
            requested=RS.FAILED,
            choices=RS,
        )
        before = run.status
        run.status = RS.FAILED
        run.error_message = message[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error_message", "finished_at"])
        audit_record(
            actor=actor or run.started_by,
            action="program_run.failed",
            object_type="program_run",
            object_id=run.pk,
            before={"status": before},
            after={"status": RS.FAILED},
            reason=run.error_message,
        )


def programs_run(
    *,
    actor: User,
    program_code: str,
    period: str,
    release_number: int | None = None,
    on_progress: Progress | None = None,
) -> ProgramRun:
    """Start and run inline (the command line, tests); the web page queues run_execute as a job."""
    run = run_start(actor=actor, program_code=program_code, period=period, release_number=release_number)
    return run_execute(run_id=run.pk, on_progress=on_progress)
