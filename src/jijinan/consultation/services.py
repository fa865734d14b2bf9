"""Writes of escalation and consultation: raise an escalation (by the review, the crisis track or by
hand), convene a consultation and ask offices for their opinions in parallel, chase the late ones,
record the meeting, decide (the plan, the support, each department's duty as a department task,
the 一事一议 amount that releases the case line), record a policy explanation, withdraw.

Each write is one transaction: the escalation or consultation row is locked and its version
compared (a stale version is refused with 409 and changes nothing), the status and the right are
checked, then the records, the deadlines, the case's timeline, the audit event and the outbox
messages (notices) are written together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import Organisation
from jijinan.audit.services import audit_record
from jijinan.cases.choices import Stage
from jijinan.cases.models import Case, CaseCategory
from jijinan.cases.services import case_event_record
from jijinan.cases.workflow.services import case_consultation_release
from jijinan.consultation import notify
from jijinan.consultation.choices import (
    LEVELS,
    OPEN_ESCALATION,
    DecisionOutcome,
    EscalationStatus,
    EscalationTrigger,
    FundingSource,
    MeetingMode,
    OpinionStatus,
)
from jijinan.consultation.errors import ConsultationErrorCode as E
from jijinan.consultation.models import (
    Consultation,
    ConsultationDecision,
    Duty,
    Escalation,
    Meeting,
    Opinion,
    PolicyExplanation,
)
from jijinan.consultation.permissions import (
    CONSULTATION_MANAGE,
    ESCALATION_RAISE,
    EXPLANATION_RECORD,
    OPINION_GIVE,
    OPINION_GIVE_OWN,
)
from jijinan.core.calendar.workdays import DeadlineUnit
from jijinan.core.deadlines.selectors import deadline_find_open
from jijinan.core.deadlines.services import deadline_cancel, deadline_meet, deadline_start
from jijinan.core.errors import Conflict, DomainError, Forbidden, expected_version, stale_version
from jijinan.core.permissions import Target, can, require
from jijinan.core.texts import message
from jijinan.policy.lookup import value as parameter_value
from jijinan.referrals.services import TaskDraft, tasks_open
from jijinan.regions.models import Region

ESCALATION_SUBJECT = "consultation.escalation"
OPINION_SUBJECT = "consultation.opinion"
CONVENE_DEADLINE = "consultation.convene"
OPINION_DEADLINE = "consultation.opinion"
LEVEL_PARAMETER = "case_handling.escalation_level"
CONVENE_PARAMETER = "case_handling.escalation_convene_limit"
OPINION_PARAMETER = "case_handling.consultation_opinion_limit"
DUTY_PARAMETER = "case_handling.consultation_duty_limit"
TEXT_MAX = 4000
SHORT_MAX = 500
MAX_INVITATIONS = 20
MAX_DUTIES = 10
MAX_FUNDING = 10
MAX_AMOUNT = 100_000_000_00
# Stages a case may be escalated from: taken up, and not yet finished or handed away.
ESCALABLE_STAGES = frozenset({Stage.DISCOVERED, Stage.REPORTED, Stage.ACCEPTED, Stage.REVIEWED, Stage.APPROVED,
                              Stage.ASSISTED, Stage.FOLLOW_UP})
# Offices that may be asked for an opinion or charged with a duty.
INVITABLE = frozenset({OrganisationKind.DEPARTMENT_OFFICE, OrganisationKind.CIVIL_AFFAIRS_OFFICE,
                       OrganisationKind.RELIEF_STATION, OrganisationKind.PARTNER})
GOVERNMENT_OFFICE = OrganisationKind.GOVERNMENT_OFFICE


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def _text(value: Any, name: str, *, required: str | None = None, limit: int = TEXT_MAX) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if required and not text:
        raise DomainError.for_field(name, required, code=E.REASON_REQUIRED)
    if len(text) > limit:
        raise DomainError.for_field(name, _("不能超过 %(n)s 个字符") % {"n": limit})
    return text


def _stale(current: int, given: int) -> Conflict:
    return stale_version(_("该记录已被他人修改（当前版本 %(current)s，您提交的是 %(given)s），请刷新后重试") % {
        "current": current, "given": given})


def _amount(value: Any, name: str, *, allow_zero: bool = True) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (value == 0 and not allow_zero):
        raise DomainError.for_field(name, _("金额应为不小于零的整数（单位：分）") if allow_zero
                                    else _("金额应为大于零的整数（单位：分）"), code=E.AMOUNT)
    if value > MAX_AMOUNT:
        raise DomainError.for_field(name, _("金额过大"), code=E.AMOUNT)
    return value


# --- where an escalation goes -------------------------------------------------------------------------


def _ancestor(region: Region, level: str) -> Region:
    """The township itself, or its county or city (GB/T 2260 code layout)."""
    code = region.code
    wanted = {"township": code[:9] + "000", "county": code[:6] + "000000", "city": code[:4] + "00000000"}[level]
    return Region.objects.get(code=wanted)


@dataclass(frozen=True)
class Destination:
    level: str
    region: Region
    office: Organisation
    parameters: dict[str, int]


def escalation_destination(case: Case, now: datetime) -> Destination:
    """The government that covers the case at the level the parameter names (0 township, 1 county,
    2 city), and the office that receives it: the government office there, else the civil-affairs
    office of that level convening on its behalf."""
    found = parameter_value(LEVEL_PARAMETER, case.handling_region.code, now)
    index = int(found.value)
    if not 0 <= index < len(LEVELS):
        raise DomainError(_("报告协商层级参数应为 0（乡镇）、1（县级）或 2（市级），当前为 %(v)s") % {"v": index},
                          code=E.NO_GOVERNMENT)
    level = LEVELS[index]
    region = _ancestor(case.handling_region, level)
    offices = {o.kind: o for o in Organisation.objects.filter(
        region=region, active=True, kind__in=[GOVERNMENT_OFFICE, OrganisationKind.CIVIL_AFFAIRS_OFFICE])
        .select_related("region").order_by("pk")}
    office = offices.get(GOVERNMENT_OFFICE) or offices.get(OrganisationKind.CIVIL_AFFAIRS_OFFICE)
    if office is None:
        raise DomainError(_("%(region)s 没有登记人民政府（办公室）或民政部门，无法报告协商") % {"region": region.name},
                          code=E.NO_GOVERNMENT)
    return Destination(level, region, office, {LEVEL_PARAMETER: found.version_id})


# --- what the escalation states ------------------------------------------------------------------------


def _facts(case: Case) -> str:
    names = dict(CaseCategory.objects.filter(code__in=case.categories or []).values_list("code", "name"))
    subject = case.person.name if case.person is not None else (case.subject_name or _("身份不明对象"))
    categories = "、".join(names.get(c, c) for c in case.categories or []) or "—"
    lines = [_("事项 %(number)s，%(township)s，对象：%(subject)s；急难类别：%(categories)s。") % {
        "number": case.number, "township": case.handling_region.name, "subject": subject, "categories": categories},
        case.description.strip()[:1500]]
    if case.crisis:
        lines.append(_("危机个案：%(note)s") % {"note": case.crisis_note or _("有极端行为风险")})
    if case.stability_risk:
        lines.append(_("稳定风险：%(reason)s") % {"reason": case.stability_risk_reason})
    return "\n".join(lines)


def _done_so_far(case: Case) -> str:
    events = list(case.events.exclude(kind__startswith="deadline").order_by("at", "id"))[-12:]
    rows = [f"{timezone.localtime(e.at):%Y-%m-%d %H:%M} {e.summary_text}" for e in events]
    aid = sum(a.amount_fen for a in case.aid.all())
    if aid:
        rows.append(_("已发放救助合计 %(amount)s 元") % {"amount": _yuan(aid)})
    return "\n".join(rows) or _("尚未采取措施")


def _cap(case: Case) -> int | None:
    result = case.decision.result if case.decision is not None else {}
    cap = result.get("cap_fen")
    return int(cap) if cap else None


# --- raise ----------------------------------------------------------------------------------------------


def escalation_raise(*, actor: Any, case: Case, trigger: str, reason: str = "", triggers: list[str] | None = None,
                     authorised: bool = False, now: datetime | None = None) -> Escalation:
    """Escalate a case to the government that covers it (报告). By hand a reason is required; the
    review, the crisis track and the sweep call it ``authorised`` (their own right was checked) and
    get the case's open escalation back, with the new trigger added, when there is one."""
    if trigger not in EscalationTrigger.values:
        raise DomainError.for_field("trigger", _("报告原因无效"))
    manual = trigger == EscalationTrigger.MANUAL
    if not authorised:
        require(actor, ESCALATION_RAISE, Target(region_prefix=case.handling_region.prefix))
    reason = _text(reason, "reason", required=_("请写明报告协商的理由") if manual else None)
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related(
            "handling_region", "person", "decision").get(pk=case.pk)
        if locked.stage not in ESCALABLE_STAGES:
            raise DomainError(_("事项当前处于“%(stage)s”阶段，不能报告协商") % {"stage": Stage(locked.stage).label},
                              code=E.CASE_STAGE, status=409)
        now = now or timezone.now()
        open_one = Escalation.objects.select_for_update().filter(case=locked, status__in=OPEN_ESCALATION).first()
        wanted = list(dict.fromkeys([trigger, *(triggers or [])]))
        if open_one is not None:
            if manual:
                raise DomainError(_("该事项已报告协商（%(number)s），正在等待会商") % {"number": open_one.number},
                                  code=E.ALREADY_ESCALATED, status=409)
            added = [t for t in wanted if t not in open_one.triggers]
            if added:
                open_one.triggers = [*open_one.triggers, *added]
                open_one.version += 1
                open_one.save(update_fields=["triggers", "version"])
                audit_record(actor=actor, action="consultation.escalation.trigger", subject=open_one,
                             subject_label=open_one.number, region_code=locked.handling_region.code,
                             changes={"triggers": (None, open_one.triggers)})
            return open_one
        to = escalation_destination(locked, now)
        with translation.override(settings.LANGUAGE_CODE):  # the record is written in the official language
            facts, done = _facts(locked), _done_so_far(locked)
        escalation = Escalation.objects.create(
            case=locked, trigger=trigger, triggers=wanted, level=to.level, region=to.region, office=to.office,
            reason=reason, facts=facts, done_so_far=done,
            requested_amount_fen=locked.requested_amount_fen, cap_fen=_cap(locked), parameters=to.parameters,
            raised_by=_user(actor), raised_at=now)
        limit = parameter_value(CONVENE_PARAMETER, locked.handling_region.code, now)
        escalation.deadline = deadline_start(
            actor=actor, subject_type=ESCALATION_SUBJECT, subject_id=escalation.pk, region_code=to.region.code,
            kind=CONVENE_DEADLINE, start=now, limit=limit.value.count, unit=limit.value.unit,
            owner_organisation=to.office, parameters={CONVENE_PARAMETER: limit.version_id, **to.parameters})
        escalation.parameters = {**to.parameters, CONVENE_PARAMETER: limit.version_id}
        escalation.save(update_fields=["deadline", "parameters"])
        labels = "、".join(str(EscalationTrigger(t).label) for t in wanted)
        text = message(gettext_noop("报告协商至%(office)s（%(triggers)s）；召集会商期限 %(due)s"), {
            "office": to.office.name, "triggers": labels,
            "due": timezone.localtime(escalation.deadline.due_at).strftime("%Y-%m-%d %H:%M")})
        if reason:
            text = message(gettext_noop("报告协商至%(office)s（%(triggers)s）：%(reason)s；召集会商期限 %(due)s"), {
                "office": to.office.name, "triggers": labels, "reason": reason[:200],
                "due": timezone.localtime(escalation.deadline.due_at).strftime("%Y-%m-%d %H:%M")})
        case_event_record(case=locked, kind="consultation.escalated", text=text, actor=_user(actor), at=now,
                          data={"escalation_id": escalation.pk, "triggers": wanted})
        audit_record(actor=actor, action="consultation.escalation.raise", subject=escalation,
                     subject_label=escalation.number, region_code=locked.handling_region.code, note=reason[:300],
                     changes={"trigger": (None, trigger), "level": (None, to.level), "office": (None, to.office.name),
                              "due_at": (None, escalation.deadline.due_at)})
        notify.escalation_notice(escalation, notify.RAISED, actor=actor)
        return escalation


