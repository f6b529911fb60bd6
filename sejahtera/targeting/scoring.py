"""The proxy-means test: what a scoring model may use, how its weights document is checked, and the
one score computed two ways — as a single SQL expression for every household of a release, and in
plain Python for one household (its explanation page). Both read the same parsed `Spec`, and
`tests/test_scoring_agrees.py` proves that they agree.

A score is a sum of integer points: an intercept plus one term per variable. A higher score is a
better-off household; decile 1 holds the poorest tenth (DOMAIN.md §0 "Desil").

SQL safety: the expression is made only of the identifiers in VARIABLES (written here, never read
from a document), integer literals formatted from validated ints, the code values of the
registry's code lists, and two-digit province codes checked against a pattern. No text of a weights
document reaches the SQL.

The Kepmensos 262/HUK/2022 criteria (DOMAIN.md §4.4) are a checklist beside the score: each one the
registry's columns can answer is a bit of `criteria_mask`; the others are listed as not answerable.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sejahtera.common.errors import DomainError
from sejahtera.registry import codes

Label = str | Promise
Kind = Literal["coded", "flag", "number"]
Source = Literal["household", "members"]

# Bounds that keep every score inside a 32-bit integer: at most ~60 terms of at most this magnitude.
POINTS_LIMIT = 10_000
THRESHOLD_LIMIT = 1_000_000
# The dependency ratio of a household with dependants and nobody aged 15-59 (and its cap).
DEPENDENCY_CAP = 1000


@dataclass(frozen=True)
class Variable:
    name: str
    label: Label
    kind: Kind
    source: Source
    # An SQL expression over `h` (registry_household) and `m` (the member aggregate, MEMBERS_SQL):
    # the value for a coded or number variable, a condition for a flag.
    sql: str
    codes: tuple[tuple[int | str, Label], ...] = ()
    unit: Label = ""

    def code_label(self, value: Any) -> str:
        return next((str(label) for code, label in self.codes if code == value), str(value))


def _coded(
    name: str, label: Label, choices: Any, *, sql: str | None = None, source: Source = "household"
) -> Variable:
    return Variable(name, label, "coded", source, sql or f"h.{name}", tuple(choices.choices))


def _flag(name: str, label: Label, *, sql: str | None = None, source: Source = "household") -> Variable:
    return Variable(name, label, "flag", source, sql or f"h.{name}")


def _number(
    name: str, label: Label, unit: Label, *, sql: str | None = None, source: Source = "household"
) -> Variable:
    return Variable(name, label, "number", source, sql or f"h.{name}", unit=unit)


_M: Source = "members"
# Education levels in increasing order: several heads (a data error) give the highest, the same in
# SQL and Python whatever the database's collation.
EDUCATION_ORDER: tuple[str, ...] = tuple(codes.Education.values)
_EDUCATION_RANK = " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(EDUCATION_ORDER))
_EDUCATION_OF_RANK = " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(EDUCATION_ORDER))
_DEPENDANTS = "(COALESCE(m.children, 0) + COALESCE(m.elderly, 0))"
_RATIO = f"100 * {_DEPENDANTS} / m.working_age"

VARIABLES: tuple[Variable, ...] = (
    # --- housing (DOMAIN.md §4.1) -------------------------------------------------------------------
    _coded("tenure_status", _("Status penguasaan bangunan"), codes.TenureStatus),
    _coded("land_status", _("Status lahan"), codes.LandStatus),
    _coded("floor_type", _("Jenis lantai terluas"), codes.FloorType),
    _coded("wall_type", _("Jenis dinding terluas"), codes.WallType),
    _coded("wall_condition", _("Kondisi dinding"), codes.Condition),
    _coded("roof_type", _("Jenis atap terluas"), codes.RoofType),
    _coded("roof_condition", _("Kondisi atap"), codes.Condition),
    _coded("water_source", _("Sumber air minum"), codes.WaterSource),
    _coded("water_acquisition", _("Cara memperoleh air minum"), codes.WaterAcquisition),
    _coded("lighting_source", _("Sumber penerangan"), codes.LightingSource),
    _coded("power_capacity", _("Daya listrik terpasang"), codes.PowerCapacity),
    _coded("cooking_fuel", _("Bahan bakar memasak"), codes.CookingFuel),
    _coded("toilet_facility", _("Fasilitas BAB"), codes.ToiletFacility),
    _coded("toilet_type", _("Jenis kloset"), codes.ToiletType),
    _coded("sewage_disposal", _("Pembuangan akhir tinja"), codes.SewageDisposal),
    _number(
        "floor_area_per_person",
        _("Luas lantai per anggota"),
        "m²",
        # Whole square metres (integer division, as in Python); none when the area is not recorded.
        sql="CASE WHEN m.members > 0 THEN h.floor_area_m2 / m.members END",
    ),
    _number("bedrooms", _("Jumlah kamar tidur"), _("kamar")),
    # --- assets (DOMAIN.md §4.2) --------------------------------------------------------------------
    _flag("has_gas_cylinder", _("Tabung gas 5,5 kg atau lebih")),
    _flag("has_refrigerator", _("Lemari es")),
    _flag("has_air_conditioner", _("AC")),
    _flag("has_water_heater", _("Pemanas air")),
    _flag("has_landline", _("Telepon rumah")),
    _flag("has_television", _("Televisi")),
    _flag("has_flat_tv", _("TV layar datar 30 inci atau lebih")),
    _flag("has_gold_savings", _("Emas/perhiasan/tabungan")),
    _flag("has_computer", _("Komputer/laptop")),
    _flag("has_bicycle", _("Sepeda")),
    _flag("has_motorcycle", _("Sepeda motor")),
    _flag("has_car", _("Mobil")),
    _flag("has_boat", _("Perahu")),
    _flag("has_outboard_motor", _("Motor tempel")),
    _flag("has_motorboat", _("Perahu motor")),
    _flag("has_ship", _("Kapal")),
    _number("phone_numbers", _("Nomor HP aktif"), _("nomor")),
    _flag("owns_land", _("Memiliki lahan")),
    _flag("has_other_house", _("Rumah di tempat lain")),
    _number("cattle", _("Sapi"), _("ekor")),
    _number("buffalo", _("Kerbau"), _("ekor")),
    _number("horses", _("Kuda"), _("ekor")),
    _number("pigs", _("Babi"), _("ekor")),
    _number("goats", _("Kambing"), _("ekor")),
    _flag("has_business", _("Ada anggota yang berusaha sendiri")),
    # --- members: ACTIVE persons of the household, ages at the release period's first day (§4.3) ------
    _number("members", _("Jumlah anggota"), _("orang"), sql="COALESCE(m.members, 0)", source=_M),
    _number(
        "children_under_15", _("Anak di bawah 15 tahun"), _("orang"), sql="COALESCE(m.children, 0)", source=_M
    ),
    _number(
        "elderly_60_plus",
        _("Lanjut usia 60 tahun ke atas"),
        _("orang"),
        sql="COALESCE(m.elderly, 0)",
        source=_M,
    ),
    _number(
        "members_disabled",
        _("Anggota penyandang disabilitas"),
        _("orang"),
        sql="COALESCE(m.disabled, 0)",
        source=_M,
    ),
    _number(
        "members_chronic_ill",
        _("Anggota berpenyakit kronis"),
        _("orang"),
        sql="COALESCE(m.chronic, 0)",
        source=_M,
    ),
    _number(
        "members_working", _("Anggota yang bekerja"), _("orang"), sql="COALESCE(m.working, 0)", source=_M
    ),
    _number(
        "dependency_ratio",
        _("Rasio ketergantungan"),
        _("per 100 anggota usia 15-59"),
        # Dependants (under 15 or 60+) per 100 members aged 15-59, whole numbers, capped; with
        # dependants and nobody aged 15-59 it is the cap.
        sql=(
            f"CASE WHEN COALESCE(m.working_age, 0) = 0 THEN CASE WHEN {_DEPENDANTS} > 0 "
            f"THEN {DEPENDENCY_CAP} ELSE 0 END WHEN {_RATIO} > {DEPENDENCY_CAP} THEN {DEPENDENCY_CAP} "
            f"ELSE {_RATIO} END"
        ),
        source=_M,
    ),
    _coded(
        "head_education",
        _("Ijazah tertinggi kepala keluarga"),
        codes.Education,
        sql=f"CASE m.head_education {_EDUCATION_OF_RANK} END",
        source=_M,
    ),
    _flag("head_working", _("Kepala keluarga bekerja"), sql="m.head_working = 1", source=_M),
    _flag("head_female", _("Kepala keluarga perempuan"), sql="m.head_female = 1", source=_M),
)
BY_NAME: dict[str, Variable] = {v.name: v for v in VARIABLES}

# The member aggregate the expression reads as `m`: ACTIVE persons per household. %(under15)s is
# the first birth date under 15 at the reference date (born after it), %(age15)s likewise and
# %(age60)s the last birth date of a person aged 60 or more. Several heads (a data error): the
# largest value, as Python's max().
MEMBERS_SQL = f"""
    SELECT p.household_id,
           COUNT(*) AS members,
           SUM(CASE WHEN p.birth_date > %(age15)s THEN 1 ELSE 0 END) AS children,
           SUM(CASE WHEN p.birth_date <= %(age60)s THEN 1 ELSE 0 END) AS elderly,
           SUM(CASE WHEN p.birth_date <= %(age15)s AND p.birth_date > %(age60)s THEN 1 ELSE 0 END)
               AS working_age,
           SUM(CASE WHEN p.disability <> 1 OR p.disability_severity <> 'NONE' THEN 1 ELSE 0 END) AS disabled,
           SUM(CASE WHEN p.chronic_illness <> 1 THEN 1 ELSE 0 END) AS chronic,
           SUM(CASE WHEN p.work_sector <> 0 THEN 1 ELSE 0 END) AS working,
           MAX(CASE WHEN p.relationship = 'HEAD' THEN CASE p.education {_EDUCATION_RANK} END END)
               AS head_education,
           MAX(CASE WHEN p.relationship = 'HEAD' THEN CASE WHEN p.work_sector <> 0 THEN 1 ELSE 0 END END)
               AS head_working,
           MAX(CASE WHEN p.relationship = 'HEAD' THEN CASE WHEN p.sex = 'P' THEN 1 ELSE 0 END END)
               AS head_female
    FROM registry_person p
    WHERE p.status = 'ACTIVE'
    GROUP BY p.household_id
