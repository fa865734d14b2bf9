"""Referrals: the responsibility matrix (职责清单), department tasks (分办任务) with their hand-off
history, their documents, and deflection flags (推诿预警)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.referrals.choices import LIVE_FLAG, FlagReason, FlagStatus, ReturnReason, TaskEventKind, TaskStatus


class ResponsibilityRule(models.Model):
    """One row of the matrix: a need (optionally of a category, a program, inside a region) goes
    to a department type, with a default deadline. A change writes a new row and retires the old
    one (``replaced_by``), so the matrix keeps its history."""

    need = models.ForeignKey("cases.NeedType", verbose_name=_("需求类型"), on_delete=models.PROTECT,
                             related_name="+")
    category = models.ForeignKey("cases.CaseCategory", verbose_name=_("急难类别"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+", help_text=_("留空：任何类别"))
    program = models.CharField(_("救助项目"), max_length=30, blank=True, help_text=_("留空：任何项目"))
    region = models.ForeignKey("regions.Region", verbose_name=_("适用区划"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+", help_text=_("留空：全省"))
    department_type = models.ForeignKey("accounts.DepartmentType", verbose_name=_("责任部门"),
                                        on_delete=models.PROTECT, related_name="+")
    limit_count = models.PositiveSmallIntegerField(_("办理时限"), null=True, blank=True,
                                                   help_text=_("留空：按政策参数“部门分办任务时限”"))
    limit_unit = models.CharField(_("时限单位"), max_length=15, blank=True)
    required_result = models.CharField(_("要求反馈的结果"), max_length=300)
    duty = models.CharField(_("职责依据"), max_length=300, blank=True)
    demo_default = models.BooleanField(_("演示默认值"), default=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    retired_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    retired_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("停用人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    retire_reason = models.CharField(_("停用原因"), max_length=300, blank=True)
    replaced_by = models.ForeignKey("self", verbose_name=_("由此条目取代"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("职责清单条目")
        verbose_name_plural = _("职责清单")
        ordering = ["need__sort_order", "department_type__sort_order", "id"]
        indexes = [models.Index(fields=["need", "retired_at"], name="referrals_rule_need_idx")]

    def __str__(self) -> str:
        return f"{self.need} → {self.department_type}"


class Task(models.Model):
    """One department office's share of a case (分办任务)."""

    case = models.ForeignKey("cases.Case", verbose_name=_("急难事项"), on_delete=models.PROTECT,
                             related_name="tasks")
    sequence = models.PositiveSmallIntegerField(_("序号"))
    need = models.ForeignKey("cases.NeedType", verbose_name=_("需求类型"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(ResponsibilityRule, verbose_name=_("依据的职责清单条目"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="tasks")
    office = models.ForeignKey("accounts.Organisation", verbose_name=_("承办部门"), on_delete=models.PROTECT,
                               related_name="referral_tasks")
    status = models.CharField(_("状态"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    description = models.TextField(_("任务说明"))
    required_result = models.CharField(_("要求反馈的结果"), max_length=300)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    deadline = models.ForeignKey("core.Deadline", verbose_name=_("办理期限"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    info_requested = models.BooleanField(_("待补充材料"), default=False)
    returns = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    result = models.TextField(_("办理结果"), blank=True)
    result_amount_fen = models.PositiveBigIntegerField(_("救助金额（分）"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("分办人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("分办时间"), default=timezone.now)
    accepted_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("最近办理时间"), default=timezone.now)
    # When an accepted task would count as idle (its deadline ran out and nothing happened for the
    # idle limit); cleared once it is flagged, and set again by its next activity.
    idle_at = models.DateTimeField(_("超期未办预警时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("部门任务")
        verbose_name_plural = _("部门任务")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["office", "status", "created_at"], name="referrals_task_office_idx"),
            models.Index(fields=["case", "status"], name="referrals_task_case_idx"),
            # The idle sweep reads only the tasks due for a look.
            models.Index(fields=["idle_at"], condition=Q(idle_at__isnull=False), name="referrals_task_idle_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case", "sequence"], name="referrals_task_unique_sequence"),
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="referrals_task_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number}-{self.sequence}"

    @property
    def number(self) -> str:
        return f"{self.case.number}-{self.sequence:02d}"


class TaskEvent(models.Model):
    """One step of a task's history: who handed it to whom, who returned it and why, progress."""

    task = models.ForeignKey(Task, verbose_name=_("部门任务"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("事件"), max_length=20, choices=TaskEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    from_office = models.ForeignKey("accounts.Organisation", verbose_name=_("来自"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    to_office = models.ForeignKey("accounts.Organisation", verbose_name=_("交往"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    reason_code = models.CharField(_("原因"), max_length=20, choices=ReturnReason.choices, blank=True)
    text = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("部门任务事件")
        verbose_name_plural = _("部门任务事件")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind}"


class TaskAttachment(models.Model):
    """A document of a task (the department's result, a paper the case side supplied)."""

    task = models.ForeignKey(Task, verbose_name=_("部门任务"), on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(TaskEvent, verbose_name=_("所属事件"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="attachments")
    name = models.CharField(_("文件名"), max_length=200)
    path = models.CharField(_("存储路径"), max_length=300)
    size = models.PositiveIntegerField(_("大小"))
    content_type = models.CharField(_("类型"), max_length=50)
    sha256 = models.CharField(_("摘要"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("部门任务附件")
        verbose_name_plural = _("部门任务附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class DeflectionFlag(models.Model):
    """A task flagged as deflection (推诿): returned too often, passed around a cycle of offices, or
    accepted and left idle past its deadline. It carries the hand-off history as it stood, and the
    lowest region (and office there) that covers every party."""

    task = models.ForeignKey(Task, verbose_name=_("部门任务"), on_delete=models.PROTECT, related_name="flags")
    reason = models.CharField(_("预警类型"), max_length=10, choices=FlagReason.choices)
    detail = models.CharField(_("说明"), max_length=500)
    history = models.JSONField(_("交办经过"), default=list)
    offices = models.JSONField(_("涉及部门"), default=list)
    covering_region = models.ForeignKey("regions.Region", verbose_name=_("统筹区划"), on_delete=models.PROTECT,
                                        related_name="+")
    covering_office = models.ForeignKey("accounts.Organisation", verbose_name=_("统筹机构"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    parameters = models.JSONField(_("所用政策参数"), default=dict, blank=True)
    raised_at = models.DateTimeField(_("预警时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    occurrences = models.PositiveSmallIntegerField(_("触发次数"), default=1)
    status = models.CharField(_("处理状态"), max_length=20, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    outcome = models.TextField(_("处理结果"), blank=True,
                               help_text=_("查实处理时写明认定的情况，排除时写明理由"))
    settled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    settled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("推诿预警")
        verbose_name_plural = _("推诿预警")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["status", "covering_region"], name="referrals_flag_status_idx")]
        constraints = [models.UniqueConstraint(fields=["task", "reason"], condition=Q(status__in=sorted(LIVE_FLAG)),
                                               name="referrals_flag_once_per_reason")]

    def __str__(self) -> str:
        return f"{self.task_id} {self.reason}"
