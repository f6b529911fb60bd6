"""The audit log pages, the base layout, error pages and the language switch."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from conftest import PASSWORD, REGION_A
from sejahtera.accounts.models import User
from sejahtera.common.audit import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def regional_auditor(db):
    user = User(username="auditor_a", role="AUDITOR", jurisdiction_id=REGION_A)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def entries(central):
    return {
        "a": audit_record(
            actor=central,
            action="household.update",
            object_type="household",
            object_id=11,
            region_code="3204052001",
            before={"address": "Jl. Lama"},
            after={"address": "Jl. Baru"},
            reason="salah ketik",
        ),
        "b": audit_record(
            actor=central,
            action="person.status",
            object_type="person",
            object_id=22,
            region_code="3273011001",
            before={"status": "ACTIVE"},
            after={"status": "DECEASED"},
            reason="akta kematian",
        ),
        "nation": audit_record(
            actor=None,
            action="registry.import",
            object_type="import_job",
            object_id=33,
            reason="impor berkas",
        ),
    }


def shown_ids(response) -> list[int]:
    return [e.pk for e in response.context["page"]]


def test_a_national_auditor_browses_every_entry_newest_first(client, auditor, entries):
    client.force_login(auditor)
    response = client.get(reverse("common:audit_list"))
    assert response.status_code == 200
    assert shown_ids(response) == [entries["nation"].pk, entries["b"].pk, entries["a"].pk]
    html = response.content.decode()
    assert "<del>Jl. Lama</del>" in html
    assert "<ins>Jl. Baru</ins>" in html
    assert "salah ketik" in html


def test_a_regional_auditor_sees_only_its_region(client, regional_auditor, entries):
    client.force_login(regional_auditor)
    response = client.get(reverse("common:audit_list"))
    assert shown_ids(response) == [entries["a"].pk]
    assert "akta kematian" not in response.content.decode()
    rows = list(csv.DictReader(io.StringIO(export_text(client))))
    assert [int(r["id"]) for r in rows] == [entries["a"].pk]


def test_the_log_filters_by_action_and_object_type(client, auditor, entries):
    client.force_login(auditor)
    url = reverse("common:audit_list")
    assert shown_ids(client.get(url, {"action": "person.status"})) == [entries["b"].pk]
    assert shown_ids(client.get(url, {"object_type": "household"})) == [entries["a"].pk]
    assert shown_ids(client.get(url, {"action": "person.status", "object_type": "household"})) == []


def export_text(client, **params) -> str:
    response = client.get(reverse("common:audit_export"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming  # rows are sent as they are read, never built up in memory
    return response.getvalue().decode("utf-8-sig")


def test_the_csv_export_follows_the_filter_and_keeps_the_chain(client, central, entries):
    client.force_login(central)
    rows = list(csv.DictReader(io.StringIO(export_text(client, object_type="household"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["actor"] == "pusat"
    assert row["action"] == "household.update"
    assert json.loads(row["before"]) == {"address": "Jl. Lama"}
    assert json.loads(row["after"]) == {"address": "Jl. Baru"}
    assert row["hash"] == entries["a"].hash
    assert row["prev_hash"] == entries["a"].prev_hash


@pytest.mark.parametrize("persona", ["district_a", "village_operator", "verifier", "payment_channel"])
def test_roles_without_the_audit_right_get_403(client, request, persona, entries):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("common:audit_list")).status_code == 403
    assert client.get(reverse("common:audit_export")).status_code == 403


def test_the_layout_names_the_user_role_and_jurisdiction_and_loads_htmx_locally(client, district_a):
    client.force_login(district_a)
    html = client.get(reverse("registry:dashboard")).content.decode()
    assert "dinsos_a" in html
    assert "Dinas Sosial kabupaten/kota" in html
    assert "32.04 Kabupaten Bandung" in html
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "/static/css/app.css" in html
    assert "http://" not in html and "https://" not in html  # nothing from a CDN
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert 'action="/keluar/"' in html
    assert 'action="/i18n/setlang/"' in html
    # The menu offers what the role may use: a district officer imports but does not audit.
    assert 'href="/impor/"' in html
    assert 'href="/audit/"' not in html


def test_the_menu_of_an_auditor(client, auditor):
    client.force_login(auditor)
    html = client.get(reverse("registry:dashboard")).content.decode()
    assert 'href="/audit/"' in html
    assert 'href="/impor/"' not in html


def test_an_unknown_address_gets_the_404_page(client, district_a):
    client.force_login(district_a)
    response = client.get("/tidak-ada/")
    assert response.status_code == 404
    assert "Tidak ditemukan" in response.content.decode()


def test_a_refused_action_gets_the_403_page_with_its_reason(client, verifier):
    client.force_login(verifier)
    response = client.get(reverse("registry:import_list"))
    assert response.status_code == 403
    assert "Peran Anda tidak berwenang untuk tindakan ini." in response.content.decode()


def test_switching_to_english_changes_the_labels(client, district_a):
    client.force_login(district_a)
    assert "Keluarga aktif" in client.get(reverse("registry:dashboard")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("registry:dashboard")).content.decode()
    assert '<html lang="en">' in html
    assert "Active households" in html
    assert "Keluarga aktif" not in html
    assert "District social office" in html  # the role, from the model's choices
    listing = client.get(reverse("registry:household_list")).content.decode()
    assert "Households" in listing
    assert "Welfare status" in listing
