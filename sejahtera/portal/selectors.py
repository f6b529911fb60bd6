"""Public reads of the portal: the check (cek bansos) over the latest published release.

Nothing here knows about captchas or rate limits (that is the edge: views and API). What leaves
this module for the public is a `CheckResult`: a masked name, an age in whole years, the village
and district names and the family's programs. NIK, KK number, address, birth date and photo never
leave it; `ref` is a signed token the other public pages (sanggah) turn back into a person.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.core import signing
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sejahtera.common.errors import DomainError
from sejahtera.payments.models import Payment
from sejahtera.programs.models import Enrollment, Entitlement, Program
from sejahtera.regions.models import Region
from sejahtera.updates.models import Release

from .models import CheckEntry
from .similarity import trigram_similarity

MAX_RESULTS = 10
# pg_trgm similarity (shared trigrams / all trigrams) a name must reach to be offered. 0.3 (the
# extension's default) lets "SITI" (0.42) find every SITI AMINAH of a village; 0.5 still finds a
# wrong, missing or swapped letter in a two-word name ("SITI AMINAH" ~ "SITI AMINA" 0.77, "SITI AMNAH"
# 0.64, "SYTI AMINAH" 0.6, "SITI AMIANH" 0.5). The family name alone ("AMINAH", 0.58) also passes.
SIMILARITY_THRESHOLD = 0.5
MIN_LETTERS = 3
MAX_NAME_LENGTH = 100
REF_SALT = "portal.person"
REF_MAX_AGE = 2 * 24 * 3600  # a check's result may be objected to (sanggah) within two days
RELEASE_CACHE_SECONDS = 30  # a newly published release is read by the portal within this time

WILDCARDS = frozenset("%_*?")


class CheckRefused(DomainError):
    """The check's input is refused (too short, wildcard-like, not a village)."""

    status_code = 400


class PublicStatus:
    """What the public is told about a family's program in a period (from the entitlement and the
    payment of it)."""

    PAID = "PAID"
    IN_PROCESS = "IN_PROCESS"
    FAILED = "FAILED"
    RETURNED = "RETURNED"
    CANCELLED = "CANCELLED"
    ENROLLED = "ENROLLED"

    LABELS = {
        PAID: gettext_lazy("Disalurkan"),
        IN_PROCESS: gettext_lazy("Dalam proses"),
        FAILED: gettext_lazy("Gagal disalurkan"),
        RETURNED: gettext_lazy("Dikembalikan ke kas negara"),
        CANCELLED: gettext_lazy("Dibatalkan"),
        ENROLLED: gettext_lazy("Terdaftar, belum ada penyaluran"),
    }
    FROM_PAYMENT: dict[str, str] = {
        Payment.Status.PENDING: IN_PROCESS,
        Payment.Status.SENT: IN_PROCESS,
        Payment.Status.PAID: PAID,
        Payment.Status.FAILED: FAILED,
        Payment.Status.RETURNED: RETURNED,
        Payment.Status.CANCELLED: CANCELLED,
    }


@dataclass(frozen=True)
class ProgramStatus:
    code: str  # PKH, BPNT, PBI …
    name: str
    period: str  # YYYY-MM: the disbursement (or, for ENROLLED, the enrolment) period
    tahap: int | None
    status: str  # a PublicStatus value
    status_label: str


@dataclass(frozen=True)
class CheckResult:
    ref: str  # signed (salt "portal.person"): release number, household id, person id
    masked_name: str
    age: int
    village_name: str
    district_name: str
    programs: list[ProgramStatus]


@dataclass(frozen=True)
class PersonRef:
    release_number: int
    household_id: int
    person_id: int


