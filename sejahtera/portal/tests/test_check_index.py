"""The check's copy of a release (portal.CheckEntry) is written by the release build and read by
the check; a discarded draft's copy goes with it; older releases' copies are dropped."""

from __future__ import annotations

import pytest

from sejahtera.portal.models import CheckEntry
from sejahtera.portal.selectors import check_search, latest_release_forget
from sejahtera.registry.models import Person
from sejahtera.updates.services import release_build, release_discard, release_publish
from sejahtera.updates.tests.factories import household, person

pytestmark = pytest.mark.django_db

VILLAGE = "3204052001"


def test_a_built_release_is_copied_for_the_check_and_found_once_published(central, central_publisher):
    hh = household(village_id=VILLAGE)
    person(household=hh, full_name="SITI AMINAH")
    person(household=hh, full_name="BUDI SANTOSO", relationship="SPOUSE")
    release = release_build(actor=central, period="2020-01")
    copied = CheckEntry.objects.filter(release_id=release.pk)
    assert sorted(copied.values_list("full_name", "village_code")) == [
        ("BUDI SANTOSO", VILLAGE),
        ("SITI AMINAH", VILLAGE),
    ]
    assert check_search(village_code=VILLAGE, name="SITI AMINAH") == []  # a draft is not read
    release_publish(actor=central_publisher, number=release.number, decree_number="KEP-1")
    latest_release_forget()  # each worker notices a new release within RELEASE_CACHE_SECONDS
    found = check_search(village_code=VILLAGE, name="SITI AMINA")
    assert [r.masked_name for r in found] == ["SI** AMI***"]


def test_a_discarded_draft_leaves_no_copy_and_a_new_build_drops_old_copies(central, central_publisher):
    hh = household(village_id=VILLAGE)
    person(household=hh, full_name="SITI AMINAH")
    first = release_build(actor=central, period="2020-01")
    release_publish(actor=central_publisher, number=first.number, decree_number="KEP-1")
    draft = release_build(actor=central, period="2020-04")
    assert CheckEntry.objects.filter(release_id=draft.pk).count() == Person.objects.count()
    release_discard(actor=central, number=draft.number, reason="uji")
    assert not CheckEntry.objects.filter(release_id=draft.pk).exists()
    second = release_build(actor=central, period="2020-04")
    release_publish(actor=central_publisher, number=second.number, decree_number="KEP-2")
    third = release_build(actor=central, period="2020-07")
    kept = set(CheckEntry.objects.values_list("release_id", flat=True).distinct())
    assert kept == {second.pk, third.pk}  # the first release's copy is gone
