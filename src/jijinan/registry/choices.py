"""Enumerations of the registry: sex, disability, employment, household relations, programs, consent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    UNKNOWN = "U", _("不详")


class IdDocumentKind(models.TextChoices):
    RESIDENT = "resident", _("居民身份证")
    HK_MACAU_TAIWAN_RESIDENCE_PERMIT = "hk_macau_taiwan_residence_permit", _("港澳台居民居住证")
    FOREIGN_PERMANENT_RESIDENCE_2023 = "foreign_permanent_residence_2023", _("外国人永久居留身份证")
    TEMPORARY = "temporary", _("临时编号（身份不明）")


class DisabilityCategory(models.TextChoices):
    NONE = "", _("无")
    VISUAL = "visual", _("视力残疾")
    HEARING = "hearing", _("听力残疾")
    SPEECH = "speech", _("言语残疾")
    PHYSICAL = "physical", _("肢体残疾")
    INTELLECTUAL = "intellectual", _("智力残疾")
    PSYCHIATRIC = "psychiatric", _("精神残疾")
    MULTIPLE = "multiple", _("多重残疾")


class Employment(models.TextChoices):
    UNKNOWN = "unknown", _("不详")
    EMPLOYED = "employed", _("在职")
    FLEXIBLE = "flexible", _("灵活就业")
    FARMING = "farming", _("务农")
    UNEMPLOYED = "unemployed", _("失业")
    RETIRED = "retired", _("退休")
    STUDENT = "student", _("在校学生")
    PRESCHOOL = "preschool", _("学龄前")
    UNABLE = "unable", _("无劳动能力")


class Education(models.TextChoices):
    UNKNOWN = "unknown", _("不详")
    NONE = "none", _("未上学")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中（中专）")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    POSTGRADUATE = "postgraduate", _("研究生")


class PersonSource(models.TextChoices):
    MANUAL = "manual", _("人工登记")
    IMPORT = "import", _("部门数据导入")
    DEMO = "demo", _("演示数据")
    SYNTHETIC = "synthetic", _("合成数据")


class Relation(models.TextChoices):
    """A member's relation to the head of the household."""

    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    GRANDCHILD = "grandchild", _("孙子女/外孙子女")
    PARENT = "parent", _("父母")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class ProgramSubject(models.TextChoices):
    """Whom a program is recorded for."""

    PERSON = "person", _("个人")
    HOUSEHOLD = "household", _("家庭")
    EITHER = "either", _("个人或家庭")


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("在保")
    SUSPENDED = "suspended", _("暂停")
    ENDED = "ended", _("已退出")


class ConsentCategory(models.TextChoices):
    """What a person agreed to share with a partner or department (PIPL art. 29: separately)."""

    CONTACT = "contact", _("联系方式和住址")
    ID_NUMBER = "id_number", _("身份证号（遮盖显示）")
    HEALTH = "health", _("健康和残疾情况")
    ECONOMIC = "economic", _("家庭收入和财产")
    HOUSEHOLD = "household", _("家庭成员")
    PROGRAMS = "programs", _("救助项目和救助记录")
    SITUATION = "situation", _("困难情况")


# Name, sex, age and residence region: a consent to share anything shares these.
BASIC_FIELDS = ("name", "sex", "age", "residence_region")
ALL_CATEGORIES = frozenset(ConsentCategory.values)


class PersonFlag(models.TextChoices):
    """Search filters derived from the record (minor and elderly from the birth date)."""

    MINOR = "minor", _("未成年人")
    ELDERLY = "elderly", _("老年人（60 岁以上）")
    LIVING_ALONE = "living_alone", _("独居")
    DISABLED = "disabled", _("残疾人")
    SERIOUS_ILLNESS = "serious_illness", _("重病")
    ID_UNKNOWN = "id_unknown", _("身份不明")


class ChainKind(models.TextChoices):
    """Kinds of assistance-chain entries the registry itself contributes."""

    REGISTERED = "registered", _("登记")
    PROGRAM = "program", _("项目")
    HOUSEHOLD = "household", _("家庭")
    CONSENT = "consent", _("授权")
