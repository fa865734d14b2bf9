"""Working-day calendar: adding and counting working days against plain weekday arithmetic."""

from __future__ import annotations

from datetime import date, timedelta

from benchlib import Case
from jijinan.core.calendar.services import calendar_seed
from jijinan.core.calendar.workdays import (
    add_working_days,
    calendar_cache_invalidate,
    calendar_snapshot,
    deadline_at,
    working_days_between,
)

STARTS = [date(2024, 1, 1) + timedelta(days=i * 7) for i in range(52)]  # a start each week of 2024
YEAR = (date(2023, 12, 31), date(2024, 12, 31))


def setup() -> None:
    calendar_seed(years=range(2020, 2028))
    calendar_snapshot()


def weekdays_plain_add_15() -> None:
    """The baseline: the 15th Monday-to-Friday day after each start, no holidays at all."""
    for start in STARTS:
        day, left = start, 15
        while left:
            day += timedelta(days=1)
            if day.weekday() < 5:
                left -= 1


def weekdays_plain_count_year() -> None:
    first, last = YEAR
    n = sum((first + timedelta(days=i)).weekday() < 5 for i in range(1, (last - first).days + 1))
    assert n == 262


def add_15() -> None:
    for start in STARTS:
        add_working_days(start, 15)


def deadline_15() -> None:
    for start in STARTS:
        deadline_at(start, 15, "working_days")


def count_year() -> None:
    assert working_days_between(*YEAR).days == 251


def add_3650() -> None:
    add_working_days(date(2020, 1, 1), 3650)


def reload_snapshot() -> None:
    calendar_cache_invalidate()
    calendar_snapshot()


CASES = [
    Case("plain_add_15_x52", weekdays_plain_add_15, setup=setup, repeat=200, unit="52 starts"),
    Case("add_working_days_15_x52", add_15, baseline="plain_add_15_x52", repeat=200,
         unit="52 starts"),
    Case("deadline_at_15_x52", deadline_15, baseline="plain_add_15_x52", repeat=200,
         unit="52 starts"),
    Case("plain_count_year", weekdays_plain_count_year, repeat=200, unit="call"),
    Case("working_days_between_year", count_year, baseline="plain_count_year", repeat=200,
         unit="call"),
    Case("add_working_days_3650", add_3650, baseline="plain_count_year", repeat=200, unit="call"),
    Case("snapshot_reload", reload_snapshot, baseline="plain_count_year", repeat=50,
         unit="load"),
]
