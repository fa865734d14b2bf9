"""Writes of the crisis intervention track: the intervention opened when the crisis starts (by the
outbox handler of the crisis alert, or by the first step taken, whichever comes first), the first
contact, the plan with the professional help named, further contacts, the reassessments until the
risk is resolved, and the escalation of a crisis left unresolved past its limit (the sweep).

Each write is one transaction: the case row is locked, the intervention got or created under that
lock, the input checked (every error at once, nothing written on a refusal), then the records, the
deadlines, the case's timeline and the audit event written together. The crisis never holds back
the case's stage line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jijinan.accounts.models import Organisation
from jijinan.accounts.pickers import staff_choosable
from jijinan.audit.services import audit_record
from jijinan.cases.intake.triage import CRISIS_KIND
from jijinan.cases.models import Case
from jijinan.cases.services import case_event_record
from jijinan.consultation.choices import EscalationTrigger
from jijinan.consultation.crisis.choices import (
    ContactMethod,
    EscalationState,
    InterventionStatus,
    ProfessionalKind,
    ReassessmentOutcome,
    RiskLevel,
)
from jijinan.consultation.crisis.errors import CrisisErrorCode as E
from jijinan.consultation.crisis.models import CrisisContact, CrisisIntervention, CrisisReassessment
from jijinan.consultation.crisis.permissions import CRISIS_RECORD
from jijinan.core.calendar.workdays import calendar_snapshot
from jijinan.core.deadlines.models import Deadline
from jijinan.core.deadlines.selectors import deadline_find_open
from jijinan.core.deadlines.services import deadline_cancel, deadline_meet, deadline_start
from jijinan.core.errors import DomainError
from jijinan.core.permissions import Target, require
from jijinan.core.texts import message
from jijinan.policy.lookup import value as parameter_value

CASE_SUBJECT = "cases.case"
FIRST_CONTACT_DEADLINE = CRISIS_KIND
PLAN_DEADLINE = "consultation.crisis_plan"
REASSESSMENT_DEADLINE = "consultation.crisis_reassessment"
CRISIS_DEADLINES = (FIRST_CONTACT_DEADLINE, PLAN_DEADLINE, REASSESSMENT_DEADLINE)
PLAN_PARAMETER = "case_handling.crisis_plan_limit"
REASSESSMENT_PARAMETER = "case_handling.crisis_reassessment_interval"
RESOLUTION_PARAMETER = "case_handling.crisis_resolution_limit"
TEXT_MAX = 4000
SHORT_MAX = 100
PHONE_MAX = 30
MAX_CONTACTS = 10


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _local(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


class _Errors:
    """Every error of an input, said at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, text: str) -> None:
        self.fields.setdefault(name, []).append(text)

    def raise_any(self) -> None:
        if self.fields:
            raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=self.fields, code=E.INVALID)


def _text(errors: _Errors, value: Any, name: str, *, required: str | None = None, limit: int = TEXT_MAX) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        errors.add(name, required)
    if len(text) > limit:
        errors.add(name, _("不能超过 %(n)s 个字符") % {"n": limit})
    return text


def _choice(errors: _Errors, value: Any, name: str, choices: Any, required: str) -> str:
    if value not in choices.values:
        errors.add(name, required if not value else _("请从列表中选择"))
        return ""
    return str(value)


def _when(errors: _Errors, value: Any, name: str, now: datetime, *, required: str, after: datetime | None = None
          ) -> datetime | None:
    if not isinstance(value, datetime):
        errors.add(name, required)
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + timedelta(minutes=1):
        errors.add(name, _("时间不能晚于现在"))
    elif after is not None and value < after - timedelta(minutes=1):
        errors.add(name, _("时间不能早于事件发生时间 %(at)s") % {"at": _local(after)})
    return value


def case_target(case: Case) -> Target:
    return Target(region_prefix=case.handling_region.prefix)


def _hours(name: str, case: Case, now: datetime) -> Any:
    return parameter_value(name, case.handling_region.code, now)


# --- the intervention ------------------------------------------------------------------------------


def _owner(case: Case) -> Any:
    first = deadline_find_open(subject_type=CASE_SUBJECT, subject_id=case.pk, kind=FIRST_CONTACT_DEADLINE)
    if first is not None and first.owner_user_id:
        return first.owner_user
    return case.owner or case.created_by


