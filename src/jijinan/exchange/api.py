"""API of the exchange app: the import sources, upload a file as a batch, the batch with its
preview and errors, confirm, discard and undo, and the history of batches."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.utils import check_csrf

from jijinan.accounts.context import acting_user
from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.errors import DomainError, Forbidden
from jijinan.core.permissions import requires
from jijinan.exchange import selectors, services
from jijinan.exchange.choices import BatchMode
from jijinan.exchange.models import ImportBatch
from jijinan.exchange.permissions import BATCH_IMPORT, BATCH_UNDO, BATCH_VIEW, SOURCE_VIEW
from jijinan.exchange.sources import all_sources
from jijinan.exchange.uploads import install_upload_limit, save_upload

router = Router(tags=["exchange"])


class ColumnOut(Schema):
    key: str
    header: str
    aliases: list[str]
    type: str
    required: bool


class SourceOut(Schema):
    code: str
    name: str
    department_type: str
    target: str
    kind: str
    columns: list[ColumnOut]


@router.get("/imports/sources", response={200: list[SourceOut], **ERROR_RESPONSES},
            summary="可导入的数据来源及其列 / import sources and their columns")
@requires(SOURCE_VIEW)
def list_sources(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"code": s.code, "name": s.name, "department_type": s.department_type, "target": s.target,
             "kind": s.kind, "columns": [{"key": c.key, "header": c.header, "aliases": list(c.aliases),
                                          "type": c.type, "required": c.required} for c in s.columns]}
            for s in all_sources().values()]


class BatchListOut(Schema):
    id: int
    source: str
    source_name: str
    file_name: str
    region_code: str = Field(..., alias="region.code")
    status: str
    mode: str
    rows_total: int
    rows_valid: int
    rows_error: int
    rows_written: int
    created_at: datetime
    version: int


class BatchOut(BatchListOut):
    target: str
    department_type: str = Field(..., alias="department_type.code")
    sha256: str
    size: int
    encoding: str
    file_format: str
    file_error: str
    rows_done: int
    progress_percent: int
    rows_matched: int
    rows_unlinked: int
    persons_created: int
    memberships_created: int
    preview: list[dict[str, Any]]
    validated_at: datetime | None
    committed_at: datetime | None
    undone_at: datetime | None
    undo_reason: str


class ErrorRowOut(Schema):
    row: int = Field(..., description="行号（表头为第 1 行；0 表示整个文件）/ row (header = 1; 0: the file)")
    column: str
    reason: str


class BatchFilters(Schema):
    source: str = Field("", max_length=40)
    status: str = Field("", max_length=20)


@router.get("/imports", response={200: list[BatchListOut], **ERROR_RESPONSES},
            summary="导入批次记录 / import batch history")
@requires(BATCH_VIEW)
@paginate(PagePagination)
def list_batches(request: HttpRequest, filters: Query[BatchFilters]) -> Any:
    return selectors.batch_list_for_user(user=request.user, source=filters.source, status=filters.status)


@router.post("/imports", response={201: BatchOut, **ERROR_RESPONSES},
             summary="上传导入文件（multipart：file、source、region、mode）/ upload a file to import",
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file", "source", "region"], "properties": {
                     "file": {"type": "string", "format": "binary"},
                     "source": {"type": "string", "description": "数据来源代码 / source code"},
                     "region": {"type": "string", "description": "导入区划代码 / region code"},
                     "mode": {"type": "string", "enum": list(BatchMode.values)}}}}}}})
@requires(BATCH_IMPORT)
@csrf_exempt
def upload(request: HttpRequest) -> Status:
    # The size limit goes in before anything reads the body; then the CSRF check of a session.
    install_upload_limit(request)
    if "HTTP_AUTHORIZATION" not in request.META and check_csrf(request) is not None:
        raise Forbidden(_("CSRF 校验失败，请刷新页面后重试"), code="forbidden")
    upload_file = request.FILES.get("file")
    field_errors = {name: [_("此项为必填项")] for name in ("source", "region") if not request.POST.get(name)}
    if upload_file is None:
        field_errors["file"] = [_("请选择要上传的文件")]
    if field_errors or upload_file is None:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=field_errors)
    path = save_upload(upload_file)
    try:
        batch = services.batch_upload(actor=acting_user(request), data=services.UploadInput(
            source=request.POST["source"], region_code=request.POST["region"], file_name=upload_file.name or "",
            path=path, mode=request.POST.get("mode") or BatchMode.ALL_OR_NOTHING))
    finally:
        path.unlink(missing_ok=True)  # moved into the import folder unless refused
    return Status(201, selectors.batch_get_for_user(user=request.user, pk=batch.pk))


@router.get("/imports/{batch_id}", response={200: BatchOut, **ERROR_RESPONSES},
            summary="一个导入批次（含预览）/ one batch with its preview")
@requires(BATCH_VIEW)
def get_batch(request: HttpRequest, batch_id: int) -> ImportBatch:
    return selectors.batch_get_for_user(user=request.user, pk=batch_id)


@router.get("/imports/{batch_id}/errors", response={200: list[ErrorRowOut], **ERROR_RESPONSES},
            summary="批次的行错误 / a batch's row errors")
@requires(BATCH_VIEW)
@paginate(PagePagination)
def list_errors(request: HttpRequest, batch_id: int) -> Any:
    batch = selectors.batch_get_for_user(user=request.user, pk=batch_id)
    return selectors.batch_errors(batch=batch)


class ConfirmIn(Schema):
    version: int
    mode: BatchMode | None = Field(None, description="可改为 accept_valid / may switch to accept_valid")


class VersionIn(Schema):
    version: int


class UndoIn(Schema):
    version: int
    reason: str = Field(..., min_length=1, max_length=200)


@router.post("/imports/{batch_id}/confirm", response={200: BatchOut, **ERROR_RESPONSES},
             summary="确认导入 / commit a validated batch")
@requires(BATCH_IMPORT)
def confirm(request: HttpRequest, batch_id: int, payload: ConfirmIn) -> ImportBatch:
    batch = selectors.batch_get_for_user(user=request.user, pk=batch_id, action=BATCH_IMPORT)
    services.batch_confirm(actor=acting_user(request), batch=batch, version=payload.version,
                           mode=str(payload.mode) if payload.mode else None)
    return selectors.batch_get_for_user(user=request.user, pk=batch_id)


@router.post("/imports/{batch_id}/discard", response={200: BatchOut, **ERROR_RESPONSES},
             summary="放弃导入 / discard a validated batch")
@requires(BATCH_IMPORT)
def discard(request: HttpRequest, batch_id: int, payload: VersionIn) -> ImportBatch:
    batch = selectors.batch_get_for_user(user=request.user, pk=batch_id, action=BATCH_IMPORT)
    services.batch_discard(actor=acting_user(request), batch=batch, version=payload.version)
    return selectors.batch_get_for_user(user=request.user, pk=batch_id)


@router.post("/imports/{batch_id}/undo", response={200: BatchOut, **ERROR_RESPONSES},
             summary="撤销已导入的批次 / undo a committed batch")
@requires(BATCH_UNDO)
def undo(request: HttpRequest, batch_id: int, payload: UndoIn) -> ImportBatch:
    batch = selectors.batch_get_for_user(user=request.user, pk=batch_id, action=BATCH_UNDO)
    services.batch_undo(actor=acting_user(request), batch=batch, version=payload.version, reason=payload.reason)
    return selectors.batch_get_for_user(user=request.user, pk=batch_id)

