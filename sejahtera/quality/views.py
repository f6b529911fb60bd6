"""Pages of data quality (issue 6 §4): the dashboard per region (counts per type, the regions below,
the trend across releases), the findings (filter, sort, page, CSV/XLSX), a finding with its records
and the decisions on it, padan overrides, and the central team's check and padan runs (jobs with
a live status)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from sejahtera.accounts.permissions import Action, can, ensure_can
from sejahtera.accounts.scoping import in_jurisdiction
from sejahtera.common.errors import DomainError
from sejahtera.common.views import stamp
from sejahtera.programs.views._edge import actor, export_format, refusal_status, table_response
from sejahtera.programs.views.enrollment import sort_headers
from sejahtera.regions.selectors import region_names

from . import jobs, selectors, services
from .checks import rule_of, suggested_action
from .forms import (
    DecisionForm,
    FindingFilterForm,
    OverrideDecisionForm,
    OverrideForm,
    PadanUploadForm,
    RunForm,
)
from .models import Finding, FindingType, PadanRun
from .selectors import FindingFilter

LEVEL = {
    0: _("Nasional"),
    2: _("Provinsi"),
    4: _("Kabupaten/kota"),
    6: _("Kecamatan"),
    10: _("Desa/kelurahan"),
}
RUNS_LISTED = 20


# --- dashboard -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Crumb:
    code: str
    name: str


def _crumbs(user: Any, region: str) -> list[Crumb]:
    own = user.jurisdiction_code or ""
    codes = [region[:n] for n in (2, 4, 6, 10) if len(region) >= n and len(region[:n]) >= len(own)]
    names = region_names(codes)
    return [Crumb(c, names.get(c, c)) for c in codes]


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    ensure_can(user, Action.QUALITY_VIEW)
    region = selectors.region_within(user, request.GET.get("region"))
    types = selectors.counts_by_type(user=user, region=region)
    children = selectors.counts_by_child_region(user=user, region=region)
    names = region_names([c.code for c in children])
    shown = [t for t in types if t.open or t.fixed or t.resolved or t.dismissed]
    trend_types = [t.type for t in shown if t.open][:6]
    labels = dict(FindingType.choices)
    return render(
        request,
        "quality/dashboard.html",
        {
            "region": region,
            "level": LEVEL.get(len(region), ""),
            "crumbs": _crumbs(user, region),
            "types": types,
            "children": [(c, names.get(c.code, c.code)) for c in children],
            "child_level": LEVEL.get({0: 2, 2: 4, 4: 6, 6: 10}.get(len(region), 0), ""),
            "trend": selectors.trend(user=user, region=region, types=trend_types),
            "trend_labels": [labels[t] for t in trend_types],
            "open_total": sum(t.open for t in types),
            "extra": selectors.extra_counters(user=user, region=region),
            "can_run": can(user, Action.QUALITY_RUN),
        },
    )


# --- findings --------------------------------------------------------------------------------------
_COLUMNS: tuple[tuple[Any, str], ...] = (
    (_("No."), "id"),
    (_("Jenis"), "type"),
    (_("Tingkat"), "severity"),
    (pgettext_lazy("finding record", "Data"), ""),
    (_("Desa/Kelurahan"), "region"),
    (_("Status"), "status"),
    (_("Terakhir terlihat"), "seen"),
)


def _filtered(request: HttpRequest, form: FindingFilterForm) -> QuerySet[Finding]:
    user = actor(request)
    if not form.is_valid():
        return selectors.finding_list(user=user).none()
    d = form.cleaned_data
    region = d.get("region") or ""
    if region and not in_jurisdiction(user, region):
        region = ""
    f = FindingFilter(
        type=d.get("type") or "",
        status=d.get("status") or "",
        severity=d.get("severity") or "",
        region=region,
    )
    return (
        selectors.finding_list(user=user, f=f)
        .select_related("person", "household")
        .order_by(*form.ordering())
    )


@login_required
@require_GET
def finding_list(request: HttpRequest) -> HttpResponse:
    form = FindingFilterForm(request.GET)
    page = Paginator(_filtered(request, form), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "quality/finding_list.html",
        {"form": form, "page": page, "headers": sort_headers(_COLUMNS, form.sort_key())},
    )


FINDING_HEADER = (
    "finding_id",
    "type",
    "severity",
    "status",
    "household_id",
    "kk_number",
    "person_id",
    "nik",
    "full_name",
    "other_person_id",
    "related_id",
    "detail",
    "village_code",
    "first_seen_at",
    "last_seen_at",
    "decision_reason",
)


def finding_rows(qs: QuerySet[Finding], *, identities: bool) -> Iterator[tuple[Any, ...]]:
    fields = (
        "id",
        "type",
        "severity",
        "status",
        "household_id",
        "household__kk_number",
        "person_id",
        "person__nik",
        "person__full_name",
        "other_person_id",
        "related_id",
        "detail",
        "village_id",
        "first_seen_at",
        "last_seen_at",
        "decision_reason",
    )
    for row in qs.values_list(*fields).iterator(chunk_size=2000):
        values = ["" if v is None else v for v in row]
        if not identities:  # only roles that may export the registry get NIK, KK and names
            values[5] = values[7] = values[8] = values[11] = ""
        values[13] = row[13].isoformat(timespec="seconds")
        values[14] = row[14].isoformat(timespec="seconds")
        yield tuple(values)


@login_required
@require_GET
def finding_export(request: HttpRequest) -> HttpResponseBase:
    user = actor(request)
    fmt = export_format(request)
    form = FindingFilterForm(request.GET)
    if not form.is_valid():
        raise DomainError(gettext("Saringan tidak sah; perbaiki di halaman temuan."))
    return table_response(
        fmt,
        filename=f"temuan-kualitas-{user.jurisdiction_code or 'nasional'}-{stamp()}",
        sheet=gettext("Temuan"),
        header=FINDING_HEADER,
        rows=finding_rows(_filtered(request, form), identities=can(user, Action.REGISTRY_EXPORT)),
    )


@dataclass(frozen=True)
class Record:
    label: str
    url: str
    text: str
    visible: bool


def _records(user: Any, f: Finding) -> list[Record]:
    """The records a finding names; one outside the user's jurisdiction is named, not shown."""
    out = []
    if f.household is not None:
        out.append(
            Record(
                gettext("Keluarga"),
                reverse("registry:household_detail", kwargs={"household_id": f.household_id}),
                f"KK {f.household.kk_number}",
                in_jurisdiction(user, f.household.village_id),
            )
        )
    for label, p in ((gettext("Penduduk"), f.person), (gettext("Penduduk lain"), f.other_person)):
        if p is None:
            continue
        village = p.household.village_id if p.household_id else ""
        out.append(
            Record(
                label,
                reverse("registry:person_detail", kwargs={"person_id": p.pk}),
                f"{p.full_name or '—'} · NIK {p.nik}",
                in_jurisdiction(user, village),
            )
        )
    if f.related_id and f.type == FindingType.DECEASED_COUNTED:
        out.append(
            Record(
                gettext("Hak bantuan"),
                reverse("programs:entitlement_detail", kwargs={"entitlement_id": f.related_id}),
                f"#{f.related_id}",
                True,
            )
        )
    return out


