"""The whole cycle through the services: propose, verify, approve, build, publish, diff."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sejahtera.common.audit import audit_verify
from sejahtera.registry.models import Household, Person
from sejahtera.updates import selectors, services
from sejahtera.updates.models import ReleaseChange, ReleaseHousehold, ReleasePerson

from .factories import approve, propose, verify

pytestmark = pytest.mark.django_db


def _period() -> str:
    today = timezone.localdate()
    return f"{today.year}-{(today.month - 1) // 3 * 3 + 1:02d}"


def test_a_proposed_family_reaches_the_published_release_and_its_diff(
    village_operator, verifier, district_a, central, central_publisher
):
    p = propose(village_operator)
    assert p.status == "SUBMITTED"
    verify(verifier, p)
    p.refresh_from_db()
    assert p.status == "VERIFIED"
    approve(district_a, p)
    p.refresh_from_db()
    assert p.status == "APPROVED"

    release = services.release_build(actor=central, period=_period())
    assert release.status == "DRAFT"
    p.refresh_from_db()
    assert p.status == "APPLIED" and p.release_id == release.pk
    assert p.household_id is not None
    hh = Household.objects.get(pk=p.household_id)
    assert hh.kk_number == p.payload["household"]["kk_number"]
    assert hh.village_id == "3204052001" and hh.regency_code == "3204"
    assert Person.objects.filter(household=hh).count() == 2
    assert ReleaseHousehold.objects.filter(release=release, household_id=hh.pk, members=2).exists()
    assert ReleasePerson.objects.filter(release=release, household_id=hh.pk).count() == 2
    assert ReleaseChange.objects.get(release=release, household_id=hh.pk).change == "ADDED"

    published = services.release_publish(
        actor=central_publisher, number=release.number, decree_number="KEP-1/HUK/2026"
    )
    assert published.status == "PUBLISHED"
    assert selectors.release_current() == published
    assert audit_verify()[1] is None
