"""Browser journey (Playwright, system Chromium): the central team runs the checks from the page and
watches the run finish; a district officer opens the dashboard, drills down to the finding of its
regency and dismisses it with a reason."""

from __future__ import annotations

import re

import pytest

from sejahtera.common.tests.browser import NEEDS_CHROMIUM, new_page, sign_in
from sejahtera.quality.models import Finding

from .helpers import VILLAGE_A, VILLAGE_B, family

pytestmark = NEEDS_CHROMIUM


@pytest.fixture
def immediate_tasks(settings):
    # The page's on_commit enqueues the run; run it inline in the live server's thread.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_checks_run_from_the_page_and_a_district_dismisses_its_finding(
    live_server, browser, central, district_a, immediate_tasks
):
    family(VILLAGE_A, full_name=" ")
    family(VILLAGE_B, full_name=" ")
    page, errors = new_page(browser, width=1280, height=900)
    sign_in(page, live_server.url, central.username)
    page.goto(f"{live_server.url}/kualitas/pemeriksaan/")
    page.select_option("#id_check_type", "NAME_EMPTY")
    page.click("text=Jalankan pemeriksaan")
    page.wait_for_url(re.compile(r".*/kualitas/pemeriksaan/\d+/$"))
    assert page.inner_text("#run-status-label") == "Selesai"
    assert "2" in page.inner_text("#run-opened")

    page.context.clear_cookies()
    sign_in(page, live_server.url, district_a.username)
    page.click("nav >> text=Kualitas data")
    row = page.locator("#by-type tr", has_text="Nama kosong")
    assert row.locator("td.num").first.inner_text() == "1"  # region B's is not counted
    row.locator("td.num a").first.click()
    page.locator("#findings tbody a").first.click()
    assert "Lengkapi nama" in page.inner_text("#suggested-action")
    page.select_option("#id_decision", "dismiss")
    page.fill("#id_reason", "nama tunggal di kolom lain")
    page.click("text=Simpan keputusan")
    assert page.inner_text("#finding-status") == "Diabaikan"
    assert Finding.objects.get(village_id=VILLAGE_A).status == "DISMISSED"
    assert Finding.objects.get(village_id=VILLAGE_B).status == "OPEN"
    assert not errors
