"""QA pages: the reviewer's cases, a case with its findings, proposal and verification, and the
decision (uphold or reverse) flowing back into the proposal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sejahtera.accounts.models import User
from sejahtera.updates.models import Proposal, QACase

from .factories import new_family, propose, verify

pytestmark = pytest.mark.django_db

LIST = reverse("updates:qa_list")


def case_url(case: QACase) -> str:
    return reverse("updates:qa_detail", kwargs={"case_id": case.pk})


@pytest.fixture(autouse=True)
def _photos_in_tmp(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def case(village_operator, verifier, qa_reviewer) -> QACase:
    """A family proposed as poor whose house, verified on site, has a car and air conditioning."""
    payload = new_family("3204052001", head_name="HARTONO MAPAN")
    payload["household"].update(has_car=True, has_air_conditioner=True)
    p = propose(village_operator, payload=payload)
    verify(verifier, p)
    return QACase.objects.get(proposal=p)


def test_verification_contradicting_the_assets_opened_a_case_for_the_reviewer(case, qa_reviewer):
    assert case.status == "OPEN" and case.assigned_to == qa_reviewer
    assert case.proposal.status == "QA_REVIEW"


def test_a_stranger_is_sent_to_the_login(client, case):
    for url in (LIST, case_url(case)):
        assert client.get(url)["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("persona", "status", "listed"),
    [
        ("qa_reviewer", 200, True),
        ("district_a", 200, True),
        ("central", 200, True),
        ("district_b", 200, False),
        ("village_operator", 403, False),
        ("verifier", 403, False),
        ("payment_channel", 403, False),
    ],
)
def test_who_reads_the_cases(client, request, case, persona, status, listed):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(LIST)
    assert response.status_code == status
    if status == 200:
        assert [c.pk for c in response.context["page"].object_list] == ([case.pk] if listed else [])
        assert client.get(case_url(case)).status_code == (200 if listed else 404)


def test_the_case_page_shows_findings_proposal_and_verification(client, qa_reviewer, case):
    client.force_login(qa_reviewer)
    response = client.get(case_url(case))
    html = response.content.decode()
    assert "memiliki mobil" in html and "memiliki AC" in html
    assert "HARTONO MAPAN" in html
    assert reverse("updates:proposal_detail", kwargs={"proposal_id": case.proposal_id}) in html
    assert "Verifikasi lapangan" in html  # the field visit in the timeline
    assert reverse("updates:verification_photo", kwargs={"photo_id": case.task.photos.get().pk}) in html
    assert response.context["can_decide"] is True
    assert 'id="qa-decide"' in html


def test_the_reviewer_upholds_and_the_proposal_goes_on_to_approval(client, qa_reviewer, case):
    client.force_login(qa_reviewer)
    response = client.post(case_url(case), {"decision": "uphold", "reason": "Mobil milik majikan"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.decided_by, case.decision_reason) == (
        "UPHELD",
        qa_reviewer,
        "Mobil milik majikan",
    )
    assert Proposal.objects.get(pk=case.proposal_id).status == "VERIFIED"
    html = client.get(response["Location"]).content.decode()
    assert "Mobil milik majikan" in html and 'id="qa-decide"' not in html


def test_the_reviewer_reverses_and_the_proposal_is_not_confirmed(client, qa_reviewer, case):
    client.force_login(qa_reviewer)
    assert client.post(case_url(case), {"decision": "reverse", "reason": "Keluarga mampu"}).status_code == 302
    p = Proposal.objects.get(pk=case.proposal_id)
    assert p.status == "NOT_CONFIRMED" and "Keluarga mampu" in p.outcome


def test_a_decision_needs_a_reason(client, qa_reviewer, case):
    client.force_login(qa_reviewer)
    response = client.post(case_url(case), {"decision": "reverse", "reason": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert QACase.objects.get(pk=case.pk).status == "OPEN"


def test_a_reader_who_is_no_reviewer_cannot_decide(client, district_a, case):
    client.force_login(district_a)
    assert client.get(case_url(case)).context["can_decide"] is False
    assert client.post(case_url(case), {"decision": "uphold", "reason": "x"}).status_code == 403
    assert QACase.objects.get(pk=case.pk).status == "OPEN"


def test_another_reviewers_case_is_not_found(client, case):
    other = User.objects.create_user("univ_a2", role="QA_REVIEWER", jurisdiction_id="3204")
    client.force_login(other)
    assert client.get(case_url(case)).status_code == 404
    assert client.post(case_url(case), {"decision": "uphold", "reason": "x"}).status_code == 404
    assert QACase.objects.get(pk=case.pk).status == "OPEN"


def test_another_regions_officer_gets_404_for_the_case(client, district_b, case):
    client.force_login(district_b)
    assert client.post(case_url(case), {"decision": "uphold", "reason": "x"}).status_code == 404


def test_the_list_filters_by_status(client, qa_reviewer, case):
    client.force_login(qa_reviewer)
    client.post(case_url(case), {"decision": "uphold", "reason": "ok"})
    assert list(client.get(LIST).context["page"].object_list) == []  # open cases by default
    decided = client.get(LIST, {"status": "UPHELD"}).context["page"].object_list
    assert [c.pk for c in decided] == [case.pk]
    assert [c.pk for c in client.get(LIST, {"status": ""}).context["page"].object_list] == [case.pk]
