"""The tables of the working-day calendar: its years and the days that break the weekly rhythm."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("休息日")
    WORKDAY = "workday", _("调休上班日")


class CalendarDaySource(models.TextChoices):
    PACKAGE = "package", _("软件包")
    ADMIN = "admin", _("管理员录入")
    CSV = "csv", _("CSV 导入")


class CalendarYear(models.Model):
    """One year of the working-day calendar; *confirmed* once the State Council's arrangement is in.

    In an unconfirmed year only weekends and the statutory holidays themselves count, and every
    deadline reaching into it is provisional.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    confirmed = models.BooleanField(_("已确认"), default=False)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to "Monday to Friday work, Saturday and Sunday rest": one row per date."""

    year = models.ForeignKey(CalendarYear, verbose_name=_("年度"), on_delete=models.PROTECT,
                             related_name="days")
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=CalendarDaySource.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    changed_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("日历例外日")
        verbose_name_plural = _("日历例外日")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=CalendarDayKind.values),
                                   name="core_calendarday_kind_valid"),
            models.CheckConstraint(condition=models.Q(source__in=CalendarDaySource.values),
                                   name="core_calendarday_source_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.kind}"
