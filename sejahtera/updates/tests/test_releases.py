"""Releases (penetapan): what a build applies, the snapshot, the diff, publication and immutability."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from sejahtera.common.errors import (
    DomainError,
    MakerCheckerViolation,
    PermissionRefused,
    TransitionNotAllowed,
)
from sejahtera.registry.models import Household, Person
from sejahtera.updates import selectors, services
from sejahtera.updates.models import Proposal, Release, ReleaseChange, ReleaseHousehold, ReleasePerson

from .factories import approve, household, new_family, person, propose, verify

pytestmark = pytest.mark.django_db
VILLAGE = "3204052001"


def period(months_back: int = 0) -> str:
    """A quarter's period name (quarterly cadence since DTSEN)."""
    today = timezone.localdate()
    q = (today.year * 12 + (today.month - 1) // 3 * 3) - 3 * months_back
    return f"{q // 12}-{q % 12 + 1:02d}"


def approved(operator, verifier, district, **kw) -> Proposal:
    p = propose(operator, **kw)
    # A deactivation is borne out when the family is found not eligible.
    verify(verifier, p, result="NOT_ELIGIBLE" if p.kind == "DEACTIVATE" else "CONFIRMED")
    approve(district, p)
    p.refresh_from_db()
    return p


def proposal_sources(p: Proposal) -> Q:
    """The household a NEW_HOUSEHOLD proposal created (known once it is applied)."""
    return Q(pk__in=Proposal.objects.filter(pk=p.pk).values("household_id"))


def build_and_publish(builder, publisher, months_back: int = 0) -> Release:
    release = services.release_build(actor=builder, period=period(months_back))
    return services.release_publish(
        actor=publisher, number=release.number, decree_number=f"KEP-{release.number}/2026"
    )


def family(village: str = VILLAGE, members: int = 2) -> Household:
    hh = household(village_id=village)
    person(household=hh)
    for _ in range(members - 1):
        person(household=hh, relationship="CHILD", birth_date=dt.date(2010, 1, 1))
    return hh


# --- periods and cadence ------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["2026-13", "26-01", "2026-1", "", "2026-02"])
def test_a_period_is_a_quarter_since_dtsen(bad):
    with pytest.raises(DomainError):
        services.period_check(bad)
    assert services.period_check("2026-10") == "2026-10"
    assert services.period_check("2024-02") == "2024-02"  # monthly before 2025


def test_the_cadence_is_configuration(settings):
    settings.RELEASE_CADENCE = "monthly"
    assert services.period_check("2026-02") == "2026-02"


# --- build ------------------------------------------------------------------------------------------
def test_only_the_central_team_builds(district_a):
    with pytest.raises(PermissionRefused):
        services.release_build(actor=district_a, period=period())


def test_a_build_applies_approved_changes_up_to_the_cutoff(village_operator, verifier, district_a, central):
    hh = family()
    change = approved(
        village_operator, verifier, district_a, kind="HOUSEHOLD_CHANGE", household_id=hh.pk,
        payload={"changes": {"floor_type": 3, "has_refrigerator": "ya"}},
    )  # fmt: skip
    cutoff = timezone.now()
    late = approved(village_operator, verifier, district_a)
    Proposal.objects.filter(pk=late.pk).update(approved_at=cutoff + dt.timedelta(seconds=1))
    waiting = propose(village_operator)

    release = services.release_build(actor=central, period=period(), cutoff=cutoff)
    hh.refresh_from_db()
    assert (hh.floor_type, hh.has_refrigerator) == (3, True)
    assert Proposal.objects.get(pk=change.pk).status == "APPLIED"
    assert Proposal.objects.get(pk=late.pk).status == "APPROVED"  # after the cut-off: next release
    assert Proposal.objects.get(pk=waiting.pk).status == "SUBMITTED"
    assert (release.proposals_applied, release.proposals_conflicted) == (1, 0)
    assert set(release.timings) >= {"apply_proposals", "snapshot_households", "snapshot_persons", "diff"}


def test_the_verifiers_corrections_win(village_operator, verifier, district_a, central):
    p = propose(village_operator)
    verify(
        verifier,
        p,
        result="CORRECTED",
        corrections={"household": {"floor_type": 4, "address": "Kp. Baru RT 3"}},
    )
    approve(district_a, p)
    services.release_build(actor=central, period=period())
    hh = Household.objects.get(proposal_sources(p))
    assert (hh.floor_type, hh.address) == (4, "Kp. Baru RT 3")


def test_every_kind_of_change_reaches_the_registry(village_operator, verifier, district_a, central):
    moving, leaving, growing, changing, sleeping = (family() for _ in range(5))
    sleeping.status, sleeping.inactive_reason = "INACTIVE", "OTHER"
    sleeping.save()
    child = Person.objects.filter(household=changing, relationship="CHILD").first()
    assert child is not None
    member = new_family(VILLAGE)["members"][1]
    run = [
        {"kind": "MOVE", "household_id": moving.pk, "target_village_code": "3204052002"},
        {"kind": "DEACTIVATE", "household_id": leaving.pk, "inactive_reason": "NOT_ELIGIBLE"},
        {"kind": "MEMBER_ADD", "household_id": growing.pk, "payload": {"member": member}},
        {"kind": "PERSON_CHANGE", "household_id": changing.pk, "person_id": child.pk,
         "payload": {"changes": {"school_level": "SMP"}}},
        {"kind": "REACTIVATE", "household_id": sleeping.pk},
    ]  # fmt: skip
    for kw in run:
        approved(village_operator, verifier, district_a, **kw)
    release = services.release_build(actor=central, period=period())
    assert release.proposals_applied == 5
    moving.refresh_from_db()
    leaving.refresh_from_db()
    sleeping.refresh_from_db()
    child.refresh_from_db()
    assert (moving.village_id, moving.district_code) == ("3204052002", "320405")
    assert (leaving.status, leaving.inactive_reason) == ("INACTIVE", "NOT_ELIGIBLE")
    assert Person.objects.filter(household=growing, nik=member["nik"], status="ACTIVE").exists()
    assert child.school_level == "SMP"
    assert sleeping.status == "ACTIVE"


def test_a_change_the_registry_can_no_longer_take_is_a_conflict(
    village_operator, verifier, district_a, central
):
    p = approved(village_operator, verifier, district_a)
    # Meanwhile the same KK was registered another way: the proposal cannot apply.
    household(village_id=VILLAGE, kk_number=p.payload["household"]["kk_number"])
    release = services.release_build(actor=central, period=period())
    p.refresh_from_db()
    assert p.status == "CONFLICT" and "sudah aktif" in p.outcome
    assert (release.proposals_applied, release.proposals_conflicted) == (0, 1)


def test_one_release_in_progress_at_a_time(central):
    services.release_build(actor=central, period=period())
    with pytest.raises(DomainError, match="menunggu penetapan"):
        services.release_build(actor=central, period=period(3))


# --- snapshot and diff --------------------------------------------------------------------------------
def test_the_snapshot_holds_active_families_and_members_only(central):
    kept = family(members=3)
    gone = family()
    gone.status, gone.inactive_reason = "INACTIVE", "DUPLICATE"
    gone.save()
    Person.objects.filter(household=kept, relationship="CHILD").update(status="DECEASED")
    release = services.release_build(actor=central, period=period())
    rows = {r.household_id: r for r in ReleaseHousehold.objects.filter(release=release)}
    assert set(rows) == {kept.pk}
    assert rows[kept.pk].members == 1
    assert ReleasePerson.objects.filter(release=release).count() == 1
    assert (release.households, release.persons, release.added) == (1, 1, 1)


def test_the_diff_names_added_removed_by_reason_and_changed(
    village_operator, verifier, district_a, central, central_publisher
):
    stays, moves, grows, removed, merged = (family() for _ in range(5))
    first = build_and_publish(central, central_publisher, months_back=3)
    assert first.added == 5 and first.removed == first.changed == 0

    Household.objects.filter(pk=removed.pk).update(status="INACTIVE", inactive_reason="NOT_ELIGIBLE")
    Household.objects.filter(pk=merged.pk).update(status="MERGED")
    approved(
        village_operator,
        verifier,
        district_a,
        kind="MOVE",
        household_id=moves.pk,
        target_village_code="3204052002",
    )
    approved(
        village_operator, verifier, district_a, kind="MEMBER_ADD", household_id=grows.pk,
        payload={"member": new_family(VILLAGE)["members"][1]},
    )  # fmt: skip
    newcomer = approved(village_operator, verifier, district_a)
    second = build_and_publish(central, central_publisher)

    diff = {(c.household_id, c.change, c.reason) for c in ReleaseChange.objects.filter(release=second)}
    assert diff == {
        (removed.pk, "REMOVED", "NOT_ELIGIBLE"),
        (merged.pk, "REMOVED", "MERGED"),
        (moves.pk, "CHANGED", "VILLAGE"),
        (grows.pk, "CHANGED", "MEMBERS"),
        (Proposal.objects.get(pk=newcomer.pk).household_id, "ADDED", ""),
    }
    assert (second.added, second.removed, second.changed, second.previous_id) == (1, 2, 2, first.pk)
    assert stays.pk not in {h for h, _c, _r in diff}


def test_the_diff_per_region_is_scoped(central, central_publisher, district_a, district_b):
    family(VILLAGE)
    family("3273011001")
    release = build_and_publish(central, central_publisher)
    assert [c.regency_code for c in selectors.release_changes(user=district_a, release=release)] == ["3204"]
    assert [c.regency_code for c in selectors.release_changes(user=district_b, release=release)] == ["3273"]
    counts = selectors.release_region_counts(user=central, release=release)
    assert [(c.code, c.added) for c in counts] == [("32", 2)]
    counts = selectors.release_region_counts(user=district_a, release=release)
    assert [(c.code, c.added) for c in counts] == [("320405", 1)]


# --- publication --------------------------------------------------------------------------------------
def test_the_builder_cannot_publish_and_a_decree_is_required(central, central_publisher):
    release = services.release_build(actor=central, period=period())
    with pytest.raises(MakerCheckerViolation):
        services.release_publish(actor=central, number=release.number, decree_number="KEP-1")
    with pytest.raises(DomainError, match="Keputusan"):
        services.release_publish(actor=central_publisher, number=release.number, decree_number=" ")
    published = services.release_publish(
        actor=central_publisher, number=release.number, decree_number="KEP-1"
    )
    assert (published.status, published.published_by, published.decree_number) == (
        "PUBLISHED",
        central_publisher,
        "KEP-1",
    )
    assert published.published_at is not None


def test_a_published_release_is_never_edited(central, central_publisher):
    family()
    release = build_and_publish(central, central_publisher)
    with pytest.raises(TransitionNotAllowed) as exc:
        services.release_discard(actor=central, number=release.number, reason="salah")
    assert "PUBLISHED" in exc.value.message and "DISCARDED" in exc.value.message
    with pytest.raises(TransitionNotAllowed):
        services.release_publish(actor=central_publisher, number=release.number, decree_number="KEP-2")
    # Behind the application's back, the database refuses too.
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Release.objects.filter(pk=release.pk).update(decree_number="KEP-PALSU")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        ReleaseHousehold.objects.filter(release=release).update(members=9)
    if connection.vendor == "postgresql":
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
            ReleasePerson.objects.filter(release=release).delete()
    assert Release.objects.get(pk=release.pk).decree_number == f"KEP-{release.number}/2026"


def test_a_discarded_draft_leaves_its_changes_for_the_next_release(
    village_operator, verifier, district_a, central, central_publisher
):
    p = approved(village_operator, verifier, district_a)
    draft = services.release_build(actor=central, period=period())
    services.release_discard(actor=central, number=draft.number, reason="cut-off salah")
    assert not ReleaseHousehold.objects.filter(release=draft).exists()
    nxt = build_and_publish(central, central_publisher)
    assert nxt.number == draft.number + 1
    hh_id = Proposal.objects.values_list("household_id", flat=True).get(pk=p.pk)
    assert ReleaseChange.objects.filter(release=nxt, household_id=hh_id, change="ADDED").exists()


def test_a_period_is_published_once(central, central_publisher):
    build_and_publish(central, central_publisher)
    with pytest.raises(DomainError, match="sudah mempunyai"):
        services.release_build(actor=central, period=period())


def test_a_discarded_draft_takes_its_scores_with_it(central):
    from sejahtera.targeting.models import HouseholdScore, ReleaseScoring

    family()
    draft = services.release_build(actor=central, period=period())
    assert HouseholdScore.objects.filter(release=draft).exists()
    services.release_discard(actor=central, number=draft.number, reason="cut-off salah")
    assert not HouseholdScore.objects.filter(release=draft).exists()
    assert not ReleaseScoring.objects.filter(release=draft).exists()


# --- a build whose worker died ------------------------------------------------------------------------
def _claimed_by_a_worker_that_died(central) -> Release:
    release = services.release_start(actor=central, period=period())
    # The worker claimed it (release_run's conditional UPDATE) and died: no lock is held any more.
    Release.objects.filter(pk=release.pk).update(phase="Memulai")
    return release


def test_a_release_left_building_is_closed_with_a_reason_and_the_next_one_builds(central):
    stuck = _claimed_by_a_worker_that_died(central)
    with pytest.raises(DomainError, match="menunggu penetapan"):
        services.release_build(actor=central, period=period(3))
    with pytest.raises(DomainError, match="Alasan"):
        services.release_abandon(actor=central, number=stuck.number, reason=" ")
    closed = services.release_abandon(actor=central, number=stuck.number, reason="server mati")
    assert closed.status == "FAILED" and "server mati" in closed.error_message
    assert services.release_build(actor=central, period=period(3)).status == "DRAFT"


def test_only_a_building_release_can_be_abandoned_and_only_by_the_central_team(central, district_a):
    family()
    draft = services.release_build(actor=central, period=period())
    with pytest.raises(DomainError, match="tidak sedang disusun"):
        services.release_abandon(actor=central, number=draft.number, reason="salah")
    with pytest.raises(DomainError):
        services.release_abandon(actor=district_a, number=draft.number, reason="salah")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a live worker is told by its lock")
def test_a_release_a_live_worker_is_building_is_not_abandoned(central):
    from django.db import connections

    from sejahtera.updates.services import releases

    stuck = _claimed_by_a_worker_that_died(central)
    worker = connections.create_connection("default")  # another session, as a worker's would be
    try:
        with worker.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s, %s)", [releases._LOCK_KEY, stuck.number])
        with pytest.raises(DomainError, match="masih disusun"):
            services.release_abandon(actor=central, number=stuck.number, reason="salah")
    finally:
        worker.close()
    assert services.release_abandon(actor=central, number=stuck.number, reason="mati").status == "FAILED"
