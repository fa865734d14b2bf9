"""Permission cases of escalation and consultation: each of the cases module's two cases (玄武区 in
scope, 鼓楼区 out of scope) gets an escalation to its district, seen through the case's handling
region."""

from __future__ import annotations

from typing import Any

from jijinan.consultation.models import Escalation
from tests.permission_cases import Case, fixed
from tests.world import World


def extend_world(world: World) -> None:
    extra: dict[str, Any] = {"escalation": {}}
    for in_scope in (True, False):
        case = world.extra["cases"]["case"][in_scope]
        office = world.office(in_scope)
        extra["escalation"][in_scope] = Escalation.objects.create(
            case=case, trigger="manual", triggers=["manual"], level="county", region=office.region, office=office,
            reason="多部门共同解决", facts="住房失火", done_so_far="已受理")
    world.extra["consultation"] = extra


def _e(w: World, s: bool) -> Any:
    return w.extra["consultation"]["escalation"][s]


CASES: dict[str, Case] = {
    "* /consultation/": Case("GET", fixed("/consultation/?status=all")),
    "* /consultation/<int:pk>/": Case("GET", lambda w, s: f"/consultation/{_e(w, s).pk}/", scoped_record=True),
}
