"""Household list exports: CSV streamed row by row, XLSX written in openpyxl's write-only mode.

Both read the queryset with `iterator(chunk_size=…)`, so memory stays flat however many rows the
user's scope holds (a server-side cursor on PostgreSQL).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse

from sejahtera.common.views import csv_response

from . import codes
from .models import Household

CHUNK_ROWS = 2000
# An XLSX sheet holds 1,048,576 rows; a larger export continues on the next sheet.
XLSX_ROWS_PER_SHEET = 1_000_000

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
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = None
    written = 0
    for row in household_rows(qs):
        if written % XLSX_ROWS_PER_SHEET == 0:
            ws = wb.create_sheet(f"Keluarga {written // XLSX_ROWS_PER_SHEET + 1}")
            ws.append(list(HOUSEHOLD_EXPORT_HEADER))
        assert ws is not None
        cells = []
        for value in row:
            if isinstance(value, str):
                # Typed as text: NIK/KK keep all 16 digits, and "=…" is never run as a formula.
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(value)
        ws.append(cells)
        written += 1
    if ws is None:
        ws = wb.create_sheet("Keluarga 1")
        ws.append(list(HOUSEHOLD_EXPORT_HEADER))
    wb.save(fh)
    return written


def households_xlsx(qs: QuerySet[Household], *, filename: str) -> FileResponse:
    # The workbook is a zip that openpyxl finishes at the end, so it goes to a temporary file on
    # disk (not memory) and is streamed from there.
    fh = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    write_households_xlsx(qs, fh)
    fh.seek(0)
    return FileResponse(
        fh,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
