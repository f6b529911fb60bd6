"""Forms of the registry pages: the household search and filters, and the import upload."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from . import codes
from .selectors import SORTS, HouseholdFilter

# The four levels of the region cascade, from the top: (form field, code length).
REGION_LEVELS: tuple[tuple[str, int], ...] = (("prov", 2), ("kab", 4), ("kec", 6), ("desa", 10))


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Cari"),
        required=False,
        max_length=100,
        help_text=_("NIK atau No. KK (16 digit), atau nama anggota keluarga (minimal 3 huruf)"),
    )
    prov = forms.CharField(label=_("Provinsi"), required=False, max_length=2)
    kab = forms.CharField(label=_("Kabupaten/Kota"), required=False, max_length=4)
    kec = forms.CharField(label=_("Kecamatan"), required=False, max_length=6)
    desa = forms.CharField(label=_("Desa/Kelurahan"), required=False, max_length=10)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Semua status")), *codes.RecordStatus.choices],
    )
    welfare = forms.ChoiceField(
        label=_("Status kesejahteraan"),
        required=False,
        choices=[("", _("Semua kelompok")), *((str(v), label) for v, label in codes.WelfareStatus.choices)],
    )
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS])

    def clean_q(self) -> str:
        term = " ".join(self.cleaned_data["q"].split())
        if not term:
            return ""
        if term.isascii() and term.isdigit():
            if len(term) != 16:
                raise forms.ValidationError(_("NIK dan No. KK terdiri dari 16 digit."))
        elif len(term) < 3:
            raise forms.ValidationError(_("Ketik minimal 3 huruf nama."))
        return term

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        for name, length in REGION_LEVELS:
            value = cleaned.get(name) or ""
            if value and (not (value.isascii() and value.isdigit()) or len(value) != length):
                self.add_error(name, _("Kode wilayah tidak sah."))
        # A lower level only counts when it lies inside the level chosen above it.
        parent = ""
        for name, _length in REGION_LEVELS:
            value = cleaned.get(name) or ""
            if value and parent and not value.startswith(parent):
                cleaned[name] = ""
                value = ""
            parent = value or parent
        return cleaned

    def region(self) -> str:
        """The most specific region chosen in the cascade ('' for none)."""
        code = ""
        for name, _length in REGION_LEVELS:
            value = self.cleaned_data.get(name) or ""
            if value and value.startswith(code):
                code = value
        return code

    def to_filter(self) -> HouseholdFilter:
        data = self.cleaned_data
        return HouseholdFilter(
            q=data.get("q") or "",
            region=self.region(),
            status=data.get("status") or "",
            welfare=data.get("welfare") or "",
            sort=data.get("sort") or "kk",
        )


MAX_UPLOAD_BYTES = 200 * 1024 * 1024
ALLOWED_SUFFIXES = (".csv", ".xlsx")


def _check_upload(upload: UploadedFile) -> UploadedFile:
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise forms.ValidationError(_("Berkas harus CSV atau XLSX."))
    if (upload.size or 0) > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(_("Berkas lebih dari 200 MB; bagi menjadi beberapa berkas."))
    if not upload.size:
        raise forms.ValidationError(_("Berkas kosong."))
    return upload


class ImportUploadForm(forms.Form):
    households = forms.FileField(
        label=_("Berkas keluarga (households)"),
        help_text=_("CSV atau XLSX, kolom sesuai docs/import-format.md, maks. 200 MB"),
    )
    persons = forms.FileField(
        label=_("Berkas anggota keluarga (persons)"),
        help_text=_("CSV atau XLSX, kolom sesuai docs/import-format.md, maks. 200 MB"),
    )

    def clean_households(self) -> UploadedFile:
        return _check_upload(self.cleaned_data["households"])

    def clean_persons(self) -> UploadedFile:
        return _check_upload(self.cleaned_data["persons"])
