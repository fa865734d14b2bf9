"""API of the working-day calendar: its years and days, and the arithmetic anyone signed in may use."""

# No `from __future__ import annotations` here: @requires wraps the operations, and django-ninja
# resolves their annotations in the wrapper's module, so they must be real types at import.

from datetime import date, datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, File, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.calendar.models import CalendarDay, CalendarDayKind, CalendarDaySource, CalendarYear
from jijinan.core.calendar.selectors import calendar_day_list, calendar_year_get, calendar_year_list
from jijinan.core.calendar.services import (
    CSV_MAX_BYTES,
    ImportReport,
    calendar_day_add,
    calendar_day_correct,
    calendar_day_remove,
    calendar_import_csv,
    calendar_year_confirm,
)
from jijinan.core.calendar.workdays import DeadlineUnit, add_working_days, deadline_at, end_of_day, working_days_between
from jijinan.core.permissions import requires

# The operation ids clients know, from before this module moved (see jijinan.api).
OPERATION_ID_PREFIX = "jijinan_core_api"

router = Router(tags=["calendar"])

# Anyone signed in may read the calendar and compute deadlines (calendar.view); writes need
# calendar.manage, checked here on entry and again by the services.

CALENDAR_TAGS = ["calendar"]


class CalendarYearOut(Schema):
    year: int
    confirmed: bool
    confirmed_at: datetime | None
    confirmed_by: str | None = Field(None, description="确认人用户名 / who confirmed it")
    note: str
    holiday_count: int = Field(0, description="周一至周五的休息日 / rest days Monday to Friday")
    workday_count: int = Field(0, description="周末的调休上班日 / make-up workdays on weekends")

    @staticmethod
    def resolve_confirmed_by(obj: CalendarYear) -> str | None:
        return obj.confirmed_by.get_username() if obj.confirmed_by else None


class CalendarDayOut(Schema):
    date: date
    kind: CalendarDayKind
    name: str
    source: CalendarDaySource
    changed_by: str | None = Field(None, description="最后修改人用户名 / who changed it last")
    changed_at: datetime

    @staticmethod
    def resolve_changed_by(obj: CalendarDay) -> str | None:
        return obj.changed_by.get_username() if obj.changed_by else None


class CalendarDayIn(Schema):
    date: date
    kind: CalendarDayKind = Field(..., description="holiday 休息日 / workday 调休上班日")
    name: str = Field("", max_length=100, description="名称，如“国庆节” / name, e.g. National Day")


class CalendarDayCorrectIn(Schema):
    kind: CalendarDayKind = Field(..., description="holiday 休息日 / workday 调休上班日")
    name: str = Field("", max_length=100)


class CalendarConfirmIn(Schema):
    note: str = Field("", max_length=500, description="依据，如国务院办公厅通知文号 / the basis")


class CalendarImportOut(Schema):
    days_created: int
    years: list[int]


class ProvisionalOut(Schema):
    provisional: bool = Field(..., description="涉及未确认年度，结果可能变化 / touches an unconfirmed "
                                               "year and may change")
    unconfirmed_years: list[int]


class CalendarAddOut(ProvisionalOut):
    start: date
    days: int
    date: date
    due_at: datetime = Field(..., description="该日 23:59:59（北京时间）/ 23:59:59 Asia/Shanghai")


class CalendarCountOut(ProvisionalOut):
    start: date
    end: date
    working_days: int


class CalendarDeadlineOut(ProvisionalOut):
    start: datetime
    count: int
    unit: DeadlineUnit
    due_at: datetime


@router.get("/calendar/years", response={200: list[CalendarYearOut], **ERROR_RESPONSES},
            tags=CALENDAR_TAGS, summary="日历年度列表 / calendar years")
@requires("calendar.view")
def calendar_years(request: HttpRequest) -> list[CalendarYear]:
    """各年度及是否已确认。Each year and whether its arrangement is confirmed."""
    return list(calendar_year_list())


@router.get("/calendar/years/{year}", response={200: CalendarYearOut, **ERROR_RESPONSES},
            tags=CALENDAR_TAGS, summary="日历年度 / one calendar year")
@requires("calendar.view")
def calendar_year(request: HttpRequest, year: int) -> CalendarYear:
    return calendar_year_get(year=year)


@router.get("/calendar/years/{year}/days", response={200: list[CalendarDayOut], **ERROR_RESPONSES},
            tags=CALENDAR_TAGS, summary="年度例外日 / a year's exception days")
@requires("calendar.view")
@paginate(PagePagination)
def calendar_year_days(request: HttpRequest, year: int) -> QuerySet[CalendarDay]:
    """周一至周五的休息日与周末的调休上班日；其余日子按“周一至周五上班”。
    Rest days on weekdays and make-up workdays on weekends; every other day follows the week."""
    calendar_year_get(year=year)
    return calendar_day_list(year=year)


@router.post("/calendar/years/{year}/confirm", response={200: CalendarYearOut, **ERROR_RESPONSES},
             tags=CALENDAR_TAGS, summary="确认年度安排 / confirm a year")
