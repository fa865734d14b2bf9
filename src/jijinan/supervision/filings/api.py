"""API of the filing (备案) of township approvals: the filings of the user's area, one filing, a
random draw for spot checks, the finding of a sampled filing (with its ``version``; a stale one
answers 409 and changes nothing)."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jijinan.accounts.context import acting_user
from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.permissions import requires
from jijinan.supervision.filings import selectors, services
from jijinan.supervision.filings.permissions import FILING_CHECK, FILING_DRAW, FILING_VIEW
from jijinan.supervision.models import ApprovalFiling, SpotCheckDraw

router = Router(tags=["supervision"])


class FilingOut(Schema):
    id: int
    case_number: str
    township_code: str
    township: str
    county_code: str
    county: str
    amount_fen: int
    ceiling_fen: int | None
    approved_by: str
    approved_at: datetime
    filed_at: datetime
    status: str = Field(..., description="filed（已备案）, sampled（抽查中）, checked（已抽查）")
    draw_id: int | None
    finding: str = Field(..., description="compliant（符合规定）, problem（存在问题），未抽查时为空")
    check_note: str
    checked_by: str
    checked_at: datetime | None
    version: int

    @staticmethod
    def resolve_case_number(f: ApprovalFiling) -> str:
        return f.case.number

    @staticmethod
    def resolve_township_code(f: ApprovalFiling) -> str:
        return f.township.code

    @staticmethod
    def resolve_township(f: ApprovalFiling) -> str:
        return f.township.name

    @staticmethod
    def resolve_county_code(f: ApprovalFiling) -> str:
        return f.county.code

    @staticmethod
    def resolve_county(f: ApprovalFiling) -> str:
        return f.county.name

    @staticmethod
    def resolve_approved_by(f: ApprovalFiling) -> str:
        return f.approved_by.display_name() if f.approved_by else ""

    @staticmethod
    def resolve_checked_by(f: ApprovalFiling) -> str:
        return f.checked_by.display_name() if f.checked_by else ""


class FilingFilter(Schema):
    period_from: date | None = None
    period_to: date | None = None
    township_code: str = ""
    status: str = ""
    finding: str = ""
    q: str = Field("", description="事项编号")


class DrawIn(Schema):
    county_code: str
    period_from: date
    period_to: date
    share_percent: Decimal | None = Field(None, description="抽查比例（%）；不填按政策参数 "
                                                            "case_handling.filing_sample_rate")


class DrawOut(Schema):
    id: int
    county_code: str
    period_from: date
    period_to: date
    share: Decimal = Field(..., description="抽取比例（小数，0.1 即 10%）")
    seed: str
    population: int
    drawn: int
    filing_ids: list[int]
    drawn_at: datetime

    @staticmethod
    def resolve_county_code(d: SpotCheckDraw) -> str:
        return d.county.code

    @staticmethod
    def resolve_filing_ids(d: SpotCheckDraw) -> list[int]:
        return sorted(d.filings.values_list("pk", flat=True))


class CheckIn(Schema):
    version: int
    finding: str = Field(..., description="compliant 或 problem")
    note: str = ""


@router.get("/supervision/filings", response=list[FilingOut], summary="乡镇审批备案 / township approval filings")
@requires(FILING_VIEW)
@paginate(PagePagination)
def filings(request: HttpRequest, filters: Query[FilingFilter]) -> QuerySet[ApprovalFiling]:
    return selectors.filing_list_for_user(
        user=request.user, period_from=filters.period_from, period_to=filters.period_to,
        township_code=filters.township_code, status=filters.status, finding=filters.finding, q=filters.q)


@router.get("/supervision/filings/{filing_id}", response={200: FilingOut, **ERROR_RESPONSES},
            summary="一件备案 / one filing")
@requires(FILING_VIEW)
def filing(request: HttpRequest, filing_id: int) -> Any:
    return selectors.filing_get_for_user(user=request.user, pk=filing_id)


@router.post("/supervision/filing-draws", response={201: DrawOut, **ERROR_RESPONSES},
             summary="随机抽取备案进行抽查 / draw a random sample for spot checks")
@requires(FILING_DRAW)
def draw(request: HttpRequest, payload: DrawIn) -> Any:
    return Status(201, services.filing_draw(actor=acting_user(request), data=services.DrawInput(
        county_code=payload.county_code, period_from=payload.period_from, period_to=payload.period_to,
        share_percent=payload.share_percent)))


@router.post("/supervision/filings/{filing_id}/check", response={200: FilingOut, **ERROR_RESPONSES},
             summary="登记抽查结论 / record the spot-check finding")
@requires(FILING_CHECK)
def check(request: HttpRequest, filing_id: int, payload: CheckIn) -> Any:
    found = selectors.filing_get_for_user(user=request.user, pk=filing_id, action=FILING_CHECK)
    return services.filing_check(actor=acting_user(request), filing=found, version=payload.version,
                                 finding=payload.finding, note=payload.note)
