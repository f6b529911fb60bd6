"""Pages: a program's entitlements of one period in the user's scope (filter by region, sort, page,
export CSV/XLSX), and one entitlement with its component lines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, can
from sejahtera.common.errors import DomainError
from sejahtera.common.views import stamp

from .. import selectors
from ..forms import EntitlementFilterForm
from ..models import Entitlement, Program
from ._edge import actor, export_format, head_name, region_param, rupiah, table_response
from .enrollment import sort_headers

_COLUMNS: tuple[tuple[Any, str], ...] = (
    (_("No."), "id"),
    (_("Keluarga"), "household"),
    (_("Desa/Kelurahan"), "region"),
    (pgettext_lazy("payment", "Tahap"), ""),
    (_("Jumlah"), "amount"),
)


@dataclass(frozen=True)
class Row:
    entitlement: Any
    amount: str


def _period(program: Program, form: EntitlementFilterForm) -> str:
    """The period asked for, else the latest period the program ran."""
    asked = form.cleaned_data.get("period") if form.is_valid() else ""
    if asked:
        return str(asked)
    periods = selectors.entitlement_periods(program=program)
    return periods[0] if periods else ""


def _filtered(user: User, program: Program, form: EntitlementFilterForm) -> tuple[str, QuerySet[Entitlement]]:
    if not form.is_valid():
        return "", selectors.entitlement_list(user=user, program=program).none()
    period = _period(program, form)
    f = form.to_filter(period)
    f = type(f)(period=period, region=region_param(user, f.region))
    qs = selectors.entitlement_list(user=user, program=program, f=f).select_related("household")
    if not period:
        qs = qs.none()
    return period, head_name(qs).order_by(*form.ordering())


@login_required
@require_GET
def entitlement_list(request: HttpRequest, program: str) -> HttpResponse:
    user = actor(request)
    prog = selectors.program_get(user=user, code=program)
    form = EntitlementFilterForm(request.GET)
    period, qs = _filtered(user, prog, form)
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    total = qs.aggregate(s=Sum("amount"))["s"] or 0
    return render(
        request,
        "programs/entitlement_list.html",
        {
            "program": prog,
            "form": form,
            "period": period,
            "periods": selectors.entitlement_periods(program=prog),
            "page": page,
            "rows": [Row(e, rupiah(e.amount)) for e in page.object_list],
            "total": rupiah(total),
            "headers": sort_headers(_COLUMNS, form.sort_key()),
        },
    )


ENTITLEMENT_HEADER = (
    "entitlement_id",
    "program",
    "period",
    "tahap",
    "household_id",
    "kk_number",
    "head_name",
    "village_code",
    "regency_code",
    "amount",
    "release",
    "run_id",
)


def entitlement_rows(qs: QuerySet[Entitlement], *, show_kk: bool) -> Iterator[tuple[Any, ...]]:
    fields = (
        "id",
        "program__code",
        "period",
        "tahap",
        "household_id",
        "household__kk_number",
        "head_name",
        "village_code",
        "regency_code",
        "amount",
        "release__number",
        "run_id",
    )
    for row in qs.values_list(*fields).iterator(chunk_size=2000):
        values = list(row)
        if not show_kk:
            values[5] = values[6] = ""
        values[6] = values[6] or ""
        yield tuple(values)


@login_required
@require_GET
def entitlement_export(request: HttpRequest, program: str) -> HttpResponseBase:
    user = actor(request)
    fmt = export_format(request)
    prog = selectors.program_get(user=user, code=program)
    form = EntitlementFilterForm(request.GET)
    if not form.is_valid():
        raise DomainError(gettext("Saringan tidak sah; perbaiki di halaman hak bantuan."))
    period, qs = _filtered(user, prog, form)
    return table_response(
        fmt,
        filename=f"hak-{prog.code}-{period}-{user.jurisdiction_code or 'nasional'}-{stamp()}",
        sheet=gettext("Hak bantuan"),
        header=ENTITLEMENT_HEADER,
        rows=entitlement_rows(qs, show_kk=can(user, Action.REGISTRY_EXPORT)),
    )


@dataclass(frozen=True)
class LineRow:
    component: str
    count: int
    amount: str


@login_required
@require_GET
def entitlement_detail(request: HttpRequest, entitlement_id: int) -> HttpResponse:
    e = selectors.entitlement_get(user=actor(request), entitlement_id=entitlement_id)
    lines = [LineRow(c.component, c.count, rupiah(c.amount)) for c in e.components.order_by("id")]
    return render(
        request, "programs/entitlement_detail.html", {"e": e, "amount": rupiah(e.amount), "lines": lines}
    )


ROUTES: list[URLPattern] = [
    path("programs/hak/<int:entitlement_id>/", entitlement_detail, name="entitlement_detail"),
    path("programs/<str:program>/hak/", entitlement_list, name="entitlement_list"),
    path("programs/<str:program>/hak/ekspor/", entitlement_export, name="entitlement_export"),
]
