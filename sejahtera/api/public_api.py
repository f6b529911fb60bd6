"""The public check as JSON (issue 5 §1): `GET /api/v1/public/check`, no sign-in.

The same rules as the page /publik/cek/ (portal/selectors.py, portal/edge.py): a captcha
(`captcha_key` + `captcha`, from `GET /api/v1/public/captcha`, each accepted once) or a partner's
API key in `X-API-Key`; refusals answer 400, limits 429 with Retry-After; results carry masked
names only. No session, no CSRF, no audit row per check (volume); refusals are logged.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from sejahtera.portal import edge
from sejahtera.portal.selectors import (
    CheckRefused,
    check_search,
    latest_published_release,
    name_check,
    village_check,
)

from .schemas import ErrorOut

router = Router(tags=["public"])


class CheckParams(Schema):
    village: str = Field(
        ..., description="The 10-digit Kemendagri code of the village/kelurahan.", examples=["3204052001"]
    )
    name: str = Field(
        ..., description="The name as on the KTP (at least 3 letters, no wildcards).", max_length=100
    )
    captcha_key: str = Field("", description="The key of a captcha from /public/captcha.")
    captcha: str = Field("", description="The four letters shown in that captcha's image.", max_length=10)


class ProgramOut(Schema):
    code: str = Field(..., description="PKH, BPNT, PBI …")
    name: str
    period: str = Field(..., description="YYYY-MM of the latest disbursement (or of the enrolment).")
    tahap: int | None = Field(..., description="The disbursement's number in the year.")
    status: str = Field(..., description="PAID, IN_PROCESS, FAILED, RETURNED, CANCELLED or ENROLLED.")
    status_label: str


class CheckResultOut(Schema):
    ref: str = Field(..., description="An opaque signed reference to this person (for an objection).")
    masked_name: str = Field(..., description="Each word: its first ceil(n/2) letters, at most 3, then *.")
    age: int = Field(..., description="Age in whole years.")
    village_name: str
    district_name: str
    programs: list[ProgramOut]


class CheckOut(Schema):
    release: int | None = Field(..., description="The number of the published release searched.")
    message: str = Field(..., description='"Tidak Terdapat Peserta/PM" when nothing is found.')
    results: list[CheckResultOut]


class CaptchaOut(Schema):
    captcha_key: str
    image_url: str
    expires_in: int = Field(..., description="Seconds the captcha stays valid.")


class ThrottledOut(ErrorOut):
    retry_after: int = Field(..., description="Seconds to wait (also in the Retry-After header).")


@router.get(
    "/public/check",
    auth=None,
    response={200: CheckOut, 400: ErrorOut, 401: ErrorOut, 429: ThrottledOut},
    url_name="public_check",
)
def public_check(
    request: HttpRequest, response: HttpResponse, params: Query[CheckParams]
) -> Status[dict[str, Any]]:
    """Cek bansos: persons of one village in the latest published release whose name is the one
    given or close to it (at most 10), masked, with their family's programs."""
    key = request.headers.get("X-API-Key", "")
    key_hash = edge.api_key_valid(key) if key else None
    if key and key_hash is None:
        return Status(401, {"detail": _("Kunci API tidak dikenal.")})
    try:
        village_check(params.village)
        name_check(params.name)
        if key_hash is None and not edge.captcha_take(key=params.captcha_key, answer=params.captcha):
            return Status(400, {"detail": _("Huruf kode salah atau kedaluwarsa; minta huruf kode baru.")})
        edge.check_guard(
            address=edge.client_address(request), village_code=params.village, api_key_hash=key_hash
        )
        results = check_search(village_code=params.village, name=params.name)
    except edge.CheckThrottled as exc:
        response["Retry-After"] = str(exc.retry_after)
        return Status(429, {"detail": exc.message, "retry_after": exc.retry_after})
    except CheckRefused as exc:
        return Status(400, {"detail": exc.message})
    release = latest_published_release()
    return Status(
        200,
        {
            "release": release[1] if release else None,
            "message": "" if results else _("Tidak Terdapat Peserta/PM"),
            "results": results,
        },
    )


@router.get("/public/captcha", auth=None, response={200: CaptchaOut}, url_name="public_captcha")
def public_captcha(request: HttpRequest) -> dict[str, Any]:
    """A new captcha for /public/check: show the image, send its key and the letters once."""
    key = edge.captcha_new()
    return {
        "captcha_key": key,
        "image_url": request.build_absolute_uri(reverse("captcha-image", kwargs={"key": key})),
        "expires_in": settings.CAPTCHA_TIMEOUT * 60,
    }
