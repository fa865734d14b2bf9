"""Permission cases of the policy app: a parameter with a pending county version in 玄武区 (in scope)
and one in 鼓楼区 (out of scope)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.permission_cases import Case, fixed
from tests.permission_world import GULOU, PROVINCE, XUANWU, World

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


CASES: dict[str, Case] = {
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
        "POST", fixed(f"/policy/parameters/{NAME}/versions/new/"), _form_version, scoped_body=True),
    "* /policy/versions/<int:pk>/withdraw/": Case(
        "POST", _pending("withdraw/"), lambda w, s: {"reason": "测试撤回"}, scoped_record=True),
}
