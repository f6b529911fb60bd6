"""Region reads. Regions are public reference data; lists are still narrowed to a jurisdiction
where a form offers choices, so that an officer is never offered a region outside it."""

from __future__ import annotations

from functools import lru_cache

from django.db.models import Count, QuerySet

from .models import HistoricalRegionCode, Region


def region_children(*, parent_code: str | None, within: str | None = None) -> QuerySet[Region]:
    """Children of a region (provinces when parent_code is None). `within` is a jurisdiction code:
    only regions on its path or below it are returned."""
    qs = Region.objects.filter(parent_id=parent_code) if parent_code else Region.objects.filter(level=1)
    return _on_path_or_inside(qs, within).order_by("code")


def _on_path_or_inside(qs: QuerySet[Region], within: str | None) -> QuerySet[Region]:
    """Regions that contain the jurisdiction `within` or lie inside it (all when None)."""
    if not within:
        return qs
    path = [within[:n] for n in (2, 4, 6, 10) if n <= len(within)]
    return qs.filter(code__in=path) | qs.filter(code__startswith=within)


def region_search(*, term: str, within: str | None = None, limit: int = 50) -> QuerySet[Region]:
    """Regions by code prefix ('32.04', '3204' …) or by a part of the name, narrowed like
    region_children to the path to and inside a jurisdiction."""
    digits = "".join(ch for ch in term if ch.isdigit())
    if digits and all(ch.isdigit() or ch in ". " for ch in term):
        qs = Region.objects.filter(code__startswith=digits)  # codes have no dots: a plain prefix
    else:
        qs = Region.objects.filter(name__icontains=term.strip())
    return _on_path_or_inside(qs, within).order_by("level", "code")[:limit]


def region_get(code: str) -> Region | None:
    return Region.objects.filter(code=code).first()


def region_stats() -> dict[str, int]:
    counts = dict(Region.objects.values_list("level").annotate(n=Count("code")).values_list("level", "n"))
    return {
        "province": counts.get(1, 0),
        "regency_city": counts.get(2, 0),
        "district": counts.get(3, 0),
        "village": counts.get(4, 0),
    }


@lru_cache(maxsize=1)
def district_codes() -> tuple[frozenset[str], dict[str, str]]:
    """(current 6-digit district codes, historical 6-digit code → current code). Cached per process;
    the region table changes only when a new decree is loaded."""
    current = frozenset(Region.objects.filter(level=3).values_list("code", flat=True))
    historical = dict(
        HistoricalRegionCode.objects.filter(old_code__regex=r"^[0-9]{6}$").values_list(
            "old_code", "current_id"
        )
    )
    return current, historical


def region_names(codes: list[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
