"""Pages: a program's enrolment (KPM) in the user's scope — filter by region, status and exit reason,
sort, page, export CSV/XLSX — and one enrolment with its entitlements, graduation (program manager)
and the request of a voluntary withdrawal (district office)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, can
from sejahtera.common.errors import DomainError
from sejahtera.common.views import stamp

from .. import selectors, services
from ..forms import EnrollmentFilterForm, GraduateForm, WithdrawalRequestForm
from ..models import Enrollment, Entitlement, ExitReason, Program
from ._edge import actor, export_format, head_name, refusal_status, region_param, rupiah, table_response


@dataclass(frozen=True)
class SortHeader:
    label: str
    key: str
    state: str


_COLUMNS: tuple[tuple[Any, str], ...] = (
    (_("No."), "id"),
    (_("Keluarga"), ""),
    (_("Desa/Kelurahan"), "region"),
    (_("Peringkat"), "rank"),
    (pgettext_lazy("enrolment", "Masuk"), "enrolled"),
    (_("Status"), "status"),
    (pgettext_lazy("enrolment", "Keluar"), "exited"),
)


def sort_headers(columns: tuple[tuple[Any, str], ...], current: str) -> list[SortHeader]:
    def header(label: Any, key: str) -> SortHeader:
        state = {key: "ascending", f"-{key}": "descending"}.get(current, "") if key else ""
        return SortHeader(str(label), f"-{key}" if state == "ascending" else key, state)

    return [header(label, key) for label, key in columns]


def _filtered(user: User, program: Program, form: EnrollmentFilterForm) -> QuerySet[Enrollment]:
    if not form.is_valid():
        return selectors.enrollment_list(user=user, program=program).none()
    f = form.to_filter()
    f = type(f)(region=region_param(user, f.region), status=f.status, exit_reason=f.exit_reason)
    qs = selectors.enrollment_list(user=user, program=program, f=f).select_related("household")
    return head_name(qs).order_by(*form.ordering())


@login_required
@require_GET
def enrollment_list(request: HttpRequest, program: str) -> HttpResponse:
    user = actor(request)
    prog = selectors.program_get(user=user, code=program)
    form = EnrollmentFilterForm(request.GET)
    page = Paginator(_filtered(user, prog, form), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "programs/enrollment_list.html",
        {"program": prog, "form": form, "page": page, "headers": sort_headers(_COLUMNS, form.sort_key())},
    )


ENROLLMENT_HEADER = (
    "enrollment_id",
    "program",
    "household_id",
    "kk_number",
    "head_name",
    "village_code",
    "regency_code",
    "status",
    "rank",
    "enrolled_period",
    "exit_reason",
    "exit_reason_label",
    "exit_period",
)


def enrollment_rows(qs: QuerySet[Enrollment], *, show_kk: bool) -> Iterator[tuple[Any, ...]]:
    labels = dict(ExitReason.choices)
    fields = (
        "id",
        "program__code",
        "household_id",
        "household__kk_number",
        "head_name",
        "village_code",
        "regency_code",
        "status",
        "rank",
        "enrolled_period",
        "exit_reason",
        "exit_period",
    )
    for pk, code, hh, kk, head, village, regency, status, rank, enrolled, reason, exited in qs.values_list(
        *fields
    ).iterator(chunk_size=2000):
        yield (
            pk,
            code,
            hh,
            kk if show_kk else "",
            (head or "") if show_kk else "",
            village,
            regency,
            status,
            rank,
            enrolled,
            reason,
            str(labels.get(reason, "")) if reason else "",
            exited,
        )


@login_required
@require_GET
def enrollment_export(request: HttpRequest, program: str) -> HttpResponseBase:
    """The enrolment as filtered on the page, every row. The KK number and the head's name only for
    a role the registry export shows them to."""
    user = actor(request)
    fmt = export_format(request)
    prog = selectors.program_get(user=user, code=program)
    form = EnrollmentFilterForm(request.GET)
    if not form.is_valid():
        raise DomainError(gettext("Saringan tidak sah; perbaiki di halaman daftar peserta."))
    rows = enrollment_rows(_filtered(user, prog, form), show_kk=can(user, Action.REGISTRY_EXPORT))
    return table_response(
        fmt,
        filename=f"peserta-{prog.code}-{user.jurisdiction_code or 'nasional'}-{stamp()}",
        sheet=gettext("Peserta"),
        header=ENROLLMENT_HEADER,
        rows=rows,
    )


@dataclass(frozen=True)
class EntitlementRow:
    entitlement: Entitlement
    amount: str


def _detail_context(request: HttpRequest, enrollment: Enrollment, **forms_: Any) -> dict[str, Any]:
    user = actor(request)
    active = enrollment.status == Enrollment.Status.ACTIVE
    entitlements = Entitlement.objects.filter(enrollment=enrollment).order_by("-period")[:24]
    withdrawals = list(selectors.enrollment_withdrawals(enrollment=enrollment).order_by("-id"))
    open_withdrawal = next((w for w in withdrawals if w.status in ("REQUESTED", "CONFIRMED")), None)
    return {
        "enrollment": enrollment,
        "entitlements": [EntitlementRow(e, rupiah(e.amount)) for e in entitlements],
        "withdrawals": withdrawals,
        "can_graduate": active and can(user, Action.PROGRAM_MANAGE),
        "can_request": active and open_withdrawal is None and can(user, Action.ENROLLMENT_EXIT),
        "graduate_form": forms_.get("graduate_form") or GraduateForm(),
        "request_form": forms_.get("request_form") or WithdrawalRequestForm(),
        "error": forms_.get("error", ""),
        "can_see_household": can(user, Action.REGISTRY_VIEW),
        "now": timezone.now(),
    }


@login_required
@require_GET
def enrollment_detail(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = selectors.enrollment_get(user=actor(request), enrollment_id=enrollment_id)
    return render(request, "programs/enrollment_detail.html", _detail_context(request, enrollment))


@login_required
@require_POST
def enrollment_graduate(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = actor(request)
    enrollment = selectors.enrollment_get(user=user, enrollment_id=enrollment_id)
    form = GraduateForm(request.POST)
    error, status = "", 400
    if form.is_valid():
        try:
            services.enrollment_graduate(
                actor=user, enrollment_id=enrollment.pk, reason=form.cleaned_data["reason"]
            )
        except DomainError as e:
            error, status = e.message, refusal_status(e)
        else:
            messages.success(request, gettext("Keluarga dinyatakan graduasi; kepesertaannya berakhir."))
            return redirect("programs:enrollment_detail", enrollment_id=enrollment.pk)
    context = _detail_context(request, enrollment, graduate_form=form, error=error)
    return render(request, "programs/enrollment_detail.html", context, status=status)


@login_required
@require_POST
def withdrawal_request(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    user = actor(request)
    enrollment = selectors.enrollment_get(user=user, enrollment_id=enrollment_id)
    form = WithdrawalRequestForm(request.POST)
    error, status = "", 400
    if form.is_valid():
        try:
            w = services.withdrawal_request(
                actor=user, enrollment_id=enrollment.pk, reason=form.cleaned_data["reason"]
            )
        except DomainError as e:
            error, status = e.message, refusal_status(e)
        else:
            messages.success(
                request, gettext("Permohonan pengunduran diri dicatat; menunggu konfirmasi petugas lain.")
            )
            return redirect("programs:withdrawal_detail", withdrawal_id=w.pk)
    context = _detail_context(request, enrollment, request_form=form, error=error)
    return render(request, "programs/enrollment_detail.html", context, status=status)


ROUTES: list[URLPattern] = [
    path("programs/kepesertaan/<int:enrollment_id>/", enrollment_detail, name="enrollment_detail"),
    path(
        "programs/kepesertaan/<int:enrollment_id>/graduasi/", enrollment_graduate, name="enrollment_graduate"
    ),
    path(
        "programs/kepesertaan/<int:enrollment_id>/undur-diri/", withdrawal_request, name="withdrawal_request"
    ),
    path("programs/<str:program>/peserta/", enrollment_list, name="enrollment_list"),
    path("programs/<str:program>/peserta/ekspor/", enrollment_export, name="enrollment_export"),
]
