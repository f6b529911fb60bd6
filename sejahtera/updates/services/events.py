"""Population-registry events (Dukcapil: lahir, mati, pindah, datang), applied exactly once.

Events arrive in files (CSV or JSON lines) or through the API, each with its own event id. An id
already applied is a duplicate and changes nothing; an id rejected before (an unknown NIK, say)
is tried again. Events are applied to the registry at once, in key batches: a death makes the
person deceased immediately, so programs stop counting the person from that moment
(selectors.release_countable_persons) and the next release leaves the person out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.db import transaction
from django.db.models import Count

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.common.audit import PendingEntry, audit_record_many
from sejahtera.regions.models import Region
from sejahtera.registry import codes
from sejahtera.registry.identifiers import nik_check
from sejahtera.registry.models import Household, Person

from ..models import PopulationEvent
from ._base import bulk_set, now

E = PopulationEvent.Kind
ACTIVE = codes.RecordStatus.ACTIVE
BATCH = 2000
KIND_ALIASES = {
    "LAHIR": E.BIRTH,
    "BIRTH": E.BIRTH,
    "MATI": E.DEATH,
    "DEATH": E.DEATH,
    "PINDAH": E.MOVE_OUT,
    "MOVE_OUT": E.MOVE_OUT,
    "DATANG": E.MOVE_IN,
    "MOVE_IN": E.MOVE_IN,
}


@dataclass
class Rejection:
    line: int
    event_id: str
    code: str
    message: str


@dataclass
class EventsResult:
    applied: int = 0
    duplicate: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    rejections: list[Rejection] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "duplicate": self.duplicate,
            "rejected": self.rejected,
            "reasons": dict(self.reasons),
            "rejections": [r.__dict__ for r in self.rejections],
        }


class Reject(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --- reading --------------------------------------------------------------------------------------
def events_read_stream(text: TextIO) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) from a CSV text with a header, or JSON lines (a seekable stream)."""
    sample = text.read(4096)
    text.seek(0)
    if sample.lstrip("\ufeff \r\n\t").startswith("{"):
        for n, line in enumerate(text, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line.lstrip("\ufeff"))
            except json.JSONDecodeError as e:
                yield n, {"_error": f"baris bukan JSON yang sah: {e.msg}"}
                continue
            yield n, record if isinstance(record, dict) else {"_error": "baris bukan objek JSON"}
        return
    if sample.startswith("\ufeff"):
        text.read(1)
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    for n, row in enumerate(csv.DictReader(text, delimiter=delimiter), start=2):
        yield n, {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}


