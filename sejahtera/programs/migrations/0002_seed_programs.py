"""The programs of DOMAIN.md §6 and their parameter sets with their sources (docs/programs.md).

The parameter documents are written out here (a migration never imports application code); the test
`programs/tests/test_parameters.py` checks each with `programs.parameters.validate_params`. A later
change of amounts is a new row from its date (a new migration or the parameter page), never an edit
of these.
"""

import datetime as dt

from django.db import migrations

SOURCE_PKH = "\n".join(
    [
        "Indeks dan Komponen Bantuan PKH 2021–2025, Kepdirjen Linjamsos (DOMAIN.md §6.1)",
        "Besaran dikutip okezone Feb 2022, tempo.co Jan 2025, tribunnews Des 2021, bungko.id 2025, nakita.grid.id.",
        "Per tahap = per tahun ÷ 4: ibu hamil/nifas Rp750.000 (maks. 2), anak usia dini 0–6 tahun Rp750.000 "
        "(maks. 2), SD Rp225.000, SMP Rp375.000, SMA Rp500.000, disabilitas berat Rp600.000 (maks. 1), "
        "lanjut usia Rp600.000 (maks. 1); besaran stabil 2021–2025.",
        "Jadwal: 4 tahap, Januari, April, Juli, Oktober (tempo.co 4 Jan 2021).",
        "Syarat: keluarga miskin di DTKS/DTSEN desil 1–4 dengan paling sedikit satu komponen (setkab; DOMAIN.md §6.1, §6.2).",
        "[?] Batas 4 komponen per keluarga belum dikonfirmasi (DOMAIN.md §15 no. 2): family_cap, dapat diubah.",
        "[?] Usia lanjut usia: 60+ (nakita) atau diutamakan 70+ (indonesiabaik.id 2021); dipakai 60 "
        "(elderly_min_age), dapat diubah.",
    ]
)
SOURCE_BPNT_2021 = "\n".join(
    [
        "Paparan Kemensos 2021, Bansos PEN: Kartu Sembako/BPNT",
        "Rp200.000/bulan/KPM selama 12 bulan, 18,8 juta KPM, tambahan 2 x penyaluran (juga tempo.co; "
        "suara.com 4 Jan 2021; DOMAIN.md §6.2).",
        "[?] Bulan dua penyaluran tambahan tidak disebut dalam paparan: diasumsikan Juli dan Agustus 2021 "
        "(masa PPKM).",
        "Desil ≤ 4: prioritas Sembako (DOMAIN.md §6.2, aturan desil).",
    ]
)
SOURCE_BPNT_2022 = "\n".join(
    [
        "[?] Kartu Sembako/BPNT sejak 2022, belum dikonfirmasi (DOMAIN.md §6.2, §15 no. 4)",
        "Rp200.000/bulan/KPM disalurkan per 3 bulan (Rp600.000 per penyaluran).",
        "DOMAIN.md §6.2: tahun-tahun berikutnya sering disalurkan Rp400.000 per 2 bulan atau Rp600.000 per "
        "3 bulan; dipakai per 3 bulan (Januari, April, Juli, Oktober). Ganti dengan baris baru bila "
        "penetapan resmi diketahui.",
        "Desil ≤ 4: prioritas Sembako (DOMAIN.md §6.2, aturan desil).",
    ]
)
SOURCE_BPNT_PPKM = "\n".join(
    [
        "Paparan Kemensos 2021, Bansos PEN: Kartu Sembako/BPNT PPKM",
        "Rp200.000/bulan/KPM selama 6 bulan, 5,9 juta KPM tambahan.",
        "[?] Bulan tidak disebut dalam paparan: diasumsikan Juli–Desember 2021 (masa PPKM).",
        "Untuk keluarga di luar penerima Kartu Sembako/BPNT (exclude_programs BPNT). Desil ≤ 4 (DOMAIN.md §6.2).",
    ]
)
SOURCE_BST = "\n".join(
    [
        "Paparan Kemensos 2021, Bansos PEN: Bantuan Sosial Tunai (BST)",
        "Rp300.000/bulan/KPM selama 6 bulan (Januari–Juni), 10 juta KPM di luar penerima PKH & Kartu Sembako.",
        "tempo.co dan megapolitan.kompas.com 28 Jan 2021 menyebut Januari–April (DOMAIN.md §6.2); paparan "
        "menyebut Januari–Juni, dipakai di sini.",
        "Pengecualian: keluarga dengan kepesertaan aktif PKH atau BPNT (exclude_programs). Desil ≤ 4.",
    ]
)
SOURCE_PBI = "\n".join(
    [
        "Perpres 64/2020 tentang Jaminan Kesehatan: iuran PBI-JK",
        "Perubahan kedua Perpres 82/2018: iuran PBI-JK Rp42.000 per orang per bulan, dibayar Pemerintah.",
        "Peserta ditetapkan Kemensos dari DTKS dengan Kepmensos (Kepmensos 1/HUK/2020; DOMAIN.md §6.2); "
        "desil 1–4 prioritas PBI (DOMAIN.md §6.2, aturan desil). Disalurkan (dibayar) bulanan.",
    ]
)

QUARTERS = [{"tahap": i + 1, "month": 1 + 3 * i, "months": 3} for i in range(4)]
MONTHLY = [{"tahap": m, "month": m, "months": 1} for m in range(1, 13)]