# --- input ------------------------------------------------------------------------------------------
def normalise_name(text: str) -> str:
    """Upper case, diacritics and punctuation removed, spaces collapsed ("Sïti  'Aminah." → "SITI AMINAH")."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub("['`\u2019]", "", text)
    text = re.sub(r"[^A-Za-z]+", " ", text)
    return " ".join(text.upper().split())


def name_check(name: str) -> str:
    """The normalised name, or CheckRefused saying why it cannot be searched."""
    if len(name) > MAX_NAME_LENGTH:
        raise CheckRefused(_("Nama terlalu panjang."))
    if any(ch in WILDCARDS for ch in name):
        raise CheckRefused(_("Nama tidak boleh berisi tanda %, _, * atau ?. Ketik nama sesuai KTP."))
    if any(ch.isdigit() for ch in name):
        raise CheckRefused(_("Nama tidak boleh berisi angka. Ketik nama sesuai KTP."))
    normal = normalise_name(name)
    letters = normal.replace(" ", "")
    if len(letters) < MIN_LETTERS:
        raise CheckRefused(_("Nama terlalu pendek: ketik minimal 3 huruf sesuai KTP."))
    if len(set(letters)) == 1:
        raise CheckRefused(_("Ketik nama lengkap sesuai KTP, bukan huruf yang diulang."))
    return normal


@lru_cache(maxsize=8192)
def _village_names(code: str) -> tuple[str, str] | None:
    """(village name, district name) of a current village code; cached per process (regions are
    reference data that change only with a new decree)."""
    row = (
        Region.objects.filter(code=code, level=Region.Level.VILLAGE)
        .values_list("name", "parent__name")
        .first()
    )
    return (row[0], row[1] or "") if row else None


def village_check(code: str) -> tuple[str, str]:
    """(village name, district name) of a 10-digit village code, or CheckRefused."""
    names = _village_names(code) if re.fullmatch(r"[0-9]{10}", code or "") else None
    if names is None:
        raise CheckRefused(_("Pilih desa/kelurahan dari daftar."))
    return names


# --- masking ----------------------------------------------------------------------------------------
def mask_word(word: str) -> str:
    """The first ceil(n/2) letters, at most 3 and never all, then one * per hidden letter:
    "AMINAH" → "AMI***", "SITI" → "SI**", "ANI" → "AN*", "JO" → "J*", "A" → "*"."""
    keep = min(3, math.ceil(len(word) / 2), len(word) - 1)
    return word[:keep] + "*" * (len(word) - keep)


def mask_name(name: str) -> str:
    return " ".join(mask_word(w) for w in normalise_name(name).split())


def age_on(birth_date: dt.date, today: dt.date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


# --- the release ------------------------------------------------------------------------------------
_latest: tuple[float, tuple[int, int] | None] = (0.0, None)


def latest_published_release() -> tuple[int, int] | None:
    """(id, number) of the latest published release, cached per process for a few seconds."""
    global _latest
    now = time.monotonic()
    if now < _latest[0]:
        return _latest[1]
    row = (
        Release.objects.filter(status=Release.Status.PUBLISHED)
        .order_by("-number")
        .values_list("id", "number")
        .first()
    )
    _latest = (now + RELEASE_CACHE_SECONDS, row)
    return row


def latest_release_forget() -> None:
    global _latest
    _latest = (0.0, None)


# --- the search -------------------------------------------------------------------------------------
def _candidates_sql(*, with_similarity: bool) -> str:
    """The village's persons in one release, from the check's copy (models.CheckEntry: one
    village is a few adjacent pages); with_similarity (PostgreSQL, pg_trgm): only those similar
    enough, best first, at most a given number."""
    ce = CheckEntry._meta.db_table
    if not with_similarity:
        return (
            f"SELECT person_id, household_id, full_name, birth_date FROM {ce} "
            "WHERE release_id = %s AND village_code = %s"
        )
    return (
        "SELECT person_id, household_id, full_name, birth_date, similarity(full_name, %s) AS sim "
        f"FROM {ce} WHERE release_id = %s AND village_code = %s AND similarity(full_name, %s) >= %s "
        "ORDER BY sim DESC, person_id LIMIT %s"
    )


def _matches(release_id: int, village_code: str, name: str) -> list[tuple[int, int, str, dt.date, float]]:
    """(person id, household id, full name, birth date, similarity) of the village's persons whose
    name is similar enough, best first, at most MAX_RESULTS; exact normalised matches first."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # pg_trgm: the candidate set is one village of one release (a few hundred persons),
            # so similarity() over it needs no GIN index.
            cur.execute(
                _candidates_sql(with_similarity=True),
                [name, release_id, village_code, name, SIMILARITY_THRESHOLD, MAX_RESULTS],
            )
            rows = [(r[0], r[1], r[2], r[3], float(r[4])) for r in cur.fetchall()]
        else:
            cur.execute(_candidates_sql(with_similarity=False), [release_id, village_code])
            scored = ((*r, trigram_similarity(r[2], name)) for r in cur.fetchall())
            rows = [r for r in scored if r[4] >= SIMILARITY_THRESHOLD]
            rows.sort(key=lambda r: (-r[4], r[0]))
            rows = rows[:MAX_RESULTS]
    for i, r in enumerate(rows):
        if isinstance(r[3], str):  # SQLite without declared types in a raw query
            rows[i] = (r[0], r[1], r[2], dt.date.fromisoformat(r[3]), r[4])
    rows.sort(key=lambda r: (normalise_name(r[2]) != name, -r[4], r[0]))
    return rows


