"""Every URL route of the project, with every persona: nothing outside the persona's jurisdiction
shows, and records outside it answer 404 (issue 2 §5, DESIGN.md "Scoping").

The walker reads the routes from the project's resolver when it runs, so a route added tomorrow
is walked tomorrow. It fills URL parameters by name (OBJECT_KWARGS, REGION_KWARGS); a route with a
parameter it does not know fails `test_the_walker_knows_every_route_parameter` until the walker is
taught the name.

Seed: three households, each with a head and a spouse, an import job with a rejected row and an
audit entry, every text carrying a distinctive marker (ZZALPHA, ZZCHARLIE, ZZBRAVO):
  ZZALPHA   village 3204052001 (Kab. Bandung, Kec. Cileunyi)  — region A
  ZZCHARLIE village 3204332007 (Kab. Bandung, Kec. Majalaya)  — region A, another district
  ZZBRAVO   village 3273011001 (Kota Bandung)                 — region B
For each persona every route is requested (lists also with searches and region filters aimed at
the foreign seeds, as CSV and XLSX exports, and as htmx partials); the answer (body, headers,
redirects; XLSX cells) must not contain a marker of a seed outside the persona's sight.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import openpyxl
import pytest
from captcha.models import CaptchaStore
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, resolve
from django.urls.resolvers import RegexPattern, RoutePattern
from django.views.i18n import set_language

from sejahtera.accounts.models import User
from sejahtera.common.audit import audit_record
from sejahtera.common.models import AuditEntry
from sejahtera.payments.models import Payment, PaymentBatch, StatusImport, StatusImportError
from sejahtera.programs.models import (
    Enrollment,
    Entitlement,
    EntitlementComponent,
    Program,
    ProgramParameter,
    ProgramRun,
    Withdrawal,
)
from sejahtera.quality.dedup.tests.walker import seed_dedup  # quality.dedup
from sejahtera.registry.identifiers import kk_for, nik_for
from sejahtera.registry.models import Household, ImportJob, ImportRowError, Person
from sejahtera.targeting.models import HouseholdScore, ReleaseScoring, ScoringModel
from sejahtera.updates.models import (
    PopulationEvent,
    Proposal,
    QACase,
    Release,
    ReleaseChange,
    ReleaseHousehold,
    VerificationPhoto,
    VerificationTask,
)

# The personas' places (conftest.py). conftest.VILLAGE_B (3273010001) is not a Kemendagri code
# (Kota Bandung numbers its kelurahan 1xxx), so region B's village is chosen here.
VILLAGE_A = "3204052001"  # Cileunyi Kulon, Kec. Cileunyi, Kab. Bandung
VILLAGE_A2 = "3204332007"  # Majakerta, Kec. Majalaya, Kab. Bandung
VILLAGE_B = "3273011001"  # Sukarasa, Kec. Sukasari, Kota Bandung


# --- the seed --------------------------------------------------------------------------------------
@dataclass
class Benefits:
    """The national records of issue 4 in the seed: the program run, the payment batch holding
    every seed's payment (a batch is national; what a persona sees of it is narrowed by region) and
    a status file imported into it."""

    run: ProgramRun
    batch: PaymentBatch
    status_import: StatusImport


@dataclass
class Seed:
    tag: str  # ZZALPHA, ...
    village: str
    region_code: str  # what a region parameter of a route gets for this seed
    household: Household
    head: Person
    spouse: Person
    job: ImportJob
    proposal: Proposal
    task: VerificationTask  # an open field visit of the proposal
    photo: VerificationPhoto  # of an earlier, finished visit
    qa_case: QACase
    release: Release | None = None  # national: the same release for every seed
    enrollment: Enrollment | None = None  # PKH, with an entitlement, a withdrawal and a payment
    withdrawal: Withdrawal | None = None
    entitlement: Entitlement | None = None
    complaint: Any = None  # a public complaint of the village (portal.requests)
    submission: Any = None  # a citizen's usul behind the seed's proposal (portal.requests)
    benefits: Benefits | None = None  # national: the same run and batch for every seed
    quality: Any = None  # issue 6: the head's padan finding, its override, the national runs
    dedup_pair: Any = None  # issue 6 §3: a duplicate pair of the head and spouse (quality.dedup)
    dedup_run: Any = None  # national: the same duplicate-detection run for every seed

    @property
    def markers(self) -> list[str]:
        """Texts that only this seed's records contain (compared upper-case)."""
        return [
            f"{self.tag} MARKER",
            f"{self.tag} ISTRI",
            f"JL. {self.tag} NO. 7",
            f"{self.tag}-KELUARGA.CSV",
            f"{self.tag} KOREKSI",
            self.head.nik,
            self.spouse.nik,
            self.household.kk_number,
        ]


