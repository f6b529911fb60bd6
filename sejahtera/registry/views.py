"""Registry pages. Each view parses its input, calls a selector or a service, and renders.

Scoping and permissions are decided in the selectors and services (accounts.scoping,
accounts.permissions); a record outside the user's jurisdiction raises NotInJurisdiction, which
DomainErrorMiddleware answers with 404.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, can
from sejahtera.common.errors import DomainError
from sejahtera.common.views import csv_response, stamp
from sejahtera.regions.models import Region
from sejahtera.regions.selectors import region_children

from . import exports, jobs, selectors, services
from .forms import REGION_LEVELS, HouseholdSearchForm, ImportUploadForm
from .imports.messages import MESSAGES
from .models import Household, ImportJob, ImportRowError

# A detail page shows this many history entries, newest first.
HISTORY_LIMIT = 200
# The import page lists this many rejected rows; the CSV download has them all.
IMPORT_ERRORS_SHOWN = 200
IMPORT_JOBS_PER_PAGE = 20


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


# --- presentation of a record's attributes -------------------------------------------------------
@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class FactGroup:
    title: str
    facts: list[Fact]


def _value(obj: models.Model, name: str) -> str:
    raw = getattr(obj, name)
    field = obj._meta.get_field(name)
    if raw is None or raw == "":
        return "—"
    if getattr(field, "choices", None):
        return str(getattr(obj, f"get_{name}_display")())
    if isinstance(raw, bool):
        return gettext("Ya") if raw else gettext("Tidak")
    if isinstance(raw, dt.date):
        return formats.date_format(raw, "j F Y")
    if isinstance(raw, int):
        return formats.number_format(raw, force_grouping=True)
    return str(raw)


def _facts(obj: models.Model, fields: Sequence[tuple[str, Any]]) -> list[Fact]:
    return [Fact(label=str(label), value=_value(obj, name)) for name, label in fields]


_HOUSING = (
    ("tenure_status", _("Status penguasaan bangunan")),
    ("land_status", _("Status lahan")),
    ("floor_area_m2", _("Luas lantai (m²)")),
    ("floor_type", _("Jenis lantai terluas")),
    ("wall_type", _("Jenis dinding terluas")),
    ("wall_condition", _("Kondisi dinding")),
    ("roof_type", _("Jenis atap terluas")),
    ("roof_condition", _("Kondisi atap")),
    ("bedrooms", _("Jumlah kamar tidur")),
    ("water_source", _("Sumber air minum")),
    ("water_acquisition", _("Cara memperoleh air minum")),
    ("lighting_source", _("Sumber penerangan")),
    ("power_capacity", _("Daya listrik terpasang")),
    ("cooking_fuel", _("Bahan bakar memasak")),
    ("toilet_facility", _("Fasilitas buang air besar")),
    ("toilet_type", _("Jenis kloset")),
    ("sewage_disposal", _("Pembuangan akhir tinja")),
)
_ASSETS = (
    ("has_gas_cylinder", _("Tabung gas 5,5 kg atau lebih")),
    ("has_refrigerator", _("Lemari es")),
    ("has_air_conditioner", _("AC")),
    ("has_water_heater", _("Pemanas air")),
    ("has_landline", _("Telepon rumah")),
    ("has_television", _("Televisi")),
    ("has_flat_tv", _("TV layar datar 30 inci atau lebih")),
    ("has_gold_savings", _("Emas/perhiasan/tabungan")),
    ("has_computer", _("Komputer/laptop")),
    ("has_bicycle", _("Sepeda")),
    ("has_motorcycle", _("Sepeda motor")),
    ("has_car", _("Mobil")),
    ("has_boat", _("Perahu")),
    ("has_outboard_motor", _("Motor tempel")),
    ("has_motorboat", _("Perahu motor")),
    ("has_ship", _("Kapal")),
    ("phone_numbers", _("Jumlah nomor HP aktif")),
    ("owns_land", _("Memiliki lahan")),
    ("land_area_m2", _("Luas lahan (m²)")),
    ("has_other_house", _("Rumah di tempat lain")),
    ("cattle", _("Sapi")),
    ("buffalo", _("Kerbau")),
    ("horses", _("Kuda")),
    ("pigs", _("Babi")),
    ("goats", _("Kambing/domba")),
    ("has_business", _("Ada anggota yang memiliki usaha sendiri")),
)
_PERSON = (
    ("nik", _("NIK")),
    ("full_name", _("Nama lengkap")),
    ("birth_place", _("Tempat lahir")),
    ("birth_date", _("Tanggal lahir")),
    ("sex", _("Jenis kelamin")),
    ("relationship", _("Hubungan dengan kepala keluarga")),
    ("marital_status", _("Status perkawinan")),
    ("mother_name", _("Nama ibu kandung")),
    ("education", _("Ijazah tertinggi")),
    ("school_level", _("Jenjang sekolah saat ini")),
    ("work_sector", _("Lapangan usaha")),
    ("disability", _("Jenis disabilitas")),
    ("disability_severity", _("Tingkat disabilitas")),
    ("chronic_illness", _("Penyakit kronis")),
    ("pregnant", _("Sedang hamil")),
)
_PERSON_STATUS = (
    ("status", _("Status")),
    ("inactive_reason", _("Alasan nonaktif")),
    ("death_date", _("Tanggal meninggal")),
    ("dukcapil_match", _("Padan Dukcapil")),
)
_HOUSEHOLD_STATUS = (
    ("welfare_status", _("Status kesejahteraan")),
    ("status", _("Status")),
    ("inactive_reason", _("Alasan nonaktif")),
)


def _region_label(region: Region | None) -> str:
    return f"{region.name} ({region.dotted_code})" if region is not None else "—"


def _household_groups(hh: Household) -> list[FactGroup]:
    village = hh.village
    district = village.parent
    regency = district.parent if district is not None else None
    identity = [
        Fact(str(_("No. KK")), hh.kk_number),
        Fact(str(_("Alamat")), hh.address),
        Fact(str(_("RT/RW")), f"{hh.rt or '—'}/{hh.rw or '—'}"),
        Fact(str(_("Desa/Kelurahan")), _region_label(village)),
        Fact(str(_("Kecamatan")), _region_label(district)),
        Fact(str(_("Kabupaten/Kota")), _region_label(regency)),
        *_facts(hh, _HOUSEHOLD_STATUS),
    ]
    return [
        FactGroup(str(_("Identitas keluarga")), identity),
        FactGroup(str(_("Perumahan")), _facts(hh, _HOUSING)),
        FactGroup(str(_("Aset dan ternak")), _facts(hh, _ASSETS)),
    ]


# --- dashboard -----------------------------------------------------------------------------------
@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    # Roles without registry access (the payment channel) still land here after signing in.
    counts = selectors.registry_counts(user=user) if can(user, Action.REGISTRY_VIEW) else None
    return render(request, "registry/dashboard.html", {"counts": counts})


# --- household list, search and export -----------------------------------------------------------
@dataclass(frozen=True)
class CascadeLevel:
    name: str
    label: str
    options: list[Region]
    selected: str
    next_name: str  # the select this one fills ('' for the last level)
    below: str  # ids of the selects under it, cleared when it changes


def _cascade(user: User, form: HouseholdSearchForm) -> list[CascadeLevel]:
    """The four region selects with their options: each level lists the children of the level
    chosen above it, within the user's jurisdiction. A jurisdiction below the nation pre-selects
    its own levels (an officer of Kabupaten Bandung starts with its districts listed)."""
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # cleaned_data then holds the fields that validated, even if another did not
        data = form.cleaned_data
    jurisdiction = user.jurisdiction_code
    levels = []
    parent: str | None = None
    names = [name for name, _length in REGION_LEVELS]
    for i, (name, length) in enumerate(REGION_LEVELS):
        selected = data.get(name) or (jurisdiction[:length] if len(jurisdiction) >= length else "")
        if i == 0 or parent:
            options = list(region_children(parent_code=parent, within=jurisdiction or None))
        else:
            options = []
        if selected not in {r.code for r in options}:
            selected = ""
        levels.append(
            CascadeLevel(
                name=name,
                label=str(form.fields[name].label),
                options=options,
                selected=selected,
                next_name=names[i + 1] if i + 1 < len(names) else "",
                below=",".join(f"id_{n}" for n in names[i + 1 :]),
            )
        )
        parent = selected or None
    return levels


@dataclass(frozen=True)
class SortHeader:
    label: str
    key: str  # the sort to apply when clicked ('' = not sortable)
    state: str  # aria-sort: ascending | descending | ''


_COLUMNS: tuple[tuple[Any, str], ...] = (
    (_("No. KK"), "kk"),
    (_("Kepala keluarga"), ""),
    (_("Desa/Kelurahan"), "village"),
    (_("Alamat"), ""),
    (_("Anggota"), "members"),
    (_("Kesejahteraan"), ""),
    (_("Status"), ""),
)


def _sort_headers(current: str) -> list[SortHeader]:
    headers = []
    for label, key in _COLUMNS:
        if not key:
            headers.append(SortHeader(str(label), "", ""))
        elif current == key:
            headers.append(SortHeader(str(label), f"-{key}", "ascending"))
        elif current == f"-{key}":
            headers.append(SortHeader(str(label), key, "descending"))
        else:
            headers.append(SortHeader(str(label), key, ""))
    return headers


@login_required
@require_GET
def household_list(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    form = HouseholdSearchForm(request.GET)
    if form.is_valid():
        filters = form.to_filter()
        households = selectors.household_list(user=user, filters=filters)
    else:
        filters = selectors.HouseholdFilter()
        households = selectors.households_visible(user).none()
    page = Paginator(households, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/household_list.html",
        {
            "form": form,
            "page": page,
            "cascade": _cascade(user, form),
            "headers": _sort_headers(filters.sort),
            "sort": filters.sort,
            "can_export": can(user, Action.REGISTRY_EXPORT),
        },
    )


@login_required
@require_GET
def household_export(request: HttpRequest) -> HttpResponseBase:
    user = _actor(request)
    form = HouseholdSearchForm(request.GET)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise DomainError(gettext("Format ekspor harus csv atau xlsx."))
    if not form.is_valid():
        raise DomainError(gettext("Saringan pencarian tidak sah; perbaiki di halaman daftar keluarga."))
    households = selectors.household_export_rows(user=user, filters=form.to_filter())
    filename = f"keluarga-{user.jurisdiction_code or 'nasional'}-{stamp()}.{fmt}"
    if fmt == "xlsx":
        return exports.households_xlsx(households, filename=filename)
    return exports.households_csv(households, filename=filename)


# --- household and person detail -----------------------------------------------------------------
@login_required
@require_GET
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get(user=_actor(request), household_id=household_id)
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "groups": _household_groups(household),
            "members": selectors.household_members(household=household),
            "history": selectors.household_history(user=_actor(request), household=household)[:HISTORY_LIMIT],
            "history_limit": HISTORY_LIMIT,
        },
    )


@login_required
@require_GET
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(user=_actor(request), person_id=person_id)
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "identity": _facts(person, _PERSON),
            "status_facts": _facts(person, _PERSON_STATUS),
            "ppks": person.ppks_labels(),
            "history": selectors.person_history(user=_actor(request), person=person)[:HISTORY_LIMIT],
            "history_limit": HISTORY_LIMIT,
        },
    )


# --- import --------------------------------------------------------------------------------------
def _local_path(upload: UploadedFile, stack: ExitStack) -> Path:
    """A path on disk holding the upload: Django's own temporary file for a large upload, else
    a temporary copy removed when `stack` closes."""
    temporary_file_path = getattr(upload, "temporary_file_path", None)
    if temporary_file_path is not None:
        return Path(temporary_file_path())
    suffix = Path(upload.name or "").suffix.lower()
    fh = stack.enter_context(tempfile.NamedTemporaryFile(suffix=suffix))  # noqa: SIM115 (closed by the stack)
    for chunk in upload.chunks():
        fh.write(chunk)
    fh.flush()
    return Path(fh.name)


def _submit_import(user: User, households: UploadedFile, persons: UploadedFile) -> ImportJob:
    with ExitStack() as stack:
        job = services.import_submit(
            actor=user,
            households_path=_local_path(households, stack),
            persons_path=_local_path(persons, stack),
            households_name=households.name or "",
            persons_name=persons.name or "",
        )
    # The worker must find the job row committed. Submitting the same pair again returns the
    # first job, and enqueueing it again is harmless: only one worker can claim it.
    transaction.on_commit(lambda: jobs.run_import.enqueue(job.pk))
    return job


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    visible = selectors.import_jobs_visible(user)
    status = 200
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            job = _submit_import(user, form.cleaned_data["households"], form.cleaned_data["persons"])
            return redirect("registry:import_detail", job_id=job.pk)
        status = 400
    else:
        form = ImportUploadForm()
    page = Paginator(visible, IMPORT_JOBS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "registry/import_list.html", {"form": form, "page": page}, status=status)


@dataclass(frozen=True)
class RowProblem:
    file: str
    row: int
    column: str
    code: str
    message: str
    value: str
    severity: str
    severity_label: str


def _row_problems(errors: Iterator[ImportRowError] | Sequence[ImportRowError]) -> list[RowProblem]:
    # The stored message is in the language the import ran in; a known code is shown in the
    # reader's language.
    return [
        RowProblem(
            file=e.file,
            row=e.row,
            column=e.column,
            code=e.code,
            message=str(MESSAGES[e.code]) if e.code in MESSAGES else e.message,
            value=e.value,
            severity=e.severity,
            severity_label=e.get_severity_display(),
        )
        for e in errors
    ]


def _import_context(job: ImportJob) -> dict[str, Any]:
    context: dict[str, Any] = {"job": job, "problems": [], "problems_total": 0}
    if job.is_finished:
        errors = selectors.import_job_errors(job=job)
        shown = list(errors[:IMPORT_ERRORS_SHOWN])
        context["problems"] = _row_problems(shown)
        context["problems_total"] = len(shown) if len(shown) < IMPORT_ERRORS_SHOWN else errors.count()
        context["problems_limit"] = IMPORT_ERRORS_SHOWN
    return context


@login_required
@require_GET
def import_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.import_job_get(user=_actor(request), job_id=job_id)
    return render(request, "registry/import_detail.html", _import_context(job))


@login_required
@require_GET
def import_status(request: HttpRequest, job_id: int) -> HttpResponse:
    """The status block of the job page; htmx polls it every second until the job finishes."""
    job = selectors.import_job_get(user=_actor(request), job_id=job_id)
    return render(request, "registry/_import_status.html", _import_context(job))


IMPORT_ERRORS_HEADER = ("file", "row", "column", "code", "message", "value", "severity")


@login_required
@require_GET
def import_errors(request: HttpRequest, job_id: int) -> HttpResponseBase:
    job = selectors.import_job_get(user=_actor(request), job_id=job_id)
    rows = (
        selectors.import_job_errors(job=job)
        .values_list(*IMPORT_ERRORS_HEADER)
        .iterator(chunk_size=exports.CHUNK_ROWS)
    )
    return csv_response(f"impor-{job.pk}-galat.csv", IMPORT_ERRORS_HEADER, rows)
