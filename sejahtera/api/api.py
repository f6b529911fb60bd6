"""The typed JSON API, version 1 (django-ninja).

Every read goes through the registry and region selectors, which scope it to the caller's
jurisdiction (accounts/scoping.py); an object outside it answers 404, as on the web pages.
Authentication is the Django session, with CSRF enforced on unsafe methods.
"""

from __future__ import annotations

import json
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI, Query
from ninja.openapi.docs import DocsBase
from ninja.security import SessionAuth

from sejahtera.accounts.models import User
from sejahtera.common.errors import DomainError, PermissionRefused
from sejahtera.regions.models import Region
from sejahtera.regions.selectors import region_children, region_search
from sejahtera.registry import selectors
from sejahtera.registry.identifiers import kk_check, nik_check
from sejahtera.registry.models import Household, Person

from . import schemas
from .paging import keyset_page
from .public_api import router as public_router
from .updates_api import router as updates_router


class RoleSessionAuth(SessionAuth):
    """The signed-in Django session of a user who holds a role. No session answers 401; a session
    without a role (an account not yet set up) answers 403."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if not user.is_authenticated:
            return None
        user = cast(User, user)
        if not user.is_active or not user.role:
            raise PermissionRefused("Akun Anda belum memiliki peran; hubungi administrator.")
        return user


class OfflineDocs(DocsBase):
    """The operations and schemas as one server-rendered page: the system runs on closed networks
    and ninja's Swagger UI would load its scripts from a CDN unless `ninja` is an installed app."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        spec = api.get_openapi_schema(path_params=kwargs)
        operations = [
            {
                "method": method.upper(),
                "path": path,
                "summary": op.get("summary", ""),
                "description": op.get("description", ""),
                "parameters": [
                    {
                        "name": p["name"],
                        "in": p["in"],
                        "required": p.get("required", False),
                        "schema": _compact_json(p.get("schema", {})),
                        "description": p.get("description", ""),
                    }
                    for p in op.get("parameters", [])
                ],
                "responses": [
                    {"status": status, "schema": _compact_json(r.get("content", {}))}
                    for status, r in op.get("responses", {}).items()
                ],
            }
            for path, methods in spec["paths"].items()
            for method, op in methods.items()
        ]
        components = [
            {
                "name": name,
                "properties": [
                    {"name": prop, "required": prop in schema.get("required", []), "schema": _compact_json(s)}
                    for prop, s in schema.get("properties", {}).items()
                ],
                "enum": schema.get("enum"),
            }
            for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())
        ]
        context = {
            "info": spec["info"],
            "operations": operations,
            "components": components,
            "openapi_url": self.get_openapi_url(api, kwargs),
        }
        return render(request, "api/docs.html", context)


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


api = NinjaAPI(
    title="Sejahtera API",
    version="1",
    description=(
        "Social registry reads, scoped to the caller's jurisdiction. Sign in through the web "
        "login; the session cookie authenticates API calls (send X-CSRFToken on unsafe methods)."
    ),
    urls_namespace="api:v1",  # mounted inside the "api" namespace (api/urls.py)
    auth=RoleSessionAuth(csrf=True),
    docs=OfflineDocs(),
)


api.add_router("", updates_router)  # events, releases (updates_api.py)
api.add_router("", public_router)  # the public check, no sign-in (public_api.py)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


def _user(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]


_ERRORS: dict[int, type[schemas.ErrorOut]] = {401: schemas.ErrorOut, 403: schemas.ErrorOut}
_NOT_FOUND: dict[int, type[schemas.ErrorOut]] = {**_ERRORS, 404: schemas.ErrorOut}


@api.get(
    "/households",
    response={200: schemas.HouseholdPage, **_ERRORS},
    url_name="household_list",
    tags=["registry"],
)
def household_list(request: HttpRequest, params: Query[schemas.HouseholdListParams]) -> dict[str, Any]:
    """Households in the caller's jurisdiction, by ascending id, `limit` at a time (keyset paging)."""
    filters = selectors.HouseholdFilter(
        q=params.q, region=params.region or "", status=params.status.value if params.status else ""
    )
    qs: QuerySet[Household] = selectors.household_list(user=_user(request), filters=filters)
    return keyset_page(qs, after_id=params.after_id, limit=params.limit)


@api.get(
    "/households/{household_id}",
    response={200: schemas.HouseholdDetail, **_NOT_FOUND},
    url_name="household_detail",
    tags=["registry"],
)
def household_detail(request: HttpRequest, household_id: int) -> Household:
    """One household (KK) with its members."""
    return selectors.household_get(user=_user(request), household_id=household_id)


@api.get(
    "/persons/{person_id}",
    response={200: schemas.PersonDetail, **_NOT_FOUND},
    url_name="person_detail",
    tags=["registry"],
)
def person_detail(request: HttpRequest, person_id: int) -> Person:
    """One person (NIK)."""
    return selectors.person_get(user=_user(request), person_id=person_id)


@api.get("/stats", response={200: schemas.RegistryCounts, **_ERRORS}, url_name="stats", tags=["registry"])
def stats(request: HttpRequest) -> dict[str, int]:
    """Active households and persons, deceased and inactive persons, in the caller's jurisdiction."""
    return selectors.registry_counts(user=_user(request))


@api.get(
    "/regions",
    response={200: list[schemas.RegionOut], **_ERRORS},
    url_name="region_children",
    tags=["regions"],
)
def regions(request: HttpRequest, params: Query[schemas.RegionChildrenParams]) -> QuerySet[Region]:
    """Child regions of `parent` (provinces without it), only those on the path to or inside the
    caller's jurisdiction."""
    return region_children(parent_code=params.parent, within=_user(request).jurisdiction_code or None)


@api.get(
    "/regions/search",
    response={200: list[schemas.RegionOut], **_ERRORS},
    url_name="region_search",
    tags=["regions"],
)
def regions_search(request: HttpRequest, params: Query[schemas.RegionSearchParams]) -> QuerySet[Region]:
    """Regions by code prefix or name (at most 50), within the caller's jurisdiction."""
    return region_search(term=params.q, within=_user(request).jurisdiction_code or None)


def _compact(raw: str) -> str:
    """The CLI's reading of a number: dots and spaces ignored."""
    return raw.replace(".", "").replace(" ", "")


@api.get(
    "/nik/check", response={200: schemas.NikCheckOut, **_ERRORS}, url_name="nik_check", tags=["identifiers"]
)
def nik_check_view(request: HttpRequest, params: Query[schemas.NikCheckParams]) -> dict[str, Any]:
    """Format, region, birth date and serial of a NIK (the same checks as `sejahtera nik check`)."""
    return nik_check(_compact(params.nik)).as_json()


@api.get(
    "/kk/check", response={200: schemas.KkCheckOut, **_ERRORS}, url_name="kk_check", tags=["identifiers"]
)
def kk_check_view(request: HttpRequest, params: Query[schemas.KkCheckParams]) -> dict[str, Any]:
    """Format, region, recording date and serial of a KK number (as `sejahtera kk check`)."""
    return kk_check(_compact(params.kk)).as_json()
