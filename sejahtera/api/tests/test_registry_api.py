"""The registry endpoints: households (list, detail), persons, counts. Each scoped to the caller."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sejahtera.registry.tests.factories import HouseholdFactory, PersonFactory

LIST = "/api/v1/households"
# The personas' places (conftest.py). conftest.VILLAGE_B (3273010001) is not in the Kemendagri
# table (Kota Bandung numbers its kelurahan 1xxx), so region B's village is chosen here.
VILLAGE_A = "3204052001"  # Cileunyi Kulon, Kec. Cileunyi, Kab. Bandung
VILLAGE_A2 = "3204332007"  # Majakerta, Kec. Majalaya, Kab. Bandung
VILLAGE_B = "3273011001"  # Sukarasa, Kec. Sukasari, Kota Bandung


def _family(village: str, head: str, *, members: int = 1, **household):
    hh = HouseholdFactory(village_id=village, **household)
    PersonFactory(household=hh, full_name=head, relationship="HEAD")
    for n in range(members - 1):
        PersonFactory(household=hh, full_name=f"{head} ANAK {n}", relationship="CHILD", sex="P")
    return hh


def _ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


@pytest.fixture
def families(db):
    return {
        "a": _family(VILLAGE_A, "SITI AMINAH", members=3, welfare_status=1),
        "a2": _family(VILLAGE_A2, "DEDI SUPRIADI"),
        "b": _family(VILLAGE_B, "BUDI BANDUNG", members=2),
    }


class TestHouseholdList:
    def test_it_lists_only_households_in_the_district_officers_regency(self, client, district_a, families):
        client.force_login(district_a)
        response = client.get(LIST)
        assert response.status_code == 200
        assert _ids(response) == [families["a"].id, families["a2"].id]
        assert response.json()["next_after_id"] is None

    def test_it_lists_everything_for_the_central_data_team(self, client, central, families):
        client.force_login(central)
        assert _ids(client.get(LIST)) == [families["a"].id, families["a2"].id, families["b"].id]

    def test_a_village_operator_sees_only_its_village(self, client, village_operator, families):
        client.force_login(village_operator)
        assert _ids(client.get(LIST)) == [families["a"].id]

    def test_it_describes_each_household(self, client, district_a, families):
        client.force_login(district_a)
        item = client.get(LIST).json()["items"][0]
        hh = families["a"]
        assert item == {
            "id": hh.id,
            "kk_number": hh.kk_number,
            "village_code": VILLAGE_A,
            "village_name": hh.village.name,
            "address": hh.address,
            "rt": "001",
            "rw": "002",
            "status": "ACTIVE",
            "welfare_status": 1,
            "member_count": 3,
            "head_name": "SITI AMINAH",
        }

    def test_a_region_filter_outside_the_jurisdiction_finds_nothing(self, client, district_a, families):
        client.force_login(district_a)
        response = client.get(LIST, {"region": "3273"})
        assert response.status_code == 200
        assert response.json()["items"] == []

    def test_it_filters_by_region_inside_the_jurisdiction(self, client, district_a, families):
        client.force_login(district_a)
        assert _ids(client.get(LIST, {"region": VILLAGE_A2[:6]})) == [families["a2"].id]

    def test_it_searches_by_name_kk_and_nik(self, client, district_a, families):
        client.force_login(district_a)
        hh = families["a"]
        nik = hh.members.get(relationship="HEAD").nik
        assert _ids(client.get(LIST, {"q": "aminah"})) == [hh.id]
        assert _ids(client.get(LIST, {"q": hh.kk_number})) == [hh.id]
        assert _ids(client.get(LIST, {"q": nik})) == [hh.id]

    def test_a_search_by_nik_still_counts_every_member(self, client, district_a, families):
        client.force_login(district_a)
        hh = families["a"]
        nik = hh.members.get(relationship="HEAD").nik
        for term in (nik, hh.kk_number, "AMINAH"):
            (item,) = client.get(LIST, {"q": term}).json()["items"]
            assert (item["member_count"], item["head_name"]) == (3, "SITI AMINAH"), term

    def test_a_search_does_not_reach_across_the_jurisdiction(self, client, district_a, families):
        client.force_login(district_a)
        hh = families["b"]
        nik = hh.members.get(relationship="HEAD").nik
        for term in ("BUDI BANDUNG", hh.kk_number, nik):
            assert client.get(LIST, {"q": term}).json()["items"] == [], term

    def test_it_filters_by_status(self, client, district_a, families):
        moved = _family(VILLAGE_A, "PINDAH RUMAH", status="MOVED")
        client.force_login(district_a)
        assert _ids(client.get(LIST, {"status": "MOVED"})) == [moved.id]
        assert moved.id not in _ids(client.get(LIST, {"status": "ACTIVE"}))

    def test_anonymous_callers_get_401(self, client, families):
        response = client.get(LIST)
        assert response.status_code == 401
        assert "detail" in response.json()

    def test_a_role_without_registry_rights_gets_403_with_the_reason(self, client, payment_channel, families):
        client.force_login(payment_channel)
        response = client.get(LIST)
        assert response.status_code == 403
        assert response.json() == {"detail": "Peran Anda tidak berwenang untuk tindakan ini."}

    @pytest.mark.parametrize(
        "params",
        [
            {"limit": "0"},
            {"limit": "501"},
            {"limit": "many"},
            {"after_id": "-1"},
            {"after_id": "x"},
            {"region": "327"},
            {"region": "32.73"},
            {"status": "DELETED"},
            {"q": "x" * 101},
            {"q": "12345"},
            {"q": "32040517058000031"},
            {"q": "ab"},
        ],
    )
    def test_invalid_parameters_answer_422(self, client, district_a, params):
        client.force_login(district_a)
        response = client.get(LIST, params)
        assert response.status_code == 422
        assert response.json()["detail"]

    def test_the_query_count_does_not_grow_with_the_page(self, client, district_a, families):
        client.force_login(district_a)
        with CaptureQueriesContext(connection) as small:
            assert len(client.get(LIST).json()["items"]) == 2
        for n in range(20):
            _family(VILLAGE_A, f"WARGA TAMBAHAN {n}")
        with CaptureQueriesContext(connection) as large:
            assert len(client.get(LIST).json()["items"]) == 22
        assert len(large) == len(small)


class TestKeysetPagination:
    @pytest.fixture
    def interleaved(self, db):
        """Eleven households of region A with region B households between them, so that the
        cursor steps over ids the caller must never see."""
        mine = []
        for n in range(11):
            mine.append(_family(VILLAGE_A, f"KELUARGA A {n}").id)
            _family(VILLAGE_B, f"KELUARGA B {n}")
        return mine

    def test_pages_follow_each_other_without_gaps_or_repeats(self, client, district_a, interleaved):
        client.force_login(district_a)
        seen: list[int] = []
        cursors: list[int | None] = []
        params: dict[str, object] = {"limit": 4}
        while True:
            body = client.get(LIST, params).json()
            seen += [item["id"] for item in body["items"]]
            cursors.append(body["next_after_id"])
            if body["next_after_id"] is None:
                break
            params["after_id"] = body["next_after_id"]
        assert seen == interleaved
        assert len(cursors) == 3  # 4 + 4 + 3
        assert cursors[:2] == [interleaved[3], interleaved[7]]

    def test_a_full_last_page_has_no_next_cursor(self, client, district_a, interleaved):
        client.force_login(district_a)
        body = client.get(LIST, {"after_id": interleaved[6], "limit": 4}).json()
        assert [item["id"] for item in body["items"]] == interleaved[7:]
        assert body["next_after_id"] is None

    def test_a_cursor_beyond_the_end_gives_an_empty_page(self, client, district_a, interleaved):
        client.force_login(district_a)
        body = client.get(LIST, {"after_id": interleaved[-1]}).json()
        assert body == {"items": [], "next_after_id": None}

    def test_the_cursor_combines_with_a_filter(self, client, district_a, interleaved):
        client.force_login(district_a)
        body = client.get(LIST, {"q": "KELUARGA A 1", "limit": 1}).json()  # "A 1" and "A 10"
        assert [item["id"] for item in body["items"]] == [interleaved[1]]
        body = client.get(LIST, {"q": "KELUARGA A 1", "limit": 1, "after_id": body["next_after_id"]}).json()
        assert [item["id"] for item in body["items"]] == [interleaved[10]]
        assert body["next_after_id"] is None


class TestHouseholdDetail:
    def test_it_shows_a_household_with_its_members(self, client, district_a, families):
        client.force_login(district_a)
        hh = families["a"]
        response = client.get(f"{LIST}/{hh.id}")
        assert response.status_code == 200
        body = response.json()
        assert body["kk_number"] == hh.kk_number
        assert body["village_code"] == VILLAGE_A
        assert body["district_code"] == VILLAGE_A[:6]
        assert [m["full_name"] for m in body["members"]] == [
            "SITI AMINAH",
            "SITI AMINAH ANAK 0",
            "SITI AMINAH ANAK 1",
        ]
        assert {m["nik"] for m in body["members"]} == set(hh.members.values_list("nik", flat=True))

    def test_a_household_outside_the_jurisdiction_is_not_found(self, client, district_a, families):
        client.force_login(district_a)
        response = client.get(f"{LIST}/{families['b'].id}")
        assert response.status_code == 404
        assert response.json() == {"detail": "Keluarga tidak ditemukan di wilayah kewenangan Anda."}
        assert "BUDI" not in response.content.decode()

    def test_an_unknown_household_answers_the_same_404(self, client, district_a, families):
        client.force_login(district_a)
        missing = client.get(f"{LIST}/{families['b'].id + 1000}")
        foreign = client.get(f"{LIST}/{families['b'].id}")
        assert (missing.status_code, missing.json()) == (foreign.status_code, foreign.json())

    def test_a_non_numeric_id_answers_422(self, client, district_a):
        client.force_login(district_a)
        assert client.get(f"{LIST}/abc").status_code == 422

    def test_anonymous_callers_get_401(self, client, families):
        assert client.get(f"{LIST}/{families['a'].id}").status_code == 401


class TestPersonDetail:
    def test_it_shows_a_person_in_the_jurisdiction(self, client, verifier, families):
        client.force_login(verifier)
        person = families["a"].members.get(relationship="HEAD")
        response = client.get(f"/api/v1/persons/{person.id}")
        assert response.status_code == 200
        body = response.json()
        assert body["nik"] == person.nik
        assert body["full_name"] == "SITI AMINAH"
        assert body["household_id"] == families["a"].id
        assert body["kk_number"] == families["a"].kk_number
        assert body["village_code"] == VILLAGE_A
        assert body["ppks"] == []

    def test_a_person_outside_the_jurisdiction_is_not_found(self, client, verifier, families):
        client.force_login(verifier)  # district 320405: region A2 (Majalaya) is outside it too
        for key in ("a2", "b"):
            person = families[key].members.get(relationship="HEAD")
            response = client.get(f"/api/v1/persons/{person.id}")
            assert response.status_code == 404
            assert response.json() == {"detail": "Penduduk tidak ditemukan di wilayah kewenangan Anda."}

    def test_anonymous_callers_get_401(self, client, families):
        person = families["a"].members.first()
        assert client.get(f"/api/v1/persons/{person.id}").status_code == 401


class TestStats:
    def test_the_counts_are_those_of_the_jurisdiction(self, client, district_a, families):
        deceased = families["a"].members.get(full_name="SITI AMINAH ANAK 0")
        deceased.status = "DECEASED"
        deceased.save()
        client.force_login(district_a)
        response = client.get("/api/v1/stats")
        assert response.status_code == 200
        # Region A: 2 households, 4 persons of whom 1 deceased. Region B (1 household, 2 persons) is not counted.
        assert response.json() == {
            "households": 2,
            "persons": 3,
            "persons_deceased": 1,
            "persons_inactive": 0,
        }

    def test_the_nation_counts_every_region(self, client, central, families):
        client.force_login(central)
        assert client.get("/api/v1/stats").json()["households"] == 3
        assert client.get("/api/v1/stats").json()["persons"] == 6
