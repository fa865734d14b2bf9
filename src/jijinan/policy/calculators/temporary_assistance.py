"""The 临时救助 calculator (POLICY.md §1): amount band by kind and cause, cap, one grant per cause per
calendar year, who approves (township up to its ceiling, else the county), the fast-track limit,
escalation to a consultation (一事一议: above the cap or the escalation threshold, or a stability risk
the reviewer recorded), the county's approval with a written reason of an amount above its band but
within the cap, the 支出型 income and property tests, instalments.

Every amount limit is a multiple of the monthly 低保 standard; limits compare the exact product
(``amount ≤ 3 × 945.00 元``), and "up to" includes the limit itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jijinan.policy.calculators.common import CalculationResult, property_test, times, to_fen
from jijinan.policy.calculators.explain import Explanation, Lines, Text, money
from jijinan.policy.calculators.inputs import AssistanceKind, Cause, Severity, TemporaryAssistanceInput
from jijinan.policy.calculators.params import Params
from jijinan.policy.choices import Program

CALCULATOR_VERSION = "temporary_assistance/1"


class TemporaryOutcome:
    ELIGIBLE = "eligible"
    NEEDS_CONSULTATION = "needs_consultation"
    INELIGIBLE = "ineligible"


class Approver:
    TOWNSHIP = "township"
    COUNTY = "county"
    CONSULTATION = "consultation"


OUTCOME_TEXT = {
    TemporaryOutcome.ELIGIBLE: Text("符合临时救助条件", "Eligible for temporary assistance"),
    TemporaryOutcome.NEEDS_CONSULTATION: Text("需报告协商，一事一议", "Needs a consultation (case by case)"),
    TemporaryOutcome.INELIGIBLE: Text("不符合临时救助条件", "Not eligible for temporary assistance"),
}
APPROVER_TEXT = {
    Approver.TOWNSHIP: Text("乡镇（街道）审批，报县级备案", "the township approves and files with the county"),
    Approver.COUNTY: Text("县级民政部门审批", "the county civil-affairs office approves"),
    Approver.CONSULTATION: Text("报告协商，一事一议", "a consultation decides case by case"),
}
BAND_PARAMETER = {
    Cause.MEDICAL: "temporary_assistance.band_expense_medical",
    Cause.EDUCATION: "temporary_assistance.band_expense_education",
    Cause.OTHER: "temporary_assistance.band_expense_other",
}
# Where in the emergency band each severity suggests an amount: the lowest, the middle, the highest.
SEVERITY_POSITION = {Severity.GENERAL: Decimal(0), Severity.SERIOUS: Decimal("0.5"), Severity.CRITICAL: Decimal(1)}
SEVERITY_TEXT = {Severity.GENERAL: Text("一般", "general"), Severity.SERIOUS: Text("较重", "serious"),
                 Severity.CRITICAL: Text("严重", "critical")}


@dataclass(frozen=True)
class TemporaryAssistanceResult(CalculationResult):
    kind: str
    approver: str
    band_min_fen: int
    band_max_fen: int
    cap_fen: int
    township_ceiling_fen: int
    suggested_fen: int
    within_band: bool
    needs_consultation: bool
    band_reason_required: bool  # above the band, within the cap: the county approves with a written reason
    fast_track_allowed: bool
    fast_track_payer: str  # township, county, or "" when the kind has no fast track
    public_notice_required: bool
    instalments: tuple[int, ...]  # monthly amounts in fen; () when paid at once


def split_instalments(total: int, months: int) -> tuple[int, ...]:
    """``total`` fen in ``months`` near-equal parts that add up exactly (the first ones carry the rest)."""
    base, rest = divmod(total, months)
    return tuple(base + (1 if i < rest else 0) for i in range(months))


def calculate_temporary_assistance(inputs: TemporaryAssistanceInput, params: Params) -> TemporaryAssistanceResult:
    inputs.check()
    p = params.fresh()
    lines = Lines()
    members = len(inputs.household.members)
    amount = inputs.requested_amount_fen
    standard_p = p.get("dibao.standard_monthly")
    standard = p.fen(standard_p.name)
    emergency = inputs.kind == AssistanceKind.EMERGENCY

    # The band of the kind and cause, and where the amount falls in it.
    band_p = p.get("temporary_assistance.band_emergency" if emergency else BAND_PARAMETER[Cause(inputs.cause)])
    band = p.band(band_p.name)
    low, high = band.min * standard, band.max * standard
    # Below the band is allowed (the need is smaller); above it, within the cap, the county approves
    # with a written reason for leaving the band.
    within = amount <= high
    lines.add("temporary_assistance.band", Text("救助金额区间", "Amount band"),
              Text(f"申请 {money(amount).zh}，区间 {band.min}–{band.max} 倍 × {money(standard).zh} = "
                   f"{money(low).zh}–{money(high).zh}",
                   f"requested {money(amount).en}, band {band.min}–{band.max} × {money(standard).en} = "
                   f"{money(low).en}–{money(high).en}"), within, band_p, standard_p)
    if emergency:
        severity = Severity(inputs.severity)
        suggested = low + (high - low) * SEVERITY_POSITION[severity]
        basis = Text(f"困难程度{SEVERITY_TEXT[severity].zh}", f"{SEVERITY_TEXT[severity].en} severity")
    else:
        spent = sum(e.amount_fen for e in inputs.expenses)
        suggested = min(Decimal(spent), high)
        basis = Text(f"刚性支出 {money(spent).zh}，不超过区间上限", f"essential spending {money(spent).en}, "
                     "at most the top of the band")
    suggested_fen = to_fen(suggested)
    lines.add("temporary_assistance.suggested", Text("参考金额", "Suggested amount"),
              basis + Text(f"：{money(suggested_fen).zh}", f": {money(suggested_fen).en}"), None, band_p)

    # The cap and the escalation threshold: above either, or with a stability risk the reviewer
    # recorded, a consultation decides (a crisis flag alone is no stability risk).
    cap_p = p.get("temporary_assistance.cap")
    cap = p.decimal(cap_p.name) * standard
    within_cap = amount <= cap
    lines.add("temporary_assistance.cap", Text("单次救助上限", "Cap per event"),
              Text(f"{money(amount).zh} {'≤' if within_cap else '>'} {times(p.decimal(cap_p.name))} "
                   f"{money(standard).zh} = {money(cap).zh}",
                   f"{money(amount).en} {'≤' if within_cap else '>'} {times(p.decimal(cap_p.name))} "
                   f"{money(standard).en} = {money(cap).en}"), within_cap, cap_p, standard_p)
    threshold_p = p.get("temporary_assistance.escalation_threshold")
    threshold = p.decimal(threshold_p.name) * standard
    escalate = amount > threshold or inputs.stability_risk or not within_cap
    reasons = ([Text(f"超过报告协商阈值 {money(threshold).zh}", f"above the threshold {money(threshold).en}")]
               if amount > threshold else [])
    if not within_cap:
        reasons.append(Text("超过单次救助上限", "above the cap"))
    if inputs.stability_risk:
        reasons.append(Text("有稳定或极端行为风险", "stability or extreme-behaviour risk"))
    lines.add("temporary_assistance.escalation", Text("报告协商（一事一议）", "Escalation (case by case)"),
              Text("；".join(r.zh for r in reasons), "; ".join(r.en for r in reasons)) if reasons else Text(
                  f"不超过阈值 {money(threshold).zh}，未登记稳定风险",
                  f"not above {money(threshold).en}, no stability risk recorded"),
              None, threshold_p, standard_p)

    # Same person, same cause: once per calendar year unless there is a good reason.
    repeat_p = p.get("temporary_assistance.repeat_limit_per_year")
    repeat_limit = p.integer(repeat_p.name)
    repeat_ok = inputs.prior_grants_same_cause < repeat_limit or bool(inputs.repeat_reason.strip())
    lines.add("temporary_assistance.repeat", Text("同一原因重复救助", "Repeat for the same cause"),
              Text(f"{inputs.on.year} 年已救助 {inputs.prior_grants_same_cause} 次，每年限 {repeat_limit} 次"
                   + (f"；理由：{inputs.repeat_reason.strip()}" if inputs.repeat_reason.strip() else ""),
                   f"{inputs.prior_grants_same_cause} grant(s) in {inputs.on.year}, at most {repeat_limit} a year"
                   + (f"; reason: {inputs.repeat_reason.strip()}" if inputs.repeat_reason.strip() else "")),
              repeat_ok, repeat_p)

    means_ok = True
    if not emergency:
        pcdi_p = p.get("general.per_capita_disposable_income")
        pcdi_total = p.fen(pcdi_p.name) * members
        income_ok = inputs.annual_income_fen < pcdi_total
        lines.add("temporary_assistance.income", Text("支出型：收入条件", "Expense kind: income test"),
                  Text(f"家庭年可支配收入 {money(inputs.annual_income_fen).zh} {'<' if income_ok else '≥'} 上年人均"
                       f"可支配收入 {money(pcdi_p.value).zh} × {members} 人 = {money(pcdi_total).zh}",
                       f"household disposable income {money(inputs.annual_income_fen).en} "
                       f"{'<' if income_ok else '≥'} per-capita {money(pcdi_p.value).en} × {members} = "
                       f"{money(pcdi_total).en}"), income_ok, pcdi_p)
        property_ok = property_test(inputs.property, members=members, standard_fen=standard, on=inputs.on,
                                    params=p, lines=lines)
        means_ok = income_ok and property_ok

    # Who approves, who may pay first.
    ceiling_p = p.get("temporary_assistance.township_ceiling")
    ceiling = p.decimal(ceiling_p.name) * standard
    township = amount <= ceiling
    band_reason = not within and not escalate
    approver = (Approver.CONSULTATION if escalate else Approver.COUNTY if band_reason or not township
                else Approver.TOWNSHIP)
    lines.add("temporary_assistance.approver", Text("审批权限", "Who approves"),
              Text(f"{money(amount).zh} {'≤' if township else '>'} 乡镇审批限额 "
                   f"{times(p.decimal(ceiling_p.name))} {money(standard).zh} = {money(ceiling).zh}："
                   f"{APPROVER_TEXT[approver].zh}",
                   f"{money(amount).en} {'≤' if township else '>'} township ceiling "
                   f"{times(p.decimal(ceiling_p.name))} {money(standard).en} = {money(ceiling).en}: "
                   f"{APPROVER_TEXT[approver].en}")
              + (Text("（超出金额区间，须书面说明理由）", " (above the band: with a written reason)") if band_reason
                 else Text("", "")), None, ceiling_p, standard_p)
    payer = ""
    if emergency:
        limit_p = p.get("temporary_assistance.fast_track_limit")
        limit = p.decimal(limit_p.name) * standard
        payer = Approver.TOWNSHIP if amount <= limit else Approver.COUNTY
        lines.add("temporary_assistance.fast_track", Text("先行救助", "Fast track"),
                  Text(f"{money(amount).zh} {'≤' if payer == Approver.TOWNSHIP else '>'} 先行救助限额 "
                       f"{money(limit).zh}：{'乡镇（街道）' if payer == Approver.TOWNSHIP else '县级'}可先行支付",
                       f"{money(amount).en} {'≤' if payer == Approver.TOWNSHIP else '>'} fast-track limit "
                       f"{money(limit).en}: the {payer} may pay first"), None, limit_p, standard_p)
    else:
        lines.add("temporary_assistance.fast_track", Text("先行救助", "Fast track"),
                  Text("支出型救助按正常程序审核审批", "the expense kind goes through full review"), None)
    notice_p = p.get("temporary_assistance.public_notice_below_ceiling")
    notice = not township or p.flag(notice_p.name)
    lines.add("temporary_assistance.public_notice", Text("公示", "Public notice"),
              Text("需公示" if notice else "乡镇审批限额以下，不公示",
                   "required" if notice else "not required up to the township ceiling"), None, notice_p, ceiling_p)

    # Instalments: a difficulty lasting longer pays monthly, within the calendar year.
    after_p = p.get("temporary_assistance.instalment_after_months")
    instalments: tuple[int, ...] = ()
    if inputs.difficulty_months > p.integer(after_p.name):
        max_p = p.get("temporary_assistance.instalment_max_months")
        months = min(p.integer(max_p.name), inputs.difficulty_months, 13 - inputs.on.month)
        instalments = split_instalments(amount, months) if months > 1 else ()
        lines.add("temporary_assistance.instalments", Text("按月发放", "Monthly instalments"),
                  Text(f"困难持续 {inputs.difficulty_months} 个月，超过 {after_p.value} 个月："
                       f"分 {len(instalments) or 1} 个月发放（最长 {max_p.value} 个月，不跨年）",
                       f"difficulty lasting {inputs.difficulty_months} months, over {after_p.value}: paid in "
                       f"{len(instalments) or 1} monthly part(s) (at most {max_p.value}, within the year)"),
                  None, after_p, max_p)

    if not (repeat_ok and means_ok):
        outcome = TemporaryOutcome.INELIGIBLE
    elif escalate:
        outcome = TemporaryOutcome.NEEDS_CONSULTATION
    else:
        outcome = TemporaryOutcome.ELIGIBLE
    text = OUTCOME_TEXT[outcome]
    granted = amount if outcome == TemporaryOutcome.ELIGIBLE else 0
    return TemporaryAssistanceResult(
        program=Program.TEMPORARY_ASSISTANCE, calculator_version=CALCULATOR_VERSION, outcome=outcome,
        eligible=outcome != TemporaryOutcome.INELIGIBLE, amount_fen=granted,
        explanation=Explanation(Program.TEMPORARY_ASSISTANCE, CALCULATOR_VERSION, outcome, text.zh, text.en,
                                lines.all(), p.used()),
        kind=inputs.kind, approver=approver, band_min_fen=to_fen(low), band_max_fen=to_fen(high),
        cap_fen=to_fen(cap), township_ceiling_fen=to_fen(ceiling), suggested_fen=suggested_fen,
        within_band=within, needs_consultation=escalate, band_reason_required=band_reason,
        fast_track_allowed=emergency, fast_track_payer=payer,
        public_notice_required=notice,
        instalments=instalments if outcome == TemporaryOutcome.ELIGIBLE else ())
