"""The typed inputs of the calculators and their checks (an impossible input names its field).

Money is integer fen; a member's age is taken on the evaluation day from the birth date, or from
the age given when the birth date is unknown. Vocabulary (disability categories, sexes) follows the
registry's choices by value, without importing it (the two apps are independent layers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from django.utils.translation import gettext as _

from jijinan.policy.calculators.property import PropertyFacts, VehicleUse
from jijinan.policy.errors import CalculatorInputError

MAX_AGE = 150
MAX_GRADE = 4
MAX_FEN = 10**12  # ten billion yuan: anything larger is a typing mistake


class Disability(StrEnum):
    """Disability categories (values of ``registry.choices.DisabilityCategory``)."""

    NONE = ""
    VISUAL = "visual"
    HEARING = "hearing"
    SPEECH = "speech"
    PHYSICAL = "physical"
    INTELLECTUAL = "intellectual"
    PSYCHIATRIC = "psychiatric"
    MULTIPLE = "multiple"


MENTAL = frozenset({Disability.INTELLECTUAL, Disability.PSYCHIATRIC})


class Activity(StrEnum):
    """The six activities of the self-care assessment (POLICY.md §3); the assessment's definition,
    not a threshold, so not a parameter."""

    EATING = "eating"
    DRESSING = "dressing"
    BED_TRANSFER = "bed_transfer"
    TOILETING = "toileting"
    WALKING_INDOORS = "walking_indoors"
    BATHING = "bathing"


class AssistanceKind(StrEnum):
    EMERGENCY = "emergency"  # 急难型
    EXPENSE = "expense"  # 支出型


class Cause(StrEnum):
    """Why temporary assistance is sought; the expense kind's cause picks its amount band."""

    ACCIDENT = "accident"
    FIRE = "fire"
    SERIOUS_ILLNESS = "serious_illness"
    BREADWINNER_LOSS = "breadwinner_loss"
    DISASTER = "disaster"
    MEDICAL = "medical"
    EDUCATION = "education"
    OTHER = "other"


EMERGENCY_CAUSES = frozenset({Cause.ACCIDENT, Cause.FIRE, Cause.SERIOUS_ILLNESS, Cause.BREADWINNER_LOSS,
                              Cause.DISASTER, Cause.OTHER})
EXPENSE_CAUSES = frozenset({Cause.MEDICAL, Cause.EDUCATION, Cause.OTHER})


class Severity(StrEnum):
    """How grave an emergency is: its place in the emergency band (lowest, middle, highest)."""

    GENERAL = "general"
    SERIOUS = "serious"
    CRITICAL = "critical"


class MedicalCategory(StrEnum):
    DIBAO = "dibao"
    TEKUN = "tekun"
    DIBAO_EDGE = "dibao_edge"
    ILLNESS_POOR = "illness_poor"  # households impoverished by illness (因病致贫)


def bad(field_name: str, message: str) -> CalculatorInputError:
    return CalculatorInputError.on(field_name, message)


def check_fen(amount: object, field_name: str, label: str) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise bad(field_name, _("%(label)s应为以分为单位的整数") % {"label": label})
    if amount < 0:
        raise bad(field_name, _("%(label)s不能为负数") % {"label": label})
    if amount > MAX_FEN:
        raise bad(field_name, _("%(label)s超出合理范围") % {"label": label})


