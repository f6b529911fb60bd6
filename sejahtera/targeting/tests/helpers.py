"""Households to score, and releases built with the real release services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sejahtera.registry.models import Household
from sejahtera.updates.models import Release
from sejahtera.updates.services.releases import release_build, release_publish
from sejahtera.updates.tests.factories import household, person
from sejahtera.updates.tests.test_releases import period

VILLAGE_A = "3204052001"  # Cileunyi Kulon, Kec. Cileunyi, Kab. Bandung (region A)
VILLAGE_A2 = "3204332007"  # Majakerta, Kec. Majalaya, Kab. Bandung (region A)
VILLAGE_B = "3273011001"  # Sukarasa, Kec. Sukasari, Kota Bandung (region B)

# The worst and a good house by the BDT codes (DOMAIN.md §4.1).
POOR_HOUSE: dict[str, Any] = {
    "floor_type": 9,  # tanah
    "wall_type": 6,  # bambu
    "roof_type": 9,  # jerami/ijuk/daun/rumbia
    "water_source": 10,  # sungai
    "lighting_source": 3,  # bukan listrik
    "cooking_fuel": 8,  # kayu bakar
    "toilet_facility": 4,  # tidak ada
}
GOOD_HOUSE: dict[str, Any] = {
    "floor_type": 2,  # keramik
    "wall_type": 1,
    "wall_condition": 1,
    "roof_type": 2,
    "water_source": 3,
    "lighting_source": 1,
    "power_capacity": 3,  # 1.300 VA
    "cooking_fuel": 2,
    "toilet_facility": 1,
    "has_refrigerator": True,
    "has_motorcycle": True,
}


def family(
    village: str = VILLAGE_A, *, members: int = 2, head: dict[str, Any] | None = None, **attrs: Any
) -> Household:
    """A household with a working head (unless told) and children under 15."""
    hh = household(village_id=village, **attrs)
    person(household=hh, **({"work_sector": 1} | (head or {})))
    for _ in range(members - 1):
        person(household=hh, relationship="CHILD", birth_date=dt.date(2015, 1, 1))
    return hh


def build(actor: Any, *, publisher: Any = None, months_back: int = 0, at: str | None = None) -> Release:
    release = release_build(actor=actor, period=at or period(months_back))
    if publisher is not None:
        release = release_publish(
            actor=publisher, number=release.number, decree_number=f"KEP-{release.number}/HUK/2026"
        )
    return release
