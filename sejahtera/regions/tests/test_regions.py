"""The Kemendagri region table (Kepmendagri 300.2.2-2138/2025, DOMAIN.md §5) and its historical
codes, loaded once per test database by conftest.py."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Count

from sejahtera.regions.models import HistoricalRegionCode, Region
from sejahtera.regions.selectors import district_codes, region_children, region_stats
from sejahtera.regions.services import HISTORICAL_CSV

pytestmark = pytest.mark.django_db

DECREE = {"province": 38, "regency_city": 514, "district": 7285, "village": 83762}


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("regions", *args, stdout=out)
    return out.getvalue()


def test_stats_json_prints_the_counts_of_the_2025_decree():
    out = command("stats", "--json")

    assert json.loads(out) == DECREE
    assert list(json.loads(out)) == ["province", "regency_city", "district", "village"]
    assert len(out.strip().splitlines()) == 1


def test_stats_plain_lists_each_level():
    lines = command("stats").splitlines()
    assert [line.split()[0] for line in lines] == list(DECREE)
    assert lines[-1].split()[1] == "83,762"


def test_loading_again_restores_the_table_and_duplicates_nothing():
    """conftest loaded the table once; this is the second load (one test: a load takes seconds)."""
    historical = HistoricalRegionCode.objects.count()
    by_code = dict(Region.objects.values_list("code", "name"))
    Region.objects.filter(code="3204").update(name="Kabupaten Salah")
    Region.objects.filter(code="3204052001").delete()

    out = command("load")

    assert out.startswith("regions: 1 created, 91598 refreshed")
    assert dict(Region.objects.values_list("code", "name")) == by_code
    assert region_stats() == DECREE
    assert HistoricalRegionCode.objects.count() == historical
    assert not Region.objects.values("code").annotate(n=Count("code")).filter(n__gt=1).exists()
    village = Region.objects.get(code="3204052001")
    assert (village.name, village.parent_id, village.level) == ("Cileunyi Kulon", "320405", 4)


# --- the hierarchy ---------------------------------------------------------------------------------
def test_codes_are_stored_without_dots_and_their_length_gives_the_level():
    lengths = {2: 1, 4: 2, 6: 3, 10: 4}
    for code, level in Region.objects.values_list("code", "level").iterator():
        assert code.isdigit() and lengths[len(code)] == level, code


def test_every_region_but_a_province_lies_inside_its_parent():
    orphans = Region.objects.exclude(level=1).filter(parent__isnull=True)
    assert not orphans.exists()
    for code, parent in Region.objects.exclude(level=1).values_list("code", "parent_id").iterator():
        assert parent is not None and code.startswith(parent), code
    assert Region.objects.filter(level=1, parent__isnull=True).count() == 38


def test_regency_or_city_follows_the_code_and_desa_or_kelurahan_the_digit():
    """Kab/kota 01-69 are kabupaten, 71-99 kota; the first digit of a village's last four is
    1 kelurahan, 2 desa, 3 desa adat (DOMAIN.md §5: 416 + 98, 8,496 kelurahan + 75,266 desa)."""
    kinds = dict(Region.objects.values_list("kind").annotate(n=Count("code")).values_list("kind", "n"))
    assert (kinds[Region.Kind.REGENCY], kinds[Region.Kind.CITY]) == (416, 98)
    assert kinds[Region.Kind.KELURAHAN] == 8496
    assert kinds[Region.Kind.VILLAGE] + kinds.get(Region.Kind.CUSTOMARY_VILLAGE, 0) == 75266
    for code, kind in Region.objects.filter(level=2).values_list("code", "kind"):
        assert kind == (Region.Kind.CITY if int(code[2:4]) >= 71 else Region.Kind.REGENCY), code
    for code, kind in Region.objects.filter(level=4).values_list("code", "kind").iterator():
        expected = {"1": Region.Kind.KELURAHAN, "2": Region.Kind.VILLAGE, "3": Region.Kind.CUSTOMARY_VILLAGE}
        assert kind == expected[code[6]], code


@pytest.mark.parametrize(
    ("code", "name", "kind"),
    [
        ("32", "Jawa Barat", Region.Kind.PROVINCE),
        ("3204", "Kabupaten Bandung", Region.Kind.REGENCY),
        ("3273", "Kota Bandung", Region.Kind.CITY),
        ("320405", "Cileunyi", Region.Kind.DISTRICT),
        ("3204052001", "Cileunyi Kulon", Region.Kind.VILLAGE),
        ("3273011001", "Sukarasa", Region.Kind.KELURAHAN),
        ("9301", "Kabupaten Merauke", Region.Kind.REGENCY),
    ],
)
def test_known_regions(code, name, kind):
    r = Region.objects.get(code=code)
    assert (r.name, r.kind) == (name, kind)


def test_a_village_has_its_postal_code():
    village = Region.objects.get(code="3204052001")
    assert len(village.postal_code) == 5 and village.postal_code.isdigit()
    assert str(village) == "32.04.05.2001 Cileunyi Kulon"


# --- historical codes ------------------------------------------------------------------------------
def test_the_old_papua_codes_resolve_to_the_new_provinces():
    merauke = HistoricalRegionCode.objects.get(old_code="9101")
    assert (merauke.current_id, merauke.current.name) == ("9301", "Kabupaten Merauke")
    district = HistoricalRegionCode.objects.get(old_code="910101")
    assert (district.current_id, district.current.name) == ("930101", "Merauke")
    assert not Region.objects.filter(code__startswith="9101").exists()  # not a current code


def test_every_regency_in_the_historical_file_is_loaded_with_its_districts():
    with HISTORICAL_CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 20
    for row in rows:
        old = HistoricalRegionCode.objects.select_related("current").get(old_code=row["old_code"])
        assert old.current.name == row["name"]
        assert old.current_id.startswith(row["new_province"])
        assert old.current.level == Region.Level.REGENCY_CITY
        districts = Region.objects.filter(parent=old.current)
        assert districts.exists()
        for d in districts:
            h = HistoricalRegionCode.objects.get(old_code=row["old_code"] + d.code[4:6])
            assert h.current_id == d.code


def test_district_codes_know_current_and_historical_districts():
    current, historical = district_codes()
    assert "320405" in current and len(current) == 7285
    assert historical["910101"] == "930101"
    assert "910101" not in current


# --- selectors -------------------------------------------------------------------------------------
def test_children_of_the_nation_are_the_provinces():
    assert region_children(parent_code=None).count() == 38


def test_children_are_narrowed_to_a_jurisdiction():
    """An officer of a village is offered only the regions on the way to it."""
    within = "3204052001"
    assert list(region_children(parent_code=None, within=within).values_list("code", flat=True)) == ["32"]
    assert list(region_children(parent_code="32", within=within).values_list("code", flat=True)) == ["3204"]
    assert list(region_children(parent_code="3204", within=within).values_list("code", flat=True)) == [
        "320405"
    ]
    assert list(region_children(parent_code="320405", within=within).values_list("code", flat=True)) == [
        within
    ]
    # A district officer of 3204 sees every district of it, none of its neighbour's.
    districts = region_children(parent_code="3204", within="3204")
    assert districts.count() == Region.objects.filter(parent_id="3204").count() > 20
    assert not region_children(parent_code="3273", within="3204").exists()