SEED_PLACES = {
    "ZZALPHA": (VILLAGE_A, VILLAGE_A[:6]),
    "ZZCHARLIE": (VILLAGE_A2, VILLAGE_A2[:6]),
    "ZZBRAVO": (VILLAGE_B, VILLAGE_B[:4]),
}


def _seed(tag: str, village: str, region_code: str, serial: int, importer: Any, editor: Any) -> Seed:
    district = village[:6]
    job = ImportJob.objects.create(
        created_by=importer,
        status=ImportJob.Status.SUCCEEDED_WITH_REJECTIONS,
        phase=ImportJob.Phase.DONE,
        households_file=f"uploads/{tag.lower()}-keluarga.csv",
        persons_file=f"uploads/{tag.lower()}-anggota.csv",
        households_name=f"{tag.lower()}-keluarga.csv",
        persons_name=f"{tag.lower()}-anggota.csv",
        content_hash=f"{serial:064d}",
        households_imported=1,
        persons_imported=2,
        rows_rejected=1,
        scope_code=importer.jurisdiction_code,
    )
    hh = Household.objects.create(
        kk_number=kk_for(district_code=district, record_date=dt.date(2016, 4, 12), serial=serial),
        village_id=village,
        province_code=village[:2],
        regency_code=village[:4],
        district_code=district,
        address=f"Jl. {tag} No. 7",
        rt="003",
        rw="004",
        welfare_status=1,
        import_job=job,
    )
    head = Person.objects.create(
        household=hh,
        nik=nik_for(district_code=district, birth_date=dt.date(1975, 6, 9), sex="L", serial=serial),
        full_name=f"{tag} MARKER",
        birth_date=dt.date(1975, 6, 9),
        sex="L",
        relationship="HEAD",
        import_job=job,
    )
    spouse = Person.objects.create(
        household=hh,
        nik=nik_for(district_code=district, birth_date=dt.date(1978, 2, 21), sex="P", serial=serial),
        full_name=f"{tag} ISTRI",
        birth_date=dt.date(1978, 2, 21),
        sex="P",
        relationship="SPOUSE",
        import_job=job,
    )
    ImportRowError.objects.create(
        job=job,
        file="persons",
        row=3,
        column="full_name",
        code="NIK_DUPLICATE",
        message=f"{tag} MARKER sudah terdaftar",
        value=head.nik,
    )
    audit_record(
        actor=editor,
        action="person.update",
        object_type="person",
        object_id=head.pk,
        region_code=village,
        before={"birth_place": "BANDUNG"},
        after={"birth_place": f"{tag} KOREKSI"},
        reason=f"{tag} KOREKSI tempat lahir",
    )
    proposal, task, photo, case = _seed_cycle(tag, village, hh, importer, editor)
    PopulationEvent.objects.create(
        event_id=f"{tag}-EV-1",
        kind=PopulationEvent.Kind.DEATH,
        nik=head.nik,
        status=PopulationEvent.Status.REJECTED,
        reason_code="NOT_ACTIVE",
        reason=f"{tag} MARKER berstatus nonaktif",
        region_code=village,
        received_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
    )
    return Seed(tag, village, region_code, hh, head, spouse, job, proposal, task, photo, case)


JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def _seed_cycle(tag: str, village: str, hh: Household, maker: Any, checker: Any) -> tuple[Any, ...]:
    """A proposal on the seed's family (open visit, a finished earlier visit with a photo, a QA case)."""
    from django.conf import settings

    at = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)
    proposal = Proposal(
        kind=Proposal.Kind.HOUSEHOLD_CHANGE,
        origin=Proposal.Origin.RT_RW,
        status=Proposal.Status.QA_REVIEW,
        household=hh,
        payload={"changes": {"address": f"JL. {tag} NO. 7"}},
        note=f"{tag} KOREKSI alamat",
        submitted_by=maker,
        submitted_at=at,
        due_at=at + dt.timedelta(days=30),
    )
    proposal.place_in(village)
    proposal.save()
    done = VerificationTask(
        proposal=proposal,
        status=VerificationTask.Status.DONE,
        result=VerificationTask.Result.CONFIRMED,
        latitude="-6.9",
        longitude="107.7",
        visited_on=at.date(),
        notes=f"{tag} KOREKSI di lapangan",
        verified_by=checker,
        completed_at=at,
    )
    done.place_in(village)
    done.save()
    path = f"verifikasi/{done.pk}/{tag.lower()}.jpg"
    (settings.PRIVATE_MEDIA_ROOT / path).parent.mkdir(parents=True, exist_ok=True)
    (settings.PRIVATE_MEDIA_ROOT / path).write_bytes(JPEG)
    photo = VerificationPhoto.objects.create(
        task=done, path=path, content_type="image/jpeg", size=len(JPEG), sha256="0" * 64
    )
    task = VerificationTask(proposal=proposal, round=2)
    task.place_in(village)
    task.save()
    case = QACase(
        proposal=proposal, task=done, reason=QACase.Reason.ASSETS_CONTRADICT, findings=[f"{tag} MARKER memiliki mobil"],
        opened_at=at,
    )  # fmt: skip
    case.place_in(village)
    case.save()
    return proposal, task, photo, case


