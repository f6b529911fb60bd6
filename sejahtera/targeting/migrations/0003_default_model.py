"""The first scoring model, in force from 2021-01-01, so that every release is scored.

Its weights are ILLUSTRATIVE. The proxy-means-test weights BPS and TNP2K use to rank DTKS/DTSEN
households are not published (no public source found; DOMAIN.md §4.5 says only "ranked by PMT"). These order households the way the registry's
own variables suggest: the worst housing (earth floor, bamboo walls, thatch roof, unprotected water,
no electricity or 450 VA, firewood, no latrine; DOMAIN.md §4.1) and the fewest assets (§4.2) score
lowest, a head without schooling or work and many young, old or disabled members lower the score.
Provinces 91-96 (Papua, after the 2022 split) get their own wall points: wooden walls are the
common construction there and say less about poverty than elsewhere. Replace this version with the
ministry's own weights (targeting load FILE.json, then activation by a second person).
"""

import datetime as dt

from django.db import migrations
from django.utils import timezone

VERSION = "PMT-2026.1"

WOOD_WALLS_PAPUA = {"terms": [{"variable": "wall_type", "points": {"1": 20, "2": 10, "3": 16, "4": 4, "5": 12, "6": 4, "7": 0}}]}

WEIGHTS = {
    "intercept": 100,
    "terms": [
        {"variable": "tenure_status", "points": {"1": 8, "2": 6, "3": 2, "4": 6, "5": 0}},
        {"variable": "floor_type", "points": {"1": 30, "2": 25, "3": 22, "4": 18, "5": 15, "6": 8, "7": 2, "8": 2, "9": 0, "10": 3}},
        {"variable": "wall_type", "points": {"1": 20, "2": 8, "3": 10, "4": 2, "5": 4, "6": 2, "7": 0}},
        {"variable": "wall_condition", "points": {"1": 5, "2": 0}},
        {"variable": "roof_type", "points": {"1": 15, "2": 14, "3": 12, "4": 10, "5": 8, "6": 6, "7": 6, "8": 1, "9": 0, "10": 2}},
        {"variable": "roof_condition", "points": {"1": 4, "2": 0}},
        {"variable": "water_source", "points": {"1": 15, "2": 10, "3": 14, "4": 8, "5": 10, "6": 6, "7": 1, "8": 5, "9": 1, "10": 0, "11": 1, "12": 1}},
        {"variable": "lighting_source", "points": {"1": 10, "2": 4, "3": 0}},
        {"variable": "power_capacity", "points": {"1": 0, "2": 8, "3": 15, "4": 20, "5": 25, "6": 0}},
        {"variable": "cooking_fuel", "points": {"1": 15, "2": 15, "3": 8, "4": 10, "5": 4, "6": 2, "7": 1, "8": 0, "9": 3}},
        {"variable": "toilet_facility", "points": {"1": 12, "2": 4, "3": 2, "4": 0}},
        # The legacy BPS criterion: less than 8 m² per person (DOMAIN.md §4.1).
        {"variable": "floor_area_per_person", "at_least": [[8, 6], [15, 12], [30, 18]]},
        {"variable": "has_gas_cylinder", "if_true": 8},
        {"variable": "has_refrigerator", "if_true": 10},
        {"variable": "has_air_conditioner", "if_true": 20},
        {"variable": "has_water_heater", "if_true": 12},
        {"variable": "has_landline", "if_true": 6},
        {"variable": "has_television", "if_true": 3},
        {"variable": "has_flat_tv", "if_true": 8},
        {"variable": "has_gold_savings", "if_true": 15},
        {"variable": "has_computer", "if_true": 12},
        {"variable": "has_motorcycle", "if_true": 10},
        {"variable": "has_car", "if_true": 30},
        {"variable": "has_motorboat", "if_true": 10},
        {"variable": "has_ship", "if_true": 20},
        {"variable": "phone_numbers", "per_unit": 3, "max_units": 4},
        {"variable": "owns_land", "if_true": 6},
        {"variable": "has_other_house", "if_true": 20},
        {"variable": "cattle", "per_unit": 6, "max_units": 5},
        {"variable": "buffalo", "per_unit": 6, "max_units": 5},
        {"variable": "horses", "per_unit": 6, "max_units": 3},
        {"variable": "pigs", "per_unit": 3, "max_units": 5},
        {"variable": "goats", "per_unit": 2, "max_units": 10},
        {"variable": "has_business", "if_true": 6},
        {"variable": "members", "per_unit": -3, "max_units": 10},
        {"variable": "children_under_15", "per_unit": -4, "max_units": 6},
        {"variable": "elderly_60_plus", "per_unit": -3, "max_units": 3},
        {"variable": "members_disabled", "per_unit": -5, "max_units": 3},
        {"variable": "members_working", "per_unit": 5, "max_units": 4},
        {"variable": "head_education", "points": {"NONE": 0, "SD": 4, "SMP": 8, "SMA": 14, "DIPLOMA": 20, "S1": 24, "S2_S3": 28}},
        {"variable": "head_working", "if_true": 8},
    ],
    "provinces": {code: WOOD_WALLS_PAPUA for code in ("91", "92", "93", "94", "95", "96")},
}

DESCRIPTION = (
    "Model awal yang dipasang bersama aplikasi agar setiap rilis mendapat skor dan desil. Bobotnya "
    "ILUSTRATIF: bobot PMT (proxy-means test) BPS/TNP2K untuk DTKS/DTSEN tidak dipublikasikan. Urutan "
    "bobot mengikuti variabel registri (DOMAIN.md §4.1-4.3): rumah terburuk (lantai tanah, dinding "
    "bambu, atap jerami, air tak terlindung, tanpa listrik atau 450 VA, kayu bakar, tanpa jamban) dan "
    "aset paling sedikit mendapat skor terendah; kepala keluarga tanpa ijazah atau pekerjaan dan banyak "
    "anak, lansia atau penyandang disabilitas menurunkan skor. Provinsi 91-96 (Papua) memakai poin "
    "dinding sendiri karena dinding kayu umum di sana. Kriteria Kepmensos 262/HUK/2022 (DOMAIN.md §4.4) "
    "dicatat sebagai daftar periksa terpisah. Ganti dengan bobot resmi kementerian bila tersedia."
)


def forward(apps, schema_editor):
    ScoringModel = apps.get_model("targeting", "ScoringModel")
    ScoringModel.objects.get_or_create(
        version=VERSION,
        defaults={
            "name": "PMT ilustratif (model awal)",
            "description": DESCRIPTION,
            "legal_source": (
                "Ilustratif, bukan bobot resmi: bobot PMT BPS/TNP2K tidak dipublikasikan. Variabel BDT/PBDT "
                "(DOMAIN.md §4.1-4.3); kriteria Kepmensos 262/HUK/2022 (DOMAIN.md §4.4)."
            ),
            "weights": WEIGHTS,
            "effective_from": dt.date(2021, 1, 1),
            "status": "ACTIVE",
            "created_by": None,
            "activated_at": timezone.now(),
        },
    )


def backward(apps, schema_editor):
    ScoringModel = apps.get_model("targeting", "ScoringModel")
    ScoringModel.objects.filter(version=VERSION, created_by=None).delete()


class Migration(migrations.Migration):
    dependencies = [("targeting", "0002_scores_immutable")]
    operations = [migrations.RunPython(forward, backward)]
