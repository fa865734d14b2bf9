"""The tables of background work: jobs, the periodic schedule, worker heartbeats, and the outbox."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.core.jobs.choices import DeliveryStatus, JobStatus


class Job(models.Model):
    """One unit of background work, claimed by a worker with a lease.

    A worker that dies (even by SIGKILL) leaves its job RUNNING with a lease in the past; the
    next claim takes it up again, so nothing is lost.
    """

    name = models.CharField(_("任务名"), max_length=100)
    payload = models.JSONField(_("参数"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    priority = models.SmallIntegerField(_("优先级"), default=100, help_text=_("数字越小越先运行"))
    run_after = models.DateTimeField(_("最早运行时间"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    max_attempts = models.PositiveIntegerField(_("最多尝试次数"), default=5)
    claimed_by = models.CharField(_("领取者"), max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(_("租约到期"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        indexes = [
            models.Index(fields=["status", "priority", "run_after"], name="core_job_claim_idx"),
            models.Index(fields=["status", "lease_expires_at"], name="core_job_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}#{self.pk} ({self.status})"


class PeriodicSchedule(models.Model):
    """When each registered periodic job is next due; claimed atomically so one worker fires it."""

    name = models.CharField(_("周期任务名"), max_length=100, unique=True)
    next_run_at = models.DateTimeField(_("下次运行"))
    last_enqueued_at = models.DateTimeField(_("上次入队"), null=True, blank=True)

    class Meta:
        verbose_name = _("周期任务")
        verbose_name_plural = _("周期任务")

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    """A running worker reports here; /api/v1/health reads it."""

    worker_id = models.CharField(_("进程标识"), max_length=100, unique=True)
    hostname = models.CharField(_("主机"), max_length=255)
    pid = models.PositiveIntegerField(_("进程号"))
    started_at = models.DateTimeField(_("启动时间"))
    seen_at = models.DateTimeField(_("最近心跳"))
    jobs_done = models.PositiveIntegerField(_("已完成任务数"), default=0)

    class Meta:
        verbose_name = _("后台进程")
        verbose_name_plural = _("后台进程")

    def __str__(self) -> str:
        return self.worker_id


class OutboxMessage(models.Model):
    """A domain event, written in the business transaction that caused it (transactional outbox)."""

    event_id = models.UUIDField(_("事件编号"), unique=True, default=uuid.uuid4, editable=False)
    type = models.CharField(_("事件类型"), max_length=100)
    occurred_at = models.DateTimeField(_("发生时间"), default=timezone.now)
    subject_type = models.CharField(_("对象类型"), max_length=100)
    subject_id = models.CharField(_("对象编号"), max_length=64)
    schema_version = models.PositiveSmallIntegerField(_("格式版本"), default=1)
    payload = models.JSONField(_("内容"), default=dict)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        indexes = [models.Index(fields=["subject_type", "subject_id", "id"], name="core_outbox_subject_idx")]

    def __str__(self) -> str:
        return f"{self.type} {self.subject_type}#{self.subject_id}"


class OutboxDelivery(models.Model):
    """One message to one registered handler: claimed with a lease, retried, dead-lettered."""

    message = models.ForeignKey(OutboxMessage, verbose_name=_("消息"), on_delete=models.CASCADE,
                                related_name="deliveries")
    handler = models.CharField(_("接收方"), max_length=100)
    status = models.CharField(_("状态"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    claimed_by = models.CharField(_("领取者"), max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(_("租约到期"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息投递")
        verbose_name_plural = _("消息投递")
        constraints = [models.UniqueConstraint(fields=["message", "handler"], name="core_delivery_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="core_delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.handler} ← {self.message_id} ({self.status})"
