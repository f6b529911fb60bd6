"""Every check: a record it must flag, and a record it must leave alone (issue 6 acceptance)."""

from __future__ import annotations

import datetime as dt

import pytest

from sejahtera.programs.tests.fixtures import Fam, M, born, die, published_release_with
from sejahtera.quality import checks
from sejahtera.registry.identifiers import nik_for
from sejahtera.registry.models import Household, Person
from sejahtera.updates.tests.factories import household, person

from .helpers import VILLAGE_A, family, households_flagged, persons_flagged, rows

pytestmark = pytest.mark.django_db

D = "320405"  # Kec. Cileunyi


def _nik(**kw):
    return nik_for(district_code=kw.pop("district", D), **kw)


def test_an_invalid_nik_is_an_error_and_a_good_one_is_not():
    _, (bad,) = family(nik="3204053213850001")  # month 13
    _, (zero,) = family(nik="3204051703850000")  # serial 0000
    _, (short,) = family(nik="32040517038")
    _, (good,) = family(birth_date=dt.date(1985, 3, 17), sex="L")
    found = {r["person_id"]: r["detail"] for r in rows(checks.nik_invalid_sql)}
    assert found == {bad.pk: "DATE_INVALID", zero.pk: "SERIAL_ZERO", short.pk: "FORMAT"}
    assert good.pk not in found


def test_an_unknown_nik_district_is_a_warning_and_a_pre_split_code_is_known():
    _, (unknown,) = family(nik=_nik(district="999901", birth_date=dt.date(1985, 3, 17), sex="L", serial=1))
    # 91.01 (Merauke) became 93.01 in the 2022 Papua split: a NIK keeps its old code (NOTES.md).
    _, (old,) = family(nik=_nik(district="910101", birth_date=dt.date(1985, 3, 17), sex="L", serial=2))
    found = rows(checks.nik_region_unknown_sql)
    assert {r["person_id"] for r in found} == {unknown.pk}
    assert found[0]["severity"] == "WARNING"
    assert old.pk not in persons_flagged(checks.nik_invalid_sql)


def test_an_invalid_kk_is_an_error_including_an_unknown_district():
    bad = household(kk_number="3204051313150001")  # month 13
    unknown = household(kk_number="9999010103150001")
    good = household()
    for hh in (bad, unknown, good):
        person(household=hh)
    found = {r["household_id"]: r["detail"] for r in rows(checks.kk_invalid_sql)}
    assert found == {bad.pk: "DATE_INVALID", unknown.pk: "REGION_UNKNOWN"}


def test_a_woman_with_a_man_s_nik_is_flagged_and_a_matching_one_is_not():
    born_on = dt.date(1985, 3, 17)
    _, (wrong,) = family(sex="P", birth_date=born_on, nik=_nik(birth_date=born_on, sex="L", serial=11))
    _, (right,) = family(sex="P", birth_date=born_on, nik=_nik(birth_date=born_on, sex="P", serial=12))
    assert persons_flagged(checks.nik_sex_mismatch_sql) == {wrong.pk}
    assert right.pk not in persons_flagged(checks.nik_birthdate_mismatch_sql)


def test_a_nik_with_another_birth_date_is_flagged():
    _, (wrong,) = family(
        birth_date=dt.date(1985, 3, 18), nik=_nik(birth_date=dt.date(1985, 3, 17), sex="L", serial=13)
    )
    _, (year,) = family(
        birth_date=dt.date(1975, 3, 17), nik=_nik(birth_date=dt.date(1985, 3, 17), sex="L", serial=14)
    )
    _, (right,) = family(birth_date=dt.date(1985, 3, 17), sex="L")
    assert persons_flagged(checks.nik_birthdate_mismatch_sql) == {wrong.pk, year.pk}
    assert right.pk not in persons_flagged(checks.nik_sex_mismatch_sql)


def test_a_living_person_with_a_dead_person_s_nik_is_a_duplicate():
    _, (living,) = family()
    _, (dead,) = family()
    Person.objects.filter(pk=dead.pk).update(
        status="DECEASED", nik=living.nik, death_date=dt.date(2020, 1, 1)
    )
    _, (moved,) = family()
    _, (other,) = family()
    Person.objects.filter(pk=other.pk).update(status="MOVED", nik=moved.nik)
    found = rows(checks.nik_duplicate_sql)
    assert [(r["person_id"], r["other_person_id"], r["severity"]) for r in found] == [
        (living.pk, dead.pk, "ERROR")
    ]