def _detail_context(request: HttpRequest, f: Finding, **forms: Any) -> dict[str, Any]:
    user = actor(request)
    open_ = f.status in (Finding.Status.OPEN, Finding.Status.FIXED)
    padan = f.type in (FindingType.PADAN_NOT_MATCHED, FindingType.PADAN_NOT_FOUND)
    return {
        "f": f,
        "rule": rule_of(f.type),
        "action": suggested_action(f.type),
        "records": _records(user, f),
        "can_decide": open_ and can(user, Action.QUALITY_MANAGE),
        "can_override": padan and can(user, Action.PADAN_OVERRIDE),
        "overrides": selectors.overrides_of(user=user, finding=f) if padan else [],
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "override_form": forms.get("override_form") or OverrideForm(),
        "override_decision_form": OverrideDecisionForm(),
    }


@login_required
@require_GET
def finding_detail(request: HttpRequest, finding_id: int) -> HttpResponse:
    f = selectors.finding_get(user=actor(request), finding_id=finding_id)
    return render(request, "quality/finding_detail.html", _detail_context(request, f))


@login_required
@require_POST
def finding_decide(request: HttpRequest, finding_id: int) -> HttpResponse:
    user = actor(request)
    f = selectors.finding_get(user=user, finding_id=finding_id)
    ensure_can(user, Action.QUALITY_MANAGE)
    form = DecisionForm(request.POST)
    status = 400
    if form.is_valid():
        service = (
            services.finding_resolve
            if form.cleaned_data["decision"] == "resolve"
            else services.finding_dismiss
        )
        try:
            service(actor=user, finding_id=f.pk, reason=form.cleaned_data["reason"])
        except DomainError as e:
            form.add_error(None, e.message)
            status = refusal_status(e)
        else:
            messages.success(request, gettext("Keputusan atas temuan disimpan."))
            return redirect("quality:finding_detail", finding_id=f.pk)
    return render(
        request, "quality/finding_detail.html", _detail_context(request, f, decision_form=form), status=status
    )


