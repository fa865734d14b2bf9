"""Writes of referrals: split a case into department tasks, the office's moves on a task (accept,
return, ask, progress, complete, transfer), the case side's (answer, re-send, recall), and the
responsibility matrix.

Each move is one transaction: the task row is locked and its version compared (a stale version is
refused with 409 and changes nothing), the role and the task's status are checked, then the task,
its deadline, its history event, the case's timeline, the audit event and the outbox messages
(notices to the other side; deflection checks) are written together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import DepartmentType, Organisation
from jijinan.audit.services import audit_record
from jijinan.cases.choices import Stage
from jijinan.cases.intake import attachments as files
from jijinan.cases.models import Case, CaseCategory, NeedType
from jijinan.cases.services import case_event_record
from jijinan.core.calendar.workdays import DeadlineUnit
from jijinan.core.deadlines.services import deadline_cancel, deadline_meet, deadline_start
from jijinan.core.errors import Conflict, DomainError, NotFound
from jijinan.core.models import Deadline
from jijinan.core.permissions import Target, require
from jijinan.core.texts import Stored, message
from jijinan.core.uploads import WrittenFiles
from jijinan.policy.lookup import value as parameter_value
from jijinan.referrals import notify
from jijinan.referrals.choices import OPEN_STATUSES, ReturnReason, TaskEventKind, TaskStatus
from jijinan.referrals.deflection.selectors import idle_at_for
from jijinan.referrals.deflection.services import check_cycle, check_returns
from jijinan.referrals.errors import ReferralErrorCode as E
from jijinan.referrals.models import ResponsibilityRule, Task, TaskAttachment, TaskEvent
from jijinan.referrals.permissions import (
    MATRIX_MANAGE,
    TASK_ANSWER,
    TASK_CANCEL,
    TASK_HANDLE,
    TASK_OPEN,
    TASK_REASSIGN,
    TASK_TRANSFER,
)
from jijinan.regions.models import Region

TASK_SUBJECT = "referrals.task"
TASK_DEADLINE = "referrals.task"
TASK_LIMIT = "case_handling.task_limit"
TEXT_MAX = 2000
RESULT_MAX = 300
MAX_TASKS_AT_ONCE = 10
# From accepted until closure; a denied case may still be helped by a department.
REFERRABLE_STAGES = frozenset({Stage.ACCEPTED, Stage.REVIEWED, Stage.APPROVED, Stage.DENIED, Stage.ASSISTED,
                               Stage.FOLLOW_UP})


def task_url(subject_id: str) -> str:
    return reverse("referrals:task_locate", args=[int(subject_id)])


def open_tasks_block_closing(case: Case) -> str | None:
    """The close guard: a case closes only when none of its tasks is open."""
    numbers = [f"{case.number}-{s:02d}" for s in
               Task.objects.filter(case_id=case.pk, status__in=OPEN_STATUSES).order_by("sequence")
               .values_list("sequence", flat=True)]
    if not numbers:
        return None
    return _("部门任务尚未办结：%(tasks)s") % {"tasks": "、".join(numbers)}


def unrouted_needs_warn_closing(case: Case) -> str | None:
    """The close warning: a need of the case the matrix sends to departments none of which was ever
    given a task for it (a task for the need, or any task of that department, counts; so does one
    recalled later, with its reason)."""
    tasks = list(Task.objects.filter(case_id=case.pk).values_list("need__code", "office__department_type_id"))
    needs_asked = {need for need, _type in tasks if need}
    types_asked = {type_id for _need, type_id in tasks if type_id}
    missing: dict[str, list[str]] = {}
    routes = routes_for(case)
    covered = {r.need.code for r in routes if r.need.code in needs_asked or r.department_type.pk in types_asked}
    for route in routes:
        if route.need.code not in covered:
            missing.setdefault(route.need.label, []).append(route.department_type.label)
    if not missing:
        return None
    return _("以下需求未转办任何部门：%(needs)s") % {"needs": "；".join(
        _("%(need)s（应由%(departments)s办理）") % {"need": need, "departments": "、".join(departments)}
        for need, departments in missing.items())}


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def office_target(office: Organisation) -> Target:
    return Target(region_prefix=office.region.prefix,
                  department_type=office.department_type.code if office.department_type else None)


def case_target(case: Case) -> Target:
    return Target(region_prefix=case.handling_region.prefix)


def _text(value: Any, name: str, *, required: str | None = None, limit: int = TEXT_MAX) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not text:
        raise DomainError.for_field(name, required, code=E.REASON_REQUIRED)
    if len(text) > limit:
        raise DomainError.for_field(name, _("不能超过 %(n)s 个字符") % {"n": limit})
    return text


# --- offices and the matrix -------------------------------------------------------------------------


def _ancestor_codes(code: str) -> list[str]:
    """The region itself and each level above it, as 12-digit codes (deepest first)."""
    cuts = [12, 9, 6, 4, 2]
    return list(dict.fromkeys(code[:n].ljust(12, "0") for n in cuts))


def office_for(department_type: DepartmentType | int, region: Region) -> Organisation | None:
    """The nearest active office of ``department_type`` at the case's region or above it."""
    codes = _ancestor_codes(region.code)
    offices = list(Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT_OFFICE, active=True,
                                               department_type=department_type, region__code__in=codes)
                   .select_related("region", "department_type"))
    return min(offices, key=lambda o: codes.index(o.region.code), default=None)


