"""The job registry, enqueueing, and the worker loop that claims jobs with a lease.

Apps register job functions with ``@job("app.name")`` and periodic jobs with
``@periodic("app.name", every=timedelta(...))`` in their ``tasks.py``; services enqueue with
``job_enqueue`` inside their own transaction, so a rolled-back change never runs its job.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from jijinan.core.audit_hook import record_audit
from jijinan.core.errors import DomainError
from jijinan.core.jobs.choices import JobStatus
from jijinan.core.jobs.models import Job, PeriodicSchedule, WorkerHeartbeat
from jijinan.core.permissions import require

logger = logging.getLogger(__name__)

JobFunc = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: JobFunc
    max_attempts: int


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    every: timedelta


_jobs: dict[str, JobSpec] = {}
_periodic: dict[str, PeriodicSpec] = {}
# Other queues the worker drains on every tick (the outbox): func(worker_id=…, limit=…) -> count.
_tick_hooks: list[Callable[..., int]] = []


def register_tick(func: Callable[..., int]) -> None:
    if func not in _tick_hooks:
        _tick_hooks.append(func)


def job(name: str, *, max_attempts: int = 5) -> Callable[[JobFunc], JobFunc]:
    """Register ``func(payload)`` as the job called ``name``."""

    def register(func: JobFunc) -> JobFunc:
        existing = _jobs.get(name)
        if existing is not None and existing.func is not func:
            raise ValueError(f"job {name!r} is registered twice")
        _jobs[name] = JobSpec(name=name, func=func, max_attempts=max_attempts)
        return func

    return register


def periodic(name: str, *, every: timedelta, max_attempts: int = 1) -> Callable[[JobFunc], JobFunc]:
    """Register a job that the worker's scheduler enqueues every ``every``."""

    def register(func: JobFunc) -> JobFunc:
        job(name, max_attempts=max_attempts)(func)
        _periodic[name] = PeriodicSpec(name=name, every=every)
        return func

    return register


def registered_jobs() -> dict[str, JobSpec]:
    return dict(_jobs)


def registered_periodic() -> dict[str, PeriodicSpec]:
    return dict(_periodic)


def job_enqueue(
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    run_after: datetime | None = None,
    priority: int = 100,
) -> Job:
    """Queue a registered job; call it inside the business transaction that needs it."""
    spec = _jobs.get(name)
    if spec is None:
        raise KeyError(f"unknown job {name!r}")
    return Job.objects.create(
        name=name,
        payload=payload or {},
        run_after=run_after or timezone.now(),
        priority=priority,
        max_attempts=spec.max_attempts,
    )


def backoff(attempts: int) -> timedelta:
    """Exponential backoff after a failed attempt: 2, 4, 8 … seconds, capped at one hour."""
    return timedelta(seconds=min(2 ** max(attempts, 1), 3600))


def _claimable(now: datetime) -> Q:
    return Q(status=JobStatus.QUEUED, run_after__lte=now) | Q(
        status=JobStatus.RUNNING, lease_expires_at__lt=now
    )


def job_claim(*, worker_id: str, now: datetime | None = None) -> Job | None:
    """Claim the next due job (or one whose worker's lease ran out) for ``worker_id``.

    The claim is a conditional UPDATE on one row, atomic on SQLite and PostgreSQL alike: when two
    workers race for the same row exactly one UPDATE matches, and the loser tries the next one.
    """
    now = now or timezone.now()
    lease = timedelta(seconds=settings.JIJINAN_JOB_LEASE_SECONDS)
    candidates = list(
        Job.objects.filter(_claimable(now))
        .order_by("priority", "run_after", "id")
        .values_list("id", flat=True)[:20]
    )
    for job_id in candidates:
        claimed = (
            Job.objects.filter(_claimable(now), id=job_id)
            .update(
                status=JobStatus.RUNNING,
                claimed_by=worker_id,
                lease_expires_at=now + lease,
                attempts=F("attempts") + 1,
            )
        )
        if claimed:
            return Job.objects.get(id=job_id)
    return None


