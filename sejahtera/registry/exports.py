"""Household list exports: CSV streamed row by row, XLSX written in openpyxl's write-only mode.

Both read the queryset with `iterator(chunk_size=…)`, so memory stays flat however many rows the
user's scope holds (a server-side cursor on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse

from sejahtera.common.views import csv_response, write_xlsx, xlsx_response

from . import codes
from .models import Household

CHUNK_ROWS = 2000

HOUSEHOLD_EXPORT_HEADER = (
    "kk_number",
    "village_code",
    "village_name",
    "address",
    "rt",
    "rw",
    "head_name",
    "members",
    "welfare_status",
    "welfare_label",
    "status",
    "status_label",
)
_FIELDS = (
    "kk_number",
    "village_id",
    "village__name",
    "address",
    "rt",
    "rw",
    "head_name",
    "member_count",
    "welfare_status",
    "status",
)


def household_rows(qs: QuerySet[Household]) -> Iterator[tuple[Any, ...]]:
    """Export rows in HOUSEHOLD_EXPORT_HEADER order, labels in the active language."""
    welfare_labels = {v: str(label) for v, label in codes.WelfareStatus.choices}
    status_labels = {v: str(label) for v, label in codes.RecordStatus.choices}
    for kk, village, village_name, address, rt, rw, head, members, welfare, status in qs.values_list(
        *_FIELDS
    ).iterator(chunk_size=CHUNK_ROWS):
        yield (
            kk,
            village,
            village_name,
            address,
            rt,
            rw,
            head or "",
            members,
            "" if welfare is None else welfare,
            welfare_labels.get(welfare, "") if welfare is not None else "",
            status,
            status_labels.get(status, status),
        )


def households_csv(qs: QuerySet[Household], *, filename: str) -> StreamingHttpResponse:
    return csv_response(filename, HOUSEHOLD_EXPORT_HEADER, household_rows(qs))


def write_households_xlsx(qs: QuerySet[Household], fh: IO[bytes]) -> int:
    """Write the workbook to `fh`; returns the number of data rows."""
    return write_xlsx(fh, sheet="Keluarga", header=HOUSEHOLD_EXPORT_HEADER, rows=household_rows(qs))


def households_xlsx(qs: QuerySet[Household], *, filename: str) -> FileResponse:
    return xlsx_response(filename, sheet="Keluarga", header=HOUSEHOLD_EXPORT_HEADER, rows=household_rows(qs))
