"""The synthetic population (issue 2 §8): the documented format, consistent identifiers, plausible
households, deterministic output, and dirty data whose truth file points at the right rows."""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from collections import Counter
from pathlib import Path

import pytest
from django.utils import timezone

from sejahtera.registry import codes
from sejahtera.registry.columns import HOUSEHOLD_HEADER, PERSON_HEADER
from sejahtera.registry.generate import REFERENCE_DATE, TRUTH_HEADER, generate
from sejahtera.registry.identifiers import kk_check, nik_check
from sejahtera.registry.models import ImportRowError
from sejahtera.registry.services import import_run, import_submit

Row = dict[str, str]


def read(path: Path) -> tuple[list[str], list[Row]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


class Population:
    def __init__(self, out: Path) -> None:
        self.dir = out
        self.household_header, self.households = read(out / "households.csv")
        self.person_header, self.persons = read(out / "persons.csv")
        self.truth = read(out / "truth.csv")[1] if (out / "truth.csv").exists() else []

    def person_at(self, row: str | int) -> Row:
        """The persons.csv row a spreadsheet shows as `row` (the header is row 1)."""
        return self.persons[int(row) - 2]


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Population:
    out = tmp_path_factory.mktemp("clean")
    generate(households=400, region="3204", seed=1, dirty=0, out=out)
    return Population(out)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory) -> Population:
    out = tmp_path_factory.mktemp("dirty")
    generate(households=500, region="3204", seed=5, dirty=0.1, out=out)
    return Population(out)


def _age(row: Row) -> float:
    return (REFERENCE_DATE - dt.date.fromisoformat(row["birth_date"])).days / 365.25


