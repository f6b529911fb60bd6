"""Pages: why a family receives what it receives (bansos keluarga), and the rules simulator.

`keluarga/<household_id>/bansos/`: per program, the family's entitlements with their stored components
and, beside each, the rules evaluated again in plain Python (programs.rules) on the members of the
release the entitlement used, the registry's death dates and the release's decile; a difference from
the stored amount is shown as a warning. Below, what the rules say for every program at a period on
the latest published release, which answers "why do we not receive X".

`bansos/simulasi/`: the same evaluation as `sejahtera benefits simulate` for a family typed in a form.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.forms import formset_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, ensure_can
from sejahtera.accounts.scoping import household_scope
from sejahtera.common.errors import NotInJurisdiction
from sejahtera.registry import codes
from sejahtera.registry.models import Household, Person
from sejahtera.targeting.models import HouseholdScore
from sejahtera.updates.models import Release, ReleaseHousehold, ReleasePerson

from ..models import Enrollment, Entitlement, Program
from ..parameters import InputError, program_year, short_source, simulate
from ..rules import (
    ComponentLine,
    HouseholdFacts,
    Member,
    ProgramResult,
    Reason,
    evaluate,
    parse_period,
)


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def _period_param(raw: str | None) -> str:
    """?period=YYYY-MM, else the current month."""
    try:
        parse_period(raw or "")
        return str(raw)
    except ValueError:
        return timezone.localdate().strftime("%Y-%m")


# --- the household's facts in a release ----------------------------------------------------------------
@dataclass
class ReleaseMembers:
    """The members of the household in one release, numbered 1.. in person id order (the rules'
    member order), with the registry's death status."""

    release: Release
    persons: list[ReleasePerson]
    deaths: dict[int, dt.date | None]  # person_id -> death date (None: deceased, date unknown)
    decile: int | None

    def facts(self, period: str, enrolled_in: frozenset[str]) -> HouseholdFacts:
        year, month = parse_period(period)
        first_day = dt.date(year, month, 1)
        members = []
        for n, p in enumerate(self.persons, start=1):
            # Rule 1: deceased before the period's first day (no date: deceased) does not count.
            dead = False
            if p.person_id in self.deaths:
                death_date = self.deaths[p.person_id]
                dead = death_date is None or death_date < first_day
            members.append(
                Member(
                    order=n,
                    birth_date=p.birth_date,
                    sex=p.sex,
                    relationship=p.relationship,
                    pregnant=p.pregnant,
                    school_level=p.school_level,
                    disability=p.disability_severity or "NONE",
                    alive=not dead,
                )
            )
        return HouseholdFacts(region="", decile=self.decile, members=members, enrolled_in=enrolled_in)

    def rows(self) -> list[dict[str, Any]]:
        relationship = dict(codes.Relationship.choices)
        school = dict(codes.SchoolLevel.choices)
        disability = dict(codes.DisabilitySeverity.choices)
        return [
            {
                "n": n,
                "person_id": p.person_id,
                "name": p.full_name,
                "nik": p.nik,
                "relationship": relationship.get(p.relationship, p.relationship),
                "birth_date": p.birth_date,
                "school": school.get(p.school_level, p.school_level),
                "disability": disability.get(p.disability_severity, p.disability_severity),
                "pregnant": p.pregnant,
                "deceased": p.person_id in self.deaths,
                "death_date": self.deaths.get(p.person_id),
            }
            for n, p in enumerate(self.persons, start=1)
        ]


def _release_members(household_id: int, releases: list[Release]) -> dict[int, ReleaseMembers]:
    """Members, deaths and decile of the household in each release, in three queries."""
    ids = [r.pk for r in releases]
    persons: dict[int, list[ReleasePerson]] = defaultdict(list)
    for p in ReleasePerson.objects.filter(release_id__in=ids, household_id=household_id).order_by(
        "release_id", "person_id"
    ):
        persons[p.release_id].append(p)
    person_ids = {p.person_id for ps in persons.values() for p in ps}
    deaths = dict(
        Person.objects.filter(pk__in=person_ids, status=codes.RecordStatus.DECEASED).values_list(
            "pk", "death_date"
        )
    )
    deciles = dict(
        HouseholdScore.objects.filter(release_id__in=ids, household_id=household_id).values_list(
            "release_id", "decile"
        )
    )
    return {
        r.pk: ReleaseMembers(release=r, persons=persons[r.pk], deaths=deaths, decile=deciles.get(r.pk))
        for r in releases
    }


