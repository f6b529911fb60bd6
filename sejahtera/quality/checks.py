"""The checks of the registry (issue 6 §1), each one SELECT over the registry that yields the
findings it observes, in the shape of the staging table (STAGE_COLUMNS):

    type, severity, fingerprint, household_id, person_id, other_person_id, related_id, detail,
    village_code

`services.quality_run` inserts every check's rows into a staging table and merges them into
quality_finding on the fingerprint (type + sorted record keys). A check is a named function next
to its test (tests/test_checks.py); every one runs on PostgreSQL and SQLite.

The NIK and KK rules are registry.identifiers' rules, written as SQL once in
registry/imports/sql.py (id_number_errors); `nik_class_sql` reuses them, and a hypothesis test
(tests/test_nik_agreement.py) proves the SQL classification and identifiers.nik_check agree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from sejahtera.registry.imports.pipeline import KNOWN_DISTRICTS
from sejahtera.registry.imports.sql import Dialect, id_number_errors, lit

from .models import FindingType as T
from .models import Severity as S

STAGE_COLUMNS = (
    "type",
    "severity",
    "fingerprint",
    "household_id",
    "person_id",
    "other_person_id",
    "related_id",
    "detail",
    "village_code",
)

# Issue 6 §1 at import: the warning-level checks run over the rows an import just promoted.
IMPORT_TYPES = (
    T.NIK_SEX_MISMATCH,
    T.NIK_BIRTHDATE_MISMATCH,
    T.NIK_REGION_UNKNOWN,
    T.MOTHER_TOO_YOUNG,
    T.AGE_OVER_120,
)


@dataclass(frozen=True)
class Ctx:
    """What a check's SQL needs: the dialect, today, and an optional import job whose rows alone
    are checked. Parameters are named (%(today)s …) and bound by the caller."""

    d: Dialect
    today: dt.date
    import_job_id: int | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def bind(self) -> dict[str, Any]:
        # Born before this day: more than 120 full years old today.
        born_120 = _years_before(self.today, 120)
        return {"today": self.today, "born_120": born_120, "job": self.import_job_id, **self.params}

    def persons(self, alias: str = "p") -> str:
        return f" AND {alias}.import_job_id = %(job)s" if self.import_job_id else ""

    def households(self, alias: str = "h") -> str:
        return f" AND {alias}.import_job_id = %(job)s" if self.import_job_id else ""


def render(check: Callable[[Ctx], str], ctx: Ctx) -> str:
    """A check's SQL ready for cursor.execute with ctx.bind(): a modulo '%' (the NIK date rules)
    is doubled, the named parameters %(name)s are kept."""
    return re.sub(r"%(?!\()", "%%", check(ctx))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Check:
    type: str
    severity: str
    rule: Any  # what the check looks for (shown on the dashboard and in docs/quality.md)
    action: Any  # the suggested action
    sql: Callable[[Ctx], str]
    source: str = "DOMAIN.md §13"


# --- shared SQL pieces ------------------------------------------------------------------------------
def nik_class_sql(d: Dialect, v: str) -> str:
    """The first problem of a NIK held in expression v: FORMAT, DATE_INVALID, SERIAL_ZERO (errors),
    REGION_UNKNOWN (a warning: NOTES.md "Region data and NIK"), or '' for a good NIK. The same
    order as identifiers.nik_check's errors then warnings."""
    whens = " ".join(f"WHEN {cond} THEN {lit(code)}" for cond, code in id_number_errors(d, v, nik=True))
    return f"(CASE {whens} WHEN substr({v}, 1, 6) NOT IN {KNOWN_DISTRICTS} THEN 'REGION_UNKNOWN' ELSE '' END)"


def kk_class_sql(d: Dialect, v: str) -> str:
    """The same for a KK: an unknown issuing district is an error for a KK (identifiers.kk_check)."""
    whens = " ".join(f"WHEN {cond} THEN {lit(code)}" for cond, code in id_number_errors(d, v, nik=False))
    return f"(CASE {whens} WHEN substr({v}, 1, 6) NOT IN {KNOWN_DISTRICTS} THEN 'REGION_UNKNOWN' ELSE '' END)"


