"""Choices of the audit app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditOutcome(models.TextChoices):
    DONE = "done", _("已执行")
    REFUSED = "refused", _("已拒绝")


class AccessKind(models.TextChoices):
    VIEW = "view", _("查看")
    PRINT = "print", _("打印")
    EXPORT = "export", _("导出")
    UNMASK = "unmask", _("显示完整信息")


class SealChain(models.TextChoices):
    """The two hash chains: each has its own sequence and its own seal state."""

    AUDIT = "audit", _("审计事件")
    ACCESS = "access", _("访问日志")
