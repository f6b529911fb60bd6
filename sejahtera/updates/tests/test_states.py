"""Issue 3 §8: every entity with a status has an explicit table of allowed moves. Every allowed move
is made and audited here; every refused move answers naming the current and the requested state.

The tables are written out again below (not read from the code), so a change to a model's table
fails here until it is made on purpose in both places. The services that make each move in the
real cycle are tested in test_proposals, test_verification_approval, test_releases, test_events.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from sejahtera.common.errors import TransitionNotAllowed
from sejahtera.common.models import AuditEntry
from sejahtera.updates.models import PopulationEvent, Proposal, QACase, Release, VerificationTask
from sejahtera.updates.services._base import move

pytestmark = pytest.mark.django_db

EXPECTED: dict[Any, dict[str, set[str]]] = {
    Proposal: {
        "SUBMITTED": {"VERIFIED", "NOT_CONFIRMED", "QA_REVIEW", "LAPSED", "WITHDRAWN"},
        "RETURNED": {"VERIFIED", "NOT_CONFIRMED", "QA_REVIEW", "WITHDRAWN"},
        "QA_REVIEW": {"VERIFIED", "NOT_CONFIRMED"},
        "VERIFIED": {"APPROVED", "DISTRICT_APPROVED", "RETURNED"},
        "DISTRICT_APPROVED": {"APPROVED", "RETURNED"},
        "APPROVED": {"APPLIED", "CONFLICT"},
        "APPLIED": set(),
        "CONFLICT": set(),
        "NOT_CONFIRMED": set(),
        "LAPSED": set(),
        "WITHDRAWN": set(),
    },
    VerificationTask: {"OPEN": {"DONE", "CANCELLED"}, "DONE": set(), "CANCELLED": set()},
    QACase: {"OPEN": {"UPHELD", "REVERSED"}, "UPHELD": set(), "REVERSED": set()},
    Release: {
        "BUILDING": {"DRAFT", "FAILED"},
        "DRAFT": {"PUBLISHED", "DISCARDED"},
        "PUBLISHED": set(),
        "DISCARDED": set(),
        "FAILED": set(),
    },
    PopulationEvent: {"REJECTED": {"APPLIED", "REJECTED"}, "APPLIED": set()},
}


def test_the_tables_are_the_ones_written_here():
    for model, table in EXPECTED.items():
        assert {k: set(v) for k, v in model.TRANSITIONS.items()} == table, model.__name__
        # Every status appears as a source (a final state with an empty set), so none is forgotten.
        assert set(table) == set(model.Status.values), model.__name__


def _pairs(allowed: bool) -> list[tuple[Any, str, str]]:
    out = []
    for model, table in EXPECTED.items():
        for src in model.Status.values:
            for dst in model.Status.values:
                if (dst in table.get(src, set())) == allowed:
                    out.append((model, src, dst))
    return out


def _id(pair: tuple[Any, str, str]) -> str:
    return f"{pair[0].__name__}:{pair[1]}->{pair[2]}"


@pytest.fixture
def rows(village_operator, central):
    """One saved row of each entity, to move around."""
    at = timezone.now()

    def make(model: type, status: str) -> Any:
        if model is Proposal:
            p = Proposal(
                kind="HOUSEHOLD_CHANGE", origin="RT_RW", status=status, submitted_by=village_operator,
                submitted_at=at, due_at=at + dt.timedelta(days=30),
                household=_household(),
            )  # fmt: skip
            p.place_in("3204052001")
            p.save()
            return p
        if model is VerificationTask:
            t = VerificationTask(proposal=make(Proposal, "SUBMITTED"), status="OPEN")
            t.place_in("3204052001")
            t.save()
            if status != "OPEN":
                VerificationTask.objects.filter(pk=t.pk).update(
                    status=status, result="CONFIRMED", latitude=-6.9, longitude=107.7, visited_on=at.date()
                )
                t.refresh_from_db()
            return t
        if model is QACase:
            p = make(Proposal, "QA_REVIEW")
            task = make(VerificationTask, "DONE")
            c = QACase(proposal=p, task=task, reason="ASSETS", status=status, opened_at=at)
            c.place_in("3204052001")
            c.save()
            return c
        if model is Release:
            fields = (
                {"decree_number": "KEP-1", "published_at": at, "published_by": central}
                if status == "PUBLISHED"
                else {}
            )
            number = (Release.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
            return Release.objects.create(
                number=number, period="2026-10", cutoff=at, status=status, built_by=central, **fields
            )
        if model is PopulationEvent:
            return PopulationEvent.objects.create(
                event_id=f"E-{status}-{PopulationEvent.objects.count()}", kind="MATI", status=status,
                region_code="320405", received_at=at,
            )  # fmt: skip
        raise AssertionError(model)

    return make


def _household() -> Any:
    from sejahtera.registry.tests.factories import HouseholdFactory

    return HouseholdFactory(village_id="3204052001")


# What a move needs besides the status (the database's own checks refuse it without them).
def _requirements(model: type, dst: str, central: Any) -> dict[str, Any]:
    if model is Release and dst == "PUBLISHED":
        return {"decree_number": "KEP-9", "published_at": timezone.now(), "published_by": central}
    if model is VerificationTask and dst == "DONE":
        return {
            "result": "CONFIRMED",
            "latitude": -6.9,
            "longitude": 107.7,
            "visited_on": timezone.localdate(),
        }
    return {}


@pytest.mark.parametrize("pair", _pairs(allowed=True), ids=_id)
def test_every_allowed_move_is_made_and_audited(pair, rows, central):
    model, src, dst = pair
    obj = rows(model, src)
    before = AuditEntry.objects.count()
    needs = _requirements(model, dst, central)
    for k, v in needs.items():
        setattr(obj, k, v)
    move(
        obj,
        to=dst,
        actor=central,
        entity=model.__name__,
        object_type=model.__name__.lower(),
        region_code="3204052001",
        fields=tuple(needs),
    )
    obj.refresh_from_db()
    assert obj.status == dst
    entry = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry is not None and (entry.before, entry.after) == ({"status": src}, {"status": dst})


@pytest.mark.parametrize("pair", _pairs(allowed=False), ids=_id)
def test_every_refused_move_names_both_states_and_changes_nothing(pair, rows, central):
    model, src, dst = pair
    obj = rows(model, src)
    before = AuditEntry.objects.count()
    with pytest.raises(TransitionNotAllowed) as exc:
        move(obj, to=dst, actor=central, entity=model.__name__, object_type="x", region_code="")
    assert f"({src})" in exc.value.message and f"({dst})" in exc.value.message
    assert exc.value.status_code == 409
    obj.refresh_from_db()
    assert obj.status == src
    assert AuditEntry.objects.count() == before
