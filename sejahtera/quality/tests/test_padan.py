"""Padan Dukcapil: the reference extract and the HTTP service give each person MATCHED,
NOT_MATCHED (with the similarity) or NOT_FOUND; results reach Person.dukcapil_match and the
findings; a death in Dukcapil is a finding, not an applied event."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from sejahtera.common.errors import PermissionRefused
from sejahtera.quality.dukcapil import DukcapilError, HttpClient, PersonQuery, name_similarity
from sejahtera.quality.models import Finding, PadanResult
from sejahtera.quality.services import padan_run
from sejahtera.registry.models import Person

from .helpers import VILLAGE_B, family

pytestmark = pytest.mark.django_db


def test_names_are_compared_without_titles_case_or_word_order():
    assert name_similarity("Hj. Siti Aminah", "SITI AMINAH") == 1.0
    assert name_similarity("AMINAH SITI", "SITI AMINAH") == 1.0
    assert name_similarity("BUDI / BUDIONO", "BUDIONO") == 1.0
    assert name_similarity("SITI AMINAH", "SITI AMINA") > 0.9
    assert name_similarity("SITI AMINAH", "JOKO SUSILO") < 0.6


def _extract(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path = tmp_path / "dukcapil.csv"
    lines = ["nik,full_name,birth_date,sex,kk_number,status"]
    lines += [f"{nik},{name},1985-03-17,L,,{status}" for nik, name, status in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def three(db) -> tuple[Person, Person, Person]:
    _, (matched,) = family(full_name="SITI AMINAH")
    _, (other,) = family(full_name="SITI AMINAH")
    _, (missing,) = family(full_name="ADI")
    return matched, other, missing


def test_a_reference_extract_matches_by_nik_then_name(tmp_path, central, three):
    matched, other, missing = three
    path = _extract(tmp_path, [(matched.nik, "Siti Aminah", "hidup"), (other.nik, "JOKO SUSILO", "hidup")])
    run = padan_run(actor=central, source="CSV", path=path)
    assert (run.persons, run.matched, run.not_matched, run.not_found) == (3, 1, 1, 1)
    states = dict(Person.objects.filter(pk__in=[p.pk for p in three]).values_list("pk", "dukcapil_match"))
    assert states == {matched.pk: "MATCHED", other.pk: "NOT_MATCHED", missing.pk: "NOT_FOUND"}
    low = PadanResult.objects.get(run=run, person=other)
    assert low.similarity is not None and low.similarity < 0.6
    found = dict(Finding.objects.filter(status="OPEN").values_list("person_id", "type"))
    assert found == {other.pk: "PADAN_NOT_MATCHED", missing.pk: "PADAN_NOT_FOUND"}


def test_the_threshold_is_configurable(tmp_path, central, three):
    matched, _, _ = three
    path = _extract(tmp_path, [(matched.nik, "SITI AMINA", "hidup")])
    with override_settings(DUKCAPIL_NAME_THRESHOLD=0.99):
        run = padan_run(actor=central, source="CSV", path=path)
    assert PadanResult.objects.get(run=run, person=matched).result == "NOT_MATCHED"


def test_a_person_matched_later_has_the_padan_finding_fixed(tmp_path, central, three):
    _, other, _ = three
    padan_run(actor=central, source="CSV", path=_extract(tmp_path, [(other.nik, "JOKO", "hidup")]))
    assert Finding.objects.get(person=other).status == "OPEN"
    padan_run(actor=central, source="CSV", path=_extract(tmp_path, [(other.nik, "SITI AMINAH", "hidup")]))
    assert Finding.objects.get(person=other).status == "FIXED"


def test_a_death_in_dukcapil_is_a_finding_and_is_not_applied(tmp_path, central, three):
    matched, _, _ = three
    run = padan_run(
        actor=central, source="CSV", path=_extract(tmp_path, [(matched.nik, "SITI AMINAH", "meninggal")])
    )
    assert run.deceased == 1
    assert Finding.objects.get(person=matched, type="DUKCAPIL_DECEASED").status == "OPEN"
    matched.refresh_from_db()
    assert matched.status == "ACTIVE"


def test_a_region_run_matches_only_that_region(tmp_path, central, three):
    _, (b,) = family(VILLAGE_B)
    run = padan_run(actor=central, source="CSV", path=_extract(tmp_path, []), region_code="3273")
    assert run.persons == 1 and PadanResult.objects.get(run=run).person_id == b.pk


def test_only_the_central_team_runs_padan(tmp_path, district_a):
    with pytest.raises(PermissionRefused):
        padan_run(actor=district_a, source="CSV", path=_extract(tmp_path, []))


# --- the HTTP service, against a local fake (docs/dukcapil-contract.md) ------------------------------
class FakeDukcapil(BaseHTTPRequestHandler):
    known: dict[str, dict[str, str]] = {}
    script: list[int] = []  # status codes to answer first (429, 503, 500 …), then 200
    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeDukcapil.seen.append({"auth": self.headers.get("Authorization"), "path": self.path, "body": body})
        if self.headers.get("Authorization") != "Bearer rahasia":
            return self._send(401, {"error": "unauthorized"})
        if FakeDukcapil.script:
            code = FakeDukcapil.script.pop(0)
            return self._send(code, {"error": "busy"}, {"Retry-After": "7"})
        results = []
        for p in body["persons"]:
            rec = FakeDukcapil.known.get(p["nik"])
            results.append({"ref": p["ref"], "found": rec is not None, **(rec or {})})
        return self._send(200, {"request_id": body["request_id"], "results": results})

    def _send(self, code: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_dukcapil() -> Iterator[str]:
    FakeDukcapil.known, FakeDukcapil.script, FakeDukcapil.seen = {}, [], []
    server = HTTPServer(("127.0.0.1", 0), FakeDukcapil)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_http_client_matches_in_batches_with_the_token(fake_dukcapil, central, three):
    matched, other, _ = three
    FakeDukcapil.known = {
        matched.nik: {"nama_lgkp": "SITI AMINAH", "status": "HIDUP"},
        other.nik: {"nama_lgkp": "JOKO", "status": "MENINGGAL"},
    }
    client = HttpClient(fake_dukcapil, token="rahasia", threshold=0.6, batch_size=2, sleep=lambda s: None)
    run = padan_run(actor=central, source="HTTP", client=client)
    assert (run.matched, run.not_matched, run.not_found, run.deceased) == (1, 1, 1, 1)
    assert client.requests == 2 and FakeDukcapil.seen[0]["path"] == "/v1/padan"
    assert len(FakeDukcapil.seen[0]["body"]["persons"]) == 2


def test_the_http_client_waits_as_told_and_retries(fake_dukcapil):
    FakeDukcapil.script = [429, 503, 500]
    waits: list[float] = []
    client = HttpClient(fake_dukcapil, token="rahasia", threshold=0.6, retries=3, sleep=waits.append)
    (r,) = client.match([PersonQuery(1, "3204051703850001", "ADI")])
    assert r.result == "NOT_FOUND" and waits == [7.0, 7.0, 4.0]


def test_the_http_client_gives_up_and_says_why(fake_dukcapil):
    FakeDukcapil.script = [503, 503]
    client = HttpClient(fake_dukcapil, token="rahasia", threshold=0.6, retries=1, sleep=lambda s: None)
    with pytest.raises(DukcapilError, match="2 percobaan"):
        client.match([PersonQuery(1, "3204051703850001", "ADI")])
    with pytest.raises(DukcapilError, match="HTTP 401"):
        HttpClient(fake_dukcapil, token="salah", threshold=0.6).match([PersonQuery(1, "1", "A")])