def _fp(kind: str, *parts: str) -> str:
    """The fingerprint: the type and the record keys ('p12', 'h3', 'e9') in a fixed order."""
    return " || ':' || ".join([lit(kind), *parts])


def _key(prefix: str, expr: str) -> str:
    return f"{lit(prefix)} || CAST({expr} AS TEXT)"


def _row(
    t: str,
    sev: str,
    fingerprint: str,
    *,
    household: str = "h.id",
    person: str = "NULL",
    other: str = "NULL",
    related: str = "NULL",
    detail: str = "''",
    village: str = "h.village_code",
) -> str:
    return (
        f"SELECT {lit(t)} AS type, {lit(sev)} AS severity, {fingerprint} AS fingerprint, "
        f"{household} AS household_id, {person} AS person_id, {other} AS other_person_id, "
        f"{related} AS related_id, {detail} AS detail, {village} AS village_code"
    )


ACTIVE_PERSONS = (
    "registry_person p JOIN registry_household h ON h.id = p.household_id "
    "WHERE p.status = 'ACTIVE' AND h.status = 'ACTIVE'"
)


def _date_part(d: Dialect, expr: str, part: str) -> str:
    """Day, month or two-digit year of a date column as an integer."""
    if d.pg:
        if part == "yy":
            return f"CAST(MOD(CAST(EXTRACT(YEAR FROM {expr}) AS INTEGER), 100) AS INTEGER)"
        return f"CAST(EXTRACT({'DAY' if part == 'dd' else 'MONTH'} FROM {expr}) AS INTEGER)"
    start, length = {"dd": (9, 2), "mm": (6, 2), "yy": (3, 2)}[part]
    return f"CAST(substr({expr}, {start}, {length}) AS INTEGER)"


def _plus_years(d: Dialect, expr: str, years: int) -> str:
    if d.pg:
        return f"CAST({expr} + INTERVAL '{years} years' AS date)"
    return f"date({expr}, '+{years} years')"


def _month_start(d: Dialect, period: str) -> str:
    """The first day of a 'YYYY-MM' period column, comparable with a date column."""
    return f"CAST({period} || '-01' AS date)" if d.pg else f"({period} || '-01')"


# --- the checks ----------------------------------------------------------------------------------------
def _nik_classified(ctx: Ctx) -> str:
    return (
        f"SELECT p.id AS pid, p.nik AS nik, p.sex AS sex, p.birth_date AS birth_date, h.id AS hid, "
        f"h.village_code AS village_code, {nik_class_sql(ctx.d, 'p.nik')} AS cls "
        f"FROM {ACTIVE_PERSONS}{ctx.persons()}"
    )


def _from_classified(t: str, sev: str, ctx: Ctx, where: str, detail: str) -> str:
    return (
        _row(
            t,
            sev,
            _fp(t, _key("p", "x.pid")),
            household="x.hid",
            person="x.pid",
            detail=detail,
            village="x.village_code",
        )
        + f" FROM ({_nik_classified(ctx)}) x WHERE {where}"
    )


def nik_invalid_sql(ctx: Ctx) -> str:
    """16 digits, a real date (day 1-31, or 41-71 for women; month 1-12), serial not 0000."""
    return _from_classified(
        T.NIK_INVALID, S.ERROR, ctx, "x.cls IN ('FORMAT', 'DATE_INVALID', 'SERIAL_ZERO')", "x.cls"
    )


def nik_region_unknown_sql(ctx: Ctx) -> str:
    """A well-formed NIK whose district is neither a current nor a historical code."""
    return _from_classified(
        T.NIK_REGION_UNKNOWN, S.WARNING, ctx, "x.cls = 'REGION_UNKNOWN'", "substr(x.nik, 1, 6)"
    )


def _nik_day(v: str, d: Dialect) -> str:
    return d.to_int(f"substr({v}, 7, 2)")


