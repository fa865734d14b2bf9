"""Writes of the staged workflow (cases 2/3): every move of the stage line, the emergency fast track
and its make-up paperwork, delegated approval, public notice and objections, transfers of
jurisdiction, close-relative filings.

Each move is one transaction: the case row is locked and its version compared (a stale version is
refused with 409 and changes nothing), the table of :mod:`jijinan.cases.workflow.transitions` and
the guards (here and in :mod:`jijinan.cases.workflow.selectors`) are checked, then the stage, the
deadlines (the stage left is met, the stage entered starts its own), the case event, the audit
event and the outbox message are written together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import Organisation
from jijinan.accounts.scopes import grant_scopes
from jijinan.audit.services import audit_record
from jijinan.cases import notices
from jijinan.cases.aid.services import IN_PERSON, payments_create, schedule
from jijinan.cases.choices import (
    AidMethod,
    Appraisal,
    ApproverLevel,
    FollowUpMethod,
    ObjectionOutcome,
    Satisfaction,
    Stage,
    TransferStatus,
)
from jijinan.cases.errors import CaseErrorCode as E
from jijinan.cases.facts import CAUSES, household_members, household_property
from jijinan.cases.models import (
    Case,
    CaseAid,
    CaseReview,
    CaseTransfer,
    FollowUp,
    NeedType,
    Objection,
    PublicNotice,
    RelativeFiling,
)
from jijinan.cases.selectors import township_of
from jijinan.cases.services import case_event_record
from jijinan.cases.workflow.selectors import (
    approval_blockers,
    close_blockers,
    close_relative_filed,
    close_warnings,
    current_notice,
    fast_track_total,
    last_fast_track_at,
    last_follow_up,
    round_start,
)
from jijinan.cases.workflow.transitions import (
    AID_WITHIN_LIMIT,
    APPROVE_COUNTY,
    FAST_TRACK_COUNTY,
    FOLLOW_UP_RECORD,
    MAKEUP_PAPERWORK,
    OBJECTION_MANAGE,
    PUBLIC_NOTICE,
    RELATIVE_FILING_MANAGE,
    REVIEW_CLOSE_RELATIVE,
    STAGE_DEADLINES,
    TRANSITIONS,
    StageDeadline,
    Transition,
    works_at,
)
from jijinan.core.calendar.workdays import deadline_at
from jijinan.core.deadlines.selectors import deadline_find_open
from jijinan.core.deadlines.services import (
    deadline_cancel,
    deadline_meet,
    deadline_pause,
    deadline_resume,
    deadline_start,
)
from jijinan.core.errors import Conflict, DomainError, Forbidden, NotFound
from jijinan.core.jobs.outbox import outbox_write
from jijinan.core.models import Deadline
from jijinan.core.permissions import Target, can, require
from jijinan.core.texts import Stored, joined, message
from jijinan.policy import calculators as calc
from jijinan.policy.lookup import value as parameter_value
from jijinan.policy.lookup import value_or_none as parameter_value_or_none
from jijinan.policy.models import Decision, DecisionPurpose
from jijinan.policy.services import decision_record
from jijinan.registry.models import Person
from jijinan.verification.models import VerificationReport

CASE_SUBJECT = "cases.case"
REASON_MAX = 1000
OPINION_MAX = 2000
NOTE_MAX = 300
RISK_REASON_MAX = 500
# Categories whose cause the temporary-assistance calculator knows.
EXPENSE_CAUSES = {"serious_illness": calc.Cause.MEDICAL, "schooling": calc.Cause.EDUCATION}


# --- the common frame of every move ---------------------------------------------------------------------


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _locked(case: Case, version: Any) -> Case:
    """The case row, locked for the rest of the transaction; 409 when ``version`` is not its version."""
    try:
        expected = int(version)
    except (TypeError, ValueError):
        raise DomainError.for_field("version", _("请提供事项的版本号（version）"), code=E.STALE) from None
    # Only the case row is locked: PostgreSQL refuses FOR UPDATE on the nullable side of the joins.
    locked = Case.objects.select_for_update(of=("self",)).select_related(
        "handling_region", "transfer_to", "person", "household").get(pk=case.pk)
    if locked.version != expected:
        raise Conflict(_("该事项已被他人修改（当前版本 %(current)s，您提交的是 %(given)s），请刷新后重试") % {
            "current": locked.version, "given": expected}, code=E.STALE,
            field_errors={"version": [_("版本已过期")]})
    return locked


def case_locked(case: Case, version: Any) -> Case:
    """The case row locked and its version compared, for the writers of a case outside the stage
    line (identifying its subject, adding a work order): 409 when ``version`` is stale."""
    return _locked(case, version)


def _target(case: Case, t: Transition) -> Target:
    region = case.transfer_to if t.receiving_side and case.transfer_to is not None else case.handling_region
    return Target(region_prefix=region.prefix)


def _begin(actor: Any, case: Case, name: str, version: Any, reason: str = "") -> tuple[Case, Transition, str]:
    """Lock, compare the version, check the role, the stage and the reason. Returns the locked case."""
    t = TRANSITIONS[name]
    require(actor, t.action, _target(case, t))  # the role first: a wrong role learns nothing more
    locked = _locked(case, version)
    if (locked.handling_region_id, locked.transfer_to_id) != (case.handling_region_id, case.transfer_to_id):
        require(actor, t.action, _target(locked, t))
    if locked.stage not in t.sources:
        raise DomainError(_("事项当前处于“%(stage)s”阶段，不能“%(action)s”") % {
            "stage": Stage(locked.stage).label, "action": t.label}, code=E.INVALID_TRANSITION, status=409)
    reason = (reason or "").strip()
    if t.reason_required and not reason:
        raise DomainError.for_field("reason", _("请填写理由（将告知申请人）") if t.refusal else _("请填写理由"),
                                    code=E.REASON_REQUIRED)
    if len(reason) > REASON_MAX:
        raise DomainError.for_field("reason", _("不能超过 %(n)s 个字符") % {"n": REASON_MAX})
    return locked, t, reason


def responsible_for(actor: Any, region: Any, stage: str) -> Any:
    """The actor, when one of their roles in ``region`` carries a case on from ``stage``; else
    nobody: the case waits, unassigned, in the queues of the roles that do."""
    user = _user(actor)
    if user is None:
        return None
    return user if any(works_at(g.role, stage) for g in grant_scopes(user)
                       if region.prefix.startswith(g.prefix)) else None


def _owner(case: Case, actor: Any) -> Any:
    """Who answers for the case's deadline: its responsible person, else (when nobody holds it yet)
    its office (see ``_office``)."""
    owner = case.owner
    if owner is not None and owner.is_active:
        return owner
    return None


def _start(case: Case, sd: StageDeadline, *, actor: Any, now: datetime, owner: Any = None,
           limit: Any = None, parameters: dict[str, int] | None = None) -> Deadline:
    """Start a deadline whose length is the policy parameter in force in the case's township
    (``parameters``: the versions of other parameters that decided it is owed, kept with it)."""
    name = sd.parameter(case.program)
    region_code = case.handling_region.code
    limit = limit or parameter_value(name, region_code, now)
    responsible = owner or _owner(case, actor)
    office = None if responsible is not None else _office(case)
    if responsible is None and office is None:
        responsible = _user(actor)  # nobody holds it and there is no office: the one who moved it
    if responsible is None and office is None:
        raise DomainError(_("该事项没有责任人，办理地也没有民政机构，不能设定期限"), code=E.INVALID_TRANSITION)
    return deadline_start(actor=actor, subject_type=CASE_SUBJECT, subject_id=case.pk, region_code=region_code,
                          kind=sd.kind, start=now, limit=limit.value.count, unit=limit.value.unit,
                          owner_user=responsible, owner_organisation=office,
                          parameters={name: limit.version_id, **(parameters or {})})


def _office(case: Case) -> Organisation | None:
    """The civil-affairs office answering for a case nobody holds yet (an online application): the
    township's own, else its county's."""
    code = case.handling_region.code
    offices = Organisation.objects.filter(kind=OrganisationKind.CIVIL_AFFAIRS_OFFICE, active=True,
                                          region__code__in=[code, code[:6] + "000000"]).select_related("region")
    return min(offices, key=lambda o: o.region.code != code, default=None)


def _meet(case: Case, kind: str, actor: Any) -> None:
    deadline = deadline_find_open(subject_type=CASE_SUBJECT, subject_id=case.pk, kind=kind)
    if deadline is not None:
        deadline_meet(actor=actor, deadline=deadline)


def stage_deadline_start(*, case: Case, actor: Any, now: datetime) -> Deadline | None:
    """The deadline of the stage a new case starts in (called by intake, inside its transaction).

    A case is never refused for want of a parameter: without one in force the case carries the
    reason in its timeline (and the deadline report shows the stage without a deadline)."""
    if case.stage == Stage.ACCEPTED:
        aid_deadline_at_acceptance(case=case, actor=actor, now=now)
    sd = STAGE_DEADLINES.get(case.stage)
    if sd is None:
        return None
    try:  # the look-up writes nothing: a missing parameter needs no savepoint to roll back
        limit = parameter_value(sd.parameter(case.program), case.handling_region.code, now)
        if _owner(case, actor) is None and _office(case) is None and _user(actor) is None:
            raise DomainError(_("该事项没有责任人，办理地也没有民政机构"))
    except DomainError as exc:
        case_event_record(case=case, kind="deadline_missing", actor=_user(actor), at=now,
                          text=message(gettext_noop("未能设定%(kind)s：%(reason)s"), {
                              "kind": sd.label, "reason": exc.message}))
        return None
    return _start(case, sd, actor=actor, now=now, limit=limit)


# --- the emergency kind's aid deadline (急难型: aid within hours of acceptance) ------------------------------
#
# Started at acceptance when one of the case's categories is listed as an emergency by the policy
# parameters (``temporary_assistance.emergency_category.<category>``, boolean), since the kind is
# only chosen at review; the review cancels it when it chooses the expense kind and starts it (from
# the review) when it chooses the emergency kind for a case without one. The first payment paid
# meets it (``jijinan.cases.aid.services``). Refusing the intake, denying or handing the case over
# cancels it with the reason; the receiving township carries on the person's running deadline (same
# due time), never a fresh one.

EMERGENCY_CATEGORY = "temporary_assistance.emergency_category.{code}"


def emergency_category(case: Case, on: datetime) -> Any:
    """The parameter value that makes the case an emergency from acceptance (the first of its
    categories the township's parameters list as one), else None."""
    for code in case.categories or []:
        try:
            found = parameter_value_or_none(EMERGENCY_CATEGORY.format(code=code), case.handling_region.code, on)
        except NotFound:  # a category no parameter names is not an emergency
            continue
        if found is not None and found.value is True:
            return found
    return None


def _aid_deadline(case: Case) -> Deadline | None:
    return deadline_find_open(subject_type=CASE_SUBJECT, subject_id=case.pk, kind=AID_WITHIN_LIMIT.kind)


def _aid_deadline_start(case: Case, *, actor: Any, now: datetime, because: Any = None) -> Deadline | None:
    """Start the aid deadline from ``now``; without a limit in force the case says why in its
    timeline (a case is never refused for want of a parameter)."""
    try:
        limit = parameter_value(AID_WITHIN_LIMIT.parameter(case.program), case.handling_region.code, now)
        if _owner(case, actor) is None and _office(case) is None and _user(actor) is None:
            raise DomainError(_("该事项没有责任人，办理地也没有民政机构"))
    except DomainError as exc:
        case_event_record(case=case, kind="deadline_missing", actor=_user(actor), at=now,
                          text=message(gettext_noop("未能设定%(kind)s：%(reason)s"), {
                              "kind": AID_WITHIN_LIMIT.label, "reason": exc.message}))
        return None
    return _start(case, AID_WITHIN_LIMIT, actor=actor, now=now, limit=limit,
                  parameters={because.name: because.version_id} if because is not None else None)


def aid_deadline_at_acceptance(*, case: Case, actor: Any, now: datetime) -> Deadline | None:
    """At acceptance (受理): the aid deadline of a case whose category is an emergency."""
    because = emergency_category(case, now)
    if because is None or _aid_deadline(case) is not None:
        return None
    return _aid_deadline_start(case, actor=actor, now=now, because=because)


def _aid_deadline_cancel(case: Case, *, actor: Any, reason: str) -> Deadline | None:
    deadline = _aid_deadline(case)
    if deadline is None:
        return None
    return deadline_cancel(actor=actor, deadline=deadline, version=deadline.version, reason=reason[:500],
                           authorised=True)


def _aid_deadline_carry_on(case: Case, old: Deadline, *, actor: Any) -> Deadline:
    """A transfer took effect (the sender's aid deadline was cancelled with the reason): the
    receiving township's starts with the same due time, for the person's hours do not start again.
    A pause of the old one ends at the hand-over."""
    responsible = _owner(case, actor)
    office = None if responsible is not None else _office(case)
    if responsible is None and office is None:
        responsible = _user(actor)
    return deadline_start(actor=actor, subject_type=CASE_SUBJECT, subject_id=case.pk,
                          region_code=case.handling_region.code, kind=AID_WITHIN_LIMIT.kind,
                          start=old.counted_from + timedelta(seconds=old.paused_seconds), limit=old.counted_units,
                          unit=old.unit, owner_user=responsible, owner_organisation=office,
                          parameters=old.parameters)


def _move(case: Case, t: Transition, *, actor: Any, now: datetime, reason: str = "", summary: Stored | None = None,
          data: dict[str, Any] | None = None, changes: dict[str, tuple[Any, Any]] | None = None,
          target: str | None = None, owner: Any = None) -> Case:
    """Write the move: stage, deadlines, version, case event, audit event, outbox message."""
    before = case.stage
    after = target or t.target or before
    old_deadline = STAGE_DEADLINES.get(before)
    new_deadline = STAGE_DEADLINES.get(after) if after != before else None
    leaving = old_deadline is not None and after != before
    if leaving and (new_deadline is None or old_deadline is None or new_deadline.kind != old_deadline.kind):
        assert old_deadline is not None
        _meet(case, old_deadline.kind, actor)
    case.stage = after
    if after != before:
        case.stage_changed_at = now
        if owner is None:
            case.owner = responsible_for(actor, case.handling_region, after)
    case.version += 1
    case.updated_at = now
    case.save()
    if new_deadline is not None and (old_deadline is None or new_deadline.kind != old_deadline.kind):
        _start(case, new_deadline, actor=actor, now=now, owner=owner)
    text = summary or message(gettext_noop("%(action)s：%(before)s → %(after)s"), {
        "action": t.label, "before": Stage(before).label, "after": Stage(after).label})
    if reason:
        text = joined([text, message(gettext_noop("；理由：%(reason)s"), {"reason": reason})])
    case_event_record(case=case, kind=f"stage.{t.name}", text=text, actor=_user(actor), at=now,
                      data={"transition": t.name, "from": before, "to": after, "reason": reason,
                            **(data or {})})
    audit_record(actor=actor, action=t.action, subject=case, subject_label=case.number,
                 region_code=case.handling_region.code, note=reason[:300],
                 changes={"stage": (before, after), "version": (case.version - 1, case.version), **(changes or {})})
    outbox_write(type="cases.case.stage_changed", subject_type=CASE_SUBJECT, subject_id=str(case.pk), payload={
        "id": case.pk, "number": case.number, "region_code": case.handling_region.code, "transition": t.name,
        "from": before, "to": after, "version": case.version, "at": now.isoformat()})
    return case


def _amount(value: Any, name: str = "amount_fen") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise DomainError.for_field(name, _("金额应为大于零的整数（单位：分）"), code=E.AMOUNT)
    if value > 100_000_000_00:
        raise DomainError.for_field(name, _("金额过大"), code=E.AMOUNT)
    return value


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def _note(value: str, name: str = "note", limit: int = NOTE_MAX) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise DomainError.for_field(name, _("不能超过 %(n)s 个字符") % {"n": limit})
    return value


# --- simple moves -------------------------------------------------------------------------------------


def case_report(*, actor: Any, case: Case, version: Any, note: str = "") -> Case:
    """A discovered lead checked and registered as a report (发现 → 报告)."""
    with transaction.atomic():
        locked, t, _reason = _begin(actor, case, "report", version)
        return _move(locked, t, actor=actor, now=timezone.now(), data={"note": _note(note)})


def case_accept(*, actor: Any, case: Case, version: Any, note: str = "") -> Case:
    """Take up a discovered or reported case (受理)."""
    with transaction.atomic():
        locked, t, _reason = _begin(actor, case, "accept", version)
        now = timezone.now()
        locked.accepted_at = now
        if locked.owner is None:
            locked.owner = _user(actor)
        case = _move(locked, t, actor=actor, now=now, data={"note": _note(note)})
        aid_deadline_at_acceptance(case=case, actor=actor, now=now)
        return case


def _refusal_notice(case: Case, text: str) -> None:
    short = text if len(text) <= 60 else text[:58] + "…"
    notices.case_notify_decision(case, short + _("（书面告知书可到受理地领取）"))


def case_not_accept(*, actor: Any, case: Case, version: Any, reason: str) -> Case:
    """Refuse the intake (不予受理) with a written reason the applicant is given."""
    with transaction.atomic():
        locked, t, reason = _begin(actor, case, "not_accept", version, reason)
        now = timezone.now()
        locked.refusal_reason = reason
        locked.closed_at = now
        case = _move(locked, t, actor=actor, now=now, reason=reason,
                     changes={"refusal_reason": ("", reason)})
        _aid_deadline_cancel(case, actor=actor, reason=_("不予受理：%(reason)s") % {"reason": reason})
        _refusal_notice(case, _("不予受理：%(reason)s") % {"reason": reason})
        return case


def case_follow_up(*, actor: Any, case: Case, version: Any, note: str = "") -> Case:
    """Aid delivered: the case moves on to the call-back or visit (回访)."""
    with transaction.atomic():
        locked, t, _reason = _begin(actor, case, "follow_up", version)
        return _move(locked, t, actor=actor, now=timezone.now(), data={"note": _note(note)})


def case_close(*, actor: Any, case: Case, version: Any, note: str = "", reason: str = "") -> Case:
    """Close the case (结案): never while make-up paperwork or another app's work is owed; with a
    reason when something is left that the person is warned of (a need no department was asked to meet)."""
    with transaction.atomic():
        locked, t, reason = _begin(actor, case, "close", version, reason)
        blockers = close_blockers(locked)
        if blockers:
            raise DomainError(_("不能结案：%(reasons)s") % {"reasons": "；".join(blockers)}, code=E.CLOSE_BLOCKED,
                              status=409)
        warnings = close_warnings(locked)
        if warnings and not reason:
            raise DomainError.for_field("reason", _("%(warnings)s：请说明结案理由") % {"warnings": "；".join(warnings)},
                                        code=E.CLOSE_REASON_REQUIRED)
        now = timezone.now()
        locked.closed_at = now
        return _move(locked, t, actor=actor, now=now, reason=reason,
                     data={"note": _note(note), "warnings": warnings})


def _new_round(case: Case) -> dict[str, tuple[Any, Any]]:
    """Clear the decision of the round that ends (its reviews, aid and records stay in the history)."""
    old = {"decided_amount_fen": case.decided_amount_fen, "approver_level": case.approver_level}
    case.closed_at = None
    case.requested_amount_fen = case.decided_amount_fen = None
    case.approver_level = ""
    case.needs_consultation = case.public_notice_required = False
    case.stability_risk = False
    case.stability_risk_reason = ""
    case.consultation_authority = {}
    case.decision = None
    case.refusal_reason = ""
    return {k: (v, None) for k, v in old.items()}


@dataclass(frozen=True)
class FollowUpInput:
    method: str
    done_on: date | None
    outcome: str
    satisfaction: int | None
    need_resolved: bool
    unresolved_needs: list[str] = field(default_factory=list)


def follow_up_record(*, actor: Any, case: Case, version: Any, data: FollowUpInput) -> FollowUp:
    """Record the call-back or visit (回访): outcome, satisfaction and whether the need is resolved.
    A case closes only after one; an unresolved need is carried on by ``case_reconsider``."""
    require(actor, FOLLOW_UP_RECORD, Target(region_prefix=case.handling_region.prefix))
    errors: dict[str, list[str]] = {}
    if data.method not in FollowUpMethod.values:
        errors["method"] = [_("请选择回访方式")]
    today = timezone.localdate()
    if data.done_on is None:
        errors["done_on"] = [_("请填写回访日期")]
    elif data.done_on > today:
        errors["done_on"] = [_("回访日期不能晚于今天")]
    outcome = (data.outcome or "").strip()
    if not outcome:
        errors["outcome"] = [_("请填写回访情况")]
    elif len(outcome) > OPINION_MAX:
        errors["outcome"] = [_("不能超过 %(n)s 个字符") % {"n": OPINION_MAX}]
    if data.satisfaction not in Satisfaction.values:
        errors["satisfaction"] = [_("请选择满意度")]
    needs = list(dict.fromkeys(n.strip() for n in data.unresolved_needs if n and n.strip()))
    if data.need_resolved and needs:
        errors["unresolved_needs"] = [_("困难已解决时不应填写未解决的需求")]
    elif not data.need_resolved:
        known = set(NeedType.objects.filter(code__in=needs, active=True).values_list("code", flat=True))
        if not needs:
            errors["unresolved_needs"] = [_("请选择仍未解决的需求")]
        elif set(needs) - known:
            errors["unresolved_needs"] = [_("未知或已停用的代码：%(codes)s") % {
                "codes": "、".join(n for n in needs if n not in known)}]
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors)
    assert data.satisfaction is not None and data.done_on is not None
    with transaction.atomic():
        locked = _locked(case, version)
        if locked.stage != Stage.FOLLOW_UP:
            raise DomainError(_("事项当前处于“%(stage)s”阶段，不能登记回访") % {"stage": Stage(locked.stage).label},
                              code=E.INVALID_TRANSITION, status=409)
        now = timezone.now()
        record = FollowUp.objects.create(case=locked, method=data.method, done_on=data.done_on, outcome=outcome,
                                         satisfaction=data.satisfaction, need_resolved=data.need_resolved,
                                         unresolved_needs=needs, recorded_by=_user(actor), recorded_at=now)
        locked.version += 1
        locked.updated_at = now
        locked.save(update_fields=["version", "updated_at"])
        summary = message(gettext_noop("回访（%(method)s）：%(satisfaction)s；%(resolved)s"), {
            "method": FollowUpMethod(data.method).label, "satisfaction": Satisfaction(data.satisfaction).label,
            "resolved": gettext_lazy("困难已解决") if data.need_resolved else gettext_lazy("仍有困难未解决")})
        case_event_record(case=locked, kind="follow_up_record", actor=_user(actor), at=now,
                          text=summary, data={"follow_up_id": record.pk,
                                                       "need_resolved": data.need_resolved,
                                                       "unresolved_needs": needs})
        audit_record(actor=actor, action=FOLLOW_UP_RECORD, subject=locked, subject_label=locked.number,
                     region_code=locked.handling_region.code,
                     changes={"satisfaction": (None, data.satisfaction), "need_resolved": (None, data.need_resolved)})
    return record