@lru_cache(maxsize=1)
def _programs() -> dict[int, tuple[str, str]]:
    return {pk: (code, name) for pk, code, name in Program.objects.values_list("id", "code", "name")}


def _program(program_id: int) -> tuple[str, str]:
    programs = _programs()
    if program_id not in programs:
        _programs.cache_clear()
        programs = _programs()
    return programs.get(program_id, ("?", "?"))


def _programs_sql(count: int) -> str:
    """Each entitlement of the families with its latest payment's status (index
    payment_entitlement_idx), and their active enrolments: one statement, plain SQL (no ORM query
    building on the public path: it is a measurable share of a check's time)."""
    ent, pay, enr = Entitlement._meta.db_table, Payment._meta.db_table, Enrollment._meta.db_table
    ids = ", ".join(["%s"] * count)
    return (
        f"SELECT e.household_id, e.program_id, e.period, e.tahap, "
        f"(SELECT p.status FROM {pay} p WHERE p.entitlement_id = e.id ORDER BY p.id DESC LIMIT 1), e.id "
        f"FROM {ent} e WHERE e.household_id IN ({ids}) "
        "UNION ALL "
        f"SELECT n.household_id, n.program_id, n.enrolled_period, NULL, NULL, NULL "
        f"FROM {enr} n WHERE n.household_id IN ({ids}) AND n.status = %s"
    )


def programs_of(household_ids: list[int]) -> dict[int, list[ProgramStatus]]:
    """Each family's programs: the latest entitlement per program with the status of its latest
    payment, and active enrolments without an entitlement yet."""
    out: dict[int, list[ProgramStatus]] = {hh: [] for hh in household_ids}
    if not household_ids:
        return out
    with connection.cursor() as cur:
        cur.execute(
            _programs_sql(len(household_ids)), [*household_ids, *household_ids, Enrollment.Status.ACTIVE]
        )
        rows = cur.fetchall()
    latest: dict[tuple[int, int], tuple[str, int, str]] = {}
    enrolled: dict[tuple[int, int], str] = {}
    # newest entitlement first: the latest period, then the latest row of that period
    for hh, program, period, tahap, paid, _ent_id in sorted(
        (r for r in rows if r[5] is not None), key=lambda r: (r[2], r[5]), reverse=True
    ):
        latest.setdefault((hh, program), (period, tahap, paid or ""))
    for hh, program, period, _tahap, _paid, ent_id in rows:
        if ent_id is None:
            enrolled[(hh, program)] = period
    for (hh, program), (period, tahap, paid) in latest.items():
        status = PublicStatus.FROM_PAYMENT.get(paid, PublicStatus.IN_PROCESS)
        code, name = _program(program)
        out[hh].append(ProgramStatus(code, name, period, tahap, status, str(PublicStatus.LABELS[status])))
    for (hh, program), period in enrolled.items():
        if (hh, program) not in latest:
            code, name = _program(program)
            status = PublicStatus.ENROLLED
            out[hh].append(ProgramStatus(code, name, period, None, status, str(PublicStatus.LABELS[status])))
    for items in out.values():
        items.sort(key=lambda p: p.code)
    return out


def check_search(*, village_code: str, name: str) -> list[CheckResult]:
    """Persons of the chosen village in the latest published release whose name is the typed one
    or close to it (at most MAX_RESULTS), with their family's programs. Refuses bad input with
    CheckRefused; an empty list is "Tidak Terdapat Peserta/PM"."""
    village_name, district_name = village_check(village_code)
    normal = name_check(name)
    release = latest_published_release()
    if release is None:
        return []
    release_id, release_number = release
    rows = _matches(release_id, village_code, normal)
    if not rows:
        return []
    programs = programs_of(sorted({r[1] for r in rows}))
    today = timezone.localdate()
    return [
        CheckResult(
            ref=signing.dumps([release_number, hh, person], salt=REF_SALT, compress=True),
            masked_name=mask_name(full_name),
            age=age_on(birth_date, today),
            village_name=village_name,
            district_name=district_name,
            programs=programs[hh],
        )
        for person, hh, full_name, birth_date, _sim in rows
    ]


def resolve_ref(ref: str, *, max_age: int = REF_MAX_AGE) -> PersonRef | None:
    """The person a check result's `ref` names; None when the token is forged, altered or expired."""
    try:
        number, household_id, person_id = signing.loads(ref, salt=REF_SALT, max_age=max_age)
        return PersonRef(int(number), int(household_id), int(person_id))
    except (signing.BadSignature, ValueError, TypeError):
        return None
