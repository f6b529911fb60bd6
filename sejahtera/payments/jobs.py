"""Batch entry points of the payments app, run by the django-tasks worker (`sejahtera db_worker`)."""

from __future__ import annotations

from django_tasks import task

from sejahtera.accounts.models import User

from . import services


@task()
def create_batches(program_code: str, period: str, user_id: int) -> list[int]:
    """The batches of a program and period (the batch page's form; a national tranche takes minutes).
    Queued twice, the second run creates nothing: batches_create is idempotent and serialised."""
    actor = User.objects.get(pk=user_id)
    return [b.pk for b in services.batches_create(actor=actor, program_code=program_code, period=period)]
