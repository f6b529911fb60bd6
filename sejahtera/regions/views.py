"""Region cascade for forms: the children of a region as <option> elements (an htmx partial)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sejahtera.accounts.models import User

from .selectors import region_children


@login_required
@require_GET
def children(request: HttpRequest) -> HttpResponse:
    """?parent=<code> → its children within the user's jurisdiction; no parent → provinces."""
    assert isinstance(request.user, User)
    parent = "".join(ch for ch in request.GET.get("parent", "") if ch.isdigit())
    if parent and len(parent) not in (2, 4, 6):
        regions = []
    else:
        regions = list(
            region_children(parent_code=parent or None, within=request.user.jurisdiction_code or None)
        )
    return render(request, "regions/_options.html", {"regions": regions})