def nik_sex_mismatch_sql(ctx: Ctx) -> str:
    """Day > 40 in the NIK if and only if the person is a woman."""
    dd = _nik_day("x.nik", ctx.d)
    return _from_classified(
        T.NIK_SEX_MISMATCH,
        S.WARNING,
        ctx,
        f"x.cls IN ('', 'REGION_UNKNOWN') AND ((x.sex = 'P') <> ({dd} > 40))",
        "x.sex || ' / ' || substr(x.nik, 7, 2)",
    )


def nik_birthdate_mismatch_sql(ctx: Ctx) -> str:
    """The NIK's DDMMYY (day less 40 for women) is the birth date."""
    d = ctx.d
    dd = _nik_day("x.nik", d)
    day = f"(CASE WHEN {dd} > 40 THEN {dd} - 40 ELSE {dd} END)"
    differs = (
        f"{day} <> {_date_part(d, 'x.birth_date', 'dd')} "
        f"OR {d.to_int('substr(x.nik, 9, 2)')} <> {_date_part(d, 'x.birth_date', 'mm')} "
        f"OR {d.to_int('substr(x.nik, 11, 2)')} <> {_date_part(d, 'x.birth_date', 'yy')}"
    )
    return _from_classified(
        T.NIK_BIRTHDATE_MISMATCH,
        S.WARNING,
        ctx,
        f"x.cls IN ('', 'REGION_UNKNOWN') AND ({differs})",
        "substr(x.nik, 7, 6) || ' / ' || CAST(x.birth_date AS TEXT)",
    )


def kk_invalid_sql(ctx: Ctx) -> str:
    """An active household's KK: 16 digits, a real recording date, serial not 0000, a known district."""
    cls = kk_class_sql(ctx.d, "h.kk_number")
    inner = (
        f"SELECT h.id AS hid, h.village_code AS village_code, {cls} AS cls "
        f"FROM registry_household h WHERE h.status = 'ACTIVE'{ctx.households()}"
    )
    return (
        _row(
            T.KK_INVALID,
            S.ERROR,
            _fp(T.KK_INVALID, _key("h", "x.hid")),
            household="x.hid",
            detail="x.cls",
            village="x.village_code",
        )
        + f" FROM ({inner}) x WHERE x.cls <> ''"
    )


def nik_duplicate_sql(ctx: Ctx) -> str:
    """An active person's NIK is also a deceased person's. Two ACTIVE persons cannot share a NIK:
    the partial unique index person_one_active_per_nik refuses it, and the import refuses a NIK
    already registered in any status (NOT_ACTIVE, ALREADY_REGISTERED, DUPLICATE_IN_FILE). What
    remains possible is a living record carrying a dead person's NIK (a member added through the
    update cycle or an edit, or rows older than the constraint): the identity of one of them is wrong."""
    return (
        _row(
            T.NIK_DUPLICATE,
            S.ERROR,
            _fp(T.NIK_DUPLICATE, _key("p", "p.id"), _key("p", "o.id")),
            person="p.id",
            other="o.id",
            detail="p.nik",
        )
        + " FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
        "JOIN registry_person o ON o.nik = p.nik AND o.id <> p.id AND o.status = 'DECEASED' "
        f"WHERE p.status = 'ACTIVE' AND h.status = 'ACTIVE'{ctx.persons()}"
    )


def person_in_two_households_sql(ctx: Ctx) -> str:
    """A NIK listed in two active households: active in one, put to sleep ("ditidurkan", not as a
    duplicate) in another. Waking the sleeping record would be refused by the unique index; until
    then the person is listed twice and the two families' data disagree."""
    return (
        _row(
            T.PERSON_IN_TWO_HOUSEHOLDS,
            S.WARNING,
            _fp(T.PERSON_IN_TWO_HOUSEHOLDS, _key("p", "p.id"), _key("p", "o.id")),
            person="p.id",
            other="o.id",
            detail="p.nik",
        )
        + " FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
        "JOIN registry_person o ON o.nik = p.nik AND o.id <> p.id AND o.household_id <> p.household_id "
        "JOIN registry_household oh ON oh.id = o.household_id AND oh.status = 'ACTIVE' "
        "WHERE p.status = 'ACTIVE' AND h.status = 'ACTIVE' AND o.status = 'INACTIVE' "
        f"AND o.inactive_reason <> 'DUPLICATE'{ctx.persons()}"
    )


