"""Pages: payment batches. The list (filter, sort, page, export) with the form that makes the batches
of a program and period; a batch with its approval, its sending and the channel's file, the upload
of a status file, and its payments (filter, page, export)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tasks import TaskResult, TaskResultStatus

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, can, ensure_can
from sejahtera.common.errors import DomainError
from sejahtera.common.views import stamp

from .. import jobs, selectors, services
from ..models import Channel, Payment, PaymentBatch
from ..services._base import ensure_gets_file, ensure_imports_status
from ._edge import actor, export_format, refusal_status, region_param, table_response

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# A web upload is read into memory; a larger status file goes through `sejahtera payments batches status`.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


# --- forms --------------------------------------------------------------------------------------------
class CreateBatchesForm(forms.Form):
    program = forms.ChoiceField(label=_("Program"))
    period = forms.CharField(
        label=_("Periode (tahap)"),
        max_length=7,
        help_text=_("TTTT-BB, bulan pertama tahap, mis. 2021-01."),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2021-01", "pattern": r"\d{4}-\d{2}"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        program = self.fields["program"]
        assert isinstance(program, forms.ChoiceField)
        program.choices = selectors.programs()

    def clean_period(self) -> str:
        value = self.cleaned_data["period"].strip()
        if not _PERIOD.match(value):
            raise ValidationError(gettext("Periode harus berbentuk TTTT-BB, mis. 2021-01."))
        return str(value)


class CancelForm(forms.Form):
    reason = forms.CharField(label=pgettext_lazy("payment batch", "Alasan pembatalan"), max_length=500)


class StatusUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas status dari penyalur"),
        help_text=_(
            "CSV UTF-8 dengan kolom reference, status (PAID, FAILED, RETURNED), reason (wajib untuk "
            "FAILED dan RETURNED) dan date (TTTT-BB-HH). Berkas yang sama hanya diterapkan sekali."
        ),
    )

    def clean_file(self) -> tuple[str, bytes]:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                gettext(
                    "Berkas lebih dari %(mb)d MB; impor lewat perintah `sejahtera payments batches status`."
                )
                % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload.name or "", upload.read()


# --- the list -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SortHeader:
    label: str
    key: str  # the sort a click applies ('' = not sortable)
    state: str  # aria-sort: ascending | descending | ''


_SORTS = {
    "number": "number",
    "period": "period",
    "program": "program__code",
    "channel": "channel",
    "status": "status",
    "payments": "payments",
    "total": "total_amount",
    "paid": "paid",
}
_COLUMNS: tuple[tuple[Any, str], ...] = (
    (_("No."), "number"),
    (_("Program"), "program"),
    (_("Periode"), "period"),
    (_("Penyalur"), "channel"),
    (_("Status"), "status"),
    (_("Pembayaran"), "payments"),
    (_("Total kontrol (Rp)"), "total"),
    (_("Tersalurkan"), "paid"),
    (_("Gagal/kembali"), ""),
)


@dataclass(frozen=True)
class BatchFilter:
    program: str
    period: str
    channel: str
    status: str
    sort: str

    def ordering(self) -> list[str]:
        key = self.sort.lstrip("-")
        field = _SORTS.get(key, "number")
        desc = self.sort.startswith("-") or not self.sort
        return [("-" if desc else "") + field, "-number"]


def _filter(params: Any) -> BatchFilter:
    program = (params.get("program") or "").strip().upper()
    period = (params.get("period") or "").strip()
    channel = params.get("channel", "")
    status = params.get("status", "")
    sort = params.get("sort", "")
    return BatchFilter(
        program=program if program.replace("_", "").isalnum() else "",
        period=period if _PERIOD.match(period) else "",
        channel=channel if channel in Channel.values else "",
        status=status if status in PaymentBatch.Status.values else "",
        sort=sort if sort.lstrip("-") in _SORTS else "",
    )


def _headers(current: str) -> list[SortHeader]:
    def header(label: Any, key: str) -> SortHeader:
        state = {key: "ascending", f"-{key}": "descending"}.get(current, "") if key else ""
        return SortHeader(str(label), f"-{key}" if state == "ascending" else key, state)

    return [header(label, key) for label, key in _COLUMNS]


def _batches(user: User, f: BatchFilter) -> QuerySet[PaymentBatch]:
    return selectors.batch_list(
        user=user, program=f.program, period=f.period, channel=f.channel, status=f.status
    ).order_by(*f.ordering())


@login_required
@require_http_methods(["GET", "POST"])
def batch_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    ensure_can(user, Action.PAYMENT_VIEW)
    can_manage = can(user, Action.PAYMENT_MANAGE)
    form = CreateBatchesForm(initial={"period": request.GET.get("period", "")}) if can_manage else None
    status = 200
    if request.method == "POST":
        ensure_can(user, Action.PAYMENT_MANAGE)
        form = CreateBatchesForm(request.POST)
        if form.is_valid():
            program, period = form.cleaned_data["program"], form.cleaned_data["period"]
            try:
                services.batches_check(actor=user, program_code=program, period=period)
            except DomainError as exc:
                status = refusal_status(exc)
                form.add_error(None, exc.message)
            else:
                return _queued(
                    request, jobs.create_batches.enqueue(program, period, user.pk), program, period
                )
        else:
            status = 400
    f = _filter(request.GET)
    page = Paginator(_batches(user, f), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/batch_list.html",
        {
            "page": page,
            "rows": [(b, (b.paid, b.failed + b.returned)) for b in page.object_list],
            "filter": f,
            "headers": _headers(f.sort),
            "form": form,
            "program_choices": selectors.programs(),
            "channel_choices": Channel.choices,
            "status_choices": PaymentBatch.Status.choices,
        },
        status=status,
    )


def _queued(request: HttpRequest, result: TaskResult[list[int]], program: str, period: str) -> HttpResponse:
    """The job's outcome when it already ran (an inline backend), else a note that it is queued."""
    listing = reverse("payments:batch_list") + f"?program={program}&period={period}"
    if result.status == TaskResultStatus.SUCCESSFUL:
        return _created(
            request, list(PaymentBatch.objects.filter(pk__in=result.return_value)), program, period
        )
    if result.status == TaskResultStatus.FAILED:
        messages.error(request, gettext("Pembuatan batch gagal; ulangi atau hubungi admin."))
        return redirect(listing)
    messages.info(
        request,
        gettext("Pembuatan batch %(program)s %(period)s diantrekan; muat ulang halaman ini sebentar lagi.")
        % {"program": program, "period": period},
    )
    return redirect(listing)


