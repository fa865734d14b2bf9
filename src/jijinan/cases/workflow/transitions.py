"""The stage line as data: which role may move a case from which stage to which (cases 2/3).

``TRANSITIONS`` is the one table the services, the permission matrix, the case page, the API and
the tests read. A transition names its permission action; the roles of that action are the roles
of the transition. Guards that depend on the case (authority over an amount, a public notice
still running, paperwork owed) live in :mod:`jijinan.cases.workflow.services` and, those the case
page also shows, :mod:`jijinan.cases.workflow.selectors`, each with the sentence a person is shown
when it refuses.

``STAGE_DEADLINES`` says which deadline every open stage carries and which policy parameter sets
its length; the deadline of a stage starts when the case enters it and is met when it leaves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jijinan.cases.aid.services import AID_DEADLINE
from jijinan.cases.choices import Stage
from jijinan.cases.permissions import PAYMENT_MANAGE
from jijinan.core.deadlines.kinds import DeadlineKind, deadline_kind_register
from jijinan.core.permissions import Role, Rule, ScopeKind
from jijinan.policy.calculators.stages import STAGE_PARAMETERS

R = Role
S = Stage

INTAKE_STAFF = frozenset({R.WINDOW_CLERK, R.HOTLINE_OPERATOR, R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD,
                          R.RELIEF_STATION_STAFF, R.COUNTY_APPROVER})
CASEWORKERS = frozenset({R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD, R.COUNTY_APPROVER})
APPROVERS = frozenset({R.TOWNSHIP_LEAD, R.COUNTY_APPROVER})
COUNTY = frozenset({R.COUNTY_APPROVER})


@dataclass(frozen=True)
class Transition:
    """One move of the stage line. ``target`` None: the case stays where it is (make-up paperwork)."""

    name: str
    label: str | Promise
    sources: frozenset[str]
    target: str | None
    action: str
    roles: frozenset[Role]
    reason_required: bool = False
    # The reason is a refusal the applicant is given in writing (a printable notice).
    refusal: bool = False
    # The permission is checked against the region the case is going to, not the one it is in.
    receiving_side: bool = False
    description: str | Promise = ""


def _t(name: str, label: str | Promise, sources: set[str], target: str | None, roles: frozenset[Role], *,
       reason: bool = False, refusal: bool = False, receiving: bool = False,
       description: str | Promise = "") -> Transition:
    return Transition(name, label, frozenset(sources), target, f"cases.case.{name}", roles, reason or refusal,
                      refusal, receiving, description)


TRANSITIONS: dict[str, Transition] = {t.name: t for t in [
    _t("report", _("核实上报"), {S.DISCOVERED}, S.REPORTED, INTAKE_STAFF,
       description=_("主动发现的线索经核实，作为报告登记")),
    _t("accept", _("受理"), {S.DISCOVERED, S.REPORTED}, S.ACCEPTED, INTAKE_STAFF),
    _t("not_accept", _("不予受理"), {S.DISCOVERED, S.REPORTED, S.ACCEPTED}, S.NOT_ACCEPTED, CASEWORKERS,
       refusal=True),
    _t("review", _("审核"), {S.ACCEPTED}, S.REVIEWED, CASEWORKERS,
       description=_("入户调查、家庭经济状况核对、民主评议（如开展），提出审核意见和拟救助金额")),
    _t("send_back", _("退回重新审核"), {S.REVIEWED}, S.ACCEPTED, APPROVERS, reason=True),
    _t("approve", _("审批"), {S.REVIEWED}, S.APPROVED, APPROVERS),
    _t("deny", _("不予救助"), {S.REVIEWED}, S.DENIED, APPROVERS, refusal=True),
    _t("fast_track", _("先行救助"), {S.ACCEPTED}, S.ASSISTED, CASEWORKERS,
       description=_("紧急情况下先行支付，审核审批作为补办手续在期限内完成")),
    _t("makeup_review", _("补办审核"), {S.ASSISTED, S.FOLLOW_UP}, None, CASEWORKERS),
    _t("makeup_approve", _("补办审批"), {S.ASSISTED, S.FOLLOW_UP}, None, APPROVERS),
    _t("assist", _("救助实施"), {S.APPROVED}, S.ASSISTED, CASEWORKERS),
    _t("follow_up", _("转入回访"), {S.ASSISTED}, S.FOLLOW_UP, CASEWORKERS),
    _t("reconsider", _("回访后重新办理"), {S.FOLLOW_UP}, S.ACCEPTED, CASEWORKERS, reason=True,
       description=_("回访发现困难仍未解决：重新受理，作出新的决定")),
    _t("close", _("结案"), {S.FOLLOW_UP, S.DENIED}, S.CLOSED, CASEWORKERS),
    _t("reopen", _("重新办理"), {S.CLOSED}, S.ACCEPTED, APPROVERS, reason=True),
    _t("transfer", _("转出"), {S.DISCOVERED, S.REPORTED, S.ACCEPTED, S.REVIEWED}, S.TRANSFERRED_OUT,
       CASEWORKERS, reason=True, description=_("移交其他乡镇（街道）或县（区）办理")),
    _t("transfer_accept", _("接收转入"), {S.TRANSFERRED_OUT}, S.ACCEPTED, CASEWORKERS, receiving=True),
    _t("transfer_refuse", _("拒收转入"), {S.TRANSFERRED_OUT}, None, CASEWORKERS, reason=True, receiving=True),
]}

# Authority beyond the transition itself: the amount decides who may approve or pay first, and a
# close relative of staff is reviewed by the county (近亲属备案).
APPROVE_COUNTY = "cases.case.approve_county_level"
FAST_TRACK_COUNTY = "cases.case.fast_track_county_level"
REVIEW_CLOSE_RELATIVE = "cases.case.review_close_relative"
OBJECTION_MANAGE = "cases.objection.manage"
RELATIVE_FILING_MANAGE = "cases.relative_filing.manage"
RELATIVE_FILING_VIEW = "cases.relative_filing.view"
FOLLOW_UP_RECORD = "cases.follow_up.record"


def workflow_rules() -> list[Rule]:
    """The permission rows of the workflow: one per transition, plus the authority rows."""
    rows = [Rule(t.action, t.roles, ScopeKind.REGION, t.label, view_action="cases.case.view")
            for t in TRANSITIONS.values()]
    rows += [
        Rule(APPROVE_COUNTY, COUNTY, ScopeKind.REGION, _("审批超过乡镇审批限额的救助"), view_action="cases.case.view"),
        Rule(FAST_TRACK_COUNTY, COUNTY, ScopeKind.REGION, _("超过乡镇先行救助限额的先行救助"),
             view_action="cases.case.view"),
        Rule(REVIEW_CLOSE_RELATIVE, COUNTY, ScopeKind.REGION, _("审核近亲属备案对象的申请"),
             view_action="cases.case.view"),
        Rule(OBJECTION_MANAGE, CASEWORKERS, ScopeKind.REGION, _("登记和办结公示异议"), view_action="cases.case.view"),
        Rule(FOLLOW_UP_RECORD, CASEWORKERS | {R.SOCIAL_WORKER}, ScopeKind.REGION, _("登记回访结果"),
             view_action="cases.case.view"),
        Rule(PAYMENT_MANAGE, CASEWORKERS, ScopeKind.REGION, _("登记救助金发放结果"), view_action="cases.case.view"),
        Rule(RELATIVE_FILING_VIEW, CASEWORKERS | {R.SUPERVISOR, R.ADMINISTRATOR}, ScopeKind.REGION,
             _("查看近亲属备案")),
        Rule(RELATIVE_FILING_MANAGE, CASEWORKERS | {R.ADMINISTRATOR}, ScopeKind.REGION, _("维护近亲属备案"),
             view_action=RELATIVE_FILING_VIEW),
    ]
    return rows


def transitions_from(stage: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if stage in t.sources]


def works_at(role: str, stage: str) -> bool:
    """Whether a role carries a case forward from ``stage`` (a move other than refusing or handing
    it away): the one who does becomes the case's responsible person there."""
    return any(role in t.roles and stage in t.sources and not t.refusal and t.name != "transfer"
               for t in TRANSITIONS.values())