def case_reconsider(*, actor: Any, case: Case, version: Any, reason: str) -> Case:
    """A follow-up found the need unresolved: the case goes back to 受理 for a new decision."""
    with transaction.atomic():
        locked, t, reason = _begin(actor, case, "reconsider", version, reason)
        last = last_follow_up(locked)
        if last is None or last.need_resolved:
            raise DomainError(_("只有回访登记为“困难仍未解决”时才能回访后重新办理"), code=E.INVALID_TRANSITION,
                              status=409)
        now = timezone.now()
        changes = _new_round(locked)
        return _move(locked, t, actor=actor, now=now, reason=reason, changes=changes,
                     data={"follow_up_id": last.pk, "unresolved_needs": last.unresolved_needs})


def case_reopen(*, actor: Any, case: Case, version: Any, reason: str) -> Case:
    """Reopen a closed case for a new decision: back to 受理, with a reason; the old decision stays
    in the history (reviews, aid, decision records) but no longer binds the case."""
    with transaction.atomic():
        locked, t, reason = _begin(actor, case, "reopen", version, reason)
        now = timezone.now()
        changes = _new_round(locked)
        return _move(locked, t, actor=actor, now=now, reason=reason, changes=changes)


def case_send_back(*, actor: Any, case: Case, version: Any, reason: str) -> Case:
    """The approver returns the review for another look (审核 → 受理)."""
    with transaction.atomic():
        locked, t, reason = _begin(actor, case, "send_back", version, reason)
        now = timezone.now()
        _withdraw_notice(locked, now)
        locked.approver_level = ""
        locked.needs_consultation = locked.public_notice_required = False
        locked.decision = None
        return _move(locked, t, actor=actor, now=now, reason=reason)


