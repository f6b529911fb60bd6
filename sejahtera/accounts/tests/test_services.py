"""User administration: one role and one jurisdiction per user, at the level the role works at
(DESIGN.md "Who uses it")."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import authenticate

from sejahtera.accounts.models import Role, User
from sejahtera.accounts.services import user_create
from sejahtera.common.audit import audit_verify
from sejahtera.common.errors import DomainError
from sejahtera.common.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "kata-sandi-yang-panjang"
NATION, PROVINCE, REGENCY, DISTRICT, VILLAGE = "", "32", "3204", "320405", "3204052001"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def create(role: str, code: str, username: str = "baru", **kw: Any) -> User:
    return user_create(
        actor=None, username=username, password=PASSWORD, role=role, jurisdiction_code=code, **kw
    )


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.CENTRAL_DATA, NATION),
        (Role.PROGRAM_MANAGER, NATION),
        (Role.PAYMENT_CHANNEL, NATION),
        (Role.PROVINCE_OFFICER, PROVINCE),
        (Role.DISTRICT_OFFICER, REGENCY),
        (Role.DISTRICT_OFFICER, "3273"),  # a kota works like a kabupaten
        (Role.VILLAGE_OPERATOR, VILLAGE),
        (Role.VILLAGE_OPERATOR, "3273011001"),  # a kelurahan like a desa
        (Role.VERIFIER, DISTRICT),
        (Role.VERIFIER, VILLAGE),
        (Role.QA_REVIEWER, REGENCY),
        (Role.SOCIAL_WORKER, REGENCY),
        (Role.DISASTER_COORDINATOR, PROVINCE),
        (Role.AUDITOR, NATION),
        (Role.AUDITOR, PROVINCE),
    ],
)
def test_a_user_is_created_with_a_role_at_its_level(role, code):
    user = create(role, code)

    user.refresh_from_db()
    assert (user.role, user.jurisdiction_code) == (role, code)
    assert authenticate(username="baru", password=PASSWORD) == user


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.VILLAGE_OPERATOR, REGENCY),
        (Role.VILLAGE_OPERATOR, DISTRICT),
        (Role.VILLAGE_OPERATOR, NATION),
        (Role.DISTRICT_OFFICER, NATION),
        (Role.DISTRICT_OFFICER, DISTRICT),
        (Role.DISTRICT_OFFICER, PROVINCE),
        (Role.PROVINCE_OFFICER, REGENCY),
        (Role.CENTRAL_DATA, PROVINCE),
        (Role.PROGRAM_MANAGER, REGENCY),
        (Role.PAYMENT_CHANNEL, VILLAGE),
        (Role.VERIFIER, PROVINCE),
        (Role.VERIFIER, NATION),
        (Role.QA_REVIEWER, VILLAGE),
        (Role.AUDITOR, VILLAGE),
    ],
)
def test_a_role_with_a_jurisdiction_at_the_wrong_level_is_refused(role, code):
    with pytest.raises(DomainError):
        create(role, code)

    assert not User.objects.filter(username="baru").exists()
    assert not AuditEntry.objects.exists()


def test_the_refusal_names_the_role_and_the_level():
    with pytest.raises(DomainError) as exc:
        create(Role.VILLAGE_OPERATOR, REGENCY)
    assert str(Role.VILLAGE_OPERATOR.label) in exc.value.message
    assert "Kabupaten/Kota" in exc.value.message


def test_an_unknown_role_is_refused():
    with pytest.raises(DomainError, match="BUPATI"):
        create("BUPATI", REGENCY)


def test_an_unknown_jurisdiction_code_is_refused_as_a_domain_error():
    """Not a server error: the edge turns a DomainError into a message."""
    with pytest.raises(DomainError):
        create(Role.DISTRICT_OFFICER, "9999")


def test_a_username_is_used_once(district_a):
    with pytest.raises(DomainError, match=district_a.username):
        create(Role.DISTRICT_OFFICER, REGENCY, username=district_a.username)
    assert User.objects.filter(username=district_a.username).count() == 1


def test_creating_a_user_is_audited_without_the_password(central):
    user = user_create(
        actor=central,
        username="operator_cileunyi",
        password=PASSWORD,
        role=Role.VILLAGE_OPERATOR,
        jurisdiction_code=VILLAGE,
        full_name="Asep Sunandar",
    )

    assert user.first_name == "Asep Sunandar"
    assert user.password != PASSWORD and user.check_password(PASSWORD)
    entry = AuditEntry.objects.get(action="user.create")
    assert (entry.actor_id, entry.object_id, entry.region_code) == (central.pk, str(user.pk), VILLAGE)
    assert entry.after == {
        "username": "operator_cileunyi",
        "role": "VILLAGE_OPERATOR",
        "jurisdiction": VILLAGE,
    }
    assert PASSWORD not in str(entry.before) + str(entry.after) + entry.reason
    assert audit_verify() == (1, None)


def test_a_nation_wide_user_has_no_jurisdiction_region():
    user = create(Role.CENTRAL_DATA, NATION)
    assert user.jurisdiction is None
    assert user.jurisdiction_code == ""
    assert str(user.jurisdiction_label()) == "Nasional"
