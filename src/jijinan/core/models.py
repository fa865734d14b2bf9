"""Database-backed job queue, periodic schedule, worker heartbeats, and the working-day calendar."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.core.choices import DeliveryStatus, JobStatus


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


# --- The working-day calendar ---------------------------------------------------------------
# Defined here rather than in choices.py so that the calendar stays one self-contained block.


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("休息日")
    WORKDAY = "workday", _("调休上班日")


class CalendarDaySource(models.TextChoices):
    PACKAGE = "package", _("软件包")
    ADMIN = "admin", _("管理员录入")
    CSV = "csv", _("CSV 导入")


class CalendarYear(models.Model):
    """One year of the working-day calendar; *confirmed* once the State Council's arrangement is in.

    In an unconfirmed year only weekends and the statutory holidays themselves count, and every
    deadline reaching into it is provisional.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    confirmed = models.BooleanField(_("已确认"), default=False)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("日历年度")
        verbose_name_plural = _("日历年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to "Monday to Friday work, Saturday and Sunday rest": one row per date."""

    year = models.ForeignKey(CalendarYear, verbose_name=_("年度"), on_delete=models.PROTECT,
                             related_name="days")
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("名称"), max_length=100, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=CalendarDaySource.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    changed_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("日历例外日")
        verbose_name_plural = _("日历例外日")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=CalendarDayKind.values),
                                   name="core_calendarday_kind_valid"),
            models.CheckConstraint(condition=models.Q(source__in=CalendarDaySource.values),
                                   name="core_calendarday_source_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.kind}"


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


# --- The deadline engine -----------------------------------------------------------------------
# One generic table for every deadline (cases, tasks, orders, visits): the supervision board
# reads only this. The rules live in deadlines.py (kinds, the clock) and deadline_services.py.


class DeadlineStatus(models.TextChoices):
    """Derived from the timestamps, never stored: see ``Deadline.status``."""

    OPEN = "open", _("进行中")
    PAUSED = "paused", _("已暂停")
    BREACHED = "breached", _("已超期")
    MET = "met", _("已完成")
    CANCELLED = "cancelled", _("已取消")


# The values of jijinan.core.calendar.DeadlineUnit (which imports this module).
DEADLINE_UNITS = ("working_days", "calendar_days", "hours")


class Deadline(models.Model):
    """A limit on one piece of work: when it started, when it runs out, and what became of it.

    ``due_at`` is always ``counted_units`` units counted from ``counted_from`` over the working-day
    calendar (plus ``paused_seconds`` for hours and calendar days): the engine recomputes it from
    these when the calendar changes. ``breached_at`` is the instant the limit ran out (its
    ``due_at``), stamped once by whoever notices first: the sweep, or a late meet or cancel.
    ``breached_at`` and ``met_at`` may both be set (met late).
    """

    subject_type = models.CharField(_("对象类型"), max_length=100)
    subject_id = models.CharField(_("对象编号"), max_length=64)
    kind = models.CharField(_("期限类型"), max_length=60)
    region_code = models.CharField(_("所属区划代码"), max_length=12, db_index=True,
                                   help_text=_("对象所在区划，决定谁能看到该期限"))
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("负责人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    owner_organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("负责机构"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    started_at = models.DateTimeField(_("起算时间"))
    unit = models.CharField(_("单位"), max_length=15)
    limit = models.PositiveIntegerField(_("期限"))
    due_at = models.DateTimeField(_("到期时间"))
    provisional = models.BooleanField(_("暂定"), default=False,
                                      help_text=_("计算涉及尚未确认放假安排的年度"))
    unconfirmed_years = models.JSONField(_("未确认年度"), default=list, blank=True)
    counted_from = models.DateTimeField(_("计算起点"),
                                        help_text=_("起算时间，或工作日期限最近一次恢复计时的时间"))
    counted_units = models.PositiveIntegerField(_("计算单位数"))
    paused_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    pause_reason = models.CharField(_("暂停原因"), max_length=500, blank=True)
    paused_seconds = models.PositiveBigIntegerField(_("累计暂停秒数"), default=0)
    extensions = models.JSONField(_("延期记录"), default=list, blank=True)
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    breached_at = models.DateTimeField(_("超期时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=500, blank=True)
    parameters = models.JSONField(_("所用政策参数"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("期限")
        verbose_name_plural = _("期限")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="core_deadline_subject_idx"),
            # The sweep's work list: only deadlines still running.
            models.Index(fields=["due_at"], name="core_deadline_running_idx",
                         condition=models.Q(breached_at__isnull=True, met_at__isnull=True,
                                            cancelled_at__isnull=True, paused_at__isnull=True)),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(unit__in=DEADLINE_UNITS),
                                   name="core_deadline_unit_valid"),
            models.CheckConstraint(
                condition=models.Q(met_at__isnull=True) | models.Q(cancelled_at__isnull=True),
                name="core_deadline_met_or_cancelled"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_label} {self.subject_type}#{self.subject_id}"

    @property
    def status(self) -> str:
        if self.cancelled_at is not None:
            return DeadlineStatus.CANCELLED
        if self.met_at is not None:
            return DeadlineStatus.MET
        if self.paused_at is not None:
            return DeadlineStatus.PAUSED
        if self.breached_at is not None:
            return DeadlineStatus.BREACHED
        return DeadlineStatus.OPEN

    def get_status_display(self) -> str:
        return str(DeadlineStatus(self.status).label)

    def get_unit_display(self) -> str:
        from jijinan.core.calendar import DeadlineUnit

        return str(DeadlineUnit(self.unit).label)

    @property
    def kind_label(self) -> str:
        from jijinan.core.deadlines import kind_label

        return kind_label(self.kind)

    @property
    def subject_url(self) -> str:
        from jijinan.core.deadlines import subject_url

        return subject_url(self.kind, self.subject_id)

    @property
    def run_out(self) -> bool:
        """Still running and past its time, before the sweep has marked it breached."""
        return self.status == DeadlineStatus.OPEN and self.due_at < timezone.now()

    @property
    def met_late(self) -> bool:
        return self.met_at is not None and self.breached_at is not None


# --- Keyword search ----------------------------------------------------------------------------
# One row per searchable subject, holding its text pre-split into single characters, bigrams and
# words (jijinan.core.textsearch). The database's own full-text index is built over those tokens:
# an FTS5 table on SQLite, a GIN index over a tsvector expression on PostgreSQL (migration 0005).


class SearchEntry(models.Model):
    """The searchable text of one subject (a case, a household …), as tokens."""

    subject_type = models.CharField(_("对象类型"), max_length=100)
    subject_id = models.CharField(_("对象编号"), max_length=64)
    region_code = models.CharField(_("所属区划代码"), max_length=12, blank=True, db_index=True)
    text_tokens = models.TextField(_("检索词"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("检索条目")
        verbose_name_plural = _("检索条目")
        constraints = [models.UniqueConstraint(fields=["subject_type", "subject_id"],
                                               name="core_searchentry_subject_unique")]

    def __str__(self) -> str:
        return f"{self.subject_type}#{self.subject_id}"


# --- SMS and one-time codes --------------------------------------------------------------------
# Imported here rather than at the top so that this block stays self-contained.
from jijinan.core.fields import EncryptedTextField  # noqa: E402

SMS_TO_PURPOSE = "core.sms.to"
SMS_TEXT_PURPOSE = "core.sms.text"


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class SmsMessage(models.Model):
    """One text message, delivered through the outbox; ``message_id`` is the outbox event id,
    so a redelivered event finds its row and is never sent twice."""

    to = EncryptedTextField(_("手机号"), purpose=SMS_TO_PURPOSE, mask="phone")
    to_index = models.CharField(_("手机号索引"), max_length=64, db_index=True)
    template = models.CharField(_("短信模板"), max_length=60)
    # Encrypted too: a one-time code travels in the text, and must not sit readable in the table.
    text = EncryptedTextField(_("短信内容"), purpose=SMS_TEXT_PURPOSE)
    status = models.CharField(_("状态"), max_length=10, choices=SmsStatus.choices,
                              default=SmsStatus.QUEUED)
    provider_ref = models.CharField(_("服务商回执号"), max_length=200, blank=True)
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    message_id = models.UUIDField(_("消息编号"), unique=True)
    subject_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    subject_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(status__in=SmsStatus.values),
                                              name="core_smsmessage_status_valid")]

    def __str__(self) -> str:
        return f"{self.template} → {self.to} ({self.status})"


class OneTimeCode(models.Model):
    """A 6-digit code sent by SMS; only its keyed hash is stored."""

    phone_index = models.CharField(_("手机号索引"), max_length=64)
    purpose = models.CharField(_("用途"), max_length=60)
    code_hash = models.CharField(_("验证码摘要"), max_length=64)
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("已验证次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("验证码")
        verbose_name_plural = _("验证码")
        indexes = [
            models.Index(fields=["phone_index", "purpose", "created_at"], name="core_otp_lookup_idx"),
            models.Index(fields=["phone_index", "created_at"], name="core_otp_rate_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} #{self.pk}"


class InboxItem(models.Model):
    """One notice in a user's in-app inbox (a task addressed to their office, a flag to watch …).

    Written by outbox handlers; ``event_id`` is the outbox event that caused it, so a redelivered
    event never posts the same notice twice to the same user.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.CASCADE,
                             related_name="inbox_items")
    kind = models.CharField(_("类型"), max_length=60)
    title = models.CharField(_("标题"), max_length=200)
    body = models.CharField(_("内容"), max_length=1000, blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    subject_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    subject_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    event_id = models.UUIDField(_("事件编号"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "created_at"], name="core_inbox_user_idx")]
        constraints = [models.UniqueConstraint(fields=["user", "event_id"], condition=models.Q(event_id__isnull=False),
                                               name="core_inbox_once_per_event")]

    def __str__(self) -> str:
        return self.title


MAIL_BODY_PURPOSE = "core.mail.body"


class MailMessage(models.Model):
    """One e-mail, delivered through the outbox by the configured Django e-mail backend;
    ``message_id`` is the outbox event id, so a redelivered event is never sent twice."""

    to = models.EmailField(_("收件地址"))
    subject = models.CharField(_("主题"), max_length=200)
    body = EncryptedTextField(_("正文"), purpose=MAIL_BODY_PURPOSE)
    status = models.CharField(_("状态"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    message_id = models.UUIDField(_("消息编号"), unique=True)
    subject_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    subject_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("电子邮件")
        verbose_name_plural = _("电子邮件")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.status})"
