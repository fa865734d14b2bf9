"""The automatic 督办 sweep at scale: 10,000 deadlines newly overdue past their grace, in the townships
of 南京市, each owned by its township's civil-affairs office, swept into 10,000 orders (numbers,
orders, answer deadlines, history, audit events and notices), against a bulk insert of the same
10,000 deadline rows measured in the same run (the baseline: the cheapest way to write as many rows).
Then the steady sweep: every matter already chased, nothing to open.

The count comes from JIJINAN_BENCH_ORDERS (default 10,000). Each repetition inserts a fresh set of
deadlines, then sweeps them, so the two cases run once each (target: the sweep under 60 s).
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from benchlib import Case

ORDERS_N = int(os.environ.get("JIJINAN_BENCH_ORDERS", "10000"))
CITY = "320100000000"
BATCH = 2_000
JIANGSU = Path(__file__).resolve().parent.parent / "src/jijinan/regions/data/regions-jiangsu.csv"

state: dict[str, Any] = {}


def prepare() -> None:
    if state:
        return
    from jijinan.accounts.choices import OrganisationKind
    from jijinan.accounts.models import Organisation
    from jijinan.core.calendar.workdays import calendar_snapshot, end_of_day
    from jijinan.policy.models import ParameterDefinition
    from jijinan.policy.services import parameters_load_json
    from jijinan.regions.models import Region
    from jijinan.regions.services import regions_load_csv

    if not Region.objects.filter(code=CITY).exists():
        regions_load_csv(text=JIANGSU.read_text(encoding="utf-8"), valid_from=date(2022, 10, 31), source="bench")
    if not ParameterDefinition.objects.filter(name="case_handling.supervision_order_grace").exists():
        defaults = JIANGSU.parent.parent.parent / "policy/data/defaults.json"
        data = json.loads(defaults.read_text(encoding="utf-8"))
        known = set(ParameterDefinition.objects.values_list("name", flat=True))
        data["definitions"] = [p for p in data["definitions"] if p["name"] not in known]
        parameters_load_json(actor=None, text=json.dumps(data, ensure_ascii=False), source="bench")
    civil = OrganisationKind.CIVIL_AFFAIRS_OFFICE
    offices = []
    for region in Region.objects.filter(code__startswith=CITY[:4], level__in=["city", "county", "township"]
                                        ).order_by("code"):
        office = Organisation.objects.filter(kind=civil, region=region).first() or Organisation.objects.create(
            kind=civil, region=region, name=f"{region.name}民政（基准）")
        if region.level == "township":
            offices.append(office)
    snapshot = calendar_snapshot()
    day = timezone.localdate() - timedelta(days=10)
    while not snapshot.is_working_day(day):
        day -= timedelta(days=1)
    state.update(offices=offices, due=end_of_day(day), round=0)
    print(f"  {len(offices)} township offices", file=sys.stderr)


def insert_overdue() -> None:
    """The baseline: 10,000 overdue deadline rows written with bulk inserts."""
    from jijinan.core.models import Deadline

    prepare()
    state["round"] += 1
    offices, due = state["offices"], state["due"]
    made = 0
    while made < ORDERS_N:
        rows = []
        for i in range(made, min(made + BATCH, ORDERS_N)):
            office = offices[i % len(offices)]
            rows.append(Deadline(
                subject_type="bench.subject", subject_id=f"{state['round']}-{i}", kind="bench.review",
                region_code=office.region.code, owner_organisation=office, started_at=due - timedelta(days=5),
                unit="working_days", limit=5, due_at=due - timedelta(minutes=i % 600),
                counted_from=due - timedelta(days=5), counted_units=5))
        with transaction.atomic():
            Deadline.objects.bulk_create(rows)
        made += len(rows)


def sweep_new() -> None:
    """The sweep over the 10,000 deadlines just inserted: 10,000 orders opened."""
    from jijinan.supervision.orders.sweep import order_sweep

    started = time.perf_counter()
    result = order_sweep()
    took = time.perf_counter() - started
    print(f"  sweep: {result.opened:,} orders opened, {result.escalated} escalated in {took:.1f} s", file=sys.stderr)
    assert result.opened >= ORDERS_N, result


def sweep_steady() -> None:
    """The periodic sweep when every overdue matter already has its order."""
    from jijinan.supervision.orders.sweep import order_sweep

    result = order_sweep()
    assert result.opened == 0, result


CASES = [
    Case("insert_10k_overdue_deadlines", insert_overdue, setup=prepare, repeat=1, warmup=0, unit="10k rows"),
    Case("order_sweep_10k_new", sweep_new, baseline="insert_10k_overdue_deadlines", repeat=1, warmup=0,
         unit="sweep"),
    Case("order_sweep_steady", sweep_steady, baseline="insert_10k_overdue_deadlines", repeat=5, warmup=1,
         unit="sweep"),
]
