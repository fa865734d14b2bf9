"""The working-day calendar's arithmetic: real days, properties, provisional results, bad counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jijinan.core.calendar.services import calendar_seed
from jijinan.core.calendar.workdays import (
    CalendarSnapshot,
    DeadlineUnit,
    add_working_days,
    calendar_cache_invalidate,
    deadline_at,
    is_working_day,
    package_year,
    working_days_between,
)
from jijinan.core.errors import DomainError
from jijinan.core.models import CalendarDayKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEARS = range(2020, 2028)
PACKAGE_YEARS = {y: package_year(y) for y in YEARS}
# The calendar the package gives, without the database: 2020–2026 confirmed, 2027 not.
PACKAGE = CalendarSnapshot.build(
    [row for p in PACKAGE_YEARS.values() for row in p.days],
    confirmed_years=[y for y, p in PACKAGE_YEARS.items() if p.confirmed],
)

WORKDAYS = ["2024-02-04", "2024-02-18", "2024-09-29", "2024-10-12", "2025-01-26", "2025-02-08"]
REST_DAYS = ([f"2024-10-0{d}" for d in range(1, 8)]
             + ["2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01",
                "2025-02-02", "2025-02-03", "2025-02-04"])


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():  # type: ignore[no-untyped-def]
    # The snapshot outlives a test's rolled-back transaction; start and end every test without it.
    calendar_cache_invalidate()
    yield
    calendar_cache_invalidate()


@pytest.fixture
def seeded(db: None) -> None:
    calendar_seed(years=YEARS)


# --- real days, through the database calendar and the package snapshot -----------------------


@pytest.mark.parametrize("day", WORKDAYS)
def test_make_up_workdays_are_working_days(seeded, day):
    check = is_working_day(date.fromisoformat(day))
    assert check.working and bool(check)
    assert date.fromisoformat(day).weekday() >= 5  # they are weekends
    assert not check.provisional


@pytest.mark.parametrize("day", REST_DAYS)
def test_holiday_weeks_are_not_working_days(seeded, day):
    assert not is_working_day(date.fromisoformat(day))


@pytest.mark.parametrize("day", WORKDAYS + REST_DAYS)
def test_the_package_snapshot_agrees_with_the_database(seeded, day):
    d = date.fromisoformat(day)
    assert PACKAGE.is_working_day(d).working == is_working_day(d).working


@pytest.mark.parametrize(("year", "working_days"), [(2024, 251), (2025, 248)])
def test_working_days_in_a_year(seeded, year, working_days):
    # The State Council's arrangements give 251 working days in 2024 and 248 in 2025.
    result = working_days_between(date(year - 1, 12, 31), date(year, 12, 31))
    assert result.days == working_days
    assert not result.provisional


def test_national_day_2024(seeded):
    # Friday 27 September + 3: Sunday 29th (make-up), Monday 30th, then Tuesday 8 October.
    assert add_working_days(date(2024, 9, 27), 3).date == date(2024, 10, 8)
    assert add_working_days(date(2024, 9, 30), 1).date == date(2024, 10, 8)
    assert working_days_between(date(2024, 9, 30), date(2024, 10, 8)).days == 1
    assert working_days_between(date(2024, 10, 8), date(2024, 9, 30)).days == -1


def test_spring_festival_2025(seeded):
    assert add_working_days(date(2025, 1, 24), 1).date == date(2025, 1, 26)  # Sunday, make-up
    assert add_working_days(date(2025, 1, 26), 1).date == date(2025, 1, 27)
    assert add_working_days(date(2025, 1, 27), 1).date == date(2025, 2, 5)


def test_zero_days_is_the_start_day_even_on_a_holiday(seeded):
    assert add_working_days(date(2024, 10, 1), 0).date == date(2024, 10, 1)
    assert working_days_between(date(2024, 10, 1), date(2024, 10, 1)).days == 0


def test_fifteen_working_days_across_the_spring_festival(seeded):
    # Accepted Friday 24 January 2025: Sunday 26th and Monday 27th, then from Wednesday 5
    # February with Saturday 8th worked: the 15th working day is Thursday 20 February.
    assert add_working_days(date(2025, 1, 24), 15).date == date(2025, 2, 20)


# --- the unconfirmed year ---------------------------------------------------------------------


def test_the_package_confirms_2020_to_2026_but_not_2027():
    assert [y for y, p in PACKAGE_YEARS.items() if p.confirmed] == list(range(2020, 2027))


def test_an_unconfirmed_year_has_only_the_statutory_holidays_themselves():
    days = {d: (kind, name) for d, kind, name in PACKAGE_YEARS[2027].days}
    assert all(kind == CalendarDayKind.HOLIDAY for kind, _name in days.values())
    assert date(2027, 2, 5) in days  # 除夕, a statutory holiday since 2025
    assert date(2027, 2, 8) in days  # 春节 on a Monday
    assert date(2027, 10, 1) in days
    # The package's "observed" days are guesses: not taken.
    assert date(2027, 2, 9) not in days and date(2027, 10, 4) not in days
    assert date(2027, 5, 3) not in days
    assert not any("（补假）" in name or "调休" in name for _kind, name in days.values())


def test_a_confirmed_year_keeps_its_observed_and_substituted_days():
    days = {d for d, _kind, _name in PACKAGE_YEARS[2024].days}
    assert date(2024, 2, 14) in days  # "(observed)" in the package, a real day off
    assert date(2024, 10, 4) in days  # "Day off (substituted from 09/29/2024)"


def test_results_reaching_into_2027_are_provisional(seeded):
    inside = add_working_days(date(2026, 12, 30), 1)
    assert inside.date == date(2026, 12, 31) and not inside.provisional
    across = add_working_days(date(2026, 12, 30), 2)
    assert across.date == date(2027, 1, 4)  # 1 January is 元旦, then the weekend
    assert across.provisional and across.unconfirmed_years == (2027,)
    count = working_days_between(date(2026, 12, 1), date(2027, 1, 31))
    assert count.provisional and count.unconfirmed_years == (2027,)
    assert is_working_day(date(2027, 3, 1)).provisional
    assert not is_working_day(date(2026, 3, 2)).provisional


def test_a_year_missing_from_the_calendar_counts_weekends_only_and_is_provisional(seeded):
    result = add_working_days(date(2030, 9, 30), 1)
    assert result.date == date(2030, 10, 1)
    assert result.unconfirmed_years == (2030,)


# --- deadlines ----------------------------------------------------------------------------------


def test_deadline_in_working_days_ends_at_23_59_59_shanghai(seeded):
    accepted = datetime(2024, 9, 27, 9, 30, tzinfo=SHANGHAI)
    due = deadline_at(accepted, 3, DeadlineUnit.WORKING_DAYS)
    assert due.due_at == datetime(2024, 10, 8, 23, 59, 59, tzinfo=SHANGHAI)
    assert due.due_at.utcoffset() == timedelta(hours=8)
    assert not due.provisional


def test_deadline_start_in_utc_counts_from_the_shanghai_day(seeded):
    # 2024-09-29 17:00 UTC is already Monday 30 September in Shanghai.
    accepted = datetime(2024, 9, 29, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert deadline_at(accepted, 1, "working_days").due_date == date(2024, 10, 8)


def test_deadline_in_calendar_days_and_hours(seeded):
    start = datetime(2024, 9, 30, 10, 15, tzinfo=SHANGHAI)
    assert deadline_at(start, 5, "calendar_days").due_at == datetime(
        2024, 10, 5, 23, 59, 59, tzinfo=SHANGHAI)
    assert deadline_at(start, 48, "hours").due_at == datetime(2024, 10, 2, 10, 15, tzinfo=SHANGHAI)
    assert deadline_at(date(2024, 9, 30), 2, "hours").due_at == datetime(
        2024, 9, 30, 2, 0, tzinfo=SHANGHAI)


def test_deadline_into_2027_is_provisional_only_when_counted_in_working_days(seeded):
    start = date(2026, 12, 28)
    assert deadline_at(start, 10, "working_days").provisional
    assert not deadline_at(start, 10, "calendar_days").provisional
    assert not deadline_at(start, 240, "hours").provisional


@pytest.mark.parametrize("count", [-1, 3651, 10**9, 1.5, "3", True, None])
def test_bad_counts_are_refused(count):
    with pytest.raises(DomainError) as caught:
        PACKAGE.add_working_days(date(2024, 1, 1), count)
    assert caught.value.field_errors["days"]
    with pytest.raises(DomainError):
        PACKAGE.deadline_at(date(2024, 1, 1), count, "working_days")


def test_an_unknown_unit_is_refused():
    with pytest.raises(DomainError) as caught:
        PACKAGE.deadline_at(date(2024, 1, 1), 1, "fortnights")
    assert "unit" in caught.value.field_errors


def test_the_largest_count_is_accepted_and_the_end_of_time_is_refused():
    assert PACKAGE.add_working_days(date(2024, 1, 1), 3650).date.year == 2038
    with pytest.raises(DomainError):
        PACKAGE.add_working_days(date(9999, 12, 1), 3650)
    with pytest.raises(DomainError):
        PACKAGE.deadline_at(date(9999, 12, 30), 10, "calendar_days")


# --- properties, on the package calendar and on arbitrary calendars ---------------------------

days = st.dates(min_value=date(2019, 6, 1), max_value=date(2028, 6, 30))
counts = st.integers(min_value=0, max_value=600)


@st.composite
def calendars(draw: st.DrawFn) -> CalendarSnapshot:
    """Arbitrary exceptions over 2023–2025, including long runs of holidays."""
    window = st.dates(min_value=date(2023, 1, 1), max_value=date(2025, 12, 31))
    holidays = draw(st.sets(window, max_size=120))
    runs = draw(st.lists(st.tuples(window, st.integers(1, 40)), max_size=3))
    for first, length in runs:
        holidays |= {first + timedelta(days=i) for i in range(length)}
    workdays = draw(st.sets(window, max_size=40)) - holidays
    confirmed = draw(st.sets(st.integers(2019, 2028)))
    rows = [(d, CalendarDayKind.HOLIDAY) for d in holidays]
    rows += [(d, CalendarDayKind.WORKDAY) for d in workdays]
    return CalendarSnapshot.build(rows, confirmed_years=confirmed)


snapshots = st.one_of(st.just(PACKAGE), calendars())


def _brute_count(snapshot: CalendarSnapshot, start: date, end: date) -> int:
    first, last = sorted((start, end))
    n = sum(snapshot.is_working_day(first + timedelta(days=i)).working
            for i in range(1, (last - first).days + 1))
    return n if end >= start else -n


@settings(max_examples=300, deadline=None)
@given(snapshots, days, counts)
def test_adding_then_counting_round_trips(snapshot, start, n):
    result = snapshot.add_working_days(start, n)
    assert snapshot.working_days_between(start, result.date).days == n
    if n:
        # The n-th working day: a working day, and the day before it has only n - 1.
        assert result.date > start
        assert snapshot.is_working_day(result.date).working
        assert snapshot.working_days_between(start, result.date - timedelta(days=1)).days == n - 1
        first = start + timedelta(days=1)
        touched = set(range(first.year, result.date.year + 1))
        assert set(result.unconfirmed_years) == touched - snapshot.confirmed_years
    else:
        assert result.date == start and not result.provisional


@settings(max_examples=300, deadline=None)
@given(snapshots, days, days)
def test_counting_then_adding_round_trips_onto_a_working_day(snapshot, start, end):
    n = snapshot.working_days_between(start, end).days
    if end > start and snapshot.is_working_day(end).working:
        assert snapshot.add_working_days(start, n).date == end


@settings(max_examples=300, deadline=None)
@given(snapshots, days, days, days)
def test_counting_is_additive(snapshot, a, b, c):
    ab = snapshot.working_days_between(a, b).days
    bc = snapshot.working_days_between(b, c).days
    assert ab + bc == snapshot.working_days_between(a, c).days
    assert snapshot.working_days_between(b, a).days == -ab


@settings(max_examples=150, deadline=None)
@given(snapshots, days, st.integers(min_value=-120, max_value=120))
def test_counting_matches_a_day_by_day_count(snapshot, start, span):
    end = start + timedelta(days=span)
    result = snapshot.working_days_between(start, end)
    assert result.days == _brute_count(snapshot, start, end)
    first, last = sorted((start, end))
    touched = {(first + timedelta(days=i)).year for i in range(1, (last - first).days + 1)}
    assert set(result.unconfirmed_years) == touched - snapshot.confirmed_years


@settings(max_examples=150, deadline=None)
@given(snapshots, days, st.integers(min_value=0, max_value=60))
def test_working_day_deadlines_fall_at_the_end_of_a_working_day(snapshot, start, n):
    due = snapshot.deadline_at(start, n, DeadlineUnit.WORKING_DAYS)
    local = due.due_at.astimezone(SHANGHAI)
    assert (local.hour, local.minute, local.second) == (23, 59, 59)
    assert local.date() == snapshot.add_working_days(start, n).date
    touched = set(range((start + timedelta(days=1)).year, local.year + 1)) if n else set()
    assert due.provisional == bool(touched - snapshot.confirmed_years)


def test_weekend_holidays_and_weekday_workdays_are_not_exceptions():
    snapshot = CalendarSnapshot.build([(date(2024, 6, 1), CalendarDayKind.HOLIDAY),  # Saturday
                                       (date(2024, 6, 3), CalendarDayKind.WORKDAY)])  # Monday
    assert snapshot.holidays == frozenset() and snapshot.workdays == frozenset()
    assert snapshot.working_days_between(date(2024, 5, 31), date(2024, 6, 3)).days == 1
