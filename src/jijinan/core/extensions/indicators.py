"""Indicators: the figures supervisors and leaders read, each registered by the app that owns
its records, with a written definition shown beside it.

An indicator counts or measures records of one app over a region subtree and a period; the
supervision pages (and the monthly report) list whatever is registered, so enrollment, active
discovery and early warning add theirs later without touching those pages. ``compute`` reads
the owner's records directly: scoping is by the region prefix it is given, which the caller
takes from the user's grants.

The contract: ``compute(query: IndicatorQuery) -> dict[str, IndicatorValue]``. The query names a
region subtree (``prefix``: the leading digits of the 12-digit region codes counted), a period
``[start, end)`` of aware instants, and ``group_digits``: None for one figure over the whole
subtree (the answer has the single key ``""``), or the number of leading digits of the region code
to group by (the child level's prefix length, ``regions.choices.PREFIX_LENGTH``), then the keys are
those group prefixes. A group with nothing counted may be left out (the caller reads it as no
records). An indicator answers every group in one query (never one query per region); ``count_by_group``
and ``group_expression`` below serve the common "count by the leading digits of a region code" shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db.models import Count, F, QuerySet, Sum, Value
from django.db.models.functions import Substr
from django.utils.functional import Promise


class IndicatorUnit(StrEnum):
    COUNT = "count"  # a number of records
    SHARE = "share"  # a fraction of 1, shown as a percentage
    FEN = "fen"  # money in fen, shown in 元
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    HOURS = "hours"


@dataclass(frozen=True)
class IndicatorQuery:
    prefix: str  # the region subtree: leading digits of the region codes counted
    start: datetime  # the period [start, end)
    end: datetime
    group_digits: int | None = None  # None: the whole subtree (key ""); else group by this many digits

    def key(self, code: str) -> str:
        """The group a region code falls in."""
        return "" if self.group_digits is None else code[:self.group_digits]


@dataclass(frozen=True)
class IndicatorValue:
    value: float | int | None  # None: nothing to measure in the period (no records)
    breakdown: dict[str, float | int] | None = None  # by channel, category … where the definition says


@dataclass(frozen=True)
class Indicator:
    code: str  # "<app>.<name>", unique
    title: str | Promise
    definition: str | Promise  # what is counted, from which records, by which clock
    unit: IndicatorUnit
    owner: str  # the app that owns the records
    # The values over the query's period in its subtree, by group (see the module docstring).
    compute: Callable[[IndicatorQuery], dict[str, IndicatorValue]]
    per_10k_residents: bool = False  # shown per 10,000 residents too, where population is known


_indicators: dict[str, Indicator] = {}


def register_indicator(indicator: Indicator) -> None:
    if indicator.code in _indicators and _indicators[indicator.code] != indicator:
        raise ValueError(f"indicator {indicator.code!r} is registered twice")
    _indicators[indicator.code] = indicator


def indicators() -> list[Indicator]:
    return sorted(_indicators.values(), key=lambda i: i.code)


def indicator(code: str) -> Indicator:
    try:
        return _indicators[code]
    except KeyError:
        raise KeyError(f"indicator {code!r} is not registered") from None


def group_expression(query: IndicatorQuery, code_field: str) -> Any:
    """The group key of a row as an SQL expression: the leading digits of its region code."""
    if query.group_digits is None:
        return Value("")
    return Substr(F(code_field), 1, query.group_digits)


def grouped_rows(queryset: QuerySet[Any], query: IndicatorQuery, code_field: str, *by: str,
                 total: str | None = None) -> list[tuple[Any, ...]]:
    """One grouped aggregate over the rows of ``queryset`` in the query's subtree: tuples of
    (group key, *``by`` values, count or the sum of ``total``)."""
    rows = queryset.filter(**{f"{code_field}__startswith": query.prefix}).annotate(
        indicator_group=group_expression(query, code_field))
    measure = Sum(total) if total is not None else Count("pk")
    return list(rows.values_list("indicator_group", *by).annotate(indicator_n=measure).order_by())


def count_by_group(queryset: QuerySet[Any], query: IndicatorQuery, code_field: str, *,
                   breakdown: str | None = None, label: Callable[[Any], str] = str,
                   total: str | None = None) -> dict[str, IndicatorValue]:
    """Count (or sum ``total`` of) the rows of ``queryset`` by group, with a breakdown by the field
    ``breakdown`` (its values shown through ``label``), in one query."""
    values: dict[str, int] = {}
    parts: dict[str, dict[str, int]] = {}
    for row in grouped_rows(queryset, query, code_field, *([breakdown] if breakdown else []), total=total):
        group, n = row[0], int(row[-1] or 0)
        values[group] = values.get(group, 0) + n
        if breakdown:
            name = label(row[1])
            parts.setdefault(group, {})[name] = parts.get(group, {}).get(name, 0) + n
    if query.group_digits is None:
        values.setdefault("", 0)
    return {g: IndicatorValue(value=v, breakdown=dict(sorted(parts.get(g, {}).items())) if breakdown else None)
            for g, v in values.items()}


def share(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole
