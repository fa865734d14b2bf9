"""Enumerations of escalation (报告协商) and consultation (会商)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EscalationTrigger(models.TextChoices):
    ABOVE_CAP = "above_cap", _("超过单次救助上限")
    ABOVE_THRESHOLD = "above_threshold", _("超过报告协商阈值")
    STABILITY_RISK = "stability_risk", _("有影响稳定的风险")
    CRISIS_UNRESOLVED = "crisis_unresolved", _("危机逾期未解除")
    MANUAL = "manual", _("工作人员报告")


class GovernmentLevel(models.TextChoices):
    TOWNSHIP = "township", _("乡镇（街道）人民政府")
    COUNTY = "county", _("县（区）人民政府")
    CITY = "city", _("市人民政府")


# The escalation level parameter counts levels up from the township.
LEVELS = (GovernmentLevel.TOWNSHIP, GovernmentLevel.COUNTY, GovernmentLevel.CITY)


class EscalationStatus(models.TextChoices):
    OPEN = "open", _("待召集会商")
    CONSULTING = "consulting", _("会商中")
    DECIDED = "decided", _("已作出会商决定")
    WITHDRAWN = "withdrawn", _("已撤回")


# An escalation in one of these is the case's open one (at most one per case).
OPEN_ESCALATION = frozenset({EscalationStatus.OPEN, EscalationStatus.CONSULTING})


class OpinionStatus(models.TextChoices):
    REQUESTED = "requested", _("待提出意见")
    GIVEN = "given", _("已提出意见")
    WITHDRAWN = "withdrawn", _("已撤回邀请")


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", _("现场会议")
    VIDEO = "video", _("视频会议")
    WRITTEN = "written", _("书面会商")


class DecisionOutcome(models.TextChoices):
    SUPPORT = "support", _("给予救助帮扶")
    UNREASONABLE = "unreasonable", _("诉求不合理，做好政策解释")


class FundingSource(models.TextChoices):
    PROGRAM_BUDGET = "program_budget", _("救助资金")
    RESERVE_FUND = "reserve_fund", _("备用金")
    CHARITY = "charity", _("慈善组织或基金")
    DEPARTMENT = "department", _("部门资金")
    OTHER = "other", _("其他")
