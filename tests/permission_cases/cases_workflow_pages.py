"""Permission cases of the workflow pages: one POST page per move of the table, objections, the
printable refusal notice, close-relative filings.

The moves act on the world's two cases (from the cases module: accepted, version 1, unidentified
subjects, each with a running notice and an open objection from the workflow API's module). A move
whose guard cannot pass there re-renders the case page (400 or 409) or sends back to it (302) for a
permitted user; the role and scope checks come first, so a wrong role still gets 403 and a case
outside the user's scope 404. The world gains a refused (不予受理) copy of each world case for the
refusal notice, written directly.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jijinan.cases.choices import Stage
from jijinan.cases.models import Case as CaseModel
from jijinan.cases.workflow.transitions import TRANSITIONS
from tests.permission_cases import Case, fixed
from tests.world import World

GUARDED = frozenset({200, 201, 204, 302, 400, 409})


def extend_world(world: World) -> None:
    # A copy of each world case, refused: written directly (no intake), so the case-number counters
    # other tests count stay as the cases module left them.
    refused: dict[bool, Any] = {}
    for in_scope in (True, False):
        case = CaseModel.objects.get(pk=world.extra["cases"]["case"][in_scope].pk)
        case.pk = None
        case.number = case.number + "R"
        case.client_key = ""
        case.stage = Stage.NOT_ACCEPTED
        case.refusal_reason = "不属于救助范围"
        case.closed_at = timezone.now()
        case.save(force_insert=True)
        refused[in_scope] = case
    world.extra["cases_workflow_pages"] = {"refused": refused}


def _case_pk(w: World, s: bool) -> int:
    return int(w.extra["cases"]["case"][s].pk)


def _x(w: World, key: str, s: bool) -> Any:
    return w.extra["cases_workflow"][key][s]


FIELDS: dict[str, dict[str, Any]] = {
    "report": {}, "accept": {}, "follow_up": {}, "close": {}, "makeup_approve": {}, "transfer_accept": {},
    "not_accept": {"reason": "不属于救助范围"}, "send_back": {"reason": "补充调查"}, "deny": {"reason": "不符合条件"},
    "reopen": {"reason": "新情况"}, "reconsider": {"reason": "仍有医疗费用"}, "transfer_refuse": {"reason": "不属本地"},
    "review": {"opinion": "属实", "requested_amount": "1000.00", "kind": "emergency", "severity": "general",
               "home_visit_on": "2026-01-05", "appraisal": "not_used"},
    "makeup_review": {"opinion": "属实", "requested_amount": "1000.00", "kind": "emergency",
                      "severity": "general", "home_visit_on": "2026-01-05", "appraisal": "not_used"},
    "approve": {},
    "fast_track": {"amount": "1000.00", "method": "cash", "severity": "general"},
    "assist": {"amount": "1000.00", "method": "cash"},
    "transfer": {"to_region_code": "320102004000", "reason": "对象迁居"},
}


def _form(name: str) -> Any:
    return lambda w, s: {f"{name}-{k}": v for k, v in {"version": 1, **FIELDS[name]}.items()}


def _act_url(name: str) -> Any:
    return lambda w, s: f"/cases/{_case_pk(w, s)}/act/{name}/"


CASES: dict[str, Case] = {
    **{f"* /cases/<int:pk>/act/{name}/": Case("POST", _act_url(name), _form(name), scoped_record=True, ok=GUARDED)
       for name in TRANSITIONS},
    # The world's cases are not at the follow-up stage: a permitted user is told so on the form, with what
    # was typed kept (409).
    "* /cases/<int:pk>/follow-up/": Case(
        "POST", lambda w, s: f"/cases/{_case_pk(w, s)}/follow-up/",
        lambda w, s: {"version": CaseModel.objects.get(pk=_case_pk(w, s)).version, "method": "phone",
                      "done_on": "2026-01-05", "outcome": "已好转",
                      "satisfaction": "5", "need_resolved": "yes"}, scoped_record=True, ok=frozenset({409})),
    "* /cases/<int:pk>/payments/<int:payment_pk>/": Case(
        "POST", lambda w, s: f"/cases/{_case_pk(w, s)}/payments/{_x(w, 'payment', s).pk}/",
        lambda w, s: {"version": 1, "status": "paid", "reference": "BOC-1"}, scoped_record=True),
    "* /cases/<int:pk>/payments/<int:payment_pk>/reissue/": Case(
        "POST", lambda w, s: f"/cases/{_case_pk(w, s)}/payments/{_x(w, 'payment', s).pk}/reissue/",
        lambda w, s: {"version": 1}, scoped_record=True),
    "* /cases/public-notices/": Case("GET", fixed("/cases/public-notices/?region=320102000000")),
    "* /cases/<int:pk>/objections/": Case(
        "POST", lambda w, s: f"/cases/{_case_pk(w, s)}/objections/",
        lambda w, s: {"text": "邻居反映有收入", "raised_by": "匿名"}, scoped_record=True),
    "* /cases/<int:pk>/objections/<int:objection_pk>/resolve/": Case(
        "POST", lambda w, s: f"/cases/{_case_pk(w, s)}/objections/{_x(w, 'objection', s).pk}/resolve/",
        lambda w, s: {"outcome": "dismissed", "resolution": "经核实不成立"}, scoped_record=True),
    "* /cases/<int:pk>/refusal-notice/": Case(
        "GET", lambda w, s: f"/cases/{w.extra['cases_workflow_pages']['refused'][s].pk}/refusal-notice/",
        scoped_record=True),
    # The list (GET); adding (POST, the manage permission) is tested in tests/test_cases_workflow_pages.py.
    "* /cases/relative-filings/": Case("GET", fixed("/cases/relative-filings/?q=周")),
    "* /cases/relative-filings/<int:pk>/retire/": Case(
        "POST", lambda w, s: f"/cases/relative-filings/{_x(w, 'filing', s).pk}/retire/",
        lambda w, s: {"reason": "已离任"}, scoped_record=True),
}
