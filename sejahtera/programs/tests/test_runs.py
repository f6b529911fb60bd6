"""Program runs: enrolment within quota by score, one entitlement per family with the DOMAIN.md §6.1
amounts, idempotent reruns, exits for each reason, deaths by period, BST after PKH and BPNT."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from sejahtera.common.audit import audit_verify
from sejahtera.common.errors import DomainError, PermissionRefused
from sejahtera.common.models import AuditEntry
from sejahtera.programs import services
from sejahtera.programs.models import Enrollment, Entitlement, EntitlementComponent, ProgramRun, Quota
from sejahtera.registry.models import Household

from .fixtures import (
    VILLAGE_A2,
    VILLAGE_B,
    Fam,
    M,
    born,
    die,
    next_release,
    published_release_with,
)

pytestmark = pytest.mark.django_db

HEAD = M(born(40))


def sd(age: int = 8) -> M:
    return M(born(age), school="SD")


def smp(age: int = 13) -> M:
    return M(born(age), school="SMP")


def run(manager: Any, program: str = "PKH", period: str = "2021-01", **kw: Any) -> ProgramRun:
    return services.programs_run(actor=manager, program_code=program, period=period, **kw)


def amounts(program: str, period: str) -> dict[int, int]:
    return dict(
        Entitlement.objects.filter(program__code=program, period=period).values_list("household_id", "amount")
    )


def lines(household_id: int, program: str = "PKH", period: str = "2021-01") -> dict[str, tuple[int, int]]:
    return {
        c.component: (c.count, c.amount)
        for c in EntitlementComponent.objects.filter(
            entitlement__household_id=household_id,
            entitlement__program__code=program,
            entitlement__period=period,
        )
    }


@pytest.fixture
def pub(central, central_publisher):
    return lambda *families, **kw: published_release_with(
        list(families), builder=central, publisher=central_publisher, **kw
    )


def test_a_family_with_an_sd_and_an_smp_child_gets_600000_in_tahap_1(pub, program_manager):
    p = pub(Fam([HEAD, sd(), smp()]))
    r = run(program_manager)
    hh = p.households[0].pk
    assert r.status == ProgramRun.Status.DONE
    assert amounts("PKH", "2021-01") == {hh: 600_000}
    assert lines(hh) == {"SD": (1, 225_000), "SMP": (1, 375_000)}
    e = Entitlement.objects.get(household_id=hh)
    assert (e.tahap, e.release_id, e.run_id) == (1, p.release.pk, r.pk)
    assert (r.enrolled, r.entitlements, r.amount) == (1, 1, 600_000)
    assert set(r.timings) >= {"exit_not_in_release", "enrol", "entitlements", "entitlement_lines"}


def test_running_the_same_tahap_twice_creates_nothing_new(pub, program_manager):
    pub(Fam([HEAD, sd()]), Fam([HEAD, smp()]))
    first = run(program_manager)
    before = (Enrollment.objects.count(), Entitlement.objects.count(), EntitlementComponent.objects.count())
    second = run(program_manager)
    assert (first.enrolled, first.entitlements, first.amount) == (2, 2, 600_000)
    assert (second.enrolled, second.entitlements, second.amount, second.exited) == (0, 0, 0, 0)
    assert (
        Enrollment.objects.count(),
        Entitlement.objects.count(),
        EntitlementComponent.objects.count(),
    ) == before


def test_the_database_refuses_a_second_entitlement_for_the_same_family_and_period(pub, program_manager):
    p = pub(Fam([HEAD, sd()]))
    run(program_manager)
    e = Entitlement.objects.get(household_id=p.households[0].pk)
    e.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        e.save()


def test_enrolment_within_quota_follows_the_score_poorest_first(pub, program_manager):
    p = pub(
        Fam([HEAD, sd()], score=300),
        Fam([HEAD, sd()], score=100, village=VILLAGE_A2),
        Fam([HEAD, sd()], score=200),
        Fam([HEAD, sd()], score=50, village=VILLAGE_B),  # a region without a quota row
    )
    services.quota_set(actor=program_manager, program_code="PKH", year=2021, region_code="3204", households=2)
    r = run(program_manager)
    enrolled = dict(Enrollment.objects.filter(program__code="PKH").values_list("household_id", "rank"))
    assert enrolled == {p.households[1].pk: 1, p.households[2].pk: 2}
    assert r.enrolled == 2


def test_a_raised_quota_enrols_the_next_families_up_to_quota_minus_active(pub, program_manager):
    p = pub(*[Fam([HEAD, sd()], score=s) for s in (10, 20, 30, 40)])
    services.quota_set(actor=program_manager, program_code="PKH", year=2021, region_code="3204", households=1)
    run(program_manager)
    services.quota_set(actor=program_manager, program_code="PKH", year=2021, region_code="3204", households=3)
    r = run(program_manager, period="2021-04")
    active = set(Enrollment.objects.filter(status="ACTIVE").values_list("household_id", flat=True))
    assert active == {h.pk for h in p.households[:3]}
    assert r.enrolled == 2


def test_a_province_quota_holds_for_its_regencies_without_their_own_row(pub, program_manager):
    p = pub(
        Fam([HEAD, sd()], score=30),
        Fam([HEAD, sd()], score=20, village=VILLAGE_B),
        Fam([HEAD, sd()], score=10),
    )
    services.quota_set(actor=program_manager, program_code="PKH", year=2021, region_code="32", households=2)
    run(program_manager)
    assert set(Enrollment.objects.values_list("household_id", flat=True)) == {
        p.households[2].pk,
        p.households[1].pk,
    }


def test_without_any_quota_row_every_eligible_family_is_enrolled(pub, program_manager):
    p = pub(
        Fam([HEAD, sd()]),
        Fam([HEAD, sd()], village=VILLAGE_B),
        Fam([HEAD, sd()], decile=5),  # above PKH's desil 4
        Fam([HEAD, M(born(30))]),  # no component: PKH needs one
    )
    run(program_manager)
    assert set(Enrollment.objects.values_list("household_id", flat=True)) == {h.pk for h in p.households[:2]}


def test_pkh_components_caps_and_family_cap(pub, program_manager):
    p = pub(
        # Three toddlers (max 2), a pregnant mother: 4 components capped at 4 per family.
        Fam([M(born(30), pregnant=True), M(born(2)), M(born(3)), M(born(4)), sd(), M(born(65))]),
        # An elderly grandmother with a severe disability: one component each (600,000 x 2).
        Fam([HEAD, M(born(70), disability="SEVERE"), M(born(66))]),
    )
    run(program_manager)
    big, old = (h.pk for h in p.households)
    # PREGNANT 750k, EARLY_CHILD 2 x 750k; then 600k ELDERLY beats 225k SD for the 4th place.
    assert lines(big) == {"PREGNANT": (1, 750_000), "EARLY_CHILD": (2, 1_500_000), "ELDERLY": (1, 600_000)}
    assert amounts("PKH", "2021-01")[big] == 2_850_000
    # The disabled 70-year-old's component is DISABILITY (listed first at the same amount).
    assert lines(old) == {"DISABILITY": (1, 600_000), "ELDERLY": (1, 600_000)}


def test_a_member_who_died_after_the_release_stops_counting_from_the_next_tahap(pub, program_manager):
    p = pub(Fam([HEAD, sd(), smp()]))
    die(p.persons[0][2], dt.date(2021, 2, 15))  # after tahap 1 began, before tahap 2
    run(program_manager, period="2021-01")
    run(program_manager, period="2021-04")
    hh = p.households[0].pk
    assert amounts("PKH", "2021-01") == {hh: 600_000}
    assert amounts("PKH", "2021-04") == {hh: 225_000}
    assert lines(hh, period="2021-04") == {"SD": (1, 225_000)}


def test_no_entitlement_counts_a_person_deceased_before_the_period(pub, program_manager):
    p = pub(Fam([HEAD, sd(), smp()]), Fam([HEAD, sd()]))
    die(p.persons[0][1], dt.date(2020, 12, 20))
    die(p.persons[1][1], dt.date(2020, 12, 20))  # that family's only component
    run(program_manager)
    assert amounts("PKH", "2021-01") == {p.households[0].pk: 375_000}


def test_a_death_without_a_date_counts_as_before_the_period(pub, program_manager):
    p = pub(Fam([HEAD, sd(), smp()]))
    from sejahtera.registry.models import Person

    Person.objects.filter(pk=p.persons[0][1].pk).update(status="DECEASED", death_date=None)
    run(program_manager)
    assert amounts("PKH", "2021-01") == {p.households[0].pk: 375_000}


def _exits(r: ProgramRun) -> dict[int, str]:
    return dict(Enrollment.objects.filter(exit_run=r).values_list("household_id", "exit_reason"))


def test_exits_for_each_reason(pub, central, central_publisher, program_manager):
    p = pub(*[Fam([HEAD, sd()], score=i) for i in range(6)])
    gone, duplicate, merged, dead, richer, stays = p.households
    run(program_manager)
    assert Enrollment.objects.filter(status="ACTIVE").count() == 6
    Household.objects.filter(pk=gone.pk).update(status="INACTIVE", inactive_reason="NOT_FOUND")
    Household.objects.filter(pk=duplicate.pk).update(status="INACTIVE", inactive_reason="DUPLICATE")
    Household.objects.filter(pk=merged.pk).update(status="MERGED")
    second = next_release(builder=central, publisher=central_publisher, deciles={richer.pk: 7})
    for member in p.persons[3]:
        die(member, dt.date(2021, 3, 1))
    r = run(program_manager, period="2021-04")
    assert r.release_id == second.pk
    assert _exits(r) == {
        gone.pk: "NOT_IN_RELEASE",
        duplicate.pk: "DUPLICATE",
        merged.pk: "DUPLICATE",
        dead.pk: "DECEASED",
        richer.pk: "NOT_ELIGIBLE",
    }
    assert r.exited == 5
    exited = Enrollment.objects.get(household_id=dead.pk)
    assert (exited.status, exited.exit_period, exited.exited_at is not None) == ("EXITED", "2021-04", True)
    assert set(amounts("PKH", "2021-04")) == {stays.pk}


def test_a_family_whose_only_component_ended_exits_as_not_eligible(pub, program_manager):
    p = pub(Fam([HEAD, sd()]))
    run(program_manager)
    from sejahtera.registry.models import Person

    Person.objects.filter(pk=p.persons[0][1].pk).update(status="DECEASED", death_date=dt.date(2021, 2, 1))
    r = run(program_manager, period="2021-04")
    assert _exits(r) == {p.households[0].pk: "NOT_ELIGIBLE"}
    assert amounts("PKH", "2021-04") == {}


def test_a_family_that_moved_is_paid_where_it_lives_in_the_release(
    pub, central, central_publisher, program_manager
):
    p = pub(Fam([HEAD, sd()]))
    run(program_manager)
    hh = p.households[0]
    Household.objects.filter(pk=hh.pk).update(
        village_id=VILLAGE_B, district_code=VILLAGE_B[:6], regency_code=VILLAGE_B[:4], province_code="32"
    )
    next_release(builder=central, publisher=central_publisher)
    run(program_manager, period="2021-04")
    e = Entitlement.objects.get(household_id=hh.pk, period="2021-04")
    assert (e.village_code, e.regency_code) == (VILLAGE_B, "3273")
    assert Enrollment.objects.get(household_id=hh.pk).regency_code == "3273"


def test_bst_refuses_to_run_before_pkh_and_bpnt_then_excludes_their_families(pub, program_manager):
    p = pub(
        Fam([HEAD, sd()], score=20),  # PKH
        Fam([HEAD], score=10),  # the poorest: BPNT (quota 1)
        Fam([HEAD], score=30),  # neither: BST
    )
    pkh, bpnt, neither = (h.pk for h in p.households)
    with pytest.raises(DomainError, match="Jalankan PKH dan BPNT periode ini dulu"):
        run(program_manager, "BST")
    run(program_manager, "PKH")
    with pytest.raises(DomainError, match="Jalankan BPNT periode ini dulu"):
        run(program_manager, "BST")
    services.quota_set(
        actor=program_manager, program_code="BPNT", year=2021, region_code="3204", households=1
    )
    run(program_manager, "BPNT")
    assert set(amounts("BPNT", "2021-01")) == {bpnt}
    r = run(program_manager, "BST")
    assert amounts("BST", "2021-01") == {neither: 300_000}
    assert r.enrolled == 1
    assert pkh not in amounts("BST", "2021-01")


def test_bst_exits_a_family_that_joined_pkh_since(pub, program_manager):
    p = pub(Fam([HEAD], score=10), Fam([HEAD, sd()], score=20))
    services.quota_set(actor=program_manager, program_code="PKH", year=2021, region_code="3204", households=0)
    run(program_manager, "PKH")
    services.quota_set(
        actor=program_manager, program_code="BPNT", year=2021, region_code="3204", households=0
    )
    run(program_manager, "BPNT")
    run(program_manager, "BST")
    assert set(amounts("BST", "2021-01")) == {h.pk for h in p.households}
    services.quota_set(actor=program_manager, program_code="PKH", year=2021, region_code="3204", households=5)
    run(program_manager, "PKH", period="2021-04")
    r = run(program_manager, "BST", period="2021-02")
    assert _exits(r) == {p.households[1].pk: "NOT_ELIGIBLE"}
    assert set(amounts("BST", "2021-02")) == {p.households[0].pk}


def test_bpnt_monthly_with_the_extra_disbursement_and_pbi_per_person(pub, program_manager):
    p = pub(Fam([HEAD, M(born(35)), sd()]))
    hh = p.households[0].pk
    run(program_manager, "BPNT", period="2021-01")
    run(program_manager, "BPNT", period="2021-07")
    assert amounts("BPNT", "2021-01") == {hh: 200_000}
    assert amounts("BPNT", "2021-07") == {hh: 400_000}
    assert lines(hh, "BPNT", "2021-07") == {"SEMBAKO": (1, 200_000), "SEMBAKO_TAMBAHAN_1": (1, 200_000)}
    run(program_manager, "PBI", period="2021-01")
    assert amounts("PBI", "2021-01") == {hh: 126_000}
    assert lines(hh, "PBI") == {"PREMIUM": (3, 126_000)}


def test_one_audit_entry_per_run_with_its_counts(pub, program_manager):
    pub(*[Fam([HEAD, sd()]) for _ in range(3)])
    before = AuditEntry.objects.count()
    r = run(program_manager)
    entries = list(AuditEntry.objects.filter(object_type="program_run", object_id=str(r.pk)).order_by("id"))
    assert [e.action for e in entries] == ["program_run.start", "program_run.done"]
    done = entries[1].after or {}
    assert done["enrolled"] == 3
    assert done["entitlements"] == 3
    assert done["amount"] == 675_000
    assert AuditEntry.objects.count() - before == 2
    assert audit_verify()[1] is None


@pytest.mark.parametrize(
    ("program", "period", "message"),
    [
        ("PKH", "2021-02", "bukan bulan penyaluran"),
        ("BST", "2021-07", "Tidak ada parameter program BST"),
        ("PKH", "2021-13", "YYYY-MM"),
        ("XYZ", "2021-01", "tidak dikenal"),
    ],
)
def test_a_run_is_refused_with_a_clear_reason(pub, program_manager, program, period, message):
    pub(Fam([HEAD, sd()]))
    with pytest.raises(DomainError, match=message):
        run(program_manager, program, period)
    assert not ProgramRun.objects.exists()


def test_a_release_without_scores_or_unpublished_is_refused(central, central_publisher, program_manager):
    from django.test import override_settings

    from sejahtera.updates.services.releases import release_build, release_publish

    with override_settings(RELEASE_BUILD_HOOKS=[]):
        release = release_build(actor=central, period="2020-11")
    with pytest.raises(DomainError, match="belum ditetapkan"):
        run(program_manager, release_number=release.number)
    release_publish(actor=central_publisher, number=release.number, decree_number="KEP-1")
    with pytest.raises(DomainError, match="belum diperingkat"):
        run(program_manager)


def test_only_one_run_of_a_program_at_a_time(pub, program_manager):
    p = pub(Fam([HEAD, sd()]))
    services.run_start(actor=program_manager, program_code="PKH", period="2021-01")
    with pytest.raises(DomainError, match="sedang berjalan"):
        run(program_manager)
    # Another program may run meanwhile.
    assert run(program_manager, "PBI").status == "DONE"
    assert p.release.pk


def test_only_a_program_manager_runs_a_program(pub, central, district_a):
    pub(Fam([HEAD, sd()]))
    for user in (central, district_a):
        with pytest.raises(PermissionRefused):
            run(user)


def test_an_earlier_period_after_a_later_one_is_refused(pub, program_manager):
    pub(Fam([HEAD, sd()]))
    run(program_manager, period="2021-04")
    with pytest.raises(DomainError, match="sudah dijalankan untuk periode 2021-04"):
        run(program_manager, period="2021-01")


def test_a_failed_run_leaves_nothing_and_says_why(pub, program_manager, monkeypatch):
    pub(Fam([HEAD, sd()]))
    from sejahtera.programs import sql

    monkeypatch.setattr(
        sql, "entitlement_lines_sql", lambda plan: "SELECT no_such_column FROM programs_quota"
    )
    with pytest.raises(Exception, match="no_such_column"):
        run(program_manager)
    r = ProgramRun.objects.get()
    assert r.status == "FAILED"
    assert "no_such_column" in r.error_message
    assert not Enrollment.objects.exists()
    assert not Entitlement.objects.exists()
    # The program is free to run again.
    monkeypatch.undo()
    assert run(program_manager).status == "DONE"


def test_a_job_queued_twice_runs_once(pub, program_manager):
    pub(Fam([HEAD, sd()]))
    started = services.run_start(actor=program_manager, program_code="PKH", period="2021-01")
    first = services.run_execute(run_id=started.pk)
    second = services.run_execute(run_id=started.pk)
    assert (first.status, second.status, Entitlement.objects.count()) == ("DONE", "DONE", 1)


def test_quota_rows_of_the_year_only(pub, program_manager):
    pub(Fam([HEAD, sd()]))
    Quota.objects.create(program_id=_pkh_id(), year=2020, region_code="3204", households=0)
    assert run(program_manager).enrolled == 1


def _pkh_id() -> int:
    from sejahtera.programs.models import Program

    return Program.objects.get(code="PKH").pk


# --- the command line ------------------------------------------------------------------------------
def _call(*args: str) -> str:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("programs", *args, stdout=out)
    return out.getvalue()


def test_the_command_runs_a_program_and_counts_the_enrolled(pub, program_manager):
    import json

    pub(Fam([HEAD, sd(), smp()]), Fam([HEAD, sd()], village=VILLAGE_B))
    out = json.loads(_call("run", "pkh", "--period", "2021-01", "--user", program_manager.username, "--json"))
    assert (out["program"], out["status"], out["entitlements"], out["amount"]) == ("PKH", "DONE", 2, 825_000)
    text = _call("run", "PKH", "--period", "2021-01", "--user", program_manager.username)
    assert "Rp0" in text  # the second run of the period adds nothing
    counts = json.loads(_call("enrolled", "PKH", "--region", "32", "--json"))
    assert [(c["region"], c["active"]) for c in counts] == [("3204", 1), ("3273", 1)]
    assert "PKH" in _call("list")


def test_the_command_refuses_with_the_reason(pub, program_manager):
    from django.core.management.base import CommandError

    pub(Fam([HEAD, sd()]))
    with pytest.raises(CommandError, match="bukan bulan penyaluran"):
        _call("run", "PKH", "--period", "2021-02", "--user", program_manager.username)


def test_a_run_whose_process_died_is_closed_and_the_program_runs_again(pub, program_manager):
    """The claim (RUNNING) is all that is left of a run killed midway: on PostgreSQL nobody holds its
    lock and the next run closes it by itself; on SQLite the manager closes it (abandon)."""
    from django.db import connection

    pub(Fam([HEAD, sd()]))
    stuck = services.run_start(actor=program_manager, program_code="PKH", period="2021-01")
    ProgramRun.objects.filter(pk=stuck.pk).update(status="RUNNING")
    if connection.vendor == "postgresql":
        assert run(program_manager).status == "DONE"
    else:
        with pytest.raises(DomainError, match=f"abandon #{stuck.pk}"):
            run(program_manager)
        with pytest.raises(PermissionRefused):
            services.run_abandon(actor=district_a_like(), run_id=stuck.pk, reason="pekerja mati")
        services.run_abandon(actor=program_manager, run_id=stuck.pk, reason="pekerja mati")
        assert run(program_manager).status == "DONE"
    stuck.refresh_from_db()
    assert stuck.status == "FAILED"
    assert "ditinggalkan" in stuck.error_message
    assert Entitlement.objects.count() == 1


def district_a_like() -> Any:
    from sejahtera.accounts.models import User

    return User.objects.create(username="dinsos_x", role="DISTRICT_OFFICER", jurisdiction_id="3204")
