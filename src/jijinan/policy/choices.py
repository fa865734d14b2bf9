"""Enumerations of the policy app: programs, value kinds, the basis of a figure, version status."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Program(models.TextChoices):
    """The program (or procedure) a parameter belongs to, in the order of POLICY.md."""

    TEMPORARY_ASSISTANCE = "temporary_assistance", _("临时救助")
    DIBAO = "dibao", _("最低生活保障")
    TEKUN = "tekun", _("特困人员救助供养")
    LOW_INCOME = "low_income", _("低收入人口与监测")
    MEDICAL_ASSISTANCE = "medical_assistance", _("医疗救助")
    VAGRANT_AID = "vagrant_aid", _("流浪乞讨人员救助")
    MEANS_VERIFICATION = "means_verification", _("家庭经济状况核对")
    CASE_HANDLING = "case_handling", _("办理时限与督办")
    GENERAL = "general", _("通用")


PROGRAM_ORDER = {value: i for i, value in enumerate(Program.values)}


class ValueKind(models.TextChoices):
    """What a parameter's value is; each kind has one stored (JSON) form, checked by ``values``."""

    MONEY = "money", _("金额")  # integer fen
    MULTIPLE = "multiple", _("倍数")  # Decimal, e.g. × the monthly 低保 standard
    RATE = "rate", _("百分比")  # Decimal percent: 70 means 70 %
    NUMBER = "number", _("数值")  # Decimal with the definition's unit (m² per person)
    INTEGER = "integer", _("整数")  # a count or an age, with the definition's unit
    MONTHS = "months", _("月数")
    DURATION = "duration", _("时限")  # {count, unit}: working days, calendar days or hours
    BOOLEAN = "boolean", _("是否")
    BAND = "band", _("区间")  # {min, max} multiples, both inclusive


class Basis(models.TextChoices):
    """Where a figure comes from (POLICY.md marks the last two)."""

    POLICY = "policy", _("政策文件")
    OTHER_PROVINCE = "other_province", _("外省做法")
    DEMO_DEFAULT = "demo_default", _("演示默认值")


class VersionStatus(models.TextChoices):
    """A version's state on a given day (derived, never stored)."""

    IN_FORCE = "in_force", _("生效中")
    PENDING = "pending", _("待生效")
    ENDED = "ended", _("已失效")
    WITHDRAWN = "withdrawn", _("已撤回")
