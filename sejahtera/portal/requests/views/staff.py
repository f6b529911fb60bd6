"""Staff pages: the complaint desk of the district office (list with filter, sort, page and
exports; a ticket with take, answer and close) and the citizen's own statement behind a public
usul or sanggah (with its photo) for the operator and the verifier. Scoped by the selectors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, can
from sejahtera.common.errors import DomainError
from sejahtera.common.views import stamp
from sejahtera.payments.views._edge import export_format, refusal_status, region_param, table_response

from .. import selectors, services
from ..forms import AnswerForm, CloseForm
from ..models import Complaint, PublicSubmission


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def private_file(path: str, content_type: str, name: str) -> FileResponse:
    """A citizen's photo or attachment from PRIVATE_MEDIA_ROOT, never cached on the way."""
    root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    file = (root / path).resolve()
    if not path or not file.is_relative_to(root) or not file.is_file():
        raise Http404(gettext("Berkas tidak ada."))
    response = FileResponse(file.open("rb"), content_type=content_type, filename=f"{name}{file.suffix}")
    response["Cache-Control"] = "private, no-store"
    return response


# --- the complaint list -----------------------------------------------------------------------------
@dataclass(frozen=True)
class SortHeader:
    label: str
    key: str
    state: str


_SORTS = {"ticket": "ticket", "submitted": "submitted_at", "status": "status", "category": "category"}
_COLUMNS: tuple[tuple[Any, str], ...] = (
    (_("Tiket"), "ticket"),
    (pgettext_lazy("submitted", "Masuk"), "submitted"),
    (_("Jenis"), ""),
    (_("Kategori"), "category"),
    (_("Desa/kelurahan"), ""),
    (_("Status"), "status"),
    (pgettext_lazy("complaint handler", "Petugas"), ""),
)
EXPORT_HEADER = (
    "ticket",
    "submitted_at",
    "kind",
    "category",
    "village_code",
    "village",
    "status",
    "handled_by",
    "text",
    "answer",
)


def _headers(current: str) -> list[SortHeader]:
    def header(label: Any, key: str) -> SortHeader:
        state = {key: "ascending", f"-{key}": "descending"}.get(current, "") if key else ""
        return SortHeader(str(label), f"-{key}" if state == "ascending" else key, state)

    return [header(label, key) for label, key in _COLUMNS]


def _choice(params: Any, name: str, values: list[str]) -> str:
    value = params.get(name, "")
    return value if value in values else ""


def _export_rows(qs: Any) -> Iterator[tuple[Any, ...]]:
    for c in qs.iterator(chunk_size=2000):
        yield (
            c.ticket,
            timezone.localtime(c.submitted_at).isoformat(timespec="minutes"),
            c.get_kind_display(),
            c.get_category_display(),
            c.village_id,
            c.village.name,
            c.get_status_display(),
            c.handled_by.get_username() if c.handled_by else "",
            c.text,
            c.answer,
        )


@login_required
@require_GET
def complaint_list(request: HttpRequest) -> HttpResponseBase:
    user = _actor(request)
    g = request.GET
    status = _choice(g, "status", Complaint.Status.values)
    kind = _choice(g, "kind", Complaint.Kind.values)
    category = _choice(g, "category", Complaint.Category.values)
    sort = g.get("sort", "") if g.get("sort", "").lstrip("-") in _SORTS else ""
    qs = selectors.complaint_list(
        user=user,
        status=status,
        kind=kind,
        category=category,
        region=region_param(user, g.get("region")),
        ticket=(g.get("q") or "").strip()[:30],
    )
    field = _SORTS.get(sort.lstrip("-"), "submitted_at")
    qs = qs.order_by(("-" if sort.startswith("-") or not sort else "") + field, "-id")
    if "format" in g:
        fmt = export_format(request)
        name = f"pengaduan-{user.jurisdiction_code or 'nasional'}-{stamp()}"
        return table_response(
            fmt, filename=name, sheet="Pengaduan", header=EXPORT_HEADER, rows=_export_rows(qs)
        )
    page = Paginator(qs, settings.PAGE_SIZE).get_page(g.get("page"))
    return render(
        request,
        "portal_requests/complaint_list.html",
        {
            "page": page,
            "headers": _headers(sort),
            "filter": {"status": status, "kind": kind, "category": category, "q": g.get("q", "")},
            "statuses": Complaint.Status.choices,
            "kinds": Complaint.Kind.choices,
            "categories": Complaint.Category.choices,
        },
    )