"""


def period_start(period: str) -> dt.date:
    """The first day of a release period YYYY-MM: the reference date of ages and of the model."""
    return dt.date(int(period[:4]), int(period[5:7]), 1)


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_params(reference: dt.date) -> dict[str, dt.date]:
    """The birth-date limits MEMBERS_SQL compares with (ages in full years at `reference`)."""
    return {"age15": years_before(reference, 15), "age60": years_before(reference, 60)}


# --- the weights document ------------------------------------------------------------------------------
TermKind = Literal["points", "if_true", "per_unit", "at_least"]
_TERM_KEYS: dict[TermKind, set[str]] = {
    "points": {"points"},
    "if_true": {"if_true"},
    "per_unit": {"per_unit", "max_units"},
    "at_least": {"at_least"},
}
_KINDS_FOR: dict[Kind, tuple[TermKind, ...]] = {
    "coded": ("points",),
    "flag": ("if_true",),
    "number": ("per_unit", "at_least"),
}
_PROVINCE = re.compile(r"^[0-9]{2}$")


@dataclass(frozen=True)
class Term:
    variable: str
    kind: TermKind
    points: Mapping[int | str, int] = field(default_factory=dict)  # coded: code -> points
    if_true: int = 0
    per_unit: int = 0
    max_units: int = 0
    at_least: tuple[tuple[int, int], ...] = ()  # (threshold, points), thresholds increasing

    def points_for(self, value: Any) -> int:
        """The points of this term for a value (None: not recorded, no points)."""
        if value is None:
            return 0
        if self.kind == "points":
            return self.points.get(value, 0)
        if self.kind == "if_true":
            return self.if_true if value else 0
        if self.kind == "per_unit":
            return self.per_unit * min(int(value), self.max_units)
        for threshold, pts in reversed(self.at_least):
            if value >= threshold:
                return pts
        return 0

    def sql(self) -> str:
        var = BY_NAME[self.variable]
        if self.kind == "points":
            whens = " ".join(f"WHEN {_code_literal(var, c)} THEN {_int(p)}" for c, p in self.points.items())
            return f"CASE {var.sql} {whens} ELSE 0 END" if whens else "0"
        if self.kind == "if_true":
            return f"CASE WHEN {var.sql} THEN {_int(self.if_true)} ELSE 0 END"
        if self.kind == "per_unit":
            v, top = var.sql, _int(self.max_units)
            return (
                f"CASE WHEN ({v}) IS NULL THEN 0 WHEN ({v}) > {top} THEN {_int(self.per_unit * self.max_units)} "
                f"ELSE {_int(self.per_unit)} * ({v}) END"
            )
        whens = " ".join(f"WHEN ({var.sql}) >= {_int(t)} THEN {_int(p)}" for t, p in reversed(self.at_least))
        return f"CASE {whens} ELSE 0 END"

    def describe(self) -> list[tuple[str, int]]:
        """(condition, points) lines for the model's page."""
        var = BY_NAME[self.variable]
        if self.kind == "points":
            return [(var.code_label(c), p) for c, p in self.points.items()]
        if self.kind == "if_true":
            return [(str(_("Ya")), self.if_true)]
        if self.kind == "per_unit":
            return [
                (
                    str(
                        _("per %(unit)s, paling banyak %(n)s")
                        % {"unit": var.unit or "1", "n": self.max_units}
                    ),
                    self.per_unit,
                )
            ]
        return [(f"≥ {t} {var.unit}".strip(), p) for t, p in self.at_least]


