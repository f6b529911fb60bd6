"""Batch entry points of the update cycle, run by the django-tasks worker (`sejahtera db_worker`)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def build_release(number: int) -> str:
    """Build a release numbered by services.release_start (the page's build form). Queued twice,
    it runs once: release_run claims the release first."""
    return services.release_run(number=number).status
