import datetime as dt
import io

import pytest
from django.core.management import call_command

from sejahtera.registry.generate import generate
from sejahtera.registry.models import Household, ImportJob
from sejahtera.registry.services import STALE_AFTER, import_claim, import_submit


@pytest.mark.django_db
def test_requeue_finishes_a_job_whose_worker_died(central, tmp_path):
    generate(households=3, region="3204", seed=4, dirty=0, out=tmp_path)
    job = import_submit(
        actor=central, households_path=tmp_path / "households.csv", persons_path=tmp_path / "persons.csv"
    )
    import_claim(job_id=job.pk)  # a worker took it, then died without a word
    ImportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=job.created_at - STALE_AFTER - dt.timedelta(minutes=1)
    )

    out = io.StringIO()
    call_command("imports", "requeue", stdout=out)  # the tests run tasks inline

    job.refresh_from_db()
    assert f"queued import #{job.pk}" in out.getvalue()
    assert (job.status, job.attempt, job.households_imported) == (ImportJob.Status.SUCCEEDED, 2, 3)
    assert Household.objects.count() == 3


@pytest.mark.django_db
def test_requeue_leaves_a_job_that_still_reports_progress(central, tmp_path):
    generate(households=2, region="3204", seed=4, dirty=0, out=tmp_path)
    job = import_submit(
        actor=central, households_path=tmp_path / "households.csv", persons_path=tmp_path / "persons.csv"
    )
    import_claim(job_id=job.pk)

    out = io.StringIO()
    call_command("imports", "requeue", stdout=out)

    assert "nothing to queue" in out.getvalue()
    assert not Household.objects.exists()