PKH = {
    "unit": "FAMILY",
    "max_decile": 4,
    "min_components": 1,
    "exclude_programs": [],
    "disbursements": QUARTERS,
    "components": [
        {"code": "PREGNANT", "label": "Ibu hamil/nifas", "rule": "PREGNANT", "per": "tahap", "amount": 750000, "max_count": 2},
        {"code": "EARLY_CHILD", "label": "Anak usia dini 0-6 tahun", "rule": "EARLY_CHILD", "per": "tahap", "amount": 750000, "max_count": 2},
        {"code": "SD", "label": "Anak SD/sederajat", "rule": "SCHOOL_SD", "per": "tahap", "amount": 225000, "max_count": None},
        {"code": "SMP", "label": "Anak SMP/sederajat", "rule": "SCHOOL_SMP", "per": "tahap", "amount": 375000, "max_count": None},
        {"code": "SMA", "label": "Anak SMA/sederajat", "rule": "SCHOOL_SMA", "per": "tahap", "amount": 500000, "max_count": None},
        {"code": "DISABILITY", "label": "Penyandang disabilitas berat", "rule": "DISABILITY_SEVERE", "per": "tahap", "amount": 600000, "max_count": 1},
        {"code": "ELDERLY", "label": "Lanjut usia", "rule": "ELDERLY", "per": "tahap", "amount": 600000, "max_count": 1},
    ],
    "family_cap": 4,
    "elderly_min_age": 60,
    "early_child_max_age": 6,
    "school_min_age": 6,
    "school_max_age": 21,
    "extras": [],
}
SEMBAKO = {"code": "SEMBAKO", "label": "Bantuan sembako", "rule": "FAMILY", "per": "month", "amount": 200000}


def flat(disbursements, component, *, exclude=(), extras=(), unit="FAMILY"):
    return {
        "unit": unit,
        "max_decile": 4,
        "min_components": 0,
        "exclude_programs": list(exclude),
        "disbursements": disbursements,
        "components": [component],
        "family_cap": None,
        "extras": list(extras),
    }


PROGRAMS = [
    ("PKH", "Program Keluarga Harapan", "FAMILY", "Bantuan sosial bersyarat per komponen keluarga, 4 tahap setahun."),
    ("BPNT", "Kartu Sembako/BPNT", "FAMILY", "Bantuan pangan non-tunai per keluarga per bulan."),
    ("BPNT_PPKM", "Kartu Sembako/BPNT PPKM", "FAMILY", "Kartu Sembako tambahan masa PPKM 2021 untuk keluarga di luar penerima BPNT."),
    ("BST", "Bantuan Sosial Tunai", "FAMILY", "Bantuan tunai 2021 untuk keluarga di luar penerima PKH dan Kartu Sembako."),
    ("PBI", "Penerima Bantuan Iuran Jaminan Kesehatan (PBI-JK)", "PERSON", "Iuran JKN per jiwa dibayar Pemerintah."),
]

PARAMETERS = [
    ("PKH", dt.date(2021, 1, 1), None, PKH, SOURCE_PKH),
    (
        "BPNT",
        dt.date(2021, 1, 1),
        dt.date(2021, 12, 31),
        flat(
            MONTHLY,
            SEMBAKO,
            extras=[
                {"month": 7, "code": "SEMBAKO_TAMBAHAN_1", "label": "Tambahan penyaluran 1", "amount": 200000},
                {"month": 8, "code": "SEMBAKO_TAMBAHAN_2", "label": "Tambahan penyaluran 2", "amount": 200000},
            ],
        ),
        SOURCE_BPNT_2021,
    ),
    ("BPNT", dt.date(2022, 1, 1), None, flat(QUARTERS, SEMBAKO), SOURCE_BPNT_2022),
    (
        "BPNT_PPKM",
        dt.date(2021, 1, 1),
        dt.date(2021, 12, 31),
        flat([{"tahap": i + 1, "month": m, "months": 1} for i, m in enumerate(range(7, 13))], SEMBAKO, exclude=["BPNT"]),
        SOURCE_BPNT_PPKM,
    ),
    (
        "BST",
        dt.date(2021, 1, 1),
        dt.date(2021, 6, 30),
        flat(
            [{"tahap": m, "month": m, "months": 1} for m in range(1, 7)],
            {"code": "BST", "label": "Bantuan sosial tunai", "rule": "FAMILY", "per": "month", "amount": 300000},
            exclude=["PKH", "BPNT"],
        ),
        SOURCE_BST,
    ),
    (
        "PBI",
        dt.date(2020, 1, 1),
        None,
        flat(
            MONTHLY,
            {"code": "PREMIUM", "label": "Iuran PBI-JK", "rule": "PERSON", "per": "month", "amount": 42000},
            unit="PERSON",
        ),
        SOURCE_PBI,
    ),
]


def seed(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    ProgramParameter = apps.get_model("programs", "ProgramParameter")
    programs = {}
    for code, name, unit, description in PROGRAMS:
        programs[code], _ = Program.objects.get_or_create(
            code=code, defaults={"name": name, "unit": unit, "description": description}
        )
    for code, valid_from, valid_to, params, source in PARAMETERS:
        ProgramParameter.objects.get_or_create(
            program=programs[code],
            valid_from=valid_from,
            defaults={"valid_to": valid_to, "params": params, "legal_source": source},
        )


def unseed(apps, schema_editor):
    Program = apps.get_model("programs", "Program")
    ProgramParameter = apps.get_model("programs", "ProgramParameter")
    codes = [p[0] for p in PROGRAMS]
    ProgramParameter.objects.filter(program__code__in=codes, created_by__isnull=True).delete()
    Program.objects.filter(code__in=codes, parameters__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
