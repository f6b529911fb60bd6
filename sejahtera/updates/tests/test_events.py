"""Population-registry events: each applies exactly once; deaths count at once; nothing is dropped."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.forms.models import model_to_dict

from sejahtera.accounts.scoping import household_scope
from sejahtera.common.errors import PermissionRefused
from sejahtera.registry.identifiers import nik_for
from sejahtera.registry.models import Household, Person
from sejahtera.updates import selectors, services
from sejahtera.updates.models import PopulationEvent

from .test_releases import build_and_publish, family

pytestmark = pytest.mark.django_db
VILLAGE = "3204052001"


def apply(actor, events: list[dict], source: str = "test") -> services.EventsResult:
    return services.events_apply(actor=actor, records=list(enumerate(events, start=1)), source=source)


def head_of(hh: Household) -> Person:
    return Person.objects.get(household=hh, relationship="HEAD")


def baby(hh: Household, serial: int = 77) -> dict:
    nik = nik_for(district_code="320405", birth_date=dt.date(2026, 9, 1), sex="P", serial=serial)
    return {"event_id": f"B-{serial}", "kind": "LAHIR", "nik": nik, "kk_number": hh.kk_number,
            "date": "2026-09-01", "full_name": "PUTRI BARU", "sex": "P"}  # fmt: skip


def registry_state() -> list[dict]:
    return [model_to_dict(p) for p in Person.objects.order_by("id")] + [
        model_to_dict(h) for h in Household.objects.order_by("id")
    ]


def test_a_death_marks_the_person_deceased_at_once(central):
    hh = family(members=2)
    head = head_of(hh)
    result = apply(central, [{"event_id": "D-1", "kind": "MATI", "nik": head.nik, "date": "2026-10-02"}])
    assert (result.applied, result.duplicate, result.rejected) == (1, 0, 0)
    head.refresh_from_db()
    assert (head.status, head.death_date) == ("DECEASED", dt.date(2026, 10, 2))
    hh.refresh_from_db()
    assert hh.status == "ACTIVE"  # another member remains


def test_a_death_removes_the_person_from_what_programs_count(central, central_publisher):
    hh = family(members=3)
    head = head_of(hh)
    release = build_and_publish(central, central_publisher, months_back=3)
    assert selectors.release_countable_persons(release=release).filter(household_id=hh.pk).count() == 3
    apply(central, [{"event_id": "D-2", "kind": "MATI", "nik": head.nik, "date": "2026-10-02"}])
    countable = selectors.release_countable_persons(release=release).filter(household_id=hh.pk)
    assert countable.count() == 2 and head.pk not in {p.person_id for p in countable}
    # The release itself is untouched (immutable), and the next one leaves the person out.
    assert release.persons == 3
    nxt = build_and_publish(central, central_publisher)
    assert not nxt.persons - 2 and not selectors.release_countable_persons(release=nxt).filter(
        person_id=head.pk
    )


def test_the_same_file_applied_twice_changes_nothing(central):
    hh = family(members=2)
    moving = family(members=1)
    events = [
        {"event_id": "D-3", "kind": "MATI", "nik": Person.objects.get(household=hh, relationship="CHILD").nik,
         "date": "2026-10-03"},
        baby(hh),
        {"event_id": "P-1", "kind": "PINDAH", "kk_number": moving.kk_number, "to_village": "3204052002"},
        {"event_id": "X-1", "kind": "MATI", "nik": "3204050101900001", "date": "2026-10-03"},
    ]  # fmt: skip
    first = apply(central, events)
    assert (first.applied, first.duplicate, first.rejected) == (3, 0, 1)
    before = registry_state()
    second = apply(central, events)
    assert (second.applied, second.duplicate, second.rejected) == (0, 3, 1)
    assert registry_state() == before
    assert PopulationEvent.objects.count() == 4


def test_an_unknown_nik_is_reported_kept_and_tried_again(central):
    ghost = "3204050101900001"
    result = apply(central, [{"event_id": "X-2", "kind": "MATI", "nik": ghost, "date": "2026-10-04"}])
    assert result.rejected == 1 and result.reasons == {"NIK_UNKNOWN": 1}
    assert result.rejections[0].line == 1 and ghost in result.rejections[0].message
    event = PopulationEvent.objects.get(event_id="X-2")
    assert (event.status, event.reason_code, event.region_code) == ("REJECTED", "NIK_UNKNOWN", "320405")
    # The person is registered later; the same event then applies.
    hh = family(members=1)
    Person.objects.filter(household=hh).update(nik=ghost)
    again = apply(central, [{"event_id": "X-2", "kind": "MATI", "nik": ghost, "date": "2026-10-04"}])
    assert again.applied == 1
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("APPLIED", 2)


def test_a_birth_and_a_death_of_the_same_child_in_one_file(central):
    hh = family(members=1)
    born = baby(hh, serial=79)
    result = apply(
        central, [born, {"event_id": "D-79", "kind": "MATI", "nik": born["nik"], "date": "2026-09-02"}]
    )
    assert (result.applied, result.rejected) == (2, 0)
    child = Person.objects.get(nik=born["nik"])
    assert (child.status, child.death_date) == ("DECEASED", dt.date(2026, 9, 2))
    assert PopulationEvent.objects.get(event_id="D-79").person_id == child.pk


def test_a_birth_adds_a_member_to_the_family(central):
    hh = family(members=1)
    apply(central, [baby(hh, serial=78)])
    child = Person.objects.get(household=hh, relationship="CHILD")
    assert (child.full_name, child.sex, child.birth_date, child.status) == (
        "PUTRI BARU", "P", dt.date(2026, 9, 1), "ACTIVE",
    )  # fmt: skip


def test_a_family_move_changes_who_may_see_it(central, district_a, district_b):
    hh = family(members=1)
    assert Household.objects.filter(household_scope(district_b), pk=hh.pk).count() == 0
    apply(
        central,
        [{"event_id": "P-2", "kind": "PINDAH", "kk_number": hh.kk_number, "to_village": "3273011001"}],
    )
    hh.refresh_from_db()
    assert (hh.village_id, hh.regency_code) == ("3273011001", "3273")
    assert Household.objects.filter(household_scope(district_b), pk=hh.pk).count() == 1
    assert Household.objects.filter(household_scope(district_a), pk=hh.pk).count() == 0


def test_a_person_moves_out_and_into_another_family(central):
    old, new = family(members=2), family(members=1)
    child = Person.objects.get(household=old, relationship="CHILD")
    apply(central, [{"event_id": "P-3", "kind": "PINDAH", "nik": child.nik, "to_village": "3204052001"}])
    child.refresh_from_db()
    assert child.status == "MOVED"
    apply(central, [{"event_id": "D-4", "kind": "DATANG", "nik": child.nik, "kk_number": new.kk_number}])
    child.refresh_from_db()
    assert (child.status, child.household_id) == ("ACTIVE", new.pk)


def test_a_family_with_nobody_left_is_put_to_sleep(central):
    hh = family(members=1)
    apply(central, [{"event_id": "D-5", "kind": "MATI", "nik": head_of(hh).nik, "date": "2026-10-05"}])
    hh.refresh_from_db()
    assert (hh.status, hh.inactive_reason) == ("INACTIVE", "NO_MEMBERS")


@pytest.mark.parametrize(
    ("event", "code"),
    [
        ({"kind": "MATI", "nik": "1"}, "EVENT_ID_MISSING"),
        ({"event_id": "E-1", "kind": "NIKAH", "nik": "1"}, "KIND_UNKNOWN"),
        ({"event_id": "E-2", "kind": "MATI", "nik": "3204050101900001", "date": "2099-01-01"}, "DATE_IN_FUTURE"),
        ({"event_id": "E-3", "kind": "PINDAH", "kk_number": "3204051503150001", "to_village": "3204052002"},
         "KK_UNKNOWN"),
    ],
)  # fmt: skip
def test_a_bad_event_is_rejected_with_its_reason(central, event, code):
    result = apply(central, [event])
    assert result.rejected == 1 and result.rejections[0].code == code


def test_events_come_as_csv_or_json_lines(central, tmp_path):
    hh = family(members=1)
    jsonl = tmp_path / "events.jsonl"
    jsonl.write_text(json.dumps(baby(hh, serial=81)) + "\n\n" + "{not json\n")
    records = list(services.events_read(jsonl))
    assert records[0][1]["event_id"] == "B-81" and "_error" in records[1][1] and records[1][0] == 3
    csv_file = tmp_path / "events.csv"
    csv_file.write_text("\ufeffevent_id;kind;nik;date\nD-9;MATI;" + head_of(hh).nik + ";2026-10-06\n")
    result = services.events_apply(actor=central, records=services.events_read(csv_file), source="events.csv")
    assert result.applied == 1


def test_only_the_central_team_applies_events(district_a):
    with pytest.raises(PermissionRefused):
        apply(district_a, [])
