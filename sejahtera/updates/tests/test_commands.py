"""The update cycle's command-line interface: `sejahtera release build|publish|discard|diff|list`,
`sejahtera events apply`, `sejahtera updates lapse`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sejahtera.registry.models import Household, Person
from sejahtera.registry.services import system_user
from sejahtera.updates.models import PopulationEvent, Proposal, Release

from .factories import propose
from .releasing import VILLAGE_A, VILLAGE_A2, VILLAGE_B, built, family, period

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def families(db):
    return {"a": family(VILLAGE_A), "a2": family(VILLAGE_A2), "b": family(VILLAGE_B)}


# --- release build / publish / discard / list ---------------------------------------------------------
def test_build_then_publish_by_another_user(families, central_publisher):
    data = json.loads(run("release", "build", "--period", period(), "--json"))
    assert (data["number"], data["status"], data["households"], data["added"]) == (1, "DRAFT", 3, 3)
    assert data["built_by"] == "system"
    assert set(data["timings"]) >= {"snapshot_households", "diff"}

    out = run("release", "publish", "1", "--decree", "KEP-7/HUK/2026", "--user", central_publisher.username)
    assert "published" in out
    release = Release.objects.get(number=1)
    assert (release.status, release.decree_number, release.published_by) == (
        "PUBLISHED",
        "KEP-7/HUK/2026",
        central_publisher,
    )


def test_the_builder_cannot_publish(families, central):
    run("release", "build", "--period", period(), "--user", central.username)
    with pytest.raises(CommandError, match="tidak boleh"):
        run("release", "publish", "1", "--decree", "KEP-7/HUK/2026", "--user", central.username)
    assert Release.objects.get(number=1).status == "DRAFT"


def test_a_bad_period_or_cutoff_is_refused(families):
    with pytest.raises(CommandError, match="triwulanan"):
        run("release", "build", "--period", "2026-05")
    with pytest.raises(CommandError, match="cutoff"):
        run("release", "build", "--period", period(), "--cutoff", "kemarin")
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="masa depan"):
        run("release", "build", "--period", period(), "--cutoff", tomorrow)
    assert not Release.objects.exists()


def test_a_cutoff_without_a_zone_is_local_time(families, settings):
    out = run("release", "build", "--period", period(), "--cutoff", "2020-01-01T00:00", "--json")
    assert json.loads(out)["cutoff"] == "2020-01-01T00:00:00+07:00"  # Asia/Jakarta
    assert settings.TIME_ZONE == "Asia/Jakarta"


def test_a_user_without_the_right_cannot_build(families, district_a):
    with pytest.raises(CommandError, match="tidak berwenang"):
        run("release", "build", "--period", period(), "--user", district_a.username)


def test_an_unknown_user_is_named(families):
    with pytest.raises(CommandError, match="no active user 'nobody'"):
        run("release", "build", "--period", period(), "--user", "nobody")


def test_discard_and_list(families, central_publisher):
    run("release", "build", "--period", period())
    assert "discarded" in run("release", "discard", "1", "--reason", "cut-off keliru")
    assert Release.objects.get(number=1).status == "DISCARDED"
    with pytest.raises(CommandError, match="tidak ditemukan"):
        run("release", "discard", "9", "--reason", "x")

    table = run("release", "list")
    assert "DISCARDED" in table.splitlines()[1]
    [item] = json.loads(run("release", "list", "--json"))
    assert (item["number"], item["status"], item["households"]) == (1, "DISCARDED", 3)


# --- release diff ---------------------------------------------------------------------------------------
@pytest.fixture
def two_releases(families, central, central_publisher):
    """Release 1 (published) with the three families; release 3 after one more family in Kota Bandung
    and a family of Majalaya whose members all moved away; release 2 in between."""
    built(central, publisher=central_publisher, months_back=2)
    family(VILLAGE_B)
    built(central, publisher=central_publisher, months_back=1)
    Person.objects.filter(household=families["a2"]).update(status="MOVED")
    family(VILLAGE_A)
    built(central)
    return families


def test_diff_against_the_release_it_was_built_against_is_the_stored_one(two_releases):
    rows = json.loads(run("release", "diff", "3", "--format", "json"))
    assert sorted((r["change"], r["reason"]) for r in rows) == [("ADDED", ""), ("REMOVED", "NO_MEMBERS")]
    columns = "household_id change reason kk_number village_code district_code regency_code province_code"
    assert set(rows[0]) == {*columns.split(), "members_before", "members_after"}
    assert json.loads(run("release", "diff", "3", "2", "--format", "json")) == rows


def test_diff_against_any_release_is_computed(two_releases):
    rows = json.loads(run("release", "diff", "3", "1", "--format", "json"))
    assert sorted(r["change"] for r in rows) == ["ADDED", "ADDED", "REMOVED"]
    assert {r["regency_code"] for r in rows if r["change"] == "ADDED"} == {"3204", "3273"}


def test_diff_narrowed_to_a_region_and_to_the_users_jurisdiction(two_releases, district_a):
    rows = json.loads(run("release", "diff", "3", "1", "--format", "json", "--region", "3273"))
    assert [r["regency_code"] for r in rows] == ["3273"]
    rows = json.loads(run("release", "diff", "3", "1", "--format", "json", "--user", district_a.username))
    assert {r["regency_code"] for r in rows} == {"3204"}
    with pytest.raises(CommandError, match="region"):
        run("release", "diff", "3", "--region", "32.04")


def test_diff_as_csv_to_a_file_and_as_a_table(two_releases, tmp_path: Path):
    out = tmp_path / "selisih.csv"
    run("release", "diff", "3", "1", "--format", "csv", "--output", str(out))
    text = out.read_text(encoding="utf-8")
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3
    assert {r["kk_number"] for r in rows} >= {two_releases["a2"].kk_number}
    table = run("release", "diff", "3").splitlines()
    assert table[0].split() == [
        "household_id",
        "change",
        "reason",
        "kk_number",
        "village_code",
        "members_before",
        "members_after",
    ]
    assert table[-1] == "(2 rows)"
    assert any(two_releases["a2"].kk_number in line and "NO_MEMBERS" in line for line in table)


def test_diff_of_an_unknown_release_fails(two_releases):
    with pytest.raises(CommandError, match="tidak ditemukan"):
        run("release", "diff", "3", "9")


# --- events apply -----------------------------------------------------------------------------------------
def _events_file(tmp_path: Path, people: list[Person]) -> Path:
    path = tmp_path / "dukcapil.jsonl"
    lines = [{"event_id": f"D-{p.pk}", "kind": "MATI", "nik": p.nik, "date": "2026-10-02"} for p in people]
    lines.append({"event_id": "X-1", "kind": "MATI", "nik": "3204051705800999", "date": "2026-10-02"})
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


def test_events_apply_json_counts_and_names_rejections(tmp_path, families):
    people = [Person.objects.filter(household=h)[0] for h in families.values()]
    path = _events_file(tmp_path, people)
    result = json.loads(run("events", "apply", str(path), "--json"))
    assert (result["applied"], result["duplicate"], result["rejected"]) == (3, 0, 1)
    assert result["reasons"] == {"NIK_UNKNOWN": 1}
    assert result["rejections"] == [
        {
            "line": 4,
            "event_id": "X-1",
            "code": "NIK_UNKNOWN",
            "message": "NIK 3204051705800999 tidak terdaftar di registri",
        }
    ]
    assert Person.objects.filter(status="DECEASED").count() == 3
    assert PopulationEvent.objects.get(event_id="X-1").source == "dukcapil.jsonl"

    again = json.loads(run("events", "apply", str(path), "--json"))
    assert (again["applied"], again["duplicate"], again["rejected"]) == (0, 3, 1)


def test_events_apply_prints_counts_and_reasons(tmp_path, families):
    path = _events_file(tmp_path, [Person.objects.filter(household=families["a"])[0]])
    out = run("events", "apply", str(path))
    assert "applied    1" in out and "rejected   1" in out
    assert "line 2: X-1 NIK_UNKNOWN: NIK 3204051705800999 tidak terdaftar di registri" in out


def test_events_apply_refuses_a_missing_file_and_a_role_without_the_right(tmp_path, district_a):
    with pytest.raises(CommandError, match="file not found"):
        run("events", "apply", str(tmp_path / "nothing.csv"))
    path = tmp_path / "e.csv"
    path.write_text("event_id,kind,nik\nA-1,MATI,3204051705800999\n", encoding="utf-8")
    with pytest.raises(CommandError, match="tidak berwenang"):
        run("events", "apply", str(path), "--user", district_a.username)
    assert not PopulationEvent.objects.exists()


def test_events_apply_names_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("event_id,kind,nik\nÉ-1,MATI,3204051705800999\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        run("events", "apply", str(path))


# --- updates lapse ------------------------------------------------------------------------------------------
def test_lapse_lapses_overdue_objections(district_a, village_operator):
    hh: Household = family(VILLAGE_A)
    objection = propose(
        district_a,
        kind="DEACTIVATE",
        origin="SANGGAH",
        household_id=hh.pk,
        inactive_reason="NOT_ELIGIBLE",
        minutes_number="",
        minutes_date=None,
        reference="TIKET-1",
    )
    assert run("updates", "lapse") == "lapsed 0\n"
    Proposal.objects.filter(pk=objection.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    assert json.loads(run("updates", "lapse", "--json")) == {"lapsed": 1}
    assert Proposal.objects.get(pk=objection.pk).status == "LAPSED"
    assert system_user().username == "system"