# --- review, the engine's decision, public notice ----------------------------------------------------------


@dataclass(frozen=True)
class ReviewInput:
    """The township's investigation and opinion, and what it proposes (temporary assistance)."""

    opinion: str
    requested_amount_fen: int
    kind: str = calc.AssistanceKind.EMERGENCY
    severity: str = calc.Severity.GENERAL
    cause: str = ""  # default: from the case's categories
    expenses: list[tuple[str, int]] = field(default_factory=list)
    difficulty_months: int = 0
    repeat_reason: str = ""
    home_visit_on: date | None = None
    home_visit_note: str = ""
    verification_report_id: int | None = None
    appraisal: str = Appraisal.NOT_USED
    appraisal_note: str = ""
    # A subject with no registered household: the income and property the applicant declared
    # (both needed by the expense kind's means test), or that they declared none.
    declared_monthly_income_fen: int | None = None
    declared_assets_fen: int | None = None
    declared_none: bool = False
    # A risk to stability (a threat of collective petitions, of harm to others …) the reviewer
    # judged, with its reason: the case is escalated whatever the amount.
    stability_risk: bool = False
    stability_risk_reason: str = ""


@dataclass(frozen=True)
class Means:
    """The income and property the engine was told, and where they came from (kept with the review)."""

    members: tuple[calc.Member, ...]
    property: calc.PropertyFacts
    annual_income_fen: int
    record: dict[str, Any]


