"""The statuses of jobs and of outbox deliveries."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    DONE = "done", _("已完成")
    DEAD = "dead", _("失败（已停止重试）")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待投递")
    DELIVERED = "delivered", _("已送达")
    DEAD = "dead", _("投递失败")
