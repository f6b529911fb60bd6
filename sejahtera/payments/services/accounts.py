"""Payment accounts: a family's KKS account at a state bank (a family without one is paid in cash by
the post office). Loaded from the banks' CSV (KK, channel, account number) set-based, or generated
deterministically for a demo or a benchmark."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils.translation import gettext as _

from sejahtera.accounts.models import Role, User
from sejahtera.accounts.permissions import Action, can
from sejahtera.common.audit import audit_record
from sejahtera.common.errors import DomainError, PermissionRefused
from sejahtera.registry.models import Household

from ..models import PaymentAccount
from ._base import BANKS, create_temp_table, load_rows, table
from .statuses import RowError

COLUMNS = ("kk_number", "channel", "account_number")
_STAGE = "stg_payment_account"


def _ensure_manages_accounts(actor: User) -> None:
    # Account data come from the banks to the central data team or the program managers.
    if not (can(actor, Action.PAYMENT_MANAGE) or actor.role == Role.CENTRAL_DATA):
        raise PermissionRefused(_("Peran Anda tidak berwenang untuk tindakan ini."))


@dataclass
class AccountsLoaded:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)


def _parse(data: bytes) -> tuple[int, list[tuple[int, str, str, str]], list[RowError]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("Berkas rekening harus berupa teks CSV UTF-8.")) from None
    first = text.split("\n", 1)[0]
    rows = csv.reader(
        io.StringIO(text, newline=""), delimiter=";" if first.count(";") > first.count(",") else ","
    )
    header = [h.strip().lower() for h in next(rows, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DomainError(_("Kolom wajib tidak ada: %(cols)s.") % {"cols": ", ".join(missing)})
    at = [header.index(c) for c in COLUMNS]
    good: list[tuple[int, str, str, str]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    read = 0
    for row_no, values in enumerate(rows, start=2):
        if not any(v.strip() for v in values):
            continue
        read += 1
        if len(values) < len(header):
            errors.append(RowError(row_no, "", "COLUMN_COUNT", _("Jumlah kolom kurang dari baris judul.")))
            continue
        kk, channel, account = (values[i].strip() for i in at)
        channel = channel.upper()
        bad = []
        if not (kk.isdigit() and len(kk) == 16):
            bad.append(RowError(row_no, "kk_number", "INVALID_KK", _("No. KK harus 16 digit."), kk))
        elif kk in seen:
            bad.append(
                RowError(
                    row_no,
                    "kk_number",
                    "DUPLICATE_KK",
                    _("No. KK yang sama sudah ada di baris %(row)d.") % {"row": seen[kk]},
                    kk,
                )
            )
        else:
            seen[kk] = row_no
        if channel not in BANKS:
            bad.append(
                RowError(
                    row_no,
                    "channel",
                    "INVALID_CHANNEL",
                    _("Penyalur harus salah satu bank Himbara: %(banks)s.") % {"banks": ", ".join(BANKS)},
                    channel,
                )
            )
        if not (account.isdigit() and 6 <= len(account) <= 20):
            bad.append(
                RowError(
                    row_no, "account_number", "INVALID_ACCOUNT", _("Nomor rekening 6-20 digit."), account
                )
            )
        if bad:
            errors.extend(bad)
        else:
            good.append((row_no, kk, channel, account))
    return read, good, errors


@transaction.atomic
def accounts_load(*, actor: User, file_name: str, data: bytes) -> AccountsLoaded:
    """Create or change the accounts of the families a bank's file names (by active KK)."""
    _ensure_manages_accounts(actor)
    result = AccountsLoaded()
    result.read, rows, result.errors = _parse(data)
    acc, hh = table(PaymentAccount), table(Household)
    with connection.cursor() as cur:
        create_temp_table(
            cur,
            _STAGE,
            "row_no integer NOT NULL, kk_number varchar(16) NOT NULL, channel varchar(8) NOT NULL, "
            "account_number varchar(20) NOT NULL, household_id bigint, verdict varchar(10) NOT NULL DEFAULT ''",
        )
        load_rows(cur, _STAGE, ("row_no", "kk_number", "channel", "account_number"), rows)
        cur.execute(
            f"UPDATE {_STAGE} SET household_id = (SELECT h.id FROM {hh} h "
            f"WHERE h.kk_number = {_STAGE}.kk_number AND h.status = 'ACTIVE')"
        )
        cur.execute(f"SELECT row_no, kk_number FROM {_STAGE} WHERE household_id IS NULL ORDER BY row_no")
        for row_no, kk in cur.fetchall():
            result.errors.append(
                RowError(
                    row_no, "kk_number", "UNKNOWN_KK", _("Tidak ada keluarga aktif dengan No. KK ini."), kk
                )
            )
        cur.execute(
            f"UPDATE {_STAGE} SET verdict = CASE "
            f"WHEN NOT EXISTS (SELECT 1 FROM {acc} a WHERE a.household_id = {_STAGE}.household_id) THEN 'NEW' "
            f"WHEN EXISTS (SELECT 1 FROM {acc} a WHERE a.household_id = {_STAGE}.household_id "
            f"AND a.channel = {_STAGE}.channel AND a.account_number = {_STAGE}.account_number) THEN 'SAME' "
            f"ELSE 'CHANGED' END WHERE household_id IS NOT NULL"
        )
        cur.execute(
            f"INSERT INTO {acc} (household_id, channel, account_number) "
            f"SELECT household_id, channel, account_number FROM {_STAGE} WHERE verdict = 'NEW' ORDER BY household_id"
        )
        result.created = int(cur.rowcount)
        cur.execute(
            f"UPDATE {acc} SET channel = s.channel, account_number = s.account_number "
            f"FROM {_STAGE} s WHERE s.household_id = {acc}.household_id AND s.verdict = 'CHANGED'"
        )
        result.updated = int(cur.rowcount)
        cur.execute(f"SELECT COUNT(*) FROM {_STAGE} WHERE verdict = 'SAME'")
        result.unchanged = int(cur.fetchone()[0])
        cur.execute(f"DROP TABLE IF EXISTS {_STAGE}")
    result.errors.sort(key=lambda e: (e.row, e.column))
    result.rejected = len({e.row for e in result.errors})
    audit_record(
        actor=actor,
        action="payment_account.load",
        object_type="payment_account",
        object_id=file_name or "-",
        after={
            "file_name": file_name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "read": result.read,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejected": result.rejected,
        },
    )
    return result


