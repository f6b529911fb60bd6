import io

import pytest
from django.core.management import CommandError, call_command

from sejahtera.accounts.models import User
from sejahtera.common.models import AuditEntry


@pytest.mark.django_db
def test_it_creates_a_village_operator_for_a_dotted_village_code_and_audits_it():
    out = io.StringIO()
    call_command(
        "users", "create", "budi", "--role", "VILLAGE_OPERATOR", "--region", "32.04.05.2001", stdout=out
    )
    user = User.objects.get(username="budi")
    assert (user.role, user.jurisdiction_code) == ("VILLAGE_OPERATOR", "3204052001")
    password = out.getvalue().split("password: ")[1].strip()
    assert user.check_password(password)
    assert AuditEntry.objects.filter(action="user.create", object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_it_refuses_a_role_whose_level_does_not_match_the_region():
    with pytest.raises(CommandError, match="tidak dapat berwilayah"):
        call_command("users", "create", "budi", "--role", "VILLAGE_OPERATOR", "--region", "3204")
    assert not User.objects.filter(username="budi").exists()


@pytest.mark.django_db
def test_it_lists_users_with_their_jurisdiction(district_a):
    out = io.StringIO()
    call_command("users", "list", "--json", stdout=out)
    assert '"username": "dinsos_a"' in out.getvalue() and '"jurisdiction": "3204"' in out.getvalue()
