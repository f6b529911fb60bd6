"""Pages: population-registry events (Dukcapil: lahir, mati, pindah, datang). The events of the
user's region with their outcome, their export, and the upload of an events file (central data
team), each event applied exactly once."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from sejahtera.accounts.permissions import Action, can, ensure_can
from sejahtera.common.views import stamp

from .. import exports, selectors, services
from ..models import PopulationEvent
from ._edge import actor, export_format

# A web upload is read into memory; larger files go through `sejahtera events apply FILE`.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# The result page lists this many rejections; every rejected event is kept (status REJECTED).
REJECTIONS_SHOWN = 500


class EventUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas peristiwa"),
        help_text=_(
            "CSV dengan baris judul (event_id, kind, nik, kk_number, date, …) atau JSON lines, UTF-8. "
            "Peristiwa yang sudah diterapkan dilewati sebagai duplikat."
        ),
    )

    def clean_file(self) -> tuple[str, str]:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                gettext("Berkas lebih dari %(mb)d MB; terapkan lewat perintah `sejahtera events apply`.")
                % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(gettext("Berkas harus berupa teks UTF-8 (CSV atau JSON lines).")) from None
        return upload.name or "", text


@dataclass(frozen=True)
class EventFilter:
    status: str
    kind: str


def _filter(params: QueryDict) -> EventFilter:
    status, kind = params.get("status", ""), params.get("kind", "")
    return EventFilter(
        status=status if status in PopulationEvent.Status.values else "",
        kind=kind if kind in PopulationEvent.Kind.values else "",
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    f = _filter(request.GET)
    form = EventUploadForm()
    result, source, status = None, "", 200
    if request.method == "POST":
        ensure_can(user, Action.EVENTS_APPLY)
        form = EventUploadForm(request.POST, request.FILES)
        if form.is_valid():
            source, text = form.cleaned_data["file"]
            result = services.events_apply(actor=user, records=services.events_read_text(text), source=source)
            form = EventUploadForm()
        else:
            status = 400
    events = selectors.event_list(user=user, status=f.status, kind=f.kind)
    page = Paginator(events, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "updates/event_list.html",
        {
            "page": page,
            "filter": f,
            "status_choices": PopulationEvent.Status.choices,
            "kind_choices": PopulationEvent.Kind.choices,
            "form": form,
            "can_apply": can(user, Action.EVENTS_APPLY),
            "result": result,
            "source": source,
            "rejections": result.rejections[:REJECTIONS_SHOWN] if result else [],
        },
        status=status,
    )


@login_required
@require_GET
def event_export(request: HttpRequest) -> HttpResponseBase:
    user = actor(request)
    fmt = export_format(request)
    f = _filter(request.GET)
    events = selectors.event_list(user=user, status=f.status, kind=f.kind)
    return exports.table_response(
        fmt,
        filename=f"peristiwa-{user.jurisdiction_code or 'nasional'}-{stamp()}",
        sheet=gettext("Peristiwa"),
        header=exports.EVENT_HEADER,
        rows=exports.event_rows(events),
    )


ROUTES: list[URLPattern] = [
    path("peristiwa/", event_list, name="event_list"),
    path("peristiwa/ekspor/", event_export, name="event_export"),
]
