"""Reads of the indicators page: the region viewed (checked against the user's scope by the prefix
its code denotes), the period in Beijing dates, every registered indicator's value over them, and one
indicator by the regions right below (one grouped query per indicator, never one per region).

Indicators read the owner's records by region prefix; the scope is enforced here, before any
indicator runs, by refusing a region outside the user's area (a township lead's only region is their
township, so no figure of another township can be asked for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils.translation import gettext as _

from jijinan.accounts.scopes import grant_scopes
from jijinan.core.calendar.workdays import SHANGHAI, local_date
from jijinan.core.errors import DomainError, NotFound
from jijinan.core.extensions.indicators import (
    Indicator,
    IndicatorQuery,
    IndicatorUnit,
    IndicatorValue,
    indicator,
    indicators,
)
from jijinan.core.permissions import Target, can
from jijinan.regions.choices import LEVEL_ORDER, PREFIX_LENGTH, RegionLevel, level_of_code
from jijinan.regions.models import Region
from jijinan.supervision.indicators.permissions import INDICATOR_ROLES, INDICATOR_VIEW

INDICATOR_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP)
MONTH, QUARTER, YEAR, CUSTOM = "month", "quarter", "year", "custom"
PERIODS = (MONTH, QUARTER, YEAR, CUSTOM)
MAX_DAYS = 3660


# --- the region -------------------------------------------------------------------------------------


def indicator_root(*, user: Any) -> str:
    """The widest region of the user's indicator grants (the page opens on it)."""
    if getattr(user, "is_superuser", False):
        top = Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code").values_list("code", flat=True).first()
        if top is not None:
            return top
    granted = sorted((g for g in grant_scopes(user) if g.role in INDICATOR_ROLES),
                     key=lambda g: (len(g.prefix), g.prefix, g.region_code))
    if not granted:
        raise NotFound(_("您没有可查看的工作指标"), code="not_found")
    return granted[0].region_code


def _region_not_found() -> DomainError:
    return DomainError.for_field("region", _("未找到该区划"), code="indicator_region")


def indicator_region(*, user: Any, code: str = "") -> Region:
    """The region asked for (default the user's widest), refused outside the user's area."""
    code = code or indicator_root(user=user)
    if len(code) != 12 or not code.isdigit():
        raise _region_not_found()
    if level_of_code(code) not in INDICATOR_LEVELS:
        code = code[:PREFIX_LENGTH[RegionLevel.TOWNSHIP]].ljust(12, "0")
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise _region_not_found()
    if not can(user, INDICATOR_VIEW, Target(region_prefix=region.prefix)):
        raise DomainError.for_field("region", _("%(region)s 不在您的工作范围内") % {"region": region.name},
                                    code="indicator_region")
    return region


def child_level(region: Region) -> RegionLevel | None:
    """The level the region's indicators drill down to (none below a township)."""
    index = LEVEL_ORDER.index(RegionLevel(region.level))
    below = LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None
    return below if below in INDICATOR_LEVELS else None


def breadcrumbs(*, user: Any, region: Region) -> list[Region]:
    codes = [region.code[:PREFIX_LENGTH[lv]].ljust(12, "0") for lv in LEVEL_ORDER
             if PREFIX_LENGTH[lv] <= len(region.prefix)]
    found = sorted(Region.objects.filter(code__in=codes), key=lambda r: len(r.prefix))
    return [r for r in found if can(user, INDICATOR_VIEW, Target(region_prefix=r.prefix))]


# --- the period --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    first: date  # Beijing dates, both included
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=SHANGHAI)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=SHANGHAI)

    def label(self) -> str:
        return f"{self.first:%Y-%m-%d} — {self.last:%Y-%m-%d}"


