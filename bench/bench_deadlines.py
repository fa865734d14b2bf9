"""Deadlines: starting 1,000 in one transaction against 1,000 plain inserts into the same table;
a breach sweep over 10,000 deadlines of which 1% have run out, against marking those rows by
hand (one bare UPDATE; one UPDATE per row): the sweep adds the audit event and the message."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from benchlib import Case
from jijinan.audit.models import AuditEvent
from jijinan.core.calendar.services import calendar_seed
from jijinan.core.calendar.workdays import SHANGHAI, calendar_snapshot
from jijinan.core.deadlines.kinds import DeadlineKind, deadline_kind_register
from jijinan.core.deadlines.services import deadline_start, deadline_sweep
from jijinan.core.models import Deadline, OutboxMessage

N = 1000
SWEPT = 10_000
RUN_OUT = SWEPT // 100  # newly run out at each sweep
KIND = "bench.review"
REGION = "320102002001"
START = datetime(2024, 9, 27, 9, 0, tzinfo=SHANGHAI)
BASE = datetime(2020, 1, 1, tzinfo=SHANGHAI)  # the swept deadlines fall due one a minute from here

deadline_kind_register(DeadlineKind(KIND, "基准测试期限", "working_days"))
_state: dict[str, object] = {}


def setup() -> None:
    calendar_seed(years=range(2020, 2028))
    calendar_snapshot()
    owner, _ = get_user_model().objects.get_or_create(username="bench_owner", defaults={"full_name": "基准"})
    _state["owner"] = owner


def _clean() -> None:
    Deadline.objects.filter(subject_type="bench.start").delete()
    OutboxMessage.objects.filter(subject_type="core.deadline").delete()
    AuditEvent.objects.filter(action__startswith="deadlines.").delete()


def insert_rows() -> None:
    """The baseline: the same rows with the due time already known, one INSERT each."""
    now = timezone.now()
    due = datetime(2024, 10, 10, 23, 59, 59, tzinfo=SHANGHAI)
    with transaction.atomic():
        for i in range(N):
            Deadline.objects.create(
                subject_type="bench.start", subject_id=str(i), kind=KIND, region_code=REGION,
                owner_user=_state["owner"], started_at=START, unit="working_days", limit=5,
                due_at=due, counted_from=START, counted_units=5, created_at=now)
    _clean()


def start_deadlines() -> None:
    """Each start computes the due time over the calendar, writes the audit event and the message."""
    with transaction.atomic():
        for i in range(N):
            deadline_start(actor=None, subject_type="bench.start", subject_id=str(i), kind=KIND,
                           region_code=REGION, start=START, limit=5 + i % 20,
                           owner_user=_state["owner"], parameters={"review_days": "v1"})
    _clean()


def sweep_setup() -> None:
    if Deadline.objects.filter(subject_type="bench.sweep").exists():
        return
    owner = _state["owner"]
    Deadline.objects.bulk_create([
        Deadline(subject_type="bench.sweep", subject_id=str(i), kind=KIND, region_code=REGION,
                 owner_user=owner, started_at=BASE, unit="hours", limit=1,
                 due_at=BASE + timedelta(minutes=i), counted_from=BASE, counted_units=1)
        for i in range(SWEPT)], batch_size=1000)


# Each repetition moves "now" on by RUN_OUT minutes: exactly RUN_OUT more deadlines have run out.
_minutes = itertools.count(RUN_OUT, RUN_OUT)


def bare_update() -> None:
    """The baseline: mark the run-out rows in one UPDATE (no lock, no audit, no message)."""
    now = BASE + timedelta(minutes=next(_minutes))
    marked = Deadline.objects.filter(breached_at__isnull=True, met_at__isnull=True,
                                     cancelled_at__isnull=True, paused_at__isnull=True,
                                     due_at__lt=now).update(breached_at=F("due_at"))
    assert marked == RUN_OUT, marked


def update_each() -> None:
    """The closer baseline: find the run-out rows, then mark each by its id (no audit, no message)."""
    now = BASE + timedelta(minutes=next(_minutes))
    with transaction.atomic():
        ids = list(Deadline.objects.filter(breached_at__isnull=True, met_at__isnull=True,
                                           cancelled_at__isnull=True, paused_at__isnull=True,
                                           due_at__lt=now).values_list("pk", flat=True))
        for pk in ids:
            Deadline.objects.filter(pk=pk).update(breached_at=F("due_at"), version=F("version") + 1)
    assert len(ids) == RUN_OUT, len(ids)


def sweep() -> None:
    now = BASE + timedelta(minutes=next(_minutes))
    assert deadline_sweep(now=now) == RUN_OUT


CASES = [
    Case("insert_1000_rows", insert_rows, setup=setup, repeat=10, warmup=1, unit=f"{N} rows"),
    Case("start_1000_deadlines", start_deadlines, baseline="insert_1000_rows", repeat=10, warmup=1,
         unit=f"{N} deadlines"),
    Case("update_100_of_10000", bare_update, setup=sweep_setup, repeat=20, warmup=2,
         unit=f"{RUN_OUT} of {SWEPT}"),
    Case("update_each_100_of_10000", update_each, baseline="update_100_of_10000", repeat=20,
         warmup=2, unit=f"{RUN_OUT} of {SWEPT}"),
    Case("sweep_100_of_10000", sweep, baseline="update_each_100_of_10000", repeat=20, warmup=2,
         unit=f"{RUN_OUT} breaches"),
]
