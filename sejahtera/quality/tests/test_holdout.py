"""The hold-out: a person whose latest padan result failed is left out of the next release until a
district officer's override is approved by a second one; deceased persons never get an
entitlement in a release built after their death is recorded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sejahtera.common.errors import DomainError, MakerCheckerViolation, PermissionRefused
from sejahtera.common.models import AuditEntry
from sejahtera.programs.models import Entitlement
from sejahtera.programs.services import programs_run
from sejahtera.programs.tests.fixtures import Fam, M, born, die, next_release, published_release_with
from sejahtera.quality.models import Finding, PadanOverride
from sejahtera.quality.services import override_decide, override_request, padan_run, quality_run
from sejahtera.updates.models import ReleaseHousehold, ReleasePerson

from .helpers import family

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_a2(db):
    from sejahtera.accounts.models import User

    return User.objects.create_user("dinsos_a2", role="DISTRICT_OFFICER", jurisdiction_id="3204")


def _padan(tmp_path: Path, actor, known: dict[str, str]):
    path = tmp_path / "ref.csv"
    path.write_text("nik,full_name,status\n" + "".join(f"{n},{name},hidup\n" for n, name in known.items()))
    return padan_run(actor=actor, source="CSV", path=path)


def _in_release(release, person) -> bool:
    return ReleasePerson.objects.filter(release=release, person_id=person.pk).exists()


def test_a_not_matched_person_is_held_out_until_an_approved_override(
    tmp_path, central, central_publisher, district_a, district_a2
):
    hh, (head, child) = family(members=2, full_name="SITI AMINAH")
    _padan(tmp_path, central, {head.nik: "SITI AMINAH", child.nik: "JOKO SUSILO"})
    _, (unchecked,) = family()  # registered after the padan run
    first = next_release(builder=central, publisher=central_publisher)
    assert _in_release(first, head) and not _in_release(first, child)
    assert _in_release(first, unchecked)  # never matched: not held out
    assert ReleaseHousehold.objects.get(release=first, household_id=hh.pk).members == 1

    finding = Finding.objects.get(person=child, type="PADAN_NOT_MATCHED")
    override = override_request(
        actor=district_a, finding_id=finding.pk, reason="KTP-el diperiksa; nama panggilan"
    )
    with pytest.raises(MakerCheckerViolation):
        override_decide(actor=district_a, override_id=override.pk, approve=True)
    requested = next_release(builder=central, publisher=central_publisher)
    assert not _in_release(requested, child)  # asked is not approved

    override_decide(actor=district_a2, override_id=override.pk, approve=True)
    after = next_release(builder=central, publisher=central_publisher)
    assert _in_release(after, child)
    finding.refresh_from_db()
    assert finding.status == "RESOLVED"
    assert AuditEntry.objects.filter(action="quality.override.approve", object_id=str(override.pk)).exists()


def test_a_family_whose_only_member_is_not_found_is_not_determined(tmp_path, central, central_publisher):
    hh, _ = family()
    _padan(tmp_path, central, {})
    release = next_release(builder=central, publisher=central_publisher)
    assert not ReleaseHousehold.objects.filter(release=release, household_id=hh.pk).exists()


def test_an_override_holds_for_its_result_only(tmp_path, central, central_publisher, district_a, district_a2):
    _, (p,) = family(full_name="ADI")
    _padan(tmp_path, central, {})
    f = Finding.objects.get(person=p)
    o = override_request(actor=district_a, finding_id=f.pk, reason="belum rekam KTP-el")
    override_decide(actor=district_a2, override_id=o.pk, approve=True)
    _padan(tmp_path, central, {})  # a new run fails again: the district must look again
    release = next_release(builder=central, publisher=central_publisher)
    assert not _in_release(release, p)


def test_an_override_is_the_district_s_and_needs_a_reason(tmp_path, central, district_a, district_b):
    _, (p,) = family(full_name="ADI")
    _padan(tmp_path, central, {})
    f = Finding.objects.get(person=p)
    with pytest.raises(PermissionRefused):
        override_request(actor=central, finding_id=f.pk, reason="x")
    with pytest.raises(DomainError) as e:
        override_request(actor=district_b, finding_id=f.pk, reason="x")
    assert e.value.status_code == 404
    with pytest.raises(DomainError, match="Alasan"):
        override_request(actor=district_a, finding_id=f.pk, reason=" ")
    override_request(actor=district_a, finding_id=f.pk, reason="x")
    with pytest.raises(DomainError, match="sudah diajukan"):
        override_request(actor=district_a, finding_id=f.pk, reason="lagi")
    assert PadanOverride.objects.count() == 1


def test_a_rejected_override_keeps_the_person_out(
    tmp_path, central, central_publisher, district_a, district_a2
):
    _, (p,) = family(full_name="ADI")
    _padan(tmp_path, central, {})
    o = override_request(actor=district_a, finding_id=Finding.objects.get(person=p).pk, reason="x")
    with pytest.raises(DomainError, match="penolakan"):
        override_decide(actor=district_a2, override_id=o.pk, approve=False)
    override_decide(actor=district_a2, override_id=o.pk, approve=False, note="KTP-el tidak ditunjukkan")
    assert not _in_release(next_release(builder=central, publisher=central_publisher), p)


def test_a_deceased_person_never_gets_an_entitlement_in_a_release_built_after(
    central, central_publisher, program_manager
):
    pub = published_release_with(
        [Fam([M(born(40)), M(born(8), school="SD")]), Fam([M(born(70))])],
        builder=central,
        publisher=central_publisher,
        period="2020-10",
    )
    (_, child), (elder,) = pub.persons
    die(child, dt.date(2020, 11, 1))
    die(elder, dt.date(2020, 11, 1))
    quality_run(actor=central)  # the deaths are known before the next release
    later = next_release(builder=central, publisher=central_publisher, period="2020-12")
    assert not _in_release(later, child) and not _in_release(later, elder)
    programs_run(actor=program_manager, program_code="PKH", period="2021-01", release_number=later.number)
    ents = Entitlement.objects.filter(release=later)
    assert not ents.filter(household=pub.households[1]).exists()
    # The first family is paid for its living members only: no school component for the child.
    for e in ents.filter(household=pub.households[0]):
        assert not e.components.filter(component__startswith="SCHOOL").exists()
    assert not Finding.objects.filter(type="DECEASED_COUNTED", status="OPEN").exists()
