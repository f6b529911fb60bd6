"""Pages: proposals (usulan). The list with its exports, a new proposal from a phone, the bulk upload
from a spreadsheet, the detail with its timeline, and withdrawal.

Each view parses its input, calls a selector or a service and renders; scoping and permissions are
decided there (a record outside the jurisdiction raises NotInJurisdiction, answered with 404).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import models
from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.db.models.fields.json import KT
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, can, ensure_can
from sejahtera.common.errors import DomainError, NotInJurisdiction
from sejahtera.common.views import XLSX_TYPE, csv_response, stamp, xlsx_response
from sejahtera.registry import codes
from sejahtera.registry import selectors as registry_selectors
from sejahtera.registry.imports.readers import FileRejected
from sejahtera.registry.models import Household, Person
from sejahtera.registry.views import Fact, FactGroup

from .. import bulk, selectors, services
from ..forms import (
    KIND_HELP,
    LABELS,
    HouseholdSearchForm,
    ProposalEntry,
    ProposalFilterForm,
    ProposalUploadForm,
    WithdrawForm,
)
from ..models import ApprovalDecision, Proposal, QACase, VerificationTask
from ..services.proposals import NEEDS_PERSON
from ._edge import actor, export_format, refusal_status

K = Proposal.Kind
S = Proposal.Status
# How many households the search of the new-proposal page lists, and rejected rows an upload shows.
SEARCH_RESULTS = 20
UPLOAD_ERRORS_SHOWN = 200
UPLOADS_LISTED = 10


# --- presenting a proposal ----------------------------------------------------------------------------
def shown_value(model: type[models.Model], name: str, value: Any) -> str:
    """A registry value as a reader knows it: the code's label, Ya/Tidak, a formatted date."""
    if value is None or value == "":
        return "—"
    if name == "ppks_mask":
        return ", ".join(str(codes.PPKS(c).label) for c in codes.ppks_codes(int(value))) or "—"
    if isinstance(value, bool):
        return gettext("Ya") if value else gettext("Tidak")
    model_field: Any = model._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.DateField) and isinstance(value, str):
        return formats.date_format(dt.date.fromisoformat(value), "j F Y")
    if isinstance(value, int):
        return formats.number_format(value, force_grouping=True)
    return str(value)


def _label(name: str) -> str:
    return str(LABELS.get(name, name))


def _facts_of(model: type[models.Model], values: dict[str, Any], *, skip_empty: bool) -> list[Fact]:
    """Values of a payload as facts; a new record's empty defaults (no, 0) left out when asked."""
    return [
        Fact(_label(name), shown_value(model, name, value))
        for name, value in values.items()
        if not (skip_empty and value in (None, "", False, 0))
    ]


@dataclass(frozen=True)
class ChangeRow:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class MemberRow:
    nik: str
    name: str
    birth_date: str
    sex: str
    relationship: str


@dataclass
class ProposalData:
    """What a proposal proposes, readable: data groups, changed fields, new members."""

    groups: list[FactGroup] = field(default_factory=list)
    changes: list[ChangeRow] = field(default_factory=list)
    members: list[MemberRow] = field(default_factory=list)


def _changes(
    model: type[models.Model], record: models.Model | None, changes: dict[str, Any]
) -> list[ChangeRow]:
    return [
        ChangeRow(
            label=_label(name),
            before=shown_value(model, name, getattr(record, name, None)) if record is not None else "—",
            after=shown_value(model, name, value),
        )
        for name, value in changes.items()
    ]


def proposal_data(p: Proposal) -> ProposalData:
    payload = p.payload or {}
    data = ProposalData()
    if p.kind == K.NEW_HOUSEHOLD:
        household = payload.get("household", {})
        data.groups.append(
            FactGroup(
                gettext("Data keluarga yang diusulkan"), _facts_of(Household, household, skip_empty=True)
            )
        )
        data.members = [
            MemberRow(
                nik=m.get("nik", ""),
                name=m.get("full_name", ""),
                birth_date=shown_value(Person, "birth_date", m.get("birth_date")),
                sex=shown_value(Person, "sex", m.get("sex")),
                relationship=shown_value(Person, "relationship", m.get("relationship")),
            )
            for m in payload.get("members", [])
        ]
    elif p.kind == K.HOUSEHOLD_CHANGE:
        data.changes = _changes(Household, p.household, payload.get("changes", {}))
    elif p.kind == K.PERSON_CHANGE:
        data.changes = _changes(Person, p.person, payload.get("changes", {}))
    elif p.kind == K.MEMBER_ADD:
        member = payload.get("member", {})
        data.groups.append(
            FactGroup(gettext("Anggota yang diusulkan"), _facts_of(Person, member, skip_empty=True))
        )
    return data


