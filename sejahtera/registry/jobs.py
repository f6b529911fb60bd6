"""Batch entry points, run by the django-tasks worker (`sejahtera db_worker`)."""

from __future__ import annotations

from django_tasks import task

from .services import import_run


@task()
def run_import(job_id: int) -> str:
    job = import_run(job_id=job_id)
    return job.status
