"""Graduation: a manual exit by the program manager, with a reason, audited; not undone by a run."""

from __future__ import annotations

import pytest

from sejahtera.common.errors import DomainError, PermissionRefused, TransitionNotAllowed
from sejahtera.common.models import AuditEntry
from sejahtera.programs import services
from sejahtera.programs.models import Enrollment, Entitlement

from .fixtures import Fam, M, born, published_release_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment(central, central_publisher, program_manager) -> Enrollment:
    published_release_with(
        [Fam([M(born(40)), M(born(8), school="SD")])], builder=central, publisher=central_publisher
    )
    services.programs_run(actor=program_manager, program_code="PKH", period="2021-01")
    return Enrollment.objects.get()


def test_graduation_ends_the_enrolment_with_its_reason_and_stands_at_the_next_run(enrolment, program_manager):
    e = services.enrollment_graduate(
        actor=program_manager, enrollment_id=enrolment.pk, reason="Usaha warung mandiri, penghasilan cukup"
    )
    assert (e.status, e.exit_reason, e.exit_note) == (
        "EXITED",
        "GRADUATED",
        "Usaha warung mandiri, penghasilan cukup",
    )
    entry = AuditEntry.objects.filter(object_type="enrollment", object_id=str(e.pk)).get()
    assert (entry.action, entry.reason) == ("enrollment.exited", "Usaha warung mandiri, penghasilan cukup")
    assert entry.actor_id == program_manager.pk
    r = services.programs_run(actor=program_manager, program_code="PKH", period="2021-04")
    assert (r.enrolled, r.entitlements) == (0, 0)
    assert not Entitlement.objects.filter(period="2021-04").exists()


def test_graduation_needs_a_reason_the_right_role_and_an_active_enrolment(
    enrolment, program_manager, district_a
):
    with pytest.raises(DomainError, match="Alasan graduasi"):
        services.enrollment_graduate(actor=program_manager, enrollment_id=enrolment.pk, reason="  ")
    with pytest.raises(PermissionRefused):
        services.enrollment_graduate(actor=district_a, enrollment_id=enrolment.pk, reason="Mampu")
    services.enrollment_graduate(actor=program_manager, enrollment_id=enrolment.pk, reason="Mampu")
    with pytest.raises(TransitionNotAllowed):
        services.enrollment_graduate(actor=program_manager, enrollment_id=enrolment.pk, reason="Mampu")
