"""API of the audit: events, the access log, and the verification report of the chains."""

# No `from __future__ import annotations` here: django-ninja must resolve Query[...] at import.

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jijinan.audit import selectors, views
from jijinan.audit.chain import ChainReport, VerifyReport, verify_chain
from jijinan.audit.choices import AccessKind, AuditOutcome
from jijinan.audit.decorators import refusals_recorded
from jijinan.audit.models import AccessLog, AuditEvent
from jijinan.audit.permissions import AUDIT_EXPORT, AUDIT_VERIFY, AUDIT_VIEW
from jijinan.core import exports
from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.permissions import requires

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    seq: int | None = Field(..., description="链序号，未封存为空 / chain position; null until sealed")
    action: str
    outcome: AuditOutcome
    actor_id: int | None = Field(..., description="操作人编号，系统为空 / null for the system")
    actor_label: str
    subject_type: str
    subject_id: str
    subject_label: str
    region_code: str
    changes: dict[str, list[Any]] = Field(
        ..., description="字段 → [修改前, 修改后] / field → [before, after]")
    note: str
    request_id: str
    ip: str | None
    occurred_at: datetime
    sealed_at: datetime | None
    hash: str


class AccessLogOut(Schema):
    id: int
    seq: int | None
    kind: AccessKind
    actor_id: int | None
    actor_label: str
    subject_type: str
    subject_id: str
    subject_label: str
    region_code: str
    fields: list[str]
    purpose: str
    rows: int | None = Field(..., description="一次导出或后台任务读取的记录数 / records read by "
                                              "one export or job run")
    request_id: str
    ip: str | None
    at: datetime
    sealed_at: datetime | None
    hash: str


class _CommonFilters(Schema):
    subject_type: str = Field("", max_length=100, description="对象类型，如 cases.case / "
                                                             "record type, e.g. cases.case")
    subject_id: str = Field("", max_length=64, description="对象编号 / record id")
    actor: str = Field("", max_length=150, description="操作人编号、用户名或姓名 / actor id, "
                                                       "user name or recorded name")
    date_from: date | None = Field(None, description="起始日（含）/ first day (inclusive)")
    date_to: date | None = Field(None, description="截止日（含）/ last day (inclusive)")


class EventFilters(_CommonFilters):
    action: str = Field("", max_length=100, description="操作代码前缀 / action code prefix")
    outcome: AuditOutcome | None = None


class AccessFilters(_CommonFilters):
    kind: AccessKind | None = None


class ChainProblemOut(Schema):
    kind: str = Field(..., description="tampered 内容被改 / broken_link 衔接断开 / missing 缺失 / "
                                       "head 链尾被改")
    seq: int
    seq_to: int | None
    row_id: int | None


class ChainReportOut(Schema):
    chain: str
    ok: bool
    head_seq: int
    checked: int
    first_tampered_seq: int | None
    missing: list[tuple[int, int]] = Field(..., description="缺失的序号区间 / missing seq ranges")
    problems: list[ChainProblemOut]
    problem_total: int
    unsealed: int
    unsealed_overdue: int = Field(..., description="超过宽限期仍未封存 / unsealed beyond the grace")
    oldest_overdue_id: int | None
    oldest_overdue_at: datetime | None
    messages: list[str]

    @staticmethod
    def resolve_messages(obj: ChainReport) -> list[str]:
        return obj.messages()


class VerifyOut(Schema):
    ok: bool
    checked_at: datetime
    grace_seconds: int
    chains: list[ChainReportOut]


def _filters(filters: _CommonFilters, **extra: Any) -> selectors.AuditFilters:
    return selectors.AuditFilters(
        subject_type=filters.subject_type, subject_id=filters.subject_id, actor=filters.actor,
        date_from=filters.date_from, date_to=filters.date_to, **extra)


@router.get("/audit/events", response={200: list[AuditEventOut], **ERROR_RESPONSES},
            summary="审计事件 / audit events")
@refusals_recorded
@requires(AUDIT_VIEW)
@paginate(PagePagination)
def list_events(request: HttpRequest, filters: Query[EventFilters]) -> QuerySet[AuditEvent]:
    """授权范围内的审计事件，最新的在前。Audit events in the caller's scope, newest first."""
    return selectors.audit_event_list_for_user(user=request.user, filters=_filters(
        filters, action=filters.action, outcome=filters.outcome or ""))


@router.get("/audit/access-log", response={200: list[AccessLogOut], **ERROR_RESPONSES},
            summary="敏感信息访问日志 / access log of sensitive data")
@refusals_recorded
@requires(AUDIT_VIEW)
@paginate(PagePagination)
def list_access_log(request: HttpRequest, filters: Query[AccessFilters]) -> QuerySet[AccessLog]:
    """谁在何时查看、打印、导出或显示了哪条记录的哪些敏感字段。
    Who viewed, printed, exported or unmasked which sensitive fields of which record, and when."""
    return selectors.access_log_list_for_user(user=request.user, filters=_filters(
        filters, kind=filters.kind or ""))


class ExportIn(Schema):
    reason: str = Field("", max_length=exports.REASON_MAX_LENGTH,
                        description="导出原因，记入访问日志 / why; goes to the access log")


class EventExportIn(EventFilters, ExportIn):
    pass


class AccessExportIn(AccessFilters, ExportIn):
    pass


# The workbook as the 200 answer of the export operations, for the OpenAPI document.
XLSX_OPENAPI = {"responses": {200: {
    "description": "Excel 工作簿（文件名见 Content-Disposition）/ the workbook",
    "content": {exports.XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}}


@router.get("/audit/events/export.xlsx", response=ERROR_RESPONSES, openapi_extra=XLSX_OPENAPI,
            summary="导出审计事件到 Excel（与列表相同的筛选和范围；导出留痕）/ export audit events (logged)")
@refusals_recorded
@requires(AUDIT_EXPORT)
def export_events(request: HttpRequest, filters: Query[EventExportIn]) -> HttpResponseBase:
    return exports.export_response(views.event_export_file(
        user=request.user, filters=_filters(filters, action=filters.action, outcome=filters.outcome or ""),
        options=exports.ExportOptions(reason=filters.reason.strip())))


@router.get("/audit/access-log/export.xlsx", response=ERROR_RESPONSES, openapi_extra=XLSX_OPENAPI,
            summary="导出访问日志到 Excel（与列表相同的筛选和范围；导出留痕）/ export the access log (logged)")
@refusals_recorded
@requires(AUDIT_EXPORT)
def export_access_log(request: HttpRequest, filters: Query[AccessExportIn]) -> HttpResponseBase:
    return exports.export_response(views.access_export_file(
        user=request.user, filters=_filters(filters, kind=filters.kind or ""),
        options=exports.ExportOptions(reason=filters.reason.strip())))


@router.get("/audit/verify", response={200: VerifyOut, **ERROR_RESPONSES},
            summary="校验审计链（管理员）/ verify the audit chains (administrators)")
@refusals_recorded
@requires(AUDIT_VERIFY)
def verify(request: HttpRequest) -> VerifyReport:
    """重新计算两条哈希链：被篡改、缺失的记录，以及超过宽限期仍未封存的记录。
    Recomputes both hash chains: tampered and missing rows, and rows left unsealed too long."""
    return verify_chain()
