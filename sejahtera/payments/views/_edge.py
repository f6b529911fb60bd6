"""What the payment pages share at the edge: the acting user, export formats, the region asked for,
a form's refusal status, table responses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext

from sejahtera.accounts.models import User
from sejahtera.accounts.scoping import in_jurisdiction
from sejahtera.common.errors import DomainError, NotInJurisdiction, PermissionRefused
from sejahtera.common.views import csv_response, xlsx_response

FORMATS = ("csv", "xlsx")
REGION_LENGTHS = (2, 4, 6, 10)


def actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def refusal_status(exc: DomainError) -> int:
    """A service's refusal shown on the form (maker-checker, a state that does not allow it, …);
    404 and 403 go on to the middleware."""
    if isinstance(exc, NotInJurisdiction | PermissionRefused):
        raise exc
    return exc.status_code


def export_format(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise DomainError(gettext("Format ekspor harus csv atau xlsx."))
    return fmt


def region_param(user: User, raw: str | None) -> str:
    """A region code from the query string when it lies within the user's jurisdiction, else ''
    (the whole jurisdiction)."""
    code = (raw or "").strip()
    if code.isdigit() and len(code) in REGION_LENGTHS and in_jurisdiction(user, code):
        return code
    return ""


def table_response(
    fmt: str, *, filename: str, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse | FileResponse:
    if fmt == "xlsx":
        return xlsx_response(f"{filename}.xlsx", sheet=sheet, header=header, rows=rows)
    return csv_response(f"{filename}.csv", header, rows)
