"""The set-based statements of a program run (issue 4 §3-§4): exits, enrolment within quota,
entitlements and their component lines. Each is ONE statement over every family of the program.

The rules are those of docs/programs.md and `programs.rules` (the plain-Python engine), written
again in SQL from a parameter set:

1. the period's first day `d`; a member counts if it is in the release snapshot and is not
   deceased before `d` (registry person DECEASED with death_date < d, or no death date);
2. age in full years at `d`: every age test is a comparison of the birth date with a date
   computed here (age >= n  <=>  birth_date <= d - n years), so no date arithmetic runs in SQL;
3. one candidate component per member: a CASE whose WHEN branches are the components in order of
   amount per disbursement (desc), then list order: the first branch that matches wins;
4. max_count per component: ROW_NUMBER per household and component by person_id;
5. family_cap: ROW_NUMBER per household by amount desc, component order, person_id;
6. a line's amount is amount x count (per tahap) or amount x months x count (per month); an
   extra of the disbursement month is a line of its own.

The SQL is built from the parameter set: integers are validated and written as literals, every
text (component codes, program codes) is a bound parameter. It runs on SQLite (>= 3.25: window
functions; >= 3.24: ON CONFLICT) and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from sejahtera.common.errors import DomainError

from .rules import schedule

# Component indexes of extras start here, so that a line's index also says what kind it is.
EXTRA_BASE = 1000
MEMBER_RULES = (
    "PREGNANT",
    "EARLY_CHILD",
    "SCHOOL_SD",
    "SCHOOL_SMP",
    "SCHOOL_SMA",
    "DISABILITY_SEVERE",
    "ELDERLY",
)
RULES = (*MEMBER_RULES, "FAMILY", "PERSON")
# Families whose enrolment ended by their own choice or by graduation are not enrolled again by a
# run (a withdrawal or a graduation is a decision that stands); the other exits may come back.
FINAL_EXITS = ("GRADUATED", "WITHDRAWN")


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(f"Parameter program tidak sah: {what} harus bilangan bulat, bukan {value!r}.")
    return value


def years_before(d: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (d is the first of a month, so it always exists)."""
    return d.replace(year=d.year - years)


@dataclass(frozen=True)
class Component:
    index: int  # position in the parameter set's list (the tie-break)
    code: str
    rule: str
    amount: int  # per disbursement: amount, or amount x months for a monthly component
    max_count: int | None


@dataclass(frozen=True)
class Plan:
    """What a run of one period computes, read from the parameter set in force."""

    period: str
    first_day: dt.date
    tahap: int
    months: int
    max_decile: int
    min_components: int
    exclude_programs: tuple[str, ...]
    family_cap: int | None
    elderly_min_age: int
    early_child_max_age: int
    school_min_age: int
    school_max_age: int
    components: tuple[Component, ...]
    extras: tuple[tuple[int, str, int], ...] = field(default=())  # (index, code, amount)

    @property
    def year(self) -> int:
        return self.first_day.year


def plan_for(params: dict[str, Any], period: str) -> Plan:
    """The plan of `period` (YYYY-MM); DomainError if the month is not a disbursement month."""
    year, month = int(period[:4]), int(period[5:7])
    disbursements = schedule(params, year)
    found = next((d for d in disbursements if d.period == period), None)
    if found is None:
        months = ", ".join(d.period[5:] for d in disbursements)
        raise DomainError(
            f"Periode {period} bukan bulan penyaluran program ini (bulan penyaluran: {months or '-'})."
        )
    tahap, months_ = found.tahap, found.months
    components = []
    for i, c in enumerate(params.get("components") or []):
        rule = c.get("rule", "")
        if rule not in RULES:
            raise DomainError(f"Parameter program tidak sah: aturan komponen {rule!r} tidak dikenal.")
        per = c.get("per", "tahap")
        if per not in ("tahap", "month"):
            raise DomainError(f"Parameter program tidak sah: per {per!r} (tahap atau month).")
        amount = _int(c.get("amount"), f"components[{i}].amount")
        max_count = c.get("max_count")
        components.append(
            Component(
                index=i,
                code=str(c["code"]),
                rule=rule,
                amount=amount * (months_ if per == "month" else 1),
                max_count=None if max_count is None else _int(max_count, f"components[{i}].max_count"),
            )
        )
    extras = tuple(
        (EXTRA_BASE + i, str(x["code"]), _int(x.get("amount"), f"extras[{i}].amount"))
        for i, x in enumerate(params.get("extras") or [])
        if _int(x.get("month"), f"extras[{i}].month") == month
    )
    cap = params.get("family_cap")
    return Plan(
        period=period,
        first_day=dt.date(year, month, 1),
        tahap=tahap,
        months=months_,
        max_decile=_int(params.get("max_decile", 10), "max_decile"),
        min_components=_int(params.get("min_components", 0), "min_components"),
        exclude_programs=tuple(str(p) for p in params.get("exclude_programs") or []),
        family_cap=None if cap is None else _int(cap, "family_cap"),
        elderly_min_age=_int(params.get("elderly_min_age", 60), "elderly_min_age"),
        early_child_max_age=_int(params.get("early_child_max_age", 6), "early_child_max_age"),
        school_min_age=_int(params.get("school_min_age", 6), "school_min_age"),
        school_max_age=_int(params.get("school_max_age", 21), "school_max_age"),
        components=tuple(components),
        extras=extras,
    )


