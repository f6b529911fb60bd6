"""Padan Dukcapil: match every active person (or a region's) against the population registry.

Persons are read in key ranges (id > last ORDER BY id LIMIT n), matched by the client a batch at a
time, and their results bulk-inserted into quality_padanresult. Then, set-based:
- registry_person.dukcapil_match ← the run's result (one UPDATE … FROM);
- findings: NOT_MATCHED, NOT_FOUND and Dukcapil deaths (one INSERT … SELECT into the staging
  table, merged like a check run's: a person now matched has their padan finding FIXED).
A death reported by Dukcapil is a finding suggesting the population event; it is not applied.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import DomainError
from sejahtera.common.states import ensure_transition
from sejahtera.registry.models import Person

from ..dukcapil import CsvReferenceClient, DukcapilClient, HttpClient, PersonQuery
from ..models import FindingType, PadanResult, PadanRun, Severity
from .merge import stage_create, stage_drop, stage_insert, stage_merge

Progress = Callable[[str, int], None]
RS = PadanRun.Status
BATCH = 2000
PADAN_FINDING_TYPES = (
    FindingType.PADAN_NOT_MATCHED,
    FindingType.PADAN_NOT_FOUND,
    FindingType.DUKCAPIL_DECEASED,
)


def threshold() -> float:
    return float(settings.DUKCAPIL_NAME_THRESHOLD)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


@transaction.atomic
def padan_start(
    *, actor: User, source: str, path: Path | None = None, file_name: str = "", region_code: str = ""
) -> PadanRun:
    """Queue a padan run (central data team)."""
    ensure_can(actor, Action.QUALITY_RUN)
    if region_code and not (region_code.isdigit() and len(region_code) in (2, 4, 6, 10)):
        raise DomainError("Kode wilayah harus 2, 4, 6 atau 10 digit.")
    if source == PadanRun.Source.CSV and (path is None or not path.is_file()):
        raise DomainError("Berkas ekstrak Dukcapil tidak ditemukan.")
    run = PadanRun.objects.create(
        source=source,
        file_name=file_name or (path.name if path else ""),
        file_path=str(path) if path else "",
        sha256=_sha256(path) if path else "",
        region_code=region_code,
        threshold=threshold(),
        started_by=actor,
        phase="Dalam antrean",
    )
    audit_record(
        actor=actor,
        action="quality.padan.start",
        object_type="padan_run",
        object_id=run.pk,
        region_code=region_code,
        after={"source": source, "file": run.file_name, "sha256": run.sha256, "threshold": run.threshold},
    )
    return run


def client_for(run: PadanRun) -> DukcapilClient:
    if run.source == PadanRun.Source.CSV:
        return CsvReferenceClient(Path(run.file_path), threshold=run.threshold)
    return HttpClient(
        settings.DUKCAPIL_URL,
        token=settings.DUKCAPIL_TOKEN,
        threshold=run.threshold,
        timeout=settings.DUKCAPIL_TIMEOUT,
    )


def padan_execute(
    *, run_id: int, client: DukcapilClient | None = None, on_progress: Progress | None = None
) -> PadanRun:
    """Run a queued padan run once (claimed with a conditional UPDATE)."""
    ensure_transition(
        entity=f"Padan {run_id}", table=PadanRun.TRANSITIONS, current=RS.QUEUED, requested=RS.RUNNING
    )
    if not PadanRun.objects.filter(pk=run_id, status=RS.QUEUED).update(status=RS.RUNNING):
        return PadanRun.objects.get(pk=run_id)
    run = PadanRun.objects.select_related("started_by").get(pk=run_id)
    client = client or client_for(run)
    try:
        _execute(run, client, on_progress)
    except Exception as e:
        PadanRun.objects.filter(pk=run.pk).update(
            status=RS.FAILED, error_message=str(getattr(e, "message", e))[:2000], finished_at=timezone.now()
        )
        raise
    finally:
        if isinstance(client, CsvReferenceClient):
            client.close()
    run.refresh_from_db()
    return run


def padan_run(
    *,
    actor: User,
    source: str,
    path: Path | None = None,
    region_code: str = "",
    client: DukcapilClient | None = None,
    on_progress: Progress | None = None,
) -> PadanRun:
    """Start and run inline (the command line, tests)."""
    run = padan_start(actor=actor, source=source, path=path, region_code=region_code)
    return padan_execute(run_id=run.pk, client=client, on_progress=on_progress)


def _persons(run: PadanRun) -> tuple[int, Callable[[int], list[PersonQuery]]]:
    qs = Person.objects.filter(status="ACTIVE", household__status="ACTIVE")
    code = run.region_code
    if code:
        field = {2: "province_code", 4: "regency_code", 6: "district_code", 10: "village_id"}[len(code)]
        qs = qs.filter(**{f"household__{field}": code})

    def batch_after(last: int) -> list[PersonQuery]:
        rows = (
            qs.filter(id__gt=last)
            .order_by("id")
            .values_list("id", "nik", "full_name", "birth_date", "sex")[:BATCH]
        )
        return [PersonQuery(*r) for r in rows]

    return qs.count(), batch_after


def _step(run: PadanRun, on_progress: Progress | None, phase: str, percent: int) -> None:
    PadanRun.objects.filter(pk=run.pk).update(phase=phase, progress=percent)
    if on_progress:
        on_progress(phase, percent)


def _execute(run: PadanRun, client: DukcapilClient, on_progress: Progress | None) -> None:
    if isinstance(client, CsvReferenceClient):
        _step(run, on_progress, "Memuat ekstrak Dukcapil", 2)
        client.load()
    total, batch_after = _persons(run)
    done, last = 0, 0
    while batch := batch_after(last):
        results = list(client.match(batch))
        PadanResult.objects.bulk_create(
            [
                PadanResult(
                    run=run,
                    person_id=r.person_id,
                    result=r.result,
                    similarity=r.similarity,
                    dukcapil_name=r.dukcapil_name,
                    dukcapil_deceased=r.deceased,
                )
                for r in results
            ],
            batch_size=BATCH,
        )
        done += len(batch)
        last = batch[-1].person_id
        _step(run, on_progress, f"Memadankan {done}/{total}", 5 + int(80 * done / max(total, 1)))
    _step(run, on_progress, "Memperbarui status padan dan temuan", 90)
    with transaction.atomic(), connection.cursor() as cur:
        # The person's latest padan result; updated_at is left alone (it is not a data change).
        cur.execute(
            "UPDATE registry_person SET dukcapil_match = r.result FROM quality_padanresult r "
            "WHERE r.run_id = %s AND r.person_id = registry_person.id",
            [run.pk],
        )
        stage_create(cur)
        try:
            stage_insert(cur, PADAN_FINDINGS_SQL, {"run": run.pk})
            merged = stage_merge(
                cur,
                now=timezone.now(),
                types=PADAN_FINDING_TYPES,
                run_id=None,
                fix_scope="person_id IN (SELECT person_id FROM quality_padanresult WHERE run_id = %s)",
                fix_params=[run.pk],
            )
        finally:
            stage_drop(cur)
        cur.execute(
            "SELECT result, COUNT(*), SUM(CASE WHEN dukcapil_deceased THEN 1 ELSE 0 END) "
            "FROM quality_padanresult WHERE run_id = %s GROUP BY result",
            [run.pk],
        )
        counts = {r: (int(n), int(dead or 0)) for r, n, dead in cur.fetchall()}
        run.persons = sum(n for n, _ in counts.values())
        run.matched = counts.get("MATCHED", (0, 0))[0]
        run.not_matched = counts.get("NOT_MATCHED", (0, 0))[0]
        run.not_found = counts.get("NOT_FOUND", (0, 0))[0]
        run.deceased = sum(dead for _, dead in counts.values())
        run.status, run.phase, run.progress, run.finished_at = RS.DONE, "Selesai", 100, timezone.now()
        run.save(
            update_fields=[
                "persons",
                "matched",
                "not_matched",
                "not_found",
                "deceased",
                "status",
                "phase",
                "progress",
                "finished_at",
            ]
        )
        audit_record(
            actor=run.started_by,
            action="quality.padan",
            object_type="padan_run",
            object_id=run.pk,
            region_code=run.region_code,
            after={
                "persons": run.persons,
                "matched": run.matched,
                "not_matched": run.not_matched,
                "not_found": run.not_found,
                "deceased": run.deceased,
                "findings_opened": merged.opened,
                "findings_fixed": merged.fixed,
            },
        )
    if on_progress:
        on_progress("Selesai", 100)


def _finding(t: str, condition: str, detail: str) -> str:
    return (
        f"SELECT '{t}', '{Severity.ERROR}', '{t}:p' || CAST(p.id AS TEXT), h.id, p.id, CAST(NULL AS BIGINT), r.id, "
        f"{detail}, "
        "h.village_code FROM quality_padanresult r JOIN registry_person p ON p.id = r.person_id "
        f"JOIN registry_household h ON h.id = p.household_id WHERE r.run_id = %(run)s AND {condition}"
    )


PADAN_FINDINGS_SQL = " UNION ALL ".join(
    [
        _finding(
            FindingType.PADAN_NOT_MATCHED,
            "r.result = 'NOT_MATCHED'",
            "r.dukcapil_name || ' (' || CAST(CAST(ROUND(CAST(r.similarity * 100 AS NUMERIC), 0) AS INTEGER) AS TEXT) || '%%)'",
        ),
        _finding(FindingType.PADAN_NOT_FOUND, "r.result = 'NOT_FOUND'", "p.nik"),
        _finding(FindingType.DUKCAPIL_DECEASED, "r.dukcapil_deceased", "r.dukcapil_name"),
    ]
)
