from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sejahtera.regions.models import Region

from . import codes


class Household(models.Model):
    """A family on a Kartu Keluarga (KK), with its housing and assets (DOMAIN.md §4.1-4.2)."""

    kk_number = models.CharField(_("No. KK"), max_length=16)
    # Indexed by household_village_idx (village_code, id), which also serves the foreign key.
    village = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        db_column="village_code",
        related_name="+",
        verbose_name=_("Desa/Kel."),
        db_index=False,
    )
    # The village's parents, kept on the row so that scoping is one equality on an indexed column.
    province_code = models.CharField(max_length=2, editable=False)
    regency_code = models.CharField(max_length=4, editable=False)
    district_code = models.CharField(max_length=6, editable=False)
    address = models.CharField(_("Alamat"), max_length=200)
    rt = models.CharField("RT", max_length=3, blank=True)
    rw = models.CharField("RW", max_length=3, blank=True)

    tenure_status = models.PositiveSmallIntegerField(
        choices=codes.TenureStatus.choices, null=True, blank=True
    )
    land_status = models.PositiveSmallIntegerField(choices=codes.LandStatus.choices, null=True, blank=True)
    floor_area_m2 = models.PositiveIntegerField(null=True, blank=True)
    floor_type = models.PositiveSmallIntegerField(choices=codes.FloorType.choices, null=True, blank=True)
    wall_type = models.PositiveSmallIntegerField(choices=codes.WallType.choices, null=True, blank=True)
    wall_condition = models.PositiveSmallIntegerField(choices=codes.Condition.choices, null=True, blank=True)
    roof_type = models.PositiveSmallIntegerField(choices=codes.RoofType.choices, null=True, blank=True)
    roof_condition = models.PositiveSmallIntegerField(choices=codes.Condition.choices, null=True, blank=True)
    bedrooms = models.PositiveSmallIntegerField(null=True, blank=True)
    water_source = models.PositiveSmallIntegerField(choices=codes.WaterSource.choices, null=True, blank=True)
    water_acquisition = models.PositiveSmallIntegerField(
        choices=codes.WaterAcquisition.choices, null=True, blank=True
    )
    lighting_source = models.PositiveSmallIntegerField(
        choices=codes.LightingSource.choices, null=True, blank=True
    )
    power_capacity = models.PositiveSmallIntegerField(
        choices=codes.PowerCapacity.choices, null=True, blank=True
    )
    cooking_fuel = models.PositiveSmallIntegerField(choices=codes.CookingFuel.choices, null=True, blank=True)
    toilet_facility = models.PositiveSmallIntegerField(
        choices=codes.ToiletFacility.choices, null=True, blank=True
    )
    toilet_type = models.PositiveSmallIntegerField(choices=codes.ToiletType.choices, null=True, blank=True)
    sewage_disposal = models.PositiveSmallIntegerField(
        choices=codes.SewageDisposal.choices, null=True, blank=True
    )

    # Assets, decoded to yes/no (the PBDT forms alternate 1/2 and 3/4 item by item, DOMAIN.md §4.2).
    has_gas_cylinder = models.BooleanField(default=False)
    has_refrigerator = models.BooleanField(default=False)
    has_air_conditioner = models.BooleanField(default=False)
    has_water_heater = models.BooleanField(default=False)
    has_landline = models.BooleanField(default=False)
    has_television = models.BooleanField(default=False)
    has_flat_tv = models.BooleanField(default=False)
    has_gold_savings = models.BooleanField(default=False)
    has_computer = models.BooleanField(default=False)
    has_bicycle = models.BooleanField(default=False)
    has_motorcycle = models.BooleanField(default=False)
    has_car = models.BooleanField(default=False)
    has_boat = models.BooleanField(default=False)
    has_outboard_motor = models.BooleanField(default=False)
    has_motorboat = models.BooleanField(default=False)
    has_ship = models.BooleanField(default=False)
    phone_numbers = models.PositiveSmallIntegerField(default=0)
    owns_land = models.BooleanField(default=False)
    land_area_m2 = models.PositiveIntegerField(null=True, blank=True)
    has_other_house = models.BooleanField(default=False)
    cattle = models.PositiveSmallIntegerField(default=0)
    buffalo = models.PositiveSmallIntegerField(default=0)
    horses = models.PositiveSmallIntegerField(default=0)
    pigs = models.PositiveSmallIntegerField(default=0)
    goats = models.PositiveSmallIntegerField(default=0)
    has_business = models.BooleanField(default=False)
    welfare_status = models.PositiveSmallIntegerField(
        choices=codes.WelfareStatus.choices, null=True, blank=True
    )

    status = models.CharField(
        max_length=10, choices=codes.RecordStatus.choices, default=codes.RecordStatus.ACTIVE
    )
    inactive_reason = models.CharField(max_length=20, choices=codes.InactiveReason.choices, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Not indexed: nothing looks records up by import, and an index here costs every bulk load.
    import_job = models.ForeignKey(
        "ImportJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("keluarga")
        verbose_name_plural = _("keluarga")
        constraints = [
            # One active household per KK number (a KK is one family).
            models.UniqueConstraint(
                fields=["kk_number"], condition=Q(status="ACTIVE"), name="household_one_active_per_kk"
            ),
            models.CheckConstraint(
                condition=Q(status="INACTIVE", inactive_reason__gt="") | ~Q(status="INACTIVE"),
                name="household_inactive_has_reason",
            ),
            models.CheckConstraint(condition=~Q(status="DECEASED"), name="household_not_deceased"),
        ]
        indexes = [
            models.Index(fields=["province_code", "id"], name="household_prov_idx"),
            models.Index(fields=["regency_code", "id"], name="household_regency_idx"),
            models.Index(fields=["district_code", "id"], name="household_district_idx"),
            models.Index(fields=["village", "id"], name="household_village_idx"),
            models.Index(fields=["kk_number"], name="household_kk_idx"),
        ]

    def __str__(self) -> str:
        return f"KK {self.kk_number}"


class Person(models.Model):
    """A member of a household, identified by NIK (DOMAIN.md §4.3)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    nik = models.CharField("NIK", max_length=16)
    full_name = models.CharField(_("Nama lengkap"), max_length=100)
    birth_place = models.CharField(_("Tempat lahir"), max_length=60, blank=True)
    birth_date = models.DateField(_("Tanggal lahir"))
    sex = models.CharField(_("Jenis kelamin"), max_length=1, choices=codes.Sex.choices)
    relationship = models.CharField(_("Hubungan keluarga"), max_length=16, choices=codes.Relationship.choices)
    marital_status = models.PositiveSmallIntegerField(
        choices=codes.MaritalStatus.choices, null=True, blank=True
    )
    mother_name = models.CharField(_("Nama ibu kandung"), max_length=100, blank=True)
    education = models.CharField(max_length=8, choices=codes.Education.choices, default=codes.Education.NONE)
    school_level = models.CharField(
        max_length=4, choices=codes.SchoolLevel.choices, default=codes.SchoolLevel.NONE
    )
    work_sector = models.PositiveSmallIntegerField(choices=codes.WorkSector.choices, default=0)
    disability = models.PositiveSmallIntegerField(choices=codes.Disability.choices, default=1)
    disability_severity = models.CharField(
        max_length=6, choices=codes.DisabilitySeverity.choices, default=codes.DisabilitySeverity.NONE
    )
    chronic_illness = models.PositiveSmallIntegerField(choices=codes.ChronicIllness.choices, default=1)
    pregnant = models.BooleanField(default=False)
    # PPKS types (codes 1-26) as bits: bit (code - 1). See codes.ppks_mask.
    ppks_mask = models.IntegerField(default=0)

    status = models.CharField(
        max_length=10, choices=codes.RecordStatus.choices, default=codes.RecordStatus.ACTIVE
    )
    inactive_reason = models.CharField(max_length=20, choices=codes.InactiveReason.choices, blank=True)
    death_date = models.DateField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    dukcapil_match = models.CharField(
        max_length=12, choices=codes.DukcapilMatch.choices, default=codes.DukcapilMatch.UNCHECKED
    )
    # Not indexed: nothing looks records up by import, and an index here costs every bulk load.
    import_job = models.ForeignKey(
        "ImportJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("anggota keluarga")
        verbose_name_plural = _("anggota keluarga")
        constraints = [
            # At most one active person per NIK (the 2021 audits found 1.06 M duplicate NIKs, DOMAIN.md §13).
            models.UniqueConstraint(
                fields=["nik"], condition=Q(status="ACTIVE"), name="person_one_active_per_nik"
            ),
            models.CheckConstraint(
                condition=Q(status="INACTIVE", inactive_reason__gt="") | ~Q(status="INACTIVE"),
                name="person_inactive_has_reason",
            ),
            models.CheckConstraint(condition=Q(sex__in=["L", "P"]), name="person_sex_l_or_p"),
            models.CheckConstraint(
                condition=Q(ppks_mask__gte=0, ppks_mask__lt=1 << 26), name="person_ppks_mask"
            ),
        ]
        # Lookups by NIK use the partial unique index (active persons); name search gets a
        # trigram index with the public portal, where fuzzy search is needed.

    def __str__(self) -> str:
        return self.full_name

    @property
    def ppks(self) -> list[int]:
        return codes.ppks_codes(self.ppks_mask)

    def ppks_labels(self) -> list[str]:
        return [str(codes.PPKS(c).label) for c in self.ppks]


class ImportJob(models.Model):
    """One upload of a households file and a persons file, staged, validated and promoted."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Antre")
        RUNNING = "RUNNING", _("Berjalan")
        SUCCEEDED = "SUCCEEDED", _("Selesai")
        SUCCEEDED_WITH_REJECTIONS = "PARTIAL", _("Selesai, ada baris ditolak")
        FAILED = "FAILED", _("Gagal")

    class Phase(models.TextChoices):
        WAITING = "WAITING", _("Menunggu")
        STAGING = "STAGING", _("Membaca berkas")
        VALIDATING = "VALIDATING", _("Memeriksa")
        PROMOTING = "PROMOTING", _("Menyimpan")
        DONE = "DONE", _("Selesai")

    # Allowed moves (STYLE.md): a job only ever moves forward.
    TRANSITIONS: dict[str, set[str]] = {
        Status.QUEUED: {Status.RUNNING, Status.FAILED},
        Status.RUNNING: {Status.SUCCEEDED, Status.SUCCEEDED_WITH_REJECTIONS, Status.FAILED},
    }

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written with every progress report: a RUNNING job silent for long is a dead worker's.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Incremented by each claim; only the current attempt may write the job's result.
    attempt = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.WAITING)
    households_file = models.CharField(max_length=255)
    persons_file = models.CharField(max_length=255)
    households_name = models.CharField(max_length=255, blank=True)
    persons_name = models.CharField(max_length=255, blank=True)
    # sha256 of both files: submitting the same pair twice runs it once.
    content_hash = models.CharField(max_length=64, db_index=True)
    bytes_total = models.BigIntegerField(default=0)
    bytes_done = models.BigIntegerField(default=0)
    households_read = models.IntegerField(default=0)
    persons_read = models.IntegerField(default=0)
    households_imported = models.IntegerField(default=0)
    persons_imported = models.IntegerField(default=0)
    households_unchanged = models.IntegerField(default=0)
    persons_unchanged = models.IntegerField(default=0)
    rows_rejected = models.IntegerField(default=0)
    rows_with_warnings = models.IntegerField(default=0)
    error_message = models.TextField(blank=True)
    # The importer's jurisdiction when the job was submitted ('' = nation): rows outside it are rejected.
    scope_code = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # The same files submitted twice by one user while the first is pending run once.
            models.UniqueConstraint(
                fields=["created_by", "content_hash"],
                condition=Q(status__in=["QUEUED", "RUNNING"]),
                name="importjob_one_pending_per_files",
            )
        ]

    def __str__(self) -> str:
        return f"Impor #{self.pk}"

    @property
    def progress_percent(self) -> int:
        if self.phase == self.Phase.DONE:
            return 100
        if not self.bytes_total:
            return 0
        # Reading the files is about 40 % of the work; validation 20 %; promotion the rest.
        base = {"WAITING": 0, "STAGING": 0, "VALIDATING": 40, "PROMOTING": 60}.get(self.phase, 0)
        if self.phase == self.Phase.STAGING:
            return int(40 * self.bytes_done / self.bytes_total)
        return base

    @property
    def is_finished(self) -> bool:
        return self.status in {
            self.Status.SUCCEEDED,
            self.Status.SUCCEEDED_WITH_REJECTIONS,
            self.Status.FAILED,
        }


class ImportRowError(models.Model):
    """A rejected row (or a warning on an accepted one): which file, which row, which column, why."""

    class Severity(models.TextChoices):
        ERROR = "ERROR", _("Ditolak")
        WARNING = "WARNING", _("Peringatan")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    file = models.CharField(max_length=12)  # "households" | "persons"
    row = models.IntegerField()  # 1 = the header; the first data row is 2, as a spreadsheet shows it
    column = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=40)
    message = models.CharField(max_length=300)
    value = models.CharField(max_length=100, blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.ERROR)

    class Meta:
        ordering = ["file", "row", "column"]
        indexes = [models.Index(fields=["job", "severity", "file", "row"], name="import_error_job_idx")]

    def __str__(self) -> str:
        return f"{self.file}:{self.row} {self.column} {self.code}"