def period_of(kind: str, on: date, first: date | None = None, last: date | None = None) -> Period:
    """The month, quarter or year holding ``on``, or the custom range ``first``–``last``."""
    if kind == CUSTOM:
        if first is None or last is None:
            raise DomainError.for_field("start", _("自定义期间请填写开始和结束日期"), code="indicator_period")
        if last < first:
            raise DomainError.for_field("end", _("结束日期不能早于开始日期"), code="indicator_period")
        if (last - first).days > MAX_DAYS:
            raise DomainError.for_field("end", _("期间最长十年"), code="indicator_period")
        return Period(first, last)
    if kind == YEAR:
        return Period(date(on.year, 1, 1), date(on.year, 12, 31))
    month = on.month if kind == MONTH else (on.month - 1) // 3 * 3 + 1
    span = 1 if kind == MONTH else 3
    after = date(on.year + (month + span - 1) // 12, (month + span - 1) % 12 + 1, 1)
    return Period(date(on.year, month, 1), after - timedelta(days=1))


def default_period(now: datetime) -> Period:
    return period_of(MONTH, local_date(now))


# --- the values --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRow:
    indicator: Indicator
    value: IndicatorValue
    per_10k: float | None  # per 10,000 residents, where the indicator says so and population is known

    @property
    def shown(self) -> str:
        return show(self.indicator.unit, self.value.value)

    @property
    def shown_per_10k(self) -> str:
        if self.per_10k is None:
            return ""
        if self.indicator.unit == IndicatorUnit.FEN:
            return show(IndicatorUnit.FEN, self.per_10k)
        return f"{self.per_10k:,.2f}"

    @property
    def shown_breakdown(self) -> list[str]:
        return [_("%(name)s：%(value)s") % {"name": k, "value": show_part(self.indicator.unit, v)}
                for k, v in (self.value.breakdown or {}).items()]


def show(unit: str, value: float | int | None) -> str:
    """A value in its unit, as people read it: 12.5%, 1,234.00 元, 3 个工作日 …"""
    if value is None:
        return "—"
    if unit == IndicatorUnit.SHARE:
        return f"{value * 100:.1f}%"
    if unit == IndicatorUnit.FEN:
        return _("%(amount)s 元") % {"amount": f"{value / 100:,.2f}"}
    if unit == IndicatorUnit.WORKING_DAYS:
        return _("%(n)s 个工作日") % {"n": _number(value)}
    if unit == IndicatorUnit.CALENDAR_DAYS:
        return _("%(n)s 天") % {"n": _number(value)}
    if unit == IndicatorUnit.HOURS:
        return _("%(n)s 小时") % {"n": _number(value)}
    return _number(value)


def show_part(unit: str, value: float | int) -> str:
    """A breakdown entry: counts as numbers, measures (floats, and money) in the indicator's unit."""
    if unit == IndicatorUnit.FEN or isinstance(value, float):
        return show(unit, value)
    return _number(value)


def _number(value: float | int) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _per_10k(each: Indicator, value: IndicatorValue, population: int | None) -> float | None:
    if not each.per_10k_residents or not population or value.value is None:
        return None
    return value.value * 10000 / population


def indicator_table(*, region: Region, period: Period) -> list[IndicatorRow]:
    """Every registered indicator over the region's subtree and the period (one query each)."""
    query = IndicatorQuery(prefix=region.prefix, start=period.start, end=period.end)
    rows = []
    for each in indicators():
        value = each.compute(query).get("", IndicatorValue(value=None))
        rows.append(IndicatorRow(each, value, _per_10k(each, value, region.population)))
    return rows


def find_indicator(code: str) -> Indicator:
    try:
        return indicator(code)
    except KeyError:
        raise NotFound(_("没有这项指标"), code="not_found") from None


def drill_down(*, region: Region, period: Period, each: Indicator) -> list[tuple[Region, IndicatorRow]]:
    """One indicator by the regions right below ``region`` (one query for them all), every child
    listed, those with nothing counted shown as such."""
    below = child_level(region)
    if below is None:
        return []
    digits = PREFIX_LENGTH[below]
    children = list(Region.objects.filter(level=below, code__gte=region.prefix.ljust(12, "0"),
                                          code__lte=region.prefix.ljust(12, "9")).order_by("code"))
    values = each.compute(IndicatorQuery(prefix=region.prefix, start=period.start, end=period.end,
                                         group_digits=digits))
    empty = IndicatorValue(value=0 if each.unit in (IndicatorUnit.COUNT, IndicatorUnit.FEN) else None)
    out = []
    for child in children:
        value = values.get(child.code[:digits], empty)
        out.append((child, IndicatorRow(each, value, _per_10k(each, value, child.population))))
    return out
