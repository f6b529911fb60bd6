"""Keyset paging for the API's long lists: rows by ascending id, `limit` at a time; the next page
starts after the last id of this one. Every page costs what the first does, even at 10^7 rows."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet


def keyset_page(qs: QuerySet[Any], *, after_id: int | None, limit: int) -> dict[str, Any]:
    """{"items": up to `limit` rows after `after_id`, "next_after_id": the cursor, or None at the end}."""
    qs = qs.order_by("id")
    if after_id is not None:
        qs = qs.filter(id__gt=after_id)
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_after_id": rows[-1].id if more else None}
