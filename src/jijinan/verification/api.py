"""API of means verification: authorisations, requests per source, results (typed or CSV), reports."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from jijinan.accounts.context import acting_user
from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.errors import DomainError
from jijinan.core.permissions import requires
from jijinan.verification import documents, selectors, services
from jijinan.verification.choices import AuthorisationMethod, Source
from jijinan.verification.models import Authorisation, VerificationReport, VerificationRequest
from jijinan.verification.permissions import (
    AUTHORISATION_MANAGE,
    REPORT_ISSUE,
    REQUEST_MANAGE,
    RESULT_MANAGE,
    VERIFICATION_VIEW,
)
from jijinan.verification.report import report_income_facts, report_property_facts

router = Router(tags=["verification"])
SOURCES = "^(" + "|".join(Source.values) + ")$"


class AuthorisationOut(Schema):
    id: int
    household_id: int
    signed_on: date
    valid_until: date
    valid_months: int
    method: str
    document_kind: str
    document_size: int
    document_sha256: str
    signatory_ids: list[int]
    revoked_at: datetime | None
    revoked_reason: str
    version: int

    @staticmethod
    def resolve_signatory_ids(obj: Authorisation) -> list[int]:
        return sorted(p.pk for p in obj.signatories.all())


class ResultOut(Schema):
    id: int
    origin: str
    facts: dict[str, Any]
    entered_at: datetime


class RequestOut(Schema):
    id: int
    household_id: int
    authorisation_id: int
    source: str
    purpose: str
    status: str
    status_reason: str
    requested_at: datetime
    closed_at: datetime | None
    report_id: int | None
    version: int


class RequestDetailOut(RequestOut):
    result: ResultOut | None = None

    @staticmethod
    def resolve_result(obj: VerificationRequest) -> Any:
        return selectors.result_of(obj)


class ReportListOut(Schema):
    id: int
    number: int
    issued_on: date
    complete: bool
    missing_sources: list[str]


class HouseholdVerificationOut(Schema):
    household_id: int
    authorisations: list[AuthorisationOut]
    requests: list[RequestDetailOut]
    reports: list[ReportListOut]


@router.get("/verification/requests", response={200: list[RequestOut], **ERROR_RESPONSES},
            summary="核对请求（默认待答复；分页，按范围）/ verification requests (open by default; scoped)")
@requires(VERIFICATION_VIEW)
@paginate(PagePagination)
def list_requests(request: HttpRequest, source: str = Query("", pattern="^(" + "|".join(Source.values) + ")?$"),
                  status: str = Query("pending", pattern="^(pending|answered|failed|cancelled)?$"),
                  region: str = Query("", pattern=r"^(\d{2,12})?$")):
    return selectors.request_list_for_user(user=request.user, search=selectors.RequestFilter(
        source=source, status=status, region=region))


@router.get("/verification/households/{household_id}", response={200: HouseholdVerificationOut, **ERROR_RESPONSES},
            summary="家庭的核对情况（授权、请求、结果、报告；查阅留痕）/ a household's verification (logged)")
@requires(VERIFICATION_VIEW)
def get_household(request: HttpRequest, household_id: int) -> dict[str, Any]:
    data = selectors.household_verification_for_user(user=request.user, pk=household_id)
    return {"household_id": household_id, "authorisations": data.authorisations, "requests": data.requests,
            "reports": data.reports}


class AuthorisationIn(Schema):
    signed_on: date
    signatory_ids: list[int] = Field(..., min_length=1, description="签字的家庭成员（人员编号）/ signing members")
    method: str = Field(AuthorisationMethod.SCANNED, pattern="^(scanned|signed_on_screen)$")
    note: str = Field("", max_length=200)


@router.post("/verification/households/{household_id}/authorisations",
             response={201: AuthorisationOut, **ERROR_RESPONSES},
             summary="登记核对授权书（上传扫描件或签名 PNG，按内容识别类型）/ record an authorisation (multipart)")
@requires(AUTHORISATION_MANAGE)
def create_authorisation(request: HttpRequest, household_id: int, payload: Form[AuthorisationIn],
                         file: File[UploadedFile]) -> Status:
    household = selectors.household_get_for_user(user=request.user, pk=household_id, action=AUTHORISATION_MANAGE)
    documents.check_size(file.size or 0, field="file")
    document = documents.check_upload(file.read(), file.name or "", field="file")
    if payload.method == AuthorisationMethod.SIGNED_ON_SCREEN and document.kind != "png":
        raise DomainError.for_field("file", _("屏幕签名应为 PNG 图片"))
    authorisation = services.authorisation_record(
        actor=acting_user(request), household=household, signatory_ids=payload.signatory_ids,
        signed_on=payload.signed_on, method=payload.method, document=document, note=payload.note)
    return Status(201, authorisation)


class RevokeIn(Schema):
    version: int
    reason: str = Field(..., min_length=1, max_length=200)


@router.post("/verification/authorisations/{authorisation_id}/revoke",
             response={200: AuthorisationOut, **ERROR_RESPONSES}, summary="撤销核对授权书 / revoke an authorisation")
@requires(AUTHORISATION_MANAGE)
def revoke_authorisation(request: HttpRequest, authorisation_id: int, payload: RevokeIn) -> Authorisation:
    authorisation = selectors.authorisation_get_for_user(user=request.user, pk=authorisation_id,
                                                         action=AUTHORISATION_MANAGE)
    return services.authorisation_revoke(actor=acting_user(request), authorisation=authorisation,
                                         version=payload.version, reason=payload.reason)


class RequestIn(Schema):
    sources: list[str] = Field(..., min_length=1, description="数据来源代码；全部十个即批量核对 / source codes")
    purpose: str = Field(..., min_length=1, max_length=100)


@router.post("/verification/households/{household_id}/requests",
             response={201: list[RequestOut], **ERROR_RESPONSES},
             summary="发起核对请求（须有有效授权书）/ request checks (needs an authorisation in force)")
@requires(REQUEST_MANAGE)
def create_requests(request: HttpRequest, household_id: int, payload: RequestIn) -> Status:
    household = selectors.household_get_for_user(user=request.user, pk=household_id, action=REQUEST_MANAGE)
    created = services.request_create(actor=acting_user(request), household=household, sources_wanted=payload.sources,
                                      purpose=payload.purpose)
    return Status(201, created)


class CloseIn(Schema):
    version: int
    reason: str = Field(..., min_length=1, max_length=200)


@router.post("/verification/requests/{request_id}/cancel", response={200: RequestOut, **ERROR_RESPONSES},
             summary="取消核对请求 / cancel a request")
@requires(REQUEST_MANAGE)
def cancel_request(request: HttpRequest, request_id: int, payload: CloseIn) -> VerificationRequest:
    found = selectors.request_get_for_user(user=request.user, pk=request_id, action=REQUEST_MANAGE)
    return services.request_cancel(actor=acting_user(request), request=found, version=payload.version,
                                   reason=payload.reason)


@router.post("/verification/requests/{request_id}/fail", response={200: RequestOut, **ERROR_RESPONSES},
             summary="登记查询失败 / record that the source could not answer")
@requires(RESULT_MANAGE)
def fail_request(request: HttpRequest, request_id: int, payload: CloseIn) -> VerificationRequest:
    found = selectors.request_get_for_user(user=request.user, pk=request_id, action=RESULT_MANAGE)
    return services.request_fail(actor=acting_user(request), request=found, version=payload.version,
                                 reason=payload.reason)


class ResultIn(Schema):
    version: int
    facts: dict[str, Any] = Field(..., description="按数据来源的字段；金额单位为分 / the source's fields; money in fen")


@router.post("/verification/requests/{request_id}/result", response={201: ResultOut, **ERROR_RESPONSES},
             summary="录入核对结果（县级）/ enter a source's answer (county)")
@requires(RESULT_MANAGE)
def enter_result(request: HttpRequest, request_id: int, payload: ResultIn) -> Status:
    found = selectors.request_get_for_user(user=request.user, pk=request_id, action=RESULT_MANAGE)
    return Status(201, services.result_enter(actor=acting_user(request), request=found, version=payload.version,
                                             facts=payload.facts))


class ImportIn(Schema):
    source: str = Field(..., pattern=SOURCES, description="数据来源代码 / source code")


class ImportOut(Schema):
    rows: int
    answered: int


@router.post("/verification/import", response={200: ImportOut, **ERROR_RESPONSES},
             summary="导入某一数据来源的核对结果（CSV，整份导入或不导入）/ import a source's CSV (all or nothing)")
@requires(RESULT_MANAGE)
def import_results(request: HttpRequest, payload: Form[ImportIn], file: File[UploadedFile]) -> dict[str, int]:
    documents.check_size(file.size or 0, field="file")
    result = services.results_import(actor=acting_user(request), source=payload.source, content=file.read(),
                                     name=file.name or "")
    return {"rows": result.rows, "answered": result.answered}


class ReportIn(Schema):
    close_missing: bool = False
    note: str = Field("", max_length=300)


class ReportOut(Schema):
    id: int
    household_id: int
    number: int
    issued_on: date
    issued_at: datetime
    complete: bool
    missing_sources: list[str]
    closing_note: str
    facts: dict[str, Any]
    property_facts: dict[str, Any]
    income_facts: dict[str, Any]

    @staticmethod
    def resolve_property_facts(obj: VerificationReport) -> dict[str, Any]:
        p = report_property_facts(obj)
        return {"financial_assets_fen": p.financial_assets_fen,
                "vehicles": [{"use": v.use, "description": v.description} for v in p.vehicles],
                "large_farm_machinery": p.large_farm_machinery, "commercial_boat": p.commercial_boat,
                "business_controller": p.business_controller, "homes": p.homes,
                "floor_area_m2": str(p.floor_area_m2),
                "latest_home_acquired_on": p.latest_home_acquired_on.isoformat() if p.latest_home_acquired_on
                else None, "verified": p.verified}

    @staticmethod
    def resolve_income_facts(obj: VerificationReport) -> dict[str, Any]:
        i = report_income_facts(obj)
        return {"tax_monthly_income_fen": i.tax_monthly_income_fen,
                "social_insurance_monthly_income_fen": i.social_insurance_monthly_income_fen,
                "monthly_pension_fen": i.monthly_pension_fen, "monthly_income_fen": i.monthly_income_fen,
                "verified": i.verified}


@router.post("/verification/households/{household_id}/reports", response={201: ReportOut, **ERROR_RESPONSES},
             summary="出具核对报告（县级）/ issue a report (county)")
@requires(REPORT_ISSUE)
def issue_report(request: HttpRequest, household_id: int, payload: ReportIn) -> Status:
    household = selectors.household_get_for_user(user=request.user, pk=household_id, action=REPORT_ISSUE)
    report = services.report_issue(actor=acting_user(request), household=household, close_missing=payload.close_missing,
                                   note=payload.note)
    return Status(201, report)


@router.get("/verification/reports/{report_id}", response={200: ReportOut, **ERROR_RESPONSES},
            summary="核对报告（查阅留痕）/ one report (logged)")
@requires(VERIFICATION_VIEW)
def get_report(request: HttpRequest, report_id: int) -> VerificationReport:
    return selectors.report_get_for_user(user=request.user, pk=report_id)
