"""Payment batches: made per program, period (tahap) and channel from the entitlements that have no
live payment, approved by a second person, sent to the channel as a CSV file with a control line,
cancelled while not yet sent.

Each operation is one transaction and one audit entry per batch (with its counts), never one per
payment: the payments move with set-based SQL."""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.common.audit import PendingEntry, audit_record, audit_record_many
from sejahtera.common.errors import DomainError, MakerCheckerViolation, NotInJurisdiction
from sejahtera.common.states import ensure_transition
from sejahtera.common.views import spreadsheet_safe
from sejahtera.programs.models import Entitlement, Program, ProgramRun
from sejahtera.registry.models import Household
from sejahtera.updates.models import ReleaseHousehold, ReleasePerson

from ..models import Channel, Payment, PaymentAccount, PaymentBatch
from ._base import (
    BANKS,
    LIVE,
    PREMIUM_PROGRAMS,
    REISSUABLE,
    ensure_gets_file,
    in_list,
    lock_batches,
    period_check,
    table,
)

B = PaymentBatch.Status
P = Payment.Status


def _batch_locked(batch: PaymentBatch | int) -> PaymentBatch:
    batch_id = batch.pk if isinstance(batch, PaymentBatch) else batch
    found = PaymentBatch.objects.select_for_update().select_related("program").filter(pk=batch_id).first()
    if found is None:
        raise NotInJurisdiction(_("Batch tidak ditemukan."))
    return found


def _move(batch: PaymentBatch, to: str) -> str:
    ensure_transition(
        entity=_("Batch pembayaran"),
        table=PaymentBatch.TRANSITIONS,
        current=batch.status,
        requested=to,
        choices=B,
    )
    before = batch.status
    batch.status = to
    return before


def _summary(batch: PaymentBatch) -> dict[str, Any]:
    return {
        "number": batch.number,
        "program": batch.program.code,
        "period": batch.period,
        "tahap": batch.tahap,
        "channel": batch.channel,
        "status": batch.status,
        "payments": batch.payments,
        "total_amount": batch.total_amount,
        "reissues": batch.reissues,
    }


# --- create -------------------------------------------------------------------------------------------
def _candidates(*, program_id: int, period: str, premium: bool) -> tuple[str, str, list[Any]]:
    """The entitlements of a program and period that need a payment, as (channel expression, FROM …
    WHERE … with a {joins} slot, params). An entitlement needs one when none of its payments is live
    (PENDING, SENT, PAID) or a re-issue not cancelled. Its payment is then a first payment, or —
    when it has a FAILED/RETURNED payment that is not itself a re-issue (`f`) — the one re-issue of
    that payment. A failed re-issue is never re-issued again: the entitlement stays outstanding.
    Both lookups are restricted to the payments of this program's and period's batches."""
    channel = f"'{Channel.BPJS}'" if premium else f"COALESCE(a.channel, '{Channel.POS}')"
    pay, batch = table(Payment), table(PaymentBatch)
    ours = f"IN (SELECT b.id FROM {batch} b WHERE b.program_id = %s AND b.period = %s)"
    account = "" if premium else f"LEFT JOIN {table(PaymentAccount)} a ON a.household_id = e.household_id"
    sql = f"""
        FROM {table(Entitlement)} e
        {account}
        LEFT JOIN {pay} f ON f.entitlement_id = e.id AND f.batch_id {ours}
            AND f.status IN {in_list(REISSUABLE)} AND f.reissue_of_id IS NULL
        {{joins}}
        WHERE e.program_id = %s AND e.period = %s
          AND NOT EXISTS (
            SELECT 1 FROM {pay} p
            WHERE p.entitlement_id = e.id AND p.batch_id {ours}
              AND (p.status IN {in_list(LIVE)} OR (p.reissue_of_id IS NOT NULL AND p.status <> '{P.CANCELLED}'))
          )
    """
    return channel, sql, [program_id, period] * 3


@dataclass(frozen=True)
class _Group:
    channel: str
    tahap: int
    payments: int
    total: int
    reissues: int


