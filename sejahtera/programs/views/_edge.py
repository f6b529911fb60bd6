"""What the program pages share at the edge: the user, a refusal's status, the export format, a
region from the query string, amounts as a reader writes them, region names."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext

from sejahtera.accounts.models import User
from sejahtera.accounts.scoping import in_jurisdiction
from sejahtera.common.errors import DomainError, NotInJurisdiction, PermissionRefused
from sejahtera.common.views import csv_response, xlsx_response
from sejahtera.registry.models import Person

from ..rules import rupiah

__all__ = [
    "actor",
    "export_format",
    "head_name",
    "refusal_status",
    "region_param",
    "rupiah",
    "table_response",
]

FORMATS = ("csv", "xlsx")
REGION_LENGTHS = (2, 4, 6, 10)


def actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def refusal_status(exc: DomainError) -> int:
    """The status of a form shown again with a service's refusal; a record outside the jurisdiction
    (404) and a role without the right (403) go on to DomainErrorMiddleware."""
    if isinstance(exc, NotInJurisdiction | PermissionRefused):
        raise exc
    return exc.status_code


def export_format(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise DomainError(gettext("Format ekspor harus csv atau xlsx."))
    return fmt


def region_param(user: User, raw: str | None) -> str:
    """A region code within the jurisdiction, else '' (the whole jurisdiction)."""
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


def head_name(qs: QuerySet[Any]) -> QuerySet[Any]:
    """Annotate `head_name`: the family's head in the registry (as the household list shows it)."""
    head = Person.objects.filter(household=OuterRef("household_id"), relationship="HEAD").order_by("id")
    return qs.annotate(head_name=Subquery(head.values("full_name")[:1]))
