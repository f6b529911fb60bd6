"""Pages: quotas per program, year and region (list for every program role; set or replace one, and
upload a CSV/XLSX of them, for the program manager: a file with a bad row changes nothing and each
bad row is named)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from sejahtera.accounts.permissions import Action, can, ensure_can
from sejahtera.common.errors import DomainError

from .. import selectors, services
from ..forms import QuotaForm, QuotaUploadForm
from ..models import Program
from ._edge import actor, refusal_status

ERRORS_SHOWN = 200


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    user = actor(request)
    code = request.GET.get("program", "")
    program = Program.objects.filter(code=code).first() if code else None
    year = request.GET.get("year", "")
    qs = selectors.quota_list(user=user, program=program, year=int(year) if year.isdigit() else None)
    return {
        "page": Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page")),
        "programs": Program.objects.all(),
        "program": program,
        "year": year,
        "can_manage": can(user, Action.PROGRAM_MANAGE),
        "form": extra.get("form") or QuotaForm(initial={"program": code} if program else None),
        "upload_form": extra.get("upload_form") or QuotaUploadForm(),
        "row_errors": extra.get("row_errors", [])[:ERRORS_SHOWN],
        "row_error_count": len(extra.get("row_errors", [])),
        "error": extra.get("error", ""),
    }


@login_required
@require_http_methods(["GET", "POST"])
def quota_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    if request.method != "POST":
        return render(request, "programs/quota_list.html", _context(request))
    ensure_can(user, Action.PROGRAM_MANAGE)
    form = QuotaForm(request.POST)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.quota_set(
                actor=user,
                program_code=d["program"].code,
                year=d["year"],
                region_code=d["region_code"],
                households=d["households"],
                legal_source=d["legal_source"],
            )
        except DomainError as e:
            form.add_error(None, e.message)
            status = refusal_status(e)
        else:
            messages.success(
                request,
                gettext("Kuota %(p)s %(y)s wilayah %(r)s disimpan.")
                % {"p": d["program"].code, "y": d["year"], "r": d["region_code"]},
            )
            return redirect(f"{request.path}?program={d['program'].code}&year={d['year']}")
    return render(request, "programs/quota_list.html", _context(request, form=form), status=status)


@login_required
@require_POST
def quota_upload(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    ensure_can(user, Action.PROGRAM_MANAGE)
    form = QuotaUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "programs/quota_list.html", _context(request, upload_form=form), status=400)
    upload = form.cleaned_data["file"]
    suffix = Path(upload.name or "").suffix.lower()
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / f"kuota{suffix}"
        with dest.open("wb") as fh:
            for chunk in upload.chunks():
                fh.write(chunk)
        try:
            applied = services.quota_load(actor=user, path=dest, label=upload.name or dest.name)
        except services.QuotaUploadRejected as e:
            context = _context(request, upload_form=form, row_errors=e.errors, error=e.message)
            return render(request, "programs/quota_list.html", context, status=400)
        except DomainError as e:
            return render(
                request,
                "programs/quota_list.html",
                _context(request, upload_form=form, error=e.message),
                status=refusal_status(e),
            )
    messages.success(request, gettext("%(n)d kuota dari berkas disimpan.") % {"n": applied})
    return redirect("programs:quota_list")


ROUTES: list[URLPattern] = [
    path("programs/kuota/", quota_list, name="quota_list"),
    path("programs/kuota/unggah/", quota_upload, name="quota_upload"),
]
