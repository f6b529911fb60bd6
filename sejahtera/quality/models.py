"""Data quality (issue 6 §1, §2, §4): findings of the registry checks, the runs that raise them,
population-registry matching (padan Dukcapil) with its per-person results and the district's
overrides, and the open findings counted at each release build (the dashboard's trend).

A finding is identified by its fingerprint (type + the sorted keys of the records involved): a
re-run of the checks upserts on it, so a problem seen twice is one finding (docs/quality.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sejahtera.updates.models import RegionScoped


class FindingType(models.TextChoices):
    """What a check found. The rule, severity and suggested action of each: checks.CHECKS."""

    NIK_INVALID = "NIK_INVALID", _("NIK tidak valid")
    NIK_REGION_UNKNOWN = "NIK_REGION_UNKNOWN", _("Kode wilayah NIK tidak dikenal")
    KK_INVALID = "KK_INVALID", _("No. KK tidak valid")
    NIK_SEX_MISMATCH = "NIK_SEX_MISMATCH", _("NIK tidak sesuai jenis kelamin")
    NIK_BIRTHDATE_MISMATCH = "NIK_BIRTHDATE_MISMATCH", _("NIK tidak sesuai tanggal lahir")
    NIK_DUPLICATE = "NIK_DUPLICATE", _("NIK ganda (juga pada orang yang meninggal)")
    PERSON_IN_TWO_HOUSEHOLDS = "PERSON_TWO_HH", _("Satu NIK di dua keluarga aktif")
    HOUSEHOLD_NO_HEAD = "HH_NO_HEAD", _("Keluarga tanpa kepala keluarga")
    HOUSEHOLD_MANY_HEADS = "HH_MANY_HEADS", _("Keluarga dengan lebih dari satu kepala")
    MOTHER_TOO_YOUNG = "MOTHER_TOO_YOUNG", _("Ibu kurang dari 12 tahun lebih tua dari anak")
    AGE_OVER_120 = "AGE_OVER_120", _("Umur lebih dari 120 tahun")
    BIRTH_IN_FUTURE = "BIRTH_IN_FUTURE", _("Tanggal lahir di masa depan")
    NAME_EMPTY = "NAME_EMPTY", _("Nama kosong")
    DECEASED_COUNTED = "DECEASED_COUNTED", _("Orang meninggal masih dihitung program")
    PADAN_NOT_MATCHED = "PADAN_NOT_MATCHED", _("Tidak padan Dukcapil")
    PADAN_NOT_FOUND = "PADAN_NOT_FOUND", _("Tidak ditemukan di Dukcapil")
    DUKCAPIL_DECEASED = "DUKCAPIL_DECEASED", _("Meninggal menurut Dukcapil")


class Severity(models.TextChoices):
    ERROR = "ERROR", _("Galat")
    WARNING = "WARNING", _("Peringatan")
    INFO = "INFO", pgettext_lazy("severity", "Info")


class CheckRun(models.Model):
    """One run of the checks: over the whole registry (a central user, the CLI) or over the rows
    of one import (after its promotion). Counts per type are what this run observed."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Antre")
        RUNNING = "RUNNING", _("Berjalan")
        DONE = "DONE", _("Selesai")
        FAILED = "FAILED", _("Gagal")

    TRANSITIONS: dict[str, set[str]] = {
        Status.QUEUED: {Status.RUNNING, Status.FAILED},
        Status.RUNNING: {Status.DONE, Status.FAILED},
        Status.DONE: set(),
        Status.FAILED: set(),
    }

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=80, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    # The types asked for ([] = every check of the registry run).
    check_types = models.JSONField(default=list)
    import_job = models.ForeignKey(
        "registry.ImportJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict)  # type -> findings observed
    opened = models.IntegerField(default=0)  # new findings
    reopened = models.IntegerField(default=0)  # FIXED findings observed again
    fixed = models.IntegerField(default=0)  # OPEN findings no longer observed
    timings = models.JSONField(default=dict)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # One registry-wide run at a time (import runs are narrow and may overlap).
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status__in=["QUEUED", "RUNNING"], import_job__isnull=True),
                name="quality_one_registry_run_in_progress",
            )
        ]

    def __str__(self) -> str:
        return f"Pemeriksaan #{self.pk}"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class Finding(RegionScoped):
    """One problem with one or two registry records. The region is the (first) household's."""

    class Status(models.TextChoices):
        OPEN = "OPEN", _("Terbuka")
        FIXED = "FIXED", _("Sudah tidak terdeteksi")
        RESOLVED = "RESOLVED", _("Diselesaikan")
        DISMISSED = "DISMISSED", _("Diabaikan")

    # A re-run moves OPEN <-> FIXED by itself; RESOLVED and DISMISSED are decisions of an officer,
    # with a reason, and are never undone by a re-run.
    TRANSITIONS: dict[str, set[str]] = {
        Status.OPEN: {Status.FIXED, Status.RESOLVED, Status.DISMISSED},
        Status.FIXED: {Status.OPEN, Status.RESOLVED, Status.DISMISSED},
        Status.RESOLVED: set(),
        Status.DISMISSED: set(),
    }

    type = models.CharField(max_length=24, choices=FindingType.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    fingerprint = models.CharField(max_length=120, unique=True)
    household = models.ForeignKey(
        "registry.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The second record of a pair (the other person with the NIK, the child of a young mother).
    other_person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # A further record named by the check (an entitlement id for DECEASED_COUNTED).
    related_id = models.BigIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)  # the value or rule that failed
    import_job = models.ForeignKey(
        "registry.ImportJob",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    first_run = models.ForeignKey(
        CheckRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    last_run = models.ForeignKey(
        CheckRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    fixed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["OPEN", "FIXED"]) | ~Q(decision_reason=""),
                name="finding_decision_has_reason",
            )
        ]
        indexes = [
            models.Index(fields=["regency_code", "type", "status"], name="finding_region_type_idx"),
            models.Index(fields=["district_code", "id"], name="finding_district_idx"),
            models.Index(fields=["type", "status"], name="finding_type_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type}#{self.pk}"


class PadanRun(models.Model):
    """One matching of registry persons against the population registry (a reference extract or
    the Dukcapil service)."""

    class Source(models.TextChoices):
        CSV = "CSV", _("Berkas ekstrak Dukcapil")
        HTTP = "HTTP", _("Layanan Dukcapil")

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Antre")
        RUNNING = "RUNNING", _("Berjalan")
        DONE = "DONE", _("Selesai")
        FAILED = "FAILED", _("Gagal")

    TRANSITIONS: dict[str, set[str]] = CheckRun.TRANSITIONS

    source = models.CharField(max_length=4, choices=Source.choices)
    file_name = models.CharField(max_length=255, blank=True)
    file_path = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    region_code = models.CharField(max_length=10, blank=True)  # '' = every active person
    threshold = models.FloatField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=80, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    persons = models.IntegerField(default=0)
    matched = models.IntegerField(default=0)
    not_matched = models.IntegerField(default=0)
    not_found = models.IntegerField(default=0)
    deceased = models.IntegerField(default=0)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Padan #{self.pk}"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class PadanResult(models.Model):
    """The result of one person in one padan run. The person's latest result is also written to
    registry.Person.dukcapil_match (one UPDATE … FROM this table)."""

    class Result(models.TextChoices):
        MATCHED = "MATCHED", _("Padan")
        NOT_MATCHED = "NOT_MATCHED", _("Tidak padan")
        NOT_FOUND = "NOT_FOUND", _("Tidak ditemukan")

    run = models.ForeignKey(PadanRun, on_delete=models.PROTECT, related_name="results")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    result = models.CharField(max_length=12, choices=Result.choices)
    similarity = models.FloatField(null=True, blank=True)  # 0..1, when the NIK was found
    dukcapil_name = models.CharField(max_length=100, blank=True)
    dukcapil_deceased = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "person"], name="padan_one_result_per_run")]
        indexes = [models.Index(fields=["person", "id"], name="padan_result_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.result}"


class PadanOverride(models.Model):
    """A district's decision that a person whose latest padan result is NOT_MATCHED or NOT_FOUND
    stays in the next releases anyway: requested by one district officer of the person's regency
    with a reason, approved by another (maker-checker). It holds for the result it names: a later
    padan run that again fails needs a new override."""

    class Status(models.TextChoices):
        REQUESTED = "REQUESTED", _("Diajukan")
        APPROVED = "APPROVED", _("Disetujui")
        REJECTED = "REJECTED", _("Ditolak")

    TRANSITIONS: dict[str, set[str]] = {
        Status.REQUESTED: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
    }

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    result = models.ForeignKey(PadanResult, on_delete=models.PROTECT, related_name="overrides")
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    regency_code = models.CharField(max_length=4)
    village_code = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    reason = models.TextField(_("Alasan"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["result"],
                condition=Q(status__in=["REQUESTED", "APPROVED"]),
                name="padan_one_live_override",
            )
        ]
        indexes = [models.Index(fields=["person", "status"], name="padan_override_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.status}"


class ReleaseFindingCount(models.Model):
    """OPEN findings per district and type when a release was built (the dashboard's trend)."""

    release = models.ForeignKey("updates.Release", on_delete=models.CASCADE, related_name="+")
    district_code = models.CharField(max_length=6)
    regency_code = models.CharField(max_length=4)
    province_code = models.CharField(max_length=2)
    type = models.CharField(max_length=24, choices=FindingType.choices)
    open = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["release", "district_code", "type"], name="release_finding_count_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.release_id}/{self.district_code}/{self.type}={self.open}"
