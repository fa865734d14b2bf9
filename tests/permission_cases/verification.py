"""Permission cases of means verification.

For each of the registry's two households (玄武区 in scope, 鼓楼区 out of scope) the world gains: a
valid authorisation with its stored document, a pending tax request, an answered bank request not
yet reported, and an issued report (over an answered securities request). The validity parameter
is loaded first, as the demo does until the policy defaults carry it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jijinan.policy.lookup import policy_cache_invalidate
from jijinan.verification import services
from jijinan.verification.choices import AuthorisationMethod, Source
from jijinan.verification.demo import ensure_valid_months_parameter, tiny_png
from jijinan.verification.documents import Document
from tests.permission_cases import Case, fixed
from tests.world import World


def extend_world(world: World) -> None:
    ensure_valid_months_parameter()
    policy_cache_invalidate()
    today = timezone.localdate()
    extra: dict[str, dict[bool, Any]] = {k: {} for k in ("authorisation", "pending", "report", "members")}
    for in_scope in (True, False):
        household = world.extra["registry"]["household"][in_scope]
        members = [m.person_id for m in services.current_members(household)]
        authorisation = services.authorisation_record(
            actor=None, household=household, signatory_ids=members, signed_on=today - timedelta(days=10),
            method=AuthorisationMethod.SIGNED_ON_SCREEN, document=Document(tiny_png(), "png", "s.png"))
        securities, = services.request_create(actor=None, household=household, sources_wanted=[Source.SECURITIES],
                                              purpose="测试")
        services.result_enter(actor=None, request=securities, version=1, facts={"balance_fen": 100})
        report = services.report_issue(actor=None, household=household)
        tax, banks = services.request_create(actor=None, household=household,
                                             sources_wanted=[Source.TAX, Source.BANKS], purpose="测试")
        services.result_enter(actor=None, request=banks, version=1, facts={"balance_fen": 500})
        for key, value in (("authorisation", authorisation), ("pending", tax), ("report", report),
                           ("members", members)):
            extra[key][in_scope] = value
    world.extra["verification"] = extra


def _v(w: World, key: str, s: bool) -> Any:
    return w.extra["verification"][key][s]


def _household(w: World, s: bool) -> int:
    return int(w.extra["registry"]["household"][s].pk)


def _url(key: str, template: str) -> Any:
    def url(w: World, s: bool) -> str:
        pk = _household(w, s) if key == "household" else _v(w, key, s).pk
        return template.format(pk=pk)
    return url


def _authorisation_form(w: World, s: bool) -> dict[str, Any]:
    return {"signed_on": timezone.localdate().isoformat(), "method": "scanned",
            "signatories": _v(w, "members", s), "document": SimpleUploadedFile("scan.png", tiny_png())}


def _authorisation_api(w: World, s: bool) -> dict[str, Any]:
    return {"signed_on": timezone.localdate().isoformat(), "method": "scanned",
            "signatory_ids": _v(w, "members", s), "file": SimpleUploadedFile("scan.png", tiny_png())}


def _import(w: World, s: bool) -> dict[str, Any]:
    text = f"household_id,monthly_income_fen\n{_household(w, True)},120000\n"
    return {"source": "tax", "file": SimpleUploadedFile("tax.csv", text.encode())}


H = "/verification/households/{pk}/"
AH = "/api/v1/verification/households/{pk}"
CLOSE = {"version": 1, "reason": "测试原因"}

CASES: dict[str, Case] = {
    "* /verification/": Case("GET", fixed("/verification/?status=pending&source=tax")),
    "* /verification/import/": Case("POST", fixed("/verification/import/"), _import),
    "* /verification/households/<int:pk>/": Case("GET", _url("household", H), scoped_record=True),
    "* /verification/households/<int:pk>/authorisations/new/": Case(
        "POST", _url("household", H + "authorisations/new/"), _authorisation_form, scoped_record=True),
    "* /verification/households/<int:pk>/requests/new/": Case(
        "POST", _url("household", H + "requests/new/"), lambda w, s: {"source": "insurers", "purpose": "低保申请"},
        scoped_record=True),
    "* /verification/households/<int:pk>/reports/new/": Case(
        "POST", _url("household", H + "reports/new/"), lambda w, s: {"close_missing": "on", "note": "税务未答复"},
        scoped_record=True),
    "* /verification/authorisations/<int:pk>/document/": Case(
        "GET", _url("authorisation", "/verification/authorisations/{pk}/document/"), scoped_record=True),
    "* /verification/authorisations/<int:pk>/revoke/": Case(
        "POST", _url("authorisation", "/verification/authorisations/{pk}/revoke/"), lambda w, s: CLOSE,
        scoped_record=True),
    "* /verification/requests/<int:pk>/result/": Case(
        "POST", _url("pending", "/verification/requests/{pk}/result/"),
        lambda w, s: {"version": 1, "monthly_income_fen": "1200.50"}, scoped_record=True),
    "* /verification/requests/<int:pk>/cancel/": Case(
        "POST", _url("pending", "/verification/requests/{pk}/cancel/"), lambda w, s: CLOSE, scoped_record=True),
    "* /verification/requests/<int:pk>/fail/": Case(
        "POST", _url("pending", "/verification/requests/{pk}/fail/"), lambda w, s: CLOSE, scoped_record=True),
    "* /verification/reports/<int:pk>/": Case(
        "GET", _url("report", "/verification/reports/{pk}/"), scoped_record=True),
    # --- API ---
    "GET /api/v1/verification/requests": Case("GET", fixed("/api/v1/verification/requests?source=tax"), api=True),
    "GET /api/v1/verification/households/<household_id>": Case("GET", _url("household", AH), api=True,
                                                               scoped_record=True),
    "POST /api/v1/verification/households/<household_id>/authorisations": Case(
        "POST", _url("household", AH + "/authorisations"), _authorisation_api, api=True, multipart=True,
        scoped_record=True),
    "POST /api/v1/verification/authorisations/<authorisation_id>/revoke": Case(
        "POST", _url("authorisation", "/api/v1/verification/authorisations/{pk}/revoke"), lambda w, s: CLOSE,
        api=True, scoped_record=True),
    "POST /api/v1/verification/households/<household_id>/requests": Case(
        "POST", _url("household", AH + "/requests"), lambda w, s: {"sources": ["insurers"], "purpose": "低保申请"},
        api=True, scoped_record=True),
    "POST /api/v1/verification/requests/<request_id>/cancel": Case(
        "POST", _url("pending", "/api/v1/verification/requests/{pk}/cancel"), lambda w, s: CLOSE, api=True,
        scoped_record=True),
    "POST /api/v1/verification/requests/<request_id>/fail": Case(
        "POST", _url("pending", "/api/v1/verification/requests/{pk}/fail"), lambda w, s: CLOSE, api=True,
        scoped_record=True),
    "POST /api/v1/verification/requests/<request_id>/result": Case(
        "POST", _url("pending", "/api/v1/verification/requests/{pk}/result"),
        lambda w, s: {"version": 1, "facts": {"monthly_income_fen": 120050}}, api=True, scoped_record=True),
    "POST /api/v1/verification/import": Case("POST", fixed("/api/v1/verification/import"), _import, api=True,
                                             multipart=True),
    "POST /api/v1/verification/households/<household_id>/reports": Case(
        "POST", _url("household", AH + "/reports"), lambda w, s: {"close_missing": True, "note": "税务未答复"},
        api=True, scoped_record=True),
    "GET /api/v1/verification/reports/<report_id>": Case(
        "GET", _url("report", "/api/v1/verification/reports/{pk}"), api=True, scoped_record=True),
}