@dataclass(frozen=True)
class Route:
    """One suggestion of the matrix for a case: which department, at which office, by which row."""

    need: NeedType
    department_type: DepartmentType
    rule: ResponsibilityRule
    office: Organisation | None
    required_result: str
    duty: str


def _specificity(rule: ResponsibilityRule) -> tuple[int, int, int]:
    region = len(rule.region.prefix) if rule.region is not None else 0
    return (region, 1 if rule.category_id else 0, 1 if rule.program else 0)


def routes_for(case: Case, needs: Iterable[str] | None = None) -> list[Route]:
    """The departments the matrix sends ``needs`` (default: the case's) to, for this case: for each
    need and department type, the most specific row in force (region, then category, then program)."""
    wanted = list(dict.fromkeys(needs if needs is not None else case.needs))
    if not wanted:
        return []
    region = case.handling_region
    rules = (ResponsibilityRule.objects.filter(retired_at__isnull=True, need__code__in=wanted, need__active=True,
                                               department_type__active=True)
             .filter(Q(category__isnull=True) | Q(category__code__in=case.categories or []))
             .filter(Q(program="") | Q(program=case.program))
             .select_related("need", "category", "region", "department_type"))
    best: dict[tuple[int, int], ResponsibilityRule] = {}
    for rule in rules:
        if rule.region is not None and not region.prefix.startswith(rule.region.prefix):
            continue
        key = (rule.need_id, rule.department_type_id)
        if key not in best or _specificity(rule) > _specificity(best[key]):
            best[key] = rule
    order = {code: i for i, code in enumerate(wanted)}
    chosen = sorted(best.values(), key=lambda r: (order[r.need.code], r.department_type.sort_order, r.pk))
    return [Route(r.need, r.department_type, r, office_for(r.department_type_id, region), r.required_result, r.duty)
            for r in chosen]


# --- the frame of every move ------------------------------------------------------------------------


def _locked(task: Task, version: Any) -> Task:
    try:
        expected = int(version)
    except (TypeError, ValueError):
        raise DomainError.for_field("version", _("请提供任务的版本号（version）"), code=E.STALE) from None
    locked = (Task.objects.select_for_update(of=("self",))
              .select_related("case", "case__handling_region", "office", "office__region",
                              "office__department_type", "deadline").get(pk=task.pk))
    if locked.version != expected:
        raise Conflict(_("该任务已被他人处理（当前版本 %(current)s，您提交的是 %(given)s），请刷新后重试") % {
            "current": locked.version, "given": expected}, code=E.STALE, field_errors={"version": [_("版本已过期")]})
    return locked


def _begin(actor: Any, task: Task, action: str, version: Any, allowed: Iterable[str], label: str,
           *, office_side: bool) -> Task:
    """Check the role on the task's side, lock, compare the version, check the status."""
    require(actor, action, office_target(task.office) if office_side else case_target(task.case))
    locked = _locked(task, version)
    if office_side and locked.office_id != task.office_id:
        require(actor, action, office_target(locked.office))  # it moved on meanwhile
    if locked.status not in allowed:
        raise DomainError(_("任务当前“%(status)s”，不能%(action)s") % {
            "status": TaskStatus(locked.status).label, "action": label}, code=E.INVALID_STATUS, status=409)
    return locked


def _event(task: Task, kind: str, *, actor: Any, now: datetime, text: str = "", reason_code: str = "",
           from_office: Organisation | None = None, to_office: Organisation | None = None,
           data: dict[str, Any] | None = None) -> TaskEvent:
    return TaskEvent.objects.create(task=task, kind=kind, actor=_user(actor), at=now, text=text,
                                    reason_code=reason_code, from_office=from_office, to_office=to_office,
                                    data=data or {})


def _save(task: Task, now: datetime, *, activity: bool = True) -> None:
    task.version += 1
    if activity:
        task.last_activity_at = now
    task.idle_at = idle_at_for(task, now)
    task.save()


def _audit(task: Task, action: str, *, actor: Any, changes: dict[str, Any], note: str = "") -> None:
    audit_record(actor=actor, action=action, subject=task, subject_label=task.number,
                 region_code=task.case.handling_region.code, changes=changes, note=note[:300])


def _case_event(task: Task, kind: str, text: Stored, *, actor: Any, now: datetime) -> None:
    case_event_record(case=task.case, kind=f"referral.{kind}", text=text, actor=_user(actor),
                      at=now, data={"task_id": task.pk, "office_id": task.office_id})


def _store(uploads: list[files.Upload], task: Task, event: TaskEvent, actor: Any, now: datetime,
           written: WrittenFiles) -> None:
    for checked in files.check_files(uploads):
        relative = written.store(checked)
        TaskAttachment.objects.create(task=task, event=event, name=checked.name, path=relative,
                                      size=len(checked.content), content_type=checked.content_type,
                                      sha256=checked.sha256, uploaded_by=_user(actor), uploaded_at=now)


def _with_files(uploads: list[files.Upload] | None, work: Any) -> Any:
    """Run ``work(written)`` in a transaction; files written for a change that rolls back are removed."""
    with files.removed_on_failure() as written, transaction.atomic():
        return work(written)


def _office(office_id: Any, field_name: str = "office_id") -> Organisation:
    try:
        pk = int(office_id)
    except (TypeError, ValueError):
        raise DomainError.for_field(field_name, _("请选择承办部门"), code=E.OFFICE) from None
    office = (Organisation.objects.select_related("region", "department_type")
              .filter(pk=pk, kind=OrganisationKind.DEPARTMENT_OFFICE).first())
    if office is None:
        raise DomainError.for_field(field_name, _("未找到该部门机构"), code=E.OFFICE)
    if not office.active or (office.department_type is not None and not office.department_type.active):
        raise DomainError.for_field(field_name, _("%(office)s 已停用，不能交办") % {"office": office.name},
                                    code=E.OFFICE)
    return office


def _limit(task: Task, now: datetime) -> tuple[int, str, dict[str, Any]]:
    rule = task.rule
    if rule is not None and rule.limit_count:
        return rule.limit_count, rule.limit_unit or DeadlineUnit.WORKING_DAYS, {"referrals.rule": rule.pk}
    found = parameter_value(TASK_LIMIT, task.case.handling_region.code, now)
    return found.value.count, found.value.unit, {TASK_LIMIT: found.version_id}


def _start_deadline(task: Task, actor: Any, now: datetime, limit: tuple[int, str] | None = None) -> None:
    count, unit, parameters = (*limit, {}) if limit is not None else _limit(task, now)
    task.deadline = deadline_start(actor=actor, subject_type=TASK_SUBJECT, subject_id=task.pk,
                                   region_code=task.office.region.code, kind=TASK_DEADLINE, start=now, limit=count,
                                   unit=unit, owner_organisation=task.office, owner_user=task.handler,
                                   parameters=parameters)


def _end_deadline(task: Task, actor: Any, reason: str, *, met: bool = False) -> None:
    d = task.deadline
    if d is None or d.met_at is not None or d.cancelled_at is not None:
        return
    d.refresh_from_db()
    if met:
        deadline_meet(actor=actor, deadline=d)
    else:
        deadline_cancel(actor=actor, deadline=d, version=d.version, reason=reason, authorised=True)


# --- split (分办) --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskDraft:
    office_id: Any
    description: str
    required_result: str
    need: str = ""
    rule_id: int | None = None
    handler_id: int | None = None
    # A limit set by whoever charged the office (a consultation's decision), else the matrix's.
    limit: tuple[int, str] | None = None


