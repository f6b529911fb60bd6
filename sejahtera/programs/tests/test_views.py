"""Program pages: what each role sees and may do, scoping of every route (a region-A record is 404
for region B; a payment channel is 403), the run form with its job and live status, exports, the
withdrawal steps and the quota upload."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from sejahtera.accounts.models import User
from sejahtera.programs import services
from sejahtera.programs.models import Enrollment, Entitlement, ProgramRun, Quota, Withdrawal

from .fixtures import VILLAGE_B, Fam, M, born, published_release_with

pytestmark = pytest.mark.django_db


def body(response: Any) -> bytes:
    """The bytes of a streamed (CSV) or file (XLSX) response."""
    return b"".join(response.streaming_content)


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def world(central, central_publisher, program_manager) -> dict[str, Any]:
    """A family in region A (Kab. Bandung) and one in region B (Kota Bandung), both in PKH for
    tahap 1 of 2021 with an open withdrawal request each."""
    p = published_release_with(
        [
            Fam([M(born(40)), M(born(8), school="SD"), M(born(13), school="SMP")]),
            Fam([M(born(40)), M(born(9), school="SD")], village=VILLAGE_B),
        ],
        builder=central,
        publisher=central_publisher,
    )
    run = services.programs_run(actor=program_manager, program_code="PKH", period="2021-01")
    a, b = (Enrollment.objects.get(household=h) for h in p.households)
    wa = services.withdrawal_request(actor=program_manager, enrollment_id=a.pk, reason="Mampu A")
    wb = services.withdrawal_request(actor=program_manager, enrollment_id=b.pk, reason="Mampu B")
    return {
        "run": run,
        "a": a,
        "b": b,
        "ea": Entitlement.objects.get(enrollment=a),
        "eb": Entitlement.objects.get(enrollment=b),
        "wa": wa,
        "wb": wb,
        "households": p.households,
    }


def _routes(w: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Every GET route: (url of a region-A record or a national page, url of the same for region B)."""
    national = {
        "program_list": reverse("programs:program_list"),
        "program_detail": reverse("programs:program_detail", kwargs={"program": "PKH"}),
        "run_detail": reverse("programs:run_detail", kwargs={"run_id": w["run"].pk}),
        "run_status": reverse("programs:run_status", kwargs={"run_id": w["run"].pk}),
        "enrollment_list": reverse("programs:enrollment_list", kwargs={"program": "PKH"}),
        "enrollment_export": reverse("programs:enrollment_export", kwargs={"program": "PKH"}),
        "entitlement_list": reverse("programs:entitlement_list", kwargs={"program": "PKH"}),
        "entitlement_export": reverse("programs:entitlement_export", kwargs={"program": "PKH"}),
        "withdrawal_queue": reverse("programs:withdrawal_queue"),
        "quota_list": reverse("programs:quota_list"),
    }
    out = {name: (url, url) for name, url in national.items()}
    for name, key, record in (
        ("enrollment_detail", "enrollment_id", "a"),
        ("entitlement_detail", "entitlement_id", "ea"),
        ("withdrawal_detail", "withdrawal_id", "wa"),
    ):
        b_record = {"a": "b", "ea": "eb", "wa": "wb"}[record]
        out[name] = (
            reverse(f"programs:{name}", kwargs={key: w[record].pk}),
            reverse(f"programs:{name}", kwargs={key: w[b_record].pk}),
        )
    return out


def test_every_route_answers_its_own_region_and_hides_the_other(world, district_a):
    c = client_for(district_a)
    for name, (own, other) in _routes(world).items():
        assert c.get(own).status_code == 200, name
        if own != other:
            assert c.get(other).status_code == 404, name


def test_a_payment_channel_is_refused_every_program_page(world, payment_channel):
    c = client_for(payment_channel)
    for name, (own, _other) in _routes(world).items():
        assert c.get(own).status_code == 403, name


