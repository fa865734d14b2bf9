"""Organisations, staff accounts, grants, API tokens and login failures."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.accounts.choices import OrganisationKind
from jijinan.core.permissions import Role
from jijinan.core.protected.fields import EncryptedTextField
from jijinan.core.vocabulary import Vocabulary


class DepartmentType(Vocabulary):
    """A kind of government department (民政, 卫健, 医保 …); the list is data, not code."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("部门类型")
        verbose_name_plural = _("部门类型")


class Organisation(models.Model):
    kind = models.CharField(_("机构类别"), max_length=20, choices=OrganisationKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey("regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT,
                               related_name="organisations")
    department_type = models.ForeignKey(DepartmentType, verbose_name=_("部门类型"), null=True,
                                        blank=True, on_delete=models.PROTECT,
                                        related_name="organisations")
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    phone = models.CharField(_("办公电话"), max_length=30, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    active = models.BooleanField(_("在用"), default=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["region__code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="accounts_org_unique_name"),
            models.UniqueConstraint(fields=["kind", "region", "department_type"],
                                    condition=models.Q(kind="department_office"),
                                    name="accounts_one_department_office"),
            models.UniqueConstraint(fields=["region"],
                                    condition=models.Q(kind="government_office", active=True),
                                    name="accounts_one_government_office"),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A staff account; it belongs to one organisation and holds grants."""

    full_name = models.CharField(_("姓名"), max_length=100, blank=True)
    organisation = models.ForeignKey(Organisation, verbose_name=_("所属机构"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="staff")
    title = models.CharField(_("职务"), max_length=50, blank=True)
    # A personal mobile number: protected (encrypted, masked, unmasking logged), found by its
    # blind index so a caller can be recognised by number.
    mobile = EncryptedTextField(_("手机号"), purpose="accounts.user.mobile", mask="phone", null=True,
                                blank=True)
    mobile_index = models.CharField(_("手机号索引"), max_length=64, blank=True, db_index=True)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    deactivated_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def display_name(self) -> str:
        return self.full_name or self.get_username()


class Grant(models.Model):
    """A role, held inside one region subtree (optionally for one department type)."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.PROTECT,
                             related_name="grants")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    region = models.ForeignKey("regions.Region", verbose_name=_("区划范围"), on_delete=models.PROTECT,
                               related_name="grants")
    department_type = models.ForeignKey(DepartmentType, verbose_name=_("部门类型"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="grants")
    granted_by = models.ForeignKey(User, verbose_name=_("授权人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("授权时间"), default=timezone.now)
    revoked_by = models.ForeignKey(User, verbose_name=_("撤销人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("授权")
        verbose_name_plural = _("授权")
        ordering = ["user_id", "role", "region__code"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region", "department_type"],
                                    condition=models.Q(revoked_at__isnull=True),
                                    name="accounts_grant_unique_active"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.region.name}"


class ApiToken(models.Model):
    """A personal API token: shown once, stored as a hash, expiring and revocable."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12, unique=True)
    digest = models.CharField(_("摘要"), max_length=64)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginFailure(models.Model):
    """One failed sign-in; recent ones per account and per address lock sign-in out."""

    username = models.CharField(_("用户名"), max_length=150, db_index=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True, db_index=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip} {self.at:%Y-%m-%d %H:%M}"

