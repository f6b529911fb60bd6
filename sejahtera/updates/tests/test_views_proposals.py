"""Proposal pages: the list and its exports, a new proposal from the phone form, the bulk upload,
the detail with its timeline, withdrawal; status codes and scoping for each route."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from sejahtera.registry.identifiers import kk_for, nik_for
from sejahtera.updates import bulk
from sejahtera.updates.models import Proposal, ProposalUpload, ProposalUploadError

from .factories import household, person, propose, verify
from .pages import VILLAGE, VILLAGE_B, foreign_fixture, mine_fixture, operator_b_fixture  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def _new_household_post(**over):
    """The phone form's fields for a new family of two (the other member rows left empty)."""
    kk = kk_for(district_code="320405", record_date=dt.date(2020, 2, 3), serial=4242)
    data = {
        "origin": "MUSDES",
        "minutes_number": "BA/3/2026",
        "minutes_date": timezone.localdate().isoformat(),
        "kk-kk_number": kk,
        "kk-address": "Kp. Sukamaju",
        "kk-rt": "003",
        "kk-rw": "001",
        "kk-floor_type": "9",
        "kk-has_motorcycle": "on",
        "anggota-TOTAL_FORMS": "8",
        "anggota-INITIAL_FORMS": "0",
        "anggota-MIN_NUM_FORMS": "1",
        "anggota-MAX_NUM_FORMS": "8",
        "anggota-0-nik": nik_for(district_code="320405", birth_date=dt.date(1990, 5, 6), sex="L", serial=77),
        "anggota-0-full_name": "ASEP SAEPUDIN",
        "anggota-0-birth_date": "1990-05-06",
        "anggota-0-sex": "L",
        "anggota-0-relationship": "HEAD",
        "anggota-1-nik": nik_for(district_code="320405", birth_date=dt.date(1992, 8, 1), sex="P", serial=78),
        "anggota-1-full_name": "EUIS KURNIASIH",
        "anggota-1-birth_date": "1992-08-01",
        "anggota-1-sex": "P",
        "anggota-1-relationship": "SPOUSE",
    }
    data.update(over)
    return data


def _as_posted(form) -> dict[str, str]:
    """What a browser sends back for a form left as it was shown (an unticked box sends nothing)."""
    data = {}
    for name, value in form.initial.items():
        if name in form.fields and value is not None and value is not False and value != "":
            data[form.add_prefix(name)] = "on" if value is True else str(value)
    return data


# --- access ----------------------------------------------------------------------------------------
ROUTES = [
    ("updates:proposal_list", {}),
    ("updates:proposal_export", {}),
    ("updates:proposal_new", {}),
    ("updates:proposal_upload", {}),
    ("updates:proposal_upload_template", {}),
    ("updates:proposal_upload_errors", {}),
    ("updates:proposal_detail", {"proposal_id": 1}),
]


