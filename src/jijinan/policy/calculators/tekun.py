"""The 特困 calculator (POLICY.md §3): no capacity to work, no means of living, no supporter able to
support; basic living at a multiple of the 低保 standard and a care standard by self-care level."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jijinan.policy.calculators.common import CalculationResult, property_test, times, to_fen
from jijinan.policy.calculators.explain import Explanation, Lines, Text, join, money
from jijinan.policy.calculators.inputs import MENTAL, Activity, Disability, Supporter, TekunInput
from jijinan.policy.calculators.params import Params
from jijinan.policy.choices import Program
from jijinan.policy.lookup import ParameterValue

CALCULATOR_VERSION = "tekun/1"


class TekunOutcome:
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"


class CareLevel:
    SELF_CARE = "self_care"  # 全自理
    SEMI_CARE = "semi_care"  # 半护理
    FULL_CARE = "full_care"  # 全护理


CARE_TEXT = {
    CareLevel.SELF_CARE: Text("全自理", "fully self-caring"),
    CareLevel.SEMI_CARE: Text("半护理", "partly self-caring"),
    CareLevel.FULL_CARE: Text("全护理", "not self-caring"),
}
CARE_PARAMETER = {
    CareLevel.SELF_CARE: "tekun.care_multiple_self_care",
    CareLevel.SEMI_CARE: "tekun.care_multiple_semi_care",
    CareLevel.FULL_CARE: "tekun.care_multiple_full_care",
}
OUTCOME_TEXT = {
    TekunOutcome.ELIGIBLE: Text("符合特困人员条件", "Eligible as extremely poor (tekun)"),
    TekunOutcome.INELIGIBLE: Text("不符合特困人员条件", "Not eligible as extremely poor (tekun)"),
}
DISABILITY_PARAMETER = {
    Disability.INTELLECTUAL: "tekun.mental_disability_grade",
    Disability.PSYCHIATRIC: "tekun.mental_disability_grade",
    Disability.PHYSICAL: "tekun.physical_disability_grade",
    Disability.VISUAL: "tekun.visual_disability_grade",
}
DISABILITY_TEXT = {
    Disability.INTELLECTUAL: Text("智力残疾", "intellectual disability"),
    Disability.PSYCHIATRIC: Text("精神残疾", "psychiatric disability"),
    Disability.PHYSICAL: Text("肢体残疾", "physical disability"),
    Disability.VISUAL: Text("视力残疾", "visual disability"),
}


@dataclass(frozen=True)
class TekunResult(CalculationResult):
    capacity_passed: bool
    means_passed: bool
    support_passed: bool
    care_level: str
    unable_activities: int
    basic_living: Decimal  # exact fen per month
    care: Decimal  # exact fen per month
    public_notice_required: bool  # never for minors


def care_level(unable: int, params: Params) -> tuple[str, list[ParameterValue]]:
    """The care level from the number of the six activities the person cannot do alone."""
    semi_p = params.get("tekun.care_semi_min_unable")
    full_p = params.get("tekun.care_full_min_unable")
    if unable >= params.integer(full_p.name):
        return CareLevel.FULL_CARE, [semi_p, full_p]
    if unable >= params.integer(semi_p.name):
        return CareLevel.SEMI_CARE, [semi_p, full_p]
    return CareLevel.SELF_CARE, [semi_p, full_p]


def _capacity(inputs: TekunInput, age: int, p: Params) -> tuple[bool, Text, list[ParameterValue]]:
    reasons: list[Text] = []
    cited: list[ParameterValue] = []
    elderly_p = p.get("tekun.elderly_age")
    minor_p = p.get("tekun.minor_age")
    cited += [elderly_p, minor_p]
    if age >= p.integer(elderly_p.name):
        reasons.append(Text(f"年满 {elderly_p.value} 周岁", f"aged {elderly_p.value} or over"))
    if age < p.integer(minor_p.name):
        reasons.append(Text(f"未满 {minor_p.value} 周岁", f"under {minor_p.value}"))
    elif inputs.receiving_tekun:
        coverage_p = p.get("tekun.minor_coverage_age")
        cited.append(coverage_p)
        if age < p.integer(coverage_p.name):
            reasons.append(Text(f"已供养的未成年人，供养至 {coverage_p.value} 周岁",
                                f"a supported minor, covered until {coverage_p.value}"))
    person = inputs.person
    name = DISABILITY_PARAMETER.get(Disability(person.disability_category))
    if name is not None and person.disability_grade is not None:
        grade_p = p.get(name)
        cited.append(grade_p)
        if person.disability_grade <= p.integer(name):
            label = DISABILITY_TEXT[Disability(person.disability_category)]
            reasons.append(label + Text(f"{person.disability_grade} 级", f" grade {person.disability_grade}"))
    value = join(reasons, "、", ", ") if reasons else Text(
        f"{age} 周岁，无符合条件的残疾", f"aged {age}, no qualifying disability")
    if reasons:
        value = Text(f"{age} 周岁：", f"aged {age}: ") + value
    return bool(reasons), value, cited


def supporter_unable(s: Supporter, age: int, p: Params) -> tuple[bool, Text, list[ParameterValue]]:
    """Whether one supporter cannot support (民发〔2021〕43号 art. 6), and why."""
    elderly_p = p.get("tekun.elderly_age")
    supporter_age_p = p.get("tekun.supporter_age")
    cited = [elderly_p, supporter_age_p]
    severe = False
    if s.disability_category != Disability.NONE and s.disability_grade is not None:
        name = ("tekun.mental_disability_grade" if s.disability_category in MENTAL
                else "tekun.supporter_severe_disability_grade")
        cited.append(p.get(name))
        severe = s.disability_grade <= p.integer(name)
    reasons: list[Text] = []
    if s.tekun:
        reasons.append(Text("本人为特困人员", "is tekun"))
    if s.dibao and age >= p.integer(elderly_p.name):
        reasons.append(Text(f"{elderly_p.value} 周岁以上低保对象", f"dibao recipient aged {elderly_p.value}+"))
    if s.low_income and age >= p.integer(supporter_age_p.name):
        reasons.append(Text(f"{supporter_age_p.value} 周岁以上且收入低",
                            f"aged {supporter_age_p.value}+ on a low income"))
    if s.low_income and severe:
        reasons.append(Text("重度残疾且收入低", "severely disabled on a low income"))
    if s.incapacitated:
        reasons.append(Text("无民事行为能力", "legally incapacitated"))
    if s.missing:
        reasons.append(Text("被宣告失踪", "declared missing"))
    if s.in_prison:
        reasons.append(Text("在监狱服刑", "in prison"))
    if not reasons:
        return False, Text(f"{age} 周岁，有履行义务能力", f"aged {age}, able to support"), cited
    return True, join(reasons, "、", ", "), cited


def calculate_tekun(inputs: TekunInput, params: Params) -> TekunResult:
    age, supporter_ages = inputs.check()
    p = params.fresh()
    lines = Lines()

    capacity_ok, capacity_text, capacity_cited = _capacity(inputs, age, p)
    lines.add("tekun.capacity", Text("无劳动能力", "No capacity to work"), capacity_text, capacity_ok,
              *capacity_cited)

    standard_p = p.get("dibao.standard_monthly")
    standard = p.fen(standard_p.name)
    income = inputs.monthly_income_fen
    income_ok = income < standard
    lines.add("tekun.income", Text("无生活来源：收入", "No means of living: income"),
              Text(f"本人月收入 {money(income).zh} {'<' if income_ok else '≥'} 低保标准 {money(standard).zh}",
                   f"own income {money(income).en} {'<' if income_ok else '≥'} standard {money(standard).en}"),
              income_ok, standard_p)
    property_ok = property_test(inputs.property, members=1, standard_fen=standard, on=inputs.on, params=p,
                                lines=lines)
    means_ok = income_ok and property_ok

    support_ok = True
    if not inputs.supporters:
        lines.add("tekun.support", Text("无履行义务能力的赡养、抚养、扶养人", "No supporter able to support"),
                  Text("无法定赡养、抚养、扶养义务人", "no legal supporter"), True)
    for i, (supporter, s_age) in enumerate(zip(inputs.supporters, supporter_ages, strict=True)):
        unable, text, cited = supporter_unable(supporter, s_age, p)
        support_ok = support_ok and unable
        lines.add(f"tekun.support[{i}]", Text(f"第 {i + 1} 位赡养、扶养人", f"Supporter {i + 1}"), text, unable,
                  *cited)

    eligible = capacity_ok and means_ok and support_ok
    unable_count = len(set(inputs.person.unable_activities) & set(Activity))
    level, level_cited = care_level(unable_count, p)
    lines.add("tekun.care_level", Text("生活自理能力", "Self-care"),
              Text(f"六项中 {unable_count} 项不能自理：{CARE_TEXT[level].zh}",
                   f"unable in {unable_count} of six activities: {CARE_TEXT[level].en}"), None, *level_cited)

    basic = Decimal(0)
    care = Decimal(0)
    if eligible:
        basic_p = p.get("tekun.basic_living_multiple")
        basic = p.decimal(basic_p.name) * standard
        lines.add("tekun.basic_living", Text("基本生活标准", "Basic living standard"),
                  Text(f"{times(p.decimal(basic_p.name))} {money(standard).zh} = {money(basic).zh}",
                       f"{times(p.decimal(basic_p.name))} {money(standard).en} = {money(basic).en}"), None,
                  basic_p, standard_p)
        care_p = p.get(CARE_PARAMETER[level])
        care = p.decimal(care_p.name) * standard
        lines.add("tekun.care", Text("照料护理标准", "Care standard"),
                  Text(f"{CARE_TEXT[level].zh}：{times(p.decimal(care_p.name))} {money(standard).zh} = "
                       f"{money(care).zh}",
                       f"{CARE_TEXT[level].en}: {times(p.decimal(care_p.name))} {money(standard).en} = "
                       f"{money(care).en}"), None, care_p, standard_p)
    amount = to_fen(basic + care)
    adult_p = p.get("general.adult_age")
    notice = age >= p.integer(adult_p.name)
    lines.add("tekun.public_notice", Text("公示", "Public notice"),
              Text("需公示" if notice else "未成年人不公示", "required" if notice else "never for a minor"), None,
              adult_p)
    outcome = TekunOutcome.ELIGIBLE if eligible else TekunOutcome.INELIGIBLE
    lines.add("tekun.amount", Text("月供养金", "Monthly support"), money(amount), None)
    text = OUTCOME_TEXT[outcome]
    return TekunResult(
        program=Program.TEKUN, calculator_version=CALCULATOR_VERSION, outcome=outcome, eligible=eligible,
        amount_fen=amount,
        explanation=Explanation(Program.TEKUN, CALCULATOR_VERSION, outcome, text.zh, text.en, lines.all(),
                                p.used()),
        capacity_passed=capacity_ok, means_passed=means_ok, support_passed=support_ok, care_level=level,
        unable_activities=unable_count, basic_living=basic, care=care, public_notice_required=notice)
