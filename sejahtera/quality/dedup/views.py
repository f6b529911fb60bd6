"""Pages: the duplicate pairs in the user's scope (filter by kind, status, probability band and
region; sort; page; CSV/XLSX export), one pair with both records side by side and the comparison
levels, its confirmation (merge) or dismissal, the runs, and a run started from the web with its
live status (a django-tasks job runs it; htmx polls it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, can, ensure_can
from sejahtera.accounts.scoping import in_jurisdiction
from sejahtera.common.errors import DomainError
from sejahtera.common.views import stamp
from sejahtera.programs.views._edge import export_format, refusal_status, table_response

from . import jobs, selectors, services
from .forms import ConfirmForm, DismissForm, PairFilterForm, RunForm
from .models import DuplicatePair

RUNS_LISTED = 20


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def _headers(current: str) -> list[dict[str, str]]:
    cols = [
        (gettext("No."), "id"),
        (gettext("Jenis"), ""),
        (gettext("Rekaman A"), "region"),
        (gettext("Rekaman B"), ""),
        (gettext("Probabilitas"), "probability"),
        (gettext("Status"), ""),
        (gettext("Ditemukan"), "found"),
    ]
    out = []
    for label, key in cols:
        state = {key: "ascending", f"-{key}": "descending"}.get(current, "") if key else ""
        out.append({"label": label, "key": f"-{key}" if state == "ascending" else key, "state": state})
    return out


def _filtered(user: User, form: PairFilterForm) -> QuerySet[DuplicatePair]:
    if not form.is_valid():
        return selectors.pair_list(user=user).none()
    raw = form.cleaned_data.get("region") or ""
    region = raw if raw and in_jurisdiction(user, raw) else ""
    return selectors.pair_list(user=user, f=form.to_filter(region)).order_by(*form.ordering())


def _form(request: HttpRequest) -> PairFilterForm:
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = DuplicatePair.Status.PENDING
    return PairFilterForm(data)


@login_required
@require_GET
def pair_list(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    form = _form(request)
    page = Paginator(_filtered(user, form), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dedup/pair_list.html",
        {
            "form": form,
            "page": page,
            "headers": _headers(form.sort_key()),
            "runs": list(selectors.run_list(user=user)[:1]),
            "can_run": can(user, Action.DEDUP_RUN),
        },
    )


PAIR_HEADER = (
    "pair_id",
    "kind",
    "key_a",
    "key_b",
    "village_a",
    "village_b",
    "probability",
    "status",
    "found_at",
    "reviewed_at",
    "reason",
)


def pair_rows(qs: QuerySet[DuplicatePair]) -> Iterator[tuple[Any, ...]]:
    fields = ("id", "kind", "key_a", "key_b", "village_a", "village_b", "probability", "status")
    for row in qs.values_list(*fields, "found_at", "reviewed_at", "reason").iterator(chunk_size=2000):
        *head, found, reviewed, reason = row
        yield (*head, found.isoformat(), reviewed.isoformat() if reviewed else "", reason)


@login_required
@require_GET
def pair_export(request: HttpRequest) -> HttpResponseBase:
    """The pairs as filtered on the page, every row (NIK/KK as the registry export shows them: only
    to a role allowed to export the registry)."""
    user = _actor(request)
    ensure_can(user, Action.REGISTRY_EXPORT)
    fmt = export_format(request)
    form = _form(request)
    if not form.is_valid():
        raise DomainError(gettext("Saringan tidak sah; perbaiki di halaman daftar."))
    return table_response(
        fmt,
        filename=f"data-ganda-{user.jurisdiction_code or 'nasional'}-{stamp()}",
        sheet=gettext("Data ganda"),
        header=PAIR_HEADER,
        rows=pair_rows(_filtered(user, form)),
    )


def _choices(records: selectors.PairRecords) -> list[tuple[int, str]]:
    out = []
    for label, r in (("A", records.a), ("B", records.b)):
        if r is not None:
            out.append((int(r.pk), f"{label}: {r}"))
    return out


def _detail_context(request: HttpRequest, pair: DuplicatePair, **forms_: Any) -> dict[str, Any]:
    user = _actor(request)
    records = selectors.pair_records(pair=pair)
    pending = pair.status == DuplicatePair.Status.PENDING
    levels = (pair.details or {}).get("levels", {})
    unmatched: list[Any] = []
    if pair.kind == "HOUSEHOLD" and pending and records.a is not None and records.b is not None:
        survivor_id = selectors.default_survivor(records)
        survivor, duplicate = (
            (records.a, records.b) if survivor_id == records.a.pk else (records.b, records.a)
        )
        unmatched = services.unmatched_members(duplicate=duplicate, survivor=survivor)
    merge = getattr(pair, "merge", None) if pair.status == DuplicatePair.Status.CONFIRMED else None
    return {
        "pair": pair,
        "records": records,
        "levels": sorted(levels.items()),
        "match_weight": (pair.details or {}).get("match_weight"),
        "can_decide": pending and can(user, Action.DEDUP_DECIDE),
        "confirm_form": forms_.get("confirm_form")
        or ConfirmForm(choices=_choices(records), initial={"survivor": selectors.default_survivor(records)}),
        "dismiss_form": forms_.get("dismiss_form") or DismissForm(),
        "error": forms_.get("error", ""),
        "unmatched": unmatched,
        "merge": merge,
    }


@login_required
@require_GET
def pair_detail(request: HttpRequest, pair_id: int) -> HttpResponse:
    pair = selectors.pair_get(user=_actor(request), pair_id=pair_id)
    return render(request, "dedup/pair_detail.html", _detail_context(request, pair))


@login_required
@require_POST
def pair_confirm(request: HttpRequest, pair_id: int) -> HttpResponse:
    user = _actor(request)
    pair = selectors.pair_get(user=user, pair_id=pair_id)
    form = ConfirmForm(request.POST, choices=_choices(selectors.pair_records(pair=pair)))
    error, status = "", 400
    if form.is_valid():
        try:
            services.pair_confirm(
                actor=user,
                pair_id=pair.pk,
                survivor_id=form.cleaned_data["survivor"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as e:
            error, status = e.message, refusal_status(e)
        else:
            messages.success(request, gettext("Pasangan dikonfirmasi ganda; rekaman digabung."))
            return redirect("dedup:pair_detail", pair_id=pair.pk)
    pair.refresh_from_db()
    context = _detail_context(request, pair, confirm_form=form, error=error)
    return render(request, "dedup/pair_detail.html", context, status=status)


@login_required
@require_POST
def pair_dismiss(request: HttpRequest, pair_id: int) -> HttpResponse:
    user = _actor(request)
    pair = selectors.pair_get(user=user, pair_id=pair_id)
    form = DismissForm(request.POST)
    error, status = "", 400
    if form.is_valid():
        try:
            services.pair_dismiss(actor=user, pair_id=pair.pk, reason=form.cleaned_data["reason"])
        except DomainError as e:
            error, status = e.message, refusal_status(e)
        else:
            messages.success(request, gettext("Pasangan ditandai bukan ganda; tidak akan diusulkan lagi."))
            return redirect("dedup:pair_detail", pair_id=pair.pk)
    pair.refresh_from_db()
    context = _detail_context(request, pair, dismiss_form=form, error=error)
    return render(request, "dedup/pair_detail.html", context, status=status)


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    return render(
        request,
        "dedup/run_list.html",
        {
            "runs": list(selectors.run_list(user=user)[:RUNS_LISTED]),
            "can_run": can(user, Action.DEDUP_RUN),
            "form": RunForm(),
            "threshold": settings.DEDUP_THRESHOLD,
        },
    )


@login_required
@require_POST
def run_new(request: HttpRequest) -> HttpResponse:
    """Start a run from the web: checked at once, executed by the worker."""
    user = _actor(request)
    ensure_can(user, Action.DEDUP_RUN)
    form = RunForm(request.POST)
    if form.is_valid():
        try:
            run = services.run_start(
                actor=user, kind=form.cleaned_data["kind"] or "", retrain=form.cleaned_data["retrain"]
            )
        except DomainError as e:
            messages.error(request, e.message)
            refusal_status(e)
            return redirect("dedup:run_list")
        run_id = run.pk
        transaction.on_commit(lambda: jobs.execute_run.enqueue(run_id))
        return redirect("dedup:run_detail", dedup_run_id=run_id)
    return redirect("dedup:run_list")


@login_required
@require_GET
def run_detail(request: HttpRequest, dedup_run_id: int) -> HttpResponse:
    run = selectors.run_get(user=_actor(request), run_id=dedup_run_id)
    return render(request, "dedup/run_detail.html", {"run": run, "in_progress": run.in_progress})


@login_required
@require_GET
def run_status(request: HttpRequest, dedup_run_id: int) -> HttpResponse:
    run = selectors.run_get(user=_actor(request), run_id=dedup_run_id)
    if request.htmx and not run.in_progress:  # type: ignore[attr-defined]
        return HttpResponseClientRefresh()
    return render(request, "dedup/_run_status.html", {"run": run, "in_progress": run.in_progress})


ROUTES: list[URLPattern] = [
    path("kualitas/ganda/", pair_list, name="pair_list"),
    path("kualitas/ganda/ekspor/", pair_export, name="pair_export"),
    path("kualitas/ganda/<int:pair_id>/", pair_detail, name="pair_detail"),
    path("kualitas/ganda/<int:pair_id>/konfirmasi/", pair_confirm, name="pair_confirm"),
    path("kualitas/ganda/<int:pair_id>/bukan-ganda/", pair_dismiss, name="pair_dismiss"),
    path("kualitas/ganda/run/", run_list, name="run_list"),
    path("kualitas/ganda/run/baru/", run_new, name="run_new"),
    path("kualitas/ganda/run/<int:dedup_run_id>/", run_detail, name="run_detail"),
    path("kualitas/ganda/run/<int:dedup_run_id>/status/", run_status, name="run_status"),
]