def job_run(claimed: Job, *, worker_id: str) -> bool:
    """Run a claimed job and record the outcome; returns True when it succeeded."""
    spec = _jobs.get(claimed.name)
    ours = Job.objects.filter(id=claimed.id, claimed_by=worker_id, status=JobStatus.RUNNING)
    now = timezone.now()
    if spec is None:
        ours.update(status=JobStatus.DEAD, last_error=f"unknown job {claimed.name!r}",
                    finished_at=now, lease_expires_at=None)
        return False
    if claimed.attempts > claimed.max_attempts:
        # Its earlier workers died mid-run too often: stop taking it up.
        ours.update(status=JobStatus.DEAD, finished_at=now, lease_expires_at=None,
                    last_error=claimed.last_error or "lease expired too often")
        return False
    try:
        spec.func(dict(claimed.payload))
    except Exception:
        error = traceback.format_exc(limit=20)
        logger.exception("job %s#%s failed (attempt %s)", claimed.name, claimed.id, claimed.attempts)
        if claimed.attempts >= claimed.max_attempts:
            ours.update(status=JobStatus.DEAD, last_error=error, finished_at=timezone.now(),
                        lease_expires_at=None)
        else:
            ours.update(status=JobStatus.QUEUED, last_error=error, lease_expires_at=None,
                        run_after=timezone.now() + backoff(claimed.attempts), claimed_by="")
        return False
    ours.update(status=JobStatus.DONE, finished_at=timezone.now(), lease_expires_at=None)
    return True


def schedule_due_periodic(*, now: datetime | None = None) -> list[str]:
    """Enqueue each periodic job that is due; safe with several workers running."""
    now = now or timezone.now()
    fired = []
    for spec in _periodic.values():
        PeriodicSchedule.objects.get_or_create(name=spec.name, defaults={"next_run_at": now})
        with transaction.atomic():
            taken = PeriodicSchedule.objects.filter(name=spec.name, next_run_at__lte=now).update(
                next_run_at=now + spec.every, last_enqueued_at=now
            )
            if taken:
                job_enqueue(spec.name)
                fired.append(spec.name)
    return fired


class Worker:
    """The `jijinan worker` process: heartbeat, scheduler tick, then claimed jobs until stopped."""

    def __init__(self, *, poll_seconds: float = 1.0, run_periodic: bool = True) -> None:
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.poll_seconds = poll_seconds
        self.run_periodic = run_periodic
        self.stopping = False
        self.jobs_done = 0
        self.started_at = timezone.now()

    def stop(self, *_args: object) -> None:
        self.stopping = True

    def heartbeat(self) -> None:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": self.started_at,
                "seen_at": timezone.now(),
                "jobs_done": self.jobs_done,
            },
        )

    def drain(self, *, limit: int | None = None) -> int:
        """Run due jobs until none is left (or ``limit``); returns how many ran."""
        ran = 0
        while not self.stopping and (limit is None or ran < limit):
            claimed = job_claim(worker_id=self.worker_id)
            if claimed is None:
                break
            job_run(claimed, worker_id=self.worker_id)
            ran += 1
            self.jobs_done += 1
        return ran

    def tick(self) -> int:
        self.heartbeat()
        if self.run_periodic:
            schedule_due_periodic()
        ran = self.drain(limit=100)
        for hook in _tick_hooks:
            if self.stopping:
                break
            ran += hook(worker_id=self.worker_id, limit=100)
        return ran

    def run_forever(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        logger.info("worker %s started", self.worker_id)
        while not self.stopping:
            close_old_connections()
            try:
                ran = self.tick()
            except Exception:
                # A database hiccup must not end the worker; try again after a pause.
                logger.exception("worker tick failed")
                ran = 0
            if not ran:
                time.sleep(self.poll_seconds)
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        logger.info("worker %s stopped", self.worker_id)


def job_replay(*, actor: Any, job_ids: list[int]) -> int:
    """Queue dead jobs again (an administrator's decision, audited)."""
    require(actor, "system.outbox.manage")
    if not job_ids:
        raise DomainError.for_field("jobs", "请选择要重新运行的任务")
    with transaction.atomic():
        dead = Job.objects.select_for_update().filter(pk__in=job_ids, status=JobStatus.DEAD)
        if dead.count() != len(set(job_ids)):
            raise DomainError.for_field("jobs", "只能重新运行失败的任务", code="not_dead")
        dead.update(status=JobStatus.QUEUED, attempts=0, run_after=timezone.now(), claimed_by="",
                    lease_expires_at=None, finished_at=None)
        record_audit(actor=actor, action="system.job.replay", subject_type="core.job",
                     subject_id=",".join(str(i) for i in job_ids), changes={"status": ("dead", "queued")})
    return len(job_ids)
