"""Targeting writes: scoring a release (the release build hook)."""

from __future__ import annotations

from sejahtera.updates.models import Release


def score_release_hook(release: Release) -> None:
    """Score the households of a release being built, with the scoring model in force for its
    period (filled in by the targeting work)."""
