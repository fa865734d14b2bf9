"""Permission cases of 督办 orders: each of the cases module's two cases (玄武区 in scope, 鼓楼区 out of
scope) gets an open order addressed to a health office of its district, with an attachment; seen
through the order's region (supervisors, leaders, approvers, township leads) or the addressee
office (its answering roles, by region and department type)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import DepartmentType, Organisation
from jijinan.cases.intake import attachments as files
from jijinan.core.uploads import CheckedFile
from jijinan.regions.models import Region
from jijinan.supervision.models import OrderAttachment, OrderEvent, SupervisionOrder
from tests.permission_cases import Case, fixed
from tests.world import World, load_policy_defaults

# Refusals of the state (a status, a stale version, a duplicate) are the page answering, not the gate.
GUARDED = frozenset({200, 201, 204, 302, 400, 409})
PARAMETERS = ("case_handling.supervision_order_grace", "case_handling.supervision_order_limit")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def extend_world(world: World) -> None:
    load_policy_defaults(PARAMETERS)
    health = DepartmentType.objects.get(code="health")
    extra: dict[str, Any] = {"order": {}, "attachment": {}, "office": {}}
    for in_scope in (True, False):
        case = world.extra["cases"]["case"][in_scope]
        office = world.office(in_scope)
        addressee = world.health_office if in_scope else Organisation.objects.get_or_create(
            kind=OrganisationKind.DEPARTMENT_OFFICE, region=office.region, department_type=health,
            defaults={"name": f"{office.region.name}卫健委（督办）"})[0]
        order = SupervisionOrder.objects.create(
            number=f"DB-2026-9{int(in_scope)}0001", matter_kind="manual", matter_key=f"tests.matter:{int(in_scope)}",
            subject_type="cases.case", subject_id=str(case.pk), case=case,
            region=Region.objects.get(code=world.region(in_scope)), issuing_office=office, addressee_office=addressee,
            reason="救助金迟迟未发放", required_response="说明原因并立即发放", created_at=timezone.now())
        event = OrderEvent.objects.create(order=order, kind="opened", text="发出督办")
        checked = CheckedFile(PDF, "pdf", "回执.pdf")
        attachment = OrderAttachment.objects.create(
            order=order, event=event, name="回执.pdf", path=files.store(checked), size=len(PDF),
            content_type="application/pdf", sha256=checked.sha256)
        extra["order"][in_scope], extra["attachment"][in_scope], extra["office"][in_scope] = order, attachment, office
    world.extra["supervision_orders"] = extra


def _o(w: World, s: bool) -> Any:
    return w.extra["supervision_orders"]["order"][s]


def _x(path: str) -> Any:
    return lambda w, s: f"/supervision/orders/{_o(w, s).pk}/{path}"


def _a(path: str) -> Any:
    return lambda w, s: f"/api/v1/supervision/orders/{_o(w, s).pk}{path}"


def _v(**more: Any) -> Any:
    return lambda w, s: {"version": 1, **more}


def _open(w: World, s: bool) -> dict[str, Any]:
    return {"reason": "办理拖延", "required_response": "说明情况", "addressee_office": w.office(s).pk,
            "addressee_user": "", "limit_count": "", "limit_unit": ""}


def _open_api(w: World, s: bool) -> dict[str, Any]:
    return {"subject_type": "cases.case", "subject_id": w.extra["cases"]["case"][s].pk, "reason": "办理拖延",
            "required_response": "说明情况", "addressee_office_id": w.office(s).pk}


CASES: dict[str, Case] = {
    "* /supervision/orders/": Case("GET", fixed("/supervision/orders/?status=all&q=")),
    "* /supervision/orders/export/": Case("GET", fixed("/supervision/orders/export/?status=all")),
    "* /supervision/orders/addressed/": Case("GET", fixed("/supervision/orders/addressed/?status=all")),
    "* /supervision/orders/new/": Case("GET", fixed("/supervision/orders/new/?q=JJ")),
    "* /supervision/orders/new/<str:kind>/<int:subject_id>/": Case(
        "POST", lambda w, s: f"/supervision/orders/new/case/{w.extra['cases']['case'][s].pk}/", _open,
        scoped_record=True, ok=GUARDED),
    "* /supervision/orders/cases/<int:case_id>/panel/": Case(
        "GET", lambda w, s: f"/supervision/orders/cases/{w.extra['cases']['case'][s].pk}/panel/", scoped_record=True),
    "* /supervision/orders/<int:pk>/": Case("GET", _x(""), scoped_record=True),
    "* /supervision/orders/<int:pk>/answer/": Case("POST", _x("answer/"), _v(answer="已发放"), scoped_record=True,
                                                   ok=GUARDED),
    "* /supervision/orders/<int:pk>/review/": Case("POST", _x("review/"), _v(decision="close", note="满意"),
                                                   scoped_record=True, ok=GUARDED),
    "* /supervision/orders/<int:pk>/cancel/": Case("POST", _x("cancel/"), _v(reason="重复督办"), scoped_record=True,
                                                   ok=GUARDED),
    "* /supervision/orders/<int:pk>/attachments/<int:attachment_id>/": Case(
        "GET", lambda w, s: f"/supervision/orders/{_o(w, s).pk}/attachments/"
                            f"{w.extra['supervision_orders']['attachment'][s].pk}/", scoped_record=True),
    "GET /api/v1/supervision/orders": Case("GET", fixed("/api/v1/supervision/orders?status=all"), api=True),
    "GET /api/v1/supervision/orders/addressed": Case("GET", fixed("/api/v1/supervision/orders/addressed?status=all"),
                                                     api=True),
    "GET /api/v1/supervision/orders/<order_id>": Case("GET", _a(""), api=True, scoped_record=True),
    "POST /api/v1/supervision/orders": Case("POST", fixed("/api/v1/supervision/orders"), _open_api, api=True,
                                            scoped_body=True, body_refusal=404, ok=GUARDED),
    "POST /api/v1/supervision/orders/<order_id>/answer": Case("POST", _a("/answer"), _v(text="已发放"), api=True,
                                                              scoped_record=True, ok=GUARDED),
    "POST /api/v1/supervision/orders/<order_id>/close": Case("POST", _a("/close"), _v(note="满意"), api=True,
                                                             scoped_record=True, ok=GUARDED),
    "POST /api/v1/supervision/orders/<order_id>/send-back": Case("POST", _a("/send-back"), _v(note="请补充"),
                                                                 api=True, scoped_record=True, ok=GUARDED),
    "POST /api/v1/supervision/orders/<order_id>/cancel": Case("POST", _a("/cancel"), _v(reason="重复督办"), api=True,
                                                              scoped_record=True, ok=GUARDED),
}
