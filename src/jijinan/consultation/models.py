"""Escalation (报告协商) of a hard case to the people's government, and the consultation (会商) that
decides it: the departments' opinions given in parallel, the meeting, the decision with each
department's duty (a department task of the referrals app), and the policy explanation given when
the demand was found unreasonable."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.consultation.choices import (
    DecisionOutcome,
    EscalationStatus,
    EscalationTrigger,
    GovernmentLevel,
    MeetingMode,
    OpinionStatus,
)


class Escalation(models.Model):
    """A case reported to the government level that covers it, with the facts, the amounts, what was
    done so far, and the deadline to convene a consultation."""

    case = models.ForeignKey("cases.Case", verbose_name=_("急难事项"), on_delete=models.PROTECT,
                             related_name="escalations")
    trigger = models.CharField(_("报告原因"), max_length=20, choices=EscalationTrigger.choices)
    triggers = models.JSONField(_("全部报告原因"), default=list)
    level = models.CharField(_("报告层级"), max_length=10, choices=GovernmentLevel.choices)
    region = models.ForeignKey("regions.Region", verbose_name=_("报告至"), on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey("accounts.Organisation", verbose_name=_("受理机构"), on_delete=models.PROTECT,
                               related_name="+", help_text=_("人民政府（办公室）；没有登记时由同级民政部门代为召集"))
    reason = models.TextField(_("报告理由"), blank=True)
    facts = models.TextField(_("基本情况"))
    done_so_far = models.TextField(_("已采取的措施"))
    requested_amount_fen = models.PositiveBigIntegerField(_("申请或拟救助金额（分）"), null=True, blank=True)
    cap_fen = models.PositiveBigIntegerField(_("单次救助上限（分）"), null=True, blank=True)
    parameters = models.JSONField(_("所用政策参数版本"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=EscalationStatus.choices,
                              default=EscalationStatus.OPEN)
    deadline = models.ForeignKey("core.Deadline", verbose_name=_("召集会商期限"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报告人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("报告时间"), default=timezone.now)
    withdrawn_reason = models.TextField(_("撤回理由"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("报告协商")
        verbose_name_plural = _("报告协商")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["region", "status"], name="consult_escalation_region_idx")]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status__in=["open", "consulting"]),
                                    name="consult_one_open_escalation"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"{self.case.number}-X{self.pk}"


class Consultation(models.Model):
    """The 会商 of one escalation: who convened it, the agenda, its status."""

    escalation = models.OneToOneField(Escalation, verbose_name=_("报告协商"), on_delete=models.PROTECT,
                                      related_name="consultation")
    convener_office = models.ForeignKey("accounts.Organisation", verbose_name=_("召集机构"),
                                        on_delete=models.PROTECT, related_name="+")
    convened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("召集人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    convened_at = models.DateTimeField(_("召集时间"), default=timezone.now)
    agenda = models.TextField(_("会商议题"))
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("会商")
        verbose_name_plural = _("会商")
        ordering = ["-convened_at", "-id"]

    def __str__(self) -> str:
        return f"{self.escalation_id}"


class Opinion(models.Model):
    """One invited office's written opinion, asked for in parallel with its own deadline."""

    consultation = models.ForeignKey(Consultation, verbose_name=_("会商"), on_delete=models.PROTECT,
                                     related_name="opinions")
    office = models.ForeignKey("accounts.Organisation", verbose_name=_("受邀机构"), on_delete=models.PROTECT,
                               related_name="+")
    question = models.TextField(_("征求意见事项"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=OpinionStatus.choices,
                              default=OpinionStatus.REQUESTED)
    deadline = models.ForeignKey("core.Deadline", verbose_name=_("提出意见期限"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("邀请时间"), default=timezone.now)
    text = models.TextField(_("意见"), blank=True)
    can_help = models.CharField(_("可提供的帮扶"), max_length=500, blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提出人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField(_("提出时间"), null=True, blank=True)
    chased = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    last_chased_at = models.DateTimeField(_("最近催办时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("会商意见")
        verbose_name_plural = _("会商意见")
        ordering = ["consultation", "id"]
        constraints = [models.UniqueConstraint(fields=["consultation", "office"],
                                               name="consult_one_opinion_per_office")]

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.office_id}"


class Meeting(models.Model):
    """The meeting (or written round) of a consultation: when, where, who, the minutes."""

    consultation = models.ForeignKey(Consultation, verbose_name=_("会商"), on_delete=models.PROTECT,
                                     related_name="meetings")
    held_at = models.DateTimeField(_("会商时间"))
    mode = models.CharField(_("会商方式"), max_length=20, choices=MeetingMode.choices)
    place = models.CharField(_("地点或会议链接"), max_length=200, blank=True)
    attendees = models.TextField(_("参会人员"))
    minutes = models.TextField(_("会议纪要"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("会商会议")
        verbose_name_plural = _("会商会议")
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.held_at:%Y-%m-%d}"


class ConsultationDecision(models.Model):
    """What the consultation decided: the plan, the support in all, the temporary assistance approved
    case by case (一事一议), the funding, and each department's duty."""

    consultation = models.OneToOneField(Consultation, verbose_name=_("会商"), on_delete=models.PROTECT,
                                        related_name="decision")
    outcome = models.CharField(_("会商结论"), max_length=20, choices=DecisionOutcome.choices)
    plan = models.TextField(_("救助帮扶方案"))
    total_support_fen = models.PositiveBigIntegerField(_("帮扶总额（分）"), default=0)
    case_by_case_amount_fen = models.PositiveBigIntegerField(_("一事一议临时救助金额（分）"), default=0)
    funding = models.JSONField(_("资金来源"), default=list, blank=True)  # [{source, name, amount_fen}]
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), default=timezone.now)

    class Meta:
        verbose_name = _("会商决定")
        verbose_name_plural = _("会商决定")

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.outcome}"


class Duty(models.Model):
    """One department's duty under the decision, tracked to completion as a department task."""

    decision = models.ForeignKey(ConsultationDecision, verbose_name=_("会商决定"), on_delete=models.PROTECT,
                                 related_name="duties")
    sequence = models.PositiveSmallIntegerField(_("序号"))
    office = models.ForeignKey("accounts.Organisation", verbose_name=_("责任部门"), on_delete=models.PROTECT,
                               related_name="+")
    description = models.TextField(_("分工内容"))
    amount_fen = models.PositiveBigIntegerField(_("帮扶金额（分）"), null=True, blank=True)
    limit_count = models.PositiveSmallIntegerField(_("办理时限"))
    limit_unit = models.CharField(_("时限单位"), max_length=15)
    task = models.OneToOneField("referrals.Task", verbose_name=_("部门任务"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="consultation_duty")

    class Meta:
        verbose_name = _("会商分工")
        verbose_name_plural = _("会商分工")
        ordering = ["decision", "sequence"]
        constraints = [models.UniqueConstraint(fields=["decision", "sequence"], name="consult_duty_sequence")]

    def __str__(self) -> str:
        return f"{self.decision_id}#{self.sequence}"


class PolicyExplanation(models.Model):
    """政策解释: a demand the consultation found unreasonable, explained to the person."""

    escalation = models.ForeignKey(Escalation, verbose_name=_("报告协商"), on_delete=models.PROTECT,
                                   related_name="explanations")
    explained_by = models.CharField(_("解释人"), max_length=100)
    explained_at = models.DateTimeField(_("解释时间"))
    content = models.TextField(_("解释内容"))
    response = models.TextField(_("当事人反应"))
    accepted = models.BooleanField(_("当事人表示理解"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("政策解释")
        verbose_name_plural = _("政策解释")
        ordering = ["explained_at", "id"]

    def __str__(self) -> str:
        return f"{self.escalation_id} {self.explained_at:%Y-%m-%d}"


from jijinan.consultation.crisis.models import CrisisContact, CrisisIntervention, CrisisReassessment  # noqa: E402, F401
