"""Batches: made per channel from the entitlements without a live payment, approved by a second
person, sent as a CSV with a control line; a failed payment re-issued once."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest

from sejahtera.common.errors import (
    MakerCheckerViolation,
    NotInJurisdiction,
    PermissionRefused,
    TransitionNotAllowed,
)
from sejahtera.common.models import AuditEntry
from sejahtera.payments import services
from sejahtera.payments.models import Payment, PaymentBatch
from sejahtera.updates.models import ReleasePerson

from .builders import VILLAGE_A, VILLAGE_B, World, status_file


@pytest.fixture
def world(central):
    return World(central)


def _sent(pm, checker, batch: PaymentBatch) -> bytes:
    services.batch_approve(actor=checker, batch=batch)
    out = services.batch_export(actor=pm, batch=batch)
    data = out.read()
    out.close()
    return data


def test_one_draft_batch_per_channel_with_counts_and_control_total(world, program_manager):
    bri = world.families(2, VILLAGE_A, account="BRI", amount=1_500_000)
    pos = world.families(3, VILLAGE_B, amount=975_000)
    world.families(1, VILLAGE_B, code="BPNT", amount=600_000)  # another program: not in these batches

    batches = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")

    by_channel = {b.channel: b for b in batches}
    assert set(by_channel) == {"BRI", "POS"}
    assert (by_channel["BRI"].payments, by_channel["BRI"].total_amount) == (2, 3_000_000)
    assert (by_channel["POS"].payments, by_channel["POS"].total_amount) == (3, 2_925_000)
    assert all(b.status == "DRAFT" and b.tahap == 1 for b in batches)
    assert sorted(b.number for b in batches) == [1, 2]
    assert set(Payment.objects.filter(batch=by_channel["BRI"]).values_list("entitlement_id", flat=True)) == {
        e.pk for e in bri
    }
    assert Payment.objects.filter(batch=by_channel["POS"]).count() == len(pos)
    # One audit entry per batch, with its counts.
    entries = AuditEntry.objects.filter(action="payment_batch.create")
    assert sorted((e.after or {})["payments"] for e in entries) == [2, 3]


def test_calling_it_twice_creates_nothing_new(world, program_manager):
    world.families(2)
    first = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    again = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    assert len(first) == 1 and again == []
    assert Payment.objects.count() == 2
    # A family entitled later gets a batch of its own.
    world.families(1, VILLAGE_B)
    later = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    assert [(b.number, b.payments) for b in later] == [(2, 1)]


def test_pbi_premiums_go_to_bpjs(world, program_manager):
    world.families(2, account="BNI", code="PBI", amount=84_000)
    (batch,) = services.batches_create(actor=program_manager, program_code="PBI", period="2021-01")
    assert (batch.channel, batch.payments, batch.total_amount) == ("BPJS", 2, 168_000)
    assert set(Payment.objects.filter(batch=batch).values_list("account_number", flat=True)) == {""}


def test_only_a_program_manager_makes_batches(world, central, payment_channel):
    world.families(1)
    for user in (central, payment_channel):
        with pytest.raises(PermissionRefused):
            services.batches_create(actor=user, program_code="PKH", period="2021-01")
    assert not PaymentBatch.objects.exists()


def test_the_maker_cannot_approve_another_manager_can(world, program_manager, program_checker):
    world.families(1)
    (batch,) = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    with pytest.raises(MakerCheckerViolation):
        services.batch_approve(actor=program_manager, batch=batch)
    batch.refresh_from_db()
    assert batch.status == "DRAFT" and batch.approved_by is None

    services.batch_approve(actor=program_checker, batch=batch)
    batch.refresh_from_db()
    assert (batch.status, batch.approved_by) == ("APPROVED", program_checker)
    with pytest.raises(TransitionNotAllowed):
        services.batch_approve(actor=program_checker, batch=batch)


def test_a_draft_is_not_exported(world, program_manager):
    world.families(1)
    (batch,) = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    with pytest.raises(TransitionNotAllowed):
        services.batch_export(actor=program_manager, batch=batch)


def test_the_file_has_one_line_per_payment_and_a_control_line(world, program_manager, program_checker):
    world.families(3, VILLAGE_A, account="BRI", amount=1_125_000)
    (batch,) = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    data = _sent(program_manager, program_checker, batch)

    lines = list(csv.reader(io.StringIO(data.decode())))
    header, body, control = lines[0], lines[1:-1], lines[-1]
    assert header == list(services.EXPORT_HEADER)
    assert len(body) == 3
    assert control == ["CONTROL", "3", str(3 * 1_125_000)]
    assert sum(int(r[-1]) for r in body) == int(control[2])
    row = dict(zip(header, body[0], strict=True))
    payment = Payment.objects.get(pk=int(row["reference"]))
    assert row["batch"] == str(batch.number) and row["program"] == "PKH" and row["period"] == "2021-01"
    assert row["kk_number"] == payment.kk_number and len(row["kk_number"]) == 16
    assert row["recipient_name"].startswith("IBU ")  # the head, not the child listed first
    assert len(row["recipient_nik"]) == 16 and row["account_number"].startswith("00")
    assert row["village_code"] == VILLAGE_A

    batch.refresh_from_db()
    assert batch.status == "SENT" and batch.file_sha256 == hashlib.sha256(data).hexdigest()
    assert set(Payment.objects.filter(batch=batch).values_list("status", flat=True)) == {"SENT"}
    # Downloading again gives the same bytes, even after statuses came back.
    services.status_import(
        actor=program_manager,
        batch=batch,
        file_name="s.csv",
        data=status_file([(payment.pk, "PAID", "", "2021-01-20")]),
    )
    again = services.batch_export(actor=program_manager, batch=batch)
    assert again.read() == data
    again.close()


def test_cash_lines_carry_no_account(world, program_manager, program_checker):
    world.families(1, VILLAGE_B)
    (batch,) = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    lines = list(csv.reader(io.StringIO(_sent(program_manager, program_checker, batch).decode())))
    row = dict(zip(lines[0], lines[1], strict=True))
    assert row["channel"] == "POS" and row["account_number"] == ""


def test_the_channel_gets_its_own_file_only(world, program_manager, program_checker, payment_channel):
    world.families(1, account="BRI")
    world.families(1, VILLAGE_B)
    batches = {
        b.channel: b
        for b in services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    }
    for b in batches.values():
        services.batch_approve(actor=program_checker, batch=b)
    out = services.batch_export(actor=payment_channel, batch=batches["BRI"])
    assert out.rows == 1
    out.close()
    with pytest.raises(NotInJurisdiction):
        services.batch_export(actor=payment_channel, batch=batches["POS"])


def test_a_cancelled_batch_frees_its_entitlements(world, program_manager):
    world.families(2)
    (batch,) = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    services.batch_cancel(actor=program_manager, batch=batch, reason="salah periode")
    assert set(Payment.objects.filter(batch=batch).values_list("status", flat=True)) == {"CANCELLED"}
    (again,) = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    assert again.payments == 2 and again.reissues == 0


# --- re-issue -----------------------------------------------------------------------------------------
def test_a_failed_payment_is_reissued_once_in_the_next_batch(world, program_manager, program_checker):
    ents = world.families(3, VILLAGE_A, amount=900_000)
    (first,) = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    _sent(program_manager, program_checker, first)
    p1, p2, p3 = Payment.objects.filter(batch=first).order_by("id")
    services.status_import(
        actor=program_manager,
        batch=first,
        file_name="status-1.csv",
        data=status_file(
            [
                (p1.pk, "PAID", "", "2021-01-20"),
                (p2.pk, "FAILED", "rekening tidak aktif", "2021-01-21"),
                (p3.pk, "RETURNED", "penerima pindah", "2021-01-22"),
            ]
        ),
    )

    (second,) = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    assert (second.payments, second.reissues, second.total_amount) == (2, 2, 1_800_000)
    reissued = {p.reissue_of_id: p for p in Payment.objects.filter(batch=second)}
    assert set(reissued) == {p2.pk, p3.pk}
    assert {p.entitlement_id for p in reissued.values()} == {ents[1].pk, ents[2].pk}
    # Never twice: a second call creates nothing.
    assert services.batches_create(actor=program_manager, program_code="PKH", period="2021-01") == []

    # The re-issue fails again: it is not re-issued a third time, it stays outstanding.
    _sent(program_manager, program_checker, second)
    services.status_import(
        actor=program_manager,
        batch=second,
        file_name="status-2.csv",
        data=status_file([(p.pk, "FAILED", "rekening ditutup", "2021-02-03") for p in reissued.values()]),
    )
    assert services.batches_create(actor=program_manager, program_code="PKH", period="2021-01") == []
    assert Payment.objects.filter(entitlement=ents[1]).count() == 2


def test_without_a_head_in_the_release_the_first_member_is_the_recipient(world, program_manager):
    ent = world.entitlement(world.family(headless=True))
    (batch,) = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    payment = Payment.objects.get(batch=batch)
    first = ReleasePerson.objects.filter(household_id=ent.household_id).order_by("person_id").first()
    assert first is not None
    assert (payment.recipient_name, payment.recipient_nik) == (first.full_name, first.nik)
    assert payment.kk_number == ent.household.kk_number
