"""Calculators over the stored parameters: region overrides, versions cited, dates with no value."""

from __future__ import annotations

from datetime import date

import pytest

from jijinan.audit.models import AuditEvent
from jijinan.policy.calculators import (
    DibaoInput,
    Household,
    Member,
    NoValueInForce,
    Stage,
    TemporaryAssistanceInput,
    evaluate_in_force,
    params_for,
    stage_limits,
)
from jijinan.policy.lookup import policy_cache_invalidate
from jijinan.policy.models import ParameterDefinition, ParameterVersion
from jijinan.policy.services import VersionInput, parameter_version_add, parameters_load_json
from jijinan.policy.values import Duration
from tests.test_calculators import DEFAULTS

pytestmark = pytest.mark.django_db

NANJING, XUANWU, GULOU = "320100000000", "320102000000", "320106000000"
LIANGXI = "320213000000"  # 无锡 梁溪区: no city standard, the province's applies
DAY = date(2024, 3, 1)


@pytest.fixture(autouse=True)
def _fresh_policy_cache():  # type: ignore[no-untyped-def]
    policy_cache_invalidate()
    yield
    policy_cache_invalidate()


@pytest.fixture
def defaults(jiangsu):  # type: ignore[no-untyped-def]
    return parameters_load_json(actor=None, text=DEFAULTS.read_text(encoding="utf-8"), source="defaults.json")


def one_adult(region: str, on: date = DAY, income: int = 0) -> DibaoInput:
    return DibaoInput(region, on, Household((Member(age=40),)), income)


def cited(result, name: str) -> dict:  # type: ignore[no-untyped-def]
    return next(p for p in result.to_record()["explanation"]["parameters"] if p["name"] == name)


def test_the_defaults_hold_every_parameter_the_calculators_read(defaults) -> None:  # type: ignore[no-untyped-def]
    names = set(ParameterDefinition.objects.values_list("name", flat=True))
    assert {"means_verification.authorisation_valid_months", "means_verification.exclude_vehicle",
            "dibao.uplift_tier_minor", "tekun.care_multiple_full_care"} <= names
    authorisation = params_for(XUANWU, DAY).get("means_verification.authorisation_valid_months")
    assert (authorisation.value, authorisation.kind) == (12, "months")


def test_a_county_override_wins_over_its_city(defaults) -> None:  # type: ignore[no-untyped-def]
    county = parameter_version_add(actor=None, name="dibao.standard_monthly", data=VersionInput(
        region_code=XUANWU, value=98000, effective_from=date(2023, 1, 1), citation="测试：玄武区标准", backdate=True))
    city = ParameterVersion.objects.get(definition__name="dibao.standard_monthly", region__code=NANJING)
    xuanwu = evaluate_in_force("dibao", one_adult("320102002000"))  # a street asks its county
    gulou = evaluate_in_force("dibao", one_adult(GULOU))
    wuxi = evaluate_in_force("dibao", one_adult(LIANGXI))
    assert (xuanwu.amount_fen, gulou.amount_fen, wuxi.amount_fen) == (98000, 94500, 80300)
    assert cited(xuanwu, "dibao.standard_monthly")["version_id"] == county.id
    assert cited(gulou, "dibao.standard_monthly")["version_id"] == city.id
    assert cited(wuxi, "dibao.standard_monthly")["region_code"] == "320000000000"
    # Before the county's version took effect, the city's applied.
    before = evaluate_in_force("dibao", one_adult(XUANWU, date(2022, 12, 31)))
    assert (before.amount_fen, cited(before, "dibao.standard_monthly")["version_id"]) == (94500, city.id)


def test_every_cited_version_is_the_stored_one(defaults) -> None:  # type: ignore[no-untyped-def]
    result = evaluate_in_force("temporary_assistance", TemporaryAssistanceInput(
        XUANWU, DAY, "emergency", "fire", 283_501, Household((Member(age=40),))))
    record = result.to_record()
    ids = {p["version_id"] for p in record["explanation"]["parameters"]}
    stored = dict(ParameterVersion.objects.filter(id__in=ids).values_list("id", "definition__name"))
    assert {p["version_id"]: p["name"] for p in record["explanation"]["parameters"]} == stored
    # One fen above the emergency band (3 × 945 yuan), within the cap: the county, with a written reason.
    assert (result.approver, result.outcome, result.band_reason_required) == ("county", "eligible", True)


def test_a_date_with_no_parameters_in_force_is_refused_and_nothing_is_saved(defaults) -> None:  # type: ignore[no-untyped-def]
    events = AuditEvent.objects.count()
    with pytest.raises(NoValueInForce) as caught:
        evaluate_in_force("dibao", one_adult(LIANGXI, date(2020, 6, 1)))  # the province's standard is from 2021
    assert "2020-06-01" in str(caught.value.message)
    assert caught.value.field_errors.keys() == {"on"}
    assert AuditEvent.objects.count() == events


def test_stage_limits_follow_the_region(defaults) -> None:  # type: ignore[no-untyped-def]
    parameter_version_add(actor=None, name="dibao.county_confirmation_limit", data=VersionInput(
        region_code=XUANWU, value={"count": 7, "unit": "working_days"}, effective_from=date(2023, 1, 1),
        citation="测试", backdate=True))
    assert stage_limits("dibao", params_for(XUANWU, DAY))[Stage.APPROVED] == Duration(7, "working_days")
    assert stage_limits("dibao", params_for(GULOU, DAY))[Stage.APPROVED] == Duration(10, "working_days")
