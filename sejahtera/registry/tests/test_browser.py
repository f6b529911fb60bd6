"""Browser journeys in the system Chromium (Playwright, sync API) against pytest-django's live server.

(a) A district officer of region A, on a phone, signs in, searches by name, narrows by the region
    cascade (htmx), sees only region A, and opens a household.
(b) The central data team uploads households.csv and persons.csv with one invalid NIK and sees
    the job finish with that row rejected, its row number and reason.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from typing import cast

import pytest

from conftest import VILLAGE_A, VILLAGE_A2, VILLAGE_B
from sejahtera.common.tests.browser import NEEDS_CHROMIUM, new_page, sign_in
from sejahtera.registry.columns import HOUSEHOLD_HEADER, PERSON_HEADER
from sejahtera.registry.identifiers import kk_for, nik_for
from sejahtera.registry.models import Household
from sejahtera.registry.tests.factories import HouseholdFactory, PersonFactory

pytestmark = NEEDS_CHROMIUM


@pytest.fixture
def immediate_tasks(settings):
    # The upload's on_commit enqueues the import; run it inline in the live server's thread.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_a_district_officer_searches_on_a_phone_and_sees_only_its_region(live_server, browser, district_a):
    a_near = cast(Household, HouseholdFactory(village_id=VILLAGE_A))
    a_far = cast(Household, HouseholdFactory(village_id=VILLAGE_A2))
    b = cast(Household, HouseholdFactory(village_id=VILLAGE_B))
    PersonFactory(household=a_near, full_name="SITI RAHAYU")
    PersonFactory(household=a_near, full_name="DEDI RAHAYU", relationship="CHILD")
    PersonFactory(household=a_far, full_name="SITI MAJALAYA")
    PersonFactory(household=b, full_name="SITI KOTA BANDUNG")

    page, errors = new_page(browser, width=390, height=844)
    sign_in(page, live_server.url, "dinsos_a")
    assert "Kabupaten Bandung" in page.inner_text("header")

    page.click("nav >> text=Keluarga")
    page.fill("#id_q", "siti")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r".*q=siti.*"))
    table = page.inner_text("table")
    assert "SITI RAHAYU" in table
    assert "SITI MAJALAYA" in table
    assert "SITI KOTA BANDUNG" not in table
    assert b.kk_number not in page.content()
    # The page itself never scrolls sideways on a 390-pixel phone; only the table wrapper may.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Narrow by the cascade: choosing a district loads its villages through htmx.
    page.select_option("#id_kec", VILLAGE_A[:6])
    page.wait_for_selector(f"#id_desa option[value='{VILLAGE_A}']", state="attached")
    page.select_option("#id_desa", VILLAGE_A)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(rf".*desa={VILLAGE_A}.*"))
    table = page.inner_text("table")
    assert "SITI RAHAYU" in table
    assert "SITI MAJALAYA" not in table

    page.click(f"text={a_near.kk_number}")
    page.wait_for_url(re.compile(rf".*/keluarga/{a_near.pk}/$"))
    assert "DEDI RAHAYU" in page.inner_text("main")
    assert "Cileunyi Kulon" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []


def write_csv(path: Path, header: tuple[str, ...], rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_central_team_uploads_files_and_sees_the_rejected_row(
    live_server, browser, central, tmp_path, immediate_tasks
):
    kk = kk_for(district_code=VILLAGE_A[:6], record_date=dt.date(2020, 1, 15), serial=812)
    households = write_csv(
        tmp_path / "households.csv",
        HOUSEHOLD_HEADER,
        [{"kk_number": kk, "village_code": VILLAGE_A, "address": "Jl. Peramban 9", "rt": "1", "rw": "2"}],
    )
    born = dt.date(1979, 8, 9)
    people = [
        {
            "kk_number": kk,
            "nik": nik_for(district_code=VILLAGE_A[:6], birth_date=born, sex="L", serial=31),
            "full_name": "JAJANG PERAMBAN",
            "birth_date": born.isoformat(),
            "sex": "L",
            "relationship": "HEAD",
        },
        {
            "kk_number": kk,
            "nik": "320405ABCD",  # row 3 of persons.csv: not 16 digits
            "full_name": "NENENG PERAMBAN",
            "birth_date": "1982-04-05",
            "sex": "P",
            "relationship": "SPOUSE",
        },
    ]
    persons = write_csv(tmp_path / "persons.csv", PERSON_HEADER, people)

    page, errors = new_page(browser)
    sign_in(page, live_server.url, "pusat")
    page.click("nav >> text=Impor")
    page.set_input_files("#id_households", str(households))
    page.set_input_files("#id_persons", str(persons))
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r".*/impor/\d+/$"))

    # The status block polls until the job is done (here it already is: tasks run inline).
    page.wait_for_selector("#job-status:has-text('Selesai, ada baris ditolak')")
    problems = page.locator("#import-problems tbody tr")
    assert problems.count() == 1
    cells = problems.first.locator("td").all_inner_texts()
    assert cells[:4] == ["persons", "3", "nik", "FORMAT"]
    assert "16 digit" in cells[4]
    assert cells[5] == "320405ABCD"
    assert page.locator("a[href$='/galat.csv']").count() == 1
    assert errors == []
