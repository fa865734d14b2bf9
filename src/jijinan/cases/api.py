"""API of a case: one case, its timeline, its hotline work orders, and the vocabularies (categories,
needs). Intake and attachments are in :mod:`jijinan.cases.intake.api`, the stage line in
:mod:`jijinan.cases.workflow.api`."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from jijinan.accounts.context import acting_user
from jijinan.cases import selectors
from jijinan.cases.intake.triage import triage_shown
from jijinan.cases.models import Case
from jijinan.cases.permissions import CASE_VIEW, VOCABULARY_VIEW, WORK_ORDER_ADD
from jijinan.cases.work_orders import case_work_order_add
from jijinan.core.apitools import ERROR_RESPONSES
from jijinan.core.permissions import requires

router = Router(tags=["cases"])


class SubjectOut(Schema):
    kind: str
    person_id: int | None
    household_id: int | None
    name: str
    id_number_masked: str | None = Field(None, description="遮盖显示 / masked")
    description: str


class CaseOut(Schema):
    id: int
    number: str
    stage: str
    channel: str
    handling_region_code: str
    handling_region_name: str
    subject: SubjectOut
    reporter_name: str
    reporter_phone_masked: str | None
    reporter_relation: str
    event_at: datetime
    event_place: str
    categories: list[str]
    needs: list[str]
    description: str
    urgency: str
    crisis: bool
    crisis_note: str
    work_orders: dict[str, str]
    triage: dict[str, Any]
    version: int
    created_at: datetime
    accepted_at: datetime | None


def case_out(case: Case) -> dict[str, Any]:
    person = case.person
    return {
        "id": case.pk, "number": case.number, "stage": case.stage, "channel": case.channel,
        "handling_region_code": case.handling_region.code, "handling_region_name": case.handling_region.name,
        "subject": {"kind": case.subject_kind, "person_id": case.person_id, "household_id": case.household_id,
                    "name": case.subject_name,
                    "id_number_masked": str(person.id_number) if person is not None and person.id_number else None,
                    "description": case.subject_description},
        "reporter_name": case.reporter_name,
        "reporter_phone_masked": str(case.reporter_phone) if case.reporter_phone is not None else None,
        "reporter_relation": case.reporter_relation, "event_at": case.event_at, "event_place": case.event_place,
        "categories": case.categories, "needs": case.needs, "description": case.description,
        "urgency": case.urgency, "crisis": case.crisis, "crisis_note": case.crisis_note,
        "work_orders": case.work_orders, "triage": triage_shown(case.triage or {}), "version": case.version,
        "created_at": case.created_at, "accepted_at": case.accepted_at,
    }


@router.get("/cases/{case_id}", response={200: CaseOut, **ERROR_RESPONSES},
            summary="急难事项详情（电话、证件号遮盖；查阅留痕）/ one case (masked; the view is logged)")
@requires(CASE_VIEW)
def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return case_out(selectors.case_detail_for_user(user=request.user, pk=case_id))


class TimelineOut(Schema):
    at: datetime
    actor: str
    kind: str
    summary: str
    source: str = Field(..., description="case（事项记录）或 audit（审计）")


@router.get("/cases/{case_id}/timeline", response={200: list[TimelineOut], **ERROR_RESPONSES},
            summary="事项时间线：事项记录与审计事件合并，按时间排列 / the case's timeline")
@requires(CASE_VIEW)
def case_timeline(request: HttpRequest, case_id: int) -> list[selectors.TimelineEntry]:
    case = selectors.case_get_for_user(user=request.user, pk=case_id)
    return selectors.case_timeline(case=case)


class VocabularyOut(Schema):
    code: str
    name: str
    name_en: str


@router.get("/case-categories", response={200: list[VocabularyOut], **ERROR_RESPONSES},
            summary="急难类别（在用）/ case categories in use")
@requires(VOCABULARY_VIEW)
def list_categories(request: HttpRequest) -> list[Any]:
    return selectors.category_list()


@router.get("/need-types", response={200: list[VocabularyOut], **ERROR_RESPONSES},
            summary="需求类型（在用）/ need types in use")
@requires(VOCABULARY_VIEW)
def list_need_types(request: HttpRequest) -> list[Any]:
    return selectors.need_type_list()


class WorkOrderIn(Schema):
    version: int = Field(..., description="事项当前版本号；过期返回 409 / the case's version (stale: 409)")
    kind: str = Field(..., max_length=10, description="12345、110 或 120 / the hotline")
    number: str = Field(..., max_length=40, description="工单编号：字母、数字、连字符 / letters, digits, hyphens")
    reason: str = Field("", max_length=300,
                        description="更正已关联编号时必填 / required to replace a number already linked")


@router.post("/cases/{case_id}/work-orders", response={200: CaseOut, **ERROR_RESPONSES},
             summary="关联热线工单（12345、110、120），返回新版本的事项 / link a hotline work order; "
                     "answers the case with its new version")
@requires(WORK_ORDER_ADD)
def add_work_order(request: HttpRequest, case_id: int, payload: WorkOrderIn) -> dict[str, Any]:
    case = selectors.case_get_for_user(user=request.user, pk=case_id)
    return case_out(case_work_order_add(actor=acting_user(request), case=case, version=payload.version,
                                        kind=payload.kind, number=payload.number, reason=payload.reason))
