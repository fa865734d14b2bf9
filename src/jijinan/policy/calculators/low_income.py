"""Classifying low-income households (POLICY.md §4): 低保边缘 and 刚性支出困难."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jijinan.policy.calculators.common import CalculationResult, property_test, times
from jijinan.policy.calculators.explain import Explanation, Lines, Text, money
from jijinan.policy.calculators.inputs import LowIncomeInput
from jijinan.policy.calculators.params import Params
from jijinan.policy.choices import Program
from jijinan.policy.lookup import ParameterValue

CALCULATOR_VERSION = "low_income/1"


class LowIncomeOutcome:
    ALREADY_COVERED = "already_covered"  # a 低保 or 特困 recipient already
    DIBAO_RANGE = "dibao_range"  # income below the 低保 line: apply for 低保 instead
    DIBAO_EDGE = "dibao_edge"
    RIGID_EXPENSE = "rigid_expense"
    NONE = "none"


OUTCOME_TEXT = {
    LowIncomeOutcome.ALREADY_COVERED: Text("已是低保或特困对象", "Already a dibao or tekun recipient"),
    LowIncomeOutcome.DIBAO_RANGE: Text("收入低于低保标准，应按低保审核",
                                       "Income below the dibao line: assess for dibao"),
    LowIncomeOutcome.DIBAO_EDGE: Text("低保边缘家庭", "Dibao-edge household"),
    LowIncomeOutcome.RIGID_EXPENSE: Text("刚性支出困难家庭", "Household in hardship from essential spending"),
    LowIncomeOutcome.NONE: Text("不属于低收入人口", "Not in the low-income population"),
}


@dataclass(frozen=True)
class LowIncomeResult(CalculationResult):
    dibao_edge: bool
    rigid_expense: bool
    property_passed: bool


def calculate_low_income(inputs: LowIncomeInput, params: Params) -> LowIncomeResult:
    inputs.check()
    p = params.fresh()
    lines = Lines()
    members = len(inputs.household.members)
    income = inputs.monthly_income_fen
    standard_p = p.get("dibao.standard_monthly")
    standard = p.fen(standard_p.name)
    line_total = standard * members

    covered = inputs.receiving_dibao or inputs.receiving_tekun
    lines.add("low_income.not_covered", Text("非低保、特困对象", "Not a dibao or tekun recipient"),
              Text("已是低保或特困对象", "already a recipient") if covered else Text("否", "no"), not covered)
    property_ok = property_test(inputs.property, members=members, standard_fen=standard, on=inputs.on,
                                params=p, lines=lines)

    edge_p = p.get("low_income.dibao_edge_multiple")
    edge = p.decimal(edge_p.name)
    edge_total = edge * line_total
    below_line = income < line_total
    in_band = not below_line and Decimal(income) < edge_total
    lines.add("low_income.edge_income", Text("低保边缘：收入", "Dibao edge: income"),
              Text(f"家庭月收入 {money(income).zh}，区间 [{money(line_total).zh}，{times(edge)} {money(line_total).zh}"
                   f" = {money(edge_total).zh})",
                   f"household income {money(income).en}, range [{money(line_total).en}, {times(edge)} "
                   f"{money(line_total).en} = {money(edge_total).en})"),
              in_band, standard_p, edge_p)
    dibao_edge = in_band and property_ok and not covered

    rigid = False
    if inputs.lookback_income_fen is None:
        lines.add("low_income.rigid_income", Text("刚性支出困难", "Essential spending"),
                  Text("未提供核算期收入和刚性支出，未评估", "no look-back income or spending given: not assessed"),
                  None)
    else:
        rigid = _rigid_expense(inputs, inputs.lookback_income_fen, members, standard_p, p, lines) and not covered

    if covered:
        outcome = LowIncomeOutcome.ALREADY_COVERED
    elif below_line and property_ok:
        outcome = LowIncomeOutcome.DIBAO_RANGE
    elif dibao_edge:
        outcome = LowIncomeOutcome.DIBAO_EDGE
    elif rigid:
        outcome = LowIncomeOutcome.RIGID_EXPENSE
    else:
        outcome = LowIncomeOutcome.NONE
    text = OUTCOME_TEXT[outcome]
    return LowIncomeResult(
        program=Program.LOW_INCOME, calculator_version=CALCULATOR_VERSION, outcome=outcome,
        eligible=outcome in {LowIncomeOutcome.DIBAO_RANGE, LowIncomeOutcome.DIBAO_EDGE,
                             LowIncomeOutcome.RIGID_EXPENSE},
        amount_fen=0,
        explanation=Explanation(Program.LOW_INCOME, CALCULATOR_VERSION, outcome, text.zh, text.en, lines.all(),
                                p.used()),
        dibao_edge=dibao_edge, rigid_expense=rigid, property_passed=property_ok)


def _rigid_expense(inputs: LowIncomeInput, earned: int, members: int, standard_p: ParameterValue, p: Params,
                   lines: Lines) -> bool:
    """Income below last year's per-capita disposable income over the look-back period, and what is
    left after essential spending below the 低保 line over the same months."""
    standard = p.fen(standard_p.name)
    line_total = standard * members
    pcdi_p = p.get("general.per_capita_disposable_income")
    months_p = p.get("low_income.rigid_expense_lookback_months")
    months = p.integer(months_p.name)
    pcdi_total = Decimal(p.fen(pcdi_p.name)) * members * months / 12
    below_pcdi = Decimal(earned) < pcdi_total
    lines.add("low_income.rigid_income", Text("刚性支出困难：收入", "Essential spending: income"),
              Text(f"近 {months} 个月家庭收入 {money(earned).zh} {'<' if below_pcdi else '≥'} 上年人均可支配收入 "
                   f"{money(pcdi_p.value).zh} × {members} 人 × {months}/12 = {money(pcdi_total).zh}",
                   f"income over {months} months {money(earned).en} {'<' if below_pcdi else '≥'} per-capita "
                   f"disposable income {money(pcdi_p.value).en} × {members} × {months}/12 = {money(pcdi_total).en}"),
              below_pcdi, pcdi_p, months_p)
    spent = inputs.rigid_expenses.total()
    left = earned - spent
    floor = line_total * months
    short = left < floor
    lines.add("low_income.rigid_spending", Text("刚性支出困难：扣除刚性支出后", "Essential spending: after spending"),
              Text(f"{money(earned).zh} − 刚性支出 {money(spent).zh} = {money(left).zh} "
                   f"{'<' if short else '≥'} 低保标准 {money(standard).zh} × {members} 人 × {months} 个月 = "
                   f"{money(floor).zh}",
                   f"{money(earned).en} − essential spending {money(spent).en} = {money(left).en} "
                   f"{'<' if short else '≥'} standard {money(standard).en} × {members} × {months} months = "
                   f"{money(floor).en}"),
              short, standard_p, months_p)
    return below_pcdi and short
