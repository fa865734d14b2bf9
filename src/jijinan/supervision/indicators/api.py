"""API of the indicators: every registered indicator of a region and period, and one indicator by
the regions right below."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from jijinan.core.apitools import ERROR_RESPONSES
from jijinan.core.calendar.workdays import local_date
from jijinan.core.permissions import requires
from jijinan.supervision.indicators import selectors, views
from jijinan.supervision.indicators.permissions import INDICATOR_VIEW

router = Router(tags=["supervision"])


class IndicatorQueryIn(Schema):
    region: str = Field("", pattern=r"^(\d{12})?$", description="区划代码（默认为您的工作范围）/ region code")
    start: date | None = Field(None, description="开始日期（北京时间，含）；默认本月 / first day")
    end: date | None = Field(None, description="结束日期（北京时间，含）；默认本月 / last day")

    def period(self) -> selectors.Period:
        if self.start is None and self.end is None:
            return selectors.default_period(views._now())
        today = local_date(views._now())
        return selectors.period_of(selectors.CUSTOM, today, self.start or today, self.end or today)


class RegionOut(Schema):
    code: str
    name: str
    level: str
    population: int | None


class ValueOut(Schema):
    code: str
    title: str
    unit: str = Field(..., description="count / share / fen / working_days / calendar_days / hours")
    definition: str
    value: float | None = Field(..., description="数值（占比为 0–1，金额为分）/ the value (shares 0–1, money in fen)")
    shown: str = Field(..., description="按单位显示 / as shown")
    per_10k_residents: float | None
    breakdown: dict[str, float] | None


class IndicatorsOut(Schema):
    region: RegionOut
    start: date
    end: date
    indicators: list[ValueOut]


class ChildOut(Schema):
    region: RegionOut
    value: ValueOut


class DrillOut(Schema):
    region: RegionOut
    start: date
    end: date
    indicator: str
    children: list[ChildOut]


def _region_out(region: Any) -> dict[str, Any]:
    return {"code": region.code, "name": region.name, "level": region.level, "population": region.population}


def _value_out(row: selectors.IndicatorRow) -> dict[str, Any]:
    each = row.indicator
    return {"code": each.code, "title": str(each.title), "unit": str(each.unit), "definition": str(each.definition),
            "value": row.value.value, "shown": row.shown, "per_10k_residents": row.per_10k,
            "breakdown": row.value.breakdown}


@router.get("/supervision/indicators", response={200: IndicatorsOut, **ERROR_RESPONSES},
            summary="工作指标：区划和期间的全部指标 / every indicator of a region and period")
@requires(INDICATOR_VIEW)
def indicator_values(request: HttpRequest, query: Query[IndicatorQueryIn]) -> Any:
    region = selectors.indicator_region(user=request.user, code=query.region)
    period = query.period()
    return {"region": _region_out(region), "start": period.first, "end": period.last,
            "indicators": [_value_out(row) for row in selectors.indicator_table(region=region, period=period)]}


@router.get("/supervision/indicators/{code}", response={200: DrillOut, **ERROR_RESPONSES},
            summary="工作指标：一项指标按下级区划 / one indicator by the regions below")
@requires(INDICATOR_VIEW)
def indicator_by_region(request: HttpRequest, code: str, query: Query[IndicatorQueryIn]) -> Any:
    each = selectors.find_indicator(code)
    region = selectors.indicator_region(user=request.user, code=query.region)
    period = query.period()
    return {"region": _region_out(region), "start": period.first, "end": period.last, "indicator": each.code,
            "children": [{"region": _region_out(child), "value": _value_out(row)}
                         for child, row in selectors.drill_down(region=region, period=period, each=each)]}