# --- the member components ---------------------------------------------------------------------------
def counted_member_sql() -> str:
    """A release person `rp` (joined to its registry row `p`) counts on the period's first day: born
    by then (a release read for an earlier period holds members born since) and not dead before it."""
    return (
        "rp.birth_date <= %(first_day)s AND "
        "NOT (COALESCE(p.status, '') = 'DECEASED' AND (p.death_date IS NULL OR p.death_date < %(first_day)s))"
    )


SCHOOL_AGE = "rp.birth_date <= %(school_born_by)s AND rp.birth_date > %(school_born_after)s"


def _predicate(c: Component) -> str:
    return {
        "PREGNANT": "rp.pregnant = %(yes)s",
        "EARLY_CHILD": "rp.birth_date > %(early_child_born_after)s AND rp.school_level IN ('NONE', 'PAUD')",
        "SCHOOL_SD": "rp.school_level = 'SD' AND %(school_age)s",
        "SCHOOL_SMP": "rp.school_level = 'SMP' AND %(school_age)s",
        "SCHOOL_SMA": "rp.school_level = 'SMA' AND %(school_age)s",
        "DISABILITY_SEVERE": "rp.disability_severity = 'SEVERE'",
        "ELDERLY": "rp.birth_date <= %(elderly_born_by)s",
    }[c.rule].replace("%(school_age)s", SCHOOL_AGE)


def _case(values: dict[int, str], default: str = "NULL") -> str:
    """CASE comp WHEN i THEN value ... END over the given component indexes."""
    if not values:
        return default
    whens = " ".join(f"WHEN {i} THEN {v}" for i, v in values.items())
    return f"CASE comp {whens} ELSE {default} END"


def components_cte(plan: Plan, scope_sql: str) -> str:
    """WITH … defining `lines` (household_id, comp, n, amount) and `totals` (household_id, amount,
    components) for the households of `scope_sql` (a SELECT of household ids, in a release)."""
    person = [c for c in plan.components if c.rule in MEMBER_RULES]
    # The candidate: the highest amount per disbursement first, ties by list order.
    ordered = sorted(person, key=lambda c: (-c.amount, c.index))
    candidate = (
        "CASE " + " ".join(f"WHEN {_predicate(c)} THEN {c.index}" for c in ordered) + " END"
        if ordered
        else "CAST(NULL AS INTEGER)"
    )
    amount = _case({c.index: str(c.amount) for c in person}, "0")
    limits = {c.index: str(c.max_count) for c in person if c.max_count is not None}
    max_count = _case(limits, "rn") if limits else "rn"
    cap = "" if plan.family_cap is None else f"WHERE rc <= {plan.family_cap}"
    # Flat amounts: the family once (FAMILY), every counted member (PERSON); extras of the month
    # for every family in scope (rules.evaluate adds them whatever else the family has).
    flat = [
        f"SELECT household_id, {c.index} AS comp, 1 AS n, {c.amount} AS amount FROM members GROUP BY household_id"
        if c.rule == "FAMILY"
        else f"SELECT household_id, {c.index} AS comp, COUNT(*) AS n, {c.amount} * COUNT(*) AS amount "
        "FROM members GROUP BY household_id"
        for c in plan.components
        if c.rule in ("FAMILY", "PERSON")
    ]
    flat += [
        f"SELECT household_id, {index} AS comp, 1 AS n, {amt} AS amount FROM ({scope_sql}) sc"
        for index, _code, amt in plan.extras
    ]
    more = "".join(f" UNION ALL {q}" for q in flat)
    return f"""
    WITH members AS (
        SELECT rp.household_id AS household_id, rp.person_id AS person_id, {candidate} AS comp
        FROM updates_releaseperson rp
        LEFT JOIN registry_person p ON p.id = rp.person_id
        WHERE rp.release_id = %(release)s AND rp.household_id IN ({scope_sql})
          AND {counted_member_sql()}
    ),
    ranked AS (
        SELECT household_id, person_id, comp,
               ROW_NUMBER() OVER (PARTITION BY household_id, comp ORDER BY person_id) AS rn
        FROM members WHERE comp IS NOT NULL
    ),
    kept AS (
        SELECT household_id, person_id, comp, {amount} AS amount,
               ROW_NUMBER() OVER (PARTITION BY household_id ORDER BY {amount} DESC, comp, person_id) AS rc
        FROM ranked WHERE rn <= {max_count}
    ),
    lines AS (
        SELECT household_id, comp, COUNT(*) AS n, SUM(amount) AS amount
        FROM kept {cap} GROUP BY household_id, comp{more}
    ),
    totals AS (
        SELECT household_id, SUM(amount) AS amount,
               SUM(CASE WHEN comp < {EXTRA_BASE} THEN n ELSE 0 END) AS components
        FROM lines GROUP BY household_id
    )
    """


