"""The working-day calendar's arithmetic: pure date counting over a snapshot of the exceptions.

Everything is in Asia/Shanghai. The calendar stores only the exceptions to "Monday to Friday
work, Saturday and Sunday rest" (holidays on weekdays, 调休 make-up workdays on weekends), so a
working-day count is closed-form weekday arithmetic corrected by two binary searches: counting
over ten years costs the same as counting over one day.

The pure core is :class:`CalendarSnapshot`; the module-level functions use the process's cached
snapshot of the database, which every calendar service invalidates (``calendar_cache_invalidate``)
in its transaction and again on commit. Other processes notice through the Django cache key
within ``VERSION_CHECK_SECONDS``, or at the latest after ``SNAPSHOT_MAX_AGE_SECONDS`` when the
cache is local to each process (the default local-memory cache).
"""

from __future__ import annotations

import threading
import time
import uuid
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import holidays as holidays_package
from django.core.cache import cache
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jijinan.core.calendar.models import CalendarDay, CalendarDayKind, CalendarYear
from jijinan.core.errors import DomainError

SHANGHAI = ZoneInfo("Asia/Shanghai")
END_OF_DAY = clock(23, 59, 59)
# Years an administrator may enter: the PRC's holiday system to well past any deadline we compute.
FIRST_YEAR = 1950
LAST_YEAR = 2200
SNAPSHOT_MAX_AGE_SECONDS = 60.0
VERSION_CHECK_SECONDS = 1.0
_CACHE_KEY = "jijinan:core:calendar:version"


class DeadlineUnit(models.TextChoices):
    WORKING_DAYS = "working_days", gettext_lazy("工作日")
    CALENDAR_DAYS = "calendar_days", gettext_lazy("自然日")
    HOURS = "hours", gettext_lazy("小时")


# A count above these is a mistake (a year number typed as a count), not a deadline.
MAX_COUNT: dict[str, int] = {
    DeadlineUnit.WORKING_DAYS: 3650,
    DeadlineUnit.CALENDAR_DAYS: 3650,
    DeadlineUnit.HOURS: 24 * 3650,
}


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkingDayCheck:
    """Whether ``date`` is a working day; truthy when it is."""

    date: date
    working: bool
    unconfirmed_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.unconfirmed_years)

    def __bool__(self) -> bool:
        return self.working


@dataclass(frozen=True)
class DayResult:
    """A day computed from the calendar; provisional when it depends on an unconfirmed year."""

    date: date
    unconfirmed_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.unconfirmed_years)


@dataclass(frozen=True)
class CountResult:
    """A number of working days; provisional when the counted days touch an unconfirmed year."""

    days: int
    unconfirmed_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.unconfirmed_years)


@dataclass(frozen=True)
class DeadlineResult:
    """A timezone-aware deadline; provisional when it was counted through an unconfirmed year."""

    due_at: datetime
    unit: str
    count: int
    unconfirmed_years: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.unconfirmed_years)

    @property
    def due_date(self) -> date:
        return self.due_at.astimezone(SHANGHAI).date()


# --- the pure core ---------------------------------------------------------------------------


def _weekdays_through(ordinal: int) -> int:
    """Monday-to-Friday days among ordinals 1..ordinal (ordinal 1, 0001-01-01, is a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def _weekday_number(count: int) -> int:
    """The ordinal of the ``count``-th Monday-to-Friday day (the inverse of the above)."""
    weeks, rest = divmod(count - 1, 5)
    return weeks * 7 + rest + 1


_MAX_ORDINAL = date.max.toordinal()


def _out_of_range() -> DomainError:
    return DomainError(_("日期超出可计算的范围"), code="calendar_out_of_range")


def _check_count(value: object, *, unit: str, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError.for_field(field, _("期限必须是整数"), code="calendar_bad_count")
    if value < 0:
        raise DomainError.for_field(field, _("期限不能为负数"), code="calendar_bad_count")
    limit = MAX_COUNT[unit]
    if value > limit:
        raise DomainError.for_field(
            field, _("期限不能超过 %(limit)s %(unit)s") % {"limit": limit,
                                                           "unit": DeadlineUnit(unit).label},
            code="calendar_bad_count")
    return value


def local_date(value: date | datetime) -> date:
    """The Asia/Shanghai calendar day of ``value`` (a naive datetime is taken as Shanghai time)."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = value.astimezone(SHANGHAI)
        return value.date()
    if not isinstance(value, date):
        raise DomainError(_("日期格式不正确"), code="calendar_bad_date")
    return value


