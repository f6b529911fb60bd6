"""Test helpers for releases and the pages around them: families in the registry, a period the
cadence accepts, a built (and published) release."""

from __future__ import annotations

from typing import Any, cast

from django.utils import timezone

from sejahtera.registry.models import Household
from sejahtera.registry.tests.factories import HouseholdFactory, PersonFactory
from sejahtera.updates import services
from sejahtera.updates.models import Release

VILLAGE_A = "3204052001"  # Cileunyi Kulon, Kec. Cileunyi, Kab. Bandung (region A)
VILLAGE_A2 = "3204332007"  # Majakerta, Kec. Majalaya, Kab. Bandung (region A)
VILLAGE_B = "3273011001"  # Sukarasa, Kec. Sukasari, Kota Bandung (region B)


def period(months_back: int = 0) -> str:
    """The current quarter's period (quarterly cadence), or one `months_back` quarters earlier."""
    today = timezone.localdate()
    index = today.year * 4 + (today.month - 1) // 3 - months_back
    return f"{index // 4}-{index % 4 * 3 + 1:02d}"


def family(village: str, *, members: int = 1, head: str = "KEPALA") -> Household:
    hh = cast(Household, HouseholdFactory(village_id=village))
    PersonFactory(household=hh, full_name=head)
    for n in range(members - 1):
        PersonFactory(household=hh, full_name=f"{head} ANAK {n}", relationship="CHILD")
    return hh


def built(actor: Any, *, publisher: Any = None, months_back: int = 0, **kw: Any) -> Release:
    """A release built by `actor` (and published by `publisher`, when given)."""
    release = services.release_build(actor=actor, period=period(months_back), **kw)
    if publisher is not None:
        release = services.release_publish(
            actor=publisher, number=release.number, decree_number=f"KEP-{release.number}/HUK/2026"
        )
    return release
