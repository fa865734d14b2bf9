"""Audit events and the access log: append-only rows, later sealed into a hash chain each.

Nothing updates or deletes these rows except the sealer, which sets the seal fields of a row
exactly once (``seq``, ``prev_hash``, ``hash``, ``sealed_at``). ``jijinan audit verify``
recomputes the chains, so an edit or a deletion made behind the application's back shows up.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.audit.choices import AccessKind, AuditOutcome, SealChain


class SealedRow(models.Model):
    """The seal fields: empty until the sealer links the row into its chain."""

    seq = models.PositiveBigIntegerField(_("链序号"), null=True, blank=True, unique=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64, blank=True)
    hash = models.CharField(_("哈希"), max_length=64, blank=True)
    sealed_at = models.DateTimeField(_("封存时间"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_sealed(self) -> bool:
        return self.seq is not None


class AuditEvent(SealedRow):
    """One change (or one refused attempt) made by a person or by the system."""

    # PROTECT, never SET_NULL: changing actor_id would break the row's hash.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True,
                              blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(_("操作人名称"), max_length=150, blank=True,
                                   help_text=_("记录时的姓名；为空表示系统"))
    action = models.CharField(_("操作"), max_length=100, db_index=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=AuditOutcome.choices,
                               default=AuditOutcome.DONE)
    subject_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    subject_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    subject_label = models.CharField(_("对象名称"), max_length=200, blank=True)
    region_code = models.CharField(_("所属区划代码"), max_length=12, blank=True, db_index=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True,
                               help_text=_("字段 → [修改前, 修改后]"))
    note = models.TextField(_("说明"), blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("发生时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "occurred_at"],
                         name="audit_event_subject_idx"),
            # The sealer's work list: small, because rows leave it within seconds.
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True),
                         name="audit_event_unsealed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} #{self.pk}"


class AccessLog(SealedRow):
    """One view, print, export or unmasking of protected or sensitive fields of a record.

    A system job or a bulk export writes one row per run with ``rows`` = how many records it
    read, not one row per record.
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("查阅人"), null=True,
                              blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(_("查阅人名称"), max_length=150, blank=True,
                                   help_text=_("记录时的姓名；为空表示系统"))
    kind = models.CharField(_("方式"), max_length=10, choices=AccessKind.choices)
    subject_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    subject_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    subject_label = models.CharField(_("对象名称"), max_length=200, blank=True)
    region_code = models.CharField(_("所属区划代码"), max_length=12, blank=True, db_index=True)
    fields = models.JSONField(_("涉及字段"), default=list, blank=True)
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    rows = models.PositiveBigIntegerField(_("记录数"), null=True, blank=True,
                                          help_text=_("批量导出或后台任务一次读取的记录数"))
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("访问日志")
        verbose_name_plural = _("访问日志")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "at"],
                         name="audit_access_subject_idx"),
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True),
                         name="audit_access_unsealed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_type}:{self.subject_id} #{self.pk}"


class SealState(models.Model):
    """The head of one chain. Its row lock serialises sealers; writers of events never touch it."""

    chain = models.CharField(_("链"), max_length=10, choices=SealChain.choices, unique=True)
    last_seq = models.PositiveBigIntegerField(_("最后序号"), default=0)
    last_hash = models.CharField(_("最后哈希"), max_length=64, blank=True)
    sealed_at = models.DateTimeField(_("最近封存时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("封存状态")
        verbose_name_plural = _("封存状态")

    def __str__(self) -> str:
        return f"{self.chain} @ {self.last_seq}"
