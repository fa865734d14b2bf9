"""API of referrals: the case side (tasks of a case, the matrix's routes, split, re-send, recall,
answer), the office side (its queue, the task with the minimum of the case, accept, return, ask,
progress, complete, transfer), deflection flags and the responsibility matrix.

Every move carries the task's ``version``; a stale one answers 409 and changes nothing."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from jijinan.accounts.context import acting_user
from jijinan.cases.permissions import CASE_VIEW
from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.permissions import requires
from jijinan.referrals import selectors, services
from jijinan.referrals.deflection import services as deflection
from jijinan.referrals.models import DeflectionFlag, ResponsibilityRule, Task, TaskEvent
from jijinan.referrals.permissions import (
    FLAG_SETTLE,
    FLAG_VIEW,
    MATRIX_MANAGE,
    MATRIX_VIEW,
    OFFICE_VIEW,
    TASK_ANSWER,
    TASK_CANCEL,
    TASK_HANDLE,
    TASK_OPEN,
    TASK_REASSIGN,
    TASK_TRANSFER,
    TASK_VIEW,
)

router = Router(tags=["referrals"])


class OfficeOut(Schema):
    id: int
    name: str
    region_code: str
    department_type: str


def _office(o: Any) -> OfficeOut:
    return OfficeOut(id=o.pk, name=o.name, region_code=o.region.code,
                     department_type=o.department_type.code if o.department_type else "")


class EventOut(Schema):
    kind: str
    at: datetime
    actor: str
    from_office: str
    to_office: str
    reason_code: str
    text: str
    attachments: list[str]


def _event(e: TaskEvent) -> EventOut:
    return EventOut(kind=e.kind, at=e.at, actor=e.actor.display_name() if e.actor else "",
                    from_office=e.from_office.name if e.from_office else "",
                    to_office=e.to_office.name if e.to_office else "", reason_code=e.reason_code, text=e.text,
                    attachments=[a.name for a in e.attachments.all()])


class TaskOut(Schema):
    id: int
    number: str
    case_id: int
    sequence: int
    need: str
    office: OfficeOut
    status: str = Field(..., description="pending（待接收）, accepted（办理中）, returned（已退回）, "
                                         "completed（已办结）, cancelled（已撤回）")
    description: str
    required_result: str
    handler: str
    due_at: datetime | None
    info_requested: bool
    returns: int
    result: str
    result_amount_fen: int | None
    created_at: datetime
    accepted_at: datetime | None
    completed_at: datetime | None
    version: int

    @staticmethod
    def resolve_need(t: Task) -> str:
        return t.need.code if t.need else ""

    @staticmethod
    def resolve_office(t: Task) -> OfficeOut:
        return _office(t.office)

    @staticmethod
    def resolve_handler(t: Task) -> str:
        return t.handler.display_name() if t.handler else ""

    @staticmethod
    def resolve_due_at(t: Task) -> datetime | None:
        return t.deadline.due_at if t.deadline else None


class TaskDetailOut(TaskOut):
    history: list[EventOut]

    @staticmethod
    def resolve_history(t: Task) -> list[EventOut]:
        return [_event(e) for e in selectors.task_history(task=t)]


class BriefOut(Schema):
    case_number: str
    handling_region: str
    handling_office: str
    subject_name: str
    id_number_masked: str
    contact_masked: str
    needs: list[str]


class OfficeTaskOut(Schema):
    """What the office sees: its task, and of the case only the brief."""

    id: int
    number: str
    status: str
    description: str
    required_result: str
    office: OfficeOut
    due_at: datetime | None
    info_requested: bool
    result: str
    result_amount_fen: int | None
    version: int
    case: BriefOut
    history: list[EventOut]


def _office_task(t: Task, brief: Any, history: list[TaskEvent]) -> OfficeTaskOut:
    return OfficeTaskOut(id=t.pk, number=t.number, status=t.status, description=t.description,
                         required_result=t.required_result, office=_office(t.office),
                         due_at=t.deadline.due_at if t.deadline else None, info_requested=t.info_requested,
                         result=t.result, result_amount_fen=t.result_amount_fen, version=t.version,
                         case=BriefOut(**brief.__dict__), history=[_event(e) for e in history])


# --- the case side ---------------------------------------------------------------------------------


class RouteOut(Schema):
    need: str
    department_type: str
    department_name: str
    rule_id: int
    office: OfficeOut | None
    required_result: str
    duty: str


@router.get("/cases/{case_id}/tasks", response={200: list[TaskOut], **ERROR_RESPONSES},
            summary="事项的部门任务 / the case's department tasks")
@requires(TASK_VIEW)
def case_tasks(request: HttpRequest, case_id: int) -> list[Task]:
    case = selectors.case_for_referral(user=request.user, pk=case_id, action=CASE_VIEW)
    return selectors.case_tasks(user=request.user, case=case)


@router.get("/cases/{case_id}/routes", response={200: list[RouteOut], **ERROR_RESPONSES},
            summary="按职责清单建议的承办部门 / where the matrix sends the case's needs")
@requires(TASK_OPEN)
def case_routes(request: HttpRequest, case_id: int, need: list[str] = Query(None)) -> list[RouteOut]:  # noqa: B008
    case = selectors.case_for_referral(user=request.user, pk=case_id, action=TASK_OPEN)
    return [RouteOut(need=r.need.code, department_type=r.department_type.code, department_name=r.department_type.name,
                     rule_id=r.rule.pk, office=_office(r.office) if r.office else None,
                     required_result=r.required_result, duty=r.duty)
            for r in services.routes_for(case, need or None)]


class DraftIn(Schema):
    office_id: int
    description: str
    required_result: str
    need: str = ""
    rule_id: int | None = None
    handler_id: int | None = None


class SplitIn(Schema):
    tasks: list[DraftIn]


@router.post("/cases/{case_id}/tasks", response={201: list[TaskOut], **ERROR_RESPONSES},
             summary="分办：一次交给多个部门，各有期限 / split the case into department tasks")
@requires(TASK_OPEN)
def split(request: HttpRequest, case_id: int, payload: SplitIn) -> Status:
    case = selectors.case_for_referral(user=request.user, pk=case_id, action=TASK_OPEN)
    drafts = [services.TaskDraft(**d.dict()) for d in payload.tasks]
    return Status(201, services.tasks_open(actor=acting_user(request), case=case, drafts=drafts))


@router.get("/cases/{case_id}/tasks/{task_id}", response={200: TaskDetailOut, **ERROR_RESPONSES},
            summary="部门任务及其经过 / a task and its history")
@requires(TASK_VIEW)
def case_task(request: HttpRequest, case_id: int, task_id: int) -> Any:
    return selectors.case_task_get(user=request.user, case_pk=case_id, pk=task_id)


class VersionReasonIn(Schema):
    version: int
    reason: str = ""


class ReassignIn(VersionReasonIn):
    to_office_id: int


class TextIn(Schema):
    version: int
    text: str = ""


@router.post("/cases/{case_id}/tasks/{task_id}/reassign", response={200: TaskOut, **ERROR_RESPONSES},
             summary="重新交办被退回的任务 / send a returned task again")
@requires(TASK_REASSIGN)
def reassign(request: HttpRequest, case_id: int, task_id: int, payload: ReassignIn) -> Any:
    task = selectors.case_task_get(user=request.user, case_pk=case_id, pk=task_id, action=TASK_REASSIGN)
    return services.task_reassign(actor=acting_user(request), task=task, version=payload.version,
                                  to_office_id=payload.to_office_id, reason=payload.reason)


@router.post("/cases/{case_id}/tasks/{task_id}/cancel", response={200: TaskOut, **ERROR_RESPONSES},
             summary="撤回不再需要的任务 / recall a task")
@requires(TASK_CANCEL)
def cancel(request: HttpRequest, case_id: int, task_id: int, payload: VersionReasonIn) -> Any:
    task = selectors.case_task_get(user=request.user, case_pk=case_id, pk=task_id, action=TASK_CANCEL)
    return services.task_cancel(actor=acting_user(request), task=task, version=payload.version,
                                reason=payload.reason)


@router.post("/cases/{case_id}/tasks/{task_id}/answer", response={200: TaskOut, **ERROR_RESPONSES},
             summary="按部门要求补充材料 / supply what the office asked for")
@requires(TASK_ANSWER)
def answer(request: HttpRequest, case_id: int, task_id: int, payload: TextIn) -> Any:
    task = selectors.case_task_get(user=request.user, case_pk=case_id, pk=task_id, action=TASK_ANSWER)
    return services.task_answer(actor=acting_user(request), task=task, version=payload.version, text=payload.text)


# --- the office side --------------------------------------------------------------------------------


class OfficeFilter(Schema):
    status: str = Field("open", description="open, pending, accepted, overdue, done, all")
    q: str = Field("", description="事项编号、任务编号或对象姓名 / case or task number, or the subject's name")


@router.get("/tasks", response=list[TaskOut], summary="本部门的任务 / my offices' tasks")
@requires(OFFICE_VIEW)
@paginate(PagePagination)
def office_queue(request: HttpRequest, filters: Query[OfficeFilter]) -> QuerySet[Task]:
    status = filters.status if filters.status in selectors.OFFICE_STATUSES else "open"
    return selectors.office_tasks(user=request.user, status=status, q=filters.q)


@router.get("/tasks/{task_id}", response={200: OfficeTaskOut, **ERROR_RESPONSES},
            summary="本部门的一项任务，及事项的必要信息 / one task, with the minimum of its case")
@requires(OFFICE_VIEW)
def office_task(request: HttpRequest, task_id: int) -> OfficeTaskOut:
    task = selectors.office_task_get(user=request.user, pk=task_id)
    return _office_task(task, selectors.task_brief(user=request.user, task=task), selectors.task_history(task=task))


class NoteIn(Schema):
    version: int
    note: str = ""


class ReturnIn(Schema):
    version: int
    reason_code: str = Field("", description="not_our_duty, outside_area, not_eligible, already_handled, "
                                             "insufficient, other")
    reason: str = ""


class CompleteIn(Schema):
    version: int
    result: str = ""
    amount_fen: int | None = None


class TransferIn(Schema):
    version: int
    to_office_id: int
    reason: str = ""


def _mine(request: HttpRequest, task_id: int, action: str) -> Task:
    return selectors.office_task_get(user=request.user, pk=task_id, action=action)


@router.post("/tasks/{task_id}/accept", response={200: TaskOut, **ERROR_RESPONSES}, summary="接收 / accept")
@requires(TASK_HANDLE)
def accept(request: HttpRequest, task_id: int, payload: NoteIn) -> Any:
    return services.task_accept(actor=acting_user(request), task=_mine(request, task_id, TASK_HANDLE),
                                version=payload.version, note=payload.note)


@router.post("/tasks/{task_id}/return", response={200: TaskOut, **ERROR_RESPONSES},
             summary="退回（须选原因并写明理由）/ return, with a reason")
@requires(TASK_HANDLE)
def return_task(request: HttpRequest, task_id: int, payload: ReturnIn) -> Any:
    return services.task_return(actor=acting_user(request), task=_mine(request, task_id, TASK_HANDLE),
                                version=payload.version, reason_code=payload.reason_code,
                                reason=payload.reason)


@router.post("/tasks/{task_id}/ask", response={200: TaskOut, **ERROR_RESPONSES},
             summary="要求补充材料（期限不停）/ ask for more information (the deadline runs)")
@requires(TASK_HANDLE)
def ask(request: HttpRequest, task_id: int, payload: TextIn) -> Any:
    return services.task_ask(actor=acting_user(request), task=_mine(request, task_id, TASK_HANDLE),
                             version=payload.version, text=payload.text)


@router.post("/tasks/{task_id}/progress", response={200: TaskOut, **ERROR_RESPONSES},
             summary="登记办理进展 / report progress")
@requires(TASK_HANDLE)
def progress(request: HttpRequest, task_id: int, payload: TextIn) -> Any:
    return services.task_progress(actor=acting_user(request), task=_mine(request, task_id, TASK_HANDLE),
                                  version=payload.version, text=payload.text)


@router.post("/tasks/{task_id}/complete", response={200: TaskOut, **ERROR_RESPONSES},
             summary="办结，反馈办理结果 / complete with the result")
@requires(TASK_HANDLE)
def complete(request: HttpRequest, task_id: int, payload: CompleteIn) -> Any:
    return services.task_complete(actor=acting_user(request), task=_mine(request, task_id, TASK_HANDLE),
                                  version=payload.version, result=payload.result,
                                  amount_fen=payload.amount_fen)


@router.post("/tasks/{task_id}/transfer", response={200: TaskOut, **ERROR_RESPONSES},
             summary="转办其他部门（须写明理由）/ transfer to another office")
@requires(TASK_TRANSFER)
def transfer(request: HttpRequest, task_id: int, payload: TransferIn) -> Any:
    return services.task_transfer(actor=acting_user(request), task=_mine(request, task_id, TASK_TRANSFER),
                                  version=payload.version, to_office_id=payload.to_office_id,
                                  reason=payload.reason)


# --- flags and the matrix ---------------------------------------------------------------------------


class FlagOut(Schema):
    id: int
    task_id: int
    task_number: str
    case_number: str
    reason: str = Field(..., description="returns（多次退回）, cycle（循环转办）, idle（超期未办）")
    detail: str
    offices: list[str]
    history: list[dict[str, Any]]
    covering_region_code: str
    covering_region: str
    covering_office: str
    parameters: dict[str, Any]
    raised_at: datetime
    updated_at: datetime
    occurrences: int
    status: str = Field(..., description="open（待处理）, supervised（督办中）, resolved（已查实处理）, "
                                         "dismissed（已排除）")
    outcome: str = Field(..., description="查实的情况和处理，或排除的理由")
    settled_by: str
    settled_at: datetime | None
    version: int

    @staticmethod
    def resolve_settled_by(f: DeflectionFlag) -> str:
        return f.settled_by.display_name() if f.settled_by else ""

    @staticmethod
    def resolve_task_number(f: DeflectionFlag) -> str:
        return f.task.number

    @staticmethod
    def resolve_case_number(f: DeflectionFlag) -> str:
        return f.task.case.number

    @staticmethod
    def resolve_covering_region_code(f: DeflectionFlag) -> str:
        return f.covering_region.code

    @staticmethod
    def resolve_covering_region(f: DeflectionFlag) -> str:
        return f.covering_region.name

    @staticmethod
    def resolve_covering_office(f: DeflectionFlag) -> str:
        return f.covering_office.name if f.covering_office else ""


class FlagFilter(Schema):
    reason: str = ""
    q: str = ""
    status: str = Field("live", description="live（未处理：待处理和督办中，默认）, open, supervised, resolved, "
                                            "dismissed, all")


@router.get("/deflection-flags", response=list[FlagOut], summary="推诿预警 / deflection flags")
@requires(FLAG_VIEW)
@paginate(PagePagination)
def flags(request: HttpRequest, filters: Query[FlagFilter]) -> QuerySet[DeflectionFlag]:
    return selectors.flags_for_user(user=request.user, reason=filters.reason, q=filters.q, status=filters.status)


@router.get("/deflection-flags/{flag_id}", response={200: FlagOut, **ERROR_RESPONSES},
            summary="一条推诿预警 / one deflection flag")
@requires(FLAG_VIEW)
def flag(request: HttpRequest, flag_id: int) -> Any:
    return selectors.flag_get_for_user(user=request.user, pk=flag_id)


class FlagSettleIn(Schema):
    version: int
    status: str = Field(..., description="resolved（查实处理）或 dismissed（排除）")
    outcome: str = Field(..., description="查实的情况和处理，或排除的理由（必填）")


@router.post("/deflection-flags/{flag_id}/settle", response={200: FlagOut, **ERROR_RESPONSES},
             summary="处理推诿预警（查实处理或排除）/ settle a deflection flag")
@requires(FLAG_SETTLE)
def flag_settle(request: HttpRequest, flag_id: int, payload: FlagSettleIn) -> Any:
    found = selectors.flag_get_for_user(user=request.user, pk=flag_id, action=FLAG_SETTLE)
    return deflection.flag_settle(actor=acting_user(request), flag=found, version=payload.version,
                                  status=payload.status, outcome=payload.outcome)


class RuleOut(Schema):
    id: int
    need: str
    category: str
    program: str
    region_code: str
    department_type: str
    limit_count: int | None
    limit_unit: str
    required_result: str
    duty: str
    demo_default: bool
    created_at: datetime
    retired_at: datetime | None
    retire_reason: str
    replaced_by_id: int | None
    version: int


def _rule(r: ResponsibilityRule) -> RuleOut:
    return RuleOut(id=r.pk, need=r.need.code, category=r.category.code if r.category else "", program=r.program,
                   region_code=r.region.code if r.region else "", department_type=r.department_type.code,
                   limit_count=r.limit_count, limit_unit=r.limit_unit, required_result=r.required_result,
                   duty=r.duty, demo_default=r.demo_default, created_at=r.created_at, retired_at=r.retired_at,
                   retire_reason=r.retire_reason, replaced_by_id=r.replaced_by_id, version=r.version)


class RuleIn(Schema):
    need: str
    department_type: str
    required_result: str
    category: str = ""
    program: str = ""
    region_code: str = ""
    limit_count: int | None = None
    limit_unit: str = ""
    duty: str = ""


class RuleChangeIn(RuleIn):
    version: int


class RuleFilter(Schema):
    history: bool = Field(False, description="已停用和被取代的条目 / retired and replaced rows")
    need: str = ""


@router.get("/responsibility-matrix", response=list[RuleOut], summary="部门职责清单 / the responsibility matrix")
@requires(MATRIX_VIEW)
def matrix(request: HttpRequest, filters: Query[RuleFilter]) -> list[RuleOut]:
    return [_rule(r) for r in selectors.rules(history=filters.history, need=filters.need)]


@router.post("/responsibility-matrix", response={201: RuleOut, **ERROR_RESPONSES}, summary="新增条目 / add a row")
@requires(MATRIX_MANAGE)
def rule_add(request: HttpRequest, payload: RuleIn) -> Status:
    return Status(201, _rule(services.rule_add(actor=acting_user(request), data=services.RuleInput(**payload.dict()))))


@router.put("/responsibility-matrix/{rule_id}", response={200: RuleOut, **ERROR_RESPONSES},
            summary="修改条目（旧条目停用并保留）/ change a row (the old one is kept as history)")
@requires(MATRIX_MANAGE)
def rule_change(request: HttpRequest, rule_id: int, payload: RuleChangeIn) -> RuleOut:
    data = payload.dict()
    version = data.pop("version")
    return _rule(services.rule_change(actor=acting_user(request), rule=selectors.rule_get(pk=rule_id), version=version,
                                      data=services.RuleInput(**data)))


@router.post("/responsibility-matrix/{rule_id}/retire", response={200: RuleOut, **ERROR_RESPONSES},
             summary="停用条目 / retire a row")
@requires(MATRIX_MANAGE)
def rule_retire(request: HttpRequest, rule_id: int, payload: VersionReasonIn) -> RuleOut:
    return _rule(services.rule_retire(actor=acting_user(request), rule=selectors.rule_get(pk=rule_id),
                                      version=payload.version, reason=payload.reason))