def _declared_means(data: ReviewInput | None) -> tuple[int, calc.PropertyFacts, dict[str, Any]]:
    """A lone applicant's own declaration: both amounts, or that there is neither (400 otherwise)."""
    if data is not None and data.declared_none:
        return 0, calc.PropertyFacts(), {"source": "declared_none"}
    income = data.declared_monthly_income_fen if data is not None else None
    assets = data.declared_assets_fen if data is not None else None
    errors: dict[str, list[str]] = {}
    for name, value, missing in (
            ("declared_monthly_income_fen", income, _("申请人未登记家庭：请填写申请人月收入（没有收入填 0），"
                                                      "或勾选“申请人声明无收入、无财产”")),
            ("declared_assets_fen", assets, _("申请人未登记家庭：请填写申请人存款等金融资产（没有填 0），"
                                              "或勾选“申请人声明无收入、无财产”"))):
        if value is None:
            errors[name] = [missing]
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100_000_000_00:
            errors[name] = [_("金额应为不小于零的整数（单位：分）")]
    if errors:
        raise DomainError(_("支出型救助须核对收入和财产：请填写申请人申报的收入和财产"), field_errors=errors,
                          code=E.MEANS_MISSING)
    assert income is not None and assets is not None
    return income * 12, calc.PropertyFacts(financial_assets_fen=assets), {
        "source": "declared", "monthly_income_fen": income, "assets_fen": assets}


def _means(case: Case, actor: Any, *, kind: str, data: ReviewInput | None = None) -> Means:
    """What the engine is told about the subject's members, income and property. A household's are
    its own (the verification report in force, else its declaration); a lone person's are what
    they declared, asked for whenever the test needs them (the expense kind) — never taken as none."""
    if case.household is not None:
        facts, source = household_property(actor, case.household)
        income = case.household.monthly_income_fen * 12
        return Means(household_members(case.household), facts, income,
                     {"source": "household", "property_source": str(source), "annual_income_fen": income})
    if case.person is not None:
        p: Person = case.person
        member = (calc.Member(birth_date=p.birth_date, sex=p.sex or "U",
                              disability_category=p.disability_category or "", disability_grade=p.disability_grade,
                              serious_illness=p.serious_illness, living_alone=p.living_alone),)
        if kind != calc.AssistanceKind.EXPENSE:
            return Means(member, calc.PropertyFacts(), 0, {"source": "not_tested"})
        income, facts, record = _declared_means(data)
        return Means(member, facts, income, record)
    raise DomainError(_("身份不明的对象须先登记身份（关联救助对象或家庭），才能审核或先行救助"), code=E.UNIDENTIFIED)


def _prior_grants(case: Case, cause: str, on: date) -> int:
    """Grants this calendar year for the same cause to the same subject: on its other cases, and on
    this case before it was reopened (the current round's own fast track is what is being decided)."""
    same = Q()
    if case.person_id:
        same |= Q(case__person_id=case.person_id)
    if case.household_id:
        same |= Q(case__household_id=case.household_id)
    earlier_here = Q(case_id=case.pk, given_at__lt=round_start(case))
    rows = CaseAid.objects.filter(same, given_at__year=on.year, program="temporary_assistance").filter(
        ~Q(case_id=case.pk) | earlier_here).values_list("case_id", "case__categories").distinct()
    return sum(1 for _case_id, categories in rows if any(CAUSES.get(c) == cause or EXPENSE_CAUSES.get(c) == cause
                                                         for c in categories or []))


def _evaluate(case: Case, actor: Any, *, amount_fen: int, kind: str, severity: str, cause: str,
              expenses: list[tuple[str, int]], difficulty_months: int, repeat_reason: str, note: str,
              means: Means | None = None) -> tuple[Decision, Any]:
    """Ask the policy engine and keep its decision record (inputs, parameter versions, explanation)."""
    means = means or _means(case, actor, kind=kind)
    members, facts, income = means.members, means.property, means.annual_income_fen
    on = timezone.localdate()
    if not cause:
        table = CAUSES if kind == calc.AssistanceKind.EMERGENCY else EXPENSE_CAUSES
        default = calc.Cause.OTHER
        cause = next((table[c] for c in case.categories if c in table), default)
    inputs = calc.TemporaryAssistanceInput(
        region_code=case.handling_region.code, on=on, kind=kind, cause=cause, requested_amount_fen=amount_fen,
        household=calc.Household(members=members), severity=severity, annual_income_fen=income, property=facts,
        expenses=tuple(calc.Expense(kind=k, amount_fen=a) for k, a in expenses),
        prior_grants_same_cause=_prior_grants(case, cause, on), repeat_reason=repeat_reason,
        stability_risk=case.stability_risk, difficulty_months=difficulty_months)
    decision = decision_record(actor=actor, program="temporary_assistance", inputs=inputs,
                               purpose=DecisionPurpose.DECISION, subject_type=CASE_SUBJECT, subject_id=str(case.pk),
                               note=note[:300])
    return decision, decision.result


