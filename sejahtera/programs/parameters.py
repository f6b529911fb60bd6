"""Program parameters: the set in force for a program on a date, the disbursements of a year, and the
check of a parameter document (docs/programs.md, "Parameters"). A change of amounts or rules is a new
`ProgramParameter` row from a date, never an edit of the old one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from sejahtera.common.errors import DomainError

from .models import Program, ProgramParameter
from .rules import (
    FAMILY_RULES,
    MEMBER_RULES,
    PERS,
    RULES,
    Disbursement,
    HouseholdFacts,
    InputError,
    ProgramResult,
    YearResult,
    evaluate_year,
    schedule,
    simulation_from_document,
)

__all__ = [
    "Disbursement",
    "InputError",
    "InvalidParams",
    "NoParameter",
    "disbursements_in_force",
    "parameter_for",
    "parameters_in_year",
    "program_year",
    "schedule",
    "short_source",
    "simulate",
    "validate_params",
]


class NoParameter(DomainError):
    """No parameter set of the program is in force on that date."""

    status_code = 404


class InvalidParams(DomainError):
    """A parameter document breaks the contract; `errors` names each key and what is wrong."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


# --- selection -----------------------------------------------------------------------------------------
def _program(program: Program | str) -> Program:
    if isinstance(program, Program):
        return program
    found = Program.objects.filter(code=program).first()
    if found is None:
        raise NoParameter(_("Program %(code)s tidak dikenal.") % {"code": program})
    return found


def _in_force_on(day: dt.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def parameter_for(program: Program | str, day: dt.date) -> ProgramParameter:
    """The parameter set in force on `day` (the latest start on or before it, not yet ended)."""
    prog = _program(program)
    row = (
        ProgramParameter.objects.filter(_in_force_on(day), program=prog)
        .select_related("program")
        .order_by("-valid_from")
        .first()
    )
    if row is None:
        raise NoParameter(
            _("Tidak ada parameter program %(code)s yang berlaku pada %(day)s.")
            % {"code": prog.code, "day": day.isoformat()}
        )
    return row


def parameters_in_year(program: Program | str, year: int) -> list[ProgramParameter]:
    """The parameter sets in force on some day of `year`, oldest first."""
    prog = _program(program)
    return list(
        ProgramParameter.objects.filter(program=prog, valid_from__lte=dt.date(year, 12, 31))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=dt.date(year, 1, 1)))
        .select_related("program")
        .order_by("valid_from")
    )


def disbursements_in_force(row: ProgramParameter, year: int) -> list[Disbursement]:
    """The disbursements of `year` in `row`'s schedule on whose first day `row` is the set in force
    (the same choice as parameter_for: a later row replaces an earlier one from its start)."""
    rows = list(ProgramParameter.objects.filter(program_id=row.program_id).order_by("-valid_from"))
    out = []
    for d in schedule(row.params, year):
        day = dt.date(year, int(d.period[5:]), 1)
        in_force = next(
            (r for r in rows if r.valid_from <= day and (r.valid_to is None or r.valid_to >= day)), None
        )
        if in_force is not None and in_force.pk == row.pk:
            out.append(d)
    return out


def short_source(legal_source: str) -> str:
    """The citation a reason carries: the first line of the row's legal source (the rest are notes)."""
    return legal_source.strip().splitlines()[0].strip() if legal_source.strip() else ""


