"""Pages: a release's welfare deciles. Households per decile 1-10 in the user's jurisdiction with a
drill-down by region (province → regency → district → village) and its CSV/XLSX export, and one
household's score in the release: every term's points and the Kepmensos criteria met."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from sejahtera.accounts.models import User
from sejahtera.common.views import stamp
from sejahtera.regions.selectors import region_names
from sejahtera.updates.exports import table_response

from .. import scoring, selectors
from ._edge import REGION_LENGTHS, actor, export_format, region_param

BASIS_LABELS = {
    "national": _("Desil nasional"),
    "province": _("Desil dalam provinsi"),
    "regency": _("Desil dalam kabupaten/kota"),
}


def _basis(request: HttpRequest) -> str:
    basis = request.GET.get("basis", "national")
    return basis if basis in selectors.BASIS_FIELDS else "national"


@dataclass(frozen=True)
class Crumb:
    code: str  # '' = the whole jurisdiction
    name: str


def _crumbs(user: User, region: str) -> list[Crumb]:
    top = user.jurisdiction_code
    codes = [top, *(region[:n] for n in REGION_LENGTHS if len(top) < n <= len(region))]
    names = region_names([c for c in codes if c])
    return [Crumb("" if c == top else c, names.get(c, "") if c else gettext("Nasional")) for c in codes]


@dataclass(frozen=True)
class DecileRow:
    decile: int
    households: int
    share: float
    bar: int  # percent of the largest decile, for the bar


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    counts: tuple[int, ...]
    total: int
    drill: bool


@login_required
@require_GET
def release_deciles(request: HttpRequest, number: int) -> HttpResponse:
    user = actor(request)
    release = selectors.release_for_targeting(user=user, number=number)
    region = region_param(user, request.GET.get("region"))
    basis = _basis(request)
    scored = selectors.release_scoring(release)
    context: dict[str, Any] = {
        "release": release,
        "scored": scored,
        "region": region,
        "basis": basis,
        "basis_choices": [(k, str(v)) for k, v in BASIS_LABELS.items()],
        "crumbs": _crumbs(user, region),
        "deciles": range(1, 11),
    }
    if scored is not None:
        dist = selectors.decile_distribution(user=user, release=release, region=region, basis=basis)
        top = max(dist.counts) or 1
        names = region_names([r.code for r in dist.regions])
        context.update(
            dist=dist,
            rows=[
                DecileRow(d, n, share, round(100 * n / top))
                for d, n, share in zip(range(1, 11), dist.counts, dist.shares, strict=True)
            ],
            regions=[
                RegionRow(r.code, names.get(r.code, ""), r.counts, r.total, len(r.code) < 10)
                for r in dist.regions
            ],
        )
    return render(request, "targeting/release_deciles.html", context)


EXPORT_HEADER = ("region_code", "region_name", "basis", *(f"desil_{d}" for d in range(1, 11)), "total")


def _export_rows(dist: selectors.Distribution, names: dict[str, str]) -> Iterator[tuple[Any, ...]]:
    yield (
        dist.region,
        names.get(dist.region, "") or gettext("Nasional"),
        dist.basis,
        *dist.counts,
        dist.total,
    )
    for r in dist.regions:
        yield (r.code, names.get(r.code, ""), dist.basis, *r.counts, r.total)


@login_required
@require_GET
def release_deciles_export(request: HttpRequest, number: int) -> HttpResponseBase:
    """The region and each region one level below it, households per decile, CSV or XLSX."""
    user = actor(request)
    fmt = export_format(request)
    release = selectors.release_for_targeting(user=user, number=number)
    region = region_param(user, request.GET.get("region"))
    dist = selectors.decile_distribution(user=user, release=release, region=region, basis=_basis(request))
    names = region_names([dist.region, *(r.code for r in dist.regions)])
    return table_response(
        fmt,
        filename=f"rilis-{release.number}-desil-{dist.region or 'nasional'}-{stamp()}",
        sheet=gettext("Desil"),
        header=EXPORT_HEADER,
        rows=_export_rows(dist, names),
    )


@login_required
@require_GET
def household_score(request: HttpRequest, number: int, household_id: int) -> HttpResponse:
    user = actor(request)
    release = selectors.release_for_targeting(user=user, number=number)
    detail = selectors.household_score_detail(user=user, release=release, household_id=household_id)
    snapshot = detail.snapshot
    names = region_names([snapshot.village_code]) if snapshot else {}
    return render(
        request,
        "targeting/household_score.html",
        {
            "release": release,
            "d": detail,
            "village_name": names.get(snapshot.village_code, "") if snapshot else "",
            "answerable": [(c, met) for c, met in detail.criteria if met is not None],
            "unanswerable": [c for c, met in detail.criteria if met is None],
            "criteria_total": len(scoring.ANSWERABLE),
        },
    )


ROUTES: list[URLPattern] = [
    path("rilis/<int:number>/desil/", release_deciles, name="release_deciles"),
    path("rilis/<int:number>/desil/ekspor/", release_deciles_export, name="release_deciles_export"),
    path("rilis/<int:number>/desil/keluarga/<int:household_id>/", household_score, name="household_score"),
]
