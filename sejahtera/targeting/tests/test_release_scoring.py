"""Scoring a release: the build hook, deciles 1-10 in equal parts, ties, poorer houses lower, once
only, only while the release is not published, and the database refuses to change scores."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import DatabaseError, connection, transaction

from sejahtera.common.errors import DomainError
from sejahtera.common.models import AuditEntry
from sejahtera.targeting import selectors, services
from sejahtera.targeting.models import HouseholdScore, ReleaseScoring, ScoringModel
from sejahtera.updates.services.releases import release_discard

from .helpers import GOOD_HOUSE, POOR_HOUSE, VILLAGE_A, VILLAGE_A2, VILLAGE_B, build, family

pytestmark = pytest.mark.django_db


def _sizes_differ_by_at_most_one(deciles: list[int]) -> None:
    n = len(deciles)
    counts = Counter(deciles)
    expected = {d for d in range(1, 11) if d <= n}
    assert set(counts) == expected
    assert max(counts.values()) - min(counts.values()) <= 1


def test_the_build_scores_every_household_with_the_model_in_force(central):
    poor, good = family(**POOR_HOUSE), family(VILLAGE_B, **GOOD_HOUSE)
    release = build(central)
    scoring = ReleaseScoring.objects.get(release=release)
    assert scoring.model.version == "PMT-2026.1"
    assert scoring.households == 2 and scoring.seconds >= 0
    rows = {s.household_id: s for s in HouseholdScore.objects.filter(release=release)}
    assert set(rows) == {poor.pk, good.pk}
    assert rows[poor.pk].score < rows[good.pk].score
    assert rows[poor.pk].decile == 1  # poorest first
    assert (rows[good.pk].regency_code, rows[good.pk].village_code) == ("3273", VILLAGE_B)
    assert selectors.release_scored(release)
    assert selectors.decile_of(release, poor.pk) == 1
    entry = AuditEntry.objects.get(action="release.score")
    assert entry.object_id == str(release.number)
    assert entry.after == {"model": "PMT-2026.1", "households": 2, "seconds": scoring.seconds}


def test_poorer_housing_gets_a_lower_score_and_decile(central):
    poor = [family(**POOR_HOUSE) for _ in range(5)]
    good = [family(**GOOD_HOUSE) for _ in range(5)]
    release = build(central)
    scores = {s.household_id: s for s in HouseholdScore.objects.filter(release=release)}
    assert max(scores[h.pk].score for h in poor) < min(scores[h.pk].score for h in good)
    assert {scores[h.pk].decile for h in poor} == {1, 2, 3, 4, 5}
    assert {scores[h.pk].decile for h in good} == {6, 7, 8, 9, 10}
    # The checklist: earth floor, bamboo walls, no latrine, no electricity (the head works).
    assert {scores[h.pk].criteria_met for h in poor} == {4}
    assert {scores[h.pk].criteria_met for h in good} == {0}


def test_deciles_are_ten_equal_parts_nationally_and_within_province_and_regency(central):
    for i in range(23):
        family(VILLAGE_A if i % 3 else VILLAGE_A2, members=1 + i % 4, floor_type=1 + i % 10)
    for i in range(14):
        family(VILLAGE_B, members=1 + i % 3, wall_type=1 + i % 7)
    release = build(central)
    rows = list(HouseholdScore.objects.filter(release=release))
    assert len(rows) == 37
    _sizes_differ_by_at_most_one([r.decile for r in rows])
    _sizes_differ_by_at_most_one([r.decile_province for r in rows])  # all in province 32
    for regency in ("3204", "3273"):
        _sizes_differ_by_at_most_one([r.decile_regency for r in rows if r.regency_code == regency])
    # Deciles follow the score: a lower decile never holds a higher score.
    by_decile = sorted(rows, key=lambda r: (r.decile, r.score))
    assert [r.score for r in by_decile] == sorted(r.score for r in rows)


def test_ties_are_broken_by_household_id(central):
    same = [family(floor_type=6) for _ in range(20)]
    release = build(central)
    deciles = dict(HouseholdScore.objects.filter(release=release).values_list("household_id", "decile"))
    in_id_order = [deciles[h.pk] for h in sorted(same, key=lambda h: h.pk)]
    assert in_id_order == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10]


def test_a_period_before_any_model_is_left_unscored(central):
    family()
    release = build(central, at="2020-06")
    assert not ReleaseScoring.objects.filter(release=release).exists()
    assert selectors.decile_of(release, 1) is None
    assert not selectors.release_scored(release)


def test_the_latest_version_in_force_for_the_period_is_used(central, central_publisher):
    family()
    newer = services.scoring_model_create(
        actor=central,
        version="PMT-2099.1",
        name="Belum berlaku",
        legal_source="uji",
        weights={"terms": [{"variable": "has_car", "if_true": 1}]},
        effective_from=services.period_start("2099-01"),
    )
    services.scoring_model_activate(actor=central_publisher, model_id=newer.pk)
    release = build(central)
    assert ReleaseScoring.objects.get(release=release).model.version == "PMT-2026.1"  # 2099 is not yet


def test_a_release_is_scored_once(central):
    family()
    release = build(central)
    with pytest.raises(DomainError, match="sudah diberi skor"):
        services.score_release(release)
    assert HouseholdScore.objects.filter(release=release).count() == 1


def test_a_published_release_is_not_scored(central, central_publisher):
    family()
    release = build(central, at="2020-06", publisher=central_publisher)  # no model then: unscored
    with pytest.raises(DomainError, match="Ditetapkan"):
        services.score_release(release, model=ScoringModel.objects.get(version="PMT-2026.1"))


def test_a_draft_left_unscored_is_scored_later_with_an_active_model(central):
    family()
    release = build(central, at="2020-06")
    result = services.score_release(release, model=ScoringModel.objects.get(version="PMT-2026.1"))
    assert result.households == 1


def test_the_database_refuses_to_change_a_score(central, central_publisher):
    family()
    release = build(central, publisher=central_publisher)
    with pytest.raises(DatabaseError), transaction.atomic():
        HouseholdScore.objects.filter(release=release).update(decile=10)
    with pytest.raises(DatabaseError), transaction.atomic():
        ReleaseScoring.objects.filter(release=release).update(households=0)
    assert HouseholdScore.objects.get(release=release).decile == 1
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            HouseholdScore.objects.filter(release=release).delete()


def test_a_discarded_drafts_scores_may_go_on_postgresql(central):
    family()
    release = build(central)
    release_discard(actor=central, number=release.number, reason="uji")
    HouseholdScore.objects.filter(release=release).delete()  # refused only while the release stands
    assert not HouseholdScore.objects.filter(release=release).exists()
