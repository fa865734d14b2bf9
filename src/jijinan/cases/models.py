"""A case (急难事项): one episode of need, from the first report to closure.

Configurable vocabularies (categories, needs) are tables an administrator edits; a case keeps the
codes it was given. The subject is a registry person and/or household, or an unidentified person
described in words. Protected fields (the reporter's phone) are encrypted with a blind index so a
caller can be found by number.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.cases.choices import (
    AidMethod,
    Appraisal,
    ApproverLevel,
    Channel,
    FollowUpMethod,
    ObjectionOutcome,
    PaymentStatus,
    Satisfaction,
    Stage,
    SubjectKind,
    TransferStatus,
    Urgency,
)
from jijinan.core.protected.fields import EncryptedTextField
from jijinan.core.texts import render
from jijinan.core.vocabulary import Vocabulary

REPORTER_PHONE_PURPOSE = "cases.case.reporter_phone"


class CaseCategory(Vocabulary):
    """A kind of hardship (重病, 意外伤害, 灾害, 火灾 …); configurable."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("急难类别")
        verbose_name_plural = _("急难类别")


class NeedType(Vocabulary):
    """A kind of need (money, medical, education, housing …); the referrals issue routes by it."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("需求类型")
        verbose_name_plural = _("需求类型")


class Case(models.Model):
    number = models.CharField(_("事项编号"), max_length=32, unique=True)
    stage = models.CharField(_("阶段"), max_length=20, choices=Stage.choices, default=Stage.ACCEPTED)
    channel = models.CharField(_("来源渠道"), max_length=20, choices=Channel.choices)
    handling_region = models.ForeignKey("regions.Region", verbose_name=_("办理乡镇（街道）"),
                                        on_delete=models.PROTECT, related_name="+")
    # The subject: a registry person and/or household, or an unidentified person.
    subject_kind = models.CharField(_("对象类型"), max_length=20, choices=SubjectKind.choices)
    person = models.ForeignKey("registry.Person", verbose_name=_("救助对象"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", verbose_name=_("家庭"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    subject_name = models.CharField(_("对象姓名"), max_length=50, blank=True,
                                    help_text=_("身份不明时填写称呼或特征"))
    subject_description = models.CharField(_("对象描述"), max_length=300, blank=True)
    # The reporter (the applicant, a neighbour, an informant, a department).
    reporter_name = models.CharField(_("报告人"), max_length=50, blank=True)
    reporter_phone = EncryptedTextField(_("报告人电话"), purpose=REPORTER_PHONE_PURPOSE, mask="phone",
                                        null=True, blank=True)
    reporter_phone_index = models.CharField(_("报告人电话索引"), max_length=64, blank=True)
    reporter_relation = models.CharField(_("与对象关系"), max_length=30, blank=True)
    # What happened, where and when.
    event_at = models.DateTimeField(_("发生时间"))
    event_region = models.ForeignKey("regions.Region", verbose_name=_("发生地"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    event_place = models.CharField(_("发生地点"), max_length=200, blank=True)
    categories = models.JSONField(_("急难类别"), default=list)  # CaseCategory codes
    needs = models.JSONField(_("需求"), default=list)  # NeedType codes
    description = models.TextField(_("情况描述"))
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    crisis = models.BooleanField(_("危机个案"), default=False,
                                 help_text=_("有自杀、暴力或其他极端行为风险"))
    crisis_note = models.CharField(_("危机情况"), max_length=300, blank=True)
    # Linked work orders of the hotlines (12345, 110, 120), by their own numbers.
    work_orders = models.JSONField(_("关联工单"), default=dict, blank=True)
    # Triage results kept with the case: suggested programs with reasons, duplicate warnings.
    triage = models.JSONField(_("分诊结果"), default=dict, blank=True)
    # Idempotent submission: the same client key from the same creator returns the same case.
    client_key = models.CharField(_("客户端提交键"), max_length=80, blank=True)
    request_digest = models.CharField(_("提交内容摘要"), max_length=64, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    # The staged workflow (cases 2/3): what the review proposed and the approving level decided.
    program = models.CharField(_("救助项目"), max_length=30, default="temporary_assistance")
    requested_amount_fen = models.PositiveBigIntegerField(_("拟救助金额（分）"), null=True, blank=True)
    decided_amount_fen = models.PositiveBigIntegerField(_("审批金额（分）"), null=True, blank=True)
    approver_level = models.CharField(_("审批层级"), max_length=20, choices=ApproverLevel.choices, blank=True)
    needs_consultation = models.BooleanField(_("需报告协商（一事一议）"), default=False)
    # A stability risk the reviewer recorded with its reason (a crisis flag alone is none): the case
    # is escalated whatever the amount.
    stability_risk = models.BooleanField(_("有影响稳定的风险"), default=False)
    stability_risk_reason = models.CharField(_("稳定风险情况"), max_length=500, blank=True)
    # The consultation's decision that lets the stage line go on (一事一议): which escalation, the
    # amount of temporary assistance it approved, when; empty while none has decided.
    consultation_authority = models.JSONField(_("会商决定依据"), default=dict, blank=True)
    public_notice_required = models.BooleanField(_("需公示"), default=False)
    close_relative = models.BooleanField(_("近亲属备案对象"), default=False,
                                         help_text=_("申请人是工作人员或村（社区）干部的近亲属，须由县级审核"))
    decision = models.ForeignKey("policy.Decision", verbose_name=_("决定记录"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    fast_tracked = models.BooleanField(_("先行救助"), default=False)
    paperwork_owed = models.BooleanField(_("待补办手续"), default=False)
    refusal_reason = models.TextField(_("不予受理/不予救助理由"), blank=True)
    transfer_to = models.ForeignKey("regions.Region", verbose_name=_("转往"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    stage_changed_at = models.DateTimeField(_("阶段变更时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("急难事项")
        verbose_name_plural = _("急难事项")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["handling_region", "stage"], name="cases_case_region_stage_idx"),
            models.Index(fields=["reporter_phone_index"], name="cases_case_reporter_phone_idx"),
            models.Index(fields=["person", "stage"], name="cases_case_person_stage_idx"),
            models.Index(fields=["owner", "stage"], name="cases_case_owner_stage_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["created_by", "client_key"], condition=~Q(client_key=""),
                                    name="cases_case_unique_client_key"),
        ]

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """One entry of a case's own timeline (who, when, what); the audit trail holds the changes."""

    case = models.ForeignKey(Case, verbose_name=_("急难事项"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("事件"), max_length=40)
    summary = models.CharField(_("摘要"), max_length=300)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("事项记录")
        verbose_name_plural = _("事项记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="cases_event_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

    @property
    def summary_text(self) -> str:
        """The summary in the reader's language (entries written before texts were kept with
        their parameters show their stored summary)."""
        return render((self.data or {}).get("text"), self.summary)


class CaseAttachment(models.Model):
    """A file given at intake; stored outside the web root, served only through a scoped view."""

    case = models.ForeignKey(Case, verbose_name=_("急难事项"), on_delete=models.PROTECT,
                             related_name="attachments")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    storage_name = models.CharField(_("存储名"), max_length=200, unique=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class CaseNumberCounter(models.Model):
    """The last sequence number given in one township and year; locked while a number is taken."""

    township = models.ForeignKey("regions.Region", verbose_name=_("乡镇（街道）"), on_delete=models.PROTECT,
                                 related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        verbose_name = _("事项编号计数")
        verbose_name_plural = _("事项编号计数")
        constraints = [models.UniqueConstraint(fields=["township", "year"], name="cases_counter_unique")]

    def __str__(self) -> str:
        return f"{self.township_id}/{self.year}: {self.last}"


class OnCallContact(models.Model):
    """Who answers a county's crisis alerts in a period (the duty rota, kept by an administrator)."""

    county = models.ForeignKey("regions.Region", verbose_name=_("县（区）"), on_delete=models.PROTECT,
                               related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("值班人员"), on_delete=models.PROTECT,
                             related_name="+")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("值班联系人")
        verbose_name_plural = _("值班联系人")
        ordering = ["county", "starts_at"]
        indexes = [models.Index(fields=["county", "starts_at"], name="cases_oncall_county_idx")]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="cases_oncall_period")]

    def __str__(self) -> str:
        return f"{self.county_id} {self.user_id}"


class CaseReview(models.Model):
    """The township's investigation and opinion (审核), or the make-up review after a fast track."""

    case = models.ForeignKey(Case, verbose_name=_("急难事项"), on_delete=models.PROTECT, related_name="reviews")
    home_visit_on = models.DateField(_("入户调查日期"), null=True, blank=True)
    home_visit_note = models.TextField(_("入户调查情况"), blank=True)
    verification_report = models.ForeignKey("verification.VerificationReport", verbose_name=_("家庭经济状况核对报告"),
                                            null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    appraisal = models.CharField(_("民主评议"), max_length=20, choices=Appraisal.choices, default=Appraisal.NOT_USED)
    appraisal_note = models.CharField(_("民主评议情况"), max_length=300, blank=True)
    opinion = models.TextField(_("审核意见"))
    program = models.CharField(_("救助项目"), max_length=30)
    requested_amount_fen = models.PositiveBigIntegerField(_("拟救助金额（分）"))
    decision = models.ForeignKey("policy.Decision", verbose_name=_("测算记录"), on_delete=models.PROTECT,
                                 related_name="+")
    makeup = models.BooleanField(_("补办"), default=False)
    # Where the income and property the engine was told came from: the household's records, the
    # lone applicant's declaration (with its amounts), or their declaration of none.
    means = models.JSONField(_("收入和财产来源"), default=dict, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("审核时间"), default=timezone.now)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.at:%Y-%m-%d}"


class PublicNotice(models.Model):
    """A case's public-notice period (公示), in calendar days between review and approval."""

    case = models.ForeignKey(Case, verbose_name=_("急难事项"), on_delete=models.PROTECT, related_name="notices")
    starts_at = models.DateTimeField(_("公示开始"))
    ends_at = models.DateTimeField(_("公示结束"))
    days = models.PositiveSmallIntegerField(_("公示天数"))
    parameters = models.JSONField(_("所用参数版本"), default=dict, blank=True)
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["ends_at"], name="cases_notice_ends_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.starts_at:%Y-%m-%d}"


class Objection(models.Model):
    """An objection raised during a public notice; it pauses the approval deadline until resolved."""

    case = models.ForeignKey(Case, verbose_name=_("急难事项"), on_delete=models.PROTECT, related_name="objections")
    notice = models.ForeignKey(PublicNotice, verbose_name=_("公示"), on_delete=models.PROTECT,
                               related_name="objections")
    raised_by = models.CharField(_("异议人"), max_length=50, blank=True)
    text = models.TextField(_("异议内容"))
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("处理结果"), max_length=20, choices=ObjectionOutcome.choices, blank=True)
    resolution = models.TextField(_("核实情况"), blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办结人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.received_at:%Y-%m-%d}"


class CaseTransfer(models.Model):
    """A hand-over of the case to another township (转出); the sender keeps read-only access."""

    case = models.ForeignKey(Case, verbose_name=_("急难事项"), on_delete=models.PROTECT, related_name="transfers")
    from_region = models.ForeignKey("regions.Region", verbose_name=_("转出地"), on_delete=models.PROTECT,
                                    related_name="+")
    to_region = models.ForeignKey("regions.Region", verbose_name=_("转入地"), on_delete=models.PROTECT,
                                  related_name="+")
    from_stage = models.CharField(_("转出时阶段"), max_length=20, choices=Stage.choices)
    reason = models.TextField(_("转出理由"))
    status = models.CharField(_("状态"), max_length=20, choices=TransferStatus.choices,
                              default=TransferStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("转出人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("转出时间"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收方经办人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("接收方处理时间"), null=True, blank=True)
    refusal_reason = models.TextField(_("拒收理由"), blank=True)

    class Meta:
        verbose_name = _("转出记录")
        verbose_name_plural = _("转出记录")
        ordering = ["requested_at", "id"]
        indexes = [models.Index(fields=["from_region", "status"], name="cases_transfer_from_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_region_id}→{self.to_region_id}"


class CaseAid(models.Model):
    """Aid given on a case: after approval, or first by the emergency fast track (先行救助)."""

    case = models.ForeignKey(Case, verbose_name=_("急难事项"), on_delete=models.PROTECT, related_name="aid")
    program = models.CharField(_("救助项目"), max_length=30)
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    method = models.CharField(_("发放方式"), max_length=20, choices=AidMethod.choices)
    fast_track = models.BooleanField(_("先行救助"), default=False)
    decision = models.ForeignKey("policy.Decision", verbose_name=_("决定记录"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("说明"), max_length=300, blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField(_("发放时间"), default=timezone.now)

    class Meta:
        verbose_name = _("救助实施记录")
        verbose_name_plural = _("救助实施记录")
        ordering = ["given_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.amount_fen}"


class RelativeFiling(models.Model):
    """近亲属备案: a registry person who is a close relative of a caseworker or a village cadre."""

    person = models.ForeignKey("registry.Person", verbose_name=_("救助对象"), on_delete=models.PROTECT,
                               related_name="+")
    region = models.ForeignKey("regions.Region", verbose_name=_("备案地"), on_delete=models.PROTECT,
                               related_name="+")
    relative_name = models.CharField(_("工作人员或干部姓名"), max_length=50)
    relative_post = models.CharField(_("职务"), max_length=50)
    relation = models.CharField(_("亲属关系"), max_length=30)
    active = models.BooleanField(_("有效"), default=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("备案人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("备案时间"), default=timezone.now)

    class Meta:
        verbose_name = _("近亲属备案")
        verbose_name_plural = _("近亲属备案")
        ordering = ["-filed_at", "-id"]
        indexes = [models.Index(fields=["person", "active"], name="cases_relative_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.relative_name}"


class FollowUp(models.Model):
    """A call-back or visit after aid (回访): what came of the help and how satisfied the family is.
    A need still unresolved sends the case back for a new decision."""

    case = models.ForeignKey(Case, verbose_name=_("急难事项"), on_delete=models.PROTECT, related_name="follow_ups")
    method = models.CharField(_("回访方式"), max_length=10, choices=FollowUpMethod.choices)
    done_on = models.DateField(_("回访日期"))
    outcome = models.TextField(_("回访情况"))
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), choices=Satisfaction.choices)
    need_resolved = models.BooleanField(_("困难已解决"))
    unresolved_needs = models.JSONField(_("未解决的需求"), default=list, blank=True)  # NeedType codes
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("回访人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.done_on}"


class AidPayment(models.Model):
    """One payment of an aid record: the whole amount at once, or one monthly instalment within the
    calendar year; its status follows the bank or the hand-over (pending, paid, failed, returned)."""

    aid = models.ForeignKey(CaseAid, verbose_name=_("救助实施记录"), on_delete=models.PROTECT, related_name="payments")
    sequence = models.PositiveSmallIntegerField(_("期次"))
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    due_on = models.DateField(_("应发日期"))
    status = models.CharField(_("状态"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    reference = models.CharField(_("支付凭证号"), max_length=80, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    reissue_of = models.ForeignKey("self", verbose_name=_("重发自"), null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("救助金发放")
        verbose_name_plural = _("救助金发放")
        ordering = ["aid", "sequence"]
        constraints = [models.UniqueConstraint(fields=["aid", "sequence"], name="cases_payment_unique_sequence")]
        indexes = [models.Index(fields=["status", "due_on"], name="cases_payment_status_due_idx")]

    def __str__(self) -> str:
        return f"{self.aid_id}#{self.sequence} {self.status}"