def _check_drafts(case: Case, drafts: list[TaskDraft]) -> list[tuple[Any, ...]]:
    errors: dict[str, list[str]] = {}
    if not drafts:
        raise DomainError.for_field("tasks", _("请至少选择一个承办部门"), code=E.OFFICE)
    if len(drafts) > MAX_TASKS_AT_ONCE:
        raise DomainError.for_field("tasks", _("一次最多分办 %(n)s 个任务") % {"n": MAX_TASKS_AT_ONCE})
    checked = []
    seen: set[tuple[int, str]] = set()
    needs = {n.code: n for n in NeedType.objects.filter(code__in=[d.need for d in drafts if d.need])}
    for i, d in enumerate(drafts):
        prefix = f"tasks.{i}."
        try:
            office = _office(d.office_id, prefix + "office_id")
            description = _text(d.description, prefix + "description", required=_("请填写任务说明"))
            required = _text(d.required_result, prefix + "required_result", required=_("请填写要求反馈的结果"),
                             limit=RESULT_MAX)
        except DomainError as exc:
            for k, v in (exc.field_errors or {}).items():
                errors.setdefault(k, []).extend(str(x) for x in v)
            continue
        need = needs.get(d.need) if d.need else None
        if d.need and (need is None or not need.active):
            errors.setdefault(prefix + "need", []).append(_("未知或已停用的需求类型：%(code)s") % {"code": d.need})
            continue
        rule = None
        if d.rule_id:
            rule = ResponsibilityRule.objects.filter(pk=d.rule_id, retired_at__isnull=True).first()
            if rule is None:
                errors.setdefault(prefix + "rule_id", []).append(_("该职责清单条目已停用或不存在"))
                continue
        handler = None
        if d.handler_id:
            if int(d.handler_id) not in notify.office_handlers(office):
                errors.setdefault(prefix + "handler_id", []).append(_("承办人须是该部门在岗的经办人员"))
                continue
            handler = d.handler_id
        key = (office.pk, d.need or "")
        if key in seen:
            errors.setdefault(prefix + "office_id", []).append(_("同一需求不能重复交给同一部门"))
            continue
        seen.add(key)
        checked.append((d, office, need, rule, handler, description, required))
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors)
    return checked


def tasks_open(*, actor: Any, case: Case, drafts: list[TaskDraft], authorised: bool = False) -> list[Task]:
    """Split a case (分办): one task per department office, each with its deadline, at once.
    ``authorised``: the caller decided it under its own right (a consultation's decision)."""
    if not authorised:
        require(actor, TASK_OPEN, case_target(case))
    checked = _check_drafts(case, drafts)
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).select_related("handling_region").get(pk=case.pk)
        if locked.stage not in REFERRABLE_STAGES:
            raise DomainError(_("事项当前处于“%(stage)s”阶段，不能分办部门任务（受理后、结案前可以分办）") % {
                "stage": Stage(locked.stage).label}, code=E.STAGE, status=409)
        open_at = set(Task.objects.filter(case=locked, status__in=OPEN_STATUSES)
                      .values_list("office_id", "need__code"))
        clashes = [office.name for _d, office, need, *_rest in checked if (office.pk, need.code if need else None)
                   in open_at]
        if clashes:
            raise DomainError(_("以下部门已有本事项同一需求的未办结任务：%(offices)s") % {
                "offices": "、".join(clashes)}, code=E.DUPLICATE, status=409)
        now = timezone.now()
        sequence = Task.objects.filter(case=locked).aggregate(m=Max("sequence"))["m"] or 0
        tasks = []
        for d, office, need, rule, handler, description, required in checked:
            sequence += 1
            task = Task.objects.create(case=locked, sequence=sequence, need=need, rule=rule, office=office,
                                       description=description, required_result=required, handler_id=handler,
                                       created_by=_user(actor), created_at=now, last_activity_at=now)
            _start_deadline(task, actor, now, d.limit)
            task.save(update_fields=["deadline"])
            _event(task, TaskEventKind.OPENED, actor=actor, now=now, text=description, to_office=office,
                   data={"need": need.code if need else "", "rule_id": rule.pk if rule else None})
            _audit(task, "referrals.task.open", actor=actor,
                   changes={"office": (None, office.name), "status": (None, TaskStatus.PENDING),
                            "due_at": (None, task.deadline.due_at if task.deadline else None)})
            notify.task_notice(task, notify.ASSIGNED, actor=actor)
            tasks.append(task)
        summary = message(gettext_noop("分办：%(offices)s"), {"offices": "、".join(t.office.name for t in tasks)})
        case_event_record(case=locked, kind="referral.opened", text=summary, actor=_user(actor),
                          at=now, data={"task_ids": [t.pk for t in tasks]})
    return tasks


