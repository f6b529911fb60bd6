"""Batch entry points of the quality app, run by the django-tasks worker (`sejahtera db_worker`)."""

from __future__ import annotations

from django_tasks import task

from .services import padan_execute, quality_execute


@task()
def execute_check_run(run_id: int) -> str:
    """A check run queued by the page (services.quality_start). Queued twice, it runs once."""
    return quality_execute(run_id=run_id).status


@task()
def execute_padan_run(run_id: int) -> str:
    """A padan run queued by the upload page (services.padan_start)."""
    return padan_execute(run_id=run_id).status