def review_trigger(*, case: Case, actor: Any, now: datetime, reasons: list[str]) -> None:
    """The review found the case needs a consultation: escalate it (in the review's transaction)."""
    wanted = [r for r in reasons if r in EscalationTrigger.values] or [EscalationTrigger.ABOVE_CAP]
    escalation_raise(actor=actor, case=case, trigger=wanted[0], triggers=wanted, authorised=True, now=now)


def _locked_escalation(escalation: Escalation, version: Any) -> Escalation:
    expected = expected_version(version)
    locked = (Escalation.objects.select_for_update(of=("self",))
              .select_related("case", "case__handling_region", "region", "office", "deadline").get(pk=escalation.pk))
    if locked.version != expected:
        raise _stale(locked.version, expected)
    return locked


def _government_side(actor: Any, escalation: Escalation) -> None:
    require(actor, CONSULTATION_MANAGE, Target(region_prefix=escalation.region.prefix))


def _end(deadline: Any, actor: Any, *, met: bool, reason: str = "") -> None:
    if deadline is None:
        return
    deadline.refresh_from_db()
    if deadline.met_at is not None or deadline.cancelled_at is not None:
        return
    if met:
        deadline_meet(actor=actor, deadline=deadline)
    else:
        deadline_cancel(actor=actor, deadline=deadline, version=deadline.version, reason=reason[:500], authorised=True)