def _seed_release(seeds: dict[str, Seed], builder: Any) -> Release:
    """A draft release holding every seed's household, with its diff (all of them added)."""
    release = Release.objects.create(
        number=1, period="2026-10", cutoff=dt.datetime(2026, 10, 31, tzinfo=dt.UTC), status=Release.Status.DRAFT,
        built_by=builder, households=len(seeds), added=len(seeds),
    )  # fmt: skip
    for s in seeds.values():
        hh = s.household
        codes = {
            "kk_number": hh.kk_number,
            "village_code": hh.village_id,
            "district_code": hh.district_code,
            "regency_code": hh.regency_code,
            "province_code": hh.province_code,
        }
        ReleaseHousehold.objects.create(
            release=release, household_id=hh.pk, members=2, version=hh.updated_at, **codes
        )
        ReleaseChange.objects.create(
            release=release, household_id=hh.pk, change="ADDED", members_after=2, **codes
        )
        s.release = release
    return release


def _seed_benefits(seeds: dict[str, Seed], release: Release, manager: Any, checker: Any) -> None:
    """Scores in the release, a PKH run enrolling every seed's family with an entitlement and a
    withdrawal request, one batch (PT Pos, sent) paying all of them, and a status file."""
    ReleaseScoring.objects.create(
        release=release, model=ScoringModel.objects.get(status="ACTIVE"), households=3
    )
    program = Program.objects.get(code="PKH")
    parameter = ProgramParameter.objects.filter(program=program).order_by("-valid_from")[0]
    run = ProgramRun.objects.create(
        program=program, period="2026-10", release=release, parameter=parameter, status=ProgramRun.Status.DONE,
        started_by=manager, enrolled=3, entitlements=3, amount=3 * 600_000,
    )  # fmt: skip
    batch = PaymentBatch.objects.create(
        number=1, program=program, period="2026-10", channel="POS", status=PaymentBatch.Status.SENT,
        payments=3, total_amount=3 * 600_000, created_by=manager, approved_by=checker,
    )  # fmt: skip
    imported = StatusImport.objects.create(
        batch=batch, file_name="status-pos.csv", sha256="1" * 64, uploaded_by=manager, rows_read=2, rejected=1
    )
    StatusImportError.objects.create(
        status_import=imported, row=3, column="status", code="UNKNOWN_STATUS", message="Status tidak dikenal",
        value="LUNAS",
    )  # fmt: skip
    for s in seeds.values():
        hh = s.household
        codes = {
            "village_code": hh.village_id,
            "district_code": hh.district_code,
            "regency_code": hh.regency_code,
            "province_code": hh.province_code,
        }
        HouseholdScore.objects.create(release=release, household_id=hh.pk, score=10, decile=1,
                                      decile_province=1, decile_regency=1, **codes)  # fmt: skip
        enrollment = Enrollment.objects.create(
            program=program, household=hh, rank=1, enrolled_run=run, enrolled_period="2026-10", **codes
        )
        entitlement = Entitlement.objects.create(
            program=program, household=hh, period="2026-10", tahap=4, amount=600_000, run=run,
            release=release, enrollment=enrollment, **codes,
        )  # fmt: skip
        EntitlementComponent.objects.create(entitlement=entitlement, component="ELDERLY", amount=600_000)
        Payment.objects.create(
            batch=batch, entitlement=entitlement, household_id=hh.pk, amount=600_000,
            status=Payment.Status.SENT, kk_number=hh.kk_number, recipient_name=s.head.full_name,
            recipient_nik=s.head.nik, **codes,
        )  # fmt: skip
        s.enrollment, s.entitlement = enrollment, entitlement
        s.withdrawal = Withdrawal.objects.create(
            enrollment=enrollment, regency_code=hh.regency_code, village_code=hh.village_id,
            reason=f"{s.tag} MARKER mengundurkan diri", requested_by=manager,
        )  # fmt: skip
        s.benefits = Benefits(run, batch, imported)


@pytest.fixture
def seeds(db, district_a, district_b, central, program_manager, program_checker) -> dict[str, Seed]:
    importers = {"ZZALPHA": district_a, "ZZCHARLIE": district_a, "ZZBRAVO": district_b}
    made = {
        tag: _seed(tag, village, code, 7100 + i, importers[tag], central)
        for i, (tag, (village, code)) in enumerate(SEED_PLACES.items())
    }
    release = _seed_release(made, central)
    _seed_benefits(made, release, program_manager, program_checker)
    _seed_quality(made, central, district_a, district_b)
    seed_dedup(made, central)  # quality.dedup: a pair per village, a national run
    _seed_public_requests(made)
    return made


