"""The payment pages: the journey (make, approve, send, download, upload statuses, read the result),
and every route's scoping: a role without the right gets 403, a batch of another channel 404."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sejahtera.payments import services
from sejahtera.payments.models import Payment, PaymentBatch, StatusImport

from .builders import VILLAGE_A, VILLAGE_B, World, status_file


@pytest.fixture
def world(central):
    return World(central)


def _login(client, user):
    client.force_login(user)
    return client


def _body(response) -> str:
    return response.content.decode()


def test_the_journey_through_the_pages(client, world, program_manager, program_checker):
    world.families(2, VILLAGE_A, account="BRI", amount=1_500_000)
    _login(client, program_manager)
    page = client.get(reverse("payments:batch_list"))
    assert page.status_code == 200 and 'id="batches-create"' in _body(page)

    made = client.post(reverse("payments:batch_list"), {"program": "PKH", "period": "2021-01"}, follow=True)
    batch = PaymentBatch.objects.get()
    assert made.redirect_chain[-1][0] == reverse("payments:batch_detail", kwargs={"batch_id": batch.pk})
    assert "Rp3.000.000" in _body(made) or "Rp3,000,000" in _body(made)
    # The maker sees the approval refused.
    refused = client.post(reverse("payments:batch_approve", kwargs={"batch_id": batch.pk}))
    assert refused.status_code == 403 and 'id="batch-error"' in _body(refused)

    _login(client, program_checker)
    client.post(reverse("payments:batch_approve", kwargs={"batch_id": batch.pk}))
    batch.refresh_from_db()
    assert batch.status == "APPROVED" and batch.approved_by == program_checker

    client.post(reverse("payments:batch_send", kwargs={"batch_id": batch.pk}))
    batch.refresh_from_db()
    assert batch.status == "SENT"
    download = client.get(reverse("payments:batch_file", kwargs={"batch_id": batch.pk}))
    data = b"".join(download.streaming_content)
    assert download["Content-Disposition"].startswith("attachment")
    assert hashlib.sha256(data).hexdigest() == batch.file_sha256
    lines = list(csv.reader(io.StringIO(data.decode())))
    refs = [int(r[0]) for r in lines[1:-1]]

    upload = SimpleUploadedFile(
        "status-bri.csv",
        status_file([(refs[0], "PAID", "", "2021-01-20"), (refs[1], "FAILED", "", "2021-01-20")]),
        content_type="text/csv",
    )
    result = client.post(
        reverse("payments:status_upload", kwargs={"batch_id": batch.pk}), {"file": upload}, follow=True
    )
    imp = StatusImport.objects.get()
    assert result.redirect_chain[-1][0] == reverse(
        "payments:status_import", kwargs={"batch_id": batch.pk, "import_id": imp.pk}
    )
    body = _body(result)
    assert 'id="count-paid">1<' in body and 'id="count-rejected">1<' in body and "REASON_REQUIRED" in body
    errors = client.get(
        reverse("payments:status_import_errors", kwargs={"batch_id": batch.pk, "import_id": imp.pk})
        + "?format=csv"
    )
    text = b"".join(errors.streaming_content).decode("utf-8-sig")
    assert "row,column,code,reason,value" in text and "3,reason,REASON_REQUIRED" in text

    real = client.get(reverse("payments:realisation") + "?program=PKH&year=2021")
    assert real.status_code == 200 and "2021-W03" in _body(real)
    rec = client.get(reverse("payments:reconciliation") + "?program=PKH&period=2021-01&region=32")
    assert rec.status_code == 200 and 'id="reconciliation"' in _body(rec) and "3204" in _body(rec)


def test_creating_nothing_new_says_so(client, world, program_manager):
    _login(client, program_manager)
    response = client.post(
        reverse("payments:batch_list"), {"program": "PKH", "period": "2021-01"}, follow=True
    )
    assert response.status_code == 200 and not PaymentBatch.objects.exists()
    assert "tidak ada batch baru" in _body(response)


def test_a_bad_period_is_a_form_error(client, world, program_manager):
    world.families(1)
    _login(client, program_manager)
    response = client.post(reverse("payments:batch_list"), {"program": "PKH", "period": "2021-13"})
    assert response.status_code == 400 and not PaymentBatch.objects.exists()


def test_lists_filter_sort_and_export(client, world, program_manager, program_checker):
    world.families(1, VILLAGE_A, account="BRI")
    world.families(2, VILLAGE_B)
    services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    _login(client, program_manager)
    only_pos = client.get(reverse("payments:batch_list") + "?channel=POS&sort=-total")
    assert _body(only_pos).count('href="/pembayaran/') >= 1
    assert "Bank BRI</td>" not in _body(only_pos)
    export = client.get(reverse("payments:batch_list_export") + "?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["number", "program", "period"] and len(rows) == 3
    xlsx = client.get(reverse("payments:batch_list_export") + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")
    pos = PaymentBatch.objects.get(channel="POS")
    by_amount = client.get(reverse("payments:batch_detail", kwargs={"batch_id": pos.pk}) + "?sort=-amount")
    assert by_amount.status_code == 200 and 'aria-sort="descending"' in _body(by_amount)
    payments = client.get(
        reverse("payments:payment_export", kwargs={"batch_id": pos.pk}) + "?format=csv&status=PENDING"
    )
    lines = b"".join(payments.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("reference,batch,status")


# --- scoping ------------------------------------------------------------------------------------------
@pytest.fixture
def two_batches(world, program_manager, program_checker):
    """A sent BRI batch with one status import, and a sent POS batch."""
    world.families(1, VILLAGE_A, account="BRI")
    world.families(1, VILLAGE_B)
    batches = {
        b.channel: b
        for b in services.batches_create(actor=program_manager, program_code="PKH", period="2021-01")
    }
    for b in batches.values():
        services.batch_approve(actor=program_checker, batch=b)
        services.batch_export(actor=program_manager, batch=b).close()
    bri = batches["BRI"]
    (pid,) = Payment.objects.filter(batch=bri).values_list("id", flat=True)
    imp = services.status_import(
        actor=program_manager,
        batch=bri,
        file_name="s.csv",
        data=status_file([(pid, "FAILED", "rekening tidak aktif", "2021-01-20")]),
    )
    return batches, imp


def _batch_routes(batch: PaymentBatch, imp: StatusImport | None = None) -> list[tuple[str, str]]:
    kw = {"batch_id": batch.pk}
    routes = [
        ("get", reverse("payments:batch_detail", kwargs=kw)),
        ("get", reverse("payments:payment_export", kwargs=kw)),
        ("get", reverse("payments:batch_file", kwargs=kw)),
        ("post", reverse("payments:status_upload", kwargs=kw)),
        ("post", reverse("payments:batch_approve", kwargs=kw)),
        ("post", reverse("payments:batch_cancel", kwargs=kw)),
        ("post", reverse("payments:batch_send", kwargs=kw)),
    ]
    if imp is not None:
        ikw = {"batch_id": batch.pk, "import_id": imp.pk}
        routes += [
            ("get", reverse("payments:status_import", kwargs=ikw)),
            ("get", reverse("payments:status_import_errors", kwargs=ikw)),
        ]
    return routes


@pytest.mark.parametrize(
    "persona", ["district_a", "village_operator", "verifier", "province_officer", "qa_reviewer"]
)
def test_roles_without_payment_view_get_403_everywhere(client, two_batches, persona, request):
    batches, imp = two_batches
    _login(client, request.getfixturevalue(persona))
    assert client.get(reverse("payments:batch_list")).status_code == 403
    assert client.get(reverse("payments:batch_list_export")).status_code == 403
    for method, url in _batch_routes(batches["BRI"], imp):
        assert getattr(client, method)(url).status_code == 403, url


def test_the_channel_sees_its_own_batches_only(client, two_batches, payment_channel):
    batches, imp = two_batches
    _login(client, payment_channel)
    listing = _body(client.get(reverse("payments:batch_list")))
    assert f"#{batches['BRI'].number}<" in listing and f"#{batches['POS'].number}<" not in listing
    assert 'id="batches-create"' not in listing
    for method, url in _batch_routes(batches["POS"]):
        assert getattr(client, method)(url).status_code == 404, url
    own = _batch_routes(batches["BRI"], imp)
    assert client.get(own[0][1]).status_code == 200
    assert (
        client.get(reverse("payments:batch_file", kwargs={"batch_id": batches["BRI"].pk})).status_code == 200
    )
    # It may not approve or cancel (program managers' work).
    assert (
        client.post(reverse("payments:batch_cancel", kwargs={"batch_id": batches["BRI"].pk})).status_code
        == 403
    )
    # Another batch's import is not found under this batch.
    wrong = reverse(
        "payments:status_import", kwargs={"batch_id": batches["BRI"].pk, "import_id": imp.pk + 1000}
    )
    assert client.get(wrong).status_code == 404


def test_the_auditor_reads_batches_but_not_the_file(client, two_batches, auditor):
    batches, _imp = two_batches
    _login(client, auditor)
    bri = batches["BRI"]
    assert client.get(reverse("payments:batch_detail", kwargs={"batch_id": bri.pk})).status_code == 200
    assert client.get(reverse("payments:batch_file", kwargs={"batch_id": bri.pk})).status_code == 403
    upload = SimpleUploadedFile("s.csv", status_file([(1, "PAID", "", "2021-01-20")]))
    assert (
        client.post(
            reverse("payments:status_upload", kwargs={"batch_id": bri.pk}), {"file": upload}
        ).status_code
        == 403
    )
    assert client.post(reverse("payments:batch_approve", kwargs={"batch_id": bri.pk})).status_code == 403


def test_an_unknown_batch_is_404(client, two_batches, program_manager):
    _login(client, program_manager)
    assert client.get(reverse("payments:batch_detail", kwargs={"batch_id": 999999})).status_code == 404


@pytest.mark.parametrize(
    "name", ["reconciliation", "reconciliation_export", "realisation", "realisation_export"]
)
def test_reports_scoping(client, two_batches, name, district_a, payment_channel, village_operator):
    url = reverse(f"payments:{name}") + "?program=PKH&period=2021-01&year=2021"
    for user in (payment_channel, village_operator):
        assert _login(client, user).get(url).status_code == 403
    response = _login(client, district_a).get(url + "&region=3273")  # outside: narrows nothing
    assert response.status_code == 200
    text = (
        b"".join(response.streaming_content).decode("utf-8-sig")
        if response.streaming
        else response.content.decode()
    )
    assert "3273" not in text.replace("region=3273", "")


def test_a_district_officer_reads_its_regency_reconciliation(client, two_batches, district_a):
    _login(client, district_a)
    response = client.get(
        reverse("payments:reconciliation_export") + "?format=csv&program=PKH&period=2021-01"
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [r["region_code"] for r in rows] == ["320405", "TOTAL"]
    assert rows[-1]["planned_count"] == "1" and rows[-1]["failed_count"] == "1"


def test_with_a_worker_the_batches_are_made_by_a_queued_job(client, world, program_manager, settings):
    from sejahtera.payments import jobs

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    world.families(2)
    _login(client, program_manager)
    response = client.post(
        reverse("payments:batch_list"), {"program": "PKH", "period": "2021-01"}, follow=True
    )
    assert "diantrekan" in _body(response) and not PaymentBatch.objects.exists()
    # What the worker runs:
    made = jobs.create_batches.call("PKH", "2021-01", program_manager.pk)
    assert PaymentBatch.objects.get().pk == made[0]
