"""The deadlines board at scale: the province-wide board (counts by city) and a county's board
(counts by township), each against the hand-written SQL for the same counts in the same run.

The size comes from JIJINAN_BENCH_SUPERVISION_CASES (default 1,000,000 on PostgreSQL, 20,000 on
SQLite so `make bench` stays short): that many cases in the townships of 江苏省 and three department
tasks each, generated once and kept, each with its deadline in the one deadline table (so 4 × N
deadlines). The rows are written by ``INSERT … SELECT`` over ``generate_series`` (a recursive
counter on SQLite), every column the model requires filled from its default. Of the deadlines, 80 %
were met; the open ones fall between twenty days ago and twenty days ahead (the past ones marked
breached, as the sweep would), one in fifty paused; a case's deadline is owned by one of 2,000
township staff, a task's by its office (and half of them by a handler as well).
"""

# The SQL here is built from this module's constants and the models' table names, never from input.
# ruff: noqa: S608

from __future__ import annotations

import json
import os
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.test import Client
from django.utils import timezone

from benchlib import Case

POSTGRES = connection.vendor == "postgresql"
DEFAULT = 1_000_000 if POSTGRES else 20_000
CASES_N = int(os.environ.get("JIJINAN_BENCH_SUPERVISION_CASES", str(DEFAULT)))
TASKS_PER_CASE = 3
PREFIX = "BSUP-"
PROVINCE = "320000000000"
COUNTY = "320102000000"  # 玄武区
STAFF = 2_000
DEPARTMENTS = ["medical_security", "health", "education"]
JIANGSU = Path(__file__).resolve().parent.parent / "src/jijinan/regions/data/regions-jiangsu.csv"
CHUNK = 250_000

state: dict[str, Any] = {}


# --- generation --------------------------------------------------------------------------------------


def _series(first: int, last: int) -> str:
    """A relation ``s(g)`` counting first..last."""
    if POSTGRES:
        return f"generate_series({first}, {last}) AS s(g)"
    return (f"(WITH RECURSIVE c(g) AS (SELECT {first} UNION ALL SELECT g + 1 FROM c WHERE g < {last}) "
            f"SELECT g FROM c) AS s")


def _shift(seconds: str) -> str:
    """The run's instant (parameter %(now)s) moved by ``seconds`` (an SQL integer expression)."""
    if POSTGRES:
        return f"(%(now)s::timestamptz + ({seconds}) * interval '1 second')"
    return f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', %(now)s, ({seconds}) || ' seconds')"


