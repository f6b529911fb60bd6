"""The DTKS update cycle (DOMAIN.md §3): proposals, field verification, approval, releases
(penetapan), population-registry events and quality assurance.

Every entity with a status carries its table of allowed moves next to the statuses (STYLE.md);
services move them through `common.states.ensure_transition`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sejahtera.regions.models import Region
from sejahtera.registry import codes
from sejahtera.registry.models import Household, Person


class RegionScoped(models.Model):
    """The village a record belongs to, with its parents on the row, named as on Household, so that
    accounts.scoping.household_scope narrows these tables with one indexed equality."""

    village = models.ForeignKey(
        Region, on_delete=models.PROTECT, db_column="village_code", related_name="+", db_index=False
    )
    province_code = models.CharField(max_length=2, editable=False)
    regency_code = models.CharField(max_length=4, editable=False)
    district_code = models.CharField(max_length=6, editable=False)

    class Meta:
        abstract = True

    def place_in(self, village_code: str) -> None:
        self.village_id = village_code
        self.province_code = village_code[:2]
        self.regency_code = village_code[:4]
        self.district_code = village_code[:6]


# --- proposals (usulan) ----------------------------------------------------------------------------
class ProposalUpload(RegionScoped):
    """A spreadsheet of proposals entered in bulk by a village operator."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows_read = models.IntegerField(default=0)
    rows_accepted = models.IntegerField(default=0)
    rows_rejected = models.IntegerField(default=0)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Unggahan usulan #{self.pk}"


class ProposalUploadError(models.Model):
    upload = models.ForeignKey(ProposalUpload, on_delete=models.CASCADE, related_name="row_errors")
    row = models.IntegerField()  # as the spreadsheet shows it: 1 is the header
    column = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=40)
    message = models.CharField(max_length=300)
    value = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["row", "column"]

    def __str__(self) -> str:
        return f"{self.row} {self.column} {self.code}"