# --- the office's moves -----------------------------------------------------------------------------


def task_accept(*, actor: Any, task: Task, version: Any, note: str = "") -> Task:
    with transaction.atomic():
        locked = _begin(actor, task, TASK_HANDLE, version, {TaskStatus.PENDING}, _("接收"), office_side=True)
        note = _text(note, "note", limit=RESULT_MAX)
        now = timezone.now()
        locked.status, locked.accepted_at = TaskStatus.ACCEPTED, now
        locked.handler = _user(actor) or locked.handler
        _save(locked, now)
        if locked.deadline is not None and locked.handler is not None:
            # The deadline answers to the handler from now on (the office stays on it as well).
            Deadline.objects.filter(pk=locked.deadline.pk).update(owner_user=locked.handler)
        _event(locked, TaskEventKind.ACCEPTED, actor=actor, now=now, text=note, to_office=locked.office)
        _audit(locked, "referrals.task.accept", actor=actor, changes={"status": (TaskStatus.PENDING, locked.status)})
        _case_event(locked, "accepted", message(gettext_noop("%(office)s 接收任务 %(number)s"), {
            "office": locked.office.name, "number": locked.number}), actor=actor, now=now)
    return locked


def task_return(*, actor: Any, task: Task, version: Any, reason_code: str, reason: str) -> Task:
    """Send the task back to the case side (退回), with a reason code and a written reason."""
    with transaction.atomic():
        locked = _begin(actor, task, TASK_HANDLE, version, {TaskStatus.PENDING, TaskStatus.ACCEPTED}, _("退回"),
                        office_side=True)
        errors: dict[str, list[str]] = {}
        if reason_code not in ReturnReason.values:
            errors["reason_code"] = [_("请选择退回原因")]
        text = (reason or "").strip()
        if not text:
            errors["reason"] = [_("请填写退回理由（将告知交办的乡镇和县级民政部门）")]
        elif len(text) > TEXT_MAX:
            errors["reason"] = [_("不能超过 %(n)s 个字符") % {"n": TEXT_MAX}]
        if errors:
            raise DomainError(_("退回须选择原因并填写理由"), field_errors=errors, code=E.REASON_REQUIRED)
        now = timezone.now()
        before = locked.status
        locked.status, locked.handler, locked.info_requested = TaskStatus.RETURNED, None, False
        locked.returns += 1
        _end_deadline(locked, actor, _("任务被退回"))
        _save(locked, now)
        _event(locked, TaskEventKind.RETURNED, actor=actor, now=now, text=text, reason_code=reason_code,
               from_office=locked.office, data={"returns": locked.returns})
        _audit(locked, "referrals.task.return", actor=actor, note=text,
               changes={"status": (before, locked.status), "returns": (locked.returns - 1, locked.returns)})
        _case_event(locked, "returned", message(
            gettext_noop("%(office)s 退回任务 %(number)s（%(code)s）：%(reason)s"), {
            "office": locked.office.name, "number": locked.number, "code": ReturnReason(reason_code).label,
            "reason": text}), actor=actor, now=now)
        notify.task_notice(locked, notify.RETURNED, actor=actor)
        check_returns(locked, now=now)
    return locked


def task_ask(*, actor: Any, task: Task, version: Any, text: str) -> Task:
    """Ask the case side for more information; the deadline keeps running."""
    with transaction.atomic():
        locked = _begin(actor, task, TASK_HANDLE, version, {TaskStatus.PENDING, TaskStatus.ACCEPTED},
                        _("要求补充材料"), office_side=True)
        text = _text(text, "text", required=_("请写明需要补充的材料或情况"))
        now = timezone.now()
        locked.info_requested = True
        _save(locked, now)
        _event(locked, TaskEventKind.INFO_REQUESTED, actor=actor, now=now, text=text, from_office=locked.office)
        _audit(locked, "referrals.task.ask", actor=actor, note=text, changes={"info_requested": (False, True)})
        _case_event(locked, "info_requested", message(gettext_noop("%(office)s 要求补充材料：%(text)s"), {
            "office": locked.office.name, "text": text}), actor=actor, now=now)
        notify.task_notice(locked, notify.INFO_REQUESTED, actor=actor)
    return locked


