"""Writes of the portal: the check's copy of a release (models.CheckEntry), by release hooks."""

from __future__ import annotations

from django.db import connection

from sejahtera.updates.models import Release, ReleaseHousehold, ReleasePerson

from .models import CheckEntry


def _sql() -> tuple[str, str]:
    ce, hh, ps = CheckEntry._meta.db_table, ReleaseHousehold._meta.db_table, ReleasePerson._meta.db_table
    insert = (
        f"INSERT INTO {ce} (release_id, village_code, person_id, household_id, full_name, birth_date) "
        f"SELECT p.release_id, h.village_code, p.person_id, p.household_id, p.full_name, p.birth_date "
        f"FROM {ps} p JOIN {hh} h ON h.release_id = p.release_id AND h.household_id = p.household_id "
        "WHERE p.release_id = %s ORDER BY h.village_code, p.person_id"
    )
    return ce, insert


def check_index_write(*, release_id: int) -> int:
    """Write the release's persons in village order (INSERT … SELECT), dropping the copies of
    releases that are neither this one nor the latest published; returns the rows written."""
    ce, insert = _sql()
    keep = (
        Release.objects.filter(status=Release.Status.PUBLISHED)
        .order_by("-number")
        .values_list("id", flat=True)
    ).first()
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {ce} WHERE release_id <> %s AND release_id <> %s", [release_id, keep or 0])
        cur.execute(f"DELETE FROM {ce} WHERE release_id = %s", [release_id])
        cur.execute(insert, [release_id])
        rows = cur.rowcount
        if connection.vendor == "postgresql":
            cur.execute(f"ANALYZE {ce}")
    return int(rows)


def check_index_hook(release: Release) -> None:
    """RELEASE_BUILD_HOOKS: the check's copy of the release being built."""
    check_index_write(release_id=release.pk)


def check_index_discard_hook(release: Release) -> None:
    """RELEASE_DISCARD_HOOKS: a discarded draft's copy goes with it."""
    CheckEntry.objects.filter(release_id=release.pk).delete()