class Proposal(RegionScoped):
    """One proposed change to the registry (usulan), from the village up to the release."""

    class Kind(models.TextChoices):
        NEW_HOUSEHOLD = "NEW_HOUSEHOLD", _("Keluarga baru")
        HOUSEHOLD_CHANGE = "HOUSEHOLD_CHANGE", _("Perubahan data keluarga")
        PERSON_CHANGE = "PERSON_CHANGE", _("Perubahan data anggota")
        MEMBER_ADD = "MEMBER_ADD", _("Tambah anggota")
        MEMBER_REMOVE = "MEMBER_REMOVE", _("Keluarkan anggota")
        MOVE = "MOVE", _("Pindah desa/kelurahan")
        DEACTIVATE = "DEACTIVATE", _("Penonaktifan")
        REACTIVATE = "REACTIVATE", _("Pengaktifan kembali")

    class Origin(models.TextChoices):
        MUSDES = "MUSDES", _("Musyawarah desa")
        MUSKEL = "MUSKEL", _("Musyawarah kelurahan")
        RT_RW = "RT_RW", _("RT/RW")
        ADAT = "ADAT", _("Desa adat")
        PUBLIC_PROPOSAL = "USUL", _("Usul masyarakat")
        PUBLIC_OBJECTION = "SANGGAH", _("Sanggahan masyarakat")
        SLRT = "SLRT", _("Puskesos-SLRT")
        DISASTER = "DISASTER", _("Bencana")
        DUKCAPIL = "DUKCAPIL", _("Peristiwa kependudukan")
        QA = "QA", _("Penjaminan mutu")

    class Status(models.TextChoices):
        SUBMITTED = "SUBMITTED", _("Menunggu verifikasi")
        QA_REVIEW = "QA_REVIEW", _("Ditinjau penjamin mutu")
        VERIFIED = "VERIFIED", _("Terverifikasi")
        NOT_CONFIRMED = "NOT_CONFIRMED", _("Tidak terbukti")
        RETURNED = "RETURNED", _("Dikembalikan untuk verifikasi ulang")
        DISTRICT_APPROVED = "DISTRICT_APPROVED", _("Disahkan kab/kota, menunggu provinsi")
        APPROVED = "APPROVED", _("Disahkan")
        APPLIED = "APPLIED", pgettext_lazy("proposal status", "Ditetapkan")
        CONFLICT = "CONFLICT", _("Gagal diterapkan")
        LAPSED = "LAPSED", _("Kedaluwarsa")
        WITHDRAWN = "WITHDRAWN", _("Ditarik")

    TRANSITIONS: dict[str, set[str]] = {
        Status.SUBMITTED: {
            Status.VERIFIED,
            Status.NOT_CONFIRMED,
            Status.QA_REVIEW,
            Status.LAPSED,
            Status.WITHDRAWN,
        },
        Status.RETURNED: {Status.VERIFIED, Status.NOT_CONFIRMED, Status.QA_REVIEW, Status.WITHDRAWN},
        # The reviewer upholds (the verification stands) or reverses (the proposal is not confirmed).
        Status.QA_REVIEW: {Status.VERIFIED, Status.NOT_CONFIRMED},
        Status.VERIFIED: {Status.APPROVED, Status.DISTRICT_APPROVED, Status.RETURNED},
        Status.DISTRICT_APPROVED: {Status.APPROVED, Status.RETURNED},
        Status.APPROVED: {Status.APPLIED, Status.CONFLICT},
        Status.APPLIED: set(),
        Status.CONFLICT: set(),
        Status.NOT_CONFIRMED: set(),
        Status.LAPSED: set(),
        Status.WITHDRAWN: set(),
    }
    OPEN_STATES = (Status.SUBMITTED, Status.RETURNED, Status.QA_REVIEW)

    kind = models.CharField(max_length=20, choices=Kind.choices)
    origin = models.CharField(max_length=10, choices=Origin.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    target_village = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_column="target_village_code",
    )
    inactive_reason = models.CharField(max_length=20, choices=codes.InactiveReason.choices, blank=True)
    # The proposed data: NEW_HOUSEHOLD {"household": {...}, "members": [{...}]}; *_CHANGE
    # {"changes": {...}}; MEMBER_ADD {"member": {...}}. Field names are the registry's (columns.py).
    payload = models.JSONField(default=dict, blank=True)
    # The village deliberation's minutes (berita acara) or another reference (ticket, SLRT case).
    minutes_number = models.CharField(_("Nomor berita acara"), max_length=60, blank=True)
    minutes_date = models.DateField(_("Tanggal berita acara"), null=True, blank=True)
    reference = models.CharField(_("Rujukan"), max_length=60, blank=True)
    note = models.TextField(_("Keterangan"), blank=True)
    upload = models.ForeignKey(
        ProposalUpload, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    # Field verification is due by then; an objection not verified by then lapses.
    due_at = models.DateTimeField()
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    district_decision = models.ForeignKey(
        "ApprovalDecision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    province_decision = models.ForeignKey(
        "ApprovalDecision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    release = models.ForeignKey(
        "Release", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    # Why a step refused it (a release that could not apply it, a reviewer's reversal, ...).
    outcome = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["regency_code", "status", "id"], name="proposal_regency_status_idx"),
            models.Index(fields=["village", "status", "id"], name="proposal_village_status_idx"),
            models.Index(fields=["status", "approved_at", "id"], name="proposal_status_approved_idx"),
            models.Index(fields=["household"], name="proposal_household_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="NEW_HOUSEHOLD") | Q(household__isnull=False),
                name="proposal_names_household",
            ),
            models.CheckConstraint(
                condition=~Q(origin__in=["MUSDES", "MUSKEL"])
                | (Q(minutes_number__gt="") & Q(minutes_date__isnull=False)),
                name="proposal_deliberation_has_minutes",
            ),
        ]

    def __str__(self) -> str:
        return f"Usulan #{self.pk}"


# --- verification (verivali) -----------------------------------------------------------------------
class VerificationTask(RegionScoped):
    """A field visit to verify one proposal; a returned proposal gets a new round."""

    class Status(models.TextChoices):
        OPEN = "OPEN", _("Belum dikunjungi")
        DONE = "DONE", _("Selesai")
        CANCELLED = "CANCELLED", _("Dibatalkan")

    class Result(models.TextChoices):
        CONFIRMED = "CONFIRMED", _("Sesuai")
        CORRECTED = "CORRECTED", _("Sesuai dengan perbaikan data")
        NOT_FOUND = "NOT_FOUND", _("Tidak ditemukan")
        NOT_ELIGIBLE = "NOT_ELIGIBLE", _("Tidak layak")

    TRANSITIONS: dict[str, set[str]] = {
        Status.OPEN: {Status.DONE, Status.CANCELLED},
        Status.DONE: set(),
        Status.CANCELLED: set(),
    }

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="tasks")
    round = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    result = models.CharField(max_length=12, choices=Result.choices, blank=True)
    # CORRECTED: the fields found different on site, in the proposal's payload shape.
    corrections = models.JSONField(default=dict, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    visited_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["district_code", "status", "id"], name="task_district_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal"], condition=Q(status="OPEN"), name="task_one_open_per_proposal"
            ),
            models.CheckConstraint(
                condition=~Q(status="DONE")
                | (
                    Q(result__gt="")
                    & Q(latitude__isnull=False)
                    & Q(longitude__isnull=False)
                    & Q(visited_on__isnull=False)
                ),
                name="task_done_has_result_and_place",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="task_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="task_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Verifikasi #{self.pk}"


class VerificationPhoto(models.Model):
    """A photo of the house taken at the visit. Stored outside the web root (PRIVATE_MEDIA_ROOT) and
    served only through a scoped view: never to the public."""

    task = models.ForeignKey(VerificationTask, on_delete=models.PROTECT, related_name="photos")
    path = models.CharField(max_length=255)  # relative to settings.PRIVATE_MEDIA_ROOT
    content_type = models.CharField(max_length=40)
    size = models.IntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Foto #{self.pk}"


# --- approval (pengesahan) -------------------------------------------------------------------------
class ApprovalDecision(RegionScoped):
    """A batch decision on the verified proposals of one village, under a letter of the regent or
    mayor (district level) or of the governor (province level)."""

    class Level(models.TextChoices):
        DISTRICT = "DISTRICT", _("Kabupaten/kota")
        PROVINCE = "PROVINCE", _("Provinsi")

    class Decision(models.TextChoices):
        APPROVE = "APPROVE", _("Disahkan")
        RETURN = "RETURN", _("Dikembalikan")

    level = models.CharField(max_length=10, choices=Level.choices)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    letter_number = models.CharField(_("Nomor surat pengesahan"), max_length=80)
    letter_date = models.DateField(_("Tanggal surat"))
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    proposals = models.IntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(letter_number__gt=""), name="decision_has_letter"),
        ]

    def __str__(self) -> str:
        return f"{self.letter_number} ({self.get_decision_display()})"