@dataclass(frozen=True)
class Spec:
    """A validated weights document."""

    intercept: int
    terms: Mapping[str, Term]  # variable name -> term, in VARIABLES order
    provinces: Mapping[str, ProvinceSpec]


@dataclass(frozen=True)
class ProvinceSpec:
    intercept: int | None
    terms: Mapping[str, Term]


class WeightsInvalid(DomainError):
    """A weights document that cannot be used; `errors` names each term and the reason."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _int(value: int) -> str:
    # Only ever an int (validated): what goes into the SQL text is its decimal form.
    if type(value) is not int:
        raise TypeError(f"not an int: {value!r}")
    return str(value)


def _code_literal(var: Variable, code: int | str) -> str:
    allowed = {c for c, _label in var.codes}
    if code not in allowed:
        raise ValueError(f"{var.name}: {code!r} is not a code")
    if isinstance(code, int):
        return _int(code)
    if not re.fullmatch(r"[A-Z0-9_]+", code):  # the registry's text codes: NONE, SD, S2_S3 ...
        raise ValueError(f"{var.name}: {code!r}")
    return f"'{code}'"


def _is_int(value: Any) -> bool:
    return type(value) is int  # not bool, not float


def _parse_term(raw: Any, where: str, errors: list[str]) -> Term | None:
    if not isinstance(raw, dict):
        errors.append(f"{where}: harus berupa objek JSON dengan 'variable'")
        return None
    name = raw.get("variable")
    if not isinstance(name, str) or name not in BY_NAME:
        errors.append(f"{where}: variabel {name!r} tidak dikenal (lihat daftar variabel)")
        return None
    where = f"{where} ({name})"
    var = BY_NAME[name]
    keys = set(raw) - {"variable", "note"}
    kinds = [k for k in _KINDS_FOR[var.kind] if _TERM_KEYS[k] & keys]
    if len(kinds) != 1:
        expected = " atau ".join("/".join(sorted(_TERM_KEYS[k])) for k in _KINDS_FOR[var.kind])
        errors.append(f"{where}: harus memakai tepat satu bentuk: {expected}")
        return None
    kind = kinds[0]
    extra = keys - _TERM_KEYS[kind]
    if extra:
        errors.append(f"{where}: kunci tidak dikenal {', '.join(sorted(extra))}")
        return None
    missing = _TERM_KEYS[kind] - keys
    if missing:
        errors.append(f"{where}: kurang {', '.join(sorted(missing))}")
        return None

    def points_ok(value: Any, what: str) -> bool:
        if not _is_int(value) or abs(value) > POINTS_LIMIT:
            errors.append(f"{where}: {what} harus bilangan bulat antara -{POINTS_LIMIT} dan {POINTS_LIMIT}")
            return False
        return True

    if kind == "points":
        table = raw["points"]
        if not isinstance(table, dict) or not table:
            errors.append(f"{where}: 'points' harus objek kode → poin yang tidak kosong")
            return None
        by_text = {str(c): c for c, _label in var.codes}
        parsed: dict[int | str, int] = {}
        for key, pts in table.items():
            code = by_text.get(str(key))
            if code is None:
                valid = ", ".join(str(c) for c, _label in var.codes)
                errors.append(f"{where}: kode {key!r} tidak dikenal; kode yang sah: {valid}")
                continue
            if points_ok(pts, f"poin kode {key}"):
                parsed[code] = pts
        if len(parsed) != len(table):
            return None
        ordered = {c: parsed[c] for c, _label in var.codes if c in parsed}
        return Term(name, kind, points=ordered)
    if kind == "if_true":
        return Term(name, kind, if_true=raw["if_true"]) if points_ok(raw["if_true"], "if_true") else None
    if kind == "per_unit":
        per, top = raw["per_unit"], raw["max_units"]
        if not _is_int(top) or not 1 <= top <= POINTS_LIMIT:
            errors.append(f"{where}: max_units harus bilangan bulat 1-{POINTS_LIMIT}")
            return None
        if not points_ok(per, "per_unit"):
            return None
        if abs(per * top) > POINTS_LIMIT:
            errors.append(f"{where}: per_unit x max_units melebihi {POINTS_LIMIT} poin")
            return None
        return Term(name, kind, per_unit=per, max_units=top)
    steps = raw["at_least"]
    if not isinstance(steps, list) or not steps:
        errors.append(f"{where}: 'at_least' harus daftar [ambang, poin] yang tidak kosong")
        return None
    pairs: list[tuple[int, int]] = []
    for step in steps:
        if not (isinstance(step, list) and len(step) == 2 and all(_is_int(x) for x in step)):
            errors.append(f"{where}: setiap langkah at_least berbentuk [ambang, poin] bilangan bulat")
            return None
        threshold, pts = step
        if not 0 <= threshold <= THRESHOLD_LIMIT:
            errors.append(f"{where}: ambang {threshold} di luar 0-{THRESHOLD_LIMIT}")
            return None
        if not points_ok(pts, f"poin ambang {threshold}"):
            return None
        pairs.append((threshold, pts))
    if any(b[0] <= a[0] for a, b in itertools.pairwise(pairs)):
        errors.append(f"{where}: ambang at_least harus naik tegas")
        return None
    return Term(name, kind, at_least=tuple(pairs))


def _parse_terms(raw: Any, where: str, errors: list[str], *, required: bool) -> dict[str, Term]:
    if raw is None and not required:
        return {}
    if not isinstance(raw, list) or (required and not raw):
        errors.append(f"{where}: harus daftar suku (term) yang tidak kosong")
        return {}
    found: dict[str, Term] = {}
    for i, item in enumerate(raw):
        term = _parse_term(item, f"{where}[{i}]", errors)
        if term is None:
            continue
        if term.variable in found:
            errors.append(f"{where}[{i}] ({term.variable}): variabel ini sudah punya suku")
            continue
        found[term.variable] = term
    return {v.name: found[v.name] for v in VARIABLES if v.name in found}


def parse_weights(document: Any) -> Spec:
    """Check a weights document; raise WeightsInvalid naming every bad term and why."""
    errors: list[str] = []
    if not isinstance(document, dict):
        raise WeightsInvalid(["dokumen bobot harus objek JSON dengan 'terms'"])
    unknown = set(document) - {"intercept", "terms", "provinces", "note"}
    if unknown:
        errors.append(f"kunci tidak dikenal: {', '.join(sorted(unknown))}")
    intercept = document.get("intercept", 0)
    if not _is_int(intercept) or abs(intercept) > POINTS_LIMIT:
        errors.append(f"intercept harus bilangan bulat antara -{POINTS_LIMIT} dan {POINTS_LIMIT}")
        intercept = 0
    terms = _parse_terms(document.get("terms"), "terms", errors, required=True)
    provinces: dict[str, ProvinceSpec] = {}
    raw_provinces = document.get("provinces", {})
    if not isinstance(raw_provinces, dict):
        errors.append("provinces harus objek kode provinsi → {intercept, terms}")
        raw_provinces = {}
    for code, block in sorted(raw_provinces.items()):
        where = f"provinces[{code}]"
        if not isinstance(code, str) or not _PROVINCE.match(code):
            errors.append(f"{where}: kode provinsi harus dua angka (mis. 91)")
            continue
        if not isinstance(block, dict) or not ({"intercept", "terms"} & set(block)):
            errors.append(f"{where}: harus objek dengan intercept dan/atau terms")
            continue
        extra = set(block) - {"intercept", "terms", "note"}
        if extra:
            errors.append(f"{where}: kunci tidak dikenal {', '.join(sorted(extra))}")
        p_intercept = block.get("intercept")
        if p_intercept is not None and (not _is_int(p_intercept) or abs(p_intercept) > POINTS_LIMIT):
            errors.append(f"{where}.intercept harus bilangan bulat antara -{POINTS_LIMIT} dan {POINTS_LIMIT}")
            p_intercept = None
        p_terms = _parse_terms(block.get("terms"), f"{where}.terms", errors, required=False)
        provinces[code] = ProvinceSpec(p_intercept, p_terms)
    if errors:
        raise WeightsInvalid(errors)
    return Spec(intercept, terms, provinces)


def variables_used(spec: Spec) -> list[Variable]:
    names = set(spec.terms) | {n for p in spec.provinces.values() for n in p.terms}
    return [v for v in VARIABLES if v.name in names]


# --- the SQL expression ----------------------------------------------------------------------------------
def score_sql(spec: Spec) -> str:
    """One integer expression over `h` and `m`: the intercept plus each variable's points, with a
    province's own term (or intercept) in a CASE on h.province_code."""

    def by_province(national: str, overrides: list[tuple[str, str]]) -> str:
        if not overrides:
            return national
        whens = " ".join(f"WHEN h.province_code = '{_province_literal(c)}' THEN {e}" for c, e in overrides)
        return f"CASE {whens} ELSE {national} END"

    parts = [
        by_province(
            _int(spec.intercept),
            [(c, _int(p.intercept)) for c, p in spec.provinces.items() if p.intercept is not None],
        )
    ]
    for var in variables_used(spec):
        national = spec.terms[var.name].sql() if var.name in spec.terms else "0"
        overrides = [(c, p.terms[var.name].sql()) for c, p in spec.provinces.items() if var.name in p.terms]
        parts.append(by_province(national, overrides))
    return "(" + "\n + ".join(parts) + ")"


