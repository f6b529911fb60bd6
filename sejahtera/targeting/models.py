"""Targeting (parameter kemiskinan): versioned proxy-means scoring models and the score and welfare
deciles of every household of a release (DOMAIN.md §4.4, §6.2 "Desil rule").

A score is computed once per release, set-based, when the release is built (a release build hook),
and stored beside the release's rows; the live registry is never updated for it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ScoringModel(models.Model):
    """One version of the proxy-means test: points per household and member variable (optionally
    other points per province) and the Kepmensos 262/HUK/2022 criteria as a checklist. A higher
    score is a better-off household; decile 1 holds the poorest tenth."""

    class Status(models.TextChoices):
        DRAFT = "DRAFT", _("Draf")
        ACTIVE = "ACTIVE", _("Berlaku")
        RETIRED = "RETIRED", _("Tidak berlaku")

    TRANSITIONS: dict[str, set[str]] = {
        Status.DRAFT: {Status.ACTIVE},
        Status.ACTIVE: {Status.RETIRED},
        Status.RETIRED: set(),
    }

    version = models.CharField(_("Versi"), max_length=40, unique=True)
    name = models.CharField(_("Nama"), max_length=120)
    description = models.TextField(_("Keterangan"), blank=True)
    legal_source = models.CharField(_("Dasar hukum / sumber"), max_length=300)
    # {"intercept": int, "terms": [term, ...], "provinces": {"91": {"intercept": int, "terms": [...]}}}
    # A term: {"variable": name, "points": {"code": int, ...}} for a coded column,
    # {"variable": name, "per_unit": int, "max_units": int} or {"variable": name, "at_least":
    # [[threshold, points], ...]} for a number, {"variable": name, "if_true": int} for a yes/no.
    # A province's terms replace the national term of the same variable there. targeting.scoring
    # names the variables and validates the document; docs/targeting.md describes it.
    # Frozen once the version leaves DRAFT (a database trigger refuses a change of the weights).
    weights = models.JSONField()
    effective_from = models.DateField(_("Berlaku sejak"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    # None: the version the migrations install (targeting 0003), written by no user.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-effective_from", "-id"]
        constraints = [
            # Two active versions may not start on the same day: the one a release uses is the
            # active version with the latest effective date on or before the release's period.
            models.UniqueConstraint(
                fields=["effective_from"], condition=Q(status="ACTIVE"), name="one_active_model_per_date"
            ),
        ]

    def __str__(self) -> str:
        return self.version


class ReleaseScoring(models.Model):
    """That a release was scored, with which model, when and how long it took (`seconds`, the
    INSERT ... SELECT with its window functions: what bench/ reports)."""

    release = models.OneToOneField("updates.Release", on_delete=models.PROTECT, related_name="+")
    model = models.ForeignKey(ScoringModel, on_delete=models.PROTECT, related_name="+")
    households = models.IntegerField(default=0)
    scored_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.release_id}:{self.model_id}"


class HouseholdScore(models.Model):
    """A household's score and deciles in a release. Written once by the scoring of the release,
    never changed."""

    release = models.ForeignKey("updates.Release", on_delete=models.PROTECT, related_name="+", db_index=False)
    household_id = models.BigIntegerField()
    # The household's region in the release snapshot: scoping is one equality, as for the snapshot.
    village_code = models.CharField(max_length=10)
    district_code = models.CharField(max_length=6)
    regency_code = models.CharField(max_length=4)
    province_code = models.CharField(max_length=2)
    score = models.IntegerField()
    decile = models.PositiveSmallIntegerField()  # national, 1 = poorest tenth
    decile_province = models.PositiveSmallIntegerField()
    decile_regency = models.PositiveSmallIntegerField()
    # Kepmensos 262/HUK/2022 criteria the household meets, as a bit mask (targeting.scoring.CRITERIA).
    criteria_mask = models.PositiveSmallIntegerField(default=0)
    criteria_met = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "household_id"], name="household_score_pk"),
        ]
        indexes = [
            models.Index(fields=["release", "regency_code", "decile"], name="score_regency_decile_idx")
        ]

    def __str__(self) -> str:
        return f"{self.release_id}:{self.household_id}={self.score}/{self.decile}"
