"""Registry edits: household_update, person_update, person_set_status (audited, scoped, reasoned),
and the database rules behind them (one active person per NIK, one active household per KK)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any, cast

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sejahtera.common.audit import audit_verify
from sejahtera.common.errors import DomainError, NotInJurisdiction, PermissionRefused, TransitionNotAllowed
from sejahtera.common.models import AuditEntry
from sejahtera.registry.codes import InactiveReason, RecordStatus
from sejahtera.registry.models import Household, Person
from sejahtera.registry.services import (
    PERSON_TRANSITIONS,
    household_update,
    person_set_status,
    person_update,
)

from .factories import HouseholdFactory, PersonFactory


def make_household(**fields: Any) -> Household:
    return cast(Household, HouseholdFactory(**fields))


def make_person(**fields: Any) -> Person:
    return cast(Person, PersonFactory(**fields))


def data(value: Any) -> dict[str, Any]:
    """An audit entry's before/after as a dict."""
    assert isinstance(value, dict)
    return value


pytestmark = pytest.mark.django_db

VILLAGE_B = "3273011001"  # Kel. Sukarasa, Kota Bandung: district_b's, not district_a's
REASON = "hasil verifikasi lapangan 2026"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def household() -> Household:
    return make_household(floor_type=6, has_refrigerator=False)


@pytest.fixture
def person(household) -> Person:
    return make_person(household=household, full_name="SITI AMINAH", sex="P", birth_date=dt.date(1985, 2, 3))


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


# --- household_update ------------------------------------------------------------------------------
def test_a_household_correction_is_saved_and_audited_with_before_after_and_reason(district_a, household):
    old_address = household.address

    household_update(
        actor=district_a,
        household_id=household.pk,
        changes={
            "address": "Jl. Melati No. 5",
            "floor_type": 2,
            "has_refrigerator": True,
            "rt": household.rt,
        },
        reason=REASON,
    )

    household.refresh_from_db()
    assert (household.address, household.floor_type, household.has_refrigerator) == (
        "Jl. Melati No. 5",
        2,
        True,
    )
    [entry] = entries("household.update")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        district_a.pk,
        "household",
        str(household.pk),
    )
    assert entry.region_code == household.village_id
    assert entry.reason == REASON
    # Only what changed is recorded (rt was sent unchanged).
    assert entry.before == {"address": old_address, "floor_type": 6, "has_refrigerator": False}
    assert entry.after == {"address": "Jl. Melati No. 5", "floor_type": 2, "has_refrigerator": True}
    assert audit_verify() == (1, None)


def test_a_household_outside_the_jurisdiction_cannot_be_edited(district_b, household):
    with pytest.raises(NotInJurisdiction):
        household_update(actor=district_b, household_id=household.pk, changes={"address": "X"}, reason=REASON)

    household.refresh_from_db()
    assert household.address != "X"
    assert not AuditEntry.objects.exists()


def test_the_national_data_team_may_edit_any_household(central):
    elsewhere = make_household(village_id=VILLAGE_B)

    household_update(actor=central, household_id=elsewhere.pk, changes={"rw": "009"}, reason=REASON)

    elsewhere.refresh_from_db()
    assert elsewhere.rw == "009"


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_household_edit_without_a_reason_is_refused(district_a, household, reason):
    with pytest.raises(DomainError, match="Alasan"):
        household_update(actor=district_a, household_id=household.pk, changes={"address": "X"}, reason=reason)

    household.refresh_from_db()
    assert household.address != "X"
    assert not AuditEntry.objects.exists()


def test_a_role_without_the_edit_right_cannot_edit(village_operator, household):
    """The village operator proposes changes through the update cycle; it does not edit directly."""
    with pytest.raises(PermissionRefused):
        household_update(
            actor=village_operator, household_id=household.pk, changes={"address": "X"}, reason=REASON
        )


@pytest.mark.parametrize("field", ["kk_number", "village_id", "status", "district_code"])
def test_identity_region_and_status_are_not_editable_here(district_a, household, field):
    with pytest.raises(DomainError, match=field):
        household_update(actor=district_a, household_id=household.pk, changes={field: "1"}, reason=REASON)


def test_a_household_value_outside_its_code_list_is_refused(district_a, household):
    with pytest.raises(ValidationError):
        household_update(
            actor=district_a, household_id=household.pk, changes={"floor_type": 99}, reason=REASON
        )

    household.refresh_from_db()
    assert household.floor_type == 6
    assert not AuditEntry.objects.exists()


