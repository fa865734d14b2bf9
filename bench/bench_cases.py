"""Work queues at scale: a clerk's queue page (count + first page) and a county's overdue list,
through the selectors and once through the test client for the page, against the cheapest
indexed read of the same table (``Case.objects.filter(pk=…)``) in the same run.

The size comes from JIJINAN_BENCH_CASES (default 1,000,000 on PostgreSQL, 20,000 on SQLite so
`make bench` stays short). The cases are generated once and kept, so a second run on the same
database starts at once; they are written with COPY on PostgreSQL and with batched INSERTs on
SQLite. They fall in the 140 townships of 南京市 (about 7,000 cases each at a million): 70 % are
closed, the open ones carry a deadline between ten days ago and twenty days ahead (a third of
them run out), and the clerk of 梅园新村街道 owns one open case in ten of the township.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from benchlib import Case

DEFAULT = 1_000_000 if connection.vendor == "postgresql" else 20_000
CASES_N = int(os.environ.get("JIJINAN_BENCH_CASES", str(DEFAULT)))
PREFIX = "BENCH-"
CITY = "320100000000"  # 南京市
TOWNSHIP = "320102002000"  # 梅园新村街道: the clerk's
COUNTY = "320102000000"  # 玄武区: the county approver's
PAGE = 50
BATCH = 20_000
JIANGSU = Path(__file__).resolve().parent.parent / "src/jijinan/regions/data/regions-jiangsu.csv"
OPEN = ["accepted", "accepted", "accepted", "reported", "reviewed", "approved", "assisted", "follow_up"]
CATEGORIES = ["serious_illness", "accident", "disaster", "fire", "unemployment", "schooling", "housing",
              "family_crisis", "other"]
CHANNELS = ["window", "hotline", "hotline_12345", "informant", "department", "online"]

state: dict[str, Any] = {}


def _rows(regions: list[tuple[int, str]], first_id: int, clerk_id: int, now: datetime
          ) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...] | None]]:
    """(case row, deadline row or None) for each generated case, deterministic."""
    rng = random.Random(20261129)
    for i in range(CASES_N):
        pk = first_id + i
        region_id, code = regions[i % len(regions)]
        is_open = rng.random() < 0.3
        stage = rng.choice(OPEN) if is_open else "closed"
        created = now - timedelta(minutes=rng.randrange(60, 60 * 24 * 365))
        owner = clerk_id if is_open and code == TOWNSHIP and rng.random() < 0.1 else None
        category = rng.choice(CATEGORIES)
        case = (pk, f"{PREFIX}{pk:09d}", stage, rng.choice(CHANNELS), region_id, "unidentified",
                f"对象{pk}", f"报告人{pk % 997}", created - timedelta(days=1),
                json.dumps([category]), json.dumps(["money"]), "测试生成的情况描述",
                rng.choice(["normal", "normal", "urgent", "critical"]), rng.random() < 0.02, owner,
                None if is_open else created + timedelta(days=20), created, created)
        deadline = None
        if is_open:
            due = now + timedelta(minutes=rng.randrange(-10 * 24 * 60, 20 * 24 * 60))
            deadline = (str(pk), code, created, due, created, now)
        yield case, deadline


CASE_COLUMNS = ("id", "number", "stage", "channel", "handling_region_id", "subject_kind", "subject_name",
                "reporter_name", "event_at", "categories", "needs", "description", "urgency", "crisis",
                "owner_id", "closed_at", "created_at", "updated_at")
DEADLINE_COLUMNS = ("subject_id", "region_code", "started_at", "due_at", "counted_from", "created_at")
# Columns without a database default: the same value on every generated row.
CASE_CONSTANT = {"subject_description": "", "reporter_phone_index": "", "reporter_relation": "",
                 "event_place": "", "crisis_note": "", "work_orders": "{}", "triage": "{}", "client_key": "",
                 "request_digest": "", "version": 1, "program": "temporary_assistance", "approver_level": "",
                 "needs_consultation": False, "public_notice_required": False, "close_relative": False,
                 "fast_tracked": False, "paperwork_owed": False, "refusal_reason": ""}
DEADLINE_CONSTANT = {"subject_type": "cases.case", "kind": "cases.bench", "unit": "hours", "limit": 72,
                     "provisional": False, "unconfirmed_years": "[]", "counted_units": 72, "pause_reason": "",
                     "paused_seconds": 0, "extensions": "[]", "cancel_reason": "", "parameters": "{}",
                     "version": 1}


def _write(table: str, columns: tuple[str, ...], constant: dict[str, Any], rows: list[tuple[Any, ...]]) -> None:
    names = [connection.ops.quote_name(c) for c in (*columns, *constant)]  # "limit" is a keyword
    tail = tuple(constant.values())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + tail)
        else:
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",  # noqa: S608
                               [row + tail for row in rows])


def _generate(clerk_id: int) -> None:
    from jijinan.cases.models import Case as CaseModel
    from jijinan.regions.models import Region

    existing = CaseModel.objects.filter(number__startswith=PREFIX).count()
    if existing >= CASES_N:
        return
    CaseModel.objects.filter(number__startswith=PREFIX).delete() if existing else None
    regions = list(Region.objects.filter(level="township", code__startswith=CITY[:4])
                   .order_by("code").values_list("id", "code"))
    first_id = (CaseModel.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    now = timezone.now()
    started = time.perf_counter()
    cases: list[tuple[Any, ...]] = []
    deadlines: list[tuple[Any, ...]] = []

    def flush() -> None:
        with transaction.atomic():
            _write("cases_case", CASE_COLUMNS, CASE_CONSTANT, cases)
            _write("core_deadline", DEADLINE_COLUMNS, DEADLINE_CONSTANT, deadlines)
        cases.clear()
        deadlines.clear()

    for n, (case, deadline) in enumerate(_rows(regions, first_id, clerk_id, now), start=1):
        cases.append(case)
        if deadline is not None:
            deadlines.append(deadline)
        if len(cases) >= BATCH:
            flush()
        if n % 200_000 == 0:
            print(f"  {n:,} cases ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    flush()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence('cases_case', 'id'), "
                           "(SELECT MAX(id) FROM cases_case))")
            cursor.execute("VACUUM ANALYZE cases_case")
            cursor.execute("VACUUM ANALYZE core_deadline")
        else:
            cursor.execute("ANALYZE")
    print(f"  generated {CASES_N:,} cases in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def prepare() -> None:
    """Regions, the clerk and the county approver, N cases with their deadlines (once per run)."""
    if state:
        return
    from jijinan.accounts.models import Grant, User
    from jijinan.cases.models import Case as CaseModel
    from jijinan.core.permissions import Role
    from jijinan.regions.models import Region
    from jijinan.regions.services import regions_load_csv

    if not Region.objects.filter(code=CITY).exists():
        regions_load_csv(text=JIANGSU.read_text(encoding="utf-8"), valid_from=date(2022, 10, 31), source="bench")
    clerk, _ = User.objects.get_or_create(username="bench_cases_clerk", defaults={"full_name": "窗口"})
    county, _ = User.objects.get_or_create(username="bench_cases_county", defaults={"full_name": "县审批"})
    Grant.objects.get_or_create(user=clerk, role=Role.WINDOW_CLERK, region=Region.objects.get(code=TOWNSHIP))
    Grant.objects.get_or_create(user=county, role=Role.COUNTY_APPROVER, region=Region.objects.get(code=COUNTY))
    _generate(clerk.pk)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(clerk)
    ids = list(CaseModel.objects.filter(number__startswith=PREFIX).order_by("id").values_list("id", flat=True)
               [:: max(1, CASES_N // 1000)])
    state.update(clerk=clerk, county=county, client=client, ids=ids, i=0)
    from jijinan.cases.queues import selectors as queues

    queue = queues.case_queue_for_user(user=clerk)
    overdue = queues.case_overdue_for_user(user=county, filters=queues.QueueFilters(region=COUNTY))
    print(f"  cases: {CaseModel.objects.count():,}; the clerk's queue: {queue.count():,}; "
          f"玄武区 overdue: {overdue.count():,}", file=sys.stderr)


def by_pk() -> None:
    from jijinan.cases.models import Case as CaseModel

    state["i"] += 1
    rows = list(CaseModel.objects.filter(pk=state["ids"][state["i"] % len(state["ids"])]))
    assert len(rows) == 1


def _page(queryset: Any) -> None:
    count = queryset.count()
    rows = list(queryset[:PAGE])
    assert count >= len(rows) > 0


def queue_selector() -> None:
    from jijinan.cases.queues import selectors as queues

    _page(queues.case_queue_for_user(user=state["clerk"]))


def overdue_selector() -> None:
    from jijinan.cases.queues import selectors as queues

    _page(queues.case_overdue_for_user(user=state["county"], filters=queues.QueueFilters(region=COUNTY)))


def queue_page() -> None:
    response = state["client"].get("/cases/queue/")
    assert response.status_code == 200 and b"data-case=" in response.content


CASES = [
    Case("case_by_pk", by_pk, setup=prepare, repeat=200, warmup=20, unit="query"),
    Case("clerk_queue_selector", queue_selector, baseline="case_by_pk", repeat=50, warmup=5, unit="count+page"),
    Case("county_overdue_selector", overdue_selector, baseline="case_by_pk", repeat=50, warmup=5,
         unit="count+page"),
    Case("clerk_queue_page", queue_page, baseline="case_by_pk", repeat=20, warmup=3, unit="request"),
]