# --- releases (penetapan) --------------------------------------------------------------------------
class Release(models.Model):
    """A numbered determination of the registry: an immutable snapshot of the active households and
    persons at a cut-off, with its diff against the previous published release."""

    class Status(models.TextChoices):
        BUILDING = "BUILDING", _("Sedang disusun")
        DRAFT = "DRAFT", _("Draf")
        PUBLISHED = "PUBLISHED", _("Ditetapkan")
        DISCARDED = "DISCARDED", _("Dibatalkan")
        FAILED = "FAILED", _("Gagal disusun")

    TRANSITIONS: dict[str, set[str]] = {
        Status.BUILDING: {Status.DRAFT, Status.FAILED},
        Status.DRAFT: {Status.PUBLISHED, Status.DISCARDED},
        Status.PUBLISHED: set(),
        Status.DISCARDED: set(),
        Status.FAILED: set(),
    }

    number = models.PositiveIntegerField(unique=True)
    period = models.CharField(max_length=7)  # YYYY-MM
    cutoff = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BUILDING)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    phase = models.CharField(max_length=40, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    built_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    built_at = models.DateTimeField(null=True, blank=True)
    decree_number = models.CharField(_("Nomor Keputusan Menteri"), max_length=80, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    households = models.IntegerField(default=0)
    persons = models.IntegerField(default=0)
    added = models.IntegerField(default=0)
    removed = models.IntegerField(default=0)
    changed = models.IntegerField(default=0)
    proposals_applied = models.IntegerField(default=0)
    proposals_conflicted = models.IntegerField(default=0)
    error_message = models.TextField(blank=True)
    # Seconds per build step, for the operator and docs/performance.md.
    timings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            # One release at a time is being built or waiting for publication: every such row has
            # the same value of (number * 0), so a second one breaks the unique index.
            models.UniqueConstraint(
                models.F("number") * 0,
                condition=Q(status__in=["BUILDING", "DRAFT"]),
                name="release_one_in_progress",
            ),
            models.UniqueConstraint(
                fields=["period"], condition=Q(status="PUBLISHED"), name="release_one_published_per_period"
            ),
            models.CheckConstraint(
                condition=~Q(status="PUBLISHED")
                | (Q(decree_number__gt="") & Q(published_at__isnull=False) & Q(published_by__isnull=False)),
                name="release_published_has_decree",
            ),
        ]

    def __str__(self) -> str:
        return f"Rilis {self.number} ({self.period})"


class ReleaseHousehold(models.Model):
    """A household as determined in a release. Rows are written once, by the build, and never
    changed (database triggers refuse UPDATE; DELETE only of a discarded draft)."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="+", db_index=False)
    household_id = models.BigIntegerField()
    kk_number = models.CharField(max_length=16)
    village_code = models.CharField(max_length=10)
    district_code = models.CharField(max_length=6)
    regency_code = models.CharField(max_length=4)
    province_code = models.CharField(max_length=2)
    members = models.PositiveSmallIntegerField()
    welfare_status = models.PositiveSmallIntegerField(null=True)
    # The poverty score and welfare deciles are targeting's, in targeting.HouseholdScore.
    # The latest change to the household or one of its members: a different version is a change.
    version = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "household_id"], name="release_household_pk"),
        ]
        indexes = [models.Index(fields=["release", "regency_code"], name="release_hh_regency_idx")]

    def __str__(self) -> str:
        return f"{self.release_id}:{self.household_id}"


class ReleasePerson(models.Model):
    """An active member of a released household: what programs count (a deceased or moved person is
    not in the next release)."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="+", db_index=False)
    person_id = models.BigIntegerField()
    household_id = models.BigIntegerField()
    nik = models.CharField(max_length=16)
    full_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    sex = models.CharField(max_length=1)
    relationship = models.CharField(max_length=16)
    disability_severity = models.CharField(max_length=6)
    pregnant = models.BooleanField()
    school_level = models.CharField(max_length=4)
    ppks_mask = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "person_id"], name="release_person_pk"),
        ]
        indexes = [models.Index(fields=["release", "household_id"], name="release_person_hh_idx")]

    def __str__(self) -> str:
        return f"{self.release_id}:{self.person_id}"