# --- person_update ---------------------------------------------------------------------------------
def test_a_person_correction_is_saved_and_audited(district_a, person):
    person_update(
        actor=district_a,
        person_id=person.pk,
        changes={
            "full_name": "SITI AMINAH BINTI UMAR",
            "birth_date": dt.date(1985, 2, 4),
            "ppks_mask": 1 << 8,
        },
        reason=REASON,
    )

    person.refresh_from_db()
    assert person.full_name == "SITI AMINAH BINTI UMAR"
    assert person.ppks == [9]
    [entry] = entries("person.update")
    assert entry.before == {"full_name": "SITI AMINAH", "birth_date": "1985-02-03", "ppks_mask": 0}
    assert entry.after == {
        "full_name": "SITI AMINAH BINTI UMAR",
        "birth_date": "1985-02-04",
        "ppks_mask": 256,
    }
    assert (entry.reason, entry.object_id, entry.region_code) == (
        REASON,
        str(person.pk),
        person.household.village_id,
    )


def test_a_person_outside_the_jurisdiction_cannot_be_edited(district_b, person):
    with pytest.raises(NotInJurisdiction):
        person_update(actor=district_b, person_id=person.pk, changes={"full_name": "X"}, reason=REASON)
    person.refresh_from_db()
    assert person.full_name == "SITI AMINAH"


def test_a_person_edit_without_a_reason_is_refused(district_a, person):
    with pytest.raises(DomainError):
        person_update(actor=district_a, person_id=person.pk, changes={"full_name": "X"}, reason=" ")
    person.refresh_from_db()
    assert person.full_name == "SITI AMINAH"


@pytest.mark.parametrize("field", ["nik", "household", "status", "dukcapil_match"])
def test_a_persons_nik_household_and_status_are_not_editable_here(district_a, person, field):
    with pytest.raises(DomainError, match=field):
        person_update(actor=district_a, person_id=person.pk, changes={field: "X"}, reason=REASON)


@pytest.mark.parametrize(("field", "value"), [("sex", "X"), ("ppks_mask", 1 << 26), ("full_name", "")])
def test_an_invalid_person_value_is_refused_and_nothing_saved(district_a, person, field, value):
    with pytest.raises(ValidationError):
        person_update(actor=district_a, person_id=person.pk, changes={field: value}, reason=REASON)
    person.refresh_from_db()
    assert (person.sex, person.ppks_mask, person.full_name) == ("P", 0, "SITI AMINAH")
    assert not AuditEntry.objects.exists()


# --- person_set_status -----------------------------------------------------------------------------
def test_the_status_table_keeps_the_domain_rules():
    """Death and merging are final; putting a record to sleep ('ditidurkan', DOMAIN.md §13) is
    reversible; a person who moved can come back."""
    assert PERSON_TRANSITIONS[RecordStatus.DECEASED] == set()
    assert PERSON_TRANSITIONS[RecordStatus.MERGED] == set()
    assert RecordStatus.ACTIVE in PERSON_TRANSITIONS[RecordStatus.INACTIVE]
    assert RecordStatus.ACTIVE in PERSON_TRANSITIONS[RecordStatus.MOVED]
    assert set(PERSON_TRANSITIONS[RecordStatus.ACTIVE]) == {
        RecordStatus.INACTIVE,
        RecordStatus.DECEASED,
        RecordStatus.MOVED,
        RecordStatus.MERGED,
    }
    assert set(PERSON_TRANSITIONS) == set(RecordStatus.values)


def _person_in(status: str) -> Person:
    return make_person(
        status=status,
        inactive_reason=InactiveReason.NOT_FOUND if status == RecordStatus.INACTIVE else "",
        death_date=dt.date(2024, 1, 1) if status == RecordStatus.DECEASED else None,
    )


ALL_MOVES = list(itertools.product(RecordStatus.values, RecordStatus.values))
ALLOWED = [(a, b) for a, b in ALL_MOVES if b in PERSON_TRANSITIONS[a]]
REFUSED = [(a, b) for a, b in ALL_MOVES if b not in PERSON_TRANSITIONS[a]]


@pytest.mark.parametrize(("current", "requested"), ALLOWED)
def test_every_allowed_status_move_is_applied_and_audited(district_a, current, requested):
    p = _person_in(current)

    person_set_status(
        actor=district_a,
        person_id=p.pk,
        status=requested,
        reason=REASON,
        inactive_reason=InactiveReason.DUPLICATE if requested == RecordStatus.INACTIVE else "",
        death_date=dt.date(2025, 7, 1) if requested == RecordStatus.DECEASED else None,
    )

    p.refresh_from_db()
    assert p.status == requested
    assert p.inactive_reason == (InactiveReason.DUPLICATE if requested == RecordStatus.INACTIVE else "")
    [entry] = entries("person.status")
    assert data(entry.before)["status"] == current
    assert data(entry.after)["status"] == requested
    assert entry.reason == REASON
    if requested == RecordStatus.DECEASED:
        assert p.death_date == dt.date(2025, 7, 1)
        assert data(entry.after)["death_date"] == "2025-07-01"