def _start(actor: Any, case: Case, kind: str, parameter: str, start: datetime, now: datetime,
           owner: Any) -> tuple[Deadline | None, dict[str, int]]:
    """A crisis deadline counted from ``start``; None when no parameter is in force or nobody owns it."""
    try:
        limit = _hours(parameter, case, now)
    except DomainError:
        return None, {}
    organisation = None
    if owner is None:
        organisation = Organisation.objects.filter(region=case.handling_region, active=True).order_by("pk").first()
        if organisation is None:
            return None, {}
    deadline = deadline_start(actor=_user(actor), subject_type=CASE_SUBJECT, subject_id=case.pk,
                              region_code=case.handling_region.code, kind=kind, start=start,
                              limit=limit.value.count, unit=limit.value.unit, owner_user=owner,
                              owner_organisation=organisation, parameters={parameter: limit.version_id})
    return deadline, {parameter: limit.version_id}


def _ensure_locked(*, actor: Any, case: Case, now: datetime) -> CrisisIntervention:
    """The case's intervention, created (with its plan deadline) if none is yet; the caller holds the
    case's row lock, so two callers never both create it."""
    found = CrisisIntervention.objects.select_for_update().filter(case=case).first()
    if found is not None:
        return found
    if not case.crisis:
        raise DomainError(_("该事项未标记为危机个案"), code=E.NOT_CRISIS, status=409)
    intervention = CrisisIntervention.objects.create(case=case, flagged_at=case.created_at, created_at=now)
    deadline, used = _start(actor, case, PLAN_DEADLINE, PLAN_PARAMETER, case.created_at, now, _owner(case))
    intervention.plan_deadline = deadline
    intervention.parameters = used
    intervention.save(update_fields=["plan_deadline", "parameters"])
    text = (message(gettext_noop("危机干预建档；干预方案期限 %(due)s"), {"due": _local(deadline.due_at)})
            if deadline is not None else message(gettext_noop("危机干预建档；未能设定干预方案期限")))
    case_event_record(case=case, kind="crisis.opened", text=text, actor=_user(actor), at=now,
                      data={"intervention_id": intervention.pk})
    audit_record(actor=_user(actor), action="consultation.crisis.open", subject=intervention,
                 subject_label=case.number, region_code=case.handling_region.code,
                 changes={"plan_due_at": (None, deadline.due_at if deadline else None)})
    return intervention


