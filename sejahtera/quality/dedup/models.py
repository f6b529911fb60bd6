"""Duplicate detection (issue 6 §3): runs of the Splink engine, the candidate pairs they found, and
the merges that confirmed pairs made (docs/dedup.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PERSON = "PERSON", _("Penduduk")
    HOUSEHOLD = "HOUSEHOLD", _("Keluarga")


class DedupRun(models.Model):
    """One run of the detection over the whole registry: who started it, with which backend,
    threshold and model, what it found and how long each step took."""

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

    # PERSON, HOUSEHOLD, or "" for both.
    kind = models.CharField(max_length=10, choices=Kind.choices, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=20, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    backend = models.CharField(max_length=8, default="duckdb")
    threshold = models.FloatField()
    retrain = models.BooleanField(default=False)
    model_version = models.CharField(max_length=80, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    persons = models.IntegerField(default=0)
    households = models.IntegerField(default=0)
    candidates = models.IntegerField(default=0)
    pairs_new = models.IntegerField(default=0)
    pairs_updated = models.IntegerField(default=0)
    # Found again but already decided: DISMISSED pairs are never proposed again, CONFIRMED ones are done.
    pairs_skipped = models.IntegerField(default=0)
    timings = models.JSONField(default=dict)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Dedup #{self.pk}"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class DuplicatePair(models.Model):
    """Two records the engine takes for the same person (or family), record_a < record_b, for a
    reviewer to confirm (merge) or dismiss. Seen by a user who may see either record."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("Menunggu")
        CONFIRMED = "CONFIRMED", _("Dikonfirmasi ganda")
        DISMISSED = "DISMISSED", _("Bukan ganda")

    TRANSITIONS: dict[str, set[str]] = {
        Status.PENDING: {Status.CONFIRMED, Status.DISMISSED},
        Status.CONFIRMED: set(),
        Status.DISMISSED: set(),
    }

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Person ids (kind PERSON) or household ids (HOUSEHOLD); a < b.
    record_a = models.BigIntegerField()
    record_b = models.BigIntegerField()
    # NIK (persons) or KK number (households) of each record when the pair was found.
    key_a = models.CharField(max_length=16)
    key_b = models.CharField(max_length=16)
    # Both records' villages: a user sees the pair if either lies in the jurisdiction.
    village_a = models.CharField(max_length=10)
    village_b = models.CharField(max_length=10)
    probability = models.FloatField()
    # The comparison level of each field (name, NIK, birth date, ...) as Splink scored it.
    details = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    first_run = models.ForeignKey(DedupRun, on_delete=models.PROTECT, related_name="+", db_index=False)
    last_run = models.ForeignKey(DedupRun, on_delete=models.PROTECT, related_name="+", db_index=False)
    found_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "record_a", "record_b"], name="dedup_pair_once"),
            models.CheckConstraint(condition=Q(record_a__lt=models.F("record_b")), name="dedup_pair_ordered"),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=1), name="dedup_pair_probability"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "kind", "-probability"], name="dedup_pair_queue_idx"),
            models.Index(fields=["village_a", "status"], name="dedup_pair_village_a_idx"),
            models.Index(fields=["village_b", "status"], name="dedup_pair_village_b_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.record_a}~{self.record_b} ({self.probability:.3f})"


class Merge(models.Model):
    """What a confirmed pair did: the survivor, the duplicate (as it was before, in full), the
    household it emptied, the enrolments it ended and the payments not yet sent for them (noted,
    not touched). Nothing is deleted; the registry rows stay with merged_into set."""

    pair = models.OneToOneField(DuplicatePair, on_delete=models.PROTECT, related_name="merge")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    survivor_id = models.BigIntegerField()
    duplicate_id = models.BigIntegerField()
    before = models.JSONField()
    households_closed = models.JSONField(default=list)
    persons_merged = models.JSONField(default=list)
    enrollments_ended = models.JSONField(default=list)
    unsent_payments = models.JSONField(default=list)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()

    def __str__(self) -> str:
        return f"{self.kind} {self.duplicate_id} -> {self.survivor_id}"
