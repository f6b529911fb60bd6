"""Helpers that walk a proposal through the cycle with the real services."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any, cast

from django.utils import timezone

from sejahtera.registry.identifiers import kk_for, nik_for
from sejahtera.registry.models import Household, Person
from sejahtera.registry.tests.factories import HouseholdFactory, PersonFactory
from sejahtera.updates import services
from sejahtera.updates.models import ApprovalDecision, Proposal, VerificationTask


def household(**kw: Any) -> Household:
    """A registry household (factory_boy, typed for mypy)."""
    return cast(Household, HouseholdFactory(**kw))


def person(**kw: Any) -> Person:
    """A registry person (factory_boy, typed for mypy)."""
    return cast(Person, PersonFactory(**kw))


# A 1x1 JPEG header is enough for the type check (the service reads the first bytes).
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
_serial = itertools.count(5000)


def new_family(
    village: str = "3204052001", *, head_name: str = "SITI AMINAH", members: int = 2
) -> dict[str, Any]:
    district = village[:6]
    serial = next(_serial)
    kk = kk_for(district_code=district, record_date=dt.date(2019, 7, 1), serial=serial)
    people = [
        {
            "nik": nik_for(district_code=district, birth_date=dt.date(1985, 3, 4), sex="P", serial=serial),
            "full_name": head_name,
            "birth_date": "1985-03-04",
            "sex": "P",
            "relationship": "HEAD",
        }
    ]
    for i in range(1, members):
        people.append(
            {
                "nik": nik_for(
                    district_code=district, birth_date=dt.date(2012, 1, 9), sex="L", serial=serial + i
                ),
                "full_name": f"ANAK {head_name} {i}",
                "birth_date": "2012-01-09",
                "sex": "L",
                "relationship": "CHILD",
            }
        )
    return {
        "household": {
            "kk_number": kk,
            "address": "Kp. Babakan RT 02",
            "rt": "002",
            "rw": "005",
            "floor_type": 9,
        },
        "members": people,
    }


def propose(actor: Any, *, kind: str = "NEW_HOUSEHOLD", village: str = "3204052001", **kw: Any) -> Proposal:
    defaults: dict[str, Any] = {
        "origin": "MUSDES",
        "minutes_number": "BA/12/2026",
        "minutes_date": timezone.localdate(),
    }
    if kind == "NEW_HOUSEHOLD" and "payload" not in kw:
        kw["payload"] = new_family(village)
    data = services.ProposalInput(kind=kind, village_code=village, **{**defaults, **kw})
    return services.proposal_submit(actor=actor, data=data)


def verify(actor: Any, proposal: Proposal, *, result: str = "CONFIRMED", **kw: Any) -> VerificationTask:
    task = VerificationTask.objects.get(proposal=proposal, status="OPEN")
    return services.verification_submit(
        actor=actor,
        task_id=task.pk,
        result=result,
        latitude=kw.pop("latitude", "-6.9383"),
        longitude=kw.pop("longitude", "107.7230"),
        visited_on=kw.pop("visited_on", timezone.localdate()),
        photos=kw.pop("photos", [services.Photo("rumah.jpg", JPEG)]),
        **kw,
    )


def approve(
    actor: Any, *proposals: Proposal, decision: str = "APPROVE", level: str = "DISTRICT", **kw: Any
) -> ApprovalDecision:
    return services.proposals_decide(
        actor=actor,
        village_code=proposals[0].village_id,
        proposal_ids=[p.pk for p in proposals],
        decision=decision,
        letter_number=kw.pop("letter_number", "400/123-Dinsos/2026"),
        letter_date=kw.pop("letter_date", timezone.localdate()),
        level=level,
        **kw,
    )
