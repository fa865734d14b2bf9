"""Calculators and decision records: a 低保 calculation with its explanation against the bare
arithmetic of the same top-up; keeping a decision (evaluate + snapshot + insert + audit) against a
plain insert of the same row; reproducing a stored decision from its parameter versions."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

from benchlib import Case
from jijinan.policy.calculators import evaluate, params_for
from jijinan.policy.lookup import policy_cache_invalidate
from jijinan.policy.models import Decision, ParameterDefinition
from jijinan.policy.selectors import decision_inputs, decision_reproduce
from jijinan.policy.services import decision_record, parameters_load_json
from jijinan.regions.models import Region
from jijinan.regions.services import regions_load_csv

ROOT = Path(__file__).resolve().parent.parent / "src/jijinan"
XUANWU = "320102000000"
DAY = date(2025, 6, 2)
state: dict[str, Any] = {}


def _inputs(i: int) -> dict[str, object]:
    return {"region_code": XUANWU, "on": DAY.isoformat(), "monthly_income_fen": 50000 + i,
            "household": {"members": [{"age": 72, "disability_category": "physical", "disability_grade": 2},
                                      {"age": 40}, {"age": 12}]}}


def setup() -> None:
    if state:
        return
    if not Region.objects.exists():
        regions_load_csv(text=(ROOT / "regions/data/regions-jiangsu.csv").read_text(encoding="utf-8"),
                         valid_from=date(2022, 10, 31), source="bench")
    if not ParameterDefinition.objects.exists():
        parameters_load_json(actor=None, text=(ROOT / "policy/data/defaults.json").read_text(encoding="utf-8"),
                             source="bench")
    policy_cache_invalidate()
    from jijinan.accounts.choices import OrganisationKind
    from jijinan.accounts.models import Grant, Organisation, User
    from jijinan.core.permissions import Role

    region = Region.objects.get(code=XUANWU)
    office, _ = Organisation.objects.get_or_create(region=region, name="玄武区民政局（基准）",
                                                   defaults={"kind": OrganisationKind.CIVIL_AFFAIRS_OFFICE})
    user, created = User.objects.get_or_create(username="bench_clerk", defaults={"organisation": office,
                                                                                 "full_name": "基准"})
    if created:
        Grant.objects.create(user=user, role=Role.WINDOW_CLERK, region=region)
    params = params_for(XUANWU, DAY)
    typed = [decision_inputs("dibao", _inputs(i)) for i in range(100)]
    evaluate("dibao", typed[0], params)  # warm the lookups the calculation reads
    state.update(user=user, params=params, typed=typed, region=region,
                 decision=decision_record(actor=user, program="dibao", inputs=typed[0]))


def bare_arithmetic_x100() -> None:
    """The baseline: the 低保 top-up of the same 100 households as three integer operations each."""
    standard = 94500
    for i in range(100):
        max(standard * 3 - (50000 + i), 0)


def evaluate_x100() -> None:
    params = state["params"]
    for typed in state["typed"]:
        evaluate("dibao", typed, params)


def plain_insert_x10() -> None:
    """The baseline: 10 decision rows inserted as they are, nothing computed."""
    source = state["decision"]
    with transaction.atomic():
        for _ in range(10):
            Decision.objects.create(
                program=source.program, calculator_version=source.calculator_version,
                region=source.region, evaluated_on=source.evaluated_on, inputs=source.inputs,
                parameters=source.parameters, result=source.result, outcome=source.outcome,
                eligible=source.eligible, amount_fen=source.amount_fen, digest=source.digest)


def record_x10() -> None:
    user = state["user"]
    for typed in state["typed"][:10]:
        decision_record(actor=user, program="dibao", inputs=typed)


def reproduce() -> None:
    result = decision_reproduce(decision=state["decision"])
    assert result.same


CASES = [
    Case("bare_topup_x100", bare_arithmetic_x100, setup=setup, repeat=200, unit="100 households"),
    Case("dibao_evaluate_x100", evaluate_x100, baseline="bare_topup_x100", repeat=30, unit="100 households"),
    Case("plain_insert_x10", plain_insert_x10, setup=setup, repeat=20, unit="10 rows"),
    Case("decision_record_x10", record_x10, baseline="plain_insert_x10", repeat=20, unit="10 decisions"),
    Case("decision_reproduce", reproduce, baseline="plain_insert_x10", repeat=50, unit="1 decision"),
]
