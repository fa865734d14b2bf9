"""The registry of people in difficulty (救助对象基础信息库): persons, households, program
memberships and consents to share. Protected values are encrypted, searched by blind index."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.core.protected.fields import EncryptedTextField
from jijinan.core.vocabulary import Vocabulary
from jijinan.registry.choices import (
    ConsentCategory,
    DisabilityCategory,
    Education,
    Employment,
    IdDocumentKind,
    MembershipStatus,
    PersonSource,
    ProgramSubject,
    Relation,
    Sex,
)

ID_NUMBER_PURPOSE = "registry.person.id_number"
PHONE_PURPOSE = "registry.person.phone"
BANK_ACCOUNT_PURPOSE = "registry.household.bank_account"
MINOR_AGE, ELDERLY_AGE = 18, 60


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class ProgramType(Vocabulary):
    """A kind of assistance program (低保, 特困 …); the list is data an administrator extends."""

    subject = models.CharField(_("登记对象"), max_length=10, choices=ProgramSubject.choices,
                               default=ProgramSubject.EITHER)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta(Vocabulary.Meta):
        verbose_name = _("救助项目类型")
        verbose_name_plural = _("救助项目类型")


class Person(models.Model):
    name = models.CharField(_("姓名"), max_length=50)
    name_code = models.CharField(_("姓名编码"), max_length=300)  # see names.name_code
    # Lower-case pinyin without tones or spaces ("zhangwei") and its initials ("zw"), with the
    # surname's surname reading (单 shan, 曾 zeng): searched by prefix on their own indexes.
    name_pinyin = models.CharField(_("姓名拼音"), max_length=150)
    name_initials = models.CharField(_("拼音首字母"), max_length=50)
    # The given name alone (建国 of 王建国), as a name code and as pinyin: found by prefix too.
    given_name_code = models.CharField(_("名字编码"), max_length=300, blank=True, default="")
    given_name_pinyin = models.CharField(_("名字拼音"), max_length=150, blank=True, default="")
    id_number = EncryptedTextField(_("身份证号"), purpose=ID_NUMBER_PURPOSE, mask="id_number",
                                   null=True, blank=True)
    # Blind index of the canonical ID number; NULL for a person without one (NULLs never clash).
    id_number_index = models.CharField(_("身份证号索引"), max_length=64, null=True, blank=True)
    # Keyed digest of the ID number's last 6 characters (crypto.partial_index), for partial search.
    id_number_partial_index = models.CharField(_("身份证号后6位索引"), max_length=64, null=True, blank=True)
    id_kind = models.CharField(_("证件类型"), max_length=40, choices=IdDocumentKind.choices)
    id_unknown = models.BooleanField(_("身份不明"), default=False,
                                     help_text=_("无身份证号（流浪乞讨、身份不明的病人等），使用临时编号"))
    temporary_number = models.CharField(_("临时编号"), max_length=40, null=True, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    phone = EncryptedTextField(_("联系电话"), purpose=PHONE_PURPOSE, mask="phone", null=True, blank=True)
    phone_index = models.CharField(_("电话索引"), max_length=64, blank=True)
    phone_partial_index = models.CharField(_("电话后4位索引"), max_length=64, blank=True, default="")
    # 户籍地: a migrant's may lie outside the loaded tree; then code and name are kept as given.
    registered_region_code = models.CharField(_("户籍地区划代码"), max_length=12, blank=True)
    registered_region_name = models.CharField(_("户籍地"), max_length=100, blank=True)
    registered_region = models.ForeignKey("regions.Region", verbose_name=_("户籍地区划"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="+")
    # 居住地: where the person lives, a township or village of the tree; the record's scope.
    residence_region = models.ForeignKey("regions.Region", verbose_name=_("居住地"),
                                         on_delete=models.PROTECT, related_name="+")
    residence_address = models.CharField(_("居住地址"), max_length=200, blank=True)
    disability_category = models.CharField(_("残疾类别"), max_length=20, blank=True,
                                           choices=DisabilityCategory.choices)
    disability_grade = models.PositiveSmallIntegerField(_("残疾等级"), null=True, blank=True)
    serious_illness = models.BooleanField(_("患重病"), default=False)
    health_conditions = models.CharField(_("健康状况"), max_length=300, blank=True)
    employment = models.CharField(_("就业状况"), max_length=20, choices=Employment.choices,
                                  default=Employment.UNKNOWN)
    education = models.CharField(_("文化程度"), max_length=20, choices=Education.choices,
                                 default=Education.UNKNOWN)
    living_alone = models.BooleanField(_("独居"), default=False)
    situation = models.TextField(_("困难情况"), blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=PersonSource.choices,
                              default=PersonSource.MANUAL)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("救助对象")
        verbose_name_plural = _("救助对象")
        ordering = ["id"]
        # Exact-match columns get plain indexes (not field-level db_index/unique, which on
        # PostgreSQL would add a second, pattern-matching index to every one of them).
        constraints = [
            models.UniqueConstraint(fields=["id_number_index"], name="registry_person_unique_id_number"),
            models.UniqueConstraint(fields=["temporary_number"], name="registry_person_unique_temporary"),
            models.CheckConstraint(
                condition=(Q(id_unknown=True, id_number_index__isnull=True) |
                           Q(id_unknown=False, id_number_index__isnull=False)),
                name="registry_person_id_or_unknown"),
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True) | Q(disability_grade__gte=1,
                                                               disability_grade__lte=4),
                name="registry_person_disability_grade"),
        ]
        # The search keys carry the residence region (PostgreSQL; SQLite ignores INCLUDE), so a
        # scoped count is an index-only scan and the first page a walk along the index.
        indexes = [
            models.Index(fields=["name_code", "id"], name="registry_person_name_idx",
                         include=["residence_region"]),
            models.Index(fields=["name_pinyin", "id"], name="registry_person_pinyin_idx",
                         include=["residence_region"]),
            models.Index(fields=["name_initials", "id"], name="registry_person_initials_idx",
                         include=["residence_region"]),
            models.Index(fields=["phone_index"], name="registry_person_phone_idx"),
            models.Index(fields=["given_name_code", "id"], name="registry_person_given_idx",
                         include=["residence_region"]),
            models.Index(fields=["given_name_pinyin", "id"], name="registry_person_given_py_idx",
                         include=["residence_region"]),
            models.Index(fields=["id_number_partial_index"], name="registry_person_id_part_idx"),
            models.Index(fields=["phone_partial_index"], name="registry_person_phone_part_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def age(self, on: date | None = None) -> int | None:
        return age_on(self.birth_date, on or timezone.localdate())

    @property
    def is_minor(self) -> bool:
        age = self.age()
        return age is not None and age < MINOR_AGE

    @property
    def is_elderly(self) -> bool:
        age = self.age()
        return age is not None and age >= ELDERLY_AGE


class Household(models.Model):
    region = models.ForeignKey("regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT,
                               related_name="+")
    address = models.CharField(_("住址"), max_length=200, blank=True)
    # Declarations, in integer fen per month (income) or fen (assets).
    monthly_income_fen = models.PositiveBigIntegerField(_("家庭月收入（分）"), default=0)
    financial_assets_fen = models.PositiveBigIntegerField(_("金融资产（分）"), default=0)
    housing_area_m2 = models.DecimalField(_("住房面积（平方米）"), max_digits=8, decimal_places=2,
                                          null=True, blank=True)
    vehicles = models.PositiveSmallIntegerField(_("机动车数量"), default=0)
    property_note = models.CharField(_("财产说明"), max_length=300, blank=True)
    declared_on = models.DateField(_("申报日期"), null=True, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=100, blank=True)
    bank_account = EncryptedTextField(_("银行账号"), purpose=BANK_ACCOUNT_PURPOSE, mask="bank_account",
                                      null=True, blank=True)
    bank_account_holder = models.CharField(_("账户户名"), max_length=50, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")
        ordering = ["-id"]

    def __str__(self) -> str:
        head = getattr(self, "head_name", None)
        return _("%(name)s户") % {"name": head} if head else _("家庭 %(id)s") % {"id": self.pk}


class HouseholdMember(models.Model):
    """A person's membership of a household, with the relation to its head; history is kept."""

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="members")
    person = models.ForeignKey(Person, verbose_name=_("成员"), on_delete=models.PROTECT,
                               related_name="household_memberships")
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices)
    joined_on = models.DateField(_("加入日期"), default=timezone.localdate)
    left_on = models.DateField(_("离开日期"), null=True, blank=True)
    left_reason = models.CharField(_("离开原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["household_id", "left_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(left_on__isnull=True),
                                    name="registry_one_active_household"),
            models.UniqueConstraint(fields=["household"], condition=Q(relation="head", left_on__isnull=True),
                                    name="registry_one_head_per_household"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_relation_display()})"