def escalation_withdraw(*, actor: Any, escalation: Escalation, version: Any, reason: str) -> Escalation:
    """Withdraw an escalation not yet convened (raised by mistake, or the risk is gone), with a reason."""
    reason = _text(reason, "reason", required=_("请写明撤回理由"))
    with transaction.atomic():
        locked = _locked_escalation(escalation, version)
        if not (can(actor, ESCALATION_RAISE, Target(region_prefix=locked.case.handling_region.prefix))
                or can(actor, CONSULTATION_MANAGE, Target(region_prefix=locked.region.prefix))):
            _government_side(actor, locked)
        if locked.status != EscalationStatus.OPEN:
            raise DomainError(_("已召集会商的报告不能撤回"), code=E.STATUS, status=409)
        now = timezone.now()
        locked.status = EscalationStatus.WITHDRAWN
        locked.withdrawn_reason = reason
        locked.closed_at = now
        locked.version += 1
        locked.save()
        _end(locked.deadline, actor, met=False, reason=_("报告已撤回：%(reason)s") % {"reason": reason})
        _case_event(locked, "consultation.withdrawn", message(gettext_noop("撤回报告协商：%(reason)s"), {
            "reason": reason[:200]}), actor, now)
        audit_record(actor=actor, action="consultation.escalation.withdraw", subject=locked,
                     subject_label=locked.number, region_code=locked.case.handling_region.code, note=reason[:300],
                     changes={"status": (EscalationStatus.OPEN, EscalationStatus.WITHDRAWN)})
        return locked


def _case_event(escalation: Escalation, kind: str, text: Any, actor: Any, now: datetime) -> None:
    case_event_record(case=escalation.case, kind=kind, text=text, actor=_user(actor), at=now,
                      data={"escalation_id": escalation.pk})


# --- convene and invite --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationDraft:
    office_id: Any
    question: str = ""


