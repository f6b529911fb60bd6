"""The set-based run (programs.sql) and the plain-Python rules (programs.rules.evaluate) agree: for
random families — members of every age around the boundaries, school levels, pregnancies,
disabilities, deaths before and after the period's first day — and for the seeded programs as well
as random parameter sets (amounts with ties, max_count, family_cap, ages), each family's entitlement
has the amount and the component lines that `evaluate` gives it, and a family `evaluate` finds not
eligible (or eligible for Rp0) has none.

Each example inserts its families in bulk, builds and publishes a release of them, runs the program
and rolls everything back, so examples do not see each other.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sejahtera.programs import rules, services
from sejahtera.programs.models import Entitlement, EntitlementComponent, Program, ProgramParameter
from sejahtera.programs.parameters import parameter_for, validate_params
from sejahtera.registry.identifiers import kk_for, nik_for
from sejahtera.registry.models import Household, Person
from sejahtera.updates.models import ReleasePerson

from .fixtures import VILLAGE_A, next_release

pytestmark = pytest.mark.django_db

SCHOOL = ("NONE", "PAUD", "SD", "SMP", "SMA", "PT")
DISABILITY = ("NONE", "MILD", "SEVERE")
# Seeded programs and periods (each a disbursement month of its parameter set).
SEEDED = [
    ("PKH", "2021-01"),
    ("PKH", "2021-07"),
    ("BPNT", "2021-07"),
    ("BPNT", "2021-03"),
    ("PBI", "2021-05"),
]


@dataclass(frozen=True)
class MemberSpec:
    age: int
    shift: int  # days added to the exact birthday: -1, 0 and 1 test the boundaries
    school: str
    pregnant: bool
    disability: str
    death: str  # "" alive, "before" the period's first day, "on" it, "after" it, "undated"


members = st.builds(
    MemberSpec,
    age=st.integers(min_value=0, max_value=90),
    shift=st.sampled_from([-1, 0, 1, 40, 200]),
    school=st.sampled_from(SCHOOL),
    pregnant=st.booleans(),
    disability=st.sampled_from(DISABILITY),
    death=st.sampled_from(["", "", "", "", "before", "on", "after", "undated"]),
)
families = st.lists(
    st.tuples(st.lists(members, min_size=1, max_size=7), st.integers(min_value=1, max_value=6)),
    min_size=1,
    max_size=8,
)


@st.composite
def random_params(draw: Any) -> dict[str, Any]:
    """A valid parameter set of member components (validated by parameters.validate_params)."""
    pool = list(rules.MEMBER_RULES)
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True))
    components = [
        {
            "code": f"C{i}_{rule}"[:24],
            "label": rule.title(),
            "rule": rule,
            "per": draw(st.sampled_from(["tahap", "month"])),
            "amount": draw(st.sampled_from([100_000, 225_000, 250_000, 375_000, 600_000, 750_000])),
            "max_count": draw(st.sampled_from([None, 1, 2, 3])),
        }
        for i, rule in enumerate(chosen)
    ]
    school_min = draw(st.integers(min_value=4, max_value=8))
    params = {
        "unit": "FAMILY",
        "max_decile": draw(st.integers(min_value=2, max_value=6)),
        "min_components": draw(st.integers(min_value=0, max_value=2)),
        "exclude_programs": [],
        "disbursements": [{"tahap": 1, "month": 1, "months": 3}, {"tahap": 2, "month": 4, "months": 2}],
        "components": components,
        "family_cap": draw(st.sampled_from([None, 1, 2, 3, 4])),
        "elderly_min_age": draw(st.integers(min_value=55, max_value=70)),
        "early_child_max_age": draw(st.integers(min_value=4, max_value=7)),
        "school_min_age": school_min,
        "school_max_age": draw(st.integers(min_value=school_min, max_value=23)),
        "extras": draw(
            st.sampled_from([[], [{"month": 4, "code": "EXTRA", "label": "Tambahan", "amount": 50_000}]])
        ),
    }
    return validate_params(params)


def _birth(first_day: dt.date, m: MemberSpec) -> dt.date:
    return first_day.replace(year=first_day.year - m.age) + dt.timedelta(days=m.shift)


def _insert(specs: list[tuple[list[MemberSpec], int]], first_day: dt.date) -> list[tuple[Household, int]]:
    """The families as registry rows, in bulk; returns each household with its decile."""
    serial = itertools.count(1)
    district = VILLAGE_A[:6]
    households = Household.objects.bulk_create(
        [
            Household(
                village_id=VILLAGE_A,
                province_code=VILLAGE_A[:2],
                regency_code=VILLAGE_A[:4],
                district_code=district,
                kk_number=kk_for(
                    district_code=district, record_date=dt.date(2015, 3, 1), serial=next(serial)
                ),
                address="Jl. Uji",
                rt="001",
                rw="001",
            )
            for _ in specs
        ]
    )
    people = []
    for hh, (spec, _decile) in zip(households, specs, strict=True):
        for i, m in enumerate(spec):
            born = _birth(first_day, m)
            sex = "P" if m.pregnant else "L"
            people.append(
                Person(
                    household=hh,
                    full_name=f"WARGA UJI {i}",
                    birth_date=born,
                    sex=sex,
                    relationship="HEAD" if i == 0 else "CHILD",
                    nik=nik_for(district_code=district, birth_date=born, sex=sex, serial=next(serial)),
                    school_level=m.school,
                    pregnant=m.pregnant,
                    disability_severity=m.disability,
                )
            )
    Person.objects.bulk_create(people)
    return [(hh, decile) for hh, (_spec, decile) in zip(households, specs, strict=True)]


def _deaths(
    specs: list[tuple[list[MemberSpec], int]], households: list[Household], first_day: dt.date
) -> None:
    """Deaths the registry learns after the release (the snapshot still holds the members)."""
    for hh, (spec, _decile) in zip(households, specs, strict=True):
        ids = list(Person.objects.filter(household=hh).order_by("id").values_list("id", flat=True))
        for pid, m in zip(ids, spec, strict=True):
            if not m.death:
                continue
            on = {
                "before": first_day - dt.timedelta(days=1),
                "on": first_day,
                "after": first_day + dt.timedelta(days=1),
                "undated": None,
            }[m.death]
            Person.objects.filter(pk=pid).update(status="DECEASED", death_date=on)


def _facts(release_id: int, hh: Household, decile: int, first_day: dt.date) -> rules.HouseholdFacts:
    registry = {p.pk: p for p in Person.objects.filter(household=hh)}
    members_ = []
    for rp in ReleasePerson.objects.filter(release_id=release_id, household_id=hh.pk).order_by("person_id"):
        p = registry[rp.person_id]
        dead = p.status == "DECEASED" and (p.death_date is None or p.death_date < first_day)
        members_.append(
            rules.Member(
                order=rp.person_id,
                birth_date=rp.birth_date,
                pregnant=rp.pregnant,
                school_level=rp.school_level,
                disability=rp.disability_severity,
                alive=not dead,
            )
        )
    return rules.HouseholdFacts(region=hh.village_id, decile=decile, members=members_)


def _agree(
    *,
    central: Any,
    publisher: Any,
    manager: Any,
    code: str,
    period: str,
    specs: list[tuple[list[MemberSpec], int]],
) -> None:
    first_day = dt.date(int(period[:4]), int(period[5:]), 1)
    placed = _insert(specs, first_day)
    households = [hh for hh, _ in placed]
    release = next_release(
        builder=central, publisher=publisher, deciles={hh.pk: d for hh, d in placed}, period="2020-12"
    )
    _deaths(specs, households, first_day)
    services.programs_run(actor=manager, program_code=code, period=period)
    params = parameter_for(code, first_day).params
    got = {e.household_id: e.amount for e in Entitlement.objects.filter(program__code=code, period=period)}
    lines: dict[int, dict[str, tuple[int, int]]] = {}
    for c in EntitlementComponent.objects.filter(
        entitlement__program__code=code, entitlement__period=period
    ).values("entitlement__household_id", "component", "count", "amount"):
        lines.setdefault(c["entitlement__household_id"], {})[c["component"]] = (c["count"], c["amount"])
    for hh, decile in placed:
        facts = _facts(release.pk, hh, decile, first_day)
        expected = rules.evaluate(code, params, facts, period)
        if expected.eligible and expected.amount > 0:
            assert got.get(hh.pk) == expected.amount, (facts, expected)
            assert lines[hh.pk] == {c.code: (c.count, c.amount) for c in expected.components}
        else:
            assert hh.pk not in got, (facts, expected)


EXAMPLE_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@EXAMPLE_SETTINGS
@given(program=st.sampled_from(SEEDED), specs=families)
def test_the_run_and_the_rules_agree_for_the_seeded_programs(
    central, central_publisher, program_manager, program, specs
):
    code, period = program
    with transaction.atomic():
        _agree(
            central=central,
            publisher=central_publisher,
            manager=program_manager,
            code=code,
            period=period,
            specs=specs,
        )
        transaction.set_rollback(True)


@settings(parent=EXAMPLE_SETTINGS, max_examples=10)
@given(params=random_params(), period=st.sampled_from(["2021-01", "2021-04"]), specs=families)
def test_the_run_and_the_rules_agree_for_random_parameters(
    central, central_publisher, program_manager, params, period, specs
):
    with transaction.atomic():
        program = Program.objects.create(code="UJI", name="Program uji")
        ProgramParameter.objects.create(
            program=program, valid_from=dt.date(2021, 1, 1), params=params, legal_source="uji"
        )
        _agree(
            central=central,
            publisher=central_publisher,
            manager=program_manager,
            code="UJI",
            period=period,
            specs=specs,
        )
        transaction.set_rollback(True)
