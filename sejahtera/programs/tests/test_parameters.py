"""Parameter sets: the seeded programs and rows (data migration 0002), the set in force on a date, the
schedule of a year, and the check of a parameter document."""

from __future__ import annotations

import copy
import datetime as dt
import importlib

import pytest

from sejahtera.programs.models import Program, ProgramParameter
from sejahtera.programs.parameters import (
    InvalidParams,
    NoParameter,
    disbursements_in_force,
    parameter_for,
    parameters_in_year,
    schedule,
    short_source,
    validate_params,
)

SEED = importlib.import_module("sejahtera.programs.migrations.0002_seed_programs")
PKH = SEED.PKH

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seeded():
    """The seeded rows, also after a transactional test flushed the tables."""
    from django.apps import apps

    if not Program.objects.filter(code="PKH").exists():
        SEED.seed(apps, None)


def test_the_five_programs_are_seeded_with_their_units():
    assert dict(Program.objects.values_list("code", "unit")) == {
        "PKH": "FAMILY",
        "BPNT": "FAMILY",
        "BPNT_PPKM": "FAMILY",
        "BST": "FAMILY",
        "PBI": "PERSON",
    }


def test_every_seeded_parameter_row_keeps_the_contract_and_cites_a_source():
    rows = list(ProgramParameter.objects.select_related("program"))
    assert len(rows) == 6
    for row in rows:
        validate_params(row.params)
        assert row.params["max_decile"] == 4
        assert short_source(row.legal_source), row
    unconfirmed = {(r.program.code, r.valid_from.year) for r in rows if "[?]" in r.legal_source}
    # PKH (family cap, elderly age), BPNT 2021 (months of the extras), BPNT 2022+, BPNT PPKM (months).
    assert unconfirmed == {("PKH", 2021), ("BPNT", 2021), ("BPNT", 2022), ("BPNT_PPKM", 2021)}


def test_pkh_amounts_are_those_of_the_domain_table():
    row = parameter_for("PKH", dt.date(2025, 7, 1))
    amounts = {c["code"]: (c["amount"], c.get("max_count")) for c in row.params["components"]}
    assert amounts == {
        "PREGNANT": (750_000, 2),
        "EARLY_CHILD": (750_000, 2),
        "SD": (225_000, None),
        "SMP": (375_000, None),
        "SMA": (500_000, None),
        "DISABILITY": (600_000, 1),
        "ELDERLY": (600_000, 1),
    }
    assert row.params["family_cap"] == 4
    assert "Kepdirjen Linjamsos" in row.legal_source


def test_parameter_in_force_follows_the_dates():
    assert parameter_for("BPNT", dt.date(2021, 12, 1)).valid_from == dt.date(2021, 1, 1)
    assert parameter_for("BPNT", dt.date(2026, 4, 1)).valid_from == dt.date(2022, 1, 1)
    assert parameter_for("PBI", dt.date(2020, 1, 1)).params["components"][0]["amount"] == 42_000
    with pytest.raises(NoParameter, match="BST"):
        parameter_for("BST", dt.date(2021, 7, 1))
    with pytest.raises(NoParameter, match="PKH"):
        parameter_for("PKH", dt.date(2020, 12, 31))
    with pytest.raises(NoParameter, match="XYZ"):
        parameter_for("XYZ", dt.date(2021, 1, 1))


def test_a_new_row_replaces_the_old_from_its_date():
    pkh = Program.objects.get(code="PKH")
    params = copy.deepcopy(PKH)
    params["components"][2]["amount"] = 250_000
    ProgramParameter.objects.create(
        program=pkh, valid_from=dt.date(2027, 4, 1), params=params, legal_source="X"
    )
    old = parameter_for("PKH", dt.date(2027, 1, 1))
    new = parameter_for("PKH", dt.date(2027, 4, 1))
    assert new.params["components"][2]["amount"] == 250_000
    assert [d.period for d in disbursements_in_force(old, 2027)] == ["2027-01"]
    assert [d.period for d in disbursements_in_force(new, 2027)] == ["2027-04", "2027-07", "2027-10"]
    assert [r.valid_from.year for r in parameters_in_year("PKH", 2027)] == [2021, 2027]