def _office(escalation: Escalation, office_id: Any, name: str) -> Organisation:
    """An active office that may be asked or charged, on the case's path: at the case's township or
    above it, or inside the region the escalation went to."""
    try:
        pk = int(office_id)
    except (TypeError, ValueError):
        raise DomainError.for_field(name, _("请选择部门或单位"), code=E.OFFICE) from None
    office = Organisation.objects.select_related("region", "department_type").filter(pk=pk).first()
    if office is None or office.kind not in INVITABLE:
        raise DomainError.for_field(name, _("未找到该部门或单位"), code=E.OFFICE)
    if not office.active:
        raise DomainError.for_field(name, _("%(office)s 已停用") % {"office": office.name}, code=E.OFFICE)
    case_prefix = escalation.case.handling_region.prefix
    if not (case_prefix.startswith(office.region.prefix) or office.region.prefix.startswith(escalation.region.prefix)):
        raise DomainError.for_field(name, _("%(office)s 不在本事项所属区域，不能邀请或分工") % {"office": office.name},
                                    code=E.OFFICE)
    return office


def _invite(consultation: Consultation, escalation: Escalation, drafts: list[InvitationDraft], *, actor: Any,
            now: datetime) -> list[Opinion]:
    if not drafts:
        raise DomainError.for_field("invitations", _("请至少邀请一个部门或单位提出意见"), code=E.NO_INVITATIONS)
    if len(drafts) > MAX_INVITATIONS:
        raise DomainError.for_field("invitations", _("一次最多邀请 %(n)s 个部门或单位") % {"n": MAX_INVITATIONS})
    errors: dict[str, list[str]] = {}
    chosen: list[tuple[Organisation, str]] = []
    asked = set(consultation.opinions.values_list("office_id", flat=True)) if consultation.pk else set()
    for i, d in enumerate(drafts):
        try:
            office = _office(escalation, d.office_id, f"invitations.{i}.office_id")
            question = _text(d.question, f"invitations.{i}.question", limit=SHORT_MAX)
        except DomainError as exc:
            for k, v in exc.field_errors.items():
                errors.setdefault(k, []).extend(str(x) for x in v)
            continue
        if office.pk in asked:
            errors.setdefault(f"invitations.{i}.office_id", []).append(
                _("已邀请 %(office)s") % {"office": office.name})
            continue
        asked.add(office.pk)
        chosen.append((office, question))
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors)
    limit = parameter_value(OPINION_PARAMETER, escalation.case.handling_region.code, now)
    opinions = []
    for office, question in chosen:
        opinion = Opinion.objects.create(consultation=consultation, office=office, question=question,
                                         requested_at=now)
        opinion.deadline = deadline_start(
            actor=actor, subject_type=OPINION_SUBJECT, subject_id=opinion.pk, region_code=office.region.code,
            kind=OPINION_DEADLINE, start=now, limit=limit.value.count, unit=limit.value.unit,
            owner_organisation=office, parameters={OPINION_PARAMETER: limit.version_id})
        opinion.save(update_fields=["deadline"])
        notify.opinion_notice(opinion, notify.INVITED, actor=actor)
        opinions.append(opinion)
    return opinions


def consultation_convene(*, actor: Any, escalation: Escalation, version: Any, agenda: str,
                         invitations: list[InvitationDraft]) -> Consultation:
    """Convene the consultation (召集会商): the agenda and the offices asked, each with its own
    deadline, in parallel; the deadline to convene is met."""
    _government_side(actor, escalation)
    agenda = _text(agenda, "agenda", required=_("请填写会商议题"))
    with transaction.atomic():
        locked = _locked_escalation(escalation, version)
        _government_side(actor, locked)
        if locked.status != EscalationStatus.OPEN:
            raise DomainError(_("该报告已召集会商或已办结"), code=E.STATUS, status=409)
        now = timezone.now()
        user = _user(actor)
        convener = locked.office
        consultation = Consultation.objects.create(escalation=locked, convener_office=convener, convened_by=user,
                                                   convened_at=now, agenda=agenda)
        opinions = _invite(consultation, locked, invitations, actor=actor, now=now)
        locked.status = EscalationStatus.CONSULTING
        locked.version += 1
        locked.save()
        _end(locked.deadline, actor, met=True)
        _case_event(locked, "consultation.convened", message(gettext_noop("召集会商，征求意见：%(offices)s"), {
            "offices": "、".join(o.office.name for o in opinions)}), actor, now)
        audit_record(actor=actor, action="consultation.consultation.convene", subject=consultation,
                     subject_label=locked.number, region_code=locked.case.handling_region.code,
                     changes={"status": (EscalationStatus.OPEN, EscalationStatus.CONSULTING),
                              "invited": (None, [o.office.name for o in opinions])})
        return consultation


def _locked_consultation(consultation: Consultation, version: Any) -> Consultation:
    expected = expected_version(version)
    locked = (Consultation.objects.select_for_update(of=("self",))
              .select_related("escalation", "escalation__case", "escalation__case__handling_region",
                              "escalation__region", "escalation__office").get(pk=consultation.pk))
    if locked.version != expected:
        raise _stale(locked.version, expected)
    return locked


def _still_open(consultation: Consultation) -> None:
    if consultation.decided_at is not None or consultation.escalation.status != EscalationStatus.CONSULTING:
        raise DomainError(_("会商已作出决定，不能再变更"), code=E.STATUS, status=409)


