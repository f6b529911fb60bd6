"""sejahtera payments batches create|list|approve|cancel|export|status|reconcile, payments accounts load|generate"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.common.errors import DomainError
from sejahtera.payments import selectors, services
from sejahtera.payments.models import PaymentBatch, StatusImport, StatusImportError
from sejahtera.registry.services import command_user


def _actor(username: str | None) -> User:
    try:
        return command_user(username)
    except DomainError as exc:
        raise CommandError(exc.message) from exc


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _json(value: Any) -> str:
    return json.dumps(value, default=_plain, ensure_ascii=False)


def _user_arg(parser: CommandParser, *, required: bool = False) -> None:
    parser.add_argument(
        "--user",
        required=required,
        help="Act as this user (a program manager; for status files also the channel's user).",
    )


def _batch_summary(b: PaymentBatch) -> dict[str, Any]:
    return {
        "id": b.pk,
        "number": b.number,
        "program": b.program.code,
        "period": b.period,
        "tahap": b.tahap,
        "channel": b.channel,
        "status": b.status,
        "payments": b.payments,
        "total_amount": b.total_amount,
        "reissues": b.reissues,
        "created_by": b.created_by.get_username(),
        "approved_by": b.approved_by.get_username() if b.approved_by else None,
        "exported_at": b.exported_at,
        "file_sha256": b.file_sha256,
    }


class Command(BaseCommand):
    help = (
        "Payments (docs/payments.md): batches per program, period and channel — create, approve (by "
        "another manager), export the channel's CSV, import a status file, reconcile per region — and "
        "payment accounts (load from a bank's CSV, generate for a demo)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        topics = parser.add_subparsers(dest="topic", required=True)

        batches = topics.add_parser("batches", help="Payment batches.").add_subparsers(
            dest="action", required=True
        )
        create = batches.add_parser("create", help="One DRAFT batch per channel for a program and period.")
        create.add_argument("program", help="Program code: PKH, BPNT, BPNT_PPKM, BST, PBI.")
        create.add_argument("--period", required=True, help="YYYY-MM (a tahap's first month).")
        create.add_argument("--json", action="store_true")
        _user_arg(create, required=True)

        listing = batches.add_parser("list", help="Batches, newest first.")
        listing.add_argument("--program", default="")
        listing.add_argument("--period", default="")
        listing.add_argument("--json", action="store_true")
        _user_arg(listing)

        approve = batches.add_parser("approve", help="Approve batch N (not by its maker).")
        approve.add_argument("number", type=int)
        _user_arg(approve, required=True)

        cancel = batches.add_parser("cancel", help="Cancel batch N (not yet sent).")
        cancel.add_argument("number", type=int)
        cancel.add_argument("--reason", required=True)
        _user_arg(cancel, required=True)

        export = batches.add_parser(
            "export", help="Write batch N's CSV (the first export sends it: APPROVED -> SENT)."
        )
        export.add_argument("number", type=int)
        export.add_argument("--out", type=Path, required=True, help="File to write.")
        _user_arg(export, required=True)

        status = batches.add_parser("status", help="Import a channel's status file into batch N.")
        status.add_argument("number", type=int)
        status.add_argument("file", type=Path)
        status.add_argument("--json", action="store_true")
        _user_arg(status, required=True)

        reconcile = batches.add_parser(
            "reconcile", help="Planned, sent, paid, failed, returned, outstanding."
        )
        reconcile.add_argument("program")
        reconcile.add_argument("--period", required=True)
        reconcile.add_argument("--region", default="", help="Region code (2, 4, 6 or 10 digits).")
        reconcile.add_argument("--json", action="store_true")
        _user_arg(reconcile)

        accounts = topics.add_parser("accounts", help="Payment accounts (KKS).").add_subparsers(
            dest="action", required=True
        )
        load = accounts.add_parser("load", help="Load accounts from CSV: kk_number, channel, account_number.")
        load.add_argument("file", type=Path)
        load.add_argument("--json", action="store_true")
        _user_arg(load)
        generate = accounts.add_parser(
            "generate",
            help="Give a share of the families without an account a Himbara account (demo, bench).",
        )
        generate.add_argument("--share", type=float, default=0.7, help="0-1, default 0.7.")
        generate.add_argument("--region", default="")
        _user_arg(generate)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['topic']}_{options['action']}")(options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _batch(self, user: User, number: int) -> PaymentBatch:
        found = PaymentBatch.objects.filter(number=number).values_list("pk", flat=True).first()
        if found is None:
            raise CommandError(f"no batch number {number}")
        return selectors.batch_get(user=user, batch_id=found)

    # --- batches --------------------------------------------------------------------------------------
    def _batches_create(self, options: dict[str, Any]) -> None:
        made = services.batches_create(
            actor=_actor(options["user"]), program_code=options["program"], period=options["period"]
        )
        if options["json"]:
            self.stdout.write(_json([_batch_summary(b) for b in made]))
            return
        if not made:
            self.stdout.write("nothing new: every entitlement of that program and period has a payment")
        for b in made:
            self.stdout.write(
                f"batch {b.number}: {b.program.code} {b.period} {b.channel:<8} {b.payments:>9} payments "
                f"Rp{b.total_amount:>16,} ({b.reissues} re-issues)"
            )

    def _batches_list(self, options: dict[str, Any]) -> None:
        qs = selectors.batch_list(
            user=_actor(options["user"]), program=options["program"].upper(), period=options["period"]
        )
        rows = [_batch_summary(b) for b in qs]
        if options["json"]:
            self.stdout.write(_json(rows))
            return
        self.stdout.write(
            f"{'#':>6} {'program':<10} {'period':<8} {'channel':<8} {'status':<10} {'payments':>9} total"
        )
        for r in rows:
            self.stdout.write(
                f"{r['number']:>6} {r['program']:<10} {r['period']:<8} {r['channel']:<8} {r['status']:<10} "
                f"{r['payments']:>9} {r['total_amount']:,}"
            )

    def _batches_approve(self, options: dict[str, Any]) -> None:
        user = _actor(options["user"])
        b = services.batch_approve(actor=user, batch=self._batch(user, options["number"]))
        self.stdout.write(f"batch {b.number} approved by {user.get_username()}")

    def _batches_cancel(self, options: dict[str, Any]) -> None:
        user = _actor(options["user"])
        b = services.batch_cancel(
            actor=user, batch=self._batch(user, options["number"]), reason=options["reason"]
        )
        self.stdout.write(f"batch {b.number} cancelled")

    def _batches_export(self, options: dict[str, Any]) -> None:
        user = _actor(options["user"])
        out = services.batch_export(actor=user, batch=self._batch(user, options["number"]))
        try:
            with options["out"].open("wb") as fh:
                shutil.copyfileobj(out.fh, fh, 1 << 20)
        finally:
            out.close()
        self.stdout.write(
            f"{options['out']}: {out.rows} payments, total Rp{out.total:,}, {out.size} bytes, sha256 {out.sha256}"
        )

    def _batches_status(self, options: dict[str, Any]) -> None:
        user = _actor(options["user"])
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        imp = services.status_import(
            actor=user,
            batch=self._batch(user, options["number"]),
            file_name=path.name,
            data=path.read_bytes(),
        )
        self._print_import(imp, as_json=options["json"])

    def _print_import(self, imp: StatusImport, *, as_json: bool) -> None:
        counts = {
            k: getattr(imp, k) for k in ("rows_read", "paid", "failed", "returned", "unchanged", "rejected")
        }
        errors = [
            {"row": e.row, "column": e.column, "code": e.code, "reason": e.message, "value": e.value}
            for e in StatusImportError.objects.filter(status_import=imp).order_by("row", "id")[:1000]
        ]
        if as_json:
            self.stdout.write(
                _json({"status_import": imp.pk, "duplicate": imp.duplicate, **counts, "errors": errors})
            )
            return
        if imp.duplicate:
            self.stdout.write(f"this file was imported before (import {imp.pk}): nothing changed")
        for key, value in counts.items():
            self.stdout.write(f"{key:<12}{value}")
        for e in errors:
            self.stdout.write(
                f"row {e['row']} {e['column'] or '-'} {e['code']}: {e['reason']} [{e['value']}]"
            )

    def _batches_reconcile(self, options: dict[str, Any]) -> None:
        region = options["region"]
        if region and not (region.isdigit() and len(region) in (2, 4, 6, 10)):
            raise CommandError(f"--region {region!r}: a region code of 2, 4, 6 or 10 digits")
        rec = selectors.reconciliation(
            user=_actor(options["user"]),
            program_code=options["program"],
            period=options["period"],
            region=region,
        )
        parts = ("planned", "pending", "sent", "awaiting", "paid", "failed", "returned", "outstanding")
        rows: list[dict[str, Any]] = [
            {
                "region": r.code or "TOTAL",
                "name": r.name,
                **{p: {"count": getattr(r, p).count, "amount": getattr(r, p).amount} for p in parts},
                "percent_paid": r.percent_paid,
            }
            for r in [*rec.rows, rec.total]
        ]
        rows[-1]["region"] = "TOTAL"
        if options["json"]:
            self.stdout.write(_json({"program": rec.program.code, "period": rec.period, "rows": rows}))
            return
        self.stdout.write(
            f"{'region':<10} {'planned':>9} {'sent':>9} {'paid':>9} {'failed':>9} {'returned':>9} "
            f"{'outstanding':>11} {'paid (Rp)':>16} {'outstanding (Rp)':>16}"
        )
        for r in rows:
            self.stdout.write(
                f"{r['region']:<10} {r['planned']['count']:>9} {r['sent']['count']:>9} {r['paid']['count']:>9} "
                f"{r['failed']['count']:>9} {r['returned']['count']:>9} {r['outstanding']['count']:>11} "
                f"{r['paid']['amount']:>16,} {r['outstanding']['amount']:>16,}"
            )

    # --- accounts -------------------------------------------------------------------------------------
    def _accounts_load(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        result = services.accounts_load(
            actor=_actor(options["user"]), file_name=path.name, data=path.read_bytes()
        )
        counts = {k: getattr(result, k) for k in ("read", "created", "updated", "unchanged", "rejected")}
        errors = [
            {"row": e.row, "column": e.column, "code": e.code, "reason": e.message, "value": e.value}
            for e in result.errors
        ]
        if options["json"]:
            self.stdout.write(_json({**counts, "errors": errors}))
            return
        for key, value in counts.items():
            self.stdout.write(f"{key:<10}{value}")
        for e in errors[:1000]:
            self.stdout.write(
                f"row {e['row']} {e['column'] or '-'} {e['code']}: {e['reason']} [{e['value']}]"
            )

    def _accounts_generate(self, options: dict[str, Any]) -> None:
        created = services.accounts_generate(
            actor=_actor(options["user"]), share=options["share"], region=options["region"]
        )
        self.stdout.write(f"{created} accounts created")
