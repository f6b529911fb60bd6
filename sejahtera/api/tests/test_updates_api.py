"""The update cycle's endpoints: events in (central data team only), releases and their diff out
(every staff role; diff rows scoped, keyset paging)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from sejahtera.registry.models import Person
from sejahtera.updates.models import PopulationEvent, ReleaseChange
from sejahtera.updates.tests.releasing import VILLAGE_A, VILLAGE_A2, VILLAGE_B, built, family

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events"
RELEASES = "/api/v1/releases"


def post_events(client: Client, events: list[dict]):
    return client.post(EVENTS, json.dumps(events), content_type="application/json")


@pytest.fixture
def families(db):
    return {"a": family(VILLAGE_A), "a2": family(VILLAGE_A2), "b": family(VILLAGE_B)}


@pytest.fixture
def release(central, central_publisher, families):
    return built(central, publisher=central_publisher)


# --- events ---------------------------------------------------------------------------------------------
def test_events_are_applied_once_with_each_rejection_named(client, central, families):
    person = Person.objects.filter(household=families["a"])[0]
    events = [
        {"event_id": "D-1", "kind": "MATI", "nik": person.nik, "date": "2026-10-02"},
        {"event_id": "X-1", "kind": "MATI", "nik": "3204051705800999"},
        {"kind": "MATI", "nik": person.nik},
    ]
    client.force_login(central)
    response = post_events(client, events)
    assert response.status_code == 200
    body = response.json()
    assert (body["applied"], body["duplicate"], body["rejected"]) == (1, 0, 2)
    assert body["reasons"] == {"NIK_UNKNOWN": 1, "EVENT_ID_MISSING": 1}
    assert sorted((r["line"], r["event_id"], r["code"]) for r in body["rejections"]) == [
        (2, "X-1", "NIK_UNKNOWN"),
        (3, "", "EVENT_ID_MISSING"),
    ]
    assert Person.objects.get(pk=person.pk).status == "DECEASED"
    assert PopulationEvent.objects.get(event_id="D-1").source == "api:pusat"

    again = post_events(client, events[:1]).json()
    assert (again["applied"], again["duplicate"], again["rejected"]) == (0, 1, 0)


@pytest.mark.parametrize("persona", ["district_a", "village_operator", "auditor", "payment_channel"])
def test_only_the_central_data_team_posts_events(client, request, families, persona):
    person = Person.objects.filter(household=families["a"])[0]
    client.force_login(request.getfixturevalue(persona))
    response = post_events(client, [{"event_id": "D-1", "kind": "MATI", "nik": person.nik}])
    assert response.status_code == 403
    assert "detail" in response.json()
    assert not PopulationEvent.objects.exists()
    assert Person.objects.get(pk=person.pk).status == "ACTIVE"


def test_events_need_a_signed_in_user(client):
    assert post_events(client, []).status_code == 401


def test_the_body_must_be_a_list_of_objects(client, central):
    client.force_login(central)
    response = client.post(EVENTS, json.dumps({"event_id": "D-1"}), content_type="application/json")
    assert response.status_code == 422


def test_too_many_events_in_one_request_are_refused(client, central, monkeypatch):
    monkeypatch.setattr("sejahtera.api.updates_api.MAX_EVENTS", 2)
    client.force_login(central)
    response = post_events(client, [{"event_id": str(i), "kind": "MATI"} for i in range(3)])
    assert response.status_code == 400
    assert "Paling banyak 2" in response.json()["detail"]
    assert not PopulationEvent.objects.exists()


# --- releases ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["central", "district_a", "village_operator", "qa_reviewer", "auditor"])
def test_every_staff_role_reads_the_releases(client, request, release, persona):
    client.force_login(request.getfixturevalue(persona))
    [item] = client.get(RELEASES).json()
    assert (item["number"], item["status"], item["households"], item["added"]) == (1, "PUBLISHED", 3, 3)
    assert item["decree_number"] == "KEP-1/HUK/2026" and item["previous"] is None
    detail = client.get(f"{RELEASES}/1").json()
    assert detail["progress"] == 100 and "diff" in detail["timings"]


def test_the_payment_channel_reads_no_release(client, payment_channel, release):
    client.force_login(payment_channel)
    assert client.get(RELEASES).status_code == 403
    assert client.get(f"{RELEASES}/1/changes").status_code == 403


def test_an_unknown_release_is_not_found(client, central, release):
    client.force_login(central)
    assert client.get(f"{RELEASES}/9").status_code == 404
    assert client.get(f"{RELEASES}/9/changes").status_code == 404


def test_the_diff_shows_only_the_callers_jurisdiction(client, district_a, district_b, release, families):
    client.force_login(district_a)
    items = client.get(f"{RELEASES}/1/changes").json()["items"]
    assert {i["kk_number"] for i in items} == {families["a"].kk_number, families["a2"].kk_number}
    assert client.get(f"{RELEASES}/1/changes", {"region": "3273"}).json()["items"] == []
    client.force_login(district_b)
    [item] = client.get(f"{RELEASES}/1/changes").json()["items"]
    assert item["kk_number"] == families["b"].kk_number
    assert item == {
        "id": item["id"],
        "household_id": families["b"].pk,
        "change": "ADDED",
        "reason": "",
        "kk_number": families["b"].kk_number,
        "village_code": VILLAGE_B,
        "district_code": VILLAGE_B[:6],
        "regency_code": "3273",
        "province_code": "32",
        "members_before": None,
        "members_after": 2,
    }


def test_the_diff_pages_by_key_and_filters(client, central, release):
    client.force_login(central)
    first = client.get(f"{RELEASES}/1/changes", {"limit": 2}).json()
    assert len(first["items"]) == 2
    rest = client.get(f"{RELEASES}/1/changes", {"limit": 2, "after_id": first["next_after_id"]}).json()
    assert len(rest["items"]) == 1 and rest["next_after_id"] is None
    ids = [i["id"] for i in first["items"] + rest["items"]]
    assert ids == sorted(ReleaseChange.objects.filter(release=release).values_list("id", flat=True))
    assert client.get(f"{RELEASES}/1/changes", {"change": "REMOVED"}).json()["items"] == []
    assert client.get(f"{RELEASES}/1/changes", {"change": "GONE"}).status_code == 422
    assert client.get(f"{RELEASES}/1/changes", {"region": "32.04"}).status_code == 422
    assert len(client.get(f"{RELEASES}/1/changes", {"region": VILLAGE_A2}).json()["items"]) == 1


def test_the_schema_lists_the_update_endpoints(client, central):
    client.force_login(central)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/events",
        "/api/v1/releases",
        "/api/v1/releases/{number}",
        "/api/v1/releases/{number}/changes",
    } <= set(paths)