def consultation_invite(*, actor: Any, consultation: Consultation, version: Any,
                        invitations: list[InvitationDraft]) -> list[Opinion]:
    """Ask more offices for their opinion while the consultation is open."""
    _government_side(actor, consultation.escalation)
    with transaction.atomic():
        locked = _locked_consultation(consultation, version)
        _still_open(locked)
        now = timezone.now()
        opinions = _invite(locked, locked.escalation, invitations, actor=actor, now=now)
        locked.version += 1
        locked.save(update_fields=["version"])
        _case_event(locked.escalation, "consultation.invited", message(gettext_noop("会商追加征求意见：%(offices)s"), {
            "offices": "、".join(o.office.name for o in opinions)}), actor, now)
        audit_record(actor=actor, action="consultation.consultation.invite", subject=locked,
                     subject_label=locked.escalation.number, region_code=locked.escalation.case.handling_region.code,
                     changes={"invited": (None, [o.office.name for o in opinions])})
        return opinions


# --- opinions ------------------------------------------------------------------------------------------


def office_target(office: Organisation) -> Target:
    kind = office.department_type
    return Target(region_prefix=office.region.prefix, department_type=kind.code if kind is not None else None)


def may_give_opinion(user: Any, opinion: Opinion) -> bool:
    """The invited office's own people: a department's handlers in scope, or the staff of an invited
    organisation of another kind."""
    office = opinion.office
    if office.kind == OrganisationKind.DEPARTMENT_OFFICE and can(user, OPINION_GIVE, office_target(office)):
        return True
    return getattr(user, "organisation_id", None) == office.pk and can(user, OPINION_GIVE_OWN)


def opinion_give(*, actor: Any, opinion: Opinion, version: Any, text: str, can_help: str = "",
                 on_behalf: bool = False) -> Opinion:
    """The office's written opinion (a revision replaces it while the consultation is open). The
    convener may record an opinion given on paper or by phone ``on_behalf`` of the office."""
    text = _text(text, "text", required=_("请填写意见"))
    can_help = _text(can_help, "can_help", limit=SHORT_MAX)
    expected = expected_version(version)
    with transaction.atomic():
        locked = (Opinion.objects.select_for_update(of=("self",))
                  .select_related("office", "office__region", "office__department_type", "deadline",
                                  "consultation", "consultation__escalation", "consultation__escalation__region",
                                  "consultation__escalation__case", "consultation__escalation__case__handling_region")
                  .get(pk=opinion.pk))
        escalation = locked.consultation.escalation
        if on_behalf:
            _government_side(actor, escalation)
        elif not may_give_opinion(actor, locked):
            raise Forbidden(_("只有受邀部门（单位）的工作人员可以提出意见"), code="forbidden")
        if locked.version != expected:
            raise _stale(locked.version, expected)
        _still_open(locked.consultation)
        if locked.status == OpinionStatus.WITHDRAWN:
            raise DomainError(_("该邀请已撤回"), code=E.STATUS, status=409)
        now = timezone.now()
        before = locked.status
        locked.text, locked.can_help = text, can_help
        locked.status = OpinionStatus.GIVEN
        locked.given_by, locked.given_at = _user(actor), now
        locked.version += 1
        locked.save()
        _end(locked.deadline, actor, met=True)
        summary = (message(gettext_noop("%(office)s 提出会商意见（由召集方代为登记）"), {"office": locked.office.name})
                   if on_behalf else message(gettext_noop("%(office)s 提出会商意见"), {"office": locked.office.name}))
        _case_event(escalation, "consultation.opinion", summary, actor, now)
        audit_record(actor=actor, action="consultation.opinion.give", subject=locked, subject_label=escalation.number,
                     region_code=escalation.case.handling_region.code,
                     changes={"status": (before, OpinionStatus.GIVEN), "on_behalf": (None, on_behalf)})
        notify.opinion_notice(locked, notify.GIVEN, actor=actor)
        return locked


def opinions_chase(*, actor: Any, consultation: Consultation, authorised: bool = False) -> int:
    """Chase every opinion still missing (inbox and text to the office's people); the number chased.
    The convener chases by hand; the worker chases each opinion once when its deadline runs out."""
    if not authorised:
        _government_side(actor, consultation.escalation)
    with transaction.atomic():
        now = timezone.now()
        missing = list(Opinion.objects.select_for_update(of=("self",)).select_related("office", "deadline")
                       .filter(consultation=consultation, status=OpinionStatus.REQUESTED))
        if consultation.decided_at is not None:
            return 0
        for opinion in missing:
            opinion.chased += 1
            opinion.last_chased_at = now
            opinion.save(update_fields=["chased", "last_chased_at"])
            notify.opinion_notice(opinion, notify.CHASED, actor=actor)
        if missing:
            escalation = consultation.escalation
            _case_event(escalation, "consultation.chased", message(gettext_noop("催办会商意见：%(offices)s"), {
                "offices": "、".join(o.office.name for o in missing)}), actor, now)
            audit_record(actor=actor, action="consultation.opinion.chase", subject=consultation,
                         subject_label=escalation.number, region_code=escalation.case.handling_region.code,
                         changes={"chased": (None, [o.office.name for o in missing])})
        return len(missing)


# --- the meeting ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingInput:
    held_at: datetime | None
    mode: str
    place: str
    attendees: str
    minutes: str


