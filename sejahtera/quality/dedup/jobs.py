"""Batch entry points of duplicate detection, run by the django-tasks worker (`sejahtera db_worker`)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def execute_run(run_id: int) -> str:
    """Run a detection queued from the web (services.run_start). Queued twice, it runs once:
    run_execute claims the run first."""
    return services.run_execute(run_id=run_id).status