# --- the household page ---------------------------------------------------------------------------------
@dataclass
class EntitlementRow:
    entitlement: Entitlement
    stored: list[ComponentLine]  # the lines the run wrote
    result: ProgramResult
    differs: bool
    source: str


@dataclass
class ProgramBlock:
    program: Program
    enrollment: Enrollment | None
    rows: list[EntitlementRow] = field(default_factory=list)
    now: ProgramResult | None = None  # the rules at the page's period, latest release
    now_note: str = ""

    @property
    def total(self) -> int:
        return sum(r.entitlement.amount for r in self.rows)


def _household(user: User, household_id: int) -> Household:
    ensure_can(user, Action.PROGRAM_VIEW)
    hh = Household.objects.filter(household_scope(user), pk=household_id).select_related("village").first()
    if hh is None:
        raise NotInJurisdiction(gettext("Keluarga tidak ditemukan di wilayah kewenangan Anda."))
    return hh


@login_required
@require_GET
def household_benefits(request: HttpRequest, household_id: int) -> HttpResponse:
    user = _actor(request)
    hh = _household(user, household_id)
    period = _period_param(request.GET.get("period"))

    enrollments = list(
        Enrollment.objects.filter(household_id=hh.pk).select_related("program").order_by("-id")
    )
    active = frozenset(e.program.code for e in enrollments if e.status == Enrollment.Status.ACTIVE)
    entitlements = list(
        Entitlement.objects.filter(household_id=hh.pk)
        .select_related("program", "release", "run__parameter")
        .prefetch_related("components")
        .order_by("program__code", "-period")
    )
    latest = (
        ReleaseHousehold.objects.filter(household_id=hh.pk, release__status=Release.Status.PUBLISHED)
        .select_related("release")
        .order_by("-release__number")
        .first()
    )
    releases = {e.release_id: e.release for e in entitlements}
    if latest is not None:
        releases[latest.release_id] = latest.release
    members = _release_members(hh.pk, list(releases.values()))

    blocks: dict[str, ProgramBlock] = {}
    for program in Program.objects.order_by("code"):
        enrollment = next((e for e in enrollments if e.program_id == program.pk), None)
        blocks[program.code] = ProgramBlock(program=program, enrollment=enrollment)
    for ent in entitlements:
        row = ent.run.parameter
        # The exclusion rule reads the family's other programs: its enrolments now stand for those
        # active at the run (an enrolment that ended since is not seen).
        facts = members[ent.release_id].facts(ent.period, active - {ent.program.code})
        source = short_source(row.legal_source)
        try:
            result = evaluate(ent.program.code, row.params, facts, ent.period, source=source)
        except ValueError:
            result = ProgramResult(
                program=ent.program.code,
                period=ent.period,
                tahap=ent.tahap,
                months=0,
                eligible=False,
                reasons=[Reason(gettext("Periode ini bukan bulan penyaluran menurut parameter."), source)],
            )
        labels = {
            str(c["code"]): str(c["label"])
            for c in [*row.params["components"], *row.params.get("extras", [])]
        }
        stored = [
            ComponentLine(c.component, labels.get(c.component, c.component), c.count, c.amount)
            for c in sorted(ent.components.all(), key=lambda c: c.component)
        ]
        computed = sorted((c.code, c.count, c.amount) for c in result.components)
        blocks[ent.program.code].rows.append(
            EntitlementRow(
                entitlement=ent,
                stored=stored,
                result=result,
                differs=result.amount != ent.amount
                or [(c.code, c.count, c.amount) for c in stored] != computed,
                source=row.legal_source,
            )
        )
    if latest is not None:
        year = int(period[:4])
        for block in blocks.values():
            facts = members[latest.release_id].facts(period, active - {block.program.code})
            now = program_year(block.program, facts, year).covering(period)
            if now is None:
                block.now_note = gettext(
                    "Tidak ada parameter program ini yang berlaku pada tahun %(year)d."
                ) % {"year": year}
            block.now = now

    latest_members = members[latest.release_id] if latest is not None else None
    return render(
        request,
        "programs/explain.html",
        {
            "household": hh,
            "period": period,
            # The programs the family is or was in first, then the others.
            "blocks": sorted(blocks.values(), key=lambda b: (not (b.rows or b.enrollment), b.program.code)),
            "has_entitlements": bool(entitlements),
            "any_differs": any(r.differs for b in blocks.values() for r in b.rows),
            "latest_release": latest.release if latest is not None else None,
            "latest_decile": latest_members.decile if latest_members else None,
            "latest_members": latest_members.rows() if latest_members else [],
            "release_members": [
                (m.release, m.decile, m.rows())
                for rid, m in sorted(members.items(), reverse=True)
                if latest is None or rid != latest.release_id
            ],
        },
    )