def meeting_record(*, actor: Any, consultation: Consultation, version: Any, data: MeetingInput) -> Meeting:
    """The meeting (or the written round): when, how, where, who, the minutes."""
    _government_side(actor, consultation.escalation)
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    if data.held_at is None:
        errors["held_at"] = [_("请填写会商时间")]
    elif data.held_at > now:
        errors["held_at"] = [_("会商时间不能晚于现在（会后登记）")]
    if data.mode not in MeetingMode.values:
        errors["mode"] = [_("会商方式无效")]
    for name, value, required, limit in (("place", data.place, None, 200),
                                         ("attendees", data.attendees, _("请填写参会人员"), SHORT_MAX * 2),
                                         ("minutes", data.minutes, _("请填写会议纪要"), TEXT_MAX)):
        try:
            _text(value, name, required=required, limit=limit)
        except DomainError as exc:
            errors.update({k: [str(x) for x in v] for k, v in exc.field_errors.items()})
    if data.mode in (MeetingMode.IN_PERSON, MeetingMode.VIDEO) and not (data.place or "").strip():
        errors["place"] = [_("请填写会议地点或视频会议链接")]
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors)
    with transaction.atomic():
        locked = _locked_consultation(consultation, version)
        _still_open(locked)
        assert data.held_at is not None
        meeting = Meeting.objects.create(consultation=locked, held_at=data.held_at, mode=data.mode,
                                         place=data.place.strip(), attendees=data.attendees.strip(),
                                         minutes=data.minutes.strip(), recorded_by=_user(actor), recorded_at=now)
        locked.version += 1
        locked.save(update_fields=["version"])
        text = message(gettext_noop("登记会商会议（%(mode)s，%(at)s）"), {
            "mode": MeetingMode(data.mode).label, "at": timezone.localtime(data.held_at).strftime("%Y-%m-%d %H:%M")})
        _case_event(locked.escalation, "consultation.meeting", text, actor, now)
        audit_record(actor=actor, action="consultation.meeting.record", subject=locked,
                     subject_label=locked.escalation.number, region_code=locked.escalation.case.handling_region.code,
                     changes={"held_at": (None, data.held_at), "mode": (None, data.mode)})
        return meeting


# --- the decision --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DutyDraft:
    office_id: Any
    description: str
    amount_fen: int | None = None
    limit_count: int | None = None
    limit_unit: str = ""


@dataclass(frozen=True)
class FundingLine:
    source: str
    amount_fen: Any
    name: str = ""


@dataclass(frozen=True)
class DecisionInput:
    outcome: str
    plan: str
    case_by_case_amount_fen: int | None = None
    total_support_fen: int | None = None
    funding: tuple[FundingLine, ...] = ()
    duties: tuple[DutyDraft, ...] = ()


MONEY_TRIGGERS = frozenset({EscalationTrigger.ABOVE_CAP, EscalationTrigger.ABOVE_THRESHOLD})


def _check_duties(escalation: Escalation, drafts: tuple[DutyDraft, ...], errors: dict[str, list[str]],
                  now: datetime) -> list[tuple[Organisation, str, int | None, int, str, dict[str, int]]]:
    if len(drafts) > MAX_DUTIES:
        errors.setdefault("duties", []).append(_("一次最多分工 %(n)s 个部门") % {"n": MAX_DUTIES})
        return []
    default = parameter_value(DUTY_PARAMETER, escalation.case.handling_region.code, now)
    out = []
    seen: set[int] = set()
    for i, d in enumerate(drafts):
        prefix = f"duties.{i}."
        try:
            office = _office(escalation, d.office_id, prefix + "office_id")
            if office.kind != OrganisationKind.DEPARTMENT_OFFICE:
                raise DomainError.for_field(prefix + "office_id", _("分工只能交给部门机构（由其办理部门任务）"),
                                            code=E.OFFICE)
            description = _text(d.description, prefix + "description", required=_("请填写分工内容"))
            amount = None if d.amount_fen is None else _amount(d.amount_fen, prefix + "amount_fen")
        except DomainError as exc:
            for k, v in exc.field_errors.items():
                errors.setdefault(k, []).extend(str(x) for x in v)
            continue
        if office.pk in seen:
            errors.setdefault(prefix + "office_id", []).append(_("同一部门只分工一次，请合并分工内容"))
            continue
        seen.add(office.pk)
        if d.limit_count is None:
            count, unit, parameters = default.value.count, default.value.unit, {DUTY_PARAMETER: default.version_id}
        else:
            count, unit, parameters = d.limit_count, d.limit_unit or DeadlineUnit.WORKING_DAYS, {}
            if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 90:
                errors.setdefault(prefix + "limit_count", []).append(_("办理时限应为 1 到 90 之间的整数"))
                continue
            if unit not in (DeadlineUnit.WORKING_DAYS, DeadlineUnit.CALENDAR_DAYS):
                errors.setdefault(prefix + "limit_unit", []).append(_("时限单位应为工作日或自然日"))
                continue
        out.append((office, description, amount, count, unit, parameters))
    return out


