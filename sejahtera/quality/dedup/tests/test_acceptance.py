"""Issue 6 acceptance: a confirmed-duplicate person never receives an entitlement in a release built
after the finding, and the merge keeps the audit trail."""

from __future__ import annotations

import pytest

from sejahtera.common.audit import audit_verify
from sejahtera.common.models import AuditEntry
from sejahtera.programs import services as programs
from sejahtera.programs.models import Enrollment, Entitlement, EntitlementComponent
from sejahtera.programs.tests.fixtures import Fam, M, born, next_release, published_release_with
from sejahtera.quality.dedup import services
from sejahtera.quality.dedup.models import Merge

from .helpers import a_pair, a_run

pytestmark = pytest.mark.django_db


def test_a_confirmed_duplicate_gets_no_entitlement_from_a_later_release(
    central, central_publisher, program_manager
):
    # Family 1: a mother and her SD child. Family 2: the same child registered again, alone.
    pub = published_release_with(
        [Fam([M(born(38)), M(born(8), school="SD")]), Fam([M(born(8), school="SD")])],
        builder=central,
        publisher=central_publisher,
    )
    (family, duplicate_family), child, duplicate = pub.households, pub.persons[0][1], pub.persons[1][0]
    programs.programs_run(actor=program_manager, program_code="PKH", period="2021-01")
    paid = set(Entitlement.objects.filter(period="2021-01").values_list("household_id", flat=True))
    assert paid == {family.pk, duplicate_family.pk}  # the double registration paid twice

    pair = a_pair(child, duplicate, run=a_run(central))
    merge = services.pair_confirm(
        actor=central, pair_id=pair.pk, survivor_id=child.pk, reason="Anak yang sama terdaftar di dua KK"
    )
    ended = Enrollment.objects.get(household=duplicate_family)
    assert (ended.status, ended.exit_reason) == ("EXITED", "DUPLICATE")
    assert merge.enrollments_ended == [ended.pk]

    next_release(builder=central, publisher=central_publisher)
    programs.programs_run(actor=program_manager, program_code="PKH", period="2021-04")
    assert set(Entitlement.objects.filter(period="2021-04").values_list("household_id", flat=True)) == {
        family.pk
    }
    # The survivor's family still counts its one SD child, once.
    sd = EntitlementComponent.objects.get(
        entitlement__household=family, entitlement__period="2021-04", component="SD"
    )
    assert sd.count == 1

    # The audit trail: the merge, the family closed, the enrolment ended, the decision; chain intact.
    trail = set(
        AuditEntry.objects.filter(object_type__in=["person", "household", "enrollment", "duplicate_pair"])
        .filter(
            action__in=["person.merge", "household.merge", "enrollment.exited", "duplicate_pair.confirmed"]
        )
        .values_list("action", "object_id")
    )
    assert trail == {
        ("person.merge", str(duplicate.pk)),
        ("household.merge", str(duplicate_family.pk)),
        ("enrollment.exited", str(ended.pk)),
        ("duplicate_pair.confirmed", str(pair.pk)),
    }
    assert Merge.objects.get(pair=pair).before["person"]["full_name"] == duplicate.full_name
    assert audit_verify()[1] is None
