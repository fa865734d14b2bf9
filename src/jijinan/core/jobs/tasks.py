"""The core's own periodic housekeeping jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from jijinan.core.jobs.choices import JobStatus
from jijinan.core.jobs.models import Job, WorkerHeartbeat
from jijinan.core.jobs.queue import periodic

FINISHED_JOBS_KEPT = timedelta(days=14)
STALE_HEARTBEATS_KEPT = timedelta(days=1)


@periodic("core.purge_finished_jobs", every=timedelta(hours=1))
def purge_finished_jobs(payload: dict[str, Any]) -> None:
    """Finished jobs are kept two weeks for inspection; dead ones stay until replayed or purged."""
    now = timezone.now()
    Job.objects.filter(status=JobStatus.DONE, finished_at__lt=now - FINISHED_JOBS_KEPT).delete()
    WorkerHeartbeat.objects.filter(seen_at__lt=now - STALE_HEARTBEATS_KEPT).delete()