def family_label(p: Proposal) -> str:
    """The family a proposal concerns: its KK, or the head named in a new family's data."""
    if p.household is not None:
        return f"KK {p.household.kk_number}"
    payload = p.payload or {}
    heads = [m for m in payload.get("members", []) if m.get("relationship") == codes.Relationship.HEAD]
    kk = payload.get("household", {}).get("kk_number", "")
    name = heads[0].get("full_name", "") if heads else ""
    return gettext("Keluarga baru %(name)s (KK %(kk)s)") % {"name": name, "kk": kk}


def _when(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "j F Y H:i")
    return formats.date_format(value, "j F Y")


def is_overdue(p: Proposal) -> bool:
    return p.status in (S.SUBMITTED, S.RETURNED) and p.due_at < timezone.now()


def proposal_facts(p: Proposal) -> list[Fact]:
    """The proposal itself: what, where, from which deliberation, by whom, due when."""
    facts = [
        Fact(gettext("Jenis"), p.get_kind_display()),
        Fact(gettext("Asal"), p.get_origin_display()),
        Fact(gettext("Status"), p.get_status_display()),
        Fact(gettext("Desa/Kelurahan"), f"{p.village.name} ({p.village.dotted_code})"),
        Fact(gettext("Keluarga"), family_label(p)),
    ]
    if p.person is not None:
        facts.append(Fact(gettext("Anggota"), f"{p.person.full_name} (NIK {p.person.nik})"))
    if p.target_village is not None:
        facts.append(
            Fact(
                gettext("Desa/kelurahan tujuan"), f"{p.target_village.name} ({p.target_village.dotted_code})"
            )
        )
    if p.inactive_reason:
        facts.append(Fact(gettext("Alasan"), p.get_inactive_reason_display()))
    if p.minutes_number:
        facts.append(Fact(gettext("Berita acara"), f"{p.minutes_number}, {_when(p.minutes_date)}"))
    if p.reference:
        facts.append(Fact(gettext("Rujukan"), p.reference))
    if p.note:
        facts.append(Fact(gettext("Keterangan"), p.note))
    due = _when(p.due_at)
    facts += [
        Fact(gettext("Diajukan"), f"{_when(p.submitted_at)} — {p.submitted_by.get_username()}"),
        Fact(gettext("Batas verifikasi"), f"{due} ({gettext('terlambat')})" if is_overdue(p) else due),
    ]
    if p.upload_id:
        facts.append(Fact(gettext("Unggahan"), f"#{p.upload_id}"))
    return facts


@dataclass(frozen=True)
class Event:
    """One step of a proposal's timeline."""

    when: dt.datetime | None
    title: str
    facts: list[Fact] = field(default_factory=list)
    photos: list[int] = field(default_factory=list)
    tone: str = "done"  # done | open | refused