# --- format and determinism ------------------------------------------------------------------------
def test_the_files_have_the_documented_headers(clean, dirty):
    assert tuple(clean.household_header) == HOUSEHOLD_HEADER
    assert tuple(clean.person_header) == PERSON_HEADER
    assert tuple(read(dirty.dir / "truth.csv")[0]) == TRUTH_HEADER


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes(tmp_path):
    for name, seed in (("a", 9), ("b", 9), ("c", 10)):
        generate(households=60, region="3204", seed=seed, dirty=0.1, out=tmp_path / name)
    for f in ("households.csv", "persons.csv", "truth.csv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
        assert (tmp_path / "a" / f).read_bytes() != (tmp_path / "c" / f).read_bytes(), f


def test_the_result_counts_what_was_written(tmp_path):
    result = generate(households=25, region="3204", seed=2, dirty=0.2, out=tmp_path)
    pop = Population(tmp_path)
    assert (result.households, result.persons, result.dirty_rows) == (
        len(pop.households),
        len(pop.persons),
        len(pop.truth),
    )


@pytest.mark.parametrize("region", ["3273", "320405", "32.04.05"])
def test_every_household_lies_in_the_requested_region(tmp_path, region):
    generate(households=20, region=region.replace(".", ""), seed=1, dirty=0, out=tmp_path)
    pop = Population(tmp_path)
    prefix = region.replace(".", "")
    assert all(h["village_code"].startswith(prefix) and len(h["village_code"]) == 10 for h in pop.households)


# --- identifiers -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_every_nik_is_valid_and_carries_the_persons_sex_and_birth_date(clean):
    today = timezone.localdate()
    for p in clean.persons:
        r = nik_check(p["nik"], with_names=False)
        assert r.valid and r.warnings == [], (p["nik"], r.errors, r.warnings)
        assert r.sex == p["sex"], p
        assert r.birth_date is not None
        # A NIK holds a two-digit year: the same day, month and year within the century...
        assert r.birth_date[2:] == p["birth_date"][2:], p
        # ...and the very date for anyone born in the last hundred years.
        if dt.date.fromisoformat(p["birth_date"]) > today.replace(year=today.year - 100):
            assert r.birth_date == p["birth_date"], p


@pytest.mark.django_db
def test_every_kk_is_valid_and_issued_in_the_households_district(clean):
    for h in clean.households:
        r = kk_check(h["kk_number"], with_names=False)
        assert r.valid, (h["kk_number"], r.errors)
        assert h["kk_number"][:6] == h["village_code"][:6]
        assert r.record_date is not None and r.record_date <= REFERENCE_DATE.isoformat()


def test_niks_and_kks_are_unique_in_a_clean_run(clean):
    assert len({p["nik"] for p in clean.persons}) == len(clean.persons)
    assert len({h["kk_number"] for h in clean.households}) == len(clean.households)


# --- households and persons ------------------------------------------------------------------------
def test_every_person_belongs_to_a_household_with_exactly_one_head(clean):
    kks = {h["kk_number"] for h in clean.households}
    assert {p["kk_number"] for p in clean.persons} == kks
    heads = Counter(p["kk_number"] for p in clean.persons if p["relationship"] == codes.Relationship.HEAD)
    assert set(heads) == kks and set(heads.values()) == {1}


def test_household_sizes_are_realistic(clean):
    sizes = Counter(p["kk_number"] for p in clean.persons).values()
    assert 3.3 <= statistics.mean(sizes) <= 4.5
    assert min(sizes) == 1 and 7 <= max(sizes) <= 9


def test_the_age_pyramid_is_plausible(clean):
    ages = [_age(p) for p in clean.persons]
    children = sum(a < 18 for a in ages) / len(ages)
    elderly = sum(a >= 60 for a in ages) / len(ages)
    assert 0.25 <= children <= 0.5
    assert 0.03 <= elderly <= 0.2
    assert all(0 <= a <= 101 for a in ages)
    heads = [_age(p) for p in clean.persons if p["relationship"] == codes.Relationship.HEAD]
    assert min(heads) >= 18


def test_housing_is_poorer_in_poorer_households(clean):
    def mean(field: str, status: str) -> float:
        return statistics.mean(int(h[field]) for h in clean.households if h["welfare_status"] == status)

    assert mean("floor_area_m2", "1") < mean("floor_area_m2", "4")
    assert mean("has_refrigerator", "1") < mean("has_refrigerator", "4")
    assert mean("wall_condition", "1") > mean("wall_condition", "4")  # 2 = bad walls


def test_ppks_categories_appear_at_plausible_rates_and_follow_disability(clean):
    with_ppks = [p for p in clean.persons if p["ppks"]]
    assert 0.02 <= len(with_ppks) / len(clean.persons) <= 0.25
    for p in clean.persons:
        listed = {int(c) for c in p["ppks"].split(";") if c}
        assert listed <= set(range(1, 27))
        if p["disability"] != "1":
            # A disabled child is PPKS 5, a disabled adult PPKS 9 (DOMAIN.md §7).
            assert listed & {5, 9}, p


def test_only_married_women_of_childbearing_age_are_pregnant(clean):
    pregnant = [p for p in clean.persons if p["pregnant"] == "1"]
    assert all(p["sex"] == "P" and 15 <= _age(p) <= 50 for p in pregnant)


# --- dirty data ------------------------------------------------------------------------------------
def test_every_kind_of_injected_problem_is_present(dirty):
    assert set(Counter(t["problem"] for t in dirty.truth)) == {
        "invalid_nik",
        "duplicate_typo",
        "deceased_listed",
        "two_households",
    }
    assert all(t["file"] == "persons" for t in dirty.truth)


def test_each_truth_row_points_at_the_person_row_it_describes(dirty):
    for t in dirty.truth:
        assert dirty.person_at(t["row"])["nik"] == t["nik"], t


@pytest.mark.django_db
def test_an_invalid_nik_row_fails_nik_check_for_the_reason_given(dirty):
    expected = {
        "month 13": "DATE_INVALID",
        "day 32": "DATE_INVALID",
        "serial 0000": "SERIAL_ZERO",
        "15 digits": "FORMAT",
    }
    rows = [t for t in dirty.truth if t["problem"] == "invalid_nik"]
    assert rows
    for t in rows:
        r = nik_check(dirty.person_at(t["row"])["nik"], with_names=False)
        assert expected[t["detail"]] in r.errors, t


def test_a_two_households_row_repeats_its_originals_nik(dirty):
    rows = [t for t in dirty.truth if t["problem"] == "two_households"]
    assert rows
    for t in rows:
        copy, original = dirty.person_at(t["row"]), dirty.person_at(t["original_row"])
        assert int(t["original_row"]) < int(t["row"])
        assert copy["nik"] == original["nik"] == t["nik"], t
        assert (copy["full_name"], copy["birth_date"]) == (original["full_name"], original["birth_date"])


def test_a_two_households_row_is_in_another_household_than_its_original(dirty):
    for t in (t for t in dirty.truth if t["problem"] == "two_households"):
        assert dirty.person_at(t["row"])["kk_number"] != dirty.person_at(t["original_row"])["kk_number"], t


def test_a_duplicate_typo_row_copies_its_original_with_the_nik_as_detailed(dirty):
    rows = [t for t in dirty.truth if t["problem"] == "duplicate_typo"]
    assert rows
    for t in rows:
        copy, original = dirty.person_at(t["row"]), dirty.person_at(t["original_row"])
        assert copy["birth_date"] == original["birth_date"]
        assert (copy["nik"] == original["nik"]) is (t["detail"] == "same NIK"), t
        if copy["nik"] != original["nik"]:
            # One pair of neighbouring digits transposed.
            diff = [i for i in range(16) if copy["nik"][i] != original["nik"][i]]
            assert len(diff) == 2 and diff[1] == diff[0] + 1, t


def test_a_duplicate_typo_row_has_a_typo_in_the_name(tmp_path):
    generate(households=300, region="3204", seed=5, dirty=0.1, out=tmp_path)
    pop = Population(tmp_path)
    for t in (t for t in pop.truth if t["problem"] == "duplicate_typo"):
        assert pop.person_at(t["row"])["full_name"] != pop.person_at(t["original_row"])["full_name"], t


def test_a_deceased_listed_row_gives_a_death_date_before_the_reference_date(dirty):
    rows = [t for t in dirty.truth if t["problem"] == "deceased_listed"]
    assert rows
    for t in rows:
        assert dt.date.fromisoformat(t["detail"]) < REFERENCE_DATE, t


def test_a_deceased_listed_persons_death_date_is_not_before_their_birth(dirty):
    for t in (t for t in dirty.truth if t["problem"] == "deceased_listed"):
        assert dirty.person_at(t["row"])["birth_date"] <= t["detail"], t


@pytest.mark.django_db
def test_the_import_rejects_the_injected_identity_problems_and_nothing_else(
    dirty, central, settings, tmp_path
):
    settings.UPLOAD_DIR = tmp_path
    job = import_submit(
        actor=central, households_path=dirty.dir / "households.csv", persons_path=dirty.dir / "persons.csv"
    )
    job = import_run(job_id=job.pk)

    rejected = {e.row for e in ImportRowError.objects.filter(job=job, severity="ERROR", file="persons")}
    invalid = {int(t["row"]) for t in dirty.truth if t["problem"] == "invalid_nik"}
    same_nik = {int(t["row"]) for t in dirty.truth if t["detail"] == "same NIK"}
    assert invalid | same_nik <= rejected
    assert not ImportRowError.objects.filter(job=job, file="households").exists()
    problem_rows = {int(t["row"]) for t in dirty.truth}
    assert rejected <= problem_rows  # no clean row is rejected