def _groups(*, program_id: int, period: str, premium: bool) -> list[_Group]:
    channel, body, params = _candidates(program_id=program_id, period=period, premium=premium)
    sql = (
        f"SELECT {channel}, e.tahap, COUNT(*), SUM(e.amount), COUNT(f.id) "
        f"{body.format(joins='')} GROUP BY 1, 2 ORDER BY 1, 2"
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [_Group(str(c), int(t), int(n), int(s), int(r)) for c, t, n, s, r in cur.fetchall()]


def _insert_payments(
    *, program_id: int, period: str, premium: bool, batch_of: dict[tuple[str, int], int]
) -> int:
    """One INSERT … SELECT: every candidate into its channel's batch, with what the channel is told —
    the KK and the head of the family from the release the entitlement was decided on (the first
    member when the release names no head), the account for a bank — each batch's payments in
    entitlement order, one batch after the other (so a batch is read back in few pages)."""
    channel, body, params = _candidates(program_id=program_id, period=period, premium=premium)
    cases = " ".join(
        f"WHEN {channel} = '{c}' AND e.tahap = {t} THEN {bid}" for (c, t), bid in batch_of.items()
    )
    account = (
        "''"
        if premium
        else f"CASE WHEN {channel} IN {in_list(BANKS)} THEN COALESCE(a.account_number, '') ELSE '' END"
    )
    rh, rp, hh, run = table(ReleaseHousehold), table(ReleasePerson), table(Household), table(ProgramRun)
    # The heads, found with one grouped pass over the releases of this program's runs (not a lookup
    # per family); a family whose release lists no head falls back to its first member.
    joins = f"""
        LEFT JOIN {rh} rh ON rh.release_id = e.release_id AND rh.household_id = e.household_id
        LEFT JOIN {hh} h ON h.id = e.household_id
        LEFT JOIN (
            SELECT r.release_id, r.household_id, MIN(r.person_id) AS person_id
            FROM {rp} r
            WHERE r.relationship = 'HEAD' AND r.release_id IN (
                SELECT run.release_id FROM {run} run WHERE run.program_id = %s AND run.period = %s
            )
            GROUP BY r.release_id, r.household_id
        ) hd ON hd.release_id = e.release_id AND hd.household_id = e.household_id
        LEFT JOIN {rp} rp ON rp.release_id = hd.release_id AND rp.person_id = hd.person_id
    """
    first = (
        f"(SELECT r.{{col}} FROM {rp} r WHERE r.release_id = e.release_id AND r.household_id = e.household_id "
        f"ORDER BY r.person_id LIMIT 1)"
    )
    sql = f"""
        INSERT INTO {table(Payment)} (
            batch_id, entitlement_id, household_id, amount, status, reason, reissue_of_id,
            kk_number, recipient_name, recipient_nik, account_number,
            village_code, district_code, regency_code, province_code
        )
        SELECT CASE {cases} END AS batch, e.id, e.household_id, e.amount, '{P.PENDING}', '', f.id,
               COALESCE(rh.kk_number, h.kk_number, ''),
               COALESCE(rp.full_name, {first.format(col="full_name")}, ''),
               COALESCE(rp.nik, {first.format(col="nik")}, ''),
               {account},
               e.village_code, e.district_code, e.regency_code, e.province_code
        {body.format(joins=joins)}
        ORDER BY 1, e.id
    """
    # The params: the f join's (2), the heads' (2), the WHERE's and NOT EXISTS's (4).
    params = [*params[:2], program_id, period, *params[2:]]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        inserted = int(cur.rowcount)
        if connection.vendor == "postgresql":
            # The next statements (status imports, the next batches_create) plan with fresh counts.
            cur.execute(f"ANALYZE {table(Payment)}")
        return inserted


def _bulk_settings() -> None:
    """PostgreSQL: room for the hash joins and the sort of one statement over 10^6 entitlements, and
    no JIT (compiling these plans costs seconds and gains nothing here)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL work_mem = '256MB'")
            cur.execute("SET LOCAL jit = off")


def batches_check(*, actor: User, program_code: str, period: str) -> tuple[Program, str]:
    """What batches_create checks before it starts (the page checks it before queueing the job)."""
    ensure_can(actor, Action.PAYMENT_MANAGE)
    period = period_check(period)
    program = Program.objects.filter(code=(program_code or "").strip().upper()).first()
    if program is None:
        raise DomainError(_("Program %(code)s tidak dikenal.") % {"code": program_code})
    return program, period


@transaction.atomic
def batches_create(*, actor: User, program_code: str, period: str) -> list[PaymentBatch]:
    """One DRAFT batch per channel (and tahap) for the entitlements of a program and period that need
    a payment: a first payment, or the one re-issue of a failed or returned one. Calling it again
    creates nothing new."""
    program, period = batches_check(actor=actor, program_code=program_code, period=period)
    premium = program.code in PREMIUM_PROGRAMS
    lock_batches()
    _bulk_settings()
    groups = _groups(program_id=program.pk, period=period, premium=premium)
    if not groups:
        return []
    number = (PaymentBatch.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    batches = []
    for g in groups:
        batch = PaymentBatch.objects.create(
            number=number,
            program=program,
            period=period,
            tahap=g.tahap,
            channel=g.channel,
            payments=g.payments,
            total_amount=g.total,
            reissues=g.reissues,
            created_by=actor,
        )
        batches.append(batch)
        number += 1
    inserted = _insert_payments(
        program_id=program.pk,
        period=period,
        premium=premium,
        batch_of={(b.channel, b.tahap): b.pk for b in batches},
    )
    expected = sum(g.payments for g in groups)
    if inserted != expected:  # the candidates changed between the two statements: start again
        raise DomainError(_("Data hak berubah selama pembuatan batch; ulangi."))
    audit_record_many(
        actor=actor,
        entries=[
            PendingEntry(
                action="payment_batch.create",
                object_type="payment_batch",
                object_id=b.pk,
                after=_summary(b),
            )
            for b in batches
        ],
    )
    return batches


# --- approve, cancel -----------------------------------------------------------------------------------
@transaction.atomic
def batch_approve(*, actor: User, batch: PaymentBatch | int) -> PaymentBatch:
    """The second person's approval: whoever made the batch cannot approve it."""
    ensure_can(actor, Action.PAYMENT_MANAGE)
    b = _batch_locked(batch)
    if b.created_by_id == actor.pk:
        raise MakerCheckerViolation(_("Batch harus disetujui oleh orang lain selain pembuatnya."))
    before = _move(b, B.APPROVED)
    b.approved_by = actor
    b.approved_at = timezone.now()
    b.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        actor=actor,
        action="payment_batch.approve",
        object_type="payment_batch",
        object_id=b.pk,
        before={"status": before},
        after={"status": b.status, "payments": b.payments, "total_amount": b.total_amount},
    )
    return b


