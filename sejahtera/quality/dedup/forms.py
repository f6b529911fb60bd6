from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DuplicatePair, Kind
from .selectors import PairFilter


class PairFilterForm(forms.Form):
    SORTS = {"id": "id", "probability": "probability", "region": "village_a", "found": "found_at"}
    DEFAULT = "-probability"

    kind = forms.ChoiceField(
        label=_("Jenis"), required=False, choices=[("", _("Semua jenis")), *Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Semua status")), *DuplicatePair.Status.choices],
        initial=DuplicatePair.Status.PENDING,
    )
    band = forms.ChoiceField(
        label=_("Probabilitas"),
        required=False,
        choices=[
            ("", _("Semua")),
            ("99", "≥ 0,99"),
            ("95", "0,95 - 0,99"),
            ("90", "0,90 - 0,95"),
            ("low", "< 0,90"),
        ],
    )
    region = forms.RegexField(
        label=_("Kode wilayah"), required=False, regex=r"^(\d{2}|\d{4}|\d{6}|\d{10})$", max_length=10
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def sort_key(self) -> str:
        key = (self.cleaned_data.get("sort") or "") if self.is_bound and self.is_valid() else ""
        return key if key.lstrip("-") in self.SORTS else self.DEFAULT

    def ordering(self) -> tuple[str, ...]:
        key = self.sort_key()
        field = self.SORTS[key.lstrip("-")]
        return (f"-{field}" if key.startswith("-") else field, "id")

    def to_filter(self, region: str) -> PairFilter:
        d = self.cleaned_data
        return PairFilter(
            kind=d.get("kind") or "", status=d.get("status") or "", band=d.get("band") or "", region=region
        )


class ConfirmForm(forms.Form):
    survivor = forms.TypedChoiceField(
        label=_("Rekaman yang dipertahankan"), coerce=int, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Alasan"),
        max_length=1000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Penggabungan menonaktifkan rekaman lainnya; tercatat di log audit"),
    )

    def __init__(self, *args: object, choices: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["survivor"].choices = choices  # type: ignore[attr-defined]


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan"),
        max_length=1000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mis. dua orang berbeda yang lahir pada hari yang sama"),
    )


class RunForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Jenis"), required=False, choices=[("", _("Penduduk dan keluarga")), *Kind.choices]
    )
    retrain = forms.BooleanField(label=_("Latih ulang model"), required=False)