def end_of_day(day: date) -> datetime:
    """23:59:59 Asia/Shanghai on ``day``: when a limit counted in days runs out."""
    return datetime.combine(day, END_OF_DAY, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class CalendarSnapshot:
    """The calendar's exceptions in memory; every answer is computed from it without the database.

    Build it with :meth:`build`: holidays that fall on a weekend and workdays that fall on a
    weekday are not exceptions and are dropped, which keeps the counting exact.
    """

    holidays: frozenset[int]
    workdays: frozenset[int]
    confirmed_years: frozenset[int]
    names: Mapping[date, str] = field(default_factory=dict, compare=False, repr=False)
    version: str = field(default="", compare=False)
    _holiday_ordinals: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _workday_ordinals: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_holiday_ordinals", tuple(sorted(self.holidays)))
        object.__setattr__(self, "_workday_ordinals", tuple(sorted(self.workdays)))

    @classmethod
    def build(
        cls,
        days: Iterable[tuple[date, str] | tuple[date, str, str]],
        *,
        confirmed_years: Iterable[int] = (),
        version: str = "",
    ) -> CalendarSnapshot:
        """From ``(date, kind[, name])`` rows and the years an administrator confirmed."""
        holidays: set[int] = set()
        workdays: set[int] = set()
        names: dict[date, str] = {}
        for row in days:
            day, kind = row[0], row[1]
            weekend = day.weekday() >= 5
            if kind == CalendarDayKind.HOLIDAY and not weekend:
                holidays.add(day.toordinal())
            elif kind == CalendarDayKind.WORKDAY and weekend:
                workdays.add(day.toordinal())
            else:
                continue
            if len(row) > 2:
                names[day] = row[2]
        return cls(holidays=frozenset(holidays), workdays=frozenset(workdays),
                   confirmed_years=frozenset(confirmed_years), names=names, version=version)

    # Working days among ordinals 1..ordinal; a count between two days is a difference of ranks.
    def _rank(self, ordinal: int) -> int:
        return (_weekdays_through(ordinal) - bisect_right(self._holiday_ordinals, ordinal)
                + bisect_right(self._workday_ordinals, ordinal))

    def _working(self, ordinal: int) -> bool:
        if (ordinal - 1) % 7 < 5:
            return ordinal not in self.holidays
        return ordinal in self.workdays

    def _unconfirmed(self, first: date, last: date) -> tuple[int, ...]:
        """The unconfirmed years among the days first..last (none when last < first)."""
        return tuple(y for y in range(first.year, last.year + 1) if y not in self.confirmed_years)

    def name(self, day: date) -> str:
        return self.names.get(day, "")

    def is_working_day(self, day: date | datetime) -> WorkingDayCheck:
        day = local_date(day)
        return WorkingDayCheck(date=day, working=self._working(day.toordinal()),
                               unconfirmed_years=self._unconfirmed(day, day))

    def add_working_days(self, start: date | datetime, n: int) -> DayResult:
        """The ``n``-th working day after ``start`` (``start`` itself when ``n`` is 0)."""
        start = local_date(start)
        n = _check_count(n, unit=DeadlineUnit.WORKING_DAYS, field="days")
        if n == 0:
            return DayResult(date=start)
        low = start.toordinal()
        target = self._rank(low) + n
        # Jump by plain weekday arithmetic; each jump skips every holiday it passed, so a few
        # jumps reach a day whose rank is at least the target (rank(low) < target always).
        while True:
            high = _weekday_number(_weekdays_through(low) + target - self._rank(low))
            if high > _MAX_ORDINAL:
                raise _out_of_range()
            if self._rank(high) >= target:
                break
            low = high
        # The answer is the first day in (low, high] whose rank reaches the target.
        if self._rank(high - 1) < target:
            found = high
        else:
            while high - low > 1:
                middle = (low + high) // 2
                if self._rank(middle) >= target:
                    high = middle
                else:
                    low = middle
            found = high
        result = date.fromordinal(found)
        return DayResult(date=result,
                         unconfirmed_years=self._unconfirmed(start + timedelta(days=1), result))

    def working_days_between(self, start: date | datetime, end: date | datetime) -> CountResult:
        """Working days in (start, end]; negative when ``end`` is before ``start``."""
        start, end = local_date(start), local_date(end)
        days = self._rank(end.toordinal()) - self._rank(start.toordinal())
        first, last = sorted((start, end))
        touched = () if first == last else self._unconfirmed(first + timedelta(days=1), last)
        return CountResult(days=days, unconfirmed_years=touched)

    def deadline_at(self, start: date | datetime, n: int, unit: str) -> DeadlineResult:
        """When a limit of ``n`` units counted from ``start`` runs out, as an aware datetime.

        Working and calendar days end at 23:59:59 Asia/Shanghai on the ``n``-th day after the
        start day; hours are wall-clock time from ``start`` (a date means its midnight). Only a
        limit in working days depends on the calendar, so only it can be provisional.
        """
        try:
            unit = DeadlineUnit(unit)
        except ValueError:
            raise DomainError.for_field("unit", _("期限单位不正确"), code="calendar_bad_unit") from None
        n = _check_count(n, unit=unit, field="count")
        try:
            if unit == DeadlineUnit.WORKING_DAYS:
                day = self.add_working_days(start, n)
                return DeadlineResult(due_at=end_of_day(day.date), unit=unit, count=n,
                                      unconfirmed_years=day.unconfirmed_years)
            if unit == DeadlineUnit.CALENDAR_DAYS:
                return DeadlineResult(due_at=end_of_day(local_date(start) + timedelta(days=n)),
                                      unit=unit, count=n)
            if isinstance(start, datetime):
                begin = start if timezone.is_aware(start) else start.replace(tzinfo=SHANGHAI)
            else:
                begin = datetime.combine(local_date(start), clock(0), tzinfo=SHANGHAI)
            return DeadlineResult(due_at=(begin + timedelta(hours=n)).astimezone(SHANGHAI),
                                  unit=unit, count=n)
        except OverflowError:
            raise _out_of_range() from None


# --- the holidays package ----------------------------------------------------------------------


@dataclass(frozen=True)
class PackageYear:
    """What the ``holidays`` package knows of a year: confirmed when it has the make-up workdays."""

    year: int
    confirmed: bool
    days: tuple[tuple[date, str, str], ...]  # (date, kind, name), exceptions only


def _statutory(name_en: str) -> list[int]:
    """Indexes of the "; "-joined parts that are statutory holidays themselves (not substitutes)."""
    return [i for i, part in enumerate(name_en.split("; "))
            if not part.endswith("(observed)") and not part.startswith("Day off")]


def package_year(year: int) -> PackageYear:
    """The exceptions of ``year`` from the ``holidays`` package (CN).

    A year whose make-up workdays the package has is taken whole (observed and substituted days
    off included). Any other year gets only the statutory holidays themselves: no "observed"
    day, no substituted day off, no guessed make-up workday.
    """
    english = holidays_package.country_holidays("CN", years=year, language="en_US")
    chinese = holidays_package.country_holidays("CN", years=year, language="zh_CN")
    makeup = sorted(d for d in english.weekend_workdays if d.year == year and d.weekday() >= 5)
    confirmed = bool(makeup)
    days: list[tuple[date, str, str]] = []
    for day, name_en in sorted(english.items()):
        if day.year != year or day.weekday() >= 5:
            continue
        name = chinese.get(day) or name_en
        if not confirmed:
            keep = _statutory(name_en)
            if not keep:
                continue
            parts = name.split("; ")
            if len(parts) == len(name_en.split("; ")):
                name = "; ".join(parts[i] for i in keep)
        days.append((day, CalendarDayKind.HOLIDAY, name))
    for day in makeup:
        days.append((day, CalendarDayKind.WORKDAY, _makeup_name(day, english, chinese)))
    days.sort()
    return PackageYear(year=year, confirmed=confirmed, days=tuple(days))


def _makeup_name(workday: date, english: Mapping[date, str], chinese: Mapping[date, str]) -> str:
    """"调休上班（春节）": the festival whose break the workday pays for, found next to its day off."""
    label = workday.strftime("%m/%d/%Y")
    day_off = next((d for d, n in english.items() if f"substituted from {label}" in n), None)
    if day_off is None:
        return "调休上班"
    for step in (-1, 1):
        day = day_off
        for _i in range(10):
            day += timedelta(days=step)
            name = english.get(day)
            if name is None:
                if day.weekday() < 5:
                    break  # the break ended on a working day
                continue
            if _statutory(name):
                festival = chinese.get(day) or name
                return f"调休上班（{festival.split('; ')[0]}）"
    return "调休上班"


# --- the cached snapshot of the database -------------------------------------------------------

_lock = threading.Lock()
_cached: tuple[CalendarSnapshot, str, float] | None = None  # (snapshot, version, loaded at)
_version_checked_at = 0.0


def _load_snapshot(version: str) -> CalendarSnapshot:
    rows = CalendarDay.objects.values_list("date", "kind", "name")
    confirmed = CalendarYear.objects.filter(confirmed=True).values_list("year", flat=True)
    return CalendarSnapshot.build(list(rows), confirmed_years=list(confirmed), version=version)


def calendar_snapshot() -> CalendarSnapshot:
    """The calendar as it is in the database, loaded once and kept until it changes."""
    global _cached, _version_checked_at
    held = _cached
    now = time.monotonic()
    if held is not None and now - held[2] < SNAPSHOT_MAX_AGE_SECONDS:
        # A change made in this process has already dropped the snapshot; the shared key only
        # tells of other processes' changes, so asking it once a second is enough.
        if now - _version_checked_at < VERSION_CHECK_SECONDS:
            return held[0]
        version = cache.get(_CACHE_KEY) or ""
        _version_checked_at = now
        if held[1] == version:
            return held[0]
    else:
        version = cache.get(_CACHE_KEY) or ""
    with _lock:
        snapshot = _load_snapshot(version)
        _cached = (snapshot, version, now)
        _version_checked_at = now
    return snapshot


CalendarChangeHandler = Callable[[frozenset[int]], None]
_change_handlers: list[CalendarChangeHandler] = []


def on_calendar_change(handler: CalendarChangeHandler) -> CalendarChangeHandler:
    """Register ``handler(years)`` to run after a calendar change commits (e.g. to recompute the
    deadlines in those years); a higher app registers it at ``AppConfig.ready()``."""
    if handler not in _change_handlers:
        _change_handlers.append(handler)
    return handler


def calendar_change_handlers() -> list[CalendarChangeHandler]:
    return list(_change_handlers)


def calendar_cache_invalidate() -> None:
    """Forget the snapshot here and, through the shared cache key, in other processes."""
    global _cached
    cache.set(_CACHE_KEY, uuid.uuid4().hex, timeout=None)
    with _lock:
        _cached = None


# --- the functions every other app uses ------------------------------------------------------


def is_working_day(day: date | datetime, *, snapshot: CalendarSnapshot | None = None
                   ) -> WorkingDayCheck:
    return (snapshot or calendar_snapshot()).is_working_day(day)


def add_working_days(start: date | datetime, n: int, *, snapshot: CalendarSnapshot | None = None
                     ) -> DayResult:
    """The ``n``-th working day after ``start``; ``n`` = 0 gives ``start``."""
    return (snapshot or calendar_snapshot()).add_working_days(start, n)


def working_days_between(start: date | datetime, end: date | datetime, *,
                         snapshot: CalendarSnapshot | None = None) -> CountResult:
    """Working days in (start, end]; negative when ``end`` is before ``start``."""
    return (snapshot or calendar_snapshot()).working_days_between(start, end)


def deadline_at(start: date | datetime, n: int, unit: str, *,
                snapshot: CalendarSnapshot | None = None) -> DeadlineResult:
    """The aware datetime at which a limit of ``n`` ``unit`` counted from ``start`` runs out."""
    return (snapshot or calendar_snapshot()).deadline_at(start, n, unit)


def today_local() -> date:
    return timezone.now().astimezone(SHANGHAI).date()
