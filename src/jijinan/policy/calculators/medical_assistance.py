"""The 医疗救助 calculator (POLICY.md §5): a yearly deductible (a share of last year's local per-capita
disposable income), a reimbursement rate by category and an annual cap, net of this year's use."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jijinan.policy.calculators.common import HUNDRED, CalculationResult, percent, to_fen
from jijinan.policy.calculators.explain import Explanation, Lines, Text, money
from jijinan.policy.calculators.inputs import MedicalAssistanceInput, MedicalCategory
from jijinan.policy.calculators.params import Params
from jijinan.policy.choices import Program

CALCULATOR_VERSION = "medical_assistance/1"


class MedicalOutcome:
    ELIGIBLE = "eligible"  # something is paid
    NOTHING_DUE = "nothing_due"  # within the deductible, or the annual cap is used up


OUTCOME_TEXT = {
    MedicalOutcome.ELIGIBLE: Text("给予医疗救助", "Medical assistance granted"),
    MedicalOutcome.NOTHING_DUE: Text("本次无救助金额（起付标准以内或已达年度限额）",
                                     "Nothing due (within the deductible or the annual cap is used up)"),
}
CATEGORY_TEXT = {
    MedicalCategory.DIBAO: Text("低保对象", "dibao recipient"),
    MedicalCategory.TEKUN: Text("特困人员", "tekun"),
    MedicalCategory.DIBAO_EDGE: Text("低保边缘", "dibao edge"),
    MedicalCategory.ILLNESS_POOR: Text("因病致贫", "impoverished by illness"),
}
SUFFIX = {MedicalCategory.DIBAO: "dibao_tekun", MedicalCategory.TEKUN: "dibao_tekun",
          MedicalCategory.DIBAO_EDGE: "dibao_edge", MedicalCategory.ILLNESS_POOR: "illness_poor"}


@dataclass(frozen=True)
class MedicalAssistanceResult(CalculationResult):
    category: str
    deductible_fen: int  # this year's whole deductible
    deductible_left_fen: int  # what this claim still had to bear
    rate: Decimal  # percent
    cap_left_fen: int  # before this claim


def calculate_medical_assistance(inputs: MedicalAssistanceInput, params: Params) -> MedicalAssistanceResult:
    inputs.check()
    p = params.fresh()
    lines = Lines()
    category = MedicalCategory(inputs.category)
    suffix = SUFFIX[category]
    lines.add("medical_assistance.category", Text("救助对象类别", "Category"), CATEGORY_TEXT[category], True)

    pcdi_p = p.get("general.per_capita_disposable_income")
    deductible_p = p.get(f"medical_assistance.deductible_{suffix}")
    deductible = Decimal(p.fen(pcdi_p.name)) * p.decimal(deductible_p.name) / HUNDRED
    already = Decimal(inputs.ytd_eligible_expense_fen)
    left = max(deductible - already, Decimal(0))
    base = max(Decimal(inputs.eligible_expense_fen) - left, Decimal(0))
    bears = min(left, Decimal(inputs.eligible_expense_fen))  # what this claim still bears itself
    lines.add("medical_assistance.deductible", Text("起付标准", "Deductible"),
              Text(f"{percent(p.decimal(deductible_p.name))} × {money(pcdi_p.value).zh} = {money(deductible).zh}；"
                   f"本年此前已发生 {money(already).zh}，本次还需自付 {money(bears).zh}",
                   f"{percent(p.decimal(deductible_p.name))} × {money(pcdi_p.value).en} = {money(deductible).en}; "
                   f"{money(already).en} earlier this year, this claim still bears "
                   f"{money(bears).en}"), None, deductible_p, pcdi_p)

    rate_p = p.get(f"medical_assistance.rate_{suffix}")
    rate = p.decimal(rate_p.name)
    due = base * rate / HUNDRED
    lines.add("medical_assistance.rate", Text("救助比例", "Reimbursement"),
              Text(f"（{money(inputs.eligible_expense_fen).zh} − {money(bears).zh}）"
                   f"× {percent(rate)} = {money(due).zh}",
                   f"({money(inputs.eligible_expense_fen).en} − "
                   f"{money(bears).en}) × {percent(rate)} = {money(due).en}"),
              None, rate_p)

    cap_p = p.get("medical_assistance.annual_cap")
    cap_left = max(p.fen(cap_p.name) - inputs.ytd_paid_fen, 0)
    amount = min(to_fen(due), cap_left)
    lines.add("medical_assistance.cap", Text("年度救助限额", "Annual cap"),
              Text(f"{money(cap_p.value).zh} − 本年已救助 {money(inputs.ytd_paid_fen).zh} = 尚余 {money(cap_left).zh}",
                   f"{money(cap_p.value).en} − {money(inputs.ytd_paid_fen).en} paid this year = "
                   f"{money(cap_left).en} left"), None, cap_p)
    lines.add("medical_assistance.amount", Text("本次救助金额", "Assistance for this claim"), money(amount), None)
    outcome = MedicalOutcome.ELIGIBLE if amount > 0 else MedicalOutcome.NOTHING_DUE
    text = OUTCOME_TEXT[outcome]
    return MedicalAssistanceResult(
        program=Program.MEDICAL_ASSISTANCE, calculator_version=CALCULATOR_VERSION, outcome=outcome,
        eligible=True, amount_fen=amount,
        explanation=Explanation(Program.MEDICAL_ASSISTANCE, CALCULATOR_VERSION, outcome, text.zh, text.en,
                                lines.all(), p.used()),
        category=category.value, deductible_fen=to_fen(deductible), deductible_left_fen=to_fen(left), rate=rate,
        cap_left_fen=cap_left)
