"""Batch entry points of the programs app, run by the django-tasks worker (`sejahtera db_worker`)."""

from __future__ import annotations

from django_tasks import task

from .services import runs


@task()
def execute_run(run_id: int) -> str:
    """Run a program run queued by the run page (services.run_start). Queued twice, it runs once:
    run_execute claims the run first."""
    return runs.run_execute(run_id=run_id).status