def _created(request: HttpRequest, made: list[PaymentBatch], program: str, period: str) -> HttpResponse:
    if not made:
        messages.info(
            request,
            gettext("Tidak ada hak %(program)s %(period)s yang belum masuk batch; tidak ada batch baru.")
            % {"program": program, "period": period},
        )
        return redirect(reverse("payments:batch_list") + f"?program={program}&period={period}")
    n = sum(b.payments for b in made)
    messages.success(
        request,
        ngettext(
            "%(batches)d batch dibuat: %(n)d pembayaran, menunggu persetujuan pengelola lain.",
            "%(batches)d batch dibuat: %(n)d pembayaran, menunggu persetujuan pengelola lain.",
            len(made),
        )
        % {"batches": len(made), "n": n},
    )
    if len(made) == 1:
        return redirect("payments:batch_detail", batch_id=made[0].pk)
    return redirect(reverse("payments:batch_list") + f"?program={program}&period={period}")


BATCH_HEADER = (
    "number",
    "program",
    "period",
    "tahap",
    "channel",
    "status",
    "payments",
    "total_amount",
    "reissues",
    "paid",
    "paid_amount",
    "failed",
    "failed_amount",
    "returned",
    "returned_amount",
    "created_by",
    "created_at",
    "approved_by",
    "approved_at",
    "exported_at",
    "file_sha256",
)


def _moment(value: Any) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _batch_rows(qs: QuerySet[PaymentBatch]) -> Iterator[tuple[Any, ...]]:
    for b in qs.iterator(chunk_size=2000):
        yield (
            b.number,
            b.program.code,
            b.period,
            b.tahap,
            b.channel,
            b.status,
            b.payments,
            b.total_amount,
            b.reissues,
            b.paid,
            b.paid_amount,
            b.failed,
            b.failed_amount,
            b.returned,
            b.returned_amount,
            b.created_by.get_username(),
            _moment(b.created_at),
            b.approved_by.get_username() if b.approved_by else "",
            _moment(b.approved_at),
            _moment(b.exported_at),
            b.file_sha256,
        )


@login_required
@require_GET
def batch_list_export(request: HttpRequest) -> HttpResponseBase:
    user = actor(request)
    ensure_can(user, Action.PAYMENT_VIEW)
    fmt = export_format(request)
    return table_response(
        fmt,
        filename=f"batch-pembayaran-{stamp()}",
        sheet=gettext("Batch"),
        header=BATCH_HEADER,
        rows=_batch_rows(_batches(user, _filter(request.GET))),
    )