# --- the simulator -------------------------------------------------------------------------------------
SIMULATOR_ROWS = 8


class SimulationForm(forms.Form):
    period = forms.RegexField(
        label=_("Periode"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        max_length=7,
        help_text=_("YYYY-MM: menentukan tahun dan parameter yang berlaku."),
        error_messages={"invalid": _("Periode harus berbentuk YYYY-MM, mis. 2021-01.")},
    )
    decile = forms.IntegerField(
        label=_("Desil nasional"),
        min_value=1,
        max_value=10,
        required=False,
        help_text=_("1 = 10% termiskin; kosongkan bila belum ada desil."),
    )
    programs = forms.MultipleChoiceField(label=_("Program"), widget=forms.CheckboxSelectMultiple)
    enrolled_in = forms.MultipleChoiceField(
        label=_("Sudah terdaftar aktif di"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("BST tidak untuk penerima PKH atau BPNT; BPNT PPKM tidak untuk penerima BPNT."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(p.code, f"{p.code} — {p.name}") for p in Program.objects.order_by("code")]
        for name in ("programs", "enrolled_in"):
            field_ = self.fields[name]
            assert isinstance(field_, forms.MultipleChoiceField)
            field_.choices = choices


class MemberForm(forms.Form):
    birth_date = forms.DateField(label=_("Tanggal lahir"), widget=forms.DateInput(attrs={"type": "date"}))
    sex = forms.ChoiceField(label=_("Jenis kelamin"), choices=codes.Sex.choices, initial=codes.Sex.FEMALE)
    relationship = forms.ChoiceField(
        label=_("Hubungan keluarga"), choices=codes.Relationship.choices, initial=codes.Relationship.CHILD
    )
    school_level = forms.ChoiceField(
        label=_("Sekolah"), choices=codes.SchoolLevel.choices, initial=codes.SchoolLevel.NONE
    )
    disability = forms.ChoiceField(
        label=_("Disabilitas"),
        choices=codes.DisabilitySeverity.choices,
        initial=codes.DisabilitySeverity.NONE,
    )
    pregnant = forms.BooleanField(label=_("Hamil/nifas"), required=False)
    alive = forms.BooleanField(label=_("Masih hidup pada periode ini"), required=False, initial=True)


MemberFormSet = formset_factory(
    MemberForm, extra=SIMULATOR_ROWS, max_num=SIMULATOR_ROWS, absolute_max=SIMULATOR_ROWS
)


@login_required
@require_GET
def simulator(request: HttpRequest) -> HttpResponse:
    ensure_can(_actor(request), Action.PROGRAM_VIEW)
    submitted = "period" in request.GET
    if submitted:
        form = SimulationForm(request.GET)
        members = MemberFormSet(request.GET, prefix="m")
    else:
        form = SimulationForm(
            initial={
                "period": timezone.localdate().strftime("%Y-%m"),
                "decile": 2,
                "programs": ["PKH", "BPNT"],
            }
        )
        members = MemberFormSet(prefix="m")
    result = None
    if submitted and form.is_valid() and members.is_valid():
        rows = [m.cleaned_data for m in members.forms if m.has_changed() and m.cleaned_data]
        doc = {
            "period": form.cleaned_data["period"],
            "household": {
                "region": "",
                "decile": form.cleaned_data["decile"],
                "members": [
                    {
                        "birth_date": r["birth_date"].isoformat(),
                        "sex": r["sex"],
                        "relationship": r["relationship"],
                        "pregnant": r["pregnant"],
                        "school_level": r["school_level"],
                        "disability": r["disability"],
                        "alive": r["alive"],
                    }
                    for r in rows
                ],
            },
            "programs": form.cleaned_data["programs"],
            "enrolled_in": form.cleaned_data["enrolled_in"],
        }
        try:
            result = simulate(doc)
        except InputError as exc:  # the form checks the same; kept for a rule the form does not know
            form.add_error(None, str(exc))
    programs = (
        [{**data, "code": code} for code, data in (result or {}).get("programs", {}).items()]
        if result
        else []
    )
    return render(
        request,
        "programs/explain_simulator.html",
        {"form": form, "members": members, "results": programs, "submitted": submitted},
    )


ROUTES: list[URLPattern] = [
    path("keluarga/<int:household_id>/bansos/", household_benefits, name="household_benefits"),
    path("bansos/simulasi/", simulator, name="benefits_simulator"),
]
