"""The score computed in SQL for a release (every household at once) and in Python for one
household (its explanation page) agree, term kinds, province terms, member ages at the boundaries
and the criteria checklist included, on random households (hypothesis; a few examples, built in
bulk, rolled back after each)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sejahtera.regions.models import Region
from sejahtera.registry import codes
from sejahtera.registry.models import Household, Person
from sejahtera.targeting import scoring, services
from sejahtera.targeting.models import ScoringModel
from sejahtera.updates.models import Release, ReleaseHousehold

pytestmark = pytest.mark.django_db

REFERENCE = dt.date(2026, 10, 1)
PERIOD = "2026-10"
_serial = itertools.count(1)


def _every_variable_weights() -> dict[str, Any]:
    """A term for every variable, every term kind, and a province with its own intercept and terms."""
    terms: list[dict[str, Any]] = []
    for i, var in enumerate(scoring.VARIABLES):
        if var.kind == "coded":
            terms.append(
                {
                    "variable": var.name,
                    "points": {str(c): (j * 7 + i) % 23 - 9 for j, (c, _l) in enumerate(var.codes)},
                }
            )
        elif var.kind == "flag":
            terms.append({"variable": var.name, "if_true": i - 20})
        elif i % 2:
            terms.append({"variable": var.name, "per_unit": (i % 5) - 2 or 3, "max_units": 1 + i % 4})
        else:
            terms.append({"variable": var.name, "at_least": [[0, 1], [1 + i % 3, 5], [8, 11], [100, -4]]})
    return {
        "intercept": 50,
        "terms": terms,
        "provinces": {
            "32": {
                "intercept": -13,
                "terms": [
                    {"variable": "floor_type", "points": {"9": 40}},
                    {"variable": "dependency_ratio", "at_least": [[50, 3], [200, 9], [1000, 20]]},
                ],
            },
            "91": {"terms": [{"variable": "head_female", "if_true": 17}]},
        },
    }


SPECS = {"every variable": scoring.parse_weights(_every_variable_weights())}

# Birth dates on both sides of the age limits at the reference date, and anywhere.
_limits = scoring.age_params(REFERENCE)
_edges = [d + dt.timedelta(days=k) for d in _limits.values() for k in (-1, 0, 1)]
birth_dates = st.one_of(st.sampled_from(_edges), st.dates(dt.date(1925, 1, 1), REFERENCE))


def _coded(choices: Any) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.sampled_from(choices.values))


people = st.fixed_dictionaries(
    {
        "birth_date": birth_dates,
        "sex": st.sampled_from(["L", "P"]),
        "relationship": st.sampled_from(["HEAD", "HEAD", "SPOUSE", "CHILD", "PARENT"]),
        "education": st.sampled_from(codes.Education.values),
        "work_sector": st.sampled_from([0, 0, 1, 12, 20]),
        "disability": st.sampled_from([1, 1, 2, 11]),
        "disability_severity": st.sampled_from(["NONE", "NONE", "MILD", "SEVERE"]),
        "chronic_illness": st.sampled_from([1, 1, 5]),
        "status": st.sampled_from(["ACTIVE", "ACTIVE", "ACTIVE", "DECEASED"]),
    }
)

households = st.fixed_dictionaries(
    {
        "village": st.sampled_from(["3204052001", "3273011001", "PAPUA"]),
        "attrs": st.fixed_dictionaries(
            {
                **{
                    name: _coded(var_codes)
                    for name, var_codes in {
                        "tenure_status": codes.TenureStatus,
                        "land_status": codes.LandStatus,
                        "floor_type": codes.FloorType,
                        "wall_type": codes.WallType,
                        "wall_condition": codes.Condition,
                        "roof_type": codes.RoofType,
                        "roof_condition": codes.Condition,
                        "water_source": codes.WaterSource,
                        "water_acquisition": codes.WaterAcquisition,
                        "lighting_source": codes.LightingSource,
                        "power_capacity": codes.PowerCapacity,
                        "cooking_fuel": codes.CookingFuel,
                        "toilet_facility": codes.ToiletFacility,
                        "toilet_type": codes.ToiletType,
                        "sewage_disposal": codes.SewageDisposal,
                    }.items()
                },
                "floor_area_m2": st.one_of(st.none(), st.integers(0, 400)),
                "bedrooms": st.one_of(st.none(), st.integers(0, 8)),
                "phone_numbers": st.integers(0, 9),
                "cattle": st.integers(0, 12),
                "goats": st.integers(0, 30),
                **{
                    v.name: st.booleans()
                    for v in scoring.VARIABLES
                    if v.kind == "flag" and v.source == "household"
                },
            }
        ),
        "people": st.lists(people, min_size=0, max_size=5),
    }
)


def _papua_village() -> str:
    return Region.objects.filter(level=4, code__startswith="91").values_list("code", flat=True).first() or ""


def _write(central: Any, drawn: list[dict[str, Any]]) -> Release:
    """The households, their members and a draft release holding them, in bulk."""
    papua = _papua_village()
    release = Release.objects.create(
        number=900000 + next(_serial), period=PERIOD, cutoff=timezone.now(), status="DRAFT", built_by=central
    )
    rows = []
    for d in drawn:
        village = papua if d["village"] == "PAPUA" else d["village"]
        rows.append(
            Household(
                kk_number=f"{next(_serial):016d}",
                village_id=village,
                province_code=village[:2],
                regency_code=village[:4],
                district_code=village[:6],
                address="Jl. Uji",
                **d["attrs"],
            )
        )
    made = Household.objects.bulk_create(rows)
    persons = [
        Person(
            household=hh,
            nik=f"{next(_serial):016d}",
            full_name="WARGA UJI",
            death_date=REFERENCE if p["status"] == "DECEASED" else None,
            **p,
        )
        for hh, d in zip(made, drawn, strict=True)
        for p in d["people"]
    ]
    Person.objects.bulk_create(persons)
    ReleaseHousehold.objects.bulk_create(
        ReleaseHousehold(
            release=release,
            household_id=hh.pk,
            kk_number=hh.kk_number,
            village_code=hh.village_id,
            district_code=hh.district_code,
            regency_code=hh.regency_code,
            province_code=hh.province_code,
            members=len(d["people"]),
            version=timezone.now(),
        )
        for hh, d in zip(made, drawn, strict=True)
    )
    return release


def _sql_rows(spec: scoring.Spec, release: Release) -> dict[int, tuple[int, int, int]]:
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT s.household_id, s.score, s.criteria_mask, s.criteria_met FROM ({services.scored_rows_sql(spec)}) s",
            {"release": release.pk, **scoring.age_params(REFERENCE)},
        )
        return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in cur.fetchall()}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=st.lists(households, min_size=1, max_size=6))
def test_sql_and_python_give_every_household_the_same_score(central, drawn):
    specs = {
        **SPECS,
        "default": scoring.parse_weights(ScoringModel.objects.get(version="PMT-2026.1").weights),
    }
    with transaction.atomic():
        release = _write(central, drawn)
        ids = list(ReleaseHousehold.objects.filter(release=release).values_list("household_id", flat=True))
        members: dict[int, list[Person]] = {i: [] for i in ids}
        for p in Person.objects.filter(household_id__in=ids):
            members[p.household_id].append(p)
        for name, spec in specs.items():
            in_sql = _sql_rows(spec, release)
            assert set(in_sql) == set(ids)
            for hh in Household.objects.filter(pk__in=ids):
                facts = scoring.household_facts(hh, members[hh.pk], REFERENCE)
                mask = scoring.criteria_mask(facts)
                in_python = (scoring.score(spec, facts, hh.province_code), mask, bin(mask).count("1"))
                assert in_sql[hh.pk] == in_python, (name, facts)
        transaction.set_rollback(True)


def test_the_explanation_adds_up_and_names_the_province_term():
    spec = SPECS["every variable"]
    facts = {"floor_type": 9, "head_female": 1, "members": 3}
    papua = scoring.explain(spec, facts, "91")
    java = scoring.explain(spec, facts, "32")
    assert papua.total == papua.intercept + sum(t.points for t in papua.terms)
    assert (papua.intercept, java.intercept) == (50, -13)
    floor = next(t for t in java.terms if t.variable == "floor_type")
    assert (floor.points, floor.province, floor.value) == (40, "32", "Tanah")
    assert next(t for t in papua.terms if t.variable == "head_female").points == 17
