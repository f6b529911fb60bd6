"""Pages: the queue of voluntary withdrawals in the user's scope, and one withdrawal with the step
it waits for (confirmation with the statement date, verification, rejection)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, can
from sejahtera.common.errors import DomainError

from .. import selectors, services
from ..forms import RejectForm, WithdrawalConfirmForm, WithdrawalFilterForm
from ..models import Withdrawal
from ._edge import actor, refusal_status

WS = Withdrawal.Status


@login_required
@require_GET
def withdrawal_queue(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    form = WithdrawalFilterForm(request.GET)
    status = form.cleaned_data.get("status", "") if form.is_valid() else ""
    qs = selectors.withdrawal_list(user=user, status=status).order_by("-id")
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "programs/withdrawal_queue.html", {"form": form, "page": page})


def _context(request: HttpRequest, w: Withdrawal, **forms_: Any) -> dict[str, Any]:
    user = actor(request)
    may = can(user, Action.ENROLLMENT_EXIT)
    is_open = w.status in (WS.REQUESTED, WS.CONFIRMED)
    return {
        "w": w,
        "can_confirm": may and w.status == WS.REQUESTED and w.requested_by_id != user.pk,
        "can_verify": may and w.status == WS.CONFIRMED and w.confirmed_by_id != user.pk,
        "can_reject": may and is_open,
        "waits_for_other": may
        and is_open
        and user.pk in (w.requested_by_id if w.status == WS.REQUESTED else w.confirmed_by_id,),
        "confirm_form": forms_.get("confirm_form") or WithdrawalConfirmForm(),
        "reject_form": forms_.get("reject_form") or RejectForm(),
        "error": forms_.get("error", ""),
    }


@login_required
@require_GET
def withdrawal_detail(request: HttpRequest, withdrawal_id: int) -> HttpResponse:
    w = selectors.withdrawal_get(user=actor(request), withdrawal_id=withdrawal_id)
    return render(request, "programs/withdrawal_detail.html", _context(request, w))


def _step(
    request: HttpRequest,
    withdrawal_id: int,
    form: Any,
    form_name: str,
    act: Callable[[User, dict[str, Any]], Withdrawal],
    done: str,
) -> HttpResponse:
    user = actor(request)
    w = selectors.withdrawal_get(user=user, withdrawal_id=withdrawal_id)
    error, status = "", 400
    if form is None or form.is_valid():
        try:
            act(user, form.cleaned_data if form is not None else {})
        except DomainError as e:
            error, status = e.message, refusal_status(e)
        else:
            messages.success(request, done)
            return redirect("programs:withdrawal_detail", withdrawal_id=w.pk)
    w.refresh_from_db()
    kw = {form_name: form} if form is not None else {}
    return render(
        request, "programs/withdrawal_detail.html", _context(request, w, error=error, **kw), status=status
    )


@login_required
@require_POST
def withdrawal_confirm(request: HttpRequest, withdrawal_id: int) -> HttpResponse:
    return _step(
        request,
        withdrawal_id,
        WithdrawalConfirmForm(request.POST),
        "confirm_form",
        lambda user, d: services.withdrawal_confirm(
            actor=user, withdrawal_id=withdrawal_id, statement_date=d["statement_date"]
        ),
        gettext("Pengunduran diri dikonfirmasi; menunggu verifikasi."),
    )


@login_required
@require_POST
def withdrawal_verify(request: HttpRequest, withdrawal_id: int) -> HttpResponse:
    return _step(
        request,
        withdrawal_id,
        None,
        "",
        lambda user, d: services.withdrawal_verify(actor=user, withdrawal_id=withdrawal_id),
        gettext("Pengunduran diri diverifikasi; kepesertaan keluarga berakhir."),
    )


@login_required
@require_POST
def withdrawal_reject(request: HttpRequest, withdrawal_id: int) -> HttpResponse:
    return _step(
        request,
        withdrawal_id,
        RejectForm(request.POST),
        "reject_form",
        lambda user, d: services.withdrawal_reject(
            actor=user, withdrawal_id=withdrawal_id, reason=d["reason"]
        ),
        gettext("Pengunduran diri ditolak; kepesertaan tetap aktif."),
    )


ROUTES: list[URLPattern] = [
    path("programs/pengunduran/", withdrawal_queue, name="withdrawal_queue"),
    path("programs/pengunduran/<int:withdrawal_id>/", withdrawal_detail, name="withdrawal_detail"),
    path(
        "programs/pengunduran/<int:withdrawal_id>/konfirmasi/", withdrawal_confirm, name="withdrawal_confirm"
    ),
    path("programs/pengunduran/<int:withdrawal_id>/verifikasi/", withdrawal_verify, name="withdrawal_verify"),
    path("programs/pengunduran/<int:withdrawal_id>/tolak/", withdrawal_reject, name="withdrawal_reject"),
]