def test_schedule_of_a_year():
    assert schedule(PKH, 2021) == [(1, "2021-01", 3), (2, "2021-04", 3), (3, "2021-07", 3), (4, "2021-10", 3)]
    bst = parameter_for("BST", dt.date(2021, 1, 1))
    assert [d.period for d in disbursements_in_force(bst, 2021)] == [f"2021-{m:02d}" for m in range(1, 7)]
    assert disbursements_in_force(bst, 2022) == []


# --- validation ----------------------------------------------------------------------------------------
def _broken(**changes: object) -> dict:
    doc = copy.deepcopy(PKH)
    for key, value in changes.items():
        if value is ...:
            del doc[key]
        else:
            doc[key] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_broken(max_decile=11), "max_decile: harus bilangan bulat 1..10"),
        (_broken(max_decile="4"), "max_decile: harus bilangan bulat 1..10"),
        (_broken(unit="HOUSE"), "unit: harus FAMILY atau PERSON"),
        (_broken(components=...), "components: wajib ada"),
        (_broken(max_decil=4), "max_decil: kunci tidak dikenal"),
        (_broken(family_cap=0), "family_cap: harus bilangan bulat ≥ 1"),
        (_broken(elderly_min_age=...), "elderly_min_age: wajib ada untuk aturan komponen yang dipakai"),
        (_broken(school_min_age=22), "school_min_age: lebih besar dari school_max_age"),
        (_broken(exclude_programs="PKH"), "exclude_programs: harus daftar kode program"),
        (
            _broken(
                disbursements=[{"tahap": 1, "month": 1, "months": 3}, {"tahap": 2, "month": 2, "months": 3}]
            ),
            "disbursements[1].month: tumpang tindih",
        ),
        (_broken(disbursements=[{"tahap": 2, "month": 1, "months": 3}]), "disbursements[0].tahap: harus 1"),
        (
            _broken(disbursements=[{"tahap": 1, "month": 11, "months": 3}]),
            "disbursements[0].months: melewati akhir tahun",
        ),
        (_broken(disbursements=[]), "disbursements: harus daftar yang tidak kosong"),
        (
            _broken(extras=[{"month": 2, "code": "X", "label": "x", "amount": 1}]),
            "extras[0].month: bukan bulan penyaluran",
        ),
        (
            _broken(extras=[{"month": 1, "code": "SD", "label": "x", "amount": 1}]),
            "extras[0].code: kode SD ganda",
        ),
    ],
)
def test_validate_params_names_the_key_and_the_reason(doc, message):
    with pytest.raises(InvalidParams) as exc:
        validate_params(doc)
    assert any(e.startswith(message) for e in exc.value.errors), exc.value.errors


@pytest.mark.parametrize(
    ("index", "field", "value", "message"),
    [
        (2, "amount", 225_000.5, "components[2].amount: harus bilangan bulat ≥ 1"),
        (2, "amount", 0, "components[2].amount: harus bilangan bulat ≥ 1"),
        (2, "rule", "SCHOOL_PT", "components[2].rule: harus salah satu dari"),
        (2, "per", "year", "components[2].per: harus tahap atau month"),
        (2, "code", "PREGNANT", "components[2].code: kode PREGNANT ganda"),
        (2, "code", "sd", "components[2].code: harus huruf besar"),
        (0, "max_count", 0, "components[0].max_count: harus bilangan bulat ≥ 1"),
        (0, "colour", "red", "components[0].colour: kunci tidak dikenal"),
    ],
)
def test_validate_params_names_the_component_field(index, field, value, message):
    doc = copy.deepcopy(PKH)
    doc["components"][index][field] = value
    with pytest.raises(InvalidParams) as exc:
        validate_params(doc)
    assert any(e.startswith(message) for e in exc.value.errors), exc.value.errors


def test_validate_params_refuses_member_and_flat_rules_together():
    doc = copy.deepcopy(PKH)
    doc["components"].append(
        {"code": "TETAP", "label": "Bantuan tetap", "rule": "FAMILY", "per": "tahap", "amount": 1}
    )
    with pytest.raises(InvalidParams, match="tidak boleh dicampur"):
        validate_params(doc)


def test_validate_params_reports_every_error_at_once():
    with pytest.raises(InvalidParams) as exc:
        validate_params(_broken(max_decile=0, unit="X", min_components=-1))
    assert len(exc.value.errors) == 3


def test_validate_params_refuses_what_is_not_an_object():
    with pytest.raises(InvalidParams, match="params: harus objek JSON"):
        validate_params([1, 2])
