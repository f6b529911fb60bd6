"""Forms of the village operator's and the field verifier's pages (issue 3 §1-2).

Fields that carry registry data are built from the registry models and named as in the registry
(registry/columns.py), so a value refused by the services (ProposalRefused names its field) lands on
the field that holds it. The forms only check types; the rules live in services.proposal_check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sejahtera.registry import codes
from sejahtera.registry.models import Household, Person
from sejahtera.registry.views import _ASSETS, _HOUSING, _PERSON

from .models import Proposal, VerificationTask
from .selectors import ProposalFilter
from .services import ProposalInput, ProposalRefused

K = Proposal.Kind

# The registry's own labels (the household and person pages use the same ones).
LABELS: dict[str, Any] = {
    **dict(_HOUSING),
    **dict(_ASSETS),
    **dict(_PERSON),
    "kk_number": _("No. KK"),
    "address": _("Alamat"),
    "rt": "RT",
    "rw": "RW",
    "welfare_status": _("Status kesejahteraan"),
    "ppks_mask": _("PPKS"),
}

# What the phone form asks for a new or changed household: the address, the housing block the
# verifier can see from the street, and the assets the QA screening looks at.
HOUSEHOLD_FORM_FIELDS = (
    "address",
    "rt",
    "rw",
    "tenure_status",
    "floor_area_m2",
    "floor_type",
    "wall_type",
    "roof_type",
    "bedrooms",
    "lighting_source",
    "power_capacity",
    "water_source",
    "cooking_fuel",
    "toilet_facility",
)
ASSET_FORM_FIELDS = (
    "has_refrigerator",
    "has_air_conditioner",
    "has_motorcycle",
    "has_car",
    "owns_land",
    "has_other_house",
)
MEMBER_FIELDS = ("nik", "full_name", "birth_date", "sex", "relationship")
MEMBER_ADD_FIELDS = (
    *MEMBER_FIELDS,
    "birth_place",
    "marital_status",
    "mother_name",
    "education",
    "school_level",
    "disability",
    "disability_severity",
    "pregnant",
)
PERSON_CHANGE_FIELDS = (*(f for f in MEMBER_ADD_FIELDS if f != "nik"), "work_sector", "chronic_illness")
MAX_MEMBERS = 8
FIRST_MEMBER_ROWS = 2

_NUMERIC = {"kk_number", "nik", "rt", "rw", "target_village_code", "village_code"}
_UNCHANGED = _("— tidak berubah —")


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _digits_widget(length: int) -> forms.TextInput:
    return forms.TextInput(
        attrs={"inputmode": "numeric", "pattern": f"[0-9]{{1,{length}}}", "autocomplete": "off"}
    )


def _village_code_field(label: Any, help_text: Any) -> forms.RegexField:
    return forms.RegexField(
        label=label,
        regex=r"^\d{10}$",
        error_messages={"invalid": _("Kode desa/kelurahan 10 digit tanpa titik.")},
        widget=_digits_widget(10),
        help_text=help_text,
    )


def registry_field(
    model: type[models.Model], name: str, *, required: bool = False, unchanged_blank: bool = False
) -> forms.Field:
    """A form field for a registry attribute, with the registry's label and code list.
    `unchanged_blank`: an empty answer means "no change" (yes/no becomes a three-way choice)."""
    field: Any = model._meta.get_field(name)
    label = LABELS.get(name, field.verbose_name)
    if isinstance(field, models.BooleanField):
        if unchanged_blank:
            return forms.TypedChoiceField(
                label=label,
                required=False,
                choices=[("", _UNCHANGED), ("1", _("Ya")), ("0", _("Tidak"))],
                coerce=lambda v: v == "1",
                empty_value=None,
            )
        return forms.BooleanField(label=label, required=False)
    if field.choices:
        is_int = isinstance(field, models.IntegerField)
        return forms.TypedChoiceField(
            label=label,
            required=required,
            choices=[
                ("", _UNCHANGED if unchanged_blank else "—"),
                *((str(v), lbl) for v, lbl in field.choices),
            ],
            coerce=int if is_int else str,
            empty_value=None if is_int else "",
        )
    if isinstance(field, models.DateField):
        return forms.DateField(label=label, required=required, widget=_date_widget())
    if isinstance(field, models.IntegerField):
        return forms.IntegerField(label=label, required=required, min_value=0)
    widget = _digits_widget(field.max_length) if name in _NUMERIC else None
    return forms.CharField(label=label, required=required, max_length=field.max_length, widget=widget)


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


class RegistryValuesForm(forms.Form):
    """Registry attributes of a household or a person, named as in the registry."""

    names: Sequence[str] = ()
    model: type[models.Model] = Household
    required_names: Sequence[str] = ()
    unchanged_blank = False

    def __init__(self, *args: Any, names: Sequence[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in names or self.names:
            self.fields[name] = registry_field(
                self.model, name, required=name in self.required_names, unchanged_blank=self.unchanged_blank
            )

    def values(self) -> dict[str, Any]:
        """Every value, JSON-safe (what a new household or member carries)."""
        return {name: _json_value(self.cleaned_data.get(name)) for name in self.fields}

    def changes(self) -> dict[str, Any]:
        """Only the values that differ from the record's (the form's initial values)."""
        return {name: _json_value(self.cleaned_data.get(name)) for name in self.changed_data}

    def entered(self) -> dict[str, Any]:
        """Only the fields filled in (a blank answer means unchanged)."""
        return {
            name: _json_value(value)
            for name, value in self.cleaned_data.items()
            if value is not None and value != ""
        }


class NewHouseholdForm(RegistryValuesForm):
    names = ("kk_number", *HOUSEHOLD_FORM_FIELDS, *ASSET_FORM_FIELDS)
    required_names = ("kk_number", "address")


class HouseholdChangeForm(RegistryValuesForm):
    names: Sequence[str] = (*HOUSEHOLD_FORM_FIELDS, *ASSET_FORM_FIELDS)


class MemberForm(RegistryValuesForm):
    model = Person
    names: Sequence[str] = MEMBER_FIELDS
    required_names = MEMBER_FIELDS


class NewMemberForm(MemberForm):
    names = MEMBER_ADD_FIELDS


class PersonChangeForm(RegistryValuesForm):
    model = Person
    names = PERSON_CHANGE_FIELDS


class CorrectionForm(RegistryValuesForm):
    """What the verifier found different at the house (blank: as proposed), for one part of the
    proposal's payload (`part`, as services.verification_submit reads corrections)."""

    part = "household"
    names: Sequence[str] = (*HOUSEHOLD_FORM_FIELDS, *ASSET_FORM_FIELDS)
    unchanged_blank = True