def code_case(plan: Plan) -> str:
    """The component code of a line's index, as bound parameters."""
    whens = [f"WHEN {c.index} THEN %(code_{c.index})s" for c in plan.components]
    whens += [f"WHEN {index} THEN %(code_{index})s" for index, _code, _amt in plan.extras]
    return "CASE l.comp " + " ".join(whens) + " END"


# --- the statements ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunKeys:
    program_id: int
    run_id: int
    release_id: int
    now: dt.datetime


def bind(plan: Plan, keys: RunKeys) -> dict[str, Any]:
    """Every parameter any statement of the run names, as the database stores it."""
    ops = connection.ops
    d = plan.first_day

    def day(value: dt.date) -> Any:
        return ops.adapt_datefield_value(value)

    out: dict[str, Any] = {
        "program": keys.program_id,
        "run": keys.run_id,
        "release": keys.release_id,
        "now": ops.adapt_datetimefield_value(keys.now),
        "period": plan.period,
        "tahap": plan.tahap,
        "year": plan.year,
        "first_day": day(d),
        "yes": True,
        "max_decile": plan.max_decile,
        "min_components": plan.min_components,
        "early_child_born_after": day(years_before(d, plan.early_child_max_age + 1)),
        "school_born_by": day(years_before(d, plan.school_min_age)),
        "school_born_after": day(years_before(d, plan.school_max_age + 1)),
        "elderly_born_by": day(years_before(d, plan.elderly_min_age)),
    }
    for c in plan.components:
        out[f"code_{c.index}"] = c.code
    for index, code, _amt in plan.extras:
        out[f"code_{index}"] = code
    for i, code in enumerate(plan.exclude_programs):
        out[f"exclude_{i}"] = code
    return out


def _excluded_sql(plan: Plan, household: str) -> str:
    """An ACTIVE enrolment of `household` in one of the plan's excluded programs."""
    if not plan.exclude_programs:
        return "1 = 0"
    codes = ", ".join(f"%(exclude_{i})s" for i in range(len(plan.exclude_programs)))
    return f"""EXISTS (SELECT 1 FROM programs_enrollment x JOIN programs_program xp ON xp.id = x.program_id
                   WHERE x.household_id = {household} AND x.status = 'ACTIVE' AND xp.code IN ({codes}))"""


_EXIT_SET = "status = 'EXITED', exit_period = %(period)s, exit_run_id = %(run)s, exited_at = %(now)s"
_ACTIVE = "programs_enrollment.program_id = %(program)s AND programs_enrollment.status = 'ACTIVE'"


def exit_not_in_release_sql() -> str:
    """ACTIVE enrolments of households the release no longer holds: DUPLICATE if the registry
    household was closed as a duplicate (INACTIVE, reason DUPLICATE) or merged into another
    (status MERGED), else NOT_IN_RELEASE."""
    return f"""
    UPDATE programs_enrollment SET {_EXIT_SET},
        exit_reason = CASE WHEN EXISTS (
            SELECT 1 FROM registry_household h WHERE h.id = programs_enrollment.household_id
              AND (h.status = 'MERGED' OR (h.status = 'INACTIVE' AND h.inactive_reason IN ('DUPLICATE', 'MERGED'))))
            THEN 'DUPLICATE' ELSE 'NOT_IN_RELEASE' END
    WHERE {_ACTIVE} AND NOT EXISTS (
        SELECT 1 FROM updates_releasehousehold rh
        WHERE rh.release_id = %(release)s AND rh.household_id = programs_enrollment.household_id)
    """


