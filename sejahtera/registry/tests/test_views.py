"""Registry pages: status codes, scoping in list/search/export/detail, exports, the import upload."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from conftest import VILLAGE_A, VILLAGE_A2
from sejahtera.registry import codes, services
from sejahtera.registry.columns import HOUSEHOLD_HEADER, PERSON_HEADER
from sejahtera.registry.identifiers import kk_for, nik_for
from sejahtera.registry.models import Household, ImportJob, ImportRowError
from sejahtera.registry.tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db

# A kelurahan of Kota Bandung (region B). conftest.VILLAGE_B (3273010001) is not in the region table.
VILLAGE_B = "3273011001"


def login(client: Client, user) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def families(db):
    """Two families in region A (two villages), one in region B, each with a head."""
    a1 = HouseholdFactory(village_id=VILLAGE_A, welfare_status=1)
    a2 = HouseholdFactory(village_id=VILLAGE_A2, welfare_status=3)
    b1 = HouseholdFactory(village_id=VILLAGE_B, welfare_status=1)
    heads = {
        "a1": PersonFactory(household=a1, full_name="SITI AMINAH"),
        "a2": PersonFactory(household=a2, full_name="BUDI SANTOSO"),
        "b1": PersonFactory(household=b1, full_name="SITI BANDUNGWATI"),
    }
    PersonFactory(household=a1, full_name="RINA AMINAH", relationship="CHILD", sex="P")
    return {"a1": a1, "a2": a2, "b1": b1, "heads": heads}


def kk_numbers(response) -> set[str]:
    return set(re.findall(r"\b\d{16}\b", response.content.decode()))


# --- access ----------------------------------------------------------------------------------------
ROUTES = [
    ("registry:dashboard", {}),
    ("registry:household_list", {}),
    ("registry:household_export", {}),
    ("registry:household_detail", {"household_id": 1}),
    ("registry:person_detail", {"person_id": 1}),
    ("registry:import_list", {}),
    ("registry:import_detail", {"job_id": 1}),
    ("registry:import_status", {"job_id": 1}),
    ("registry:import_errors", {"job_id": 1}),
    ("regions:children", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), ROUTES)
def test_every_page_sends_a_stranger_to_the_login(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_dashboard_counts_only_the_users_region(client, district_a, families):
    response = login(client, district_a).get(reverse("registry:dashboard"))
    assert response.status_code == 200
    assert response.context["counts"]["households"] == 2
    assert response.context["counts"]["persons"] == 3


def test_a_payment_channel_gets_a_dashboard_without_registry_data(client, payment_channel, families):
    client = login(client, payment_channel)
    response = client.get(reverse("registry:dashboard"))
    assert response.status_code == 200
    assert response.context["counts"] is None
    assert "Keluarga</a>" not in response.content.decode()  # no menu entry it could not use
    assert client.get(reverse("registry:household_list")).status_code == 403
    assert client.get(reverse("registry:import_list")).status_code == 403


# --- list and search -------------------------------------------------------------------------------
def test_a_district_officer_lists_only_its_regency(client, district_a, families):
    response = login(client, district_a).get(reverse("registry:household_list"))
    assert response.status_code == 200
    shown = kk_numbers(response)
    assert families["a1"].kk_number in shown
    assert families["a2"].kk_number in shown
    assert families["b1"].kk_number not in shown
    assert response.context["page"].paginator.count == 2


def test_a_name_search_never_reaches_another_region(client, district_a, families):
    response = login(client, district_a).get(reverse("registry:household_list"), {"q": "siti"})
    assert [h.pk for h in response.context["page"]] == [families["a1"].pk]
    assert "SITI BANDUNGWATI" not in response.content.decode()


@pytest.mark.parametrize("which", ["kk", "nik"])
def test_a_number_search_for_region_b_finds_nothing_for_region_a(client, district_a, families, which):
    term = families["b1"].kk_number if which == "kk" else families["heads"]["b1"].nik
    response = login(client, district_a).get(reverse("registry:household_list"), {"q": term})
    assert response.context["page"].paginator.count == 0
    assert "SITI BANDUNGWATI" not in response.content.decode()


def test_a_nik_search_finds_the_family_of_that_person(client, district_a, families):
    nik = families["heads"]["a2"].nik
    response = login(client, district_a).get(reverse("registry:household_list"), {"q": nik})
    assert [h.pk for h in response.context["page"]] == [families["a2"].pk]


def test_the_village_operator_sees_only_its_village(client, village_operator, families):
    response = login(client, village_operator).get(reverse("registry:household_list"))
    assert kk_numbers(response) & {f.kk_number for f in Household.objects.all()} == {families["a1"].kk_number}
    # Its cascade offers nothing beyond its own village.
    desa = response.context["cascade"][3]
    assert [r.code for r in desa.options] == [VILLAGE_A]
    assert desa.selected == VILLAGE_A


@pytest.mark.parametrize("q", ["12345", "si"])
def test_a_too_short_search_is_explained_not_run(client, district_a, families, q):
    response = login(client, district_a).get(reverse("registry:household_list"), {"q": q})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert response.context["form"].errors["q"]


def test_a_refused_search_keeps_the_chosen_region(client, district_a, families):
    response = login(client, district_a).get(
        reverse("registry:household_list"), {"q": "si", "prov": "32", "kab": "3204", "kec": VILLAGE_A2[:6]}
    )
    assert response.context["cascade"][2].selected == VILLAGE_A2[:6]
    assert response.context["cascade"][3].options  # the villages of that district are offered


def test_filters_by_district_status_and_welfare(client, district_a, families):
    client = login(client, district_a)
    url = reverse("registry:household_list")
    by_district = client.get(url, {"prov": "32", "kab": "3204", "kec": VILLAGE_A2[:6]})
    assert [h.pk for h in by_district.context["page"]] == [families["a2"].pk]
    by_welfare = client.get(url, {"welfare": "1"})
    assert [h.pk for h in by_welfare.context["page"]] == [families["a1"].pk]
    Household.objects.filter(pk=families["a2"].pk).update(status="MERGED")
    by_status = client.get(url, {"status": "MERGED"})
    assert [h.pk for h in by_status.context["page"]] == [families["a2"].pk]


def test_a_region_filter_outside_the_jurisdiction_shows_nothing(client, district_a, families):
    response = login(client, district_a).get(
        reverse("registry:household_list"), {"prov": "32", "kab": "3273"}
    )
    assert response.context["page"].paginator.count == 0


def test_sorting_by_members_and_the_header_link_toggles(client, district_a, families):
    client = login(client, district_a)
    response = client.get(reverse("registry:household_list"), {"sort": "-members"})
    rows = list(response.context["page"])
    assert [h.pk for h in rows] == [families["a1"].pk, families["a2"].pk]
    assert [h.member_count for h in rows] == [2, 1]
    members = next(h for h in response.context["headers"] if h.key in ("members", "-members"))
    assert members.state == "descending"
    assert members.key == "members"


def test_pagination_keeps_the_filters_in_its_links(client, district_a, settings):
    settings.PAGE_SIZE = 2
    for i in range(5):
        PersonFactory(household=HouseholdFactory(village_id=VILLAGE_A), full_name=f"SUGENG {i}")
    response = login(client, district_a).get(
        reverse("registry:household_list"), {"q": "sugeng", "sort": "new"}
    )
    assert response.context["page"].paginator.num_pages == 3
    html = response.content.decode()
    next_link = re.search(r'href="([^"]*)" rel="next"', html)
    assert next_link
    assert "q=sugeng" in next_link.group(1)
    assert "sort=new" in next_link.group(1)
    assert "page=2" in next_link.group(1)


def test_a_page_of_fifty_costs_the_same_queries_as_a_page_of_two(client, district_a):
    client = login(client, district_a)
    url = reverse("registry:household_list")
    for _ in range(2):
        PersonFactory(household=HouseholdFactory(village_id=VILLAGE_A))
    client.get(url)  # the first request of a session may do extra work

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(55):
        PersonFactory(household=HouseholdFactory(village_id=VILLAGE_A))
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(response.context["page"]) == 50
    assert len(large) == len(small)


# --- region cascade ----------------------------------------------------------------------------
def test_the_cascade_offers_only_regions_on_the_way_to_the_jurisdiction(client, district_a):
    client = login(client, district_a)
    url = reverse("regions:children")
    provinces = client.get(url).content.decode()
    assert 'value="32"' in provinces
    assert 'value="31"' not in provinces
    regencies = client.get(url, {"parent": "32"}).content.decode()
    assert re.findall(r'value="(\d+)"', regencies) == ["3204"]
    districts = re.findall(r'value="(\d+)"', client.get(url, {"parent": "3204"}).content.decode())
    assert VILLAGE_A[:6] in districts
    assert all(d.startswith("3204") for d in districts)
    assert client.get(url, {"parent": "3273"}).content.decode().count("<option") == 1  # only "all"


# --- detail pages --------------------------------------------------------------------------------
def test_a_household_page_shows_labels_members_and_links(client, district_a, families):
    hh = families["a1"]
    response = login(client, district_a).get(
        reverse("registry:household_detail", kwargs={"household_id": hh.pk})
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "1-10% terbawah" in html  # welfare status by its label
    assert "Cileunyi Kulon" in html
    assert "RINA AMINAH" in html
    assert reverse("registry:person_detail", kwargs={"person_id": families["heads"]["a1"].pk}) in html


@pytest.mark.parametrize("persona", ["district_a", "village_operator"])
def test_another_regions_records_answer_404(client, request, families, persona):
    client = login(client, request.getfixturevalue(persona))
    b1 = families["b1"]
    assert client.get(reverse("registry:household_detail", kwargs={"household_id": b1.pk})).status_code == 404
    assert (
        client.get(
            reverse("registry:person_detail", kwargs={"person_id": families["heads"]["b1"].pk})
        ).status_code
        == 404
    )


def test_the_village_operator_cannot_open_another_village_of_its_regency(client, village_operator, families):
    response = login(client, village_operator).get(
        reverse("registry:household_detail", kwargs={"household_id": families["a2"].pk})
    )
    assert response.status_code == 404


def test_a_person_page_shows_ppks_and_status(client, district_a, families):
    person = families["heads"]["a1"]
    person.ppks_mask = codes.ppks_mask([9, 24])
    person.disability = 3
    person.save()
    response = login(client, district_a).get(
        reverse("registry:person_detail", kwargs={"person_id": person.pk})
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Penyandang disabilitas" in html
    assert "Fakir miskin" in html
    assert "Tuna netra/buta" in html
    assert person.nik in html


def test_history_shows_who_changed_what_and_why(client, central, district_a, families):
    hh = families["a1"]
    services.household_update(
        actor=central, household_id=hh.pk, changes={"address": "Jl. Baru 7"}, reason="pindah rumah"
    )
    response = login(client, district_a).get(
        reverse("registry:household_detail", kwargs={"household_id": hh.pk})
    )
    html = response.content.decode()
    assert "pusat" in html  # the actor
    assert "pindah rumah" in html
    assert "<del>" + hh.address + "</del>" in html
    assert "<ins>Jl. Baru 7</ins>" in html


# --- export --------------------------------------------------------------------------------------
def parse_csv(response) -> list[dict[str, str]]:
    assert response.streaming  # rows are sent as they are read, never built up in memory
    body = response.getvalue().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_the_csv_export_holds_the_scope_and_nothing_else(client, district_a, families):
    response = login(client, district_a).get(reverse("registry:household_export"), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = parse_csv(response)
    assert {r["kk_number"] for r in rows} == {families["a1"].kk_number, families["a2"].kk_number}
    a1 = next(r for r in rows if r["kk_number"] == families["a1"].kk_number)
    assert a1["village_code"] == VILLAGE_A
    assert a1["village_name"] == "Cileunyi Kulon"
    assert a1["head_name"] == "SITI AMINAH"
    assert a1["members"] == "2"
    assert a1["welfare_status"] == "1"
    assert a1["status"] == "ACTIVE"
    assert a1["rt"] == "001"
    assert a1["rw"] == "002"


def test_the_village_operator_exports_only_its_village(client, village_operator, families):
    response = login(client, village_operator).get(reverse("registry:household_export"), {"format": "csv"})
    assert [r["kk_number"] for r in parse_csv(response)] == [families["a1"].kk_number]


def test_the_export_follows_the_search(client, district_a, families):
    response = login(client, district_a).get(
        reverse("registry:household_export"), {"format": "csv", "q": "budi"}
    )
    assert [r["kk_number"] for r in parse_csv(response)] == [families["a2"].kk_number]


def test_the_xlsx_export_keeps_numbers_as_text(client, district_a, families):
    families["a1"].address = "=HYPERLINK(1)"
    families["a1"].save()
    response = login(client, district_a).get(reverse("registry:household_export"), {"format": "xlsx"})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.getvalue()), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("kk_number", "village_code", "village_name")
    data = {r[0]: r for r in rows[1:]}
    assert set(data) == {families["a1"].kk_number, families["a2"].kk_number}
    assert data[families["a1"].kk_number][3] == "=HYPERLINK(1)"  # text, never a formula
    assert data[families["a1"].kk_number][7] == 2


def test_the_export_needs_the_export_right(client, verifier, families):
    response = login(client, verifier).get(reverse("registry:household_export"), {"format": "csv"})
    assert response.status_code == 403


def test_an_unknown_export_format_is_refused(client, district_a):
    response = login(client, district_a).get(reverse("registry:household_export"), {"format": "pdf"})
    assert response.status_code == 400


# --- import --------------------------------------------------------------------------------------
def csv_file(name: str, header: tuple[str, ...], rows: list[dict[str, str]]) -> SimpleUploadedFile:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return SimpleUploadedFile(name, buf.getvalue().encode(), content_type="text/csv")


def import_files(bad_nik: str = "32040512345") -> tuple[SimpleUploadedFile, SimpleUploadedFile, str]:
    kk = kk_for(district_code=VILLAGE_A[:6], record_date=dt.date(2019, 6, 1), serial=4321)
    households = csv_file(
        "households.csv",
        HOUSEHOLD_HEADER,
        [{"kk_number": kk, "village_code": VILLAGE_A, "address": "Jl. Impor 1", "rt": "3", "rw": "4"}],
    )
    born = dt.date(1985, 2, 3)
    good = nik_for(district_code=VILLAGE_A[:6], birth_date=born, sex="L", serial=77)
    persons = csv_file(
        "persons.csv",
        PERSON_HEADER,
        [
            {
                "kk_number": kk,
                "nik": good,
                "full_name": "AHMAD IMPOR",
                "birth_date": born.isoformat(),
                "sex": "L",
                "relationship": "HEAD",
            },
            {
                "kk_number": kk,
                "nik": bad_nik,
                "full_name": "NIK SALAH",
                "birth_date": "1990-01-01",
                "sex": "P",
                "relationship": "SPOUSE",
            },
        ],
    )
    return households, persons, kk


@pytest.fixture
def immediate_tasks(settings):
    """Run queued tasks inline. (conftest sets SEJAHTERA_TASK_BACKEND after pytest-django has
    already read the settings, so the database backend would only queue them.)"""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_an_upload_with_a_bad_row_reports_the_row_and_keeps_the_rest(
    client, central, django_capture_on_commit_callbacks, immediate_tasks
):
    client = login(client, central)
    households, persons, kk = import_files()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("registry:import_list"), {"households": households, "persons": persons}
        )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("registry:import_detail", kwargs={"job_id": job.pk})
    assert job.status == ImportJob.Status.SUCCEEDED_WITH_REJECTIONS
    assert Household.objects.filter(kk_number=kk).exists()

    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Selesai, ada baris ditolak" in html
    assert 'hx-trigger="every 1s"' not in html  # finished: no more polling
    problem = page.context["problems"][0]
    assert (problem.file, problem.row, problem.column, problem.code) == ("persons", 3, "nik", "FORMAT")
    assert "32040512345" in html

    download = client.get(reverse("registry:import_errors", kwargs={"job_id": job.pk}))
    assert download.status_code == 200
    rows = parse_csv(download)
    assert rows == [
        {
            "file": "persons",
            "row": "3",
            "column": "nik",
            "code": "FORMAT",
            "message": ImportRowError.objects.get().message,
            "value": "32040512345",
            "severity": "ERROR",
        }
    ]
    assert "16 digit" in rows[0]["message"]


def test_a_running_job_is_polled_every_second(client, central):
    job = ImportJob.objects.create(
        created_by=central, households_file="x", persons_file="y", content_hash="z", bytes_total=100
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, phase=ImportJob.Phase.STAGING, bytes_done=50
    )
    response = login(client, central).get(reverse("registry:import_status", kwargs={"job_id": job.pk}))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in html
    assert 'aria-valuenow="20"' in html  # half the bytes read = 20 % (reading is 40 % of the work)
    assert "<html" not in html  # a partial, not a page


def test_a_file_of_the_wrong_type_is_refused_before_anything_runs(client, district_a):
    households, persons, _kk = import_files()
    persons.name = "persons.pdf"
    response = login(client, district_a).post(
        reverse("registry:import_list"), {"households": households, "persons": persons}
    )
    assert response.status_code == 400
    assert "CSV atau XLSX" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_only_importing_roles_may_upload(client, verifier):
    households, persons, _kk = import_files()
    response = login(client, verifier).post(
        reverse("registry:import_list"), {"households": households, "persons": persons}
    )
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_another_regions_import_job_answers_404(client, district_a, district_b):
    job = ImportJob.objects.create(
        created_by=district_b, households_file="x", persons_file="y", content_hash="z", scope_code="3273"
    )
    client = login(client, district_a)
    for name in ("registry:import_detail", "registry:import_status", "registry:import_errors"):
        assert client.get(reverse(name, kwargs={"job_id": job.pk})).status_code == 404
    assert job.pk not in [j.pk for j in client.get(reverse("registry:import_list")).context["page"]]


def test_a_regions_import_job_is_shown_to_its_own_officer(client, district_b):
    job = ImportJob.objects.create(
        created_by=district_b, households_file="x", persons_file="y", content_hash="z", scope_code="3273"
    )
    client = login(client, district_b)
    assert client.get(reverse("registry:import_detail", kwargs={"job_id": job.pk})).status_code == 200
    assert [j.pk for j in client.get(reverse("registry:import_list")).context["page"]] == [job.pk]
