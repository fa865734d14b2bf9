"""The database job queue: claims with a lease, retries with backoff, periodic scheduling."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from jijinan.core.jobs.choices import JobStatus
from jijinan.core.jobs.queue import (
    Worker,
    backoff,
    job,
    job_claim,
    job_enqueue,
    job_run,
    registered_periodic,
    schedule_due_periodic,
)
from jijinan.core.models import Job, PeriodicSchedule, WorkerHeartbeat
from tests.conftest import run_jijinan

CALLS: list[dict[str, Any]] = []


@job("tests.record", max_attempts=3)
def record(payload: dict[str, Any]) -> None:
    CALLS.append(payload)


@job("tests.explode", max_attempts=2)
def explode(payload: dict[str, Any]) -> None:
    raise RuntimeError("boom")


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_calls():
    CALLS.clear()


def test_a_queued_job_runs_once_and_is_marked_done():
    queued = job_enqueue("tests.record", {"n": 1})
    worker = Worker(run_periodic=False)
    assert worker.drain() == 1
    assert CALLS == [{"n": 1}]
    queued.refresh_from_db()
    assert queued.status == JobStatus.DONE
    assert queued.attempts == 1
    assert worker.drain() == 0


def test_jobs_run_by_priority_then_time():
    later = job_enqueue("tests.record", {"n": "later"})
    urgent = job_enqueue("tests.record", {"n": "urgent"}, priority=1)
    Worker(run_periodic=False).drain()
    assert [c["n"] for c in CALLS] == ["urgent", "later"]
    assert later.pk < urgent.pk


def test_a_job_enqueued_in_a_rolled_back_transaction_never_runs():
    with pytest.raises(RuntimeError), transaction.atomic():
        job_enqueue("tests.record", {"n": 1})
        raise RuntimeError("the business change failed")
    assert not Job.objects.exists()


def test_unknown_jobs_cannot_be_enqueued():
    with pytest.raises(KeyError):
        job_enqueue("tests.nope")


def test_a_failing_job_backs_off_then_dies_after_its_attempts():
    failing = job_enqueue("tests.explode")
    worker = Worker(run_periodic=False)
    assert worker.drain() == 1
    failing.refresh_from_db()
    assert failing.status == JobStatus.QUEUED
    assert failing.run_after > timezone.now()
    assert "boom" in failing.last_error
    assert worker.drain() == 0  # not due yet: it waits for its backoff

    Job.objects.filter(pk=failing.pk).update(run_after=timezone.now())
    assert worker.drain() == 1
    failing.refresh_from_db()
    assert failing.status == JobStatus.DEAD
    assert failing.attempts == 2


def test_backoff_grows_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [2, 4, 8]
    assert backoff(40) == timedelta(hours=1)


def test_a_claimed_job_is_not_claimed_again_while_its_lease_runs():
    job_enqueue("tests.record")
    first = job_claim(worker_id="a")
    assert first is not None
    assert job_claim(worker_id="b") is None


def test_a_dead_workers_job_is_taken_up_when_its_lease_expires():
    job_enqueue("tests.record", {"n": 7})
    claimed = job_claim(worker_id="killed-worker")
    assert claimed is not None
    # The worker died: its lease runs out and another worker takes the job up.
    later = timezone.now() + timedelta(hours=1)
    again = job_claim(worker_id="survivor", now=later)
    assert again is not None and again.pk == claimed.pk
    assert again.attempts == 2
    assert job_run(again, worker_id="survivor")
    assert CALLS == [{"n": 7}]
    # The dead worker's late report (if it ever came) no longer matches its claim.
    assert not Job.objects.filter(pk=claimed.pk, claimed_by="killed-worker").exists()


def test_a_job_whose_workers_keep_dying_is_given_up():
    job_enqueue("tests.record")
    now = timezone.now()
    for i in range(3):
        assert job_claim(worker_id=f"w{i}", now=now + timedelta(hours=i)) is not None
    last = job_claim(worker_id="w3", now=now + timedelta(hours=3))
    assert last is not None and last.attempts == 4
    assert not job_run(last, worker_id="w3")
    last.refresh_from_db()
    assert last.status == JobStatus.DEAD
    assert CALLS == []


def test_periodic_jobs_fire_once_per_interval_however_many_workers_tick():
    assert "core.purge_finished_jobs" in registered_periodic()
    now = timezone.now()
    fired = schedule_due_periodic(now=now)
    assert "core.purge_finished_jobs" in fired
    purge = "core.purge_finished_jobs"
    assert purge not in schedule_due_periodic(now=now)  # a second worker at the same moment
    assert purge not in schedule_due_periodic(now=now + timedelta(minutes=59))
    assert "core.purge_finished_jobs" in schedule_due_periodic(now=now + timedelta(hours=1))
    assert Job.objects.filter(name="core.purge_finished_jobs").count() == 2
    assert PeriodicSchedule.objects.get(name="core.purge_finished_jobs").next_run_at == \
        now + timedelta(hours=2)


def test_a_worker_tick_fires_and_runs_due_periodic_jobs():
    assert Worker().tick() >= 1
    purge = Job.objects.get(name="core.purge_finished_jobs")
    assert purge.status == JobStatus.DONE


def test_the_heartbeat_is_recorded():
    worker = Worker(run_periodic=False)
    worker.heartbeat()
    beat = WorkerHeartbeat.objects.get(worker_id=worker.worker_id)
    assert beat.seen_at <= timezone.now()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_process_runs_the_periodic_purge():
    old = timezone.now() - timedelta(days=30)
    stale = Job.objects.create(name="tests.record", status=JobStatus.DONE, finished_at=old)
    fresh = Job.objects.create(name="tests.record", status=JobStatus.DONE,
                               finished_at=timezone.now())
    out = run_jijinan("worker", "--once")
    assert out.returncode == 0, out.stderr
    assert "jobs run:" in out.stdout
    assert not Job.objects.filter(pk=stale.pk).exists()
    assert Job.objects.filter(pk=fresh.pk).exists()
    purge = Job.objects.get(name="core.purge_finished_jobs")
    assert purge.status == JobStatus.DONE
