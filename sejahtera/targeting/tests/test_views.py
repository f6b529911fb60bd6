"""Targeting pages: scoping of every route (a record outside the jurisdiction is 404, a role
without the right 403), the decile distribution and its export, a household's explained score, and
the model pages (a new version with its errors named, activation by a second person, retirement)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from sejahtera.targeting.models import HouseholdScore, ScoringModel

from .helpers import GOOD_HOUSE, POOR_HOUSE, VILLAGE_A, VILLAGE_A2, VILLAGE_B, build, family

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(central):
    """A built release with two families in Kab. Bandung (two districts) and one in Kota Bandung."""
    homes = {
        "a": family(VILLAGE_A, **POOR_HOUSE),
        "a2": family(VILLAGE_A2, **GOOD_HOUSE),
        "b": family(VILLAGE_B, **GOOD_HOUSE),
    }
    return build(central), homes


def _csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def _routes(release, household_id, model_id) -> dict[str, str]:
    n = release.number
    return {
        "model_list": reverse("targeting:model_list"),
        "model_detail": reverse("targeting:model_detail", kwargs={"model_id": model_id}),
        "release_deciles": reverse("targeting:release_deciles", kwargs={"number": n}),
        "release_deciles_export": reverse("targeting:release_deciles_export", kwargs={"number": n}),
        "household_score": reverse(
            "targeting:household_score", kwargs={"number": n, "household_id": household_id}
        ),
    }


# --- scoping ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("persona", "own", "foreign"),
    [
        ("central", "a", None),
        ("district_a", "a", "b"),
        ("district_b", "b", "a"),
        ("province_officer", "a", None),
        ("village_operator", "a", "a2"),
        ("auditor", "b", None),
        ("program_manager", "a2", None),
    ],
)
def test_a_household_outside_the_jurisdiction_is_not_found(client, request, scored, persona, own, foreign):
    release, homes = scored
    model = ScoringModel.objects.get(version="PMT-2026.1")
    client.force_login(request.getfixturevalue(persona))
    for name, url in _routes(release, homes[own].pk, model.pk).items():
        assert client.get(url).status_code == 200, name
    if foreign:
        url = _routes(release, homes[foreign].pk, model.pk)["household_score"]
        assert client.get(url).status_code == 404


def test_a_payment_channel_may_read_nothing_of_targeting(client, scored, payment_channel):
    release, homes = scored
    client.force_login(payment_channel)
    model = ScoringModel.objects.get(version="PMT-2026.1")
    for name, url in _routes(release, homes["a"].pk, model.pk).items():
        assert client.get(url).status_code == 403, name
    assert client.get(reverse("targeting:model_new")).status_code == 403


def test_a_stranger_is_sent_to_the_login(client, scored):
    release, homes = scored
    for url in _routes(release, homes["a"].pk, 1).values():
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_unknown_records_are_not_found(client, scored, central):
    release, _homes = scored
    client.force_login(central)
    assert client.get(reverse("targeting:model_detail", kwargs={"model_id": 999})).status_code == 404
    assert client.get(reverse("targeting:release_deciles", kwargs={"number": 99})).status_code == 404
    url = reverse("targeting:household_score", kwargs={"number": release.number, "household_id": 10**9})
    assert client.get(url).status_code == 404


# --- the distribution -----------------------------------------------------------------------------------
def test_a_district_sees_only_its_households_per_decile(client, scored, district_a):
    release, _homes = scored
    client.force_login(district_a)
    url = reverse("targeting:release_deciles", kwargs={"number": release.number})
    page = client.get(url, {"region": "3273"})  # outside: narrows nothing
    dist = page.context["dist"]
    assert (dist.region, dist.total) == ("3204", 2)
    assert [r.code for r in page.context["regions"]] == [VILLAGE_A[:6], VILLAGE_A2[:6]]
    rows = _csv(
        client.get(
            reverse("targeting:release_deciles_export", kwargs={"number": release.number}), {"format": "csv"}
        )
    )
    assert [r["region_code"] for r in rows] == ["3204", VILLAGE_A[:6], VILLAGE_A2[:6]]
    assert rows[0]["total"] == "2" and "3273" not in json.dumps(rows)


def test_the_nation_drills_down_from_province_to_village(client, scored, central):
    release, _homes = scored
    client.force_login(central)
    url = reverse("targeting:release_deciles", kwargs={"number": release.number})
    national = client.get(url).context
    assert [(r.code, r.total) for r in national["regions"]] == [("32", 3)]
    assert sum(national["dist"].counts) == 3
    regencies = client.get(url, {"region": "32"}).context["regions"]
    assert [(r.code, r.total) for r in regencies] == [("3204", 2), ("3273", 1)]
    villages = client.get(url, {"region": VILLAGE_A[:6]}).context["regions"]
    assert [(r.code, r.drill) for r in villages] == [(VILLAGE_A, False)]
    within_regency = client.get(url, {"region": "3273", "basis": "regency"}).context["dist"]
    assert within_regency.counts[0] == 1  # alone in its regency: its first decile


def test_the_distribution_exports_as_xlsx(client, scored, central):
    release, _homes = scored
    client.force_login(central)
    response = client.get(
        reverse("targeting:release_deciles_export", kwargs={"number": release.number}),
        {"format": "xlsx", "region": "32"},
    )
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [r for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]
    assert rows[0][:3] == ("region_code", "region_name", "basis")
    assert [(r[0], r[-1]) for r in rows[1:]] == [("32", 3), ("3204", 2), ("3273", 1)]


def test_a_release_without_scores_says_so(client, central):
    family()
    release = build(central, at="2020-06")
    client.force_login(central)
    page = client.get(reverse("targeting:release_deciles", kwargs={"number": release.number}))
    assert page.status_code == 200 and 'id="not-scored"' in page.content.decode()


# --- one household ------------------------------------------------------------------------------------------
def test_a_households_page_adds_up_its_terms_to_its_score(client, scored, district_a):
    release, homes = scored
    client.force_login(district_a)
    page = client.get(
        reverse("targeting:household_score", kwargs={"number": release.number, "household_id": homes["a"].pk})
    )
    d = page.context["d"]
    stored = HouseholdScore.objects.get(release=release, household_id=homes["a"].pk)
    assert d.explanation.total == stored.score and not d.changed_since
    floor = next(t for t in d.explanation.terms if t.variable == "floor_type")
    assert (floor.value, floor.points) == ("Tanah", 0)
    assert [c.code for c, met in page.context["answerable"] if met] == ["FLOOR", "WALL", "TOILET", "LIGHTING"]
    assert {c.code for c in page.context["unanswerable"]} == {
        "NO_SHELTER",
        "FOOD_WORRY",
        "FOOD_SHARE",
        "NO_CLOTHING",
    }


def test_a_change_in_the_registry_after_the_release_is_flagged(client, scored, central):
    release, homes = scored
    type(homes["a"]).objects.filter(pk=homes["a"].pk).update(floor_type=2)
    client.force_login(central)
    page = client.get(
        reverse("targeting:household_score", kwargs={"number": release.number, "household_id": homes["a"].pk})
    )
    assert page.context["d"].changed_since and 'id="changed-since"' in page.content.decode()


# --- model pages ---------------------------------------------------------------------------------------------
def _new(client, **data):
    form = {
        "version": "PMT-2027.1",
        "name": "Uji",
        "legal_source": "Ilustratif",
        "effective_from": "2027-01-01",
        "weights": json.dumps({"terms": [{"variable": "has_car", "if_true": 30}]}),
    } | data
    return client.post(reverse("targeting:model_new"), form)


def test_only_the_central_team_opens_the_new_version_form(client, district_a, central):
    client.force_login(district_a)
    assert client.get(reverse("targeting:model_new")).status_code == 403
    assert _new(client).status_code == 403
    client.force_login(central)
    page = client.get(reverse("targeting:model_new"))
    assert page.status_code == 200 and "PMT-2026.1" not in page.context["form"].initial["weights"]
    assert '"floor_type"' in page.context["form"].initial["weights"]  # a copy of the version in force


def test_a_bad_document_is_shown_with_every_error(client, central):
    client.force_login(central)
    response = _new(
        client, weights=json.dumps({"terms": [{"variable": "income", "if_true": 1}, {"variable": "has_car"}]})
    )
    assert response.status_code == 400
    assert response.context["errors"] == [
        "terms[0]: variabel 'income' tidak dikenal (lihat daftar variabel)",
        "terms[1] (has_car): harus memakai tepat satu bentuk: if_true",
    ]
    response = _new(client, weights="{not json")
    assert response.status_code == 400 and "JSON tidak sah pada baris 1" in response.content.decode()
    assert not ScoringModel.objects.filter(version="PMT-2027.1").exists()


def test_a_version_is_uploaded_activated_by_another_and_retired(client, central, central_publisher):
    client.force_login(central)
    upload = SimpleUploadedFile(
        "bobot.json", json.dumps({"terms": [{"variable": "has_car", "if_true": 5}]}).encode()
    )
    response = _new(client, weights="", weights_file=upload)
    model = ScoringModel.objects.get(version="PMT-2027.1")
    assert response.status_code == 302 and model.weights == {"terms": [{"variable": "has_car", "if_true": 5}]}
    activate = reverse("targeting:model_activate", kwargs={"model_id": model.pk})
    refused = client.post(activate)
    assert refused.status_code == 403 and "petugas lain" in refused.context["error"]
    client.force_login(central_publisher)
    assert client.get(activate).status_code == 405
    assert client.post(activate).status_code == 302
    retire = reverse("targeting:model_retire", kwargs={"model_id": model.pk})
    assert client.post(retire, {"reason": ""}).status_code == 400
    assert client.post(retire, {"reason": "Bobot resmi terbit"}).status_code == 302
    model.refresh_from_db()
    assert (model.status, model.activated_by, model.retired_by) == (
        "RETIRED",
        central_publisher,
        central_publisher,
    )


def test_a_region_officer_may_not_activate_or_retire(client, district_a, central):
    client.force_login(district_a)
    model = ScoringModel.objects.get(version="PMT-2026.1")
    assert (
        client.post(
            reverse("targeting:model_retire", kwargs={"model_id": model.pk}), {"reason": "x"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("targeting:model_retire", kwargs={"model_id": model.pk}), {"reason": ""}
        ).status_code
        == 403
    )
    assert client.post(reverse("targeting:model_activate", kwargs={"model_id": model.pk})).status_code == 403
    page = client.get(reverse("targeting:model_detail", kwargs={"model_id": model.pk}))
    assert "model-retire" not in page.content.decode() and 'id="terms-national"' in page.content.decode()
