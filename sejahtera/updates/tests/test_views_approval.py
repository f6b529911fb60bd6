"""Approval pages: the villages waiting, a village's batch decided under a letter (all ticked by
default), refusals shown with the proposal they concern, scoping by village."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sejahtera.updates.models import ApprovalDecision, Proposal, VerificationTask

from .factories import new_family, propose, verify

pytestmark = pytest.mark.django_db

VILLAGE_A = "3204052001"
LIST = reverse("updates:approval_list")


def batch_url(village: str = VILLAGE_A) -> str:
    return reverse("updates:approval_batch", kwargs={"village_code": village})


@pytest.fixture(autouse=True)
def _photos_in_tmp(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def verified(village_operator, verifier):
    """Two proposals of Cileunyi Kulon, verified in the field."""
    proposals = [
        propose(village_operator, payload=new_family(VILLAGE_A, head_name=name))
        for name in ("SITI AMINAH", "DEDE KURNIA")
    ]
    for p in proposals:
        verify(verifier, p)
    return proposals


def decide(client, proposals, decision="APPROVE", **fields):
    data = {
        "proposals": [p.pk for p in proposals],
        "letter_number": "400/77-Dinsos/2026",
        "letter_date": timezone.localdate().isoformat(),
        "note": "",
        "decision": decision,
        **fields,
    }
    return client.post(batch_url(), data)


def statuses(proposals) -> list[str]:
    return [Proposal.objects.get(pk=p.pk).status for p in proposals]


# --- access and scoping -----------------------------------------------------------------------------
def test_a_stranger_is_sent_to_the_login(client):
    for url in (LIST, batch_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("district_a", 200),
        ("district_b", 200),
        ("province_officer", 200),
        ("village_operator", 403),
        ("verifier", 403),
        ("central", 403),
        ("auditor", 403),
        ("payment_channel", 403),
    ],
)
def test_only_approvers_open_the_approval_list(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(LIST).status_code == status


def test_the_district_officer_sees_its_villages_waiting(client, district_a, verified):
    client.force_login(district_a)
    response = client.get(LIST)
    [village] = response.context["villages"]
    assert (village.village_code, village.proposals) == (VILLAGE_A, 2)
    assert batch_url() in response.content.decode()


def test_another_regions_officer_neither_lists_nor_opens_the_village(client, district_b, verified):
    client.force_login(district_b)
    assert client.get(LIST).context["villages"] == []
    assert client.get(batch_url()).status_code == 404
    assert decide(client, verified).status_code == 404
    assert statuses(verified) == ["VERIFIED", "VERIFIED"]
    assert not ApprovalDecision.objects.exists()


def test_a_role_without_the_right_is_refused_on_the_batch_page(client, village_operator, verified):
    client.force_login(village_operator)
    assert client.get(batch_url()).status_code == 403
    assert decide(client, verified).status_code == 403
    assert statuses(verified) == ["VERIFIED", "VERIFIED"]


def test_the_batch_page_lists_the_proposals_all_ticked(client, district_a, verified):
    client.force_login(district_a)
    response = client.get(batch_url())
    assert response.status_code == 200
    assert [(r.proposal.pk, r.checked) for r in response.context["rows"]] == [(p.pk, True) for p in verified]
    html = response.content.decode()
    assert html.count('name="proposals"') == 2 and html.count(" checked") == 2
    assert "SITI AMINAH" in html
    assert reverse("updates:proposal_detail", kwargs={"proposal_id": verified[0].pk}) in html


# --- deciding -----------------------------------------------------------------------------------------
def test_a_batch_is_approved_through_the_page(client, district_a, verified):
    client.force_login(district_a)
    response = decide(client, verified)
    assert response.status_code == 302
    assert response["Location"] == LIST
    assert statuses(verified) == ["APPROVED", "APPROVED"]
    decision = ApprovalDecision.objects.get()
    assert (decision.letter_number, decision.proposals, decision.decided_by) == (
        "400/77-Dinsos/2026",
        2,
        district_a,
    )
    follow = client.get(LIST)
    assert "400/77-Dinsos/2026" in follow.content.decode()
    assert follow.context["villages"] == []


def test_only_the_ticked_proposals_are_decided(client, district_a, verified):
    client.force_login(district_a)
    assert decide(client, verified[:1]).status_code == 302
    assert statuses(verified) == ["APPROVED", "VERIFIED"]


def test_returning_needs_a_reason_and_sends_the_proposals_back_to_the_field(client, district_a, verified):
    client.force_login(district_a)
    response = decide(client, verified, decision="RETURN")
    assert response.status_code == 400
    assert "Alasan pengembalian wajib diisi." in response.context["error"]
    assert statuses(verified) == ["VERIFIED", "VERIFIED"]
    # The page keeps what was ticked.
    assert all(r.checked for r in response.context["rows"])

    response = decide(client, verified, decision="RETURN", note="Foto rumah tidak jelas")
    assert response.status_code == 302
    assert statuses(verified) == ["RETURNED", "RETURNED"]
    assert VerificationTask.objects.filter(proposal__in=verified, status="OPEN", round=2).count() == 2


def test_the_approver_who_proposed_is_refused_and_told_which_proposal(client, district_a, verifier):
    own = propose(district_a, origin="SLRT", minutes_number="", minutes_date=None, reference="SLRT-1")
    verify(verifier, own)
    client.force_login(district_a)
    response = decide(client, [own])
    assert response.status_code == 403
    html = response.content.decode()
    assert f"Usulan #{own.pk}" in response.context["error"]
    assert "tidak boleh" in html
    assert Proposal.objects.get(pk=own.pk).status == "VERIFIED"


def test_a_letter_dated_in_the_future_is_refused(client, district_a, verified):
    client.force_login(district_a)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = decide(client, verified, letter_date=tomorrow)
    assert response.status_code == 400
    assert "masa depan" in response.context["error"]


def test_nothing_ticked_is_a_form_error(client, district_a, verified):
    client.force_login(district_a)
    response = decide(client, [])
    assert response.status_code == 400
    assert "Pilih sedikitnya satu usulan." in response.content.decode()


def test_a_proposal_of_another_village_in_the_batch_is_named(client, district_a, village_operator, verifier):
    here = propose(village_operator)
    verify(verifier, here)
    elsewhere = propose(district_a, village="3204332007", reference="R-2", origin="SLRT", minutes_number="")
    client.force_login(district_a)
    response = decide(client, [here, elsewhere])
    assert response.status_code == 400
    assert f"#{elsewhere.pk}" in response.context["error"]
    assert statuses([here]) == ["VERIFIED"]


# --- the province stage ---------------------------------------------------------------------------------
def test_the_province_officer_is_told_when_its_stage_is_off(client, province_officer):
    client.force_login(province_officer)
    response = client.get(LIST)
    assert response.status_code == 200
    assert 'id="stage-off"' in response.content.decode()


def test_with_the_province_stage_the_province_approves_after_the_district(
    client, settings, district_a, province_officer, verified
):
    settings.UPDATES_PROVINCE_STAGE = True
    client.force_login(district_a)
    assert decide(client, verified).status_code == 302
    assert statuses(verified) == ["DISTRICT_APPROVED", "DISTRICT_APPROVED"]

    client.force_login(province_officer)
    response = client.get(LIST)
    assert 'id="stage-off"' not in response.content.decode()
    assert [v.village_code for v in response.context["villages"]] == [VILLAGE_A]
    assert decide(client, verified, letter_number="GUB/5/2026").status_code == 302
    assert statuses(verified) == ["APPROVED", "APPROVED"]
    assert ApprovalDecision.objects.filter(level="PROVINCE", letter_number="GUB/5/2026").exists()
