"""sejahtera imports list | requeue"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Q
from django.utils import timezone

from sejahtera.registry.jobs import run_import
from sejahtera.registry.models import ImportJob
from sejahtera.registry.services import STALE_AFTER


def resumable_jobs() -> list[ImportJob]:
    """Jobs still queued, and running jobs whose worker has been silent for longer than STALE_AFTER."""
    stale = timezone.now() - STALE_AFTER
    return list(
        ImportJob.objects.filter(
            Q(status=ImportJob.Status.QUEUED) | Q(status=ImportJob.Status.RUNNING, heartbeat_at__lt=stale)
        ).order_by("id")
    )


class Command(BaseCommand):
    help = (
        "List import jobs, or queue again the ones a dead worker left behind (a job runs once: a "
        "second queue entry for a job that is already running finds nothing to claim)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="The 50 newest jobs with status and progress.")
        sub.add_parser("requeue", help="Queue queued and stalled jobs again for `sejahtera db_worker`.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for job in ImportJob.objects.select_related("created_by").order_by("-id")[:50]:
                self.stdout.write(
                    f"#{job.pk:<6} {job.status:<9} {job.phase:<10} {job.progress_percent:>3}%  "
                    f"{job.created_by.username:<12} {job.households_name} + {job.persons_name}"
                )
            return
        jobs = resumable_jobs()
        for job in jobs:
            run_import.enqueue(job.pk)
            self.stdout.write(f"queued import #{job.pk} ({job.status})")
        if not jobs:
            self.stdout.write("nothing to queue")
