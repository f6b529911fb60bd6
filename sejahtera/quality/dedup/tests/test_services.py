"""Pairs stored by a run (re-runs update PENDING pairs, never propose a DISMISSED pair again, skip
CONFIRMED ones); dismissal; confirmation merges with its audit trail and ends the emptied family's
program memberships; a district decides only pairs of its jurisdiction; a whole run through the
database path."""

from __future__ import annotations

import json

import pytest

from sejahtera.common.audit import audit_verify
from sejahtera.common.errors import DomainError, NotInJurisdiction, PermissionRefused, TransitionNotAllowed
from sejahtera.common.models import AuditEntry
from sejahtera.quality.dedup import services
from sejahtera.quality.dedup.models import DedupRun, DuplicatePair, Kind, Merge
from sejahtera.registry.models import Household, Person
from sejahtera.updates.tests.factories import household, person

from .helpers import VILLAGE_A, VILLAGE_A2, VILLAGE_B, a_pair, a_run, strangers, swapped, twin

pytestmark = pytest.mark.django_db


def store(run: DedupRun, rows: list[tuple[int, int, float]]) -> tuple[int, int, int]:
    details = json.dumps({"levels": {}, "match_weight": 20.0})
    return services.pairs_store(run=run, kind=Kind.PERSON, rows=[(a, b, p, details) for a, b, p in rows])


@pytest.fixture
def three(db) -> list[Person]:
    """Three persons: the second and third are each a duplicate of the first."""
    first = person(household=household(village_id=VILLAGE_A))
    return [first, twin(first, village=VILLAGE_A2), twin(first, village=VILLAGE_B, nik=swapped(first.nik, 1))]


def test_a_run_stores_new_pairs_with_both_villages_and_keys(central, three):
    a, b, c = three
    assert store(a_run(central), [(a.pk, b.pk, 0.97), (a.pk, c.pk, 0.93)]) == (2, 0, 0)
    pair = DuplicatePair.objects.get(record_a=a.pk, record_b=c.pk)
    assert (pair.status, pair.key_a, pair.key_b) == ("PENDING", a.nik, c.nik)
    assert (pair.village_a, pair.village_b, pair.probability) == (VILLAGE_A, VILLAGE_B, 0.93)


def test_a_rerun_updates_pending_pairs_and_never_proposes_a_dismissed_pair_again(central, three):
    a, b, c = three
    store(a_run(central), [(a.pk, b.pk, 0.97), (a.pk, c.pk, 0.93)])
    dismissed = DuplicatePair.objects.get(record_a=a.pk, record_b=c.pk)
    services.pair_dismiss(actor=central, pair_id=dismissed.pk, reason="Dua orang berbeda")
    second = a_run(central)
    assert store(second, [(a.pk, b.pk, 0.99), (a.pk, c.pk, 0.995)]) == (0, 1, 1)
    dismissed.refresh_from_db()
    assert (dismissed.status, dismissed.probability, dismissed.last_run_id) == (
        "DISMISSED",
        0.93,
        dismissed.first_run_id,
    )
    pending = DuplicatePair.objects.get(record_a=a.pk, record_b=b.pk)
    assert (pending.probability, pending.last_run_id) == (0.99, second.pk)
    assert DuplicatePair.objects.count() == 2


def test_confirming_merges_the_duplicate_into_the_survivor_with_its_history(central, three):
    a, b, _ = three
    pair = a_pair(a, b, run=a_run(central))
    before = AuditEntry.objects.count()
    merge = services.pair_confirm(
        actor=central, pair_id=pair.pk, survivor_id=a.pk, reason="NIK dan nama sama"
    )
    b.refresh_from_db()
    assert (b.status, b.inactive_reason, b.merged_into_id) == ("INACTIVE", "DUPLICATE", a.pk)
    a.refresh_from_db()
    assert a.status == "ACTIVE"
    # The duplicate as it was, kept on the merge; nothing deleted.
    assert merge.before["person"]["nik"] == b.nik and merge.before["person"]["status"] == "ACTIVE"
    assert Person.objects.filter(pk=b.pk).exists()
    # Its family had no one else: closed as a duplicate of the survivor's family.
    hh = Household.objects.get(pk=b.household_id)
    assert (hh.status, hh.inactive_reason, hh.merged_into_id) == ("INACTIVE", "DUPLICATE", a.household_id)
    assert merge.households_closed == [hh.pk]
    actions = list(AuditEntry.objects.order_by("id")[before:].values_list("action", flat=True))
    assert actions == ["person.merge", "household.merge", "duplicate_pair.confirmed"]
    pair.refresh_from_db()
    assert (pair.status, pair.reviewed_by, pair.reason) == ("CONFIRMED", central, "NIK dan nama sama")
    assert audit_verify()[1] is None


def test_a_family_with_other_members_stays_active_after_a_merge(central, three):
    a, b, _ = three
    person(household=b.household, relationship="CHILD")
    merge = services.pair_confirm(
        actor=central, pair_id=a_pair(a, b, run=a_run(central)).pk, survivor_id=a.pk, reason="ganda"
    )
    assert merge.households_closed == [] and merge.enrollments_ended == []
    assert Household.objects.get(pk=b.household_id).status == "ACTIVE"


def test_a_decision_needs_a_reason_and_is_made_once(central, three):
    a, b, _ = three
    pair = a_pair(a, b, run=a_run(central))
    with pytest.raises(DomainError, match="Alasan"):
        services.pair_confirm(actor=central, pair_id=pair.pk, survivor_id=a.pk, reason="  ")
    services.pair_dismiss(actor=central, pair_id=pair.pk, reason="berbeda")
    with pytest.raises(TransitionNotAllowed):
        services.pair_confirm(actor=central, pair_id=pair.pk, survivor_id=a.pk, reason="ganda")