def _seed_public_requests(seeds: dict[str, Seed]) -> None:
    """A complaint and a citizen's usul (with a photo) in each seed's village (issue 5 §3-§5)."""
    from django.conf import settings

    from sejahtera.portal.requests.models import Complaint, PublicSubmission

    at = dt.datetime(2026, 10, 7, 8, 0, tzinfo=dt.UTC)
    for i, s in enumerate(seeds.values()):
        path = f"publik/{s.tag.lower()}.jpg"
        (settings.PRIVATE_MEDIA_ROOT / path).parent.mkdir(parents=True, exist_ok=True)
        (settings.PRIVATE_MEDIA_ROOT / path).write_bytes(JPEG)
        photo = {"path": path, "content_type": "image/jpeg", "size": len(JPEG)}
        s.complaint = Complaint(
            ticket=f"ADU-2026-ZZZZZ-ZZZZ{i}", kind="COMPLAINT", category="DATA", text=f"{s.tag} KOREKSI keluhan",
            contact_name=f"{s.tag} MARKER", submitted_at=at, **photo,
        )  # fmt: skip
        s.submission = PublicSubmission(
            code=f"USL-ZZZZZ-ZZZZ{i}", kind="USUL", proposal=s.proposal, submitted_at=at,
            statement=f"{s.tag} KOREKSI usul warga", contact_name=f"{s.tag} MARKER", **photo,
        )  # fmt: skip
        for row in (s.complaint, s.submission):
            row.place_in(s.village)
            row.save()


@dataclass
class QualitySeed:
    finding: Any
    override: Any
    check_run: Any  # national
    padan_run: Any  # national


def _seed_quality(seeds: dict[str, Seed], central: Any, district_a: Any, district_b: Any) -> None:
    """Issue 6: a padan run (national) that did not find each seed's head, the finding it raised and
    a district override asked for it; a check run (national)."""
    from django.utils import timezone

    from sejahtera.quality.models import CheckRun, Finding, PadanOverride, PadanResult, PadanRun

    now = timezone.now()
    check_run = CheckRun.objects.create(started_by=central, status="DONE", counts={"NAME_EMPTY": 0})
    padan = PadanRun.objects.create(
        source="CSV", file_name="ekstrak.csv", threshold=0.6, started_by=central, status="DONE"
    )
    for s in seeds.values():
        result = PadanResult.objects.create(run=padan, person=s.head, result="NOT_FOUND")
        finding = Finding(
            type="PADAN_NOT_FOUND", severity="ERROR", fingerprint=f"PADAN_NOT_FOUND:p{s.head.pk}", household=s.household,
            person=s.head, detail=s.head.nik, first_seen_at=now, last_seen_at=now,
        )  # fmt: skip
        finding.place_in(s.village)
        finding.save()
        override = PadanOverride.objects.create(
            person=s.head, result=result, finding=finding, regency_code=s.village[:4], village_code=s.village,
            reason=f"{s.tag} KOREKSI pengecualian", requested_by=district_b if s.tag == "ZZBRAVO" else district_a,
        )  # fmt: skip
        s.quality = QualitySeed(finding, override, check_run, padan)


# --- personas and what each may see ---------------------------------------------------------------
# Written out rather than computed with the code under test.
VISIBLE: dict[str, set[str]] = {
    "anonymous": set(),
    "district_a": {"ZZALPHA", "ZZCHARLIE"},  # Kabupaten Bandung
    "village_operator": {"ZZALPHA"},  # Cileunyi Kulon
    "verifier": {"ZZALPHA"},  # Kec. Cileunyi
    "auditor_a": {"ZZALPHA", "ZZCHARLIE"},  # a regional auditor of Kabupaten Bandung
    "payment_channel": set(),  # national, but no right to read the registry
    "central": {"ZZALPHA", "ZZCHARLIE", "ZZBRAVO"},
}
# The seed each persona's "own" requests use (the one most personas may see).
OWN = "ZZALPHA"


def _persona(name: str, request: pytest.FixtureRequest) -> Any:
    if name == "anonymous":
        return None
    if name == "auditor_a":
        return User.objects.create_user("auditor_a", role="AUDITOR", jurisdiction_id=VILLAGE_A[:4])
    return request.getfixturevalue(name)


