"""Job queue: enqueue and run 200 jobs against writing 200 rows of the same table."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from benchlib import Case
from jijinan.core.jobs.queue import Worker, job, job_enqueue
from jijinan.core.models import Job

N = 200


@job("bench.noop")
def noop(payload: dict[str, Any]) -> None:
    return None


def insert_rows() -> None:
    with transaction.atomic():
        for i in range(N):
            Job.objects.create(name="bench.row", payload={"i": i}, status="done")
    Job.objects.filter(name="bench.row").delete()


def enqueue_and_run() -> None:
    with transaction.atomic():
        for i in range(N):
            job_enqueue("bench.noop", {"i": i})
    worker = Worker(run_periodic=False)
    worker.drain()
    assert not Job.objects.filter(name="bench.noop").exclude(status="done").exists()
    Job.objects.filter(name="bench.noop").delete()


CASES = [
    Case("insert_200_rows", insert_rows, repeat=10, warmup=1, unit=f"{N} rows"),
    Case("enqueue_run_200_jobs", enqueue_and_run, baseline="insert_200_rows", repeat=10,
         warmup=1, unit=f"{N} jobs"),
]
