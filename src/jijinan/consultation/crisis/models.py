"""The crisis intervention track of a case flagged as a crisis at intake: the first contact, the
intervention plan with the professional help named, the reassessments until the risk is resolved,
and the escalation when it stays unresolved past its limit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.consultation.crisis.choices import (
    ContactMethod,
    EscalationState,
    InterventionStatus,
    ProfessionalKind,
    ReassessmentOutcome,
    RiskLevel,
)


class CrisisIntervention(models.Model):
    """One per crisis case, from the crisis flag (the case's registration) until the risk is resolved."""

    case = models.OneToOneField("cases.Case", verbose_name=_("急难事项"), on_delete=models.PROTECT,
                                related_name="crisis_intervention")
    status = models.CharField(_("状态"), max_length=10, choices=InterventionStatus.choices,
                              default=InterventionStatus.OPEN)
    flagged_at = models.DateTimeField(_("危机标记时间"))
    # First contact (首次接触).
    first_contact_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接触人"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    first_contact_method = models.CharField(_("接触方式"), max_length=20, choices=ContactMethod.choices, blank=True)
    first_contact_at = models.DateTimeField(_("接触时间"), null=True, blank=True)
    first_contact_findings = models.TextField(_("接触情况"), blank=True)
    first_contact_risk = models.CharField(_("当时风险等级"), max_length=10, choices=RiskLevel.choices, blank=True)
    first_contact_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                                  blank=True, on_delete=models.PROTECT, related_name="+")
    # The intervention plan (干预方案).
    plan_measures = models.TextField(_("干预措施"), blank=True)
    plan_recorded_at = models.DateTimeField(_("方案登记时间"), null=True, blank=True)
    plan_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("方案登记人"), null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="+")
    plan_deadline = models.ForeignKey("core.Deadline", verbose_name=_("干预方案期限"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    # Resolution (危机解除).
    resolved_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("解除登记人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolution_reason = models.TextField(_("解除理由"), blank=True)
    # Escalation when unresolved past its limit (逾期未解除报告协商).
    escalation_state = models.CharField(_("报告协商情况"), max_length=10, choices=EscalationState.choices,
                                        default=EscalationState.NONE, blank=True)
    escalated_at = models.DateTimeField(_("报告协商时间"), null=True, blank=True)
    escalation = models.ForeignKey("consultation.Escalation", verbose_name=_("报告协商"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    escalation_note = models.CharField(_("报告协商说明"), max_length=500, blank=True)
    parameters = models.JSONField(_("所用政策参数版本"), default=dict, blank=True)
    created_at = models.DateTimeField(_("建档时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("危机干预")
        verbose_name_plural = _("危机干预")
        ordering = ["-flagged_at", "-id"]
        indexes = [models.Index(fields=["status", "escalation_state"], name="crisis_status_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}"

    @property
    def resolved(self) -> bool:
        return self.status == InterventionStatus.RESOLVED


class CrisisContact(models.Model):
    """Professional help named in the plan (or later): who was contacted and what came of it."""

    intervention = models.ForeignKey(CrisisIntervention, verbose_name=_("危机干预"), on_delete=models.PROTECT,
                                     related_name="contacts")
    kind = models.CharField(_("专业力量"), max_length=20, choices=ProfessionalKind.choices)
    name = models.CharField(_("联系人"), max_length=50)
    organisation = models.CharField(_("所在单位"), max_length=100, blank=True)
    # A service number (a hotline, a police station), not personal data of the subject; masked in lists.
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contacted_at = models.DateTimeField(_("联系时间"))
    outcome = models.TextField(_("联系结果"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("危机干预专业力量")
        verbose_name_plural = _("危机干预专业力量")
        ordering = ["contacted_at", "id"]

    def __str__(self) -> str:
        return f"{self.intervention_id} {self.kind}"

    @property
    def phone_masked(self) -> str:
        number = self.phone.strip()
        return "*" * len(number) if len(number) <= 4 else "*" * (len(number) - 4) + number[-4:]


class CrisisReassessment(models.Model):
    """One reassessment of the risk; the outcome "resolved" (with its reason) ends the track."""

    intervention = models.ForeignKey(CrisisIntervention, verbose_name=_("危机干预"), on_delete=models.PROTECT,
                                     related_name="reassessments")
    outcome = models.CharField(_("评估结果"), max_length=10, choices=ReassessmentOutcome.choices)
    note = models.TextField(_("评估情况"))
    assessed_at = models.DateTimeField(_("评估时间"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评估人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    deadline = models.ForeignKey("core.Deadline", verbose_name=_("下次评估期限"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("危机再评估")
        verbose_name_plural = _("危机再评估")
        ordering = ["assessed_at", "id"]

    def __str__(self) -> str:
        return f"{self.intervention_id} {self.outcome}"
