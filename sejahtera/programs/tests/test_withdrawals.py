"""Voluntary withdrawal, maker-checker: requested in the family's region, confirmed by another
officer with the statement date, verified by someone other than the confirmer; only then does the
enrolment end (WITHDRAWN), and the next run does not enrol the family again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.common.errors import (
    DomainError,
    MakerCheckerViolation,
    NotInJurisdiction,
    PermissionRefused,
    TransitionNotAllowed,
)
from sejahtera.common.models import AuditEntry
from sejahtera.programs import services
from sejahtera.programs.models import Enrollment, Withdrawal

from .fixtures import Fam, M, born, published_release_with

pytestmark = pytest.mark.django_db
STATEMENT = dt.date(2021, 2, 1)


@pytest.fixture
def enrolment(central, central_publisher, program_manager) -> Enrollment:
    published_release_with(
        [Fam([M(born(40)), M(born(8), school="SD")])], builder=central, publisher=central_publisher
    )
    services.programs_run(actor=program_manager, program_code="PKH", period="2021-01")
    return Enrollment.objects.get()


@pytest.fixture
def district_a2(db) -> User:
    return User.objects.create(username="dinsos_a2", role="DISTRICT_OFFICER", jurisdiction_id="3204")


def test_request_confirm_verify_ends_the_enrolment_as_withdrawn(
    enrolment, district_a, district_a2, program_manager
):
    w = services.withdrawal_request(
        actor=district_a, enrollment_id=enrolment.pk, reason="Sudah bekerja tetap"
    )
    enrolment.refresh_from_db()
    assert (w.status, enrolment.status) == ("REQUESTED", "ACTIVE")
    services.withdrawal_confirm(actor=district_a2, withdrawal_id=w.pk, statement_date=STATEMENT)
    # The requester may verify: only the confirmer may not.
    w = services.withdrawal_verify(actor=district_a, withdrawal_id=w.pk)
    enrolment.refresh_from_db()
    assert w.status == "VERIFIED"
    assert (enrolment.status, enrolment.exit_reason, enrolment.exit_note) == (
        "EXITED",
        "WITHDRAWN",
        "Sudah bekerja tetap",
    )
    assert enrolment.exit_period == timezone.localdate().strftime("%Y-%m")
    actions = list(
        AuditEntry.objects.filter(object_type__in=["withdrawal", "enrollment"])
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "withdrawal.request",
        "withdrawal.confirmed",
        "withdrawal.verified",
        "enrollment.exited",
    ]
    # The next run does not enrol the family again.
    r = services.programs_run(actor=program_manager, program_code="PKH", period="2021-04")
    assert r.enrolled == 0
    assert not Enrollment.objects.filter(status="ACTIVE").exists()


def test_the_requester_cannot_confirm_and_the_confirmer_cannot_verify(enrolment, district_a, district_a2):
    w = services.withdrawal_request(
        actor=district_a, enrollment_id=enrolment.pk, reason="Pindah ke luar negeri"
    )
    with pytest.raises(MakerCheckerViolation):
        services.withdrawal_confirm(actor=district_a, withdrawal_id=w.pk, statement_date=STATEMENT)
    services.withdrawal_confirm(actor=district_a2, withdrawal_id=w.pk, statement_date=STATEMENT)
    with pytest.raises(MakerCheckerViolation):
        services.withdrawal_verify(actor=district_a2, withdrawal_id=w.pk)
    enrolment.refresh_from_db()
    assert enrolment.status == "ACTIVE"


def test_verification_needs_a_confirmation_first(enrolment, district_a, district_a2):
    w = services.withdrawal_request(actor=district_a, enrollment_id=enrolment.pk, reason="Mampu")
    with pytest.raises(TransitionNotAllowed):
        services.withdrawal_verify(actor=district_a2, withdrawal_id=w.pk)


def test_a_rejection_keeps_the_enrolment_and_needs_a_reason(enrolment, district_a, district_a2):
    w = services.withdrawal_request(actor=district_a, enrollment_id=enrolment.pk, reason="Mampu")
    with pytest.raises(DomainError, match="Alasan penolakan"):
        services.withdrawal_reject(actor=district_a2, withdrawal_id=w.pk, reason=" ")
    w = services.withdrawal_reject(
        actor=district_a2, withdrawal_id=w.pk, reason="Keluarga tidak menandatangani"
    )
    enrolment.refresh_from_db()
    assert (w.status, w.note, enrolment.status) == ("REJECTED", "Keluarga tidak menandatangani", "ACTIVE")
    with pytest.raises(TransitionNotAllowed):
        services.withdrawal_confirm(actor=district_a2, withdrawal_id=w.pk, statement_date=STATEMENT)
    # A new request may follow a closed one.
    assert (
        services.withdrawal_request(actor=district_a, enrollment_id=enrolment.pk, reason="Mampu").pk != w.pk
    )


def test_one_open_request_per_enrolment(enrolment, district_a):
    services.withdrawal_request(actor=district_a, enrollment_id=enrolment.pk, reason="Mampu")
    with pytest.raises(DomainError, match="Sudah ada permohonan"):
        services.withdrawal_request(actor=district_a, enrollment_id=enrolment.pk, reason="Mampu")


def test_a_statement_date_in_the_future_is_refused(enrolment, district_a, district_a2):
    w = services.withdrawal_request(actor=district_a, enrollment_id=enrolment.pk, reason="Mampu")
    with pytest.raises(DomainError, match="masa depan"):
        services.withdrawal_confirm(
            actor=district_a2, withdrawal_id=w.pk, statement_date=timezone.localdate() + dt.timedelta(days=1)
        )


def test_outside_the_region_or_without_the_right_nothing_happens(
    enrolment, district_b, village_operator, auditor
):
    with pytest.raises(NotInJurisdiction):
        services.withdrawal_request(actor=district_b, enrollment_id=enrolment.pk, reason="Mampu")
    for user in (village_operator, auditor):
        with pytest.raises(PermissionRefused):
            services.withdrawal_request(actor=user, enrollment_id=enrolment.pk, reason="Mampu")
    assert not Withdrawal.objects.exists()


def test_an_exited_family_cannot_be_withdrawn(enrolment, district_a, program_manager):
    services.enrollment_graduate(actor=program_manager, enrollment_id=enrolment.pk, reason="Usaha mandiri")
    with pytest.raises(DomainError, match="tidak lagi aktif"):
        services.withdrawal_request(actor=district_a, enrollment_id=enrolment.pk, reason="Mampu")
