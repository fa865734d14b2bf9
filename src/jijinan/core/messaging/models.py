"""The tables of messages to people: text messages, one-time codes, inbox notices, e-mails."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.core.protected.fields import EncryptedTextField
from jijinan.core.texts import render

SMS_TO_PURPOSE = "core.sms.to"
SMS_TEXT_PURPOSE = "core.sms.text"


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class OutboundMessage(models.Model):
    """What every message sent through the outbox keeps: its delivery state, the outbox event that
    sent it (``message_id``) and the record it is about."""

    status = models.CharField(_("状态"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    message_id = models.UUIDField(_("消息编号"), unique=True)
    subject_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    subject_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class SmsMessage(OutboundMessage):
    """One text message, delivered through the outbox; ``message_id`` is the outbox event id,
    so a redelivered event finds its row and is never sent twice."""

    to = EncryptedTextField(_("手机号"), purpose=SMS_TO_PURPOSE, mask="phone")
    to_index = models.CharField(_("手机号索引"), max_length=64, db_index=True)
    template = models.CharField(_("短信模板"), max_length=60)
    # Encrypted too: a one-time code travels in the text, and must not sit readable in the table.
    text = EncryptedTextField(_("短信内容"), purpose=SMS_TEXT_PURPOSE)
    provider_ref = models.CharField(_("服务商回执号"), max_length=200, blank=True)

    class Meta(OutboundMessage.Meta):
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
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
    # The title and body as messages with their parameters (core.texts), shown in the reader's
    # language; ``title`` and ``body`` keep their Chinese rendering.
    texts = models.JSONField(_("文本"), default=dict, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "created_at"], name="core_inbox_user_idx")]
        constraints = [models.UniqueConstraint(fields=["user", "event_id"], condition=models.Q(event_id__isnull=False),
                                               name="core_inbox_once_per_event")]

    def __str__(self) -> str:
        return self.title

    @property
    def title_text(self) -> str:
        return render((self.texts or {}).get("title"), self.title)

    @property
    def body_text(self) -> str:
        return render((self.texts or {}).get("body"), self.body)


MAIL_BODY_PURPOSE = "core.mail.body"


class MailMessage(OutboundMessage):
    """One e-mail, delivered through the outbox by the configured Django e-mail backend;
    ``message_id`` is the outbox event id, so a redelivered event is never sent twice."""

    to = models.EmailField(_("收件地址"))
    subject = models.CharField(_("主题"), max_length=200)
    body = EncryptedTextField(_("正文"), purpose=MAIL_BODY_PURPOSE)

    class Meta(OutboundMessage.Meta):
        verbose_name = _("电子邮件")
        verbose_name_plural = _("电子邮件")

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.status})"