def _heads(ctx: Ctx) -> str:
    return (
        "SELECT h.id AS hid, h.village_code AS village_code, "
        "SUM(CASE WHEN p.relationship = 'HEAD' THEN 1 ELSE 0 END) AS heads "
        f"FROM {ACTIVE_PERSONS}{ctx.households()} GROUP BY h.id, h.village_code"
    )


def household_no_head_sql(ctx: Ctx) -> str:
    """An active household with active members, none of them the head (kepala keluarga)."""
    return (
        _row(
            T.HOUSEHOLD_NO_HEAD,
            S.WARNING,
            _fp(T.HOUSEHOLD_NO_HEAD, _key("h", "x.hid")),
            household="x.hid",
            village="x.village_code",
        )
        + f" FROM ({_heads(ctx)}) x WHERE x.heads = 0"
    )


def household_many_heads_sql(ctx: Ctx) -> str:
    """An active household with more than one active head."""
    return (
        _row(
            T.HOUSEHOLD_MANY_HEADS,
            S.WARNING,
            _fp(T.HOUSEHOLD_MANY_HEADS, _key("h", "x.hid")),
            household="x.hid",
            detail="CAST(x.heads AS TEXT)",
            village="x.village_code",
        )
        + f" FROM ({_heads(ctx)}) x WHERE x.heads > 1"
    )


def mother_too_young_sql(ctx: Ctx) -> str:
    """A woman who heads the family or is the head's spouse, less than 12 years older than a child
    of the family."""
    scope = " AND (m.import_job_id = %(job)s OR c.import_job_id = %(job)s)" if ctx.import_job_id else ""
    return (
        _row(
            T.MOTHER_TOO_YOUNG,
            S.WARNING,
            _fp(T.MOTHER_TOO_YOUNG, _key("p", "m.id"), _key("p", "c.id")),
            person="m.id",
            other="c.id",
            detail="CAST(m.birth_date AS TEXT) || ' / ' || CAST(c.birth_date AS TEXT)",
        )
        + " FROM registry_person m JOIN registry_household h ON h.id = m.household_id "
        "JOIN registry_person c ON c.household_id = m.household_id AND c.status = 'ACTIVE' "
        "AND c.relationship = 'CHILD' "
        "WHERE m.status = 'ACTIVE' AND h.status = 'ACTIVE' AND m.sex = 'P' "
        f"AND m.relationship IN ('HEAD', 'SPOUSE') AND c.birth_date < {_plus_years(ctx.d, 'm.birth_date', 12)}"
        f"{scope}"
    )


def _person_rule(t: str, sev: str, ctx: Ctx, where: str, detail: str) -> str:
    return (
        _row(t, sev, _fp(t, _key("p", "p.id")), person="p.id", detail=detail)
        + f" FROM {ACTIVE_PERSONS}{ctx.persons()} AND {where}"
    )


def age_over_120_sql(ctx: Ctx) -> str:
    """Born more than 120 years ago."""
    return _person_rule(
        T.AGE_OVER_120, S.WARNING, ctx, "p.birth_date < %(born_120)s", "CAST(p.birth_date AS TEXT)"
    )


def birth_in_future_sql(ctx: Ctx) -> str:
    """Born after today."""
    return _person_rule(
        T.BIRTH_IN_FUTURE, S.ERROR, ctx, "p.birth_date > %(today)s", "CAST(p.birth_date AS TEXT)"
    )


def name_empty_sql(ctx: Ctx) -> str:
    """A name that is empty or only spaces (BPK found 5,702 empty names, DOMAIN.md §13)."""
    return _person_rule(T.NAME_EMPTY, S.ERROR, ctx, "trim(p.full_name) = ''", "''")


