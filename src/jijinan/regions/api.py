"""API of regions: browse the tree, search by name or code, import and retire (administrators)."""

# No `from __future__ import annotations` here: django-ninja must resolve Query[...] at import.


from datetime import date

from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from jijinan.audit.decorators import refusals_recorded
from jijinan.core import exports
from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.permissions import requires
from jijinan.regions import selectors, services, views
from jijinan.regions.models import Region

router = Router(tags=["regions"])

NBS_CODES_DATE = date(2022, 10, 31)


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    population: int | None
    population_synthetic: bool
    synthetic: bool
    valid_from: date
    valid_to: date | None
    successor_code: str | None

    @staticmethod
    def resolve_parent_code(obj: Region) -> str | None:
        return obj.parent.code if obj.parent_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_successor_code(obj: Region) -> str | None:
        return obj.successor.code if obj.successor_id else None  # type: ignore[union-attr]


class RegionDetailOut(RegionOut):
    ancestors: list[RegionOut]
    children_count: int


class RegionFilters(Schema):
    q: str = Field("", max_length=50, description="名称片段或代码前缀 / name fragment or code prefix")
    level: str | None = Field(None, pattern="^(province|city|county|township|village)$")
    parent: str | None = Field(None, pattern=r"^\d{12}$", description="上级代码 / parent code")
    include_retired: bool = False


class LoadOut(Schema):
    created: int
    updated: int
    unchanged: int


class RetireIn(Schema):
    successor_code: str | None = Field(None, pattern=r"^\d{12}$")
    valid_to: date


@router.get("/regions", response={200: list[RegionOut], **ERROR_RESPONSES},
            summary="查找区划 / search regions")
@requires("regions.view")
@paginate(PagePagination)
def list_regions(request: HttpRequest, filters: Query[RegionFilters]):
    return selectors.region_search(q=filters.q, level=filters.level, parent_code=filters.parent,
                                   include_retired=filters.include_retired).select_related("successor")


class RegionExportIn(RegionFilters):
    reason: str = Field("", max_length=exports.REASON_MAX_LENGTH,
                        description="导出原因，记入访问日志 / why; goes to the access log")


# The workbook as the 200 answer of the export operation, for the OpenAPI document.
XLSX_OPENAPI = {"responses": {200: {
    "description": "Excel 工作簿（文件名见 Content-Disposition）/ the workbook",
    "content": {exports.XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}}


@router.get("/regions/export.xlsx", response=ERROR_RESPONSES, openapi_extra=XLSX_OPENAPI,
            summary="导出区划到 Excel（与查找相同的条件；导出留痕）/ export regions (logged)")
@refusals_recorded
@requires("regions.export")
def export_regions(request: HttpRequest, filters: Query[RegionExportIn]) -> HttpResponseBase:
    regions = selectors.region_search(q=filters.q, level=filters.level, parent_code=filters.parent,
                                      include_retired=filters.include_retired).select_related("parent", "successor")
    return exports.export_response(views.region_export_file(
        user=request.user, regions=regions, options=exports.ExportOptions(reason=filters.reason.strip()),
        filters=exports.query_filters(filters.dict(), views.REGION_FILTERS)))


@router.post("/regions/import", response={200: LoadOut, **ERROR_RESPONSES},
             summary="导入区划 CSV（管理员）/ import a regions CSV (administrators)")
@requires("regions.manage")
def import_regions(request: HttpRequest, file: File[UploadedFile], valid_from: date = NBS_CODES_DATE
                   ) -> LoadOut:
    """全部成功才保存；任何一行有错，整份文件不导入，错误按 rows[行].列 给出。"""
    text = services.decode_csv_bytes(file.read())
    result = services.regions_load_csv(text=text, valid_from=valid_from,
                                       source=_("上传：%(name)s") % {"name": file.name}, actor=request.user)
    return LoadOut(created=result.created, updated=result.updated, unchanged=result.unchanged)


@router.get("/regions/{code}", response={200: RegionDetailOut, **ERROR_RESPONSES},
            summary="区划详情 / one region")
@requires("regions.view")
def get_region(request: HttpRequest, code: str) -> Region:
    region = selectors.region_get(code=code)
    region.ancestors = selectors.region_ancestors(region=region)  # type: ignore[attr-defined]
    region.children_count = region.children.count()  # type: ignore[attr-defined]
    return region


@router.get("/regions/{code}/children", response={200: list[RegionOut], **ERROR_RESPONSES},
            summary="下级区划 / children")
@requires("regions.view")
@paginate(PagePagination)
def list_children(request: HttpRequest, code: str, include_retired: bool = False):
    region = selectors.region_get(code=code)
    return selectors.region_children(region=region, include_retired=include_retired).select_related(
        "parent", "successor")


@router.post("/regions/{code}/retire", response={200: RegionOut, **ERROR_RESPONSES},
             summary="停用区划代码（管理员）/ retire a code (administrators)")
@requires("regions.manage")
def retire_region(request: HttpRequest, code: str, payload: RetireIn) -> Region:
    selectors.region_get(code=code)
    return services.region_retire(code=code, successor_code=payload.successor_code,
                                  valid_to=payload.valid_to, actor=request.user)