# --- a batch ------------------------------------------------------------------------------------------
def _may(user: User, check: Any, batch: PaymentBatch) -> bool:
    try:
        check(user, batch)
    except DomainError:
        return False
    return True


_PAYMENT_SORTS = {
    "reference": "id",
    "village": "village_code",
    "amount": "amount",
    "status": "status",
    "date": "status_date",
}
_PAYMENT_COLUMNS: tuple[tuple[Any, str], ...] = (
    (_("Referensi"), "reference"),
    (_("Penerima / No. KK"), ""),
    (_("Desa/Kel."), "village"),
    (_("Jumlah (Rp)"), "amount"),
    (_("Status"), "status"),
    (_("Tanggal"), "date"),
    (_("Alasan"), ""),
)


def _payment_ordering(sort: str) -> list[str]:
    field = _PAYMENT_SORTS.get(sort.lstrip("-"), "id")
    return [("-" if sort.startswith("-") else "") + field, "id"]


def _payment_headers(current: str) -> list[SortHeader]:
    def header(label: Any, key: str) -> SortHeader:
        state = {key: "ascending", f"-{key}": "descending"}.get(current, "") if key else ""
        return SortHeader(str(label), f"-{key}" if state == "ascending" else key, state)

    return [header(label, key) for label, key in _PAYMENT_COLUMNS]


def _payment_filter(user: User, params: Any) -> tuple[str, str]:
    status = params.get("status", "")
    return (status if status in Payment.Status.values else "", region_param(user, params.get("region")))