@requires("calendar.manage")
def calendar_year_confirm_op(request: HttpRequest, year: int, payload: CalendarConfirmIn
                             ) -> CalendarYear:
    """录入国务院当年放假安排后确认；此后该年的期限不再是暂定。仅系统管理员。
    Confirm once the State Council's arrangement is entered; deadlines in it stop being
    provisional. Administrators only."""
    calendar_year_confirm(actor=request.user, year=year, note=payload.note)
    return calendar_year_get(year=year)


@router.post("/calendar/days", response={201: CalendarDayOut, **ERROR_RESPONSES},
             tags=CALENDAR_TAGS, summary="录入例外日 / add a day")
@requires("calendar.manage")
def calendar_day_add_op(request: HttpRequest, payload: CalendarDayIn) -> Status:
    """已在日历中的日期返回 409，不作任何修改。仅系统管理员。
    A date already in the calendar answers 409 and changes nothing. Administrators only."""
    day = calendar_day_add(actor=request.user, day=payload.date, kind=payload.kind, name=payload.name)
    return Status(201, day)


@router.put("/calendar/days/{day}", response={200: CalendarDayOut, **ERROR_RESPONSES},
            tags=CALENDAR_TAGS, summary="修改例外日 / correct a day")
@requires("calendar.manage")
def calendar_day_correct_op(request: HttpRequest, day: date, payload: CalendarDayCorrectIn
                            ) -> CalendarDay:
    """仅系统管理员。Administrators only."""
    return calendar_day_correct(actor=request.user, day=day, kind=payload.kind, name=payload.name)


@router.delete("/calendar/days/{day}", response={204: None, **ERROR_RESPONSES},
               tags=CALENDAR_TAGS, summary="删除例外日 / remove a day")
@requires("calendar.manage")
def calendar_day_remove_op(request: HttpRequest, day: date) -> Status:
    """删除后该日按“周一至周五上班、周末休息”计算。仅系统管理员。
    The day then follows the weekly rhythm again. Administrators only."""
    calendar_day_remove(actor=request.user, day=day)
    return Status(204, None)


@router.post("/calendar/import", response={200: CalendarImportOut, **ERROR_RESPONSES},
             tags=CALENDAR_TAGS, summary="导入 CSV / import days from CSV")
@requires("calendar.manage")
def calendar_import_op(request: HttpRequest, file: File[UploadedFile]) -> ImportReport:
    """CSV 列为 date,kind,name（或 日期,类型,名称）。任一行有误则全部不导入，错误在
    field_errors 中按 `rows.<行号>.<列>` 给出。仅系统管理员。
    Columns date,kind,name. Any bad row refuses the whole file; errors come in field_errors
    as `rows.<row>.<column>`. Administrators only."""
    return calendar_import_csv(actor=request.user, content=file.read(CSV_MAX_BYTES + 1))


@router.get("/calendar/add", response={200: CalendarAddOut, **ERROR_RESPONSES},
            tags=CALENDAR_TAGS, summary="加工作日 / add working days")
@requires("calendar.view")
def calendar_add(request: HttpRequest, start: date, days: int) -> CalendarAddOut:
    """start 之后的第 days 个工作日（days 为 0 时即 start）。
    The `days`-th working day after `start` (`start` itself for 0)."""
    result = add_working_days(start, days)
    return CalendarAddOut(start=start, days=days, date=result.date, due_at=end_of_day(result.date),
                          provisional=result.provisional,
                          unconfirmed_years=list(result.unconfirmed_years))


@router.get("/calendar/count", response={200: CalendarCountOut, **ERROR_RESPONSES},
            tags=CALENDAR_TAGS, summary="数工作日 / count working days")
@requires("calendar.view")
def calendar_count(request: HttpRequest, start: date, end: date) -> CalendarCountOut:
    """(start, end] 之间的工作日数；end 早于 start 时为负数。
    Working days in (start, end]; negative when end is before start."""
    result = working_days_between(start, end)
    return CalendarCountOut(start=start, end=end, working_days=result.days,
                            provisional=result.provisional,
                            unconfirmed_years=list(result.unconfirmed_years))


@router.get("/calendar/deadline", response={200: CalendarDeadlineOut, **ERROR_RESPONSES},
            tags=CALENDAR_TAGS, summary="计算期限 / compute a deadline")
@requires("calendar.view")
def calendar_deadline(request: HttpRequest, start: datetime, count: int,
                      unit: DeadlineUnit = DeadlineUnit.WORKING_DAYS) -> CalendarDeadlineOut:
    """工作日、自然日在第 N 日 23:59:59（北京时间）到期；小时按钟点计算。不带时区的时间按北京时间。
    Working and calendar days end at 23:59:59 Asia/Shanghai on the Nth day; hours are wall
    clock. A time without a zone is taken as Asia/Shanghai."""
    result = deadline_at(start, count, unit)
    return CalendarDeadlineOut(start=start, count=count, unit=unit, due_at=result.due_at,
                               provisional=result.provisional,
                               unconfirmed_years=list(result.unconfirmed_years))
