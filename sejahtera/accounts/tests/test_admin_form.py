import pytest

from sejahtera.accounts.admin import RoleJurisdictionForm


@pytest.mark.django_db
def test_the_admin_refuses_a_district_officer_without_a_district(district_a):
    data = {
        "username": district_a.username,
        "role": "DISTRICT_OFFICER",
        "jurisdiction": "",
        "date_joined": "2026-01-01 00:00:00",
        "password": district_a.password,
    }
    form = RoleJurisdictionForm(data=data, instance=district_a)
    assert not form.is_valid()
    assert "tidak dapat berwilayah" in str(form.errors)


@pytest.mark.django_db
def test_the_admin_accepts_a_district_officer_of_a_regency(district_a):
    data = {
        "username": district_a.username,
        "role": "DISTRICT_OFFICER",
        "jurisdiction": "3273",
        "date_joined": "2026-01-01 00:00:00",
        "password": district_a.password,
    }
    form = RoleJurisdictionForm(data=data, instance=district_a)
    assert form.is_valid(), form.errors
