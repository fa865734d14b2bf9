"""Enumerations of the exchange app: batch status and mode, import targets, column types, linkage."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchStatus(models.TextChoices):
    VALIDATING = "validating", _("校验中")
    VALIDATED = "validated", _("待确认")
    REJECTED = "rejected", _("未通过校验")
    COMMITTED = "committed", _("已导入")
    DISCARDED = "discarded", _("已放弃")
    UNDONE = "undone", _("已撤销")


class BatchMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("全部正确才导入")
    ACCEPT_VALID = "accept_valid", _("导入正确的行，跳过错误行")


class ImportTarget(models.TextChoices):
    PERSON = "person", _("救助对象")
    MEMBERSHIP = "membership", _("救助项目记录")
    EVENT = "event", _("部门事件记录")


class ColumnType(models.TextChoices):
    TEXT = "text", _("文本")
    ID_NUMBER = "id_number", _("身份证号")
    DATE = "date", _("日期")
    MONEY_YUAN = "money_yuan", _("金额（元）")
    INTEGER = "integer", _("整数")
    CHOICE = "choice", _("选项")
    REGION_CODE = "region_code", _("区划代码")
    PHONE = "phone", _("电话")


class Linkage(models.TextChoices):
    MATCHED = "matched", _("已关联")
    UNLINKED = "unlinked", _("待关联")


class CreatedKind(models.TextChoices):
    PERSON = "person", _("救助对象")
    MEMBERSHIP = "membership", _("救助项目记录")
