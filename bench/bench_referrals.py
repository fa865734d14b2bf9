"""Department tasks at scale: an office's queue (count + first page, and the page through the test
client), a case's tasks panel, the close guard, and the idle sweep, against the cheapest indexed
read of the same table (``Task.objects.filter(pk=…)``) in the same run.

The size comes from JIJINAN_BENCH_TASKS (default 300,000 on PostgreSQL, 6,000 on SQLite so
`make bench` stays short). Tasks are generated once and kept: one case per two tasks, in the
townships of 南京市; each task goes to one of 6 department offices of each of 南京市's districts
(about 2,400 tasks an office at 300,000); 70 % are completed, the open ones carry a deadline
between ten days ago and twenty days ahead, and one accepted task in twenty ran out long ago with
no activity since (the idle sweep's candidates).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from benchlib import Case

DEFAULT = 300_000 if connection.vendor == "postgresql" else 6_000
TASKS_N = int(os.environ.get("JIJINAN_BENCH_TASKS", str(DEFAULT)))
PREFIX = "BREF-"
CITY = "320100000000"
XUANWU = "320102000000"
DEPARTMENTS = ["medical_security", "health", "education", "housing", "human_resources", "disabled_persons_federation"]
BATCH = 5_000
JIANGSU = Path(__file__).resolve().parent.parent / "src/jijinan/regions/data/regions-jiangsu.csv"

state: dict[str, Any] = {}


def _offices() -> list[Any]:
    from jijinan.accounts.choices import OrganisationKind
    from jijinan.accounts.models import DepartmentType, Organisation
    from jijinan.regions.models import Region

    offices = []
    types = {t.code: t for t in DepartmentType.objects.filter(code__in=DEPARTMENTS)}
    for county in Region.objects.filter(level="county", code__startswith=CITY[:4]).order_by("code"):
        for code in DEPARTMENTS:
            office, _ = Organisation.objects.get_or_create(
                kind=OrganisationKind.DEPARTMENT_OFFICE, region=county, department_type=types[code],
                defaults={"name": f"{county.name}{types[code].name}（基准）"})
            offices.append(office)
    return offices


def _generate(offices: list[Any]) -> None:
    from jijinan.cases.models import Case as CaseModel
    from jijinan.core.models import Deadline
    from jijinan.referrals.models import Task
    from jijinan.regions.models import Region

    existing = Task.objects.filter(case__number__startswith=PREFIX).count()
    if existing >= TASKS_N:
        return
    townships = list(Region.objects.filter(level="township", code__startswith=CITY[:4]).order_by("code"))
    by_county: dict[str, list[Any]] = {}
    for o in offices:
        by_county.setdefault(o.region.code[:6], []).append(o)
    rng = random.Random(20261129)
    now = timezone.now()
    started = time.perf_counter()
    made = 0
    while made < TASKS_N:
        with transaction.atomic():
            cases = CaseModel.objects.bulk_create([
                CaseModel(number=f"{PREFIX}{made + i:09d}", stage="approved", channel="window",
                          handling_region=townships[(made + i) % len(townships)], subject_kind="unidentified",
                          subject_name="基准对象", event_at=now, description="基准", needs=["medical", "education"],
                          created_at=now - timedelta(days=rng.randrange(1, 300)))
                for i in range(0, BATCH, 2)])
            tasks, deadlines = [], []
            for case in cases:
                county_offices = by_county.get(case.handling_region.code[:6]) or offices
                for sequence in (1, 2):
                    office = county_offices[rng.randrange(len(county_offices))]
                    done = rng.random() < 0.7
                    status = "completed" if done else rng.choice(["pending", "accepted", "accepted", "returned"])
                    created = now - timedelta(days=rng.randrange(0, 30))
                    due = now + timedelta(days=rng.randrange(-10, 20))
                    idle = status == "accepted" and rng.random() < 0.05
                    deadlines.append(Deadline(
                        subject_type="referrals.task", subject_id="0", kind="referrals.task",
                        region_code=office.region.code, owner_organisation=office, started_at=created,
                        unit="working_days", limit=5, due_at=due, counted_from=created, counted_units=5,
                        met_at=now if done else None, breached_at=due if (idle or (not done and due < now)) else None))
                    last = created - timedelta(days=30) if idle else created
                    tasks.append(Task(case=case, sequence=sequence, office=office, status=status,
                                      description="基准任务", required_result="结果", created_at=created,
                                      last_activity_at=last, completed_at=now if done else None,
                                      # as the services set it (2 working days ≈ 2 days; the sweep corrects it)
                                      idle_at=max(due, last + timedelta(days=2)) if status == "accepted" else None))
            Deadline.objects.bulk_create(deadlines)
            for task, deadline in zip(tasks, deadlines, strict=True):
                task.deadline = deadline
            Task.objects.bulk_create(tasks)
        made += len(tasks)
        if made % 50_000 < BATCH:
            print(f"  {made:,} tasks ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    with connection.cursor() as cursor:
        for table in ("referrals_task", "core_deadline", "cases_case"):
            cursor.execute(f"VACUUM ANALYZE {table}" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"  generated {made:,} tasks in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def prepare() -> None:
    if state:
        return
    from jijinan.accounts.models import Grant, User
    from jijinan.core.permissions import Role
    from jijinan.referrals import selectors
    from jijinan.referrals.models import Task
    from jijinan.regions.models import Region
    from jijinan.regions.services import regions_load_csv

    if not Region.objects.filter(code=CITY).exists():
        regions_load_csv(text=JIANGSU.read_text(encoding="utf-8"), valid_from=date(2022, 10, 31), source="bench")
    from importlib import import_module

    from django.apps import apps

    import_module("jijinan.accounts.migrations.0003_default_department_types").seed(apps, None)
    from jijinan.policy.models import ParameterDefinition
    from jijinan.policy.services import parameters_load_json

    if not ParameterDefinition.objects.filter(name="case_handling.task_idle_limit").exists():
        defaults = JIANGSU.parent.parent.parent / "policy/data/defaults.json"
        data = json.loads(defaults.read_text(encoding="utf-8"))
        known = set(ParameterDefinition.objects.values_list("name", flat=True))
        data["definitions"] = [p for p in data["definitions"] if p["name"] not in known]
        parameters_load_json(actor=None, text=json.dumps(data, ensure_ascii=False), source="bench")
    offices = _offices()
    _generate(offices)
    office = next(o for o in offices if o.region.code == XUANWU and o.department_type.code == "medical_security")
    handler, _ = User.objects.get_or_create(username="bench_referrals_handler", defaults={"full_name": "医保"})
    Grant.objects.get_or_create(user=handler, role=Role.DEPARTMENT_HANDLER, region=office.region,
                                department_type=office.department_type)
    reviewer, _ = User.objects.get_or_create(username="bench_referrals_reviewer", defaults={"full_name": "审核"})
    Grant.objects.get_or_create(user=reviewer, role=Role.TOWNSHIP_REVIEWER, region=Region.objects.get(code=XUANWU))
    handler_client = Client(HTTP_HOST="127.0.0.1")
    handler_client.force_login(handler)
    reviewer_client = Client(HTTP_HOST="127.0.0.1")
    reviewer_client.force_login(reviewer)
    ids = list(Task.objects.filter(case__number__startswith=PREFIX).order_by("id").values_list("id", flat=True)
               [:: max(1, TASKS_N // 1000)])
    case = Task.objects.filter(office=office).select_related("case").first().case  # type: ignore[union-attr]
    state.update(handler=handler, client=handler_client, reviewer_client=reviewer_client, ids=ids, i=0, case=case)
    from jijinan.referrals.deflection import services as deflection

    started = time.perf_counter()
    raised = deflection.sweep_idle(batch=TASKS_N)  # the idle tasks of the generated data, flagged once
    if raised:
        print(f"  idle flags raised: {raised:,} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    queue = selectors.office_tasks(user=handler, status="open")
    print(f"  tasks: {Task.objects.count():,}; 玄武区医保's open queue: {queue.count():,}; "
          f"all of it: {selectors.office_tasks(user=handler, status='all').count():,}", file=sys.stderr)


def by_pk() -> None:
    from jijinan.referrals.models import Task

    state["i"] += 1
    assert len(list(Task.objects.filter(pk=state["ids"][state["i"] % len(state["ids"])]))) == 1


def queue_selector() -> None:
    from jijinan.referrals import selectors

    queryset = selectors.office_tasks(user=state["handler"], status="open")
    count = queryset.count()
    rows = list(queryset[:50])
    assert count >= len(rows) > 0


def queue_page() -> None:
    response = state["client"].get("/referrals/office/")
    assert response.status_code == 200 and b"office-task-row" in response.content


def case_panel() -> None:
    response = state["reviewer_client"].get(f"/referrals/cases/{state['case'].pk}/panel/")
    assert response.status_code == 200 and b"task-row" in response.content


def close_guard() -> None:
    from jijinan.referrals.services import open_tasks_block_closing

    open_tasks_block_closing(state["case"])


def idle_sweep() -> None:
    """The periodic sweep once every idle task is flagged (the setup flagged those of the
    generated data): what it costs every ten minutes when nothing new went idle."""
    from jijinan.referrals.deflection import services as deflection

    deflection.sweep_idle()


CASES = [
    Case("task_by_pk", by_pk, setup=prepare, repeat=200, warmup=20, unit="query"),
    Case("office_queue_selector", queue_selector, baseline="task_by_pk", repeat=50, warmup=5, unit="count+page"),
    Case("office_queue_page", queue_page, baseline="task_by_pk", repeat=20, warmup=3, unit="request"),
    Case("case_tasks_panel", case_panel, baseline="task_by_pk", repeat=50, warmup=5, unit="request"),
    Case("close_guard", close_guard, baseline="task_by_pk", repeat=100, warmup=10, unit="query"),
    Case("idle_sweep_steady", idle_sweep, baseline="task_by_pk", repeat=20, warmup=2, unit="sweep"),
]
