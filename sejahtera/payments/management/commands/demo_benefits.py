"""sejahtera demo_benefits: programs run on the demo release and payments at every step, for `make demo`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.programs.models import ProgramRun
from sejahtera.programs.services.runs import programs_run
from sejahtera.updates.selectors import release_current

from ...models import Channel, PaymentBatch
from ...services.accounts import accounts_generate
from ...services.batches import batch_approve, batch_export, batches_create
from ...services.statuses import status_import

# What a demo shows at each step: the PKH batches approved, the BRI one sent and paid back for
# most families (a few failed, for the re-issue), the BPNT batches waiting for a second manager.
PAID_SHARE = 0.9
FAILED_EVERY = 25


class Command(BaseCommand):
    help = "Run PKH and BPNT on the published demo release and leave payments at every step (once)."

    def handle(self, *args: Any, **options: Any) -> None:
        users = {u.username: u for u in User.objects.filter(username__in=["program", "program2", "bank"])}
        if len(users) < 3:
            raise CommandError("Run `sejahtera demo` first: it creates the demo users.")
        release = release_current()
        if release is None:
            raise CommandError("Run `sejahtera demo_cycle` first: it publishes the first release.")
        if ProgramRun.objects.exists():
            self.stdout.write("programs already ran; nothing to do")
            return
        maker, checker, bank = users["program"], users["program2"], users["bank"]
        accounts = accounts_generate(actor=maker, share=0.7)
        self.stdout.write(f"{accounts:,} families got a KKS account (the rest are paid by PT Pos)")
        for code in ("PKH", "BPNT"):
            run = programs_run(actor=maker, program_code=code, period=release.period)
            self.stdout.write(
                f"{code} {run.period}: {run.enrolled:,} families enrolled, {run.entitlements:,} entitlements, "
                f"Rp{run.amount:,}"
            )
        for batch in batches_create(actor=maker, program_code="PKH", period=release.period):
            batch_approve(actor=checker, batch=batch)
        batches_create(actor=maker, program_code="BPNT", period=release.period)
        bri = PaymentBatch.objects.filter(program__code="PKH", channel=Channel.BRI).first()
        if bri is None:
            return
        out = batch_export(actor=bank, batch=bri)
        references = [int(line.split(b",", 1)[0]) for line in out.read().splitlines()[1:-1]]
        out.close()
        today = timezone.localdate()
        lines = ["reference,status,reason,date"]
        for i, ref in enumerate(references[: int(len(references) * PAID_SHARE)]):
            if i % FAILED_EVERY == FAILED_EVERY - 1:
                lines.append(f"{ref},FAILED,Rekening tidak aktif,{today - dt.timedelta(days=3)}")
            else:
                # Paid over the last three weeks, so the realisation page has weeks to show.
                lines.append(f"{ref},PAID,,{today - dt.timedelta(days=3 + 7 * (i % 3))}")
        done = status_import(
            actor=bank, batch=bri, file_name="status-bri-demo.csv", data="\n".join(lines).encode()
        )
        self.stdout.write(
            f"PKH batch #{bri.number} (BRI): {done.paid:,} paid, {done.failed:,} failed, "
            f"{len(references) - done.paid - done.failed:,} still with the bank"
        )
