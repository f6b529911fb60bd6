"""The program rules in plain Python (programs.rules) with the seeded parameter documents: every PKH
amount of DOMAIN.md §6.1, the caps, the age boundaries, BPNT, BST, PBI. No database."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sejahtera.programs import rules
from sejahtera.programs.rules import HouseholdFacts, Member, evaluate, evaluate_year

SEED = importlib.import_module("sejahtera.programs.migrations.0002_seed_programs")


def params(code: str, valid_from: dt.date | None = None) -> dict[str, Any]:
    rows = [p for p in SEED.PARAMETERS if p[0] == code and (valid_from is None or p[1] == valid_from)]
    assert rows, code
    return rows[0][3]


PKH = params("PKH")
BPNT_2021 = params("BPNT", dt.date(2021, 1, 1))
BPNT_2022 = params("BPNT", dt.date(2022, 1, 1))
BST = params("BST")
PPKM = params("BPNT_PPKM")
PBI = params("PBI")
D = dt.date(2021, 1, 1)  # tahap 1 of 2021


def born(age: int) -> dt.date:
    """A birth date that makes a member exactly `age` full years old on 2021-01-01."""
    return dt.date(D.year - age, D.month, D.day)


def adult(order: int = 1, **kw: Any) -> Member:
    return Member(order=order, birth_date=born(40), relationship="HEAD", **kw)


def family(
    *members: Member, decile: int | None = 2, enrolled: frozenset[str] = frozenset()
) -> HouseholdFacts:
    return HouseholdFacts(region="3204052001", decile=decile, members=list(members), enrolled_in=enrolled)


def pkh(*members: Member, decile: int | None = 2, period: str = "2021-01") -> rules.ProgramResult:
    return evaluate("PKH", PKH, family(*members, decile=decile), period, source="Indeks PKH")


def lines(result: rules.ProgramResult) -> dict[str, tuple[int, int]]:
    return {c.code: (c.count, c.amount) for c in result.components}


def texts(result: rules.ProgramResult) -> list[str]:
    return [str(r) for r in result.reasons]


# --- PKH, one test per component (DOMAIN.md §6.1, per tahap) -------------------------------------------
def test_pkh_pregnant_mother_gets_750_000_per_tahap():
    r = pkh(adult(), Member(2, born(30), sex="P", relationship="SPOUSE", pregnant=True))
    assert r.eligible
    assert lines(r) == {"PREGNANT": (1, 750_000)}
    assert r.amount == 750_000


def test_pkh_early_child_gets_750_000_per_tahap():
    r = pkh(adult(), Member(2, born(3), relationship="CHILD"))
    assert lines(r) == {"EARLY_CHILD": (1, 750_000)}
    assert r.amount == 750_000


def test_pkh_sd_pupil_gets_225_000_per_tahap():
    r = pkh(adult(), Member(2, born(9), relationship="CHILD", school_level="SD"))
    assert lines(r) == {"SD": (1, 225_000)}
    assert "Anggota 2 (SD, usia 9): komponen Anak SD/sederajat Rp225.000 (sumber: Indeks PKH)" in texts(r)


def test_pkh_smp_pupil_gets_375_000_per_tahap():
    r = pkh(adult(), Member(2, born(13), relationship="CHILD", school_level="SMP"))
    assert lines(r) == {"SMP": (1, 375_000)}


def test_pkh_sma_pupil_gets_500_000_per_tahap():
    r = pkh(adult(), Member(2, born(16), relationship="CHILD", school_level="SMA"))
    assert lines(r) == {"SMA": (1, 500_000)}


def test_pkh_severe_disability_gets_600_000_per_tahap_and_mild_nothing():
    r = pkh(adult(disability="SEVERE"), Member(2, born(35), disability="MILD"))
    assert lines(r) == {"DISABILITY": (1, 600_000)}


def test_pkh_elderly_gets_600_000_per_tahap():
    r = pkh(Member(1, born(72), relationship="HEAD"))
    assert lines(r) == {"ELDERLY": (1, 600_000)}


def test_pkh_year_is_four_tahap_in_january_april_july_october():
    facts = family(adult(), Member(2, dt.date(2012, 6, 1), school_level="SD"))
    year = evaluate_year("PKH", PKH, facts, 2021)
    assert [(r.tahap, r.period, r.amount) for r in year.disbursements] == [
        (1, "2021-01", 225_000),
        (2, "2021-04", 225_000),
        (3, "2021-07", 225_000),
        (4, "2021-10", 225_000),
    ]
    assert year.annual == 900_000  # the SD component's Rp900,000 a year


def test_pkh_family_with_several_components_sums_them():
    r = pkh(
        adult(),
        Member(2, born(30), pregnant=True),
        Member(3, born(4)),
        Member(4, born(12), school_level="SMP"),
    )
    assert r.amount == 750_000 + 750_000 + 375_000
    assert r.amount == sum(c.amount for c in r.components)


# --- caps -------------------------------------------------------------------------------------------------
def test_pkh_third_pregnancy_is_not_counted():
    r = pkh(*(Member(i, born(20 + i), pregnant=True) for i in (1, 2, 3)))
    assert lines(r) == {"PREGNANT": (2, 1_500_000)}
    assert any("Ibu hamil/nifas ke-3 (anggota 3) tidak dihitung: batas 2 per keluarga" in t for t in texts(r))


def test_pkh_second_severely_disabled_member_is_not_counted_nor_given_another_component():
    # Member 2 is also elderly (600,000 either way; disability comes first in the list): the cap on
    # disability does not fall back to the elderly component.
    r = pkh(adult(disability="SEVERE"), Member(2, born(65), disability="SEVERE"))
    assert lines(r) == {"DISABILITY": (1, 600_000)}
    assert r.amount == 600_000


def test_pkh_family_cap_keeps_the_four_highest_components():
    r = pkh(
        adult(),  # nothing
        Member(2, born(30), pregnant=True),  # 750,000
        Member(3, born(2)),  # 750,000
        Member(4, born(8), school_level="SD"),  # 225,000: the lowest, dropped
        Member(5, born(15), school_level="SMA"),  # 500,000
        Member(6, born(13), school_level="SMP"),  # 375,000
    )
    assert lines(r) == {
        "PREGNANT": (1, 750_000),
        "EARLY_CHILD": (1, 750_000),
        "SMP": (1, 375_000),
        "SMA": (1, 500_000),
    }
    assert r.amount == 2_375_000
    assert any(
        t.startswith("Batas 4 komponen per keluarga: komponen Anak SD/sederajat (anggota 4) tidak dihitung")
        for t in texts(r)
    )


def test_pkh_family_cap_ties_go_to_the_earlier_member():
    r = pkh(*(Member(i, born(10), school_level="SD") for i in range(1, 6)))
    assert lines(r) == {"SD": (4, 900_000)}
    assert any("(anggota 5) tidak dihitung" in t for t in texts(r))


def test_pkh_member_gets_the_highest_of_matching_components():
    # Pregnant, 60 and severely disabled: 750,000 (pregnant) beats 600,000 (elderly, disability).
    r = pkh(Member(1, born(60), pregnant=True, disability="SEVERE"))
    assert lines(r) == {"PREGNANT": (1, 750_000)}


# --- age boundaries ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("age", "expected"), [(6, {"EARLY_CHILD": (1, 750_000)}), (7, {})])
def test_pkh_early_childhood_ends_at_six(age, expected):
    r = pkh(adult(), Member(2, born(age), school_level="PAUD"))
    assert lines(r) == expected
    assert r.eligible is bool(expected)


def test_pkh_a_six_year_old_at_school_is_an_sd_pupil_not_an_early_child():
    r = pkh(adult(), Member(2, born(6), school_level="SD"))
    assert lines(r) == {"SD": (1, 225_000)}


def test_pkh_age_is_counted_on_the_first_day_of_the_tahap():
    # Turns 7 on 2 January 2021: still 6 on 1 January (tahap 1), 7 on 1 April (tahap 2).
    child = Member(2, dt.date(2014, 1, 2))
    assert lines(pkh(adult(), child, period="2021-01")) == {"EARLY_CHILD": (1, 750_000)}
    assert lines(pkh(adult(), child, period="2021-04")) == {}


@pytest.mark.parametrize(("age", "expected"), [(59, {}), (60, {"ELDERLY": (1, 600_000)})])
def test_pkh_elderly_from_sixty(age, expected):
    assert lines(pkh(Member(1, born(age)))) == expected


@pytest.mark.parametrize(("age", "expected"), [(21, {"SMA": (1, 500_000)}), (22, {})])
def test_pkh_school_components_end_at_twenty_one(age, expected):
    assert lines(pkh(adult(), Member(2, born(age), school_level="SMA"))) == expected


def test_pkh_elderly_age_is_a_parameter():
    seventy = {**PKH, "elderly_min_age": 70}
    r = evaluate("PKH", seventy, family(Member(1, born(65))), "2021-01")
    assert r.amount == 0
    assert not r.eligible


# --- members, decile, eligibility -------------------------------------------------------------------------
def test_pkh_deceased_member_is_not_counted():
    r = pkh(adult(), Member(2, born(30), pregnant=True, alive=False), Member(3, born(9), school_level="SD"))
    assert lines(r) == {"SD": (1, 225_000)}
    assert any("Anggota 2 meninggal sebelum 2021-01-01: tidak dihitung" in t for t in texts(r))


def test_a_child_born_after_the_disbursement_is_not_counted_for_it():
    after = Member(2, D + dt.timedelta(days=40), relationship="CHILD")
    r = pkh(adult(), after, Member(3, born(9), school_level="SD"))
    assert lines(r) == {"SD": (1, 225_000)}
    assert any("Anggota 2 lahir setelah 2021-01-01: tidak dihitung" in t for t in texts(r))


def test_a_family_with_nobody_counted_gets_no_extra_disbursement():
    r = evaluate("BPNT", BPNT_2021, family(Member(1, born(70), alive=False)), "2021-07")
    assert not r.eligible
    assert r.amount == 0
    assert r.components == []


def test_decile_five_is_not_eligible():
    r = pkh(adult(), Member(2, born(3)), decile=5)
    assert not r.eligible
    assert r.amount == 0
    assert r.components == []
    assert texts(r)[0] == "Desil 5 > 4: tidak memenuhi syarat desil (sumber: Indeks PKH)"


def test_decile_four_is_eligible_and_the_reason_says_so():
    r = pkh(adult(), Member(2, born(3)), decile=4)
    assert r.eligible
    assert texts(r)[0] == "Desil 4 ≤ 4: memenuhi syarat desil (sumber: Indeks PKH)"


def test_household_without_decile_is_not_eligible():
    r = pkh(adult(), Member(2, born(3)), decile=None)
    assert not r.eligible
    assert "Belum ada desil" in texts(r)[0]


def test_pkh_family_without_a_component_is_not_eligible():
    r = pkh(adult(), Member(2, born(35)))
    assert not r.eligible
    assert r.amount == 0
    assert any("0 komponen dihitung < 1" in t for t in texts(r))


def test_a_month_that_is_not_a_disbursement_is_refused():
    with pytest.raises(ValueError, match="not a disbursement month"):
        pkh(adult(), period="2021-02")


# --- BPNT / Kartu Sembako ---------------------------------------------------------------------------------
def test_bpnt_2021_pays_200_000_a_month_and_two_extras():
    year = evaluate_year("BPNT", BPNT_2021, family(adult()), 2021)
    assert len(year.disbursements) == 12
    assert all(lines(r)["SEMBAKO"] == (1, 200_000) for r in year.disbursements)
    extras = {r.period: r.amount for r in year.disbursements if r.amount != 200_000}
    assert extras == {"2021-07": 400_000, "2021-08": 400_000}
    assert year.annual == 14 * 200_000


def test_bpnt_from_2022_is_600_000_per_three_months():
    year = evaluate_year("BPNT", BPNT_2022, family(adult()), 2026)
    assert [(r.period, r.amount) for r in year.disbursements] == [
        ("2026-01", 600_000),
        ("2026-04", 600_000),
        ("2026-07", 600_000),
        ("2026-10", 600_000),
    ]
    assert "Rp200.000 x 3 bulan = Rp600.000" in str(year.disbursements[0].reasons[1])


def test_bpnt_is_for_the_family_once_whatever_its_size():
    r = evaluate("BPNT", BPNT_2021, family(*(Member(i, born(10 + i)) for i in range(1, 7))), "2021-03")
    assert r.amount == 200_000


def test_bpnt_ppkm_is_six_months_july_to_december_not_for_bpnt_families():
    year = evaluate_year("BPNT_PPKM", PPKM, family(adult()), 2021)
    assert [r.period for r in year.disbursements] == [f"2021-{m:02d}" for m in range(7, 13)]
    assert year.annual == 6 * 200_000
    excluded = evaluate_year("BPNT_PPKM", PPKM, family(adult(), enrolled=frozenset({"BPNT"})), 2021)
    assert excluded.annual == 0


# --- BST ----------------------------------------------------------------------------------------------------
def test_bst_pays_300_000_a_month_january_to_june():
    year = evaluate_year("BST", BST, family(adult()), 2021)
    assert [(r.period, r.amount) for r in year.disbursements] == [
        (f"2021-{m:02d}", 300_000) for m in range(1, 7)
    ]
    assert year.annual == 1_800_000


@pytest.mark.parametrize("program", ["PKH", "BPNT"])
def test_bst_is_not_for_a_pkh_or_bpnt_family(program):
    r = evaluate("BST", BST, family(adult(), enrolled=frozenset({program})), "2021-01")
    assert not r.eligible
    assert r.amount == 0
    assert any(t.startswith(f"Terdaftar aktif di {program}: tidak memenuhi syarat") for t in texts(r))


def test_bst_for_a_family_enrolled_elsewhere_only():
    r = evaluate("BST", BST, family(adult(), enrolled=frozenset({"PBI"})), "2021-01")
    assert r.eligible
    assert r.amount == 300_000


# --- PBI-JK ---------------------------------------------------------------------------------------------------
def test_pbi_premium_is_42_000_per_person_per_month():
    facts = family(adult(), Member(2, born(38)), Member(3, born(10)), Member(4, born(2), alive=False))
    r = evaluate("PBI", PBI, facts, "2021-05")
    assert lines(r) == {"PREMIUM": (3, 126_000)}
    assert r.amount == 3 * 42_000
    assert evaluate_year("PBI", PBI, facts, 2021).annual == 12 * 3 * 42_000


# --- invariants (hypothesis) ----------------------------------------------------------------------------------
members_st = st.lists(
    st.builds(
        lambda age, pregnant, school, disability, alive: (age, pregnant, school, disability, alive),
        st.integers(min_value=0, max_value=95),
        st.booleans(),
        st.sampled_from(rules.SCHOOL_LEVELS),
        st.sampled_from(rules.DISABILITIES),
        st.booleans(),
    ),
    min_size=0,
    max_size=9,
)


def _facts(
    raw: list[tuple[int, bool, str, str, bool]], decile: int, enrolled: frozenset[str]
) -> HouseholdFacts:
    return family(
        *(
            Member(i + 1, dt.date(2021 - age, 3, 15), pregnant=p, school_level=s, disability=dis, alive=alive)
            for i, (age, p, s, dis, alive) in enumerate(raw)
        ),
        decile=decile,
        enrolled=enrolled,
    )


@settings(max_examples=150, deadline=None)
@given(
    raw=members_st,
    decile=st.integers(min_value=1, max_value=10),
    enrolled=st.frozensets(st.sampled_from(["PKH", "BPNT", "PBI"])),
    program=st.sampled_from(["PKH", "BPNT", "BST", "BPNT_PPKM", "PBI"]),
    cap=st.one_of(st.none(), st.integers(min_value=1, max_value=6)),
)
def test_invariants_amount_is_the_sum_of_components_never_negative_caps_respected(
    raw, decile, enrolled, program, cap
):
    p = {"PKH": PKH, "BPNT": BPNT_2021, "BST": BST, "BPNT_PPKM": PPKM, "PBI": PBI}[program]
    if program == "PKH":
        p = {**p, "family_cap": cap}
    year = evaluate_year(program, p, _facts(raw, decile, enrolled), 2021)
    for r in year.disbursements:
        assert r.amount == sum(c.amount for c in r.components)
        assert r.amount >= 0
        assert all(c.amount > 0 and c.count > 0 for c in r.components)
        assert r.eligible or r.amount == 0
        if decile > 4:
            assert not r.eligible
        if program == "PKH":
            counts = {c.code: c.count for c in r.components}
            assert counts.get("PREGNANT", 0) <= 2
            assert counts.get("EARLY_CHILD", 0) <= 2
            assert counts.get("DISABILITY", 0) <= 1
            assert counts.get("ELDERLY", 0) <= 1
            if cap is not None:
                assert sum(counts.values()) <= cap
            # Each counted component belongs to a different living member.
            assert sum(counts.values()) <= sum(1 for m in raw if m[4])
        if program == "PBI" and r.eligible:
            # Every living member born by the month's first day (_facts: born 15 March).
            first = dt.date(2021, int(r.period[5:]), 1)
            assert r.amount == 42_000 * sum(1 for m in raw if m[4] and dt.date(2021 - m[0], 3, 15) <= first)