def _check_funding(lines: tuple[FundingLine, ...], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    if len(lines) > MAX_FUNDING:
        errors.setdefault("funding", []).append(_("资金来源最多 %(n)s 项") % {"n": MAX_FUNDING})
        return []
    out = []
    for i, line in enumerate(lines):
        prefix = f"funding.{i}."
        if line.source not in FundingSource.values:
            errors.setdefault(prefix + "source", []).append(_("资金来源无效"))
            continue
        name = (line.name or "").strip()
        if line.source in (FundingSource.CHARITY, FundingSource.OTHER) and not name:
            errors.setdefault(prefix + "name", []).append(_("请填写慈善组织、基金或其他来源的名称"))
            continue
        if len(name) > 100:
            errors.setdefault(prefix + "name", []).append(_("不能超过 %(n)s 个字符") % {"n": 100})
            continue
        try:
            amount = _amount(line.amount_fen, prefix + "amount_fen", allow_zero=False)
        except DomainError as exc:
            for k, v in exc.field_errors.items():
                errors.setdefault(k, []).extend(str(x) for x in v)
            continue
        out.append({"source": line.source, "name": name, "amount_fen": amount})
    return out


def _duty_tasks(escalation: Escalation, duties: list[Duty]) -> list[TaskDraft]:
    """The department task of each duty, worded in the official language (the task is the record)."""
    with translation.override(settings.LANGUAGE_CODE):
        return [TaskDraft(office_id=d.office_id, description=_("会商分工（%(number)s）：%(text)s%(money)s") % {
                    "number": escalation.number, "text": d.description,
                    "money": (_("；帮扶金额 %(amount)s 元") % {"amount": _yuan(d.amount_fen)}) if d.amount_fen else ""},
                          required_result=_("按会商决定办结并反馈办理结果"), limit=(d.limit_count, d.limit_unit))
                for d in duties]


def consultation_decide(*, actor: Any, consultation: Consultation, version: Any, data: DecisionInput
                        ) -> ConsultationDecision:
    """Decide (会商决定): the plan and the support; each department's duty becomes a department task
    with its deadline; the 一事一议 amount releases the case line (approval or make-up approval then
    proceeds with this decision as its authority). A demand found unreasonable is decided as such:
    no duties, no amount, a policy explanation follows. Exactly one decision: the consultation row
    is locked and its version compared, so of two conveners deciding at once one is refused."""
    _government_side(actor, consultation.escalation)
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    escalation = consultation.escalation
    if data.outcome not in DecisionOutcome.values:
        errors["outcome"] = [_("请选择会商结论")]
    plan = ""
    try:
        plan = _text(data.plan, "plan", required=_("请填写救助帮扶方案或政策解释要点"))
    except DomainError as exc:
        errors.update({k: [str(x) for x in v] for k, v in exc.field_errors.items()})
    amount = 0
    if data.case_by_case_amount_fen is not None:
        try:
            amount = _amount(data.case_by_case_amount_fen, "case_by_case_amount_fen")
        except DomainError as exc:
            errors.update({k: [str(x) for x in v] for k, v in exc.field_errors.items()})
    duties = _check_duties(escalation, data.duties, errors, now)
    funding = _check_funding(data.funding, errors)
    money_case = bool(set(escalation.triggers) & MONEY_TRIGGERS)
    if data.outcome == DecisionOutcome.SUPPORT:
        if not data.duties:
            errors.setdefault("duties", []).append(_("请至少为一个部门确定分工"))
        if money_case and not amount and "case_by_case_amount_fen" not in errors:
            errors["case_by_case_amount_fen"] = [_("该事项因金额超过上限报告协商：请填写一事一议的临时救助金额")]
    elif data.outcome == DecisionOutcome.UNREASONABLE:
        if data.duties:
            errors.setdefault("duties", []).append(_("诉求不合理的决定不分工部门任务"))
        if amount:
            errors.setdefault("case_by_case_amount_fen", []).append(_("诉求不合理的决定不给予一事一议救助"))
    total = amount + sum(d[2] or 0 for d in duties)
    if data.total_support_fen is not None:
        try:
            total = _amount(data.total_support_fen, "total_support_fen")
        except DomainError as exc:
            errors.update({k: [str(x) for x in v] for k, v in exc.field_errors.items()})
        else:
            if total < amount:
                errors.setdefault("total_support_fen", []).append(_("帮扶总额不能少于一事一议临时救助金额"))
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors)
    with transaction.atomic():
        locked = _locked_consultation(consultation, version)
        _still_open(locked)
        escalation = locked.escalation
        if not locked.meetings.exists():
            raise DomainError(_("请先登记会商会议（或书面会商）情况，再作出决定"), code=E.STATUS, status=409)
        decision = ConsultationDecision.objects.create(
            consultation=locked, outcome=data.outcome, plan=plan, total_support_fen=total,
            case_by_case_amount_fen=amount, funding=funding, decided_by=_user(actor), decided_at=now)
        rows = [Duty.objects.create(decision=decision, sequence=i, office=office, description=description,
                                    amount_fen=duty_amount, limit_count=count, limit_unit=unit)
                for i, (office, description, duty_amount, count, unit, _p) in enumerate(duties, start=1)]
        drafts = _duty_tasks(escalation, rows)
        if drafts:
            tasks = tasks_open(actor=actor, case=escalation.case, drafts=drafts, authorised=True)
            for duty, task in zip(rows, tasks, strict=True):
                duty.task = task
                duty.save(update_fields=["task"])
        # Opinions never given stay on record as missing; their deadlines end with the decision.
        for opinion in locked.opinions.filter(status=OpinionStatus.REQUESTED).select_related("deadline"):
            _end(opinion.deadline, actor, met=False, reason=_("会商已作出决定"))
        locked.decided_at = now
        locked.version += 1
        locked.save(update_fields=["decided_at", "version"])
        escalation.status = EscalationStatus.DECIDED
        escalation.closed_at = now
        escalation.version += 1
        escalation.save(update_fields=["status", "closed_at", "version"])
        basis = (message(gettext_noop("一事一议临时救助 %(amount)s 元，部门分工 %(n)s 项"), {
                     "amount": _yuan(amount), "n": len(rows)}) if data.outcome == DecisionOutcome.SUPPORT
                 else message(gettext_noop("诉求不合理，做好政策解释")))
        case_consultation_release(actor=actor, case=escalation.case, escalation_id=escalation.pk,
                                  number=escalation.number, amount_fen=amount, basis=basis, authorised=True)
        audit_record(actor=actor, action="consultation.consultation.decide", subject=locked,
                     subject_label=escalation.number, region_code=escalation.case.handling_region.code,
                     changes={"outcome": (None, data.outcome), "case_by_case_amount_fen": (None, amount),
                              "total_support_fen": (None, total), "duties": (None, [d.office.name for d in rows]),
                              "status": (EscalationStatus.CONSULTING, EscalationStatus.DECIDED)})
        notify.escalation_notice(escalation, notify.DECIDED, actor=actor)
        return decision


