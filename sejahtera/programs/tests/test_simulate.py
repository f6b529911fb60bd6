"""`sejahtera benefits simulate FILE.json | -`: the output's shape and amounts under the seeded
parameters, and bad input (the field and the reason on stderr, exit code 2, nothing on stdout)."""

from __future__ import annotations

import copy
import importlib
import io
import json
from typing import Any

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from sejahtera.programs.models import Program

SEED = importlib.import_module("sejahtera.programs.migrations.0002_seed_programs")

pytestmark = pytest.mark.django_db

FAMILY: dict[str, Any] = {
    "period": "2021-01",
    "household": {
        "region": "3204052001",
        "decile": 2,
        "members": [
            {
                "nik": "3204054503850001",
                "birth_date": "1985-03-05",
                "sex": "P",
                "relationship": "HEAD",
                "pregnant": False,
                "school_level": "NONE",
                "disability": "NONE",
                "alive": True,
            },
            {
                "nik": "3204050101120002",
                "birth_date": "2012-01-01",
                "sex": "L",
                "relationship": "CHILD",
                "school_level": "SD",
            },
            {"nik": "3204050101190003", "birth_date": "2019-01-01", "sex": "L", "relationship": "CHILD"},
        ],
    },
    "programs": ["PKH", "BPNT", "BST"],
}


@pytest.fixture(autouse=True)
def _seeded():
    from django.apps import apps

    if not Program.objects.filter(code="PKH").exists():
        SEED.seed(apps, None)


def run(doc: Any, tmp_path, *extra: str) -> dict[str, Any]:
    path = tmp_path / "family.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    out = io.StringIO()
    call_command("benefits", "simulate", str(path), *extra, stdout=out)
    return json.loads(out.getvalue())