def _task_event(task: VerificationTask, kind: str) -> Event:
    round_ = gettext("putaran %(n)d") % {"n": task.round}
    if task.status == VerificationTask.Status.OPEN:
        who = task.assigned_to.get_username() if task.assigned_to else gettext("belum diambil petugas")
        return Event(
            task.created_at,
            gettext("Menunggu verifikasi lapangan (%(round)s)") % {"round": round_},
            [Fact(gettext("Petugas"), who)],
            tone="open",
        )
    if task.status == VerificationTask.Status.CANCELLED:
        return Event(
            task.created_at, gettext("Verifikasi dibatalkan (%(round)s)") % {"round": round_}, tone="refused"
        )
    model: type[models.Model] = Person if kind in (K.PERSON_CHANGE, K.MEMBER_ADD) else Household
    corrected = {**task.corrections.get("household", {}), **task.corrections.get("person", {})}
    facts = [
        Fact(gettext("Petugas"), task.verified_by.get_username() if task.verified_by else "—"),
        Fact(gettext("Tanggal kunjungan"), _when(task.visited_on)),
        Fact(gettext("Koordinat GPS"), f"{task.latitude}, {task.longitude}"),
    ]
    if task.notes:
        facts.append(Fact(gettext("Catatan"), task.notes))
    facts += [
        Fact(gettext("Perbaikan: %(field)s") % {"field": _label(name)}, shown_value(model, name, value))
        for name, value in corrected.items()
    ]
    good = task.result in (VerificationTask.Result.CONFIRMED, VerificationTask.Result.CORRECTED)
    return Event(
        task.completed_at,
        gettext("Verifikasi lapangan (%(round)s): %(result)s")
        % {"round": round_, "result": task.get_result_display()},
        facts,
        photos=[ph.pk for ph in task.photos.all()],
        tone="done" if good else "refused",
    )


def _qa_events(case: QACase) -> list[Event]:
    opened = Event(
        case.opened_at,
        gettext("Ditinjau penjamin mutu: %(reason)s") % {"reason": case.get_reason_display()},
        [Fact(gettext("Temuan"), "; ".join(str(f) for f in case.findings) or "—")],
        tone="open",
    )
    if case.status == QACase.Status.OPEN:
        return [opened]
    decided = Event(
        case.decided_at,
        gettext("Keputusan penjamin mutu: %(status)s") % {"status": case.get_status_display()},
        [Fact(gettext("Alasan"), case.decision_reason or "—")],
        tone="done" if case.status == QACase.Status.UPHELD else "refused",
    )
    return [opened, decided]


def _decision_event(d: ApprovalDecision) -> Event:
    return Event(
        d.decided_at,
        gettext("Pengesahan %(level)s: %(decision)s")
        % {"level": d.get_level_display(), "decision": d.get_decision_display()},
        [
            Fact(gettext("Surat"), f"{d.letter_number}, {_when(d.letter_date)}"),
            Fact(gettext("Oleh"), d.decided_by.get_username()),
            *([Fact(gettext("Catatan"), d.note)] if d.note else []),
        ],
        tone="done" if d.decision == ApprovalDecision.Decision.APPROVE else "refused",
    )


FINAL_REFUSALS = (S.NOT_CONFIRMED, S.CONFLICT, S.LAPSED, S.WITHDRAWN)


def proposal_timeline(p: Proposal) -> list[Event]:
    """Submission, every verification round with its photos, QA, approvals, the release, the end."""
    events = [
        Event(p.submitted_at, gettext("Diajukan"), [Fact(gettext("Oleh"), p.submitted_by.get_username())])
    ]
    events += [_task_event(t, p.kind) for t in selectors.proposal_tasks(proposal=p)]
    for case in p.qa_cases.select_related("assigned_to").order_by("id"):
        events += _qa_events(case)
    events += [_decision_event(d) for d in selectors.proposal_decisions(proposal=p)]
    if p.release is not None:
        events.append(
            Event(
                p.applied_at,
                gettext("Ditetapkan dalam rilis %(n)d (%(period)s)")
                % {"n": p.release.number, "period": p.release.period},
            )
        )
    if p.status in FINAL_REFUSALS:
        events.append(
            Event(
                p.updated_at,
                p.get_status_display(),
                [Fact(gettext("Keterangan"), p.outcome)] if p.outcome else [],
                tone="refused",
            )
        )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(events, key=lambda e: e.when or far)


def _detail_context(user: User, p: Proposal, withdraw_form: WithdrawForm) -> dict[str, Any]:
    return {
        "proposal": p,
        "facts": proposal_facts(p),
        "data": proposal_data(p),
        "timeline": proposal_timeline(p),
        "can_withdraw": can(user, Action.PROPOSAL_SUBMIT) and p.status in (S.SUBMITTED, S.RETURNED),
        "withdraw_form": withdraw_form,
        "household_url": (
            reverse("registry:household_detail", kwargs={"household_id": p.household_id})
            if p.household_id and can(user, Action.REGISTRY_VIEW)
            else ""
        ),
    }


