"""Status files from a channel (paid, failed, returned with a reason), imported back idempotently.

The same file (by SHA-256) is taken once: sending it again returns the earlier import and changes
nothing. Each row is checked on its own; valid rows are applied, invalid ones are reported with the
row, column, code, reason and value, and a row is never half-applied. The rows go into a staging
table, are judged with read-only joins and applied with one UPDATE … FROM; a row whose payment
already has the status it reports changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sejahtera.accounts.models import User
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import DomainError

from ..models import Payment, PaymentBatch, StatusImport, StatusImportError
from ._base import create_temp_table, ensure_imports_status, in_list, load_rows, table
from .batches import CONTROL, _batch_locked, _move

B = PaymentBatch.Status
P = Payment.Status

COLUMNS = ("reference", "status", "reason", "date")
STATUSES = (P.PAID, P.FAILED, P.RETURNED)
NEEDS_REASON = (P.FAILED, P.RETURNED)
REASON_MAX = 200
_STAGE = "stg_payment_status"


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet shows it: the header is row 1
    column: str
    code: str
    message: str
    value: str = ""


@dataclass(frozen=True)
class StatusRow:
    row: int
    payment_id: int
    status: str
    reason: str
    date: dt.date


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("Berkas status harus berupa teks CSV UTF-8.")) from None


def _reader(text: str) -> Iterator[list[str]]:
    first = text.split("\n", 1)[0]
    # A spreadsheet saved as CSV in an Indonesian locale separates fields with semicolons.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def parse(data: bytes) -> tuple[int, list[StatusRow], list[RowError]]:
    """(data rows read, valid rows, errors) of a status file; the file itself is refused (a
    DomainError) when it is not UTF-8 CSV with the four columns. Blank lines and a CONTROL line are
    skipped."""
    rows = _reader(_decode(data))
    try:
        header = [h.strip().lower() for h in next(rows)]
    except StopIteration:
        raise DomainError(_("Berkas status kosong.")) from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DomainError(
            _("Kolom wajib tidak ada: %(cols)s. Baris judul harus memuat: %(all)s.")
            % {"cols": ", ".join(missing), "all": ", ".join(COLUMNS)}
        )
    at = {c: header.index(c) for c in COLUMNS}
    today = timezone.localdate()
    good: list[StatusRow] = []
    errors: list[RowError] = []
    seen: dict[int, int] = {}
    read = 0
    for row_no, values in enumerate(rows, start=2):
        if not any(v.strip() for v in values):
            continue
        if values[0].strip().upper() == CONTROL or (
            len(values) > at["reference"] and values[at["reference"]].strip().upper() == CONTROL
        ):
            continue
        read += 1
        if len(values) < len(header):
            errors.append(
                RowError(
                    row_no, "", "COLUMN_COUNT", _("Jumlah kolom kurang dari baris judul."), str(len(values))
                )
            )
            continue
        ref, status, reason, date = (values[at[c]].strip() for c in COLUMNS)
        status = status.upper()
        row_errors: list[RowError] = []
        payment_id = 0
        if not ref:
            row_errors.append(RowError(row_no, "reference", "REQUIRED", _("Referensi wajib diisi.")))
        elif not ref.isdigit() or len(ref) > 18:
            row_errors.append(
                RowError(
                    row_no, "reference", "INVALID_REFERENCE", _("Referensi harus nomor pembayaran."), ref
                )
            )
        else:
            payment_id = int(ref)
            if payment_id in seen:
                row_errors.append(
                    RowError(
                        row_no,
                        "reference",
                        "DUPLICATE_REFERENCE",
                        _("Referensi yang sama sudah ada di baris %(row)d.") % {"row": seen[payment_id]},
                        ref,
                    )
                )
            else:
                seen[payment_id] = row_no
        if status not in STATUSES:
            row_errors.append(
                RowError(
                    row_no, "status", "INVALID_STATUS", _("Status harus PAID, FAILED atau RETURNED."), status
                )
            )
        if status in NEEDS_REASON and not reason:
            row_errors.append(
                RowError(row_no, "reason", "REASON_REQUIRED", _("Alasan wajib untuk FAILED dan RETURNED."))
            )
        if len(reason) > REASON_MAX:
            row_errors.append(
                RowError(
                    row_no,
                    "reason",
                    "TOO_LONG",
                    _("Alasan paling banyak %(n)d karakter.") % {"n": REASON_MAX},
                    reason,
                )
            )
        day: dt.date | None = None
        try:
            if len(date) != 10:
                raise ValueError(date)
            day = dt.date.fromisoformat(date)
        except ValueError:
            row_errors.append(
                RowError(row_no, "date", "INVALID_DATE", _("Tanggal harus berbentuk TTTT-BB-HH."), date)
            )
        if day is not None and day > today:
            row_errors.append(
                RowError(row_no, "date", "DATE_IN_FUTURE", _("Tanggal tidak boleh setelah hari ini."), date)
            )
        if row_errors or day is None:
            errors.extend(row_errors)
            continue
        good.append(StatusRow(row_no, payment_id, status, reason if status in NEEDS_REASON else "", day))
    return read, good, errors


def _stage(cur: Any, rows: list[StatusRow]) -> None:
    create_temp_table(
        cur,
        _STAGE,
        "row_no integer NOT NULL, payment_id bigint NOT NULL, status varchar(10) NOT NULL, "
        "reason varchar(200) NOT NULL, status_date date NOT NULL",
    )
    load_rows(
        cur,
        _STAGE,
        ("row_no", "payment_id", "status", "reason", "status_date"),
        ((r.row, r.payment_id, r.status, r.reason, r.date) for r in rows),
    )
    if connection.vendor == "postgresql":
        cur.execute(f"ANALYZE {_STAGE}")


# Which current statuses each reported status may come from (Payment.TRANSITIONS, inverted).
def _sources(target: str) -> tuple[str, ...]:
    return tuple(sorted(s for s, dests in Payment.TRANSITIONS.items() if target in dests))


def _allowed() -> str:
    """SQL: the staged row `s` may move its payment `p` (from Payment.TRANSITIONS)."""
    return (
        "("
        + " OR ".join(f"(s.status = '{t}' AND p.status IN {in_list(_sources(t))})" for t in STATUSES)
        + ")"
    )


def _verdicts(cur: Any, batch_id: int) -> tuple[list[RowError], dict[str, int]]:
    """Before anything moves: the staged rows that are not a payment of this batch or ask for a move
    its table refuses (as errors), and the counts of the rest (read-only: one join each)."""
    pay = table(Payment)
    cur.execute(
        f"SELECT s.row_no, s.payment_id, s.status, p.status FROM {_STAGE} s "
        f"LEFT JOIN {pay} p ON p.id = s.payment_id AND p.batch_id = %s "
        f"WHERE p.id IS NULL OR (p.status <> s.status AND NOT {_allowed()}) ORDER BY s.row_no",
        [batch_id],
    )
    labels = dict(P.choices)
    errors = []
    for row_no, payment_id, status, current in cur.fetchall():
        if current is None:
            errors.append(
                RowError(
                    row_no,
                    "reference",
                    "UNKNOWN_REFERENCE",
                    _("Bukan pembayaran dalam batch ini."),
                    str(payment_id),
                )
            )
        else:
            errors.append(
                RowError(
                    row_no,
                    "status",
                    "STATUS_NOT_ALLOWED",
                    _("Pembayaran berstatus %(current)s tidak dapat menjadi %(status)s.")
                    % {"current": labels.get(current, current), "status": labels.get(status, status)},
                    status,
                )
            )
    # What the valid rows will do: per reported status how many payments move, and how many rows
    # report the status their payment already has.
    cur.execute(
        f"SELECT CASE WHEN p.status = s.status THEN 'UNCHANGED' ELSE s.status END, COUNT(*) "
        f"FROM {_STAGE} s JOIN {pay} p ON p.id = s.payment_id AND p.batch_id = %s "
        f"WHERE p.status = s.status OR {_allowed()} GROUP BY 1",
        [batch_id],
    )
    return errors, dict.fromkeys((*STATUSES, "UNCHANGED"), 0) | {k: int(n) for k, n in cur.fetchall()}


def _apply(cur: Any, batch_id: int, expected: int) -> None:
    """Every allowed move in one UPDATE … FROM the staging table."""
    pay = table(Payment)
    cur.execute(
        f"UPDATE {pay} AS p SET status = s.status, reason = s.reason, status_date = s.status_date "
        f"FROM {_STAGE} s WHERE s.payment_id = p.id AND p.batch_id = %s AND {_allowed()}",
        [batch_id],
    )
    moved = int(cur.rowcount)
    cur.execute(f"DROP TABLE IF EXISTS {_STAGE}")
    if moved != expected:  # the batch row is locked: nothing else moves its payments meanwhile
        raise DomainError(_("Status pembayaran berubah selama impor; ulangi."))


@transaction.atomic
def status_import(*, actor: User, batch: PaymentBatch | int, file_name: str, data: bytes) -> StatusImport:
    """Apply a channel's status file to a sent batch. The same file again returns the earlier
    import (its `duplicate` is then True) and changes nothing."""
    b = _batch_locked(batch)
    ensure_imports_status(actor, b)
    if b.status not in (B.SENT, B.CLOSED):
        raise DomainError(_("Status hanya dapat diimpor untuk batch yang sudah dikirim ke penyalur."))
    sha = hashlib.sha256(data).hexdigest()
    earlier = StatusImport.objects.filter(batch=b, sha256=sha).first()
    if earlier is not None:
        earlier.duplicate = True
        return earlier
    read, rows, errors = parse(data)
    with connection.cursor() as cur:
        _stage(cur, rows)
        refused, moved = _verdicts(cur, b.pk)
        _apply(cur, b.pk, expected=sum(moved[t] for t in STATUSES))
    errors += refused
    errors.sort(key=lambda e: (e.row, e.column))
    imp = StatusImport.objects.create(
        batch=b,
        file_name=(file_name or "")[:255],
        sha256=sha,
        uploaded_by=actor,
        rows_read=read,
        paid=moved[P.PAID],
        failed=moved[P.FAILED],
        returned=moved[P.RETURNED],
        unchanged=moved["UNCHANGED"],
        rejected=len({e.row for e in errors}),
    )
    StatusImportError.objects.bulk_create(
        [
            StatusImportError(
                status_import=imp,
                row=e.row,
                column=e.column,
                code=e.code,
                message=e.message[:300],
                value=e.value[:100],
            )
            for e in errors
        ],
        batch_size=2000,
    )
    counts = {
        k: getattr(imp, k) for k in ("rows_read", "paid", "failed", "returned", "unchanged", "rejected")
    }
    audit_record(
        actor=actor,
        action="payment_status.import",
        object_type="payment_batch",
        object_id=b.pk,
        after={"status_import": imp.pk, "file_name": imp.file_name, "sha256": sha, **counts},
    )
    _close_if_final(actor, b, _tally(b))
    return imp


def _tally(b: PaymentBatch) -> dict[str, tuple[int, int]]:
    """Count the batch's payments per status (one grouped pass) and keep the final ones on the batch."""
    tally = {
        r["status"]: (r["n"], r["amount"] or 0)
        for r in Payment.objects.filter(batch=b)
        .values("status")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by()
    }
    fields = []
    for status in STATUSES:
        n, amount = tally.get(status, (0, 0))
        setattr(b, status.lower(), n)
        setattr(b, f"{status.lower()}_amount", amount)
        fields += [status.lower(), f"{status.lower()}_amount"]
    b.save(update_fields=fields)
    return tally


def _close_if_final(actor: User, b: PaymentBatch, tally: dict[str, tuple[int, int]]) -> None:
    """A sent batch whose every payment has a final status is closed."""
    if b.status != B.SENT or any(tally.get(s, (0, 0))[0] for s in (P.PENDING, P.SENT)):
        return
    before = _move(b, B.CLOSED)
    b.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="payment_batch.close",
        object_type="payment_batch",
        object_id=b.pk,
        before={"status": before},
        after={"status": b.status, **{s.lower(): tally.get(s, (0, 0))[0] for s in STATUSES}},
    )
