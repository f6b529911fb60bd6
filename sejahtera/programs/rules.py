"""Program rules in plain Python: what a family receives from a program for one disbursement, and why.

No database here. The parameters are a `ProgramParameter.params` document (keys documented in
docs/programs.md, checked by `programs.parameters.validate_params`); the facts are a household's
members and decile. The set-based program run implements the same rules in SQL, and a property
test holds the two together, so a change here is a change of the contract (docs/programs.md,
"Rules").

Every rule applied leaves a `Reason` (Indonesian, with the legal source of the parameter row), so a
district officer can answer a family's "why do we receive Rp X" line by line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

# Rules that give one member a component (PKH); a member gets at most one of them.
MEMBER_RULES = (
    "PREGNANT",
    "EARLY_CHILD",
    "SCHOOL_SD",
    "SCHOOL_SMP",
    "SCHOOL_SMA",
    "DISABILITY_SEVERE",
    "ELDERLY",
)
# Rules of a flat amount: the family once (BPNT, BST) or every member (PBI-JK premium).
FAMILY_RULES = ("FAMILY", "PERSON")
RULES = MEMBER_RULES + FAMILY_RULES
PERS = ("tahap", "month")
SCHOOL_LEVELS = ("NONE", "PAUD", "SD", "SMP", "SMA", "PT")
DISABILITIES = ("NONE", "MILD", "SEVERE")
SEXES = ("L", "P")
# The registry's relationship codes (registry.codes.Relationship); the simulator takes the same.
RELATIONSHIPS = ("HEAD", "SPOUSE", "CHILD", "CHILD_IN_LAW", "GRANDCHILD", "PARENT", "HELPER", "OTHER")
_SCHOOL_RULE_LEVEL = {"SCHOOL_SD": "SD", "SCHOOL_SMP": "SMP", "SCHOOL_SMA": "SMA"}


# --- facts ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Member:
    """A household member as a program sees it. `order` decides ties (person id ascending in a
    release; the list order in the simulator)."""

    order: int
    birth_date: dt.date
    sex: str = "P"
    relationship: str = "OTHER"
    pregnant: bool = False
    school_level: str = "NONE"
    disability: str = "NONE"  # NONE | MILD | SEVERE
    alive: bool = True  # False: deceased before the disbursement's first day


@dataclass(frozen=True)
class HouseholdFacts:
    region: str
    decile: int | None  # national decile in the release; None = not scored ("belum ada desil")
    members: Sequence[Member]
    enrolled_in: AbstractSet[str] = frozenset()  # programs with an ACTIVE enrolment


# --- results -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reason:
    """One rule applied, in words, with the legal source of the parameters it used."""

    text: str
    source: str = ""

    def __str__(self) -> str:
        return (
            _("%(text)s (sumber: %(source)s)") % {"text": self.text, "source": self.source}
            if self.source
            else self.text
        )


@dataclass(frozen=True)
class ComponentLine:
    code: str
    label: str
    count: int
    amount: int  # whole rupiah, for the whole line (count and months included)


@dataclass
class ProgramResult:
    """One disbursement (a PKH tahap, a BPNT month) of one program for one family."""

    program: str
    period: str  # YYYY-MM of the disbursement
    tahap: int
    months: int
    eligible: bool
    reasons: list[Reason] = field(default_factory=list)
    components: list[ComponentLine] = field(default_factory=list)
    amount: int = 0


@dataclass
class YearResult:
    """Every disbursement of a year under one parameter set, and their sum."""

    program: str
    year: int
    disbursements: list[ProgramResult]

    @property
    def annual(self) -> int:
        return sum(r.amount for r in self.disbursements)

    def covering(self, period: str) -> ProgramResult | None:
        """The disbursement a month falls in (PKH tahap 1 covers January to March); before the first
        disbursement of the year, the first one."""
        if not self.disbursements:
            return None
        found = self.disbursements[0]
        for r in self.disbursements:
            if r.period <= period:
                found = r
        return found


# --- the schedule --------------------------------------------------------------------------------------
class Disbursement(NamedTuple):
    tahap: int
    period: str  # YYYY-MM
    months: int


def schedule(params: Mapping[str, Any], year: int) -> list[Disbursement]:
    """The disbursements of a year: tahap number, period (its first month) and months it covers."""
    return [
        Disbursement(int(d["tahap"]), f"{year:04d}-{int(d['month']):02d}", int(d["months"]))
        for d in sorted(params["disbursements"], key=lambda d: int(d["month"]))
    ]


def parse_period(period: str) -> tuple[int, int]:
    """'2021-01' -> (2021, 1); ValueError otherwise."""
    if len(period) != 7 or period[4] != "-" or not (period[:4].isdigit() and period[5:].isdigit()):
        raise ValueError(f"{period!r}: not a period (YYYY-MM)")
    year, month = int(period[:4]), int(period[5:])
    if not (1 <= month <= 12 and year >= 1):
        raise ValueError(f"{period!r}: not a period (YYYY-MM)")
    return year, month


# --- helpers -------------------------------------------------------------------------------------------
def rupiah(amount: int) -> str:
    """Rp1.725.000 (Indonesian thousands separator)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


