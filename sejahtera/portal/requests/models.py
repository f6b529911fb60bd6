"""What citizens send through the public portal without an account (issue 5 §3-§5): a proposal of a
family (usul) or an objection to a listed recipient (sanggah), each carried by a proposal of the
update cycle, and a complaint (pengaduan) answered by the district office.

Each carries an unguessable code (the tracking code, the ticket number) by which the citizen follows
it; the public status pages read these rows and the proposal's status, never the registry's data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sejahtera.programs.models import Program
from sejahtera.updates.models import Proposal, RegionScoped


class StoredFile(models.Model):
    """A photo or an attachment a citizen sent, under PRIVATE_MEDIA_ROOT; served only by a scoped
    staff view, never to the public."""

    path = models.CharField(max_length=255, blank=True)  # relative to PRIVATE_MEDIA_ROOT
    content_type = models.CharField(max_length=40, blank=True)
    size = models.IntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True


class PublicSubmission(RegionScoped, StoredFile):
    """An usul or a sanggah: the citizen's own statement, and the proposal it entered the cycle as.
    Several submissions may share a proposal (a second citizen proposing the same KK, or objecting
    to the same family, joins the one already running)."""

    class Kind(models.TextChoices):
        USUL = "USUL", _("Usul")
        SANGGAH = "SANGGAH", _("Sanggah")

    class Relation(models.TextChoices):
        SELF = "SELF", _("Keluarga saya sendiri")
        RELATIVE = "RELATIVE", _("Kerabat saya")
        OTHER = "OTHER", _("Keluarga lain (tetangga, warga)")

    class Reason(models.TextChoices):
        # Why a listed family should not receive aid (sanggah); each maps to an inactive reason.
        NOT_POOR = "NOT_POOR", _("Mampu / tidak miskin")
        DECEASED = "DECEASED", pgettext_lazy("objection reason", "Meninggal dunia")
        MOVED = "MOVED", pgettext_lazy("objection reason", "Pindah domisili")
        DUPLICATE = "DUPLICATE", _("Data ganda")
        OTHER = "OTHER", _("Lainnya")

    class Residency(models.TextChoices):
        # The objector's NIK against the registry, for the district office only (never shown publicly).
        HERE = "HERE", _("Terdaftar di desa/kelurahan ini")
        ELSEWHERE = "ELSEWHERE", _("Terdaftar di desa/kelurahan lain")
        OWN_FAMILY = "OWN_FAMILY", _("Anggota keluarga yang disanggah")
        NOT_LISTED = "NOT_LISTED", _("Tidak ada di registri")

    code = models.CharField(max_length=16, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    reason = models.CharField(max_length=10, choices=Reason.choices, blank=True)
    statement = models.TextField()
    relation = models.CharField(max_length=10, choices=Relation.choices, blank=True)
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The citizen who sent it. An objector gives a NIK, kept for the record (false objections are
    # recorded) and never shown again on a public page.
    contact_name = models.CharField(max_length=100)
    contact_phone = models.CharField(max_length=20, blank=True)
    objector_nik = models.CharField(max_length=16, blank=True)
    objector_residency = models.CharField(max_length=10, choices=Residency.choices, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # The operator's finding when the family looks registered already (see proposal_submit_public).
    finding = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["proposal"], name="submission_proposal_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="SANGGAH")
                | (Q(latitude__isnull=False) & Q(longitude__isnull=False) & Q(objector_nik__gt="")),
                name="submission_objection_has_place_and_nik",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Complaint(RegionScoped, StoredFile):
    """A question, suggestion or complaint (pengaduan), routed to the district office of its village."""

    class Kind(models.TextChoices):
        QUESTION = "QUESTION", _("Pertanyaan")
        SUGGESTION = "SUGGESTION", _("Saran")
        COMPLAINT = "COMPLAINT", pgettext_lazy("complaint kind", "Pengaduan")

    class Category(models.TextChoices):
        DATA = "DATA", _("Data DTKS/DTSEN")
        DISBURSEMENT = "DISBURSEMENT", _("Penyaluran bansos")
        STAFF = "STAFF", _("Layanan petugas")
        MISCONDUCT = "MISCONDUCT", _("Dugaan penyimpangan")
        OTHER = "OTHER", _("Lainnya")

    class Status(models.TextChoices):
        NEW = "NEW", _("Diterima")
        IN_PROGRESS = "IN_PROGRESS", _("Sedang ditangani")
        ANSWERED = "ANSWERED", _("Dijawab")
        CLOSED = "CLOSED", _("Ditutup")

    TRANSITIONS: dict[str, set[str]] = {
        Status.NEW: {Status.IN_PROGRESS, Status.CLOSED},
        Status.IN_PROGRESS: {Status.ANSWERED, Status.CLOSED},
        # The citizen's reply by phone may reopen it; otherwise the officer closes it.
        Status.ANSWERED: {Status.IN_PROGRESS, Status.CLOSED},
        Status.CLOSED: set(),
    }

    ticket = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    category = models.CharField(max_length=12, choices=Category.choices)
    text = models.TextField()
    contact_name = models.CharField(max_length=100, blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    submitted_at = models.DateTimeField()
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The official answer: the only staff text the public status page shows.
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["regency_code", "status", "id"], name="complaint_regency_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="ANSWERED") | Q(answer__gt=""), name="complaint_answered_has_answer"
            ),
        ]

    def __str__(self) -> str:
        return self.ticket
