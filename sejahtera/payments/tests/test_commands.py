"""The payments commands: the cycle from the command line, accounts from a bank's file."""

from __future__ import annotations

import csv
import json

import pytest
from django.core.management import CommandError, call_command

from sejahtera.payments.models import Payment, PaymentAccount, PaymentBatch
from sejahtera.registry.models import Household

from .builders import VILLAGE_A, VILLAGE_B, World


def _run(*args: str) -> str:
    import io

    out = io.StringIO()
    call_command("payments", *args, stdout=out)
    return out.getvalue()


def test_the_cycle_from_the_command_line(
    central, program_manager, program_checker, payment_channel, tmp_path
):
    world = World(central)
    world.families(2, VILLAGE_A, account="BRI", amount=750_000)
    world.families(1, VILLAGE_B, amount=750_000)

    made = json.loads(
        _run("batches", "create", "PKH", "--period", "2021-01", "--user", "pengelola", "--json")
    )
    assert sorted((b["channel"], b["payments"], b["total_amount"]) for b in made) == [
        ("BRI", 2, 1_500_000),
        ("POS", 1, 750_000),
    ]
    bri = next(b["number"] for b in made if b["channel"] == "BRI")
    with pytest.raises(CommandError, match="orang lain"):
        _run("batches", "approve", str(bri), "--user", "pengelola")
    _run("batches", "approve", str(bri), "--user", "pengelola_2")

    out = tmp_path / "bri.csv"
    said = _run("batches", "export", str(bri), "--out", str(out), "--user", "pengelola")
    lines = list(csv.reader(out.open(encoding="utf-8")))
    assert lines[-1] == ["CONTROL", "2", "1500000"] and "sha256" in said

    first, second = (int(r[0]) for r in lines[1:3])
    status = tmp_path / "status.csv"
    status.write_text(
        f"reference,status,reason,date\n{first},PAID,,2021-01-20\n{second},RETURNED,,2021-01-20\n"
    )
    result = json.loads(_run("batches", "status", str(bri), str(status), "--user", "bank", "--json"))
    assert (result["paid"], result["rejected"]) == (1, 1)
    assert result["errors"][0]["code"] == "REASON_REQUIRED" and result["errors"][0]["row"] == 3
    again = json.loads(_run("batches", "status", str(bri), str(status), "--user", "bank", "--json"))
    assert again["duplicate"] and again["status_import"] == result["status_import"]

    rec = json.loads(_run("batches", "reconcile", "PKH", "--period", "2021-01", "--region", "32", "--json"))
    total = rec["rows"][-1]
    assert total["region"] == "TOTAL" and total["planned"] == {"count": 3, "amount": 2_250_000}
    assert total["paid"] == {"count": 1, "amount": 750_000}
    assert total["outstanding"] == {"count": 2, "amount": 1_500_000}


def test_accounts_from_a_bank_file(central, program_manager, tmp_path):
    world = World(central)
    a, b = world.family(VILLAGE_A), world.family(VILLAGE_B, account="BNI")
    f = tmp_path / "kks.csv"
    f.write_text(
        "kk_number,channel,account_number\n"
        f"{a.kk_number},BRI,0012345678\n"
        f"{b.kk_number},MANDIRI,9988776655\n"
        f"{a.kk_number},BNI,1111111111\n"
        "3204000000000000,BRI,12345678\n"
        f"{b.kk_number[:15]},BRI,12\n"
        ",POS,123456\n"
    )
    result = json.loads(_run("accounts", "load", str(f), "--user", "pengelola", "--json"))
    assert (result["read"], result["created"], result["updated"], result["rejected"]) == (6, 1, 1, 4)
    codes = {(e["row"], e["code"]) for e in result["errors"]}
    assert {
        (4, "DUPLICATE_KK"),
        (5, "UNKNOWN_KK"),
        (6, "INVALID_KK"),
        (6, "INVALID_ACCOUNT"),
        (7, "INVALID_CHANNEL"),
    } <= codes
    assert PaymentAccount.objects.get(household=a).channel == "BRI"
    assert PaymentAccount.objects.get(household=b).account_number == "9988776655"
    again = json.loads(_run("accounts", "load", str(f), "--user", "pengelola", "--json"))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


def test_generated_accounts_are_deterministic(central, program_manager):
    world = World(central)
    for _ in range(40):
        world.family(VILLAGE_A)
    _run("accounts", "generate", "--share", "0.5", "--user", "pengelola")
    first = dict(PaymentAccount.objects.values_list("household_id", "channel"))
    assert 5 < len(first) < 35 and set(first.values()) <= {"BRI", "BNI", "MANDIRI", "BSI", "BTN"}
    assert "0 accounts created" in _run("accounts", "generate", "--share", "0.5", "--user", "pengelola")
    PaymentAccount.objects.all().delete()
    _run("accounts", "generate", "--share", "0.5", "--user", "pengelola")
    assert dict(PaymentAccount.objects.values_list("household_id", "channel")) == first
    assert Household.objects.count() == 40


def test_a_failed_payment_goes_to_the_next_batch_from_the_command_line(
    central, program_manager, program_checker, tmp_path
):
    World(central).families(1, VILLAGE_B)
    (made,) = json.loads(
        _run("batches", "create", "PKH", "--period", "2021-01", "--user", "pengelola", "--json")
    )
    _run("batches", "approve", str(made["number"]), "--user", "pengelola_2")
    _run("batches", "export", str(made["number"]), "--out", str(tmp_path / "pos.csv"), "--user", "pengelola")
    (pid,) = Payment.objects.values_list("id", flat=True)
    (tmp_path / "s.csv").write_text(
        f"reference,status,reason,date\n{pid},FAILED,alamat tidak ditemukan,2021-01-25\n"
    )
    _run("batches", "status", str(made["number"]), str(tmp_path / "s.csv"), "--user", "pengelola")
    assert "1 payments" in _run("batches", "create", "PKH", "--period", "2021-01", "--user", "pengelola")
    assert "nothing new" in _run("batches", "create", "PKH", "--period", "2021-01", "--user", "pengelola")
    assert PaymentBatch.objects.count() == 2
