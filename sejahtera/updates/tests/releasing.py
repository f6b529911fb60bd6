"""Test helpers for the release pages and commands: a built (and, when asked, published) release.
Families and periods come from test_releases."""

from __future__ import annotations

from typing import Any

from sejahtera.updates import services
from sejahtera.updates.models import Release

from .test_releases import family, period

__all__ = ["VILLAGE_A", "VILLAGE_A2", "VILLAGE_B", "built", "family", "period"]

VILLAGE_A = "3204052001"  # Cileunyi Kulon, Kec. Cileunyi, Kab. Bandung (region A)
VILLAGE_A2 = "3204332007"  # Majakerta, Kec. Majalaya, Kab. Bandung (region A)
VILLAGE_B = "3273011001"  # Sukarasa, Kec. Sukasari, Kota Bandung (region B)


def built(actor: Any, *, publisher: Any = None, months_back: int = 0) -> Release:
    """A release built by `actor` (and published by `publisher`, when given)."""
    release = services.release_build(actor=actor, period=period(months_back))
    if publisher is not None:
        release = services.release_publish(
            actor=publisher, number=release.number, decree_number=f"KEP-{release.number}/HUK/2026"
        )
    return release
