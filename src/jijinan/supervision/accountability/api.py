"""API of supervision's accountability records (责任追究): list, one record, register, correct.

Seen only by supervisors and government leaders in scope; the subject is named by its number.
A correction carries the record's ``version``; a stale one answers 409 and changes nothing."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jijinan.accounts.context import acting_user
from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.permissions import requires
from jijinan.supervision.accountability import selectors, services
from jijinan.supervision.accountability.permissions import ACCOUNTABILITY_RECORD, ACCOUNTABILITY_VIEW
from jijinan.supervision.models import AccountabilityRecord

router = Router(tags=["supervision"])


class AccountabilityOut(Schema):
    id: int
    subject_kind: str = Field(..., description="case（急难事项）, task（部门任务）, order（督办单）")
    subject_number: str
    region_code: str
    region: str
    failing: str = Field(..., description="deflection（推诿扯皮）, late（处置不及时）, not_implemented（责任不落实）, "
                                          "other（其他）")
    failing_label: str
    responsible_office_id: int
    responsible_office: str
    responsible_user_id: int | None
    responsible_person: str
    finding: str
    measure: str
    decided_on: date
    recorded_by: str
    recorded_at: datetime
    version: int

    @staticmethod
    def resolve_subject_kind(r: AccountabilityRecord) -> str:
        return services.subject_kind(r)

    @staticmethod
    def resolve_subject_number(r: AccountabilityRecord) -> str:
        return services.subject_number(r)

    @staticmethod
    def resolve_region_code(r: AccountabilityRecord) -> str:
        return r.region.code

    @staticmethod
    def resolve_region(r: AccountabilityRecord) -> str:
        return r.region.name

    @staticmethod
    def resolve_failing_label(r: AccountabilityRecord) -> str:
        return str(r.get_failing_display())

    @staticmethod
    def resolve_responsible_office(r: AccountabilityRecord) -> str:
        return r.responsible_office.name

    @staticmethod
    def resolve_recorded_by(r: AccountabilityRecord) -> str:
        return r.recorded_by.display_name() if r.recorded_by else ""


class AccountabilityFilter(Schema):
    year: int | None = None
    failing: str = ""
    region_code: str = ""
    office_id: int | None = None
    q: str = ""


class AccountabilityIn(Schema):
    failing: str
    responsible_office_id: int
    responsible_user_id: int | None = None
    responsible_person: str = Field("", description="责任人姓名及职务（给出 responsible_user_id 时可不填）")
    finding: str
    measure: str
    decided_on: date


class AccountabilityNewIn(AccountabilityIn):
    subject_kind: str = Field(..., description="case, task 或 order")
    subject_number: str = Field(..., description="事项编号、任务编号（事项编号-序号）或督办编号")


class AccountabilityCorrectIn(AccountabilityIn):
    version: int


def _input(payload: AccountabilityIn) -> services.AccountabilityInput:
    return services.AccountabilityInput(
        failing=payload.failing, responsible_office_id=payload.responsible_office_id,
        responsible_user_id=payload.responsible_user_id, responsible_person=payload.responsible_person,
        finding=payload.finding, measure=payload.measure, decided_on=payload.decided_on)


@router.get("/supervision/accountability", response=list[AccountabilityOut],
            summary="责任追究记录 / accountability records")
@requires(ACCOUNTABILITY_VIEW)
@paginate(PagePagination)
def records(request: HttpRequest, filters: Query[AccountabilityFilter]) -> QuerySet[AccountabilityRecord]:
    return selectors.accountability_list_for_user(
        user=request.user, year=filters.year, failing=filters.failing, region_code=filters.region_code,
        office_id=filters.office_id, q=filters.q)


@router.get("/supervision/accountability/{record_id}", response={200: AccountabilityOut, **ERROR_RESPONSES},
            summary="一条责任追究记录 / one accountability record")
@requires(ACCOUNTABILITY_VIEW)
def record(request: HttpRequest, record_id: int) -> Any:
    return selectors.accountability_get_for_user(user=request.user, pk=record_id)


@router.post("/supervision/accountability", response={201: AccountabilityOut, **ERROR_RESPONSES},
             summary="登记责任追究 / register an accountability record")
@requires(ACCOUNTABILITY_RECORD)
def record_new(request: HttpRequest, payload: AccountabilityNewIn) -> Any:
    subject = services.subject_find(actor=request.user, kind=payload.subject_kind, number=payload.subject_number)
    return Status(201, services.accountability_record(actor=acting_user(request), subject=subject,
                                                      data=_input(payload)))


@router.put("/supervision/accountability/{record_id}", response={200: AccountabilityOut, **ERROR_RESPONSES},
            summary="更正责任追究记录 / correct an accountability record")
@requires(ACCOUNTABILITY_RECORD)
def record_correct(request: HttpRequest, record_id: int, payload: AccountabilityCorrectIn) -> Any:
    found = selectors.accountability_get_for_user(user=request.user, pk=record_id, action=ACCOUNTABILITY_RECORD)
    return services.accountability_correct(actor=acting_user(request), record=found, version=payload.version,
                                           data=_input(payload))
