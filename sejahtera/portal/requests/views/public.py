"""Public pages (no login): usul, sanggah, pengaduan and the status page by code.

Usul and sanggah take two steps: the citizen's data (kept in the session, server-side), then a
confirmation page that echoes the citizen's own input and takes the photo, the captcha and the
statement that the data is true. Nothing of the registry is shown: a sanggah's recipient is chosen
from the masked results of the public check, by its signed reference.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from sejahtera.portal import selectors as check
from sejahtera.portal.edge import client_address
from sejahtera.programs.models import Program
from sejahtera.regions.models import Region
from sejahtera.registry.models import Person
from sejahtera.updates.services.verification import MAX_PHOTO_BYTES

from .. import selectors, services
from ..forms import (
    ComplaintForm,
    EvidenceForm,
    SanggahEvidenceForm,
    SanggahForm,
    TrackForm,
    UsulForm,
)
from ..models import PublicSubmission
from ._edge import SANGGAH_VILLAGE_LIMIT, TRACK_LIMIT, cascade, post_wait, throttled

USUL_KEY = "portal_requests.usul"
SANGGAH_KEY = "portal_requests.sanggah"


def _upload(file: Any, field_name: str = "photo") -> services.Upload:
    # Refused before it is read into memory (the service checks the bytes it gets again).
    if file.size > MAX_PHOTO_BYTES:
        raise services.RequestRefused(
            field_name, gettext("Berkas lebih dari %(mb)d MB.") % {"mb": MAX_PHOTO_BYTES // (1024 * 1024)}
        )
    return services.Upload(name=file.name or "foto", content=file.read())


def _refused(form: Any, e: services.RequestRefused) -> None:
    form.add_error(e.field if e.field in form.fields else None, e.message)


def _done(code: str) -> HttpResponse:
    return redirect(f"{reverse('portal_requests:track')}?{urlencode({'kode': code, 'baru': 1})}")


def _village_name(code: str) -> str:
    village = Region.objects.filter(code=code).select_related("parent").first()
    return f"{village.name}, {village.parent.name}" if village and village.parent else code


def _chosen_region(data: Any) -> str:
    """The deepest level of the cascade chosen (village, else district, regency, province)."""
    for name in ("village", "kec", "kab", "prov"):
        code = str(data.get(name, ""))
        if code.isdigit():
            return code
    return ""


def _picking(request: HttpRequest) -> bool:
    """Without JavaScript the cascade's "Pilih" button posts the form to list the next level:
    shown again as typed, neither checked nor counted."""
    return request.method == "POST" and "pilih" in request.POST


# --- usul -------------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def usul(request: HttpRequest) -> HttpResponse:
    saved = request.session.get(USUL_KEY)
    if _picking(request):
        form = UsulForm(initial=request.POST.dict())
        return render(
            request,
            "portal_requests/usul_form.html",
            {"form": form, "cascade": cascade(_chosen_region(request.POST))},
        )
    form = UsulForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if refused := post_wait(request):
            return refused
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            data = services.UsulInput(
                village_code=d["village"],
                relation=d["relation"],
                kk_number=d["kk_number"],
                head_nik=d["head_nik"],
                head_name=d["head_name"],
                address=d["address"],
                rt=d["rt"],
                rw=d["rw"],
                statement=d["statement"],
                program_code=d["program"],
                contact_name=d["contact_name"],
                contact_phone=d["contact_phone"],
                members=form.members(),
            )
            try:
                services.usul_check(data)
            except services.RequestRefused as e:
                _refused(form, e)
            else:
                request.session[USUL_KEY] = asdict(data)
                return redirect("portal_requests:usul_confirm")
    village = _chosen_region(form.data) if form.is_bound else (saved or {}).get("village_code", "")
    return render(
        request, "portal_requests/usul_form.html", {"form": form, "cascade": cascade(village)}, status=status
    )


def _usul_echo(data: services.UsulInput) -> list[tuple[str, str]]:
    program = Program.objects.filter(code=data.program_code).first()
    rows = [
        (gettext("Desa/kelurahan"), _village_name(data.village_code)),
        (gettext("Keluarga yang diusulkan"), str(PublicSubmission.Relation(data.relation).label)),
        (gettext("Nomor KK"), data.kk_number),
        (gettext("Kepala keluarga"), f"{data.head_name} — NIK {data.head_nik}"),
        (gettext("Alamat"), f"{data.address} RT {data.rt or '-'} RW {data.rw or '-'}"),
    ]
    rows += [(gettext("Anggota"), f"{m['full_name']} — NIK {m['nik']}") for m in data.members]
    rows += [
        (gettext("Program"), f"{program.code} — {program.name}" if program else data.program_code),
        (gettext("Alasan"), data.statement),
        (gettext("Pengusul"), f"{data.contact_name} {data.contact_phone}".strip()),
    ]
    return rows


@require_http_methods(["GET", "POST"])
def usul_confirm(request: HttpRequest) -> HttpResponse:
    saved = request.session.get(USUL_KEY)
    if not saved:
        return redirect("portal_requests:usul")
    data = services.UsulInput(**saved)
    form = EvidenceForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    status = 200
    if request.method == "POST":
        if refused := post_wait(request):
            return refused
        status = 400
        if form.is_valid():
            try:
                sub = services.usul_submit(data=data, photo=_upload(form.cleaned_data["photo"]))
            except services.RequestRefused as e:
                _refused(form, e)
            else:
                del request.session[USUL_KEY]
                return _done(sub.code)
    return render(
        request,
        "portal_requests/confirm.html",
        {
            "form": form,
            "echo": _usul_echo(data),
            "title": gettext("Periksa usulan Anda"),
            "back": reverse("portal_requests:usul"),
            "is_sanggah": False,
        },
        status=status,
    )


# --- sanggah ----------------------------------------------------------------------------------------
@require_GET
def sanggah(request: HttpRequest) -> HttpResponse:
    """Step 1: the rules, then the public check (village, name, captcha; masked results), whose
    results offer this objection form by their signed reference."""
    return render(request, "portal_requests/sanggah_start.html")


def _recipient_name(person_id: int) -> str:
    name = Person.objects.filter(pk=person_id).values_list("full_name", flat=True).first() or ""
    return check.mask_name(name)


@require_http_methods(["GET", "POST"])
def sanggah_form(request: HttpRequest) -> HttpResponse:
    """Step 2: the objection (reason, statement) and who the objector is."""
    params = request.POST if request.method == "POST" else request.GET
    ref_text, village = params.get("ref", ""), params.get("desa", "")
    ref = check.resolve_ref(ref_text)
    if ref is None:
        return render(
            request,
            "portal_requests/message.html",
            {"message": gettext("Pilihan penerima tidak sah atau sudah kedaluwarsa. Cari penerima kembali.")},
            status=400,
        )
    form = SanggahForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if refused := post_wait(request):
            return refused
        status = 400
        try:
            services.sanggah_recipient(village_code=village, household_id=ref.household_id)
        except services.RequestRefused as e:
            _refused(form, e)
        if form.is_valid():
            d = form.cleaned_data
            request.session[SANGGAH_KEY] = {
                "village_code": village,
                "household_id": ref.household_id,
                "person_id": ref.person_id,
                "reason": d["reason"],
                "statement": d["statement"],
                "objector_name": d["objector_name"],
                "objector_nik": d["objector_nik"],
                "contact_phone": d["contact_phone"],
            }
            return redirect("portal_requests:sanggah_confirm")
    return render(
        request,
        "portal_requests/sanggah_form.html",
        {
            "form": form,
            "ref": ref_text,
            "village": village,
            "village_name": _village_name(village),
            "recipient": _recipient_name(ref.person_id),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def sanggah_confirm(request: HttpRequest) -> HttpResponse:
    """Step 3: the notice, the photo of the house and its coordinates, the captcha; then send."""
    saved = dict(request.session.get(SANGGAH_KEY) or {})
    if not saved:
        return redirect("portal_requests:sanggah")
    person_id = saved.pop("person_id")
    form = SanggahEvidenceForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    status = 200
    if request.method == "POST":
        if refused := post_wait(request):
            return refused
        status = 400
        if form.is_valid():
            wait = SANGGAH_VILLAGE_LIMIT.hit(saved["village_code"])
            if wait:
                return throttled(
                    request,
                    wait,
                    gettext("Terlalu banyak sanggahan untuk desa/kelurahan ini. Coba lagi dalam %(wait)s."),
                )
            d = form.cleaned_data
            data = services.SanggahInput(**saved, latitude=d["latitude"], longitude=d["longitude"])
            try:
                sub = services.sanggah_submit(data=data, photo=_upload(d["photo"]))
            except services.RequestRefused as e:
                _refused(form, e)
            else:
                del request.session[SANGGAH_KEY]
                return _done(sub.code)
    echo = [
        (gettext("Desa/kelurahan"), _village_name(saved["village_code"])),
        (gettext("Penerima yang disanggah"), _recipient_name(person_id)),
        (gettext("Alasan"), str(PublicSubmission.Reason(saved["reason"]).label)),
        (gettext("Penjelasan"), saved["statement"]),
        (gettext("Penyanggah"), f"{saved['objector_name']} — NIK {saved['objector_nik']}"),
    ]
    return render(
        request,
        "portal_requests/confirm.html",
        {
            "form": form,
            "echo": echo,
            "title": gettext("Periksa sanggahan Anda"),
            "back": reverse("portal_requests:sanggah"),
            "is_sanggah": True,
        },
        status=status,
    )


# --- pengaduan --------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest) -> HttpResponse:
    if _picking(request):
        form = ComplaintForm(initial=request.POST.dict())
        return render(
            request,
            "portal_requests/complaint_form.html",
            {"form": form, "cascade": cascade(_chosen_region(request.POST))},
        )
    form = ComplaintForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    status = 200
    if request.method == "POST":
        if refused := post_wait(request):
            return refused
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            data = services.ComplaintInput(
                village_code=d["village"],
                kind=d["kind"],
                category=d["category"],
                text=d["text"],
                contact_name=d["contact_name"],
                contact_phone=d["contact_phone"],
            )
            try:
                c = services.complaint_submit(
                    data=data, attachment=_upload(d["attachment"], "attachment") if d["attachment"] else None
                )
            except services.RequestRefused as e:
                _refused(form, e)
            else:
                return _done(c.ticket)
    village = form.data.get("village", "") if form.is_bound else ""
    return render(
        request,
        "portal_requests/complaint_form.html",
        {"form": form, "cascade": cascade(village)},
        status=status,
    )


# --- status by code ---------------------------------------------------------------------------------
@require_GET
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET) if "kode" in request.GET else TrackForm()
    found = None
    status = 200
    if form.is_bound and form.is_valid():
        wait = TRACK_LIMIT.hit(client_address(request))
        if wait:
            return throttled(
                request,
                wait,
                gettext("Terlalu banyak pencarian kode dari alamat Anda. Coba lagi dalam %(wait)s."),
            )
        found = selectors.track(form.cleaned_data["kode"])
        if found is None:
            form.add_error("kode", gettext("Kode tidak ditemukan. Periksa kembali huruf dan angkanya."))
            status = 404
    return render(
        request,
        "portal_requests/track.html",
        {"form": form, "found": found, "new": request.GET.get("baru") == "1" and found is not None},
        status=status,
    )


ROUTES: list[URLPattern] = [
    path("publik/usul/", usul, name="usul"),
    path("publik/usul/periksa/", usul_confirm, name="usul_confirm"),
    path("publik/sanggah/", sanggah, name="sanggah"),
    path("publik/sanggah/isi/", sanggah_form, name="sanggah_form"),
    path("publik/sanggah/periksa/", sanggah_confirm, name="sanggah_confirm"),
    path("publik/pengaduan/", complaint, name="complaint"),
    path("publik/lacak/", track, name="track"),
]
