"""Reads of the system's state: the database round trip and the worker heartbeats."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from jijinan.core.jobs.choices import JobStatus
from jijinan.core.jobs.models import Job, WorkerHeartbeat


@dataclass(frozen=True)
class Health:
    database_ok: bool
    database_vendor: str
    database_ms: float
    worker_ok: bool
    workers: int
    worker_seen_at: datetime | None
    jobs_queued: int
    jobs_dead: int

    @property
    def status(self) -> str:
        if not self.database_ok:
            return "down"
        return "ok" if self.worker_ok else "degraded"


def system_health() -> Health:
    """Database round trip and worker heartbeats; never raises."""
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database_ok = True
    except DatabaseError:
        return Health(False, connection.vendor, 0.0, False, 0, None, 0, 0)
    database_ms = (time.perf_counter() - started) * 1000
    fresh_after = timezone.now() - timedelta(seconds=settings.JIJINAN_WORKER_STALE_SECONDS)
    beats = list(WorkerHeartbeat.objects.filter(seen_at__gte=fresh_after).values_list(
        "seen_at", flat=True))
    return Health(
        database_ok=database_ok,
        database_vendor=connection.vendor,
        database_ms=round(database_ms, 2),
        worker_ok=bool(beats),
        workers=len(beats),
        worker_seen_at=max(beats) if beats else None,
        jobs_queued=Job.objects.filter(status=JobStatus.QUEUED).count(),
        jobs_dead=Job.objects.filter(status=JobStatus.DEAD).count(),
    )
