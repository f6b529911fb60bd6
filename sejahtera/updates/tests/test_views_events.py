"""Population-event pages: the list of the user's region, its export, and the upload (central data
team) with applied / duplicate / rejected counts and the rejections."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sejahtera.registry.models import Person
from sejahtera.updates.models import PopulationEvent

from .releasing import VILLAGE_A, VILLAGE_B, family

pytestmark = pytest.mark.django_db

LIST = reverse("updates:event_list")
EXPORT = reverse("updates:event_export")
UNKNOWN_NIK = "3204051705800999"


def head(hh) -> Person:
    return Person.objects.filter(household=hh).order_by("id")[0]


def deaths_csv(*people: Person, extra: str = "") -> bytes:
    lines = ["event_id,kind,nik,kk_number,date"]
    lines += [f"D-{p.pk},MATI,{p.nik},,2026-10-02" for p in people]
    return ("\n".join(lines) + "\n" + extra).encode()


def upload(client, content: bytes, name: str = "dukcapil.csv"):
    return client.post(LIST, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


@pytest.fixture
def people(db):
    return {"a": head(family(VILLAGE_A, members=2)), "b": head(family(VILLAGE_B, members=2))}


# --- access -----------------------------------------------------------------------------------------
def test_a_stranger_is_sent_to_the_login(client):
    for url in (LIST, EXPORT):
        assert client.get(url)["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("persona", "status", "upload_form"),
    [
        ("central", 200, True),
        ("district_a", 200, False),
        ("village_operator", 200, False),
        ("auditor", 200, False),
        ("payment_channel", 403, False),
    ],
)
def test_who_reads_the_events_and_who_uploads(client, request, persona, status, upload_form):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(LIST)
    assert response.status_code == status
    assert ('id="event-upload"' in response.content.decode()) is upload_form
    assert client.get(EXPORT).status_code == status


def test_only_the_central_data_team_uploads(client, district_a, people):
    client.force_login(district_a)
    assert upload(client, deaths_csv(people["a"])).status_code == 403
    assert not PopulationEvent.objects.exists()
    assert Person.objects.get(pk=people["a"].pk).status == "ACTIVE"


# --- upload -------------------------------------------------------------------------------------------
def test_an_upload_applies_the_events_and_names_each_rejection(client, central, people):
    client.force_login(central)
    bad = f"X-1,MATI,{UNKNOWN_NIK},,2026-10-02\nX-2,KAWIN,{people['b'].nik},,2026-10-02\n"
    response = upload(client, deaths_csv(people["a"], extra=bad))
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.applied, result.duplicate, result.rejected) == (1, 0, 2)
    assert sorted((r.line, r.event_id, r.code) for r in response.context["rejections"]) == [
        (3, "X-1", "NIK_UNKNOWN"),
        (4, "X-2", "KIND_UNKNOWN"),
    ]
    html = response.content.decode()
    assert "NIK_UNKNOWN" in html and UNKNOWN_NIK in html and "dukcapil.csv" in html
    assert Person.objects.get(pk=people["a"].pk).status == "DECEASED"
    assert PopulationEvent.objects.get(event_id="X-1").status == "REJECTED"


def test_the_same_file_uploaded_twice_is_all_duplicates_the_second_time(client, central, people):
    client.force_login(central)
    content = deaths_csv(people["a"], people["b"])
    first = upload(client, content).context["result"]
    assert (first.applied, first.duplicate, first.rejected) == (2, 0, 0)
    second = upload(client, content).context["result"]
    assert (second.applied, second.duplicate, second.rejected) == (0, 2, 0)
    assert PopulationEvent.objects.count() == 2


def test_json_lines_are_read_too(client, central, people):
    client.force_login(central)
    line = {"event_id": "J-1", "kind": "MATI", "nik": people["a"].nik, "date": "2026-10-03"}
    response = upload(client, (json.dumps(line) + "\n").encode(), name="peristiwa.jsonl")
    assert response.context["result"].applied == 1


def test_a_file_that_is_not_utf8_is_refused_before_anything_applies(client, central, people):
    client.force_login(central)
    response = upload(client, "event_id,kind\nÉ-1,MATI\n".encode("latin-1"))
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()
    assert not PopulationEvent.objects.exists()


def test_an_empty_form_is_refused(client, central):
    client.force_login(central)
    assert client.post(LIST, {}).status_code == 400


# --- list and export, scoped ---------------------------------------------------------------------------
@pytest.fixture
def applied(client, central, people):
    client.force_login(central)
    upload(client, deaths_csv(people["a"], people["b"], extra=f"X-1,MATI,{UNKNOWN_NIK},,2026-10-02\n"))
    client.logout()


def test_each_region_sees_its_own_events(client, district_a, district_b, people, applied):
    client.force_login(district_a)
    events = client.get(LIST).context["page"].object_list
    # The unknown NIK names Kec. Cileunyi (320405), so its rejection reaches region A too.
    assert sorted(e.event_id for e in events) == [f"D-{people['a'].pk}", "X-1"]
    client.force_login(district_b)
    assert [e.event_id for e in client.get(LIST).context["page"].object_list] == [f"D-{people['b'].pk}"]


def test_the_list_filters_by_status_and_kind(client, central, people, applied):
    client.force_login(central)
    rejected = client.get(LIST, {"status": "REJECTED"}).context["page"].object_list
    assert [e.event_id for e in rejected] == ["X-1"]
    assert list(client.get(LIST, {"kind": "LAHIR"}).context["page"].object_list) == []


def test_the_export_holds_the_users_region_only(client, district_a, people, applied):
    client.force_login(district_a)
    response = client.get(EXPORT, {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert sorted(r["event_id"] for r in rows) == [f"D-{people['a'].pk}", "X-1"]
    assert people["b"].nik not in str(rows)
    xlsx = client.get(EXPORT, {"format": "xlsx", "status": "APPLIED"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    body = b"".join(xlsx.streaming_content)
    from openpyxl import load_workbook

    cells = [
        r
        for ws in load_workbook(io.BytesIO(body), read_only=True).worksheets
        for r in ws.iter_rows(values_only=True)
    ]
    assert [c[0] for c in cells] == ["event_id", f"D-{people['a'].pk}"]
