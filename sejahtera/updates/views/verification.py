"""Pages: field verification (verivali). The verifier's queue on a phone, taking a task, the visit's
result with photos and GPS coordinates, and the scoped photo view.

Photos live outside the web root (settings.PRIVATE_MEDIA_ROOT) and are only ever sent by
`verification_photo`, to signed-in staff whose jurisdiction holds the village (selectors.photo_get).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.common.errors import DomainError

from .. import selectors, services
from ..forms import VerificationForm, correction_form
from ..models import VerificationTask
from ._edge import actor, refusal_status
from .proposals import family_label, proposal_data, proposal_facts


# --- the queue -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueItem:
    task_id: int
    proposal_id: int
    round: int
    kind: str
    village: str
    family: str
    address: str
    due_at: dt.datetime
    overdue: bool
    mine: bool


def _item(task: VerificationTask, user: User, now: dt.datetime) -> QueueItem:
    p = task.proposal
    address = (
        p.household.address
        if p.household is not None
        else (p.payload or {}).get("household", {}).get("address", "")
    )
    return QueueItem(
        task_id=task.pk,
        proposal_id=p.pk,
        round=task.round,
        kind=p.get_kind_display(),
        village=task.village.name,
        family=family_label(p),
        address=address,
        due_at=p.due_at,
        overdue=p.due_at < now,
        mine=task.assigned_to_id == user.pk,
    )


@login_required
@require_GET
def verification_queue(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    mine_only = request.GET.get("saya") == "1"
    tasks = selectors.task_queue(user=user, mine_only=mine_only)
    page = Paginator(tasks, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "updates/verification_queue.html",
        {"page": page, "tasks": [_item(t, user, now) for t in page.object_list], "mine_only": mine_only},
    )


@login_required
@require_POST
def verification_claim(request: HttpRequest, task_id: int) -> HttpResponse:
    user = actor(request)
    task = selectors.task_get(user=user, task_id=task_id)
    try:
        services.task_claim(actor=user, task_id=task.pk)
    except DomainError as e:
        refusal_status(e)  # a refusal of role or place goes on to the middleware
        messages.error(request, e.message)
        return redirect("updates:verification_queue")
    messages.success(request, gettext("Tugas usulan #%(n)d Anda ambil.") % {"n": task.proposal_id})
    return redirect("updates:verification_task", task_id=task.pk)


# --- the visit -------------------------------------------------------------------------------------
def _photos(form: VerificationForm) -> list[services.Photo]:
    return [services.Photo(name=f.name or "foto", content=f.read()) for f in form.cleaned_data["photos"]]


@login_required
@require_http_methods(["GET", "POST"])
def verification_task(request: HttpRequest, task_id: int) -> HttpResponse:
    user = actor(request)
    task = selectors.task_get(user=user, task_id=task_id)
    ensure_can(user, Action.VERIFY)
    p = task.proposal
    data = request.POST if request.method == "POST" else None
    form = VerificationForm(data, request.FILES if data is not None else None)
    corrections = correction_form(p.kind, data)
    status = 200
    if request.method == "POST" and task.status == VerificationTask.Status.OPEN:
        status = 400
        if form.is_valid() and corrections.is_valid():
            entered = corrections.entered()
            try:
                services.verification_submit(
                    actor=user,
                    task_id=task.pk,
                    result=form.cleaned_data["result"],
                    latitude=form.cleaned_data["latitude"],
                    longitude=form.cleaned_data["longitude"],
                    visited_on=form.cleaned_data["visited_on"],
                    photos=_photos(form),
                    notes=form.cleaned_data["notes"],
                    corrections={corrections.part: entered} if entered else {},
                )
            except DomainError as e:
                form.add_error(None, e.message)
                status = refusal_status(e)  # a maker-checker refusal stays a 403, shown on the form
            else:
                done = selectors.proposal_get(user=user, proposal_id=p.pk)
                messages.success(
                    request,
                    gettext("Hasil verifikasi usulan #%(n)d tersimpan: %(status)s.")
                    % {"n": p.pk, "status": done.get_status_display()},
                )
                return redirect("updates:verification_queue")
    context: dict[str, Any] = {
        "task": task,
        "proposal": p,
        "facts": proposal_facts(p),
        "data": proposal_data(p),
        "form": form,
        "corrections": corrections,
        "is_open": task.status == VerificationTask.Status.OPEN,
        "taken_by_other": task.assigned_to_id not in (None, user.pk),
    }
    return render(request, "updates/verification_task.html", context, status=status)


# --- photos ----------------------------------------------------------------------------------------
@login_required
@require_GET
def verification_photo(request: HttpRequest, photo_id: int) -> FileResponse:
    photo = selectors.photo_get(user=actor(request), photo_id=photo_id)
    root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    file = (root / photo.path).resolve()
    if not file.is_relative_to(root) or not file.is_file():
        raise Http404(gettext("Berkas foto tidak ada."))
    response = FileResponse(
        file.open("rb"), content_type=photo.content_type, filename=f"foto-{photo.pk}{file.suffix}"
    )
    # A house photo is personal data: never kept by a shared browser cache or a proxy.
    response["Cache-Control"] = "private, no-store"
    return response


ROUTES: list[URLPattern] = [
    path("verifikasi/", verification_queue, name="verification_queue"),
    path("verifikasi/<int:task_id>/", verification_task, name="verification_task"),
    path("verifikasi/<int:task_id>/ambil/", verification_claim, name="verification_claim"),
    path("verifikasi/foto/<int:photo_id>/", verification_photo, name="verification_photo"),
]
