"""The one place where jurisdiction is decided.

Every selector narrows its query with these helpers, so lists, counts, exports, search,
autocomplete, detail pages and the API all see the same slice of the registry.
"""

from __future__ import annotations

from django.db.models import Q

from sejahtera.common.errors import NotInJurisdiction

from .models import User

# Households carry their region at every level (registry.Household), so scoping is an equality on
# one indexed column instead of a prefix match.
_LEVEL_FIELD = {2: "province_code", 4: "regency_code", 6: "district_code", 10: "village_id"}

NOTHING = Q(pk__in=[])


def jurisdiction_of(user: User) -> str | None:
    """'' for the nation, a region code, or None for a user who may see nothing."""
    if not user.is_authenticated or not user.is_active or not user.role:
        return None
    return user.jurisdiction_code


def households_in_region(code: str, *, prefix: str = "", village_field: str = "village_id") -> Q:
    """Households in a region given by its code at any level (2, 4, 6 or 10 digits). Also any model
    that carries the same region columns (proposals, release snapshots: village_field names its
    village column there)."""
    field = village_field if len(code) == 10 else _LEVEL_FIELD[len(code)]
    return Q(**{prefix + field: code})


def household_scope(user: User, *, prefix: str = "", village_field: str = "village_id") -> Q:
    """A filter on Household (or, with prefix 'household__', on a model pointing at it; or on a
    model with the same region columns)."""
    code = jurisdiction_of(user)
    if code is None:
        return NOTHING
    if code == "":
        return Q()
    return households_in_region(code, prefix=prefix, village_field=village_field)


def region_code_scope(user: User, *, field: str) -> Q:
    """A filter on a region-code column holding a code at any level (e.g. an audit entry's region)."""
    code = jurisdiction_of(user)
    if code is None:
        return NOTHING
    if code == "":
        return Q()
    return Q(**{f"{field}__startswith": code})


def in_jurisdiction(user: User, region_code: str) -> bool:
    code = jurisdiction_of(user)
    return code is not None and region_code.startswith(code)


def ensure_in_jurisdiction(user: User, region_code: str) -> None:
    if not in_jurisdiction(user, region_code):
        raise NotInJurisdiction("Data tidak ditemukan di wilayah kewenangan Anda.")