def _province_literal(code: str) -> str:
    if not _PROVINCE.match(code):
        raise ValueError(code)
    return code


# --- the same score in Python, for one household -----------------------------------------------------------
def household_facts(household: Any, persons: Iterable[Any], reference: dt.date) -> dict[str, Any]:
    """Every variable's value for one household (a registry Household, or anything with its
    attributes) and its members (only ACTIVE ones count), as the SQL sees them."""
    active = [p for p in persons if p.status == "ACTIVE"]
    limits = age_params(reference)
    children = sum(1 for p in active if p.birth_date > limits["age15"])
    elderly = sum(1 for p in active if p.birth_date <= limits["age60"])
    working_age = len(active) - children - elderly
    heads = [p for p in active if p.relationship == "HEAD"]
    dependants = children + elderly
    if working_age == 0:
        ratio = DEPENDENCY_CAP if dependants else 0
    else:
        ratio = min(100 * dependants // working_age, DEPENDENCY_CAP)
    facts: dict[str, Any] = {
        v.name: getattr(household, v.name)
        for v in VARIABLES
        if v.source == "household" and v.sql == f"h.{v.name}"
    }
    area = household.floor_area_m2
    facts["floor_area_per_person"] = area // len(active) if active and area is not None else None
    facts |= {
        "members": len(active),
        "children_under_15": children,
        "elderly_60_plus": elderly,
        "members_disabled": sum(1 for p in active if p.disability != 1 or p.disability_severity != "NONE"),
        "members_chronic_ill": sum(1 for p in active if p.chronic_illness != 1),
        "members_working": sum(1 for p in active if p.work_sector != 0),
        "dependency_ratio": ratio,
        "head_education": max((p.education for p in heads), key=EDUCATION_ORDER.index, default=None),
        "head_working": max((int(p.work_sector != 0) for p in heads), default=None),
        "head_female": max((int(p.sex == "P") for p in heads), default=None),
    }
    return facts


@dataclass(frozen=True)
class TermPoints:
    variable: str
    label: str
    value: str  # as a person reads it
    points: int
    province: str  # the province whose own term applied, '' for the national term


@dataclass(frozen=True)
class Explanation:
    intercept: int
    terms: list[TermPoints]
    total: int


def _show(var: Variable, value: Any) -> str:
    if value is None:
        return "—"
    if var.kind == "flag":
        return str(_("Ya") if value else _("Tidak"))
    if var.kind == "coded":
        return var.code_label(value)
    return f"{value} {var.unit}".strip()


def explain(spec: Spec, facts: Mapping[str, Any], province_code: str) -> Explanation:
    """Every term's points for one household, and the total (the SQL's score, in Python)."""
    own = spec.provinces.get(province_code)
    intercept = own.intercept if own is not None and own.intercept is not None else spec.intercept
    lines = []
    for var in variables_used(spec):
        term, province = spec.terms.get(var.name), ""
        if own is not None and var.name in own.terms:
            term, province = own.terms[var.name], province_code
        value = facts.get(var.name)
        pts = term.points_for(value) if term is not None else 0
        lines.append(TermPoints(var.name, str(var.label), _show(var, value), pts, province))
    return Explanation(intercept, lines, intercept + sum(t.points for t in lines))


def score(spec: Spec, facts: Mapping[str, Any], province_code: str) -> int:
    return explain(spec, facts, province_code).total


# --- Kepmensos 262/HUK/2022 criteria (DOMAIN.md §4.4) ---------------------------------------------------------
@dataclass(frozen=True)
class Criterion:
    code: str
    label: Label
    bit: int | None  # None: the registry cannot answer it
    sql: str = ""  # a condition over h and m
    test: Callable[[Mapping[str, Any]], bool] | None = None
    how: Label = ""  # how our columns answer it, or why they cannot

    @property
    def answerable(self) -> bool:
        return self.bit is not None


# Floors: the decree names earth (tanah) and plastered cement (plesteran, our 06 "semen/bata merah");
# bamboo (07) and low-quality boards (08) are lower still (the BPS 14 criteria name "tanah/bambu/kayu
# murahan") and count too.
POOR_FLOORS = (6, 7, 8, 9)
# Walls: the decree names bambu, kawat, papan, terpal, kardus, unplastered brick, rumbia and seng;
# our codes 2-6 are bamboo, wire and wood, 7 "lainnya" holds tarpaulin, cardboard and zinc sheet.
# Unplastered brick is not a code: masonry in poor condition (tembok, jelek) stands for it.
POOR_WALLS = (2, 3, 4, 5, 6, 7)
NO_OWN_LATRINE = (2, 3, 4)  # bersama, umum, tidak ada

CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "NO_SHELTER",
        _("Tidak mempunyai tempat tinggal tetap (langsung fakir miskin)"),
        None,
        how=_(
            "Registri hanya mencatat keluarga beralamat; keluarga tanpa tempat tinggal tetap tidak dapat dikenali."
        ),
    ),
    Criterion(
        "HEAD_NOT_WORKING",
        _("Kepala keluarga atau pengurus keluarga tidak bekerja"),
        0,
        sql="m.head_working = 0",
        test=lambda f: f.get("head_working") == 0,
        how=_(
            "Lapangan usaha kepala keluarga = 0 (tidak bekerja); keluarga tanpa kepala aktif: tidak terjawab."
        ),
    ),
    Criterion(
        "FOOD_WORRY",
        _("Khawatir tidak makan atau tidak makan dalam setahun terakhir"),
        None,
        how=_("Tidak ada kolom konsumsi pangan di registri."),
    ),
    Criterion(
        "FOOD_SHARE",
        _("Pengeluaran pangan lebih dari separuh pengeluaran"),
        None,
        how=_("Tidak ada kolom pengeluaran di registri."),
    ),
    Criterion(
        "NO_CLOTHING",
        _("Tidak ada pengeluaran untuk pakaian dalam setahun terakhir"),
        None,
        how=_("Tidak ada kolom pengeluaran di registri."),
    ),
    Criterion(
        "FLOOR",
        _("Lantai sebagian besar tanah atau plesteran"),
        1,
        sql=f"h.floor_type IN ({', '.join(map(str, POOR_FLOORS))})",
        test=lambda f: f.get("floor_type") in POOR_FLOORS,
        how=_(
            "Jenis lantai terluas: semen/bata merah (plesteran), bambu, kayu/papan kualitas rendah atau tanah."
        ),
    ),
    Criterion(
        "WALL",
        _(
            "Dinding sebagian besar bambu, kawat, papan, terpal, kardus, tembok tanpa plester, rumbia atau seng"
        ),
        2,
        sql=f"(h.wall_type IN ({', '.join(map(str, POOR_WALLS))}) OR (h.wall_type = 1 AND h.wall_condition = 2))",
        test=lambda f: (
            f.get("wall_type") in POOR_WALLS or (f.get("wall_type") == 1 and f.get("wall_condition") == 2)
        ),
        how=_(
            "Jenis dinding terluas selain tembok; tembok berkondisi jelek mewakili tembok tanpa plester "
            "(kode tersendiri tidak ada)."
        ),
    ),
    Criterion(
        "TOILET",
        _("Tidak memiliki jamban sendiri, atau memakai jamban bersama"),
        3,
        sql=f"h.toilet_facility IN ({', '.join(map(str, NO_OWN_LATRINE))})",
        test=lambda f: f.get("toilet_facility") in NO_OWN_LATRINE,
        how=_("Fasilitas BAB bersama, umum atau tidak ada."),
    ),
    Criterion(
        "LIGHTING",
        _("Penerangan listrik PLN 450 VA atau bukan listrik"),
        4,
        sql="((h.lighting_source = 1 AND h.power_capacity = 1) OR h.lighting_source = 3)",
        test=lambda f: (
            (f.get("lighting_source") == 1 and f.get("power_capacity") == 1) or f.get("lighting_source") == 3
        ),
        how=_("Sumber penerangan PLN dengan daya 450 watt, atau bukan listrik."),
    ),
)
ANSWERABLE: tuple[Criterion, ...] = tuple(c for c in CRITERIA if c.answerable)


def criteria_mask_sql() -> str:
    return (
        "(" + " + ".join(f"CASE WHEN {c.sql} THEN {1 << (c.bit or 0)} ELSE 0 END" for c in ANSWERABLE) + ")"
    )


def criteria_met_sql() -> str:
    return "(" + " + ".join(f"CASE WHEN {c.sql} THEN 1 ELSE 0 END" for c in ANSWERABLE) + ")"


def criteria_mask(facts: Mapping[str, Any]) -> int:
    return sum(1 << (c.bit or 0) for c in ANSWERABLE if c.test is not None and c.test(facts))


def criteria_in(mask: int) -> list[Criterion]:
    """The answerable criteria a mask says were met."""
    return [c for c in ANSWERABLE if mask & (1 << (c.bit or 0))]
