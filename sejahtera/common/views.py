"""The audit log pages, and the CSV and XLSX writing every export of the web UI shares."""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from sejahtera.accounts.models import User

# The audit log is read through the registry's selectors, which decide scoping in one place.
from sejahtera.registry import selectors

# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would take for a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text line by line, with a byte-order mark so that Excel reads it as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([spreadsheet_safe(v) for v in row])


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# An XLSX sheet holds 1,048,576 rows; a larger export continues on the next sheet.
XLSX_ROWS_PER_SHEET = 1_000_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_xlsx(fh: IO[bytes], *, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write the rows to a workbook in `fh` (openpyxl's write-only mode: memory stays flat), on
    sheets "<sheet> 1", "<sheet> 2", … as they fill; returns how many rows were written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws: Any = None
    written = 0
    for row in rows:
        if written % XLSX_ROWS_PER_SHEET == 0:
            ws = wb.create_sheet(f"{sheet} {written // XLSX_ROWS_PER_SHEET + 1}")
            ws.append(list(header))
        cells: list[Any] = []
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
        wb.create_sheet(f"{sheet} 1").append(list(header))
    wb.save(fh)
    return written


def xlsx_response(
    filename: str, *, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> FileResponse:
    # The workbook is a zip that openpyxl finishes at the end, so it goes to a temporary file on
    # disk (not memory) and is streamed from there.
    fh = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    write_xlsx(fh, sheet=sheet, header=header, rows=rows)
    fh.seek(0)
    return FileResponse(fh, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def stamp() -> str:
    """Local date and time for export file names."""
    return timezone.localtime().strftime("%Y%m%d-%H%M")


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Tindakan"), required=False, max_length=64)
    object_type = forms.CharField(label=_("Jenis objek"), required=False, max_length=64)


def _audit_entries(request: HttpRequest) -> tuple[AuditFilterForm, Any]:
    assert isinstance(request.user, User)
    form = AuditFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    entries = selectors.audit_list(
        user=request.user,
        action=(data.get("action") or "").strip(),
        object_type=(data.get("object_type") or "").strip(),
    )
    return form, entries


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    form, entries = _audit_entries(request)
    page = Paginator(entries, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "common/audit_list.html",
        {
            "form": form,
            "page": page,
            "action_choices": ["household.update", "person.update", "person.status", "registry.import"],
            "object_type_choices": ["household", "person", "import_job"],
        },
    )


AUDIT_HEADER = (
    "id",
    "at",
    "actor",
    "action",
    "object_type",
    "object_id",
    "region_code",
    "before",
    "after",
    "reason",
    "prev_hash",
    "hash",
)


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


@login_required
@require_GET
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    _form, entries = _audit_entries(request)
    rows = (
        (
            e.id,
            timezone.localtime(e.at).isoformat(),
            e.actor.get_username() if e.actor else e.actor_label,
            e.action,
            e.object_type,
            e.object_id,
            e.region_code,
            _json(e.before),
            _json(e.after),
            e.reason,
            e.prev_hash,
            e.hash,
        )
        for e in entries.iterator(chunk_size=2000)
    )
    return csv_response(f"audit-{stamp()}.csv", AUDIT_HEADER, rows)
