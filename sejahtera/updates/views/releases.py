"""Pages: releases (penetapan). The list with the build form, a release with its diff per region,
the diff's export, publication and discarding of a draft.

A build is started by services.release_start (which refuses a bad request at once) and run by the
`build_release` job; the release page polls its phase and progress while it builds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, can, ensure_can
from sejahtera.common.errors import DomainError
from sejahtera.common.views import stamp
from sejahtera.regions.selectors import region_names

from .. import exports, jobs, selectors, services
from ..models import Release, ReleaseChange
from ._edge import actor, export_format, refusal_status, region_param, region_up

RELEASES_PER_PAGE = 20
CHANGES_PER_PAGE = 50


class BuildForm(forms.Form):
    period = forms.RegexField(
        label=_("Periode"),
        regex=r"^\d{4}-\d{2}$",
        max_length=7,
        help_text=_("YYYY-MM; sejak DTSEN per triwulan: bulan 01, 04, 07 atau 10."),
        error_messages={"invalid": _("Periode harus berbentuk YYYY-MM, mis. 2026-04.")},
    )
    cutoff = forms.DateTimeField(
        label=_("Batas waktu (cut-off)"),
        required=False,
        help_text=_("Kosongkan untuk saat ini. Usulan yang disahkan sampai batas ini diterapkan."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class PublishForm(forms.Form):
    decree_number = forms.CharField(label=_("Nomor Keputusan Menteri"), max_length=80, strip=True)


class DiscardForm(forms.Form):
    reason = forms.CharField(label=_("Alasan pembatalan"), max_length=500, strip=True, widget=forms.Textarea)


# --- the list and the build form ----------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def release_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    releases = selectors.release_list(user=user)
    form = BuildForm()
    status = 200
    if request.method == "POST":
        ensure_can(user, Action.RELEASE_BUILD)
        form = BuildForm(request.POST)
        if form.is_valid():
            try:
                release = services.release_start(
                    actor=user, period=form.cleaned_data["period"], cutoff=form.cleaned_data["cutoff"]
                )
            except DomainError as e:
                form.add_error(None, e.message)
                status = refusal_status(e)
            else:
                number = release.number
                # The worker must find the release row committed.
                transaction.on_commit(lambda: jobs.build_release.enqueue(number))
                return redirect("updates:release_detail", number=number)
        else:
            status = 400
    page = Paginator(releases, RELEASES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "updates/release_list.html",
        {
            "page": page,
            "form": form,
            "can_build": can(user, Action.RELEASE_BUILD),
            "building": releases.filter(status=Release.Status.BUILDING).first(),
        },
        status=status,
    )


# --- one release ------------------------------------------------------------------------------------
TIMING_LABELS = {
    "apply_proposals": _("Menerapkan usulan yang disahkan"),
    "snapshot_households": _("Potret keluarga"),
    "snapshot_persons": _("Potret anggota"),
    "hooks": _("Pemeringkatan"),
    "diff": _("Perbandingan dengan rilis sebelumnya"),
}


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    added: int
    removed: int
    changed: int
    drill: bool  # a level below it to open


@dataclass(frozen=True)
class DiffFilter:
    region: str  # '' = the user's whole jurisdiction
    change: str
    after: int  # keyset cursor: the last id of the previous page


def _diff_filter(user: User, params: QueryDict) -> DiffFilter:
    change = params.get("change", "")
    after = params.get("after", "")
    return DiffFilter(
        region=region_param(user, params.get("region")),
        change=change if change in ReleaseChange.Change.values else "",
        after=int(after) if after.isdigit() else 0,
    )


def _region_rows(user: User, release: Release, region: str) -> list[RegionRow]:
    counts = selectors.release_region_counts(user=user, release=release, region=region)
    names = region_names([c.code for c in counts])
    return [
        RegionRow(c.code, names.get(c.code, ""), c.added, c.removed, c.changed, len(c.code) < 10)
        for c in counts
    ]


def _detail_context(request: HttpRequest, release: Release, **forms_: Any) -> dict[str, Any]:
    user = actor(request)
    f = _diff_filter(user, request.GET)
    context: dict[str, Any] = {
        "release": release,
        "filter": f,
        "change_choices": ReleaseChange.Change.choices,
        "publish_form": forms_.get("publish_form") or PublishForm(),
        "discard_form": forms_.get("discard_form") or DiscardForm(),
        "error": forms_.get("error", ""),
    }
    if release.status == Release.Status.BUILDING:
        return context
    changes = selectors.release_changes(user=user, release=release, region=f.region, change=f.change)
    rows = list(changes.filter(id__gt=f.after)[: CHANGES_PER_PAGE + 1])
    is_draft = release.status == Release.Status.DRAFT
    context.update(
        regions=_region_rows(user, release, f.region),
        region_name=region_names([f.region]).get(f.region, "") if f.region else "",
        region_up=region_up(user, f.region),
        changes=rows[:CHANGES_PER_PAGE],
        next_after=rows[CHANGES_PER_PAGE - 1].pk if len(rows) > CHANGES_PER_PAGE else None,
        timings=[(TIMING_LABELS.get(k, k), v) for k, v in (release.timings or {}).items()],
        can_publish=is_draft and can(user, Action.RELEASE_PUBLISH),
        can_discard=is_draft and can(user, Action.RELEASE_BUILD),
        built_by_me=release.built_by_id == user.pk,
    )
    return context


@login_required
@require_GET
def release_detail(request: HttpRequest, number: int) -> HttpResponse:
    release = selectors.release_get(user=actor(request), number=number)
    return render(request, "updates/release_detail.html", _detail_context(request, release))


@login_required
@require_GET
def release_status(request: HttpRequest, number: int) -> HttpResponse:
    """The status block of a release being built; htmx polls it every second. When the build ends
    the page reloads to show the counts and the diff."""
    release = selectors.release_get(user=actor(request), number=number)
    if request.htmx and release.status != Release.Status.BUILDING:  # type: ignore[attr-defined]
        return HttpResponseClientRefresh()
    return render(request, "updates/_release_status.html", {"release": release})


@login_required
@require_GET
def release_export(request: HttpRequest, number: int) -> HttpResponseBase:
    """The diff as filtered on the page (change type, region), every row, CSV or XLSX."""
    user = actor(request)
    fmt = export_format(request)
    release = selectors.release_get(user=user, number=number)
    f = _diff_filter(user, request.GET)
    changes = selectors.release_changes(user=user, release=release, region=f.region, change=f.change)
    return exports.table_response(
        fmt,
        filename=f"rilis-{release.number}-selisih-{f.region or user.jurisdiction_code or 'nasional'}-{stamp()}",
        sheet=gettext("Selisih"),
        header=exports.RELEASE_CHANGE_HEADER,
        rows=exports.release_change_rows(changes),
    )


def _draft_decision(
    request: HttpRequest,
    number: int,
    form: forms.Form,
    form_name: str,
    decide: Callable[[User, dict[str, Any]], Release],
    done: str,
) -> HttpResponse:
    """Publish or discard a draft: the form, the service, the page again with its refusal."""
    user = actor(request)
    release = selectors.release_get(user=user, number=number)
    error, status = "", 400
    if form.is_valid():
        try:
            decide(user, form.cleaned_data)
        except DomainError as e:
            error, status = e.message, refusal_status(e)
        else:
            messages.success(request, done % {"n": number})
            return redirect("updates:release_detail", number=number)
    context = _detail_context(request, release, **{form_name: form}, error=error)
    return render(request, "updates/release_detail.html", context, status=status)


@login_required
@require_POST
def release_publish(request: HttpRequest, number: int) -> HttpResponse:
    return _draft_decision(
        request,
        number,
        PublishForm(request.POST),
        "publish_form",
        lambda user, data: services.release_publish(
            actor=user, number=number, decree_number=data["decree_number"]
        ),
        gettext("Rilis %(n)s ditetapkan."),
    )


@login_required
@require_POST
def release_discard(request: HttpRequest, number: int) -> HttpResponse:
    return _draft_decision(
        request,
        number,
        DiscardForm(request.POST),
        "discard_form",
        lambda user, data: services.release_discard(actor=user, number=number, reason=data["reason"]),
        gettext("Rilis %(n)s dibatalkan."),
    )


ROUTES: list[URLPattern] = [
    path("rilis/", release_list, name="release_list"),
    path("rilis/<int:number>/", release_detail, name="release_detail"),
    path("rilis/<int:number>/status/", release_status, name="release_status"),
    path("rilis/<int:number>/ekspor/", release_export, name="release_export"),
    path("rilis/<int:number>/tetapkan/", release_publish, name="release_publish"),
    path("rilis/<int:number>/batalkan/", release_discard, name="release_discard"),
]
