"""Social assistance programs as rules with dated parameters (DOMAIN.md §6): PKH, Kartu Sembako/BPNT,
BPNT PPKM, BST and PBI-JK. Eligibility reads a published release (never the live registry),
families are enrolled within quota, and entitlements are generated per period (tahap/month),
one per family, program and period, enforced by the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Program(models.Model):
    class Unit(models.TextChoices):
        FAMILY = "FAMILY", _("Keluarga (KPM)")
        PERSON = "PERSON", _("Jiwa")

    code = models.CharField(_("Kode"), max_length=12, unique=True)  # PKH, BPNT, BPNT_PPKM, BST, PBI
    name = models.CharField(_("Nama"), max_length=120)
    unit = models.CharField(max_length=6, choices=Unit.choices, default=Unit.FAMILY)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ProgramParameter(models.Model):
    """Amounts, components, caps, schedule and eligibility of a program from a date, with the legal
    source they come from (programs.rules documents the keys). A change is a new row, never an edit."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="parameters")
    valid_from = models.DateField(_("Berlaku sejak"))
    valid_to = models.DateField(_("Berlaku sampai"), null=True, blank=True)
    params = models.JSONField()
    legal_source = models.TextField(_("Dasar hukum / sumber"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["program", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["program", "valid_from"], name="one_parameter_set_per_date"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}@{self.valid_from}"


class Quota(models.Model):
    """How many families a region may enrol in a program in a year (a regency's or a province's)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="quotas")
    year = models.PositiveSmallIntegerField()
    region_code = models.CharField(max_length=10)
    households = models.PositiveIntegerField()
    legal_source = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "year", "region_code"], name="one_quota_per_region"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}/{self.year}/{self.region_code}={self.households}"


class ProgramRun(models.Model):
    """One run of a program for a period (a PKH tahap, a BPNT month): exits, enrolment within quota,
    entitlements. Running the same period again creates only what is missing."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Menunggu")
        RUNNING = "RUNNING", _("Berjalan")
        DONE = "DONE", _("Selesai")
        FAILED = "FAILED", _("Gagal")

    TRANSITIONS: dict[str, set[str]] = {
        Status.QUEUED: {Status.RUNNING, Status.FAILED},
        Status.RUNNING: {Status.DONE, Status.FAILED},
        Status.DONE: set(),
        Status.FAILED: set(),
    }

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="runs")
    period = models.CharField(max_length=7)  # YYYY-MM, the month the period starts
    release = models.ForeignKey("updates.Release", on_delete=models.PROTECT, related_name="+")
    parameter = models.ForeignKey(ProgramParameter, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=80, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    exited = models.IntegerField(default=0)
    enrolled = models.IntegerField(default=0)
    entitlements = models.IntegerField(default=0)
    amount = models.BigIntegerField(default=0)  # whole rupiah, of the entitlements this run created
    timings = models.JSONField(default=dict, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program"], condition=Q(status__in=["QUEUED", "RUNNING"]), name="one_run_in_progress"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}/{self.period}#{self.pk}"


class ExitReason(models.TextChoices):
    NOT_IN_RELEASE = "NOT_IN_RELEASE", _("Tidak ada lagi dalam rilis DTKS")
    NOT_ELIGIBLE = "NOT_ELIGIBLE", _("Tidak lagi memenuhi syarat")
    GRADUATED = "GRADUATED", _("Graduasi (keluar dari kemiskinan)")
    WITHDRAWN = "WITHDRAWN", _("Mengundurkan diri")
    DUPLICATE = "DUPLICATE", _("Ganda")
    DECEASED = "DECEASED", _("Pengurus meninggal, tanpa anggota lain")


class Enrollment(models.Model):
    """A family's membership of a program (a KPM), from the period it was enrolled until it exits."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", _("Aktif")
        EXITED = "EXITED", pgettext_lazy("enrolment", "Keluar")

    TRANSITIONS: dict[str, set[str]] = {Status.ACTIVE: {Status.EXITED}, Status.EXITED: set()}

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    village_code = models.CharField(max_length=10)
    district_code = models.CharField(max_length=6)
    regency_code = models.CharField(max_length=4)
    province_code = models.CharField(max_length=2)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    rank = models.IntegerField()  # within the quota region, 1 = poorest
    enrolled_run = models.ForeignKey(ProgramRun, on_delete=models.PROTECT, related_name="+", db_index=False)
    enrolled_period = models.CharField(max_length=7)
    exit_reason = models.CharField(max_length=16, choices=ExitReason.choices, blank=True)
    exit_period = models.CharField(max_length=7, blank=True)
    exit_run = models.ForeignKey(
        ProgramRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    exited_at = models.DateTimeField(null=True, blank=True)
    # Why a manager graduated the family, or the withdrawal's reason (a run's exits need none).
    exit_note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "household"], condition=Q(status="ACTIVE"), name="one_active_enrollment"
            ),
            models.CheckConstraint(
                condition=Q(status="ACTIVE", exit_reason="") | (Q(status="EXITED") & ~Q(exit_reason="")),
                name="enrollment_exit_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "program"], name="enrollment_household_idx"),
            models.Index(fields=["program", "status", "regency_code"], name="enrollment_region_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}:{self.household_id}"


class Withdrawal(models.Model):
    """A family's voluntary withdrawal from a program: requested, confirmed with the family, then
    verified by a second officer; only then does the enrolment end (maker-checker)."""

    class Status(models.TextChoices):
        REQUESTED = "REQUESTED", _("Diajukan")
        CONFIRMED = "CONFIRMED", _("Dikonfirmasi")
        VERIFIED = "VERIFIED", _("Diverifikasi")
        REJECTED = "REJECTED", _("Ditolak")

    TRANSITIONS: dict[str, set[str]] = {
        Status.REQUESTED: {Status.CONFIRMED, Status.REJECTED},
        Status.CONFIRMED: {Status.VERIFIED, Status.REJECTED},
        Status.VERIFIED: set(),
        Status.REJECTED: set(),
    }

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="withdrawals")
    regency_code = models.CharField(max_length=4)
    village_code = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    reason = models.TextField(_("Alasan"))
    statement_date = models.DateField(_("Tanggal surat pernyataan"), null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(status__in=["REQUESTED", "CONFIRMED"]),
                name="one_open_withdrawal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}:{self.status}"


class Entitlement(models.Model):
    """What a family is due from a program for one period, in whole rupiah, with its components
    (EntitlementComponent). One per family, program and period: the database refuses a second."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "registry.Household", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    period = models.CharField(max_length=7)  # YYYY-MM of the disbursement (a tahap's first month)
    tahap = models.PositiveSmallIntegerField()  # 1-based number of the disbursement in the year
    amount = models.BigIntegerField()
    run = models.ForeignKey(ProgramRun, on_delete=models.PROTECT, related_name="+", db_index=False)
    release = models.ForeignKey("updates.Release", on_delete=models.PROTECT, related_name="+", db_index=False)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="+", db_index=False)
    village_code = models.CharField(max_length=10)
    district_code = models.CharField(max_length=6)
    regency_code = models.CharField(max_length=4)
    province_code = models.CharField(max_length=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["program", "period", "household"], name="one_entitlement_per_family_period"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="entitlement_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["household", "program"], name="entitlement_household_idx"),
            models.Index(fields=["program", "period", "regency_code"], name="entitlement_region_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.program_id}/{self.period}:{self.household_id}=Rp{self.amount}"


class EntitlementComponent(models.Model):
    """One line of an entitlement: a PKH component (e.g. 2 x SD), BPNT's monthly amount, an extra
    disbursement, a PBI premium for n persons."""

    entitlement = models.ForeignKey(Entitlement, on_delete=models.CASCADE, related_name="components")
    component = models.CharField(max_length=24)
    count = models.PositiveSmallIntegerField(default=1)
    amount = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entitlement", "component"], name="one_line_per_component"),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement_id}:{self.component}={self.amount}"