# The demo's banks and their shares of the accounts, in percent (cumulative bounds below).
GENERATED_SHARES: tuple[tuple[str, int], ...] = (
    ("BRI", 40),
    ("BNI", 25),
    ("MANDIRI", 20),
    ("BSI", 10),
    ("BTN", 5),
)


@transaction.atomic
def accounts_generate(*, actor: User, share: float, region: str = "") -> int:
    """Give about `share` of the active families without an account a KKS account at a state bank,
    the same ones and the same banks on every run (chosen from the household id). Returns how many
    accounts were created; a second run creates none."""
    _ensure_manages_accounts(actor)
    if not 0 <= share <= 1:
        raise DomainError(_("Bagian harus antara 0 dan 1."))
    if region and not (region.isdigit() and len(region) in (2, 4, 6, 10)):
        raise DomainError(_("Kode wilayah harus 2, 4, 6 atau 10 digit."))
    acc, hh = table(PaymentAccount), table(Household)
    bounds, cases = 0, []
    for bank, pct in GENERATED_SHARES:
        bounds += pct
        cases.append(f"WHEN (h.id * 40503) %% 100 < {bounds} THEN '{bank}'")
    number = (
        "lpad(CAST(h.id AS text), 12, '0')" if connection.vendor == "postgresql" else "printf('%%012d', h.id)"
    )
    where_region = ""
    params: list[int | str] = [round(share * 1000)]
    if region:
        column = {2: "province_code", 4: "regency_code", 6: "district_code", 10: "village_code"}[len(region)]
        where_region = f"AND h.{column} = %s"
        params.append(region)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {acc} (household_id, channel, account_number) "
            f"SELECT h.id, CASE {' '.join(cases)} ELSE 'BRI' END, '9' || {number} "
            f"FROM {hh} h WHERE h.status = 'ACTIVE' AND (h.id * 2654435761) %% 1000 < %s {where_region} "
            f"AND NOT EXISTS (SELECT 1 FROM {acc} a WHERE a.household_id = h.id) ORDER BY h.id",
            params,
        )
        created = int(cur.rowcount)
    audit_record(
        actor=actor,
        action="payment_account.generate",
        object_type="payment_account",
        object_id=region or "-",
        after={"share": share, "region": region, "created": created, "banks": dict(GENERATED_SHARES)},
    )
    return created
