"""Findings observed by a run, merged into quality_finding on their fingerprint, set-based.

The rows a run observes go into a temporary staging table (checks.STAGE_COLUMNS); then, in one
transaction:
1. FIXED findings observed again are OPEN again (the problem came back);
2. every finding observed gets its last_seen, last run, severity and detail refreshed;
3. new fingerprints are inserted OPEN;
4. OPEN findings of the types that ran, inside the run's reach, that were not observed become
   FIXED (with fixed_at): nobody has to close a problem that is gone.
RESOLVED and DISMISSED findings are decisions of an officer: steps 1 and 4 never touch them, so a
re-run never reopens them (tests/test_runs.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from sejahtera.common.states import sources_of

from ..checks import STAGE_COLUMNS
from ..models import Finding

STAGE = "quality_stage"
FS = Finding.Status


def stage_create(cur: Any) -> None:
    cur.execute(f"DROP TABLE IF EXISTS {STAGE}")
    cur.execute(
        f"CREATE TEMP TABLE {STAGE} (type varchar(24), severity varchar(8), fingerprint varchar(120), "
        "household_id bigint, person_id bigint, other_person_id bigint, related_id bigint, "
        "detail text, village_code varchar(10))"
    )


def stage_insert(cur: Any, select_sql: str, params: dict[str, Any]) -> int:
    cols = ", ".join(STAGE_COLUMNS)
    cur.execute(f"INSERT INTO {STAGE} ({cols}) {select_sql}", params)
    return int(cur.rowcount)


def stage_drop(cur: Any) -> None:
    cur.execute(f"DROP TABLE IF EXISTS {STAGE}")


@dataclass
class MergeResult:
    counts: dict[str, int] = field(default_factory=dict)
    opened: int = 0
    reopened: int = 0
    fixed: int = 0


def _in(values: Sequence[str]) -> tuple[str, list[str]]:
    return "(" + ", ".join(["%s"] * len(values)) + ")", list(values)


def stage_merge(
    cur: Any,
    *,
    now: dt.datetime,
    types: Sequence[str],
    run_id: int | None,
    import_job_id: int | None = None,
    fix_scope: str | None = "1 = 1",
    fix_params: Sequence[Any] = (),
) -> MergeResult:
    """Merge the staging table into the findings. `fix_scope` is a condition on quality_finding
    naming what the run looked at (None: nothing is marked FIXED, e.g. an import's narrow run)."""
    out = MergeResult()
    cur.execute(f"SELECT type, COUNT(*) FROM {STAGE} GROUP BY type")
    out.counts = dict.fromkeys(types, 0) | {str(t): int(n) for t, n in cur.fetchall()}
    in_stage = f"fingerprint IN (SELECT fingerprint FROM {STAGE})"
    with transaction.atomic():
        reopenable, reopen_params = _in(sorted(sources_of(Finding.TRANSITIONS, FS.OPEN)))
        cur.execute(
            f"UPDATE quality_finding SET status = 'OPEN', fixed_at = NULL "
            f"WHERE status IN {reopenable} AND {in_stage}",
            reopen_params,
        )
        out.reopened = int(cur.rowcount)
        cur.execute(
            f"UPDATE quality_finding SET last_seen_at = %s, last_run_id = %s, severity = s.severity, "
            f"detail = substr(s.detail, 1, 200) FROM {STAGE} s WHERE s.fingerprint = quality_finding.fingerprint",
            [now, run_id],
        )
        cur.execute(
            "INSERT INTO quality_finding (type, severity, status, fingerprint, household_id, person_id, "
            "other_person_id, related_id, detail, village_code, province_code, regency_code, district_code, "
            "import_job_id, first_run_id, last_run_id, first_seen_at, last_seen_at, decision_reason) "
            "SELECT s.type, s.severity, 'OPEN', s.fingerprint, s.household_id, s.person_id, s.other_person_id, "
            "s.related_id, substr(COALESCE(s.detail, ''), 1, 200), s.village_code, substr(s.village_code, 1, 2), "
            "substr(s.village_code, 1, 4), substr(s.village_code, 1, 6), %s, %s, %s, %s, %s, '' "
            f"FROM {STAGE} s WHERE NOT EXISTS (SELECT 1 FROM quality_finding f WHERE f.fingerprint = s.fingerprint) "
            "ON CONFLICT (fingerprint) DO NOTHING",
            [import_job_id, run_id, run_id, now, now],
        )
        out.opened = int(cur.rowcount)
        if fix_scope is not None and types:
            type_in, type_params = _in(list(types))
            cur.execute(
                f"UPDATE quality_finding SET status = 'FIXED', fixed_at = %s "
                f"WHERE status = 'OPEN' AND type IN {type_in} AND ({fix_scope}) "
                f"AND NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE s.fingerprint = quality_finding.fingerprint)",
                [now, *type_params, *fix_params],
            )
            out.fixed = int(cur.rowcount)
    return out