class PersonCorrectionForm(CorrectionForm):
    part = "person"
    model = Person
    names = PERSON_CHANGE_FIELDS


# Every row is on the page (no script needed to add one); rows after the first ones start folded.
MemberFormSet = forms.formset_factory(
    MemberForm, extra=MAX_MEMBERS - 1, min_num=1, validate_min=True, max_num=MAX_MEMBERS, validate_max=True
)


# --- the proposal list ---------------------------------------------------------------------------
# Sort keys of the list's columns (the link text of each column header), to model fields.
SORTS = {
    "id": "id",
    "submitted": "submitted_at",
    "due": "due_at",
    "village": "village_id",
    "kind": "kind",
    "status": "status",
}


class ProposalFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Cari"),
        required=False,
        max_length=40,
        help_text=_("Nomor usulan, atau No. KK (16 digit)"),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua status")), *Proposal.Status.choices]
    )
    kind = forms.ChoiceField(
        label=_("Jenis"), required=False, choices=[("", _("Semua jenis")), *Proposal.Kind.choices]
    )
    origin = forms.ChoiceField(
        label=_("Asal"), required=False, choices=[("", _("Semua asal")), *Proposal.Origin.choices]
    )
    region = forms.RegexField(
        label=_("Kode wilayah"),
        required=False,
        regex=r"^(\d{2}|\d{4}|\d{6}|\d{10})$",
        error_messages={"invalid": _("Kode wilayah 2, 4, 6 atau 10 digit tanpa titik.")},
        widget=_digits_widget(10),
        help_text=_("Provinsi, kabupaten/kota, kecamatan atau desa, tanpa titik"),
    )
    overdue = forms.BooleanField(label=_("Hanya yang lewat batas verifikasi"), required=False)
    sort = forms.ChoiceField(
        required=False, choices=[(k, k) for key in SORTS for k in (key, f"-{key}")], widget=forms.HiddenInput
    )

    def to_filter(self) -> ProposalFilter:
        d = self.cleaned_data
        return ProposalFilter(
            status=d.get("status") or "",
            kind=d.get("kind") or "",
            origin=d.get("origin") or "",
            region=d.get("region") or "",
            overdue=bool(d.get("overdue")),
            q=d.get("q") or "",
        )

    def sort_key(self) -> str:
        return (self.cleaned_data.get("sort") if self.is_bound and self.is_valid() else "") or "-id"

    def ordering(self) -> tuple[str, ...]:
        key = self.sort_key()
        field = SORTS[key.lstrip("-")]
        return (f"-{field}" if key.startswith("-") else field, "-id")


