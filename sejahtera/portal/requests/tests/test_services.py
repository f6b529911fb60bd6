"""The rules of public requests: usul and sanggah enter the update cycle, complaints reach the
district office of their village and move through their states."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from sejahtera.accounts.permissions import Action, can
from sejahtera.common.errors import NotInJurisdiction, PermissionRefused, TransitionNotAllowed
from sejahtera.portal.requests import selectors, services
from sejahtera.portal.requests.models import Complaint, PublicSubmission
from sejahtera.registry.identifiers import kk_for, nik_for
from sejahtera.updates import services as cycle
from sejahtera.updates.models import Proposal, VerificationTask

from .fixtures import JPEG, VILLAGE_A, VILLAGE_A2, VILLAGE_B, listed_family

PHOTO = services.Upload("rumah.jpg", JPEG)


def tracked(code: str) -> selectors.PublicStatus:
    status = selectors.track(code)
    assert status is not None, f"{code} not found"
    return status


def usul_input(village: str = VILLAGE_A, serial: int = 8301, **over):
    district = village[:6]
    data = services.UsulInput(
        village_code=village,
        relation="SELF",
        kk_number=kk_for(district_code=district, record_date=dt.date(2020, 1, 6), serial=serial),
        head_nik=nik_for(district_code=district, birth_date=dt.date(1988, 5, 2), sex="P", serial=serial),
        head_name="Rahmawati",
        address="Kp. Sukamaju RT 03",
        statement="Suami meninggal, tiga anak sekolah.",
        program_code="PKH",
        contact_name="Rahmawati",
    )
    for k, v in over.items():
        setattr(data, k, v)
    return data


def sanggah_input(family, village: str = VILLAGE_A, **over):
    data = services.SanggahInput(
        village_code=village,
        household_id=family.household.pk,
        reason="NOT_POOR",
        statement="Memiliki mobil dan toko.",
        latitude="-6.9351",
        longitude="107.7212",
        objector_nik=nik_for(district_code="320405", birth_date=dt.date(1990, 1, 1), sex="L", serial=77),
        objector_name="Asep",
    )
    for k, v in over.items():
        setattr(data, k, v)
    return data


# --- usul -------------------------------------------------------------------------------------------
def test_an_usul_becomes_a_new_family_proposal_in_the_village_queue_with_a_task(db):
    sub = services.usul_submit(data=usul_input(), photo=PHOTO)

    p = sub.proposal
    assert (p.kind, p.origin, p.status, p.village_id) == ("NEW_HOUSEHOLD", "USUL", "SUBMITTED", VILLAGE_A)
    assert p.submitted_by.username == "portal" and p.reference == sub.code
    head = p.payload["members"][0]
    assert (head["relationship"], head["sex"], head["birth_date"]) == ("HEAD", "P", "1988-05-02")
    assert VerificationTask.objects.filter(proposal=p, status="OPEN").count() == 1
    assert sub.code.startswith("USL-") and len(sub.code.replace("-", "")) == 13
    assert sub.program is not None and sub.program.code == "PKH" and sub.content_type == "image/jpeg"


def test_tracking_codes_are_random_and_read_back_however_typed(db):
    codes = {services.random_code("USL") for _ in range(50)}
    assert len(codes) == 50
    assert not set("".join(codes).replace("USL", "").replace("-", "")) & set("01OIL")
    code = services.usul_submit(data=usul_input(), photo=PHOTO).code
    assert tracked(code.lower().replace("-", " ")).code == code
    assert selectors.track("USL-AAAAA-AAAAA") is None
    assert selectors.track("") is None


def test_an_usul_for_a_kk_already_registered_is_accepted_and_flagged_for_the_operator(db):
    family = listed_family()
    sub = services.usul_submit(data=usul_input(kk_number=family.household.kk_number), photo=PHOTO)
    assert sub.finding == "kk_number: nomor KK sudah terdaftar aktif"
    assert "Perlu diperiksa operator" in sub.proposal.note
    # The citizen is told nothing about the registry: the status reads like any other.
    assert tracked(sub.code).status == "Diterima"


def test_a_second_usul_of_the_same_kk_joins_the_running_proposal(db):
    first = services.usul_submit(data=usul_input(), photo=PHOTO)
    second = services.usul_submit(data=usul_input(contact_name="Tetangga"), photo=PHOTO)
    assert second.proposal_id == first.proposal_id and second.code != first.code
    assert Proposal.objects.filter(origin="USUL").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kk_number", "1234", "Nomor KK harus 16 angka"),
        ("head_nik", "3204059999880001", "NIK harus 16 angka dengan tanggal lahir yang benar"),
        ("program_code", "NOPE", "Pilih program"),
        ("village_code", "3204052999", "Pilih desa/kelurahan"),
    ],
)
def test_an_usul_with_a_bad_entry_is_refused_naming_the_field(db, field, value, message):
    with pytest.raises(services.RequestRefused, match=message):
        services.usul_submit(data=usul_input(**{field: value}), photo=PHOTO)
    assert not PublicSubmission.objects.exists() and not Proposal.objects.exists()


def test_a_file_that_is_not_a_photo_is_refused(db):
    with pytest.raises(services.RequestRefused, match="JPEG, PNG atau WebP") as e:
        services.usul_submit(data=usul_input(), photo=services.Upload("x.pdf", b"%PDF-1.7"))
    assert e.value.field == "photo"


# --- sanggah ----------------------------------------------------------------------------------------
def test_a_sanggah_becomes_a_deactivation_with_a_task_due_in_14_days(db):
    family = listed_family()
    before = timezone.now()
    sub = services.sanggah_submit(data=sanggah_input(family), photo=PHOTO)

    p = sub.proposal
    assert (p.kind, p.origin, p.household_id, p.inactive_reason) == (
        "DEACTIVATE", "SANGGAH", family.household.pk, "NOT_ELIGIBLE"
    )  # fmt: skip
    assert dt.timedelta(days=14) <= p.due_at - before < dt.timedelta(days=14, minutes=1)
    assert VerificationTask.objects.filter(proposal=p, status="OPEN").exists()
    assert sub.code.startswith("SGH-") and sub.objector_residency == "NOT_LISTED"
    assert str(sub.latitude) == "-6.935100"


def test_an_objector_of_the_registry_is_recorded_by_where_they_live(db):
    family, neighbour, elsewhere = (
        listed_family(),
        listed_family(serial=8102),
        listed_family(VILLAGE_A2, serial=8103),
    )
    rows = [
        services.sanggah_submit(data=sanggah_input(family, objector_nik=who.head.nik), photo=PHOTO)
        for who in (neighbour, elsewhere, family)
    ]
    assert [r.objector_residency for r in rows] == ["HERE", "ELSEWHERE", "OWN_FAMILY"]
    assert len({r.proposal_id for r in rows}) == 1  # the later ones joined the first


def test_a_sanggah_not_verified_in_14_days_lapses_and_says_so(db):
    sub = services.sanggah_submit(data=sanggah_input(listed_family()), photo=PHOTO)
    assert tracked(sub.code).status == "Diterima"
    cycle.proposals_lapse_overdue(actor=None, at=timezone.now() + dt.timedelta(days=15))
    status = tracked(sub.code)
    assert status.status == "Kedaluwarsa" and "dianggap tidak sah" in status.explanation


def test_an_objection_from_another_village_is_refused(db):
    family = listed_family(VILLAGE_A)
    with pytest.raises(services.RequestRefused, match="tidak dapat disanggah") as e:
        services.sanggah_submit(data=sanggah_input(family, village=VILLAGE_A2), photo=PHOTO)
    assert e.value.field == "recipient"
    assert not Proposal.objects.exists()


def test_an_objection_to_an_inactive_family_is_refused_like_any_other(db):
    family = listed_family()
    type(family.household).objects.filter(pk=family.household.pk).update(
        status="INACTIVE", inactive_reason="DUPLICATE"
    )
    with pytest.raises(services.RequestRefused, match="tidak dapat disanggah"):
        services.sanggah_submit(data=sanggah_input(family), photo=PHOTO)


def test_coordinates_outside_indonesia_are_refused(db):
    with pytest.raises(services.RequestRefused, match="di luar wilayah Indonesia"):
        services.sanggah_submit(data=sanggah_input(listed_family(), latitude="51.5"), photo=PHOTO)


def test_an_upheld_sanggah_goes_to_qa_then_reads_as_proven(db, verifier, qa_reviewer):
    sub = services.sanggah_submit(data=sanggah_input(listed_family()), photo=PHOTO)
    task = VerificationTask.objects.get(proposal=sub.proposal)
    cycle.task_claim(actor=verifier, task_id=task.pk)  # the portal account is nobody's maker
    assert tracked(sub.code).status == "Sedang diverifikasi"
    cycle.verification_submit(
        actor=verifier, task_id=task.pk, result="NOT_ELIGIBLE", latitude="-6.93", longitude="107.72",
        visited_on=timezone.localdate(), photos=[cycle.Photo("a.jpg", JPEG)], notes="RAHASIA PETUGAS",
    )  # fmt: skip
    sub.proposal.refresh_from_db()
    assert sub.proposal.status == "QA_REVIEW"
    case = sub.proposal.qa_cases.get()
    cycle.qa_decide(actor=qa_reviewer, case_id=case.pk, uphold=True, reason="Mobil terlihat")
    status = tracked(sub.code)
    assert status.status == "Terbukti" and "RAHASIA" not in str(status)


# --- the portal account -------------------------------------------------------------------------------
def test_the_portal_account_signs_in_to_nothing_and_may_do_nothing(db):
    user = services.portal_user()
    assert not user.is_active and not user.has_usable_password() and not user.role
    assert not any(can(user, a) for a in Action)
    assert not Client().login(username="portal", password="")


# --- pengaduan --------------------------------------------------------------------------------------
def complaint(village: str = VILLAGE_A) -> Complaint:
    return services.complaint_submit(
        data=services.ComplaintInput(
            village_code=village, kind="COMPLAINT", category="DISBURSEMENT", text="Bantuan dipotong."
        )
    )


def test_a_complaint_gets_a_ticket_and_is_routed_to_the_villages_regency(db, district_a):
    c = complaint(VILLAGE_A2)
    assert c.ticket.startswith(f"ADU-{timezone.localdate().year}-") and c.regency_code == "3204"
    assert list(selectors.complaint_list(user=district_a)) == [c]
    assert tracked(c.ticket).status == "Diterima"


def test_a_complaint_moves_new_taken_answered_closed(db, district_a):
    c = complaint()
    services.complaint_take(actor=district_a, complaint_id=c.pk)
    services.complaint_answer(actor=district_a, complaint_id=c.pk, answer="Sudah kami cek ke bank.")
    assert tracked(c.ticket).answer == "Sudah kami cek ke bank."
    services.complaint_close(actor=district_a, complaint_id=c.pk)
    c.refresh_from_db()
    assert (c.status, c.handled_by) == ("CLOSED", district_a) and c.closed_at
    with pytest.raises(TransitionNotAllowed):
        services.complaint_take(actor=district_a, complaint_id=c.pk)


def test_a_complaint_cannot_be_answered_before_it_is_taken_nor_closed_silently(db, district_a):
    c = complaint()
    with pytest.raises(TransitionNotAllowed):
        services.complaint_answer(actor=district_a, complaint_id=c.pk, answer="Ya")
    with pytest.raises(services.RequestRefused, match="alasan penutupan"):
        services.complaint_close(actor=district_a, complaint_id=c.pk)
    services.complaint_close(actor=district_a, complaint_id=c.pk, note="Tiket ganda dari ADU lain.")
    assert tracked(c.ticket).answer == "Tiket ganda dari ADU lain."


def test_another_regions_officer_cannot_see_or_answer_the_complaint(db, district_b, auditor):
    c = complaint(VILLAGE_A)
    assert not selectors.complaint_list(user=district_b).exists()
    with pytest.raises(NotInJurisdiction):
        selectors.complaint_get(user=district_b, complaint_id=c.pk)
    with pytest.raises(NotInJurisdiction):
        services.complaint_take(actor=district_b, complaint_id=c.pk)
    with pytest.raises(PermissionRefused):  # an auditor reads, never handles
        services.complaint_take(actor=auditor, complaint_id=c.pk)
    assert complaint(VILLAGE_B).regency_code == "3273"