def _check_review(data: ReviewInput, now: datetime) -> tuple[str, int]:
    errors: dict[str, list[str]] = {}
    opinion = (data.opinion or "").strip()
    if not opinion:
        errors["opinion"] = [_("请填写审核意见")]
    elif len(opinion) > OPINION_MAX:
        errors["opinion"] = [_("不能超过 %(n)s 个字符") % {"n": OPINION_MAX}]
    if data.home_visit_on is None and data.verification_report_id is None:
        errors["home_visit_on"] = [_("请填写入户调查日期或选择家庭经济状况核对报告")]
    elif data.home_visit_on is not None and data.home_visit_on > timezone.localdate(now):
        errors["home_visit_on"] = [_("入户调查日期不能晚于今天")]
    if data.appraisal not in Appraisal.values:
        errors["appraisal"] = [_("民主评议结果无效")]
    if len((data.home_visit_note or "").strip()) > OPINION_MAX:
        errors["home_visit_note"] = [_("不能超过 %(n)s 个字符") % {"n": OPINION_MAX}]
    if len((data.appraisal_note or "").strip()) > NOTE_MAX:
        errors["appraisal_note"] = [_("不能超过 %(n)s 个字符") % {"n": NOTE_MAX}]
    risk_reason = (data.stability_risk_reason or "").strip()
    if data.stability_risk and not risk_reason:
        errors["stability_risk_reason"] = [_("登记稳定风险时请写明风险情况和依据")]
    elif len(risk_reason) > RISK_REASON_MAX:
        errors["stability_risk_reason"] = [_("不能超过 %(n)s 个字符") % {"n": RISK_REASON_MAX}]
    amount = 0
    try:
        amount = _amount(data.requested_amount_fen, "requested_amount_fen")
    except DomainError as exc:
        errors.update(exc.field_errors)
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors)
    return opinion, amount


def _verification_report(actor: Any, case: Case, pk: int | None) -> Any:
    if pk is None:
        return None
    report = VerificationReport.objects.filter(pk=pk).first()
    if report is None or (case.household_id and getattr(report, "household_id", None) not in (None, case.household_id)):
        raise DomainError.for_field("verification_report_id", _("未找到该对象的家庭经济状况核对报告"))
    return report


def _record_review(locked: Case, actor: Any, data: ReviewInput, *, makeup: bool, now: datetime,
                   amount_fen: int | None = None) -> tuple[CaseReview, Any]:
    opinion, requested = _check_review(data, now)
    requested = amount_fen if amount_fen is not None else requested
    if close_relative_filed(locked):
        locked.close_relative = True
        if not can(actor, REVIEW_CLOSE_RELATIVE, Target(region_prefix=locked.handling_region.prefix)):
            raise Forbidden(_("申请人为工作人员或村（社区）干部的近亲属（已备案），须由县级民政部门审核"),
                            code=E.ABOVE_AUTHORITY)
    report = _verification_report(actor, locked, data.verification_report_id)
    if data.kind not in set(calc.AssistanceKind):
        raise DomainError.for_field("kind", _("救助类型无效"))
    means = _means(locked, actor, kind=data.kind, data=data)
    locked.stability_risk = bool(data.stability_risk)
    locked.stability_risk_reason = (data.stability_risk_reason or "").strip() if data.stability_risk else ""
    decision, result = _evaluate(locked, actor, amount_fen=requested, kind=data.kind, severity=data.severity,
                                 cause=data.cause, expenses=data.expenses, difficulty_months=data.difficulty_months,
                                 repeat_reason=data.repeat_reason,
                                 note=_("补办审核") if makeup else _("审核"), means=means)
    review = CaseReview.objects.create(means=means.record,
        case=locked, home_visit_on=data.home_visit_on, home_visit_note=(data.home_visit_note or "").strip(),
        verification_report=report, appraisal=data.appraisal, appraisal_note=(data.appraisal_note or "").strip(),
        opinion=opinion, program="temporary_assistance", requested_amount_fen=requested, decision=decision,
        makeup=makeup, reviewer=_user(actor), at=now)
    locked.program = "temporary_assistance"
    locked.requested_amount_fen = requested
    level = result.get("approver", "")
    locked.approver_level = level if level in ApproverLevel.values else ApproverLevel.COUNTY
    locked.needs_consultation = bool(result.get("needs_consultation"))
    authority = locked.consultation_authority or {}
    if locked.needs_consultation and authority and requested <= int(authority.get("amount_fen") or 0):
        # A consultation already decided this much (一事一议): the approval proceeds on its authority.
        locked.needs_consultation = False
        locked.approver_level = ApproverLevel.CONSULTATION
    locked.public_notice_required = bool(result.get("public_notice_required"))
    locked.decision = decision
    return review, result


# --- escalation (报告协商): the consultation app listens --------------------------------------------------

EscalationTrigger = Callable[..., None]
_escalation_triggers: list[EscalationTrigger] = []


def register_escalation_trigger(trigger: EscalationTrigger) -> None:
    """``trigger(case=, actor=, now=, reasons=)`` runs inside the review's transaction when the review
    finds the case needs a consultation (above the cap or the threshold, or a stability risk)."""
    if trigger not in _escalation_triggers:
        _escalation_triggers.append(trigger)


def _escalation_reasons(case: Case, result: dict[str, Any]) -> list[str]:
    reasons = []
    if int(result.get("cap_fen") or 0) and (case.requested_amount_fen or 0) > int(result.get("cap_fen") or 0):
        reasons.append("above_cap")
    elif result.get("needs_consultation") and not case.stability_risk:
        reasons.append("above_threshold")
    if case.stability_risk:
        reasons.append("stability_risk")
    return reasons


def _escalate_if_needed(case: Case, actor: Any, now: datetime, result: dict[str, Any]) -> None:
    if not case.needs_consultation:
        return
    for trigger in _escalation_triggers:
        trigger(case=case, actor=actor, now=now, reasons=_escalation_reasons(case, result))


def case_consultation_release(*, actor: Any, case: Case, escalation_id: int, number: str, amount_fen: int,
                              basis: Stored, authorised: bool = False) -> Case:
    """A consultation decided (一事一议): the case keeps its decision as the authority for the approval
    (or make-up approval) of up to ``amount_fen`` of temporary assistance; 0 means none. Called by the
    consultation's decision, inside its transaction (``authorised``: the caller checked the right)."""
    if not authorised:
        raise Forbidden(_("只有会商决定可以作为一事一议的审批依据"), code=E.ABOVE_AUTHORITY)
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < 0:
        raise DomainError.for_field("amount_fen", _("金额应为不小于零的整数（单位：分）"), code=E.AMOUNT)
    locked = Case.objects.select_for_update(of=("self",)).select_related("handling_region").get(pk=case.pk)
    now = timezone.now()
    before = {"needs_consultation": locked.needs_consultation, "approver_level": locked.approver_level}
    locked.consultation_authority = {"escalation_id": escalation_id, "number": number, "amount_fen": amount_fen,
                                     "decided_at": now.isoformat()}
    if locked.needs_consultation:
        locked.needs_consultation = False
        locked.approver_level = ApproverLevel.CONSULTATION
    locked.version += 1
    locked.updated_at = now
    locked.save()
    text = joined([message(gettext_noop("会商决定（%(number)s）："), {"number": number}), basis])
    case_event_record(case=locked, kind="consultation.decided", text=text, actor=_user(actor), at=now,
                      data={"escalation_id": escalation_id, "amount_fen": amount_fen})
    audit_record(actor=actor, action="cases.case.consultation_release", subject=locked, subject_label=locked.number,
                 region_code=locked.handling_region.code,
                 changes={"needs_consultation": (before["needs_consultation"], locked.needs_consultation),
                          "approver_level": (before["approver_level"], locked.approver_level),
                          "consultation_amount_fen": (None, amount_fen), "version": (locked.version - 1,
                                                                                       locked.version)})
    return locked


def _start_notice(case: Case, actor: Any, now: datetime) -> PublicNotice:
    """The notice period: calendar days from the parameter in force (a waiting period, not work
    somebody owes, so it is not a deadline of the engine; the approval deadline runs meanwhile)."""
    name = PUBLIC_NOTICE.parameter(case.program)
    period = parameter_value(name, case.handling_region.code, now)
    ends = deadline_at(now, period.value.count, period.value.unit)
    return PublicNotice.objects.create(case=case, starts_at=now, ends_at=ends.due_at, days=period.value.count,
                                       parameters={name: period.version_id})


def _withdraw_notice(case: Case, now: datetime) -> None:
    PublicNotice.objects.filter(case=case, withdrawn_at__isnull=True, ends_at__gt=now).update(withdrawn_at=now)


def _review_summary(t: Transition, result: dict[str, Any], requested: int) -> Stored:
    return message(gettext_noop("%(action)s：拟救助 %(amount)s 元；测算结果：%(outcome)s"), {
        "action": t.label, "amount": _yuan(requested), "outcome": {
            "zh": result.get("explanation", {}).get("outcome_zh", "") or result.get("outcome", ""),
            "en": result.get("explanation", {}).get("outcome_en", "")}})