def exit_deceased_sql() -> str:
    """ACTIVE enrolments in whose household no member counts on the period's first day."""
    return f"""
    UPDATE programs_enrollment SET {_EXIT_SET}, exit_reason = 'DECEASED'
    WHERE {_ACTIVE} AND NOT EXISTS (
        SELECT 1 FROM updates_releaseperson rp LEFT JOIN registry_person p ON p.id = rp.person_id
        WHERE rp.release_id = %(release)s AND rp.household_id = programs_enrollment.household_id
          AND {counted_member_sql()})
    """


def exit_not_eligible_sql(plan: Plan) -> str:
    """ACTIVE enrolments no longer eligible: decile above the program's (or not scored), an ACTIVE
    enrolment in an excluded program, or (PKH) fewer counted components than the minimum."""
    cte = ""
    too_few = "1 = 0"
    if plan.min_components > 0:
        scope = "SELECT household_id FROM programs_enrollment WHERE program_id = %(program)s AND status = 'ACTIVE'"
        cte = components_cte(plan, scope)
        too_few = """NOT EXISTS (SELECT 1 FROM totals t WHERE t.household_id = programs_enrollment.household_id
                                   AND t.components >= %(min_components)s)"""
    return f"""
    {cte}
    UPDATE programs_enrollment SET {_EXIT_SET}, exit_reason = 'NOT_ELIGIBLE'
    WHERE {_ACTIVE} AND (
        NOT EXISTS (SELECT 1 FROM targeting_householdscore s WHERE s.release_id = %(release)s
                      AND s.household_id = programs_enrollment.household_id AND s.decile <= %(max_decile)s)
        OR {_excluded_sql(plan, "programs_enrollment.household_id")}
        OR {too_few})
    """


def follow_moves_sql() -> str:
    """ACTIVE enrolments take the village their household has in the release (a family that moved
    is counted, scoped and paid where it lives now)."""
    cols = ("village_code", "district_code", "regency_code", "province_code")
    sets = ", ".join(
        f"{c} = (SELECT rh.{c} FROM updates_releasehousehold rh WHERE rh.release_id = %(release)s "
        f"AND rh.household_id = programs_enrollment.household_id)"
        for c in cols
    )
    return f"""
    UPDATE programs_enrollment SET {sets}
    WHERE {_ACTIVE} AND EXISTS (
        SELECT 1 FROM updates_releasehousehold rh WHERE rh.release_id = %(release)s
          AND rh.household_id = programs_enrollment.household_id AND rh.village_code <> programs_enrollment.village_code)
    """


def _quota_region(alias: str) -> str:
    """The quota region of a row with regency and province codes: its regency's quota row if there
    is one, else its province's, else NULL (enrols nobody)."""
    return f"""CASE
        WHEN EXISTS (SELECT 1 FROM programs_quota q WHERE q.program_id = %(program)s AND q.year = %(year)s
                     AND q.region_code = {alias}.regency_code) THEN {alias}.regency_code
        WHEN EXISTS (SELECT 1 FROM programs_quota q WHERE q.program_id = %(program)s AND q.year = %(year)s
                     AND q.region_code = {alias}.province_code) THEN {alias}.province_code
        END"""


