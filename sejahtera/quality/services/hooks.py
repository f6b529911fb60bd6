"""What other apps call through settings (no signals): the release build hook that counts the open
findings for the dashboard's trend, and the release snapshot's hold-out of persons not matched in
Dukcapil (settings.RELEASE_PERSON_FILTERS, read by updates/services/releases.py)."""

from __future__ import annotations

from django.db import connection

from sejahtera.updates.models import Release

from ..models import ReleaseFindingCount


def release_counts_hook(release: Release) -> None:
    """settings.RELEASE_BUILD_HOOKS: the OPEN findings per district and type when the release was built."""
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO quality_releasefindingcount "
            '(release_id, district_code, regency_code, province_code, type, "open") '
            "SELECT %s, district_code, regency_code, province_code, type, COUNT(*) FROM quality_finding "
            "WHERE status = 'OPEN' GROUP BY district_code, regency_code, province_code, type",
            [release.pk],
        )


def release_counts_discard_hook(release: Release) -> None:
    """settings.RELEASE_DISCARD_HOOKS: a discarded draft leaves no point in the trend."""
    ReleaseFindingCount.objects.filter(release=release).delete()


def padan_hold_out_filter() -> str:
    """A condition on a registry person `p`: false for a person whose latest padan result is
    NOT_MATCHED or NOT_FOUND (Person.dukcapil_match) unless the district approved an override of
    that very result. UNCHECKED persons (never matched) are kept: until padan has run over a
    region, holding them out would empty the release."""
    return (
        "(p.dukcapil_match NOT IN ('NOT_MATCHED', 'NOT_FOUND') OR EXISTS ("
        "SELECT 1 FROM quality_padanoverride o WHERE o.person_id = p.id AND o.status = 'APPROVED' "
        "AND o.result_id = (SELECT MAX(r.id) FROM quality_padanresult r WHERE r.person_id = p.id)))"
    )
