"""The audit log: an append-only hash chain that `sejahtera audit verify` checks (issue 2 §6)."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from sejahtera.common.audit import GENESIS_HASH, audit_record, audit_verify, entry_hash
from sejahtera.common.models import AuditEntry

pytestmark = pytest.mark.django_db


def record(n: int, **kw: Any) -> AuditEntry:
    fields: dict[str, Any] = {
        "actor": None,
        "action": "household.update",
        "object_type": "household",
        "object_id": n,
        "region_code": "3204052001",
        "before": {"address": f"Jl. Lama {n}"},
        "after": {"address": f"Jl. Baru {n}"},
        "reason": f"koreksi {n}",
    }
    fields.update(kw)
    return audit_record(**fields)


def verify_command() -> tuple[int, dict[str, Any], str]:
    """(exit code, --json output, plain output) of `sejahtera audit verify`."""
    results = []
    for args in (["--json"], []):
        out = io.StringIO()
        try:
            call_command("audit", "verify", *args, stdout=out)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        results.append((code, out.getvalue()))
    (code, as_json), (plain_code, plain) = results
    assert code == plain_code
    return code, json.loads(as_json), plain


@contextmanager
def behind_the_apps_back() -> Iterator[Any]:
    """A cursor on which the append-only trigger does not fire: what an attacker with database
    access would use. PostgreSQL: replica mode (superuser); SQLite: the trigger dropped. Both are
    undone when the test's transaction rolls back."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")
        else:
            cur.execute("DROP TRIGGER audit_append_only")
        yield cur
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = DEFAULT")


# --- the chain -------------------------------------------------------------------------------------
def test_each_entry_carries_the_hash_of_the_one_before():
    a, b, c = record(1), record(2), record(3)

    assert a.prev_hash == GENESIS_HASH
    assert (b.prev_hash, c.prev_hash) == (a.hash, b.hash)
    assert len({a.hash, b.hash, c.hash}) == 3
    assert audit_verify() == (3, None)


def test_an_entry_records_actor_time_action_values_and_reason(central):
    before = dt.datetime.now(dt.UTC)
    e = record(7, actor=central)

    e = AuditEntry.objects.get(pk=e.pk)
    assert (e.actor_id, e.actor_label) == (central.pk, central.username)
    assert before <= e.at <= dt.datetime.now(dt.UTC)
    assert (e.action, e.object_type, e.object_id) == ("household.update", "household", "7")
    assert (e.before, e.after, e.reason) == (
        {"address": "Jl. Lama 7"},
        {"address": "Jl. Baru 7"},
        "koreksi 7",
    )


def test_the_hash_covers_the_entrys_content():
    e = AuditEntry.objects.get(pk=record(1).pk)
    fields: dict[str, Any] = {
        "prev_hash": e.prev_hash,
        "at": e.at,
        "actor_id": e.actor_id,
        "actor_label": e.actor_label,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "region_code": e.region_code,
        "before": e.before,
        "after": e.after,
        "reason": e.reason,
    }
    assert entry_hash(**fields) == e.hash
    for name, other in [
        ("reason", "lain"),
        ("after", {"address": "Jl. Lain"}),
        ("actor_id", 99),
        ("object_id", "8"),
    ]:
        assert entry_hash(**{**fields, name: other}) != e.hash, name


def test_an_entry_written_in_a_transaction_that_rolls_back_is_not_kept():
    record(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        record(2)
        raise RuntimeError("the change failed")

    assert AuditEntry.objects.count() == 1
    record(3)
    assert audit_verify() == (2, None)


def test_values_of_every_kind_are_stored_as_they_are_hashed(central):
    record(
        1,
        before={"birth_date": dt.date(1980, 5, 17), "amount": decimal.Decimal("150000.00"), "codes": {9, 24}},
        after={
            "nama": "Ñoman Śaputra — ü",
            "user": central,
            "at": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        },
    )
    e = AuditEntry.objects.get()
    assert e.before == {"birth_date": "1980-05-17", "amount": "150000.00", "codes": [9, 24]}
    assert e.after == {"nama": "Ñoman Śaputra — ü", "user": central.pk, "at": "2026-01-02T03:04:05+00:00"}
    assert audit_verify() == (1, None)


# Text as people type it (PostgreSQL cannot store NUL; control characters are not data).
TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc"]), max_size=20)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**62), 2**62)
    | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)
    | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(before=JSON, after=JSON, reason=TEXT)
def test_any_json_payload_verifies_after_the_round_trip_through_the_database(before, after, reason):
    e = record(1, before=before, after=after, reason=reason)
    assert audit_verify()[1] is None, (e.before, e.after)


def test_a_large_float_verifies_after_the_round_trip_through_the_database():
    """PostgreSQL's jsonb writes 1e16 back as 10000000000000000."""
    record(1, after={"ratio": 1e16})
    assert audit_verify() == (1, None)


# --- append-only -----------------------------------------------------------------------------------
def test_the_model_refuses_to_update_or_delete_an_entry():
    e = record(1)
    e.reason = "diubah"
    with pytest.raises(RuntimeError, match="append-only"):
        e.save()
    with pytest.raises(RuntimeError, match="append-only"):
        e.delete()
    assert AuditEntry.objects.get(pk=e.pk).reason == "koreksi 1"


