"""The quality pages: who sees what (scoping), the dashboard's counts and trend, the findings list
and its exports, decisions from the detail page, the central team's runs, and the command line."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from sejahtera.quality.models import CheckRun, Finding, PadanRun, ReleaseFindingCount
from sejahtera.quality.services import quality_run

from .helpers import VILLAGE_A, VILLAGE_B, family

pytestmark = pytest.mark.django_db


@pytest.fixture
def findings(central):
    """An empty name in region A (Kab. Bandung) and one in region B (Kota Bandung)."""
    _, (a,) = family(VILLAGE_A, full_name="")
    _, (b,) = family(VILLAGE_B, full_name="")
    quality_run(actor=central, check_types=["NAME_EMPTY"])
    return Finding.objects.get(person=a), Finding.objects.get(person=b)


def test_a_district_officer_sees_only_the_findings_of_the_regency(client, district_b, findings):
    fa, fb = findings
    client.force_login(district_b)
    page = client.get(reverse("quality:finding_list")).content.decode()
    assert f"#{fb.pk}<" in page and f"#{fa.pk}<" not in page
    assert client.get(reverse("quality:finding_detail", kwargs={"finding_id": fa.pk})).status_code == 404
    assert client.get(reverse("quality:finding_detail", kwargs={"finding_id": fb.pk})).status_code == 200
    answer = client.get(reverse("quality:finding_export"), {"format": "csv"})
    csv = b"".join(answer.streaming_content).decode()
    assert str(fb.person.nik) in csv and str(fa.person.nik) not in csv


def test_the_dashboard_counts_the_jurisdiction_and_drills_down(client, district_a, findings):
    client.force_login(district_a)
    page = client.get(reverse("quality:dashboard"))
    assert page.status_code == 200
    by_type = {t.type: t.open for t in page.context["types"]}
    assert by_type["NAME_EMPTY"] == 1
    assert [c.code for c, _ in page.context["children"]] == ["320405"]
    # A region outside the jurisdiction falls back to the jurisdiction.
    assert client.get(reverse("quality:dashboard"), {"region": "3273"}).context["region"] == "3204"
    deeper = client.get(reverse("quality:dashboard"), {"region": "320405"})
    assert [c.code for c, _ in deeper.context["children"]] == [VILLAGE_A]


def test_the_trend_is_counted_at_each_release_build(client, central, central_publisher, findings):
    with override_settings(RELEASE_BUILD_HOOKS=["sejahtera.quality.services.hooks.release_counts_hook"]):
        from sejahtera.updates.services.releases import release_build

        release = release_build(actor=central, period="2020-01")
    assert set(ReleaseFindingCount.objects.filter(release=release).values_list("regency_code", "open")) == {
        ("3204", 1),
        ("3273", 1),
    }
    client.force_login(central)
    trend = client.get(reverse("quality:dashboard")).context["trend"]
    assert [(r.release, r.total) for r in trend] == [(release.number, 2)]


def test_a_village_operator_and_a_payment_channel_may_not_see_findings(
    client, village_operator, payment_channel
):
    for user in (village_operator, payment_channel):
        client.force_login(user)
        assert client.get(reverse("quality:dashboard")).status_code == 403
        assert client.get(reverse("quality:finding_list")).status_code == 403


def test_a_finding_is_dismissed_from_its_page_with_a_reason(client, district_a, findings):
    fa, _ = findings
    client.force_login(district_a)
    url = reverse("quality:finding_decide", kwargs={"finding_id": fa.pk})
    refused = client.post(url, {"decision": "dismiss", "reason": ""})
    assert refused.status_code == 400
    done = client.post(url, {"decision": "dismiss", "reason": "nama tunggal"})
    assert done.status_code == 302
    fa.refresh_from_db()
    assert fa.status == "DISMISSED"


def test_an_auditor_reads_but_does_not_decide(client, auditor, findings):
    fa, _ = findings
    client.force_login(auditor)
    page = client.get(reverse("quality:finding_detail", kwargs={"finding_id": fa.pk}))
    assert page.status_code == 200 and not page.context["can_decide"]  # a national auditor
    url = reverse("quality:finding_decide", kwargs={"finding_id": fa.pk})
    assert client.post(url, {"decision": "dismiss", "reason": "x"}).status_code == 403
    fa.refresh_from_db()
    assert fa.status == "OPEN"


def test_the_central_team_starts_a_check_run_from_the_page(
    client, central, district_a, django_capture_on_commit_callbacks
):
    family(full_name="")
    client.force_login(district_a)
    assert client.get(reverse("quality:run_list")).status_code == 403
    client.force_login(central)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("quality:run_list"), {"check_type": "NAME_EMPTY"})
    run = CheckRun.objects.get(import_job__isnull=True)
    assert answer.status_code == 302 and answer["Location"].endswith(f"/kualitas/pemeriksaan/{run.pk}/")
    # The tests run jobs inline (conftest): the run is done when the page is read.
    detail = client.get(answer["Location"])
    assert detail.context["run"].status == "DONE" and detail.context["run"].counts == {"NAME_EMPTY": 1}


def test_the_central_team_uploads_a_dukcapil_extract(client, central, django_capture_on_commit_callbacks):
    _, (p,) = family(full_name="SITI")
    client.force_login(central)
    upload = io.BytesIO(f"nik,full_name,status\n{p.nik},SITI,hidup\n".encode())
    upload.name = "ekstrak.csv"
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("quality:padan_list"), {"file": upload})
    assert answer.status_code == 302
    run = PadanRun.objects.get()
    assert (run.status, run.matched, run.file_name) == ("DONE", 1, "ekstrak.csv")


def test_the_command_runs_the_checks_and_prints_json(central):
    family(full_name="")
    out = io.StringIO()
    call_command("quality", "run", "--check", "name_empty", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["counts"] == {"NAME_EMPTY": 1} and data["status"] == "DONE"


def test_the_command_matches_an_extract(tmp_path):
    _, (p,) = family(full_name="SITI")
    path = tmp_path / "x.csv"
    path.write_text(f"nik,full_name\n{p.nik},JOKO\n")
    out = io.StringIO()
    call_command("quality", "padan", "--csv", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue())["not_matched"] == 1


def test_a_discarded_release_leaves_the_trend(client, central, findings):
    from sejahtera.updates.services.releases import release_build, release_discard

    release = release_build(actor=central, period="2020-04")
    assert ReleaseFindingCount.objects.filter(release=release).exists()
    release_discard(actor=central, number=release.number, reason="salah periode")
    assert not ReleaseFindingCount.objects.filter(release=release).exists()
    client.force_login(central)
    assert client.get(reverse("quality:dashboard")).context["trend"] == []
