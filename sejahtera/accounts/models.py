from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from sejahtera.regions.models import Region


class Role(models.TextChoices):
    """The signed-in users of DESIGN.md "Who uses it" (citizens use the portal without an account)."""

    CENTRAL_DATA = "CENTRAL_DATA", _("Pusat data (Pusdatin)")
    PROGRAM_MANAGER = "PROGRAM_MANAGER", _("Pengelola program")
    PROVINCE_OFFICER = "PROVINCE_OFFICER", _("Dinas Sosial provinsi")
    DISTRICT_OFFICER = "DISTRICT_OFFICER", _("Dinas Sosial kabupaten/kota")
    VILLAGE_OPERATOR = "VILLAGE_OPERATOR", _("Operator desa/kelurahan")
    VERIFIER = "VERIFIER", _("Petugas verifikasi (pendamping, TKSK)")
    QA_REVIEWER = "QA_REVIEWER", _("Penjamin mutu (perguruan tinggi)")
    SOCIAL_WORKER = "SOCIAL_WORKER", _("Pekerja sosial")
    DISASTER_COORDINATOR = "DISASTER_COORDINATOR", _("Koordinator bencana")
    PAYMENT_CHANNEL = "PAYMENT_CHANNEL", _("Lembaga penyalur")
    AUDITOR = "AUDITOR", _("Auditor")


# Which region level each role's jurisdiction sits at; None means the nation.
ROLE_LEVELS: dict[str, set[int | None]] = {
    Role.CENTRAL_DATA: {None},
    Role.PROGRAM_MANAGER: {None},
    Role.PAYMENT_CHANNEL: {None},
    Role.PROVINCE_OFFICER: {Region.Level.PROVINCE},
    Role.DISTRICT_OFFICER: {Region.Level.REGENCY_CITY},
    Role.VILLAGE_OPERATOR: {Region.Level.VILLAGE},
    Role.VERIFIER: {Region.Level.REGENCY_CITY, Region.Level.DISTRICT, Region.Level.VILLAGE},
    Role.QA_REVIEWER: {Region.Level.PROVINCE, Region.Level.REGENCY_CITY},
    Role.SOCIAL_WORKER: {None, Region.Level.PROVINCE, Region.Level.REGENCY_CITY, Region.Level.DISTRICT},
    Role.DISASTER_COORDINATOR: {None, Region.Level.PROVINCE, Region.Level.REGENCY_CITY},
    Role.AUDITOR: {None, Region.Level.PROVINCE, Region.Level.REGENCY_CITY},
}


class User(AbstractUser):
    """One role and one jurisdiction per user (DESIGN.md). An empty jurisdiction is the nation."""

    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    jurisdiction = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_column="jurisdiction_code",
    )
    # A payment channel's user (a bank, the post office) sees only its own channel's batches:
    # payments.models.Channel; blank for every other role.
    payment_channel = models.CharField(max_length=8, blank=True)

    @property
    def jurisdiction_code(self) -> str:
        """'' for the nation, otherwise the region code (2, 4, 6 or 10 digits)."""
        return self.jurisdiction_id or ""

    def jurisdiction_label(self) -> str:
        return str(self.jurisdiction) if self.jurisdiction_id else str(_("Nasional"))
