"""Calculators: Hypothesis properties of the 低保 benefit, the thresholds and determinism."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from jijinan.policy.calculators import (
    DibaoInput,
    Expense,
    Household,
    Member,
    PropertyFacts,
    TemporaryAssistanceInput,
    evaluate,
)
from tests.test_calculators import DAY, XUANWU, params

P = params()
S = P.fen("dibao.standard_monthly")
MAX_UPLIFT = max(P.decimal("dibao.uplift_rate_basic"), P.decimal("dibao.uplift_rate_higher"))
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)

members = st.builds(
    Member, age=st.integers(0, 110), covered=st.booleans(), living_alone=st.booleans(), veteran=st.booleans(),
    ethnic_minority=st.booleans(), model_worker=st.booleans(), returned_overseas_chinese=st.booleans(),
    serious_illness=st.booleans(), applies_alone=st.booleans(),
    disability_category=st.sampled_from(["", "physical", "psychiatric"]),
).map(lambda m: m if m.disability_category == "" else _graded(m))


def _graded(m: Member) -> Member:
    return replace(m, disability_grade=1 + (m.age % 4))


def _plain(m: Member) -> Member:
    return replace(m, applies_alone=False)


households = st.lists(members, min_size=1, max_size=6).map(lambda ms: Household(tuple(ms)))
plain_households = st.lists(members.map(_plain), min_size=1, max_size=6).map(
    lambda ms: Household(tuple(ms)))


income = st.integers(0, 20 * S)


@SETTINGS
@given(household=households, income=income, receiving=st.booleans(), current=st.integers(0, 30 * S),
       paid=st.integers(0, 8))
def test_dibao_benefit_is_never_negative_nor_above_the_full_standard_and_uplifts(
        household: Household, income: int, receiving: bool, current: int, paid: int) -> None:
    result = evaluate("dibao", DibaoInput(XUANWU, DAY, household, income, receiving_dibao=receiving,
                                          current_benefit_fen=current, gradual_exit_months_paid=paid), P)
    n = len(household.members)
    bound = Decimal(S * n) + Decimal(S) * MAX_UPLIFT / 100 * n
    assert 0 <= result.amount_fen <= bound
    assert result.uplift <= Decimal(S) * MAX_UPLIFT / 100 * n


@SETTINGS
@given(household=plain_households, low=income, extra=st.integers(0, 10 * S))
def test_more_income_never_means_more_benefit(household: Household, low: int, extra: int) -> None:
    # No gradual exit (not receiving) and no single-person coverage (nobody applies alone).
    first = evaluate("dibao", DibaoInput(XUANWU, DAY, household, low), P)
    second = evaluate("dibao", DibaoInput(XUANWU, DAY, household, low + extra), P)
    assert second.amount_fen <= first.amount_fen
    assert not (second.eligible and not first.eligible)


@SETTINGS
@given(household=plain_households, delta=st.integers(-3, 3))
def test_income_threshold_compares_totals_exactly_in_fen(household: Household, delta: int) -> None:
    n = len(household.members)
    result = evaluate("dibao", DibaoInput(XUANWU, DAY, household, max(S * n + delta, 0)), P)
    assert result.income_passed is (S * n + delta < S * n)
    assert result.eligible is (delta < 0)


@SETTINGS
@given(household=households, income=income, assets=st.integers(0, 100 * S))
def test_same_inputs_and_versions_give_the_same_decision(household: Household, income: int, assets: int) -> None:
    inputs = DibaoInput(XUANWU, DAY, household, income, PropertyFacts(financial_assets_fen=assets))
    first = evaluate("dibao", inputs, P).to_record()
    again = evaluate("dibao", inputs, params()).to_record()
    assert first == again


@SETTINGS
@given(amount=st.integers(1, 15 * S), on=st.dates(date(2024, 1, 1), date(2025, 12, 31)),
       months=st.integers(0, 12), prior=st.integers(0, 2))
def test_temporary_assistance_approver_and_instalments(amount: int, on: date, months: int, prior: int) -> None:
    inputs = TemporaryAssistanceInput(XUANWU, on, "expense", "medical", amount, Household((Member(age=30),)),
                                      expenses=(Expense("medical", amount),),
                                      prior_grants_same_cause=prior, difficulty_months=months)
    result = evaluate("temporary_assistance", inputs, params(on=on))
    assert result.eligible is (prior == 0)
    if result.outcome == "eligible":
        assert amount <= 10 * S
        assert result.approver == ("township" if amount <= 3 * S else "county")
        assert sum(result.instalments) in (0, amount)
        assert len(result.instalments) <= min(6, 13 - on.month)
    elif result.outcome == "needs_consultation":
        assert amount > 10 * S and result.amount_fen == 0
