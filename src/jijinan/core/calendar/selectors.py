"""Reads of the working-day calendar: its years and exception days, and the years still to confirm."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from jijinan.core.calendar.models import CalendarDay, CalendarDayKind, CalendarYear
from jijinan.core.calendar.workdays import today_local
from jijinan.core.errors import NotFound


def calendar_year_list() -> QuerySet[CalendarYear]:
    """Every calendar year with its counts of holidays and make-up workdays."""
    return (CalendarYear.objects.select_related("confirmed_by")
            .annotate(holiday_count=Count("days", filter=Q(days__kind=CalendarDayKind.HOLIDAY)),
                      workday_count=Count("days", filter=Q(days__kind=CalendarDayKind.WORKDAY)))
            .order_by("year"))


def calendar_year_get(*, year: int) -> CalendarYear:
    found = calendar_year_list().filter(year=year).first()
    if found is None:
        raise NotFound(_("日历中没有 %(year)s 年") % {"year": year}, code="calendar_year_not_found")
    return found


def calendar_day_list(*, year: int) -> QuerySet[CalendarDay]:
    return (CalendarDay.objects.filter(year__year=year).select_related("changed_by")
            .order_by("date"))


def calendar_day_get(*, day: date) -> CalendarDay:
    found = CalendarDay.objects.filter(date=day).select_related("changed_by").first()
    if found is None:
        raise NotFound(_("%(date)s 不在日历例外日中") % {"date": day.isoformat()},
                       code="calendar_day_not_found")
    return found


def calendar_years_needing_attention(*, today: date | None = None) -> list[int]:
    """This year and next year when they are missing or unconfirmed (for the warning banner)."""
    current = (today or today_local()).year
    confirmed = set(CalendarYear.objects.filter(year__in=[current, current + 1], confirmed=True)
                    .values_list("year", flat=True))
    return [y for y in (current, current + 1) if y not in confirmed]
