"""Code lists of the registry, from the BDT/PBDT forms and SIKS-NG vocabulary (DOMAIN.md §4, §7).

Numeric codes keep the numbers of the forms so that files exchanged with regions read the same.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


# --- Household housing block, BDT "Blok III Keterangan Perumahan" (DOMAIN.md §4.1) -------------
class TenureStatus(models.IntegerChoices):
    OWN = 1, _("Milik sendiri")
    RENT = 2, _("Kontrak/sewa")
    RENT_FREE = 3, _("Bebas sewa")
    OFFICIAL = 4, _("Dinas")
    OTHER = 5, _("Lainnya")


class LandStatus(models.IntegerChoices):
    OWN = 1, _("Milik sendiri")
    OTHERS = 2, _("Milik orang lain")
    STATE = 3, _("Tanah negara")
    OTHER = 4, _("Lainnya")


class FloorType(models.IntegerChoices):
    MARBLE = 1, _("Marmer/granit")
    CERAMIC = 2, _("Keramik")
    PARQUET = 3, _("Parket/vinil/permadani")
    TILE = 4, _("Ubin/tegel/teraso")
    WOOD_HIGH = 5, _("Kayu/papan kualitas tinggi")
    CEMENT = 6, _("Semen/bata merah")
    BAMBOO = 7, _("Bambu")
    WOOD_LOW = 8, _("Kayu/papan kualitas rendah")
    EARTH = 9, _("Tanah")
    OTHER = 10, _("Lainnya")


class WallType(models.IntegerChoices):
    MASONRY = 1, _("Tembok")
    PLASTERED_WOVEN = 2, _("Plesteran anyaman bambu/kawat")
    WOOD = 3, _("Kayu")
    WOVEN_BAMBOO = 4, _("Anyaman bambu")
    LOG = 5, _("Batang kayu")
    BAMBOO = 6, _("Bambu")
    OTHER = 7, _("Lainnya")


class Condition(models.IntegerChoices):
    GOOD = 1, _("Bagus/kualitas tinggi")
    POOR = 2, _("Jelek/kualitas rendah")


class RoofType(models.IntegerChoices):
    CONCRETE = 1, _("Beton/genteng beton")
    CERAMIC_TILE = 2, _("Genteng keramik")
    METAL_TILE = 3, _("Genteng metal")
    CLAY_TILE = 4, _("Genteng tanah liat")
    ASBESTOS = 5, _("Asbes")
    ZINC = 6, _("Seng")
    SHINGLE = 7, _("Sirap")
    BAMBOO = 8, _("Bambu")
    THATCH = 9, _("Jerami/ijuk/daun/rumbia")
    OTHER = 10, _("Lainnya")


class WaterSource(models.IntegerChoices):
    BOTTLED = 1, _("Air kemasan bermerk")
    REFILL = 2, _("Air isi ulang")
    PIPED_METERED = 3, _("Leding meteran")
    PIPED_RETAIL = 4, _("Leding eceran")
    BOREHOLE = 5, _("Sumur bor/pompa")
    PROTECTED_WELL = 6, _("Sumur terlindung")
    UNPROTECTED_WELL = 7, _("Sumur tak terlindung")
    PROTECTED_SPRING = 8, _("Mata air terlindung")
    UNPROTECTED_SPRING = 9, _("Mata air tak terlindung")
    SURFACE = 10, _("Sungai/danau/waduk")
    RAIN = 11, _("Air hujan")
    OTHER = 12, _("Lainnya")


class WaterAcquisition(models.IntegerChoices):
    BUY_RETAIL = 1, _("Membeli eceran")
    SUBSCRIPTION = 2, _("Langganan")
    FREE = 3, _("Tidak membeli")


class LightingSource(models.IntegerChoices):
    PLN = 1, _("Listrik PLN")
    NON_PLN = 2, _("Listrik non-PLN")
    NONE = 3, _("Bukan listrik")


class PowerCapacity(models.IntegerChoices):
    VA_450 = 1, _("450 watt")
    VA_900 = 2, _("900 watt")
    VA_1300 = 3, _("1.300 watt")
    VA_2200 = 4, _("2.200 watt")
    VA_OVER_2200 = 5, _("> 2.200 watt")
    NO_METER = 6, _("Tanpa meteran")


class CookingFuel(models.IntegerChoices):
    ELECTRIC = 1, _("Listrik")
    GAS_LARGE = 2, _("Gas > 3 kg")
    GAS_3KG = 3, _("Gas 3 kg")
    CITY_GAS = 4, _("Gas kota/biogas")
    KEROSENE = 5, _("Minyak tanah")
    BRIQUETTE = 6, _("Briket")
    CHARCOAL = 7, _("Arang")
    FIREWOOD = 8, _("Kayu bakar")
    NONE = 9, _("Tidak memasak di rumah")


class ToiletFacility(models.IntegerChoices):
    OWN = 1, _("Sendiri")
    SHARED = 2, _("Bersama")
    PUBLIC = 3, _("Umum")
    NONE = 4, _("Tidak ada")


class ToiletType(models.IntegerChoices):
    GOOSENECK = 1, _("Leher angsa")
    PLENGSENGAN = 2, _("Plengsengan")
    PIT = 3, _("Cemplung/cubluk")
    NONE = 4, _("Tidak pakai")


class SewageDisposal(models.IntegerChoices):
    TANK = 1, _("Tangki")
    SPAL = 2, _("SPAL")
    PIT = 3, _("Lubang tanah")
    WATER = 4, _("Kolam/sawah/sungai/danau/laut")
    OPEN = 5, _("Pantai/tanah lapang/kebun")
    OTHER = 6, _("Lainnya")


class WelfareStatus(models.IntegerChoices):
    """BDT welfare group (status kesejahteraan): the poorest 10/20/30/40 percent (DOMAIN.md §4.2)."""

    GROUP_1 = 1, _("1-10% terbawah")
    GROUP_2 = 2, _("11-20% terbawah")
    GROUP_3 = 3, _("21-30% terbawah")
    GROUP_4 = 4, _("31-40% terbawah")


# --- Individual block, BDT Blok IV (DOMAIN.md §4.3) --------------------------------------------
class Sex(models.TextChoices):
    MALE = "L", _("Laki-laki")
    FEMALE = "P", _("Perempuan")


class Relationship(models.TextChoices):
    """Hubungan dengan kepala keluarga."""

    HEAD = "HEAD", _("Kepala keluarga")
    SPOUSE = "SPOUSE", _("Istri/suami")
    CHILD = "CHILD", _("Anak")
    CHILD_IN_LAW = "CHILD_IN_LAW", _("Menantu")
    GRANDCHILD = "GRANDCHILD", _("Cucu")
    PARENT = "PARENT", _("Orang tua/mertua")
    HELPER = "HELPER", _("Pembantu rumah tangga")
    OTHER = "OTHER", _("Lainnya")


class MaritalStatus(models.IntegerChoices):
    SINGLE = 1, _("Belum kawin")
    MARRIED = 2, _("Kawin")
    DIVORCED = 3, _("Cerai hidup")
    WIDOWED = 4, _("Cerai mati")


class Education(models.TextChoices):
    """Highest level completed (ijazah tertinggi)."""

    NONE = "NONE", _("Tidak punya ijazah")
    SD = "SD", _("SD/sederajat")
    SMP = "SMP", _("SMP/sederajat")
    SMA = "SMA", _("SMA/SMK/sederajat")
    DIPLOMA = "DIPLOMA", _("Diploma")
    S1 = "S1", _("S1")
    S2_S3 = "S2_S3", _("S2/S3")


class SchoolLevel(models.TextChoices):
    """The level a member attends now (partisipasi sekolah); PKH components depend on it."""

    NONE = "NONE", _("Tidak sekolah")
    PAUD = "PAUD", _("PAUD/TK")
    SD = "SD", _("SD/sederajat")
    SMP = "SMP", _("SMP/sederajat")
    SMA = "SMA", _("SMA/sederajat")
    PT = "PT", _("Perguruan tinggi")


class WorkSector(models.IntegerChoices):
    """Lapangan usaha (BDT Blok IV), 0 = not working."""

    NOT_WORKING = 0, _("Tidak bekerja")
    FOOD_CROPS = 1, _("Pertanian padi dan palawija")
    HORTICULTURE = 2, _("Hortikultura")
    PLANTATION = 3, _("Perkebunan")
    FISH_FARMING = 4, _("Perikanan tangkap")
    AQUACULTURE = 5, _("Perikanan budidaya")
    LIVESTOCK = 6, _("Peternakan")
    FORESTRY = 7, _("Kehutanan dan pertanian lainnya")
    MINING = 8, _("Pertambangan/penggalian")
    MANUFACTURING = 9, _("Industri pengolahan")
    UTILITIES = 10, _("Listrik dan gas")
    CONSTRUCTION = 11, _("Bangunan/konstruksi")
    TRADE = 12, _("Perdagangan")
    HOSPITALITY = 13, _("Hotel dan rumah makan")
    TRANSPORT = 14, _("Transportasi dan pergudangan")
    ICT = 15, _("Informasi dan komunikasi")
    FINANCE = 16, _("Keuangan dan asuransi")
    EDUCATION = 17, _("Jasa pendidikan")
    HEALTH = 18, _("Jasa kesehatan")
    SERVICES = 19, _("Jasa kemasyarakatan, pemerintahan dan perorangan")
    SCAVENGER = 20, _("Pemulung")
    MIGRANT_WORKER = 21, _("TKI")
    OTHER = 22, _("Lainnya")


class Disability(models.IntegerChoices):
    """Jenis cacat (BDT, 13 codes)."""

    NONE = 1, _("Tidak cacat")
    PHYSICAL = 2, _("Tuna daksa/cacat tubuh")
    BLIND = 3, _("Tuna netra/buta")
    DEAF = 4, _("Tuna rungu")
    MUTE = 5, _("Tuna wicara")
    DEAF_MUTE = 6, _("Tuna rungu dan wicara")
    BLIND_PHYSICAL = 7, _("Tuna netra dan cacat tubuh")
    BLIND_DEAF_MUTE = 8, _("Tuna netra, rungu dan wicara")
    DEAF_MUTE_PHYSICAL = 9, _("Tuna rungu, wicara dan cacat tubuh")
    ALL_SENSORY_PHYSICAL = 10, _("Tuna rungu, wicara, netra dan cacat tubuh")
    INTELLECTUAL = 11, _("Cacat mental retardasi")
    FORMER_MENTAL_ILLNESS = 12, _("Mantan penderita gangguan jiwa")
    PHYSICAL_MENTAL = 13, _("Cacat fisik dan mental")


class DisabilitySeverity(models.TextChoices):
    """PKH counts severe disability (penyandang disabilitas berat) only (DOMAIN.md §6.1)."""

    NONE = "NONE", _("Tidak ada")
    MILD = "MILD", _("Ringan/sedang")
    SEVERE = "SEVERE", _("Berat")


class ChronicIllness(models.IntegerChoices):
    NONE = 1, _("Tidak ada")
    HYPERTENSION = 2, _("Hipertensi")
    RHEUMATISM = 3, _("Rematik")
    ASTHMA = 4, _("Asma")
    HEART = 5, _("Masalah jantung")
    DIABETES = 6, _("Diabetes")
    TUBERCULOSIS = 7, _("TBC")
    STROKE = 8, _("Stroke")
    CANCER = 9, _("Kanker/tumor ganas")
    OTHER = 10, _("Lainnya")


class PPKS(models.IntegerChoices):
    """The 26 PPKS types of Permensos 8/2012 (DOMAIN.md §7). Stored as a bit mask: bit (code-1)."""

    ABANDONED_TODDLER = 1, _("Anak balita terlantar")
    ABANDONED_CHILD = 2, _("Anak terlantar")
    CHILD_IN_CONFLICT_WITH_LAW = 3, _("Anak berhadapan dengan hukum")
    STREET_CHILD = 4, _("Anak jalanan")
    CHILD_WITH_DISABILITY = 5, _("Anak dengan kedisabilitasan (ADK)")
    CHILD_VIOLENCE_VICTIM = 6, _("Anak korban tindak kekerasan")
    CHILD_SPECIAL_PROTECTION = 7, _("Anak memerlukan perlindungan khusus")
    ABANDONED_ELDERLY = 8, _("Lanjut usia terlantar")
    DISABILITY = 9, _("Penyandang disabilitas")
    SEX_WORKER = 10, _("Tuna susila")
    HOMELESS = 11, _("Gelandangan")
    BEGGAR = 12, _("Pengemis")
    SCAVENGER = 13, _("Pemulung")
    MINORITY = 14, _("Kelompok minoritas")
    FORMER_PRISONER = 15, _("Bekas warga binaan lembaga pemasyarakatan")
    PLHIV = 16, _("Orang dengan HIV/AIDS (ODHA)")
    DRUG_ABUSE_VICTIM = 17, _("Korban penyalahgunaan NAPZA")
    TRAFFICKING_VICTIM = 18, _("Korban trafficking")
    VIOLENCE_VICTIM = 19, _("Korban tindak kekerasan")
    TROUBLED_MIGRANT_WORKER = 20, _("Pekerja migran bermasalah sosial")
    NATURAL_DISASTER_VICTIM = 21, _("Korban bencana alam")
    SOCIAL_DISASTER_VICTIM = 22, _("Korban bencana sosial")
    VULNERABLE_WOMAN = 23, _("Perempuan rawan sosial ekonomi")
    POOR = 24, _("Fakir miskin")
    TROUBLED_FAMILY = 25, _("Keluarga bermasalah sosial psikologis")
    REMOTE_INDIGENOUS = 26, _("Komunitas adat terpencil")


def ppks_mask(codes: list[int]) -> int:
    mask = 0
    for c in codes:
        mask |= 1 << (c - 1)
    return mask


def ppks_codes(mask: int) -> list[int]:
    return [c for c in range(1, 27) if mask & (1 << (c - 1))]


class RecordStatus(models.TextChoices):
    """Real statuses instead of a delete flag (issue 2 §3)."""

    ACTIVE = "ACTIVE", _("Aktif")
    INACTIVE = "INACTIVE", _("Nonaktif")
    DECEASED = "DECEASED", _("Meninggal")
    MOVED = "MOVED", _("Pindah")
    MERGED = "MERGED", _("Digabung")


class InactiveReason(models.TextChoices):
    """Why a record was put to sleep ("ditidurkan", Kepmensos 12/HUK/2021, DOMAIN.md §13)."""

    DUPLICATE = "DUPLICATE", _("Data ganda")
    NOT_FOUND = "NOT_FOUND", _("Tidak ditemukan")
    NOT_ELIGIBLE = "NOT_ELIGIBLE", _("Tidak layak")
    INVALID_IDENTITY = "INVALID_IDENTITY", _("NIK/KK tidak valid")
    GRADUATED = "GRADUATED", _("Graduasi")
    WITHDRAWN = "WITHDRAWN", _("Mengundurkan diri")
    # Every member died or moved out (population-registry events, issue 3 §5).
    NO_MEMBERS = "NO_MEMBERS", _("Tidak ada anggota aktif")
    OTHER = "OTHER", _("Lainnya")


class DukcapilMatch(models.TextChoices):
    """Padan status against the population registry (DOMAIN.md §4.6)."""

    UNCHECKED = "UNCHECKED", _("Belum dipadankan")
    MATCHED = "MATCHED", _("Padan")
    NOT_MATCHED = "NOT_MATCHED", _("Tidak padan")
    NOT_FOUND = "NOT_FOUND", _("Tidak ditemukan")
