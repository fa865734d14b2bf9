"""Choices of the verification app: the data sources of POLICY.md §8, statuses, methods, origins."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jijinan.core.uploads import FileKind


class Source(models.TextChoices):
    """The ten data sources the county queries with the household's authorisation (SAIM art. 58)."""

    HOUSEHOLD_REGISTRATION = "household_registration", _("户籍")
    TAX = "tax", _("税务")
    SOCIAL_INSURANCE = "social_insurance", _("社会保险")
    REAL_ESTATE = "real_estate", _("不动产登记")
    BUSINESS_REGISTRATION = "business_registration", _("市场主体登记")
    HOUSING_FUND = "housing_fund", _("住房公积金")
    VEHICLES = "vehicles", _("车辆船舶")
    BANKS = "banks", _("银行")
    INSURERS = "insurers", _("保险机构")
    SECURITIES = "securities", _("证券机构")


class AuthorisationMethod(models.TextChoices):
    SCANNED = "scanned", _("书面授权书扫描件")
    SIGNED_ON_SCREEN = "signed_on_screen", _("屏幕签名")


# What an authorisation's document is, as its content (not its name) says.
DocumentKind = FileKind


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待答复")
    ANSWERED = "answered", _("已答复")
    FAILED = "failed", _("查询失败")
    CANCELLED = "cancelled", _("已取消")


OPEN_STATUSES = (RequestStatus.PENDING,)


class ResultOrigin(models.TextChoices):
    MANUAL = "manual", _("人工录入")
    IMPORT = "import", _("文件导入")


class VehicleUse(models.TextChoices):
    """Mirrors ``jijinan.policy.calculators.property.VehicleUse`` (the calculators read those codes)."""

    PRIVATE = "private", _("自用")
    SOLE_LIVELIHOOD = "sole_livelihood", _("唯一生计用小型营运车辆")
    DISABILITY = "disability", _("残疾人代步车")