@pytest.mark.parametrize(("name", "kwargs"), ROUTES)
def test_every_page_sends_a_stranger_to_the_login(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_stranger_cannot_withdraw(client, mine):
    response = client.post(
        reverse("updates:proposal_withdraw", kwargs={"proposal_id": mine.pk}), {"reason": "x"}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "SUBMITTED"


@pytest.mark.parametrize("name", ["updates:proposal_list", "updates:proposal_new", "updates:proposal_upload"])
def test_a_role_without_proposals_is_refused(client, payment_channel, name):
    client.force_login(payment_channel)
    assert client.get(reverse(name)).status_code == 403


def test_a_verifier_may_read_proposals_but_not_enter_them(client, verifier, mine):
    client.force_login(verifier)
    assert client.get(reverse("updates:proposal_list")).status_code == 200
    assert client.get(reverse("updates:proposal_detail", kwargs={"proposal_id": mine.pk})).status_code == 200
    assert client.get(reverse("updates:proposal_new")).status_code == 403
    response = client.post(reverse("updates:proposal_upload"), {})
    assert response.status_code == 403


# --- the list --------------------------------------------------------------------------------------
def test_the_list_shows_the_villages_proposals_and_nothing_from_elsewhere(
    client, village_operator, mine, foreign
):
    client.force_login(village_operator)
    response = client.get(reverse("updates:proposal_list"))
    assert response.status_code == 200
    shown = [p.pk for p, _family in response.context["rows"]]
    assert shown == [mine.pk]
    assert f"#{foreign.pk}<" not in response.content.decode()


@pytest.mark.parametrize("persona", ["district_a", "village_operator"])
def test_a_search_for_a_foreign_proposal_finds_nothing(client, persona, request, foreign):
    client.force_login(request.getfixturevalue(persona))
    for params in ({"q": str(foreign.pk)}, {"region": VILLAGE_B}, {"region": "3273"}):
        response = client.get(reverse("updates:proposal_list"), params)
        assert response.status_code == 200
        assert response.context["page"].paginator.count == 0


def test_the_list_filters_and_sorts(client, district_a, village_operator):
    hh = person(household__village_id=VILLAGE).household
    new = propose(village_operator)
    gone = propose(village_operator, kind="DEACTIVATE", household_id=hh.pk, inactive_reason="NOT_FOUND")
    Proposal.objects.filter(pk=new.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(district_a)
    url = reverse("updates:proposal_list")

    def ids(**params):
        return [p.pk for p, _f in client.get(url, params).context["rows"]]

    assert ids(kind="DEACTIVATE") == [gone.pk]
    assert ids(overdue="on") == [new.pk]
    assert ids(q=hh.kk_number) == [gone.pk]
    assert ids(sort="due") == [new.pk, gone.pk]
    assert ids(sort="-due") == [gone.pk, new.pk]
    assert ids(status="VERIFIED") == []
    page = client.get(url, {"overdue": "on"}).content.decode()
    assert "terlambat" in page


def test_the_list_pages(client, district_a, village_operator, settings):
    settings.PAGE_SIZE = 2
    made = [propose(village_operator) for _ in range(3)]
    client.force_login(district_a)
    first = client.get(reverse("updates:proposal_list"))
    second = client.get(reverse("updates:proposal_list"), {"page": 2})
    assert [p.pk for p, _f in first.context["rows"]] == [made[2].pk, made[1].pk]
    assert [p.pk for p, _f in second.context["rows"]] == [made[0].pk]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_reads_a_fixed_number_of_queries_however_many_rows(client, district_a, village_operator):
    hh = household(village_id=VILLAGE)
    propose(village_operator)
    propose(village_operator, kind="DEACTIVATE", household_id=hh.pk, inactive_reason="NOT_FOUND")
    client.force_login(district_a)
    url = reverse("updates:proposal_list")
    few = _queries(client, url)
    for _ in range(4):
        propose(village_operator)
    assert _queries(client, url) == few


def test_the_csv_export_holds_the_filtered_list_and_neutralises_formulas(
    client, district_a, village_operator, foreign
):
    p = propose(village_operator, minutes_number="=HYPERLINK(1)")
    client.force_login(district_a)
    response = client.get(reverse("updates:proposal_export"), {"format": "csv", "kind": "NEW_HOUSEHOLD"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == [p.pk]
    assert rows[0]["minutes_number"] == "'=HYPERLINK(1)"
    assert rows[0]["kk_number"] == p.payload["household"]["kk_number"]
    assert rows[0]["kind_label"] == "Keluarga baru"


def test_the_xlsx_export_keeps_text_as_text(client, district_a, village_operator, foreign):
    p = propose(village_operator, minutes_number="=1+1")
    client.force_login(district_a)
    response = client.get(reverse("updates:proposal_export"), {"format": "xlsx"})
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == bulk_header()
    assert [r[0] for r in rows[1:]] == [p.pk]
    kk_cell = ws.cell(row=2, column=11)
    assert kk_cell.value == p.payload["household"]["kk_number"] and kk_cell.data_type == "s"
    assert ws.cell(row=2, column=12).value == "=1+1" and ws.cell(row=2, column=12).data_type == "s"


def bulk_header():
    from sejahtera.updates.views.proposals import EXPORT_HEADER

    return EXPORT_HEADER


def test_an_unknown_export_format_is_refused(client, district_a):
    client.force_login(district_a)
    assert client.get(reverse("updates:proposal_export"), {"format": "pdf"}).status_code == 400


# --- a new proposal --------------------------------------------------------------------------------
def test_the_kind_step_lists_every_kind(client, village_operator):
    client.force_login(village_operator)
    response = client.get(reverse("updates:proposal_new"))
    assert response.status_code == 200
    assert [k.value for k in response.context["kinds"]] == list(Proposal.Kind.values)


def test_a_new_household_through_the_form(client, village_operator):
    client.force_login(village_operator)
    url = reverse("updates:proposal_new") + "?jenis=NEW_HOUSEHOLD"
    assert client.get(url).status_code == 200
    response = client.post(url, _new_household_post())
    p = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("updates:proposal_detail", kwargs={"proposal_id": p.pk})
    assert (p.kind, p.origin, p.village_id, p.status) == ("NEW_HOUSEHOLD", "MUSDES", VILLAGE, "SUBMITTED")
    family = p.payload["household"]
    assert (family["address"], family["rt"], family["floor_type"], family["has_motorcycle"]) == (
        "Kp. Sukamaju",
        "003",
        9,
        True,
    )
    assert [m["full_name"] for m in p.payload["members"]] == ["ASEP SAEPUDIN", "EUIS KURNIASIH"]
    assert p.payload["members"][1]["birth_date"] == "1992-08-01"


def test_a_deliberation_without_minutes_shows_the_services_message_on_the_field(client, village_operator):
    client.force_login(village_operator)
    url = reverse("updates:proposal_new") + "?jenis=NEW_HOUSEHOLD"
    response = client.post(url, _new_household_post(minutes_number="", minutes_date=""))
    assert response.status_code == 400
    assert not Proposal.objects.exists()
    errors = response.context["entry"].main.errors
    assert "berita acara" in errors["minutes_number"][0]
    # What was typed is still there.
    assert "ASEP SAEPUDIN" in response.content.decode()


def test_a_registered_nik_is_shown_on_its_members_row(client, village_operator):
    taken = person(household__village_id=VILLAGE)
    client.force_login(village_operator)
    url = reverse("updates:proposal_new") + "?jenis=NEW_HOUSEHOLD"
    data = _new_household_post(
        **{
            "anggota-1-nik": taken.nik,
            "anggota-1-birth_date": taken.birth_date.isoformat(),
            "anggota-1-sex": taken.sex,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 400
    second = response.context["entry"].members.forms[1]
    assert "NIK sudah terdaftar" in second.errors["nik"][0]


def test_a_district_officer_names_the_village_of_a_new_household(client, district_a):
    client.force_login(district_a)
    url = reverse("updates:proposal_new") + "?jenis=NEW_HOUSEHOLD"
    outside = client.post(url, _new_household_post(village_code=VILLAGE_B))
    assert outside.status_code == 400 and not Proposal.objects.exists()
    assert "wilayah kewenangan" in outside.context["entry"].main.errors["village_code"][0]
    response = client.post(url, _new_household_post(village_code=VILLAGE))
    assert response.status_code == 302
    assert Proposal.objects.get().village_id == VILLAGE


def test_a_household_change_finds_the_family_in_the_village_and_sends_only_the_changes(
    client, village_operator
):
    hh = person(household__village_id=VILLAGE, household__floor_type=9, full_name="DEDI MULYADI").household
    other = person(household__village_id=VILLAGE_B, full_name="DEDI BANDUNG").household
    client.force_login(village_operator)
    url = reverse("updates:proposal_new")
    found = client.get(url, {"jenis": "HOUSEHOLD_CHANGE", "q": "DEDI"})
    assert [h.pk for h in found.context["results"]] == [hh.pk]
    assert client.get(url, {"jenis": "HOUSEHOLD_CHANGE", "q": other.kk_number}).context["results"] == []
    assert client.get(url, {"jenis": "HOUSEHOLD_CHANGE", "keluarga": other.pk}).status_code == 404

    form_url = f"{url}?jenis=HOUSEHOLD_CHANGE&keluarga={hh.pk}"
    page = client.get(form_url)
    assert page.status_code == 200
    data = {"origin": "RT_RW", **_as_posted(page.context["entry"].values), "kk-floor_type": "2"}
    response = client.post(form_url, data)
    assert response.status_code == 302
    p = Proposal.objects.get()
    assert (p.kind, p.household_id) == ("HOUSEHOLD_CHANGE", hh.pk)
    assert p.payload == {"changes": {"floor_type": 2}}


def test_a_change_that_changes_nothing_is_refused(client, village_operator):
    hh = household(village_id=VILLAGE)
    client.force_login(village_operator)
    url = f"{reverse('updates:proposal_new')}?jenis=HOUSEHOLD_CHANGE&keluarga={hh.pk}"
    response = client.post(url, {"origin": "RT_RW", "kk-address": hh.address, "kk-rt": hh.rt, "kk-rw": hh.rw})
    assert response.status_code == 400
    assert "tidak ada data yang diubah" in response.content.decode()


def test_a_member_removal_picks_the_member_then_the_reason(client, village_operator):
    head = person(household__village_id=VILLAGE)
    child = person(household=head.household, relationship="CHILD", full_name="UJANG")
    client.force_login(village_operator)
    url = reverse("updates:proposal_new")
    step = client.get(url, {"jenis": "MEMBER_REMOVE", "keluarga": head.household_id})
    assert step.context["step"] == "person"
    assert {m.pk for m in step.context["members"]} == {head.pk, child.pk}
    form_url = f"{url}?jenis=MEMBER_REMOVE&keluarga={head.household_id}&anggota={child.pk}"
    missing_reason = client.post(form_url, {"origin": "RT_RW"})
    assert missing_reason.status_code == 400
    response = client.post(form_url, {"origin": "RT_RW", "inactive_reason": "NOT_FOUND"})
    assert response.status_code == 302
    p = Proposal.objects.get()
    assert (p.kind, p.person_id, p.inactive_reason) == ("MEMBER_REMOVE", child.pk, "NOT_FOUND")


def test_a_person_change_sends_the_changed_fields(client, village_operator):
    head = person(household__village_id=VILLAGE, full_name="SITI")
    client.force_login(village_operator)
    url = f"{reverse('updates:proposal_new')}?jenis=PERSON_CHANGE&keluarga={head.household_id}&anggota={head.pk}"
    data = {
        "origin": "RT_RW",
        **_as_posted(client.get(url).context["entry"].values),
        "anggota-education": "SMA",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["entry"].main.errors
    assert Proposal.objects.get().payload == {"changes": {"education": "SMA"}}


def test_a_move_names_the_target_village(client, village_operator):
    hh = household(village_id=VILLAGE)
    client.force_login(village_operator)
    url = f"{reverse('updates:proposal_new')}?jenis=MOVE&keluarga={hh.pk}"
    same = client.post(url, {"origin": "RT_RW", "target_village_code": VILLAGE})
    assert same.status_code == 400
    assert "sama dengan asal" in same.context["entry"].extra.errors["target_village_code"][0]
    response = client.post(url, {"origin": "RT_RW", "target_village_code": "3204332007"})
    assert response.status_code == 302
    assert Proposal.objects.get().target_village_id == "3204332007"


# --- detail and withdrawal ---------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["district_a", "village_operator", "verifier"])
def test_a_proposal_elsewhere_is_not_found(client, persona, request, foreign):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("updates:proposal_detail", kwargs={"proposal_id": foreign.pk})
    assert client.get(url).status_code == 404
    withdraw = reverse("updates:proposal_withdraw", kwargs={"proposal_id": foreign.pk})
    assert client.post(withdraw, {"reason": "salah"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "SUBMITTED"


def test_the_detail_reads_in_labels_with_the_timeline_and_photos(
    client, district_a, village_operator, verifier
):
    p = propose(village_operator)
    task = verify(verifier, p, notes="Rumah bilik bambu")
    photo = task.photos.get()
    client.force_login(district_a)
    response = client.get(reverse("updates:proposal_detail", kwargs={"proposal_id": p.pk}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Keluarga baru" in page and "Musyawarah desa" in page and "Terverifikasi" in page
    proposed = {f.label: f.value for f in response.context["data"].groups[0].facts}
    assert proposed["Jenis lantai terluas"] == "Tanah"  # floor_type 9, by its label
    assert [m.relationship for m in response.context["data"].members] == ["Kepala keluarga", "Anak"]
    assert "Rumah bilik bambu" in page and "-6.938300" in page
    assert reverse("updates:verification_photo", kwargs={"photo_id": photo.pk}) in page
    titles = [e.title for e in response.context["timeline"]]
    assert titles[0] == "Diajukan" and titles[1].startswith("Verifikasi lapangan (putaran 1): Sesuai")
    assert not response.context["can_withdraw"]


def test_the_submitting_office_withdraws_with_a_reason(client, village_operator, mine):
    client.force_login(village_operator)
    detail = reverse("updates:proposal_detail", kwargs={"proposal_id": mine.pk})
    url = reverse("updates:proposal_withdraw", kwargs={"proposal_id": mine.pk})
    assert client.get(detail).context["can_withdraw"]
    assert client.get(url).status_code == 405
    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "Keluarga sudah pindah sebelum musyawarah"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "WITHDRAWN"
    assert not mine.tasks.filter(status="OPEN").exists()
    again = client.post(url, {"reason": "lagi"})
    assert again.status_code == 409
    assert "tidak diizinkan" in again.content.decode()


def test_a_verifier_cannot_withdraw(client, verifier, mine):
    client.force_login(verifier)
    response = client.post(
        reverse("updates:proposal_withdraw", kwargs={"proposal_id": mine.pk}), {"reason": "x"}
    )
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.status == "SUBMITTED"


# --- bulk upload -------------------------------------------------------------------------------------
def _xlsx(header, rows) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("usulan.xlsx", buf.getvalue())


def test_an_upload_keeps_the_good_rows_and_reports_the_bad_ones(client, village_operator):
    gone = household(village_id=VILLAGE)
    moving = household(village_id=VILLAGE)
    kk = kk_for(district_code="320405", record_date=dt.date(2021, 1, 5), serial=901)
    nik = nik_for(district_code="320405", birth_date=dt.date(1970, 1, 2), sex="P", serial=902)
    today = timezone.localdate().isoformat()
    header = ("kind", "origin", "minutes_number", "minutes_date", "kk_number", "nik", "full_name",
              "birth_date", "sex", "relationship", "address", "inactive_reason", "target_village_code")  # fmt: skip
    rows = [
        ("DEACTIVATE", "MUSDES", "BA/1", today, gone.kk_number, "", "", "", "", "", "", "NOT_ELIGIBLE", ""),
        ("MOVE", "RT_RW", "", "", moving.kk_number, "", "", "", "", "", "", "", "3204332007"),
        ("NEW_HOUSEHOLD", "RT_RW", "", "", kk, nik, "IMAS", "1970-01-02", "P", "HEAD", "Kp. Cijambu", "", ""),
        ("PINDAH", "RT_RW", "", "", moving.kk_number, "", "", "", "", "", "", "", ""),
        ("DEACTIVATE", "MUSDES", "", "", moving.kk_number, "", "", "", "", "", "", "NOT_ELIGIBLE", ""),
    ]
    client.force_login(village_operator)
    response = client.post(reverse("updates:proposal_upload"), {"file": _xlsx(header, rows)})
    upload = ProposalUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('updates:proposal_upload')}?unggahan={upload.pk}"
    assert (upload.rows_read, upload.rows_accepted, upload.rows_rejected) == (5, 3, 2)
    made = Proposal.objects.filter(upload=upload).order_by("id")
    assert [p.kind for p in made] == ["DEACTIVATE", "MOVE", "NEW_HOUSEHOLD"]
    assert made[2].payload["members"][0]["full_name"] == "IMAS"
    errors = list(ProposalUploadError.objects.filter(upload=upload).values_list("row", "column", "code"))
    assert errors == [(5, "kind", "KIND_UNKNOWN"), (6, "minutes_number", "MINUTES_REQUIRED")]

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert [e.row for e in page.context["errors"]] == [5, 6]
    report = client.get(reverse("updates:proposal_upload_errors"), {"unggahan": upload.pk})
    lines = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert lines[0] == list(bulk.ERRORS_HEADER)
    assert [(r[0], r[1], r[2]) for r in lines[1:]] == [
        ("5", "kind", "KIND_UNKNOWN"),
        ("6", "minutes_number", "MINUTES_REQUIRED"),
    ]


def test_an_unreadable_upload_is_refused_whole(client, village_operator):
    client.force_login(village_operator)
    bad = SimpleUploadedFile("usulan.csv", b"jenis,asal\nNEW_HOUSEHOLD,MUSDES\n")
    response = client.post(reverse("updates:proposal_upload"), {"file": bad})
    assert response.status_code == 400
    assert "kolom wajib tidak ada" in response.context["form"].errors["file"][0]
    assert not ProposalUpload.objects.exists()


def test_a_district_officer_uploads_for_a_village_of_its_own(client, district_a):
    hh = household(village_id=VILLAGE)
    content = f"kind,origin,kk_number,inactive_reason\nDEACTIVATE,RT_RW,{hh.kk_number},NOT_FOUND\n".encode()
    client.force_login(district_a)
    url = reverse("updates:proposal_upload")
    outside = client.post(url, {"file": SimpleUploadedFile("u.csv", content), "village_code": VILLAGE_B})
    assert outside.status_code == 400
    assert "di luar wilayah kewenangan" in outside.context["form"].errors["village_code"][0]
    assert not ProposalUpload.objects.exists()
    response = client.post(url, {"file": SimpleUploadedFile("u.csv", content), "village_code": VILLAGE})
    assert response.status_code == 302
    assert Proposal.objects.get().village_id == VILLAGE


def test_an_upload_elsewhere_is_not_found(client, village_operator, operator_b):
    hh = household(village_id=VILLAGE_B)
    file = SimpleUploadedFile("u.csv", f"kind,origin,kk_number\nREACTIVATE,RT_RW,{hh.kk_number}\n".encode())
    client.force_login(operator_b)
    assert client.post(reverse("updates:proposal_upload"), {"file": file}).status_code == 302
    upload = ProposalUpload.objects.get()
    client.force_login(village_operator)
    assert client.get(reverse("updates:proposal_upload"), {"unggahan": upload.pk}).status_code == 404
    assert client.get(reverse("updates:proposal_upload_errors"), {"unggahan": upload.pk}).status_code == 404
    assert client.get(reverse("updates:proposal_upload_errors")).status_code == 404
    assert upload not in client.get(reverse("updates:proposal_upload")).context["uploads"]


def test_the_template_is_a_workbook_whose_example_passes_the_header_check(client, village_operator):
    client.force_login(village_operator)
    response = client.get(reverse("updates:proposal_upload_template"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Usulan", "Contoh", "Petunjuk", "Kode"]
    assert next(wb["Usulan"].iter_rows(values_only=True)) == bulk.TEMPLATE_COLUMNS
    example = list(wb["Contoh"].iter_rows(values_only=True))
    assert example[0] == bulk.TEMPLATE_COLUMNS and len(example) == 5
    assert all(len(str(row[6])) == 16 for row in example[1:])  # KK numbers kept as text
