"""Supervision (督查督办): 督办 orders with their answers and history, accountability records
(责任追究), and the filing (备案) of township approvals with the county's spot checks.

The deadlines board reads the one table of deadlines (``core.Deadline``) and owns no table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.supervision.choices import (
    OPEN_ORDER,
    CheckFinding,
    Failing,
    FilingStatus,
    MatterKind,
    OrderEventKind,
    OrderStatus,
)


class SupervisionOrder(models.Model):
    """A 督办 order: an office (or a person there) must act on a matter by a deadline and answer.

    ``matter_key`` names what it chases (``deadline:<id>``, ``flag:<id>``, ``escalation:<id>``,
    ``duty:<id>``, or for an order by hand the record, e.g. ``cases.case:<id>``); at most one
    order per matter is open. ``subject_type``/``subject_id`` is the record the order links to
    (the case, task, escalation or crisis), and ``region`` the region of the matter, which decides
    who sees the order. An order left unanswered past its deadline is escalated: it becomes
    ``escalated`` and ``escalated_to`` is the new order one level up (``parent`` points back).
    """

    number = models.CharField(_("督办编号"), max_length=32, unique=True)
    matter_kind = models.CharField(_("督办事由"), max_length=20, choices=MatterKind.choices)
    matter_key = models.CharField(_("督办事项"), max_length=80)
    subject_type = models.CharField(_("对象类型"), max_length=100)
    subject_id = models.CharField(_("对象编号"), max_length=64)
    case = models.ForeignKey("cases.Case", verbose_name=_("急难事项"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    overdue_deadline = models.ForeignKey("core.Deadline", verbose_name=_("超期的期限"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    flag = models.ForeignKey("referrals.DeflectionFlag", verbose_name=_("推诿预警"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT,
                               related_name="+")
    level = models.PositiveSmallIntegerField(_("督办层级"), default=0,
                                             help_text=_("0 为首次督办，每提级一次加 1"))
    automatic = models.BooleanField(_("系统自动督办"), default=False)
    issuing_office = models.ForeignKey("accounts.Organisation", verbose_name=_("督办单位"),
                                       on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("督办人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    addressee_office = models.ForeignKey("accounts.Organisation", verbose_name=_("承办单位"),
                                         on_delete=models.PROTECT, related_name="+")
    addressee_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("督办事由说明"))
    required_response = models.TextField(_("办理要求"))
    deadline = models.ForeignKey("core.Deadline", verbose_name=_("答复期限"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    answer = models.TextField(_("办理情况"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    sent_back = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    review_note = models.TextField(_("审核意见"), blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办结人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    parent = models.ForeignKey("self", verbose_name=_("原督办"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    escalated_to = models.ForeignKey("self", verbose_name=_("提级后的督办"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    parameters = models.JSONField(_("所用政策参数版本"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("督办时间"), default=timezone.now)

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["region", "status"], name="superv_order_region_idx"),
            models.Index(fields=["addressee_office", "status"], name="superv_order_addressee_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="superv_order_subject_idx"),
            models.Index(fields=["overdue_deadline"], name="superv_order_deadline_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["matter_key"], condition=Q(status__in=sorted(OPEN_ORDER)),
                                    name="superv_one_open_order_per_matter"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ORDER


class OrderEvent(models.Model):
    """One step of an order's history: opened, answered, sent back, closed, escalated."""

    order = models.ForeignKey(SupervisionOrder, verbose_name=_("督办单"), on_delete=models.PROTECT,
                              related_name="events")
    kind = models.CharField(_("类型"), max_length=20, choices=OrderEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    text = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


class OrderAttachment(models.Model):
    """A document the addressee attached to an answer (stored through ``core.uploads``)."""

    order = models.ForeignKey(SupervisionOrder, verbose_name=_("督办单"), on_delete=models.PROTECT,
                              related_name="attachments")
    event = models.ForeignKey(OrderEvent, verbose_name=_("所属记录"), null=True, blank=True,
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
        verbose_name = _("督办附件")
        verbose_name_plural = _("督办附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class OrderNumberCounter(models.Model):
    """The next order number of a year (DB-2026-000001), taken under a row lock."""

    year = models.PositiveIntegerField(_("年度"), unique=True)
    last = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        verbose_name = _("督办编号计数")
        verbose_name_plural = _("督办编号计数")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class AccountabilityRecord(models.Model):
    """责任追究: for a case, task or order, what went wrong, who was responsible, what was found and
    what measure was taken. Seen by supervisors and the government office only."""

    subject_type = models.CharField(_("对象类型"), max_length=100)
    subject_id = models.CharField(_("对象编号"), max_length=64)
    case = models.ForeignKey("cases.Case", verbose_name=_("急难事项"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey("referrals.Task", verbose_name=_("部门任务"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(SupervisionOrder, verbose_name=_("督办单"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="accountability_records")
    region = models.ForeignKey("regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT,
                               related_name="+")
    failing = models.CharField(_("问题类型"), max_length=20, choices=Failing.choices)
    responsible_office = models.ForeignKey("accounts.Organisation", verbose_name=_("责任单位"),
                                           on_delete=models.PROTECT, related_name="+")
    responsible_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    responsible_person = models.CharField(_("责任人姓名及职务"), max_length=100, blank=True)
    finding = models.TextField(_("调查认定"))
    measure = models.TextField(_("处理措施"))
    decided_on = models.DateField(_("处理日期"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("责任追究记录")
        verbose_name_plural = _("责任追究记录")
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["region", "decided_on"], name="superv_account_region_idx")]

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id} {self.failing}"


class SpotCheckDraw(models.Model):
    """One random draw of a county's filings for spot checks: the period, the share drawn, the seed
    (so the draw can be shown to have been random and repeated), who drew it."""

    county = models.ForeignKey("regions.Region", verbose_name=_("县（区）"), on_delete=models.PROTECT,
                               related_name="+")
    period_from = models.DateField(_("备案起始日期"))
    period_to = models.DateField(_("备案截止日期"))
    share = models.DecimalField(_("抽查比例"), max_digits=5, decimal_places=4)
    seed = models.CharField(_("随机种子"), max_length=64)
    population = models.PositiveIntegerField(_("备案总数"))
    drawn = models.PositiveIntegerField(_("抽取数"))
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("抽取人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(_("抽取时间"), default=timezone.now)
    parameters = models.JSONField(_("所用政策参数版本"), default=dict, blank=True)

    class Meta:
        verbose_name = _("备案抽查")
        verbose_name_plural = _("备案抽查")
        ordering = ["-drawn_at", "-id"]

    def __str__(self) -> str:
        return f"{self.county_id} {self.period_from}–{self.period_to}"


class ApprovalFiling(models.Model):
    """备案: an approval a township made under its delegated ceiling, filed with its county."""

    case = models.OneToOneField("cases.Case", verbose_name=_("急难事项"), on_delete=models.PROTECT,
                                related_name="+")
    township = models.ForeignKey("regions.Region", verbose_name=_("审批乡镇（街道）"), on_delete=models.PROTECT,
                                 related_name="+")
    county = models.ForeignKey("regions.Region", verbose_name=_("备案县（区）"), on_delete=models.PROTECT,
                               related_name="+")
    amount_fen = models.PositiveBigIntegerField(_("审批金额（分）"))
    ceiling_fen = models.PositiveBigIntegerField(_("乡镇审批限额（分）"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("审批时间"))
    filed_at = models.DateTimeField(_("备案时间"), default=timezone.now)
    status = models.CharField(_("状态"), max_length=20, choices=FilingStatus.choices, default=FilingStatus.FILED)
    draw = models.ForeignKey(SpotCheckDraw, verbose_name=_("抽查批次"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="filings")
    finding = models.CharField(_("抽查结论"), max_length=20, choices=CheckFinding.choices, blank=True)
    check_note = models.TextField(_("抽查意见"), blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("抽查人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(_("抽查时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("乡镇审批备案")
        verbose_name_plural = _("乡镇审批备案")
        ordering = ["-filed_at", "-id"]
        indexes = [models.Index(fields=["county", "filed_at"], name="superv_filing_county_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.status}"
