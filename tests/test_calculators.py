"""Calculators: table tests of every rule and its edges, on the shipped defaults held in memory."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from jijinan.policy.calculators import (
    PROGRAMS,
    Activity,
    AssistanceKind,
    CalculatorInputError,
    Cause,
    DibaoInput,
    Disability,
    Expense,
    Household,
    LowIncomeInput,
    MedicalAssistanceInput,
    Member,
    NoValueInForce,
    Params,
    PropertyFacts,
    RigidExpenses,
    Severity,
    Stage,
    Supporter,
    TekunInput,
    TemporaryAssistanceInput,
    Vehicle,
    VehicleUse,
    evaluate,
    stage_limits,
)
from jijinan.policy.calculators.temporary_assistance import split_instalments
from jijinan.policy.errors import PolicyErrorCode
from jijinan.policy.lookup import ParameterTable, ParameterValue, VersionRow
from jijinan.policy.values import Duration, typed

DEFAULTS = Path(__file__).resolve().parent.parent / "src/jijinan/policy/data/defaults.json"
XUANWU = "320102000000"
DAY = date(2024, 3, 1)
S = 94500  # Nanjing's 低保 standard in fen, in force for 玄武区 on DAY


@pytest.fixture(autouse=True)
def _chinese():  # type: ignore[no-untyped-def]
    # Messages are asserted in Chinese, whatever language an earlier test left active.
    with translation.override("zh-hans"):
        yield


# --- parameters: the shipped defaults as in-memory values (no database) --------------------------------


@cache
def tables() -> dict[str, ParameterTable]:
    data = json.loads(DEFAULTS.read_text(encoding="utf-8"))
    out: dict[str, ParameterTable] = {}
    for i, d in enumerate(data["definitions"]):
        rows = [VersionRow(id=1000 * (i + 1) + j, region_code=v["region_code"], stored=v["value"],
                           effective_from=date.fromisoformat(v["effective_from"]),
                           effective_to=date.fromisoformat(v["effective_to"]) if v.get("effective_to") else None,
                           citation=v["citation"], basis=v.get("basis", ""))
                for j, v in enumerate(d["versions"])]
        out[d["name"]] = ParameterTable(name=d["name"], kind=d["kind"], rows=rows, label=d["label"],
                                        label_en=d.get("label_en", ""), unit=d.get("unit", ""),
                                        unit_en=d.get("unit_en", ""))
    return out


def params(region: str = XUANWU, on: date = DAY, **overrides: Any) -> Params:
    """The defaults in force for ``region`` on ``on``; ``overrides`` maps a name (dots written ``__``)
    to a stored value, with a version id of its own so an explanation shows which version it used."""
    values: dict[str, ParameterValue] = {}
    for name, table in tables().items():
        found = table.find(region, on)
        if found is not None:
            values[name] = found
    for key, stored in overrides.items():
        name = key.replace("__", ".")
        base = values.get(name) or tables()[name].find("320000000000", date(2099, 1, 1))
        assert base is not None, name
        values[name] = dataclasses.replace(base, stored=stored, value=typed(base.kind, stored),
                                           version_id=base.version_id + 500)
    return Params.from_values(values, region_code=region, on=on)


def adults(n: int, **kw: Any) -> Household:
    return Household(tuple(Member(age=40, **kw) for _ in range(n)))


def dibao(income: int, household: Household | None = None, p: Params | None = None, **kw: Any):  # type: ignore[no-untyped-def]
    inputs = DibaoInput(region_code=XUANWU, on=DAY, household=household or adults(3), monthly_income_fen=income,
                        **kw)
    return evaluate("dibao", inputs, p or params())


def line(result: Any, rule: str) -> Any:
    found = [x for x in result.explanation.lines if x.rule == rule]
    assert len(found) == 1, [x.rule for x in result.explanation.lines]
    return found[0]


def half_up(d: Decimal) -> int:
    return int(d.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- 低保 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("income", "eligible"), [
    (0, True), (3 * S - 1, True), (3 * S, False), (3 * S + 1, False)])
def test_dibao_income_test_compares_the_household_total_exactly(income: int, eligible: bool) -> None:
    result = dibao(income)
    assert result.eligible is eligible
    assert line(result, "dibao.income").passed is eligible
    assert result.amount_fen == (3 * S - income if eligible else 0)


def test_dibao_top_up_for_covered_members_is_rounded_once() -> None:
    household = Household((Member(age=40), Member(age=40), Member(age=40, covered=False)))
    result = dibao(100_001, household)
    exact = Decimal(3 * S - 100_001) * 2 / 3
    assert result.top_up == exact
    assert result.amount_fen == half_up(exact) == 122_333  # 122,332.67 fen
    assert result.covered_members == 2


@pytest.mark.parametrize(("age", "rate"), [
    (17, 10), (18, 0), (59, 0), (60, 10), (69, 10), (70, 20), (95, 20)])
def test_dibao_age_uplifts_at_their_edges(age: int, rate: int) -> None:
    result = dibao(0, Household((Member(age=age),)))
    assert result.amount_fen == S + S * rate // 100
    assert len(result.member_uplifts) == (1 if rate else 0)


def test_dibao_uplift_takes_the_highest_category_once() -> None:
    member = Member(age=62, veteran=True, model_worker=True, living_alone=True)
    result = dibao(0, Household((member,)))
    assert result.uplift == Decimal(S) * 20 / 100
    (uplift,) = result.member_uplifts
    assert (uplift.tier, uplift.reason_zh) == (2, "劳动模范")
    assert "不重复加发" in line(result, "dibao.uplift.member[0]").value_zh


def test_dibao_uplift_categories_are_parameters() -> None:
    member = Member(age=40, ethnic_minority=True)
    assert dibao(0, Household((member,))).uplift == Decimal(S) * 20 / 100
    off = params(dibao__uplift_tier_ethnic_minority=0)
    assert dibao(0, Household((member,)), off).uplift == 0
    basic = params(dibao__uplift_tier_ethnic_minority=1, dibao__uplift_rate_basic="12.5")
    assert dibao(0, Household((member,)), basic).uplift == Decimal(S) * Decimal("12.5") / 100


def test_dibao_uplifts_only_for_covered_members() -> None:
    household = Household((Member(age=75), Member(age=75, covered=False)))
    result = dibao(0, household)
    assert [u.member for u in result.member_uplifts] == [0]
    assert result.amount_fen == half_up(Decimal(2 * S) * 1 / 2 + Decimal(S) * 20 / 100)


@pytest.mark.parametrize(("income", "paid", "outcome", "left"), [
    (3 * S, 0, "gradual_exit", 6),
    (half_up(Decimal("1.5") * 3 * S) - 1, 5, "gradual_exit", 1),
    (half_up(Decimal("1.5") * 3 * S), 0, "ineligible", 0),  # at 1.5 × the line: out
    (3 * S, 6, "ineligible", 0),  # six months used
])
def test_dibao_gradual_exit(income: int, paid: int, outcome: str, left: int) -> None:
    result = dibao(income, receiving_dibao=True, current_benefit_fen=50_000, gradual_exit_months_paid=paid)
    assert (result.outcome, result.gradual_exit_months_left) == (outcome, left)
    assert result.amount_fen == (50_000 if outcome == "gradual_exit" else 0)
    assert line(result, "dibao.gradual_exit").passed is (outcome == "gradual_exit")


def test_dibao_gradual_exit_never_pays_more_than_the_full_top_up() -> None:
    result = dibao(3 * S, receiving_dibao=True, current_benefit_fen=10 * S)
    assert result.amount_fen == 3 * S


def test_dibao_not_receiving_gets_no_gradual_exit() -> None:
    assert dibao(3 * S).outcome == "ineligible"


@pytest.mark.parametrize(("member", "share"), [
    (Member(age=40, disability_category=Disability.PHYSICAL, disability_grade=2, applies_alone=True), 75),
    (Member(age=40, disability_category=Disability.PHYSICAL, disability_grade=3, applies_alone=True), 0),
    (Member(age=40, disability_category=Disability.PSYCHIATRIC, disability_grade=3, applies_alone=True), 75),
    (Member(age=40, disability_category=Disability.INTELLECTUAL, disability_grade=4, applies_alone=True), 0),
    (Member(age=40, serious_illness=True, applies_alone=True), 100),
    (Member(age=40, serious_illness=True, disability_category=Disability.VISUAL, disability_grade=1,
            applies_alone=True), 100),
    (Member(age=40, serious_illness=True), 0),  # did not apply alone
])
def test_dibao_single_person_coverage(member: Member, share: int) -> None:
    household = Household((member, Member(age=40), Member(age=40)))
    result = dibao(3 * S, household)  # at the line: a 低保边缘 household
    assert result.outcome == ("single_person" if share else "ineligible")
    assert result.amount_fen == S * share // 100
    assert result.covered_members == (1 if share else 0)


def test_dibao_single_person_needs_a_dibao_edge_household() -> None:
    member = Member(age=40, serious_illness=True, applies_alone=True)
    household = Household((member, Member(age=40)))
    assert dibao(half_up(Decimal("1.5") * 2 * S) - 1, household).outcome == "single_person"
    assert dibao(half_up(Decimal("1.5") * 2 * S), household).outcome == "ineligible"


def test_dibao_single_person_adds_the_members_uplift() -> None:
    member = Member(age=72, serious_illness=True, applies_alone=True)
    result = dibao(2 * S, Household((member, Member(age=40))))
    assert result.amount_fen == S + S * 20 // 100


# --- the property test ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("facts", "passed"), [
    (PropertyFacts(financial_assets_fen=24 * S * 3), True),
    (PropertyFacts(financial_assets_fen=24 * S * 3 + 1), False),
    (PropertyFacts(vehicles=(Vehicle(),)), False),
    (PropertyFacts(vehicles=(Vehicle(VehicleUse.SOLE_LIVELIHOOD),)), True),
    (PropertyFacts(vehicles=(Vehicle(VehicleUse.DISABILITY), Vehicle(VehicleUse.SOLE_LIVELIHOOD))), True),
    (PropertyFacts(vehicles=(Vehicle(VehicleUse.DISABILITY), Vehicle(VehicleUse.PRIVATE))), False),
    (PropertyFacts(large_farm_machinery=True), False),
    (PropertyFacts(commercial_boat=True), False),
    (PropertyFacts(business_controller=True), False),
    (PropertyFacts(homes=2, floor_area_m2=Decimal(90)), True),  # 30 m² per person: not above
    (PropertyFacts(homes=2, floor_area_m2=Decimal("90.01")), False),
    (PropertyFacts(homes=1, floor_area_m2=Decimal(300)), True),  # one home, however large
    (PropertyFacts(homes=1, latest_home_acquired_on=date(2023, 3, 1)), False),  # exactly 12 months before
    (PropertyFacts(homes=1, latest_home_acquired_on=date(2023, 2, 28)), True),
])
def test_property_rules(facts: PropertyFacts, passed: bool) -> None:
    result = dibao(0, property=facts)
    assert result.property_passed is passed
    assert result.eligible is passed
    failed = [x.rule for x in result.explanation.lines if x.rule.startswith("property.") and x.passed is False]
    assert bool(failed) is not passed


@pytest.mark.parametrize(("switch", "facts"), [
    ("exclude_vehicle", PropertyFacts(vehicles=(Vehicle(),))),
    ("exclude_farm_machinery", PropertyFacts(commercial_boat=True)),
    ("exclude_business_controller", PropertyFacts(business_controller=True)),
    ("exclude_multiple_homes", PropertyFacts(homes=3, floor_area_m2=Decimal(500))),
    ("exclude_recent_home_purchase", PropertyFacts(latest_home_acquired_on=date(2024, 1, 1))),
])
def test_a_property_rule_switched_off_is_shown_and_not_applied(switch: str, facts: PropertyFacts) -> None:
    assert dibao(0, property=facts).property_passed is False
    result = dibao(0, p=params(**{f"means_verification__{switch}": False}), property=facts)
    assert result.property_passed is True
    off = [x for x in result.explanation.lines if x.passed is None and "not applied" in x.value_en]
    assert len(off) == 1 and off[0].parameters[0].name == f"means_verification.{switch}"


def test_vehicle_exemptions_are_switches() -> None:
    facts = PropertyFacts(vehicles=(Vehicle(VehicleUse.DISABILITY),))
    assert dibao(0, property=facts).property_passed is True
    p = params(means_verification__vehicle_exempt_disability=False)
    assert dibao(0, p=p, property=facts).property_passed is False


def test_property_source_is_cited() -> None:
    result = dibao(0, property=PropertyFacts(verified=True, report_id=17))
    assert "#17" in line(result, "property.source").value_zh
    assert "not yet verified" in line(dibao(0), "property.source").value_en


# --- 特困 -----------------------------------------------------------------------------------------------


def tekun(person: Member, income: int = 0, p: Params | None = None, **kw: Any):  # type: ignore[no-untyped-def]
    return evaluate("tekun", TekunInput(region_code=XUANWU, on=DAY, person=person, monthly_income_fen=income, **kw),
                    p or params())


@pytest.mark.parametrize(("age", "receiving", "capable"), [
    (15, False, False), (16, False, True), (17, True, False), (18, True, True), (59, False, True),
    (60, False, False), (70, False, False)])
def test_tekun_capacity_by_age(age: int, receiving: bool, capable: bool) -> None:
    result = tekun(Member(age=age), receiving_tekun=receiving)
    assert result.capacity_passed is not capable
    assert result.eligible is not capable


@pytest.mark.parametrize(("category", "grade", "incapable"), [
    (Disability.INTELLECTUAL, 3, True), (Disability.PSYCHIATRIC, 4, False), (Disability.PHYSICAL, 2, True),
    (Disability.PHYSICAL, 3, False), (Disability.VISUAL, 1, True), (Disability.VISUAL, 2, False),
    (Disability.HEARING, 1, False)])
def test_tekun_capacity_by_disability(category: str, grade: int, incapable: bool) -> None:
    result = tekun(Member(age=40, disability_category=category, disability_grade=grade))
    assert result.capacity_passed is incapable


def test_tekun_income_below_the_standard() -> None:
    assert tekun(Member(age=65), S - 1).means_passed is True
    assert tekun(Member(age=65), S).means_passed is False
    assert tekun(Member(age=65), property=PropertyFacts(financial_assets_fen=24 * S + 1)).means_passed is False


@pytest.mark.parametrize(("supporter", "unable"), [
    (Supporter(age=45), False),
    (Supporter(age=45, tekun=True), True),
    (Supporter(age=60, dibao=True), True),
    (Supporter(age=59, dibao=True), False),
    (Supporter(age=70, low_income=True), True),
    (Supporter(age=69, low_income=True), False),
    (Supporter(age=70), False),
    (Supporter(age=40, low_income=True, disability_category=Disability.PHYSICAL, disability_grade=2), True),
    (Supporter(age=40, low_income=True, disability_category=Disability.PHYSICAL, disability_grade=3), False),
    (Supporter(age=40, low_income=True, disability_category=Disability.INTELLECTUAL, disability_grade=3), True),
    (Supporter(age=40, incapacitated=True), True),
    (Supporter(age=40, missing=True), True),
    (Supporter(age=40, in_prison=True), True),
])
def test_tekun_supporters(supporter: Supporter, unable: bool) -> None:
    result = tekun(Member(age=65), supporters=(supporter, Supporter(age=50, in_prison=True)))
    assert result.support_passed is unable
    assert line(result, "tekun.support[0]").passed is unable


@pytest.mark.parametrize(("unable", "level", "multiple"), [
    (0, "self_care", "0.1"), (1, "semi_care", "0.3"), (3, "semi_care", "0.3"), (4, "full_care", "0.6"),
    (6, "full_care", "0.6")])
def test_tekun_care_level_and_support(unable: int, level: str, multiple: str) -> None:
    person = Member(age=80, unable_activities=frozenset(list(Activity)[:unable]))
    result = tekun(person)
    assert (result.care_level, result.unable_activities) == (level, unable)
    assert result.basic_living == Decimal("1.3") * S
    assert result.amount_fen == half_up(Decimal("1.3") * S + Decimal(multiple) * S)


def test_tekun_minor_has_no_public_notice() -> None:
    assert tekun(Member(age=10)).public_notice_required is False
    assert tekun(Member(age=18, disability_category=Disability.VISUAL, disability_grade=1)).public_notice_required


def test_tekun_ineligible_pays_nothing_but_still_assesses_care() -> None:
    result = tekun(Member(age=40, unable_activities=frozenset({"eating"})))
    assert (result.eligible, result.amount_fen, result.care_level) == (False, 0, "semi_care")


# --- 低保边缘 and 刚性支出困难 ---------------------------------------------------------------------------


def low_income(income: int, **kw: Any):  # type: ignore[no-untyped-def]
    return evaluate("low_income", LowIncomeInput(region_code=XUANWU, on=DAY, household=adults(2),
                                                 monthly_income_fen=income, **kw), params())


@pytest.mark.parametrize(("income", "outcome"), [
    (2 * S - 1, "dibao_range"), (2 * S, "dibao_edge"), (3 * S - 1, "dibao_edge"), (3 * S, "none")])
def test_dibao_edge_band(income: int, outcome: str) -> None:
    assert low_income(income).outcome == outcome


def test_dibao_edge_needs_property_and_no_current_programme() -> None:
    assert low_income(2 * S, property=PropertyFacts(business_controller=True)).outcome == "none"
    assert low_income(2 * S, receiving_dibao=True).outcome == "already_covered"
    assert low_income(2 * S, receiving_tekun=True).eligible is False


@pytest.mark.parametrize(("earned", "spent", "outcome"), [
    (6_000_000, 4_000_000, "rigid_expense"),  # 60,000 − 40,000 = 20,000 < 945 × 2 × 12 = 22,680
    (6_000_000, 3_000_000, "none"),  # 30,000 left
    (2 * 5_267_400, 10_000_000, "none"),  # income not below 2 × 52,674
    (2 * 5_267_400 - 1, 10_000_000, "rigid_expense"),
])
def test_rigid_expense(earned: int, spent: int, outcome: str) -> None:
    result = low_income(4 * S, lookback_income_fen=earned, rigid_expenses=RigidExpenses(medical_fen=spent))
    assert result.outcome == outcome


# --- 临时救助 -------------------------------------------------------------------------------------------


def temporary(amount: int, kind: str = AssistanceKind.EMERGENCY, cause: str = Cause.FIRE,
              p: Params | None = None, **kw: Any):  # type: ignore[no-untyped-def]
    if kind == AssistanceKind.EXPENSE and "expenses" not in kw:
        kw["expenses"] = (Expense(cause, 3_000_000),)
    inputs = TemporaryAssistanceInput(region_code=XUANWU, on=DAY, kind=kind, cause=cause, requested_amount_fen=amount,
                                      household=adults(2), **kw)
    return evaluate("temporary_assistance", inputs, p or params())


@pytest.mark.parametrize(("amount", "approver", "notice"), [
    (3 * S, "township", False), (3 * S + 1, "county", True)])
def test_township_approves_up_to_and_including_its_ceiling(amount: int, approver: str, notice: bool) -> None:
    result = temporary(amount, AssistanceKind.EXPENSE, Cause.MEDICAL)
    assert (result.outcome, result.approver, result.public_notice_required) == ("eligible", approver, notice)
    assert result.township_ceiling_fen == 3 * S


@pytest.mark.parametrize(("amount", "outcome", "approver"), [
    (10 * S, "eligible", "county"), (10 * S + 1, "needs_consultation", "consultation")])
def test_cap_and_escalation(amount: int, outcome: str, approver: str) -> None:
    result = temporary(amount, AssistanceKind.EXPENSE, Cause.MEDICAL)
    assert (result.outcome, result.approver, result.needs_consultation) == (outcome, approver, outcome != "eligible")
    assert line(result, "temporary_assistance.cap").passed is (outcome == "eligible")
    assert result.amount_fen == (amount if outcome == "eligible" else 0)


def test_an_amount_above_its_band_within_the_cap_is_the_countys_with_a_written_reason() -> None:
    at_edge = temporary(6 * S, AssistanceKind.EXPENSE, Cause.EDUCATION)
    assert (at_edge.outcome, at_edge.within_band, at_edge.band_reason_required) == ("eligible", True, False)
    assert at_edge.approver == "county"  # above the township ceiling (3×) anyway
    result = temporary(6 * S + 1, AssistanceKind.EXPENSE, Cause.EDUCATION)
    assert (result.outcome, result.within_band, result.needs_consultation) == ("eligible", False, False)
    assert (result.approver, result.band_reason_required, result.amount_fen) == ("county", True, 6 * S + 1)
    # Within the township ceiling but above the emergency band (1–2×): still the county's, with a reason.
    p = params(temporary_assistance__band_emergency={"min": "1", "max": "2"})
    small = temporary(2 * S + 1, p=p)
    assert (small.approver, small.band_reason_required, small.needs_consultation) == ("county", True, False)
    assert temporary(2 * S, p=p).approver == "township"
    assert temporary(S - 1, AssistanceKind.EXPENSE, Cause.OTHER).within_band  # below the band: a smaller need


def test_escalation_threshold_and_risk_flag() -> None:
    p = params(temporary_assistance__escalation_threshold="5")
    assert temporary(5 * S, AssistanceKind.EXPENSE, Cause.MEDICAL, p).outcome == "eligible"
    assert temporary(5 * S + 1, AssistanceKind.EXPENSE, Cause.MEDICAL, p).outcome == "needs_consultation"
    assert temporary(S, stability_risk=True).approver == "consultation"


@pytest.mark.parametrize(("amount", "payer"), [(3 * S, "township"), (3 * S + 1, "county")])
def test_fast_track_limit(amount: int, payer: str) -> None:
    p = params(temporary_assistance__band_emergency={"min": "1", "max": "5"})
    result = temporary(amount, p=p)
    assert (result.fast_track_allowed, result.fast_track_payer) == (True, payer)


def test_expense_kind_has_no_fast_track_and_is_means_tested() -> None:
    result = temporary(S, AssistanceKind.EXPENSE, Cause.MEDICAL, annual_income_fen=2 * 5_267_400 - 1)
    assert (result.fast_track_allowed, result.fast_track_payer, result.outcome) == (False, "", "eligible")
    assert temporary(S, AssistanceKind.EXPENSE, Cause.MEDICAL, annual_income_fen=2 * 5_267_400).outcome == "ineligible"
    refused = temporary(S, AssistanceKind.EXPENSE, Cause.MEDICAL, property=PropertyFacts(vehicles=(Vehicle(),)))
    assert refused.outcome == "ineligible"
    # The emergency kind helps first: no income test.
    assert temporary(S, annual_income_fen=10**9).outcome == "eligible"


@pytest.mark.parametrize(("severity", "suggested"), [
    (Severity.GENERAL, S), (Severity.SERIOUS, 2 * S), (Severity.CRITICAL, 3 * S)])
def test_emergency_severity_places_the_suggestion_in_the_band(severity: str, suggested: int) -> None:
    result = temporary(S, severity=severity)
    assert (result.band_min_fen, result.band_max_fen, result.suggested_fen) == (S, 3 * S, suggested)


def test_expense_suggestion_is_the_spending_up_to_the_band() -> None:
    assert temporary(S, AssistanceKind.EXPENSE, Cause.MEDICAL, expenses=(Expense("medical", 500_000),)
                     ).suggested_fen == 500_000
    assert temporary(S, AssistanceKind.EXPENSE, Cause.EDUCATION, expenses=(Expense("education", 10**8),)
                     ).suggested_fen == 6 * S


def test_repeat_in_the_calendar_year() -> None:
    assert temporary(S, prior_grants_same_cause=0).outcome == "eligible"
    refused = temporary(S, prior_grants_same_cause=1)
    assert refused.outcome == "ineligible"
    assert line(refused, "temporary_assistance.repeat").passed is False
    assert temporary(S, prior_grants_same_cause=1, repeat_reason="房屋再次受灾").outcome == "eligible"


@pytest.mark.parametrize(("on", "months", "parts"), [
    (date(2024, 3, 1), 3, 0), (date(2024, 3, 1), 4, 4), (date(2024, 3, 1), 12, 6), (date(2024, 11, 5), 12, 2),
    (date(2024, 12, 5), 12, 0)])
def test_instalments_within_the_calendar_year(on: date, months: int, parts: int) -> None:
    inputs = TemporaryAssistanceInput(region_code=XUANWU, on=on, kind="emergency", cause="fire",
                                      requested_amount_fen=2 * S + 1, household=adults(1), difficulty_months=months)
    result = evaluate("temporary_assistance", inputs, params(on=on))
    assert len(result.instalments) == parts
    if parts:
        assert sum(result.instalments) == 2 * S + 1
        assert max(result.instalments) - min(result.instalments) <= 1


def test_split_instalments_adds_up() -> None:
    assert split_instalments(100, 3) == (34, 33, 33)


# --- 医疗救助 -------------------------------------------------------------------------------------------


def medical(category: str, expense: int, **kw: Any):  # type: ignore[no-untyped-def]
    return evaluate("medical_assistance", MedicalAssistanceInput(
        region_code=XUANWU, on=DAY, category=category, eligible_expense_fen=expense, **kw), params())


def test_medical_dibao_has_no_deductible_and_70_percent() -> None:
    result = medical("dibao", 1_000_001)
    assert (result.deductible_fen, result.rate, result.amount_fen) == (0, Decimal(70), 700_001)  # 700,000.7 → up


def test_medical_deductible_counts_the_year_to_date() -> None:
    # 低保边缘: 10 % of 52,674 yuan = 5,267.40 yuan deductible, 60 %.
    result = medical("dibao_edge", 1_000_000)
    assert result.deductible_fen == 526_740
    assert result.amount_fen == half_up(Decimal(1_000_000 - 526_740) * 60 / 100)
    later = medical("dibao_edge", 1_000_000, ytd_eligible_expense_fen=500_000)
    assert later.amount_fen == half_up(Decimal(1_000_000 - 26_740) * 60 / 100)
    assert medical("illness_poor", 1_316_850).amount_fen == 0  # 25 % × 52,674 = 13,168.50 yuan
    assert medical("illness_poor", 1_316_850).outcome == "nothing_due"


@pytest.mark.parametrize(("paid", "amount"), [(0, 700_000), (4_500_000, 500_000), (5_000_000, 0)])
def test_medical_annual_cap(paid: int, amount: int) -> None:
    assert medical("tekun", 1_000_000, ytd_paid_fen=paid).amount_fen == amount


# --- stage limits ----------------------------------------------------------------------------------------


def test_stage_limits_per_program() -> None:
    p = params()
    assert stage_limits("dibao", p) == {
        Stage.REVIEWED: Duration(15, "working_days"), Stage.PUBLIC_NOTICE: Duration(5, "working_days"),
        Stage.APPROVED: Duration(10, "working_days"), Stage.REFUSAL_NOTICE: Duration(3, "working_days"),
        Stage.FOLLOW_UP: Duration(10, "working_days")}
    assert stage_limits("temporary_assistance", p)[Stage.FAST_TRACK] == Duration(48, "hours")
    assert stage_limits("tekun", p)[Stage.PUBLIC_NOTICE] == Duration(7, "calendar_days")
    assert stage_limits("low_income", p) == {}
    assert set(stage_limits("medical_assistance", p)) == {Stage.FOLLOW_UP}
    with pytest.raises(CalculatorInputError) as caught:
        stage_limits("lottery", p)
    assert caught.value.code == PolicyErrorCode.UNKNOWN_PROGRAM


# --- explanations ----------------------------------------------------------------------------------------


def test_explanation_cites_every_parameter_version_it_used() -> None:
    p = params(dibao__uplift_rate_higher="25")
    result = dibao(100_000, Household((Member(age=80), Member(age=30))), p)
    record = result.to_record()
    json.dumps(record)  # JSON-safe
    cited = {(x["name"], x["version_id"]) for x in record["explanation"]["parameters"]}
    assert ("dibao.uplift_rate_higher", p.get("dibao.uplift_rate_higher").version_id) in cited
    assert ("dibao.standard_monthly", p.get("dibao.standard_monthly").version_id) in cited
    # Every parameter a line cites is among the parameters of the explanation.
    for x in record["explanation"]["lines"]:
        for ref in x["parameters"]:
            assert (ref["name"], ref["version_id"]) in cited
    assert record["explanation"]["calculator_version"] == "dibao/1"
    assert record["amount_fen"] == result.amount_fen
    assert record["top_up"] == str(result.top_up)


def test_each_line_reads_in_both_languages() -> None:
    result = dibao(3 * S)
    income = line(result, "dibao.income")
    assert (income.label_zh, income.label_en, income.passed) == ("收入条件", "Income test", False)
    with translation.override("zh-hans"):
        text = income.render()
        assert text.startswith("收入条件：") and "不符合" in text and "低保标准 = 945.00 元/人·月" in text
        assert result.explanation.summary() == "不符合低保条件"
    with translation.override("en"):
        text = income.render()
        assert text.startswith("Income test: ") and "fail" in text and "2,835.00 yuan" in text
        assert result.explanation.summary() == "Not eligible for dibao"
    for x in result.explanation.lines:
        assert x.label_zh and x.label_en and x.value_zh and x.value_en


def test_a_fresh_params_cites_only_what_one_calculation_read() -> None:
    p = params()
    dibao(0, p=p)
    medical_result = evaluate("medical_assistance", MedicalAssistanceInput(
        region_code=XUANWU, on=DAY, category="dibao", eligible_expense_fen=100), p)
    names = {v.name for v in medical_result.explanation.parameters}
    assert not any(n.startswith(("dibao.", "means_verification.")) for n in names)


def test_every_program_is_registered() -> None:
    assert set(PROGRAMS) == {"dibao", "tekun", "low_income", "temporary_assistance", "medical_assistance"}


# --- bad input: a clear error naming the field ------------------------------------------------------------


@pytest.mark.parametrize(("program", "inputs", "field", "words"), [
    ("dibao", DibaoInput(XUANWU, DAY, adults(2), -1), "monthly_income_fen", "家庭月收入不能为负数"),
    ("dibao", DibaoInput(XUANWU, DAY, Household(()), 0), "household.members", "家庭成员不能为空"),
    ("dibao", DibaoInput(XUANWU, DAY, Household((Member(age=40), Member(age=151))), 0),
     "household.members[1].age", "第 2 位家庭成员的年龄应在 0 到 150 岁之间"),
    ("dibao", DibaoInput(XUANWU, DAY, Household((Member(birth_date=date(1870, 1, 1)),)), 0),
     "household.members[0].birth_date", "不能超过 150 岁"),
    ("dibao", DibaoInput(XUANWU, DAY, Household((Member(birth_date=date(2025, 1, 1)),)), 0),
     "household.members[0].birth_date", "不能晚于评估日期"),
    ("dibao", DibaoInput(XUANWU, DAY, Household((Member(),)), 0), "household.members[0].age", "出生日期或年龄"),
    ("dibao", DibaoInput(XUANWU, DAY, Household((Member(age=3, disability_category="physical"),)), 0),
     "household.members[0].disability_grade", "残疾等级"),
    ("dibao", DibaoInput(XUANWU, DAY, adults(1), 0, PropertyFacts(financial_assets_fen=-5)),
     "property.financial_assets_fen", "金融资产不能为负数"),
    ("dibao", DibaoInput("3201", DAY, adults(1), 0), "region_code", "区划代码"),
    ("tekun", TekunInput(XUANWU, DAY, Member(age=70, unable_activities=frozenset({"flying"})), 0),
     "person.unable_activities", "自理能力评估项目无效"),
    ("tekun", TekunInput(XUANWU, DAY, Member(age=70), 0, supporters=(Supporter(age=200),)),
     "supporters[0].age", "第 1 位赡养、扶养人的年龄"),
    ("temporary_assistance", TemporaryAssistanceInput(XUANWU, DAY, "emergency", "education", 100, adults(1)),
     "cause", "救助原因无效"),
    ("temporary_assistance", TemporaryAssistanceInput(XUANWU, DAY, "expense", "medical", 100, adults(1)),
     "expenses", "支出型救助应列明刚性支出"),
    ("temporary_assistance", TemporaryAssistanceInput(XUANWU, DAY, "emergency", "fire", 0, adults(1)),
     "requested_amount_fen", "申请救助金额应大于零"),
    ("medical_assistance", MedicalAssistanceInput(XUANWU, DAY, "rich", 100), "category", "救助对象类别无效"),
    ("medical_assistance", MedicalAssistanceInput(XUANWU, DAY, "dibao", -100), "eligible_expense_fen", "不能为负数"),
])
def test_bad_input_names_the_field(program: str, inputs: Any, field: str, words: str) -> None:
    with pytest.raises(CalculatorInputError) as caught:
        evaluate(program, inputs, params())
    error = caught.value
    assert (error.code, error.status) == (PolicyErrorCode.BAD_INPUT, 400)
    assert list(error.field_errors) == [field]
    assert words in str(error.message)


def test_wrong_input_type_and_unknown_program() -> None:
    with pytest.raises(CalculatorInputError) as caught:
        evaluate("tekun", DibaoInput(XUANWU, DAY, adults(1), 0), params())
    assert list(caught.value.field_errors) == ["inputs"]
    with pytest.raises(CalculatorInputError) as caught:
        evaluate("lottery", DibaoInput(XUANWU, DAY, adults(1), 0), params())
    assert caught.value.code == PolicyErrorCode.UNKNOWN_PROGRAM


def test_a_date_with_no_parameters_in_force_is_refused_naming_the_date() -> None:
    early = date(2019, 6, 1)
    with pytest.raises(NoValueInForce) as caught:
        evaluate("dibao", DibaoInput(XUANWU, early, adults(1), 0), params(on=early))
    assert "2019-06-01" in str(caught.value.message) and "dibao.standard_monthly" in str(caught.value.message)
    assert list(caught.value.field_errors) == ["on"]
    # Last year's disposable income starts in 2024: medical assistance in 2023 has no deductible base.
    with pytest.raises(NoValueInForce):
        evaluate("medical_assistance", MedicalAssistanceInput(XUANWU, date(2023, 6, 1), "dibao", 100),
                 params(on=date(2023, 6, 1)))


def test_a_parameter_of_a_wrong_tier_is_refused() -> None:
    with pytest.raises(Exception) as caught:
        dibao(0, Household((Member(age=40, veteran=True),)), params(dibao__uplift_tier_veteran=3))
    assert "dibao.uplift_tier_veteran" in caught.value.field_errors  # type: ignore[attr-defined]


def test_rigid_expense_is_not_assessed_without_the_look_back_figures() -> None:
    result = low_income(4 * S)
    assert (result.outcome, result.rigid_expense) == ("none", False)
    assert line(result, "low_income.rigid_income").passed is None