def age_at(birth_date: dt.date, day: dt.date) -> int:
    """Full years at `day` (negative for a member born after it)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def _per_disbursement(component: Mapping[str, Any], months: int) -> int:
    amount = int(component["amount"])
    return amount * months if component["per"] == "month" else amount


def _matches(rule: str, member: Member, age: int, params: Mapping[str, Any]) -> bool:
    if rule == "PREGNANT":
        return member.pregnant
    if rule == "EARLY_CHILD":
        return age <= int(params["early_child_max_age"]) and member.school_level in ("NONE", "PAUD")
    if rule in _SCHOOL_RULE_LEVEL:
        return member.school_level == _SCHOOL_RULE_LEVEL[rule] and (
            int(params["school_min_age"]) <= age <= int(params["school_max_age"])
        )
    if rule == "DISABILITY_SEVERE":
        return member.disability == "SEVERE"
    if rule == "ELDERLY":
        return age >= int(params["elderly_min_age"])
    return False


def _describe(member: Member, age: int) -> str:
    """'Anggota 3 (SD, usia 9)'."""
    facts: list[str] = []
    if member.pregnant:
        facts.append(_("hamil"))
    if member.school_level != "NONE":
        facts.append(member.school_level)
    if member.disability == "SEVERE":
        facts.append(_("disabilitas berat"))
    elif member.disability == "MILD":
        facts.append(_("disabilitas ringan/sedang"))
    facts.append(_("usia %(age)d") % {"age": age})
    return _("Anggota %(n)d (%(facts)s)") % {"n": member.order, "facts": ", ".join(facts)}


def _amount_text(component: Mapping[str, Any], months: int, count: int = 1) -> str:
    """'Rp225.000', 'Rp200.000 x 3 bulan = Rp600.000', '4 x Rp42.000 = Rp168.000'."""
    unit = int(component["amount"])
    factors = []
    if count != 1:
        factors.append(str(count))
    factors.append(rupiah(unit))
    if component["per"] == "month" and months != 1:
        factors.append(_("%(m)d bulan") % {"m": months})
    total = _per_disbursement(component, months) * count
    return rupiah(total) if len(factors) == 1 else f"{' x '.join(factors)} = {rupiah(total)}"


@dataclass
class _Candidate:
    member: Member
    index: int  # the component's position in the parameter list
    component: Mapping[str, Any]
    per_disbursement: int


# --- evaluation ----------------------------------------------------------------------------------------
def evaluate(
    program_code: str,
    params: Mapping[str, Any],
    facts: HouseholdFacts,
    period: str,
    *,
    source: str = "",
) -> ProgramResult:
    """One disbursement: `period` must be a disbursement month of the parameters (ValueError if not)."""
    year, _month = parse_period(period)
    for d in schedule(params, year):
        if d.period == period:
            return _evaluate(program_code, params, facts, d, source)
    raise ValueError(f"{period}: not a disbursement month of {program_code}")


def evaluate_year(
    program_code: str,
    params: Mapping[str, Any],
    facts: HouseholdFacts,
    year: int,
    *,
    source: str = "",
    periods: Iterable[str] | None = None,
) -> YearResult:
    """Every disbursement of `year` (or only those in `periods`: a parameter row valid for part of a year)."""
    wanted = set(periods) if periods is not None else None
    return YearResult(
        program=program_code,
        year=year,
        disbursements=[
            _evaluate(program_code, params, facts, d, source)
            for d in schedule(params, year)
            if wanted is None or d.period in wanted
        ],
    )


def _evaluate(
    program_code: str, params: Mapping[str, Any], facts: HouseholdFacts, d: Disbursement, source: str
) -> ProgramResult:
    year, month = parse_period(d.period)
    first_day = dt.date(year, month, 1)
    reasons: list[Reason] = []

    def say(text: str) -> None:
        reasons.append(Reason(text, source))

    # Rule 7 (eligibility): the decile, the excluded programs.
    max_decile = int(params["max_decile"])
    if facts.decile is None:
        decile_ok = False
        say(_("Belum ada desil: tidak memenuhi syarat desil ≤ %(max)d") % {"max": max_decile})
    elif facts.decile <= max_decile:
        decile_ok = True
        say(_("Desil %(d)d ≤ %(max)d: memenuhi syarat desil") % {"d": facts.decile, "max": max_decile})
    else:
        decile_ok = False
        say(_("Desil %(d)d > %(max)d: tidak memenuhi syarat desil") % {"d": facts.decile, "max": max_decile})
    excluded_programs = list(params.get("exclude_programs") or [])
    excluded = [p for p in excluded_programs if p in facts.enrolled_in]
    if excluded:
        say(
            _("Terdaftar aktif di %(found)s: tidak memenuhi syarat (bukan untuk penerima %(all)s)")
            % {"found": ", ".join(excluded), "all": ", ".join(excluded_programs)}
        )
    elif excluded_programs:
        say(_("Tidak terdaftar aktif di %(all)s: memenuhi syarat") % {"all": ", ".join(excluded_programs)})

    # Rule 1: the members who count on the disbursement's first day.
    counted: list[Member] = []
    for m in sorted(facts.members, key=lambda m: m.order):
        if m.birth_date > first_day:
            # A release read for an earlier period holds members born since: they did not exist then.
            say(
                _("Anggota %(n)d lahir setelah %(day)s: tidak dihitung")
                % {"n": m.order, "day": first_day.isoformat()}
            )
        elif m.alive:
            counted.append(m)
        else:
            say(
                _("Anggota %(n)d meninggal sebelum %(day)s: tidak dihitung")
                % {"n": m.order, "day": first_day.isoformat()}
            )

    components = list(params["components"])
    member_components = [(i, c) for i, c in enumerate(components) if c["rule"] in MEMBER_RULES]
    lines: dict[str, ComponentLine] = {}

    # Rules 3-5: one candidate component per member, the cap per component, the family cap.
    kept: list[_Candidate] = []
    if member_components:
        candidates: list[_Candidate] = []
        for m in counted:
            age = age_at(m.birth_date, first_day)
            matching = [
                _Candidate(m, i, c, _per_disbursement(c, d.months))
                for i, c in member_components
                if _matches(str(c["rule"]), m, age, params)
            ]
            if not matching:
                say(_("%(member)s: tidak ada komponen") % {"member": _describe(m, age)})
                continue
            best = min(matching, key=lambda k: (-k.per_disbursement, k.index))
            say(
                _("%(member)s: komponen %(label)s %(amount)s")
                % {
                    "member": _describe(m, age),
                    "label": best.component["label"],
                    "amount": _amount_text(best.component, d.months),
                }
            )
            candidates.append(best)
        seen: dict[str, int] = {}
        for k in candidates:  # already in member order
            code = str(k.component["code"])
            seen[code] = seen.get(code, 0) + 1
            limit = k.component.get("max_count")
            if limit is not None and seen[code] > int(limit):
                say(
                    _(
                        "Komponen %(label)s ke-%(nth)d (anggota %(n)d) tidak dihitung: batas %(max)d per keluarga"
                    )
                    % {
                        "label": k.component["label"],
                        "nth": seen[code],
                        "n": k.member.order,
                        "max": int(limit),
                    }
                )
                continue
            kept.append(k)
        cap = params.get("family_cap")
        if cap is not None and len(kept) > int(cap):
            ranked = sorted(kept, key=lambda k: (-k.per_disbursement, k.index, k.member.order))
            for k in ranked[int(cap) :]:
                say(
                    _(
                        "Batas %(cap)d komponen per keluarga: komponen %(label)s (anggota %(n)d) tidak dihitung"
                    )
                    % {"cap": int(cap), "label": k.component["label"], "n": k.member.order}
                )
            kept = ranked[: int(cap)]
        for i, c in member_components:
            mine = [k for k in kept if k.index == i]
            if mine:
                lines[c["code"]] = ComponentLine(
                    c["code"], c["label"], len(mine), _per_disbursement(c, d.months) * len(mine)
                )

    # Rule 3, flat amounts: the family once, or every counted member.
    for c in components:
        if c["rule"] == "FAMILY":
            if counted:
                lines[c["code"]] = ComponentLine(c["code"], c["label"], 1, _per_disbursement(c, d.months))
                say(
                    _("Keluarga (%(n)d anggota dihitung): %(label)s %(amount)s")
                    % {"n": len(counted), "label": c["label"], "amount": _amount_text(c, d.months)}
                )
            else:
                say(_("Tidak ada anggota yang dihitung: tanpa %(label)s") % {"label": c["label"]})
        elif c["rule"] == "PERSON":
            if counted:
                n = len(counted)
                lines[c["code"]] = ComponentLine(c["code"], c["label"], n, _per_disbursement(c, d.months) * n)
                say(
                    _("%(n)d jiwa: %(label)s %(amount)s")
                    % {"n": n, "label": c["label"], "amount": _amount_text(c, d.months, n)}
                )
            else:
                say(_("Tidak ada anggota yang dihitung: tanpa %(label)s") % {"label": c["label"]})

    # Rule 7, components: counted components against the minimum.
    counted_components = sum(line.count for line in lines.values())
    min_components = int(params.get("min_components") or 0)
    components_ok = counted_components >= min_components
    if min_components:
        if components_ok:
            say(
                _("%(n)d komponen dihitung ≥ %(min)d: memenuhi syarat komponen")
                % {"n": counted_components, "min": min_components}
            )
        else:
            say(
                _("%(n)d komponen dihitung < %(min)d: tidak memenuhi syarat komponen")
                % {"n": counted_components, "min": min_components}
            )

    # Rule 6, extras: a line of their own in their month.
    for e in params.get("extras") or []:
        if int(e["month"]) == month:
            lines[e["code"]] = ComponentLine(e["code"], e["label"], 1, int(e["amount"]))
            say(
                _("%(label)s bulan ini: %(amount)s")
                % {"label": e["label"], "amount": rupiah(int(e["amount"]))}
            )

    # Rule 1 again: a family with nobody counted is not paid, whatever extra the month has (the run
    # exits it as DECEASED, or never enrols it).
    if not counted:
        say(_("Tidak ada anggota yang dihitung: tidak memenuhi syarat"))
    eligible = decile_ok and components_ok and not excluded and bool(counted)
    result = ProgramResult(
        program=program_code, period=d.period, tahap=d.tahap, months=d.months, eligible=eligible
    )
    if eligible:
        result.components = list(lines.values())
        result.amount = sum(line.amount for line in result.components)
        say(
            _("Tahap %(t)d (%(p)s): memenuhi syarat, jumlah %(amount)s")
            % {"t": d.tahap, "p": d.period, "amount": rupiah(result.amount)}
        )
    else:
        say(_("Tahap %(t)d (%(p)s): tidak memenuhi syarat, Rp0") % {"t": d.tahap, "p": d.period})
    result.reasons = reasons
    return result


# --- the simulator's input (`sejahtera benefits simulate`, docs/benefits-simulate.md) -------------------
class InputError(ValueError):
    """A simulation input that is not as documented: the message names the field and the reason."""


@dataclass(frozen=True)
class Simulation:
    period: str
    facts: HouseholdFacts
    programs: list[str]


_MEMBER_FIELDS = {
    "nik",
    "name",
    "birth_date",
    "sex",
    "relationship",
    "pregnant",
    "school_level",
    "disability",
    "alive",
}
_PROGRAM_FIELD = re.compile(r"^[A-Z][A-Z0-9_]{0,11}$")
MAX_MEMBERS = 30


def _date(value: Any, key: str) -> dt.date:
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError(f"{key}: not a date (YYYY-MM-DD)")


def _choice(value: Any, key: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise InputError(f"{key}: must be one of {'|'.join(choices)}")
    return str(value)


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"{key}: must be true or false")
    return value


def _codes(value: Any, key: str) -> list[str]:
    if not isinstance(value, list):
        raise InputError(f"{key}: must be a list of program codes")
    for i, code in enumerate(value):
        if not isinstance(code, str) or not _PROGRAM_FIELD.match(code):
            raise InputError(f"{key}[{i}]: not a program code (e.g. PKH)")
    return list(value)


def simulation_from_document(doc: Any) -> Simulation:
    """The simulator's JSON document as facts; InputError naming the first bad field."""
    if not isinstance(doc, Mapping):
        raise InputError("(document): must be a JSON object")
    for key in doc:
        if key not in ("period", "household", "programs", "enrolled_in"):
            raise InputError(f"{key}: unknown field")
    if "period" not in doc:
        raise InputError("period: required")
    period = doc["period"]
    try:
        parse_period(period if isinstance(period, str) else "")
    except ValueError:
        raise InputError("period: not a period (YYYY-MM)") from None
    hh = doc.get("household")
    if not isinstance(hh, Mapping):
        raise InputError("household: required, a JSON object")
    for key in hh:
        if key not in ("region", "decile", "members", "enrolled_in"):
            raise InputError(f"household.{key}: unknown field")
    region = hh.get("region", "")
    if not isinstance(region, str) or not (
        region == "" or (region.isdigit() and len(region) in (2, 4, 6, 10))
    ):
        raise InputError("household.region: not a region code (2, 4, 6 or 10 digits)")
    decile = hh.get("decile")
    if decile is not None and (
        not isinstance(decile, int) or isinstance(decile, bool) or not 1 <= decile <= 10
    ):
        raise InputError("household.decile: must be a whole number 1..10 (or null: not scored)")
    raw_members = hh.get("members")
    if not isinstance(raw_members, list):
        raise InputError("household.members: required, a list")
    if len(raw_members) > MAX_MEMBERS:
        raise InputError(f"household.members: at most {MAX_MEMBERS} members")
    members: list[Member] = []
    for i, m in enumerate(raw_members):
        key = f"household.members[{i}]"
        if not isinstance(m, Mapping):
            raise InputError(f"{key}: must be a JSON object")
        for field_name in m:
            if field_name not in _MEMBER_FIELDS:
                raise InputError(f"{key}.{field_name}: unknown field")
        if "birth_date" not in m:
            raise InputError(f"{key}.birth_date: required")
        for text_field in ("nik", "name"):
            if text_field in m and not isinstance(m[text_field], str):
                raise InputError(f"{key}.{text_field}: must be a string")
        members.append(
            Member(
                order=i + 1,
                birth_date=_date(m["birth_date"], f"{key}.birth_date"),
                sex=_choice(m.get("sex", "P"), f"{key}.sex", SEXES),
                relationship=_choice(m.get("relationship", "OTHER"), f"{key}.relationship", RELATIONSHIPS),
                pregnant=_bool(m.get("pregnant", False), f"{key}.pregnant"),
                school_level=_choice(m.get("school_level", "NONE"), f"{key}.school_level", SCHOOL_LEVELS),
                disability=_choice(m.get("disability", "NONE"), f"{key}.disability", DISABILITIES),
                alive=_bool(m.get("alive", True), f"{key}.alive"),
            )
        )
    if "programs" not in doc:
        raise InputError("programs: required")
    programs = _codes(doc["programs"], "programs")
    if not programs:
        raise InputError("programs: name at least one program")
    enrolled = set(_codes(doc.get("enrolled_in", []), "enrolled_in"))
    enrolled |= set(_codes(hh.get("enrolled_in", []), "household.enrolled_in"))
    return Simulation(
        period=period,
        facts=HouseholdFacts(region=region, decile=decile, members=members, enrolled_in=frozenset(enrolled)),
        programs=list(dict.fromkeys(programs)),
    )
