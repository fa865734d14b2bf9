"""Indicators: the figures supervisors and leaders read, each registered by the app that owns
its records, with a written definition shown beside it.

An indicator counts or measures records of one app over a region subtree and a period; the
supervision pages (and the monthly report) list whatever is registered, so enrollment, active
discovery and early warning add theirs later without touching those pages. ``compute`` reads
the owner's records directly: scoping is by the region prefix it is given, which the caller
takes from the user's grants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils.functional import Promise


class IndicatorUnit(StrEnum):
    COUNT = "count"  # a number of records
    SHARE = "share"  # a fraction of 1, shown as a percentage
    FEN = "fen"  # money in fen, shown in 元
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"
    HOURS = "hours"


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
    # (region code prefix, start, end) → the value over [start, end) in that subtree.
    compute: Callable[[str, datetime, datetime], IndicatorValue]
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
