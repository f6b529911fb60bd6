"""Applying approved proposals to the registry, in key-range batches (the first step of a release).

Each batch loads its proposals and the registry rows they touch with a constant number of
queries, decides every proposal in memory (in id order, so two proposals on one family apply one
after the other), then writes with bulk UPDATE/INSERT and one bulk audit append. A proposal the
registry can no longer take (its family deactivated since, a NIK now active elsewhere) is marked
CONFLICT with the reason and changes nothing. If the database still refuses a batch, the batch
is replayed one proposal at a time so that one bad proposal cannot hold back the others.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.forms.models import model_to_dict

from sejahtera.common.audit import PendingEntry, audit_record_many
from sejahtera.registry import codes
from sejahtera.registry.models import Household, Person

from ..fields import model_values
from ..models import Proposal, Release, VerificationTask
from ._base import bulk_set, now

K = Proposal.Kind
S = Proposal.Status
ACTIVE = codes.RecordStatus.ACTIVE
INACTIVE = codes.RecordStatus.INACTIVE
BATCH = 2000


class Conflict(Exception):
    pass


@dataclass
class Batch:
    """What one batch will write."""

    release: Release
    at: dt.datetime
    households: dict[int, Household] = field(default_factory=dict)
    persons: dict[int, Person] = field(default_factory=dict)
    hh_fields: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    person_fields: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    new_households: list[tuple[Proposal, Household, list[Person]]] = field(default_factory=list)
    new_members: list[tuple[Proposal, Person]] = field(default_factory=list)
    active_kk: set[str] = field(default_factory=set)  # KK numbers active in the registry or made so here
    active_nik: set[str] = field(default_factory=set)
    applied: list[Proposal] = field(default_factory=list)
    conflicts: list[Proposal] = field(default_factory=list)
    entries: list[tuple[Proposal, PendingEntry]] = field(default_factory=list)


def _effective(p: Proposal, corrections: dict[str, Any]) -> dict[str, Any]:
    """The proposal's data with the verifier's corrections laid over it."""
    payload = {k: (dict(v) if isinstance(v, dict) else v) for k, v in p.payload.items()}
    fix_hh = corrections.get("household", {})
    fix_person = corrections.get("person", {})
    if p.kind == K.NEW_HOUSEHOLD:
        payload["household"] = {**payload["household"], **fix_hh}
    elif p.kind == K.HOUSEHOLD_CHANGE:
        payload["changes"] = {**payload["changes"], **fix_hh}
    elif p.kind == K.PERSON_CHANGE:
        payload["changes"] = {**payload["changes"], **fix_person}
    elif p.kind == K.MEMBER_ADD:
        payload["member"] = {**payload["member"], **fix_person}
    if fix_hh and p.kind not in (K.NEW_HOUSEHOLD, K.HOUSEHOLD_CHANGE):
        payload["household_changes"] = fix_hh
    return payload


def _set(obj: Any, values: dict[str, Any], touched: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    values = model_values(values)
    before = model_to_dict(obj, fields=list(values))
    for k, v in values.items():
        if v is None and not obj._meta.get_field(k).null:
            continue  # a blank count stays as it was
        setattr(obj, k, v)
        touched.add(k)
    return before, model_to_dict(obj, fields=list(values))


def _household(b: Batch, p: Proposal) -> Household:
    hh = b.households.get(p.household_id or 0)
    if hh is None:
        raise Conflict("keluarga tidak ditemukan")
    return hh


def _decide(b: Batch, p: Proposal, data: dict[str, Any]) -> PendingEntry:
    reason = f"Usulan #{p.pk}, rilis {b.release.number}"
    if p.kind == K.NEW_HOUSEHOLD:
        hdata = dict(data["household"])
        kk = hdata.pop("kk_number")
        if kk in b.active_kk:
            raise Conflict(f"nomor KK {kk} sudah aktif di registri")
        niks = [m["nik"] for m in data["members"]]
        if taken := [n for n in niks if n in b.active_nik]:
            raise Conflict(f"NIK {taken[0]} sudah aktif di registri")
        hh = Household(kk_number=kk, status=ACTIVE)
        hh.village_id = p.village_id
        hh.province_code, hh.regency_code, hh.district_code = p.province_code, p.regency_code, p.district_code
        _set(hh, hdata, set())
        members = []
        for m in data["members"]:
            person = Person(status=ACTIVE)
            _set(person, m, set())
            members.append(person)
        b.active_kk.add(kk)
        b.active_nik.update(niks)
        b.new_households.append((p, hh, members))
        return PendingEntry(
            "household.create",
            "household",
            "",
            p.village_id,
            None,
            {"kk_number": kk, "members": len(members)},
            reason,
        )
    hh = _household(b, p)
    wanted = INACTIVE if p.kind == K.REACTIVATE else ACTIVE
    if hh.status != wanted:
        raise Conflict(f"keluarga kini berstatus {hh.get_status_display()}")
    touched = b.hh_fields[hh.pk]
    if extra := data.get("household_changes"):
        _set(hh, extra, touched)
    if p.kind == K.HOUSEHOLD_CHANGE:
        before, after = _set(hh, data["changes"], touched)
        return PendingEntry("household.update", "household", hh.pk, hh.village_id, before, after, reason)
    if p.kind == K.MOVE:
        before = {"village": hh.village_id}
        target = p.target_village_id or ""
        hh.village_id = target
        hh.province_code, hh.regency_code, hh.district_code = target[:2], target[:4], target[:6]
        touched.update({"village", "province_code", "regency_code", "district_code"})
        # Recorded under the destination, so the new district sees how the family came.
        return PendingEntry("household.move", "household", hh.pk, target, before, {"village": target}, reason)
    if p.kind == K.DEACTIVATE:
        hh.status, hh.inactive_reason = INACTIVE, p.inactive_reason
        touched.update({"status", "inactive_reason"})
        return PendingEntry(
            "household.status", "household", hh.pk, hh.village_id, {"status": ACTIVE},
            {"status": INACTIVE, "inactive_reason": p.inactive_reason}, reason,
        )  # fmt: skip
    if p.kind == K.REACTIVATE:
        if hh.kk_number in b.active_kk:
            raise Conflict(f"nomor KK {hh.kk_number} kini aktif pada keluarga lain")
        hh.status, hh.inactive_reason = ACTIVE, ""
        touched.update({"status", "inactive_reason"})
        b.active_kk.add(hh.kk_number)
        return PendingEntry(
            "household.status",
            "household",
            hh.pk,
            hh.village_id,
            {"status": INACTIVE},
            {"status": ACTIVE},
            reason,
        )
    if p.kind == K.MEMBER_ADD:
        m = data["member"]
        if m["nik"] in b.active_nik:
            raise Conflict(f"NIK {m['nik']} sudah aktif di registri")
        person = Person(household=hh, status=ACTIVE)
        _set(person, m, set())
        b.active_nik.add(m["nik"])
        b.new_members.append((p, person))
        return PendingEntry(
            "person.create", "person", "", hh.village_id, None, {"nik": m["nik"], "household": hh.pk}, reason
        )
    found = b.persons.get(p.person_id or 0)
    if found is None or found.household_id != hh.pk or found.status != ACTIVE:
        raise Conflict("anggota tidak lagi aktif pada keluarga ini")
    person = found
    ptouched = b.person_fields[person.pk]
    if p.kind == K.PERSON_CHANGE:
        before, after = _set(person, data["changes"], ptouched)
        return PendingEntry("person.update", "person", person.pk, hh.village_id, before, after, reason)
    if p.kind == K.MEMBER_REMOVE:
        person.status, person.inactive_reason = INACTIVE, p.inactive_reason
        ptouched.update({"status", "inactive_reason"})
        b.active_nik.discard(person.nik)
        return PendingEntry(
            "person.status", "person", person.pk, hh.village_id, {"status": ACTIVE},
            {"status": INACTIVE, "inactive_reason": p.inactive_reason}, reason,
        )  # fmt: skip
    raise AssertionError(p.kind)


def _load(b: Batch, proposals: list[Proposal]) -> dict[int, dict[str, Any]]:
    hh_ids = {p.household_id for p in proposals if p.household_id}
    b.households = Household.objects.select_for_update().in_bulk(hh_ids)
    person_ids = {p.person_id for p in proposals if p.person_id}
    b.persons = Person.objects.select_for_update().in_bulk(person_ids)
    kks: set[str] = set()
    niks: set[str] = set()
    for p in proposals:
        if p.kind == K.NEW_HOUSEHOLD:
            kks.add(p.payload["household"]["kk_number"])
            niks.update(m["nik"] for m in p.payload["members"])
        elif p.kind == K.MEMBER_ADD:
            niks.add(p.payload["member"]["nik"])
        elif p.kind == K.REACTIVATE and p.household_id in b.households:
            kks.add(b.households[p.household_id].kk_number)
    b.active_kk = set(
        Household.objects.filter(kk_number__in=kks, status=ACTIVE).values_list("kk_number", flat=True)
    )
    b.active_nik = set(Person.objects.filter(nik__in=niks, status=ACTIVE).values_list("nik", flat=True))
    corrections: dict[int, dict[str, Any]] = {}
    for pid, fixed in (
        VerificationTask.objects.filter(
            proposal_id__in=[p.pk for p in proposals], status=VerificationTask.Status.DONE
        )
        .order_by("proposal_id", "round")
        .values_list("proposal_id", "corrections")
    ):
        corrections[pid] = fixed or {}  # the last round wins
    return corrections


def _write(b: Batch) -> None:
    by_fields: dict[frozenset[str], list[Household]] = defaultdict(list)
    for pk, fields in b.hh_fields.items():
        if fields:
            by_fields[frozenset(fields)].append(b.households[pk])
    for hfields, rows in by_fields.items():
        for row in rows:
            row.updated_at = b.at
        bulk_set(Household, rows, [*sorted(hfields), "updated_at"])
    p_by_fields: dict[frozenset[str], list[Person]] = defaultdict(list)
    for pk, fields in b.person_fields.items():
        if fields:
            p_by_fields[frozenset(fields)].append(b.persons[pk])
    for pfields, prow in p_by_fields.items():
        for person in prow:
            person.updated_at = b.at
        bulk_set(Person, prow, [*sorted(pfields), "updated_at"])
    if b.new_households:
        created = Household.objects.bulk_create([hh for _p, hh, _m in b.new_households], batch_size=1000)
        members = []
        for (p, _hh, people), hh in zip(b.new_households, created, strict=True):
            p.household = hh
            for person in people:
                person.household = hh
                members.append(person)
        Person.objects.bulk_create(members, batch_size=1000)
    if b.new_members:
        Person.objects.bulk_create([person for _p, person in b.new_members], batch_size=1000)
    bulk_set(
        Proposal,
        b.applied + b.conflicts,
        ["status", "release", "applied_at", "household", "outcome", "updated_at"],
    )


def _conflict_entry(p: Proposal, before_status: str, release: Release) -> PendingEntry:
    return PendingEntry(
        "proposal.conflict", "proposal", p.pk, p.village_id, {"status": before_status},
        {"status": S.CONFLICT, "release": release.number}, p.outcome,
    )  # fmt: skip


def _apply_batch(release: Release, actor: Any, proposals: list[Proposal]) -> tuple[int, int]:
    b = Batch(release=release, at=now())
    corrections = _load(b, proposals)
    for p in proposals:
        before_status = p.status
        try:
            entry = _decide(b, p, _effective(p, corrections.get(p.pk, {})))
        except Conflict as c:
            p.status, p.outcome = S.CONFLICT, f"Tidak dapat diterapkan: {c}"[:300]
            p.release, p.updated_at = release, b.at
            b.conflicts.append(p)
            b.entries.append((p, _conflict_entry(p, before_status, release)))
            continue
        p.status, p.release, p.applied_at, p.updated_at = S.APPLIED, release, b.at, b.at
        b.applied.append(p)
        b.entries.append((p, entry))
    _write(b)
    # Entries of created records name them now that they have ids.
    created_ids = {p.pk: p.household_id for p, _hh, _m in b.new_households}
    member_ids = {p.pk: person.pk for p, person in b.new_members}
    entries = []
    for p, e in b.entries:
        if e.object_id == "":
            oid = created_ids.get(p.pk) if e.object_type == "household" else member_ids.get(p.pk)
            e = PendingEntry(e.action, e.object_type, oid, e.region_code, e.before, e.after, e.reason)
        entries.append(e)
    audit_record_many(actor=actor, entries=entries)
    return len(b.applied), len(b.conflicts)


def apply_approved(
    *,
    release: Release,
    actor: Any,
    cutoff: dt.datetime,
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Apply every proposal approved up to `cutoff`, in id order. Returns (applied, conflicts)."""
    pending = Proposal.objects.filter(status=S.APPROVED, approved_at__lte=cutoff)
    total = pending.count()
    applied = conflicts = done = 0
    last_id = 0
    while True:
        ids = list(pending.filter(id__gt=last_id).order_by("id").values_list("id", flat=True)[:BATCH])
        if not ids:
            break
        last_id = ids[-1]
        try:
            with transaction.atomic():
                proposals = list(
                    Proposal.objects.select_for_update().filter(id__in=ids, status=S.APPROVED).order_by("id")
                )
                a, c = _apply_batch(release, actor, proposals)
        except (IntegrityError, DatabaseError):
            # Replay one by one: the database refused something the checks above did not foresee.
            a = c = 0
            for pid in ids:
                try:
                    with transaction.atomic():
                        one = list(Proposal.objects.select_for_update().filter(id=pid, status=S.APPROVED))
                        a1, c1 = _apply_batch(release, actor, one)
                        a, c = a + a1, c + c1
                except (IntegrityError, DatabaseError) as e:
                    with transaction.atomic():
                        p = Proposal.objects.select_for_update().get(id=pid)
                        if p.status == S.APPROVED:
                            p.status, p.release = S.CONFLICT, release
                            p.outcome = f"Ditolak basis data: {e}"[:300]
                            p.save(update_fields=["status", "release", "outcome", "updated_at"])
                            audit_record_many(actor=actor, entries=[_conflict_entry(p, S.APPROVED, release)])
                            c += 1
        applied, conflicts, done = applied + a, conflicts + c, done + len(ids)
        if on_progress:
            on_progress(done, total)
    return applied, conflicts