# --- a new proposal ------------------------------------------------------------------------------
# Origins an operator enters by hand (the population registry and QA reach proposals by themselves).
MANUAL_ORIGINS = [
    (value, label) for value, label in Proposal.Origin.choices if value not in ("DUKCAPIL", "QA")
]
# Reasons an operator may give (NO_MEMBERS is set by the population-registry events).
REASONS = [(v, label) for v, label in codes.InactiveReason.choices if v != codes.InactiveReason.NO_MEMBERS]

KIND_HELP: dict[str, Any] = {
    K.NEW_HOUSEHOLD: _("Keluarga yang belum ada di registri, dengan anggotanya"),
    K.HOUSEHOLD_CHANGE: _("Alamat, kondisi rumah atau aset keluarga berubah"),
    K.PERSON_CHANGE: _("Data seorang anggota keluarga berubah"),
    K.MEMBER_ADD: _("Anggota baru: kelahiran, pernikahan, menumpang"),
    K.MEMBER_REMOVE: _("Anggota keluar dari keluarga"),
    K.MOVE: _("Keluarga pindah ke desa/kelurahan lain"),
    K.DEACTIVATE: _("Keluarga tidak layak, tidak ditemukan atau ganda"),
    K.REACTIVATE: _("Keluarga nonaktif diusulkan aktif kembali"),
}


