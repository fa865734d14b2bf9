"""Means verification (家庭经济状况核对): a household's authorisation, one request per data source,
the result each source gave, and the versioned report the property test reads."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.verification.choices import (
    AuthorisationMethod,
    DocumentKind,
    RequestStatus,
    ResultOrigin,
    Source,
)


class Authorisation(models.Model):
    """核对授权书: the household's written authorisation, scanned or signed on screen."""

    household = models.ForeignKey("registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="+")
    signatories = models.ManyToManyField("registry.Person", verbose_name=_("签字人"), related_name="+")
    signed_on = models.DateField(_("签署日期"))
    valid_until = models.DateField(_("有效期至"))
    valid_months = models.PositiveSmallIntegerField(_("有效期（月）"))
    parameter_version_id = models.PositiveBigIntegerField(_("所用参数版本"), null=True, blank=True)
    method = models.CharField(_("授权方式"), max_length=20, choices=AuthorisationMethod.choices)
    # The file lives outside the web root (settings.VAR_DIR / "private"); this is its relative path.
    document_path = models.CharField(_("文件位置"), max_length=200)
    document_kind = models.CharField(_("文件类型"), max_length=10, choices=DocumentKind.choices)
    document_size = models.PositiveIntegerField(_("文件大小（字节）"))
    document_sha256 = models.CharField(_("文件摘要"), max_length=64)
    document_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撤销人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("核对授权书")
        verbose_name_plural = _("核对授权书")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("signed_on")),
                                   name="verification_authorisation_dates"),
        ]

    def __str__(self) -> str:
        return str(_("核对授权书 %(id)s") % {"id": self.pk})

    def covers(self, day: date) -> bool:
        return self.revoked_at is None and self.signed_on <= day <= self.valid_until

    def state(self, day: date | None = None) -> str:
        day = day or timezone.localdate()
        if self.revoked_at is not None:
            return "revoked"
        return "valid" if self.signed_on <= day <= self.valid_until else "expired"


def authorisations_in_force(day: date) -> Q:
    return Q(revoked_at__isnull=True, signed_on__lte=day, valid_until__gte=day)


class VerificationReport(models.Model):
    """核对报告: what the sources said, frozen when issued (a new report is a new number)."""

    household = models.ForeignKey("registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="+")
    number = models.PositiveIntegerField(_("报告序号"))
    # Per source: {"status": "answered" | "missing", "facts": {...}, "origin": {...}}.
    facts = models.JSONField(_("核对结果"), default=dict)
    missing_sources = models.JSONField(_("未答复的数据来源"), default=list)
    complete = models.BooleanField(_("全部来源已答复"), default=False)
    closing_note = models.CharField(_("说明"), max_length=300, blank=True)
    members = models.JSONField(_("核对时的家庭成员"), default=list)
    issued_at = models.DateTimeField(_("出具时间"), default=timezone.now)
    issued_on = models.DateField(_("出具日期"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("出具人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("核对报告")
        verbose_name_plural = _("核对报告")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "number"], name="verification_report_number"),
        ]

    def __str__(self) -> str:
        return str(_("核对报告 第%(n)s号") % {"n": self.number})


class VerificationRequest(models.Model):
    """核对请求: one household × one data source × one purpose."""

    household = models.ForeignKey("registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="+")
    authorisation = models.ForeignKey(Authorisation, verbose_name=_("核对授权书"), on_delete=models.PROTECT,
                                      related_name="requests")
    source = models.CharField(_("数据来源"), max_length=30, choices=Source.choices)
    purpose = models.CharField(_("核对用途"), max_length=100)
    status = models.CharField(_("状态"), max_length=10, choices=RequestStatus.choices,
                              default=RequestStatus.PENDING)
    status_reason = models.CharField(_("原因"), max_length=200, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # The report that used this request (None until one is issued).
    report = models.ForeignKey(VerificationReport, verbose_name=_("核对报告"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="requests")
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("核对请求")
        verbose_name_plural = _("核对请求")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["household", "source"], condition=Q(status="pending"),
                                    name="verification_one_pending_per_source"),
        ]
        indexes = [models.Index(fields=["status", "source", "-requested_at"], name="verification_open_idx")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} · {self.household_id}"


class VerificationResult(models.Model):
    """What one source answered to one request, typed by ``jijinan.verification.sources``."""

    request = models.OneToOneField(VerificationRequest, verbose_name=_("核对请求"), on_delete=models.PROTECT,
                                   related_name="result")
    facts = models.JSONField(_("核对结果"), default=dict)
    origin = models.CharField(_("来源方式"), max_length=10, choices=ResultOrigin.choices)
    import_name = models.CharField(_("导入文件名"), max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("核对结果")
        verbose_name_plural = _("核对结果")
        ordering = ["-entered_at", "-id"]

    def __str__(self) -> str:
        return str(_("核对结果 %(id)s") % {"id": self.pk})
