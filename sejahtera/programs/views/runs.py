"""Pages: programs (each with the parameter set in force and its source), a program's detail
(parameters, quotas, runs, ACTIVE enrolment per region in the user's scope), the run form and a
run with its live status (a django-tasks job runs it; htmx polls its phase)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRefresh

from sejahtera.accounts.permissions import Action, can, ensure_can
from sejahtera.common.errors import DomainError
from sejahtera.regions.selectors import region_names

from .. import jobs, selectors, services
from ..forms import RunForm
from ..models import ExitReason, Program, ProgramParameter, ProgramRun
from ..parameters import short_source
from ._edge import actor, refusal_status, rupiah

RUNS_LISTED = 20
PER = {"tahap": _("per tahap"), "month": _("per bulan")}
TIMING_LABELS = {
    "exit_not_in_release": _("Keluar: tidak ada dalam rilis"),
    "exit_deceased": _("Keluar: tanpa anggota yang dihitung"),
    "exit_not_eligible": _("Keluar: tidak memenuhi syarat"),
    "follow_moves": _("Wilayah keluarga yang pindah"),
    "enrol": _("Kepesertaan dalam kuota"),
    "entitlements": _("Hak bantuan"),
    "entitlement_lines": _("Rincian komponen"),
}


@dataclass(frozen=True)
class ComponentRow:
    code: str
    label: str
    rule: str
    amount: str
    per: str
    max_count: str


@dataclass(frozen=True)
class ParameterView:
    row: ProgramParameter
    source: str
    max_decile: int
    min_components: int
    exclude: str
    family_cap: str
    schedule: str
    components: list[ComponentRow]
    extras: list[tuple[str, str, str]]  # month, label, amount


def parameter_view(row: ProgramParameter) -> ParameterView:
    p: dict[str, Any] = row.params
    return ParameterView(
        row=row,
        source=short_source(row.legal_source),
        max_decile=int(p.get("max_decile", 0)),
        min_components=int(p.get("min_components", 0)),
        exclude=", ".join(p.get("exclude_programs") or []) or "—",
        family_cap="—" if p.get("family_cap") is None else str(p["family_cap"]),
        schedule=", ".join(
            gettext("tahap %(t)s: bulan %(m)02d (%(n)s bulan)")
            % {"t": d["tahap"], "m": d["month"], "n": d["months"]}
            for d in p.get("disbursements") or []
        ),
        components=[
            ComponentRow(
                code=c["code"],
                label=c.get("label", c["code"]),
                rule=c["rule"],
                amount=rupiah(int(c["amount"])),
                per=str(PER.get(c.get("per", "tahap"), c.get("per", ""))),
                max_count="—" if c.get("max_count") is None else str(c["max_count"]),
            )
            for c in p.get("components") or []
        ],
        extras=[
            (f"{int(e['month']):02d}", e.get("label", e["code"]), rupiah(int(e["amount"])))
            for e in p.get("extras") or []
        ],
    )


@dataclass(frozen=True)
class ProgramRow:
    program: Program
    parameter: ProgramParameter | None
    source: str


@login_required
@require_GET
def program_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    rows = [
        ProgramRow(p.program, p.parameter, short_source(p.parameter.legal_source) if p.parameter else "")
        for p in selectors.program_list(user=user)
    ]
    return render(
        request,
        "programs/program_list.html",
        {"rows": rows, "today": timezone.localdate(), "can_manage": can(user, Action.PROGRAM_MANAGE)},
    )


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    active: int


def _detail_context(request: HttpRequest, program: Program, form: RunForm | None = None) -> dict[str, Any]:
    user = actor(request)
    today = timezone.localdate()
    in_force = next(
        (p.parameter for p in selectors.program_list(user=user, day=today) if p.program == program), None
    )
    counts = selectors.active_by_region(user=user, program=program)
    names = region_names([c.code for c in counts])
    return {
        "program": program,
        "parameter": parameter_view(in_force) if in_force else None,
        "history": [(p, short_source(p.legal_source)) for p in selectors.parameter_history(program=program)],
        "quotas": selectors.quota_list(user=user, program=program)[:200],
        "runs": list(selectors.run_list(user=user, program=program)[:RUNS_LISTED]),
        "regions": [RegionRow(c.code, names.get(c.code, ""), c.active) for c in counts],
        "active_total": sum(c.active for c in counts),
        "can_manage": can(user, Action.PROGRAM_MANAGE),
        "form": form or RunForm(initial={"period": today.strftime("%Y-%m")}),
        "today": today,
    }


@login_required
@require_GET
def program_detail(request: HttpRequest, program: str) -> HttpResponse:
    prog = selectors.program_get(user=actor(request), code=program)
    return render(request, "programs/program_detail.html", _detail_context(request, prog))


@login_required
@require_http_methods(["POST"])
def run_new(request: HttpRequest, program: str) -> HttpResponse:
    """Start a run: the checks answer at once; the run itself is a background job."""
    user = actor(request)
    prog = selectors.program_get(user=user, code=program)
    ensure_can(user, Action.PROGRAM_MANAGE)
    form = RunForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            run = services.run_start(
                actor=user,
                program_code=prog.code,
                period=form.cleaned_data["period"],
                release_number=form.cleaned_data["release_number"],
            )
        except DomainError as e:
            form.add_error(None, e.message)
            status = refusal_status(e)
        else:
            run_id = run.pk
            # The worker must find the run committed.
            transaction.on_commit(lambda: jobs.execute_run.enqueue(run_id))
            return redirect("programs:run_detail", run_id=run_id)
    return render(
        request, "programs/program_detail.html", _detail_context(request, prog, form), status=status
    )


@dataclass(frozen=True)
class ExitRow:
    reason: str
    label: str
    count: int


def _run_context(request: HttpRequest, run: ProgramRun) -> dict[str, Any]:
    user = actor(request)
    national = selectors.is_national(user)
    counts = selectors.run_counts(user=user, run=run)
    labels = dict(ExitReason.choices)
    return {
        "run": run,
        "national": national,
        "enrolled": run.enrolled if national else counts.enrolled,
        "exited": run.exited if national else sum(counts.exited.values()),
        "entitlements": run.entitlements if national else counts.entitlements,
        "amount": rupiah(run.amount if national else counts.amount),
        "exits": [ExitRow(k, str(labels.get(k, k)), v) for k, v in sorted(counts.exited.items())],
        "timings": [(TIMING_LABELS.get(k, k), v) for k, v in (run.timings or {}).items()],
        "in_progress": run.status in (ProgramRun.Status.QUEUED, ProgramRun.Status.RUNNING),
        "duration": _duration(run),
    }


def _duration(run: ProgramRun) -> str:
    if run.finished_at is None:
        return ""
    seconds = (run.finished_at - run.started_at) / dt.timedelta(seconds=1)
    return f"{seconds:.1f}"


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.run_get(user=actor(request), run_id=run_id)
    return render(request, "programs/run_detail.html", _run_context(request, run))


@login_required
@require_GET
def run_status(request: HttpRequest, run_id: int) -> HttpResponse:
    """The status block of a run in progress; htmx polls it every second and reloads the page when
    the run ends."""
    run = selectors.run_get(user=actor(request), run_id=run_id)
    in_progress = run.status in (ProgramRun.Status.QUEUED, ProgramRun.Status.RUNNING)
    if request.htmx and not in_progress:  # type: ignore[attr-defined]
        return HttpResponseClientRefresh()
    return render(request, "programs/_run_status.html", {"run": run, "in_progress": in_progress})


ROUTES: list[URLPattern] = [
    path("programs/", program_list, name="program_list"),
    path("programs/runs/<int:run_id>/", run_detail, name="run_detail"),
    path("programs/runs/<int:run_id>/status/", run_status, name="run_status"),
    # After the fixed prefixes (kuota/, peserta/, …) of the other modules: see urls.py.
    path("programs/<str:program>/", program_detail, name="program_detail"),
    path("programs/<str:program>/jalankan/", run_new, name="run_new"),
]