def deceased_counted_sql(ctx: Ctx) -> str:
    """A deceased person counted in an entitlement for a period that starts after the death.

    A program run counts a release member unless the registry has them DECEASED with a death date
    before the period's first day (programs.sql.counted_member_sql), so a run after the death was
    recorded never counts them. What slips through is an entitlement computed before the death was
    recorded: the person was in the entitlement's release, died before its period, and the
    registry row changed (the death) after the entitlement was created."""
    d = ctx.d
    return (
        _row(
            T.DECEASED_COUNTED,
            S.ERROR,
            _fp(T.DECEASED_COUNTED, _key("p", "p.id"), _key("e", "e.id")),
            person="p.id",
            related="e.id",
            detail="pr.code || ' ' || e.period",
        )
        + " FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
        "JOIN programs_entitlement e ON e.household_id = p.household_id "
        "JOIN programs_program pr ON pr.id = e.program_id "
        "JOIN updates_releaseperson rp ON rp.release_id = e.release_id AND rp.person_id = p.id "
        "WHERE p.status = 'DECEASED' "
        f"AND (p.death_date IS NULL OR p.death_date < {_month_start(d, 'e.period')}) "
        f"AND e.created_at < p.updated_at{ctx.persons()}"
    )


CHECKS: tuple[Check, ...] = (
    Check(
        T.NIK_INVALID,
        S.ERROR,
        _("16 digit; tanggal (hari 1-31, perempuan 41-71; bulan 1-12) sah; nomor urut bukan 0000"),
        _("Perbaiki NIK dari KTP-el/KK atau padankan ke Dukcapil; tahan bantuan sampai NIK sah."),
        nik_invalid_sql,
        "DOMAIN.md §5, §13 (10,9 jt NIK tidak valid)",
    ),
    Check(
        T.NIK_REGION_UNKNOWN,
        S.WARNING,
        _("Kode kecamatan NIK tidak ada di tabel wilayah, baik yang berlaku maupun yang lama"),
        _("Periksa NIK pada KTP-el; bila kode wilayah lama (pemekaran), cukup abaikan dengan alasan."),
        nik_region_unknown_sql,
        "DOMAIN.md §5; NOTES.md",
    ),
    Check(
        T.KK_INVALID,
        S.ERROR,
        _("16 digit; tanggal pencatatan sah; nomor urut bukan 0000; kode kecamatan dikenal"),
        _("Perbaiki No. KK dari dokumen KK melalui usulan perubahan."),
        kk_invalid_sql,
        "DOMAIN.md §5, §13 (16,4 jt KK tidak valid)",
    ),
    Check(
        T.NIK_SEX_MISMATCH,
        S.WARNING,
        _("Tanggal NIK > 40 jika dan hanya jika perempuan"),
        _(
            "Periksa jenis kelamin pada KTP-el; NIK tidak diterbitkan ulang, perbaiki jenis kelamin bila salah."
        ),
        nik_sex_mismatch_sql,
        "DOMAIN.md §5",
    ),
    Check(
        T.NIK_BIRTHDATE_MISMATCH,
        S.WARNING,
        _("DDMMYY pada NIK sama dengan tanggal lahir"),
        _("Periksa tanggal lahir pada KTP-el/akta; padankan ke Dukcapil."),
        nik_birthdate_mismatch_sql,
        "DOMAIN.md §5",
    ),
    Check(
        T.NIK_DUPLICATE,
        S.ERROR,
        _("NIK orang aktif juga tercatat pada orang yang meninggal"),
        _("Padankan kedua orang ke Dukcapil; nonaktifkan catatan yang salah dan tahan bantuan."),
        nik_duplicate_sql,
        "DOMAIN.md §13 (1,06 jt NIK ganda)",
    ),
    Check(
        T.PERSON_IN_TWO_HOUSEHOLDS,
        S.WARNING,
        _("NIK aktif di satu keluarga dan ditidurkan (bukan sebagai data ganda) di keluarga aktif lain"),
        _("Tentukan keluarga yang benar; gabungkan atau tidurkan catatan lain sebagai data ganda."),
        person_in_two_households_sql,
        "DOMAIN.md §13 (data ganda)",
    ),
    Check(
        T.HOUSEHOLD_NO_HEAD,
        S.WARNING,
        _("Keluarga aktif tanpa anggota aktif berstatus kepala keluarga"),
        _("Tetapkan kepala keluarga sesuai KK melalui usulan perubahan."),
        household_no_head_sql,
    ),
    Check(
        T.HOUSEHOLD_MANY_HEADS,
        S.WARNING,
        _("Keluarga aktif dengan lebih dari satu kepala keluarga aktif"),
        _("Perbaiki hubungan keluarga sesuai KK; mungkin dua keluarga tercampur."),
        household_many_heads_sql,
    ),
    Check(
        T.MOTHER_TOO_YOUNG,
        S.WARNING,
        _("Perempuan kepala keluarga/istri kurang dari 12 tahun lebih tua dari anak"),
        _("Periksa tanggal lahir dan hubungan keluarga (mungkin cucu atau anak angkat)."),
        mother_too_young_sql,
    ),
    Check(
        T.AGE_OVER_120,
        S.WARNING,
        _("Umur lebih dari 120 tahun"),
        _("Periksa tanggal lahir; bila sudah meninggal, laporkan peristiwa kematian."),
        age_over_120_sql,
    ),
    Check(
        T.BIRTH_IN_FUTURE,
        S.ERROR,
        _("Tanggal lahir setelah hari ini"),
        _("Perbaiki tanggal lahir dari akta/KTP-el."),
        birth_in_future_sql,
    ),
    Check(
        T.NAME_EMPTY,
        S.ERROR,
        _("Nama lengkap kosong"),
        _("Lengkapi nama dari KTP-el/KK melalui usulan perubahan."),
        name_empty_sql,
        "DOMAIN.md §13 (5.702 nama kosong)",
    ),
    Check(
        T.DECEASED_COUNTED,
        S.ERROR,
        _("Orang meninggal dihitung dalam hak bantuan untuk periode setelah kematiannya"),
        _(
            "Tahan atau batalkan pembayaran yang belum dikirim; hitung ulang hak; tagih kembali bila sudah tersalur."
        ),
        deceased_counted_sql,
        "DOMAIN.md §13 (PKH Rp26,5 M kepada yang meninggal)",
    ),
)
CHECKS_BY_TYPE = {c.type: c for c in CHECKS}

