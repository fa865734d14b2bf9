"""Permission cases of the crisis track: each of the cases module's two cases (玄武区 in scope, 鼓楼区
out of scope) gets an open intervention (first contact recorded, plan not yet), seen and acted on
through the case's handling region."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from jijinan.consultation.crisis.models import CrisisIntervention
from tests.permission_cases import Case, fixed
from tests.world import World, load_policy_defaults

PARAMETERS = ("case_handling.crisis_plan_limit", "case_handling.crisis_reassessment_interval",
              "case_handling.crisis_resolution_limit")


def extend_world(world: World) -> None:
    load_policy_defaults(PARAMETERS)
    extra: dict[str, Any] = {"intervention": {}}
    for in_scope in (True, False):
        case = world.extra["cases"]["case"][in_scope]
        extra["intervention"][in_scope] = CrisisIntervention.objects.create(
            case=case, flagged_at=case.created_at, first_contact_by=world.staff(in_scope), first_contact_method="phone",
            first_contact_at=case.created_at, first_contact_findings="情绪激动，扬言轻生", first_contact_risk="high")
    world.extra["crisis"] = extra


def _url(path: str) -> Any:
    return lambda w, s: f"/consultation/crisis/cases/{w.extra['cases']['case'][s].pk}/{path}"


def _at() -> str:
    return (timezone.localtime() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")


def _first_contact(w: World, s: bool) -> dict[str, Any]:
    return {"made_by": w.staff(True).pk, "method": "home_visit", "contacted_at": _at(),
            "findings": "已上门，情绪稳定", "risk": "medium"}


def _plan(w: World, s: bool) -> dict[str, Any]:
    return {"measures": "家属陪护，社工每日电话", "contacts-TOTAL_FORMS": "1", "contacts-INITIAL_FORMS": "0",
            "contacts-0-kind": "hotline", "contacts-0-name": "值班咨询员", "contacts-0-organisation": "心理援助热线",
            "contacts-0-phone": "025-83712977", "contacts-0-contacted_at": _at(), "contacts-0-outcome": "已转介"}


def _contact(w: World, s: bool) -> dict[str, Any]:
    return {"more-kind": "police", "more-name": "张警官", "more-organisation": "梅园新村派出所",
            "more-contacted_at": _at(), "more-outcome": "已上门查看"}


# A first contact already recorded on the world's interventions is refused as a conflict (400, the
# page shown again): the right to try is what these cases check.
GUARDED = frozenset({200, 302, 400})

CASES: dict[str, Case] = {
    "* /consultation/crisis/": Case("GET", fixed("/consultation/crisis/?q=")),
    "* /consultation/crisis/cases/<int:case_id>/panel/": Case("GET", _url("panel/"), scoped_record=True),
    "* /consultation/crisis/cases/<int:case_id>/first-contact/": Case(
        "POST", _url("first-contact/"), _first_contact, scoped_record=True, ok=GUARDED),
    "* /consultation/crisis/cases/<int:case_id>/plan/": Case("POST", _url("plan/"), _plan, scoped_record=True),
    "* /consultation/crisis/cases/<int:case_id>/contacts/": Case("POST", _url("contacts/"), _contact,
                                                                 scoped_record=True),
    "* /consultation/crisis/cases/<int:case_id>/reassess/": Case(
        "POST", _url("reassess/"), lambda w, s: {"outcome": "low", "note": "情绪平稳"}, scoped_record=True),
}
