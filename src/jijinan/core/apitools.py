"""Shared API machinery: the one error body, page pagination, and their OpenAPI schemas."""

from __future__ import annotations

import logging
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import PaginationBase

from jijinan.core.errors import CoreErrorCode, DomainError

logger = logging.getLogger(__name__)


class ErrorOut(Schema):
    """Every refused API call answers with this body."""

    code: str = Field(..., description="机器可读的错误码 / machine-readable error code")
    message: str = Field(..., description="给人看的说明（按请求语言）/ human-readable message")
    field_errors: dict[str, list[str]] = Field(
        default_factory=dict, description="字段 → 错误说明 / field → messages"
    )


# The error responses every protected operation may give, for the OpenAPI document.
ERROR_RESPONSES: dict[int, type[Schema]] = {
    400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut,
}


def _pydantic_message(error: dict[str, Any]) -> str:
    """A Chinese-first message for one pydantic error (the English text is the fallback)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": _("此项为必填项"),
        "string_too_short": _("至少需要 %(n)s 个字符") % {"n": ctx.get("min_length")},
        "string_too_long": _("最多 %(n)s 个字符") % {"n": ctx.get("max_length")},
        "int_parsing": _("请输入整数"),
        "int_type": _("请输入整数"),
        "float_parsing": _("请输入数字"),
        "bool_parsing": _("请输入是或否"),
        "date_parsing": _("日期格式应为 YYYY-MM-DD"),
        "date_from_datetime_parsing": _("日期格式应为 YYYY-MM-DD"),
        "datetime_parsing": _("时间格式不正确"),
        "datetime_from_date_parsing": _("时间格式不正确"),
        "greater_than": _("必须大于 %(v)s") % {"v": ctx.get("gt")},
        "greater_than_equal": _("不能小于 %(v)s") % {"v": ctx.get("ge")},
        "less_than": _("必须小于 %(v)s") % {"v": ctx.get("lt")},
        "less_than_equal": _("不能大于 %(v)s") % {"v": ctx.get("le")},
        "enum": _("取值不在允许范围内"),
        "literal_error": _("取值不在允许范围内"),
        "string_pattern_mismatch": _("格式不正确"),
        "json_invalid": _("请求体不是有效的 JSON"),
        "model_attributes_type": _("请求体格式不正确"),
        "dict_type": _("请求体格式不正确"),
        "list_type": _("应为列表"),
        "string_type": _("应为文本"),
        "extra_forbidden": _("不允许此字段"),
    }
    if kind in messages:
        return messages[kind]
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return _("格式不正确：%(detail)s") % {"detail": error.get("msg", "")}


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja prefixes the parameter source ("body", "query", "path") and the schema argument name.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "form", "header", "cookie", "file"}:
        parts = parts[1:]
        if len(parts) > 1 and parts[0] in {"payload", "data", "filters", "params"}:
            parts = parts[1:]
    return ".".join(parts) or "__all__"


def error_body(
    code: str, message: str, field_errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"code": code, "message": message, "field_errors": field_errors or {}}


def install_error_handlers(api: NinjaAPI) -> None:
    """Every error the API gives goes out as ``{code, message, field_errors}``."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            fields.setdefault(_field_name(err.get("loc", ())), []).append(_pydantic_message(err))
        return respond(request, 422, error_body(
            CoreErrorCode.VALIDATION, _("提交的数据有误，请检查标出的字段"), fields))

    @api.exception_handler(DomainError)
    def on_domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return respond(request, exc.status, error_body(exc.code, str(exc.message), exc.field_errors))

    @api.exception_handler(AuthenticationError)
    def on_auth(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, error_body(CoreErrorCode.UNAUTHENTICATED, _("请先登录")))

    @api.exception_handler(Http404)
    def on_404(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 404, error_body(CoreErrorCode.NOT_FOUND, _("未找到该记录")))

    @api.exception_handler(ObjectDoesNotExist)
    def on_missing(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 404, error_body(CoreErrorCode.NOT_FOUND, _("未找到该记录")))

    @api.exception_handler(PermissionDenied)
    def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, error_body(
            CoreErrorCode.FORBIDDEN, str(exc) or _("您无权执行此操作")))

    @api.exception_handler(HttpError)
    def on_http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, exc.status_code, error_body(f"http_{exc.status_code}", str(exc)))

    @api.exception_handler(Exception)
    def on_crash(request: HttpRequest, exc: Exception) -> HttpResponse:
        if settings.DEBUG:
            raise exc
        logger.exception("unhandled API error")
        return respond(request, 500, error_body(
            CoreErrorCode.SERVER_ERROR,
            _("服务器内部错误，请稍后重试。请求编号：%(id)s")
            % {"id": getattr(request, "request_id", "-")},
        ))


class PagePagination(PaginationBase):
    """``?page=&page_size=`` → ``{items, count, page, page_size, pages}``."""

    class Input(Schema):
        page: int = Field(1, ge=1, description="页码，从 1 开始 / page number from 1")
        page_size: int = Field(
            settings.JIJINAN_PAGE_SIZE, ge=1, le=settings.JIJINAN_MAX_PAGE_SIZE,
            description="每页条数 / items per page",
        )

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int
        pages: int

    items_attribute = "items"

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        count = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
        start = (pagination.page - 1) * pagination.page_size
        return {
            "items": list(queryset[start:start + pagination.page_size]),
            "count": count,
            "page": pagination.page,
            "page_size": pagination.page_size,
            "pages": max(1, math.ceil(count / pagination.page_size)),
        }
