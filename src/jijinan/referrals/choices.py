"""Enumerations of referrals (分办 / 转办)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待接收")
    ACCEPTED = "accepted", _("办理中")
    RETURNED = "returned", _("已退回")
    COMPLETED = "completed", _("已办结")
    CANCELLED = "cancelled", _("已撤回")


# A task in one of these keeps its case from closing.
OPEN_STATUSES = frozenset({TaskStatus.PENDING, TaskStatus.ACCEPTED, TaskStatus.RETURNED})


class ReturnReason(models.TextChoices):
    NOT_OUR_DUTY = "not_our_duty", _("不属于本部门职责")
    OUTSIDE_AREA = "outside_area", _("不属于本辖区")
    NOT_ELIGIBLE = "not_eligible", _("不符合本部门政策条件")
    ALREADY_HANDLED = "already_handled", _("已由本部门办理过")
    INSUFFICIENT = "insufficient", _("材料不全，无法办理")
    OTHER = "other", _("其他")


class TaskEventKind(models.TextChoices):
    OPENED = "opened", _("分办")
    ACCEPTED = "accepted", _("接收")
    RETURNED = "returned", _("退回")
    INFO_REQUESTED = "info_requested", _("要求补充材料")
    INFO_PROVIDED = "info_provided", _("补充材料")
    PROGRESS = "progress", _("办理进展")
    COMPLETED = "completed", _("办结")
    TRANSFERRED = "transferred", _("转办")
    REASSIGNED = "reassigned", _("重新交办")
    CANCELLED = "cancelled", _("撤回")
    FLAGGED = "flagged", _("推诿预警")


# The events that move a task to an office (its hand-off history).
HAND_OFFS = frozenset({TaskEventKind.OPENED, TaskEventKind.TRANSFERRED, TaskEventKind.REASSIGNED})


class FlagReason(models.TextChoices):
    RETURNS = "returns", _("多次退回")
    CYCLE = "cycle", _("循环转办")
    IDLE = "idle", _("超期未办")


class FlagStatus(models.TextChoices):
    """A flag's life: open → under 督办 → resolved (with the finding) or dismissed (with a reason)."""

    OPEN = "open", _("待处理")
    SUPERVISED = "supervised", _("督办中")
    RESOLVED = "resolved", _("已查实处理")
    DISMISSED = "dismissed", _("已排除")


# A flag in one of these is the task's live flag of its reason: raised again, it counts one more
# occurrence instead of opening another.
LIVE_FLAG = frozenset({FlagStatus.OPEN, FlagStatus.SUPERVISED})