# --- policy explanation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExplanationInput:
    explained_by: str
    explained_at: datetime | None
    content: str
    response: str
    accepted: bool = False


def explanation_record(*, actor: Any, escalation: Escalation, data: ExplanationInput) -> PolicyExplanation:
    """政策解释: who explained, when, what was said, the person's response (after a decision that found
    the demand unreasonable; the case then closes through 不予救助 with the written reason)."""
    require(actor, EXPLANATION_RECORD, Target(region_prefix=escalation.case.handling_region.prefix))
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    for name, value, required, limit in (("explained_by", data.explained_by, _("请填写解释人"), 100),
                                         ("content", data.content, _("请填写解释内容"), TEXT_MAX),
                                         ("response", data.response, _("请填写当事人的反应"), TEXT_MAX)):
        try:
            _text(value, name, required=required, limit=limit)
        except DomainError as exc:
            errors.update({k: [str(x) for x in v] for k, v in exc.field_errors.items()})
    if data.explained_at is None:
        errors["explained_at"] = [_("请填写解释时间")]
    elif data.explained_at > now:
        errors["explained_at"] = [_("解释时间不能晚于现在")]
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors)
    with transaction.atomic():
        locked = Escalation.objects.select_for_update(of=("self",)).select_related(
            "case", "case__handling_region").get(pk=escalation.pk)
        decision = ConsultationDecision.objects.filter(consultation__escalation=locked).first()
        if decision is None or decision.outcome != DecisionOutcome.UNREASONABLE:
            raise DomainError(_("只有会商认定诉求不合理后才登记政策解释"), code=E.STATUS, status=409)
        assert data.explained_at is not None
        record = PolicyExplanation.objects.create(
            escalation=locked, explained_by=data.explained_by.strip(), explained_at=data.explained_at,
            content=data.content.strip(), response=data.response.strip(), accepted=data.accepted,
            recorded_by=_user(actor), recorded_at=now)
        text = message(gettext_noop("政策解释：%(by)s，%(at)s；当事人%(accepted)s"), {
            "by": record.explained_by, "at": timezone.localtime(record.explained_at).strftime("%Y-%m-%d %H:%M"),
            "accepted": message(gettext_noop("表示理解")) if data.accepted else message(gettext_noop("仍有异议"))})
        _case_event(locked, "consultation.explained", text, actor, now)
        audit_record(actor=actor, action="consultation.explanation.record", subject=locked,
                     subject_label=locked.number, region_code=locked.case.handling_region.code,
                     changes={"explained_by": (None, record.explained_by), "accepted": (None, data.accepted)})
        return record


# --- the worker: an opinion whose deadline ran out is chased once --------------------------------------


def opinion_deadline_breached(deadline_id: int) -> int:
    """Chase the office whose opinion deadline ran out (called by the outbox handler)."""
    opinion = (Opinion.objects.select_related("consultation", "consultation__escalation",
                                              "consultation__escalation__case__handling_region")
               .filter(deadline_id=deadline_id, status=OpinionStatus.REQUESTED).first())
    if opinion is None or opinion.consultation.decided_at is not None:
        return 0
    with transaction.atomic():
        locked = Opinion.objects.select_for_update().select_related("office").get(pk=opinion.pk)
        if locked.status != OpinionStatus.REQUESTED or (locked.last_chased_at is not None and (
                locked.deadline is not None and locked.last_chased_at >= locked.deadline.due_at)):
            return 0
        now = timezone.now()
        locked.chased += 1
        locked.last_chased_at = now
        locked.save(update_fields=["chased", "last_chased_at"])
        notify.opinion_notice(locked, notify.CHASED, actor=None)
        escalation = opinion.consultation.escalation
        _case_event(escalation, "consultation.chased", message(gettext_noop("会商意见逾期，已催办：%(office)s"), {
            "office": locked.office.name}), None, now)
        return 1


def open_deadline(escalation: Escalation) -> Any:
    return deadline_find_open(subject_type=ESCALATION_SUBJECT, subject_id=escalation.pk, kind=CONVENE_DEADLINE)