def _insert(model: type[models.Model], overrides: dict[str, str], source: str, params: dict[str, Any]) -> None:
    """INSERT … SELECT: the columns in ``overrides`` from their SQL expressions, every other column the
    database requires from the model field's default."""
    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.name not in overrides:
            continue
        if f.name in overrides or f.attname in overrides:
            columns.append(connection.ops.quote_name(f.column))
            values.append(overrides.get(f.name) or overrides[f.attname])
            continue
        if f.null:
            continue
        default = f.get_default()
        if default is None and not f.has_default():
            raise ValueError(f"{model.__name__}.{f.name} needs a value")
        key = f"d_{f.column}"
        params[key] = f.get_db_prep_save(default, connection)
        columns.append(connection.ops.quote_name(f.column))
        values.append(f"%({key})s")
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _lookup_table(name: str, values: list[int]) -> None:
    """A scratch table ``name(i, v)`` numbering the ids the generator picks from by ``g % len``."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TABLE {name} (i integer PRIMARY KEY, v integer)")
        for start in range(0, len(values), 1000):
            chunk = list(enumerate(values))[start:start + 1000]
            cursor.execute(f"INSERT INTO {name} (i, v) VALUES " + ", ".join(["(%s, %s)"] * len(chunk)),
                           [x for row in chunk for x in row])


def _open_state(g: str) -> dict[str, str]:
    """Met (80 %), else due between −20 and +20 days, breached when past, one in fifty paused."""
    met = f"({g}) %% 10 < 8"
    offset = f"((({g}) * 7919) %% 3456000 - 1728000)"  # −20 … +20 days, in seconds
    due = _shift(offset)
    return {
        "due_at": due,
        "met_at": f"CASE WHEN {met} THEN {_shift('-3600')} END",
        "breached_at": f"CASE WHEN NOT ({met}) AND {offset} < 0 THEN {due} END",
        "paused_at": f"CASE WHEN NOT ({met}) AND ({g}) %% 50 = 9 THEN {_shift('-86400')} END",
    }


def _generate() -> None:
    from jijinan.accounts.choices import OrganisationKind
    from jijinan.accounts.models import DepartmentType, Organisation, User
    from jijinan.cases.models import Case as CaseModel
    from jijinan.core.models import Deadline
    from jijinan.referrals.models import Task
    from jijinan.regions.models import Region

    have = CaseModel.objects.filter(number__startswith=PREFIX).count()
    if have >= CASES_N:
        return
    started = time.perf_counter()
    townships = list(Region.objects.filter(level="township", code__startswith="32").order_by("code")
                     .values_list("pk", flat=True))
    types = {t.code: t for t in DepartmentType.objects.filter(code__in=DEPARTMENTS)}
    offices = []
    for county in Region.objects.filter(level="county", code__startswith="32").order_by("code"):
        for code in DEPARTMENTS:
            office, _created = Organisation.objects.get_or_create(
                kind=OrganisationKind.DEPARTMENT_OFFICE, region=county, department_type=types[code],
                defaults={"name": f"{county.name}{types[code].name}（督查基准）"})
            offices.append(office.pk)
    existing = set(User.objects.filter(username__startswith="bsup_").values_list("username", flat=True))
    User.objects.bulk_create([User(username=f"bsup_{i:04d}", full_name=f"督查基准{i:04d}")
                              for i in range(STAFF) if f"bsup_{i:04d}" not in existing])
    staff = list(User.objects.filter(username__startswith="bsup_").order_by("username").values_list("pk", flat=True))
    _lookup_table("bench_sup_township", townships)
    _lookup_table("bench_sup_staff", staff)
    _lookup_table("bench_sup_office", offices)
    n_town, n_staff, n_office = len(townships), len(staff), len(offices)
    now = timezone.now()
    text = "varchar(20)" if POSTGRES else "TEXT"
    cases, tasks = CaseModel._meta.db_table, Task._meta.db_table
    regions, orgs = Region._meta.db_table, Organisation._meta.db_table
    three = "(SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) AS ks"
    for low in range(have, CASES_N, CHUNK):
        high = min(CASES_N, low + CHUNK) - 1
        with transaction.atomic():
            last_case = CaseModel.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            last_task = Task.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            _insert(CaseModel, {
                "number": f"'{PREFIX}' || g", "stage": "'approved'", "channel": "'window'",
                "handling_region": f"(SELECT v FROM bench_sup_township WHERE i = g %% {n_town})",
                "subject_kind": "'unidentified'", "subject_name": "'基准对象'", "event_at": "%(now)s",
                "description": "'基准'", "created_at": _shift("-(g %% 300) * 86400"), "updated_at": "%(now)s",
            }, _series(low, high), {"now": now})
            # A case's stage deadline, in its township, owned by one of the township staff.
            _insert(Deadline, {
                "subject_type": "'cases.case'", "subject_id": f"CAST(g AS {text})", "kind": "'cases.stage.review'",
                "region_code": "code", "owner_user": f"(SELECT v FROM bench_sup_staff WHERE i = g %% {n_staff})",
                "started_at": _shift("-864000"), "unit": "'working_days'", "limit": "5",
                "counted_from": _shift("-864000"), "counted_units": "5", "created_at": "%(now)s",
                **_open_state("g"),
            }, f"(SELECT c.id AS g, r.code AS code FROM {cases} c JOIN {regions} r ON r.id = c.handling_region_id "
               f"WHERE c.id > {last_case}) AS s", {"now": now})
            # Three tasks a case, each to a department office of a county.
            _insert(Task, {
                "case": "cid", "sequence": "k + 1",
                "office": f"(SELECT v FROM bench_sup_office WHERE i = (cid * 3 + k) %% {n_office})",
                "status": "CASE WHEN (cid * 3 + k) %% 10 < 8 THEN 'completed' ELSE 'accepted' END",
                "description": "'基准任务'", "required_result": "'结果'", "created_at": "%(now)s",
                "last_activity_at": "%(now)s",
            }, f"(SELECT c.id AS cid, ks.k AS k FROM {cases} c CROSS JOIN {three} WHERE c.id > {last_case}) AS ts",
                {"now": now})
            # A task's deadline, in its office's region, owned by the office (half of them by a handler too).
            _insert(Deadline, {
                "subject_type": "'referrals.task'", "subject_id": f"CAST(t AS {text})", "kind": "'referrals.task'",
                "region_code": "code", "owner_organisation": "oid",
                "owner_user": f"CASE WHEN t %% 2 = 0 THEN (SELECT v FROM bench_sup_staff WHERE i = t %% {n_staff}) END",
                "started_at": _shift("-864000"), "unit": "CASE WHEN t %% 7 = 0 THEN 'hours' ELSE 'working_days' END",
                "limit": "5", "counted_from": _shift("-864000"), "counted_units": "5", "created_at": "%(now)s",
                **_open_state("t"),
            }, f"(SELECT tk.id AS t, tk.office_id AS oid, r.code AS code FROM {tasks} tk "
               f"JOIN {orgs} o ON o.id = tk.office_id JOIN {regions} r ON r.id = o.region_id "
               f"WHERE tk.id > {last_task}) AS ts", {"now": now})
        print(f"  {high + 1:,} cases ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    with connection.cursor() as cursor:
        for table in ("core_deadline", "cases_case", "referrals_task", "accounts_user", "accounts_organisation"):
            cursor.execute(f"VACUUM ANALYZE {table}" if POSTGRES else "ANALYZE")
    print(f"  generated {CASES_N:,} cases, {CASES_N * TASKS_PER_CASE:,} tasks and their deadlines in "
          f"{time.perf_counter() - started:.0f} s", file=sys.stderr)


def prepare() -> None:
    if state:
        return
    from django.apps import apps

    from jijinan.accounts.models import Grant, User
    from jijinan.core.permissions import Role
    from jijinan.policy.models import ParameterDefinition
    from jijinan.policy.services import parameters_load_json
    from jijinan.regions.models import Region
    from jijinan.regions.services import regions_load_csv

    if not Region.objects.filter(code=PROVINCE).exists():
        regions_load_csv(text=JIANGSU.read_text(encoding="utf-8"), valid_from=date(2022, 10, 31), source="bench")
    from importlib import import_module

    import_module("jijinan.accounts.migrations.0003_default_department_types").seed(apps, None)
    if not ParameterDefinition.objects.filter(name="case_handling.supervision_board_horizon").exists():
        defaults = JIANGSU.parent.parent.parent / "policy/data/defaults.json"
        data = json.loads(defaults.read_text(encoding="utf-8"))
        known = set(ParameterDefinition.objects.values_list("name", flat=True))
        data["definitions"] = [p for p in data["definitions"] if p["name"] not in known]
        parameters_load_json(actor=None, text=json.dumps(data, ensure_ascii=False), source="bench")
    _generate()
    users = {}
    for name, role, code in (("province", Role.SUPERVISOR, PROVINCE), ("county", Role.SUPERVISOR, COUNTY)):
        user, _created = User.objects.get_or_create(username=f"bench_board_{name}", defaults={"full_name": "督查"})
        Grant.objects.get_or_create(user=user, role=role, region=Region.objects.get(code=code))
        users[name] = user
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(users["county"])
    state.update(users=users, client=client, now=timezone.now())
    from jijinan.core.models import Deadline

    print(f"  deadlines: {Deadline.objects.count():,}", file=sys.stderr)


# --- the cases -----------------------------------------------------------------------------------------


def _board(name: str, code: str) -> Any:
    from jijinan.accounts.scopes import forget_grant_scopes
    from jijinan.supervision.board import selectors

    user = state["users"][name]
    forget_grant_scopes(user)  # the grants read again, as on each request
    board = selectors.board_for_user(user=user, filters=selectors.BoardFilters(region=code), group="region",
                                     now=state["now"])
    assert board.groups
    state.setdefault(f"board_{name}", (board.overdue, board.due_today, board.total))
    return board


def _sql(code: str, length: int) -> list[tuple[Any, ...]]:
    from jijinan.supervision.board import selectors

    window = selectors.board_window(region_code=code, now=state["now"])
    prefix = code[:2] if length == 4 else code[:6]
    sql = """
        SELECT substr(region_code, 1, %s) AS g,
               SUM(CASE WHEN breached_at IS NOT NULL OR due_at < %s THEN 1 ELSE 0 END),
               SUM(CASE WHEN breached_at IS NULL AND due_at >= %s AND due_at <= %s THEN 1 ELSE 0 END),
               COUNT(*)
          FROM core_deadline
         WHERE met_at IS NULL AND cancelled_at IS NULL
           AND (breached_at IS NOT NULL OR (paused_at IS NULL AND due_at <= %s))
           AND region_code LIKE %s
         GROUP BY 1"""
    now = state["now"]
    params: list[Any] = [length, now, now, window.today_end, window.horizon_end, prefix + "%"]
    if not POSTGRES:
        params = [p.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(p, datetime) else p
                  for p in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    assert rows
    return rows


def sql_province() -> None:
    rows = _sql(PROVINCE, 4)
    totals = (sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows))
    if "board_province" in state:
        assert totals == state["board_province"], (totals, state["board_province"])


def board_province() -> None:
    _board("province", PROVINCE)


def sql_county() -> None:
    rows = _sql(COUNTY, 9)
    totals = (sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows))
    if "board_county" in state:
        assert totals == state["board_county"], (totals, state["board_county"])


def sql_county_names() -> None:
    """The county's counts by township with the names the board shows (the county, those above it
    and its townships), by hand in one statement: for information, beside the counts-only baseline."""
    from jijinan.supervision.board import selectors

    window = selectors.board_window(region_code=COUNTY, now=state["now"])
    sql = """
        SELECT substr(region_code, 1, 9),
               SUM(CASE WHEN breached_at IS NOT NULL OR due_at < %s THEN 1 ELSE 0 END),
               SUM(CASE WHEN breached_at IS NULL AND due_at >= %s AND due_at <= %s THEN 1 ELSE 0 END),
               COUNT(*), NULL
          FROM core_deadline
         WHERE met_at IS NULL AND cancelled_at IS NULL
           AND (breached_at IS NOT NULL OR (paused_at IS NULL AND due_at <= %s))
           AND region_code LIKE %s
         GROUP BY 1
        UNION ALL
        SELECT code, NULL, NULL, NULL, name FROM regions_region
         WHERE code IN (%s, %s, %s) OR (level = 'township' AND code >= %s AND code <= %s)"""
    now = state["now"]
    params: list[Any] = [now, now, window.today_end, window.horizon_end, COUNTY[:6] + "%",
                         PROVINCE, COUNTY[:4] + "00000000", COUNTY, COUNTY[:6] + "000000", COUNTY[:6] + "999999"]
    if not POSTGRES:
        params = [p.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(p, datetime) else p
                  for p in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    assert any(r[4] for r in rows) and any(r[1] is not None for r in rows)


def board_county() -> None:
    _board("county", COUNTY)


def counts_county() -> None:
    """The county board's grouped aggregate and its labels alone (the user's region, grants and
    window read once beforehand): what the board adds to the SQL for the counts themselves."""
    from jijinan.supervision.board import selectors

    if "county_parts" not in state:
        user = state["users"]["county"]
        region, _crumbs = selectors.board_region(user=user, code=COUNTY)
        window = selectors.board_window(region_code=COUNTY, now=state["now"])
        state["county_parts"] = (user, region, window)
    user, region, window = state["county_parts"]
    rows = selectors.board_deadlines(user=user, region=region, filters=selectors.BoardFilters(), window=window)
    assert selectors.board_counts(rows=rows, group="region", region=region, window=window)


def board_page_county() -> None:
    response = state["client"].get("/supervision/board/")
    assert response.status_code == 200 and b"board-row" in response.content


CASES = [
    Case("board_sql_province", sql_province, setup=prepare, repeat=20, warmup=3),
    Case("board_province", board_province, baseline="board_sql_province", repeat=20, warmup=3),
    Case("board_check_province", sql_province, baseline="board_sql_province", repeat=1, warmup=0),
    Case("board_sql_county", sql_county, repeat=30, warmup=3),
    Case("board_sql_names_county", sql_county_names, baseline="board_sql_county", repeat=30, warmup=3),
    Case("board_county", board_county, baseline="board_sql_county", repeat=30, warmup=3),
    Case("board_check_county", sql_county, baseline="board_sql_county", repeat=1, warmup=0),
    Case("board_counts_county", counts_county, baseline="board_sql_county", repeat=30, warmup=3),
    Case("board_page_county", board_page_county, baseline="board_sql_county", repeat=20, warmup=3, unit="page"),
]
