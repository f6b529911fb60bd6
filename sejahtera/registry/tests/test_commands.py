"""The registry's command-line interface: `sejahtera nik|kk check`, `import`, `generate`, `demo`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sejahtera.accounts.models import Role, User
from sejahtera.registry.columns import HOUSEHOLD_HEADER, PERSON_HEADER
from sejahtera.registry.models import Household, ImportJob, ImportRowError, Person

pytestmark = pytest.mark.django_db

ERRORS_HEADER = ["file", "row", "column", "code", "message", "value", "severity"]


@pytest.fixture(autouse=True)
def _fast_settings(settings, tmp_path):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    settings.VAR_DIR = tmp_path / "var"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args: str, stdin: str | None = None, monkeypatch: Any = None) -> tuple[int, str]:
    """(exit code, stdout) of `sejahtera <args>`."""
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# --- nik / kk check --------------------------------------------------------------------------------
def test_nik_check_json_prints_one_object_per_number():
    code, out = run("nik", "check", "3204051705800001", "32.04.05.570580.0002", "--json")

    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines == [
        {
            "nik": "3204051705800001",
            "valid": True,
            "errors": [],
            "warnings": [],
            "sex": "L",
            "birth_date": "1980-05-17",
            "region_code": "32.04.05",
            "region_name": "Cileunyi",
        },
        {
            "nik": "3204055705800002",  # dots are ignored
            "valid": True,
            "errors": [],
            "warnings": [],
            "sex": "P",
            "birth_date": "1980-05-17",
            "region_code": "32.04.05",
            "region_name": "Cileunyi",
        },
    ]


def test_nik_check_exits_1_when_a_number_is_invalid_and_still_reports_every_number():
    code, out = run("nik", "check", "3204051713800000", "9901011505900001", "123", "--json")

    assert code == 1
    bad, unknown, short = (json.loads(line) for line in out.splitlines())
    assert (bad["valid"], bad["errors"]) == (False, ["DATE_INVALID", "SERIAL_ZERO"])
    assert (unknown["valid"], unknown["errors"], unknown["warnings"]) == (True, [], ["REGION_UNKNOWN"])
    assert "region_name" not in unknown
    assert (short["valid"], short["errors"]) == (False, ["FORMAT"])


def test_nik_check_gives_the_current_district_of_an_old_papua_nik():
    code, out = run("nik", "check", "9101011505900001", "--json")

    assert code == 0
    result = json.loads(out)
    assert (result["region_code"], result["current_region_code"], result["region_name"]) == (
        "91.01.01",
        "93.01.01",
        "Merauke",
    )


def test_nik_check_reads_numbers_from_stdin(monkeypatch):
    code, out = run(
        "nik", "check", "-", "--json", stdin="3204051705800001\n\n3273015705800002\n", monkeypatch=monkeypatch
    )

    assert code == 0
    assert [json.loads(line)["nik"] for line in out.splitlines()] == ["3204051705800001", "3273015705800002"]


def test_nik_check_plain_output_names_the_verdict():
    code, out = run("nik", "check", "3204051705800001", "3204051713800001")

    assert code == 1
    valid, invalid = out.splitlines()
    assert "valid" in valid and "Cileunyi" in valid
    assert "INVALID" in invalid and "DATE_INVALID" in invalid


def test_kk_check_json_and_an_unknown_region_is_invalid():
    code, out = run("kk", "check", "3204051503150001", "9901011503150001", "--json")

    assert code == 1
    good, unknown = (json.loads(line) for line in out.splitlines())
    assert good == {
        "kk": "3204051503150001",
        "valid": True,
        "errors": [],
        "warnings": [],
        "record_date": "2015-03-15",
        "region_code": "32.04.05",
        "region_name": "Cileunyi",
    }
    assert (unknown["valid"], unknown["errors"]) == (False, ["REGION_UNKNOWN"])


# --- generate --------------------------------------------------------------------------------------
def test_generate_writes_the_documented_files_and_a_json_summary(tmp_path):
    out_dir = tmp_path / "out"
    code, out = run(
        "generate", "--households", "12", "--region", "32.04", "--seed", "7", "--out", str(out_dir), "--json"
    )

    assert code == 0
    summary = json.loads(out)
    households, persons = read_csv(out_dir / "households.csv"), read_csv(out_dir / "persons.csv")
    assert summary == {"households": 12, "persons": len(persons), "dirty_rows": 0, "out": str(out_dir)}
    assert len(households) == 12
    assert tuple(households[0]) == HOUSEHOLD_HEADER and tuple(persons[0]) == PERSON_HEADER
    assert all(h["village_code"].startswith("3204") for h in households)
    assert not (out_dir / "truth.csv").exists()


def test_generate_dirty_writes_truth(tmp_path):
    code, out = run(
        "generate", "--households", "50", "--dirty", "0.2", "--out", str(tmp_path), "--json", "--seed", "3"
    )

    assert code == 0
    truth = read_csv(tmp_path / "truth.csv")
    assert len(truth) == json.loads(out)["dirty_rows"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--households", "0"], "at least 1"),
        (["--households", "5", "--dirty", "0.9"], "between 0 and 0.5"),
        (["--households", "5", "--region", "99"], "no village"),
    ],
)
def test_generate_refuses_bad_arguments(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate", *args, "--out", str(tmp_path), stdout=io.StringIO())


# --- import ----------------------------------------------------------------------------------------
@pytest.fixture
def population(tmp_path) -> tuple[Path, Path]:
    run("generate", "--households", "20", "--region", "3204", "--seed", "11", "--out", str(tmp_path / "pop"))
    return tmp_path / "pop" / "households.csv", tmp_path / "pop" / "persons.csv"


def test_import_prints_a_summary_and_exits_0_on_a_clean_file(population):
    hh, ps = population
    persons = len(read_csv(ps))

    code, out = run("import", str(hh), str(ps), "--json")

    assert code == 0
    summary = json.loads(out)
    assert (summary["households_imported"], summary["persons_imported"], summary["rows_rejected"]) == (
        20,
        persons,
        0,
    )
    assert summary["status"] == ImportJob.Status.SUCCEEDED
    assert Household.objects.count() == 20 and Person.objects.count() == persons


def test_import_twice_imports_nothing_the_second_time(population):
    hh, ps = population
    persons = len(read_csv(ps))
    run("import", str(hh), str(ps), "--json")

    code, out = run("import", str(hh), str(ps), "--json")

    assert code == 0
    summary = json.loads(out)
    assert (summary["households_imported"], summary["persons_imported"], summary["rows_rejected"]) == (
        0,
        0,
        0,
    )
    assert (summary["households_unchanged"], summary["persons_unchanged"]) == (20, persons)
    assert Household.objects.count() == 20 and Person.objects.count() == persons


def test_import_with_bad_rows_exits_1_and_writes_the_errors_file(population, tmp_path):
    hh, ps = population
    rows = read_csv(ps)
    rows[3]["nik"] = rows[3]["nik"][:12] + "0000"
    rows[5]["birth_date"] = "1990-13-01"
    with ps.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=PERSON_HEADER)
        w.writeheader()
        w.writerows(rows)
    errors = tmp_path / "errors.csv"

    code, out = run("import", str(hh), str(ps), "--errors", str(errors), "--json")

    assert code == 1
    summary = json.loads(out)
    assert (summary["rows_rejected"], summary["persons_imported"]) == (2, len(rows) - 2)
    with errors.open(newline="", encoding="utf-8") as fh:
        reported = list(csv.reader(fh))
    assert reported[0] == ERRORS_HEADER
    found = {(r[0], r[1], r[2], r[3], r[5], r[6]) for r in reported[1:]}
    assert found == {
        ("persons", "5", "nik", "SERIAL_ZERO", rows[3]["nik"], "ERROR"),
        ("persons", "7", "birth_date", "DATE_INVALID", "1990-13-01", "ERROR"),
    }
    assert all(r[4] for r in reported[1:])  # every row carries a readable reason


def test_import_of_an_unreadable_file_exits_2_with_the_reason(population):
    hh, ps = population
    rows = read_csv(hh)
    with hh.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(
            fh, fieldnames=[c for c in HOUSEHOLD_HEADER if c != "address"], extrasaction="ignore"
        )
        w.writeheader()
        w.writerows(rows)

    code, out = run("import", str(hh), str(ps), "--json")

    assert code == 2
    summary = json.loads(out)
    assert summary["status"] == ImportJob.Status.FAILED
    assert "address" in summary["error"]
    assert not Household.objects.exists()


def test_import_as_a_district_officer_rejects_rows_outside_the_district(population, tmp_path, district_b):
    hh, ps = population

    code, out = run("import", str(hh), str(ps), "--user", district_b.username, "--json")

    assert code == 1
    assert json.loads(out)["households_imported"] == 0
    assert set(ImportRowError.objects.filter(file="households").values_list("code", flat=True)) == {
        "OUT_OF_JURISDICTION"
    }


def test_import_refuses_an_unknown_user_and_a_missing_file(population, tmp_path):
    hh, ps = population
    with pytest.raises(CommandError, match="nobody"):
        call_command("import", str(hh), str(ps), "--user", "nobody", stdout=io.StringIO())
    with pytest.raises(CommandError, match="not found"):
        call_command("import", str(hh), str(tmp_path / "missing.csv"), stdout=io.StringIO())
    assert not ImportJob.objects.exists()


def test_import_refuses_a_user_whose_role_may_not_import(population, village_operator):
    hh, ps = population
    with pytest.raises(CommandError):
        call_command("import", str(hh), str(ps), "--user", village_operator.username, stdout=io.StringIO())
    assert not ImportJob.objects.exists()


# --- demo ------------------------------------------------------------------------------------------
def test_demo_loads_two_regions_and_creates_one_user_per_role(settings):
    code, out = run("demo", "--households", "40", "--region", "3204")

    assert code == 0
    assert Household.objects.filter(regency_code="3204").count() > 30
    assert Household.objects.filter(regency_code="3273").exists()
    # "system" (the CLI's default actor) and "portal" (citizens' submissions) sign in to nothing.
    users = {u.username: u for u in User.objects.exclude(username__in=["system", "portal"])}
    assert {u.role for u in users.values()} == set(Role.values)
    assert users["dinsos"].jurisdiction_code == "3204"
    assert users["dinsos2"].jurisdiction_code == "3273"
    village = users["desa"].jurisdiction
    assert village is not None and village.level == 4 and village.code.startswith("3204")
    assert Household.objects.filter(village_id=village.code).exists()  # the operator has data to see
    # Every printed password signs its user in.
    printed = {line.split()[0]: line.split()[1] for line in out.splitlines() if line.startswith("  ")}
    assert set(printed) == set(users)
    assert all(users[name].check_password(pw) for name, pw in printed.items())
    assert (settings.VAR_DIR / "demo-users.txt").read_text(encoding="utf-8").count("\n") == len(users) + 1

    households = Household.objects.count()
    code, out = run("demo", "--households", "40", "--region", "3204")

    assert code == 0
    assert Household.objects.count() == households  # run again: no second copy of the data
    assert User.objects.count() == len(users) + 2  # and system, portal
    printed = {line.split()[0]: line.split()[1] for line in out.splitlines() if line.startswith("  ")}
    assert all(User.objects.get(username=n).check_password(pw) for n, pw in printed.items())


def test_demo_refuses_a_code_that_is_not_a_regency():
    with pytest.raises(CommandError, match="regency"):
        call_command("demo", "--region", "3204052001", stdout=io.StringIO())
