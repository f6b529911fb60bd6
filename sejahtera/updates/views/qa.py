"""Pages: quality assurance (penjaminan mutu). The cases of the reviewer's regions, and one case
with its findings, the proposal and its verification, and the decision: uphold or reverse."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from sejahtera.accounts.permissions import Action, can
from sejahtera.common.errors import DomainError

from .. import selectors, services
from ..models import QACase
from ._edge import actor, refusal_status
from .proposals import family_label, proposal_data, proposal_facts, proposal_timeline


class QADecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Keputusan"),
        choices=[
            ("uphold", _("Kuatkan verifikasi: usulan lanjut ke pengesahan")),
            ("reverse", _("Batalkan verifikasi: usulan tidak terbukti")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Alasan"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


@login_required
@require_GET
def qa_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", QACase.Status.OPEN)
    status = status if status in QACase.Status.values else ""
    cases = selectors.qa_list(user=actor(request), status=status).order_by("opened_at", "id")
    page = Paginator(cases, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "updates/qa_list.html",
        {"page": page, "status": status, "status_choices": QACase.Status.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def qa_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    user = actor(request)
    case = selectors.qa_get(user=user, case_id=case_id)
    error, status = "", 200
    form = QADecisionForm()
    if request.method == "POST":
        form = QADecisionForm(request.POST)
        if form.is_valid():
            try:
                services.qa_decide(
                    actor=user,
                    case_id=case.pk,
                    uphold=form.cleaned_data["decision"] == "uphold",
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as e:
                error, status = e.message, refusal_status(e)
            else:
                messages.success(request, gettext("Keputusan penjaminan mutu disimpan."))
                return redirect("updates:qa_detail", case_id=case.pk)
        else:
            status = 400
    proposal = selectors.proposal_get(user=user, proposal_id=case.proposal_id)
    return render(
        request,
        "updates/qa_detail.html",
        {
            "case": case,
            "proposal": proposal,
            "family": family_label(proposal),
            "facts": proposal_facts(proposal),
            "data": proposal_data(proposal),
            "timeline": proposal_timeline(proposal),
            "form": form,
            "error": error,
            "can_decide": case.status == QACase.Status.OPEN and can(user, Action.QA_REVIEW),
        },
        status=status,
    )


ROUTES: list[URLPattern] = [
    path("penjaminan-mutu/", qa_list, name="qa_list"),
    path("penjaminan-mutu/<int:case_id>/", qa_detail, name="qa_detail"),
]
