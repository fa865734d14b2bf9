"""API of the registry: persons (search, detail, create, update, unmask), households and their
members, program memberships, consents, program types, and the assistance chain."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jijinan.accounts.context import acting_user
from jijinan.accounts.models import Organisation
from jijinan.audit.decorators import refusals_recorded
from jijinan.core import exports
from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.errors import DomainError
from jijinan.core.permissions import Target, require, requires
from jijinan.registry import selectors, services, views
from jijinan.registry.chain import assistance_chain
from jijinan.registry.choices import ConsentCategory
from jijinan.registry.models import Consent, Household, HouseholdMember, Membership, ProgramType
from jijinan.registry.permissions import (
    CONSENT_MANAGE,
    CONSENT_VIEW,
    HOUSEHOLD_EXPORT,
    HOUSEHOLD_MANAGE,
    HOUSEHOLD_UNMASK,
    HOUSEHOLD_VIEW,
    MEMBERSHIP_EXPORT,
    MEMBERSHIP_MANAGE,
    MEMBERSHIP_VIEW,
    PERSON_EXPORT,
    PERSON_MANAGE,
    PERSON_UNMASK,
    PERSON_VIEW,
    PROGRAM_TYPE_MANAGE,
    PROGRAM_TYPE_VIEW,
)
from jijinan.registry.refusals import household_region_code, person_region_code, refusals_recorded_for

router = Router(tags=["registry"])

REGION_CODE = r"^\d{12}$"
PAGE_SIZE = settings.JIJINAN_PAGE_SIZE


# --- exports ------------------------------------------------------------------------------------------
class ExportIn(Schema):
    unmask: bool = Field(False, description="导出完整证件号、电话或银行账号（须有权限并填写原因）/ "
                                            "protected values in clear (needs the right and a reason)")
    reason: str = Field("", max_length=exports.REASON_MAX_LENGTH,
                        description="导出原因，记入访问日志 / why; goes to the access log")

    def options(self) -> exports.ExportOptions:
        return exports.ExportOptions(unmask=self.unmask, reason=self.reason.strip())


# The workbook as the 200 answer of the export operations, for the OpenAPI document.
XLSX_OPENAPI = {"responses": {200: {
    "description": "Excel 工作簿（文件名见 Content-Disposition）/ the workbook",
    "content": {exports.XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}}


def _filters_of(schema: Schema, names: tuple[str, ...]) -> dict[str, str]:
    return exports.query_filters(schema.dict(), names)


# --- persons -----------------------------------------------------------------------------------------
class PersonSearchIn(Schema):
    q: str = Field("", max_length=60, description="姓名、拼音或首字母、身份证号、临时编号或电话 / "
                                                   "name, pinyin or initials, ID number, temporary number or phone")
    region: str = Field("", pattern=r"^(\d{2,12})?$", description="居住地区划代码（含下级）/ residence region code")
    program: str = Field("", max_length=40, description="在保项目代码 / active program code")
    flag: str = Field("", pattern=r"^(minor|elderly|living_alone|disabled|serious_illness|id_unknown)?$")


class PersonFilters(PersonSearchIn):
    page: int = Field(1, ge=1, description="页码，从 1 开始 / page number from 1")
    page_size: int = Field(PAGE_SIZE, ge=1, le=settings.JIJINAN_MAX_PAGE_SIZE)


class PersonListOut(Schema):
    id: int
    name: str
    sex: str
    age: int | None
    residence_region_code: str
    residence_region_name: str
    id_number_masked: str | None = Field(None, description="遮盖显示 / masked")
    temporary_number: str | None
    id_unknown: bool
    full_view: bool = Field(..., description="是否可见全部信息（否：仅见授权共享的内容）/ sees the whole record")
    categories: list[str]


class PersonPage(Schema):
    items: list[PersonListOut]
    count: int
    page: int
    page_size: int
    pages: int


def _summary(view: selectors.PersonView) -> dict[str, Any]:
    p = view.person
    return {
        "id": p.pk, "name": p.name, "sex": p.sex, "age": p.age(),
        "residence_region_code": p.residence_region.code, "residence_region_name": p.residence_region.name,
        "id_number_masked": str(p.id_number) if p.id_number is not None and view.shows(ConsentCategory.ID_NUMBER)
        else None,
        "temporary_number": p.temporary_number, "id_unknown": p.id_unknown, "full_view": view.full,
        "categories": sorted(view.categories),
    }


def _page(queryset: QuerySet[Any], page: int, page_size: int) -> tuple[list[Any], int, int]:
    count = queryset.count()
    start = (page - 1) * page_size
    return list(queryset[start:start + page_size]), count, max(1, math.ceil(count / page_size))


@router.get("/persons", response={200: PersonPage, **ERROR_RESPONSES},
            summary="查找救助对象（分页，按范围）/ search persons (paginated, scoped)")
@requires(PERSON_VIEW)
def list_persons(request: HttpRequest, filters: Query[PersonFilters]) -> dict[str, Any]:
    search = selectors.PersonSearch(q=filters.q, region=filters.region, program=filters.program,
                                    flag=filters.flag)
    rows, count, pages = _page(selectors.person_search_for_user(user=request.user, search=search),
                               filters.page, filters.page_size)
    views = selectors.person_views(user=request.user, persons=rows)
    return {"items": [_summary(v) for v in views], "count": count, "page": filters.page,
            "page_size": filters.page_size, "pages": pages}


class PersonExportIn(PersonSearchIn, ExportIn):
    pass


@router.get("/persons/export.xlsx", response=ERROR_RESPONSES, openapi_extra=XLSX_OPENAPI,
            summary="导出救助对象到 Excel（与列表相同的筛选和范围；默认遮盖；导出留痕）/ "
                    "export persons (same filters and scope; masked by default; logged)")
@refusals_recorded
@requires(PERSON_EXPORT)
def export_persons(request: HttpRequest, filters: Query[PersonExportIn]) -> HttpResponseBase:
    search = selectors.PersonSearch(q=filters.q, region=filters.region, program=filters.program,
                                    flag=filters.flag)
    return exports.export_response(views.person_export_file(
        user=request.user, search=search, options=filters.options(),
        filters=_filters_of(filters, views.PERSON_FILTERS)))


class MembershipOut(Schema):
    id: int
    program: str
    program_name: str
    person_id: int | None
    person_name: str | None
    household_id: int | None
    region_code: str
    status: str
    start_date: date
    end_date: date | None
    reporting_department: str | None
    reference: str
    note: str
    version: int

    @staticmethod
    def resolve_program(obj: Membership) -> str:
        return obj.program.code

    @staticmethod
    def resolve_program_name(obj: Membership) -> str:
        return obj.program.label

    @staticmethod
    def resolve_person_name(obj: Membership) -> str | None:
        return obj.person.name if obj.person_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_region_code(obj: Membership) -> str:
        return obj.region.code

    @staticmethod
    def resolve_reporting_department(obj: Membership) -> str | None:
        return obj.reporting_department.code if obj.reporting_department_id else None  # type: ignore[union-attr]


class MemberOut(Schema):
    person_id: int
    name: str
    relation: str
    joined_on: date
    left_on: date | None


class HouseholdSummaryOut(Schema):
    id: int
    relation: str
    members: list[MemberOut] | None = None
    monthly_income_fen: int | None = None
    financial_assets_fen: int | None = None


class PersonOut(PersonListOut):
    birth_date: date | None = None
    phone_masked: str | None = None
    registered_region_code: str | None = None
    registered_region_name: str | None = None
    residence_address: str | None = None
    disability_category: str | None = None
    disability_grade: int | None = None
    serious_illness: bool | None = None
    health_conditions: str | None = None
    employment: str | None = None
    education: str | None = None
    living_alone: bool | None = None
    situation: str | None = None
    household: HouseholdSummaryOut | None = None
    memberships: list[MembershipOut] | None = None
    version: int | None = None


def _members(household: Household) -> list[dict[str, Any]]:
    return [{"person_id": m.person_id, "name": m.person.name, "relation": m.relation,
             "joined_on": m.joined_on, "left_on": m.left_on}
            for m in selectors.household_members(household=household)]


def _detail(view: selectors.PersonView) -> dict[str, Any]:
    p, shows = view.person, view.shows
    out = _summary(view)
    if view.full or shows(ConsentCategory.ID_NUMBER):
        out["birth_date"] = p.birth_date
    if shows(ConsentCategory.CONTACT):
        out.update(phone_masked=str(p.phone) if p.phone is not None else None,
                   registered_region_code=p.registered_region_code,
                   registered_region_name=p.registered_region_name, residence_address=p.residence_address)
    if shows(ConsentCategory.HEALTH):
        out.update(disability_category=p.disability_category, disability_grade=p.disability_grade,
                   serious_illness=p.serious_illness, health_conditions=p.health_conditions)
    if shows(ConsentCategory.SITUATION):
        out.update(employment=p.employment, education=p.education, living_alone=p.living_alone,
                   situation=p.situation)
    member = selectors.active_household_member(person=p)
    if member is not None and (shows(ConsentCategory.HOUSEHOLD) or shows(ConsentCategory.ECONOMIC)):
        household: dict[str, Any] = {"id": member.household_id, "relation": member.relation}
        if shows(ConsentCategory.HOUSEHOLD):
            household["members"] = _members(member.household)
        if shows(ConsentCategory.ECONOMIC):
            household.update(monthly_income_fen=member.household.monthly_income_fen,
                             financial_assets_fen=member.household.financial_assets_fen)
        out["household"] = household
    if shows(ConsentCategory.PROGRAMS):
        out["memberships"] = selectors.person_memberships(person=p)
    if view.full:
        out["version"] = p.version
    return out


@router.get("/persons/{person_id}", response={200: PersonOut, **ERROR_RESPONSES},
            summary="救助对象详情（证件号、电话遮盖；查阅留痕）/ one person (masked; the view is logged)")
@requires(PERSON_VIEW)
def get_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return _detail(selectors.person_detail_for_user(user=request.user, pk=person_id))


class PersonIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    residence_region_code: str = Field(..., pattern=REGION_CODE, description="居住地：乡镇或村 / township or village")
    id_number: str | None = Field(None, max_length=30, description="身份证号；修改时不传表示不变 / omit to keep")
    id_unknown: bool = Field(False, description="身份不明：给出临时编号 / no ID: a temporary number is issued")
    sex: str = Field("", pattern="^(M|F|U)?$", description="有身份证号时可省略，填写则须与之一致")
    birth_date: date | None = Field(None, description="有身份证号时可省略，填写则须与之一致")
    phone: str | None = Field(None, max_length=30, description="修改时不传表示不变，空字符串表示删除")
    registered_region_code: str = Field("", max_length=12, description="户籍地区划代码（12 位）")
    registered_region_name: str = Field("", max_length=100, description="户籍地不在区划库中时必填")
    residence_address: str = Field("", max_length=200)
    disability_category: str = Field("", max_length=20)
    disability_grade: int | None = Field(None, ge=1, le=4)
    serious_illness: bool = False
    health_conditions: str = Field("", max_length=300)
    employment: str = Field("unknown", max_length=20)
    education: str = Field("unknown", max_length=20)
    living_alone: bool = False
    situation: str = Field("", max_length=2000)


class PersonUpdateIn(PersonIn):
    version: int


def _person_input(payload: PersonIn) -> services.PersonInput:
    data = payload.dict()
    data.pop("version", None)
    return services.PersonInput(**data)


@router.post("/persons", response={201: PersonOut, **ERROR_RESPONSES},
             summary="登记救助对象 / register a person")
@requires(PERSON_MANAGE)
def create_person(request: HttpRequest, payload: PersonIn) -> Status:
    person = services.person_create(actor=acting_user(request), data=_person_input(payload))
    view = selectors.person_detail_for_user(user=request.user, pk=person.pk, log=False)
    return Status(201, _detail(view))


@router.put("/persons/{person_id}", response={200: PersonOut, **ERROR_RESPONSES},
            summary="修改救助对象（带版本号，过期返回 409）/ update (stale version → 409)")
@requires(PERSON_MANAGE)
def update_person(request: HttpRequest, person_id: int, payload: PersonUpdateIn) -> dict[str, Any]:
    person = selectors.person_get_for_user(user=request.user, pk=person_id, action=PERSON_MANAGE)
    services.person_update(actor=acting_user(request), person=person, version=payload.version,
                           data=_person_input(payload))
    return _detail(selectors.person_detail_for_user(user=request.user, pk=person_id, log=False))


class UnmaskIn(Schema):
    purpose: str = Field("", max_length=200, description="查看原因 / why")


class PersonRevealedOut(Schema):
    id_number: str | None = None
    phone: str | None = None
    temporary_number: str | None = None


@router.post("/persons/{person_id}/unmask", response={200: PersonRevealedOut, **ERROR_RESPONSES},
             summary="显示完整证件号和电话（一次，留痕）/ show the ID number and phone once (logged)")
@refusals_recorded_for("registry.person", "person_id", person_region_code)
@requires(PERSON_UNMASK)
def unmask_person(request: HttpRequest, person_id: int, payload: UnmaskIn) -> dict[str, Any]:
    person = selectors.person_get_for_user(user=request.user, pk=person_id, action=PERSON_UNMASK)
    revealed = services.person_unmask(actor=acting_user(request), person=person, purpose=payload.purpose)
    return {**revealed.values, "temporary_number": person.temporary_number}


class ChainEntryOut(Schema):
    at: datetime
    kind: str
    title: str
    url: str
    detail: str
    source: str


def _chain(entries: list[Any]) -> list[dict[str, Any]]:
    return [{"at": e.moment, "kind": e.kind, "title": e.title, "url": e.url, "detail": e.detail,
             "source": e.source} for e in entries]


@router.get("/persons/{person_id}/chain", response={200: list[ChainEntryOut], **ERROR_RESPONSES},
            summary="救助链：项目、个案、救助金、任务、服务，按时间排列 / the assistance chain")
@requires(PERSON_VIEW)
def person_chain(request: HttpRequest, person_id: int) -> list[dict[str, Any]]:
    view = selectors.person_detail_for_user(user=request.user, pk=person_id, log=False)
    if not view.shows(ConsentCategory.PROGRAMS):
        return []
    return _chain(assistance_chain(person=view.person, user=request.user))


# --- program memberships -------------------------------------------------------------------------------
class MembershipIn(Schema):
    program: str = Field(..., max_length=40)
    start_date: date
    end_date: date | None = None
    status: str = Field("active", pattern="^(active|suspended|ended)$")
    reporting_department: str | None = Field(None, max_length=40)
    reference: str = Field("", max_length=100)
    note: str = Field("", max_length=300)


class MembershipUpdateIn(MembershipIn):
    version: int


def _membership_input(payload: MembershipIn) -> services.MembershipInput:
    data = payload.dict()
    data.pop("version", None)
    return services.MembershipInput(**data)


@router.post("/persons/{person_id}/memberships", response={201: MembershipOut, **ERROR_RESPONSES},
             summary="登记个人的救助项目 / record a person's program membership")
@requires(MEMBERSHIP_MANAGE)
def create_person_membership(request: HttpRequest, person_id: int, payload: MembershipIn) -> Status:
    person = selectors.person_get_for_user(user=request.user, pk=person_id, action=MEMBERSHIP_MANAGE)
    return Status(201, services.membership_create(actor=acting_user(request), person=person,
                                                  data=_membership_input(payload)))


class MembershipFilters(Schema):
    program: str = Field("", max_length=40)
    status: str = Field("", pattern="^(active|suspended|ended)?$")
    region: str = Field("", pattern=r"^(\d{2,12})?$")


class MembershipExportIn(MembershipFilters, ExportIn):
    pass


@router.get("/memberships/export.xlsx", response=ERROR_RESPONSES, openapi_extra=XLSX_OPENAPI,
            summary="导出救助项目记录到 Excel（与列表相同的筛选和范围；导出留痕）/ export memberships (logged)")
@requires(MEMBERSHIP_EXPORT)
def export_memberships(request: HttpRequest, filters: Query[MembershipExportIn]) -> HttpResponseBase:
    return exports.export_response(views.membership_export_file(
        user=request.user, program=filters.program, status=filters.status, region=filters.region,
        options=filters.options(), filters=_filters_of(filters, views.MEMBERSHIP_FILTERS)))


@router.get("/memberships", response={200: list[MembershipOut], **ERROR_RESPONSES},
            summary="救助项目记录（分页，按范围）/ program memberships (paginated, scoped)")
@requires(MEMBERSHIP_VIEW)
@paginate(PagePagination)
def list_memberships(request: HttpRequest, filters: Query[MembershipFilters]):
    return selectors.membership_list_for_user(user=request.user, program=filters.program,
                                              status=filters.status, region=filters.region)


@router.get("/memberships/{membership_id}", response={200: MembershipOut, **ERROR_RESPONSES},
            summary="救助项目记录详情 / one membership")
@requires(MEMBERSHIP_VIEW)
def get_membership(request: HttpRequest, membership_id: int) -> Membership:
    return selectors.membership_get_for_user(user=request.user, pk=membership_id)


@router.put("/memberships/{membership_id}", response={200: MembershipOut, **ERROR_RESPONSES},
            summary="修改救助项目记录（状态、日期；带版本号）/ update a membership (versioned)")
@requires(MEMBERSHIP_MANAGE)
def update_membership(request: HttpRequest, membership_id: int, payload: MembershipUpdateIn) -> Membership:
    membership = selectors.membership_get_for_user(user=request.user, pk=membership_id, action=MEMBERSHIP_MANAGE)
    return services.membership_update(actor=acting_user(request), membership=membership, version=payload.version,
                                      data=_membership_input(payload))


# --- consents -------------------------------------------------------------------------------------------
class ConsentOut(Schema):
    id: int
    person_id: int
    organisation_id: int | None
    department_type: str | None
    recipient: str
    categories: list[str]
    purpose: str
    granted_on: date
    expires_on: date | None
    evidence: str
    withdrawn_at: datetime | None
    withdrawn_reason: str
    live: bool
    version: int

    @staticmethod
    def resolve_department_type(obj: Consent) -> str | None:
        return obj.department_type.code if obj.department_type_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_recipient(obj: Consent) -> str:
        return obj.recipient_name

    @staticmethod
    def resolve_live(obj: Consent) -> bool:
        return obj.is_live()


class ConsentIn(Schema):
    organisation_id: int | None = Field(None, description="合作组织 / partner organisation")
    department_type: str | None = Field(None, max_length=40, description="或部门类型 / or a department type")
    categories: list[str] = Field(..., description="contact, id_number, health, economic, household, "
                                                   "programs, situation")
    purpose: str = Field(..., min_length=1, max_length=200)
    granted_on: date | None = None
    expires_on: date | None = None
    evidence: str = Field("", max_length=200)


class WithdrawIn(Schema):
    version: int
    reason: str = Field(..., min_length=1, max_length=200)


@router.get("/persons/{person_id}/consents", response={200: list[ConsentOut], **ERROR_RESPONSES},
            summary="信息共享授权 / a person's consents")
@requires(CONSENT_VIEW)
def list_consents(request: HttpRequest, person_id: int) -> list[Consent]:
    person = selectors.person_get_for_user(user=request.user, pk=person_id, action=CONSENT_VIEW)
    return list(selectors.consents_of(user=request.user, person=person))


@router.post("/persons/{person_id}/consents", response={201: ConsentOut, **ERROR_RESPONSES},
             summary="登记信息共享授权 / record a consent to share")
@requires(CONSENT_MANAGE)
def create_consent(request: HttpRequest, person_id: int, payload: ConsentIn) -> Status:
    person = selectors.person_get_for_user(user=request.user, pk=person_id, action=CONSENT_MANAGE)
    organisation = None
    if payload.organisation_id is not None:
        organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
        if organisation is None:
            raise DomainError.for_field("organisation_id", _("合作组织不存在"))
    consent = services.consent_grant(actor=acting_user(request), person=person, data=services.ConsentInput(
        categories=payload.categories, purpose=payload.purpose, organisation=organisation,
        department_type=payload.department_type, granted_on=payload.granted_on,
        expires_on=payload.expires_on, evidence=payload.evidence))
    return Status(201, consent)


@router.post("/consents/{consent_id}/withdraw", response={200: ConsentOut, **ERROR_RESPONSES},
             summary="撤回信息共享授权 / withdraw a consent")
@requires(CONSENT_MANAGE)
def withdraw_consent(request: HttpRequest, consent_id: int, payload: WithdrawIn) -> Consent:
    consent = selectors.consent_get_for_user(user=request.user, pk=consent_id, action=CONSENT_MANAGE)
    return services.consent_withdraw(actor=acting_user(request), consent=consent, version=payload.version,
                                     reason=payload.reason)


# --- households -----------------------------------------------------------------------------------------
class HouseholdFilters(Schema):
    q: str = Field("", max_length=60, description="成员姓名、拼音、身份证号 / a member's name, pinyin, ID")
    region: str = Field("", pattern=r"^(\d{2,12})?$")
    program: str = Field("", max_length=40)


class HouseholdListOut(Schema):
    id: int
    region_code: str
    region_name: str
    address: str
    head_name: str | None
    version: int

    @staticmethod
    def resolve_region_code(obj: Household) -> str:
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj: Household) -> str:
        return obj.region.name


class HouseholdOut(HouseholdListOut):
    members: list[MemberOut]
    monthly_income_fen: int
    financial_assets_fen: int
    housing_area_m2: Decimal | None
    vehicles: int
    property_note: str
    declared_on: date | None
    bank_name: str
    bank_account_masked: str | None
    bank_account_holder: str
    memberships: list[MembershipOut]

    @staticmethod
    def resolve_members(obj: Household) -> list[dict[str, Any]]:
        return [{"person_id": m.person_id, "name": m.person.name, "relation": m.relation,
                 "joined_on": m.joined_on, "left_on": m.left_on}
                for m in selectors.household_members(household=obj, include_past=True)]

    @staticmethod
    def resolve_bank_account_masked(obj: Household) -> str | None:
        return str(obj.bank_account) if obj.bank_account is not None else None

    @staticmethod
    def resolve_memberships(obj: Household) -> list[Membership]:
        return list(selectors.memberships_of(household=obj))


class MemberIn(Schema):
    person_id: int
    relation: str = Field(..., max_length=20)


class HouseholdIn(Schema):
    region_code: str = Field(..., pattern=REGION_CODE)
    address: str = Field("", max_length=200)
    monthly_income_fen: int = Field(0, ge=0, description="家庭月收入，单位：分 / monthly income in fen")
    financial_assets_fen: int = Field(0, ge=0, description="金融资产，单位：分 / in fen")
    housing_area_m2: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    vehicles: int = Field(0, ge=0, le=99)
    property_note: str = Field("", max_length=300)
    declared_on: date | None = None
    bank_name: str = Field("", max_length=100)
    bank_account: str | None = Field(None, max_length=40, description="修改时不传表示不变")
    bank_account_holder: str = Field("", max_length=50)


class HouseholdCreateIn(HouseholdIn):
    members: list[MemberIn] = Field(..., description="成员及与户主关系，恰好一位户主 / exactly one head")


class HouseholdUpdateIn(HouseholdIn):
    version: int


def _household_input(payload: HouseholdIn) -> services.HouseholdInput:
    data = payload.dict()
    for key in ("members", "version"):
        data.pop(key, None)
    return services.HouseholdInput(**data)


def _household_out(request: HttpRequest, pk: int) -> Household:
    return selectors.household_get_for_user(user=request.user, pk=pk)


class HouseholdExportIn(HouseholdFilters, ExportIn):
    pass


@router.get("/households/export.xlsx", response=ERROR_RESPONSES, openapi_extra=XLSX_OPENAPI,
            summary="导出家庭到 Excel（与列表相同的筛选和范围；银行账号默认遮盖；导出留痕）/ "
                    "export households (same filters and scope; masked by default; logged)")
@refusals_recorded
@requires(HOUSEHOLD_EXPORT)
def export_households(request: HttpRequest, filters: Query[HouseholdExportIn]) -> HttpResponseBase:
    search = selectors.HouseholdSearch(q=filters.q, region=filters.region, program=filters.program)
    return exports.export_response(views.household_export_file(
        user=request.user, search=search, options=filters.options(),
        filters=_filters_of(filters, views.HOUSEHOLD_FILTERS)))


@router.get("/households", response={200: list[HouseholdListOut], **ERROR_RESPONSES},
            summary="家庭（分页，按范围）/ households (paginated, scoped)")
@requires(HOUSEHOLD_VIEW)
@paginate(PagePagination)
def list_households(request: HttpRequest, filters: Query[HouseholdFilters]):
    return selectors.household_list_for_user(user=request.user, search=selectors.HouseholdSearch(
        q=filters.q, region=filters.region, program=filters.program))


@router.post("/households", response={201: HouseholdOut, **ERROR_RESPONSES},
             summary="登记家庭（恰好一位户主）/ register a household (exactly one head)")
@requires(HOUSEHOLD_MANAGE)
def create_household(request: HttpRequest, payload: HouseholdCreateIn) -> Status:
    # The region first: a clerk outside it is refused (403) before the members are looked up.
    region = services.residence_region(payload.region_code, field_name="region_code")
    require(request.user, HOUSEHOLD_MANAGE, Target(region_prefix=region.prefix))
    members = [services.MemberInput(person=selectors.person_or_404(user=request.user, pk=m.person_id,
                                                                   field_name="members"),
                                    relation=m.relation) for m in payload.members]
    household = services.household_create(actor=acting_user(request), data=_household_input(payload),
                                          members=members)
    return Status(201, _household_out(request, household.pk))


@router.get("/households/{household_id}", response={200: HouseholdOut, **ERROR_RESPONSES},
            summary="家庭详情（银行账号遮盖；查阅留痕）/ one household (masked; logged)")
@requires(HOUSEHOLD_VIEW)
def get_household(request: HttpRequest, household_id: int) -> Household:
    return selectors.household_detail_for_user(user=request.user, pk=household_id)


@router.put("/households/{household_id}", response={200: HouseholdOut, **ERROR_RESPONSES},
            summary="修改家庭申报信息（带版本号）/ update declarations (versioned)")
@requires(HOUSEHOLD_MANAGE)
def update_household(request: HttpRequest, household_id: int, payload: HouseholdUpdateIn) -> Household:
    household = selectors.household_get_for_user(user=request.user, pk=household_id, action=HOUSEHOLD_MANAGE)
    services.household_update(actor=acting_user(request), household=household, version=payload.version,
                              data=_household_input(payload))
    return _household_out(request, household_id)


class MemberAddIn(Schema):
    version: int
    person_id: int
    relation: str = Field(..., max_length=20)


class MemberRemoveIn(Schema):
    version: int
    reason: str = Field(..., min_length=1, max_length=200)


class SetHeadIn(Schema):
    version: int
    person_id: int
    former_head_relation: str = Field(..., max_length=20, description="原户主与新户主的关系")


@router.post("/households/{household_id}/members", response={200: HouseholdOut, **ERROR_RESPONSES},
             summary="添加家庭成员 / add a member")
@requires(HOUSEHOLD_MANAGE)
def add_member(request: HttpRequest, household_id: int, payload: MemberAddIn) -> Household:
    household = selectors.household_get_for_user(user=request.user, pk=household_id, action=HOUSEHOLD_MANAGE)
    person = selectors.person_or_404(user=request.user, pk=payload.person_id)
    services.household_member_add(actor=acting_user(request), household=household, version=payload.version,
                                  person=person, relation=payload.relation)
    return _household_out(request, household_id)


@router.post("/households/{household_id}/members/{person_id}/remove",
             response={200: HouseholdOut, **ERROR_RESPONSES}, summary="移出家庭成员 / remove a member")
@requires(HOUSEHOLD_MANAGE)
def remove_member(request: HttpRequest, household_id: int, person_id: int, payload: MemberRemoveIn) -> Household:
    household = selectors.household_get_for_user(user=request.user, pk=household_id, action=HOUSEHOLD_MANAGE)
    member = HouseholdMember.objects.select_related("person").filter(
        household=household, person_id=person_id, left_on__isnull=True).first()
    if member is None:
        raise DomainError.for_field("person_id", _("该人员不是本户的现有成员"), code="not_a_member")
    services.household_member_remove(actor=acting_user(request), household=household, version=payload.version,
                                     person=member.person, reason=payload.reason)
    return _household_out(request, household_id)


@router.post("/households/{household_id}/head", response={200: HouseholdOut, **ERROR_RESPONSES},
             summary="更换户主 / make a member the head")
@requires(HOUSEHOLD_MANAGE)
def set_head(request: HttpRequest, household_id: int, payload: SetHeadIn) -> Household:
    household = selectors.household_get_for_user(user=request.user, pk=household_id, action=HOUSEHOLD_MANAGE)
    member = HouseholdMember.objects.select_related("person").filter(
        household=household, person_id=payload.person_id, left_on__isnull=True).first()
    if member is None:
        raise DomainError.for_field("person_id", _("该人员不是本户的现有成员"), code="not_a_member")
    services.household_set_head(actor=acting_user(request), household=household, version=payload.version,
                                person=member.person, former_head_relation=payload.former_head_relation)
    return _household_out(request, household_id)


class HouseholdRevealedOut(Schema):
    bank_account: str | None = None


@router.post("/households/{household_id}/unmask", response={200: HouseholdRevealedOut, **ERROR_RESPONSES},
             summary="显示完整银行账号（一次，留痕）/ show the bank account once (logged)")
@refusals_recorded_for("registry.household", "household_id", household_region_code)
@requires(HOUSEHOLD_UNMASK)
def unmask_household(request: HttpRequest, household_id: int, payload: UnmaskIn) -> dict[str, Any]:
    household = selectors.household_get_for_user(user=request.user, pk=household_id, action=HOUSEHOLD_UNMASK)
    return services.household_unmask(actor=acting_user(request), household=household, purpose=payload.purpose).values


@router.post("/households/{household_id}/memberships", response={201: MembershipOut, **ERROR_RESPONSES},
             summary="登记家庭的救助项目 / record a household's program membership")
@requires(MEMBERSHIP_MANAGE)
def create_household_membership(request: HttpRequest, household_id: int, payload: MembershipIn) -> Status:
    household = selectors.household_get_for_user(user=request.user, pk=household_id, action=MEMBERSHIP_MANAGE)
    return Status(201, services.membership_create(actor=acting_user(request), household=household,
                                                  data=_membership_input(payload)))


@router.get("/households/{household_id}/chain", response={200: list[ChainEntryOut], **ERROR_RESPONSES},
            summary="家庭的救助链 / the household's assistance chain")
@requires(HOUSEHOLD_VIEW)
def household_chain(request: HttpRequest, household_id: int) -> list[dict[str, Any]]:
    household = selectors.household_get_for_user(user=request.user, pk=household_id)
    return _chain(assistance_chain(household=household, user=request.user))


# --- program types ----------------------------------------------------------------------------------------
class ProgramTypeOut(Schema):
    code: str
    name: str
    name_en: str
    subject: str
    description: str
    active: bool


class ProgramTypeIn(Schema):
    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=50)
    subject: str = Field("either", pattern="^(person|household|either)$")
    name_en: str = Field("", max_length=100)
    description: str = Field("", max_length=200)


@router.get("/program-types", response={200: list[ProgramTypeOut], **ERROR_RESPONSES},
            summary="救助项目类型 / program types")
@requires(PROGRAM_TYPE_VIEW)
def list_program_types(request: HttpRequest) -> list[ProgramType]:
    return list(selectors.program_types(active_only=False))


@router.post("/program-types", response={201: ProgramTypeOut, **ERROR_RESPONSES},
             summary="新增救助项目类型 / add a program type")
@requires(PROGRAM_TYPE_MANAGE)
def create_program_type(request: HttpRequest, payload: ProgramTypeIn) -> Status:
    return Status(201, services.program_type_create(
        actor=acting_user(request), code=payload.code, name=payload.name, subject=payload.subject,
        name_en=payload.name_en, description=payload.description))