# --- the list and its exports -------------------------------------------------------------------------
@dataclass(frozen=True)
class SortHeader:
    label: str
    key: str  # the sort a click applies ('' = not sortable)
    state: str  # aria-sort: ascending | descending | ''


_COLUMNS: tuple[tuple[Any, str], ...] = (
    (_("No."), "id"),
    (_("Diajukan"), "submitted"),
    (_("Jenis"), "kind"),
    (_("Desa/Kelurahan"), "village"),
    (_("Keluarga"), ""),
    (_("Status"), "status"),
    (_("Batas verifikasi"), "due"),
)


def _headers(current: str) -> list[SortHeader]:
    def header(label: Any, key: str) -> SortHeader:
        state = {key: "ascending", f"-{key}": "descending"}.get(current, "") if key else ""
        return SortHeader(str(label), f"-{key}" if state == "ascending" else key, state)

    return [header(label, key) for label, key in _COLUMNS]


def _filtered(user: User, form: ProposalFilterForm) -> QuerySet[Proposal]:
    if not form.is_valid():
        return selectors.proposal_list(user=user).none()
    return (
        selectors.proposal_list(user=user, f=form.to_filter())
        .annotate(
            is_overdue=Case(
                When(selectors.overdue_q(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by(*form.ordering())
    )


@login_required
@require_GET
def proposal_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    form = ProposalFilterForm(request.GET)
    page = Paginator(_filtered(user, form), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "updates/proposal_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(p, family_label(p)) for p in page.object_list],
            "headers": _headers(form.sort_key()),
            "can_submit": can(user, Action.PROPOSAL_SUBMIT),
        },
    )


EXPORT_HEADER = (
    "id",
    "submitted_at",
    "kind",
    "kind_label",
    "origin",
    "origin_label",
    "status",
    "status_label",
    "village_code",
    "village_name",
    "kk_number",
    "minutes_number",
    "minutes_date",
    "due_at",
    "overdue",
    "verified_at",
    "approved_at",
    "release",
    "outcome",
)
_EXPORT_FIELDS = (
    "id",
    "submitted_at",
    "kind",
    "origin",
    "status",
    "village_id",
    "village__name",
    "household__kk_number",
    "new_kk",
    "minutes_number",
    "minutes_date",
    "due_at",
    "is_overdue",
    "verified_at",
    "approved_at",
    "release__number",
    "outcome",
)


def _moment(value: dt.datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def export_rows(qs: QuerySet[Proposal]) -> Iterator[tuple[Any, ...]]:
    """Rows in EXPORT_HEADER order, labels in the active language."""
    kinds, origins, statuses = (dict(c.choices) for c in (Proposal.Kind, Proposal.Origin, Proposal.Status))
    for (
        pk,
        submitted,
        kind,
        origin,
        status,
        village,
        village_name,
        kk,
        new_kk,
        minutes,
        minutes_date,
        due,
        overdue,
        verified,
        approved,
        release,
        outcome,
    ) in (
        # As text (KT): a JSON key read plainly comes back as a number on SQLite, losing the KK's form.
        qs.annotate(new_kk=KT("payload__household__kk_number"))
        .values_list(*_EXPORT_FIELDS)
        .iterator(chunk_size=2000)
    ):
        yield (
            pk,
            _moment(submitted),
            kind,
            str(kinds.get(kind, kind)),
            origin,
            str(origins.get(origin, origin)),
            status,
            str(statuses.get(status, status)),
            village,
            village_name,
            kk or new_kk or "",
            minutes,
            minutes_date.isoformat() if minutes_date else "",
            _moment(due),
            1 if overdue else 0,
            _moment(verified),
            _moment(approved),
            release or "",
            outcome,
        )


@login_required
@require_GET
def proposal_export(request: HttpRequest) -> HttpResponseBase:
    user = actor(request)
    form = ProposalFilterForm(request.GET)
    fmt = export_format(request)
    if not form.is_valid():
        raise DomainError(gettext("Saringan tidak sah; perbaiki di halaman daftar usulan."))
    rows = export_rows(_filtered(user, form))
    filename = f"usulan-{user.jurisdiction_code or 'nasional'}-{stamp()}.{fmt}"
    if fmt == "csv":
        return csv_response(filename, EXPORT_HEADER, rows)
    return xlsx_response(filename, sheet="Usulan", header=EXPORT_HEADER, rows=rows)


# --- a new proposal ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class KindChoice:
    value: str
    label: str
    help: str


def _household_param(user: User, raw: str | None) -> Household | None:
    if not raw or not raw.isdigit():
        return None
    return registry_selectors.household_get(user=user, household_id=int(raw))


def _household_search(user: User, kind: str, form: HouseholdSearchForm) -> list[Household]:
    """The operator's households matching the search: inactive ones for a reactivation."""
    if not form.is_valid() or not form.cleaned_data["q"]:
        return []
    status = codes.RecordStatus.INACTIVE if kind == K.REACTIVATE else codes.RecordStatus.ACTIVE
    filters = registry_selectors.HouseholdFilter(q=form.cleaned_data["q"].strip(), status=status)
    return list(registry_selectors.household_list(user=user, filters=filters)[:SEARCH_RESULTS])


def _new_context(user: User, request: HttpRequest) -> dict[str, Any]:
    """Where the operator is in the steps: kind, then family, then member, then the form."""
    kind = request.GET.get("jenis", "")
    context: dict[str, Any] = {"step": "kind", "kind": kind}
    if kind not in K.values:
        context["kinds"] = [KindChoice(k, str(label), str(KIND_HELP[k])) for k, label in K.choices]
        return context
    context["kind_label"] = K(kind).label
    household = None if kind == K.NEW_HOUSEHOLD else _household_param(user, request.GET.get("keluarga"))
    context["household"] = household
    if household is None and kind != K.NEW_HOUSEHOLD:
        search = HouseholdSearchForm(request.GET)
        context.update(step="household", search=search, results=_household_search(user, kind, search))
        return context
    person: Person | None = None
    if household is not None and kind in NEEDS_PERSON:
        members = registry_selectors.household_members(household=household).filter(
            status=codes.RecordStatus.ACTIVE
        )
        raw = request.GET.get("anggota", "")
        if not raw.isdigit():
            context.update(step="person", members=list(members))
            return context
        person = members.filter(pk=int(raw)).first()
        if person is None:
            raise Http404(gettext("Anggota tidak ditemukan pada keluarga ini."))
    context.update(step="form", person=person)
    return context


@login_required
@require_http_methods(["GET", "POST"])
def proposal_new(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    ensure_can(user, Action.PROPOSAL_SUBMIT)
    context = _new_context(user, request)
    if context["step"] != "form":
        return render(request, "updates/proposal_new.html", context)
    household: Household | None = context["household"]
    entry = ProposalEntry(
        context["kind"],
        request.POST if request.method == "POST" else None,
        household=household,
        person=context["person"],
        ask_village=len(user.jurisdiction_code) != 10,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if entry.is_valid():
            village = household.village_id if household is not None else user.jurisdiction_code
            try:
                proposal = services.proposal_submit(actor=user, data=entry.to_input(village_code=village))
            except services.ProposalRefused as e:
                entry.refuse(e)
            except NotInJurisdiction as e:
                # The family came through the scoped search: only a typed village code can lie
                # outside the jurisdiction here, and it is the form's error.
                entry.main.add_error(
                    "village_code" if "village_code" in entry.main.fields else None, e.message
                )
            except DomainError as e:
                entry.main.add_error(None, e.message)
                status = refusal_status(e)
            else:
                messages.success(
                    request,
                    gettext("Usulan #%(n)d tersimpan dan menunggu verifikasi lapangan.") % {"n": proposal.pk},
                )
                return redirect("updates:proposal_detail", proposal_id=proposal.pk)
    context["entry"] = entry
    return render(request, "updates/proposal_new.html", context, status=status)


# --- bulk upload ------------------------------------------------------------------------------------
def _upload_param(user: User, raw: str | None) -> Any:
    if not raw or not raw.isdigit():
        return None
    return bulk.upload_get(user=user, upload_id=int(raw))


@login_required
@require_http_methods(["GET", "POST"])
def proposal_upload(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    uploads = bulk.upload_list(user=user)
    ask_village = len(user.jurisdiction_code) != 10
    form = ProposalUploadForm(ask_village=ask_village)
    status = 200
    if request.method == "POST":
        ensure_can(user, Action.PROPOSAL_SUBMIT)
        form = ProposalUploadForm(request.POST, request.FILES, ask_village=ask_village)
        status = 400
        if form.is_valid():
            upload_file = form.cleaned_data["file"]
            try:
                upload = bulk.proposals_upload(
                    actor=user,
                    file_name=upload_file.name or "",
                    content=upload_file.read(),
                    village_code=form.cleaned_data.get("village_code") or user.jurisdiction_code,
                )
            except FileRejected as e:
                form.add_error("file", e.message)
            except DomainError as e:
                form.add_error("village_code" if ask_village else None, e.message)
                status = refusal_status(e)
            else:
                messages.success(
                    request,
                    gettext("%(ok)d baris diterima, %(bad)d baris ditolak.")
                    % {"ok": upload.rows_accepted, "bad": upload.rows_rejected},
                )
                return redirect(f"{reverse('updates:proposal_upload')}?unggahan={upload.pk}")
    shown = _upload_param(user, request.GET.get("unggahan"))
    context: dict[str, Any] = {
        "form": form,
        "can_submit": can(user, Action.PROPOSAL_SUBMIT),
        "uploads": list(uploads[:UPLOADS_LISTED]),
        "shown": shown,
    }
    if shown is not None:
        errors = bulk.upload_errors(upload=shown)
        context["errors"] = list(errors[:UPLOAD_ERRORS_SHOWN])
        context["errors_total"] = errors.count()
        context["proposals"] = list(
            selectors.proposal_list(user=user).filter(upload=shown).order_by("id")[:200]
        )
    return render(request, "updates/proposal_upload.html", context, status=status)


@login_required
@require_GET
def proposal_upload_template(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    ensure_can(user, Action.PROPOSAL_VIEW)
    code = user.jurisdiction_code
    content = bulk.template_workbook(district_code=code[:6] if len(code) >= 6 else "320405")
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="templat-usulan.xlsx"'
    return response


@login_required
@require_GET
def proposal_upload_errors(request: HttpRequest) -> HttpResponseBase:
    upload = _upload_param(actor(request), request.GET.get("unggahan"))
    if upload is None:
        raise Http404(gettext("Pilih unggahan."))
    rows = bulk.upload_errors(upload=upload).values_list(*bulk.ERRORS_HEADER)
    return csv_response(f"unggahan-usulan-{upload.pk}-galat.csv", bulk.ERRORS_HEADER, rows.iterator())


# --- detail and withdrawal -----------------------------------------------------------------------------
@login_required
@require_GET
def proposal_detail(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user = actor(request)
    p = selectors.proposal_get(user=user, proposal_id=proposal_id)
    return render(request, "updates/proposal_detail.html", _detail_context(user, p, WithdrawForm()))


@login_required
@require_POST
def proposal_withdraw(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user = actor(request)
    p = selectors.proposal_get(user=user, proposal_id=proposal_id)
    form = WithdrawForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.proposal_withdraw(actor=user, proposal_id=p.pk, reason=form.cleaned_data["reason"])
        except DomainError as e:
            form.add_error(None, e.message)
            status = refusal_status(e)  # a move the proposal's state forbids: 409
        else:
            messages.success(request, gettext("Usulan #%(n)d ditarik.") % {"n": p.pk})
            return redirect("updates:proposal_detail", proposal_id=p.pk)
    return render(request, "updates/proposal_detail.html", _detail_context(user, p, form), status=status)


ROUTES: list[URLPattern] = [
    path("usulan/", proposal_list, name="proposal_list"),
    path("usulan/ekspor/", proposal_export, name="proposal_export"),
    path("usulan/baru/", proposal_new, name="proposal_new"),
    path("usulan/unggah/", proposal_upload, name="proposal_upload"),
    path("usulan/unggah/templat.xlsx", proposal_upload_template, name="proposal_upload_template"),
    path("usulan/unggah/galat.csv", proposal_upload_errors, name="proposal_upload_errors"),
    path("usulan/<int:proposal_id>/", proposal_detail, name="proposal_detail"),
    path("usulan/<int:proposal_id>/tarik/", proposal_withdraw, name="proposal_withdraw"),
]