def _detail(
    request: HttpRequest,
    batch: PaymentBatch,
    *,
    cancel_form: CancelForm | None = None,
    upload_form: StatusUploadForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = actor(request)
    p_status, region = _payment_filter(user, request.GET)
    sort = request.GET.get("sort", "")
    sort = sort if sort.lstrip("-") in _PAYMENT_SORTS else ""
    payments = selectors.payment_list(user=user, batch=batch, status=p_status, region=region).order_by(
        *_payment_ordering(sort)
    )
    page = Paginator(payments, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    tallies = selectors.batch_tallies([batch.pk]).get(batch.pk, {})
    manages = can(user, Action.PAYMENT_MANAGE)
    S = PaymentBatch.Status
    return render(
        request,
        "payments/batch_detail.html",
        {
            "batch": batch,
            "page": page,
            "tallies": [
                (value, label, tallies.get(value, selectors.StatusTally()))
                for value, label in Payment.Status.choices
                if value in tallies
            ],
            "status_filter": p_status,
            "headers": _payment_headers(sort),
            "region_filter": region,
            "payment_status_choices": Payment.Status.choices,
            "imports": selectors.status_import_list(user=user, batch=batch)[:20],
            "can_approve": manages and batch.status == S.DRAFT,
            "made_by_me": batch.created_by_id == user.pk,
            "can_cancel": manages and batch.status in (S.DRAFT, S.APPROVED),
            "can_send": batch.status == S.APPROVED and _may(user, ensure_gets_file, batch),
            "can_download": batch.status in (S.SENT, S.CLOSED) and _may(user, ensure_gets_file, batch),
            "can_upload": batch.status in (S.SENT, S.CLOSED) and _may(user, ensure_imports_status, batch),
            "cancel_form": cancel_form or CancelForm(),
            "upload_form": upload_form or StatusUploadForm(),
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    return _detail(request, selectors.batch_get(user=actor(request), batch_id=batch_id))


@login_required
@require_POST
def batch_approve(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = actor(request)
    batch = selectors.batch_get(user=user, batch_id=batch_id)
    try:
        services.batch_approve(actor=user, batch=batch)
    except DomainError as exc:
        return _detail(request, batch, error=exc.message, status=refusal_status(exc))
    messages.success(request, gettext("Batch %(n)d disetujui.") % {"n": batch.number})
    return redirect("payments:batch_detail", batch_id=batch.pk)


@login_required
@require_POST
def batch_cancel(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = actor(request)
    batch = selectors.batch_get(user=user, batch_id=batch_id)
    ensure_can(user, Action.PAYMENT_MANAGE)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _detail(request, batch, cancel_form=form, status=400)
    try:
        services.batch_cancel(actor=user, batch=batch, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return _detail(request, batch, cancel_form=form, error=exc.message, status=refusal_status(exc))
    messages.success(request, gettext("Batch %(n)d dibatalkan.") % {"n": batch.number})
    return redirect("payments:batch_detail", batch_id=batch.pk)


@login_required
@require_POST
def batch_send(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Send an approved batch to its channel: its payments become SENT and its file is fixed."""
    user = actor(request)
    batch = selectors.batch_get(user=user, batch_id=batch_id)
    try:
        services.batch_export(actor=user, batch=batch).close()
    except DomainError as exc:
        return _detail(request, batch, error=exc.message, status=refusal_status(exc))
    messages.success(
        request, gettext("Batch %(n)d dikirim ke penyalur; unduh berkasnya.") % {"n": batch.number}
    )
    return redirect("payments:batch_detail", batch_id=batch.pk)


@login_required
@require_GET
def batch_file(request: HttpRequest, batch_id: int) -> HttpResponseBase:
    """The channel's CSV of a sent batch (the same bytes every time)."""
    user = actor(request)
    batch = selectors.batch_get(user=user, batch_id=batch_id)
    ensure_gets_file(user, batch)
    if batch.status not in (PaymentBatch.Status.SENT, PaymentBatch.Status.CLOSED):
        raise DomainError(gettext("Berkas tersedia setelah batch disetujui dan dikirim."))
    out = services.batch_export(actor=user, batch=batch)
    response = FileResponse(
        out.fh, as_attachment=True, filename=out.name, content_type="text/csv; charset=utf-8"
    )
    response["X-Content-SHA256"] = out.sha256
    return response


@login_required
@require_POST
def status_upload(request: HttpRequest, batch_id: int) -> HttpResponse:
    user = actor(request)
    batch = selectors.batch_get(user=user, batch_id=batch_id)
    ensure_imports_status(user, batch)
    form = StatusUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, batch, upload_form=form, status=400)
    name, data = form.cleaned_data["file"]
    try:
        imp = services.status_import(actor=user, batch=batch, file_name=name, data=data)
    except DomainError as exc:
        form.add_error("file", exc.message)
        return _detail(request, batch, upload_form=form, status=refusal_status(exc))
    if imp.duplicate:
        messages.info(request, gettext("Berkas ini sudah pernah diimpor; tidak ada yang berubah."))
    return redirect("payments:status_import", batch_id=batch.pk, import_id=imp.pk)


PAYMENT_HEADER = (
    "reference",
    "batch",
    "status",
    "reason",
    "status_date",
    "reissue_of",
    "kk_number",
    "recipient_name",
    "recipient_nik",
    "village_code",
    "district_code",
    "regency_code",
    "province_code",
    "amount",
)
_PAYMENT_FIELDS = (
    "id",
    "status",
    "reason",
    "status_date",
    "reissue_of_id",
    "kk_number",
    "recipient_name",
    "recipient_nik",
    "village_code",
    "district_code",
    "regency_code",
    "province_code",
    "amount",
)


def _payment_rows(qs: QuerySet[Payment], number: int) -> Iterator[tuple[Any, ...]]:
    for pid, status, reason, day, reissue_of, *rest in qs.values_list(*_PAYMENT_FIELDS).iterator(
        chunk_size=5000
    ):
        yield (pid, number, status, reason, day.isoformat() if day else "", reissue_of or "", *rest)


@login_required
@require_GET
def payment_export(request: HttpRequest, batch_id: int) -> HttpResponseBase:
    user = actor(request)
    batch = selectors.batch_get(user=user, batch_id=batch_id)
    fmt = export_format(request)
    p_status, region = _payment_filter(user, request.GET)
    qs = selectors.payment_list(user=user, batch=batch, status=p_status, region=region).order_by("id")
    return table_response(
        fmt,
        filename=f"pembayaran-batch{batch.number:06d}-{stamp()}",
        sheet=gettext("Pembayaran"),
        header=PAYMENT_HEADER,
        rows=_payment_rows(qs, batch.number),
    )


ROUTES: list[URLPattern] = [
    path("pembayaran/", batch_list, name="batch_list"),
    path("pembayaran/ekspor/", batch_list_export, name="batch_list_export"),
    path("pembayaran/<int:batch_id>/", batch_detail, name="batch_detail"),
    path("pembayaran/<int:batch_id>/setujui/", batch_approve, name="batch_approve"),
    path("pembayaran/<int:batch_id>/batalkan/", batch_cancel, name="batch_cancel"),
    path("pembayaran/<int:batch_id>/kirim/", batch_send, name="batch_send"),
    path("pembayaran/<int:batch_id>/berkas/", batch_file, name="batch_file"),
    path("pembayaran/<int:batch_id>/ekspor/", payment_export, name="payment_export"),
    path("pembayaran/<int:batch_id>/status/", status_upload, name="status_upload"),
]
