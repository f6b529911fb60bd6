"""What the update-cycle pages (approval, QA, releases, events, evaluation) share at the edge."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext

from sejahtera.accounts.models import User
from sejahtera.accounts.scoping import in_jurisdiction
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


REGION_LENGTHS = (2, 4, 6, 10)


def region_param(user: User, raw: str | None) -> str:
    """A region code from the query string when it lies within the user's jurisdiction, else ''
    (the whole jurisdiction): a region outside it is not an error, it narrows nothing."""
    code = (raw or "").strip()
    if code.isdigit() and len(code) in REGION_LENGTHS and in_jurisdiction(user, code):
        return code
    return ""


def region_up(user: User, region: str) -> str | None:
    """The region one level up from `region`, within the jurisdiction ('' = all of it; None when
    `region` is already the whole jurisdiction)."""
    if not region or len(region) <= len(user.jurisdiction_code):
        return None
    parent = region[: REGION_LENGTHS[REGION_LENGTHS.index(len(region)) - 1]] if len(region) > 2 else ""
    return parent if len(parent) > len(user.jurisdiction_code) else ""
