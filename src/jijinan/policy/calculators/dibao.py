"""The 低保 calculator (POLICY.md §2): income and property tests, the top-up for covered members,
classified uplifts (the highest that applies, once per member), single-person coverage, gradual exit.

Thresholds compare household totals exactly in fen (``income < standard × members``); the top-up
is ``(standard × members − income) × covered / members``, in Decimal, rounded once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from jijinan.policy.calculators.common import (
    HUNDRED,
    CalculationResult,
    bad_parameter,
    percent,
    property_test,
    times,
    to_fen,
)
from jijinan.policy.calculators.explain import Explanation, Lines, Text, money
from jijinan.policy.calculators.inputs import MENTAL, DibaoInput, Disability, Member
from jijinan.policy.calculators.params import Params
from jijinan.policy.choices import Program
from jijinan.policy.lookup import ParameterValue

CALCULATOR_VERSION = "dibao/1"


class DibaoOutcome:
    ELIGIBLE = "eligible"
    SINGLE_PERSON = "single_person"
    GRADUAL_EXIT = "gradual_exit"
    INELIGIBLE = "ineligible"


OUTCOME_TEXT = {
    DibaoOutcome.ELIGIBLE: Text("符合低保条件", "Eligible for dibao"),
    DibaoOutcome.SINGLE_PERSON: Text("单人户纳入低保", "Covered alone (single-person coverage)"),
    DibaoOutcome.GRADUAL_EXIT: Text("渐退期内继续发放", "Gradual exit: payment continues"),
    DibaoOutcome.INELIGIBLE: Text("不符合低保条件", "Not eligible for dibao"),
}

# Uplift categories: (flag on Member, tier parameter, label). Age tiers come from their own parameters.
CATEGORIES = (
    ("living_alone", "dibao.uplift_tier_living_alone", Text("独居", "living alone")),
    ("returned_overseas_chinese", "dibao.uplift_tier_returned_overseas_chinese",
     Text("归侨", "returned overseas Chinese")),
    ("veteran", "dibao.uplift_tier_veteran", Text("退役军人", "veteran")),
    ("ethnic_minority", "dibao.uplift_tier_ethnic_minority", Text("少数民族", "ethnic minority")),
    ("model_worker", "dibao.uplift_tier_model_worker", Text("劳动模范", "model worker")),
)
TIER_RATES = {1: "dibao.uplift_rate_basic", 2: "dibao.uplift_rate_higher"}


@dataclass(frozen=True)
class MemberUplift:
    member: int  # index in the household
    tier: int
    reason_zh: str
    reason_en: str
    amount: Decimal  # exact fen, before the one rounding of the total


@dataclass(frozen=True)
class DibaoResult(CalculationResult):
    income_passed: bool
    property_passed: bool
    covered_members: int
    top_up: Decimal  # exact fen
    uplift: Decimal  # exact fen, all members
    member_uplifts: tuple[MemberUplift, ...]
    gradual_exit_months_left: int


def _tier(params: Params, name: str) -> tuple[int, ParameterValue]:
    found = params.get(name)
    tier = params.integer(name)
    if tier not in (0, *TIER_RATES):
        raise bad_parameter(name, _("加发档次应为 0、1 或 2，参数 %(name)s 的取值为 %(value)s") % {
            "name": name, "value": tier})
    return tier, found


def member_uplift(index: int, member: Member, age: int, standard_fen: int, params: Params,
                  lines: Lines) -> MemberUplift | None:
    """The highest uplift that applies to one covered member ("就高不重复"), as one line."""
    candidates: list[tuple[int, Text, list[ParameterValue]]] = []
    higher_age_p = params.get("dibao.uplift_higher_age")
    basic_age_p = params.get("dibao.uplift_basic_age")
    if age >= params.integer(higher_age_p.name):
        candidates.append((2, Text(f"年满 {higher_age_p.value} 周岁", f"aged {higher_age_p.value} or over"),
                           [higher_age_p]))
    elif age >= params.integer(basic_age_p.name):
        candidates.append((1, Text(f"年满 {basic_age_p.value} 周岁", f"aged {basic_age_p.value} or over"),
                           [basic_age_p]))
    adult_p = params.get("general.adult_age")
    if age < params.integer(adult_p.name):
        tier, tier_p = _tier(params, "dibao.uplift_tier_minor")
        if tier:
            candidates.append((tier, Text("未成年人", "minor"), [adult_p, tier_p]))
    for flag, name, label in CATEGORIES:
        if getattr(member, flag):
            tier, tier_p = _tier(params, name)
            if tier:
                candidates.append((tier, label, [tier_p]))
    if not candidates:
        return None
    # Highest tier wins; among equals the first found, so the line cites one stable reason.
    tier, reason, cited = max(candidates, key=lambda c: c[0])
    rate_p = params.get(TIER_RATES[tier])
    rate = params.decimal(rate_p.name)
    amount = Decimal(standard_fen) * rate / HUNDRED
    others = [c[1] for c in candidates if c[1] is not reason]
    also = (Text("（另符合：" + "、".join(o.zh for o in others) + "，不重复加发）",
                 " (also: " + ", ".join(o.en for o in others) + "; not added twice)") if others else Text("", ""))
    lines.add(f"dibao.uplift.member[{index}]",
              Text(f"第 {index + 1} 位成员分类施保", f"Uplift, member {index + 1}"),
              reason + Text(f"，{'二' if tier == 2 else '一'}档 {percent(rate)} × {money(standard_fen).zh} = "
                            f"{money(amount).zh}",
                            f", tier {tier}: {percent(rate)} × {money(standard_fen).en} = {money(amount).en}")
              + also, None, *cited, rate_p)
    return MemberUplift(member=index, tier=tier, reason_zh=reason.zh, reason_en=reason.en, amount=amount)


def severely_disabled(member: Member, params: Params) -> tuple[bool, list[ParameterValue]]:
    """Grade 1–2 (intellectual or psychiatric: 1–3) by default: single-person coverage."""
    if member.disability_category == Disability.NONE or member.disability_grade is None:
        return False, []
    name = ("dibao.single_person_mental_disability_grade" if member.disability_category in MENTAL
            else "dibao.single_person_disability_grade")
    found = params.get(name)
    return member.disability_grade <= params.integer(name), [found]


def calculate_dibao(inputs: DibaoInput, params: Params) -> DibaoResult:
    ages = inputs.check()
    p = params.fresh()
    lines = Lines()
    members = len(inputs.household.members)
    income = inputs.monthly_income_fen
    standard_p = p.get("dibao.standard_monthly")
    standard = p.fen(standard_p.name)
    line_total = standard * members

    income_ok = income < line_total
    lines.add("dibao.income", Text("收入条件", "Income test"),
              Text(f"家庭月收入 {money(income).zh} {'<' if income_ok else '≥'} 低保标准 {money(standard).zh} × "
                   f"{members} 人 = {money(line_total).zh}",
                   f"household income {money(income).en} {'<' if income_ok else '≥'} standard "
                   f"{money(standard).en} × {members} = {money(line_total).en}"),
              income_ok, standard_p)
    property_ok = property_test(inputs.property, members=members, standard_fen=standard, on=inputs.on,
                                params=p, lines=lines)

    covered = [(i, m) for i, m in enumerate(inputs.household.members) if m.covered]
    top_up = Decimal(0)
    uplifts: list[MemberUplift] = []
    months_left = 0
    covered_count = 0
    outcome = DibaoOutcome.INELIGIBLE
    if income_ok and property_ok:
        outcome = DibaoOutcome.ELIGIBLE
        covered_count = len(covered)
        top_up = Decimal(line_total - income) * len(covered) / members
        lines.add("dibao.top_up", Text("补差", "Top-up"),
                  Text(f"（{money(line_total).zh} − {money(income).zh}）× 纳入保障 {len(covered)} 人 / 家庭 "
                       f"{members} 人 = {money(top_up).zh}",
                       f"({money(line_total).en} − {money(income).en}) × {len(covered)} covered / {members} "
                       f"members = {money(top_up).en}"), None, standard_p)
        uplifts = [u for i, m in covered if (u := member_uplift(i, m, ages[i], standard, p, lines))]
    elif property_ok and not income_ok:
        edge_p = p.get("dibao.gradual_exit_multiple")
        edge = p.decimal(edge_p.name)
        edge_total = edge * line_total
        below_edge = Decimal(income) < edge_total
        if inputs.receiving_dibao:
            exit_p = p.get("dibao.gradual_exit_months")
            exit_months = p.integer(exit_p.name)
            months_left = max(exit_months - inputs.gradual_exit_months_paid, 0) if below_edge else 0
            in_exit = below_edge and months_left > 0
            ceiling = Decimal(0)
            if in_exit:
                # Keep the current payment, never more than the full standard plus the uplifts of
                # the covered members (computed, not paid separately: the kept payment includes them).
                scratch = Lines()
                ceiling = Decimal(standard * len(covered)) + sum(
                    (u.amount for i, m in covered if (u := member_uplift(i, m, ages[i], standard, p, scratch))),
                    Decimal(0))
                top_up = min(Decimal(inputs.current_benefit_fen), ceiling)
                outcome = DibaoOutcome.GRADUAL_EXIT
                covered_count = len(covered)
            lines.add("dibao.gradual_exit", Text("渐退", "Gradual exit"),
                      Text(f"家庭月收入 {money(income).zh} {'<' if below_edge else '≥'} {times(edge)} "
                           f"{money(line_total).zh} = {money(edge_total).zh}；已渐退 "
                           f"{inputs.gradual_exit_months_paid} 个月，最长 {exit_months} 个月"
                           + (f"；继续发放现发金额 {money(inputs.current_benefit_fen).zh}，不超过全额补差加分类施保 "
                              f"{money(ceiling).zh}" if in_exit else ""),
                           f"household income {money(income).en} {'<' if below_edge else '≥'} {times(edge)} "
                           f"{money(line_total).en} = {money(edge_total).en}; "
                           f"{inputs.gradual_exit_months_paid} of at most {exit_months} months used"
                           + (f"; the current {money(inputs.current_benefit_fen).en} keeps being paid, at most "
                              f"the full top-up with uplifts, {money(ceiling).en}" if in_exit else "")),
                      in_exit, edge_p, exit_p, standard_p)
        if outcome == DibaoOutcome.INELIGIBLE and below_edge:
            outcome, top_up, uplifts, covered_count = _single_person(inputs, ages, standard, edge_total, p,
                                                                     lines)
    amount = to_fen(top_up + sum((u.amount for u in uplifts), Decimal(0)))
    text = OUTCOME_TEXT[outcome]
    lines.add("dibao.benefit", Text("月保障金", "Monthly benefit"), money(amount), None)
    return DibaoResult(
        program=Program.DIBAO, calculator_version=CALCULATOR_VERSION, outcome=outcome,
        eligible=outcome != DibaoOutcome.INELIGIBLE, amount_fen=amount,
        explanation=Explanation(Program.DIBAO, CALCULATOR_VERSION, outcome, text.zh, text.en, lines.all(),
                                p.used()),
        income_passed=income_ok, property_passed=property_ok,
        covered_members=covered_count,
        top_up=top_up, uplift=sum((u.amount for u in uplifts), Decimal(0)), member_uplifts=tuple(uplifts),
        gradual_exit_months_left=months_left if outcome == DibaoOutcome.GRADUAL_EXIT else 0)


def _single_person(inputs: DibaoInput, ages: tuple[int, ...], standard: int, edge_total: Decimal,
                   p: Params, lines: Lines) -> tuple[str, Decimal, list[MemberUplift], int]:
    """A 低保边缘 household (income at or above the line, below the edge): a severely disabled or
    seriously ill member who applies alone is covered alone, at a share of the standard."""
    top_up = Decimal(0)
    uplifts: list[MemberUplift] = []
    count = 0
    for i, member in enumerate(inputs.household.members):
        if not member.applies_alone:
            continue
        disabled, cited = severely_disabled(member, p)
        rates: list[tuple[Decimal, ParameterValue]] = []
        if disabled:
            found = p.get("dibao.single_person_disabled_rate")
            rates.append((p.decimal(found.name), found))
        if member.serious_illness:
            found = p.get("dibao.single_person_illness_rate")
            rates.append((p.decimal(found.name), found))
        if not rates:
            lines.add(f"dibao.single_person.member[{i}]",
                      Text(f"第 {i + 1} 位成员单人户申请", f"Single-person coverage, member {i + 1}"),
                      Text("不属于重度残疾或重病", "neither severely disabled nor seriously ill"), False, *cited)
            continue
        rate, rate_p = max(rates, key=lambda r: r[0])
        share = Decimal(standard) * rate / HUNDRED
        top_up += share
        count += 1
        lines.add(f"dibao.single_person.member[{i}]",
                  Text(f"第 {i + 1} 位成员单人户申请", f"Single-person coverage, member {i + 1}"),
                  Text(f"{'重度残疾' if disabled else ''}{'、' if disabled and member.serious_illness else ''}"
                       f"{'重病' if member.serious_illness else ''}；家庭收入低于 {money(edge_total).zh}；"
                       f"{percent(rate)} × {money(standard).zh} = {money(share).zh}",
                       f"{'severely disabled' if disabled else ''}{', ' if disabled and member.serious_illness else ''}"
                       f"{'seriously ill' if member.serious_illness else ''}; household income below "
                       f"{money(edge_total).en}; {percent(rate)} × {money(standard).en} = {money(share).en}"),
                  True, *cited, rate_p)
        if (u := member_uplift(i, member, ages[i], standard, p, lines)) is not None:
            uplifts.append(u)
    if count == 0:
        return DibaoOutcome.INELIGIBLE, Decimal(0), [], 0
    return DibaoOutcome.SINGLE_PERSON, top_up, uplifts, count
