"""Targeting writes: the scoring models' versions (create, activate, retire; maker-checker on
activation) and the score and deciles of every household of a release, written once, set-based.

A release is scored by one INSERT ... SELECT: its snapshot rows joined to the registry's household
columns and to an aggregate of the ACTIVE members, the score as one SQL expression
(scoring.score_sql), and three NTILE(10) windows for the deciles (national, within the province,
within the regency; ties broken by household id). The live registry is never written.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import DomainError, MakerCheckerViolation, NotInJurisdiction
from sejahtera.common.states import ensure_transition
from sejahtera.regions.models import Region
from sejahtera.updates.models import Release

from . import scoring
from .models import HouseholdScore, ReleaseScoring, ScoringModel
from .scoring import period_start

__all__ = ["period_start"]

logger = logging.getLogger(__name__)
MS = ScoringModel.Status
# A release may be scored while it is built or waits as a draft; a published one is frozen.
SCORABLE = (Release.Status.BUILDING, Release.Status.DRAFT)


def model_in_force(on: dt.date) -> ScoringModel | None:
    """The ACTIVE version with the latest effective date on or before `on`."""
    return (
        ScoringModel.objects.filter(status=MS.ACTIVE, effective_from__lte=on)
        .order_by("-effective_from", "-id")
        .first()
    )


# --- scoring a release ---------------------------------------------------------------------------------
def release_score_sql(spec: scoring.Spec) -> str:
    """The INSERT ... SELECT that scores release %(release)s (parameters: release, age15, age60)."""
    return f"""
        INSERT INTO targeting_householdscore
            (release_id, household_id, village_code, district_code, regency_code, province_code,
             score, decile, decile_province, decile_regency, criteria_mask, criteria_met)
        SELECT %(release)s, s.household_id, s.village_code, s.district_code, s.regency_code,
               s.province_code, s.score,
               NTILE(10) OVER (ORDER BY s.score, s.household_id) AS decile,
               NTILE(10) OVER (PARTITION BY s.province_code ORDER BY s.score, s.household_id) AS decile_province,
               NTILE(10) OVER (PARTITION BY s.regency_code ORDER BY s.score, s.household_id) AS decile_regency,
               s.criteria_mask, s.criteria_met
        FROM ({scored_rows_sql(spec)}) s
    """


def scored_rows_sql(spec: scoring.Spec) -> str:
    """One row per household of release %(release)s with its score and criteria (no deciles)."""
    return f"""
        SELECT rh.household_id, rh.village_code, rh.district_code, rh.regency_code, rh.province_code,
               {scoring.score_sql(spec)} AS score,
               {scoring.criteria_mask_sql()} AS criteria_mask,
               {scoring.criteria_met_sql()} AS criteria_met
        FROM updates_releasehousehold rh
        JOIN registry_household h ON h.id = rh.household_id
        LEFT JOIN ({scoring.MEMBERS_SQL}) m ON m.household_id = rh.household_id
        WHERE rh.release_id = %(release)s
    """


def _execute(sql: str, params: Any = None) -> int:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


@transaction.atomic
def score_release(
    release: Release, *, model: ScoringModel | None = None, actor: User | None = None
) -> ReleaseScoring:
    """Score every household of a release being built or waiting as a draft, with `model` (default:
    the version in force on the first day of the release's period). Once per release."""
    release = Release.objects.select_for_update().get(pk=release.pk)
    if release.status not in SCORABLE:
        raise DomainError(
            f"Rilis {release.number} berstatus {release.get_status_display()}: skor hanya dihitung "
            "saat rilis disusun atau masih draf."
        )
    done = ReleaseScoring.objects.filter(release=release).select_related("model").first()
    if done is not None:
        raise DomainError(f"Rilis {release.number} sudah diberi skor dengan model {done.model.version}.")
    reference = period_start(release.period)
    if model is None:
        model = model_in_force(reference)
        if model is None:
            raise DomainError(f"Tidak ada model penilaian yang berlaku pada {reference.isoformat()}.")
    if model.status != MS.ACTIVE:
        raise DomainError(f"Model {model.version} belum/tidak berlaku ({model.get_status_display()}).")
    spec = scoring.parse_weights(model.weights)
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        # The member aggregate and three sorts of a national release fit in memory (4 MB spills).
        _execute("SET LOCAL work_mem = '256MB'")
    households = _execute(release_score_sql(spec), {"release": release.pk, **scoring.age_params(reference)})
    if connection.vendor == "postgresql":
        # Programs join the scores of this release next; the planner must know they exist.
        _execute("ANALYZE targeting_householdscore")
    seconds = round(time.perf_counter() - started, 3)
    result = ReleaseScoring.objects.create(
        release=release, model=model, households=households, seconds=seconds
    )
    audit_record(
        actor=actor or release.built_by,
        action="release.score",
        object_type="release",
        object_id=release.number,
        after={"model": model.version, "households": households, "seconds": seconds},
    )
    return result


def discard_scores_hook(release: Release) -> None:
    """The release discard hook (settings.RELEASE_DISCARD_HOOKS): a discarded draft's scores go with
    its snapshot (the database allows that DELETE only once the release is discarded or failed)."""
    HouseholdScore.objects.filter(release=release).delete()
    ReleaseScoring.objects.filter(release=release).delete()


def score_release_hook(release: Release) -> None:
    """The release build hook (settings.RELEASE_BUILD_HOOKS): score the release with the version in
    force for its period. With no version in force the release is left unscored (logged); its
    deciles page says so."""
    model = model_in_force(period_start(release.period))
    if model is None:
        logger.warning(
            "release %s: no scoring model in force for %s; not scored", release.number, release.period
        )
        return
    score_release(release, model=model, actor=release.built_by)


# --- scoring model versions --------------------------------------------------------------------------------
def _snapshot(model: ScoringModel) -> dict[str, Any]:
    return {
        "version": model.version,
        "status": model.status,
        "effective_from": model.effective_from,
    }


@transaction.atomic
def scoring_model_create(
    *,
    actor: User,
    version: str,
    name: str,
    legal_source: str,
    weights: Any,
    effective_from: dt.date,
    description: str = "",
) -> ScoringModel:
    """A new version as a draft, its weights checked (every bad term named)."""
    ensure_can(actor, Action.TARGETING_MANAGE)
    version, name, legal_source = version.strip(), name.strip(), legal_source.strip()
    if not version or not name or not legal_source:
        raise DomainError("Versi, nama dan dasar hukum/sumber wajib diisi.")
    spec = scoring.parse_weights(weights)
    unknown = sorted(set(spec.provinces) - set(Region.objects.filter(level=1).values_list("code", flat=True)))
    if unknown:
        raise scoring.WeightsInvalid([f"provinces[{c}]: bukan kode provinsi" for c in unknown])
    if ScoringModel.objects.filter(version=version).exists():
        raise DomainError(f"Versi {version} sudah ada; beri nama versi lain.")
    model = ScoringModel.objects.create(
        version=version,
        name=name,
        legal_source=legal_source,
        description=description.strip(),
        weights=weights,
        effective_from=effective_from,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="scoring_model.create",
        object_type="scoring_model",
        object_id=model.pk,
        after={**_snapshot(model), "weights": weights},
    )
    return model


def _locked(model_id: int) -> ScoringModel:
    model = ScoringModel.objects.select_for_update().filter(pk=model_id).first()
    if model is None:
        raise NotInJurisdiction("Model penilaian tidak ditemukan.")
    return model


def _move(model: ScoringModel, to: str, *, actor: User, reason: str = "", **fields: Any) -> None:
    ensure_transition(
        entity=f"Model {model.version}",
        table=ScoringModel.TRANSITIONS,
        current=model.status,
        requested=to,
        choices=MS,
    )
    before = _snapshot(model)
    model.status = to
    for name, value in fields.items():
        setattr(model, name, value)
    model.save(update_fields=["status", *fields])
    audit_record(
        actor=actor,
        action="scoring_model.activate" if to == MS.ACTIVE else "scoring_model.retire",
        object_type="scoring_model",
        object_id=model.pk,
        before=before,
        after=_snapshot(model),
        reason=reason,
    )


@transaction.atomic
def scoring_model_activate(*, actor: User, model_id: int) -> ScoringModel:
    """Put a draft version in force from its effective date. Whoever wrote it may not activate it.
    Versions in force from other dates stay active (each governs the releases of its own periods);
    an active version with the same effective date is retired: the new one replaces it."""
    ensure_can(actor, Action.TARGETING_MANAGE)
    model = _locked(model_id)
    ensure_transition(
        entity=f"Model {model.version}",
        table=ScoringModel.TRANSITIONS,
        current=model.status,
        requested=MS.ACTIVE,
        choices=MS,
    )
    if model.created_by_id is not None and model.created_by_id == actor.pk:
        raise MakerCheckerViolation(
            f"Model {model.version} Anda buat sendiri: pemberlakuannya harus oleh petugas lain."
        )
    scoring.parse_weights(model.weights)
    now = timezone.now()
    for same_day in ScoringModel.objects.select_for_update().filter(
        status=MS.ACTIVE, effective_from=model.effective_from
    ):
        _move(
            same_day,
            MS.RETIRED,
            actor=actor,
            reason=f"Diganti oleh {model.version} yang berlaku sejak tanggal yang sama.",
            retired_by=actor,
            retired_at=now,
        )
    _move(model, MS.ACTIVE, actor=actor, activated_by=actor, activated_at=now)
    return model


@transaction.atomic
def scoring_model_retire(*, actor: User, model_id: int, reason: str) -> ScoringModel:
    """Take a version out of force: releases built afterwards use the next version in force for
    their period. Releases already scored keep their scores."""
    ensure_can(actor, Action.TARGETING_MANAGE)
    if not reason.strip():
        raise DomainError("Alasan pencabutan wajib diisi.")
    model = _locked(model_id)
    _move(model, MS.RETIRED, actor=actor, reason=reason.strip(), retired_by=actor, retired_at=timezone.now())
    return model
