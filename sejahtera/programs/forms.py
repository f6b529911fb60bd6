"""Forms of the program pages: a run, the enrolment and entitlement filters, graduation, withdrawal
steps, quotas. They check types only; the rules live in the services."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Enrollment, ExitReason, Program, Withdrawal
from .selectors import EnrollmentFilter, EntitlementFilter

PERIOD_RE = r"^20\d\d-(0[1-9]|1[0-2])$"
REGION_RE = r"^(\d{2}|\d{4}|\d{6}|\d{10})$"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _period_field(required: bool = True) -> forms.RegexField:
    return forms.RegexField(
        label=_("Periode"),
        regex=PERIOD_RE,
        max_length=7,
        required=required,
        help_text=_("Bulan penyaluran, YYYY-MM (PKH: 01, 04, 07, 10)"),
        error_messages={"invalid": _("Periode harus berbentuk YYYY-MM, mis. 2021-01.")},
        widget=forms.TextInput(attrs={"placeholder": "2021-01", "inputmode": "numeric"}),
    )


def _region_field() -> forms.RegexField:
    return forms.RegexField(
        label=_("Kode wilayah"),
        regex=REGION_RE,
        required=False,
        help_text=_("Provinsi, kabupaten/kota, kecamatan atau desa, tanpa titik"),
        error_messages={"invalid": _("Kode wilayah 2, 4, 6 atau 10 digit tanpa titik.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 10}),
    )


class RunForm(forms.Form):
    period = _period_field()
    release_number = forms.IntegerField(
        label=_("Nomor rilis"),
        required=False,
        min_value=1,
        help_text=_("Kosongkan untuk rilis terakhir yang ditetapkan"),
    )


class _Sorted(forms.Form):
    SORTS: dict[str, str] = {}
    DEFAULT = "id"
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def sort_key(self) -> str:
        key = (self.cleaned_data.get("sort") or "") if self.is_bound and self.is_valid() else ""
        return key if key.lstrip("-") in self.SORTS else self.DEFAULT

    def ordering(self) -> tuple[str, ...]:
        key = self.sort_key()
        field = self.SORTS[key.lstrip("-")]
        return (f"-{field}" if key.startswith("-") else field, "id")


class EnrollmentFilterForm(_Sorted):
    SORTS = {
        "id": "id",
        "region": "village_code",
        "rank": "rank",
        "enrolled": "enrolled_period",
        "status": "status",
        "exited": "exit_period",
    }
    DEFAULT = "region"
    region = _region_field()
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua status")), *Enrollment.Status.choices]
    )
    exit_reason = forms.ChoiceField(
        label=_("Alasan keluar"), required=False, choices=[("", _("Semua alasan")), *ExitReason.choices]
    )

    def to_filter(self) -> EnrollmentFilter:
        d = self.cleaned_data
        return EnrollmentFilter(
            region=d.get("region") or "", status=d.get("status") or "", exit_reason=d.get("exit_reason") or ""
        )


class EntitlementFilterForm(_Sorted):
    SORTS = {"id": "id", "region": "village_code", "amount": "amount", "household": "household_id"}
    DEFAULT = "region"
    period = _period_field(required=False)
    region = _region_field()

    def to_filter(self, default_period: str) -> EntitlementFilter:
        d = self.cleaned_data
        return EntitlementFilter(period=d.get("period") or default_period, region=d.get("region") or "")


class GraduateForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan graduasi"),
        max_length=500,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mis. usaha mandiri, penghasilan tetap; tercatat di log audit"),
    )


class WithdrawalRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan pengunduran diri"),
        max_length=1000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WithdrawalConfirmForm(forms.Form):
    statement_date = forms.DateField(
        label=_("Tanggal surat pernyataan keluarga"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_statement_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["statement_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Tanggal surat pernyataan tidak boleh di masa depan."))
        return value


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan penolakan"), max_length=1000, strip=True, widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawalFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua status")), *Withdrawal.Status.choices]
    )


class QuotaForm(forms.Form):
    program = forms.ModelChoiceField(
        label=_("Program"), queryset=Program.objects.all(), to_field_name="code", empty_label=None
    )
    year = forms.IntegerField(label=_("Tahun"), min_value=2000, max_value=2100)
    region_code = forms.RegexField(
        label=_("Kode wilayah"),
        regex=r"^(\d{2}|\d{4})$",
        help_text=_("Provinsi (2 digit) atau kabupaten/kota (4 digit), tanpa titik"),
        error_messages={"invalid": _("Kode provinsi (2 digit) atau kabupaten/kota (4 digit).")},
    )
    households = forms.IntegerField(label=_("Kuota keluarga (KPM)"), min_value=0)
    legal_source = forms.CharField(label=_("Dasar penetapan"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["year"].initial = timezone.localdate().year


class QuotaUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas kuota"),
        help_text=_("XLSX atau CSV dengan kolom program, year, region_code, households (dan legal_source)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in (".xlsx", ".csv"):
            raise forms.ValidationError(_("Berkas harus XLSX atau CSV."))
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("Berkas lebih dari 5 MB."))
        if not upload.size:
            raise forms.ValidationError(_("Berkas kosong."))
        return upload