def test_the_survivor_must_be_one_of_the_pair(central, three):
    a, b, c = three
    pair = a_pair(a, b, run=a_run(central))
    with pytest.raises(DomainError, match="salah satu"):
        services.pair_confirm(actor=central, pair_id=pair.pk, survivor_id=c.pk, reason="ganda")


def test_a_record_no_longer_active_cannot_be_merged(central, three):
    a, b, _ = three
    pair = a_pair(a, b, run=a_run(central))
    Person.objects.filter(pk=b.pk).update(status="DECEASED")
    with pytest.raises(services.RecordNotActive):
        services.pair_confirm(actor=central, pair_id=pair.pk, survivor_id=a.pk, reason="ganda")


def test_district_b_can_neither_see_nor_decide_a_pair_of_region_a(central, district_b, three):
    a, b, _ = three  # both in Kab. Bandung
    pair = a_pair(a, b, run=a_run(central))
    with pytest.raises(NotInJurisdiction):
        services.pair_dismiss(actor=district_b, pair_id=pair.pk, reason="bukan")
    with pytest.raises(NotInJurisdiction):
        services.pair_confirm(actor=district_b, pair_id=pair.pk, survivor_id=a.pk, reason="ganda")


def test_a_district_merges_only_a_record_of_its_own_jurisdiction(central, district_a, three):
    a, _, c = three  # c lives in region B
    pair = a_pair(a, c, run=a_run(central))
    with pytest.raises(NotInJurisdiction):
        services.pair_confirm(actor=district_a, pair_id=pair.pk, survivor_id=a.pk, reason="ganda")
    merge = services.pair_confirm(actor=district_a, pair_id=pair.pk, survivor_id=c.pk, reason="ganda")
    assert merge.duplicate_id == a.pk


def test_an_auditor_may_not_decide(auditor, central, three):
    a, b, _ = three
    with pytest.raises(PermissionRefused):
        services.pair_dismiss(actor=auditor, pair_id=a_pair(a, b, run=a_run(central)).pk, reason="x")


def test_a_household_pair_merges_members_found_in_the_survivor_and_waits_for_the_others(central):
    survivor = household(village_id=VILLAGE_A)
    head = person(household=survivor, full_name="SITI AMINAH")
    duplicate = household(village_id=VILLAGE_A2, address=survivor.address)
    same = person(
        household=duplicate, full_name="SITI AMINAH", nik=swapped(head.nik), birth_date=head.birth_date
    )
    stranger = person(household=duplicate, full_name="ORANG LAIN", relationship="CHILD")
    pair = a_pair(survivor, duplicate, run=a_run(central))
    with pytest.raises(DomainError, match="ORANG LAIN"):
        services.pair_confirm(actor=central, pair_id=pair.pk, survivor_id=survivor.pk, reason="KK ganda")
    Person.objects.filter(pk=stranger.pk).update(household=survivor)  # the village moved them
    merge = services.pair_confirm(actor=central, pair_id=pair.pk, survivor_id=survivor.pk, reason="KK ganda")
    same.refresh_from_db()
    duplicate.refresh_from_db()
    assert (same.status, same.merged_into_id) == ("INACTIVE", head.pk)
    assert (duplicate.status, duplicate.inactive_reason, duplicate.merged_into_id) == (
        "INACTIVE",
        "DUPLICATE",
        survivor.pk,
    )
    assert merge.persons_merged == [same.pk] and merge.before["household"]["id"] == duplicate.pk
    assert Merge.objects.get(pair=pair).kind == Kind.HOUSEHOLD


def test_a_whole_run_reads_the_registry_and_stores_what_the_engine_finds(central):
    original = person(household=household(village_id=VILLAGE_A), full_name="DEDI KURNIAWAN")
    copy = twin(original, village=VILLAGE_B, name="DEDI KURNIAWN")
    strangers(8)
    run = services.dedup_run(actor=central, kind=Kind.PERSON)
    assert (run.status, run.persons, run.candidates, run.pairs_new) == ("DONE", 10, 1, 1)
    pair = DuplicatePair.objects.get()
    assert (pair.record_a, pair.record_b) == tuple(sorted([original.pk, copy.pk]))
    assert pair.details["levels"]["nik"]["level"].endswith("swapped")
    again = services.dedup_run(actor=central, kind=Kind.PERSON)
    assert (again.pairs_new, again.pairs_updated) == (0, 1)


def test_a_run_over_an_empty_registry_finds_nothing(central):
    run = services.dedup_run(actor=central)
    assert (run.status, run.persons, run.households, run.candidates) == ("DONE", 0, 0, 0)


def test_households_are_found_by_kk_head_and_address(central):
    first = household(village_id=VILLAGE_A, address="JL. MAWAR NO. 3")
    head = person(household=first, full_name="ASEP SUNANDAR")
    again = household(village_id=VILLAGE_A, address="JL. MAWAR NO. 3", kk_number=swapped(first.kk_number))
    person(household=again, full_name="ASEP SUNANDAR", nik=swapped(head.nik), birth_date=head.birth_date)
    strangers(6)
    run = services.dedup_run(actor=central, kind=Kind.HOUSEHOLD)
    assert run.households == 8
    assert set(DuplicatePair.objects.values_list("kind", "record_a", "record_b")) == {
        (Kind.HOUSEHOLD, first.pk, again.pk)
    }


def test_only_the_central_data_team_starts_a_run_and_one_at_a_time(central, district_a):
    with pytest.raises(PermissionRefused):
        services.run_start(actor=district_a)
    services.run_start(actor=central)
    with pytest.raises(DomainError, match="sedang berjalan"):
        services.run_start(actor=central)
