"""Field verification, QA and approval: results, evidence, maker-checker and the province stage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sejahtera.common.errors import DomainError, MakerCheckerViolation, NotInJurisdiction, PermissionRefused
from sejahtera.common.models import AuditEntry
from sejahtera.updates import services
from sejahtera.updates.models import QACase, VerificationPhoto, VerificationTask

from .factories import JPEG, approve, new_family, person, propose, verify

pytestmark = pytest.mark.django_db
VILLAGE = "3204052001"


# --- verification -----------------------------------------------------------------------------------
def test_a_visit_records_result_photo_and_place(village_operator, verifier, settings):
    p = propose(village_operator)
    task = verify(verifier, p, notes="rumah semi permanen")
    assert (task.status, task.result, str(task.latitude), str(task.longitude)) == (
        "DONE",
        "CONFIRMED",
        "-6.938300",
        "107.723000",
    )
    photo = VerificationPhoto.objects.get(task=task)
    stored = settings.PRIVATE_MEDIA_ROOT / photo.path
    assert stored.read_bytes() == JPEG and photo.content_type == "image/jpeg"
    # Kept outside the static and media roots: nothing serves it but the scoped view.
    assert not str(stored).startswith(str(settings.STATIC_ROOT))
    assert not str(stored).startswith(str(settings.MEDIA_ROOT))
    p.refresh_from_db()
    assert (p.status, p.verified_by) == ("VERIFIED", verifier)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"photos": []}, "foto"),
        ({"photos": [services.Photo("x.jpg", b"GIF89a...")]}, "bukan gambar"),
        ({"latitude": "52.52", "longitude": "13.40"}, "di luar wilayah indonesia"),
        ({"latitude": "enam"}, "angka"),
        ({"visited_on": timezone.localdate() + dt.timedelta(days=1)}, "masa depan"),
        ({"result": "MAYBE"}, "hasil"),
    ],
)
def test_a_visit_without_evidence_is_refused_and_changes_nothing(village_operator, verifier, kw, message):
    p = propose(village_operator)
    with pytest.raises(DomainError) as exc:
        verify(verifier, p, **kw)
    assert message in exc.value.message.lower()
    p.refresh_from_db()
    assert p.status == "SUBMITTED"
    assert VerificationTask.objects.get(proposal=p).status == "OPEN"
    assert not VerificationPhoto.objects.exists()


def test_a_verifier_of_another_district_cannot_visit(village_operator, db):
    from sejahtera.accounts.models import User

    other = User.objects.create_user("verif_x", role="VERIFIER", jurisdiction_id="320406")
    p = propose(village_operator)
    with pytest.raises(NotInJurisdiction):
        verify(other, p)


def test_only_verifiers_verify(village_operator, district_a):
    p = propose(village_operator)
    with pytest.raises(PermissionRefused):
        verify(district_a, p)


def test_not_found_closes_the_proposal(village_operator, verifier):
    p = propose(village_operator)
    verify(verifier, p, result="NOT_FOUND")
    p.refresh_from_db()
    assert p.status == "NOT_CONFIRMED" and "Tidak ditemukan" in p.outcome


def test_a_deactivation_is_borne_out_when_the_family_is_not_eligible(village_operator, verifier):
    hh = person(household__village_id=VILLAGE).household
    p = propose(village_operator, kind="DEACTIVATE", household_id=hh.pk, inactive_reason="NOT_ELIGIBLE")
    verify(verifier, p, result="NOT_ELIGIBLE")
    p.refresh_from_db()
    assert p.status == "VERIFIED"
    q = propose(
        village_operator,
        kind="DEACTIVATE",
        household_id=person().household_id,
        inactive_reason="OTHER",
    )
    verify(verifier, q, result="CONFIRMED")  # found, and eligible as registered: the removal is not borne out
    q.refresh_from_db()
    assert q.status == "NOT_CONFIRMED"


def test_corrected_data_needs_the_corrections(village_operator, verifier):
    p = propose(village_operator)
    with pytest.raises(DomainError, match="perbaikan"):
        verify(verifier, p, result="CORRECTED")
    verify(verifier, p, result="CORRECTED", corrections={"household": {"floor_type": 4}})
    task = VerificationTask.objects.get(proposal=p)
    assert task.corrections == {"household": {"floor_type": 4}}


# --- QA ---------------------------------------------------------------------------------------------
def test_a_family_verified_poor_with_a_car_goes_to_the_university_reviewer(
    village_operator, verifier, qa_reviewer
):
    payload = new_family(VILLAGE)
    payload["household"]["has_car"] = "1"
    p = propose(village_operator, payload=payload)
    verify(verifier, p)
    p.refresh_from_db()
    case = QACase.objects.get(proposal=p)
    assert p.status == "QA_REVIEW"
    assert (case.reason, case.assigned_to, case.status) == ("ASSETS", qa_reviewer, "OPEN")
    assert "memiliki mobil" in case.findings


def test_the_reviewer_upholds_and_the_proposal_goes_on(village_operator, verifier, qa_reviewer, district_a):
    payload = new_family(VILLAGE)
    payload["household"]["floor_area_m2"] = 220
    p = propose(village_operator, payload=payload)
    verify(verifier, p)
    case = QACase.objects.get(proposal=p)
    with pytest.raises(DomainError, match="Alasan"):
        services.qa_decide(actor=qa_reviewer, case_id=case.pk, uphold=True, reason=" ")
    services.qa_decide(
        actor=qa_reviewer, case_id=case.pk, uphold=True, reason="rumah warisan, penghuni lansia miskin"
    )
    p.refresh_from_db()
    assert p.status == "VERIFIED"
    approve(district_a, p)
    p.refresh_from_db()
    assert p.status == "APPROVED"


def test_the_reviewer_reverses_and_the_proposal_is_closed(village_operator, verifier, qa_reviewer):
    hh = person(household__village_id=VILLAGE).household
    p = propose(
        village_operator,
        kind="DEACTIVATE",
        origin="SANGGAH",
        household_id=hh.pk,
        inactive_reason="NOT_ELIGIBLE",
    )
    verify(verifier, p, result="NOT_ELIGIBLE")
    case = QACase.objects.get(proposal=p)
    assert case.reason == "OBJECTION"  # an upheld objection is reviewed before a family is removed
    services.qa_decide(
        actor=qa_reviewer, case_id=case.pk, uphold=False, reason="foto rumah bukan rumah keluarga ini"
    )
    p.refresh_from_db()
    case.refresh_from_db()
    assert (p.status, case.status) == ("NOT_CONFIRMED", "REVERSED")
    assert "foto rumah bukan" in p.outcome
    with pytest.raises(DomainError, match="REVERSED"):
        services.qa_decide(actor=qa_reviewer, case_id=case.pk, uphold=True, reason="berubah pikiran")


def test_a_reviewer_of_another_region_sees_nothing(village_operator, verifier, db):
    from sejahtera.accounts.models import User

    other = User.objects.create_user("univ_b", role="QA_REVIEWER", jurisdiction_id="3273")
    payload = new_family(VILLAGE)
    payload["household"]["has_air_conditioner"] = True
    p = propose(village_operator, payload=payload)
    verify(verifier, p)
    with pytest.raises(NotInJurisdiction):
        services.qa_decide(actor=other, case_id=QACase.objects.get(proposal=p).pk, uphold=True, reason="ok")


# --- approval ---------------------------------------------------------------------------------------
def test_the_district_approves_a_villages_batch_under_a_letter(village_operator, verifier, district_a):
    ps = [propose(village_operator) for _ in range(3)]
    for p in ps:
        verify(verifier, p)
    decision = approve(district_a, *ps, letter_number="400.9/77/Dinsos")
    assert decision.proposals == 3 and decision.village_id == VILLAGE
    for p in ps:
        p.refresh_from_db()
        assert (p.status, p.district_decision_id) == ("APPROVED", decision.pk)
    assert AuditEntry.objects.filter(action="proposal.approved").count() == 3


def test_the_approver_is_never_the_submitter(verifier, district_a):
    p = propose(district_a, origin="SLRT", minutes_number="", minutes_date=None)  # the SLRT desk's proposal
    verify(verifier, p)
    with pytest.raises(MakerCheckerViolation):
        approve(district_a, p)
    p.refresh_from_db()
    assert p.status == "VERIFIED"


def test_one_decision_is_one_village_and_only_verified_proposals(village_operator, verifier, district_a):
    verified = propose(village_operator)
    verify(verifier, verified)
    waiting = propose(village_operator)
    with pytest.raises(DomainError, match="SUBMITTED"):
        approve(district_a, verified, waiting)
    verified.refresh_from_db()
    assert verified.status == "VERIFIED"  # nothing half-applied


def test_another_district_cannot_approve(village_operator, verifier, district_b):
    p = propose(village_operator)
    verify(verifier, p)
    with pytest.raises(NotInJurisdiction):
        approve(district_b, p)


def test_a_returned_proposal_is_visited_again(village_operator, verifier, district_a):
    p = propose(village_operator)
    verify(verifier, p)
    with pytest.raises(DomainError, match="pengembalian"):
        approve(district_a, p, decision="RETURN")
    approve(district_a, p, decision="RETURN", note="foto buram, ulangi")
    p.refresh_from_db()
    assert (p.status, p.outcome) == ("RETURNED", "foto buram, ulangi")
    again = VerificationTask.objects.get(proposal=p, status="OPEN")
    assert again.round == 2
    verify(verifier, p)
    p.refresh_from_db()
    assert p.status == "VERIFIED"


def test_the_province_stage_when_switched_on(
    village_operator, verifier, district_a, province_officer, settings
):
    settings.UPDATES_PROVINCE_STAGE = True
    p = propose(village_operator)
    verify(verifier, p)
    approve(district_a, p)
    p.refresh_from_db()
    assert p.status == "DISTRICT_APPROVED" and p.approved_at is None
    approve(province_officer, p, level="PROVINCE", letter_number="Kep.Gub 460/2026")
    p.refresh_from_db()
    assert p.status == "APPROVED" and p.province_decision_id and p.approved_at


def test_the_province_stage_is_refused_when_off(village_operator, verifier, district_a, province_officer):
    p = propose(village_operator)
    verify(verifier, p)
    approve(district_a, p)
    with pytest.raises(DomainError, match="provinsi"):
        approve(province_officer, p, level="PROVINCE")
