"""The history of a record shows the import that created it only to readers whose jurisdiction
holds that import: a national import's entry names national totals and file names."""

import pytest

from sejahtera.registry.generate import generate
from sejahtera.registry.models import Household
from sejahtera.registry.selectors import household_history, person_history
from sejahtera.registry.services import import_run, import_submit


@pytest.fixture
def nationally_imported(central, tmp_path):
    generate(households=3, region="3204", seed=3, dirty=0, out=tmp_path)
    job = import_submit(
        actor=central, households_path=tmp_path / "households.csv", persons_path=tmp_path / "persons.csv"
    )
    import_run(job_id=job.pk)
    return Household.objects.get(kk_number=(tmp_path / "households.csv").read_text().splitlines()[1][:16])


@pytest.mark.django_db
def test_the_central_team_sees_the_national_import_in_the_history(central, nationally_imported):
    assert [e.action for e in household_history(user=central, household=nationally_imported)] == [
        "registry.import"
    ]


@pytest.mark.django_db
def test_a_district_officer_does_not_see_the_national_import_totals(district_a, nationally_imported):
    assert not household_history(user=district_a, household=nationally_imported).exists()
    person = nationally_imported.members.first()
    assert not person_history(user=district_a, person=person).exists()


@pytest.mark.django_db
def test_the_page_still_says_which_import_created_the_household(client, district_a, nationally_imported):
    client.force_login(district_a)
    html = client.get(f"/keluarga/{nationally_imported.pk}/").content.decode()
    assert f"impor #{nationally_imported.import_job_id}" in html
    assert "households_imported" not in html