# --- one ticket -------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def complaint_detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    user = _actor(request)
    c = selectors.complaint_get(user=user, complaint_id=complaint_id)
    answer_form = AnswerForm(initial={"answer": c.answer})
    close_form = CloseForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "take":
                services.complaint_take(actor=user, complaint_id=c.pk)
            elif action == "answer":
                answer_form = AnswerForm(request.POST)
                if not answer_form.is_valid():
                    raise services.RequestRefused("answer", gettext("Jawaban resmi wajib diisi."))
                services.complaint_answer(
                    actor=user, complaint_id=c.pk, answer=answer_form.cleaned_data["answer"]
                )
            elif action == "close":
                close_form = CloseForm(request.POST)
                note = close_form.data.get("note", "")
                services.complaint_close(actor=user, complaint_id=c.pk, note=note[:1000])
            else:
                raise DomainError(gettext("Pilih tindakan."))
        except DomainError as e:
            status = refusal_status(e)
            messages.error(request, e.message)
        else:
            messages.success(request, gettext("Tiket %(t)s diperbarui.") % {"t": c.ticket})
            return redirect("portal_requests:complaint_detail", complaint_id=c.pk)
        c = selectors.complaint_get(user=user, complaint_id=complaint_id)
    handle = can(user, Action.COMPLAINT_HANDLE)
    S = Complaint.Status
    return render(
        request,
        "portal_requests/complaint_detail.html",
        {
            "c": c,
            "answer_form": answer_form,
            "close_form": close_form,
            "can_take": handle and c.status in (S.NEW, S.ANSWERED),
            "can_answer": handle and c.status == S.IN_PROGRESS,
            "can_close": handle and c.status != S.CLOSED,
        },
        status=status,
    )


@login_required
@require_GET
def complaint_attachment(request: HttpRequest, complaint_id: int) -> FileResponse:
    c = selectors.complaint_get(user=_actor(request), complaint_id=complaint_id)
    return private_file(c.path, c.content_type, f"lampiran-{c.ticket}")


# --- the citizen's statement behind a public proposal -------------------------------------------------
@login_required
@require_GET
def submission_list(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    kind = _choice(request.GET, "kind", PublicSubmission.Kind.values)
    qs = selectors.submission_list(user=user, kind=kind, code=(request.GET.get("q") or "")[:30])
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal_requests/submission_list.html",
        {"page": page, "kind": kind, "kinds": PublicSubmission.Kind.choices, "q": request.GET.get("q", "")},
    )


@login_required
@require_GET
def submission_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    sub = selectors.submission_get(user=_actor(request), submission_id=submission_id)
    return render(request, "portal_requests/submission_detail.html", {"sub": sub})


@login_required
@require_GET
def submission_photo(request: HttpRequest, submission_id: int) -> FileResponse:
    sub = selectors.submission_get(user=_actor(request), submission_id=submission_id)
    return private_file(sub.path, sub.content_type, f"foto-{sub.code}")


ROUTES: list[URLPattern] = [
    path("pengaduan/", complaint_list, name="complaint_list"),
    path("pengaduan/<int:complaint_id>/", complaint_detail, name="complaint_detail"),
    path("pengaduan/<int:complaint_id>/lampiran/", complaint_attachment, name="complaint_attachment"),
    path("usulan/publik/", submission_list, name="submission_list"),
    path("usulan/publik/<int:submission_id>/", submission_detail, name="submission_detail"),
    path("usulan/publik/<int:submission_id>/foto/", submission_photo, name="submission_photo"),
]