@pytest.mark.parametrize(("current", "requested"), REFUSED)
def test_every_other_status_move_is_refused_naming_both_states(district_a, current, requested):
    p = _person_in(current)

    with pytest.raises(TransitionNotAllowed) as exc:
        person_set_status(
            actor=district_a,
            person_id=p.pk,
            status=requested,
            reason=REASON,
            inactive_reason=InactiveReason.DUPLICATE,
        )

    assert (exc.value.current, exc.value.requested) == (current, requested)
    assert current in exc.value.message and requested in exc.value.message
    p.refresh_from_db()
    assert p.status == current
    assert not entries("person.status")


@pytest.mark.parametrize("inactive_reason", ["", "BOSAN"])
def test_putting_a_person_to_sleep_needs_a_valid_inactive_reason(district_a, person, inactive_reason):
    with pytest.raises(DomainError):
        person_set_status(
            actor=district_a,
            person_id=person.pk,
            status=RecordStatus.INACTIVE,
            reason=REASON,
            inactive_reason=inactive_reason,
        )
    person.refresh_from_db()
    assert person.status == RecordStatus.ACTIVE


def test_a_status_change_needs_a_reason_and_the_jurisdiction(district_a, district_b, person):
    with pytest.raises(DomainError):
        person_set_status(actor=district_a, person_id=person.pk, status=RecordStatus.MOVED, reason="")
    with pytest.raises(NotInJurisdiction):
        person_set_status(actor=district_b, person_id=person.pk, status=RecordStatus.MOVED, reason=REASON)
    person.refresh_from_db()
    assert person.status == RecordStatus.ACTIVE


@pytest.mark.parametrize("asleep", [RecordStatus.INACTIVE, RecordStatus.MOVED])
def test_a_person_cannot_be_reactivated_while_the_nik_is_active_elsewhere(district_a, asleep):
    old = _person_in(asleep)
    make_person(nik=old.nik)  # the same NIK, active in another household

    with pytest.raises(DomainError, match="NIK"):
        person_set_status(actor=district_a, person_id=old.pk, status=RecordStatus.ACTIVE, reason=REASON)

    old.refresh_from_db()
    assert old.status == asleep
    assert Person.objects.filter(nik=old.nik, status=RecordStatus.ACTIVE).count() == 1


def test_a_person_put_to_sleep_can_be_woken_up_and_their_history_tells_it(district_a, person):
    person_set_status(
        actor=district_a,
        person_id=person.pk,
        status=RecordStatus.INACTIVE,
        reason="data ganda",
        inactive_reason=InactiveReason.DUPLICATE,
    )
    person_set_status(actor=district_a, person_id=person.pk, status=RecordStatus.ACTIVE, reason="bukan ganda")

    person.refresh_from_db()
    assert (person.status, person.inactive_reason) == (RecordStatus.ACTIVE, "")
    history = [
        (data(e.before)["status"], data(e.after)["status"], e.reason) for e in entries("person.status")
    ]
    assert history == [("ACTIVE", "INACTIVE", "data ganda"), ("INACTIVE", "ACTIVE", "bukan ganda")]
    assert audit_verify() == (2, None)


# --- database rules --------------------------------------------------------------------------------
def test_the_database_refuses_two_active_persons_with_one_nik(person):
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(
            household=make_household(),
            nik=person.nik,
            full_name="ORANG LAIN",
            birth_date=person.birth_date,
            sex="P",
            relationship="HEAD",
        )
    assert Person.objects.filter(nik=person.nik).count() == 1


@pytest.mark.parametrize(
    ("status", "inactive_reason"),
    [
        (RecordStatus.INACTIVE, InactiveReason.DUPLICATE),
        (RecordStatus.DECEASED, ""),
        (RecordStatus.MERGED, ""),
    ],
)
def test_the_database_allows_a_duplicate_nik_that_is_not_active(person, status, inactive_reason):
    make_person(nik=person.nik, status=status, inactive_reason=inactive_reason)
    assert Person.objects.filter(nik=person.nik).count() == 2


def test_the_database_refuses_two_active_households_with_one_kk(household):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_household(kk_number=household.kk_number)
    make_household(kk_number=household.kk_number, status=RecordStatus.INACTIVE, inactive_reason="DUPLICATE")
    assert Household.objects.filter(kk_number=household.kk_number).count() == 2


def test_the_database_refuses_an_inactive_person_without_a_reason(person):
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(status=RecordStatus.INACTIVE, inactive_reason="")


def test_the_database_refuses_a_ppks_mask_beyond_the_26_codes(person):
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(ppks_mask=1 << 26)
