"""Forms of the quality pages: the findings filter, a decision with its reason, a padan upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sejahtera.programs.forms import _region_field, _Sorted

from .checks import CHECKS
from .models import Finding, FindingType, Severity


class FindingFilterForm(_Sorted):
    SORTS = {
        "id": "id",
        "type": "type",
        "severity": "severity",
        "status": "status",
        "region": "village_id",
        "seen": "last_seen_at",
    }
    DEFAULT = "-id"
    type = forms.ChoiceField(
        label=_("Jenis"), required=False, choices=[("", _("Semua jenis")), *FindingType.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua status")), *Finding.Status.choices]
    )
    severity = forms.ChoiceField(
        label=_("Tingkat"), required=False, choices=[("", _("Semua tingkat")), *Severity.choices]
    )
    region = _region_field()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Keputusan"),
        choices=[("resolve", _("Selesaikan (sudah diperbaiki)")), ("dismiss", _("Abaikan (bukan masalah)"))],
    )
    reason = forms.CharField(label=_("Alasan"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan pengecualian"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Mis. KTP-el diperiksa langsung; nama di Dukcapil memakai ejaan lama."),
    )


class OverrideDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Keputusan"),
        choices=[("1", _("Setujui")), ("0", _("Tolak"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("Catatan"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RunForm(forms.Form):
    check_type = forms.ChoiceField(
        label=_("Pemeriksaan"),
        required=False,
        choices=[("", _("Semua pemeriksaan")), *((c.type, FindingType(c.type).label) for c in CHECKS)],
    )


class PadanUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Ekstrak Dukcapil (CSV)"),
        help_text=_("Kolom: nik, full_name, birth_date, sex, kk_number, status (hidup/meninggal)."),
    )
    region = _region_field()
