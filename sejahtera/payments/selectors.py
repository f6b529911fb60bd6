"""Payment reads, already scoped: batches (program managers, auditors and the central team see all of
them, a channel's user only its channel's), a batch's payments, status imports, the reconciliation
per region and the realisation per week (regions see their own jurisdiction)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, can, ensure_can
from sejahtera.accounts.scoping import NOTHING, household_scope, households_in_region
from sejahtera.common.errors import DomainError, NotInJurisdiction
from sejahtera.programs.models import Entitlement, Program
from sejahtera.regions.selectors import region_names

from .models import Payment, PaymentBatch, StatusImport, StatusImportError
from .services._base import ensure_sees_batch, is_channel_user

P = Payment.Status


# --- batches --------------------------------------------------------------------------------------
def batch_scope(user: User) -> Q:
    if not can(user, Action.PAYMENT_VIEW):
        return NOTHING
    if is_channel_user(user):
        return Q(channel=user.payment_channel) if user.payment_channel else NOTHING
    return Q()


def batch_list(
    *, user: User, program: str = "", period: str = "", channel: str = "", status: str = ""
) -> QuerySet[PaymentBatch]:
    qs = PaymentBatch.objects.filter(batch_scope(user)).select_related("program", "created_by", "approved_by")
    if program:
        qs = qs.filter(program__code=program)
    if period:
        qs = qs.filter(period=period)
    if channel:
        qs = qs.filter(channel=channel)
    if status:
        qs = qs.filter(status=status)
    return qs


def batch_get(*, user: User, batch_id: int) -> PaymentBatch:
    """The batch if the user may see it: 403 for a role without PAYMENT_VIEW, 404 for a batch that
    does not exist or belongs to another channel."""
    ensure_can(user, Action.PAYMENT_VIEW)
    batch = (
        PaymentBatch.objects.select_related("program", "created_by", "approved_by")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None:
        raise NotInJurisdiction(gettext("Batch tidak ditemukan."))
    ensure_sees_batch(user, batch)
    return batch


@dataclass
class StatusTally:
    count: int = 0
    amount: int = 0


def batch_tallies(batch_ids: list[int]) -> dict[int, dict[str, StatusTally]]:
    """Payments per status (count, amount) of each batch, in one query."""
    out: dict[int, dict[str, StatusTally]] = defaultdict(dict)
    rows = (
        Payment.objects.filter(batch_id__in=batch_ids)
        .values("batch_id", "status")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    for r in rows:
        out[r["batch_id"]][r["status"]] = StatusTally(r["n"], r["amount"] or 0)
    return out


def payment_list(*, user: User, batch: PaymentBatch, status: str = "", region: str = "") -> QuerySet[Payment]:
    """A batch's payments within the user's jurisdiction, in key order."""
    ensure_sees_batch(user, batch)
    qs = Payment.objects.filter(batch=batch).filter(household_scope(user, village_field="village_code"))
    if status:
        qs = qs.filter(status=status)
    if region:
        qs = qs.filter(households_in_region(region, village_field="village_code"))
    return qs


def status_import_list(*, user: User, batch: PaymentBatch) -> QuerySet[StatusImport]:
    ensure_sees_batch(user, batch)
    return StatusImport.objects.filter(batch=batch).select_related("uploaded_by").order_by("-id")


def status_import_get(*, user: User, batch: PaymentBatch, import_id: int) -> StatusImport:
    imp = status_import_list(user=user, batch=batch).filter(pk=import_id).first()
    if imp is None:
        raise NotInJurisdiction(gettext("Impor status tidak ditemukan."))
    return imp


def status_import_errors(imp: StatusImport) -> QuerySet[StatusImportError]:
    return StatusImportError.objects.filter(status_import=imp).order_by("row", "id")


# --- reconciliation ---------------------------------------------------------------------------------
# The region column one level below a region code ('' = the nation: provinces).
_CHILD_FIELD = {
    0: "province_code",
    2: "regency_code",
    4: "district_code",
    6: "village_code",
    10: "village_code",
}
SENT_STATUSES = (P.SENT, P.PAID, P.FAILED, P.RETURNED)


def program_get(code: str) -> Program:
    program = Program.objects.filter(code=(code or "").strip().upper()).first()
    if program is None:
        raise DomainError(gettext("Program %(code)s tidak dikenal.") % {"code": code})
    return program


def _scoped(user: User, region: str) -> Q:
    q = household_scope(user, village_field="village_code")
    if region:
        q &= households_in_region(region, village_field="village_code")
    return q


@dataclass
class Amounts:
    count: int = 0
    amount: int = 0

    def add(self, count: int, amount: int) -> None:
        self.count += count
        self.amount += amount


@dataclass
class ReconciliationRow:
    code: str
    name: str
    planned: Amounts = field(default_factory=Amounts)
    pending: Amounts = field(default_factory=Amounts)  # in a batch not yet sent
    sent: Amounts = field(default_factory=Amounts)  # every payment sent to the channel
    awaiting: Amounts = field(default_factory=Amounts)  # sent, no status back yet
    paid: Amounts = field(default_factory=Amounts)
    failed: Amounts = field(default_factory=Amounts)
    returned: Amounts = field(default_factory=Amounts)

    @property
    def outstanding(self) -> Amounts:
        """Planned and not (or no longer) paid."""
        return Amounts(self.planned.count - self.paid.count, self.planned.amount - self.paid.amount)

    @property
    def percent_paid(self) -> str:
        return percent(self.paid.amount, self.planned.amount)


def percent(part: int, whole: int) -> str:
    """A share as text with one decimal, from integers (no floats near money)."""
    if whole <= 0:
        return "0.0"
    tenths = (part * 1000 + whole // 2) // whole
    return f"{tenths // 10}.{tenths % 10}"


@dataclass
class Reconciliation:
    program: Program
    period: str
    region: str
    level_field: str
    rows: list[ReconciliationRow]
    total: ReconciliationRow


_BUCKET = {
    P.PENDING: "pending",
    P.SENT: "awaiting",
    P.PAID: "paid",
    P.FAILED: "failed",
    P.RETURNED: "returned",
}


def reconciliation(*, user: User, program_code: str, period: str, region: str = "") -> Reconciliation:
    """Per region one level below `region` ('' = the user's jurisdiction): what was planned
    (entitlements), and of the payments made for them what is pending, sent, paid, failed and
    returned, with the amounts; outstanding = planned - paid. A re-issued payment counts once as
    failed (the first attempt) and once as sent (the re-issue)."""
    ensure_can(user, Action.REALISATION_VIEW)
    program = program_get(program_code)
    scope = _scoped(user, region)
    level = _CHILD_FIELD[len(region or user.jurisdiction_code)]
    rows: dict[str, ReconciliationRow] = {}

    def row(code: str) -> ReconciliationRow:
        return rows.setdefault(code, ReconciliationRow(code=code, name=""))

    planned = (
        Entitlement.objects.filter(program=program, period=period)
        .filter(scope)
        .values(level)
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    for r in planned:
        row(r[level]).planned.add(r["n"], r["amount"] or 0)
    paid = (
        Payment.objects.filter(batch__program=program, batch__period=period)
        .exclude(status=P.CANCELLED)
        .filter(scope)
        .values(level, "status")
        .annotate(n=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    for r in paid:
        target = row(r[level])
        getattr(target, _BUCKET[r["status"]]).add(r["n"], r["amount"] or 0)
        if r["status"] in SENT_STATUSES:
            target.sent.add(r["n"], r["amount"] or 0)
    names = region_names(list(rows))
    ordered = sorted(rows.values(), key=lambda r: r.code)
    total = ReconciliationRow(code=region, name="")
    for r in ordered:
        r.name = names.get(r.code, "")
        for part in ("planned", "pending", "sent", "awaiting", "paid", "failed", "returned"):
            mine: Amounts = getattr(r, part)
            getattr(total, part).add(mine.count, mine.amount)
    return Reconciliation(
        program=program, period=period, region=region, level_field=level, rows=ordered, total=total
    )


# --- realisation --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WeekRow:
    week: str  # ISO week, e.g. 2021-W03
    start: dt.date  # its Monday
    count: int  # payments paid that week
    amount: int
    cumulative: int
    percent: str  # cumulative paid / planned
    bar: int  # 0-100, the bar's width


@dataclass(frozen=True)
class RegionRealisation:
    code: str
    name: str
    planned: int
    paid: int
    percent: str


@dataclass(frozen=True)
class Realisation:
    program: Program
    year: int
    region: str
    planned_count: int
    planned: int
    paid_count: int
    paid: int
    percent: str
    weeks: list[WeekRow]
    regions: list[RegionRealisation]


def _bar(part: int, whole: int) -> int:
    return 0 if whole <= 0 else max(0, min(100, part * 100 // whole))


def realisation(*, user: User, program_code: str, year: int, region: str = "") -> Realisation:
    """Paid against planned for a program's periods of a year, in the user's jurisdiction: per ISO
    week of the day the channel paid (a payment returned afterwards no longer counts), cumulative,
    and per region one level below."""
    ensure_can(user, Action.REALISATION_VIEW)
    program = program_get(program_code)
    scope = _scoped(user, region)
    level = _CHILD_FIELD[len(region or user.jurisdiction_code)]
    prefix = f"{year:04d}-"
    ents = Entitlement.objects.filter(program=program, period__startswith=prefix).filter(scope)
    paid = Payment.objects.filter(
        batch__program=program, batch__period__startswith=prefix, status=P.PAID
    ).filter(scope)
    planned_by: dict[str, int] = {}
    planned_count = planned = 0
    for r in ents.values(level).annotate(n=Count("id"), amount=Sum("amount")).order_by():
        planned_by[r[level]] = r["amount"] or 0
        planned += r["amount"] or 0
        planned_count += r["n"]
    paid_by: dict[str, int] = dict.fromkeys(planned_by, 0)
    for r in paid.values(level).annotate(amount=Sum("amount")).order_by():
        paid_by[r[level]] = r["amount"] or 0

    per_week: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for r in paid.values("status_date").annotate(n=Count("id"), amount=Sum("amount")).order_by():
        day = r["status_date"]
        if day is None:
            continue
        iso = day.isocalendar()
        per_week[(iso.year, iso.week)][0] += r["n"]
        per_week[(iso.year, iso.week)][1] += r["amount"] or 0
    weeks: list[WeekRow] = []
    paid_count = cumulative = 0
    if per_week:
        first, last = min(per_week), max(per_week)
        monday = dt.date.fromisocalendar(first[0], first[1], 1)
        end = dt.date.fromisocalendar(last[0], last[1], 1)
        while monday <= end:
            iso = monday.isocalendar()
            n, amount = per_week.get((iso.year, iso.week), [0, 0])
            cumulative += amount
            paid_count += n
            weeks.append(
                WeekRow(
                    week=f"{iso.year}-W{iso.week:02d}",
                    start=monday,
                    count=n,
                    amount=amount,
                    cumulative=cumulative,
                    percent=percent(cumulative, planned),
                    bar=_bar(cumulative, planned),
                )
            )
            monday += dt.timedelta(days=7)
    names = region_names(list(paid_by))
    regions = [
        RegionRealisation(
            code=code,
            name=names.get(code, ""),
            planned=planned_by.get(code, 0),
            paid=paid_by[code],
            percent=percent(paid_by[code], planned_by.get(code, 0)),
        )
        for code in sorted(paid_by)
    ]
    return Realisation(
        program=program,
        year=year,
        region=region,
        planned_count=planned_count,
        planned=planned,
        paid_count=paid_count,
        paid=cumulative,
        percent=percent(cumulative, planned),
        weeks=weeks,
        regions=regions,
    )


def programs() -> list[tuple[str, str]]:
    return list(Program.objects.order_by("code").values_list("code", "name"))
