"""API of accounts: the signed-in user, tokens, department types, organisations, staff, grants."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from datetime import datetime

from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jijinan.accounts import selectors, services, views
from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.context import acting_user
from jijinan.accounts.models import ApiToken, DepartmentType, Grant, Organisation, User
from jijinan.audit.decorators import refusals_recorded
from jijinan.core import exports
from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.errors import DomainError
from jijinan.core.permissions import requires

router = Router(tags=["accounts"])


class GrantOut(Schema):
    id: int
    role: str
    role_label: str
    region_code: str
    region_name: str
    department_type: str | None
    granted_at: datetime
    revoked_at: datetime | None

    @staticmethod
    def resolve_role_label(obj: Grant) -> str:
        return str(obj.get_role_display())

    @staticmethod
    def resolve_region_code(obj: Grant) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: Grant) -> str:
        return obj.region.name

    @staticmethod
    def resolve_department_type(obj: Grant) -> str | None:
        return obj.department_type.code if obj.department_type else None


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    is_superuser: bool
    language: str
    organisation: str | None
    must_change_password: bool
    grants: list[GrantOut]

    @staticmethod
    def resolve_language(obj: User) -> str:
        return get_language() or "zh-hans"

    @staticmethod
    def resolve_organisation(obj: User) -> str | None:
        return obj.organisation.name if obj.organisation else None

    @staticmethod
    def resolve_grants(obj: User) -> list[Grant]:
        return list(selectors.grants_of(user=obj))


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, summary="当前用户及其授权 / the signed-in user")
@requires("accounts.self")
def me(request: HttpRequest) -> User:
    return acting_user(request)


class PasswordIn(Schema):
    old_password: str = Field(..., max_length=200)
    new_password: str = Field(..., max_length=200)


@router.post("/me/password", response={204: None, **ERROR_RESPONSES},
             summary="修改密码 / change the password")
@requires("accounts.self")
def change_password(request: HttpRequest, payload: PasswordIn) -> Status:
    user = acting_user(request)
    services.password_change(user=user, old_password=payload.old_password,
                             new_password=payload.new_password)
    return Status(204, None)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    days: int = Field(90, ge=1, le=services.MAX_TOKEN_DAYS)


class NewTokenOut(TokenOut):
    token: str = Field(..., description="只显示这一次 / shown only this once")


@router.get("/me/tokens", response={200: list[TokenOut], **ERROR_RESPONSES}, summary="我的接口令牌 / my tokens")
@requires("accounts.self")
def list_tokens(request: HttpRequest) -> list[ApiToken]:
    user = acting_user(request)
    return list(selectors.tokens_of(user=user))


@router.post("/me/tokens", response={201: NewTokenOut, **ERROR_RESPONSES},
             summary="新建接口令牌（明文只返回一次）/ create a token (shown once)")
@requires("accounts.self")
def create_token(request: HttpRequest, payload: TokenIn) -> Status:
    user = acting_user(request)
    token, plain = services.token_create(user=user, name=payload.name, days=payload.days)
    return Status(201, NewTokenOut(**TokenOut.from_orm(token).dict(), token=plain))


@router.post("/me/tokens/{token_id}/revoke", response={200: TokenOut, **ERROR_RESPONSES},
             summary="撤销令牌 / revoke a token")
@requires("accounts.self")
def revoke_token(request: HttpRequest, token_id: int) -> ApiToken:
    user = acting_user(request)
    token = selectors.tokens_of(user=user).filter(pk=token_id).first()
    if token is None:
        from jijinan.core.errors import NotFound

        raise NotFound("未找到该记录")
    return services.token_revoke(user=user, token=token)


class DepartmentTypeOut(Schema):
    code: str
    name: str
    name_en: str
    active: bool


class DepartmentTypeIn(Schema):
    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=50)
    name_en: str = Field("", max_length=100)


@router.get("/department-types", response={200: list[DepartmentTypeOut], **ERROR_RESPONSES},
            summary="部门类型 / department types")
@requires("accounts.department_type.view")
def list_department_types(request: HttpRequest) -> list[DepartmentType]:
    return list(selectors.department_types(active_only=False))


@router.post("/department-types", response={201: DepartmentTypeOut, **ERROR_RESPONSES},
             summary="新增部门类型 / add a department type")
@requires("accounts.department_type.manage")
def create_department_type(request: HttpRequest, payload: DepartmentTypeIn) -> Status:
    user = acting_user(request)
    return Status(201, services.department_type_create(actor=user, code=payload.code,
                                                       name=payload.name, name_en=payload.name_en))


class OrganisationOut(Schema):
    id: int
    kind: str
    name: str
    region_code: str
    region_name: str
    department_type: str | None
    uscc: str
    phone: str
    address: str
    active: bool
    version: int

    @staticmethod
    def resolve_region_code(obj: Organisation) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: Organisation) -> str:
        return obj.region.name

    @staticmethod
    def resolve_department_type(obj: Organisation) -> str | None:
        return obj.department_type.code if obj.department_type else None


class OrganisationIn(Schema):
    kind: str = Field(..., pattern=f"^({'|'.join(OrganisationKind.values)})$")
    name: str = Field(..., min_length=1, max_length=100)
    region_code: str = Field(..., pattern=r"^\d{12}$")
    department_type: str | None = Field(None, max_length=40)
    uscc: str = Field("", max_length=18)
    phone: str = Field("", max_length=30)
    address: str = Field("", max_length=200)


class OrganisationUpdateIn(OrganisationIn):
    version: int
    active: bool = True


class OrganisationFilters(Schema):
    q: str = Field("", max_length=50)
    kind: str | None = None
    region: str | None = Field(None, pattern=r"^\d{2,12}$")
    department_type: str | None = None


def _org_input(payload: OrganisationIn) -> services.OrganisationInput:
    return services.OrganisationInput(
        kind=payload.kind, name=payload.name, region_code=payload.region_code,
        department_type=payload.department_type, uscc=payload.uscc, phone=payload.phone,
        address=payload.address)


class ExportIn(Schema):
    reason: str = Field("", max_length=exports.REASON_MAX_LENGTH,
                        description="导出原因，记入访问日志 / why; goes to the access log")


# The workbook as the 200 answer of the export operations, for the OpenAPI document.
XLSX_OPENAPI = {"responses": {200: {
    "description": "Excel 工作簿（文件名见 Content-Disposition）/ the workbook",
    "content": {exports.XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}}


class OrganisationExportIn(OrganisationFilters, ExportIn):
    pass


@router.get("/organisations/export.xlsx", response=ERROR_RESPONSES, openapi_extra=XLSX_OPENAPI,
            summary="导出机构到 Excel（与列表相同的筛选；导出留痕）/ export organisations (logged)")
@requires("accounts.organisation.export")
def export_organisations(request: HttpRequest, filters: Query[OrganisationExportIn]) -> HttpResponseBase:
    organisations = selectors.organisation_list_for_user(
        user=request.user, q=filters.q, kind=filters.kind, region_code=filters.region,
        department_type=filters.department_type)
    return exports.export_response(views.organisation_export_file(
        user=request.user, organisations=organisations, options=exports.ExportOptions(reason=filters.reason.strip()),
        filters=exports.query_filters(filters.dict(), views.ORGANISATION_FILTERS)))


@router.get("/organisations", response={200: list[OrganisationOut], **ERROR_RESPONSES},
            summary="机构 / organisations")
@requires("accounts.organisation.view")
@paginate(PagePagination)
def list_organisations(request: HttpRequest, filters: Query[OrganisationFilters]):
    return selectors.organisation_list_for_user(
        user=request.user, q=filters.q, kind=filters.kind, region_code=filters.region,
        department_type=filters.department_type)


@router.post("/organisations", response={201: OrganisationOut, **ERROR_RESPONSES},
             summary="新增机构 / add an organisation")
@requires("accounts.organisation.manage")
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Status:
    user = acting_user(request)
    return Status(201, services.organisation_create(actor=user, data=_org_input(payload)))


@router.get("/organisations/{org_id}", response={200: OrganisationOut, **ERROR_RESPONSES},
            summary="机构详情 / one organisation")
@requires("accounts.organisation.view")
def get_organisation(request: HttpRequest, org_id: int) -> Organisation:
    return selectors.organisation_get_for_user(user=request.user, pk=org_id)


@router.put("/organisations/{org_id}", response={200: OrganisationOut, **ERROR_RESPONSES},
            summary="修改机构（带版本号，过期版本返回 409）/ update (stale version → 409)")
@requires("accounts.organisation.manage")
def update_organisation(request: HttpRequest, org_id: int, payload: OrganisationUpdateIn) -> Organisation:
    user = acting_user(request)
    organisation = selectors.organisation_get_for_user(user=user, pk=org_id,
                                                       action="accounts.organisation.manage")
    return services.organisation_update(actor=user, organisation=organisation,
                                        version=payload.version, data=_org_input(payload),
                                        active=payload.active)


class StaffOut(Schema):
    id: int
    username: str
    full_name: str
    title: str
    organisation_id: int | None
    organisation: str | None
    is_active: bool
    must_change_password: bool
    version: int
    mobile_masked: str | None = Field(None, description="打码后的手机号 / masked mobile")
    grants: list[GrantOut]

    @staticmethod
    def resolve_mobile_masked(obj: User) -> str | None:
        return str(obj.mobile) if obj.mobile is not None else None

    @staticmethod
    def resolve_organisation(obj: User) -> str | None:
        return obj.organisation.name if obj.organisation else None

    @staticmethod
    def resolve_grants(obj: User) -> list[Grant]:
        cached = getattr(obj, "active_grants", None)
        return cached if cached is not None else list(selectors.grants_of(user=obj))


class StaffIn(Schema):
    mobile: str = Field("", max_length=30)
    username: str = Field(..., min_length=1, max_length=150)
    full_name: str = Field(..., min_length=1, max_length=100)
    organisation_id: int
    password: str = Field(..., max_length=200)
    title: str = Field("", max_length=50)


class StaffUpdateIn(Schema):
    mobile: str | None = Field(None, max_length=30, description="省略则不变，空串清除 / omit: unchanged; empty: clear")
    full_name: str = Field(..., min_length=1, max_length=100)
    title: str = Field("", max_length=50)
    organisation_id: int
    version: int


class DeactivateIn(Schema):
    version: int
    reason: str = Field(..., min_length=1, max_length=200)
    handover_to: int | None = None


class StaffFilters(Schema):
    q: str = Field("", max_length=50)
    organisation: int | None = None
    active: bool | None = True


class StaffExportIn(StaffFilters, ExportIn):
    unmask: bool = Field(False, description="导出完整手机号（须有权限并填写原因）/ mobiles in clear "
                                            "(needs the right and a reason)")


@router.get("/staff/export.xlsx", response=ERROR_RESPONSES, openapi_extra=XLSX_OPENAPI,
            summary="导出工作人员到 Excel（与列表相同的筛选和范围；手机号默认遮盖；导出留痕）/ "
                    "export staff (same filters and scope; masked by default; logged)")
@refusals_recorded
@requires("accounts.staff.export")
def export_staff(request: HttpRequest, filters: Query[StaffExportIn]) -> HttpResponseBase:
    staff = selectors.staff_list_for_user(user=request.user, q=filters.q, organisation_id=filters.organisation,
                                          active=filters.active)
    return exports.export_response(views.staff_export_file(
        user=request.user, staff=staff,
        options=exports.ExportOptions(unmask=filters.unmask, reason=filters.reason.strip()),
        filters=exports.query_filters(filters.dict(), views.STAFF_FILTERS)))


@router.get("/staff", response={200: list[StaffOut], **ERROR_RESPONSES}, summary="工作人员 / staff")
@requires("accounts.staff.view")
@paginate(PagePagination)
def list_staff(request: HttpRequest, filters: Query[StaffFilters]):
    return selectors.staff_list_for_user(user=request.user, q=filters.q,
                                         organisation_id=filters.organisation, active=filters.active)


def _organisation_for_staff(request: HttpRequest, org_id: int) -> Organisation:
    try:
        return selectors.organisation_get_for_user(user=request.user, pk=org_id,
                                                   action="accounts.organisation.view")
    except DomainError:
        raise DomainError.for_field("organisation_id", "机构不存在或不在您的范围内") from None


@router.post("/staff", response={201: StaffOut, **ERROR_RESPONSES}, summary="新增工作人员 / add staff")
@requires("accounts.staff.manage")
def create_staff(request: HttpRequest, payload: StaffIn) -> Status:
    user = acting_user(request)
    organisation = _organisation_for_staff(request, payload.organisation_id)
    return Status(201, services.staff_create(
        actor=user, username=payload.username, full_name=payload.full_name,
        organisation=organisation, password=payload.password, title=payload.title,
        mobile=payload.mobile))


@router.get("/staff/{user_id}", response={200: StaffOut, **ERROR_RESPONSES},
            summary="工作人员详情 / one member of staff")
@requires("accounts.staff.view")
def get_staff(request: HttpRequest, user_id: int) -> User:
    return selectors.staff_get_for_user(user=request.user, pk=user_id)


@router.put("/staff/{user_id}", response={200: StaffOut, **ERROR_RESPONSES}, summary="修改工作人员 / update staff")
@requires("accounts.staff.manage")
def update_staff(request: HttpRequest, user_id: int, payload: StaffUpdateIn) -> User:
    user = acting_user(request)
    member = selectors.staff_get_for_user(user=user, pk=user_id, action="accounts.staff.manage")
    organisation = _organisation_for_staff(request, payload.organisation_id)
    return services.staff_update(actor=user, user=member, version=payload.version,
                                 full_name=payload.full_name, title=payload.title,
                                 organisation=organisation, mobile=payload.mobile)


class UnmaskIn(Schema):
    purpose: str = Field("", max_length=200, description="查看目的 / purpose of the look-up")


class UnmaskedOut(Schema):
    mobile: str


@router.post("/staff/{user_id}/unmask", response={200: UnmaskedOut, **ERROR_RESPONSES},
             summary="查看完整手机号（记入访问日志）/ reveal the mobile number (logged)")
@refusals_recorded
@requires("accounts.staff.unmask")
def unmask_staff(request: HttpRequest, user_id: int, payload: UnmaskIn) -> UnmaskedOut:
    user = acting_user(request)
    member = selectors.staff_get_for_user(user=user, pk=user_id, action="accounts.staff.unmask")
    return UnmaskedOut(mobile=services.staff_mobile_reveal(actor=user, user=member,
                                                           purpose=payload.purpose))


@router.post("/staff/{user_id}/deactivate", response={200: StaffOut, **ERROR_RESPONSES},
             summary="停用账户（交接未完成工作）/ deactivate, handing over open work")
@requires("accounts.staff.manage")
def deactivate_staff(request: HttpRequest, user_id: int, payload: DeactivateIn) -> User:
    user = acting_user(request)
    member = selectors.staff_get_for_user(user=user, pk=user_id, action="accounts.staff.manage")
    handover_to = None
    if payload.handover_to:
        handover_to = selectors.staff_get_for_user(user=user, pk=payload.handover_to)
    return services.staff_deactivate(actor=user, user=member, version=payload.version,
                                     reason=payload.reason, handover_to=handover_to)


class GrantIn(Schema):
    role: str = Field(..., max_length=30)
    region_code: str = Field(..., pattern=r"^\d{12}$")
    department_type: str | None = Field(None, max_length=40)


@router.post("/staff/{user_id}/grants", response={201: GrantOut, **ERROR_RESPONSES},
             summary="授权 / add a grant")
@requires("accounts.grant.manage")
def add_grant(request: HttpRequest, user_id: int, payload: GrantIn) -> Status:
    user = acting_user(request)
    member = selectors.staff_get_for_user(user=user, pk=user_id, action="accounts.grant.manage")
    return Status(201, services.grant_add(actor=user, user=member, role=payload.role,
                                          region_code=payload.region_code,
                                          department_type=payload.department_type))


@router.post("/grants/{grant_id}/revoke", response={200: GrantOut, **ERROR_RESPONSES},
             summary="撤销授权 / revoke a grant")
@requires("accounts.grant.manage")
def revoke_grant(request: HttpRequest, grant_id: int) -> Grant:
    user = acting_user(request)
    grant = selectors.grant_get_for_user(user=user, pk=grant_id)
    return services.grant_revoke(actor=user, grant=grant)
