"""Permission cases of the filing of township approvals (备案): each of the cases module's two cases
(玄武区 in scope, 鼓楼区 out of scope) gets a filing of its township's approval, seen through that
township; the draw names its county (picked on the page: out of scope it is no choice, 400).
The check answers 409 where it is allowed, for the world's filings are not drawn yet."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jijinan.regions.models import Region
from jijinan.supervision.models import ApprovalFiling
from tests.permission_cases import Case, fixed
from tests.world import GULOU, XUANWU, World

GUARDED = frozenset({200, 201, 204, 302, 400, 409})


def extend_world(world: World) -> None:
    filings = {}
    for in_scope in (True, False):
        case = world.extra["cases"]["case"][in_scope]
        filings[in_scope] = ApprovalFiling.objects.create(
            case=case, township=case.handling_region, county=Region.objects.get(code=XUANWU if in_scope else GULOU),
            amount_fen=150000, ceiling_fen=300000, approved_at=timezone.now(), filed_at=timezone.now())
    world.extra["filings"] = filings


def _f(w: World, s: bool) -> Any:
    return w.extra["filings"][s]


def _draw(w: World, s: bool) -> dict[str, Any]:
    today = timezone.localdate().isoformat()
    return {"county": XUANWU if s else GULOU, "period_from": today, "period_to": today, "share_percent": "50"}


CASES: dict[str, Case] = {
    "* /supervision/filings/": Case("GET", fixed("/supervision/filings/?status=filed")),
    "* /supervision/filings/export/": Case("GET", fixed("/supervision/filings/export/?status=filed")),
    "* /supervision/filings/draw/": Case("POST", fixed("/supervision/filings/draw/"), _draw, scoped_body=True,
                                         body_refusal=400),
    "* /supervision/filings/<int:pk>/": Case("GET", lambda w, s: f"/supervision/filings/{_f(w, s).pk}/",
                                             scoped_record=True),
    "* /supervision/filings/<int:pk>/check/": Case(
        "POST", lambda w, s: f"/supervision/filings/{_f(w, s).pk}/check/",
        lambda w, s: {"version": 1, "finding": "compliant", "note": ""}, scoped_record=True, ok=GUARDED),
    "GET /api/v1/supervision/filings": Case("GET", fixed("/api/v1/supervision/filings"), api=True),
    "GET /api/v1/supervision/filings/<filing_id>": Case(
        "GET", lambda w, s: f"/api/v1/supervision/filings/{_f(w, s).pk}", api=True, scoped_record=True),
    "POST /api/v1/supervision/filing-draws": Case(
        "POST", fixed("/api/v1/supervision/filing-draws"),
        lambda w, s: {"county_code": XUANWU if s else GULOU, "period_from": timezone.localdate().isoformat(),
                      "period_to": timezone.localdate().isoformat(), "share_percent": "50"},
        api=True, scoped_body=True),
    "POST /api/v1/supervision/filings/<filing_id>/check": Case(
        "POST", lambda w, s: f"/api/v1/supervision/filings/{_f(w, s).pk}/check",
        lambda w, s: {"version": 1, "finding": "compliant", "note": ""}, api=True, scoped_record=True, ok=GUARDED),
}
