"""Enumerations of supervision (督查督办)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MatterKind(models.TextChoices):
    """What a 督办 order chases. One matter has at most one open order."""

    DEADLINE = "deadline", _("超期未办")  # a deadline overdue past the grace
    DEFLECTION = "deflection", _("推诿预警")  # a deflection flag (returns, cycle, idle)
    ESCALATION = "escalation", _("报告协商逾期未召集会商")  # an escalation's convene deadline ran out
    DUTY = "duty", _("会商分工逾期未落实")  # a consultation duty's task deadline ran out
    MANUAL = "manual", _("人工督办")  # opened by hand on a case, a task or another record


class OrderStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复待审核")
    CLOSED = "closed", _("已办结")
    ESCALATED = "escalated", _("已提级督办")
    CANCELLED = "cancelled", _("已撤销")


# An order in one of these is its matter's open order (at most one per matter).
OPEN_ORDER = frozenset({OrderStatus.OPEN, OrderStatus.ANSWERED})


class OrderEventKind(models.TextChoices):
    OPENED = "opened", _("发出督办")
    ANSWERED = "answered", _("答复")
    SENT_BACK = "sent_back", _("退回重办")
    CLOSED = "closed", _("办结")
    ESCALATED = "escalated", _("提级督办")
    CANCELLED = "cancelled", _("撤销")
    REMINDED = "reminded", _("提醒")


class Failing(models.TextChoices):
    """What went wrong, in an accountability record (责任追究)."""

    DEFLECTION = "deflection", _("推诿扯皮")
    LATE = "late", _("处置不及时")
    NOT_IMPLEMENTED = "not_implemented", _("责任不落实")
    OTHER = "other", _("其他")


class FilingStatus(models.TextChoices):
    FILED = "filed", _("已备案")
    SAMPLED = "sampled", _("抽查中")
    CHECKED = "checked", _("已抽查")


class CheckFinding(models.TextChoices):
    COMPLIANT = "compliant", _("符合规定")
    PROBLEM = "problem", _("存在问题")
