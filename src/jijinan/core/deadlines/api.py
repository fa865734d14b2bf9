"""API of the deadline engine: the deadlines of a subject or of an owner, one deadline, and the
pause, resume, extend and cancel operations (each with the version the client read)."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jijinan.core import exports
from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.calendar.workdays import DeadlineUnit
from jijinan.core.deadlines import selectors, services, views
from jijinan.core.deadlines.kinds import kind_label, subject_url
from jijinan.core.deadlines.models import Deadline, DeadlineStatus
from jijinan.core.deadlines.rules import REASON_MAX_LENGTH
from jijinan.core.permissions import requires

# The operation ids clients know, from before this module moved (see jijinan.api).
OPERATION_ID_PREFIX = "jijinan_core_deadline_api"

router = Router(tags=["deadlines"])


class ExtensionOut(Schema):
    by: int | None = Field(None, description="延期人用户编号 / who extended it")
    by_name: str = ""
    reason: str
    extra: int = Field(..., description="延长的单位数 / units added")
    at: datetime


class DeadlineOut(Schema):
    id: int
    subject_type: str = Field(..., description="对象类型，如 cases.case / subject type")
    subject_id: str
    subject_url: str = Field("", description="对象页面 / the subject's page, when known")
    kind: str
    kind_label: str
    region_code: str
    owner_user_id: int | None
    owner_user_name: str | None
    owner_organisation_id: int | None
    owner_organisation_name: str | None
    started_at: datetime
    unit: DeadlineUnit
    limit: int
    due_at: datetime
    provisional: bool = Field(..., description="涉及未确认的日历年度，确认后可能变化 / may change")
    unconfirmed_years: list[int]
    status: DeadlineStatus
    paused_at: datetime | None
    pause_reason: str
    paused_seconds: int
    extensions: list[ExtensionOut]
    met_at: datetime | None
    breached_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    parameters: dict[str, Any] = Field(..., description="所用政策参数版本 / policy parameters used")
    version: int
    created_at: datetime

    @staticmethod
    def resolve_kind_label(obj: Deadline) -> str:
        return kind_label(obj.kind)

    @staticmethod
    def resolve_subject_url(obj: Deadline) -> str:
        return subject_url(obj.kind, obj.subject_id)

    @staticmethod
    def resolve_owner_user_name(obj: Deadline) -> str | None:
        user = obj.owner_user
        if user is None:
            return None
        return str(user.display_name() if hasattr(user, "display_name") else user.get_username())

    @staticmethod
    def resolve_owner_organisation_name(obj: Deadline) -> str | None:
        return obj.owner_organisation.name if obj.owner_organisation else None


class DeadlineFilters(Schema):
    subject_type: str | None = Field(None, max_length=100)
    subject_id: str | None = Field(None, max_length=64)
    owner_user: int | None = Field(None, description="负责人用户编号 / owner user id")
    owner_organisation: int | None = Field(None, description="负责机构编号 / owner organisation id")
    status: DeadlineStatus | None = None
    kind: str | None = Field(None, max_length=60)
    overdue: bool = Field(False, description="只看已超期或已到期未完成的 / overdue only")


class VersionIn(Schema):
    version: int = Field(..., description="读取时的版本号 / the version read")


class PauseIn(VersionIn):
    reason: str = Field(..., min_length=1, max_length=REASON_MAX_LENGTH)


class ExtendIn(VersionIn):
    extra: int = Field(..., description="延长的单位数（期限自己的单位）/ units to add, ≥ 1")
    reason: str = Field(..., min_length=1, max_length=REASON_MAX_LENGTH)


class CancelIn(VersionIn):
    reason: str = Field(..., min_length=1, max_length=REASON_MAX_LENGTH)


@router.get("/deadlines", response={200: list[DeadlineOut], **ERROR_RESPONSES},
            summary="期限列表：某对象的、某负责人或机构的 / deadlines of a subject or an owner")
@requires("deadlines.view")
@paginate(PagePagination)
def list_deadlines(request: HttpRequest, filters: Query[DeadlineFilters]) -> Any:
    return selectors.deadline_list_for_user(
        user=request.user, subject_type=filters.subject_type, subject_id=filters.subject_id,
        owner_user=filters.owner_user, owner_organisation=filters.owner_organisation,
        status=filters.status, kind=filters.kind, overdue=filters.overdue)


class DeadlineExportIn(DeadlineFilters):
    reason: str = Field("", max_length=exports.REASON_MAX_LENGTH,
                        description="导出原因，记入访问日志 / why; goes to the access log")


@router.get("/deadlines/export.xlsx", response=ERROR_RESPONSES, openapi_extra={"responses": {200: {
    "description": "Excel 工作簿（文件名见 Content-Disposition）/ the workbook",
    "content": {exports.XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}},
    summary="导出期限到 Excel（与列表相同的筛选和范围；导出留痕）/ export deadlines (logged)")
@requires(views.EXPORT)
def export_deadlines(request: HttpRequest, filters: Query[DeadlineExportIn]) -> HttpResponseBase:
    deadlines = selectors.deadline_list_for_user(
        user=request.user, subject_type=filters.subject_type, subject_id=filters.subject_id,
        owner_user=filters.owner_user, owner_organisation=filters.owner_organisation,
        status=filters.status, kind=filters.kind, overdue=filters.overdue)
    return exports.export_response(views.deadline_export_file(
        user=request.user, deadlines=deadlines, options=exports.ExportOptions(reason=filters.reason.strip()),
        filters=exports.query_filters(filters.dict(), views.DEADLINE_FILTERS)))


@router.get("/deadlines/{deadline_id}", response={200: DeadlineOut, **ERROR_RESPONSES},
            summary="期限详情 / one deadline")
@requires("deadlines.view")
def get_deadline(request: HttpRequest, deadline_id: int) -> Deadline:
    return selectors.deadline_get_for_user(user=request.user, pk=deadline_id)


def _for_manage(request: HttpRequest, deadline_id: int) -> Deadline:
    return selectors.deadline_get_for_user(user=request.user, pk=deadline_id,
                                           action="deadlines.manage")


@router.post("/deadlines/{deadline_id}/pause", response={200: DeadlineOut, **ERROR_RESPONSES},
             summary="暂停计时（须写明原因；过期版本返回 409）/ pause (stale version → 409)")
@requires("deadlines.manage")
def pause_deadline(request: HttpRequest, deadline_id: int, payload: PauseIn) -> Deadline:
    return services.deadline_pause(actor=request.user, deadline=_for_manage(request, deadline_id),
                                   version=payload.version, reason=payload.reason)


@router.post("/deadlines/{deadline_id}/resume", response={200: DeadlineOut, **ERROR_RESPONSES},
             summary="恢复计时 / resume")
@requires("deadlines.manage")
def resume_deadline(request: HttpRequest, deadline_id: int, payload: VersionIn) -> Deadline:
    return services.deadline_resume(actor=request.user, deadline=_for_manage(request, deadline_id),
                                    version=payload.version)


@router.post("/deadlines/{deadline_id}/extend", response={200: DeadlineOut, **ERROR_RESPONSES},
             summary="延期（须写明原因）/ extend, with a reason")
@requires("deadlines.manage")
def extend_deadline(request: HttpRequest, deadline_id: int, payload: ExtendIn) -> Deadline:
    return services.deadline_extend(actor=request.user, deadline=_for_manage(request, deadline_id),
                                    version=payload.version, extra=payload.extra,
                                    reason=payload.reason)


@router.post("/deadlines/{deadline_id}/cancel", response={200: DeadlineOut, **ERROR_RESPONSES},
             summary="取消期限（须写明原因）/ cancel, with a reason")
@requires("deadlines.manage")
def cancel_deadline(request: HttpRequest, deadline_id: int, payload: CancelIn) -> Deadline:
    return services.deadline_cancel(actor=request.user, deadline=_for_manage(request, deadline_id),
                                    version=payload.version, reason=payload.reason)
