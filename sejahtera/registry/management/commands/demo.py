"""sejahtera demo [--households N] [--region CODE]: data and one user per role for a demo."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sejahtera.accounts.models import Role, User
from sejahtera.accounts.services import user_create
from sejahtera.regions.models import Region
from sejahtera.registry.generate import generate
from sejahtera.registry.models import Household
from sejahtera.registry.services import import_run, import_submit, system_user

SECOND_REGION = "3273"  # Kota Bandung: a neighbour whose data the first regency's officers must not see


class Command(BaseCommand):
    help = "Generate and import a synthetic regency (once) and create one demo user per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=50000)
        parser.add_argument("--region", default="3204", help="Regency/city code of the demo (default 3204).")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        region = "".join(ch for ch in options["region"] if ch.isdigit())
        if not Region.objects.filter(code=region, level=2).exists():
            raise CommandError("Load regions first (sejahtera regions load) and name a regency/city code.")
        if not Household.objects.filter(regency_code=region).exists():
            self._load(region, options["households"], options["seed"])
            self._load(SECOND_REGION, max(1000, options["households"] // 20), options["seed"] + 1)
        self._users(region)

    def _load(self, region: str, n: int, seed: int) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            self.stdout.write(f"generating {n:,} households in {region} …")
            generate(households=n, region=region, seed=seed, dirty=0.01, out=out)
            job = import_submit(
                actor=system_user(), households_path=out / "households.csv", persons_path=out / "persons.csv"
            )
            job = import_run(job_id=job.pk)
            self.stdout.write(
                f"imported {job.households_imported:,} households, {job.persons_imported:,} persons "
                f"({job.rows_rejected:,} rows rejected: the 1 % injected problems, see Impor #{job.pk})"
            )

    def _users(self, region: str) -> None:
        hh = Household.objects.filter(regency_code=region).order_by("id").first()
        assert hh is not None
        village, district, province = hh.village_id, hh.district_code, region[:2]
        personas = [
            ("pusat", Role.CENTRAL_DATA, ""),
            # A second member of the central team: a release is published by someone other than its builder.
            ("penetap", Role.CENTRAL_DATA, ""),
            ("program", Role.PROGRAM_MANAGER, ""),
            # A second program manager: a payment batch is approved by someone other than its maker.
            ("program2", Role.PROGRAM_MANAGER, ""),
            ("provinsi", Role.PROVINCE_OFFICER, province),
            ("dinsos", Role.DISTRICT_OFFICER, region),
            ("dinsos2", Role.DISTRICT_OFFICER, SECOND_REGION),
            ("desa", Role.VILLAGE_OPERATOR, village),
            ("verifikator", Role.VERIFIER, district),
            ("qa", Role.QA_REVIEWER, province),
            ("peksos", Role.SOCIAL_WORKER, region),
            ("tagana", Role.DISASTER_COORDINATOR, region),
            ("bank", Role.PAYMENT_CHANNEL, ""),
            ("auditor", Role.AUDITOR, ""),
        ]
        lines = []
        for username, role, code in personas:
            password = secrets.token_urlsafe(9)
            user = User.objects.filter(username=username).first()
            if user is None:
                user_create(
                    actor=None, username=username, password=password, role=role, jurisdiction_code=code
                )
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            if username == "bank":  # the state bank paying into KKS accounts
                User.objects.filter(username=username).update(payment_channel="BRI")
            where = Region.objects.get(code=code).name if code else "Nasional"
            lines.append(f"  {username:<12} {password:<14} {Role(role).label} — {where} {code}")
        text = "Demo users (username, password, role, jurisdiction):\n" + "\n".join(lines)
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        (settings.VAR_DIR / "demo-users.txt").write_text(text + "\n", encoding="utf-8")
        self.stdout.write(text)
        self.stdout.write(f"(also written to {settings.VAR_DIR / 'demo-users.txt'})")