# Raised by padan (services/padan.py), not by a check run; listed for the dashboard and docs.
PADAN_ACTIONS: dict[str, tuple[str, Any, Any]] = {
    T.PADAN_NOT_MATCHED: (
        S.ERROR,
        _("NIK ditemukan di Dukcapil, nama tidak cukup mirip"),
        _(
            "Verifikasi identitas; perbaiki nama atau NIK; pengecualian hanya oleh dinas kabupaten dengan alasan."
        ),
    ),
    T.PADAN_NOT_FOUND: (
        S.ERROR,
        _("NIK tidak ditemukan di Dukcapil"),
        _("Minta KTP-el/KK; perbaiki NIK atau rujuk ke Dukcapil untuk perekaman."),
    ),
    T.DUKCAPIL_DECEASED: (
        S.ERROR,
        _("Dukcapil mencatat orang ini meninggal"),
        _("Ajukan peristiwa kematian (sejahtera events apply); tahan pembayaran. Tidak diterapkan otomatis."),
    ),
}


def suggested_action(t: str) -> Any:
    if t in CHECKS_BY_TYPE:
        return CHECKS_BY_TYPE[t].action
    return PADAN_ACTIONS[t][2] if t in PADAN_ACTIONS else ""


def rule_of(t: str) -> Any:
    if t in CHECKS_BY_TYPE:
        return CHECKS_BY_TYPE[t].rule
    return PADAN_ACTIONS[t][1] if t in PADAN_ACTIONS else ""
