"""Small helpers for the quality tests: a family in a few words, and a check's rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import connection

from sejahtera.quality.checks import STAGE_COLUMNS, Ctx, render
from sejahtera.registry.imports.sql import Dialect
from sejahtera.registry.models import Household, Person
from sejahtera.updates.tests.factories import household, person

TODAY = dt.date(2026, 11, 28)
VILLAGE_A = "3204052001"  # Kab. Bandung (region A)
VILLAGE_B = "3273011001"  # Kota Bandung (region B)


def family(village: str = VILLAGE_A, *, members: int = 1, **head: Any) -> tuple[Household, list[Person]]:
    """A household with a head (fields as given) and `members - 1` children."""
    hh = household(village_id=village)
    people = [person(household=hh, relationship="HEAD", **head)]
    for i in range(members - 1):
        people.append(person(household=hh, relationship="CHILD", birth_date=dt.date(2010, 1, 1 + i)))
    return hh, people


def rows(
    check: Callable[[Ctx], str], *, today: dt.date = TODAY, job: int | None = None
) -> list[dict[str, Any]]:
    ctx = Ctx(d=Dialect(connection.vendor), today=today, import_job_id=job)
    with connection.cursor() as cur:
        cur.execute(render(check, ctx), ctx.bind())
        return [dict(zip(STAGE_COLUMNS, r, strict=True)) for r in cur.fetchall()]


def persons_flagged(check: Callable[[Ctx], str], **kw: Any) -> set[int]:
    return {r["person_id"] for r in rows(check, **kw)}


def households_flagged(check: Callable[[Ctx], str], **kw: Any) -> set[int]:
    return {r["household_id"] for r in rows(check, **kw)}
