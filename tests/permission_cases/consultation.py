"""Permission cases of escalation and consultation: each of the cases module's two cases (玄武区 in
scope, 鼓楼区 out of scope) gets an escalation to its district, convened, with one opinion asked of
a health office of that district; seen through the case's handling region, the government side
through the escalation's region, the opinion through the office's region and department type."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import DepartmentType, Organisation
from jijinan.consultation.models import Consultation, Escalation, Opinion
from tests.permission_cases import Case, fixed
from tests.world import World, load_policy_defaults

# Refusals of the state (a status, a stale version) are the page answering, not the gate.
GUARDED = frozenset({200, 201, 204, 302, 400, 409})


PARAMETERS = ("case_handling.escalation_level", "case_handling.escalation_convene_limit",
              "case_handling.consultation_opinion_limit", "case_handling.consultation_duty_limit")


def extend_world(world: World) -> None:
    load_policy_defaults(PARAMETERS)
    extra: dict[str, Any] = {"escalation": {}, "opinion": {}}
    health = DepartmentType.objects.get(code="health")
    for in_scope in (True, False):
        case = world.extra["cases"]["case"][in_scope]
        office = world.office(in_scope)
        escalation = Escalation.objects.create(
            case=case, trigger="manual", triggers=["manual"], level="county", region=office.region, office=office,
            reason="多部门共同解决", facts="住房失火", done_so_far="已受理", status="consulting")
        consultation = Consultation.objects.create(escalation=escalation, convener_office=office, agenda="研究救助",
                                                   convened_at=timezone.now())
        asked = world.health_office if in_scope else Organisation.objects.create(
            kind=OrganisationKind.DEPARTMENT_OFFICE, name=f"{office.region.name}卫健委（会商）", region=office.region,
            department_type=health)
        extra["escalation"][in_scope] = escalation
        extra["opinion"][in_scope] = Opinion.objects.create(consultation=consultation, office=asked,
                                                            question="医疗费用")
    world.extra["consultation"] = extra


def _e(w: World, s: bool) -> Any:
    return w.extra["consultation"]["escalation"][s]


def _o(w: World, s: bool) -> Any:
    return w.extra["consultation"]["opinion"][s]


def _x(path: str) -> Any:
    return lambda w, s: f"/consultation/{_e(w, s).pk}/{path}"


def _v(**more: Any) -> Any:
    return lambda w, s: {"version": 1, **more}


def _behalf(w: World, s: bool) -> dict[str, Any]:
    prefix = f"opinion-{_o(w, s).pk}"
    return {f"{prefix}-version": 1, f"{prefix}-text": "同意", f"{prefix}-can_help": ""}


MEETING = {"version": 1, "held_at": "2026-01-05T10:00", "mode": "written", "place": "", "attendees": "各部门",
           "minutes": "书面会商"}
DECISION = {"version": 1, "outcome": "unreasonable", "plan": "做好政策解释", "funding-TOTAL_FORMS": "0",
            "funding-INITIAL_FORMS": "0", "duties-TOTAL_FORMS": "0", "duties-INITIAL_FORMS": "0"}
INVITE = {"version": 1, "more-TOTAL_FORMS": "1", "more-INITIAL_FORMS": "0", "more-0-office": "", "more-0-question": ""}
CONVENE = {"version": 1, "agenda": "研究救助", "invitations-TOTAL_FORMS": "0", "invitations-INITIAL_FORMS": "0"}
EXPLANATION = {"explained_by": "社会救助科", "explained_at": "2026-01-05T10:00", "content": "政策规定",
               "response": "表示理解", "accepted": "on"}

CASES: dict[str, Case] = {
    "* /consultation/": Case("GET", fixed("/consultation/?status=all&q=")),
    "* /consultation/export/": Case("GET", fixed("/consultation/export/?status=all")),
    "* /consultation/<int:pk>/": Case("GET", _x(""), scoped_record=True),
    "* /consultation/<int:pk>/convene/": Case("POST", _x("convene/"), lambda w, s: dict(CONVENE), scoped_record=True,
                                              ok=GUARDED),
    "* /consultation/<int:pk>/invite/": Case("POST", _x("invite/"), lambda w, s: dict(INVITE), scoped_record=True,
                                             ok=GUARDED),
    "* /consultation/<int:pk>/chase/": Case("POST", _x("chase/"), scoped_record=True),
    "* /consultation/<int:pk>/opinions/<int:opinion_id>/": Case(
        "POST", lambda w, s: f"/consultation/{_e(w, s).pk}/opinions/{_o(w, s).pk}/", _behalf, scoped_record=True,
        ok=GUARDED),
    "* /consultation/<int:pk>/meeting/": Case("POST", _x("meeting/"), lambda w, s: dict(MEETING), scoped_record=True,
                                              ok=GUARDED),
    "* /consultation/<int:pk>/decide/": Case("POST", _x("decide/"), lambda w, s: dict(DECISION), scoped_record=True,
                                             ok=GUARDED),
    "* /consultation/<int:pk>/explanation/": Case("POST", _x("explanation/"), lambda w, s: dict(EXPLANATION),
                                                  scoped_record=True, ok=GUARDED),
    "* /consultation/<int:pk>/withdraw/": Case("POST", _x("withdraw/"), _v(reason="风险已消除"), scoped_record=True,
                                               ok=GUARDED),
    "* /consultation/<int:pk>/print/": Case("GET", _x("print/"), scoped_record=True),
    "* /consultation/cases/<int:case_id>/panel/": Case(
        "GET", lambda w, s: f"/consultation/cases/{w.extra['cases']['case'][s].pk}/panel/", scoped_record=True),
    "* /consultation/cases/<int:case_id>/raise/": Case(
        "POST", lambda w, s: f"/consultation/cases/{w.extra['cases']['case'][s].pk}/raise/",
        lambda w, s: {"reason": "需多部门共同解决"}, scoped_record=True, ok=GUARDED),
    "* /consultation/opinions/": Case("GET", fixed("/consultation/opinions/?status=all")),
    "* /consultation/opinions/<int:pk>/": Case("GET", lambda w, s: f"/consultation/opinions/{_o(w, s).pk}/",
                                               scoped_record=True),
    "* /consultation/opinions/<int:pk>/give/": Case(
        "POST", lambda w, s: f"/consultation/opinions/{_o(w, s).pk}/give/", _v(text="同意给予医疗救助"),
        scoped_record=True, ok=GUARDED),
}
