"""Policy parameters: 1,000 cached ``value()`` lookups against 1,000 reads of a plain dict holding the
same answers, and against 1,000 bare SQL queries for the same rows; a region's whole list of values;
a cold load of every table."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from django.db import connection

from benchlib import Case
from jijinan.policy.lookup import all_tables, policy_cache_invalidate, value, values_in_force
from jijinan.policy.models import ParameterDefinition, ParameterVersion
from jijinan.policy.services import VersionInput, parameter_version_add, parameters_load_json
from jijinan.regions.models import Region
from jijinan.regions.services import regions_load_csv

ROOT = Path(__file__).resolve().parent.parent / "src/jijinan"
N = 1000
# A county with its own version, a street under it, a street of another county, another city.
REGIONS = ["320102000000", "320102002000", "320106001000", "320213000000", "320100000000"]
NAMES = ["dibao.standard_monthly", "temporary_assistance.township_ceiling", "temporary_assistance.aid_limit",
         "medical_assistance.rate_dibao_tekun", "temporary_assistance.band_expense_medical"]
QUERIES: list[tuple[str, str, date]] = []
ANSWERS: dict[tuple[str, str, date], int] = {}

SQL = """
SELECT v.id, v.value FROM policy_parameterversion v
JOIN policy_parameterdefinition d ON d.id = v.definition_id
JOIN regions_region r ON r.id = v.region_id
WHERE d.name = %s AND r.code IN (%s, %s, %s) AND v.withdrawn_at IS NULL
  AND v.effective_from <= %s AND (v.effective_to IS NULL OR v.effective_to > %s)
ORDER BY r.code DESC LIMIT 1
"""


def setup() -> None:
    if not Region.objects.exists():
        regions_load_csv(text=(ROOT / "regions/data/regions-jiangsu.csv").read_text(encoding="utf-8"),
                         valid_from=date(2022, 10, 31), source="bench")
    if not ParameterDefinition.objects.exists():
        parameters_load_json(actor=None, text=(ROOT / "policy/data/defaults.json").read_text(encoding="utf-8"),
                             source="bench")
    if not ParameterVersion.objects.filter(region__code="320102000000").exists():
        # Overrides and a history, so that lookups walk a chain and bisect several periods.
        for years, fen in enumerate((96000, 97000, 98000)):
            parameter_version_add(actor=None, name="dibao.standard_monthly", data=VersionInput(
                region_code="320102000000", value=fen, effective_from=date(2022 + years, 1, 1),
                citation="bench", backdate=True))
    rng = random.Random(7)
    QUERIES.clear()
    for _ in range(N):
        QUERIES.append((rng.choice(NAMES), rng.choice(REGIONS), date(2022, 1, 1) + timedelta(days=rng.randrange(1500))))
    policy_cache_invalidate()
    for q in QUERIES:
        ANSWERS[q] = value(*q).version_id


def dict_lookups() -> None:
    """The baseline: the same 1,000 answers from a dict keyed by (name, region, day)."""
    answers = ANSWERS
    for q in QUERIES:
        answers[q]


def value_lookups() -> None:
    for name, region, day in QUERIES:
        value(name, region, day)


def _chain(code: str) -> tuple[str, str, str]:
    return (code[:6].ljust(12, "0"), code[:4].ljust(12, "0"), code[:2].ljust(12, "0"))


def sql_lookups() -> None:
    """The same 1,000 rows, one bare SQL query each (what an uncached lookup would cost at least)."""
    with connection.cursor() as cursor:
        for name, region, day in QUERIES:
            cursor.execute(SQL, [name, *_chain(region), day, day])
            row = cursor.fetchone()
            assert row[0] == ANSWERS[(name, region, day)]


def region_values() -> None:
    values_in_force("320102002000", date(2025, 6, 1))


def cold_load() -> None:
    policy_cache_invalidate()
    all_tables()


CASES = [
    Case("dict_lookup_x1000", dict_lookups, setup=setup, repeat=200, unit="1,000 lookups"),
    Case("value_x1000", value_lookups, baseline="dict_lookup_x1000", repeat=200, unit="1,000 lookups"),
    Case("sql_x1000", sql_lookups, baseline="dict_lookup_x1000", repeat=20, unit="1,000 queries"),
    Case("values_in_force_region", region_values, baseline="dict_lookup_x1000", repeat=200,
         unit="76 parameters"),
    Case("cold_load_all_tables", cold_load, baseline="dict_lookup_x1000", repeat=30, unit="load"),
]
