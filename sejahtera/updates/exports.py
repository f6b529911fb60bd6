"""Update-cycle exports: a release's diff, population events, the weekly evaluation's counts.

CSV is streamed row by row; XLSX is written in openpyxl's write-only mode to a temporary file and
streamed from there. Both read querysets with `iterator(chunk_size=…)`, so memory stays flat
however large the diff of a national release is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from sejahtera.common.views import csv_response, xlsx_response

from .models import PopulationEvent, ReleaseChange
from .selectors import DIFF_COLUMNS, Evaluation

CHUNK_ROWS = 2000
FORMATS = ("csv", "xlsx")


def table_response(
    fmt: str, *, filename: str, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse | FileResponse:
    """The rows as a CSV (streamed) or an XLSX (written to a temporary file on disk, then streamed)."""
    if fmt == "xlsx":
        return xlsx_response(f"{filename}.xlsx", sheet=sheet, header=header, rows=rows)
    return csv_response(f"{filename}.csv", header, rows)


# --- a release's diff -------------------------------------------------------------------------------
# The columns of selectors.DIFF_COLUMNS with the change's label after its code.
RELEASE_CHANGE_HEADER = (*DIFF_COLUMNS[:2], "change_label", *DIFF_COLUMNS[2:])


def diff_rows(rows: Iterable[Sequence[Any]]) -> Iterator[tuple[Any, ...]]:
    """Diff lines in DIFF_COLUMNS order (stored or computed) as RELEASE_CHANGE_HEADER rows."""
    labels = dict(ReleaseChange.Change.choices)
    for row in rows:
        change = row[1]
        yield (
            *row[:2],
            str(labels.get(change, change)),
            *("" if v is None else v for v in row[2:]),
        )


def release_change_rows(qs: QuerySet[ReleaseChange]) -> Iterator[tuple[Any, ...]]:
    return diff_rows(qs.values_list(*DIFF_COLUMNS).iterator(chunk_size=CHUNK_ROWS))


# --- population events ------------------------------------------------------------------------------
EVENT_HEADER = (
    "event_id",
    "kind",
    "kind_label",
    "status",
    "reason_code",
    "reason",
    "nik",
    "kk_number",
    "occurred_on",
    "region_code",
    "source",
    "received_at",
    "applied_at",
    "attempts",
)


def _iso(value: Any) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).isoformat(timespec="seconds") if hasattr(value, "hour") else str(value)


def event_rows(qs: QuerySet[PopulationEvent]) -> Iterator[tuple[Any, ...]]:
    kinds = dict(PopulationEvent.Kind.choices)
    for e in qs.order_by("-id").iterator(chunk_size=CHUNK_ROWS):
        yield (
            e.event_id,
            e.kind,
            str(kinds.get(e.kind, e.kind)),
            e.status,
            e.reason_code,
            e.reason,
            e.nik,
            e.kk_number,
            _iso(e.occurred_on),
            e.region_code,
            e.source,
            _iso(e.received_at),
            _iso(e.applied_at),
            e.attempts,
        )


# --- the weekly evaluation --------------------------------------------------------------------------
EVALUATION_HEADER = ("region", "week_start", "week_end", "measure", "label", "count")


def evaluation_rows(ev: Evaluation, *, region: str, labels: dict[str, str]) -> list[tuple[Any, ...]]:
    """One row per measure: proposals in each state now, then the week's throughput. `labels`
    names each measure in the reader's language."""
    start, end = ev.week_start.isoformat(), ev.week_end.isoformat()
    measures: list[tuple[str, int]] = [(f"status.{s}", n) for s, n in ev.by_status.items()]
    measures += [
        ("week.submitted", ev.submitted),
        ("week.verified", ev.verified),
        ("week.approved", ev.approved),
        ("week.applied", ev.applied),
        ("week.lapsed", ev.lapsed),
        ("overdue", ev.overdue),
        ("qa.open", ev.open_qa),
    ]
    return [(region, start, end, key, labels.get(key, key), n) for key, n in measures]
