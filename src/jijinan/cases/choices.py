"""Enumerations of the cases app: stages, channels, urgency."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """The stage line of DESIGN.md ("The life of a case"); cases 2/3 adds the transition table."""

    DISCOVERED = "discovered", _("发现")
    REPORTED = "reported", _("报告")
    ACCEPTED = "accepted", _("受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    REVIEWED = "reviewed", _("审核")
    APPROVED = "approved", _("审批")
    DENIED = "denied", _("不予救助")
    ASSISTED = "assisted", _("救助实施")
    FOLLOW_UP = "follow_up", _("回访")
    CLOSED = "closed", _("结案")
    TRANSFERRED_OUT = "transferred_out", _("转出")


OPEN_STAGES = frozenset({Stage.DISCOVERED, Stage.REPORTED, Stage.ACCEPTED, Stage.REVIEWED, Stage.APPROVED,
                         Stage.ASSISTED, Stage.FOLLOW_UP, Stage.TRANSFERRED_OUT})
# Where a subject taken up unidentified may still be identified: before any decision on the case.
IDENTIFY_STAGES = frozenset({Stage.DISCOVERED, Stage.REPORTED, Stage.ACCEPTED})
# Where a refusal leaves a case: the applicant is given its reason in writing.
REFUSED_STAGES = frozenset({Stage.NOT_ACCEPTED, Stage.DENIED})


class Channel(models.TextChoices):
    """Where a case came from."""

    WINDOW = "window", _("服务窗口（一门受理）")
    HOTLINE = "hotline", _("救助热线")
    HOTLINE_12345 = "hotline_12345", _("12345 热线")
    INFORMANT = "informant", _("信息员报告")
    DEPARTMENT = "department", _("部门转介")
    WARNING = "warning", _("主动发现预警")
    ONLINE = "online", _("网上申请")
    RELIEF_STATION = "relief_station", _("救助管理站")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("危急")


class SubjectKind(models.TextChoices):
    PERSON = "person", _("已登记的救助对象")
    HOUSEHOLD = "household", _("已登记的家庭")
    UNIDENTIFIED = "unidentified", _("身份不明")


class ApproverLevel(models.TextChoices):
    """Who may approve the amount the review proposed (the policy engine says)."""

    TOWNSHIP = "township", _("乡镇（街道）审批")
    COUNTY = "county", _("县级审批")
    CONSULTATION = "consultation", _("报告协商（一事一议）")


class Appraisal(models.TextChoices):
    """民主评议 (community appraisal), where a township uses it."""

    NOT_USED = "not_used", _("未开展")
    PASSED = "passed", _("评议通过")
    FAILED = "failed", _("评议未通过")


class ObjectionOutcome(models.TextChoices):
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("待接收")
    ACCEPTED = "accepted", _("已接收")
    REFUSED = "refused", _("已拒收")


class AidMethod(models.TextChoices):
    BANK = "bank", _("银行账户")
    CASH = "cash", _("现金")
    IN_KIND = "in_kind", _("实物")
    SERVICE = "service", _("服务")


class FollowUpMethod(models.TextChoices):
    PHONE = "phone", _("电话回访")
    VISIT = "visit", _("入户回访")


class Satisfaction(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    ACCEPTABLE = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("待发放")
    PAID = "paid", _("已发放")
    FAILED = "failed", _("发放失败")
    RETURNED = "returned", _("已退回")