def with_(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(FAMILY)
    for dotted, value in changes.items():
        target: Any = doc
        *path, last = dotted.split("__")
        for part in path:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return doc


def test_simulate_prints_every_program_with_reasons_each_tahap_and_the_year(tmp_path):
    out = run(FAMILY, tmp_path)
    assert set(out["programs"]) == {"PKH", "BPNT", "BST"}
    pkh = out["programs"]["PKH"]
    assert pkh["eligible"] is True
    assert pkh["reasons"][0].startswith(
        "Desil 2 ≤ 4: memenuhi syarat desil (sumber: Indeks dan Komponen Bantuan PKH"
    )
    assert any(
        r.startswith("Anggota 2 (SD, usia 9): komponen Anak SD/sederajat Rp225.000") for r in pkh["reasons"]
    )
    assert [(t["tahap"], t["month"], t["amount"]) for t in pkh["per_tahap"]] == [
        (1, "2021-01", 975_000),
        (2, "2021-04", 975_000),
        (3, "2021-07", 975_000),
        (4, "2021-10", 975_000),
    ]
    assert pkh["per_tahap"][0]["components"] == [
        {"component": "EARLY_CHILD", "label": "Anak usia dini 0-6 tahun", "count": 1, "amount": 750_000},
        {"component": "SD", "label": "Anak SD/sederajat", "count": 1, "amount": 225_000},
    ]
    assert pkh["annual"] == 4 * 975_000
    assert out["programs"]["BPNT"]["annual"] == 14 * 200_000
    assert len(out["programs"]["BPNT"]["per_tahap"]) == 12
    assert out["programs"]["BST"]["annual"] == 6 * 300_000


def test_the_period_picks_the_parameters_of_its_year(tmp_path):
    out = run(with_(period="2026-05", programs=["BPNT", "PKH", "BST"]), tmp_path)
    bpnt = out["programs"]["BPNT"]
    assert [(t["month"], t["amount"]) for t in bpnt["per_tahap"]] == [
        ("2026-01", 600_000),
        ("2026-04", 600_000),
        ("2026-07", 600_000),
        ("2026-10", 600_000),
    ]
    assert "Tahap 2 (2026-04)" in bpnt["reasons"][-1]  # May falls in the second disbursement
    # In 2026 the child born in 2019 is 7 and not at school: only the SD pupil counts.
    assert out["programs"]["PKH"]["annual"] == 4 * 225_000
    assert out["programs"]["BST"] == {
        "eligible": False,
        "reasons": ["Tidak ada parameter program BST yang berlaku pada tahun 2026."],
        "per_tahap": [],
        "annual": 0,
    }


def test_bst_is_not_for_a_family_enrolled_in_pkh(tmp_path):
    out = run({**FAMILY, "enrolled_in": ["PKH"]}, tmp_path)
    bst = out["programs"]["BST"]
    assert bst["eligible"] is False
    assert bst["annual"] == 0
    assert any(r.startswith("Terdaftar aktif di PKH: tidak memenuhi syarat") for r in bst["reasons"])
    assert out["programs"]["PKH"]["annual"] > 0  # the simulator does not change PKH for it


def test_decile_five_receives_nothing(tmp_path):
    out = run(with_(household__decile=5), tmp_path)
    for program in out["programs"].values():
        assert program["eligible"] is False
        assert program["annual"] == 0


def test_pbi_counts_the_living_members(tmp_path):
    out = run(with_(programs=["PBI"], household__members__2__alive=False), tmp_path)
    first = out["programs"]["PBI"]["per_tahap"][0]
    assert first["components"] == [
        {"component": "PREMIUM", "label": "Iuran PBI-JK", "count": 2, "amount": 84_000}
    ]
    assert out["programs"]["PBI"]["annual"] == 12 * 84_000


def test_simulate_reads_stdin(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(with_(programs=["PBI"]))))
    out = io.StringIO()
    call_command("benefits", "simulate", "-", "--compact", stdout=out)
    assert "\n" not in out.getvalue().strip()
    assert json.loads(out.getvalue())["programs"]["PBI"]["annual"] == 12 * 3 * 42_000


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            with_(household__members__2__birth_date="2019-02-30"),
            "household.members[2].birth_date: not a date (YYYY-MM-DD)",
        ),
        (
            with_(household__members__0__school_level="TK"),
            "household.members[0].school_level: must be one of NONE|PAUD|SD",
        ),
        (
            with_(household__members__1__disability="BERAT"),
            "household.members[1].disability: must be one of NONE|MILD|SEVERE",
        ),
        (with_(household__members__1__pregnant="no"), "household.members[1].pregnant: must be true or false"),
        (with_(household__members__1__sex="X"), "household.members[1].sex: must be one of L|P"),
        (with_(household__members__1__pregant=True), "household.members[1].pregant: unknown field"),
        (with_(household__decile=0), "household.decile: must be a whole number 1..10"),
        (with_(household__region="32-04"), "household.region: not a region code"),
        (with_(period="2021-13"), "period: not a period (YYYY-MM)"),
        (
            with_(programs=["PKH", "KIP"]),
            "programs[1]: unknown program KIP (known: BPNT, BPNT_PPKM, BST, PBI, PKH)",
        ),
        (with_(programs=[]), "programs: name at least one program"),
        ({"period": "2021-01", "programs": ["PKH"]}, "household: required"),
        ([1, 2], "(document): must be a JSON object"),
    ],
)
def test_bad_input_names_the_field_and_the_reason(tmp_path, doc, message):
    path = tmp_path / "family.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("benefits", "simulate", str(path), stdout=out)
    assert str(exc.value).startswith(message)
    assert exc.value.returncode == 2
    assert out.getvalue() == ""


def test_from_the_command_line_bad_input_exits_2_with_nothing_on_stdout(tmp_path, capsys):
    path = tmp_path / "family.json"
    path.write_text('{"period": "2021-01", "household": ', encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        ManagementUtility(["sejahtera", "benefits", "simulate", str(path)]).execute()
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "family.json: not JSON (line 1" in captured.err


def test_a_missing_file_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        ManagementUtility(["sejahtera", "benefits", "simulate", str(tmp_path / "nope.json")]).execute()
    assert exc.value.code == 2
    assert "nope.json: no such file" in capsys.readouterr().err