# --- the routes -----------------------------------------------------------------------------------
# URL parameters the walker fills, by name: a record of the seed in question, or its region code.
OBJECT_KWARGS: dict[str, Callable[[Seed], Any]] = {
    "household_id": lambda s: s.household.pk,
    "person_id": lambda s: s.head.pk,
    "job_id": lambda s: s.job.pk,
    "proposal_id": lambda s: s.proposal.pk,
    "task_id": lambda s: s.task.pk,
    "photo_id": lambda s: s.photo.pk,
    "case_id": lambda s: s.qa_case.pk,
    "enrollment_id": lambda s: s.enrollment.pk if s.enrollment else 0,
    "withdrawal_id": lambda s: s.withdrawal.pk if s.withdrawal else 0,
    "entitlement_id": lambda s: s.entitlement.pk if s.entitlement else 0,
    "complaint_id": lambda s: s.complaint.pk if s.complaint else 0,
    "submission_id": lambda s: s.submission.pk if s.submission else 0,
    "finding_id": lambda s: s.quality.finding.pk if s.quality else 0,
    "override_id": lambda s: s.quality.override.pk if s.quality else 0,
    "pair_id": lambda s: s.dedup_pair.pk if s.dedup_pair else 0,  # quality.dedup
}
REGION_KWARGS: dict[str, Callable[[Seed], Any]] = {
    "code": lambda s: s.region_code,
    "region": lambda s: s.region_code,
    "region_code": lambda s: s.region_code,
    "village_code": lambda s: s.village,
}
# National records: the same for every seed (a release is one decision for the nation; what a
# persona sees of it is narrowed by the lists and filters walked on its pages).
NATIONAL_KWARGS: dict[str, Callable[[Seed], Any]] = {
    "number": lambda s: s.release.number if s.release else 0,
    "program": lambda s: "PKH",
    "model_id": lambda s: ScoringModel.objects.get(status="ACTIVE").pk,
    "run_id": lambda s: s.benefits.run.pk if s.benefits else 0,
    "batch_id": lambda s: s.benefits.batch.pk if s.benefits else 0,
    "dedup_run_id": lambda s: s.dedup_run.pk if s.dedup_run else 0,  # quality.dedup
    "import_id": lambda s: s.benefits.status_import.pk if s.benefits else 0,
    "check_run_id": lambda s: s.quality.check_run.pk if s.quality else 0,
    "padan_run_id": lambda s: s.quality.padan_run.pk if s.quality else 0,
    "key": lambda s: CaptchaStore.generate_key(),  # the public check's captcha image (portal)
}
TEACH = (
    "The scoping route walker does not know the URL parameter {name!r} of route {route!r}. Teach it: "
    "add {name!r} to OBJECT_KWARGS (a record: return the seed's record id), REGION_KWARGS or NATIONAL_KWARGS in "
    "sejahtera/common/tests/test_scoping_routes.py, seeding the record for each region if needed."
)

# Not walked: Django's admin (superusers only, unscoped by design), the language switch, static files.
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_MODULES = ("django.contrib.admin.", "django.contrib.staticfiles.", "django.views.static")


@dataclass(frozen=True)
class Route:
    name: str
    template: str
    parts: tuple[Any, ...]
    callback: Callable[..., Any]
    kwargs: tuple[str, ...]
    positional: bool  # unnamed regex groups: cannot be filled by name


def _kwarg_names(part: Any) -> tuple[list[str], bool]:
    if isinstance(part, RoutePattern):
        return list(part.converters), False
    if isinstance(part, RegexPattern):
        groups = sorted(part.regex.groupindex, key=part.regex.groupindex.__getitem__)
        return groups, part.regex.groups > len(groups)
    return [], False


def _skipped(callback: Callable[..., Any]) -> bool:
    module = getattr(callback, "__module__", "") or ""
    return callback is set_language or module.startswith(SKIPPED_MODULES)


