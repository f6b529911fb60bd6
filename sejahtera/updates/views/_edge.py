"""What the update-cycle pages (approval, QA, releases, events, evaluation) share at the edge."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext

from sejahtera.accounts.models import User
from sejahtera.common.errors import DomainError, NotInJurisdiction, PermissionRefused

from ..exports import FORMATS


def actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # login_required ran first
    return request.user


def refusal_status(exc: DomainError) -> int:
    """The status of a form shown again with a service's refusal (a maker-checker violation, a
    proposal not ready, …). A record outside the jurisdiction (404) and a role without the right
    (403) are not form errors: they go on to DomainErrorMiddleware."""
    if isinstance(exc, NotInJurisdiction | PermissionRefused):
        raise exc
    return exc.status_code


def export_format(request: HttpRequest) -> str:
    fmt = request.GET.get("format", "csv")
    if fmt not in FORMATS:
        raise DomainError(gettext("Format ekspor harus csv atau xlsx."))
    return fmt
