"""Release pages: the list and build form, the live status, a release with its diff per region,
the diff export, publication (maker-checker) and discarding; and the build split the page uses."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sejahtera.updates import jobs, selectors, services
from sejahtera.updates.models import Release, ReleaseChange
from sejahtera.updates.services.releases import QUEUED
from sejahtera.updates.views import releases as release_views

from .releasing import VILLAGE_A, VILLAGE_A2, VILLAGE_B, built, family, period

pytestmark = pytest.mark.django_db


@pytest.fixture
def families(db):
    return {
        "a": family(VILLAGE_A, members=2),
        "a2": family(VILLAGE_A2, members=1),
        "b": family(VILLAGE_B, members=1),
    }


def _csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def _xlsx(response) -> list[tuple]:
    body = b"".join(response.streaming_content)
    wb = load_workbook(io.BytesIO(body), read_only=True)
    return [row for ws in wb.worksheets for row in ws.iter_rows(values_only=True)]


def _url(name: str, release: Release | None = None) -> str:
    return reverse(name, kwargs={"number": release.number} if release else {})


# --- access -----------------------------------------------------------------------------------------
def test_a_stranger_is_sent_to_the_login(client, central, families):
    release = built(central)
    for name in ("updates:release_detail", "updates:release_status", "updates:release_export"):
        response = client.get(_url(name, release))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert client.get(_url("updates:release_list")).status_code == 302


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("central", 200),
        ("district_a", 200),
        ("village_operator", 200),
        ("qa_reviewer", 200),
        ("auditor", 200),
        ("payment_channel", 403),
    ],
)
def test_every_staff_role_reads_releases(client, request, central, families, persona, status):
    release = built(central)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_url("updates:release_list")).status_code == status
    assert client.get(_url("updates:release_detail", release)).status_code == status
    assert client.get(_url("updates:release_export", release)).status_code == status


def test_an_unknown_release_is_not_found(client, central):
    client.force_login(central)
    assert client.get(reverse("updates:release_detail", kwargs={"number": 99})).status_code == 404
    response = client.post(reverse("updates:release_publish", kwargs={"number": 99}), {"decree_number": "X"})
    assert response.status_code == 404


def test_only_the_central_data_team_sees_and_may_use_the_build_form(client, district_a):
    client.force_login(district_a)
    assert "release-build" not in client.get(_url("updates:release_list")).content.decode()
    assert client.post(_url("updates:release_list"), {"period": period()}).status_code == 403
    assert not Release.objects.exists()


def test_publish_and_discard_are_post_only(client, central, families):
    release = built(central)
    client.force_login(central)
    assert client.get(_url("updates:release_publish", release)).status_code == 405
    assert client.get(_url("updates:release_discard", release)).status_code == 405


# --- build and publish through the pages ------------------------------------------------------------
def test_a_release_is_built_and_published_through_the_pages(
    client, central, central_publisher, families, django_capture_on_commit_callbacks
):
    client.force_login(central)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("updates:release_list"), {"period": period(), "cutoff": ""})
    release = Release.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("updates:release_detail", release)
    assert release.status == Release.Status.DRAFT  # the job ran (ImmediateBackend)
    assert (release.households, release.persons, release.added) == (3, 4, 3)

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "release-publish" in html and "release-discard" in html
    assert "petugas lain" in html  # the builder is told who must publish

    client.force_login(central_publisher)
    response = client.post(_url("updates:release_publish", release), {"decree_number": "KEP-9/HUK/2026"})
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.status == Release.Status.PUBLISHED
    assert release.decree_number == "KEP-9/HUK/2026"
    assert release.published_by == central_publisher
    html = client.get(response["Location"]).content.decode()
    assert "KEP-9/HUK/2026" in html
    assert "release-publish" not in html  # nothing left to decide


def test_the_builder_cannot_publish_and_is_told_why(client, central, families):
    release = built(central)
    client.force_login(central)
    response = client.post(_url("updates:release_publish", release), {"decree_number": "KEP-1/HUK/2026"})
    assert response.status_code == 403
    assert "tidak boleh" in response.context["error"]
    assert "Rilis 1" in response.content.decode()
    release.refresh_from_db()
    assert release.status == Release.Status.DRAFT


def test_publishing_needs_a_decree_number(client, central, central_publisher, families):
    release = built(central)
    client.force_login(central_publisher)
    response = client.post(_url("updates:release_publish", release), {"decree_number": "  "})
    assert response.status_code == 400
    assert response.context["publish_form"].errors
    assert Release.objects.get().status == Release.Status.DRAFT


def test_a_draft_is_discarded_with_a_reason(client, central, families):
    release = built(central)
    client.force_login(central)
    response = client.post(_url("updates:release_discard", release), {"reason": ""})
    assert response.status_code == 400
    response = client.post(_url("updates:release_discard", release), {"reason": "Cut-off salah"})
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.status == Release.Status.DISCARDED
    assert not ReleaseChange.objects.filter(release=release).exists()


def test_a_bad_period_is_refused_on_the_form(client, central):
    client.force_login(central)
    response = client.post(_url("updates:release_list"), {"period": "2026-13"})
    assert response.status_code == 400
    response = client.post(_url("updates:release_list"), {"period": "2026-05"})  # not a quarter
    assert response.status_code == 400
    assert "triwulanan" in response.content.decode()
    assert not Release.objects.exists()


def test_a_second_build_while_a_draft_waits_is_refused_at_once(client, central, families):
    built(central)
    client.force_login(central)
    response = client.post(_url("updates:release_list"), {"period": period(1)})
    assert response.status_code == 400
    assert "tetapkan atau batalkan dulu" in response.content.decode()
    assert Release.objects.count() == 1


def test_a_building_release_is_polled_and_the_page_reloads_when_it_is_done(client, central, families):
    release = services.release_start(actor=central, period=period())
    client.force_login(central)
    status = client.get(_url("updates:release_status", release))
    html = status.content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert QUEUED in html
    assert "<html" not in html
    assert 'id="release-status"' in client.get(_url("updates:release_list")).content.decode()

    jobs.build_release.call(release.number)
    done = client.get(_url("updates:release_status", release), HTTP_HX_REQUEST="true")
    assert done.status_code == 200
    assert done["HX-Refresh"] == "true"


def test_a_queued_build_runs_once(central, families):
    release = services.release_start(actor=central, period=period())
    assert release.status == Release.Status.BUILDING and release.phase == QUEUED
    first = services.release_run(number=release.number)
    assert first.status == Release.Status.DRAFT and first.households == 3
    again = services.release_run(number=release.number)
    assert again.status == Release.Status.DRAFT
    assert ReleaseChange.objects.filter(release=release).count() == 3


# --- the diff, scoped --------------------------------------------------------------------------------
def test_district_a_sees_only_its_regions_diff_rows_on_the_page_and_in_exports(
    client, central, district_a, families
):
    release = built(central)
    kk_b = families["b"].kk_number
    client.force_login(district_a)
    for params in ({}, {"region": "3273"}, {"region": VILLAGE_B}, {"change": "ADDED"}):
        page = client.get(_url("updates:release_detail", release), params)
        html = page.content.decode()
        assert families["a"].kk_number in html
        assert kk_b not in html
        assert {c.regency_code for c in page.context["changes"]} == {"3204"}
        assert all(r.code.startswith("3204") for r in page.context["regions"])
    rows = _csv(client.get(_url("updates:release_export", release), {"format": "csv", "region": "3273"}))
    assert {r["kk_number"] for r in rows} == {families["a"].kk_number, families["a2"].kk_number}
    assert {r["change"] for r in rows} == {"ADDED"}
    cells = _xlsx(client.get(_url("updates:release_export", release), {"format": "xlsx"}))
    kk = cells[0].index("kk_number")
    assert cells[0][:3] == ("household_id", "change", "change_label")
    assert {c[kk] for c in cells[1:]} == {families["a"].kk_number, families["a2"].kk_number}
    assert kk_b not in str(cells)


def test_the_diff_is_filtered_by_region_and_change(client, central, families):
    release = built(central)
    client.force_login(central)
    rows = _csv(client.get(_url("updates:release_export", release), {"region": VILLAGE_A2}))
    assert [r["kk_number"] for r in rows] == [families["a2"].kk_number]
    assert _csv(client.get(_url("updates:release_export", release), {"change": "REMOVED"})) == []
    response = client.get(_url("updates:release_export", release), {"format": "pdf"})
    assert response.status_code == 400


def test_region_counts_drill_down_one_level_at_a_time(client, central, families):
    release = built(central)
    client.force_login(central)
    page = client.get(_url("updates:release_detail", release))
    assert [(r.code, r.added) for r in page.context["regions"]] == [("32", 3)]
    page = client.get(_url("updates:release_detail", release), {"region": "32"})
    assert [(r.code, r.added) for r in page.context["regions"]] == [("3204", 2), ("3273", 1)]
    assert page.context["region_up"] == ""
    page = client.get(_url("updates:release_detail", release), {"region": "3204"})
    assert [r.code for r in page.context["regions"]] == ["320405", "320433"]
    assert page.context["region_up"] == "32"
    assert "?region=320405" in page.content.decode()


def test_the_diff_table_pages_by_key(client, central, families, monkeypatch):
    monkeypatch.setattr(release_views, "CHANGES_PER_PAGE", 2)
    release = built(central)
    client.force_login(central)
    first = client.get(_url("updates:release_detail", release))
    assert len(first.context["changes"]) == 2
    after = first.context["next_after"]
    assert after == first.context["changes"][1].pk
    second = client.get(_url("updates:release_detail", release), {"after": after})
    assert len(second.context["changes"]) == 1
    assert second.context["next_after"] is None
    seen = {c.kk_number for c in [*first.context["changes"], *second.context["changes"]]}
    assert seen == {f.kk_number for f in families.values()}


def test_a_diff_against_any_release_uses_the_builds_rules(central, central_publisher, district_a, families):
    first = built(central, publisher=central_publisher, months_back=2)
    family(VILLAGE_B, members=1)
    families["a2"].members.update(status="MOVED")  # nobody active: the family leaves
    second = built(central, publisher=central_publisher, months_back=1)
    family(VILLAGE_A, members=1)
    third = built(central)

    # Against the release it was built against: the same rows as the stored diff.
    stored = {(c.household_id, c.change, c.reason) for c in ReleaseChange.objects.filter(release=third)}
    computed = selectors.release_compare(user=central, release=third, against=second)
    assert {(r[0], r[1], r[2]) for r in computed} == stored

    # Against an older one: what changed over both steps.
    rows = list(selectors.release_compare(user=central, release=third, against=first))
    assert sorted((r[1], r[2]) for r in rows) == [("ADDED", ""), ("ADDED", ""), ("REMOVED", "NO_MEMBERS")]
    # Scoped: district A sees neither the Kota Bandung family nor anything outside 3204.
    scoped = list(selectors.release_compare(user=district_a, release=third, against=first))
    assert {r[6] for r in scoped} == {"3204"}
    assert len(scoped) == 2
    assert list(selectors.release_compare(user=district_a, release=third, against=first, region="3273")) == []
    only_removed = selectors.release_compare(user=central, release=third, against=first, change="REMOVED")
    assert [r[3] for r in only_removed] == [families["a2"].kk_number]
