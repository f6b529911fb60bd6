"""What the payment services share: the lock that serialises batch numbering, access to a batch by
role and channel, periods, and the few SQL differences between PostgreSQL and SQLite."""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import islice
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from sejahtera.accounts.models import Role, User
from sejahtera.accounts.permissions import Action, can, ensure_can
from sejahtera.common.errors import DomainError, NotInJurisdiction, PermissionRefused

from ..models import Channel, Payment, PaymentBatch

# State banks (Himbara): a payment through them goes to an account; POS pays cash, BPJS receives
# the PBI-JK premium.
BANKS: tuple[str, ...] = (Channel.BRI, Channel.BNI, Channel.MANDIRI, Channel.BTN, Channel.BSI)
# Programs whose money goes to BPJS Kesehatan as premiums, not to the family.
PREMIUM_PROGRAMS = frozenset({"PBI"})

LIVE = (Payment.Status.PENDING, Payment.Status.SENT, Payment.Status.PAID)
REISSUABLE = (Payment.Status.FAILED, Payment.Status.RETURNED)

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# Advisory-lock keys (PostgreSQL): batch creation is serialised nationally (batch numbers are one
# sequence); status imports and exports lock their batch row instead.
_BATCHES_LOCK = 0x5E1A_0B47


def period_check(period: str) -> str:
    value = (period or "").strip()
    if not _PERIOD.match(value):
        raise DomainError(_("Periode harus berbentuk TTTT-BB, mis. 2021-01."))
    return value


def lock_batches() -> None:
    """Serialise batch creation (SQLite transactions are IMMEDIATE: writers already queue)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_BATCHES_LOCK])


def is_channel_user(user: User) -> bool:
    return user.role == Role.PAYMENT_CHANNEL


def ensure_sees_batch(user: User, batch: PaymentBatch) -> None:
    """A batch is seen by the roles with PAYMENT_VIEW; a channel's user sees only its channel's
    batches (another channel's batch answers 404, as if it did not exist)."""
    ensure_can(user, Action.PAYMENT_VIEW)
    if is_channel_user(user) and batch.channel != user.payment_channel:
        raise NotInJurisdiction(_("Batch tidak ditemukan."))


def ensure_gets_file(user: User, batch: PaymentBatch) -> None:
    """The payment file (names, NIK, account numbers) goes to the program managers and to the
    batch's own channel, nobody else."""
    if is_channel_user(user):
        ensure_sees_batch(user, batch)
        return
    if not can(user, Action.PAYMENT_MANAGE):
        raise PermissionRefused(_("Berkas pembayaran hanya untuk pengelola program dan lembaga penyalurnya."))


def ensure_imports_status(user: User, batch: PaymentBatch) -> None:
    ensure_can(user, Action.PAYMENT_STATUS_IMPORT)
    if is_channel_user(user) and batch.channel != user.payment_channel:
        raise NotInJurisdiction(_("Batch tidak ditemukan."))


def create_temp_table(cur: Any, name: str, columns: str) -> None:
    """A temporary table private to this connection (PostgreSQL: dropped at commit)."""
    cur.execute(f"DROP TABLE IF EXISTS {name}")
    if connection.vendor == "postgresql":
        cur.execute(f"CREATE TEMP TABLE {name} ({columns}) ON COMMIT DROP")
    else:
        cur.execute(f"CREATE TEMP TABLE {name} ({columns})")


def load_rows(cur: Any, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
    """Rows into a staging table: COPY on PostgreSQL, executemany in batches elsewhere."""
    cols = ", ".join(columns)
    if connection.vendor == "postgresql":
        with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"
    it = iter(rows)
    while chunk := list(islice(it, 5000)):
        cur.executemany(sql, chunk)


def in_list(values: tuple[str, ...] | list[str]) -> str:
    """A SQL list of constant codes (channel and status codes from our own choices, never input)."""
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def table(model: Any) -> str:
    return str(model._meta.db_table)
