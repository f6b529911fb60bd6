"""Bulk entry from a spreadsheet: the flat layout, families over several rows, and each kind of
row error, with the row number a spreadsheet shows (docs/proposal-upload.md)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, cast

import pytest
from django.utils import timezone
from openpyxl import Workbook

from sejahtera.common.models import AuditEntry
from sejahtera.registry.identifiers import kk_for, nik_for
from sejahtera.registry.imports.readers import FileRejected
from sejahtera.updates import bulk
from sejahtera.updates.models import Proposal, ProposalUploadError

from .factories import household, person
from .pages import VILLAGE

pytestmark = pytest.mark.django_db


TODAY = timezone.localdate().isoformat()


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def _upload(actor, content: bytes, name: str = "usulan.csv"):
    return bulk.proposals_upload(actor=actor, file_name=name, content=content, village_code=VILLAGE)


def _errors(upload) -> list[tuple[int, str, str]]:
    return list(ProposalUploadError.objects.filter(upload=upload).values_list("row", "column", "code"))


def _family(serial: int, size: int = 3) -> tuple[str, list[str]]:
    kk = kk_for(district_code="320405", record_date=dt.date(2020, 1, 1), serial=serial)
    head = f"NEW_HOUSEHOLD,RT_RW,{kk},{nik_for(district_code='320405', birth_date=dt.date(1980, 1, 1), sex='L', serial=serial)},AYAH,1980-01-01,L,HEAD,Kp. Baru"
    rows = [head]
    for i in range(1, size):
        nik = nik_for(district_code="320405", birth_date=dt.date(2010, 1, 1), sex="P", serial=serial + i)
        rows.append(f"NEW_HOUSEHOLD,RT_RW,{kk},{nik},ANAK {i},2010-01-01,P,CHILD,")
    return kk, rows


FAMILY_HEADER = "kind,origin,kk_number,nik,full_name,birth_date,sex,relationship,address"


def test_a_family_over_three_rows_is_one_proposal(village_operator):
    kk, rows = _family(610)
    upload = _upload(village_operator, _csv(FAMILY_HEADER, *rows))
    p = Proposal.objects.get(upload=upload)
    assert (upload.rows_read, upload.rows_accepted, upload.rows_rejected) == (3, 3, 0)
    assert p.payload["household"]["kk_number"] == kk and p.payload["household"]["address"] == "Kp. Baru"
    assert [m["full_name"] for m in p.payload["members"]] == ["AYAH", "ANAK 1", "ANAK 2"]
    entry = AuditEntry.objects.get(action="proposal.upload")
    after = cast(dict[str, Any], entry.after)
    assert (after["proposals"], after["rows_accepted"]) == (1, 3)
    assert entry.region_code == VILLAGE


def test_one_bad_member_rejects_the_whole_family_and_says_where(village_operator):
    _kk, rows = _family(620)
    rows[1] = rows[1].replace(",2010-01-01,", ",2011-02-02,")  # the birth date no longer matches the NIK
    other_kk, other = _family(640, size=1)
    upload = _upload(village_operator, _csv(FAMILY_HEADER, *rows, *other))
    assert _errors(upload) == [
        (2, "", "FAMILY_REJECTED"),
        (3, "birth_date", "NIK_DATE_MISMATCH"),
        (4, "", "FAMILY_REJECTED"),
    ]
    assert upload.rows_rejected == 3 and upload.rows_accepted == 1
    assert [p.payload["household"]["kk_number"] for p in Proposal.objects.filter(upload=upload)] == [other_kk]


def test_the_rows_of_a_family_must_agree(village_operator):
    _kk, rows = _family(650, size=2)
    rows[1] = rows[1] + "Kp. Lain"  # a second address for the same family
    upload = _upload(village_operator, _csv(FAMILY_HEADER, *rows))
    assert _errors(upload) == [(2, "", "FAMILY_REJECTED"), (3, "address", "FAMILY_MISMATCH")]
    assert not Proposal.objects.exists()


def test_the_same_proposal_twice_in_a_file_is_taken_once(village_operator):
    hh = household(village_id=VILLAGE)
    line = f"DEACTIVATE,RT_RW,{hh.kk_number},NOT_FOUND"
    upload = _upload(village_operator, _csv("kind,origin,kk_number,inactive_reason", line, line))
    assert _errors(upload) == [(3, "kk_number", "DUPLICATE_IN_FILE")]
    assert Proposal.objects.filter(upload=upload).count() == 1


def test_a_value_in_a_column_the_kind_does_not_read_is_refused_not_dropped(village_operator):
    hh = household(village_id=VILLAGE)
    upload = _upload(
        village_operator,
        _csv(
            "kind,origin,kk_number,address,full_name", f"HOUSEHOLD_CHANGE,RT_RW,{hh.kk_number},Jl. Baru,BUDI"
        ),
    )
    assert _errors(upload) == [(2, "full_name", "COLUMN_NOT_FOR_KIND")]


def test_a_change_row_carries_only_its_filled_cells(village_operator):
    hh = household(village_id=VILLAGE)
    member = person(household=hh)
    content = _csv(
        "kind,origin,kk_number,nik,address,rt,education,floor_type",
        f"HOUSEHOLD_CHANGE,RT_RW,{hh.kk_number},,Jl. Baru 2,,,2",
        f"PERSON_CHANGE,RT_RW,{hh.kk_number},{member.nik},,,SMP,",
    )
    upload = _upload(village_operator, content)
    assert _errors(upload) == []
    change, person_change = Proposal.objects.filter(upload=upload).order_by("id")
    assert change.payload == {"changes": {"address": "Jl. Baru 2", "floor_type": 2}}
    assert (person_change.person_id, person_change.payload) == (member.pk, {"changes": {"education": "SMP"}})


def test_a_kk_or_nik_not_in_the_village_is_named(village_operator):
    elsewhere = household(village_id="3204332007")
    here = person(household__village_id=VILLAGE).household
    content = _csv(
        "kind,origin,kk_number,nik,inactive_reason",
        f"DEACTIVATE,RT_RW,{elsewhere.kk_number},,NOT_FOUND",
        f"MEMBER_REMOVE,RT_RW,{here.kk_number},3204050101800001,NOT_FOUND",
    )
    upload = _upload(village_operator, content)
    assert _errors(upload) == [(2, "kk_number", "HOUSEHOLD_NOT_HERE"), (3, "nik", "PERSON_NOT_HERE")]


def test_semicolons_and_day_month_year_dates_as_excel_saves_them_in_indonesia(village_operator):
    hh = household(village_id=VILLAGE)
    day = timezone.localdate()
    content = _csv(
        "kind;origin;minutes_number;minutes_date;kk_number;inactive_reason",
        f"DEACTIVATE;MUSDES;BA/9;{day:%d/%m/%Y};{hh.kk_number};NOT_ELIGIBLE",
    )
    upload = _upload(village_operator, content)
    assert _errors(upload) == []
    assert Proposal.objects.get(upload=upload).minutes_date == day


def test_a_kk_typed_as_a_number_in_excel_is_refused_with_a_hint(village_operator):
    hh = household(village_id=VILLAGE)
    wb = Workbook()
    wb.active.append(["kind", "origin", "kk_number"])
    wb.active.append(["REACTIVATE", "RT_RW", int(hh.kk_number)])
    buf = io.BytesIO()
    wb.save(buf)
    upload = _upload(village_operator, buf.getvalue(), "usulan.xlsx")
    [error] = ProposalUploadError.objects.filter(upload=upload)
    assert (error.row, error.column, error.code) == (2, "kk_number", "FORMAT")
    assert "Teks" in error.message


@pytest.mark.parametrize(
    ("header", "complaint"),
    [
        ("kind,origin", "kolom wajib tidak ada: kk_number"),
        ("kind,origin,kk_number,warna", "kolom tidak dikenal: warna"),
        ("kind,origin,kk_number,kind", "kolom ganda: kind"),
    ],
)
def test_a_file_with_a_wrong_header_is_refused_whole(village_operator, header, complaint):
    with pytest.raises(FileRejected, match=complaint):
        _upload(village_operator, _csv(header, "REACTIVATE,RT_RW,1"))
    assert not Proposal.objects.exists()


def test_too_many_rows_are_refused_whole(village_operator, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_ROWS", 2)
    lines = ["REACTIVATE,RT_RW,1"] * 3
    with pytest.raises(FileRejected, match="lebih dari 2 baris"):
        _upload(village_operator, _csv("kind,origin,kk_number", *lines))


def test_an_upload_for_a_village_outside_the_jurisdiction_is_refused(village_operator):
    with pytest.raises(Exception, match="di luar wilayah"):
        bulk.proposals_upload(
            actor=village_operator,
            file_name="u.csv",
            content=_csv("kind,origin,kk_number", "REACTIVATE,RT_RW,1"),
            village_code="3204332007",
        )


def test_the_example_sheet_of_the_template_is_accepted(village_operator):
    """The template's own example, moved to the first sheet, passes (a household it changes exists)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(bulk.template_workbook(district_code="320405")))
    rows = list(wb["Contoh"].iter_rows(values_only=True))
    existing = rows[3][bulk.TEMPLATE_COLUMNS.index("kk_number")]
    household(village_id=VILLAGE, kk_number=existing)
    out = Workbook()
    for row in rows:
        out.active.append(["" if v is None else str(v) for v in row])
    buf = io.BytesIO()
    out.save(buf)
    upload = _upload(village_operator, buf.getvalue(), "contoh.xlsx")
    assert _errors(upload) == []
    kinds = list(Proposal.objects.filter(upload=upload).order_by("id").values_list("kind", flat=True))
    assert kinds == ["NEW_HOUSEHOLD", "HOUSEHOLD_CHANGE", "DEACTIVATE"]
