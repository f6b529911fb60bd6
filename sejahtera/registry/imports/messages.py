"""What each validation code means, for the error report (Indonesian first, translatable)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "REQUIRED": _("wajib diisi"),
    "FORMAT": _("format salah (NIK/KK 16 digit angka; di Excel format kolom sebagai Teks)"),
    "DATE_INVALID": _("tanggal tidak ada di kalender"),
    "DATE_FORMAT": _("tanggal harus berformat YYYY-MM-DD"),
    "DATE_IN_FUTURE": _("tanggal di masa depan"),
    "SERIAL_ZERO": _("nomor urut 0000 tidak sah"),
    "TOO_LONG": _("terlalu panjang"),
    "NOT_A_NUMBER": _("harus bilangan bulat"),
    "OUT_OF_RANGE": _("di luar rentang yang diizinkan"),
    "CODE_UNKNOWN": _("kode tidak dikenal (lihat daftar kode)"),
    "NOT_YES_NO": _("harus 1/0 atau ya/tidak"),
    "UNKNOWN": _("kode wilayah tidak dikenal"),
    "REGION_UNKNOWN": _("kode wilayah pada nomor tidak dikenal"),
    "OUT_OF_JURISDICTION": _("di luar wilayah kewenangan pengimpor"),
    "DUPLICATE_IN_FILE": _("muncul lebih dari sekali dalam berkas; baris pertama yang dipakai"),
    "ALREADY_REGISTERED": _("sudah terdaftar aktif dengan data berbeda; perubahan lewat usulan pemutakhiran"),
    "HOUSEHOLD_REJECTED": _("baris keluarganya ditolak"),
    "HOUSEHOLD_UNKNOWN": _("KK tidak ada di berkas keluarga maupun di registri"),
    "COLUMN_COUNT": _("jumlah kolom tidak sesuai kepala tabel"),
    "INVALID_CHARACTER": _("berisi karakter yang tidak sah (NUL)"),
    "NOT_ACTIVE": _(
        "sudah terdaftar dengan status tidak aktif (meninggal, pindah, nonaktif); pengaktifan lewat usulan"
    ),
    "NIK_SEX_MISMATCH": _("jenis kelamin tidak sesuai NIK"),
    "NIK_BIRTHDATE_MISMATCH": _("tanggal lahir tidak sesuai NIK"),
}


def message_for(code: str) -> str:
    return str(MESSAGES.get(code, code))