def case_review(*, actor: Any, case: Case, version: Any, data: ReviewInput) -> Case:
    """The township review (审核): the investigation, the opinion, the engine's decision record; a
    public notice starts where the program requires one."""
    with transaction.atomic():
        locked, t, _reason = _begin(actor, case, "review", version)
        now = timezone.now()
        review, result = _record_review(locked, actor, data, makeup=False, now=now)
        case = _move(locked, t, actor=actor, now=now, summary=_review_summary(t, result, review.requested_amount_fen),
                     data={"review_id": review.pk, "decision_id": review.decision_id},
                     changes={"requested_amount_fen": (None, review.requested_amount_fen),
                              "approver_level": (None, locked.approver_level),
                              "needs_consultation": (None, locked.needs_consultation),
                              "stability_risk": (None, locked.stability_risk)})
        _escalate_if_needed(case, actor, now, result)
        if case.public_notice_required:
            _start_notice(case, actor, now)
        _aid_deadline_for_kind(case, actor=actor, now=now, kind=data.kind)
        return case


def _aid_deadline_for_kind(case: Case, *, actor: Any, now: datetime, kind: str) -> None:
    """The review chose the kind: the expense kind owes no aid within hours; the emergency kind
    does, from the review, when the case's category did not start it at acceptance."""
    if kind != calc.AssistanceKind.EMERGENCY:
        _aid_deadline_cancel(case, actor=actor, reason=_("审核确定为支出型临时救助，不适用急难救助发放时限"))
        return
    started = Deadline.objects.filter(subject_type=CASE_SUBJECT, subject_id=str(case.pk), kind=AID_WITHIN_LIMIT.kind,
                                      cancelled_at__isnull=True, started_at__gte=round_start(case))
    if not started.exists():
        _aid_deadline_start(case, actor=actor, now=now)


def case_makeup_review(*, actor: Any, case: Case, version: Any, data: ReviewInput) -> Case:
    """The review owed after a fast track, of the amount paid first."""
    with transaction.atomic():
        locked, t, _reason = _begin(actor, case, "makeup_review", version)
        _require_paperwork(locked)
        now = timezone.now()
        paid = fast_track_total(locked)
        entered = data.requested_amount_fen
        if isinstance(entered, int) and not isinstance(entered, bool) and entered > 0 and entered != paid:
            # The make-up review confirms what was paid first; more help is a new decision.
            raise DomainError.for_field("requested_amount_fen", _(
                "补办审核确认的是已先行救助的 %(paid)s 元，不能改为 %(entered)s 元；如需追加救助，"
                "请补办手续后在回访时“回访后重新办理”，另行审核") % {
                "paid": _yuan(paid), "entered": _yuan(entered)}, code=E.AMOUNT)
        review, result = _record_review(locked, actor, data, makeup=True, now=now, amount_fen=paid)
        case = _move(locked, t, actor=actor, now=now, summary=_review_summary(t, result, paid),
                     data={"review_id": review.pk, "decision_id": review.decision_id})
        _escalate_if_needed(case, actor, now, result)
        if case.public_notice_required:
            _start_notice(case, actor, now)
        return case


# --- approval: authority, notice, objections ---------------------------------------------------------------


def _check_authority(actor: Any, case: Case, amount: int) -> None:
    """The township lead approves up to the township ceiling; above it only the county."""
    if case.approver_level == ApproverLevel.COUNTY and not can(
            actor, APPROVE_COUNTY, Target(region_prefix=case.handling_region.prefix)):
        raise Forbidden(_("救助金额 %(amount)s 元超过乡镇审批限额，须由县级民政部门审批") % {"amount": _yuan(amount)},
                        code=E.ABOVE_AUTHORITY)


def _approve(locked: Case, actor: Any, amount_fen: int | None, now: datetime) -> int:
    blockers = approval_blockers(locked, now)
    if blockers:
        code, _text = blockers[0]
        raise DomainError(_("不能审批：%(reasons)s") % {"reasons": "；".join(text for _c, text in blockers)},
                          code=code, status=409)
    requested = locked.requested_amount_fen or 0
    if locked.approver_level == ApproverLevel.CONSULTATION:
        requested = min(requested, int((locked.consultation_authority or {}).get("amount_fen") or 0))
    amount = requested if amount_fen is None else _amount(amount_fen)
    if amount > requested:
        refusal = _("审批金额不能超过审核提出的 %(amount)s 元；如需提高请退回重新审核") % {"amount": _yuan(requested)}
        if locked.approver_level == ApproverLevel.CONSULTATION:
            refusal = _("审批金额不能超过会商决定的一事一议金额 %(amount)s 元") % {"amount": _yuan(requested)}
        raise DomainError.for_field("amount_fen", refusal, code=E.AMOUNT)
    _check_authority(actor, locked, amount)
    return amount


def _band_reason(locked: Case, note: str) -> str:
    """An amount above its band (within the cap) is approved by the county with a written reason."""
    result = locked.decision.result if locked.decision is not None else {}
    if result.get("band_reason_required") and locked.approver_level != ApproverLevel.CONSULTATION and not note:
        raise DomainError.for_field("note", _(
            "拟救助金额超出该类救助的金额区间：请写明超出区间审批的理由"), code=E.REASON_REQUIRED)
    return note


def case_approve(*, actor: Any, case: Case, version: Any, amount_fen: int | None = None, note: str = "") -> Case:
    """Approve (审批) within one's authority, after any public notice, with no objection open."""
    with transaction.atomic():
        locked, t, _reason = _begin(actor, case, "approve", version)
        now = timezone.now()
        amount = _approve(locked, actor, amount_fen, now)
        note = _band_reason(locked, _note(note))
        locked.decided_amount_fen = amount
        case = _move(locked, t, actor=actor, now=now, reason=note if note and (
                         locked.decision is not None and locked.decision.result.get("band_reason_required")) else "",
                     data={"amount_fen": amount, "note": note, "approver_level": locked.approver_level,
                           "consultation": locked.consultation_authority or None},
                     summary=message(gettext_noop("审批：同意救助 %(amount)s 元（%(level)s）"), {
                         "amount": _yuan(amount), "level": ApproverLevel(locked.approver_level).label}),
                     changes={"decided_amount_fen": (None, amount)})
        notices.case_notify_decision(case, _("已批准救助 %(amount)s 元。") % {"amount": _yuan(amount)})
        return case


def case_deny(*, actor: Any, case: Case, version: Any, reason: str) -> Case:
    """Decide not to help (不予救助), with the written reason the applicant is given."""
    with transaction.atomic():
        locked, t, reason = _begin(actor, case, "deny", version, reason)
        now = timezone.now()
        _withdraw_notice(locked, now)
        locked.refusal_reason = reason
        locked.decided_amount_fen = 0
        case = _move(locked, t, actor=actor, now=now, reason=reason, changes={"refusal_reason": ("", reason)})
        _aid_deadline_cancel(case, actor=actor, reason=_("不予救助：%(reason)s") % {"reason": reason})
        _refusal_notice(case, _("不予救助：%(reason)s") % {"reason": reason})
        return case


def case_makeup_approve(*, actor: Any, case: Case, version: Any, note: str = "") -> Case:
    """The approval owed after a fast track: the amount paid first, by the level whose authority it is."""
    with transaction.atomic():
        locked, t, _reason = _begin(actor, case, "makeup_approve", version)
        _require_paperwork(locked)
        if not locked.reviews.filter(makeup=True, at__gte=last_fast_track_at(locked)).exists():
            raise DomainError(_("请先补办审核"), code=E.PAPERWORK_OWED, status=409)
        now = timezone.now()
        paid = fast_track_total(locked)
        amount = _approve(locked, actor, paid, now)
        locked.decided_amount_fen = amount
        locked.paperwork_owed = False
        _meet(locked, MAKEUP_PAPERWORK.kind, actor)
        return _move(locked, t, actor=actor, now=now, data={"amount_fen": amount, "note": _note(note)},
                     summary=message(gettext_noop("补办审批：确认先行救助 %(amount)s 元，补办手续完成"), {
                         "amount": _yuan(amount)}),
                     changes={"paperwork_owed": (True, False), "decided_amount_fen": (None, amount)})


