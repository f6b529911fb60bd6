"""Pages: reconciliation per region (planned, sent, paid, failed, returned, outstanding, with amounts,
drilling down province → regency → district → village) and realisation (the weekly evaluation of
the seed: paid against planned per week, cumulative, with a bar). Both scoped to the reader's
jurisdiction, both exported as CSV or XLSX."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.common.views import stamp
from sejahtera.regions.selectors import region_names

from .. import selectors
from ..models import PaymentBatch
from ._edge import REGION_LENGTHS, actor, export_format, region_param, table_response
from .batches import _PERIOD


@dataclass(frozen=True)
class Crumb:
    code: str  # '' = the whole jurisdiction
    name: str


def _crumbs(user: User, region: str) -> list[Crumb]:
    top = user.jurisdiction_code
    codes = [top, *(region[:n] for n in REGION_LENGTHS if len(top) < n <= len(region))]
    names = region_names([c for c in codes if c])
    return [Crumb("" if c == top else c, names.get(c, "") if c else gettext("Nasional")) for c in codes]


def _program(request: HttpRequest) -> str:
    codes = [c for c, _name in selectors.programs()]
    asked = (request.GET.get("program") or "").strip().upper()
    if asked in codes:
        return asked
    return "PKH" if "PKH" in codes else (codes[0] if codes else "")


def _latest_period(program: str) -> str:
    return (
        PaymentBatch.objects.filter(program__code=program)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
        or ""
    )


def _period(request: HttpRequest, program: str) -> str:
    asked = (request.GET.get("period") or "").strip()
    return asked if _PERIOD.match(asked) else _latest_period(program)


def _year(request: HttpRequest, program: str) -> int:
    asked = (request.GET.get("year") or "").strip()
    if asked.isdigit() and len(asked) == 4:
        return int(asked)
    latest = _latest_period(program)
    return int(latest[:4]) if latest else timezone.localdate().year


# --- reconciliation -----------------------------------------------------------------------------------
_REC_SORTS = {
    "code": lambda r: r.code,
    "planned": lambda r: r.planned.amount,
    "paid": lambda r: r.paid.amount,
    "outstanding": lambda r: r.outstanding.amount,
    "failed": lambda r: r.failed.count + r.returned.count,
}
_REC_COLUMNS: tuple[tuple[Any, str], ...] = (
    (_("Wilayah"), "code"),
    (_("Rencana"), "planned"),
    (_("Belum dikirim"), ""),
    (_("Dikirim"), ""),
    (_("Menunggu status"), ""),
    (_("Tersalurkan"), "paid"),
    (_("Gagal"), "failed"),
    (_("Dikembalikan"), ""),
    (_("Sisa"), "outstanding"),
    (_("% tersalurkan"), ""),
)


@dataclass(frozen=True)
class SortHeader:
    label: str
    key: str
    state: str


def _headers(current: str) -> list[SortHeader]:
    def header(label: Any, key: str) -> SortHeader:
        state = {key: "ascending", f"-{key}": "descending"}.get(current, "") if key else ""
        return SortHeader(str(label), f"-{key}" if state == "ascending" else key, state)

    return [header(label, key) for label, key in _REC_COLUMNS]


def _reconciliation(request: HttpRequest) -> tuple[selectors.Reconciliation | None, str, str, str]:
    user = actor(request)
    ensure_can(user, Action.REALISATION_VIEW)
    program = _program(request)
    period = _period(request, program)
    region = region_param(user, request.GET.get("region"))
    if not program or not period:
        return None, program, period, region
    rec = selectors.reconciliation(user=user, program_code=program, period=period, region=region)
    return rec, program, period, region


@login_required
@require_GET
def reconciliation(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    rec, program, period, region = _reconciliation(request)
    sort = request.GET.get("sort", "")
    rows = list(rec.rows) if rec else []
    if sort.lstrip("-") in _REC_SORTS:
        rows.sort(key=_REC_SORTS[sort.lstrip("-")], reverse=sort.startswith("-"))
    else:
        sort = ""
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/reconciliation.html",
        {
            "rec": rec,
            "page": page,
            "program": program,
            "period": period,
            "region": region,
            "crumbs": _crumbs(user, region),
            "drill": len(region or user.jurisdiction_code) < 6,
            "headers": _headers(sort),
            "program_choices": selectors.programs(),
        },
    )


RECONCILIATION_HEADER = (
    "program",
    "period",
    "region_code",
    "region_name",
    "planned_count",
    "planned_amount",
    "pending_count",
    "pending_amount",
    "sent_count",
    "sent_amount",
    "awaiting_count",
    "awaiting_amount",
    "paid_count",
    "paid_amount",
    "failed_count",
    "failed_amount",
    "returned_count",
    "returned_amount",
    "outstanding_count",
    "outstanding_amount",
    "percent_paid",
)


def reconciliation_rows(rec: selectors.Reconciliation) -> Iterator[tuple[Any, ...]]:
    """One row per region and a total row (region_code TOTAL)."""
    parts = ("planned", "pending", "sent", "awaiting", "paid", "failed", "returned", "outstanding")
    for r in [*rec.rows, rec.total]:
        cells: list[Any] = []
        for part in parts:
            a = getattr(r, part)
            cells += [a.count, a.amount]
        code = r.code if r is not rec.total else "TOTAL"
        yield (rec.program.code, rec.period, code, r.name, *cells, r.percent_paid)


@login_required
@require_GET
def reconciliation_export(request: HttpRequest) -> HttpResponseBase:
    fmt = export_format(request)
    rec, program, period, region = _reconciliation(request)
    user = actor(request)
    return table_response(
        fmt,
        filename=f"rekonsiliasi-{program}-{period}-{region or user.jurisdiction_code or 'nasional'}-{stamp()}",
        sheet=gettext("Rekonsiliasi"),
        header=RECONCILIATION_HEADER,
        rows=reconciliation_rows(rec) if rec else iter(()),
    )


# --- realisation --------------------------------------------------------------------------------------
def _realisation(request: HttpRequest) -> selectors.Realisation | None:
    user = actor(request)
    ensure_can(user, Action.REALISATION_VIEW)
    program = _program(request)
    if not program:
        return None
    return selectors.realisation(
        user=user,
        program_code=program,
        year=_year(request, program),
        region=region_param(user, request.GET.get("region")),
    )


@login_required
@require_GET
def realisation(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    real = _realisation(request)
    region = real.region if real else ""
    return render(
        request,
        "payments/realisation.html",
        {
            "real": real,
            "region": region,
            "crumbs": _crumbs(user, region),
            "drill": len(region or user.jurisdiction_code) < 6,
            "program_choices": selectors.programs(),
        },
    )


REALISATION_HEADER = (
    "program",
    "year",
    "region_code",
    "week",
    "week_start",
    "paid_count",
    "paid_amount",
    "cumulative_amount",
    "planned_amount",
    "percent",
)


def realisation_rows(real: selectors.Realisation, region: str) -> Iterator[tuple[Any, ...]]:
    for w in real.weeks:
        yield (
            real.program.code,
            real.year,
            region,
            w.week,
            w.start.isoformat(),
            w.count,
            w.amount,
            w.cumulative,
            real.planned,
            w.percent,
        )


@login_required
@require_GET
def realisation_export(request: HttpRequest) -> HttpResponseBase:
    fmt = export_format(request)
    real = _realisation(request)
    user = actor(request)
    scope = (real.region if real else "") or user.jurisdiction_code or "nasional"
    return table_response(
        fmt,
        filename=f"realisasi-{real.program.code if real else ''}-{real.year if real else ''}-{scope}-{stamp()}",
        sheet=gettext("Realisasi"),
        header=REALISATION_HEADER,
        rows=realisation_rows(real, scope) if real else iter(()),
    )


ROUTES: list[URLPattern] = [
    path("pembayaran/rekonsiliasi/", reconciliation, name="reconciliation"),
    path("pembayaran/rekonsiliasi/ekspor/", reconciliation_export, name="reconciliation_export"),
    path("pembayaran/realisasi/", realisation, name="realisation"),
    path("pembayaran/realisasi/ekspor/", realisation_export, name="realisation_export"),
]
