"""Pages: scoring model versions. The list (with the releases scored), a version with its terms and
the Kepmensos 262/HUK/2022 checklist, a new version (JSON typed or uploaded, every bad term named),
activation by a second person and retirement."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sejahtera.accounts.permissions import Action, can, ensure_can
from sejahtera.common.errors import DomainError

from .. import scoring, selectors, services
from ..forms import RetireForm, ScoringModelForm
from ..models import ScoringModel
from ._edge import actor, refusal_status

SCORINGS_SHOWN = 12


@login_required
@require_GET
def model_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    status = request.GET.get("status", "")
    models = selectors.scoring_model_list(user=user, status=status)
    page = Paginator(models, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "targeting/model_list.html",
        {
            "page": page,
            "status": status,
            "status_choices": ScoringModel.Status.choices,
            "can_manage": can(user, Action.TARGETING_MANAGE),
            "scorings": selectors.release_scorings(user=user)[:SCORINGS_SHOWN],
        },
    )


@dataclass(frozen=True)
class TermRow:
    variable: scoring.Variable
    term: scoring.Term
    lines: list[tuple[str, int]]


@dataclass(frozen=True)
class ProvinceBlock:
    code: str
    intercept: int | None
    terms: list[TermRow]


def _rows(terms: dict[str, scoring.Term] | Any) -> list[TermRow]:
    return [TermRow(scoring.BY_NAME[name], t, t.describe()) for name, t in terms.items()]


def _detail_context(request: HttpRequest, model: ScoringModel, **extra: Any) -> dict[str, Any]:
    user = actor(request)
    spec = scoring.parse_weights(model.weights)
    manage = can(user, Action.TARGETING_MANAGE)
    return {
        "model": model,
        "intercept": spec.intercept,
        "terms": _rows(spec.terms),
        "provinces": [ProvinceBlock(c, p.intercept, _rows(p.terms)) for c, p in spec.provinces.items()],
        "criteria": scoring.CRITERIA,
        "weights_json": json.dumps(model.weights, indent=2, ensure_ascii=False),
        "can_activate": manage and model.status == ScoringModel.Status.DRAFT,
        "can_retire": manage and model.status == ScoringModel.Status.ACTIVE,
        "can_copy": manage,
        "written_by_me": model.created_by_id == user.pk,
        "retire_form": extra.get("retire_form") or RetireForm(),
        "error": extra.get("error", ""),
    }


@login_required
@require_GET
def model_detail(request: HttpRequest, model_id: int) -> HttpResponse:
    model = selectors.scoring_model_get(user=actor(request), model_id=model_id)
    return render(request, "targeting/model_detail.html", _detail_context(request, model))


def _initial(request: HttpRequest) -> dict[str, Any]:
    """A new version starts from a copy of the one asked for (?from=ID), or of the latest in force."""
    user = actor(request)
    source_id = request.GET.get("from", "")
    models = selectors.scoring_model_list(user=user)
    source = (
        models.filter(pk=int(source_id)).first()
        if source_id.isdigit()
        else models.filter(status=ScoringModel.Status.ACTIVE).first()
    )
    if source is None:
        return {}
    return {
        "name": source.name,
        "legal_source": source.legal_source,
        "weights": json.dumps(source.weights, indent=2, ensure_ascii=False),
    }


@login_required
@require_http_methods(["GET", "POST"])
def model_new(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    ensure_can(user, Action.TARGETING_MANAGE)
    form = ScoringModelForm(initial=_initial(request))
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        form = ScoringModelForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                model = services.scoring_model_create(
                    actor=user,
                    version=data["version"],
                    name=data["name"],
                    legal_source=data["legal_source"],
                    description=data["description"],
                    weights=data["weights_document"],
                    effective_from=data["effective_from"],
                )
            except scoring.WeightsInvalid as e:
                errors, status = e.errors, 400
            except DomainError as e:
                form.add_error(None, e.message)
                status = refusal_status(e)
            else:
                messages.success(
                    request,
                    gettext("Model %(v)s tersimpan sebagai draf; petugas lain memberlakukannya.")
                    % {"v": model.version},
                )
                return redirect("targeting:model_detail", model_id=model.pk)
        else:
            status = 400
    return render(
        request,
        "targeting/model_new.html",
        {"form": form, "errors": errors, "variables": scoring.VARIABLES},
        status=status,
    )


@login_required
@require_POST
def model_activate(request: HttpRequest, model_id: int) -> HttpResponse:
    user = actor(request)
    model = selectors.scoring_model_get(user=user, model_id=model_id)
    try:
        services.scoring_model_activate(actor=user, model_id=model.pk)
    except DomainError as e:
        status = refusal_status(e)
        model.refresh_from_db()
        return render(
            request,
            "targeting/model_detail.html",
            _detail_context(request, model, error=e.message),
            status=status,
        )
    messages.success(
        request, gettext("Model %(v)s berlaku sejak %(d)s.") % {"v": model.version, "d": model.effective_from}
    )
    return redirect("targeting:model_detail", model_id=model.pk)


@login_required
@require_POST
def model_retire(request: HttpRequest, model_id: int) -> HttpResponse:
    user = actor(request)
    model = selectors.scoring_model_get(user=user, model_id=model_id)
    form = RetireForm(request.POST)
    error, status = "", 400
    if form.is_valid():
        try:
            services.scoring_model_retire(actor=user, model_id=model.pk, reason=form.cleaned_data["reason"])
        except DomainError as e:
            error, status = e.message, refusal_status(e)
        else:
            messages.success(request, gettext("Model %(v)s dicabut.") % {"v": model.version})
            return redirect("targeting:model_detail", model_id=model.pk)
    else:
        ensure_can(user, Action.TARGETING_MANAGE)
    model.refresh_from_db()
    context = _detail_context(request, model, retire_form=form, error=error)
    return render(request, "targeting/model_detail.html", context, status=status)


ROUTES: list[URLPattern] = [
    path("penargetan/model/", model_list, name="model_list"),
    path("penargetan/model/baru/", model_new, name="model_new"),
    path("penargetan/model/<int:model_id>/", model_detail, name="model_detail"),
    path("penargetan/model/<int:model_id>/berlakukan/", model_activate, name="model_activate"),
    path("penargetan/model/<int:model_id>/cabut/", model_retire, name="model_retire"),
]
