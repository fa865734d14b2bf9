"""Permission cases of the workflow API: the workflow state, one POST per move of the table,
objections, close-relative filings (this module runs after the registry module: it files the
registry world's persons).

The world's two cases (from the cases module: accepted, version 1, unidentified subjects) each get
a running public notice with one open objection; two registry persons (in and out of scope) each
get a close-relative filing. A move whose guard cannot pass in that world (an unidentified subject
cannot be reviewed; an accepted case cannot be approved) answers 400 or 409 to a permitted user:
the role and scope checks come first, so a wrong role still gets 403 and an out-of-scope case 404.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from jijinan.cases.models import AidPayment, CaseAid, Objection, PublicNotice, RelativeFiling
from jijinan.cases.workflow.transitions import TRANSITIONS
from jijinan.regions.models import Region
from tests.permission_cases import Case, fixed
from tests.world import World

GUARDED = frozenset({200, 201, 204, 302, 400, 409})


def extend_world(world: World) -> None:
    cases = world.extra["cases"]["case"]
    now = timezone.now()
    extra: dict[str, dict[bool, Any]] = {"objection": {}, "filing": {}, "person": {}, "payment": {}}
    for in_scope, code in ((True, "320102002001"), (False, "320106001001")):
        case = cases[in_scope]
        notice = PublicNotice.objects.create(case=case, starts_at=now - timedelta(days=1),
                                             ends_at=now + timedelta(days=4), days=5)
        extra["objection"][in_scope] = Objection.objects.create(case=case, notice=notice, text="有异议",
                                                                received_at=now)
        aid = CaseAid.objects.create(case=case, program="temporary_assistance", amount_fen=100000, method="bank")
        extra["payment"][in_scope] = AidPayment.objects.create(aid=aid, sequence=1, amount_fen=100000,
                                                               due_on=now.date())
        region = Region.objects.get(code=code)
        person = world.extra["registry"]["free"][in_scope]  # the registry module's (runs before this one)
        extra["person"][in_scope] = person
        extra["filing"][in_scope] = RelativeFiling.objects.create(
            person=person, region=region, relative_name="周村长", relative_post="村委会主任", relation="兄弟")
    world.extra["cases_workflow"] = extra


def _case_pk(w: World, s: bool) -> int:
    return int(w.extra["cases"]["case"][s].pk)


def _x(w: World, key: str, s: bool) -> Any:
    return w.extra["cases_workflow"][key][s]


A = "/api/v1/cases/{pk}"

BODIES: dict[str, dict[str, Any]] = {
    "report": {"version": 1}, "accept": {"version": 1}, "follow_up": {"version": 1}, "close": {"version": 1},
    "makeup_approve": {"version": 1}, "transfer_accept": {"version": 1},
    "not_accept": {"version": 1, "reason": "不属于救助范围"}, "send_back": {"version": 1, "reason": "补充调查"},
    "deny": {"version": 1, "reason": "不符合条件"}, "reopen": {"version": 1, "reason": "新情况"},
    "reconsider": {"version": 1, "reason": "回访发现仍有医疗费用"},
    "transfer_refuse": {"version": 1, "reason": "不属本地"},
    "review": {"version": 1, "opinion": "属实", "requested_amount_fen": 100000, "home_visit_on": "2026-01-05"},
    "makeup_review": {"version": 1, "opinion": "属实", "requested_amount_fen": 100000,
                      "home_visit_on": "2026-01-05"},
    "approve": {"version": 1},
    "fast_track": {"version": 1, "amount_fen": 100000, "method": "cash"},
    "assist": {"version": 1, "amount_fen": 100000, "method": "cash"},
    "transfer": {"version": 1, "to_region_code": "320102004000", "reason": "对象迁居"},
}


def _body(name: str) -> Any:
    return lambda w, s: dict(BODIES[name])


def _objection_url(w: World, s: bool) -> str:
    return f"/api/v1/cases/{_case_pk(w, s)}/objections/{_x(w, 'objection', s).pk}/resolve"


def _filing_body(w: World, s: bool) -> dict[str, Any]:
    return {"person_id": _x(w, "person", s).pk, "relative_name": "周主任", "relative_post": "社区主任",
            "relation": "父子"}


CASES: dict[str, Case] = {
    "GET /api/v1/cases/<case_id>/workflow": Case("GET", lambda w, s: A.format(pk=_case_pk(w, s)) + "/workflow",
                                                 api=True, scoped_record=True),
    **{f"POST /api/v1/cases/<case_id>/{name.replace('_', '-')}": Case(
        "POST", (lambda n: lambda w, s: A.format(pk=_case_pk(w, s)) + "/" + n.replace("_", "-"))(name),
        _body(name), api=True, scoped_record=True, ok=GUARDED) for name in TRANSITIONS},
    "POST /api/v1/cases/<case_id>/objections": Case(
        "POST", lambda w, s: A.format(pk=_case_pk(w, s)) + "/objections",
        lambda w, s: {"text": "邻居反映有收入", "raised_by": "匿名"}, api=True, scoped_record=True),
    "POST /api/v1/cases/<case_id>/objections/<objection_id>/resolve": Case(
        "POST", _objection_url, lambda w, s: {"outcome": "dismissed", "resolution": "经核实不成立"}, api=True,
        scoped_record=True),
    "POST /api/v1/cases/<case_id>/follow-ups": Case(
        "POST", lambda w, s: A.format(pk=_case_pk(w, s)) + "/follow-ups",
        lambda w, s: {"version": 1, "method": "phone", "done_on": "2026-01-05", "outcome": "已好转",
                      "satisfaction": 5, "need_resolved": True}, api=True, scoped_record=True, ok=GUARDED),
    "POST /api/v1/cases/<case_id>/payments/<payment_id>/status": Case(
        "POST", lambda w, s: A.format(pk=_case_pk(w, s)) + f"/payments/{_x(w, 'payment', s).pk}/status",
        lambda w, s: {"version": 1, "status": "paid", "reference": "BOC-1"}, api=True, scoped_record=True),
    "POST /api/v1/cases/<case_id>/payments/<payment_id>/reissue": Case(
        "POST", lambda w, s: A.format(pk=_case_pk(w, s)) + f"/payments/{_x(w, 'payment', s).pk}/reissue",
        lambda w, s: {"version": 1}, api=True, scoped_record=True, ok=GUARDED),
    "GET /api/v1/case-transitions": Case("GET", fixed("/api/v1/case-transitions"), api=True),
    "GET /api/v1/relative-filings": Case("GET", fixed("/api/v1/relative-filings?q=周"), api=True),
    "POST /api/v1/relative-filings": Case("POST", fixed("/api/v1/relative-filings"), _filing_body, api=True,
                                          scoped_body=True, body_refusal=404),
    "POST /api/v1/relative-filings/<filing_id>/retire": Case(
        "POST", lambda w, s: f"/api/v1/relative-filings/{_x(w, 'filing', s).pk}/retire",
        lambda w, s: {"reason": "已离任"}, api=True, scoped_record=True),
}