# --- aid: fast track and after approval --------------------------------------------------------------------


def _require_paperwork(case: Case) -> None:
    if not case.paperwork_owed:
        raise DomainError(_("该事项没有待补办的手续"), code=E.INVALID_TRANSITION, status=409)


def _method(method: str) -> str:
    if method not in AidMethod.values:
        raise DomainError.for_field("method", _("发放方式无效"))
    return method


def case_fast_track(*, actor: Any, case: Case, version: Any, amount_fen: int, method: str,
                    severity: str = calc.Severity.GENERAL, note: str = "") -> Case:
    """Pay at once (先行救助): the township up to the fast-track limit, the county above it (never above
    the cap); review and approval are then owed as make-up paperwork with their own deadline."""
    with transaction.atomic():
        locked, t, _reason = _begin(actor, case, "fast_track", version)
        amount = _amount(amount_fen)
        method = _method(method)
        note = _note(note)
        if severity not in set(calc.Severity):
            raise DomainError.for_field("severity", _("困难程度无效"))
        now = timezone.now()
        decision, result = _evaluate(locked, actor, amount_fen=amount, kind=calc.AssistanceKind.EMERGENCY,
                                     severity=severity, cause="", expenses=[], difficulty_months=0, repeat_reason="",
                                     note=_("先行救助"))
        if result.get("outcome") == "ineligible":
            failed = [line.get("label_zh") or line.get("label", "") for line in
                      result.get("explanation", {}).get("lines", []) if line.get("passed") is False]
            raise DomainError(_("不符合先行救助条件：%(why)s") % {"why": "、".join(str(f) for f in failed) or "—"},
                              code=E.INELIGIBLE, status=409)
        cap = int(result.get("cap_fen") or 0)
        if amount > cap:
            refusal = _("金额 %(amount)s 元超过单次救助上限 %(cap)s 元：须报告协商（一事一议），不能先行救助") % {
                "amount": _yuan(amount), "cap": _yuan(cap)}
            raise DomainError(refusal, code=E.NEEDS_CONSULTATION, status=409)
        if result.get("fast_track_payer") == "county" and not can(
                actor, FAST_TRACK_COUNTY, Target(region_prefix=locked.handling_region.prefix)):
            raise Forbidden(_("金额 %(amount)s 元超过乡镇先行救助限额，须由县级先行救助") % {"amount": _yuan(amount)},
                            code=E.ABOVE_AUTHORITY)
        aid = CaseAid.objects.create(case=locked, program="temporary_assistance", amount_fen=amount, method=method,
                                     fast_track=True, decision=decision, note=note, given_by=_user(actor), given_at=now)
        payments_create(aid=aid, instalments=1, actor=actor, paid_now=True)  # paid at once
        locked.fast_tracked = True
        locked.paperwork_owed = True
        case = _move(locked, t, actor=actor, now=now, data={"aid_id": aid.pk, "amount_fen": amount,
                                                             "decision_id": decision.pk},
                     summary=message(gettext_noop("先行救助：已支付 %(amount)s 元（%(method)s），须补办审核审批手续"), {
                         "amount": _yuan(amount), "method": AidMethod(method).label}),
                     changes={"fast_tracked": (False, True), "paperwork_owed": (False, True),
                              "aid_amount_fen": (None, amount)})
        _start(case, MAKEUP_PAPERWORK, actor=actor, now=now)
        notices.case_notify_decision(case, _("已先行救助 %(amount)s 元。") % {"amount": _yuan(amount)})
        return case


def case_assist(*, actor: Any, case: Case, version: Any, amount_fen: int, method: str, note: str = "",
                instalments: int = 1) -> Case:
    """Deliver the approved aid (救助实施): never more than the amount approved, at once or in monthly
    instalments within the calendar year (see :mod:`jijinan.cases.aid.services`)."""
    with transaction.atomic():
        locked, t, _reason = _begin(actor, case, "assist", version)
        amount = _amount(amount_fen)
        method = _method(method)
        decided = locked.decided_amount_fen or 0
        given = int(locked.aid.filter(fast_track=False, given_at__gte=locked.stage_changed_at or locked.created_at)
                    .aggregate(total=Sum("amount_fen"))["total"] or 0)
        if amount + given > decided:
            raise DomainError.for_field("amount_fen", _("发放金额不能超过审批金额 %(amount)s 元") % {
                "amount": _yuan(decided)}, code=E.AMOUNT)
        now = timezone.now()
        schedule(amount, instalments, today=timezone.localdate(now))  # refused before anything is written
        aid = CaseAid.objects.create(case=locked, program=locked.program, amount_fen=amount, method=method,
                                     decision=locked.decision, note=_note(note), given_by=_user(actor), given_at=now)
        payments_create(aid=aid, instalments=instalments, actor=actor, paid_now=method in IN_PERSON)
        return _move(locked, t, actor=actor, now=now, data={"aid_id": aid.pk, "amount_fen": amount},
                     summary=message(gettext_noop("救助实施：发放 %(amount)s 元（%(method)s）"), {
                         "amount": _yuan(amount), "method": AidMethod(method).label}),
                     changes={"aid_amount_fen": (None, amount)})


# --- transfer of jurisdiction ------------------------------------------------------------------------------


def case_transfer(*, actor: Any, case: Case, version: Any, to_region_code: str, reason: str) -> Case:
    """Hand the case to another township (转出); it waits there to be accepted or refused."""
    with transaction.atomic():
        locked, t, reason = _begin(actor, case, "transfer", version, reason)
        target = township_of(to_region_code, field_name="to_region_code")
        if target.pk == locked.handling_region_id:
            raise DomainError.for_field("to_region_code", _("转往地不能是当前办理地"), code=E.TRANSFER_TARGET)
        if locked.objections.filter(resolved_at__isnull=True).exists():
            raise DomainError(_("有未办结的公示异议，不能转出"), code=E.OBJECTION_OPEN, status=409)
        now = timezone.now()
        _withdraw_notice(locked, now)
        transfer = CaseTransfer.objects.create(case=locked, from_region=locked.handling_region, to_region=target,
                                               from_stage=locked.stage, reason=reason, requested_by=_user(actor),
                                               requested_at=now)
        locked.transfer_to = target
        return _move(locked, t, actor=actor, now=now, reason=reason,
                     data={"transfer_id": transfer.pk, "to_region": target.code},
                     summary=message(gettext_noop("转出至 %(region)s"), {"region": target.name}),
                     changes={"transfer_to": (None, target.code)})


def _pending_transfer(case: Case) -> CaseTransfer:
    transfer = case.transfers.filter(status=TransferStatus.PENDING).order_by("-requested_at", "-id").first()
    if transfer is None:
        raise DomainError(_("没有待接收的转出记录"), code=E.INVALID_TRANSITION, status=409)
    return transfer


def case_transfer_accept(*, actor: Any, case: Case, version: Any, note: str = "") -> Case:
    """The receiving township takes the case over: the handling region changes, the line goes on
    there from 受理, and the open deadlines move with the case."""
    with transaction.atomic():
        locked, t, _reason = _begin(actor, case, "transfer_accept", version)
        transfer = _pending_transfer(locked)
        now = timezone.now()
        old_region = locked.handling_region
        transfer.status, transfer.decided_by, transfer.decided_at = TransferStatus.ACCEPTED, _user(actor), now
        transfer.save(update_fields=["status", "decided_by", "decided_at"])
        locked.handling_region = transfer.to_region
        locked.transfer_to = None
        locked.owner = _user(actor)
        # The receiving office reviews afresh: the sender's proposal no longer binds the case.
        locked.requested_amount_fen = None
        locked.approver_level = ""
        locked.needs_consultation = locked.public_notice_required = locked.close_relative = False
        locked.decision = None
        aid = _aid_deadline(locked)
        if aid is not None:  # the sender's own part ends here and stays in its area
            aid_reason = _("转出至%(region)s，由接收地按原到期时间继续计时") % {"region": transfer.to_region.name}
            aid = deadline_cancel(actor=actor, deadline=aid, version=aid.version, reason=aid_reason, authorised=True)
        Deadline.objects.filter(subject_type=CASE_SUBJECT, subject_id=str(locked.pk), met_at__isnull=True,
                                cancelled_at__isnull=True).update(region_code=transfer.to_region.code)
        case = _move(locked, t, actor=actor, now=now, data={"transfer_id": transfer.pk, "note": _note(note)},
                     summary=message(gettext_noop("%(region)s 接收转入，继续办理"), {
                         "region": transfer.to_region.name}),
                     changes={"handling_region": (old_region.code, transfer.to_region.code)})
        if aid is not None:
            _aid_deadline_carry_on(case, aid, actor=actor)
        return case


