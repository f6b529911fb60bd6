"""Reconciliation per region and realisation per week, scoped to the reader's jurisdiction."""

from __future__ import annotations

import pytest

from sejahtera.common.errors import PermissionRefused
from sejahtera.payments import selectors, services
from sejahtera.payments.models import Payment

from .builders import VILLAGE_A, VILLAGE_A2, VILLAGE_B, World, status_file


@pytest.fixture
def paid_world(central, program_manager, program_checker):
    """PKH 2021-01: three families in 3204 (two in Cileunyi, one in Majalaya), two in 3273.
    Statuses: Cileunyi one paid (2021-01-20) one failed; Majalaya paid (2021-01-27); 3273 one
    returned, one awaiting. A sixth family entitled after the batch was made is planned only."""
    world = World(central)
    ents = [
        *world.families(2, VILLAGE_A, amount=1_000_000),
        *world.families(1, VILLAGE_A2, amount=600_000),
        *world.families(2, VILLAGE_B, amount=500_000),
    ]
    (batch,) = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    services.batch_approve(actor=program_checker, batch=batch)
    services.batch_export(actor=program_manager, batch=batch).close()
    pay = {p.entitlement_id: p.pk for p in Payment.objects.filter(batch=batch)}
    services.status_import(
        actor=program_manager,
        batch=batch,
        file_name="s.csv",
        data=status_file(
            [
                (pay[ents[0].pk], "PAID", "", "2021-01-20"),
                (pay[ents[1].pk], "FAILED", "rekening tidak aktif", "2021-01-21"),
                (pay[ents[2].pk], "PAID", "", "2021-01-27"),
                (pay[ents[3].pk], "RETURNED", "pindah", "2021-01-22"),
            ]
        ),
    )
    world.families(1, VILLAGE_B, amount=500_000)
    return world


def _pairs(amounts):
    return (amounts.count, amounts.amount)


def test_reconciliation_per_regency(paid_world, central):
    rec = selectors.reconciliation(user=central, program_code="PKH", period="2021-01", region="32")
    rows = {r.code: r for r in rec.rows}
    assert set(rows) == {"3204", "3273"}
    a, b = rows["3204"], rows["3273"]
    assert a.name and _pairs(a.planned) == (3, 2_600_000)
    assert _pairs(a.sent) == (3, 2_600_000)
    assert _pairs(a.paid) == (2, 1_600_000)
    assert _pairs(a.failed) == (1, 1_000_000)
    assert _pairs(a.outstanding) == (1, 1_000_000)
    assert _pairs(b.planned) == (3, 1_500_000)
    assert _pairs(b.sent) == (2, 1_000_000)
    assert _pairs(b.returned) == (1, 500_000) and _pairs(b.awaiting) == (1, 500_000)
    assert _pairs(b.paid) == (0, 0) and _pairs(b.outstanding) == (3, 1_500_000)
    assert _pairs(rec.total.planned) == (6, 4_100_000) and _pairs(rec.total.paid) == (2, 1_600_000)


def test_drill_down_to_districts(paid_world, central):
    rec = selectors.reconciliation(user=central, program_code="PKH", period="2021-01", region="3204")
    assert {r.code: _pairs(r.paid) for r in rec.rows} == {"320405": (1, 1_000_000), "320433": (1, 600_000)}


def test_a_district_officer_sees_its_regency_only(paid_world, district_a, district_b):
    rec = selectors.reconciliation(user=district_a, program_code="PKH", period="2021-01")
    assert [r.code for r in rec.rows] == ["320405", "320433"]
    assert _pairs(rec.total.planned) == (3, 2_600_000)
    other = selectors.reconciliation(user=district_b, program_code="PKH", period="2021-01", region="")
    assert _pairs(other.total.planned) == (3, 1_500_000)


def test_the_channel_does_not_read_reconciliation(paid_world, payment_channel):
    with pytest.raises(PermissionRefused):
        selectors.reconciliation(user=payment_channel, program_code="PKH", period="2021-01")


def test_a_reissue_paid_moves_outstanding_and_counts_as_sent(
    paid_world, central, program_manager, program_checker
):
    (again,) = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    # The failed and the returned payment are re-issued; the sixth family is new.
    assert (again.payments, again.reissues) == (3, 2)
    services.batch_approve(actor=program_checker, batch=again)
    services.batch_export(actor=program_manager, batch=again).close()
    rows = [(p.pk, "PAID", "", "2021-02-03") for p in Payment.objects.filter(batch=again)]
    services.status_import(actor=program_manager, batch=again, file_name="2.csv", data=status_file(rows))
    rec = selectors.reconciliation(user=central, program_code="PKH", period="2021-01", region="32")
    a = {r.code: r for r in rec.rows}["3204"]
    assert _pairs(a.paid) == (3, 2_600_000) and _pairs(a.outstanding) == (0, 0)
    assert _pairs(a.failed) == (1, 1_000_000) and _pairs(a.sent) == (4, 3_600_000)


def test_realisation_per_week(paid_world, central):
    real = selectors.realisation(user=central, program_code="PKH", year=2021)
    assert real.planned == 4_100_000 and real.paid == 1_600_000
    assert [(w.week, w.count, w.amount, w.cumulative) for w in real.weeks] == [
        ("2021-W03", 1, 1_000_000, 1_000_000),
        ("2021-W04", 1, 600_000, 1_600_000),
    ]
    assert real.weeks[0].percent == "24.4" and real.weeks[-1].percent == "39.0"
    assert real.weeks[-1].bar == 39
    assert [(r.code, r.planned, r.paid) for r in real.regions] == [("32", 4_100_000, 1_600_000)]


def test_realisation_in_a_regency(paid_world, district_b):
    real = selectors.realisation(user=district_b, program_code="PKH", year=2021)
    assert (real.planned, real.paid, real.weeks) == (1_500_000, 0, [])
    assert selectors.realisation(user=district_b, program_code="PKH", year=2022).planned == 0
