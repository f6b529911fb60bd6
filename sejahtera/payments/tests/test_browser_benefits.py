"""A PKH tahap from the run to the realisation page in the system Chromium (issue 4, acceptance): a
program manager runs the tahap on the published release and makes the payment batches, a second
manager approves the batch and sends it, the bank's status file is imported, and the realisation
page shows what was paid.
"""

from __future__ import annotations

import re

from sejahtera.common.tests.browser import NEEDS_CHROMIUM, new_page, sign_in
from sejahtera.payments.models import Payment, PaymentBatch
from sejahtera.programs.models import Entitlement
from sejahtera.programs.tests.fixtures import Fam, M, born, published_release_with

pytestmark = NEEDS_CHROMIUM

PERIOD = "2021-01"  # PKH tahap 1 of 2021 (DOMAIN.md §6.1)


def test_a_tahap_is_run_approved_paid_and_shows_in_the_realisation(
    live_server, browser, tmp_path, central, central_publisher, program_manager, program_checker, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    base = live_server.url
    # Two poor families: an SD and an SMP child (Rp225,000 + Rp375,000 a tahap), and a pregnant
    # mother (Rp750,000); a third family in decile 6 gets nothing.
    published_release_with(
        [
            Fam(
                [M(born(38), relationship="HEAD"), M(born(9), school="SD"), M(born(13), school="SMP")],
                decile=1,
            ),
            Fam([M(born(27), relationship="HEAD", pregnant=True)], decile=2),
            Fam([M(born(45), relationship="HEAD"), M(born(10), school="SD")], decile=6),
        ],
        builder=central,
        publisher=central_publisher,
    )

    # 1. The program manager runs PKH tahap 1 from the program's page and waits for the result.
    page, errors = new_page(browser)
    sign_in(page, base, "pengelola")
    page.click("nav >> text=Program bansos")
    page.click("main >> a:has-text('PKH')")
    page.fill("#run-form input[name=period]", PERIOD)
    page.click("#run-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/programs/runs/\d+/$"))
    page.wait_for_selector("text=Selesai")
    assert Entitlement.objects.filter(program__code="PKH", period=PERIOD).count() == 2
    assert "1.350.000" in page.inner_text("main") or "1,350,000" in page.inner_text("main")

    # ... and makes the payment batches of the tahap (families without a KKS account: PT Pos).
    page.click("nav >> text=Penyaluran")
    page.select_option("#batches-create select[name=program]", "PKH")
    page.fill("#batches-create input[name=period]", PERIOD)
    page.click("#batches-create-submit")
    batch = PaymentBatch.objects.get(program__code="PKH", period=PERIOD)
    assert (batch.channel, batch.payments, batch.total_amount) == ("POS", 2, 1_350_000)
    page.goto(f"{base}/pembayaran/{batch.pk}/")
    # The maker cannot approve their own batch.
    assert page.is_disabled("#batch-approve button[type=submit]")
    assert errors == []
    page.context.close()

    # 2. A second manager approves the batch and sends it to the post office.
    page, errors = new_page(browser)
    sign_in(page, base, "pengelola_2")
    page.goto(f"{base}/pembayaran/{batch.pk}/")
    page.click("#batch-approve button[type=submit]")
    page.wait_for_selector("#batch-send button[type=submit]")
    page.click("#batch-send button[type=submit]")
    page.wait_for_selector("#status-upload")
    batch.refresh_from_db()
    assert batch.status == PaymentBatch.Status.SENT
    assert batch.approved_by == program_checker

    # 3. The post office's status file comes back: one family paid, one failed.
    paid, failed = Payment.objects.filter(batch=batch).order_by("amount")
    status_file = tmp_path / "status-pos.csv"
    status_file.write_text(
        "reference,status,reason,date\n"
        f"{paid.pk},PAID,,2021-01-14\n"
        f"{failed.pk},FAILED,Penerima tidak ditemukan di alamat,2021-01-15\n",
        encoding="utf-8",
    )
    page.set_input_files("#status-upload input[type=file]", str(status_file))
    page.click("#status-upload button[type=submit]")
    page.wait_for_url(re.compile(rf".*/pembayaran/{batch.pk}/status/\d+/$"))
    statuses = dict(Payment.objects.filter(batch=batch).values_list("pk", "status"))
    assert statuses == {paid.pk: "PAID", failed.pk: "FAILED"}

    # 4. The realisation page shows the paid amount against the plan of the year.
    page.click("nav >> text=Realisasi")
    page.select_option("#z_program", "PKH")
    page.fill("#z_year", "2021")
    page.click("main form[role=search] button[type=submit]")
    paid_text = page.inner_text("#realisation-paid")
    assert re.sub(r"\D", "", paid_text) == str(paid.amount)
    assert "2021-W02" in page.inner_text("#realisation-weeks") or "W02" in page.inner_text(
        "#realisation-weeks"
    )
    assert errors == []
    page.context.close()