def _locked_case(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related(
        "handling_region", "owner", "created_by").get(pk=case.pk)


def intervention_ensure(*, actor: Any, case: Case, now: datetime | None = None) -> CrisisIntervention:
    """The crisis case's intervention, opened now if it was not yet (idempotent)."""
    with transaction.atomic():
        locked = _locked_case(case)
        return _ensure_locked(actor=actor, case=locked, now=now or timezone.now())


def _open_for_step(actor: Any, case: Case, now: datetime) -> tuple[Case, CrisisIntervention]:
    locked = _locked_case(case)
    intervention = _ensure_locked(actor=actor, case=locked, now=now)
    if intervention.resolved:
        raise DomainError(_("危机已于 %(at)s 解除，不能再登记") % {"at": _local(intervention.resolved_at or now)},
                          code=E.RESOLVED, status=409)
    return locked, intervention


def _meet(actor: Any, case: Case, kind: str) -> Deadline | None:
    deadline = deadline_find_open(subject_type=CASE_SUBJECT, subject_id=case.pk, kind=kind)
    if deadline is not None:
        deadline = deadline_meet(actor=_user(actor), deadline=deadline)
    return deadline


def _touch(intervention: CrisisIntervention, *fields: str) -> None:
    """Save ``fields`` with the next version (a step that adds rows of its own still bumps it)."""
    intervention.version += 1
    intervention.save(update_fields=[*fields, "version"])


# --- first contact -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FirstContactInput:
    made_by_id: Any
    method: str
    contacted_at: Any
    findings: str
    risk: str


def crisis_first_contact_record(*, actor: Any, case: Case, data: FirstContactInput) -> CrisisIntervention:
    """Record the first contact with the person in crisis: it meets the first-contact deadline."""
    require(actor, CRISIS_RECORD, case_target(case))
    now = timezone.now()
    errors = _Errors()
    # Who made the contact: a member of staff of the actor's area, as the picker offers them.
    made_by = staff_choosable(user=actor, action=CRISIS_RECORD).filter(pk=data.made_by_id).first() if str(
        data.made_by_id or "").isdigit() else None
    if made_by is None:
        errors.add("made_by", _("请选择首次接触的工作人员"))
    method = _choice(errors, data.method, "method", ContactMethod, _("请选择接触方式"))
    at = _when(errors, data.contacted_at, "contacted_at", now, required=_("请填写接触时间"), after=case.event_at)
    findings = _text(errors, data.findings, "findings", required=_("请写明接触时了解到的情况"))
    risk = _choice(errors, data.risk, "risk", RiskLevel, _("请选择当时的风险等级"))
    errors.raise_any()
    with transaction.atomic():
        locked, intervention = _open_for_step(actor, case, now)
        if intervention.first_contact_at is not None:
            raise DomainError(_("首次接触已于 %(at)s 登记") % {"at": _local(intervention.first_contact_at)},
                              code=E.ALREADY, status=409)
        intervention.first_contact_by = made_by
        intervention.first_contact_method = method
        intervention.first_contact_at = at
        intervention.first_contact_findings = findings
        intervention.first_contact_risk = risk
        intervention.first_contact_recorded_by = _user(actor)
        _touch(intervention, "first_contact_by", "first_contact_method", "first_contact_at",
               "first_contact_findings", "first_contact_risk", "first_contact_recorded_by")
        _meet(actor, locked, FIRST_CONTACT_DEADLINE)
        assert made_by is not None and at is not None
        case_event_record(case=locked, kind="crisis.first_contact", actor=_user(actor), at=now, text=message(
            gettext_noop("危机首次接触：%(who)s，%(method)s，%(at)s；风险等级：%(risk)s"), {
                "who": made_by.full_name or made_by.username, "method": ContactMethod(method).label,
                "at": _local(at), "risk": RiskLevel(risk).label}), data={"intervention_id": intervention.pk})
        audit_record(actor=_user(actor), action="consultation.crisis.first_contact", subject=intervention,
                     subject_label=locked.number, region_code=locked.handling_region.code,
                     changes={"first_contact_at": (None, at), "method": (None, method), "risk": (None, risk)})
        return intervention


# --- the plan and the professional help ---------------------------------------------------------------


@dataclass(frozen=True)
class ContactInput:
    kind: str
    name: str
    organisation: str = ""
    phone: str = ""
    contacted_at: Any = None
    outcome: str = ""


@dataclass(frozen=True)
class PlanInput:
    measures: str
    contacts: tuple[ContactInput, ...] = field(default_factory=tuple)


def _check_contact(errors: _Errors, c: ContactInput, prefix: str, now: datetime, case: Case) -> CrisisContact:
    kind = _choice(errors, c.kind, f"{prefix}kind", ProfessionalKind, _("请选择专业力量类别"))
    name = _text(errors, c.name, f"{prefix}name", required=_("请填写联系人"), limit=50)
    organisation = _text(errors, c.organisation, f"{prefix}organisation", limit=SHORT_MAX)
    phone = _text(errors, c.phone, f"{prefix}phone", limit=PHONE_MAX)
    if phone and not all(ch.isdigit() or ch in "-+ ()" for ch in phone):
        errors.add(f"{prefix}phone", _("电话号码只能包含数字和“-”"))
    at = _when(errors, c.contacted_at, f"{prefix}contacted_at", now, required=_("请填写联系时间"),
               after=case.event_at)
    outcome = _text(errors, c.outcome, f"{prefix}outcome", required=_("请写明联系结果"))
    return CrisisContact(kind=kind, name=name, organisation=organisation, phone=phone, contacted_at=at or now,
                         outcome=outcome)


def _contact_event(contact: CrisisContact) -> Any:
    return message(gettext_noop("%(kind)s：%(name)s（%(organisation)s），%(at)s"), {
        "kind": ProfessionalKind(contact.kind).label, "name": contact.name, "organisation": contact.organisation or "—",
        "at": _local(contact.contacted_at)})


def crisis_plan_record(*, actor: Any, case: Case, data: PlanInput) -> CrisisIntervention:
    """Record the intervention plan and the professional help named: it meets the plan deadline and
    starts the first reassessment."""
    require(actor, CRISIS_RECORD, case_target(case))
    now = timezone.now()
    errors = _Errors()
    measures = _text(errors, data.measures, "measures", required=_("请写明干预措施"))
    if len(data.contacts) > MAX_CONTACTS:
        errors.add("contacts", _("一次最多登记 %(n)s 个专业力量") % {"n": MAX_CONTACTS})
    contacts = [_check_contact(errors, c, f"contacts.{i}.", now, case) for i, c in enumerate(data.contacts)]
    errors.raise_any()
    with transaction.atomic():
        locked, intervention = _open_for_step(actor, case, now)
        if intervention.plan_recorded_at is not None:
            raise DomainError(_("干预方案已于 %(at)s 登记，可继续登记专业力量或再评估") % {
                "at": _local(intervention.plan_recorded_at)}, code=E.ALREADY, status=409)
        intervention.plan_measures = measures
        intervention.plan_recorded_at = now
        intervention.plan_recorded_by = _user(actor)
        _touch(intervention, "plan_measures", "plan_recorded_at", "plan_recorded_by")
        for contact in contacts:
            contact.intervention = intervention
            contact.recorded_by = _user(actor)
            contact.recorded_at = now
        CrisisContact.objects.bulk_create(contacts)
        _meet(actor, locked, PLAN_DEADLINE)
        next_one, used = _start(actor, locked, REASSESSMENT_DEADLINE, REASSESSMENT_PARAMETER, now, now,
                                _user(actor) or _owner(locked))
        if used:
            intervention.parameters = {**intervention.parameters, **used}
            intervention.save(update_fields=["parameters"])
        text = message(gettext_noop("危机干预方案已登记，联系专业力量 %(n)s 个；下次评估期限 %(due)s"), {
            "n": len(contacts), "due": _local(next_one.due_at) if next_one else "—"})
        case_event_record(case=locked, kind="crisis.plan", text=text, actor=_user(actor), at=now,
                          data={"intervention_id": intervention.pk, "contacts": [c.pk for c in contacts]})
        audit_record(actor=_user(actor), action="consultation.crisis.plan", subject=intervention,
                     subject_label=locked.number, region_code=locked.handling_region.code,
                     changes={"plan_recorded_at": (None, now), "contacts": (None, len(contacts))})
        return intervention


def crisis_contact_add(*, actor: Any, case: Case, data: ContactInput) -> CrisisContact:
    """Log one more professional contact while the crisis lasts."""
    require(actor, CRISIS_RECORD, case_target(case))
    now = timezone.now()
    errors = _Errors()
    contact = _check_contact(errors, data, "", now, case)
    errors.raise_any()
    with transaction.atomic():
        locked, intervention = _open_for_step(actor, case, now)
        contact.intervention = intervention
        contact.recorded_by = _user(actor)
        contact.recorded_at = now
        contact.save(force_insert=True)
        _touch(intervention)
        case_event_record(case=locked, kind="crisis.contact", actor=_user(actor), at=now, text=message(
            gettext_noop("危机干预联系专业力量：%(contact)s"), {"contact": _contact_event(contact)}),
            data={"intervention_id": intervention.pk, "contact_id": contact.pk})
        audit_record(actor=_user(actor), action="consultation.crisis.contact", subject=intervention,
                     subject_label=locked.number, region_code=locked.handling_region.code,
                     changes={"contact": (None, f"{contact.kind} {contact.name}")})
        return contact


# --- reassessment and resolution ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReassessmentInput:
    outcome: str
    note: str
    reason: str = ""  # why the risk is resolved (required then)


def crisis_reassess(*, actor: Any, case: Case, data: ReassessmentInput) -> CrisisReassessment:
    """Reassess the risk: meets the running reassessment deadline and starts the next; the outcome
    "resolved" (with its reason) ends every open crisis deadline instead."""
    require(actor, CRISIS_RECORD, case_target(case))
    now = timezone.now()
    errors = _Errors()
    outcome = _choice(errors, data.outcome, "outcome", ReassessmentOutcome, _("请选择评估结果"))
    note = _text(errors, data.note, "note", required=_("请写明评估情况"))
    resolved = outcome == ReassessmentOutcome.RESOLVED
    reason = _text(errors, data.reason, "reason", required=_("解除危机须写明理由") if resolved else None)
    errors.raise_any()
    with transaction.atomic():
        locked, intervention = _open_for_step(actor, case, now)
        _meet(actor, locked, REASSESSMENT_DEADLINE)
        next_one = None
        if resolved:
            reason_text = _("危机已解除：%(reason)s") % {"reason": reason}
            for kind in (FIRST_CONTACT_DEADLINE, PLAN_DEADLINE):
                owed = deadline_find_open(subject_type=CASE_SUBJECT, subject_id=locked.pk, kind=kind)
                if owed is not None:
                    deadline_cancel(actor=_user(actor), deadline=owed, version=owed.version,
                                    reason=reason_text[:500], authorised=True)
            intervention.status = InterventionStatus.RESOLVED
            intervention.resolved_at = now
            intervention.resolved_by = _user(actor)
            intervention.resolution_reason = reason
            _touch(intervention, "status", "resolved_at", "resolved_by", "resolution_reason")
        else:
            next_one, used = _start(actor, locked, REASSESSMENT_DEADLINE, REASSESSMENT_PARAMETER, now, now,
                                    _user(actor) or _owner(locked))
            intervention.parameters = {**intervention.parameters, **used}
            _touch(intervention, "parameters")
        record = CrisisReassessment.objects.create(intervention=intervention, outcome=outcome, note=note,
                                                   assessed_at=now, recorded_by=_user(actor), deadline=next_one)
        if resolved:
            text = message(gettext_noop("危机解除：%(reason)s"), {"reason": reason[:200]})
        else:
            text = message(gettext_noop("危机再评估：%(outcome)s；下次评估期限 %(due)s"), {
                "outcome": ReassessmentOutcome(outcome).label, "due": _local(next_one.due_at) if next_one else "—"})
        case_event_record(case=locked, kind="crisis.resolved" if resolved else "crisis.reassessed", text=text,
                          actor=_user(actor), at=now, data={"intervention_id": intervention.pk})
        audit_record(actor=_user(actor), action="consultation.crisis.resolve" if resolved
                     else "consultation.crisis.reassess", subject=intervention, subject_label=locked.number,
                     region_code=locked.handling_region.code, note=reason[:300],
                     changes={"outcome": (None, outcome)})
        return record


# --- the sweep: unresolved past the limit is escalated once ----------------------------------------------


def resolution_due(intervention: CrisisIntervention, now: datetime | None = None) -> datetime | None:
    """When the crisis should be resolved by (the limit counted from the flag); None without a parameter."""
    case = intervention.case
    try:
        limit = _hours(RESOLUTION_PARAMETER, case, now or timezone.now())
    except DomainError:
        return None
    return calendar_snapshot().deadline_at(intervention.flagged_at, int(limit.value.count), limit.value.unit).due_at


def crisis_escalate_unresolved(*, now: datetime | None = None) -> int:
    """Escalate each crisis not resolved within its limit and not yet escalated, once; a case that
    cannot be escalated (closed, say) is recorded as such and not tried again."""
    from jijinan.consultation.services import escalation_raise

    now = now or timezone.now()
    done = 0
    candidates = (CrisisIntervention.objects.filter(status=InterventionStatus.OPEN,
                                                    escalation_state=EscalationState.NONE)
                  .select_related("case", "case__handling_region").order_by("flagged_at", "pk"))
    for candidate in candidates:
        due = resolution_due(candidate, now)
        if due is None or due > now:
            continue
        with transaction.atomic():
            locked = CrisisIntervention.objects.select_for_update().get(pk=candidate.pk)
            if locked.status != InterventionStatus.OPEN or locked.escalation_state != EscalationState.NONE:
                continue
            case = candidate.case
            reason = _("危机个案自 %(flagged)s 标记，至 %(due)s 仍未解除") % {
                "flagged": _local(locked.flagged_at), "due": _local(due)}
            try:
                with transaction.atomic():
                    escalation = escalation_raise(actor=None, case=case, trigger=EscalationTrigger.CRISIS_UNRESOLVED,
                                                  reason=reason, authorised=True, now=now)
            except (DomainError, ObjectDoesNotExist) as exc:
                locked.escalation_state = EscalationState.REFUSED
                locked.escalation_note = str(getattr(exc, "message", exc))[:500]
                _touch(locked, "escalation_state", "escalation_note")
                audit_record(actor=None, action="consultation.crisis.escalation_refused", subject=locked,
                             subject_label=case.number, region_code=case.handling_region.code,
                             note=locked.escalation_note[:300])
                continue
            locked.escalation_state = EscalationState.ESCALATED
            locked.escalated_at = now
            locked.escalation = escalation
            locked.escalation_note = reason
            _touch(locked, "escalation_state", "escalated_at", "escalation", "escalation_note")
            audit_record(actor=None, action="consultation.crisis.escalate", subject=locked,
                         subject_label=case.number, region_code=case.handling_region.code, note=reason,
                         changes={"escalation": (None, escalation.number)})
            done += 1
    return done
