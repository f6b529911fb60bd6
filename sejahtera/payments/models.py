"""Disbursement (penyaluran): payment batches per program, period and channel, approved by a second
person, exported as a file per channel with a control total; status files from the bank or the
post office imported back idempotently; reconciliation and realisation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """State banks (Himbara) pay into KKS accounts; PT Pos pays cash (DOMAIN.md §6.1, §6.2)."""

    BRI = "BRI", "Bank BRI"
    BNI = "BNI", "Bank BNI"
    MANDIRI = "MANDIRI", "Bank Mandiri"
    BTN = "BTN", "Bank BTN"
    BSI = "BSI", "Bank Syariah Indonesia"
    POS = "POS", _("PT Pos Indonesia (tunai)")
    BPJS = "BPJS", _("BPJS Kesehatan (iuran PBI)")


class PaymentAccount(models.Model):
    """Where a family is paid: its KKS account at a state bank. A family without one is paid in cash
    by the post office."""

    household = models.OneToOneField("registry.Household", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    account_number = models.CharField(max_length=20)
    opened_at = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.household_id}:{self.channel}"


class PaymentBatch(models.Model):
    class Status(models.TextChoices):
        DRAFT = "DRAFT", _("Draf")
        APPROVED = "APPROVED", _("Disetujui")
        SENT = "SENT", _("Dikirim ke penyalur")
        CLOSED = "CLOSED", _("Selesai")
        CANCELLED = "CANCELLED", _("Dibatalkan")

    TRANSITIONS: dict[str, set[str]] = {
        Status.DRAFT: {Status.APPROVED, Status.CANCELLED},
        Status.APPROVED: {Status.SENT, Status.CANCELLED},
        Status.SENT: {Status.CLOSED},
        Status.CLOSED: set(),
        Status.CANCELLED: set(),
    }

    number = models.PositiveIntegerField(unique=True)
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=7)
    tahap = models.PositiveSmallIntegerField(default=0)  # the disbursement's number in the year
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    payments = models.IntegerField(default=0)
    total_amount = models.BigIntegerField(default=0)  # the control total, whole rupiah
    reissues = models.IntegerField(default=0)  # of the payments, how many re-issue a failed one
    # What the channel has reported so far (kept by each status import): payments and rupiah now in
    # each final status, so that lists never count a batch's payments.
    paid = models.IntegerField(default=0)
    paid_amount = models.BigIntegerField(default=0)
    failed = models.IntegerField(default=0)
    failed_amount = models.BigIntegerField(default=0)
    returned = models.IntegerField(default=0)
    returned_amount = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    exported_at = models.DateTimeField(null=True, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            # Maker-checker, held by the database too: the approver is never the maker.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("created_by")),
                name="batch_approver_not_maker",
            ),
        ]
        indexes = [models.Index(fields=["program", "period"], name="batch_program_period_idx")]

    def __str__(self) -> str:
        return f"#{self.number} {self.program_id}/{self.period}/{self.channel}"


class Payment(models.Model):
    """One transfer of one entitlement. A failed or returned payment is re-issued once, in a later
    batch; the database keeps at most one live payment per entitlement and one re-issue per payment.

    What the channel is told (KK, recipient, NIK, account) is copied on the payment when the batch
    is made, so that the approver approves exactly what is sent and the file can be produced again
    byte for byte."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("Menunggu")
        SENT = "SENT", _("Dikirim")
        PAID = "PAID", _("Tersalurkan")
        FAILED = "FAILED", _("Gagal")
        RETURNED = "RETURNED", _("Dikembalikan")
        CANCELLED = "CANCELLED", _("Dibatalkan")

    TRANSITIONS: dict[str, set[str]] = {
        Status.PENDING: {Status.SENT, Status.CANCELLED},
        Status.SENT: {Status.PAID, Status.FAILED, Status.RETURNED},
        Status.PAID: {Status.RETURNED},
        Status.FAILED: set(),
        Status.RETURNED: set(),
        Status.CANCELLED: set(),
    }

    # Payments are written only by batches_create's INSERT … SELECT, which reads the entitlement and
    # the batch it points at in the same transaction; a foreign-key constraint would check the
    # parent row again, one query per payment at commit (30 s of a 10^6-payment batch on PostgreSQL),
    # so these two are held by that statement and by PROTECT, not by the database (docs/payments.md).
    # The batch is indexed by payment_batch_idx (batch, id), not by a second index of its own.
    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    entitlement = models.ForeignKey(
        "programs.Entitlement",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    household_id = models.BigIntegerField()
    amount = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    status_date = models.DateField(null=True, blank=True)  # when the channel paid, failed or took it back
    # A ForeignKey with a partial unique constraint (not a OneToOneField): a re-issue whose batch
    # was cancelled does not use up the one re-issue a failed payment gets.
    reissue_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reissues", db_index=False
    )
    kk_number = models.CharField(max_length=16, blank=True)
    recipient_name = models.CharField(max_length=100, blank=True)
    recipient_nik = models.CharField(max_length=16, blank=True)
    account_number = models.CharField(max_length=20, blank=True)  # bank channels only
    village_code = models.CharField(max_length=10)
    district_code = models.CharField(max_length=6)
    regency_code = models.CharField(max_length=4)
    province_code = models.CharField(max_length=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entitlement"],
                condition=Q(status__in=["PENDING", "SENT", "PAID"]),
                name="one_live_payment_per_entitlement",
            ),
            models.UniqueConstraint(
                fields=["reissue_of"],
                condition=Q(reissue_of__isnull=False) & ~Q(status="CANCELLED"),
                name="one_reissue_per_payment",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [
            # A batch's payments in key order: the export, the status import, the payments table.
            models.Index(fields=["batch", "id"], name="payment_batch_idx"),
            models.Index(fields=["entitlement"], name="payment_entitlement_idx"),
            # The re-issues (few): the foreign key's own check when a payment row goes.
            models.Index(
                fields=["reissue_of"], condition=Q(reissue_of__isnull=False), name="payment_reissue_idx"
            ),
            # A regency's payments of a period (its batches): the district office's reconciliation.
            models.Index(fields=["regency_code", "batch"], name="payment_region_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.entitlement_id}={self.status}"


class StatusImport(models.Model):
    """A status file from a channel. The same file (by SHA-256) is taken once; a row whose payment
    already carries that status changes nothing."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    rows_read = models.IntegerField(default=0)
    paid = models.IntegerField(default=0)
    failed = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    unchanged = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)

    # Not stored: set on the earlier import that status_import returns for the same file again.
    duplicate = False

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "sha256"], name="one_import_per_status_file"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.file_name}"


class StatusImportError(models.Model):
    status_import = models.ForeignKey(StatusImport, on_delete=models.CASCADE, related_name="errors")
    row = models.IntegerField()
    column = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=40)
    message = models.CharField(max_length=300)
    value = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"{self.status_import_id}:{self.row}:{self.code}"
