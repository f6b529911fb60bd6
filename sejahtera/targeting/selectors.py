"""placeholder"""

from __future__ import annotations

from sejahtera.updates.models import Release

from .models import HouseholdScore, ReleaseScoring


def release_scored(release: Release) -> bool:
    return ReleaseScoring.objects.filter(release=release).exists()


def decile_of(release: Release | int, household_id: int) -> int | None:
    release_id = release if isinstance(release, int) else release.pk
    return (
        HouseholdScore.objects.filter(release_id=release_id, household_id=household_id)
        .values_list("decile", flat=True)
        .first()
    )
