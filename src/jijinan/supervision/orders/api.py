"""API of 督办 orders: the list in the user's scope, the orders addressed to the user's offices, one
order with its history, open one by hand, answer, close, send back, cancel.

Every move carries the order's ``version``; a stale one answers 409 and changes nothing."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jijinan.accounts.context import acting_user
from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.permissions import requires
from jijinan.regions.models import Region
from jijinan.supervision.models import OrderEvent, SupervisionOrder
from jijinan.supervision.orders import selectors, services
from jijinan.supervision.orders.permissions import (
    ORDER_ANSWER,
    ORDER_ISSUE,
    ORDER_READ,
    ORDER_VIEW,
    ORDER_VIEW_ADDRESSED,
)

router = Router(tags=["supervision"])


class EventOut(Schema):
    kind: str
    at: datetime
    actor: str
    text: str
    attachments: list[str]


class OrderOut(Schema):
    id: int
    number: str
    matter_kind: str = Field(..., description="deadline（超期未办）, deflection（推诿预警）, "
                                              "escalation（报告协商逾期未召集）, duty（会商分工逾期）, "
                                              "manual（人工督办）")
    matter_key: str
    subject_type: str
    subject_id: str
    case_number: str
    region_code: str
    region: str
    level: int
    automatic: bool
    issuing_office: str
    addressee_office_id: int
    addressee_office: str
    addressee_user: str
    reason: str
    required_response: str
    status: str = Field(..., description="open（待答复）, answered（已答复待审核）, closed（已办结）, "
                                         "escalated（已提级督办）, cancelled（已撤销）")
    due_at: datetime | None
    answer: str
    answered_at: datetime | None
    sent_back: int
    review_note: str
    parent_id: int | None
    escalated_to_id: int | None
    version: int
    created_at: datetime

    @staticmethod
    def resolve_case_number(o: SupervisionOrder) -> str:
        return o.case.number if o.case is not None else ""

    @staticmethod
    def resolve_region_code(o: SupervisionOrder) -> str:
        return o.region.code

    @staticmethod
    def resolve_region(o: SupervisionOrder) -> str:
        return o.region.name

    @staticmethod
    def resolve_issuing_office(o: SupervisionOrder) -> str:
        return o.issuing_office.name

    @staticmethod
    def resolve_addressee_office(o: SupervisionOrder) -> str:
        return o.addressee_office.name

    @staticmethod
    def resolve_addressee_user(o: SupervisionOrder) -> str:
        return o.addressee_user.display_name() if o.addressee_user is not None else ""

    @staticmethod
    def resolve_due_at(o: SupervisionOrder) -> datetime | None:
        return o.deadline.due_at if o.deadline is not None else None


def _event(e: OrderEvent) -> EventOut:
    return EventOut(kind=e.kind, at=e.at, actor=e.actor.display_name() if e.actor else "", text=e.text,
                    attachments=[a.name for a in e.attachments.all()])


class OrderDetailOut(OrderOut):
    history: list[EventOut]

    @staticmethod
    def resolve_history(o: SupervisionOrder) -> list[EventOut]:
        return [_event(e) for e in selectors.order_history(o)]


def _detail(order: SupervisionOrder) -> SupervisionOrder:
    return order


class OrderFilter(Schema):
    status: str = Field("open", description="open（未办结）, all, 或一个状态")
    matter_kind: str = ""
    region_code: str = Field("", description="只看该区划及其下级的督办")
    addressee_office_id: int | None = None
    overdue: bool = False
    q: str = Field("", description="督办编号或急难事项编号")


@router.get("/supervision/orders", response=list[OrderOut], summary="督办单 / 督办 orders in scope")
@requires(ORDER_VIEW)
@paginate(PagePagination)
def order_list(request: HttpRequest, filters: Query[OrderFilter]) -> QuerySet[SupervisionOrder]:
    region = Region.objects.filter(code=filters.region_code).first() if filters.region_code else None
    prefix = region.prefix if region is not None else ("-" if filters.region_code else "")
    return selectors.order_list_for_user(user=request.user, filters=selectors.OrderFilters(
        status=filters.status, matter_kind=filters.matter_kind, region_prefix=prefix,
        addressee_id=filters.addressee_office_id, overdue=filters.overdue, q=filters.q))


class AddressedFilter(Schema):
    status: str = Field("open", description="open（待答复）, all, 或一个状态")


@router.get("/supervision/orders/addressed", response=list[OrderOut],
            summary="交本单位办理的督办 / orders addressed to my offices")
@requires(ORDER_VIEW_ADDRESSED)
@paginate(PagePagination)
def orders_addressed(request: HttpRequest, filters: Query[AddressedFilter]) -> QuerySet[SupervisionOrder]:
    return selectors.orders_addressed_for_user(user=request.user, status=filters.status)


@router.get("/supervision/orders/{order_id}", response={200: OrderDetailOut, **ERROR_RESPONSES},
            summary="一张督办单 / one order with its history")
@requires(ORDER_READ)
def order_get(request: HttpRequest, order_id: int) -> Any:
    return _detail(selectors.order_get_for_user(user=request.user, pk=order_id))


class OpenIn(Schema):
    subject_type: str = Field(..., description="cases.case, referrals.task, consultation.escalation 或 "
                                               "consultation.crisis")
    subject_id: int
    reason: str
    required_response: str
    addressee_office_id: int
    addressee_user_id: int | None = None
    limit_count: int | None = Field(None, description="答复时限；不填按政策参数")
    limit_unit: str | None = Field(None, description="working_days, calendar_days 或 hours")


@router.post("/supervision/orders", response={201: OrderDetailOut, **ERROR_RESPONSES},
             summary="发出督办 / open an order by hand")
@requires(ORDER_ISSUE)
def order_open(request: HttpRequest, payload: OpenIn) -> Status:
    matter = selectors.matter_for_user(user=request.user, subject_type=payload.subject_type,
                                       subject_id=payload.subject_id)
    order = services.order_open(actor=acting_user(request), matter=matter, reason=payload.reason,
                                required_response=payload.required_response,
                                addressee_office_id=payload.addressee_office_id,
                                addressee_user_id=payload.addressee_user_id, limit_count=payload.limit_count,
                                limit_unit=payload.limit_unit)
    return Status(201, _detail(selectors.order_get_for_user(user=request.user, pk=order.pk)))


class AnswerIn(Schema):
    version: int
    text: str


class NoteIn(Schema):
    version: int
    note: str = ""


class ReasonIn(Schema):
    version: int
    reason: str


def _order(request: HttpRequest, order_id: int) -> SupervisionOrder:
    return selectors.order_get_for_user(user=request.user, pk=order_id)


@router.post("/supervision/orders/{order_id}/answer", response={200: OrderDetailOut, **ERROR_RESPONSES},
             summary="答复 / answer (the addressee)")
@requires(ORDER_ANSWER)
def order_answer(request: HttpRequest, order_id: int, payload: AnswerIn) -> Any:
    order = services.order_answer(actor=acting_user(request), order=_order(request, order_id),
                                  version=payload.version, text=payload.text)
    return _detail(_order(request, order.pk))


@router.post("/supervision/orders/{order_id}/close", response={200: OrderDetailOut, **ERROR_RESPONSES},
             summary="办结 / close as satisfied")
@requires(ORDER_ISSUE)
def order_close(request: HttpRequest, order_id: int, payload: NoteIn) -> Any:
    order = services.order_close(actor=acting_user(request), order=_order(request, order_id),
                                 version=payload.version, note=payload.note)
    return _detail(_order(request, order.pk))


@router.post("/supervision/orders/{order_id}/send-back", response={200: OrderDetailOut, **ERROR_RESPONSES},
             summary="退回重办 / send back")
@requires(ORDER_ISSUE)
def order_send_back(request: HttpRequest, order_id: int, payload: NoteIn) -> Any:
    order = services.order_send_back(actor=acting_user(request), order=_order(request, order_id),
                                     version=payload.version, note=payload.note)
    return _detail(_order(request, order.pk))


@router.post("/supervision/orders/{order_id}/cancel", response={200: OrderDetailOut, **ERROR_RESPONSES},
             summary="撤销 / cancel")
@requires(ORDER_ISSUE)
def order_cancel(request: HttpRequest, order_id: int, payload: ReasonIn) -> Any:
    order = services.order_cancel(actor=acting_user(request), order=_order(request, order_id),
                                  version=payload.version, reason=payload.reason)
    return _detail(_order(request, order.pk))