# Every stage move the table allows (the stateful test checks each observed move against this); a
# refused transfer returns the case to the stage it was transferred from.
EDGES = frozenset({(source, t.target) for t in TRANSITIONS.values() if t.target for source in t.sources}
                  | {(S.TRANSFERRED_OUT, source) for source in TRANSITIONS["transfer"].sources})


@dataclass(frozen=True)
class StageDeadline:
    """The deadline an open stage carries: its kind and the parameter giving its length."""

    kind: str
    label: str | Promise
    parameter: Callable[[str], str]  # program -> parameter name
    description: str | Promise = ""


def _fixed(name: str) -> Callable[[str], str]:
    return lambda program: name


def _stage_limit(step: str, fallback: str) -> Callable[[str], str]:
    def name(program: str) -> str:
        return STAGE_PARAMETERS.get(program, {}).get(step) or fallback
    return name


ACCEPTANCE = StageDeadline("cases.stage.acceptance", _("受理期限"), _fixed("case_handling.acceptance_limit"),
                           _("发现或报告的线索，自登记起作出受理或不予受理决定"))
STAGE_DEADLINES: dict[str, StageDeadline] = {
    S.DISCOVERED: ACCEPTANCE,
    S.REPORTED: ACCEPTANCE,
    S.ACCEPTED: StageDeadline("cases.stage.review", _("审核期限"),
                              _stage_limit("reviewed", "temporary_assistance.review_limit"),
                              _("自受理起，乡镇（街道）完成调查审核")),
    S.REVIEWED: StageDeadline("cases.stage.approval", _("审批期限"),
                              _stage_limit("approved", "temporary_assistance.approval_limit"),
                              _("自审核完成起作出审批决定；公示异议未办结时暂停")),
    S.APPROVED: StageDeadline("cases.stage.aid", _("救助发放期限"), _fixed("case_handling.aid_delivery_limit"),
                              _("自审批起发放救助")),
    S.ASSISTED: StageDeadline("cases.stage.follow_up", _("回访期限"),
                              _stage_limit("follow_up", "case_handling.follow_up_limit"),
                              _("自救助实施起完成回访")),
    S.FOLLOW_UP: StageDeadline("cases.stage.closure", _("结案期限"), _fixed("case_handling.closure_limit"),
                               _("回访后办结归档")),
    S.TRANSFERRED_OUT: StageDeadline("cases.stage.transfer", _("转入接收期限"),
                                     _fixed("case_handling.transfer_limit"), _("转入地作出接收或拒收决定")),
}
MAKEUP_PAPERWORK = StageDeadline("cases.makeup_paperwork", _("补办手续期限"),
                                 _stage_limit("makeup_paperwork", "temporary_assistance.makeup_paperwork_limit"),
                                 _("先行救助后补办审核审批手续"))