def test_a_nik_active_in_one_family_and_asleep_in_another_is_in_two_households():
    _, (active,) = family()
    hh2, (asleep,) = family()
    Person.objects.filter(pk=asleep.pk).update(status="INACTIVE", inactive_reason="NOT_FOUND", nik=active.nik)
    person(household=hh2)  # the second family still has an active member
    _, (a2,) = family()
    _, (dup,) = family()
    # Put to sleep as a duplicate: that is the clean-up, not a problem.
    Person.objects.filter(pk=dup.pk).update(status="INACTIVE", inactive_reason="DUPLICATE", nik=a2.nik)
    found = rows(checks.person_in_two_households_sql)
    assert [(r["person_id"], r["other_person_id"]) for r in found] == [(active.pk, asleep.pk)]


def test_a_family_without_a_head_or_with_two_is_flagged():
    none = household()
    person(household=none, relationship="SPOUSE")
    two = household()
    person(household=two, relationship="HEAD")
    person(household=two, relationship="HEAD")
    one, _ = family(members=3)
    dead_head = household()
    h = person(household=dead_head, relationship="HEAD")
    person(household=dead_head, relationship="CHILD")
    Person.objects.filter(pk=h.pk).update(status="DECEASED")
    assert households_flagged(checks.household_no_head_sql) == {none.pk, dead_head.pk}
    assert households_flagged(checks.household_many_heads_sql) == {two.pk}
    assert one.pk not in households_flagged(checks.household_no_head_sql)


def test_a_mother_less_than_twelve_years_older_than_her_child_is_flagged():
    hh, (mother,) = family(sex="P", birth_date=dt.date(1990, 6, 1))
    young = person(household=hh, relationship="CHILD", birth_date=dt.date(2002, 5, 31))
    ok = person(household=hh, relationship="CHILD", birth_date=dt.date(2002, 6, 1))  # exactly 12 years
    father_hh, _ = family(sex="L", birth_date=dt.date(1990, 6, 1))
    person(household=father_hh, relationship="CHILD", birth_date=dt.date(1995, 1, 1))
    found = rows(checks.mother_too_young_sql)
    assert [(r["person_id"], r["other_person_id"]) for r in found] == [(mother.pk, young.pk)]
    assert ok.pk not in {r["other_person_id"] for r in found}


def test_ages_over_120_and_births_in_the_future_are_flagged():
    _, (old,) = family(birth_date=dt.date(1906, 11, 27))
    _, (just,) = family(birth_date=dt.date(1906, 11, 28))  # exactly 120 today
    _, (future,) = family(birth_date=dt.date(2026, 11, 29))
    assert persons_flagged(checks.age_over_120_sql) == {old.pk}
    assert persons_flagged(checks.birth_in_future_sql) == {future.pk}
    assert just.pk not in persons_flagged(checks.birth_in_future_sql)


def test_an_empty_name_is_flagged():
    _, (blank,) = family(full_name="   ")
    _, (named,) = family(full_name="SITI")
    assert persons_flagged(checks.name_empty_sql) == {blank.pk}
    assert named.pk not in persons_flagged(checks.name_empty_sql)


def test_an_inactive_household_is_not_checked():
    hh, (p,) = family(full_name="")
    Household.objects.filter(pk=hh.pk).update(status="INACTIVE", inactive_reason="OTHER")
    assert p.pk not in persons_flagged(checks.name_empty_sql)


def test_a_death_recorded_after_an_entitlement_for_a_later_period_is_flagged(
    central, central_publisher, program_manager
):
    from sejahtera.programs.services import programs_run

    pub = published_release_with(
        [
            Fam([M(born(40)), M(born(8), school="SD")]),
            Fam([M(born(40)), M(born(9), school="SD")], village=VILLAGE_A),
        ],
        builder=central,
        publisher=central_publisher,
    )
    programs_run(actor=program_manager, program_code="PKH", period="2021-01")
    child = pub.persons[0][1]
    # Died in December 2020, recorded after the January 2021 entitlement was computed.
    die(child, dt.date(2020, 12, 15))
    Person.objects.filter(pk=child.pk).update(updated_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    # Died during the period (counted on its first day, rightly).
    during = pub.persons[1][1]
    die(during, dt.date(2021, 1, 20))
    Person.objects.filter(pk=during.pk).update(updated_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    found = rows(checks.deceased_counted_sql)
    assert [(r["person_id"], r["detail"]) for r in found] == [(child.pk, "PKH 2021-01")]
    assert found[0]["related_id"] is not None


def test_every_check_is_in_the_table_with_a_rule_and_an_action():
    assert {c.type for c in checks.CHECKS} >= set(checks.IMPORT_TYPES)
    for c in checks.CHECKS:
        assert str(c.rule) and str(c.action) and c.sql.__doc__
