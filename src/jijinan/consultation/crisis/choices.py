"""Enumerations of the crisis intervention track (危机干预)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InterventionStatus(models.TextChoices):
    OPEN = "open", _("干预中")
    RESOLVED = "resolved", _("危机已解除")


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("电话")
    HOME_VISIT = "home_visit", _("上门")
    VIDEO = "video", _("视频")
    WITH_POLICE = "with_police", _("会同公安民警")
    WITH_MEDICAL = "with_medical", _("会同医护人员")
    AT_OFFICE = "at_office", _("来访面谈")
    OTHER = "other", _("其他")


class RiskLevel(models.TextChoices):
    HIGH = "high", _("高风险")
    MEDIUM = "medium", _("中风险")
    LOW = "low", _("低风险")


class ReassessmentOutcome(models.TextChoices):
    HIGH = "high", _("高风险")
    MEDIUM = "medium", _("中风险")
    LOW = "low", _("低风险")
    RESOLVED = "resolved", _("风险已解除")


class ProfessionalKind(models.TextChoices):
    SOCIAL_WORKER = "social_worker", _("社会工作者")
    HOTLINE = "hotline", _("心理援助热线")
    COUNSELLOR = "counsellor", _("心理咨询师")
    POLICE = "police", _("公安民警")
    MEDICAL = "medical", _("医疗机构")
    OTHER = "other", _("其他")


class EscalationState(models.TextChoices):
    """What the sweep did with a crisis left unresolved past its limit."""

    NONE = "", _("未报告")
    ESCALATED = "escalated", _("已报告协商")
    REFUSED = "refused", _("无法报告协商")
