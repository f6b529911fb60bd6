"""Authentication, error mapping, regions, NIK/KK checks and the offline docs of the API."""

from __future__ import annotations

import contextlib
import json
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from ninja.errors import HttpError

from sejahtera.accounts.models import User
from sejahtera.api.api import api
from sejahtera.common.errors import PermissionRefused, TransitionNotAllowed

REGION_A = "3204"  # Kabupaten Bandung (conftest.py)

ENDPOINTS = [
    "/api/v1/households",
    "/api/v1/households/1",
    "/api/v1/persons/1",
    "/api/v1/stats",
    "/api/v1/regions",
    "/api/v1/nik/check?nik=3204054508800001",
    "/api/v1/kk/check?kk=3204050103150001",
]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_callers_get_401(client, db, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_signed_in_user_without_a_role_gets_403(client, db, url):
    client.force_login(User.objects.create_user("tanpa_peran", role=""))
    response = client.get(url)
    assert response.status_code == 403
    assert response.json() == {"detail": "Akun Anda belum memiliki peran; hubungi administrator."}


def test_a_domain_error_becomes_its_status_and_message(rf, db):
    request = rf.get("/api/v1/stats")
    response = api.on_exception(
        request, TransitionNotAllowed(entity="Usulan", current="DRAFT", requested="PAID")
    )
    assert response.status_code == 409
    assert json.loads(response.content) == {
        "detail": "Usulan: perubahan status dari DRAFT ke PAID tidak diizinkan"
    }


def test_no_operation_accepts_an_unsafe_method_yet(db, district_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(district_a)
    assert client.post("/api/v1/households", {}).status_code == 405
    assert client.get("/api/v1/stats").status_code == 200


class TestSessionAuth:
    """The API's authentication itself, as every future write operation will meet it."""

    auth = api.auth[0]  # type: ignore[index]

    def _post(self, rf, user, *, token: str | None):
        request = rf.post("/api/v1/anything", HTTP_X_CSRFTOKEN=token or "")
        request.user = user
        request.COOKIES[settings.SESSION_COOKIE_NAME] = "session"
        if token:
            request.COOKIES[settings.CSRF_COOKIE_NAME] = token
        return request

    def test_an_unsafe_request_without_the_csrf_token_is_refused(self, rf, district_a):
        with pytest.raises(HttpError) as refused:
            self.auth(self._post(rf, district_a, token=None))
        assert refused.value.status_code == 403

    def test_an_unsafe_request_with_the_csrf_token_is_the_user(self, rf, district_a):
        token = _get_new_csrf_string()
        assert self.auth(self._post(rf, district_a, token=token)) == district_a

    def test_a_user_without_a_role_is_refused_even_with_the_token(self, rf, db):
        user = User.objects.create_user("tanpa_peran_2", role="")
        with pytest.raises(PermissionRefused):
            self.auth(self._post(rf, user, token=_get_new_csrf_string()))


class TestRegions:
    def test_provinces_are_narrowed_to_the_jurisdiction(self, client, district_a):
        client.force_login(district_a)
        response = client.get("/api/v1/regions")
        assert response.status_code == 200
        assert [r["code"] for r in response.json()] == ["32"]

    def test_regencies_are_narrowed_to_the_jurisdiction(self, client, district_a):
        client.force_login(district_a)
        assert [r["code"] for r in client.get("/api/v1/regions", {"parent": "32"}).json()] == [REGION_A]

    def test_inside_the_jurisdiction_every_child_is_offered(self, client, district_a):
        client.force_login(district_a)
        body = client.get("/api/v1/regions", {"parent": REGION_A}).json()
        assert len(body) == 31  # the districts (kecamatan) of Kabupaten Bandung
        assert all(r["code"].startswith(REGION_A) and r["level"] == 3 for r in body)
        assert body[0]["parent_code"] == REGION_A

    def test_another_regencys_children_are_not_offered(self, client, district_a):
        client.force_login(district_a)
        assert client.get("/api/v1/regions", {"parent": "3273"}).json() == []

    def test_the_nation_sees_every_province(self, client, central):
        client.force_login(central)
        body = client.get("/api/v1/regions").json()
        assert len(body) == 38
        assert {
            "code": "32",
            "name": "Jawa Barat",
            "level": 1,
            "kind": "PROVINCE",
            "parent_code": None,
        } in body

    @pytest.mark.parametrize("parent", ["3", "320", "3204052001", "JABAR"])
    def test_an_invalid_parent_answers_422(self, client, district_a, parent):
        client.force_login(district_a)
        assert client.get("/api/v1/regions", {"parent": parent}).status_code == 422


class TestIdentifierChecks:
    # A woman born 5 August 1980 in Kec. Cileunyi (32.04.05): day 05 + 40 = 45.
    NIK = "3204054508800001"
    KK = "3204050103150001"

    def test_a_nik_is_decoded(self, client, verifier):
        client.force_login(verifier)
        response = client.get("/api/v1/nik/check", {"nik": "32.04.05 450880 0001"})
        assert response.status_code == 200
        body = response.json()
        assert body["nik"] == self.NIK
        assert body["valid"] is True
        assert body["errors"] == body["warnings"] == []
        assert body["sex"] == "P"
        assert body["birth_date"] == "1980-08-05"
        assert body["region_code"] == "32.04.05"
        assert body["region_name"] == "Cileunyi"

    @pytest.mark.parametrize(
        ("nik", "errors"),
        [
            ("12345", ["FORMAT"]),
            ("3204053202800001", ["DATE_INVALID"]),
            ("3204054508800000", ["SERIAL_ZERO"]),
        ],
    )
    def test_an_invalid_nik_says_why(self, client, verifier, nik, errors):
        client.force_login(verifier)
        body = client.get("/api/v1/nik/check", {"nik": nik}).json()
        assert body["valid"] is False
        assert body["errors"] == errors

    def test_an_unknown_region_is_a_warning_for_a_nik(self, client, verifier):
        client.force_login(verifier)
        body = client.get("/api/v1/nik/check", {"nik": "9999994508800001"}).json()
        assert body["valid"] is True
        assert body["warnings"] == ["REGION_UNKNOWN"]

    @pytest.mark.parametrize("nik", ["3204054508800001", "3204053202800001", "9999994508800001", "12a"])
    def test_the_nik_answer_is_the_clis(self, client, verifier, capsys, nik):
        client.force_login(verifier)
        api_body = {
            k: v for k, v in client.get("/api/v1/nik/check", {"nik": nik}).json().items() if v is not None
        }
        with contextlib.suppress(SystemExit):  # the command exits 1 for an invalid number
            call_command("nik", "check", nik, "--json")
        assert api_body == json.loads(capsys.readouterr().out)

    @pytest.mark.parametrize("kk", ["3204050103150001", "3204053202150001", "9999990103150001", "1"])
    def test_the_kk_answer_is_the_clis(self, client, verifier, capsys, kk):
        client.force_login(verifier)
        api_body = {
            k: v for k, v in client.get("/api/v1/kk/check", {"kk": kk}).json().items() if v is not None
        }
        with contextlib.suppress(SystemExit):
            call_command("kk", "check", kk, "--json")
        assert api_body == json.loads(capsys.readouterr().out)

    def test_a_kk_is_decoded(self, client, verifier):
        client.force_login(verifier)
        body = client.get("/api/v1/kk/check", {"kk": self.KK}).json()
        assert body["valid"] is True
        assert body["record_date"] == "2015-03-01"
        assert body["region_name"] == "Cileunyi"

    def test_an_unknown_region_is_an_error_for_a_kk(self, client, verifier):
        client.force_login(verifier)
        body = client.get("/api/v1/kk/check", {"kk": "9999990103150001"}).json()
        assert body["valid"] is False
        assert body["errors"] == ["REGION_UNKNOWN"]

    @pytest.mark.parametrize(
        "url",
        [
            "/api/v1/nik/check",
            "/api/v1/kk/check",
            "/api/v1/nik/check?nik=",
            "/api/v1/kk/check?kk=" + "1" * 41,
        ],
    )
    def test_a_missing_or_oversized_number_answers_422(self, client, verifier, url):
        client.force_login(verifier)
        assert client.get(url).status_code == 422


class TestDocs:
    def test_the_openapi_schema_lists_every_operation(self, client, db):
        response = client.get("/api/v1/openapi.json")
        assert response.status_code == 200
        paths = response.json()["paths"]
        assert set(paths) == {
            "/api/v1/households",
            "/api/v1/households/{household_id}",
            "/api/v1/persons/{person_id}",
            "/api/v1/stats",
            "/api/v1/regions",
            "/api/v1/regions/search",
            "/api/v1/nik/check",
            "/api/v1/kk/check",
            "/api/v1/events",
            "/api/v1/releases",
            "/api/v1/releases/{number}",
            "/api/v1/releases/{number}/changes",
            "/api/v1/public/check",
            "/api/v1/public/captcha",
        }
        limit = next(p for p in paths["/api/v1/households"]["get"]["parameters"] if p["name"] == "limit")
        assert limit["schema"]["maximum"] == 500

    def test_the_docs_page_loads_nothing_from_outside(self, client, db):
        response = client.get("/api/v1/docs")
        assert response.status_code == 200
        html = response.content.decode()
        assert "/api/v1/households/{household_id}" in html
        assert "HouseholdPage" in html
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), (
            "the docs page must not load from a CDN"
        )
        assert "<script" not in html


def test_regions_are_searchable_by_code_prefix_and_name(client, central, district_a):
    client.force_login(central)
    codes = [r["code"] for r in client.get("/api/v1/regions/search", {"q": "32.04.05"}).json()]
    assert codes[0] == "320405" and all(c.startswith("320405") for c in codes)
    names = [r["name"] for r in client.get("/api/v1/regions/search", {"q": "cileunyi"}).json()]
    assert "Cileunyi" in names
    client.force_login(district_a)
    codes = [r["code"] for r in client.get("/api/v1/regions/search", {"q": "32"}).json()]
    assert codes and all(c in ("32", "3204") or c.startswith("3204") for c in codes)
    assert client.get("/api/v1/regions/search", {"q": "x"}).status_code == 422