def check_count(n: object, field_name: str, label: str, high: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= high:
        raise bad(field_name, _("%(label)s应为 0 到 %(high)s 之间的整数") % {"label": label, "high": high})


def _age_on(birth_date: date | None, age: int | None, day: date, field_name: str, who: str) -> int:
    if birth_date is not None:
        if birth_date > day:
            raise bad(f"{field_name}.birth_date", _("%(who)s的出生日期不能晚于评估日期 %(date)s") % {
                "who": who, "date": day.isoformat()})
        years = day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
        if years > MAX_AGE:
            raise bad(f"{field_name}.birth_date", _("%(who)s的年龄不能超过 %(max)s 岁") % {
                "who": who, "max": MAX_AGE})
        return years
    if age is None:
        raise bad(f"{field_name}.age", _("%(who)s的出生日期或年龄必须填写一项") % {"who": who})
    if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= MAX_AGE:
        raise bad(f"{field_name}.age", _("%(who)s的年龄应在 0 到 %(max)s 岁之间") % {"who": who, "max": MAX_AGE})
    return age


def _check_disability(category: str, grade: int | None, field_name: str, who: str) -> None:
    if category not in set(Disability):
        raise bad(f"{field_name}.disability_category", _("%(who)s的残疾类别无效：%(value)s") % {
            "who": who, "value": category})
    if category == Disability.NONE:
        if grade is not None:
            raise bad(f"{field_name}.disability_grade", _("%(who)s没有残疾类别，不应填写残疾等级") % {"who": who})
        return
    if isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= MAX_GRADE:
        raise bad(f"{field_name}.disability_grade", _("%(who)s的残疾等级应为 1 到 %(max)s 级") % {
            "who": who, "max": MAX_GRADE})


@dataclass(frozen=True)
class Member:
    """One household member, as far as the rules look at them."""

    birth_date: date | None = None
    age: int | None = None  # when the birth date is unknown
    sex: str = "U"
    disability_category: str = Disability.NONE
    disability_grade: int | None = None
    serious_illness: bool = False
    living_alone: bool = False
    ethnic_minority: bool = False
    veteran: bool = False
    returned_overseas_chinese: bool = False
    model_worker: bool = False
    unable_activities: frozenset[str] = frozenset()  # of the six self-care activities
    covered: bool = True  # counted as a covered member of a 低保 household
    applies_alone: bool = False  # applies for single-person coverage (单人户)

    def age_on(self, day: date, field_name: str = "member", who: str = "") -> int:
        return _age_on(self.birth_date, self.age, day, field_name, who or _("成员"))

    def check(self, day: date, field_name: str, who: str) -> int:
        """The member's age on ``day``; an impossible member is refused."""
        age = self.age_on(day, field_name, who)
        _check_disability(self.disability_category, self.disability_grade, field_name, who)
        unknown = sorted(set(self.unable_activities) - set(Activity))
        if unknown:
            raise bad(f"{field_name}.unable_activities", _("%(who)s的自理能力评估项目无效：%(items)s") % {
                "who": who, "items": "、".join(unknown)})
        if self.sex not in {"M", "F", "U"}:
            raise bad(f"{field_name}.sex", _("%(who)s的性别无效") % {"who": who})
        return age


@dataclass(frozen=True)
class Household:
    members: tuple[Member, ...]

    def check(self, day: date, field_name: str = "household") -> tuple[int, ...]:
        """Every member's age on ``day``; a household without members is refused."""
        if not self.members:
            raise bad(f"{field_name}.members", _("家庭成员不能为空，至少应有一人"))
        return tuple(m.check(day, f"{field_name}.members[{i}]", _("第 %(n)s 位家庭成员") % {"n": i + 1})
                     for i, m in enumerate(self.members))


def check_property(facts: PropertyFacts, field_name: str = "property") -> None:
    check_fen(facts.financial_assets_fen, f"{field_name}.financial_assets_fen", _("金融资产"))
    check_count(facts.homes, f"{field_name}.homes", _("住房套数"), 1000)
    if facts.floor_area_m2 < 0 or not facts.floor_area_m2.is_finite():
        raise bad(f"{field_name}.floor_area_m2", _("住房面积不能为负数"))
    for i, vehicle in enumerate(facts.vehicles):
        if vehicle.use not in VehicleUse.CHOICES:
            raise bad(f"{field_name}.vehicles[{i}].use", _("车辆用途无效：%(value)s") % {"value": vehicle.use})


def check_region_and_day(region_code: str, on: date) -> None:
    if not isinstance(region_code, str) or len(region_code) != 12 or not region_code.isdigit():
        raise bad("region_code", _("区划代码应为 12 位数字"))
    if not isinstance(on, date):
        raise bad("on", _("评估日期应为日期"))


@dataclass(frozen=True)
class DibaoInput:
    """A household asking for (or receiving) 低保 on ``on``."""

    region_code: str
    on: date
    household: Household
    monthly_income_fen: int  # the whole household's monthly income
    property: PropertyFacts = field(default_factory=PropertyFacts)
    receiving_dibao: bool = False  # already a recipient: gradual exit may apply
    current_benefit_fen: int = 0  # the monthly benefit paid now (kept during gradual exit)
    gradual_exit_months_paid: int = 0

    def check(self) -> tuple[int, ...]:
        check_region_and_day(self.region_code, self.on)
        ages = self.household.check(self.on)
        check_fen(self.monthly_income_fen, "monthly_income_fen", _("家庭月收入"))
        check_fen(self.current_benefit_fen, "current_benefit_fen", _("现发低保金"))
        check_count(self.gradual_exit_months_paid, "gradual_exit_months_paid", _("已渐退月数"), 1200)
        check_property(self.property)
        return ages


@dataclass(frozen=True)
class Supporter:
    """A person legally bound to support a 特困 applicant, with what makes them unable to."""

    birth_date: date | None = None
    age: int | None = None
    tekun: bool = False
    dibao: bool = False
    disability_category: str = Disability.NONE
    disability_grade: int | None = None
    low_income: bool = False  # own income below last year's local per-capita disposable income
    incapacitated: bool = False  # 无民事行为能力
    missing: bool = False  # declared missing by a court
    in_prison: bool = False

    def check(self, day: date, field_name: str, who: str) -> int:
        age = _age_on(self.birth_date, self.age, day, field_name, who)
        _check_disability(self.disability_category, self.disability_grade, field_name, who)
        return age


@dataclass(frozen=True)
class TekunInput:
    """One person applying as extremely poor (特困), with their legal supporters."""

    region_code: str
    on: date
    person: Member
    monthly_income_fen: int
    property: PropertyFacts = field(default_factory=PropertyFacts)
    supporters: tuple[Supporter, ...] = ()
    receiving_tekun: bool = False  # already supported (a minor stays covered to the coverage age)

    def check(self) -> tuple[int, tuple[int, ...]]:
        check_region_and_day(self.region_code, self.on)
        age = self.person.check(self.on, "person", _("申请人"))
        check_fen(self.monthly_income_fen, "monthly_income_fen", _("本人月收入"))
        check_property(self.property)
        supporters = tuple(s.check(self.on, f"supporters[{i}]", _("第 %(n)s 位赡养、扶养人") % {"n": i + 1})
                           for i, s in enumerate(self.supporters))
        return age, supporters


@dataclass(frozen=True)
class RigidExpenses:
    """Essential spending over the look-back period (POLICY.md §4), in fen."""

    medical_fen: int = 0
    education_fen: int = 0
    rehabilitation_fen: int = 0
    disaster_fen: int = 0  # disaster or accident

    def total(self) -> int:
        return self.medical_fen + self.education_fen + self.rehabilitation_fen + self.disaster_fen

    def check(self, field_name: str) -> None:
        for name, label in (("medical_fen", _("医疗支出")), ("education_fen", _("教育支出")),
                            ("rehabilitation_fen", _("康复支出")), ("disaster_fen", _("灾害、意外支出"))):
            check_fen(getattr(self, name), f"{field_name}.{name}", label)


@dataclass(frozen=True)
class LowIncomeInput:
    """A household to classify as 低保边缘 or 刚性支出困难."""

    region_code: str
    on: date
    household: Household
    monthly_income_fen: int
    property: PropertyFacts = field(default_factory=PropertyFacts)
    receiving_dibao: bool = False
    receiving_tekun: bool = False
    lookback_income_fen: int | None = None  # household income over the look-back period; None: not assessed
    rigid_expenses: RigidExpenses = field(default_factory=RigidExpenses)

    def check(self) -> tuple[int, ...]:
        check_region_and_day(self.region_code, self.on)
        ages = self.household.check(self.on)
        check_fen(self.monthly_income_fen, "monthly_income_fen", _("家庭月收入"))
        if self.lookback_income_fen is not None:
            check_fen(self.lookback_income_fen, "lookback_income_fen", _("核算期家庭收入"))
        self.rigid_expenses.check("rigid_expenses")
        check_property(self.property)
        return ages


@dataclass(frozen=True)
class Expense:
    """One item of essential spending behind a 支出型 request."""

    kind: str  # medical, education, other
    amount_fen: int
    description: str = ""


@dataclass(frozen=True)
class TemporaryAssistanceInput:
    """A request for temporary assistance (临时救助)."""

    region_code: str
    on: date
    kind: str  # AssistanceKind
    cause: str  # Cause
    requested_amount_fen: int
    household: Household
    severity: str = Severity.GENERAL  # the emergency kind only
    annual_income_fen: int = 0  # household disposable income over the last year (expense kind)
    property: PropertyFacts = field(default_factory=PropertyFacts)
    expenses: tuple[Expense, ...] = ()
    prior_grants_same_cause: int = 0  # grants this calendar year for the same cause
    repeat_reason: str = ""  # the good reason that allows another grant for the same cause
    stability_risk: bool = False  # a stability or extreme-behaviour risk: escalate whatever the amount
    difficulty_months: int = 0  # how long the difficulty is expected to last

    def check(self) -> tuple[int, ...]:
        check_region_and_day(self.region_code, self.on)
        if self.kind not in set(AssistanceKind):
            raise bad("kind", _("救助类型应为急难型（emergency）或支出型（expense）"))
        causes = EMERGENCY_CAUSES if self.kind == AssistanceKind.EMERGENCY else EXPENSE_CAUSES
        if self.cause not in causes:
            raise bad("cause", _("救助原因无效，应为：%(causes)s") % {"causes": "、".join(sorted(causes))})
        if self.severity not in set(Severity):
            raise bad("severity", _("困难程度无效：%(value)s") % {"value": self.severity})
        ages = self.household.check(self.on)
        check_fen(self.requested_amount_fen, "requested_amount_fen", _("申请救助金额"))
        if self.requested_amount_fen == 0:
            raise bad("requested_amount_fen", _("申请救助金额应大于零"))
        check_fen(self.annual_income_fen, "annual_income_fen", _("家庭年可支配收入"))
        check_property(self.property)
        for i, expense in enumerate(self.expenses):
            if expense.kind not in EXPENSE_CAUSES:
                raise bad(f"expenses[{i}].kind", _("支出类别无效：%(value)s") % {"value": expense.kind})
            check_fen(expense.amount_fen, f"expenses[{i}].amount_fen", _("支出金额"))
        if self.kind == AssistanceKind.EXPENSE and not self.expenses:
            raise bad("expenses", _("支出型救助应列明刚性支出"))
        check_count(self.prior_grants_same_cause, "prior_grants_same_cause", _("本年同一原因已救助次数"), 366)
        check_count(self.difficulty_months, "difficulty_months", _("困难持续月数"), 1200)
        return ages


@dataclass(frozen=True)
class MedicalAssistanceInput:
    """One claim for medical assistance (医疗救助) by a person of ``category``."""

    region_code: str
    on: date
    category: str  # MedicalCategory
    eligible_expense_fen: int  # out-of-pocket within the policy scope, after insurance
    ytd_eligible_expense_fen: int = 0  # earlier claims this year (they count towards the deductible)
    ytd_paid_fen: int = 0  # assistance already paid this year (counts towards the annual cap)

    def check(self) -> None:
        check_region_and_day(self.region_code, self.on)
        if self.category not in set(MedicalCategory):
            raise bad("category", _("救助对象类别无效，应为：%(values)s") % {
                "values": "、".join(MedicalCategory)})
        check_fen(self.eligible_expense_fen, "eligible_expense_fen", _("政策范围内自付费用"))
        check_fen(self.ytd_eligible_expense_fen, "ytd_eligible_expense_fen", _("本年已发生政策范围内自付费用"))
        check_fen(self.ytd_paid_fen, "ytd_paid_fen", _("本年已获医疗救助"))