class ReleaseChange(models.Model):
    """One line of a release's diff against the previous published release."""

    class Change(models.TextChoices):
        ADDED = "ADDED", pgettext_lazy("release diff", "Masuk")
        REMOVED = "REMOVED", pgettext_lazy("release diff", "Keluar")
        CHANGED = "CHANGED", _("Berubah")

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="+", db_index=False)
    household_id = models.BigIntegerField()
    change = models.CharField(max_length=8, choices=Change.choices)
    # REMOVED: the household's status or inactive reason (DUPLICATE, NOT_ELIGIBLE, MERGED, ...);
    # CHANGED: which part changed (VILLAGE, MEMBERS, DATA).
    reason = models.CharField(max_length=20, blank=True)
    kk_number = models.CharField(max_length=16)
    village_code = models.CharField(max_length=10)
    district_code = models.CharField(max_length=6)
    regency_code = models.CharField(max_length=4)
    province_code = models.CharField(max_length=2)
    members_before = models.PositiveSmallIntegerField(null=True)
    members_after = models.PositiveSmallIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["release", "regency_code", "change"], name="release_change_region_idx"),
            models.Index(fields=["release", "id"], name="release_change_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.release_id}:{self.household_id} {self.change}"


# --- population-registry events (Dukcapil: lahir, mati, pindah, datang) ----------------------------
class PopulationEvent(models.Model):
    """One event from the population registry, applied exactly once (its event id is unique)."""

    class Kind(models.TextChoices):
        BIRTH = "LAHIR", _("Kelahiran")
        DEATH = "MATI", _("Kematian")
        MOVE_OUT = "PINDAH", pgettext_lazy("population event", "Pindah")
        MOVE_IN = "DATANG", _("Datang")

    class Status(models.TextChoices):
        APPLIED = "APPLIED", _("Diterapkan")
        REJECTED = "REJECTED", _("Ditolak")

    # A rejected event (an unknown NIK, say) is kept and retried when the same id comes again.
    TRANSITIONS: dict[str, set[str]] = {
        Status.REJECTED: {Status.APPLIED, Status.REJECTED},
        Status.APPLIED: set(),
    }

    event_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=6, choices=Kind.choices)
    nik = models.CharField(max_length=16, blank=True)
    kk_number = models.CharField(max_length=16, blank=True)
    occurred_on = models.DateField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Where the event belongs, for scoping: the household's village, else the region the NIK/KK
    # names (its first six digits), so that a rejected event reaches the district concerned.
    region_code = models.CharField(max_length=10, db_index=True)
    source = models.CharField(max_length=255, blank=True)
    received_at = models.DateTimeField()
    applied_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["person", "kind", "applied_at"], name="event_person_idx"),
            models.Index(fields=["status", "id"], name="event_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"


# --- quality assurance -----------------------------------------------------------------------------
class QACase(RegionScoped):
    """A difference for a university reviewer: a verification contradicting the data, an upheld
    objection. The reviewer's decision flows back into the proposal."""

    class Reason(models.TextChoices):
        ASSETS_CONTRADICT = "ASSETS", _("Verifikasi bertentangan dengan aset/rumah")
        OBJECTION_UPHELD = "OBJECTION", _("Sanggahan terbukti")

    class Status(models.TextChoices):
        OPEN = "OPEN", _("Menunggu tinjauan")
        UPHELD = "UPHELD", _("Verifikasi dikuatkan")
        REVERSED = "REVERSED", _("Verifikasi dibatalkan")

    TRANSITIONS: dict[str, set[str]] = {
        Status.OPEN: {Status.UPHELD, Status.REVERSED},
        Status.UPHELD: set(),
        Status.REVERSED: set(),
    }

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="qa_cases")
    task = models.ForeignKey(VerificationTask, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    findings = models.JSONField(default=list, blank=True)  # what contradicts what, for the reviewer
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal"], condition=Q(status="OPEN"), name="qa_one_open_per_proposal"
            ),
        ]

    def __str__(self) -> str:
        return f"QA #{self.pk}"