def task_progress(*, actor: Any, task: Task, version: Any, text: str,
                  uploads: list[files.Upload] | None = None) -> Task:
    def work(written: WrittenFiles) -> Task:
        locked = _begin(actor, task, TASK_HANDLE, version, {TaskStatus.ACCEPTED}, _("登记进展"), office_side=True)
        body = _text(text, "text", required=_("请填写办理进展"))
        now = timezone.now()
        _save(locked, now)
        event = _event(locked, TaskEventKind.PROGRESS, actor=actor, now=now, text=body, from_office=locked.office)
        _store(uploads or [], locked, event, actor, now, written)
        _audit(locked, "referrals.task.progress", actor=actor, note=body, changes={"version": (
            locked.version - 1, locked.version)})
        return locked
    return _with_files(uploads, work)


def task_complete(*, actor: Any, task: Task, version: Any, result: str, amount_fen: Any = None,
                  uploads: list[files.Upload] | None = None) -> Task:
    """Complete the task (办结) with its result: the help given, an amount, documents."""
    def work(written: WrittenFiles) -> Task:
        locked = _begin(actor, task, TASK_HANDLE, version, {TaskStatus.ACCEPTED}, _("办结"), office_side=True)
        body = _text(result, "result", required=_("请填写办理结果：为对象提供了哪些帮助"))
        amount = None
        if amount_fen not in (None, ""):
            if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < 0:
                raise DomainError.for_field("amount_fen", _("金额应为不小于零的整数（单位：分）"))
            if amount_fen > 100_000_000_00:
                raise DomainError.for_field("amount_fen", _("金额过大"))
            amount = amount_fen
        now = timezone.now()
        locked.status, locked.result, locked.result_amount_fen = TaskStatus.COMPLETED, body, amount
        locked.completed_at, locked.info_requested = now, False
        _end_deadline(locked, actor, "", met=True)
        _save(locked, now)
        event = _event(locked, TaskEventKind.COMPLETED, actor=actor, now=now, text=body, from_office=locked.office,
                       data={"amount_fen": amount})
        _store(uploads or [], locked, event, actor, now, written)
        _audit(locked, "referrals.task.complete", actor=actor, note=body,
               changes={"status": (TaskStatus.ACCEPTED, locked.status), "result_amount_fen": (None, amount)})
        amount_text = message(gettext_noop("，金额 %(yuan)s 元"), {
            "yuan": f"{amount // 100:,}.{amount % 100:02d}"}) if amount else ""
        _case_event(locked, "completed", message(
            gettext_noop("%(office)s 办结任务 %(number)s：%(result)s%(amount)s"), {
            "office": locked.office.name, "number": locked.number, "result": body, "amount": amount_text}),
            actor=actor, now=now)
        notify.task_notice(locked, notify.COMPLETED, actor=actor)
        return locked
    return _with_files(uploads, work)


def _hand_to(locked: Task, office: Organisation, kind: str, *, actor: Any, text: str, now: datetime,
             action: str) -> Task:
    before_office, before_status = locked.office, locked.status
    _end_deadline(locked, actor, _("任务转交 %(office)s") % {"office": office.name})
    locked.office, locked.status, locked.handler, locked.info_requested = office, TaskStatus.PENDING, None, False
    locked.accepted_at = None
    _start_deadline(locked, actor, now)
    _save(locked, now)
    _event(locked, kind, actor=actor, now=now, text=text, from_office=before_office, to_office=office)
    _audit(locked, action, actor=actor, note=text, changes={"office": (before_office.name, office.name),
                                                             "status": (before_status, locked.status)})
    verb = gettext_lazy("转办") if kind == TaskEventKind.TRANSFERRED else gettext_lazy("重新交办")
    _case_event(locked, kind, message(gettext_noop("任务 %(number)s %(verb)s：%(from)s → %(to)s；理由：%(text)s"), {
        "number": locked.number, "verb": verb, "from": before_office.name, "to": office.name, "text": text}),
        actor=actor, now=now)
    notify.task_notice(locked, notify.ASSIGNED, actor=actor)
    check_cycle(locked, now=now)
    return locked


def task_transfer(*, actor: Any, task: Task, version: Any, to_office_id: Any, reason: str) -> Task:
    """The office hands the task on to another department office (转办), with a reason."""
    with transaction.atomic():
        locked = _begin(actor, task, TASK_TRANSFER, version, {TaskStatus.PENDING, TaskStatus.ACCEPTED}, _("转办"),
                        office_side=True)
        text = _text(reason, "reason", required=_("请填写转办理由"))
        office = _office(to_office_id, "to_office_id")
        if office.pk == locked.office_id:
            raise DomainError.for_field("to_office_id", _("不能转办给本部门"), code=E.OFFICE)
        return _hand_to(locked, office, TaskEventKind.TRANSFERRED, actor=actor, text=text, now=timezone.now(),
                        action="referrals.task.transfer")