# The emergency kind's aid (急难型): counted in wall-clock hours from acceptance, met by the case's
# first payment (see ``aid_deadline_start`` in the services for which cases carry it).
AID_WITHIN_LIMIT = StageDeadline(AID_DEADLINE, _("急难救助发放时限"),
                                 _stage_limit("fast_track", "temporary_assistance.aid_limit"),
                                 _("急难型事项自受理起按小时连续计算，不分昼夜；首笔救助金发放即完成"))
PUBLIC_NOTICE = StageDeadline("cases.public_notice", _("公示期"),
                              _stage_limit("public_notice", "temporary_assistance.public_notice_period"),
                              _("审核后、审批前的公示期，按自然日计"))


def _case_url(subject_id: str) -> str:
    from django.urls import reverse

    return reverse("cases:case", args=[int(subject_id)])


def deadline_kinds_install() -> None:
    seen = set()
    for sd in [*STAGE_DEADLINES.values(), MAKEUP_PAPERWORK, AID_WITHIN_LIMIT]:  # a notice period is no deadline
        if sd.kind in seen:
            continue
        seen.add(sd.kind)
        unit = "hours" if sd is AID_WITHIN_LIMIT else "working_days"
        deadline_kind_register(DeadlineKind(code=sd.kind, label=sd.label, default_unit=unit,
                                            subject_types=frozenset({"cases.case"}), subject_url=_case_url,
                                            description=sd.description))
