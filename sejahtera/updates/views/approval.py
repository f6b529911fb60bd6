"""Pages: approval (pengesahan). Villages with verified proposals waiting, and one village's batch
decided under a letter: approved, or returned for another field visit with a reason.

The level is the district's, or the province's for a province officer (the province stage runs
only when settings.UPDATES_PROVINCE_STAGE is on; the page says so when it is off).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, re_path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from sejahtera.accounts.models import User
from sejahtera.accounts.permissions import Action, can
from sejahtera.common.errors import DomainError
from sejahtera.regions.selectors import region_get

from .. import selectors, services
from ..models import ApprovalDecision, Proposal
from ._edge import actor, refusal_status
from .proposals import family_label

L = ApprovalDecision.Level
D = ApprovalDecision.Decision


def _level(user: User) -> str:
    return L.PROVINCE if can(user, Action.APPROVE_PROVINCE) else L.DISTRICT


class ProposalIdsField(forms.Field):
    """The ticked proposals, as numbers. Whether each may be decided is the service's to say."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Pilih sedikitnya satu usulan."),
        "invalid": _("Nomor usulan tidak sah."),
    }

    def to_python(self, value: Any) -> list[int]:
        try:
            return sorted({int(v) for v in value or []})
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class DecisionForm(forms.Form):
    proposals = ProposalIdsField()
    letter_number = forms.CharField(label=_("Nomor surat pengesahan"), max_length=80, strip=True)
    letter_date = forms.DateField(
        label=_("Tanggal surat"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    note = forms.CharField(
        label=_("Catatan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wajib diisi bila usulan dikembalikan: alasan verifikasi ulang."),
    )
    decision = forms.ChoiceField(choices=D.choices)


# --- the villages waiting ---------------------------------------------------------------------------
@login_required
@require_GET
def approval_list(request: HttpRequest) -> HttpResponse:
    user = actor(request)
    level = _level(user)
    return render(
        request,
        "updates/approval_list.html",
        {
            "villages": selectors.approval_villages(user=user, level=level),
            "level_label": L(level).label,
            "stage_off": level == L.PROVINCE and not settings.UPDATES_PROVINCE_STAGE,
        },
    )


# --- one village's batch ------------------------------------------------------------------------------
@dataclass(frozen=True)
class CandidateRow:
    proposal: Proposal
    family: str
    checked: bool


@login_required
@require_http_methods(["GET", "POST"])
def approval_batch(request: HttpRequest, village_code: str) -> HttpResponse:
    user = actor(request)
    level = _level(user)
    candidates = list(selectors.approval_candidates(user=user, village_code=village_code, level=level))
    error, status = "", 200
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                decision = services.proposals_decide(
                    actor=user,
                    village_code=village_code,
                    proposal_ids=data["proposals"],
                    decision=data["decision"],
                    letter_number=data["letter_number"],
                    letter_date=data["letter_date"],
                    note=data["note"],
                    level=level,
                )
            except DomainError as e:
                error, status = e.message, refusal_status(e)
            else:
                messages.success(
                    request,
                    gettext("%(decision)s: %(n)d usulan, surat %(letter)s.")
                    % {
                        "decision": decision.get_decision_display(),
                        "n": decision.proposals,
                        "letter": decision.letter_number,
                    },
                )
                return redirect("updates:approval_list")
        else:
            status = 400
        ticked = {v for v in request.POST.getlist("proposals") if v.isdigit()}
    else:
        form = DecisionForm(initial={"letter_date": timezone.localdate()})
        ticked = {str(p.pk) for p in candidates}  # all ticked by default
    rows = [CandidateRow(p, family_label(p), str(p.pk) in ticked) for p in candidates]
    return render(
        request,
        "updates/approval_batch.html",
        {
            "village_code": village_code,
            "village": region_get(village_code),
            "rows": rows,
            "form": form,
            "error": error,
            "level_label": L(level).label,
        },
        status=status,
    )


ROUTES: list[URLPattern] = [
    path("pengesahan/", approval_list, name="approval_list"),
    re_path(r"^pengesahan/(?P<village_code>[0-9]{10})/$", approval_batch, name="approval_batch"),
]
