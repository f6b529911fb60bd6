"""Test data for payments: programs, a published release with its snapshot, and entitlements made
directly with the ORM (the programs run is another app's; payments only read its entitlements)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.payments.models import PaymentAccount
from sejahtera.programs.models import Enrollment, Entitlement, Program, ProgramParameter, ProgramRun
from sejahtera.registry.models import Household
from sejahtera.updates.models import Release, ReleaseHousehold, ReleasePerson
from sejahtera.updates.tests.factories import household, person

VILLAGE_A = "3204052001"  # Kab. Bandung (region A), Kec. Cileunyi
VILLAGE_A2 = "3204332007"  # Kab. Bandung (region A), Kec. Majalaya
VILLAGE_B = "3273011001"  # Kota Bandung (region B)

_numbers = itertools.count(900)


def program(code: str = "PKH") -> Program:
    unit = Program.Unit.PERSON if code == "PBI" else Program.Unit.FAMILY
    prog, _ = Program.objects.get_or_create(code=code, defaults={"name": code, "unit": unit})
    return prog


def _parameter(prog: Program) -> ProgramParameter:
    param, _ = ProgramParameter.objects.get_or_create(
        program=prog,
        valid_from=dt.date(2021, 1, 1),
        defaults={"params": {"unit": prog.unit}, "legal_source": "uji"},
    )
    return param


class World:
    """A published release and a run per program and period, to hang entitlements on."""

    def __init__(self, actor: User) -> None:
        self.actor = actor
        number = next(_numbers)
        self.release = Release.objects.create(
            number=number,
            period="2021-01",
            cutoff=timezone.now(),
            status=Release.Status.PUBLISHED,
            built_by=actor,
            published_by=actor,
            decree_number=f"KEP-{number}",
            published_at=timezone.now(),
        )
        self.runs: dict[tuple[str, str], ProgramRun] = {}

    def run(self, prog: Program, period: str) -> ProgramRun:
        key = (prog.code, period)
        if key not in self.runs:
            self.runs[key] = ProgramRun.objects.create(
                program=prog,
                period=period,
                release=self.release,
                parameter=_parameter(prog),
                status=ProgramRun.Status.DONE,
                started_by=self.actor,
            )
        return self.runs[key]

    def family(
        self,
        village: str = VILLAGE_A,
        *,
        head: str = "SITI AMINAH",
        account: str = "",
        headless: bool = False,
    ) -> Household:
        """A registry family in the release snapshot (head and a child); `account` a bank code
        gives it a KKS account there; `headless`: the release names no head."""
        hh = household(village_id=village)
        h = person(household=hh, full_name=head, sex="P", birth_date=dt.date(1985, 3, 4))
        c = person(
            household=hh, full_name=f"ANAK {head}", relationship="CHILD", birth_date=dt.date(2012, 1, 9)
        )
        ReleaseHousehold.objects.create(
            release=self.release,
            household_id=hh.pk,
            kk_number=hh.kk_number,
            village_code=village,
            district_code=village[:6],
            regency_code=village[:4],
            province_code=village[:2],
            members=2,
            version=timezone.now(),
        )
        for p in (c, h):  # the child first: the head is found by relationship, not by order
            ReleasePerson.objects.create(
                release=self.release,
                person_id=p.pk,
                household_id=hh.pk,
                nik=p.nik,
                full_name=p.full_name,
                birth_date=p.birth_date,
                sex=p.sex,
                relationship="OTHER" if headless and p is h else p.relationship,
                disability_severity="NONE",
                pregnant=False,
                school_level="NONE",
                ppks_mask=0,
            )
        if account:
            PaymentAccount.objects.create(household=hh, channel=account, account_number=f"00{hh.pk:010d}")
        return hh

    def entitlement(
        self,
        hh: Household,
        *,
        code: str = "PKH",
        period: str = "2021-01",
        amount: int = 1_500_000,
        tahap: int = 1,
    ) -> Entitlement:
        prog = program(code)
        run = self.run(prog, period)
        enrollment = Enrollment.objects.filter(
            program=prog, household=hh
        ).first() or Enrollment.objects.create(
            program=prog,
            household=hh,
            village_code=hh.village_id,
            district_code=hh.district_code,
            regency_code=hh.regency_code,
            province_code=hh.province_code,
            rank=1,
            enrolled_run=run,
            enrolled_period=period,
        )
        return Entitlement.objects.create(
            program=prog,
            household=hh,
            period=period,
            tahap=tahap,
            amount=amount,
            run=run,
            release=self.release,
            enrollment=enrollment,
            village_code=hh.village_id,
            district_code=hh.district_code,
            regency_code=hh.regency_code,
            province_code=hh.province_code,
        )

    def families(
        self, n: int, village: str = VILLAGE_A, *, account: str = "", **kw: Any
    ) -> list[Entitlement]:
        """n families of a village, each with an entitlement (kw: code, period, amount, tahap)."""
        return [
            self.entitlement(self.family(village, head=f"IBU {village[-4:]} {i}", account=account), **kw)
            for i in range(n)
        ]


def status_file(rows: list[tuple[Any, ...]], header: str = "reference,status,reason,date") -> bytes:
    lines = [header] + [",".join(str(v) for v in r) for r in rows]
    return ("\n".join(lines) + "\n").encode()
