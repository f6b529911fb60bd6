"""The documented columns of households.csv and persons.csv (docs/import-format.md).

One list serves the importer (validation and promotion), the generator (what it writes) and the
exports, so the three can never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import codes


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # kk | nik | village | text | digits | int | code | choice | bool | date | ppks
    required: bool = False
    max_len: int = 0
    lo: int = 0
    hi: int = 0
    values: tuple[str, ...] = ()
    doc: str = ""

    @property
    def field(self) -> str:
        return {"village_code": "village_id", "ppks": "ppks_mask"}.get(self.name, self.name)


def _code(name: str, choices: Any, doc: str, required: bool = False) -> Column:
    return Column(name, "code", required=required, values=tuple(str(v) for v in choices.values), doc=doc)


def _choice(name: str, choices: Any, doc: str, required: bool = False) -> Column:
    return Column(name, "choice", required=required, values=tuple(choices.values), doc=doc)


def _bool(name: str, doc: str) -> Column:
    return Column(name, "bool", doc=doc)


def _count(name: str, doc: str, hi: int = 999) -> Column:
    return Column(name, "int", lo=0, hi=hi, doc=doc)


HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column("kk_number", "kk", required=True, doc="Nomor KK, 16 digit"),
    Column(
        "village_code", "village", required=True, doc="Kode desa/kelurahan Kemendagri, 10 digit tanpa titik"
    ),
    Column("address", "text", required=True, max_len=200, doc="Alamat"),
    Column("rt", "digits", lo=1, hi=3, doc="RT"),
    Column("rw", "digits", lo=1, hi=3, doc="RW"),
    _code("tenure_status", codes.TenureStatus, "Status penguasaan bangunan (1-5)"),
    _code("land_status", codes.LandStatus, "Status lahan (1-4)"),
    Column("floor_area_m2", "int", lo=1, hi=100000, doc="Luas lantai (m2)"),
    _code("floor_type", codes.FloorType, "Jenis lantai terluas (1-10)"),
    _code("wall_type", codes.WallType, "Jenis dinding terluas (1-7)"),
    _code("wall_condition", codes.Condition, "Kondisi dinding (1 bagus, 2 jelek)"),
    _code("roof_type", codes.RoofType, "Jenis atap terluas (1-10)"),
    _code("roof_condition", codes.Condition, "Kondisi atap (1 bagus, 2 jelek)"),
    _count("bedrooms", "Jumlah kamar tidur", hi=99),
    _code("water_source", codes.WaterSource, "Sumber air minum (1-12)"),
    _code("water_acquisition", codes.WaterAcquisition, "Cara memperoleh air minum (1-3)"),
    _code("lighting_source", codes.LightingSource, "Sumber penerangan (1-3)"),
    _code("power_capacity", codes.PowerCapacity, "Daya terpasang (1-6)"),
    _code("cooking_fuel", codes.CookingFuel, "Bahan bakar memasak (1-9)"),
    _code("toilet_facility", codes.ToiletFacility, "Fasilitas BAB (1-4)"),
    _code("toilet_type", codes.ToiletType, "Jenis kloset (1-4)"),
    _code("sewage_disposal", codes.SewageDisposal, "Pembuangan akhir tinja (1-6)"),
    _bool("has_gas_cylinder", "Tabung gas 5,5 kg atau lebih"),
    _bool("has_refrigerator", "Lemari es"),
    _bool("has_air_conditioner", "AC"),
    _bool("has_water_heater", "Pemanas air"),
    _bool("has_landline", "Telepon rumah"),
    _bool("has_television", "Televisi"),
    _bool("has_flat_tv", "TV layar datar 30 inci atau lebih"),
    _bool("has_gold_savings", "Emas/perhiasan/tabungan"),
    _bool("has_computer", "Komputer/laptop"),
    _bool("has_bicycle", "Sepeda"),
    _bool("has_motorcycle", "Sepeda motor"),
    _bool("has_car", "Mobil"),
    _bool("has_boat", "Perahu"),
    _bool("has_outboard_motor", "Motor tempel"),
    _bool("has_motorboat", "Perahu motor"),
    _bool("has_ship", "Kapal"),
    _count("phone_numbers", "Jumlah nomor HP aktif", hi=99),
    _bool("owns_land", "Memiliki lahan"),
    Column("land_area_m2", "int", lo=0, hi=100000000, doc="Luas lahan (m2)"),
    _bool("has_other_house", "Rumah di tempat lain"),
    _count("cattle", "Jumlah sapi"),
    _count("buffalo", "Jumlah kerbau"),
    _count("horses", "Jumlah kuda"),
    _count("pigs", "Jumlah babi"),
    _count("goats", "Jumlah kambing/domba"),
    _bool("has_business", "Ada anggota yang memiliki usaha sendiri"),
    _code("welfare_status", codes.WelfareStatus, "Status kesejahteraan BDT (1-4)"),
)

PERSON_COLUMNS: tuple[Column, ...] = (
    Column(
        "kk_number", "kk", required=True, doc="Nomor KK keluarga (harus ada di households.csv atau registri)"
    ),
    Column("nik", "nik", required=True, doc="NIK, 16 digit"),
    Column("full_name", "text", required=True, max_len=100, doc="Nama lengkap sesuai KTP"),
    Column("birth_place", "text", max_len=60, doc="Tempat lahir"),
    Column("birth_date", "date", required=True, doc="Tanggal lahir, YYYY-MM-DD"),
    _choice("sex", codes.Sex, "Jenis kelamin: L atau P", required=True),
    _choice("relationship", codes.Relationship, "Hubungan dengan kepala keluarga", required=True),
    _code("marital_status", codes.MaritalStatus, "Status perkawinan (1-4)"),
    Column("mother_name", "text", max_len=100, doc="Nama ibu kandung"),
    _choice("education", codes.Education, "Ijazah tertinggi"),
    _choice("school_level", codes.SchoolLevel, "Jenjang yang sedang diikuti"),
    _code("work_sector", codes.WorkSector, "Lapangan usaha (0 tidak bekerja, 1-22)"),
    _code("disability", codes.Disability, "Jenis disabilitas (1 tidak ada, 2-13)"),
    _choice("disability_severity", codes.DisabilitySeverity, "Tingkat disabilitas"),
    _code("chronic_illness", codes.ChronicIllness, "Penyakit kronis (1 tidak ada, 2-10)"),
    _bool("pregnant", "Sedang hamil"),
    Column("ppks", "ppks", doc="Kode PPKS 1-26 dipisah titik koma, mis. 9;24"),
)

HOUSEHOLD_HEADER = tuple(c.name for c in HOUSEHOLD_COLUMNS)
PERSON_HEADER = tuple(c.name for c in PERSON_COLUMNS)

TRUE_WORDS = ("1", "y", "ya", "true")
FALSE_WORDS = ("0", "n", "tidak", "false", "")
