"""Pages: one status import of a batch — its counts and its rejected rows, and the rejected rows as a
CSV (row, column, code, reason, value) to send back to the channel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from .. import selectors
from ..models import StatusImport
from ._edge import actor, export_format, table_response

ERROR_HEADER = ("row", "column", "code", "reason", "value")


@login_required
@require_GET
def status_import(request: HttpRequest, batch_id: int, import_id: int) -> HttpResponse:
    user = actor(request)
    batch = selectors.batch_get(user=user, batch_id=batch_id)
    imp = selectors.status_import_get(user=user, batch=batch, import_id=import_id)
    page = Paginator(selectors.status_import_errors(imp), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "payments/status_import.html",
        {
            "batch": batch,
            "imp": imp,
            "page": page,
            "counts": [
                ("rows_read", gettext("Baris dibaca"), imp.rows_read),
                ("paid", gettext("Tersalurkan"), imp.paid),
                ("failed", gettext("Gagal"), imp.failed),
                ("returned", gettext("Dikembalikan"), imp.returned),
                ("unchanged", gettext("Tidak berubah (status sudah sama)"), imp.unchanged),
                ("rejected", gettext("Baris ditolak"), imp.rejected),
            ],
        },
    )


def _error_rows(imp: StatusImport) -> Iterator[tuple[Any, ...]]:
    for e in selectors.status_import_errors(imp).iterator(chunk_size=5000):
        yield (e.row, e.column, e.code, e.message, e.value)


@login_required
@require_GET
def status_import_errors(request: HttpRequest, batch_id: int, import_id: int) -> HttpResponseBase:
    user = actor(request)
    batch = selectors.batch_get(user=user, batch_id=batch_id)
    imp = selectors.status_import_get(user=user, batch=batch, import_id=import_id)
    return table_response(
        export_format(request),
        filename=f"status-batch{batch.number:06d}-impor{imp.pk}-kesalahan",
        sheet=gettext("Kesalahan"),
        header=ERROR_HEADER,
        rows=_error_rows(imp),
    )


ROUTES: list[URLPattern] = [
    path("pembayaran/<int:batch_id>/status/<int:import_id>/", status_import, name="status_import"),
    path(
        "pembayaran/<int:batch_id>/status/<int:import_id>/kesalahan/",
        status_import_errors,
        name="status_import_errors",
    ),
]