@login_required
@require_POST
def override_request(request: HttpRequest, finding_id: int) -> HttpResponse:
    user = actor(request)
    f = selectors.finding_get(user=user, finding_id=finding_id)
    ensure_can(user, Action.PADAN_OVERRIDE)
    form = OverrideForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.override_request(actor=user, finding_id=f.pk, reason=form.cleaned_data["reason"])
        except DomainError as e:
            form.add_error(None, e.message)
            status = refusal_status(e)
        else:
            messages.success(
                request, gettext("Pengecualian diajukan; petugas lain dari kabupaten/kota menyetujuinya.")
            )
            return redirect("quality:finding_detail", finding_id=f.pk)
    return render(
        request, "quality/finding_detail.html", _detail_context(request, f, override_form=form), status=status
    )


@login_required
@require_POST
def override_decide(request: HttpRequest, override_id: int) -> HttpResponse:
    user = actor(request)
    override = selectors.override_get(user=user, override_id=override_id)
    form = OverrideDecisionForm(request.POST)
    if not form.is_valid():
        raise DomainError(gettext("Pilih setujui atau tolak."))
    services.override_decide(
        actor=user,
        override_id=override.pk,
        approve=form.cleaned_data["approve"],
        note=form.cleaned_data["note"],
    )
    messages.success(request, gettext("Keputusan pengecualian disimpan."))
    if override.finding_id:
        return redirect("quality:finding_detail", finding_id=override.finding_id)
    return redirect("quality:dashboard")


# --- check runs (central) -------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def run_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    runs = list(selectors.run_list(user=user)[:RUNS_LISTED])
    form = RunForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            chosen = form.cleaned_data["check_type"]
            try:
                run = services.quality_start(actor=user, check_types=[chosen] if chosen else [])
            except DomainError as e:
                form.add_error(None, e.message)
                status = refusal_status(e)
            else:
                run_id = run.pk
                transaction.on_commit(lambda: jobs.execute_check_run.enqueue(run_id))
                return redirect("quality:run_detail", check_run_id=run_id)
    return render(request, "quality/run_list.html", {"runs": runs, "form": form}, status=status)


def _labelled_counts(counts: dict[str, int]) -> list[tuple[str, int]]:
    labels = dict(FindingType.choices)
    return [(str(labels.get(k, k)), v) for k, v in counts.items()]


