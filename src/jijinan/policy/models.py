"""Parameter definitions (stable names) and their effective-dated, region-specific versions.

A version's period is ``[effective_from, effective_to)``: the first day is included, the end day
is not (it is the first day of the next version). A version's value never changes: a change
closes the current version and adds a new one; a pending version may be withdrawn.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.core.calendar.workdays import DeadlineUnit
from jijinan.core.vocabulary import in_active_language
from jijinan.policy.choices import Basis, Program, ValueKind, VersionStatus


class ParameterDefinition(models.Model):
    """One parameter: its stable name, labels, the kind and unit of its values."""

    name = models.CharField(_("参数代码"), max_length=80, unique=True,
                            help_text=_("稳定的英文代码，如 dibao.standard_monthly"))
    label = models.CharField(_("名称"), max_length=100)
    label_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    program = models.CharField(_("所属项目"), max_length=30, choices=Program.choices)
    section = models.CharField(_("政策条目"), max_length=20, blank=True,
                               help_text=_("POLICY.md 中的章节，如 §2"))
    kind = models.CharField(_("取值类型"), max_length=20, choices=ValueKind.choices)
    unit = models.CharField(_("单位"), max_length=40, blank=True)
    unit_en = models.CharField(_("英文单位"), max_length=60, blank=True)
    allowed_units = models.JSONField(_("允许的期限单位"), default=list, blank=True)
    description = models.TextField(_("说明"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=1000)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("政策参数")
        verbose_name_plural = _("政策参数")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return f"{self.label}（{self.name}）"

    def display_label(self) -> str:
        return in_active_language(self.label, self.label_en)

    def display_unit(self) -> str:
        return in_active_language(self.unit, self.unit_en)

    def unit_choices(self) -> list[tuple[str, str]]:
        units = self.allowed_units or list(DeadlineUnit.values)
        return [(u, str(DeadlineUnit(u).label)) for u in units]


class ParameterVersion(models.Model):
    """The value of one parameter in one region for ``[effective_from, effective_to)``."""

    definition = models.ForeignKey(ParameterDefinition, verbose_name=_("参数"), on_delete=models.PROTECT,
                                   related_name="versions")
    region = models.ForeignKey("regions.Region", verbose_name=_("适用区划"), on_delete=models.PROTECT,
                               related_name="+")
    value = models.JSONField(_("取值"))
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True,
                                    help_text=_("自该日起不再适用（不含该日）；留空表示长期有效"))
    citation = models.CharField(_("依据"), max_length=300)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    url = models.URLField(_("链接"), max_length=300, blank=True)
    basis = models.CharField(_("来源类别"), max_length=20, choices=Basis.choices, default=Basis.POLICY)
    note = models.CharField(_("调整说明"), max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    # The version this one closed when it was added (its effective_to became our effective_from).
    supersedes = models.ForeignKey("self", verbose_name=_("取代的版本"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="superseded_by")
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撤回人"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    withdraw_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("参数版本")
        verbose_name_plural = _("参数版本")
        ordering = ["definition_id", "region_id", "effective_from"]
        indexes = [models.Index(fields=["definition", "region", "effective_from"],
                                name="policy_version_lookup_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=models.F("effective_from")),
                name="policy_version_period_not_empty"),
            models.UniqueConstraint(fields=["definition", "region", "effective_from"],
                                    condition=Q(withdrawn_at__isnull=True),
                                    name="policy_version_unique_start"),
            models.UniqueConstraint(fields=["definition", "region"],
                                    condition=Q(withdrawn_at__isnull=True, effective_to__isnull=True),
                                    name="policy_version_one_open_ended"),
        ]

    def __str__(self) -> str:
        return f"{self.definition.name} @ {self.region_id} {self.effective_from}"

    def status_on(self, day: date) -> str:
        if self.withdrawn_at is not None:
            return VersionStatus.WITHDRAWN
        if day < self.effective_from:
            return VersionStatus.PENDING
        if self.effective_to is not None and day >= self.effective_to:
            return VersionStatus.ENDED
        return VersionStatus.IN_FORCE

    def display_value(self) -> str:
        from jijinan.policy.values import display

        return display(self.definition.kind, self.value, self.definition.display_unit())

    def last_day(self) -> date | None:
        """The last day the version applies (the day before the exclusive end), for display."""
        from datetime import timedelta

        return self.effective_to - timedelta(days=1) if self.effective_to else None


class DecisionPurpose(models.TextChoices):
    """Why a calculation was kept: an estimate at the window, or the decision of a case."""

    ESTIMATE = "estimate", _("窗口测算")
    DECISION = "decision", _("审批决定")


class Decision(models.Model):
    """A calculator's answer as it was given, with everything needed to reproduce it on appeal:
    the typed inputs, the calculator's version and the parameter versions it read. Never edited."""

    program = models.CharField(_("救助项目"), max_length=30, choices=Program.choices)
    purpose = models.CharField(_("用途"), max_length=20, choices=DecisionPurpose.choices,
                               default=DecisionPurpose.ESTIMATE)
    calculator_version = models.CharField(_("计算规则版本"), max_length=40)
    region = models.ForeignKey("regions.Region", verbose_name=_("适用区划"), on_delete=models.PROTECT,
                               related_name="+")
    evaluated_on = models.DateField(_("评估日期"))
    inputs = models.JSONField(_("输入数据"))
    parameters = models.JSONField(_("所用参数版本"))
    result = models.JSONField(_("计算结果"))
    outcome = models.CharField(_("结论"), max_length=30)
    eligible = models.BooleanField(_("符合条件"))
    amount_fen = models.BigIntegerField(_("金额（分）"), default=0)
    digest = models.CharField(_("指纹"), max_length=64,
                              help_text=_("输入、规则版本与参数版本的 SHA-256：相同即结果相同"))
    subject_type = models.CharField(_("关联对象类型"), max_length=60, blank=True)
    subject_id = models.CharField(_("关联对象"), max_length=40, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("测算人"), null=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("测算时间"), default=timezone.now)

    class Meta:
        verbose_name = _("决定记录")
        verbose_name_plural = _("决定记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "created_at"], name="policy_decision_region_idx"),
                   models.Index(fields=["subject_type", "subject_id"], name="policy_decision_subject_idx")]
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gte=0),
                                              name="policy_decision_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.get_program_display()} #{self.pk}"