@transaction.atomic
def batch_cancel(*, actor: User, batch: PaymentBatch | int, reason: str) -> PaymentBatch:
    """Drop a batch not yet sent; its entitlements go into the next batches_create."""
    ensure_can(actor, Action.PAYMENT_MANAGE)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Alasan pembatalan wajib diisi."))
    b = _batch_locked(batch)
    before = _move(b, B.CANCELLED)
    b.note = reason
    b.save(update_fields=["status", "note"])
    cancelled = Payment.objects.filter(batch=b, status=P.PENDING).update(status=P.CANCELLED)
    audit_record(
        actor=actor,
        action="payment_batch.cancel",
        object_type="payment_batch",
        object_id=b.pk,
        before={"status": before},
        after={"status": b.status, "payments_cancelled": cancelled},
        reason=reason,
    )
    return b


# --- the file for the channel -------------------------------------------------------------------------
EXPORT_HEADER = (
    "reference",
    "batch",
    "program",
    "period",
    "tahap",
    "channel",
    "kk_number",
    "recipient_name",
    "recipient_nik",
    "village_code",
    "account_number",
    "amount",
)
CONTROL = "CONTROL"
_EXPORT_FIELDS = (
    "id",
    "kk_number",
    "recipient_name",
    "recipient_nik",
    "village_code",
    "account_number",
    "amount",
)
CHUNK_ROWS = 5000


