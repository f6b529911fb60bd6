from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A Kemendagri region (Kepmendagri 300.2.2-2138/2025), code stored without dots:
    province 2 digits, regency/city 4, district 6, village/kelurahan 10 (DOMAIN.md §5)."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Provinsi")
        REGENCY_CITY = 2, _("Kabupaten/Kota")
        DISTRICT = 3, _("Kecamatan")
        VILLAGE = 4, _("Desa/Kelurahan")

    class Kind(models.TextChoices):
        PROVINCE = "PROVINCE", _("Provinsi")
        REGENCY = "REGENCY", _("Kabupaten")
        CITY = "CITY", _("Kota")
        DISTRICT = "DISTRICT", _("Kecamatan")
        KELURAHAN = "KELURAHAN", _("Kelurahan")
        VILLAGE = "VILLAGE", _("Desa")
        CUSTOMARY_VILLAGE = "CUSTOMARY_VILLAGE", _("Desa adat")

    code = models.CharField(max_length=10, primary_key=True)
    name = models.CharField(max_length=100)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    postal_code = models.CharField(max_length=5, blank=True)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "name"], name="region_level_name_idx")]

    def __str__(self) -> str:
        return f"{self.dotted_code} {self.name}"

    @property
    def dotted_code(self) -> str:
        return dotted(self.code)


class HistoricalRegionCode(models.Model):
    """A code no longer in the current decree that old NIKs and KKs still carry (a NIK keeps the
    district code where it was first issued, DOMAIN.md §5), with the code that replaced it."""

    old_code = models.CharField(max_length=10, primary_key=True)
    name = models.CharField(max_length=100)
    current = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="former_codes")
    legal_basis = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["old_code"]

    def __str__(self) -> str:
        return f"{dotted(self.old_code)} → {self.current.dotted_code}"


def dotted(code: str) -> str:
    """'3204052001' → '32.04.05.2001'."""
    parts = [code[0:2], code[2:4], code[4:6], code[6:10]]
    return ".".join(p for p in parts if p)


def undotted(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())