# --- validation ----------------------------------------------------------------------------------------
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,23}$")
_PROGRAM_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,11}$")
_REQUIRED = ("unit", "max_decile", "min_components", "exclude_programs", "disbursements", "components")
_OPTIONAL = (
    "family_cap",
    "extras",
    "elderly_min_age",
    "early_child_max_age",
    "school_min_age",
    "school_max_age",
)
# The age keys a member rule needs.
_AGE_KEYS = {
    "ELDERLY": ("elderly_min_age",),
    "EARLY_CHILD": ("early_child_max_age",),
    "SCHOOL_SD": ("school_min_age", "school_max_age"),
    "SCHOOL_SMP": ("school_min_age", "school_max_age"),
    "SCHOOL_SMA": ("school_min_age", "school_max_age"),
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_params(doc: Any) -> dict[str, Any]:
    """The document unchanged when it keeps the contract; InvalidParams naming every bad key otherwise."""
    errors: list[str] = []

    def err(key: str, reason: str) -> None:
        errors.append(f"{key}: {reason}")

    def int_in(key: str, value: Any, low: int, high: int | None = None) -> bool:
        if not _is_int(value) or value < low or (high is not None and value > high):
            bound = f"{low}..{high}" if high is not None else f"≥ {low}"
            err(key, _("harus bilangan bulat %(bound)s") % {"bound": bound})
            return False
        return True

    if not isinstance(doc, Mapping):
        raise InvalidParams([_("params: harus objek JSON")])
    for key in _REQUIRED:
        if key not in doc:
            err(key, _("wajib ada"))
    for key in doc:
        if key not in _REQUIRED and key not in _OPTIONAL:
            err(str(key), _("kunci tidak dikenal"))

    if "unit" in doc and doc["unit"] not in ("FAMILY", "PERSON"):
        err("unit", _("harus FAMILY atau PERSON"))
    if "max_decile" in doc:
        int_in("max_decile", doc["max_decile"], 1, 10)
    if "min_components" in doc:
        int_in("min_components", doc["min_components"], 0)
    if "exclude_programs" in doc:
        excl = doc["exclude_programs"]
        if not isinstance(excl, list) or not all(isinstance(p, str) and _PROGRAM_CODE.match(p) for p in excl):
            err("exclude_programs", _('harus daftar kode program, mis. ["PKH", "BPNT"]'))
    if doc.get("family_cap") is not None:
        int_in("family_cap", doc["family_cap"], 1)

    # The schedule: tahap 1..n in month order, months that do not overlap nor cross the year's end.
    months_ok: set[int] = set()
    disb = doc.get("disbursements")
    if "disbursements" in doc:
        if not isinstance(disb, list) or not disb:
            err("disbursements", _("harus daftar yang tidak kosong"))
        else:
            end = 0
            for i, d in enumerate(disb):
                key = f"disbursements[{i}]"
                if not isinstance(d, Mapping) or set(d) != {"tahap", "month", "months"}:
                    err(key, _("harus berisi tepat tahap, month, months"))
                    continue
                good = int_in(f"{key}.tahap", d["tahap"], 1)
                good &= int_in(f"{key}.month", d["month"], 1, 12)
                good &= int_in(f"{key}.months", d["months"], 1, 12)
                if not good:
                    continue
                if d["tahap"] != i + 1:
                    err(
                        f"{key}.tahap",
                        _("harus %(n)d (tahap bernomor 1, 2, … menurut urutan bulan)") % {"n": i + 1},
                    )
                if d["month"] <= end:
                    err(f"{key}.month", _("tumpang tindih atau tidak urut dengan penyaluran sebelumnya"))
                if d["month"] + d["months"] - 1 > 12:
                    err(f"{key}.months", _("melewati akhir tahun"))
                end = d["month"] + d["months"] - 1
                months_ok.add(d["month"])

    # The components: unique codes, known rules, whole-rupiah amounts.
    codes: set[str] = set()
    comps = doc.get("components")
    rules_used: set[str] = set()
    if "components" in doc:
        if not isinstance(comps, list) or not comps:
            err("components", _("harus daftar yang tidak kosong"))
        else:
            for i, c in enumerate(comps):
                key = f"components[{i}]"
                if not isinstance(c, Mapping):
                    err(key, _("harus objek"))
                    continue
                for missing in ("code", "label", "rule", "per", "amount"):
                    if missing not in c:
                        err(f"{key}.{missing}", _("wajib ada"))
                for extra in set(c) - {"code", "label", "rule", "per", "amount", "max_count"}:
                    err(f"{key}.{extra}", _("kunci tidak dikenal"))
                code = c.get("code")
                if "code" in c:
                    if not isinstance(code, str) or not _CODE.match(code):
                        err(f"{key}.code", _("harus huruf besar, angka atau _, paling panjang 24"))
                    elif code in codes:
                        err(f"{key}.code", _("kode %(code)s ganda") % {"code": code})
                    else:
                        codes.add(code)
                if "label" in c and (not isinstance(c["label"], str) or not c["label"].strip()):
                    err(f"{key}.label", _("harus teks yang tidak kosong"))
                if "rule" in c:
                    if c["rule"] not in RULES:
                        err(f"{key}.rule", _("harus salah satu dari %(rules)s") % {"rules": ", ".join(RULES)})
                    else:
                        rules_used.add(c["rule"])
                if "per" in c and c["per"] not in PERS:
                    err(f"{key}.per", _("harus tahap atau month"))
                if "amount" in c:
                    int_in(f"{key}.amount", c["amount"], 1)
                if c.get("max_count") is not None:
                    int_in(f"{key}.max_count", c["max_count"], 1)
    member_rules = rules_used & set(MEMBER_RULES)
    flat_rules = rules_used & set(FAMILY_RULES)
    if member_rules and flat_rules:
        err(
            "components",
            _("aturan per anggota (%(m)s) tidak boleh dicampur dengan aturan rata (%(f)s)")
            % {"m": ", ".join(sorted(member_rules)), "f": ", ".join(sorted(flat_rules))},
        )
    if doc.get("family_cap") is not None and not member_rules:
        err("family_cap", _("hanya berlaku untuk komponen per anggota; isi null"))

    # The ages the member rules read.
    needed = {k for rule in member_rules for k in _AGE_KEYS.get(rule, ())}
    for key in sorted(needed):
        if key not in doc:
            err(key, _("wajib ada untuk aturan komponen yang dipakai"))
    for key in ("elderly_min_age", "early_child_max_age", "school_min_age", "school_max_age"):
        if key in doc:
            int_in(key, doc[key], 0, 120)
    lo, hi = doc.get("school_min_age"), doc.get("school_max_age")
    if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
        err("school_min_age", _("lebih besar dari school_max_age"))

    # Extras: in a disbursement month, codes of their own.
    extras = doc.get("extras", [])
    if not isinstance(extras, list):
        err("extras", _("harus daftar"))
    else:
        for i, e in enumerate(extras):
            key = f"extras[{i}]"
            if not isinstance(e, Mapping) or set(e) != {"month", "code", "label", "amount"}:
                err(key, _("harus berisi tepat month, code, label, amount"))
                continue
            if int_in(f"{key}.month", e["month"], 1, 12) and months_ok and e["month"] not in months_ok:
                err(f"{key}.month", _("bukan bulan penyaluran"))
            if not isinstance(e["code"], str) or not _CODE.match(e["code"]):
                err(f"{key}.code", _("harus huruf besar, angka atau _, paling panjang 24"))
            elif e["code"] in codes:
                err(f"{key}.code", _("kode %(code)s ganda") % {"code": e["code"]})
            else:
                codes.add(e["code"])
            if not isinstance(e["label"], str) or not e["label"].strip():
                err(f"{key}.label", _("harus teks yang tidak kosong"))
            int_in(f"{key}.amount", e["amount"], 1)

    if errors:
        raise InvalidParams(errors)
    return dict(doc)


# --- simulation (`sejahtera benefits simulate`, the simulator page) --------------------------------------
def program_year(program: Program, facts: HouseholdFacts, year: int) -> YearResult:
    """Every disbursement of `year`, each under the parameter set in force on its first day."""
    results: list[ProgramResult] = []
    for row in parameters_in_year(program, year):
        periods = [d.period for d in disbursements_in_force(row, year)]
        results += evaluate_year(
            program.code, row.params, facts, year, source=short_source(row.legal_source), periods=periods
        ).disbursements
    return YearResult(program=program.code, year=year, disbursements=sorted(results, key=lambda r: r.period))


def result_json(result: ProgramResult) -> dict[str, Any]:
    return {
        "tahap": result.tahap,
        "month": result.period,
        "eligible": result.eligible,
        "amount": result.amount,
        "components": [
            {"component": c.code, "label": c.label, "count": c.count, "amount": c.amount}
            for c in result.components
        ],
    }


def simulate(doc: Any) -> dict[str, Any]:
    """What the families of a simulation document receive: per program, eligibility and reasons at the
    document's period, every disbursement of its year, the annual sum (docs/benefits-simulate.md).
    InputError names a bad field."""
    sim = simulation_from_document(doc)
    known = {p.code: p for p in Program.objects.filter(code__in=sim.programs)}
    for i, code in enumerate(sim.programs):
        if code not in known:
            all_codes = ", ".join(Program.objects.order_by("code").values_list("code", flat=True))
            raise InputError(f"programs[{i}]: unknown program {code} (known: {all_codes})")
    year = int(sim.period[:4])
    out: dict[str, Any] = {}
    for code in sim.programs:
        result = program_year(known[code], sim.facts, year)
        at = result.covering(sim.period)
        if at is None:
            reasons = [
                _("Tidak ada parameter program %(code)s yang berlaku pada tahun %(year)d.")
                % {"code": code, "year": year}
            ]
        else:
            reasons = [str(r) for r in at.reasons]
        out[code] = {
            "eligible": bool(at and at.eligible),
            "reasons": reasons,
            "per_tahap": [result_json(r) for r in result.disbursements],
            "annual": result.annual,
        }
    return {"period": sim.period, "programs": out}