@dataclass
class BatchFile:
    """A batch's CSV in a temporary file (read from the start; the caller closes it)."""

    name: str
    sha256: str
    size: int
    rows: int
    total: int
    fh: IO[bytes] = field(repr=False)

    def read(self) -> bytes:
        self.fh.seek(0)
        data = self.fh.read()
        self.fh.seek(0)
        return data

    def close(self) -> None:
        self.fh.close()


def file_name(batch: PaymentBatch) -> str:
    return f"pembayaran-{batch.program.code}-{batch.period}-{batch.channel}-batch{batch.number:06d}.csv"


def _rows(batch_id: int) -> Iterator[tuple[Any, ...]]:
    """The batch's payments in key order, a key range at a time (memory stays flat)."""
    last = 0
    while True:
        chunk = list(
            Payment.objects.filter(batch_id=batch_id, id__gt=last)
            .order_by("id")
            .values_list(*_EXPORT_FIELDS)[:CHUNK_ROWS]
        )
        if not chunk:
            return
        yield from chunk
        last = chunk[-1][0]


def _write(batch: PaymentBatch) -> BatchFile:
    """The file, written once to disk while its SHA-256 is computed. Every value comes from the
    payment rows as the batch made them, so the same batch always gives the same bytes."""
    fh = tempfile.TemporaryFile()  # noqa: SIM115 (BatchFile.close closes it)
    digest = hashlib.sha256()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    size = rows = total = 0

    def flush() -> None:
        nonlocal size
        data = buf.getvalue().encode("utf-8")
        buf.seek(0)
        buf.truncate()
        digest.update(data)
        fh.write(data)
        size += len(data)

    writer.writerow(EXPORT_HEADER)
    fixed = (batch.number, batch.program.code, batch.period, batch.tahap, batch.channel)
    for pid, kk, name, nik, village, account, amount in _rows(batch.pk):
        writer.writerow((pid, *fixed, kk, spreadsheet_safe(name), nik, village, account, amount))
        rows += 1
        total += amount
        if rows % CHUNK_ROWS == 0:
            flush()
    writer.writerow((CONTROL, rows, total))
    flush()
    fh.seek(0)
    if rows != batch.payments or total != batch.total_amount:
        fh.close()
        raise DomainError(
            _("Isi batch tidak cocok dengan total kontrolnya (%(rows)d baris, Rp%(total)d).")
            % {"rows": rows, "total": total}
        )
    return BatchFile(
        name=file_name(batch), sha256=digest.hexdigest(), size=size, rows=rows, total=total, fh=fh
    )


@transaction.atomic
def batch_export(*, actor: User, batch: PaymentBatch | int) -> BatchFile:
    """The channel's file. The first export of an approved batch sends it (APPROVED → SENT, its
    payments PENDING → SENT) and records the file's SHA-256; later downloads regenerate the same
    bytes (checked against that SHA-256)."""
    b = _batch_locked(batch)
    ensure_gets_file(actor, b)
    if b.status in (B.SENT, B.CLOSED):
        out = _write(b)
        if out.sha256 != b.file_sha256:
            out.close()
            raise DomainError(_("Berkas batch tidak lagi sama dengan yang dikirim (SHA-256 berbeda)."))
        return out
    before = _move(b, B.SENT)
    sent = Payment.objects.filter(batch=b, status=P.PENDING).update(status=P.SENT)
    out = _write(b)
    b.file_sha256 = out.sha256
    b.exported_at = timezone.now()
    b.save(update_fields=["status", "file_sha256", "exported_at"])
    audit_record(
        actor=actor,
        action="payment_batch.send",
        object_type="payment_batch",
        object_id=b.pk,
        before={"status": before},
        after={"status": b.status, "payments": sent, "total_amount": out.total, "sha256": out.sha256},
    )
    return out