def test_the_database_refuses_an_update_behind_the_models_back():
    e = record(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=e.pk).update(reason="diubah")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE common_auditentry SET reason = 'diubah' WHERE id = %s", [e.pk])
    assert AuditEntry.objects.get(pk=e.pk).reason == "koreksi 1"


def test_the_database_refuses_a_delete_on_postgresql():
    """On SQLite only UPDATE is refused (migration 0002: the test flush deletes rows); a deletion
    there is caught by the chain instead (see below)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no DELETE trigger by design; see test_a_deleted_entry_is_detected")
    e = record(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM common_auditentry WHERE id = %s", [e.pk])
    assert AuditEntry.objects.filter(pk=e.pk).exists()


# --- audit verify ----------------------------------------------------------------------------------
def test_verify_reports_an_intact_chain():
    for n in range(5):
        record(n)

    code, result, plain = verify_command()

    assert code == 0
    assert result == {"ok": True, "checked": 5}
    assert "intact" in plain and "5" in plain


def test_verify_of_an_empty_log_is_ok():
    assert verify_command()[:2] == (0, {"ok": True, "checked": 0})


@pytest.mark.parametrize(
    ("column", "value"),
    [("reason", "'tanpa alasan'"), ("actor_label", "'orang lain'"), ("object_id", "'999'")],
)
def test_verify_names_an_entry_edited_behind_the_apps_back(column, value):
    entries = [record(n) for n in range(5)]
    target = entries[2]
    # First: the database itself refuses the edit.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"UPDATE common_auditentry SET {column} = {value} WHERE id = %s", [target.pk])

    with behind_the_apps_back() as cur:
        cur.execute(f"UPDATE common_auditentry SET {column} = {value} WHERE id = %s", [target.pk])

    code, result, plain = verify_command()
    assert code == 1
    assert result["ok"] is False
    assert (result["first_broken_id"], result["checked"]) == (target.pk, 2)
    assert f"#{target.pk}" in plain


def test_verify_names_an_entry_whose_values_were_edited():
    entries = [record(n) for n in range(3)]
    with behind_the_apps_back() as cur:
        payload = json.dumps({"address": "Jl. Palsu"})
        if connection.vendor == "postgresql":
            cur.execute(
                "UPDATE common_auditentry SET after = %s::jsonb WHERE id = %s", [payload, entries[1].pk]
            )
        else:
            cur.execute("UPDATE common_auditentry SET after = %s WHERE id = %s", [payload, entries[1].pk])

    assert AuditEntry.objects.get(pk=entries[1].pk).after == {"address": "Jl. Palsu"}
    code, result, _ = verify_command()
    assert (code, result["first_broken_id"]) == (1, entries[1].pk)


def test_an_edit_with_its_hash_recomputed_is_caught_by_the_next_entry():
    entries = [record(n) for n in range(4)]
    e = AuditEntry.objects.get(pk=entries[1].pk)
    forged = entry_hash(
        prev_hash=e.prev_hash,
        at=e.at,
        actor_id=e.actor_id,
        actor_label=e.actor_label,
        action=e.action,
        object_type=e.object_type,
        object_id=e.object_id,
        region_code=e.region_code,
        before=e.before,
        after=e.after,
        reason="dipalsukan",
    )
    with behind_the_apps_back() as cur:
        cur.execute(
            "UPDATE common_auditentry SET reason = 'dipalsukan', hash = %s WHERE id = %s", [forged, e.pk]
        )

    code, result, _ = verify_command()
    assert (code, result["first_broken_id"]) == (1, entries[2].pk)


def test_a_deleted_entry_is_detected():
    entries = [record(n) for n in range(5)]
    with behind_the_apps_back() as cur:
        cur.execute("DELETE FROM common_auditentry WHERE id = %s", [entries[2].pk])

    code, result, plain = verify_command()
    assert code == 1
    assert (result["first_broken_id"], result["checked"]) == (entries[3].pk, 2)
    assert f"#{entries[3].pk}" in plain


def test_a_forged_entry_added_to_the_log_is_detected():
    entries = [record(n) for n in range(3)]
    copy = (
        "INSERT INTO common_auditentry (at, actor_label, action, object_type, object_id, region_code, "
        "before, after, reason, prev_hash, hash) "
        "SELECT at, actor_label, action, object_type, '42', region_code, before, after, reason, {prev}, %s "
        "FROM common_auditentry WHERE id = %s"
    )
    # A second entry claiming the same predecessor (a fork of the chain) is refused outright.
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(copy.format(prev="prev_hash"), ["f" * 64, entries[2].pk])
    # One appended after the last entry, with a hash that was not computed from its content, is found.
    with connection.cursor() as cur:
        cur.execute(copy.format(prev="hash"), ["f" * 64, entries[2].pk])
    code, result, _ = verify_command()
    assert code == 1
    assert result["first_broken_id"] > entries[2].pk