class Membership(models.Model):
    """A person's or household's membership of a program, with its dates and status."""

    program = models.ForeignKey(ProgramType, verbose_name=_("项目"), on_delete=models.PROTECT,
                                related_name="memberships")
    person = models.ForeignKey(Person, verbose_name=_("救助对象"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="memberships")
    household = models.ForeignKey(Household, verbose_name=_("家庭"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="memberships")
    # The subject's residence region, kept in step when it moves: the record's scope.
    region = models.ForeignKey("regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT,
                               related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=MembershipStatus.choices,
                              default=MembershipStatus.ACTIVE)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    reporting_department = models.ForeignKey("accounts.DepartmentType", verbose_name=_("认定/报送部门"),
                                              null=True, blank=True, on_delete=models.PROTECT,
                                              related_name="+")
    reference = models.CharField(_("批准文号或证号"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("救助项目记录")
        verbose_name_plural = _("救助项目记录")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False, household__isnull=True) |
                           Q(person__isnull=True, household__isnull=False)),
                name="registry_membership_one_subject"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="registry_membership_dates"),
        ]
        indexes = [models.Index(fields=["program", "status"], name="registry_membership_prog_idx")]

    def __str__(self) -> str:
        return f"{self.program} · {self.person or self.household}"


class Consent(models.Model):
    """A person's consent to share categories of their data with a partner or a department type."""

    person = models.ForeignKey(Person, verbose_name=_("救助对象"), on_delete=models.PROTECT,
                               related_name="consents")
    organisation = models.ForeignKey("accounts.Organisation", verbose_name=_("合作组织"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    department_type = models.ForeignKey("accounts.DepartmentType", verbose_name=_("部门类型"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="+")
    categories = models.JSONField(_("共享内容"), default=list)
    purpose = models.CharField(_("用途"), max_length=200)
    granted_on = models.DateField(_("授权日期"))
    expires_on = models.DateField(_("到期日期"), null=True, blank=True)
    evidence = models.CharField(_("授权凭证"), max_length=200, blank=True,
                                help_text=_("如：书面授权书编号"))
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("信息共享授权")
        verbose_name_plural = _("信息共享授权")
        ordering = ["-granted_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(organisation__isnull=False, department_type__isnull=True) |
                           Q(organisation__isnull=True, department_type__isnull=False)),
                name="registry_consent_one_recipient"),
        ]

    def __str__(self) -> str:
        return str(_("%(person)s → %(to)s") % {"person": self.person_id, "to": self.recipient_name})

    @property
    def recipient_name(self) -> str:
        if self.organisation_id:
            return self.organisation.name  # type: ignore[union-attr]
        return self.department_type.label if self.department_type_id else ""  # type: ignore[union-attr]

    def is_live(self, on: date | None = None) -> bool:
        day = on or timezone.localdate()
        return (self.withdrawn_at is None and self.granted_on <= day
                and (self.expires_on is None or self.expires_on >= day))

    def category_labels(self) -> list[str]:
        labels = dict(ConsentCategory.choices)
        return [str(labels.get(c, c)) for c in self.categories]


def live_consents(on: date | None = None) -> Q:
    """The filter for consents in force on ``on`` (today): granted, not expired, not withdrawn."""
    day = on or timezone.localdate()
    return Q(withdrawn_at__isnull=True, granted_on__lte=day) & (
        Q(expires_on__isnull=True) | Q(expires_on__gte=day))
