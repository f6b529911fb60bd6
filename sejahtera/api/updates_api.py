"""The update cycle's endpoints (v1): population-registry events in, releases and their diff out.

Same rules as the rest of the API (api.py): the signed-in session of a user with a role, reads
scoped to the caller's jurisdiction by the updates selectors, domain errors as `{"detail": …}`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Body, Field, Query, Router, Schema

from sejahtera.accounts.models import User
from sejahtera.common.errors import DomainError
from sejahtera.updates import selectors, services
from sejahtera.updates.models import Release, ReleaseChange

from .paging import keyset_page
from .schemas import MAX_PAGE, REGION_CODE_PATTERN, ErrorOut

router = Router(tags=["updates"])

# One request holds at most this many events; a larger feed is split, or sent as a file to
# `sejahtera events apply`.
MAX_EVENTS = 10_000

_ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut}
_NOT_FOUND: dict[int, type[ErrorOut]] = {**_ERRORS, 404: ErrorOut}


def _user(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]


# --- schemas ------------------------------------------------------------------------------------------
class RejectionOut(Schema):
    line: int = Field(..., description="The event's position in the list, from 1.")
    event_id: str
    code: str = Field(..., description="NIK_UNKNOWN, KK_UNKNOWN, KIND_UNKNOWN, DATE_INVALID, ...")
    message: str


class EventsResultOut(Schema):
    applied: int
    duplicate: int = Field(..., description="Event ids applied before (now or earlier): nothing changed.")
    rejected: int
    reasons: dict[str, int] = Field(..., description="Rejections per code.")
    rejections: list[RejectionOut]


class ReleaseOut(Schema):
    number: int
    period: str
    status: Release.Status
    cutoff: dt.datetime
    previous: int | None = Field(..., description="The number of the release it was compared with.")
    households: int
    persons: int
    added: int
    removed: int
    changed: int
    proposals_applied: int
    proposals_conflicted: int
    built_at: dt.datetime | None
    decree_number: str
    published_at: dt.datetime | None

    @staticmethod
    def resolve_previous(obj: Release) -> int | None:
        return obj.previous.number if obj.previous is not None else None


class ReleaseDetailOut(ReleaseOut):
    phase: str
    progress: int = Field(..., description="Percent, while the release is being built.")
    error_message: str
    timings: dict[str, float] = Field(..., description="Seconds per build step.")


class ChangeParams(Schema):
    change: ReleaseChange.Change | None = None
    region: str | None = Field(None, pattern=REGION_CODE_PATTERN, description="Region code, without dots.")
    after_id: int | None = Field(None, ge=0, description="Cursor: the next_after_id of the previous page.")
    limit: int = Field(100, ge=1, le=MAX_PAGE)


class ChangeOut(Schema):
    id: int
    household_id: int
    change: ReleaseChange.Change
    reason: str = Field(
        ..., description="REMOVED: the status or inactive reason; CHANGED: VILLAGE, MEMBERS or DATA."
    )
    kk_number: str
    village_code: str
    district_code: str
    regency_code: str
    province_code: str
    members_before: int | None
    members_after: int | None


class ChangePage(Schema):
    items: list[ChangeOut]
    next_after_id: int | None = Field(
        ..., description="Pass as after_id to get the next page; null on the last page."
    )


# --- endpoints ------------------------------------------------------------------------------------------
@router.post(
    "/events",
    response={200: EventsResultOut, 400: ErrorOut, **_ERRORS},
    url_name="events_apply",
    openapi_extra={
        "requestBody": {"description": "A JSON list of events (fields as in docs/update-cycle.md)."}
    },
)
def events_apply(request: HttpRequest, events: Body[list[dict[str, Any]]]) -> dict[str, Any]:
    """Apply population-registry events (Dukcapil), each exactly once: a known event id is a duplicate,
    a bad event is rejected with its position and reason while the others apply."""
    if len(events) > MAX_EVENTS:
        raise DomainError(f"Paling banyak {MAX_EVENTS} peristiwa per permintaan; kirim sisanya terpisah.")
    result = services.events_apply(
        actor=_user(request),
        records=enumerate(events, start=1),
        source=f"api:{_user(request).get_username()}",
    )
    return result.as_dict()


@router.get("/releases", response={200: list[ReleaseOut], **_ERRORS}, url_name="release_list")
def release_list(request: HttpRequest) -> QuerySet[Release]:
    """Every release, newest first: national decisions that every staff role may read."""
    return selectors.release_list(user=_user(request)).select_related("previous")


@router.get("/releases/{number}", response={200: ReleaseDetailOut, **_NOT_FOUND}, url_name="release_detail")
def release_detail(request: HttpRequest, number: int) -> Release:
    """One release with its counts, build phase and timings."""
    return selectors.release_get(user=_user(request), number=number)


@router.get(
    "/releases/{number}/changes", response={200: ChangePage, **_NOT_FOUND}, url_name="release_changes"
)
def release_changes(request: HttpRequest, number: int, params: Query[ChangeParams]) -> dict[str, Any]:
    """The release's diff in the caller's jurisdiction (and a region within it), by ascending id,
    `limit` at a time (keyset paging)."""
    user = _user(request)
    release = selectors.release_get(user=user, number=number)
    qs = selectors.release_changes(
        user=user,
        release=release,
        region=params.region or "",
        change=params.change.value if params.change else "",
    )
    return keyset_page(qs, after_id=params.after_id, limit=params.limit)
