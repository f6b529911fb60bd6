"""Pages: the weekly evaluation (evaluasi mingguan). For a region within the user's jurisdiction and a
week: proposals in each state, the week's throughput, the overdue proposals and the open QA cases;
the counts as CSV or XLSX."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from sejahtera.accounts.models import User
from sejahtera.common.views import stamp
from sejahtera.regions.selectors import region_children, region_names

from .. import exports, selectors
from ..models import Proposal
from ._edge import REGION_LENGTHS, actor, export_format, region_param

_ISO_WEEK = re.compile(r"^(?P<year>\d{4})-W(?P<week>\d{1,2})$")

MEASURES: dict[str, Any] = {
    "week.submitted": _("Diajukan minggu ini"),
    "week.verified": _("Diverifikasi minggu ini"),
    "week.approved": _("Disahkan minggu ini"),
    "week.applied": _("Ditetapkan minggu ini"),
    "week.lapsed": _("Kedaluwarsa minggu ini"),
    "overdue": _("Melewati batas verifikasi"),
    "qa.open": _("Kasus penjaminan mutu terbuka"),
}


def week_param(raw: str | None) -> dt.date:
    """The Monday of the week asked for: an ISO week (2026-W14, from <input type=week>) or any day
    of it (2026-03-31); the current week otherwise."""
    value = (raw or "").strip()
    try:
        if m := _ISO_WEEK.match(value):
            return dt.date.fromisocalendar(int(m["year"]), int(m["week"]), 1)
        if value:
            day = dt.date.fromisoformat(value)
            return day - dt.timedelta(days=day.weekday())
    except ValueError:
        pass
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday())


@dataclass(frozen=True)
class Crumb:
    code: str  # '' = the whole jurisdiction
    name: str


def _crumbs(user: User, region: str) -> list[Crumb]:
    """The path from the user's jurisdiction down to the region shown."""
    top = user.jurisdiction_code
    codes = [top, *(region[:n] for n in REGION_LENGTHS if len(top) < n <= len(region))]
    names = region_names([c for c in codes if c])
    return [Crumb("" if c == top else c, names.get(c, "") if c else gettext("Nasional")) for c in codes]


def _measure_labels() -> dict[str, str]:
    labels = {f"status.{v}": str(label) for v, label in Proposal.Status.choices}
    return labels | {k: str(v) for k, v in MEASURES.items()}


@login_required
@require_GET
def evaluation(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    region = region_param(user, request.GET.get("region"))
    week = week_param(request.GET.get("week"))
    ev = selectors.evaluation(user=user, region=region, week_start=week)
    labels = _measure_labels()
    current = region or user.jurisdiction_code
    return render(
        request,
        "updates/evaluation_detail.html",
        {
            "ev": ev,
            "region": region,
            "crumbs": _crumbs(user, region),
            "children": region_children(parent_code=current or None, within=user.jurisdiction_code or None)
            if len(current) < 10
            else [],
            "by_status": [(labels[f"status.{s}"], s, n) for s, n in ev.by_status.items()],
            "throughput": [
                (labels[k], n)
                for k, n in (
                    ("week.submitted", ev.submitted),
                    ("week.verified", ev.verified),
                    ("week.approved", ev.approved),
                    ("week.applied", ev.applied),
                    ("week.lapsed", ev.lapsed),
                )
            ],
            "week_value": f"{week.isocalendar().year}-W{week.isocalendar().week:02d}",
            "previous_week": (week - dt.timedelta(days=7)).isoformat(),
            "next_week": (week + dt.timedelta(days=7)).isoformat(),
        },
    )


@login_required
@require_GET
def evaluation_export(request: HttpRequest) -> HttpResponseBase:
    user = actor(request)
    fmt = export_format(request)
    region = region_param(user, request.GET.get("region"))
    week = week_param(request.GET.get("week"))
    ev = selectors.evaluation(user=user, region=region, week_start=week)
    scope = region or user.jurisdiction_code or "nasional"
    return exports.table_response(
        fmt,
        filename=f"evaluasi-{scope}-{week.isoformat()}-{stamp()}",
        sheet=gettext("Evaluasi"),
        header=exports.EVALUATION_HEADER,
        rows=exports.evaluation_rows(ev, region=region or user.jurisdiction_code, labels=_measure_labels()),
    )


ROUTES: list[URLPattern] = [
    path("evaluasi/", evaluation, name="evaluation"),
    path("evaluasi/ekspor/", evaluation_export, name="evaluation_export"),
]
