"""Registry search at scale: exact ID number (blind index) and the first page of a name, pinyin
and initials search, each through the selector and the HTTP API, against the bare SQL query for
the same rows (a count and the first page, with the same scope condition) in the same run.

The size comes from JIJINAN_BENCH_PERSONS (default 20,000, cheap enough for `make bench` on
SQLite); the persons are generated once and kept, so a second run on the same PostgreSQL database
starts at once: ``JIJINAN_BENCH_PERSONS=1000000 DATABASE_URL=postgres://… python bench/run.py bench_registry``.
The searching user is a supervisor with a grant for 江苏省: the scope condition (the residence
region's code prefix, through the region table) is evaluated on every row, and every generated
person is inside it, so the counts and sorts are the largest the data allows.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client

from benchlib import Case
from jijinan.core.protected import crypto
from jijinan.registry.models import ID_NUMBER_PURPOSE

PERSONS = int(os.environ.get("JIJINAN_BENCH_PERSONS", "20000"))
SCOPE = "320000000000"  # 江苏省
SCOPE_PREFIX = "32"
PAGE = 50
JIANGSU = Path(__file__).resolve().parent.parent / "src/jijinan/regions/data/regions-jiangsu.csv"

state: dict[str, Any] = {}


def prepare() -> None:
    """Regions, N synthetic persons, the searching user, sample ID numbers (once per run)."""
    if state:
        return
    from jijinan.accounts.choices import OrganisationKind
    from jijinan.accounts.models import Grant, Organisation, User
    from jijinan.core.permissions import Role
    from jijinan.regions.models import Region
    from jijinan.regions.services import regions_load_csv
    from jijinan.registry.models import Person
    from jijinan.registry.synthetic import generate_persons

    if not Region.objects.filter(code=SCOPE).exists():
        regions_load_csv(text=JIANGSU.read_text(encoding="utf-8"), valid_from=date(2022, 10, 31), source="bench")
    started = time.perf_counter()

    def progress(line: str) -> None:
        done = int(line.split(": ", 1)[1].split(" /", 1)[0].replace(",", ""))
        if done % 100_000 == 0 or done == PERSONS:
            print(f"  {line} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)

    result = generate_persons(PERSONS, progress=progress)
    if result.created:
        print(f"  generated {result.created:,} persons in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    province = Region.objects.get(code=SCOPE)
    office, _ = Organisation.objects.get_or_create(
        kind=OrganisationKind.CIVIL_AFFAIRS_OFFICE, name="江苏省民政厅（测试）", region=province)
    user, _ = User.objects.get_or_create(username="bench_registry", defaults={"organisation": office})
    Grant.objects.get_or_create(user=user, role=Role.SUPERVISOR, region=province)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    first, last = Person.objects.order_by("id").values_list("id", flat=True)[0], Person.objects.latest("id").pk
    sample = list(Person.objects.filter(pk__in=range(first, last + 1, max(1, (last - first) // 100))))
    numbers = [p.id_number.reveal() for p in sample if p.id_number is not None]
    state.update(user=user, client=client, numbers=itertools.cycle(numbers),
                 total=Person.objects.count())
    print(f"  persons in the database: {state['total']:,}", file=sys.stderr)


# --- exact ID number ---------------------------------------------------------------------------------
COLUMNS = "p.id, p.name, p.sex, p.birth_date, p.id_number, p.temporary_number, r.code, r.name"
JOIN = "registry_person p JOIN regions_region r ON r.id = p.residence_region_id"


def id_sql() -> None:
    index = crypto.blind_index(next(state["numbers"]), purpose=ID_NUMBER_PURPOSE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMNS} FROM {JOIN} WHERE p.id_number_index = %s AND r.prefix LIKE %s",  # noqa: S608
                       [index, SCOPE_PREFIX + "%"])
        assert len(cursor.fetchall()) == 1


def id_selector() -> None:
    from jijinan.registry import selectors

    rows = selectors.person_search_for_user(user=state["user"], search=selectors.PersonSearch(q=next(state["numbers"])))
    views = selectors.person_views(user=state["user"], persons=list(rows[:PAGE]))
    assert len(views) == 1 and str(views[0].person.id_number)


def id_tail_selector() -> None:
    from jijinan.registry import selectors

    rows = selectors.person_search_for_user(user=state["user"], search=selectors.PersonSearch(
        q=next(state["numbers"])[-6:]))
    views = selectors.person_views(user=state["user"], persons=list(rows[:PAGE]))
    assert len(views) >= 1 and all(str(v.person.id_number) for v in views)


def id_api() -> None:
    response = state["client"].get("/api/v1/persons", {"q": next(state["numbers"])})
    assert response.status_code == 200 and response.json()["count"] == 1


# --- name, pinyin, initials: count and first page ---------------------------------------------------------
def _bare_page(where: str, params: list[Any], order: str) -> None:
    scoped = f"{where} AND r.prefix LIKE %s"
    args = [*params, SCOPE_PREFIX + "%"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {JOIN} WHERE {scoped}", args)  # noqa: S608
        count = cursor.fetchone()[0]
        cursor.execute(f"SELECT {COLUMNS} FROM {JOIN} WHERE {scoped} ORDER BY {order} LIMIT {PAGE}", args)  # noqa: S608
        rows = cursor.fetchall()
    assert count >= len(rows) > 0


def name_sql() -> None:
    # 张伟 as code points: the name's starts-with, as the selector asks it.
    _bare_page("p.name_code >= %s AND p.name_code < %s", ["005f20004f1f", "005f20004f20"], "p.name_code, p.id")


def pinyin_sql() -> None:
    _bare_page("p.name_pinyin >= %s AND p.name_pinyin < %s", ["zhangwei", "zhangwej"], "p.name_pinyin, p.id")


def initials_sql() -> None:
    _bare_page("p.name_initials >= %s AND p.name_initials < %s", ["zw", "zx"], "p.name_initials, p.id")


def surname_sql() -> None:
    # 张 alone: about 7 % of everyone, the broadest common query.
    _bare_page("p.name_code >= %s AND p.name_code < %s", ["005f20", "005f21"], "p.name_code, p.id")


def _selector_page(q: str) -> None:
    from jijinan.registry import selectors

    rows = selectors.person_search_for_user(user=state["user"], search=selectors.PersonSearch(q=q))
    count = rows.count()
    views = selectors.person_views(user=state["user"], persons=list(rows[:PAGE]))
    assert count >= len(views) > 0 and all(str(v.person.id_number) for v in views)


def _api_page(q: str) -> None:
    response = state["client"].get("/api/v1/persons", {"q": q, "page_size": PAGE})
    assert response.status_code == 200 and response.json()["items"]


CASES = [
    Case("id_number_sql", id_sql, setup=prepare, repeat=200, warmup=20, unit="query"),
    Case("id_number_selector", id_selector, baseline="id_number_sql", repeat=200, warmup=20, unit="search"),
    Case("id_number_api", id_api, baseline="id_number_sql", repeat=200, warmup=20, unit="request"),
    Case("name_page_sql", name_sql, repeat=50, warmup=5, unit="count+page"),
    Case("name_page_selector", lambda: _selector_page("张伟"), baseline="name_page_sql", repeat=50, warmup=5,
         unit="count+page"),
    Case("name_page_api", lambda: _api_page("张伟"), baseline="name_page_sql", repeat=50, warmup=5,
         unit="request"),
    Case("pinyin_page_sql", pinyin_sql, repeat=50, warmup=5, unit="count+page"),
    Case("pinyin_page_selector", lambda: _selector_page("zhangwei"), baseline="pinyin_page_sql", repeat=50,
         warmup=5, unit="count+page"),
    Case("pinyin_page_api", lambda: _api_page("zhangwei"), baseline="pinyin_page_sql", repeat=50, warmup=5,
         unit="request"),
    Case("surname_page_sql", surname_sql, repeat=50, warmup=5, unit="count+page"),
    Case("surname_page_selector", lambda: _selector_page("张"), baseline="surname_page_sql", repeat=50,
         warmup=5, unit="count+page"),
    Case("initials_page_sql", initials_sql, repeat=50, warmup=5, unit="count+page"),
    Case("initials_page_selector", lambda: _selector_page("zw"), baseline="initials_page_sql", repeat=50,
         warmup=5, unit="count+page"),
    Case("initials_page_api", lambda: _api_page("zw"), baseline="initials_page_sql", repeat=50, warmup=5,
         unit="request"),
    # The last 6 characters of an ID number (partial index; each person read is access-logged) and a
    # given name alone (a second index range beside the name's), against the exact-ID and name baselines.
    Case("id_tail_selector", id_tail_selector, baseline="id_number_sql", repeat=200, warmup=20, unit="search"),
    Case("given_name_page_selector", lambda: _selector_page("建国"), baseline="name_page_sql", repeat=50,
         warmup=5, unit="count+page"),
]