def enrol_sql(plan: Plan, *, with_quota: bool) -> str:
    """Enrol the eligible families not ACTIVE in the program, ranked per quota region by score
    (poorest first) then household id, while rank <= quota - ACTIVE enrolments of the region.
    Without any quota row for the year, every eligible family is enrolled, ranked per regency."""
    scope = "SELECT household_id FROM targeting_householdscore WHERE release_id = %(release)s AND decile <= %(max_decile)s"
    cte = components_cte(plan, scope)
    enough = (
        "AND EXISTS (SELECT 1 FROM totals t WHERE t.household_id = rh.household_id "
        "AND t.components >= %(min_components)s)"
        if plan.min_components > 0
        else ""
    )
    region = _quota_region("rh") if with_quota else "rh.regency_code"
    finals = ", ".join(f"'{r}'" for r in FINAL_EXITS)
    limit = (
        """JOIN programs_quota q ON q.program_id = %(program)s AND q.year = %(year)s AND q.region_code = c.qregion
           LEFT JOIN region_active a ON a.qregion = c.qregion
           WHERE c.rnk <= q.households - COALESCE(a.n, 0)"""
        if with_quota
        else "WHERE 1 = 1"
    )
    return f"""
    {cte},
    candidates AS (
        SELECT rh.household_id AS household_id, rh.village_code AS village_code,
               rh.district_code AS district_code, rh.regency_code AS regency_code,
               rh.province_code AS province_code, s.score AS score, {region} AS qregion
        FROM updates_releasehousehold rh
        JOIN targeting_householdscore s ON s.release_id = rh.release_id AND s.household_id = rh.household_id
        WHERE rh.release_id = %(release)s AND s.decile <= %(max_decile)s
          AND NOT EXISTS (SELECT 1 FROM programs_enrollment e WHERE e.program_id = %(program)s
                          AND e.household_id = rh.household_id
                          AND (e.status = 'ACTIVE' OR e.exit_reason IN ({finals})))
          AND NOT {_excluded_sql(plan, "rh.household_id")}
          AND EXISTS (SELECT 1 FROM updates_releaseperson rp LEFT JOIN registry_person p ON p.id = rp.person_id
                      WHERE rp.release_id = %(release)s AND rp.household_id = rh.household_id
                        AND {counted_member_sql()})
          {enough}
    ),
    ordered AS (
        SELECT household_id, village_code, district_code, regency_code, province_code, qregion,
               ROW_NUMBER() OVER (PARTITION BY qregion ORDER BY score, household_id) AS rnk
        FROM candidates WHERE qregion IS NOT NULL
    ),
    region_active AS (
        SELECT qregion, COUNT(*) AS n FROM (
            SELECT {_quota_region("e") if with_quota else "e.regency_code"} AS qregion
            FROM programs_enrollment e WHERE e.program_id = %(program)s AND e.status = 'ACTIVE') ae
        GROUP BY qregion
    )
    INSERT INTO programs_enrollment
        (program_id, household_id, village_code, district_code, regency_code, province_code, status,
         rank, enrolled_run_id, enrolled_period, exit_reason, exit_period, exit_run_id, exited_at, exit_note)
    SELECT %(program)s, c.household_id, c.village_code, c.district_code, c.regency_code, c.province_code,
           'ACTIVE', c.rnk, %(run)s, %(period)s, '', '', NULL, NULL, ''
    FROM ordered c {limit}
    """


def entitlements_sql(plan: Plan) -> str:
    """One entitlement per ACTIVE enrolment with an amount > 0; a family that already has one for
    the period keeps it (ON CONFLICT DO NOTHING: a second run of the period adds nothing)."""
    scope = (
        "SELECT household_id FROM programs_enrollment WHERE program_id = %(program)s AND status = 'ACTIVE'"
    )
    return f"""
    {components_cte(plan, scope)}
    INSERT INTO programs_entitlement
        (program_id, household_id, period, tahap, amount, run_id, release_id, enrollment_id,
         village_code, district_code, regency_code, province_code, created_at)
    SELECT %(program)s, e.household_id, %(period)s, %(tahap)s, t.amount, %(run)s, %(release)s, e.id,
           e.village_code, e.district_code, e.regency_code, e.province_code, %(now)s
    FROM programs_enrollment e JOIN totals t ON t.household_id = e.household_id
    WHERE e.program_id = %(program)s AND e.status = 'ACTIVE' AND t.amount > 0
    ON CONFLICT (program_id, period, household_id) DO NOTHING
    """


def entitlement_lines_sql(plan: Plan) -> str:
    """The component lines of the entitlements this run created."""
    # program and period first: the (program, period, regency) index finds the period's rows.
    scope = (
        "SELECT household_id FROM programs_entitlement "
        "WHERE program_id = %(program)s AND period = %(period)s AND run_id = %(run)s"
    )
    return f"""
    {components_cte(plan, scope)}
    INSERT INTO programs_entitlementcomponent (entitlement_id, component, count, amount)
    SELECT en.id, {code_case(plan)}, l.n, l.amount
    FROM programs_entitlement en JOIN lines l ON l.household_id = en.household_id
    WHERE en.program_id = %(program)s AND en.period = %(period)s AND en.run_id = %(run)s
    """


def evaluate_sql(plan: Plan) -> str:
    """The lines of every household of the release (or of `scope`), without writing anything: for
    tests and the agreement with programs.rules."""
    scope = "SELECT household_id FROM updates_releasehousehold WHERE release_id = %(release)s"
    return f"""
    {components_cte(plan, scope)}
    SELECT l.household_id, {code_case(plan)} AS component, l.n, l.amount FROM lines l
    ORDER BY l.household_id, l.comp
    """
