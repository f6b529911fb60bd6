"""A few registry records that are, or are not, the same person, and a pair stored for them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.utils import timezone

from sejahtera.quality.dedup.models import DedupRun, DuplicatePair, Kind
from sejahtera.registry.models import Household, Person
from sejahtera.updates.tests.factories import household, person

VILLAGE_A = "3204052001"  # Kab. Bandung (region A)
VILLAGE_A2 = "3204332007"  # Kab. Bandung, another district
VILLAGE_B = "3273011001"  # Kota Bandung (region B)


def twin(original: Person, *, village: str, name: str | None = None, nik: str | None = None) -> Person:
    """The original registered again, alone in a family of another village (a two-households
    duplicate), with two NIK digits swapped (the registry refuses a second active person with the
    same NIK) and optionally a typo'd name."""
    hh = household(village_id=village)
    return person(
        household=hh,
        full_name=name or original.full_name,
        nik=nik or swapped(original.nik),
        birth_date=original.birth_date,
        sex=original.sex,
        relationship="HEAD",
    )


def swapped(nik: str, start: int = 12) -> str:
    """The number with the first two differing adjacent digits from `start` swapped."""
    for i in range(start, len(nik) - 1):
        if nik[i] != nik[i + 1]:
            return nik[:i] + nik[i + 1] + nik[i] + nik[i + 2 :]
    raise ValueError(f"no two different adjacent digits after {start} in {nik}")


def a_run(actor: Any) -> DedupRun:
    return DedupRun.objects.create(
        threshold=0.9, started_by=actor, status=DedupRun.Status.DONE, kind=Kind.PERSON
    )


def a_pair(
    a: Person | Household, b: Person | Household, *, run: DedupRun, probability: float = 0.97
) -> DuplicatePair:
    """A PENDING pair as a run stores it (record_a < record_b)."""
    first, second = sorted([a, b], key=lambda r: r.pk)
    kind = Kind.PERSON if isinstance(first, Person) else Kind.HOUSEHOLD

    def village(r: Any) -> str:
        return r.household.village_id if isinstance(r, Person) else r.village_id

    def key(r: Any) -> str:
        return r.nik if isinstance(r, Person) else r.kk_number

    return DuplicatePair.objects.create(
        kind=kind,
        record_a=first.pk,
        record_b=second.pk,
        key_a=key(first),
        key_b=key(second),
        village_a=village(first),
        village_b=village(second),
        probability=probability,
        details=json.loads(json.dumps({"levels": {"nik": {"level": "Exact match on nik", "weight": 18.7}}})),
        first_run=run,
        last_run=run,
        found_at=timezone.now(),
    )


OTHERS = [
    ("AGUS SETIAWAN", dt.date(1971, 2, 3), "L"),
    ("BUDI HARTONO", dt.date(1966, 9, 21), "L"),
    ("CITRA DEWANTI", dt.date(1990, 12, 1), "P"),
    ("DEWI SARTIKA", dt.date(1983, 7, 30), "P"),
    ("EKO PRASETYO", dt.date(1995, 4, 11), "L"),
    ("FITRIANI", dt.date(2001, 1, 25), "P"),
    ("GILANG RAMADHAN", dt.date(2010, 8, 14), "L"),
    ("HANA PERTIWI", dt.date(1978, 3, 9), "P"),
]


def strangers(n: int, village: str = VILLAGE_A) -> list[Person]:
    """n unrelated heads of their own families, each on its own street."""
    out = []
    for i, (name, day, sex) in enumerate(OTHERS[:n]):
        hh = household(
            village_id=village, address=f"Kp. {name.split()[0].title()} No. {i + 11}", rt=f"{i + 1:03d}"
        )
        out.append(person(household=hh, full_name=name, birth_date=day, sex=sex))
    return out
