"""API of the work queues: my queue or my area's, a county's overdue list, the case search.

No phone number travels in a URL: the lists read keywords and filters from the query string, and
a search by phone sends the number in the body of ``POST /cases/search``. A query string that
carries ``phone`` anyway is refused (400), so a client learns to move it rather than have it
silently ignored."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jijinan.cases.models import Case
from jijinan.cases.queues import selectors as queues
from jijinan.cases.queues.permissions import CASE_SEARCH, OVERDUE_VIEW, QUEUE_VIEW
from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.permissions import requires

# The operation ids clients know, from before this module moved (see jijinan.api).
OPERATION_ID_PREFIX = "jijinan_cases_queue_api"

router = Router(tags=["cases"])


class QueueCaseOut(Schema):
    id: int
    number: str
    stage: str
    channel: str
    urgency: str
    crisis: bool
    categories: list[str]
    handling_region_code: str = Field(..., alias="handling_region.code")
    handling_region_name: str = Field(..., alias="handling_region.name")
    subject_name: str
    owner_id: int | None
    owner_name: str | None
    created_at: datetime
    next_due: datetime | None = Field(None, description="最近的未完成期限 / the nearest running deadline")
    overdue: bool = Field(..., description="有期限已超期 / a deadline has run out")
    due_today: bool = Field(..., description="今日（北京时间）到期 / due later today (Asia/Shanghai)")
    awaiting_transfer_decision: bool = Field(
        ..., description="已转出，待转入地决定接收或拒收 / handed over, waiting for the receiving township's decision")
    transfer_to_name: str | None = Field(None, description="转入地 / the township it is handed over to")

    @staticmethod
    def resolve_subject_name(obj: Case) -> str:
        return obj.person.name if obj.person is not None else obj.subject_name

    @staticmethod
    def resolve_owner_name(obj: Case) -> str | None:
        return (obj.owner.full_name or obj.owner.username) if obj.owner is not None else None

    @staticmethod
    def resolve_due_today(obj: Case) -> bool:
        return queues.due_today(obj, now=timezone.now())

    @staticmethod
    def resolve_awaiting_transfer_decision(obj: Case) -> bool:
        return queues.awaiting_transfer_decision(obj)

    @staticmethod
    def resolve_transfer_to_name(obj: Case) -> str | None:
        return obj.transfer_to.name if queues.awaiting_transfer_decision(obj) and obj.transfer_to else None


class QueueFiltersIn(Schema):
    stage: str = Field("", max_length=20, description="阶段 / stage")
    region: str = Field("", max_length=12, description="区划代码（含下级）/ region code (subtree)")
    category: str = Field("", max_length=40, description="急难类别代码 / category code")
    urgency: str = Field("", max_length=10)
    channel: str = Field("", max_length=20)
    crisis: bool | None = Field(None, description="只看（或排除）危机个案 / crisis cases only (or none)")
    q: str = Field("", max_length=queues.KEYWORDS_MAX_LENGTH,
                   description="关键词：事项编号、工单编号、姓名、情况描述 / keywords: case or work-order "
                               "number, names, description")

    def filters(self) -> queues.QueueFilters:
        return queues.QueueFilters(stage=self.stage, region=self.region, category=self.category,
                                   urgency=self.urgency, channel=self.channel, crisis=self.crisis, q=self.q)


class QueueIn(QueueFiltersIn):
    scope: queues.QueueScope = Field(queues.QueueScope.MINE,
                                     description="mine：我的待办；area：辖区待办 / my queue or my area's")


class SearchQueryIn(Schema):
    q: str = Field("", max_length=queues.KEYWORDS_MAX_LENGTH,
                   description="关键词；事项编号、工单编号完整输入时精确匹配 / keywords; a whole case or "
                               "work-order number matches exactly")


class SearchIn(SearchQueryIn):
    phone: str = Field("", max_length=30, description="报告人或救助对象电话 / reporter's or subject's phone")


def _no_phone_in_url(request: HttpRequest) -> None:
    if "phone" in request.GET:
        raise queues.phone_in_url()


@router.get("/cases/queue", response={200: list[QueueCaseOut], **ERROR_RESPONSES},
            summary="待办事项（最近期限在前）/ the work queue, nearest deadline first")
@requires(QUEUE_VIEW)
@paginate(PagePagination)
def list_queue(request: HttpRequest, filters: Query[QueueIn]) -> Any:
    _no_phone_in_url(request)
    return queues.case_queue_for_user(user=request.user, scope=filters.scope, filters=filters.filters())


@router.get("/cases/overdue", response={200: list[QueueCaseOut], **ERROR_RESPONSES},
            summary="超期事项（超期最久的在前）/ overdue cases, longest overdue first")
@requires(OVERDUE_VIEW)
@paginate(PagePagination)
def list_overdue(request: HttpRequest, filters: Query[QueueFiltersIn]) -> Any:
    _no_phone_in_url(request)
    return queues.case_overdue_for_user(user=request.user, filters=filters.filters())


@router.get("/cases/search", response={200: list[QueueCaseOut], **ERROR_RESPONSES},
            summary="按关键词查找事项（按电话查找请用 POST）/ find cases by keywords (by phone: POST)")
@requires(CASE_SEARCH)
@paginate(PagePagination)
def search_cases(request: HttpRequest, filters: Query[SearchQueryIn]) -> Any:
    _no_phone_in_url(request)
    return queues.case_search_for_user(user=request.user, q=filters.q)


@router.post("/cases/search", response={200: list[QueueCaseOut], **ERROR_RESPONSES},
             summary="按电话和/或关键词查找事项（电话在请求体中）/ find cases by phone and/or keywords "
                     "(the phone in the body)")
@requires(CASE_SEARCH)
@paginate(PagePagination)
def search_cases_by_body(request: HttpRequest, body: SearchIn) -> Any:
    _no_phone_in_url(request)
    return queues.case_search_for_user(user=request.user, q=body.q, phone=body.phone)