def iter_routes(
    patterns: list[Any] | None = None, parts: tuple[Any, ...] = (), namespaces: tuple[str, ...] = ()
) -> Iterator[Route]:
    """Every URL pattern under `patterns` (the project's, by default), through every include."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = (*namespaces, p.namespace) if p.namespace else namespaces
            if SKIPPED_NAMESPACES & set(ns):
                continue
            yield from iter_routes(p.url_patterns, (*parts, p.pattern), ns)
        elif isinstance(p, URLPattern):
            if _skipped(p.callback):
                continue
            all_parts = (*parts, p.pattern)
            names: list[str] = []
            positional = False
            for part in all_parts:
                part_names, part_positional = _kwarg_names(part)
                names += part_names
                positional |= part_positional
            template = "/" + "".join(str(part) for part in all_parts)
            yield Route(
                name=":".join((*namespaces, p.name)) if p.name else template,
                template=template,
                parts=all_parts,
                callback=p.callback,
                kwargs=tuple(names),
                positional=positional,
            )


def unknown_parameters(routes: list[Route]) -> list[str]:
    problems = []
    for r in routes:
        if r.positional:
            problems.append(
                f"Route {r.template!r} has unnamed regex groups; name them (?P<name>...) so the "
                "scoping route walker can fill them."
            )
        problems += [
            TEACH.format(name=k, route=r.name)
            for k in r.kwargs
            if k not in OBJECT_KWARGS | REGION_KWARGS | NATIONAL_KWARGS
        ]
    return problems


_ROUTE_PARAM = re.compile(r"<(?:[^>:]+:)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")


def build_path(route: Route, values: dict[str, Any]) -> str:
    """The route's URL with its parameters filled; checked by resolving it back to the route."""
    out = []
    for part in route.parts:
        if isinstance(part, RoutePattern):
            out.append(_ROUTE_PARAM.sub(lambda m: str(values[m["name"]]), str(part)))
        elif isinstance(part, RegexPattern):
            text = _REGEX_GROUP.sub(lambda m: str(values[m["name"]]), str(part))
            text = re.sub(r"^\^|\$$|\\Z$", "", text)
            text = re.sub(r"\\(.)", r"\1", text)
            if re.search(r"[()\[\]*+?|{}^$]", text):
                raise AssertionError(
                    f"The walker cannot build a URL from the regex {str(part)!r} ({route.name})"
                )
            out.append(text)
        else:  # LocalePrefixPattern and the like
            out.append(str(part))
    url = "/" + "".join(out)
    match = resolve(url)
    assert match.func is route.callback and set(match.kwargs) == set(route.kwargs), (
        f"{url} was built for {route.name} but resolves to {match.view_name}"
    )
    return url