# --- the case side's moves --------------------------------------------------------------------------


def task_reassign(*, actor: Any, task: Task, version: Any, to_office_id: Any, reason: str) -> Task:
    """A returned task is sent again (重新交办): to the same office with more to go on, or another."""
    with transaction.atomic():
        locked = _begin(actor, task, TASK_REASSIGN, version, {TaskStatus.RETURNED}, _("重新交办"),
                        office_side=False)
        text = _text(reason, "reason", required=_("请填写重新交办的理由"))
        office = _office(to_office_id, "to_office_id")
        if locked.case.stage not in REFERRABLE_STAGES:
            raise DomainError(_("事项当前处于“%(stage)s”阶段，不能交办部门任务") % {
                "stage": Stage(locked.case.stage).label}, code=E.STAGE, status=409)
        return _hand_to(locked, office, TaskEventKind.REASSIGNED, actor=actor, text=text, now=timezone.now(),
                        action="referrals.task.reassign")


def task_answer(*, actor: Any, task: Task, version: Any, text: str,
                uploads: list[files.Upload] | None = None) -> Task:
    """The case side supplies what the office asked for (补充材料)."""
    def work(written: WrittenFiles) -> Task:
        locked = _begin(actor, task, TASK_ANSWER, version, {TaskStatus.PENDING, TaskStatus.ACCEPTED},
                        _("补充材料"), office_side=False)
        body = _text(text, "text", required=_("请填写补充的情况"))
        now = timezone.now()
        locked.info_requested = False
        _save(locked, now, activity=False)
        event = _event(locked, TaskEventKind.INFO_PROVIDED, actor=actor, now=now, text=body,
                       to_office=locked.office)
        _store(uploads or [], locked, event, actor, now, written)
        _audit(locked, "referrals.task.answer", actor=actor, note=body, changes={"info_requested": (True, False)})
        notify.task_notice(locked, notify.INFO_PROVIDED, actor=actor)
        return locked
    return _with_files(uploads, work)


def task_cancel(*, actor: Any, task: Task, version: Any, reason: str) -> Task:
    """Recall a task no longer needed (撤回), with a reason."""
    with transaction.atomic():
        locked = _begin(actor, task, TASK_CANCEL, version, OPEN_STATUSES, _("撤回"), office_side=False)
        text = _text(reason, "reason", required=_("请填写撤回理由"))
        now = timezone.now()
        before = locked.status
        locked.status, locked.info_requested = TaskStatus.CANCELLED, False
        _end_deadline(locked, actor, (_("任务撤回：%(reason)s") % {"reason": text})[:400])
        _save(locked, now)
        _event(locked, TaskEventKind.CANCELLED, actor=actor, now=now, text=text, from_office=locked.office)
        _audit(locked, "referrals.task.cancel", actor=actor, note=text, changes={"status": (before, locked.status)})
        _case_event(locked, "cancelled", message(gettext_noop("撤回任务 %(number)s（%(office)s）：%(reason)s"), {
            "number": locked.number, "office": locked.office.name, "reason": text}), actor=actor, now=now)
        if before != TaskStatus.RETURNED:
            notify.task_notice(locked, notify.CANCELLED, actor=actor)
    return locked