def test_region_b_sees_only_its_own_families_in_lists_and_exports(world, district_b):
    c = client_for(district_b)
    page = c.get(reverse("programs:enrollment_list", kwargs={"program": "PKH"}))
    assert [e.pk for e in page.context["page"].object_list] == [world["b"].pk]
    ents = c.get(reverse("programs:entitlement_list", kwargs={"program": "PKH"}))
    assert [r.entitlement.pk for r in ents.context["rows"]] == [world["eb"].pk]
    assert ents.context["total"] == "Rp225.000"
    export = c.get(reverse("programs:entitlement_export", kwargs={"program": "PKH"}), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(body(export).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [str(world["eb"].pk)]
    queue = c.get(reverse("programs:withdrawal_queue"))
    assert [w.pk for w in queue.context["page"].object_list] == [world["wb"].pk]
    # The run page shows region B's own counts.
    run = c.get(reverse("programs:run_detail", kwargs={"run_id": world["run"].pk}))
    assert (run.context["entitlements"], run.context["amount"]) == (1, "Rp225.000")


def test_the_national_run_page_shows_the_totals_in_rupiah(world, program_manager):
    page = client_for(program_manager).get(reverse("programs:run_detail", kwargs={"run_id": world["run"].pk}))
    assert (page.context["entitlements"], page.context["amount"]) == (2, "Rp825.000")
    assert "Rp825.000" in page.content.decode()


def test_enrolment_list_filters_sorts_and_exports_xlsx(world, program_manager):
    c = client_for(program_manager)
    url = reverse("programs:enrollment_list", kwargs={"program": "PKH"})
    page = c.get(url, {"region": "3273", "status": "ACTIVE"})
    assert [e.pk for e in page.context["page"].object_list] == [world["b"].pk]
    page = c.get(url, {"sort": "-region"})
    assert [e.pk for e in page.context["page"].object_list] == [world["b"].pk, world["a"].pk]
    export = c.get(reverse("programs:enrollment_export", kwargs={"program": "PKH"}), {"format": "xlsx"})
    ws = load_workbook(io.BytesIO(body(export))).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("enrollment_id", "program", "household_id", "kk_number")
    assert {r[0] for r in rows[1:]} == {world["a"].pk, world["b"].pk}
    assert all("nik" not in str(h) for h in rows[0])


def test_the_programs_list_names_the_parameter_set_in_force_and_its_source(world, district_a):
    page = client_for(district_a).get(reverse("programs:program_list"))
    text = page.content.decode()
    assert "PKH" in text and "Indeks dan Komponen Bantuan PKH" in text
    detail = client_for(district_a).get(reverse("programs:program_detail", kwargs={"program": "PKH"}))
    assert [(r.code, r.active) for r in detail.context["regions"]] == [("320405", 1)]
    assert "Rp750.000" in detail.content.decode()
    assert "run-form" not in detail.content.decode()  # a district officer does not run programs


def test_an_unknown_program_is_404(world, program_manager):
    assert (
        client_for(program_manager)
        .get(reverse("programs:program_detail", kwargs={"program": "NOPE"}))
        .status_code
        == 404
    )


def test_the_run_form_queues_a_job_and_the_page_follows_it(
    world, program_manager, django_capture_on_commit_callbacks
):
    c = client_for(program_manager)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = c.post(reverse("programs:run_new", kwargs={"program": "PKH"}), {"period": "2021-04"})
    assert len(callbacks) == 1
    run = ProgramRun.objects.get(period="2021-04")
    assert response.status_code == 302
    assert response["Location"] == reverse("programs:run_detail", kwargs={"run_id": run.pk})
    # Tests run tasks inline (conftest): the job ran when the request committed.
    assert run.status == "DONE"
    status = c.get(reverse("programs:run_status", kwargs={"run_id": run.pk}), HTTP_HX_REQUEST="true")
    assert status.headers.get("HX-Refresh") == "true"
    assert Entitlement.objects.filter(period="2021-04").count() == 2


def test_the_run_status_polls_while_the_run_is_queued(world, program_manager):
    run = services.run_start(actor=program_manager, program_code="PKH", period="2021-04")
    page = client_for(program_manager).get(reverse("programs:run_detail", kwargs={"run_id": run.pk}))
    assert 'hx-trigger="every 1s"' in page.content.decode()


def test_the_run_form_shows_a_refusal_on_the_form(world, program_manager):
    response = client_for(program_manager).post(
        reverse("programs:run_new", kwargs={"program": "PKH"}), {"period": "2021-02"}
    )
    assert response.status_code == 400
    assert "bukan bulan penyaluran" in response.content.decode()
    assert not ProgramRun.objects.filter(period="2021-02").exists()


def test_only_the_program_manager_may_start_a_run(world, district_a, central):
    for user in (district_a, central):
        response = client_for(user).post(
            reverse("programs:run_new", kwargs={"program": "PKH"}), {"period": "2021-04"}
        )
        assert response.status_code == 403
    assert not ProgramRun.objects.filter(period="2021-04").exists()


def test_withdrawal_steps_through_the_pages(world, district_a, program_manager):
    district_a2 = User.objects.create(username="dinsos_a2", role="DISTRICT_OFFICER", jurisdiction_id="3204")
    w = world["wa"]  # requested by the program manager
    url = lambda step: reverse(f"programs:withdrawal_{step}", kwargs={"withdrawal_id": w.pk})  # noqa: E731
    # The requester may not confirm: the page says so and nothing changes.
    refused = client_for(program_manager).post(url("confirm"), {"statement_date": "2021-02-01"})
    assert refused.status_code == 403
    assert client_for(district_a).post(url("confirm"), {"statement_date": "2021-02-01"}).status_code == 302
    refused = client_for(district_a).post(url("verify"))
    assert refused.status_code == 403
    assert client_for(district_a2).post(url("verify")).status_code == 302
    enrolment = Enrollment.objects.get(pk=world["a"].pk)
    assert (enrolment.status, enrolment.exit_reason) == ("EXITED", "WITHDRAWN")


def test_region_b_cannot_act_on_a_region_a_withdrawal(world, district_b):
    c = client_for(district_b)
    for step in ("confirm", "verify", "reject"):
        response = c.post(
            reverse(f"programs:withdrawal_{step}", kwargs={"withdrawal_id": world["wa"].pk}),
            {"statement_date": "2021-02-01", "reason": "x"},
        )
        assert response.status_code == 404, step
    assert Withdrawal.objects.get(pk=world["wa"].pk).status == "REQUESTED"
    response = c.post(
        reverse("programs:withdrawal_request", kwargs={"enrollment_id": world["a"].pk}), {"reason": "x"}
    )
    assert response.status_code == 404
    response = c.post(
        reverse("programs:enrollment_graduate", kwargs={"enrollment_id": world["a"].pk}), {"reason": "x"}
    )
    assert response.status_code == 404


def test_graduation_from_the_enrolment_page(world, program_manager, district_a):
    url = reverse("programs:enrollment_graduate", kwargs={"enrollment_id": world["b"].pk})
    assert client_for(district_a).post(url, {"reason": "Mandiri"}).status_code == 404
    assert client_for(program_manager).post(url, {"reason": ""}).status_code == 400
    assert client_for(program_manager).post(url, {"reason": "Usaha mandiri"}).status_code == 302
    assert Enrollment.objects.get(pk=world["b"].pk).exit_reason == "GRADUATED"


def test_a_withdrawal_requested_from_the_enrolment_page(world, district_a, program_manager):
    services.withdrawal_reject(actor=program_manager, withdrawal_id=world["wa"].pk, reason="Batal")
    response = client_for(district_a).post(
        reverse("programs:withdrawal_request", kwargs={"enrollment_id": world["a"].pk}),
        {"reason": "Pindah kerja"},
    )
    w = Withdrawal.objects.get(enrollment=world["a"], status="REQUESTED")
    assert response["Location"] == reverse("programs:withdrawal_detail", kwargs={"withdrawal_id": w.pk})


def test_quota_set_and_upload_pages(program_manager, district_a, tmp_path):
    c = client_for(program_manager)
    url = reverse("programs:quota_list")
    data = {"program": "PKH", "year": 2021, "region_code": "3204", "households": 1200, "legal_source": "SK"}
    assert c.post(url, data).status_code == 302
    assert client_for(district_a).post(url, data).status_code == 403
    bad = io.BytesIO(b"program,year,region_code,households\nPKH,2021,3273,10\nPKH,2021,99,5\n")
    bad.name = "kuota.csv"
    response = c.post(reverse("programs:quota_upload"), {"file": bad})
    assert response.status_code == 400
    assert [(e.row, e.column) for e in response.context["row_errors"]] == [(3, "region_code")]
    assert set(Quota.objects.values_list("region_code", flat=True)) == {"3204"}
    good = io.BytesIO(b"program,year,region_code,households\nPKH,2021,3273,10\n")
    good.name = "kuota.csv"
    assert c.post(reverse("programs:quota_upload"), {"file": good}).status_code == 302
    assert set(Quota.objects.values_list("region_code", flat=True)) == {"3204", "3273"}
    # A district officer sees its own regency's row only.
    listed = client_for(district_a).get(url)
    assert [q.region_code for q in listed.context["page"].object_list] == ["3204"]


def test_every_write_route_refuses_a_payment_channel_and_a_region_b_officer_on_region_a(
    world, payment_channel, district_b
):
    a, wa = world["a"], world["wa"]
    posts = {
        reverse("programs:run_new", kwargs={"program": "PKH"}): ({"period": "2021-04"}, 403),
        reverse("programs:quota_list"): (
            {"program": "PKH", "year": 2021, "region_code": "3204", "households": 1},
            403,
        ),
        reverse("programs:quota_upload"): ({}, 403),
        reverse("programs:enrollment_graduate", kwargs={"enrollment_id": a.pk}): ({"reason": "x"}, 404),
        reverse("programs:withdrawal_request", kwargs={"enrollment_id": a.pk}): ({"reason": "x"}, 404),
        reverse("programs:withdrawal_confirm", kwargs={"withdrawal_id": wa.pk}): (
            {"statement_date": "2021-02-01"},
            404,
        ),
        reverse("programs:withdrawal_verify", kwargs={"withdrawal_id": wa.pk}): ({}, 404),
        reverse("programs:withdrawal_reject", kwargs={"withdrawal_id": wa.pk}): ({"reason": "x"}, 404),
    }
    for url, (data, region_b_status) in posts.items():
        assert client_for(payment_channel).post(url, data).status_code == 403, url
        assert client_for(district_b).post(url, data).status_code == region_b_status, url
    assert not ProgramRun.objects.filter(period="2021-04").exists()
    assert not Quota.objects.exists()
    assert Enrollment.objects.get(pk=a.pk).status == "ACTIVE"
    assert Withdrawal.objects.get(pk=wa.pk).status == "REQUESTED"
