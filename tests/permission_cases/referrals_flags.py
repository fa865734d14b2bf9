"""Permission cases of a deflection flag's page and its settling: the referrals module's flag on
the pending task in 梅园新村街道 (in scope) or 宁海路街道 (out of scope), seen and settled through the
region that covers the parties."""

from __future__ import annotations

from typing import Any

from tests.permission_cases import Case
from tests.world import World


def _flag(w: World, s: bool) -> Any:
    return w.extra["referrals"]["flag"][s]


def _settle(w: World, s: bool) -> dict[str, Any]:
    return {"version": 1, "status": "dismissed", "outcome": "经核实，退回理由成立"}


CASES: dict[str, Case] = {
    "* /referrals/flags/<int:pk>/": Case("GET", lambda w, s: f"/referrals/flags/{_flag(w, s).pk}/",
                                         scoped_record=True),
    "* /referrals/flags/<int:pk>/settle/": Case("POST", lambda w, s: f"/referrals/flags/{_flag(w, s).pk}/settle/",
                                                _settle, scoped_record=True),
    "GET /api/v1/deflection-flags/<flag_id>": Case(
        "GET", lambda w, s: f"/api/v1/deflection-flags/{_flag(w, s).pk}", api=True, scoped_record=True),
    "POST /api/v1/deflection-flags/<flag_id>/settle": Case(
        "POST", lambda w, s: f"/api/v1/deflection-flags/{_flag(w, s).pk}/settle", _settle, api=True,
        scoped_record=True),
}
