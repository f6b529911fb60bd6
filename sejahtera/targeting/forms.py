"""Forms of the targeting pages: a new scoring model version (weights as JSON typed or uploaded)
and the reason a version is retired."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# A weights document is a few kilobytes; a file much larger is not one.
MAX_WEIGHTS_BYTES = 1_000_000


class ScoringModelForm(forms.Form):
    version = forms.RegexField(
        label=_("Versi"),
        regex=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$",
        max_length=40,
        help_text=_("Huruf, angka, titik, garis bawah atau tanda hubung, mis. PMT-2027.1."),
        error_messages={
            "invalid": _("Versi hanya boleh berisi huruf, angka, titik, garis bawah atau tanda hubung.")
        },
    )
    name = forms.CharField(label=_("Nama"), max_length=120)
    legal_source = forms.CharField(
        label=_("Dasar hukum / sumber"),
        max_length=300,
        help_text=_(
            "Keputusan atau dokumen yang menjadi sumber bobot; tulis 'ilustratif' bila bukan bobot resmi."
        ),
    )
    description = forms.CharField(
        label=_("Keterangan"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    effective_from = forms.DateField(label=_("Berlaku sejak"), widget=forms.DateInput(attrs={"type": "date"}))
    weights = forms.CharField(
        label=_("Bobot (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "mono", "spellcheck": "false"}),
        help_text=_("Dokumen bobot; lihat daftar variabel di bawah. Atau unggah berkas JSON."),
    )
    weights_file = forms.FileField(label=_("Berkas bobot (JSON)"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("weights_file")
        text = (data.get("weights") or "").strip()
        if upload is not None:
            if upload.size > MAX_WEIGHTS_BYTES:
                self.add_error("weights_file", gettext("Berkas bobot terlalu besar (paling banyak 1 MB)."))
                return data
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("weights_file", gettext("Berkas bobot harus teks UTF-8."))
                return data
        if not text:
            self.add_error("weights", gettext("Isi bobot sebagai JSON atau unggah berkas JSON."))
            return data
        try:
            data["weights_document"] = json.loads(text)
        except json.JSONDecodeError as e:
            field = "weights_file" if upload is not None else "weights"
            self.add_error(
                field,
                gettext("JSON tidak sah pada baris %(line)s kolom %(col)s: %(msg)s")
                % {"line": e.lineno, "col": e.colno, "msg": e.msg},
            )
        return data


class RetireForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan pencabutan"), max_length=500, strip=True, widget=forms.Textarea(attrs={"rows": 2})
    )