def case_transfer_refuse(*, actor: Any, case: Case, version: Any, reason: str) -> Case:
    """The receiving township refuses: the case returns to the sender in the stage it left."""
    with transaction.atomic():
        locked, t, reason = _begin(actor, case, "transfer_refuse", version, reason)
        transfer = _pending_transfer(locked)
        now = timezone.now()
        transfer.status, transfer.decided_by, transfer.decided_at = TransferStatus.REFUSED, _user(actor), now
        transfer.refusal_reason = reason
        transfer.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
        locked.transfer_to = None
        case = _move(locked, t, actor=actor, now=now, reason=reason, target=transfer.from_stage,
                     data={"transfer_id": transfer.pk},
                     summary=message(gettext_noop("%(region)s 拒收转入，退回原办理地"), {
                         "region": transfer.to_region.name}),
                     changes={"transfer_to": (transfer.to_region.code, None)})
        if case.stage == Stage.REVIEWED and case.public_notice_required:
            _start_notice(case, actor, now)  # the notice withdrawn by the transfer runs again
        return case


# --- objections during a public notice ----------------------------------------------------------------------


def _approval_deadline(case: Case) -> Deadline | None:
    return deadline_find_open(subject_type=CASE_SUBJECT, subject_id=case.pk, kind=STAGE_DEADLINES[Stage.REVIEWED].kind)


def objection_add(*, actor: Any, case: Case, text: str, raised_by: str = "") -> Objection:
    """Record an objection raised during the notice period; the approval deadline pauses."""
    require(actor, OBJECTION_MANAGE, Target(region_prefix=case.handling_region.prefix))
    text = (text or "").strip()
    if not text:
        raise DomainError.for_field("text", _("请填写异议内容"))
    text = _note(text, "text", REASON_MAX)
    raised_by = _note(raised_by, "raised_by", 50)
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related("handling_region").get(pk=case.pk)
        now = timezone.now()
        notice = current_notice(locked)
        if notice is None:
            raise DomainError(_("该事项没有公示，不能登记异议"), code=E.NOTICE_OVER, status=409)
        if now > notice.ends_at:
            raise DomainError(_("公示期已于 %(end)s 结束，不能再登记异议") % {
                "end": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")}, code=E.NOTICE_OVER, status=409)
        objection = Objection.objects.create(case=locked, notice=notice, raised_by=raised_by, text=text,
                                             received_at=now, recorded_by=_user(actor))
        deadline = _approval_deadline(locked)
        if deadline is not None and deadline.paused_at is None:
            deadline_pause(actor=actor, deadline=deadline, version=deadline.version,
                           reason=_("公示异议待核实"), authorised=True)
        locked.version += 1
        locked.updated_at = now
        locked.save(update_fields=["version", "updated_at"])
        case_event_record(case=locked, kind="objection", actor=_user(actor), at=now,
                          text=message(gettext_noop("收到公示异议：%(text)s"), {"text": text}),
                          data={"objection_id": objection.pk})
        audit_record(actor=actor, action="cases.objection.add", subject=locked, subject_label=locked.number,
                     region_code=locked.handling_region.code, changes={"objection": (None, objection.pk)})
    return objection


def objection_resolve(*, actor: Any, objection: Objection, outcome: str, resolution: str) -> Objection:
    """Close an objection with what was found; the approval deadline resumes when none is left open."""
    case = objection.case
    require(actor, OBJECTION_MANAGE, Target(region_prefix=case.handling_region.prefix))
    if outcome not in ObjectionOutcome.values:
        raise DomainError.for_field("outcome", _("请选择异议是否成立"))
    resolution = (resolution or "").strip()
    if not resolution:
        raise DomainError.for_field("resolution", _("请填写核实情况"))
    resolution = _note(resolution, "resolution", REASON_MAX)
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related("handling_region").get(pk=case.pk)
        current = Objection.objects.select_for_update().get(pk=objection.pk)
        if current.resolved_at is not None:
            raise Conflict(_("该异议已办结"), code=E.INVALID_TRANSITION)
        now = timezone.now()
        current.outcome, current.resolution, current.resolved_at, current.resolved_by = (
            outcome, resolution, now, _user(actor))
        current.save(update_fields=["outcome", "resolution", "resolved_at", "resolved_by"])
        if not locked.objections.filter(resolved_at__isnull=True).exists():
            deadline = _approval_deadline(locked)
            if deadline is not None and deadline.paused_at is not None:
                deadline_resume(actor=actor, deadline=deadline, version=deadline.version, authorised=True)
        locked.version += 1
        locked.updated_at = now
        locked.save(update_fields=["version", "updated_at"])
        case_event_record(case=locked, kind="objection_resolved", actor=_user(actor), at=now,
                          text=message(gettext_noop("公示异议办结：%(outcome)s；%(text)s"), {
                              "outcome": ObjectionOutcome(outcome).label, "text": resolution}),
                          data={"objection_id": current.pk, "outcome": outcome})
        audit_record(actor=actor, action="cases.objection.resolve", subject=locked, subject_label=locked.number,
                     region_code=locked.handling_region.code, changes={"objection_outcome": (None, outcome)})
    return current


# --- close-relative filings ----------------------------------------------------------------------------------


def relative_filing_add(*, actor: Any, person: Person, relative_name: str, relative_post: str,
                        relation: str) -> RelativeFiling:
    """File a person as a close relative of a caseworker or village cadre: their cases are reviewed
    by the county."""
    region = person.residence_region
    if region is None:
        raise DomainError.for_field("person_id", _("该救助对象没有登记居住地，不能备案"))
    require(actor, RELATIVE_FILING_MANAGE, Target(region_prefix=region.prefix))
    errors: dict[str, list[str]] = {}
    values = {}
    for name, value, limit, label in (("relative_name", relative_name, 50, _("请填写工作人员或干部姓名")),
                                      ("relative_post", relative_post, 50, _("请填写职务")),
                                      ("relation", relation, 30, _("请填写亲属关系"))):
        value = (value or "").strip()
        if not value:
            errors[name] = [label]
        elif len(value) > limit:
            errors[name] = [_("不能超过 %(n)s 个字符") % {"n": limit}]
        values[name] = value
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors)
    with transaction.atomic():
        filing = RelativeFiling.objects.create(person=person, region=region, filed_by=_user(actor), **values)
        audit_record(actor=actor, action="cases.relative_filing.add", subject=filing, region_code=region.code,
                     subject_label=person.name, changes={"relative_name": (None, values["relative_name"]),
                                                         "relation": (None, values["relation"])})
    return filing


def relative_filing_retire(*, actor: Any, filing: RelativeFiling, reason: str) -> RelativeFiling:
    require(actor, RELATIVE_FILING_MANAGE, Target(region_prefix=filing.region.prefix))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError.for_field("reason", _("请填写撤销理由"))
    reason = _note(reason, "reason")
    with transaction.atomic():
        current = RelativeFiling.objects.select_for_update().get(pk=filing.pk)
        if not current.active:
            raise Conflict(_("该备案已撤销"))
        current.active = False
        current.save(update_fields=["active"])
        audit_record(actor=actor, action="cases.relative_filing.retire", subject=current, note=reason,
                     region_code=current.region.code, subject_label=current.person.name,
                     changes={"active": (True, False)})
    return current
