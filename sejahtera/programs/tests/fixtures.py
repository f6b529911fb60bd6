"""A scored, published release of families described in a few words, for program and payment tests.

    from sejahtera.programs.tests.fixtures import Fam, M, born, published_release_with

    pub = published_release_with(
        [Fam([M(born(40)), M(born(8), school="SD"), M(born(13), school="SMP")], decile=1)],
        builder=central, publisher=central_publisher,
    )
    pub.release, pub.households[0], pub.persons[0][1]

Each family becomes a registry household with its members (factories of updates.tests), then
`release_build` (by `builder`) and `release_publish` (by `publisher`, a second central user) make a
published release. Its scores are the ones the families ask for (decile, and score for the order
within a quota region), written here instead of by the targeting hook, so a test controls who is
poorest; `ReleaseScoring` marks the release scored. `next_release` publishes a later one (after
the registry changed) scored the same way.

This module is a stable interface: the payments tests import it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.test import override_settings

from sejahtera.registry.models import Household, Person
from sejahtera.targeting.models import HouseholdScore, ReleaseScoring, ScoringModel
from sejahtera.updates.models import Release, ReleaseHousehold
from sejahtera.updates.services.releases import release_build, release_publish
from sejahtera.updates.tests.factories import household, person

VILLAGE_A = "3204052001"  # Cileunyi Kulon, Kab. Bandung (region A, regency 3204)
VILLAGE_A2 = "3204332007"  # Majakerta, Kab. Bandung (region A)
VILLAGE_B = "3273011001"  # Sukarasa, Kota Bandung (region B, regency 3273)
REFERENCE_DAY = dt.date(2021, 1, 1)  # tahap 1 of 2021


def born(age: int, on: dt.date = REFERENCE_DAY) -> dt.date:
    """A birth date that makes a member `age` full years old on `on` and until half a year later
    (the birthday falls in the middle of the year): the same age in tahap 1 and 2 of 2021."""
    return dt.date(on.year - age - 1, 7, 1)


@dataclass(frozen=True)
class M:
    """A member: birth date, and what the program rules read."""

    birth_date: dt.date
    school: str = "NONE"  # NONE, PAUD, SD, SMP, SMA, PT
    pregnant: bool = False
    disability: str = "NONE"  # NONE, MILD, SEVERE
    relationship: str = "CHILD"


@dataclass(frozen=True)
class Fam:
    """A family: its members (the first is the head), village, decile and (optionally) score."""

    members: Sequence[M]
    village: str = VILLAGE_A
    decile: int = 1
    score: int | None = None  # default: decile * 1000 + its position in the list


@dataclass
class Published:
    release: Release
    households: list[Household] = field(default_factory=list)
    persons: list[list[Person]] = field(default_factory=list)


_periods = iter(f"{y}-{m:02d}" for y in range(2015, 2025) for m in range(1, 13))


def next_period() -> str:
    """A release period no other release of the test has used (one published release per period)."""
    used = set(Release.objects.values_list("period", flat=True))
    for p in _periods:
        if p not in used:
            return p
    raise RuntimeError("no release period left")


def create_family(fam: Fam) -> tuple[Household, list[Person]]:
    hh = household(village_id=fam.village)
    people = []
    for i, m in enumerate(fam.members):
        people.append(
            person(
                household=hh,
                birth_date=m.birth_date,
                relationship="HEAD" if i == 0 else m.relationship,
                sex="P" if m.pregnant else "L",
                school_level=m.school,
                pregnant=m.pregnant,
                disability_severity=m.disability,
            )
        )
    return hh, people


def _scoring_model(actor: Any) -> ScoringModel:
    found = ScoringModel.objects.order_by("id").first()
    if found is not None:
        return found
    return ScoringModel.objects.create(
        version="TEST-PROGRAMS",
        name="Model uji program",
        legal_source="uji",
        weights={"intercept": 0, "terms": []},
        effective_from=dt.date(2015, 1, 1),
        created_by=actor,
    )


def score_release(
    release: Release, *, actor: Any, deciles: Mapping[int, int], scores: Mapping[int, int] | None = None
) -> None:
    """Write the scores of every household of the release: the decile asked for (default 1), the
    score asked for (default decile * 1000 + household id)."""
    fields = {f.name for f in HouseholdScore._meta.fields}
    rows = []
    for rh in ReleaseHousehold.objects.filter(release=release).order_by("household_id"):
        decile = deciles.get(rh.household_id, 1)
        kw: dict[str, Any] = {
            "release": release,
            "household_id": rh.household_id,
            "province_code": rh.province_code,
            "regency_code": rh.regency_code,
            "score": (scores or {}).get(rh.household_id, decile * 1000 + rh.household_id % 1000),
            "decile": decile,
            "decile_province": decile,
            "decile_regency": decile,
        }
        for extra in ("village_code", "district_code"):
            if extra in fields:
                kw[extra] = getattr(rh, extra)
        rows.append(HouseholdScore(**kw))
    HouseholdScore.objects.bulk_create(rows)
    ReleaseScoring.objects.create(release=release, model=_scoring_model(actor), households=len(rows))


def next_release(
    *,
    builder: Any,
    publisher: Any,
    deciles: Mapping[int, int] | None = None,
    scores: Mapping[int, int] | None = None,
    period: str | None = None,
) -> Release:
    """Build, score (deciles by household id; 1 when not named) and publish a release of the
    registry as it is now."""
    with override_settings(RELEASE_BUILD_HOOKS=[]):
        release = release_build(actor=builder, period=period or next_period())
    score_release(release, actor=builder, deciles=deciles or {}, scores=scores)
    return release_publish(
        actor=publisher, number=release.number, decree_number=f"KEP-{release.number}/HUK/2021"
    )


def published_release_with(
    families: Sequence[Fam], *, builder: Any, publisher: Any, period: str | None = None
) -> Published:
    """Create the families, then a published release scored as they ask."""
    out_households, out_persons = [], []
    deciles: dict[int, int] = {}
    scores: dict[int, int] = {}
    for i, fam in enumerate(families):
        hh, people = create_family(fam)
        out_households.append(hh)
        out_persons.append(people)
        deciles[hh.pk] = fam.decile
        scores[hh.pk] = fam.score if fam.score is not None else fam.decile * 1000 + i
    release = next_release(
        builder=builder, publisher=publisher, deciles=deciles, scores=scores, period=period
    )
    return Published(release=release, households=out_households, persons=out_persons)


def die(p: Person, on: dt.date) -> None:
    """The registry records a member's death (as a population event would)."""
    Person.objects.filter(pk=p.pk).update(status="DECEASED", death_date=on)
