"""What the scoping route walker (common/tests/test_scoping_routes.py) seeds for duplicates: in each
seed's village a PENDING pair of its head and spouse (their NIKs are the seed's markers), and one
national run."""

from __future__ import annotations

from typing import Any

from sejahtera.quality.dedup.models import DedupRun

from .helpers import a_pair


def seed_dedup(seeds: dict[str, Any], central: Any) -> DedupRun:
    run = DedupRun.objects.create(threshold=0.9, started_by=central, status=DedupRun.Status.DONE)
    for s in seeds.values():
        s.dedup_pair = a_pair(s.head, s.spouse, run=run)
        s.dedup_run = run
    return run
