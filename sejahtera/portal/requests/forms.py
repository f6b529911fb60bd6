"""The public forms (usul, sanggah, pengaduan, tracking) and the complaint desk's forms. Labels and
errors in the citizen's words, each error naming its field (Indonesian source strings)."""

from __future__ import annotations

from typing import Any

from captcha.fields import CaptchaField
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sejahtera.programs.models import Program
from sejahtera.registry import codes

from .models import Complaint, PublicSubmission

DIGITS16 = {"inputmode": "numeric", "pattern": "[0-9]{16}", "maxlength": "16", "autocomplete": "off"}
MEMBER_ROWS = 4  # optional further members on the usul form
MEMBER_RELATIONSHIPS = [
    (codes.Relationship.SPOUSE, codes.Relationship.SPOUSE.label),
    (codes.Relationship.CHILD, codes.Relationship.CHILD.label),
    (codes.Relationship.OTHER, codes.Relationship.OTHER.label),
]


def _digits(value: str, label: str) -> str:
    text = "".join(value.split())
    if len(text) != 16 or not text.isdigit():
        raise ValidationError(gettext("%(field)s harus 16 angka.") % {"field": label})
    return text


class VillageField(forms.CharField):
    """The village of the region cascade (a 10-digit Kemendagri code)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Desa/kelurahan"))
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("error_messages", {"required": _("Pilih desa/kelurahan.")})
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = str(super().clean(value))
        if len(text) != 10 or not text.isdigit():
            raise ValidationError(gettext("Pilih desa/kelurahan."))
        return text


class UsulForm(forms.Form):
    village = VillageField()
    relation = forms.ChoiceField(
        label=_("Keluarga siapa yang diusulkan?"),
        choices=PublicSubmission.Relation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pilih keluarga siapa yang diusulkan.")},
    )
    kk_number = forms.CharField(label=_("Nomor KK"), max_length=20, widget=forms.TextInput(attrs=DIGITS16))
    head_nik = forms.CharField(
        label=_("NIK kepala keluarga"), max_length=20, widget=forms.TextInput(attrs=DIGITS16)
    )
    head_name = forms.CharField(label=_("Nama kepala keluarga sesuai KTP"), max_length=100)
    address = forms.CharField(label=_("Alamat"), max_length=200)
    rt = forms.RegexField(label="RT", regex=r"^\d{1,3}$", required=False, max_length=3)
    rw = forms.RegexField(label="RW", regex=r"^\d{1,3}$", required=False, max_length=3)
    program = forms.ChoiceField(label=_("Program bantuan yang diusulkan"))
    statement = forms.CharField(
        label=_("Alasan diusulkan"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Keadaan keluarga: pekerjaan, rumah, tanggungan, sakit atau disabilitas."),
    )
    contact_name = forms.CharField(label=_("Nama Anda (pengusul)"), max_length=100)
    contact_phone = forms.RegexField(
        label=_("Nomor HP (boleh kosong)"), regex=r"^\+?[0-9 -]{8,20}$", required=False, max_length=20
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        program = self.fields["program"]
        assert isinstance(program, forms.ChoiceField)
        program.choices = [("", "—"), *((p.code, f"{p.code} — {p.name}") for p in Program.objects.all())]
        for i in range(MEMBER_ROWS):
            self.fields[f"member_{i}_nik"] = forms.CharField(
                label=_("NIK anggota %(n)d") % {"n": i + 2},
                max_length=20,
                required=False,
                widget=forms.TextInput(attrs=DIGITS16),
            )
            self.fields[f"member_{i}_name"] = forms.CharField(
                label=_("Nama anggota %(n)d") % {"n": i + 2}, max_length=100, required=False
            )
            self.fields[f"member_{i}_relationship"] = forms.ChoiceField(
                label=_("Hubungan anggota %(n)d") % {"n": i + 2},
                choices=MEMBER_RELATIONSHIPS,
                required=False,
            )

    def clean_kk_number(self) -> str:
        return _digits(self.cleaned_data["kk_number"], gettext("Nomor KK"))

    def clean_head_nik(self) -> str:
        return _digits(self.cleaned_data["head_nik"], gettext("NIK kepala keluarga"))

    def members(self) -> list[dict[str, str]]:
        return [
            {
                "nik": self.cleaned_data[f"member_{i}_nik"],
                "full_name": self.cleaned_data[f"member_{i}_name"],
                "relationship": self.cleaned_data[f"member_{i}_relationship"] or codes.Relationship.OTHER,
            }
            for i in range(MEMBER_ROWS)
            if self.cleaned_data.get(f"member_{i}_nik")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(MEMBER_ROWS):
            nik, name = data.get(f"member_{i}_nik", ""), data.get(f"member_{i}_name", "")
            if not nik and not name:
                continue
            label = gettext("NIK anggota %(n)d") % {"n": i + 2}
            try:
                data[f"member_{i}_nik"] = _digits(nik, label)
            except ValidationError as e:
                self.add_error(f"member_{i}_nik", e)
            if not name.strip():
                self.add_error(f"member_{i}_name", gettext("Isi nama anggota %(n)d.") % {"n": i + 2})
        return data


class SanggahForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Alasan sanggahan"),
        choices=PublicSubmission.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pilih alasan sanggahan.")},
    )
    statement = forms.CharField(
        label=_("Penjelasan"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Apa yang Anda ketahui, sejak kapan."),
    )
    objector_name = forms.CharField(label=_("Nama Anda sesuai KTP"), max_length=100)
    objector_nik = forms.CharField(
        label=_("NIK Anda"),
        max_length=20,
        widget=forms.TextInput(attrs=DIGITS16),
        help_text=_("Disimpan sebagai catatan penyanggah; tidak ditampilkan kembali."),
    )
    contact_phone = forms.RegexField(
        label=_("Nomor HP (boleh kosong)"), regex=r"^\+?[0-9 -]{8,20}$", required=False, max_length=20
    )
    resident = forms.BooleanField(
        label=_("Saya tinggal di desa/kelurahan yang sama dengan penerima ini."),
        error_messages={"required": _("Sanggahan hanya dapat diajukan oleh warga desa/kelurahan yang sama.")},
    )

    def clean_objector_nik(self) -> str:
        return _digits(self.cleaned_data["objector_nik"], gettext("NIK Anda"))


class EvidenceForm(forms.Form):
    """The last step of usul and sanggah: the photo, (sanggah) the coordinates and the statement
    that the citizen understands, and the captcha."""

    photo = forms.FileField(
        label=_("Foto rumah"),
        help_text=_("JPEG, PNG atau WebP, paling besar 10 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
        ),
        error_messages={"required": _("Lampirkan foto rumah.")},
    )
    captcha = CaptchaField(
        label=_("Ketik huruf pada gambar"), error_messages={"invalid": _("Huruf pada gambar tidak cocok.")}
    )
    confirm = forms.BooleanField(
        label=_("Data yang saya isi benar, dan saya mengerti bahwa data saya dicatat."),
        error_messages={"required": _("Centang pernyataan ini untuk mengirim.")},
    )


class SanggahEvidenceForm(EvidenceForm):
    latitude = forms.CharField(
        label=_("Lintang (latitude)"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    longitude = forms.CharField(
        label=_("Bujur (longitude)"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = _(
            "Saya menyatakan sanggahan ini benar. Saya mengerti bahwa sanggahan palsu dicatat bersama "
            "nama dan NIK saya."
        )


class ComplaintForm(forms.Form):
    village = VillageField(help_text=_("Pengaduan diteruskan ke Dinas Sosial kabupaten/kota desa ini."))
    kind = forms.ChoiceField(
        label=_("Jenis"),
        choices=Complaint.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pilih jenis: pertanyaan, saran atau pengaduan.")},
    )
    category = forms.ChoiceField(
        label=_("Kategori"),
        choices=[("", "—"), *Complaint.Category.choices],
        error_messages={"required": _("Pilih kategori.")},
    )
    text = forms.CharField(
        label=_("Isi"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Tuliskan isi pertanyaan, saran atau pengaduan Anda.")},
    )
    contact_name = forms.CharField(label=_("Nama (boleh kosong)"), max_length=100, required=False)
    contact_phone = forms.RegexField(
        label=_("Nomor HP (boleh kosong)"), regex=r"^\+?[0-9 -]{8,20}$", required=False, max_length=20
    )
    attachment = forms.FileField(
        label=_("Lampiran foto (boleh kosong)"),
        required=False,
        help_text=_("JPEG, PNG atau WebP, paling besar 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    captcha = CaptchaField(
        label=_("Ketik huruf pada gambar"), error_messages={"invalid": _("Huruf pada gambar tidak cocok.")}
    )


class TrackForm(forms.Form):
    kode = forms.CharField(
        label=_("Kode pelacakan atau nomor tiket"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


# --- the complaint desk -----------------------------------------------------------------------------
class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Jawaban resmi"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Tampil bagi pelapor pada halaman status tiket."),
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("Alasan penutupan"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Wajib bila belum dijawab; tampil bagi pelapor."),
    )
