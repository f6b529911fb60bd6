"""The weekly evaluation page: counts per state, the week's throughput, overdue proposals and open QA
cases, for a region within the user's jurisdiction and a week; its CSV/XLSX export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from sejahtera.updates.models import Proposal
from sejahtera.updates.views.evaluation import week_param

from .factories import propose

pytestmark = pytest.mark.django_db

PAGE = reverse("updates:evaluation")
EXPORT = reverse("updates:evaluation_export")
VILLAGE_B = "3273011001"


@pytest.fixture
def proposals(village_operator, district_a, district_b):
    """Two proposals in Kec. Cileunyi (one overdue), one in Kec. Majalaya, one in Kota Bandung."""
    a1 = propose(village_operator)
    a2 = propose(village_operator)
    a3 = propose(district_a, village="3204332007", origin="SLRT", minutes_number="", reference="S-1")
    b1 = propose(district_b, village=VILLAGE_B, origin="SLRT", minutes_number="", reference="S-2")
    Proposal.objects.filter(pk=a2.pk).update(due_at=timezone.now() - dt.timedelta(days=3))
    return {"a1": a1, "a2": a2, "a3": a3, "b1": b1}


def measures(response) -> dict[str, int]:
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    return {r["measure"]: int(r["count"]) for r in rows}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("central", 200),
        ("district_a", 200),
        ("province_officer", 200),
        ("auditor", 200),
        ("qa_reviewer", 200),
        ("village_operator", 403),
        ("verifier", 403),
        ("payment_channel", 403),
    ],
)
def test_who_reads_the_evaluation(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == status
    assert client.get(EXPORT).status_code == status


def test_a_stranger_is_sent_to_the_login(client):
    for url in (PAGE, EXPORT):
        assert client.get(url)["Location"].startswith(reverse("accounts:login"))


def test_the_district_sees_its_own_counts_throughput_and_overdue(client, district_a, proposals):
    client.force_login(district_a)
    response = client.get(PAGE)
    ev = response.context["ev"]
    assert ev.by_status["SUBMITTED"] == 3
    assert (ev.submitted, ev.overdue) == (3, 1)
    assert [p.pk for p in ev.oldest_overdue] == [proposals["a2"].pk]
    html = response.content.decode()
    assert reverse("updates:proposal_detail", kwargs={"proposal_id": proposals["a2"].pk}) in html
    # The picker offers the regency's districts.
    assert {r.code for r in response.context["children"]} >= {"320405", "320433"}
    assert all(r.code.startswith("3204") for r in response.context["children"])


def test_a_region_within_narrows_and_one_outside_is_ignored(client, district_a, proposals):
    client.force_login(district_a)
    assert client.get(PAGE, {"region": "320433"}).context["ev"].submitted == 1
    outside = client.get(PAGE, {"region": "3273"})
    assert outside.status_code == 200
    assert outside.context["ev"].submitted == 3
    assert outside.context["region"] == ""


def test_the_central_team_drills_down_from_the_nation(client, central, proposals):
    client.force_login(central)
    response = client.get(PAGE)
    assert response.context["ev"].submitted == 4
    assert [c.name for c in response.context["crumbs"]] == ["Nasional"]
    deep = client.get(PAGE, {"region": "320405"})
    assert deep.context["ev"].submitted == 2
    assert [c.code for c in deep.context["crumbs"]] == ["", "32", "3204", "320405"]


def test_another_week_has_no_throughput(client, district_a, proposals):
    client.force_login(district_a)
    last_week = (timezone.localdate() - dt.timedelta(days=7)).isoformat()
    ev = client.get(PAGE, {"week": last_week}).context["ev"]
    assert ev.submitted == 0
    assert ev.by_status["SUBMITTED"] == 3  # states are counted as they are now


def test_the_export_counts_the_users_region(client, district_a, proposals):
    client.force_login(district_a)
    counts = measures(client.get(EXPORT, {"format": "csv", "region": "3273"}))
    assert counts["status.SUBMITTED"] == 3
    assert counts["week.submitted"] == 3
    assert counts["overdue"] == 1
    response = client.get(EXPORT, {"format": "xlsx", "region": "320433"})
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0].values)
    assert rows[0] == ("region", "week_start", "week_end", "measure", "label", "count")
    submitted = next(r for r in rows if r[3] == "week.submitted")
    assert (submitted[0], submitted[4], submitted[5]) == ("320433", "Diajukan minggu ini", 1)


@pytest.mark.parametrize(
    ("raw", "monday"),
    [
        ("2026-W14", dt.date(2026, 3, 30)),
        ("2026-04-02", dt.date(2026, 3, 30)),
        ("2026-03-30", dt.date(2026, 3, 30)),
    ],
)
def test_a_week_is_read_from_an_iso_week_or_any_of_its_days(raw, monday):
    assert week_param(raw) == monday


@pytest.mark.parametrize("raw", ["", "kemarin", "2026-W60", "2026-02-30", None])
def test_anything_else_is_the_current_week(raw):
    today = timezone.localdate()
    assert week_param(raw) == today - dt.timedelta(days=today.weekday())


# --- the menu entries of the update cycle ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("persona", "shown", "hidden"),
    [
        (
            "central",
            {"Rilis", "Peristiwa kependudukan", "Evaluasi mingguan"},
            {"Pengesahan", "Penjaminan mutu"},
        ),
        ("district_a", {"Pengesahan", "Rilis", "Evaluasi mingguan"}, {"Peristiwa kependudukan"}),
        ("province_officer", {"Pengesahan", "Evaluasi mingguan"}, {"Penjaminan mutu"}),
        ("qa_reviewer", {"Penjaminan mutu", "Evaluasi mingguan"}, {"Pengesahan"}),
        ("village_operator", {"Rilis"}, {"Pengesahan", "Evaluasi mingguan", "Peristiwa kependudukan"}),
        ("payment_channel", set(), {"Rilis", "Pengesahan", "Evaluasi mingguan"}),
    ],
)
def test_each_role_finds_its_pages_in_the_menu(client, request, persona, shown, hidden):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("registry:dashboard"))
    nav = re.search(r"<nav aria-label=\"Menu utama\">(.*?)</nav>", response.content.decode(), re.S)
    assert nav is not None
    menu = set(re.findall(r"<a [^>]*>([^<]+)</a>", nav[1]))
    assert "Beranda" in menu
    assert shown <= menu
    assert not hidden & menu
