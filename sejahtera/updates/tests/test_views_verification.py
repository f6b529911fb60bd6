"""Verification pages: the verifier's queue, taking a task, the visit form with photos and GPS,
and the scoped photo view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sejahtera.accounts.models import User
from sejahtera.updates.models import Proposal, VerificationPhoto, VerificationTask

from .factories import JPEG, household, propose, verify
from .pages import VILLAGE_B, foreign_fixture, mine_fixture, operator_b_fixture  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def verifier_b(db):
    return User.objects.create_user("verif_b", role="VERIFIER", jurisdiction_id=VILLAGE_B[:6])


def _task(p: Proposal) -> VerificationTask:
    return VerificationTask.objects.get(proposal=p, status="OPEN")


def _visit(**over):
    data = {
        "result": "CONFIRMED",
        "latitude": "-6,938312",
        "longitude": "107.723101",
        "visited_on": timezone.localdate().isoformat(),
        "notes": "Rumah panggung, dinding bilik",
        "photos": [SimpleUploadedFile("rumah.jpg", JPEG, content_type="image/jpeg")],
    }
    data.update(over)
    return data


# --- access ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("updates:verification_queue", {}),
        ("updates:verification_task", {"task_id": 1}),
        ("updates:verification_photo", {"photo_id": 1}),
    ],
)
def test_every_page_sends_a_stranger_to_the_login(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_only_verifiers_have_a_queue(client, village_operator, district_a, mine):
    for user in (village_operator, district_a):
        client.force_login(user)
        assert client.get(reverse("updates:verification_queue")).status_code == 403
        assert (
            client.get(reverse("updates:verification_task", kwargs={"task_id": _task(mine).pk})).status_code
            == 403
        )


# --- the queue -------------------------------------------------------------------------------------
def test_the_queue_lists_the_districts_visits_oldest_due_first_and_marks_the_late(
    client, verifier, mine, foreign
):
    hh = household(village_id="3204052001")
    later = propose(mine.submitted_by, kind="DEACTIVATE", household_id=hh.pk, inactive_reason="NOT_FOUND")
    Proposal.objects.filter(pk=later.pk).update(due_at=timezone.now() - dt.timedelta(days=2))
    client.force_login(verifier)
    response = client.get(reverse("updates:verification_queue"))
    assert response.status_code == 200
    items = response.context["tasks"]
    assert [i.proposal_id for i in items] == [later.pk, mine.pk]  # the late one first; none of region B
    assert [i.overdue for i in items] == [True, False]
    assert items[0].village == "Cileunyi Kulon" and items[0].family == f"KK {hh.kk_number}"
    assert items[1].family.startswith("Keluarga baru SITI AMINAH")
    page = response.content.decode()
    assert "terlambat" in page and "Ambil tugas" in page


def test_the_queue_reads_a_fixed_number_of_queries_however_many_tasks(client, verifier, village_operator):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("updates:verification_queue")).status_code == 200
        return len(ctx.captured_queries)

    hh = household(village_id="3204052001")
    propose(village_operator)
    propose(village_operator, kind="DEACTIVATE", household_id=hh.pk, inactive_reason="NOT_FOUND")
    client.force_login(verifier)
    few = queries()
    for _ in range(4):
        propose(village_operator)
    assert queries() == few


def test_taking_a_task_assigns_it_and_opens_its_form(client, verifier, mine):
    task = _task(mine)
    client.force_login(verifier)
    url = reverse("updates:verification_claim", kwargs={"task_id": task.pk})
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("updates:verification_task", kwargs={"task_id": task.pk})
    task.refresh_from_db()
    assert task.assigned_to == verifier
    mine_only = client.get(reverse("updates:verification_queue"), {"saya": "1"})
    assert [i.task_id for i in mine_only.context["tasks"]] == [task.pk]
    assert mine_only.context["tasks"][0].mine


def test_a_task_taken_by_another_verifier_stays_theirs(client, verifier, mine):
    other = User.objects.create_user("verif_a2", role="VERIFIER", jurisdiction_id="320405")
    task = _task(mine)
    client.force_login(other)
    client.post(reverse("updates:verification_claim", kwargs={"task_id": task.pk}))
    client.force_login(verifier)
    response = client.post(reverse("updates:verification_claim", kwargs={"task_id": task.pk}), follow=True)
    assert "sudah diambil petugas lain" in response.content.decode()
    task.refresh_from_db()
    assert task.assigned_to == other


def test_a_task_elsewhere_is_not_found(client, verifier, foreign):
    task = _task(foreign)
    client.force_login(verifier)
    assert client.get(reverse("updates:verification_task", kwargs={"task_id": task.pk})).status_code == 404
    assert client.post(reverse("updates:verification_claim", kwargs={"task_id": task.pk})).status_code == 404
    assert (
        client.post(reverse("updates:verification_task", kwargs={"task_id": task.pk}), _visit()).status_code
        == 404
    )
    task.refresh_from_db()
    assert (task.status, task.assigned_to) == ("OPEN", None)


def test_a_missing_task_is_not_found(client, verifier):
    client.force_login(verifier)
    assert client.post(reverse("updates:verification_claim", kwargs={"task_id": 999999})).status_code == 404


# --- the visit -------------------------------------------------------------------------------------
def test_a_visit_with_a_photo_and_coordinates_verifies_the_proposal_and_the_photo_stays_in_the_region(
    client, verifier, district_a, district_b, mine
):
    task = _task(mine)
    client.force_login(verifier)
    url = reverse("updates:verification_task", kwargs={"task_id": task.pk})
    form = client.get(url)
    assert form.status_code == 200
    page = form.content.decode()
    assert 'accept="image/*"' in page and 'capture="environment"' in page and "multiple" in page
    assert "js/updates.js" in page

    response = client.post(url, _visit())
    assert response.status_code == 302 and response["Location"] == reverse("updates:verification_queue")
    mine.refresh_from_db()
    task.refresh_from_db()
    assert mine.status == "VERIFIED"
    assert (task.status, str(task.latitude), str(task.longitude)) == ("DONE", "-6.938312", "107.723101")
    assert task.notes == "Rumah panggung, dinding bilik"
    photo = VerificationPhoto.objects.get(task=task)

    photo_url = reverse("updates:verification_photo", kwargs={"photo_id": photo.pk})
    client.force_login(district_a)
    served = client.get(photo_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, no-store"
    assert b"".join(served.streaming_content) == JPEG
    client.force_login(district_b)
    assert client.get(photo_url).status_code == 404
    client.logout()
    anonymous = client.get(photo_url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))


def test_a_refused_visit_shows_the_message_and_keeps_what_was_typed(client, verifier, mine):
    task = _task(mine)
    client.force_login(verifier)
    url = reverse("updates:verification_task", kwargs={"task_id": task.pk})
    response = client.post(url, _visit(latitude="48.85", notes="Catatan yang diketik"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "di luar wilayah Indonesia" in page
    assert "Catatan yang diketik" in page and 'value="48.85"' in page
    no_photo = client.post(url, _visit(photos=[]))
    assert no_photo.status_code == 400 and "sedikitnya satu foto" in no_photo.content.decode()
    not_image = client.post(url, _visit(photos=[SimpleUploadedFile("x.jpg", b"not a picture")]))
    assert "bukan gambar" in not_image.content.decode()
    task.refresh_from_db()
    assert task.status == "OPEN" and not VerificationPhoto.objects.exists()


def test_a_corrected_visit_carries_the_corrected_fields(client, verifier, mine):
    task = _task(mine)
    client.force_login(verifier)
    url = reverse("updates:verification_task", kwargs={"task_id": task.pk})
    response = client.post(
        url, _visit(result="CORRECTED", **{"koreksi-floor_type": "6", "koreksi-has_motorcycle": "1"})
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.corrections == {"household": {"floor_type": 6, "has_motorcycle": True}}
    detail = client.get(reverse("updates:proposal_detail", kwargs={"proposal_id": mine.pk})).content.decode()
    assert "Perbaikan: Jenis lantai terluas" in detail and "Semen/bata merah" in detail


def test_a_finished_task_shows_no_form(client, verifier, mine):
    task = verify(verifier, mine)
    client.force_login(verifier)
    url = reverse("updates:verification_task", kwargs={"task_id": task.pk})
    response = client.get(url)
    assert response.status_code == 200 and not response.context["is_open"]
    assert b"Simpan hasil verifikasi" not in response.content
    assert client.post(url, _visit()).status_code == 200
    assert VerificationPhoto.objects.filter(task=task).count() == 1


def test_the_maker_cannot_verify_their_own_proposal(client, district_a):
    # A district officer's desk enters proposals; a verifier account of the same person does not
    # exist, so the rule is seen through a verifier who proposed (data from an old role).
    hh = household(village_id="3204052001")
    maker = User.objects.create_user("verif_maker", role="VERIFIER", jurisdiction_id="320405")
    p = propose(district_a, kind="DEACTIVATE", household_id=hh.pk, inactive_reason="NOT_FOUND")
    Proposal.objects.filter(pk=p.pk).update(submitted_by=maker)
    client.force_login(maker)
    url = reverse("updates:verification_task", kwargs={"task_id": _task(p).pk})
    response = client.post(url, _visit())
    assert response.status_code == 403
    p.refresh_from_db()
    assert p.status == "SUBMITTED"
