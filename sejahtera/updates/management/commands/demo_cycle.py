"""sejahtera demo_cycle: a published first release and proposals at every step, for `make demo`."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.registry.identifiers import kk_for, nik_for
from sejahtera.registry.models import Household
from sejahtera.updates import services
from sejahtera.updates.models import Proposal, Release, VerificationTask


def demo_photo(width: int = 64, height: int = 48, rgb: tuple[int, int, int] = (150, 120, 90)) -> bytes:
    """A small solid-colour PNG (a stand-in for a house photo), written without an image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _quarter(today: dt.date, back: int = 0) -> str:
    q = today.year * 12 + (today.month - 1) // 3 * 3 - 3 * back
    return f"{q // 12}-{q % 12 + 1:02d}"


class Command(BaseCommand):
    help = "Publish a first release and put demo proposals at each step of the update cycle (once)."

    def handle(self, *args: Any, **options: Any) -> None:
        users = {
            u.username: u
            for u in User.objects.filter(username__in=["pusat", "penetap", "desa", "verifikator", "dinsos"])
        }
        if len(users) < 5:
            raise CommandError("Run `sejahtera demo` first: it creates the demo users.")
        today = timezone.localdate()
        if not Release.objects.filter(status=Release.Status.PUBLISHED).exists():
            self.stdout.write("building the first release …")
            release = services.release_build(actor=users["pusat"], period=_quarter(today, back=1))
            services.release_publish(
                actor=users["penetap"], number=release.number, decree_number="KEP-DEMO/HUK/2026"
            )
            self.stdout.write(f"published release {release.number}: {release.households:,} households")
        village = users["desa"].jurisdiction_code
        if Proposal.objects.filter(village_id=village).exists():
            self.stdout.write("demo proposals already present")
            return
        self._proposals(users, village, today)

    def _proposals(self, users: dict[str, User], village: str, today: dt.date) -> None:
        district = village[:6]
        families = list(Household.objects.filter(village_id=village, status="ACTIVE").order_by("id")[:6])

        def new(serial: int, name: str) -> Proposal:
            kk = kk_for(district_code=district, record_date=dt.date(2024, 5, 2), serial=9000 + serial)
            head = nik_for(
                district_code=district, birth_date=dt.date(1979, 8, 17), sex="P", serial=9000 + serial
            )
            payload = {
                "household": {"kk_number": kk, "address": f"Kp. Demo No. {serial}", "rt": "001", "rw": "002",
                              "floor_type": 9, "wall_type": 3, "lighting_source": 3},
                "members": [{"nik": head, "full_name": name, "birth_date": "1979-08-17", "sex": "P",
                             "relationship": "HEAD"}],
            }  # fmt: skip
            data = services.ProposalInput(
                kind="NEW_HOUSEHOLD", origin="MUSDES", village_code=village, payload=payload,
                minutes_number=f"BA/{serial}/MUSDES/{today.year}", minutes_date=today, note="Hasil musyawarah desa",
            )  # fmt: skip
            return services.proposal_submit(actor=users["desa"], data=data)

        def visit(p: Proposal) -> None:
            task = VerificationTask.objects.get(proposal=p, status="OPEN")
            services.verification_submit(
                actor=users["verifikator"], task_id=task.pk, result="CONFIRMED", latitude="-6.9383",
                longitude="107.7230", visited_on=today, photos=[services.Photo("rumah.png", demo_photo())],
                notes="Rumah semi permanen, lantai tanah",
            )  # fmt: skip

        waiting = [new(1, "SITI AMINAH"), new(2, "DEDE ROHAENI")]
        verified = [new(3, "ENTIN SUPRIATIN"), new(4, "YAYAH KOMARIAH")]
        for p in verified:
            visit(p)
        approved = new(5, "NENG HALIMAH")
        visit(approved)
        services.proposals_decide(
            actor=users["dinsos"], village_code=village, proposal_ids=[approved.pk], decision="APPROVE",
            letter_number=f"400.9/{today.year}/Dinsos", letter_date=today,
        )  # fmt: skip
        if families:
            services.proposal_submit(
                actor=users["desa"],
                data=services.ProposalInput(
                    kind="DEACTIVATE", origin="SANGGAH", village_code=village, household_id=families[0].pk,
                    inactive_reason="NOT_ELIGIBLE", reference="SANGGAH-DEMO-1",
                    note="Sanggahan warga: keluarga memiliki usaha toko",
                ),
            )  # fmt: skip
        self.stdout.write(
            f"demo proposals in {village}: {len(waiting) + 1} waiting for a visit, {len(verified)} waiting for "
            "approval, 1 approved for the next release"
        )