class ProposalForm(forms.Form):
    """What every proposal carries: where it comes from and the deliberation's minutes."""

    village_code = _village_code_field(
        _("Kode desa/kelurahan"), _("10 digit tanpa titik, di wilayah kewenangan Anda")
    )
    origin = forms.ChoiceField(label=_("Asal usulan"), choices=MANUAL_ORIGINS, initial=Proposal.Origin.MUSDES)
    minutes_number = forms.CharField(
        label=_("Nomor berita acara"),
        required=False,
        max_length=60,
        help_text=_("Wajib untuk usulan hasil musyawarah desa/kelurahan"),
    )
    minutes_date = forms.DateField(label=_("Tanggal berita acara"), required=False, widget=_date_widget())
    reference = forms.CharField(
        label=_("Rujukan"),
        required=False,
        max_length=60,
        help_text=_("Nomor tiket, nomor kasus SLRT atau rujukan lain"),
    )
    note = forms.CharField(
        label=_("Keterangan"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, ask_village: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not ask_village:
            del self.fields["village_code"]


class ReasonForm(forms.Form):
    inactive_reason = forms.ChoiceField(label=_("Alasan"), choices=[("", "—"), *REASONS])


class MoveForm(forms.Form):
    target_village_code = _village_code_field(
        _("Kode desa/kelurahan tujuan"), _("10 digit tanpa titik, mis. 3204052001")
    )


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Cari keluarga"),
        required=False,
        max_length=100,
        help_text=_("No. KK atau NIK (16 digit), atau nama anggota (minimal 3 huruf)"),
    )


class ProposalEntry:
    """The forms of one new-proposal page: the common part and the part the kind needs. Turns them
    into a services.ProposalInput, and a refusal of the service back into a field's error."""

    def __init__(
        self,
        kind: str,
        data: Any = None,
        *,
        household: Household | None = None,
        person: Person | None = None,
        ask_village: bool = False,
    ) -> None:
        self.kind = kind
        self.household = household
        self.person = person
        self.main = ProposalForm(data, ask_village=ask_village and kind == K.NEW_HOUSEHOLD)
        self.values: RegistryValuesForm | None = None
        self.members: Any = None
        self.extra: forms.Form | None = None
        if kind == K.NEW_HOUSEHOLD:
            self.values = NewHouseholdForm(data, prefix="kk")
            self.members = MemberFormSet(data, prefix="anggota")
        elif kind == K.HOUSEHOLD_CHANGE and household is not None:
            self.values = HouseholdChangeForm(data, prefix="kk", initial=_initial(household))
        elif kind == K.PERSON_CHANGE and person is not None:
            self.values = PersonChangeForm(data, prefix="anggota", initial=_initial(person))
        elif kind == K.MEMBER_ADD:
            self.values = NewMemberForm(data, prefix="anggota")
        if kind in (K.DEACTIVATE, K.MEMBER_REMOVE):
            self.extra = ReasonForm(data)
        elif kind == K.MOVE:
            self.extra = MoveForm(data)

    @property
    def members_open(self) -> list[forms.Form]:
        """The member rows shown unfolded (the head and one more)."""
        return list(self.members.forms)[:FIRST_MEMBER_ROWS] if self.members is not None else []

    @property
    def members_folded(self) -> list[forms.Form]:
        return list(self.members.forms)[FIRST_MEMBER_ROWS:] if self.members is not None else []

    @property
    def members_folded_used(self) -> bool:
        """A folded row holds an entry or an error: show it unfolded."""
        return any(f.is_bound and (f.has_changed() or bool(f.errors)) for f in self.members_folded)

    def forms(self) -> list[forms.Form]:
        return [f for f in (self.main, self.values, self.extra) if f is not None]

    def is_valid(self) -> bool:
        results = [f.is_valid() for f in self.forms()]  # every form checked, so each shows its errors
        if self.members is not None:
            results.append(self.members.is_valid())
        return all(results)

    def to_input(self, *, village_code: str) -> ProposalInput:
        main = self.main.cleaned_data
        extra = self.extra.cleaned_data if self.extra is not None else {}
        payload: dict[str, Any] = {}
        if self.kind == K.NEW_HOUSEHOLD:
            assert self.values is not None
            members = [m.values() for m in self.members.forms if m.has_changed()]
            payload = {"household": self.values.values(), "members": members}
            village_code = main.get("village_code") or village_code
        elif self.kind in (K.HOUSEHOLD_CHANGE, K.PERSON_CHANGE) and self.values is not None:
            payload = {"changes": self.values.changes()}
        elif self.kind == K.MEMBER_ADD and self.values is not None:
            payload = {"member": self.values.values()}
        return ProposalInput(
            kind=self.kind,
            origin=main["origin"],
            village_code=village_code,
            household_id=self.household.pk if self.household is not None else None,
            person_id=self.person.pk if self.person is not None else None,
            target_village_code=extra.get("target_village_code", ""),
            inactive_reason=extra.get("inactive_reason", ""),
            payload=payload,
            minutes_number=main.get("minutes_number") or "",
            minutes_date=main.get("minutes_date"),
            reference=main.get("reference") or "",
            note=main.get("note") or "",
        )

    def refuse(self, error: ProposalRefused) -> None:
        """Show the service's refusal on the field it names (else above the form)."""
        message = error.message.removeprefix(f"{error.field}: ")
        if self.members is not None and error.field in MemberForm.names and error.value:
            for member in self.members.forms:
                if member.cleaned_data.get("nik") == error.value:
                    member.add_error(error.field, message)
                    return
        for form in self.forms():
            if error.field in form.fields:
                form.add_error(error.field, message)
                return
        label = LABELS.get(error.field)
        self.main.add_error(None, f"{label}: {message}" if label else message)


def _initial(obj: models.Model) -> dict[str, Any]:
    return {f.name: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan penarikan"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- bulk upload ---------------------------------------------------------------------------------
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class ProposalUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas usulan"),
        help_text=_("XLSX atau CSV sesuai templat, paling besar 10 MB"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    village_code = _village_code_field(
        _("Kode desa/kelurahan"), _("Semua baris berkas adalah usulan desa/kelurahan ini")
    )

    def __init__(self, *args: Any, ask_village: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not ask_village:
            del self.fields["village_code"]

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in (".xlsx", ".csv"):
            raise forms.ValidationError(_("Berkas harus XLSX atau CSV."))
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Berkas lebih dari 10 MB; bagi menjadi beberapa berkas."))
        if not upload.size:
            raise forms.ValidationError(_("Berkas kosong."))
        return upload


# --- field verification --------------------------------------------------------------------------
MAX_PHOTOS = 8


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files from one input (Django's documented pattern for `multiple`)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/*", "capture": "environment", "multiple": True}),
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        cleaned = [super(PhotosField, self).clean(f, initial) for f in files if f]
        if len(cleaned) > MAX_PHOTOS:
            raise forms.ValidationError(_("Paling banyak %(n)d foto.") % {"n": MAX_PHOTOS})
        return cleaned


class VerificationForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Hasil verifikasi"), choices=VerificationTask.Result.choices, widget=forms.RadioSelect
    )
    photos = PhotosField(
        label=_("Foto rumah"),
        required=False,
        help_text=_("Sedikitnya satu foto, JPEG/PNG/WebP, paling besar 10 MB per foto"),
    )
    latitude = forms.CharField(
        label=_("Lintang (latitude)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("mis. -6.938300"),
    )
    longitude = forms.CharField(
        label=_("Bujur (longitude)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("mis. 107.723000"),
    )
    visited_on = forms.DateField(label=_("Tanggal kunjungan"), widget=_date_widget())
    notes = forms.CharField(
        label=_("Catatan"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"visited_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


def correction_form(kind: str, data: Any = None) -> CorrectionForm:
    """The correction fields fitting the proposal: a member's data for member kinds, else the house."""
    if kind in (K.PERSON_CHANGE, K.MEMBER_ADD):
        return PersonCorrectionForm(data, prefix="koreksi")
    return CorrectionForm(data, prefix="koreksi")