def events_read(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Records of an events file (CSV or JSON lines)."""
    with path.open(encoding="utf-8-sig", newline="") as text:
        yield from events_read_stream(text)


def events_read_text(content: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Records of an upload held in memory."""
    yield from events_read_stream(io.StringIO(content.lstrip("\ufeff"), newline=""))


# --- parsing one record -----------------------------------------------------------------------------
@dataclass
class Parsed:
    line: int
    event_id: str
    kind: str
    nik: str
    kk_number: str
    occurred_on: dt.date | None
    data: dict[str, Any]


def _date(value: Any, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise Reject("DATE_INVALID", f"{name} harus berbentuk YYYY-MM-DD") from None
    if day > now().date():
        raise Reject("DATE_IN_FUTURE", f"{name} tidak boleh di masa depan")
    return day


def _parse(line: int, raw: dict[str, Any]) -> Parsed:
    if "_error" in raw:
        raise Reject("UNREADABLE", raw["_error"])
    event_id = str(raw.get("event_id") or "").strip()
    if not event_id:
        raise Reject("EVENT_ID_MISSING", "event_id wajib diisi")
    if len(event_id) > 64:
        raise Reject("EVENT_ID_TOO_LONG", "event_id paling panjang 64 karakter")
    kind = KIND_ALIASES.get(str(raw.get("kind") or raw.get("jenis") or "").strip().upper())
    if kind is None:
        raise Reject("KIND_UNKNOWN", "jenis peristiwa harus LAHIR, MATI, PINDAH atau DATANG")
    nik = str(raw.get("nik") or "").strip()
    kk = str(raw.get("kk_number") or raw.get("no_kk") or "").strip()
    data = {
        k: raw[k]
        for k in (
            "full_name",
            "sex",
            "birth_date",
            "birth_place",
            "mother_name",
            "to_village",
            "relationship",
        )
        if raw.get(k) not in (None, "")
    }
    return Parsed(
        line, event_id, kind, nik, kk, _date(raw.get("date") or raw.get("occurred_on"), "date"), data
    )


# --- applying a batch -------------------------------------------------------------------------------
@dataclass
class State:
    """The registry rows a batch touches, loaded once and changed in memory."""

    by_nik: dict[str, Person]  # the active person, else the latest record, per NIK
    households: dict[int, Household]
    by_kk: dict[str, Household]  # active households per KK
    villages: set[str]
    person_fields: dict[int, set[str]] = field(default_factory=dict)
    hh_fields: dict[int, set[str]] = field(default_factory=dict)
    new_persons: list[Person] = field(default_factory=list)
    active_members: Counter[int] = field(default_factory=Counter)

    def touch_person(self, p: Person, *names: str) -> None:
        # A person born earlier in this batch is not in the table yet: the insert writes its values.
        if p.pk is not None:
            self.person_fields.setdefault(p.pk, set()).update(names)

    def touch_household(self, h: Household, *names: str) -> None:
        self.hh_fields.setdefault(h.pk, set()).update(names)


def _load(events: list[Parsed]) -> State:
    niks = {e.nik for e in events if e.nik}
    kks = {e.kk_number for e in events if e.kk_number}
    # Active persons through the partial unique index on NIK; a NIK with no active person, the
    # latest record. That second lookup has no index (NIK is indexed for active persons only), so
    # it is made only for the events that read an inactive record: not for births, whose NIK must
    # simply not be active.
    by_nik: dict[str, Person] = {
        p.nik: p for p in Person.objects.select_for_update().filter(nik__in=niks, status=ACTIVE)
    }
    rest = {e.nik for e in events if e.nik and e.kind != E.BIRTH and e.nik not in by_nik}
    if rest:
        for p in Person.objects.select_for_update().filter(nik__in=rest).order_by("id"):
            by_nik[p.nik] = p
    hh_ids = {p.household_id for p in by_nik.values()}
    households = Household.objects.select_for_update().in_bulk(hh_ids)
    for h in Household.objects.select_for_update().filter(kk_number__in=kks, status=ACTIVE):
        households[h.pk] = h
    by_kk = {h.kk_number: h for h in households.values() if h.status == ACTIVE}
    villages = {str(e.data.get("to_village")) for e in events if e.data.get("to_village")}
    known = set(
        Region.objects.filter(code__in=villages, level=Region.Level.VILLAGE).values_list("code", flat=True)
    )
    state = State(by_nik=by_nik, households=households, by_kk=by_kk, villages=known)
    for hid, n in (
        Person.objects.filter(household_id__in=households, status=ACTIVE)
        .values_list("household_id")
        .order_by()
        .annotate(n=Count("id"))
        .values_list("household_id", "n")
    ):
        state.active_members[hid] = n
    return state


def _active(state: State, nik: str) -> Person:
    person = state.by_nik.get(nik)
    if person is None:
        raise Reject("NIK_UNKNOWN", f"NIK {nik} tidak terdaftar di registri")
    return person


def _leave(state: State, person: Person) -> None:
    """A person stops counting in a household; an emptied household is put to sleep."""
    state.active_members[person.household_id] -= 1
    if state.active_members[person.household_id] <= 0:
        hh = state.households[person.household_id]
        if hh.status == ACTIVE:
            hh.status, hh.inactive_reason = codes.RecordStatus.INACTIVE, codes.InactiveReason.NO_MEMBERS
            state.touch_household(hh, "status", "inactive_reason")
            state.by_kk.pop(hh.kk_number, None)


def _apply_one(state: State, e: Parsed) -> tuple[Person | None, Household | None, PendingEntry]:
    why = f"Peristiwa kependudukan {e.event_id}"
    if e.kind == E.DEATH:
        person = _active(state, e.nik)
        if person.status == codes.RecordStatus.DECEASED:
            raise Reject("ALREADY_DECEASED", "penduduk sudah tercatat meninggal")
        if person.status != ACTIVE:
            raise Reject("NOT_ACTIVE", f"penduduk berstatus {person.get_status_display()}")
        person.status, person.death_date, person.inactive_reason = (
            codes.RecordStatus.DECEASED,
            e.occurred_on,
            "",
        )
        state.touch_person(person, "status", "death_date", "inactive_reason")
        _leave(state, person)
        hh = state.households[person.household_id]
        return person, hh, PendingEntry(
            "person.status", "person", person.pk, hh.village_id, {"status": ACTIVE},
            {"status": "DECEASED", "death_date": e.occurred_on}, why,
        )  # fmt: skip
    if e.kind == E.BIRTH:
        check = nik_check(e.nik, with_names=False)
        if not check.valid:
            raise Reject("NIK_INVALID", f"NIK bayi tidak sah ({', '.join(check.errors)})")
        if (known := state.by_nik.get(e.nik)) is not None and known.status == ACTIVE:
            raise Reject("NIK_REGISTERED", "NIK bayi sudah terdaftar aktif")
        hh_or_none = state.by_kk.get(e.kk_number)
        if hh_or_none is None:
            raise Reject("KK_UNKNOWN", f"KK {e.kk_number or '(kosong)'} tidak aktif di registri")
        hh = hh_or_none
        name = str(e.data.get("full_name") or "").strip()
        if not name:
            raise Reject("NAME_MISSING", "nama bayi wajib diisi")
        born = e.occurred_on or (dt.date.fromisoformat(check.birth_date) if check.birth_date else None)
        if born is None:
            raise Reject("DATE_MISSING", "tanggal lahir wajib diisi")
        person = Person(
            household=hh,
            nik=e.nik,
            full_name=name[:100],
            birth_date=born,
            birth_place=str(e.data.get("birth_place") or "")[:60],
            mother_name=str(e.data.get("mother_name") or "")[:100],
            sex=str(e.data.get("sex") or check.sex or "").upper()[:1],
            relationship=codes.Relationship.CHILD,
            status=ACTIVE,
        )
        if person.sex not in ("L", "P"):
            raise Reject("SEX_INVALID", "jenis kelamin harus L atau P")
        state.new_persons.append(person)
        state.by_nik[e.nik] = person
        state.active_members[hh.pk] += 1
        return (
            None,
            hh,
            PendingEntry(
                "person.create", "person", "", hh.village_id, None, {"nik": e.nik, "household": hh.pk}, why
            ),
        )
    if e.kind == E.MOVE_OUT:
        target = str(e.data.get("to_village") or "")
        if e.kk_number and not e.nik:
            hh_or_none = state.by_kk.get(e.kk_number)
            if hh_or_none is None:
                raise Reject("KK_UNKNOWN", f"KK {e.kk_number} tidak aktif di registri")
            hh = hh_or_none
            if target not in state.villages:
                raise Reject("VILLAGE_UNKNOWN", f"desa/kelurahan tujuan {target or '(kosong)'} tidak dikenal")
            before = hh.village_id
            hh.village_id = target
            hh.province_code, hh.regency_code, hh.district_code = target[:2], target[:4], target[:6]
            state.touch_household(hh, "village", "province_code", "regency_code", "district_code")
            return (
                None,
                hh,
                PendingEntry(
                    "household.move",
                    "household",
                    hh.pk,
                    target,
                    {"village": before},
                    {"village": target},
                    why,
                ),
            )
        person = _active(state, e.nik)
        if person.status != ACTIVE:
            raise Reject("NOT_ACTIVE", f"penduduk berstatus {person.get_status_display()}")
        person.status = codes.RecordStatus.MOVED
        state.touch_person(person, "status")
        _leave(state, person)
        hh = state.households[person.household_id]
        return person, hh, PendingEntry(
            "person.status", "person", person.pk, hh.village_id, {"status": ACTIVE},
            {"status": "MOVED", "to_village": target}, why,
        )  # fmt: skip
    # MOVE_IN: a person joins the family with the given KK.
    person = _active(state, e.nik)
    if person.status not in (ACTIVE, codes.RecordStatus.MOVED):
        raise Reject("NOT_ACTIVE", f"penduduk berstatus {person.get_status_display()}")
    hh_or_none = state.by_kk.get(e.kk_number)
    if hh_or_none is None:
        raise Reject("KK_UNKNOWN", f"KK tujuan {e.kk_number or '(kosong)'} tidak aktif di registri")
    hh = hh_or_none
    if person.household_id == hh.pk and person.status == ACTIVE:
        raise Reject("ALREADY_MEMBER", "penduduk sudah menjadi anggota keluarga ini")
    moved_from: dict[str, Any] = {"household": person.household_id, "status": person.status}
    if person.status == ACTIVE:
        _leave(state, person)
    person.household_id, person.status = hh.pk, ACTIVE
    rel = str(e.data.get("relationship") or "").upper()
    if rel in codes.Relationship.values and rel != codes.Relationship.HEAD:
        person.relationship = rel
        state.touch_person(person, "relationship")
    state.touch_person(person, "household", "status")
    state.active_members[hh.pk] += 1
    return (
        person,
        hh,
        PendingEntry(
            "person.move",
            "person",
            person.pk,
            hh.village_id,
            moved_from,
            {"household": hh.pk, "status": ACTIVE},
            why,
        ),
    )


def _region_of(e: Parsed, hh: Household | None) -> str:
    if hh is not None:
        return hh.village_id
    number = e.nik or e.kk_number
    return number[:6] if len(number) >= 6 and number[:6].isdigit() else ""


def _apply_batch(
    actor: User, batch: list[tuple[int, dict[str, Any]]], source: str, result: EventsResult
) -> None:
    at = now()
    parsed: list[Parsed] = []
    for line, raw in batch:
        try:
            parsed.append(_parse(line, raw))
        except Reject as r:
            result.rejected += 1
            result.reasons[r.code] += 1
            result.rejections.append(Rejection(line, str(raw.get("event_id") or ""), r.code, r.message))
    known = {
        ev.event_id: ev
        for ev in PopulationEvent.objects.select_for_update().filter(
            event_id__in=[p.event_id for p in parsed]
        )
    }
    # Registry rows only for the events not applied before (a file sent twice loads nothing).
    state = _load(
        [
            e
            for e in parsed
            if (prior := known.get(e.event_id)) is None or prior.status != PopulationEvent.Status.APPLIED
        ]
    )
    seen: set[str] = set()
    to_create: list[PopulationEvent] = []
    to_update: list[PopulationEvent] = []
    entries: list[tuple[PopulationEvent, PendingEntry]] = []
    for e in parsed:
        prior = known.get(e.event_id)
        if e.event_id in seen or (prior is not None and prior.status == PopulationEvent.Status.APPLIED):
            result.duplicate += 1
            continue
        seen.add(e.event_id)
        ev = prior or PopulationEvent(event_id=e.event_id, received_at=at, source=source[:255])
        if prior is not None:
            ev.attempts += 1
        ev.kind, ev.nik, ev.kk_number, ev.occurred_on = e.kind, e.nik[:16], e.kk_number[:16], e.occurred_on
        ev.data = e.data
        try:
            person, hh, entry = _apply_one(state, e)
        except Reject as r:
            ev.status, ev.reason_code, ev.reason = PopulationEvent.Status.REJECTED, r.code, r.message[:300]
            ev.region_code = _region_of(e, None)
            result.rejected += 1
            result.reasons[r.code] += 1
            result.rejections.append(Rejection(e.line, e.event_id, r.code, r.message))
        else:
            ev.status, ev.reason_code, ev.reason = PopulationEvent.Status.APPLIED, "", ""
            ev.person, ev.household, ev.applied_at = person, hh, at
            ev.region_code = _region_of(e, hh)
            result.applied += 1
            entries.append((ev, entry))
        (to_update if prior is not None else to_create).append(ev)
    # Registry writes first (new persons need ids before their events point at them).
    _write_registry(state, at)
    for ev, entry in entries:
        if entry.object_id == "" and ev.person is None:
            ev.person = state.by_nik[ev.nik]
    PopulationEvent.objects.bulk_create(to_create, batch_size=1000)
    bulk_set(
        PopulationEvent,
        to_update,
        ["kind", "nik", "kk_number", "occurred_on", "data", "status", "reason_code", "reason", "person",
         "household", "applied_at", "region_code", "attempts"],
    )  # fmt: skip
    audit_record_many(
        actor=actor,
        entries=[
            PendingEntry(
                e.action,
                e.object_type,
                e.object_id or (ev.person_id or ""),
                e.region_code,
                e.before,
                {**(e.after or {}), "event": ev.event_id},
                e.reason,
            )
            for ev, e in entries
        ],
    )


def _write_registry(state: State, at: dt.datetime) -> None:
    persons = {p.pk: p for p in state.by_nik.values() if p.pk}
    groups: dict[frozenset[str], list[Person]] = {}
    for pk, names in state.person_fields.items():
        p = persons[pk]
        p.updated_at = at
        groups.setdefault(frozenset(names), []).append(p)
    for pnames, rows in groups.items():
        bulk_set(Person, rows, [*sorted(pnames), "updated_at"])
    hh_groups: dict[frozenset[str], list[Household]] = {}
    for pk, names in state.hh_fields.items():
        h = state.households[pk]
        h.updated_at = at
        hh_groups.setdefault(frozenset(names), []).append(h)
    for hnames, hrows in hh_groups.items():
        bulk_set(Household, hrows, [*sorted(hnames), "updated_at"])
    if state.new_persons:
        Person.objects.bulk_create(state.new_persons, batch_size=1000)


def events_apply(
    *,
    actor: User,
    records: Iterable[tuple[int, dict[str, Any]]],
    source: str = "",
    on_progress: Callable[[int], None] | None = None,
) -> EventsResult:
    """Apply events, each exactly once, in batches of BATCH records (one transaction each)."""
    ensure_can(actor, Action.EVENTS_APPLY)
    result = EventsResult()
    batch: list[tuple[int, dict[str, Any]]] = []
    done = 0
    for item in records:
        batch.append(item)
        if len(batch) >= BATCH:
            with transaction.atomic():
                _apply_batch(actor, batch, source, result)
            done += len(batch)
            batch = []
            if on_progress:
                on_progress(done)
    if batch:
        with transaction.atomic():
            _apply_batch(actor, batch, source, result)
        done += len(batch)
        if on_progress:
            on_progress(done)
    return result