@login_required
@require_GET
def run_detail(request: HttpRequest, check_run_id: int) -> HttpResponse:
    run = selectors.run_get(user=actor(request), run_id=check_run_id)
    return render(
        request, "quality/run_detail.html", {"run": run, "counts": _labelled_counts(run.counts or {})}
    )


@login_required
@require_GET
def run_status(request: HttpRequest, check_run_id: int) -> HttpResponse:
    """The status block of a run in progress; htmx polls it and reloads the page at the end."""
    run = selectors.run_get(user=actor(request), run_id=check_run_id)
    if request.htmx and not run.in_progress:  # type: ignore[attr-defined]
        return HttpResponseClientRefresh()
    return render(
        request, "quality/_status.html", {"run": run, "status_url": "quality:run_status", "kind": "check"}
    )


# --- padan runs (central) -------------------------------------------------------------------------
def _store(upload: Any) -> tuple[Path, str]:
    """Keep an uploaded extract under PRIVATE_MEDIA_ROOT/padan/ (it holds NIKs and names)."""
    folder = Path(settings.PRIVATE_MEDIA_ROOT) / "padan"
    folder.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    for chunk in upload.chunks():
        h.update(chunk)
    target = folder / f"{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}-{h.hexdigest()[:16]}.csv"
    with target.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return target, Path(upload.name).name[:200]


@login_required
@require_http_methods(["GET", "POST"])
def padan_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    runs = list(selectors.padan_list(user=user)[:RUNS_LISTED])
    form = PadanUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            target, name = _store(form.cleaned_data["file"])
            try:
                run = services.padan_start(
                    actor=user,
                    source=PadanRun.Source.CSV,
                    path=target,
                    file_name=name,
                    region_code=form.cleaned_data.get("region") or "",
                )
            except DomainError as e:
                form.add_error(None, e.message)
                status = refusal_status(e)
            else:
                run_id = run.pk
                transaction.on_commit(lambda: jobs.execute_padan_run.enqueue(run_id))
                return redirect("quality:padan_detail", padan_run_id=run_id)
    return render(request, "quality/padan_list.html", {"runs": runs, "form": form}, status=status)


@login_required
@require_GET
def padan_detail(request: HttpRequest, padan_run_id: int) -> HttpResponse:
    run = selectors.padan_get(user=actor(request), run_id=padan_run_id)
    return render(request, "quality/padan_detail.html", {"run": run})


@login_required
@require_GET
def padan_status(request: HttpRequest, padan_run_id: int) -> HttpResponse:
    run = selectors.padan_get(user=actor(request), run_id=padan_run_id)
    if request.htmx and not run.in_progress:  # type: ignore[attr-defined]
        return HttpResponseClientRefresh()
    return render(
        request, "quality/_status.html", {"run": run, "status_url": "quality:padan_status", "kind": "padan"}
    )


ROUTES: list[URLPattern] = [
    path("kualitas/", dashboard, name="dashboard"),
    path("kualitas/temuan/", finding_list, name="finding_list"),
    path("kualitas/temuan/ekspor/", finding_export, name="finding_export"),
    path("kualitas/temuan/<int:finding_id>/", finding_detail, name="finding_detail"),
    path("kualitas/temuan/<int:finding_id>/putuskan/", finding_decide, name="finding_decide"),
    path("kualitas/temuan/<int:finding_id>/pengecualian/", override_request, name="override_request"),
    path("kualitas/pengecualian/<int:override_id>/putuskan/", override_decide, name="override_decide"),
    path("kualitas/pemeriksaan/", run_list, name="run_list"),
    path("kualitas/pemeriksaan/<int:check_run_id>/", run_detail, name="run_detail"),
    path("kualitas/pemeriksaan/<int:check_run_id>/status/", run_status, name="run_status"),
    path("kualitas/padan/", padan_list, name="padan_list"),
    path("kualitas/padan/<int:padan_run_id>/", padan_detail, name="padan_detail"),
    path("kualitas/padan/<int:padan_run_id>/status/", padan_status, name="padan_status"),
]
