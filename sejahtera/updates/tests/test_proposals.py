"""Proposals: what a village may propose, and what is refused with which field named."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sejahtera.common.errors import NotInJurisdiction, PermissionRefused
from sejahtera.common.models import AuditEntry
from sejahtera.updates import services
from sejahtera.updates.models import Proposal, VerificationTask

from .factories import household, new_family, person, propose

pytestmark = pytest.mark.django_db
VILLAGE = "3204052001"


def _refused(actor, **kw) -> services.ProposalRefused:
    with pytest.raises(services.ProposalRefused) as exc:
        propose(actor, **kw)
    return exc.value


def test_a_new_family_becomes_a_task_for_the_districts_verifiers(village_operator):
    p = propose(village_operator)
    assert (p.status, p.province_code, p.regency_code, p.district_code) == (
        "SUBMITTED",
        "32",
        "3204",
        "320405",
    )
    task = VerificationTask.objects.get(proposal=p)
    assert (task.status, task.round, task.district_code) == ("OPEN", 1, "320405")
    entry = AuditEntry.objects.get(action="proposal.submit", object_id=str(p.pk))
    assert entry.region_code == VILLAGE and (entry.after or {})["kind"] == "NEW_HOUSEHOLD"


def test_verification_is_due_in_30_days_and_an_objection_in_14(village_operator, settings):
    settings.UPDATES_OBJECTION_DAYS = 14
    hh = person(household__village_id=VILLAGE).household
    usual = propose(village_operator)
    objection = propose(
        village_operator,
        kind="DEACTIVATE",
        origin="SANGGAH",
        household_id=hh.pk,
        inactive_reason="NOT_ELIGIBLE",
    )
    assert (usual.due_at - usual.submitted_at).days == 30
    assert (objection.due_at - objection.submitted_at).days == 14


def test_a_village_deliberation_needs_its_minutes(village_operator):
    e = _refused(village_operator, origin="MUSDES", minutes_number="", minutes_date=None)
    assert (e.field, e.code) == ("minutes_number", "MINUTES_REQUIRED")
    # An RT/RW proposal has no minutes.
    assert propose(village_operator, origin="RT_RW", minutes_number="", minutes_date=None).pk


def test_an_operator_proposes_only_for_its_own_village(village_operator):
    with pytest.raises(NotInJurisdiction):
        propose(village_operator, village="3204052002", payload=new_family("3204052002"))


def test_a_verifier_cannot_propose(verifier):
    with pytest.raises(PermissionRefused):
        propose(verifier)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"household": {"kk_number": "123"}}, "kk_number", "KK_INVALID"),
        ({"member_nik": "3204051234567890"}, "nik", "NIK_INVALID"),
        ({"member_sex": "P", "member_nik_sex": "L"}, "sex", "NIK_SEX_MISMATCH"),
        ({"household": {"floor_type": 99}}, "floor_type", "CODE_UNKNOWN"),
        ({"household": {"rumah_mewah": 1}}, "rumah_mewah", "FIELD_UNKNOWN"),
        ({"no_head": True}, "relationship", "ONE_HEAD"),
        ({"no_members": True}, "members", "NO_MEMBERS"),
    ],
)
def test_a_new_family_with_bad_data_is_refused_naming_the_field(village_operator, change, field, code):
    payload = new_family(VILLAGE)
    if "household" in change:
        payload["household"].update(change["household"])
    if "member_nik" in change:
        payload["members"][0]["nik"] = change["member_nik"]
    if "member_sex" in change:
        payload["members"][0]["sex"] = "L"  # the NIK says P (day + 40)
    if change.get("no_head"):
        payload["members"][0]["relationship"] = "SPOUSE"
    if change.get("no_members"):
        payload["members"] = []
    e = _refused(village_operator, payload=payload)
    assert (e.field, e.code) == (field, code)
    assert not Proposal.objects.exists()


def test_a_family_already_registered_is_not_proposed_again(village_operator):
    existing = household(village_id=VILLAGE)
    payload = new_family(VILLAGE)
    payload["household"]["kk_number"] = existing.kk_number
    assert _refused(village_operator, payload=payload).code == "KK_REGISTERED"


def test_changes_name_their_household_in_the_village_and_are_not_proposed_twice(village_operator):
    hh = person(household__village_id=VILLAGE).household
    elsewhere = household(village_id="3204052002")
    e = _refused(
        village_operator, kind="HOUSEHOLD_CHANGE", household_id=elsewhere.pk, payload={"changes": {"rt": "9"}}
    )
    assert e.code == "HOUSEHOLD_NOT_HERE"
    first = propose(
        village_operator, kind="HOUSEHOLD_CHANGE", household_id=hh.pk, payload={"changes": {"floor_type": 3}}
    )
    e = _refused(
        village_operator, kind="HOUSEHOLD_CHANGE", household_id=hh.pk, payload={"changes": {"rt": "9"}}
    )
    assert e.code == "ALREADY_PROPOSED" and f"#{first.pk}" in e.message


def test_a_change_to_nothing_is_refused(village_operator):
    hh = household(village_id=VILLAGE)
    assert (
        _refused(village_operator, kind="HOUSEHOLD_CHANGE", household_id=hh.pk, payload={}).code
        == "NO_CHANGE"
    )


def test_reactivation_needs_an_inactive_family_and_deactivation_a_reason(village_operator):
    hh = household(village_id=VILLAGE)
    assert _refused(village_operator, kind="REACTIVATE", household_id=hh.pk).code == "HOUSEHOLD_STATUS"
    assert _refused(village_operator, kind="DEACTIVATE", household_id=hh.pk).code == "REASON_REQUIRED"


def test_a_move_needs_a_known_other_village(village_operator):
    hh = household(village_id=VILLAGE)
    assert _refused(
        village_operator, kind="MOVE", household_id=hh.pk, target_village_code="3204059999"
    ).code == ("VILLAGE_UNKNOWN")
    assert _refused(village_operator, kind="MOVE", household_id=hh.pk, target_village_code=VILLAGE).code == (
        "SAME_VILLAGE"
    )


def test_member_changes_name_an_active_member_of_the_family(village_operator):
    member = person(household__village_id=VILLAGE)
    other = person(household__village_id=VILLAGE)
    e = _refused(
        village_operator,
        kind="MEMBER_REMOVE",
        household_id=member.household_id,
        person_id=other.pk,
        inactive_reason="OTHER",
    )
    assert e.code == "PERSON_NOT_HERE"


def test_the_submitting_office_withdraws_with_a_reason(village_operator):
    p = propose(village_operator)
    p = services.proposal_withdraw(
        actor=village_operator, proposal_id=p.pk, reason="keluarga pindah sebelum verifikasi"
    )
    assert p.status == "WITHDRAWN"
    assert VerificationTask.objects.get(proposal=p).status == "CANCELLED"


def test_an_objection_not_verified_in_time_lapses(village_operator, central, settings):
    hh = person(household__village_id=VILLAGE).household
    objection = propose(
        village_operator,
        kind="DEACTIVATE",
        origin="SANGGAH",
        household_id=hh.pk,
        inactive_reason="NOT_ELIGIBLE",
    )
    usual = propose(village_operator)
    assert services.proposals_lapse_overdue(actor=central, at=timezone.now() + dt.timedelta(days=13)) == 0
    assert services.proposals_lapse_overdue(actor=central, at=timezone.now() + dt.timedelta(days=15)) == 1
    objection.refresh_from_db()
    usual.refresh_from_db()
    assert (objection.status, usual.status) == ("LAPSED", "SUBMITTED")
    assert VerificationTask.objects.get(proposal=objection).status == "CANCELLED"
    assert AuditEntry.objects.filter(action="proposal.lapsed", object_id=str(objection.pk)).exists()
