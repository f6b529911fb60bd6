"""The pages: a district sees the pairs of which either record is in its jurisdiction and nothing of
another region's (404), confirms and dismisses from the pair page, exports the list; the central
data team starts a run from the web and watches it; the command line writes the pairs' CSV with
exactly nik_a, nik_b, probability."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from sejahtera.quality.dedup.models import DedupRun, DuplicatePair
from sejahtera.registry.models import Person
from sejahtera.updates.tests.factories import household, person

from .helpers import VILLAGE_A, VILLAGE_B, a_pair, a_run, strangers, swapped, twin

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def pairs(central):
    """One pair inside region A, one inside region B, one across both."""
    run = a_run(central)
    a1 = person(household=household(village_id=VILLAGE_A), full_name="ZZALFA SATU")
    b1 = person(household=household(village_id=VILLAGE_B), full_name="ZZBRAVO SATU")
    return {
        "a": a_pair(a1, twin(a1, village=VILLAGE_A), run=run, probability=0.99),
        "b": a_pair(b1, twin(b1, village=VILLAGE_B), run=run, probability=0.95),
        "ab": a_pair(
            a1,
            twin(a1, village=VILLAGE_B, name="ZZALFA SATOE", nik=swapped(a1.nik, 1)),
            run=run,
            probability=0.91,
        ),
    }


def test_district_a_lists_its_own_pairs_and_the_pair_across_regions(district_a, pairs):
    page = signed_in(district_a).get(reverse("dedup:pair_list"))
    assert page.status_code == 200
    shown = {p.pk for p in page.context["page"].object_list}
    assert shown == {pairs["a"].pk, pairs["ab"].pk}
    assert pairs["b"].key_a not in page.content.decode()


def test_district_b_gets_404_for_region_a_pairs_and_cannot_decide_them(district_b, pairs):
    c = signed_in(district_b)
    pk = pairs["a"].pk
    assert c.get(reverse("dedup:pair_detail", kwargs={"pair_id": pk})).status_code == 404
    assert c.post(reverse("dedup:pair_dismiss", kwargs={"pair_id": pk}), {"reason": "x"}).status_code == 404
    assert DuplicatePair.objects.get(pk=pk).status == "PENDING"


def test_the_pair_page_shows_both_records_and_the_comparison_levels(district_a, pairs):
    pair = pairs["a"]
    page = signed_in(district_a).get(reverse("dedup:pair_detail", kwargs={"pair_id": pair.pk}))
    body = page.content.decode()
    assert page.status_code == 200
    assert pair.key_a in body and pair.key_b in body
    assert "Exact match on nik" in body
    assert page.context["confirm_form"].initial["survivor"] == pair.record_a  # the older record


def test_a_district_confirms_a_pair_from_its_page(district_a, pairs):
    pair = pairs["a"]
    answer = signed_in(district_a).post(
        reverse("dedup:pair_confirm", kwargs={"pair_id": pair.pk}),
        {"survivor": pair.record_a, "reason": "Orang yang sama, terdaftar dua kali"},
    )
    assert answer.status_code == 302
    assert Person.objects.get(pk=pair.record_b).merged_into_id == pair.record_a
    page = signed_in(district_a).get(reverse("dedup:pair_detail", kwargs={"pair_id": pair.pk}))
    assert "Orang yang sama, terdaftar dua kali" in page.content.decode()


def test_confirming_without_a_reason_shows_the_form_again(district_a, pairs):
    pair = pairs["a"]
    answer = signed_in(district_a).post(
        reverse("dedup:pair_confirm", kwargs={"pair_id": pair.pk}), {"survivor": pair.record_a, "reason": ""}
    )
    assert answer.status_code == 400
    assert DuplicatePair.objects.get(pk=pair.pk).status == "PENDING"


def test_a_province_officer_reads_but_sees_no_decision_forms(province_officer, pairs):
    page = signed_in(province_officer).get(reverse("dedup:pair_detail", kwargs={"pair_id": pairs["a"].pk}))
    assert page.status_code == 200 and not page.context["can_decide"]


def test_the_export_has_the_filtered_pairs_of_the_jurisdiction(district_a, pairs):
    answer = signed_in(district_a).get(reverse("dedup:pair_export") + "?format=csv&status=PENDING")
    rows = list(csv.reader(io.StringIO(answer.getvalue().decode().lstrip("\ufeff"))))
    assert rows[0][:4] == ["pair_id", "kind", "key_a", "key_b"]
    assert {int(r[0]) for r in rows[1:]} == {pairs["a"].pk, pairs["ab"].pk}


def test_the_central_team_starts_a_run_from_the_web_and_sees_its_result(
    central, django_capture_on_commit_callbacks
):
    strangers(3)
    c = signed_in(central)
    with django_capture_on_commit_callbacks(execute=True):
        answer = c.post(reverse("dedup:run_new"), {"kind": "PERSON"})
    run = DedupRun.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"/run/{run.pk}/")
    # Tests run tasks inline (conftest): the job has finished.
    page = c.get(answer["Location"])
    assert page.context["run"].status == "DONE" and page.context["run"].persons == 3


def test_a_district_officer_may_not_start_a_run(district_a):
    assert signed_in(district_a).post(reverse("dedup:run_new"), {"kind": ""}).status_code == 403


def test_the_pairs_csv_has_exactly_nik_a_nik_b_probability(central, pairs, tmp_path: Path):
    out = tmp_path / "pairs.csv"
    call_command("dedup", "pairs", "--csv", str(out), stdout=io.StringIO())
    with out.open(newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["nik_a", "nik_b", "probability"]
    assert [r[:2] for r in rows[1:]] == [[p.key_a, p.key_b] for p in (pairs["a"], pairs["b"], pairs["ab"])]
    assert all(len(r) == 3 for r in rows)


def test_dedup_run_json_prints_a_machine_readable_summary(central):
    strangers(4)
    out = io.StringIO()
    call_command("dedup", "run", "--json", "--kind", "person", stdout=out)
    data = json.loads(out.getvalue())
    assert data["status"] == "DONE" and data["persons"] == 4
    assert {"pairs_new", "pairs_updated", "pairs_skipped", "seconds", "timings"} <= set(data)