# --- reading an answer ----------------------------------------------------------------------------
def answer_text(response: Any) -> str:
    """Everything a user receives, upper-case: headers, redirect targets, the body; XLSX as cell values."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    head = " ".join(f"{k}: {v}" for k, v in response.items())
    chain = " ".join(url for url, _status in getattr(response, "redirect_chain", []))
    if "spreadsheetml" in response.get("Content-Type", "") or body[:2] == b"PK":
        wb = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        text = " ".join(
            str(cell)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
            for cell in row
            if cell
        )
    else:
        text = body.decode("utf-8", errors="replace")
    return f"{head} {chain} {text}".upper()


# --- the walk -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Probe:
    route: Route
    label: str
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    swapped: str = ""  # the object parameter that points at a foreign seed ('' = none)
    own_key: str = ""  # the own probe to compare a foreign one with


@dataclass
class Visit:
    probe: Probe
    status: int  # the first answer (before redirects)
    location: str
    seen: set[str]  # seed markers in the answer


@dataclass
class Walk:
    visits: list[Visit] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def seen_on(self, route_name: str, marker: str) -> bool:
        return any(marker in v.seen for v in self.visits if v.probe.route.name == route_name)


def _region_params(s: Seed) -> dict[str, str]:
    v = s.village
    return {"region": s.region_code, "parent": v[:4], "prov": v[:2], "kab": v[:4], "kec": v[:6], "desa": v}


def _list_probes(route: Route, path_: str, foreign: list[Seed]) -> Iterator[Probe]:
    yield Probe(route, "plain", "GET", path_, {}, {})
    yield Probe(route, "csv", "GET", path_, {"format": "csv"}, {})
    yield Probe(route, "xlsx", "GET", path_, {"format": "xlsx"}, {})
    for s in foreign:
        nik, kk = s.head.nik, s.household.kk_number
        yield Probe(route, f"q={s.tag}", "GET", path_, {"q": s.tag}, {})
        yield Probe(route, f"q={s.tag} htmx", "GET", path_, {"q": s.tag}, {"HTTP_HX_REQUEST": "true"})
        yield Probe(route, f"NIK of {s.tag}", "GET", path_, {"q": nik, "nik": nik}, {})
        yield Probe(route, f"KK of {s.tag}", "GET", path_, {"q": kk, "kk": kk}, {})
        yield Probe(route, f"region of {s.tag}", "GET", path_, _region_params(s), {})
        yield Probe(
            route,
            f"region+q of {s.tag} xlsx",
            "GET",
            path_,
            {**_region_params(s), "q": s.tag, "format": "xlsx"},
            {},
        )


def probes_for(route: Route, own: Seed, foreign: list[Seed], others: list[Seed]) -> Iterator[Probe]:
    """The requests for one route: lists with hostile filters; records of the persona's own seed,
    of its other visible seeds (answered like its own) and of each foreign seed, one parameter
    swapped at a time (a household of A with a person of B is a foreign request too)."""
    fill = OBJECT_KWARGS | REGION_KWARGS | NATIONAL_KWARGS
    own_values = {k: fill[k](own) for k in route.kwargs}
    own_path = build_path(route, own_values)
    if not route.kwargs:
        yield from _list_probes(route, own_path, foreign)
        return
    for method in ("GET", "POST"):
        yield Probe(route, f"own {method}", method, own_path, {}, {})
        for s in others:
            values = {k: fill[k](s) for k in route.kwargs}
            yield Probe(route, f"visible {s.tag} {method}", method, build_path(route, values), {}, {})
        for s in foreign:
            for k in route.kwargs:
                values = {**own_values, k: fill[k](s)}
                swapped = k if k in OBJECT_KWARGS else ""
                yield Probe(
                    route,
                    f"{k} of {s.tag} {method}",
                    method,
                    build_path(route, values),
                    {},
                    {},
                    swapped=swapped,
                    own_key=f"own {method}",
                )
    if not any(k in OBJECT_KWARGS for k in route.kwargs):
        # Only region parameters: a listing narrowed to a region, walked with the hostile filters too.
        yield from _list_probes(route, own_path, foreign)


def _same_place(a: str, b: str) -> bool:
    return urlsplit(a).path == urlsplit(b).path


def walk(client: Client, user: Any, seeds: dict[str, Seed], visible: set[str]) -> Walk:
    """Request every route as `user`; record what each answer shows and every breach of scope."""
    result = Walk()
    foreign = [s for tag, s in seeds.items() if tag not in visible]
    others = [s for tag, s in seeds.items() if tag in visible and tag != OWN]
    forbidden = [(s.tag, m.upper()) for s in foreign for m in s.markers]
    all_markers = [m.upper() for s in seeds.values() for m in s.markers]
    routes = list(iter_routes())
    problems = unknown_parameters(routes)
    if problems:
        result.failures += problems
        return result
    if user is not None:
        client.force_login(user)
    for route in routes:
        own_status: dict[str, Visit] = {}
        for probe in probes_for(route, seeds[OWN], foreign, others):
            kwargs: dict[str, Any] = {"follow": True, **probe.headers}
            if probe.method == "GET":
                response = client.get(probe.path, probe.params, **kwargs)
            else:
                response = client.post(probe.path, probe.params, **kwargs)
            chain = response.redirect_chain
            status = chain[0][1] if chain else response.status_code
            location = chain[0][0] if chain else ""
            where = f"{probe.method} {probe.path} {probe.params or ''} [{route.name}; {probe.label}]"
            text = answer_text(response)
            visit = Visit(probe, status, location, {m for m in all_markers if m in text})
            result.visits.append(visit)
            if probe.label.startswith("own "):
                own_status[probe.label] = visit
            if status >= 500:
                result.failures.append(f"{where}: answered {status}")
            # A marker the request itself carries (a searched NIK echoed in the form) is no leak.
            asked = " ".join(probe.params.values()).upper()
            leaked = sorted({m for _tag, m in forbidden if m in text and m not in asked})
            if leaked:
                result.failures.append(f"{where}: shows {leaked} from outside the jurisdiction")
            if probe.label.startswith("visible "):
                own = own_status[f"own {probe.method}"]
                if status != own.status:
                    result.failures.append(
                        f"{where}: answered {status} for a record in the jurisdiction where the persona's "
                        f"own record answers {own.status}"
                    )
            if probe.swapped:
                own = own_status[probe.own_key]
                if 200 <= status < 300:
                    result.failures.append(
                        f"{where}: answered {status} for a record outside the jurisdiction"
                    )
                elif status != 404 and not (
                    status == own.status
                    and status in (302, 401, 403, 405)
                    and (status != 302 or _same_place(location, own.location))
                ):
                    result.failures.append(
                        f"{where}: answered {status} (to {location or '-'}) where the persona's own record "
                        f"answers {own.status} (to {own.location or '-'}); a record outside the "
                        "jurisdiction must answer 404, or the same refusal as one inside it"
                    )
            if user is not None and "_auth_user_id" not in client.session:
                client.force_login(user)  # a route signed the persona out; carry on signed in
    return result


def _snapshot(seeds: list[Seed]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for s in seeds:
        rows += [
            model_to_dict(Household.objects.get(pk=s.household.pk)),
            *(model_to_dict(p) for p in Person.objects.filter(household=s.household).order_by("id")),
            model_to_dict(ImportJob.objects.get(pk=s.job.pk)),
        ]
    return rows


def _counts(seeds: dict[str, Seed], tags: set[str]) -> dict[str, int]:
    return {"households": len(tags), "persons": 2 * len(tags), "persons_deceased": 0, "persons_inactive": 0}


# --- the tests ------------------------------------------------------------------------------------
def test_the_walker_knows_every_route_parameter(db):
    routes = list(iter_routes())
    problems = unknown_parameters(routes)
    assert not problems, "\n".join(problems)


def test_the_walker_sees_every_route_including_the_api(db):
    names = {r.name for r in iter_routes()}
    assert {
        "api:v1:household_list",
        "api:v1:household_detail",
        "api:v1:person_detail",
        "api:v1:stats",
        "api:v1:region_children",
        "api:v1:nik_check",
        "api:v1:kk_check",
    } <= names
    assert not any(n.startswith("admin:") or "set_language" in n for n in names)


def test_a_route_with_an_unknown_parameter_fails_with_a_lesson(db):
    def view(request, voucher_id):  # pragma: no cover - never called
        raise AssertionError

    routes = list(
        iter_routes([path("voucher/<int:voucher_id>/", view, name="voucher")], namespaces=("gifts",))
    )
    assert unknown_parameters(routes) == [TEACH.format(name="voucher_id", route="gifts:voucher")]
    assert "Teach it" in unknown_parameters(routes)[0]


def test_it_reads_xlsx_answers_cell_by_cell():
    from django.http import HttpResponse

    wb = openpyxl.Workbook()
    wb.active.append(["ZZBRAVO MARKER", 3273011001])
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "ZZBRAVO MARKER 3273011001" in answer_text(response)


PERSONAS = [p for p in VISIBLE if p != "central"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_route_shows_anything_outside_the_jurisdiction(persona, seeds, request):
    user = _persona(persona, request)
    foreign = [s for tag, s in seeds.items() if tag not in VISIBLE[persona]]
    before = _snapshot(foreign)
    entries_before = AuditEntry.objects.count()

    result = walk(Client(raise_request_exception=False), user, seeds, VISIBLE[persona])

    assert not result.failures, f"{len(result.failures)} breaches for {persona}:\n" + "\n".join(
        result.failures
    )
    # Nothing outside the jurisdiction was changed by the POSTs, and no audit entry appeared.
    assert _snapshot(foreign) == before
    assert AuditEntry.objects.count() == entries_before
    # The walk did reach the records: the persona's own seeds show where they should.
    api_list = [v for v in result.visits if v.probe.route.name == "api:v1:household_list"]
    assert api_list, "the walker did not request the API household list"
    for tag in VISIBLE[persona]:
        assert result.seen_on("api:v1:household_list", f"{tag} MARKER"), f"{persona} cannot see {tag}"
        own_details = [
            v
            for v in result.visits
            if v.probe.label == "own GET" and "household_id" in v.probe.route.kwargs and v.status == 200
        ]
        if tag == OWN:
            assert any(f"{OWN} MARKER" in v.seen for v in own_details), (
                "no household page shows the own record"
            )


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_counts_are_those_of_the_jurisdiction(persona, seeds, request, client):
    user = _persona(persona, request)
    client.force_login(user)
    response = client.get("/api/v1/stats")
    if persona == "payment_channel":
        assert response.status_code == 403
        return
    assert response.json() == _counts(seeds, VISIBLE[persona])


def test_district_a_counts_region_a_rows_only(seeds, district_a, client):
    client.force_login(district_a)
    region_a = Household.objects.filter(regency_code=VILLAGE_A[:4])
    assert client.get("/api/v1/stats").json() == {
        "households": region_a.count(),
        "persons": Person.objects.filter(household__in=region_a).count(),
        "persons_deceased": 0,
        "persons_inactive": 0,
    }
    assert region_a.count() < Household.objects.count()


def test_central_sees_every_seed_so_the_walker_can_fail(seeds, central):
    """The positive control: the markers do show when they are in scope, and the walker reports
    them when it is told they should not."""
    result = walk(Client(raise_request_exception=False), central, seeds, visible=VISIBLE["central"])
    assert not result.failures, "\n".join(result.failures)
    for tag in ("ZZALPHA", "ZZBRAVO"):
        assert result.seen_on("api:v1:household_list", f"{tag} MARKER")
        # Issue 4's pages show the families too (so their absence elsewhere means something).
        for route in (
            "payments:batch_detail",
            "programs:enrollment_list",
            "programs:withdrawal_queue",
            "portal_requests:complaint_list",
            "portal_requests:complaint_detail",
            "portal_requests:submission_detail",
        ):
            shown = [m for m in seeds[tag].markers if result.seen_on(route, m.upper())]
            assert shown, f"{route} does not show {tag} to central"
    # Every kind of marker (names, NIK, KK, address, import file, audit entry) shows on some route,
    # so its absence for the other personas means something.
    seen = set().union(*(v.seen for v in result.visits))
    missing = [m.upper() for s in seeds.values() for m in s.markers if m.upper() not in seen]
    assert not missing, f"markers no route shows even to the central data team: {missing}"
    pretend = walk(Client(raise_request_exception=False), central, seeds, visible={"ZZALPHA", "ZZCHARLIE"})
    assert any("/api/v1/households" in f and "ZZBRAVO MARKER" in f for f in pretend.failures)
    assert any("/api/v1/households/" in f and "answered 200" in f for f in pretend.failures)
    assert any(not f.split()[1].startswith("/api/") for f in pretend.failures), "no web page noticed"
