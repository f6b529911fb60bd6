"""Status files: applied row by row, bad rows reported, the same file twice changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from sejahtera.common.errors import DomainError, NotInJurisdiction, PermissionRefused
from sejahtera.common.models import AuditEntry
from sejahtera.payments import services
from sejahtera.payments.models import Payment, PaymentBatch, StatusImport, StatusImportError

from .builders import VILLAGE_B, World, status_file


@pytest.fixture
def sent(central, program_manager, program_checker) -> PaymentBatch:
    """A sent BRI batch of four payments."""
    world = World(central)
    world.families(4, account="BRI", amount=750_000)
    (batch,) = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    services.batch_approve(actor=program_checker, batch=batch)
    services.batch_export(actor=program_manager, batch=batch).close()
    return batch


def _ids(batch: PaymentBatch) -> list[int]:
    return list(Payment.objects.filter(batch=batch).order_by("id").values_list("id", flat=True))


def _state(batch: PaymentBatch) -> list[tuple[int, str, str, dt.date | None]]:
    return list(
        Payment.objects.filter(batch=batch)
        .order_by("id")
        .values_list("id", "status", "reason", "status_date")
    )


def test_importing_a_status_file_twice_changes_nothing(sent, payment_channel):
    a, b, c, _d = _ids(sent)
    data = status_file(
        [
            (a, "PAID", "", "2021-01-20"),
            (b, "FAILED", "rekening tidak aktif", "2021-01-21"),
            (c, "RETURNED", "KPM meninggal", "2021-01-22"),
        ]
    )
    first = services.status_import(actor=payment_channel, batch=sent, file_name="bri-1.csv", data=data)
    assert (first.rows_read, first.paid, first.failed, first.returned, first.unchanged, first.rejected) == (
        3,
        1,
        1,
        1,
        0,
        0,
    )
    state, audit = _state(sent), AuditEntry.objects.count()

    again = services.status_import(actor=payment_channel, batch=sent, file_name="bri-1 (copy).csv", data=data)

    assert again.pk == first.pk and again.duplicate
    assert StatusImport.objects.count() == 1
    assert _state(sent) == state
    assert AuditEntry.objects.count() == audit
    assert state[1][1:] == ("FAILED", "rekening tidak aktif", dt.date(2021, 1, 21))
    assert state[2][1:] == ("RETURNED", "KPM meninggal", dt.date(2021, 1, 22))
    assert state[3][1] == "SENT"
    sent.refresh_from_db()
    assert (sent.paid, sent.paid_amount, sent.failed, sent.returned, sent.returned_amount) == (
        1,
        750_000,
        1,
        1,
        750_000,
    )


def test_a_row_whose_payment_already_has_the_status_is_unchanged(sent, program_manager):
    a, b, *_ = _ids(sent)
    services.status_import(
        actor=program_manager,
        batch=sent,
        file_name="1.csv",
        data=status_file([(a, "PAID", "", "2021-01-20")]),
    )
    second = services.status_import(
        actor=program_manager,
        batch=sent,
        file_name="2.csv",
        data=status_file([(a, "PAID", "", "2021-01-25"), (b, "PAID", "", "2021-01-25")]),
    )
    assert (second.paid, second.unchanged, second.rejected) == (1, 1, 0)
    assert Payment.objects.get(pk=a).status_date == dt.date(2021, 1, 20)  # the first report stands


def test_bad_rows_are_reported_and_valid_rows_applied(sent, program_manager):
    a, b, c, d = _ids(sent)
    data = status_file(
        [
            (a, "PAID", "", "2021-01-20"),
            (b, "FAILED", "", "2021-01-20"),  # no reason
            (c, "LUNAS", "", "2021-01-20"),  # unknown status
            (d, "PAID", "", "20/01/2021"),  # not ISO
            (999999, "PAID", "", "2021-01-20"),  # not in this batch
            ("abc", "PAID", "", "2021-01-20"),
            (a, "FAILED", "dobel", "2021-01-21"),  # the same reference again
            (d, "PAID", "", "2099-01-01"),  # the future (and a duplicate of row 5)
        ]
    )
    imp = services.status_import(actor=program_manager, batch=sent, file_name="campur.csv", data=data)

    assert (imp.rows_read, imp.paid, imp.rejected) == (8, 1, 7)
    errors = {(e.row, e.column, e.code): e for e in StatusImportError.objects.filter(status_import=imp)}
    assert set(errors) >= {
        (3, "reason", "REASON_REQUIRED"),
        (4, "status", "INVALID_STATUS"),
        (5, "date", "INVALID_DATE"),
        (6, "reference", "UNKNOWN_REFERENCE"),
        (7, "reference", "INVALID_REFERENCE"),
        (8, "reference", "DUPLICATE_REFERENCE"),
        (9, "date", "DATE_IN_FUTURE"),
    }
    assert errors[(4, "status", "INVALID_STATUS")].value == "LUNAS"
    assert errors[(5, "date", "INVALID_DATE")].value == "20/01/2021"
    assert "Alasan" in errors[(3, "reason", "REASON_REQUIRED")].message
    assert dict(Payment.objects.filter(batch=sent).values_list("id", "status")) == {
        a: "PAID",
        b: "SENT",
        c: "SENT",
        d: "SENT",
    }


def test_a_file_whose_every_row_is_invalid_changes_nothing(sent, program_manager):
    a, b, *_ = _ids(sent)
    before = _state(sent)
    imp = services.status_import(
        actor=program_manager,
        batch=sent,
        file_name="semua-salah.csv",
        data=status_file([(a, "FAILED", "", "2021-01-20"), (b, "PAID", "", "kemarin")]),
    )
    assert (imp.paid, imp.failed, imp.returned, imp.rejected) == (0, 0, 0, 2)
    assert _state(sent) == before


def test_a_file_without_the_columns_is_refused_whole(sent, program_manager):
    with pytest.raises(DomainError, match="reason"):
        services.status_import(
            actor=program_manager,
            batch=sent,
            file_name="x.csv",
            data=b"reference,status,date\n1,PAID,2021-01-01\n",
        )
    assert not StatusImport.objects.exists()


def test_paid_may_be_returned_later_not_failed(sent, program_manager):
    a, *_ = _ids(sent)
    services.status_import(
        actor=program_manager,
        batch=sent,
        file_name="1.csv",
        data=status_file([(a, "PAID", "", "2021-01-20")]),
    )
    imp = services.status_import(
        actor=program_manager,
        batch=sent,
        file_name="2.csv",
        data=status_file([(a, "FAILED", "salah", "2021-01-21")]),
    )
    err = StatusImportError.objects.get(status_import=imp)
    assert (err.row, err.column, err.code) == (2, "status", "STATUS_NOT_ALLOWED")
    services.status_import(
        actor=program_manager,
        batch=sent,
        file_name="3.csv",
        data=status_file([(a, "RETURNED", "dana ditarik kembali", "2021-02-01")]),
    )
    assert Payment.objects.get(pk=a).status == "RETURNED"


def test_semicolons_and_a_control_line_are_read(sent, program_manager):
    a, b, *_ = _ids(sent)
    data = f"reference;status;reason;date\n{a};PAID;;2021-01-20\n{b};paid;;2021-01-20\nCONTROL;2;\n".encode()
    imp = services.status_import(actor=program_manager, batch=sent, file_name="excel.csv", data=data)
    assert (imp.rows_read, imp.paid, imp.rejected) == (2, 2, 0)


def test_the_batch_closes_when_every_payment_is_final(sent, program_manager):
    ids = _ids(sent)
    services.status_import(
        actor=program_manager,
        batch=sent,
        file_name="1.csv",
        data=status_file([(i, "PAID", "", "2021-01-20") for i in ids[:3]]),
    )
    sent.refresh_from_db()
    assert sent.status == "SENT"
    services.status_import(
        actor=program_manager,
        batch=sent,
        file_name="2.csv",
        data=status_file([(ids[3], "FAILED", "NIK tidak cocok", "2021-01-21")]),
    )
    sent.refresh_from_db()
    assert sent.status == "CLOSED"
    assert AuditEntry.objects.filter(action="payment_batch.close", object_id=str(sent.pk)).count() == 1
    # Funds taken back after the close are still recorded.
    imp = services.status_import(
        actor=program_manager,
        batch=sent,
        file_name="3.csv",
        data=status_file([(ids[0], "RETURNED", "dana ditarik", "2021-02-01")]),
    )
    assert imp.returned == 1


def test_a_channel_imports_for_its_own_batches_only(
    central, program_manager, program_checker, payment_channel
):
    world = World(central)
    world.families(1, VILLAGE_B)
    (pos,) = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    services.batch_approve(actor=program_checker, batch=pos)
    services.batch_export(actor=program_manager, batch=pos).close()
    (pid,) = _ids(pos)
    with pytest.raises(NotInJurisdiction):
        services.status_import(
            actor=payment_channel,
            batch=pos,
            file_name="x.csv",
            data=status_file([(pid, "PAID", "", "2021-01-20")]),
        )
    assert Payment.objects.get(pk=pid).status == "SENT"


def test_roles_without_the_right_cannot_import(sent, auditor, district_a):
    (pid, *_) = _ids(sent)
    for user in (auditor, district_a):
        with pytest.raises(PermissionRefused):
            services.status_import(
                actor=user, batch=sent, file_name="x.csv", data=status_file([(pid, "PAID", "", "2021-01-20")])
            )


def test_statuses_only_for_a_sent_batch(central, program_manager):
    World(central).families(1)
    (draft,) = services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    with pytest.raises(DomainError):
        services.status_import(
            actor=program_manager,
            batch=draft,
            file_name="x.csv",
            data=status_file([(1, "PAID", "", "2021-01-20")]),
        )
