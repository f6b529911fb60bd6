"""sejahtera targeting: list, load, activate (maker-checker through --user), retire, score, deciles."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from sejahtera.targeting.models import HouseholdScore, ScoringModel

from .helpers import GOOD_HOUSE, POOR_HOUSE, VILLAGE_A, VILLAGE_B, build, family

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("targeting", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_a_version_is_loaded_activated_by_another_and_listed(tmp_path, central, central_publisher):
    path = tmp_path / "pmt.json"
    path.write_text(
        json.dumps(
            {
                "version": "PMT-2027.1",
                "name": "Uji",
                "legal_source": "Ilustratif",
                "effective_from": "2027-01-01",
                "weights": {"terms": [{"variable": "has_car", "if_true": 30}]},
            }
        )
    )
    assert "loaded as a draft (1 terms)" in run("load", str(path), "--user", central.username)
    with pytest.raises(CommandError, match="petugas lain"):
        run("activate", "PMT-2027.1", "--user", central.username)
    assert "in force from 2027-01-01" in run("activate", "PMT-2027.1", "--user", central_publisher.username)
    listing = json.loads(run("models", "--json"))
    assert [(m["version"], m["status"]) for m in listing] == [
        ("PMT-2027.1", "ACTIVE"),
        ("PMT-2026.1", "ACTIVE"),
    ]
    assert "retired" in run("retire", "PMT-2027.1", "--reason", "uji", "--user", central.username)
    assert ScoringModel.objects.get(version="PMT-2027.1").status == "RETIRED"


def test_a_bad_file_names_every_refused_term(tmp_path, central):
    path = tmp_path / "bobot.json"
    path.write_text(json.dumps({"terms": [{"variable": "income", "if_true": 1}]}))
    with pytest.raises(CommandError, match="terms\\[0\\]: variabel 'income' tidak dikenal"):
        run(
            "load",
            str(path),
            "--version",
            "X",
            "--name",
            "x",
            "--legal-source",
            "x",
            "--effective-from",
            "2027-01-01",
        )
    with pytest.raises(CommandError, match="missing version"):
        run("load", str(path))
    path.write_text("{")
    with pytest.raises(CommandError, match="not JSON"):
        run("load", str(path), "--version", "X")


def test_a_draft_release_is_scored_once_and_its_deciles_shown(central):
    family(VILLAGE_A, **POOR_HOUSE)
    family(VILLAGE_B, **GOOD_HOUSE)
    release = build(central, at="2020-06")  # no version in force then: left unscored
    with pytest.raises(CommandError, match="Tidak ada model penilaian"):
        run("score", str(release.number))
    assert "2 households with PMT-2026.1" in run("score", str(release.number), "--model", "PMT-2026.1")
    assert HouseholdScore.objects.filter(release=release).count() == 2
    with pytest.raises(CommandError, match="sudah diberi skor"):
        run("score", str(release.number), "--model", "PMT-2026.1")
    data = json.loads(run("deciles", str(release.number), "--json"))
    assert (data["total"], data["deciles"]["1"], data["deciles"]["2"]) == (2, 1, 1)
    assert data["regions"] == [{"code": "32", "total": 2, "deciles": [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]}]
    table = run("deciles", str(release.number), "--region", "3273", "--basis", "regency")
    assert "region 3273, regency deciles, 1 households" in table


def test_deciles_are_scoped_to_the_user(central, district_b):
    family(VILLAGE_A)
    family(VILLAGE_B)
    release = build(central)
    data = json.loads(run("deciles", str(release.number), "--json", "--user", district_b.username))
    assert (data["region"], data["total"]) == ("3273", 1)