# --- the matrix --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleInput:
    need: str
    department_type: str
    required_result: str
    category: str = ""
    program: str = ""
    region_code: str = ""
    limit_count: int | None = None
    limit_unit: str = ""
    duty: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _rule_fields(data: RuleInput) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    values["need"] = NeedType.objects.filter(code=data.need, active=True).first()
    if values["need"] is None:
        errors["need"] = [_("请选择在用的需求类型")]
    values["department_type"] = DepartmentType.objects.filter(code=data.department_type, active=True).first()
    if values["department_type"] is None:
        errors["department_type"] = [_("请选择在用的部门类型")]
    values["category"] = None
    if data.category:
        values["category"] = CaseCategory.objects.filter(code=data.category, active=True).first()
        if values["category"] is None:
            errors["category"] = [_("未知或已停用的急难类别")]
    values["region"] = None
    if data.region_code:
        values["region"] = Region.objects.filter(code=data.region_code).first()
        if values["region"] is None:
            errors["region_code"] = [_("未找到该区划")]
    program = (data.program or "").strip()
    if len(program) > 30:
        errors["program"] = [_("不能超过 %(n)s 个字符") % {"n": 30}]
    values["program"] = program
    if data.limit_count is not None:
        if isinstance(data.limit_count, bool) or not isinstance(data.limit_count, int) \
                or not 1 <= data.limit_count <= 365:
            errors["limit_count"] = [_("办理时限应为 1–365 之间的整数")]
        if data.limit_unit not in (DeadlineUnit.WORKING_DAYS, DeadlineUnit.CALENDAR_DAYS, DeadlineUnit.HOURS):
            errors["limit_unit"] = [_("请选择时限单位")]
    values["limit_count"] = data.limit_count
    values["limit_unit"] = data.limit_unit if data.limit_count is not None else ""
    required = (data.required_result or "").strip()
    if not required:
        errors["required_result"] = [_("请填写要求部门反馈的结果")]
    elif len(required) > RESULT_MAX:
        errors["required_result"] = [_("不能超过 %(n)s 个字符") % {"n": RESULT_MAX}]
    values["required_result"] = required
    duty = (data.duty or "").strip()
    if len(duty) > RESULT_MAX:
        errors["duty"] = [_("不能超过 %(n)s 个字符") % {"n": RESULT_MAX}]
    values["duty"] = duty
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors)
    return values


def _rule_label(rule: ResponsibilityRule) -> str:
    return f"{rule.need.name} → {rule.department_type.name}"


def rule_add(*, actor: Any, data: RuleInput) -> ResponsibilityRule:
    require(actor, MATRIX_MANAGE)
    values = _rule_fields(data)
    with transaction.atomic():
        rule = ResponsibilityRule.objects.create(**values, created_by=_user(actor), created_at=timezone.now())
        audit_record(actor=actor, action="referrals.matrix.add", subject=rule, subject_label=_rule_label(rule),
                     changes={k: (None, str(v) if v is not None else None) for k, v in values.items()})
    return rule


def _rule_locked(rule: ResponsibilityRule, version: Any, *, retired: str) -> ResponsibilityRule:
    """The row, locked, if it is still at ``version`` and in force; ``retired`` says why not otherwise."""
    old = ResponsibilityRule.objects.select_for_update().filter(pk=rule.pk).first()
    if old is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    if str(old.version) != str(version):
        raise Conflict(_("该条目已被他人修改，请刷新后重试"), code=E.STALE, field_errors={"version": [_("版本已过期")]})
    if old.retired_at is not None:
        raise DomainError(retired, code="retired", status=409)
    return old


def rule_change(*, actor: Any, rule: ResponsibilityRule, version: Any, data: RuleInput) -> ResponsibilityRule:
    """A change writes a new row and retires the old one: tasks keep the row they were opened by."""
    require(actor, MATRIX_MANAGE)
    values = _rule_fields(data)
    with transaction.atomic():
        old = _rule_locked(rule, version, retired=_("该条目已停用，不能修改"))
        now = timezone.now()
        new = ResponsibilityRule.objects.create(**values, created_by=_user(actor), created_at=now)
        old.retired_at, old.retired_by, old.replaced_by = now, _user(actor), new
        old.retire_reason = str(_("已由新条目取代"))
        old.version += 1
        old.save()
        changes = {k: (str(getattr(old, k)) if getattr(old, k) is not None else None,
                       str(v) if v is not None else None)
                   for k, v in values.items() if getattr(old, k) != v}
        audit_record(actor=actor, action="referrals.matrix.change", subject=new, subject_label=_rule_label(new),
                     changes={**changes, "replaces": (None, old.pk)})
    return new


def rule_retire(*, actor: Any, rule: ResponsibilityRule, version: Any, reason: str) -> ResponsibilityRule:
    require(actor, MATRIX_MANAGE)
    text = _text(reason, "reason", required=_("请填写停用原因"), limit=RESULT_MAX)
    with transaction.atomic():
        old = _rule_locked(rule, version, retired=_("该条目已停用"))
        old.retired_at, old.retired_by, old.retire_reason = timezone.now(), _user(actor), text
        old.version += 1
        old.save()
        audit_record(actor=actor, action="referrals.matrix.retire", subject=old, subject_label=_rule_label(old),
                     note=text, changes={"retired_at": (None, old.retired_at)})
    return old
