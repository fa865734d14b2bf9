"""API of the staged workflow: the case's workflow state and the moves it allows, one endpoint per
move of the table (each carries the case's ``version``; a stale one answers 409 and changes
nothing), public-notice objections, and close-relative filings."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from jijinan.accounts.context import acting_user
from jijinan.accounts.models import User
from jijinan.cases import selectors
from jijinan.cases.aid import selectors as aid_selectors
from jijinan.cases.aid.services import payment_reissue, payment_update
from jijinan.cases.choices import Appraisal
from jijinan.cases.models import Case
from jijinan.cases.permissions import CASE_VIEW, PAYMENT_MANAGE, VOCABULARY_VIEW
from jijinan.cases.workflow import selectors as workflow_selectors
from jijinan.cases.workflow import services
from jijinan.cases.workflow.transitions import (
    FOLLOW_UP_RECORD,
    OBJECTION_MANAGE,
    RELATIVE_FILING_MANAGE,
    RELATIVE_FILING_VIEW,
    TRANSITIONS,
)
from jijinan.core.apitools import ERROR_RESPONSES
from jijinan.core.permissions import requires
from jijinan.registry import selectors as registry_selectors

router = Router(tags=["case workflow"])


class ActionOut(Schema):
    name: str
    label: str
    target: str | None
    allowed: bool
    why: str = Field("", description="不可执行时的原因 / why it is not possible now")
    reason_required: bool
    warnings: list[str] = Field(default_factory=list, description="可执行但须说明理由的提醒（如有需求未转办）/ "
                                                                  "allowed, but a reason must be given")


class ReviewOut(Schema):
    id: int
    at: datetime
    makeup: bool
    opinion: str
    home_visit_on: date | None
    appraisal: str
    requested_amount_fen: int
    decision_id: int
    reviewer: str


class PaymentOut(Schema):
    id: int
    sequence: int
    amount_fen: int
    due_on: date
    status: str = Field(..., description="pending（待发放）, paid（已发放）, failed（发放失败）, returned（已退回）")
    reference: str
    note: str
    version: int


class AidOut(Schema):
    id: int
    amount_fen: int
    method: str
    fast_track: bool
    given_at: datetime
    note: str
    payments: list[PaymentOut]


class ObjectionOut(Schema):
    id: int
    raised_by: str
    text: str
    received_at: datetime
    outcome: str
    resolution: str
    resolved_at: datetime | None


class NoticeOut(Schema):
    id: int
    starts_at: datetime
    ends_at: datetime
    days: int
    withdrawn_at: datetime | None
    objections: list[ObjectionOut]


class TransferOut(Schema):
    id: int
    from_region_code: str
    to_region_code: str
    from_stage: str
    reason: str
    status: str
    requested_at: datetime
    decided_at: datetime | None
    refusal_reason: str


class FollowUpOut(Schema):
    id: int
    method: str
    done_on: date
    outcome: str
    satisfaction: int
    need_resolved: bool
    unresolved_needs: list[str]
    recorded_at: datetime


class WorkflowOut(Schema):
    id: int
    number: str
    stage: str
    version: int
    handling_region_code: str
    program: str
    requested_amount_fen: int | None
    decided_amount_fen: int | None
    approver_level: str
    needs_consultation: bool
    stability_risk: bool
    stability_risk_reason: str
    consultation_amount_fen: int | None = Field(
        ..., description="会商决定的一事一议金额（分）；未经会商为空 / the amount a consultation decided, if any")
    public_notice_required: bool
    close_relative: bool
    fast_tracked: bool
    paperwork_owed: bool
    refusal_reason: str
    decision_id: int | None
    transfer_to_code: str | None
    read_only: bool = Field(..., description="仅因本地区转出而可查阅 / visible only as the sending office")
    actions: list[ActionOut]
    reviews: list[ReviewOut]
    aid: list[AidOut]
    notices: list[NoticeOut]
    transfers: list[TransferOut]
    follow_ups: list[FollowUpOut]


def _workflow_out(user: User, case: Case) -> dict[str, Any]:
    read_only = selectors.case_read_only_for_user(user=user, case=case)
    actions = [] if read_only else workflow_selectors.case_actions_for_user(user=user, case=case)
    return {
        "id": case.pk, "number": case.number, "stage": case.stage, "version": case.version,
        "handling_region_code": case.handling_region.code, "program": case.program,
        "requested_amount_fen": case.requested_amount_fen, "decided_amount_fen": case.decided_amount_fen,
        "approver_level": case.approver_level, "needs_consultation": case.needs_consultation,
        "stability_risk": case.stability_risk, "stability_risk_reason": case.stability_risk_reason,
        "consultation_amount_fen": (case.consultation_authority or {}).get("amount_fen"),
        "public_notice_required": case.public_notice_required, "close_relative": case.close_relative,
        "fast_tracked": case.fast_tracked, "paperwork_owed": case.paperwork_owed,
        "refusal_reason": case.refusal_reason, "decision_id": case.decision_id,
        "transfer_to_code": case.transfer_to.code if case.transfer_to is not None else None,
        "read_only": read_only,
        "actions": [{"name": a.transition.name, "label": str(a.transition.label), "target": a.transition.target,
                     "allowed": a.allowed, "why": a.why, "warnings": a.warnings,
                     "reason_required": a.transition.reason_required or bool(a.warnings)}
                    for a in actions],
        "reviews": [{"id": r.pk, "at": r.at, "makeup": r.makeup, "opinion": r.opinion,
                     "home_visit_on": r.home_visit_on, "appraisal": r.appraisal,
                     "requested_amount_fen": r.requested_amount_fen, "decision_id": r.decision_id,
                     "reviewer": (r.reviewer.full_name or r.reviewer.username) if r.reviewer else ""}
                    for r in workflow_selectors.case_reviews(case=case)],
        "aid": [{"id": a.pk, "amount_fen": a.amount_fen, "method": a.method, "fast_track": a.fast_track,
                 "given_at": a.given_at, "note": a.note, "payments": list(a.payments.all())}
                for a in aid_selectors.case_aid(case=case)],
        "notices": [{"id": n.pk, "starts_at": n.starts_at, "ends_at": n.ends_at, "days": n.days,
                     "withdrawn_at": n.withdrawn_at, "objections": list(n.objections.all())}
                    for n in workflow_selectors.case_notices(case=case)],
        "transfers": [{"id": t.pk, "from_region_code": t.from_region.code, "to_region_code": t.to_region.code,
                       "from_stage": t.from_stage, "reason": t.reason, "status": t.status,
                       "requested_at": t.requested_at, "decided_at": t.decided_at,
                       "refusal_reason": t.refusal_reason} for t in workflow_selectors.case_transfers(case=case)],
        "follow_ups": list(case.follow_ups.all()),
    }


class TransitionOut(Schema):
    name: str
    label: str
    sources: list[str]
    target: str | None = Field(..., description="空：阶段不变（补办手续、拒收转入回到原阶段）")
    roles: list[str]
    reason_required: bool
    refusal: bool = Field(..., description="理由书面告知申请人 / the reason is given to the applicant")
    receiving_side: bool = Field(..., description="由转入地办理 / done by the receiving office")
    description: str


@router.get("/case-transitions", response={200: list[TransitionOut], **ERROR_RESPONSES},
            summary="阶段流转表：哪个角色可以把事项从哪个阶段移到哪个阶段 / the stage transition table")
@requires(VOCABULARY_VIEW)
def list_transitions(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"name": t.name, "label": str(t.label), "sources": sorted(t.sources), "target": t.target,
             "roles": sorted(t.roles), "reason_required": t.reason_required, "refusal": t.refusal,
             "receiving_side": t.receiving_side, "description": str(t.description)}
            for t in TRANSITIONS.values()]


def _case(request: HttpRequest, case_id: int) -> Case:
    return selectors.case_get_for_user(user=request.user, pk=case_id)


def _after(request: HttpRequest, case: Case) -> dict[str, Any]:
    return _workflow_out(acting_user(request), selectors.case_get_for_user(user=request.user, pk=case.pk))


@router.get("/cases/{case_id}/workflow", response={200: WorkflowOut, **ERROR_RESPONSES},
            summary="事项办理状态：阶段、版本、可执行的动作、审核、救助、公示、转出 / the case's workflow state")
@requires(CASE_VIEW)
def get_workflow(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return _workflow_out(acting_user(request), _case(request, case_id))


class VersionIn(Schema):
    version: int = Field(..., description="事项当前版本号；过期返回 409 / the case's version (stale: 409)")
    note: str = Field("", max_length=300)


class CloseIn(VersionIn):
    reason: str = Field("", max_length=1000, description="结案理由：有需求未转办任何部门时必填 / required when a "
                                                         "need was never routed to a department")


class ReasonIn(Schema):
    version: int
    reason: str = Field(..., max_length=1000, description="理由（拒绝类动作将书面告知申请人）/ the reason")


class ReviewIn(Schema):
    version: int
    opinion: str = Field(..., max_length=2000, description="审核意见 / the township's opinion")
    requested_amount_fen: int = Field(..., description="拟救助金额（分）/ proposed amount in fen")
    kind: str = Field("emergency", description="emergency（急难型）或 expense（支出型）")
    severity: str = Field("general", description="general, serious, critical（急难型）")
    cause: str = Field("", description="救助原因；空则按急难类别 / cause; default from the categories")
    expenses: list[tuple[str, int]] = Field(default_factory=list, description="支出型：[(类别, 金额分)]")
    difficulty_months: int = 0
    repeat_reason: str = Field("", max_length=300)
    home_visit_on: date | None = Field(None, description="入户调查日期 / home visit date")
    home_visit_note: str = Field("", max_length=2000)
    verification_report_id: int | None = None
    appraisal: str = Field(Appraisal.NOT_USED, description="民主评议：not_used, passed, failed")
    appraisal_note: str = Field("", max_length=300)
    declared_monthly_income_fen: int | None = Field(
        None, description="申请人未登记家庭、支出型：申报的月收入（分）/ a lone applicant's declared monthly income")
    declared_assets_fen: int | None = Field(
        None, description="申请人未登记家庭、支出型：申报的金融资产（分）/ a lone applicant's declared assets")
    declared_none: bool = Field(False, description="申请人声明无收入、无财产 / the applicant declared neither")
    stability_risk: bool = Field(False, description="有影响稳定的风险（须写明理由）；报告协商，不论金额 / a stability "
                                                    "risk the reviewer judged: escalated whatever the amount")
    stability_risk_reason: str = Field("", max_length=500, description="稳定风险情况和依据 / the risk and why")

    def to_input(self) -> services.ReviewInput:
        return services.ReviewInput(
            opinion=self.opinion, requested_amount_fen=self.requested_amount_fen, kind=self.kind,
            severity=self.severity, cause=self.cause, expenses=[(k, a) for k, a in self.expenses],
            difficulty_months=self.difficulty_months, repeat_reason=self.repeat_reason,
            home_visit_on=self.home_visit_on, home_visit_note=self.home_visit_note,
            verification_report_id=self.verification_report_id, appraisal=self.appraisal,
            appraisal_note=self.appraisal_note, declared_monthly_income_fen=self.declared_monthly_income_fen,
            declared_assets_fen=self.declared_assets_fen, declared_none=self.declared_none,
            stability_risk=self.stability_risk, stability_risk_reason=self.stability_risk_reason)


class ApproveIn(Schema):
    version: int
    amount_fen: int | None = Field(None, description="审批金额（分），不超过审核金额；空则按审核金额")
    note: str = Field("", max_length=300)


class PayIn(Schema):
    version: int
    amount_fen: int
    method: str = Field(..., description="bank, cash, in_kind, service")
    note: str = Field("", max_length=300)


class AssistIn(PayIn):
    instalments: int = Field(1, description="按月分期数（本自然年内）/ monthly instalments within the year")


class FastTrackIn(PayIn):
    severity: str = Field("general", description="困难程度：general, serious, critical")


class TransferIn(Schema):
    version: int
    to_region_code: str = Field(..., max_length=12, description="转往乡镇（街道）区划代码")
    reason: str = Field(..., max_length=1000)


def _route(name: str, schema: type[Schema], call: Callable[[User, Case, Any], Case], summary: str) -> None:
    t = TRANSITIONS[name]
    path = f"/cases/{{case_id}}/{name.replace('_', '-')}"

    def endpoint(request: HttpRequest, case_id: int, payload: Any) -> dict[str, Any]:
        case = _case(request, case_id)
        return _after(request, call(acting_user(request), case, payload))

    endpoint.__name__ = f"case_{name}"
    endpoint.__annotations__ = {"request": HttpRequest, "case_id": int, "payload": schema, "return": dict[str, Any]}
    router.post(path, response={200: WorkflowOut, **ERROR_RESPONSES}, summary=summary,
                operation_id=f"case_{name}")(requires(t.action)(endpoint))


_route("report", VersionIn, lambda u, c, p: services.case_report(actor=u, case=c, version=p.version, note=p.note),
       "发现的线索核实上报（发现 → 报告）/ register a discovered lead as a report")
_route("accept", VersionIn, lambda u, c, p: services.case_accept(actor=u, case=c, version=p.version, note=p.note),
       "受理 / accept")
_route("not_accept", ReasonIn,
       lambda u, c, p: services.case_not_accept(actor=u, case=c, version=p.version, reason=p.reason),
       "不予受理（理由书面告知申请人）/ refuse the intake, with a written reason")
_route("review", ReviewIn,
       lambda u, c, p: services.case_review(actor=u, case=c, version=p.version, data=p.to_input()),
       "审核：调查情况、意见、拟救助金额，按政策引擎测算并留存决定记录 / the township review")
_route("send_back", ReasonIn,
       lambda u, c, p: services.case_send_back(actor=u, case=c, version=p.version, reason=p.reason),
       "退回重新审核 / send the review back")
_route("approve", ApproveIn,
       lambda u, c, p: services.case_approve(actor=u, case=c, version=p.version, amount_fen=p.amount_fen,
                                             note=p.note),
       "审批（超过本级权限返回 403 并说明原因）/ approve within one's authority")
_route("deny", ReasonIn, lambda u, c, p: services.case_deny(actor=u, case=c, version=p.version, reason=p.reason),
       "不予救助（理由书面告知申请人）/ deny, with a written reason")
_route("fast_track", FastTrackIn,
       lambda u, c, p: services.case_fast_track(actor=u, case=c, version=p.version, amount_fen=p.amount_fen,
                                                method=p.method, severity=p.severity, note=p.note),
       "先行救助：先支付，审核审批作为补办手续 / pay first, paperwork after")
_route("makeup_review", ReviewIn,
       lambda u, c, p: services.case_makeup_review(actor=u, case=c, version=p.version, data=p.to_input()),
       "补办审核（先行救助后）/ the review owed after a fast track")
_route("makeup_approve", VersionIn,
       lambda u, c, p: services.case_makeup_approve(actor=u, case=c, version=p.version, note=p.note),
       "补办审批（先行救助后）/ the approval owed after a fast track")
_route("assist", AssistIn,
       lambda u, c, p: services.case_assist(actor=u, case=c, version=p.version, amount_fen=p.amount_fen,
                                            method=p.method, note=p.note, instalments=p.instalments),
       "救助实施（不超过审批金额）/ deliver the approved aid")
_route("follow_up", VersionIn,
       lambda u, c, p: services.case_follow_up(actor=u, case=c, version=p.version, note=p.note),
       "转入回访 / move on to the follow-up")
_route("close", CloseIn, lambda u, c, p: services.case_close(actor=u, case=c, version=p.version, note=p.note,
                                                             reason=p.reason),
       "结案（有待补办手续时不能结案）/ close")
_route("reopen", ReasonIn,
       lambda u, c, p: services.case_reopen(actor=u, case=c, version=p.version, reason=p.reason),
       "重新办理已结案的事项（须说明理由）/ reopen a closed case")
_route("reconsider", ReasonIn,
       lambda u, c, p: services.case_reconsider(actor=u, case=c, version=p.version, reason=p.reason),
       "回访发现困难仍未解决，重新办理 / reconsider after a follow-up found the need unresolved")
_route("transfer", TransferIn,
       lambda u, c, p: services.case_transfer(actor=u, case=c, version=p.version, to_region_code=p.to_region_code,
                                              reason=p.reason),
       "转出至其他乡镇（街道）/ hand over to another township")
_route("transfer_accept", VersionIn,
       lambda u, c, p: services.case_transfer_accept(actor=u, case=c, version=p.version, note=p.note),
       "接收转入的事项 / accept a case handed over")
_route("transfer_refuse", ReasonIn,
       lambda u, c, p: services.case_transfer_refuse(actor=u, case=c, version=p.version, reason=p.reason),
       "拒收转入的事项（退回原办理地）/ refuse a case handed over")


class FollowUpIn(Schema):
    version: int
    method: str = Field(..., description="phone（电话回访）或 visit（入户回访）")
    done_on: date
    outcome: str = Field(..., max_length=2000)
    satisfaction: int = Field(..., description="满意度 1–5（5 非常满意）")
    need_resolved: bool
    unresolved_needs: list[str] = Field(default_factory=list, description="仍未解决的需求代码")


@router.post("/cases/{case_id}/follow-ups", response={201: FollowUpOut, **ERROR_RESPONSES},
             summary="登记回访结果（回访阶段；困难未解决时可“回访后重新办理”）/ record a follow-up")
@requires(FOLLOW_UP_RECORD)
def add_follow_up(request: HttpRequest, case_id: int, payload: FollowUpIn) -> Status:
    record = services.follow_up_record(actor=acting_user(request), case=_case(request, case_id),
                                       version=payload.version, data=services.FollowUpInput(
                                           method=payload.method, done_on=payload.done_on, outcome=payload.outcome,
                                           satisfaction=payload.satisfaction, need_resolved=payload.need_resolved,
                                           unresolved_needs=list(payload.unresolved_needs)))
    return Status(201, record)


class PaymentStatusIn(Schema):
    version: int
    status: str = Field(..., description="paid, failed or returned")
    reference: str = Field("", max_length=80, description="支付凭证号（银行转账必填）")
    note: str = Field("", max_length=300, description="说明（失败、退回必填）")


class PaymentVersionIn(Schema):
    version: int


@router.post("/cases/{case_id}/payments/{payment_id}/status", response={200: PaymentOut, **ERROR_RESPONSES},
             summary="登记一笔救助金的发放结果：已发放、发放失败、已退回 / record what became of a payment")
@requires(PAYMENT_MANAGE)
def update_payment(request: HttpRequest, case_id: int, payment_id: int, payload: PaymentStatusIn) -> Any:
    payment = aid_selectors.payment_get_for_user(user=request.user, case_pk=case_id, pk=payment_id)
    return payment_update(actor=acting_user(request), payment=payment, version=payload.version, status=payload.status,
                          reference=payload.reference, note=payload.note)


@router.post("/cases/{case_id}/payments/{payment_id}/reissue", response={201: PaymentOut, **ERROR_RESPONSES},
             summary="重新发放失败或退回的款项 / pay again what failed or came back")
@requires(PAYMENT_MANAGE)
def reissue_payment(request: HttpRequest, case_id: int, payment_id: int, payload: PaymentVersionIn) -> Status:
    payment = aid_selectors.payment_get_for_user(user=request.user, case_pk=case_id, pk=payment_id)
    return Status(201, payment_reissue(actor=acting_user(request), payment=payment, version=payload.version))


class ObjectionIn(Schema):
    text: str = Field(..., max_length=1000)
    raised_by: str = Field("", max_length=50)


class ResolveIn(Schema):
    outcome: str = Field(..., description="upheld（成立）或 dismissed（不成立）")
    resolution: str = Field(..., max_length=1000)


@router.post("/cases/{case_id}/objections", response={201: ObjectionOut, **ERROR_RESPONSES},
             summary="登记公示异议（公示期内；暂停审批期限）/ record an objection during the notice")
@requires(OBJECTION_MANAGE)
def add_objection(request: HttpRequest, case_id: int, payload: ObjectionIn) -> Status:
    objection = services.objection_add(actor=acting_user(request), case=_case(request, case_id), text=payload.text,
                                       raised_by=payload.raised_by)
    return Status(201, objection)


@router.post("/cases/{case_id}/objections/{objection_id}/resolve", response={200: ObjectionOut, **ERROR_RESPONSES},
             summary="办结公示异议（无未办结异议时恢复审批期限）/ resolve an objection")
@requires(OBJECTION_MANAGE)
def resolve_objection(request: HttpRequest, case_id: int, objection_id: int, payload: ResolveIn) -> Any:
    objection = workflow_selectors.objection_get_for_user(user=request.user, case_pk=case_id, pk=objection_id)
    return services.objection_resolve(actor=acting_user(request), objection=objection, outcome=payload.outcome,
                                      resolution=payload.resolution)


class FilingOut(Schema):
    id: int
    person_id: int
    person_name: str
    region_code: str
    relative_name: str
    relative_post: str
    relation: str
    active: bool
    filed_at: datetime


class FilingIn(Schema):
    person_id: int
    relative_name: str = Field(..., max_length=50, description="工作人员或村（社区）干部姓名")
    relative_post: str = Field(..., max_length=50, description="职务")
    relation: str = Field(..., max_length=30, description="亲属关系")


class RetireIn(Schema):
    reason: str = Field(..., max_length=300)


def _filing_out(f: Any) -> dict[str, Any]:
    return {"id": f.pk, "person_id": f.person_id, "person_name": f.person.name, "region_code": f.region.code,
            "relative_name": f.relative_name, "relative_post": f.relative_post, "relation": f.relation,
            "active": f.active, "filed_at": f.filed_at}


class FilingFilter(Schema):
    q: str = ""
    active: bool | None = True
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


@router.get("/relative-filings", response={200: list[FilingOut], **ERROR_RESPONSES},
            summary="近亲属备案（本辖区）/ close-relative filings in one's area")
@requires(RELATIVE_FILING_VIEW)
def list_filings(request: HttpRequest, filters: Query[FilingFilter]) -> list[dict[str, Any]]:
    rows = workflow_selectors.relative_filing_list_for_user(user=request.user, q=filters.q, active=filters.active)
    start = (filters.page - 1) * filters.page_size
    return [_filing_out(f) for f in rows[start:start + filters.page_size]]


@router.post("/relative-filings", response={201: FilingOut, **ERROR_RESPONSES},
             summary="近亲属备案：该对象的申请须由县级审核 / file a close relative of staff")
@requires(RELATIVE_FILING_MANAGE)
def add_filing(request: HttpRequest, payload: FilingIn) -> Status:
    person = registry_selectors.person_get_for_user(user=request.user, pk=payload.person_id)
    filing = services.relative_filing_add(actor=acting_user(request), person=person,
                                          relative_name=payload.relative_name, relative_post=payload.relative_post,
                                          relation=payload.relation)
    return Status(201, _filing_out(filing))


@router.post("/relative-filings/{filing_id}/retire", response={200: FilingOut, **ERROR_RESPONSES},
             summary="撤销近亲属备案 / retire a filing")
@requires(RELATIVE_FILING_MANAGE)
def retire_filing(request: HttpRequest, filing_id: int, payload: RetireIn) -> dict[str, Any]:
    filing = workflow_selectors.relative_filing_get_for_user(user=request.user, pk=filing_id)
    return _filing_out(services.relative_filing_retire(actor=acting_user(request), filing=filing,
                                                       reason=payload.reason))
