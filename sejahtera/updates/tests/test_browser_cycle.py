"""The whole update cycle in the system Chromium (issue 3, acceptance): a village operator proposes a
family on a phone, a verifier verifies it on a phone with a photo and coordinates, the district
officer approves the village's batch, the central team builds the release and another member of
it publishes; the family is in the release and in its diff.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from sejahtera.common.tests.browser import NEEDS_CHROMIUM, new_page, sign_in
from sejahtera.registry.identifiers import kk_for, nik_for
from sejahtera.registry.models import Household
from sejahtera.updates.management.commands.demo_cycle import demo_photo
from sejahtera.updates.models import Proposal, Release, ReleaseChange, ReleaseHousehold

pytestmark = NEEDS_CHROMIUM

VILLAGE = "3204052001"
PHONE = {"width": 390, "height": 844}


def _quarter() -> str:
    today = timezone.localdate()
    return f"{today.year}-{(today.month - 1) // 3 * 3 + 1:02d}"


def test_a_family_goes_from_the_village_to_the_published_release(
    live_server,
    browser,
    tmp_path,
    village_operator,
    verifier,
    district_a,
    central,
    central_publisher,
    settings,
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    base = live_server.url
    kk = kk_for(district_code=VILLAGE[:6], record_date=dt.date(2021, 2, 3), serial=4242)
    nik = nik_for(district_code=VILLAGE[:6], birth_date=dt.date(1988, 11, 23), sex="P", serial=4242)

    # 1. The village operator proposes the family after the village deliberation, on a phone.
    page, errors = new_page(browser, **PHONE)
    sign_in(page, base, "desa_a")
    page.click("nav >> text=Usulan")
    page.click("main >> text=Usulan baru")
    page.click("main >> text=Keluarga baru")
    page.fill("#id_kk-kk_number", kk)
    page.fill("#id_kk-address", "Kp. Cikoneng RT 03")
    page.fill("#id_anggota-0-nik", nik)
    page.fill("#id_anggota-0-full_name", "IMAS MASRUROH")
    page.fill("#id_anggota-0-birth_date", "1988-11-23")
    page.select_option("#id_anggota-0-sex", "P")
    page.select_option("#id_anggota-0-relationship", "HEAD")
    page.select_option("#id_origin", "MUSDES")
    page.fill("#id_minutes_number", "BA/07/MUSDES/2026")
    page.fill("#id_minutes_date", timezone.localdate().isoformat())
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/usulan/\d+/$"))
    proposal = Proposal.objects.get(payload__household__kk_number=kk)
    assert proposal.status == "SUBMITTED"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []
    page.context.close()

    # 2. The verifier takes the task from the queue and records the visit with a photo and GPS.
    page, errors = new_page(browser, **PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": -6.9383, "longitude": 107.723})
    sign_in(page, base, "verif_a")
    page.click("nav >> text=Verifikasi")
    task = proposal.tasks.get()
    page.click(f"#queue form[action$='/verifikasi/{task.pk}/ambil/'] button")  # take the task
    page.wait_for_url(re.compile(rf".*/verifikasi/{task.pk}/$"))
    page.check("input[name=result][value=CONFIRMED]")
    photo = tmp_path / "rumah.png"
    photo.write_bytes(demo_photo())
    page.set_input_files("#id_photos", str(photo))
    page.click("#gps-fill")
    page.wait_for_function("document.querySelector('#id_latitude').value !== ''")
    assert page.input_value("#id_latitude").startswith("-6.938")
    page.fill("#id_visited_on", timezone.localdate().isoformat())
    page.fill("#id_notes", "Rumah bilik bambu, lantai tanah")
    page.click("main form.verify-form button[type=submit]")
    page.wait_for_load_state()
    proposal.refresh_from_db()
    assert proposal.status == "VERIFIED"
    assert errors == []
    page.context.close()

    # 3. The district officer approves the village's batch under the regent's letter.
    page, errors = new_page(browser)
    sign_in(page, base, "dinsos_a")
    page.click("nav >> text=Pengesahan")
    page.click(f"a[href*='{VILLAGE}']")
    page.fill("input[name=letter_number]", "400.9/88/Dinsos/2026")
    page.fill("input[name=letter_date]", timezone.localdate().isoformat())
    page.click("button[value=APPROVE]")
    page.wait_for_load_state()
    proposal.refresh_from_db()
    assert proposal.status == "APPROVED"
    assert errors == []
    page.context.close()

    # 4. The central team builds the release; a second member publishes it under the decree.
    page, errors = new_page(browser)
    sign_in(page, base, "pusat")
    page.click("nav >> text=Rilis")
    page.fill("input[name=period]", _quarter())
    page.click("main form button[type=submit]")
    release = Release.objects.get()
    page.goto(f"{base}/rilis/{release.number}/")
    page.wait_for_selector("text=Draf")
    page.context.close()

    page, errors = new_page(browser)
    sign_in(page, base, "pusat_penetap")
    page.goto(f"{base}/rilis/{release.number}/")
    page.fill("input[name=decree_number]", "KEP-88/HUK/2026")
    page.click("form[action$='/tetapkan/'] button[type=submit]")
    page.wait_for_selector("text=Ditetapkan")
    release.refresh_from_db()
    assert release.status == "PUBLISHED" and release.published_by == central_publisher

    # 5. The family is in the release and in its diff, on the page and in the export.
    household = Household.objects.get(kk_number=kk)
    assert ReleaseHousehold.objects.filter(release=release, household_id=household.pk).exists()
    assert ReleaseChange.objects.get(release=release, household_id=household.pk).change == "ADDED"
    page.goto(f"{base}/rilis/{release.number}/?change=ADDED")
    assert kk in page.inner_text("main")
    assert errors == []
