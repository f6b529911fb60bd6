"""Targeting reads. Scoring models are national configuration (every role with TARGETING_VIEW reads
them); a release's scores are read through the user's jurisdiction, as the release's own rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import household_scope, households_in_region, in_jurisdiction
from sejahtera.common.errors import NotInJurisdiction
from sejahtera.registry.models import Household, Person
from sejahtera.updates import selectors as release_selectors
from sejahtera.updates.models import Release, ReleaseHousehold

from . import scoring
from .models import HouseholdScore, ReleaseScoring, ScoringModel

DECILES = tuple(range(1, 11))
# Which decile a distribution counts: the national one (what programs use, params.md "max_decile"),
# or the rank within the household's province or regency.
BASIS_FIELDS = {"national": "decile", "province": "decile_province", "regency": "decile_regency"}
# The level one below a region given by the length of its code ('' = the nation).
_CHILD_FIELD = {
    0: "province_code",
    2: "regency_code",
    4: "district_code",
    6: "village_code",
    10: "village_code",
}


# --- scoring models ------------------------------------------------------------------------------------
def scoring_model_list(*, user: User, status: str = "") -> QuerySet[ScoringModel]:
    ensure_can(user, Action.TARGETING_VIEW)
    qs = ScoringModel.objects.select_related("created_by", "activated_by", "retired_by")
    if status in ScoringModel.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-effective_from", "-id")


def scoring_model_get(*, user: User, model_id: int) -> ScoringModel:
    model = scoring_model_list(user=user).filter(pk=model_id).first()
    if model is None:
        raise NotInJurisdiction("Model penilaian tidak ditemukan.")
    return model


def scoring_model_by_version(*, user: User, version: str) -> ScoringModel:
    model = scoring_model_list(user=user).filter(version=version).first()
    if model is None:
        raise NotInJurisdiction(f"Model penilaian {version!r} tidak ditemukan.")
    return model


def release_scorings(*, user: User) -> QuerySet[ReleaseScoring]:
    """Which releases were scored, with which version and in how many seconds (newest first)."""
    ensure_can(user, Action.TARGETING_VIEW)
    return ReleaseScoring.objects.select_related("release", "model").order_by("-release__number")


# --- a release's scores ----------------------------------------------------------------------------------
def release_scoring(release: Release) -> ReleaseScoring | None:
    return ReleaseScoring.objects.filter(release=release).select_related("model").first()


def release_scored(release: Release) -> bool:
    return ReleaseScoring.objects.filter(release=release).exists()


def decile_of(release: Release | int, household_id: int) -> int | None:
    """A household's national decile in a release (1 = poorest tenth), None when the release was
    not scored or the household is not in it. Unscoped: for programs' services, which scope
    their own reads."""
    release_id = release if isinstance(release, int) else release.pk
    return (
        HouseholdScore.objects.filter(release_id=release_id, household_id=household_id)
        .values_list("decile", flat=True)
        .first()
    )


def release_for_targeting(*, user: User, number: int) -> Release:
    ensure_can(user, Action.TARGETING_VIEW)
    return release_selectors.release_get(user=user, number=number)


def household_scores(*, user: User, release: Release, region: str = "") -> QuerySet[HouseholdScore]:
    """The release's scores in the user's jurisdiction (and a region within it)."""
    ensure_can(user, Action.TARGETING_VIEW)
    qs = HouseholdScore.objects.filter(household_scope(user, village_field="village_code"), release=release)
    if region:
        qs = qs.filter(households_in_region(region, village_field="village_code"))
        if len(region) > 4:
            # Lets the (release, regency_code, decile) index narrow a district or village.
            qs = qs.filter(regency_code=region[:4])
    return qs


@dataclass(frozen=True)
class RegionDeciles:
    code: str
    counts: tuple[int, ...]  # households per decile 1..10
    total: int


@dataclass(frozen=True)
class Distribution:
    region: str  # '' = the nation
    basis: str
    counts: tuple[int, ...]  # households per decile 1..10 in the region
    total: int
    regions: list[RegionDeciles] = field(default_factory=list)  # one level below, when there is one

    @property
    def shares(self) -> tuple[float, ...]:
        """Percent of the region's households in each decile."""
        return tuple(100.0 * n / self.total if self.total else 0.0 for n in self.counts)


def decile_distribution(
    *, user: User, release: Release, region: str = "", basis: str = "national"
) -> Distribution:
    """Households per decile in a region of the user's jurisdiction, and per region one level below
    it, with one GROUP BY over the release's scores."""
    base = region if region and in_jurisdiction(user, region) else (user.jurisdiction_code or "")
    decile_field = BASIS_FIELDS.get(basis, "decile")
    child = _CHILD_FIELD[len(base)]
    rows = (
        household_scores(user=user, release=release, region=base)
        .values_list(child, decile_field)
        .annotate(n=Count("id"))
        .order_by(child, decile_field)
    )
    per_region: dict[str, list[int]] = {}
    for code, decile, n in rows:
        per_region.setdefault(code, [0] * 10)[decile - 1] += n
    totals = [sum(c[i] for c in per_region.values()) for i in range(10)]
    regions = (
        [RegionDeciles(code, tuple(c), sum(c)) for code, c in sorted(per_region.items())]
        if len(base) < 10
        else []
    )
    return Distribution(
        base, basis if basis in BASIS_FIELDS else "national", tuple(totals), sum(totals), regions
    )


# --- one household's score ------------------------------------------------------------------------------
@dataclass(frozen=True)
class HouseholdScoreDetail:
    row: HouseholdScore
    snapshot: ReleaseHousehold | None
    model: ScoringModel
    reference: dt.date  # the date ages were taken at (the release period's first day)
    explanation: scoring.Explanation  # each term's points, from the registry's data now
    criteria: list[tuple[scoring.Criterion, bool | None]]  # met / not met / None: not answerable
    changed_since: bool  # the registry's data now give another score or checklist than the release

    @property
    def met(self) -> int:
        return self.row.criteria_met


def household_score_get(*, user: User, release: Release, household_id: int) -> HouseholdScore:
    row = household_scores(user=user, release=release).filter(household_id=household_id).first()
    if row is None:
        raise NotInJurisdiction("Keluarga tidak ditemukan dalam rilis ini di wilayah kewenangan Anda.")
    return row


def household_score_detail(*, user: User, release: Release, household_id: int) -> HouseholdScoreDetail:
    """A household's stored score and deciles, every term's points and the criteria met. The terms
    are recomputed in Python from the registry as it is now; when that differs from what the
    release stored, `changed_since` says so."""
    row = household_score_get(user=user, release=release, household_id=household_id)
    scored = release_scoring(release)
    assert scored is not None  # a score row exists only with its scoring record
    household = Household.objects.get(pk=household_id)
    persons = list(Person.objects.filter(household_id=household_id))
    reference = scoring.period_start(release.period)
    facts = scoring.household_facts(household, persons, reference)
    explanation = scoring.explain(scoring.parse_weights(scored.model.weights), facts, household.province_code)
    mask_now = scoring.criteria_mask(facts)
    criteria: list[tuple[scoring.Criterion, bool | None]] = [
        (c, bool(row.criteria_mask & (1 << c.bit)) if c.bit is not None else None) for c in scoring.CRITERIA
    ]
    snapshot = ReleaseHousehold.objects.filter(release=release, household_id=household_id).first()
    return HouseholdScoreDetail(
        row=row,
        snapshot=snapshot,
        model=scored.model,
        reference=reference,
        explanation=explanation,
        criteria=criteria,
        changed_since=explanation.total != row.score or mask_now != row.criteria_mask,
    )
