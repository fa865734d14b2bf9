"""Permission cases of the policy app: a parameter with a pending county version in 玄武区 (in scope)
and one in 鼓楼区 (out of scope)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.permission_cases import Case, fixed
from tests.world import GULOU, PROVINCE, XUANWU, World

NAME = "test.standard"


def extend_world(world: World) -> None:
    from jijinan.policy.lookup import policy_cache_invalidate
    from jijinan.policy.models import ParameterDefinition, ParameterVersion
    from jijinan.regions.models import Region

    regions = {r.code: r for r in Region.objects.filter(code__in=[PROVINCE, XUANWU, GULOU])}
    definition = ParameterDefinition.objects.create(name=NAME, label="测试标准", program="dibao", kind="money",
                                                    unit="元/人·月")
    ParameterVersion.objects.create(definition=definition, region=regions[PROVINCE], value=80300,
                                    effective_from=date(2020, 1, 1), citation="测试依据")
    pending = {}
    for in_scope, code in ((True, XUANWU), (False, GULOU)):
        pending[in_scope] = ParameterVersion.objects.create(
            definition=definition, region=regions[code], value=90000, effective_from=date(2031, 1, 1),
            citation="测试：待生效").pk
    world.extra["policy_pending"] = pending
    policy_cache_invalidate()
    _decisions(world, regions)


# What a medical-assistance calculation for a 低保 member reads: a small, fast calculator to call.
MEDICAL_PARAMETERS = {"medical_assistance.deductible_dibao_tekun", "medical_assistance.rate_dibao_tekun",
                      "medical_assistance.annual_cap", "general.per_capita_disposable_income"}


def _medical(code: str) -> dict[str, Any]:
    return {"region_code": code, "on": "2025-03-01", "category": "dibao", "eligible_expense_fen": 500000}


def _decisions(world: World, regions: dict[str, Any]) -> None:
    import json
    from pathlib import Path

    import jijinan.policy
    from jijinan.accounts.models import Grant, User
    from jijinan.core.permissions import Role
    from jijinan.policy import services
    from jijinan.policy.selectors import decision_inputs

    defaults = json.loads((Path(jijinan.policy.__file__).parent / "data" / "defaults.json").read_text("utf-8"))
    defaults["definitions"] = [d for d in defaults["definitions"] if d["name"] in MEDICAL_PARAMETERS]
    services.parameters_load_json(actor=None, text=json.dumps(defaults, ensure_ascii=False), source="test")
    maker = User.objects.create_user(username="decision_maker", password="x", organisation=world.xuanwu_office,
                                     full_name="测算人")
    Grant.objects.create(user=maker, role=Role.ADMINISTRATOR, region=regions[PROVINCE])
    world.extra["policy_decision"] = {
        in_scope: services.decision_record(actor=maker, program="medical_assistance",
                                           inputs=decision_inputs("medical_assistance", _medical(_county(in_scope)))).pk
        for in_scope in (True, False)}


def _county(s: bool) -> str:
    return XUANWU if s else GULOU


def _api_version(w: World, s: bool) -> dict[str, Any]:
    return {"region_code": _county(s), "value": 100000, "effective_from": "2032-01-01", "citation": "测试文件"}


def _form_version(w: World, s: bool) -> dict[str, Any]:
    return {"region_code": _county(s), "value": "1000", "effective_from": "2032-01-01", "citation": "测试文件",
            "basis": "policy"}


def _pending(path: str, *, api: bool = False):  # type: ignore[no-untyped-def]
    def url(w: World, s: bool) -> str:
        pk = w.extra["policy_pending"][s]
        return f"/api/v1/policy/versions/{pk}{path}" if api else f"/policy/versions/{pk}/{path}"
    return url


def _decision(path: str, *, api: bool = False):  # type: ignore[no-untyped-def]
    def url(w: World, s: bool) -> str:
        pk = w.extra["policy_decision"][s]
        return f"/api/v1/policy/decisions/{pk}{path}" if api else f"/policy/decisions/{pk}/{path}"
    return url


def _evaluate(w: World, s: bool) -> dict[str, Any]:
    return {"program": "medical_assistance", "inputs": _medical(_county(s)), "save": True}


def _calculator_form(w: World, s: bool) -> dict[str, Any]:
    return {"region_code": _county(s), "on": "2025-03-01", "med_category": "dibao", "med_expense": "5000",
            "save": "on", "m-TOTAL_FORMS": "1", "m-INITIAL_FORMS": "0", "m-0-age": "40"}


CASES: dict[str, Case] = {
    "POST /api/v1/policy/evaluate": Case("POST", fixed("/api/v1/policy/evaluate"), _evaluate, api=True,
                                         scoped_body=True),
    "GET /api/v1/policy/decisions": Case("GET", fixed("/api/v1/policy/decisions"), api=True),
    "GET /api/v1/policy/decisions/<decision_id>": Case("GET", _decision("", api=True), api=True,
                                                       scoped_record=True),
    "GET /api/v1/policy/decisions/<decision_id>/reproduce": Case("GET", _decision("/reproduce", api=True),
                                                                 api=True, scoped_record=True),
    "GET /api/v1/policy/decisions/<decision_id>/what-if": Case(
        "GET", _decision("/what-if?on=2025-06-01", api=True), api=True, scoped_record=True),
    "* /policy/calculator/": Case("POST", fixed("/policy/calculator/"), _calculator_form, scoped_body=True,
                                  body_refusal=400),
    "* /policy/decisions/": Case("GET", fixed("/policy/decisions/")),
    "* /policy/decisions/export/": Case("GET", fixed("/policy/decisions/export/?program=medical_assistance")),
    "* /policy/decisions/<int:pk>/": Case("GET", _decision(""), scoped_record=True),
    "GET /api/v1/policy/parameters": Case("GET", fixed("/api/v1/policy/parameters"), api=True),
    "GET /api/v1/policy/parameters/<name>": Case("GET", fixed(f"/api/v1/policy/parameters/{NAME}"), api=True),
    "GET /api/v1/policy/parameters/<name>/value": Case(
        "GET", fixed(f"/api/v1/policy/parameters/{NAME}/value?region=320102002001&on=2024-01-01"), api=True),
    "POST /api/v1/policy/parameters/<name>/versions": Case(
        "POST", fixed(f"/api/v1/policy/parameters/{NAME}/versions"), _api_version, api=True, scoped_body=True),
    "GET /api/v1/policy/versions": Case("GET", fixed(f"/api/v1/policy/versions?name={NAME}"), api=True),
    "GET /api/v1/policy/versions/<version_id>": Case("GET", _pending("", api=True), api=True),
    "POST /api/v1/policy/versions/<version_id>/withdraw": Case(
        "POST", _pending("/withdraw", api=True), lambda w, s: {"reason": "测试撤回"}, api=True,
        scoped_record=True),
    "GET /api/v1/policy/values": Case("GET", fixed("/api/v1/policy/values?region=320102002001&on=2024-01-01"),
                                      api=True),
    "GET /api/v1/policy/compare": Case(
        "GET", fixed("/api/v1/policy/compare?region=320102000000&date_a=2024-01-01&date_b=2031-06-01"), api=True),
    "* /policy/": Case("GET", fixed("/policy/?region=320100000000&on=2024-01-01")),
    "* /policy/compare/": Case("GET", fixed("/policy/compare/?region=320102000000&date_a=2024-01-01"
                                            "&date_b=2031-06-01")),
    "* /policy/parameters/<str:name>/": Case("GET", fixed(f"/policy/parameters/{NAME}/")),
    "* /policy/parameters/<str:name>/versions/new/": Case(
        "POST", fixed(f"/policy/parameters/{NAME}/versions/new/"), _form_version, scoped_body=True,
        body_refusal=400),
    "* /policy/versions/<int:pk>/withdraw/": Case(
        "POST", _pending("withdraw/"), lambda w, s: {"reason": "测试撤回"}, scoped_record=True),
}
