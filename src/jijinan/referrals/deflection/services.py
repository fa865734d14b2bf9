"""Deflection flags (推诿预警), written: a task returned too often, passed around a cycle of offices,
or accepted and left idle past its deadline (a periodic sweep).

A flag keeps the task's hand-off history as it stood and the lowest region that covers every
party, with the office there that can coordinate them. It is written in the transaction of the
move that caused it, with an audit event and an outbox message that tells the supervisors of that
region; a later trigger of the same kind updates the live flag (open or under 督办) and counts one
more occurrence; once the flag was resolved or dismissed, a new trigger raises a new flag.

A flag's life: open → under 督办 (the supervision app opened an order on it, ``flag_supervise``)
→ resolved with the finding, or dismissed with the reason (``flag_settle``, by the supervisors and
the government of the region that covers the parties).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.accounts.models import Organisation
from jijinan.audit.services import audit_record
from jijinan.core.errors import Conflict, DomainError
from jijinan.core.jobs.queue import periodic
from jijinan.core.permissions import Target, require
from jijinan.referrals import notify
from jijinan.referrals.choices import LIVE_FLAG, FlagReason, FlagStatus, TaskEventKind, TaskStatus
from jijinan.referrals.deflection.selectors import (
    FALLBACK_IDLE_DAYS,
    FALLBACK_RETURNS,
    IDLE_PARAMETER,
    RETURNS_PARAMETER,
    covering_office,
    covering_region,
    find_cycle,
    history,
    idle_until,
    office_path,
    task_parameter,
)
from jijinan.referrals.errors import ReferralErrorCode as E
from jijinan.referrals.models import DeflectionFlag, Task, TaskEvent
from jijinan.referrals.permissions import FLAG_SETTLE

SWEEP_BATCH = 500  # tasks looked at per sweep; the rest wait for the next one (every 10 minutes)


def raise_flag(task: Task, reason: str, detail: str, *, now: datetime, parameters: dict[str, Any],
               offices: list[Organisation] | None = None) -> DeflectionFlag:
    """Write (or renew) the flag of ``reason`` on ``task``, with its history, audit and outbox message."""
    offices = offices if offices is not None else office_path(task)
    parties = list({o.pk: o for o in offices}.values())
    region = covering_region([task.case.handling_region, *[o.region for o in parties]])
    values = {"detail": detail[:500], "history": history(task), "offices": [o.name for o in parties],
              "covering_region": region, "covering_office": covering_office(region), "parameters": parameters,
              "updated_at": now}
    flag = DeflectionFlag.objects.select_for_update().filter(task=task, reason=reason,
                                                            status__in=LIVE_FLAG).first()
    if flag is None:
        flag = DeflectionFlag.objects.create(task=task, reason=reason, raised_at=now, **values)
    else:
        for k, v in values.items():
            setattr(flag, k, v)
        flag.occurrences = F("occurrences") + 1
        flag.version = F("version") + 1  # a settling prepared on the flag as it was is refused
        flag.save()
        flag.refresh_from_db()
    TaskEvent.objects.create(task=task, kind=TaskEventKind.FLAGGED, at=now, text=detail[:500],
                             data={"flag_id": flag.pk, "reason": reason})
    audit_record(actor=None, action="referrals.flag.raise", subject=task, subject_label=task.number,
                 region_code=region.code, note=detail[:300], changes={"flag": (None, reason)})
    notify.flag_notice(flag)
    return flag


def check_returns(task: Task, *, now: datetime) -> DeflectionFlag | None:
    limit, parameters = task_parameter(RETURNS_PARAMETER, task, now, FALLBACK_RETURNS)
    if task.returns < int(limit):
        return None
    detail = _("任务 %(number)s 已被退回 %(n)s 次（达到 %(limit)s 次即预警）") % {
        "number": task.number, "n": task.returns, "limit": limit}
    return raise_flag(task, FlagReason.RETURNS, detail, now=now, parameters=parameters)


def check_cycle(task: Task, *, now: datetime) -> DeflectionFlag | None:
    path = office_path(task)
    cycle = find_cycle([o.pk for o in path])
    if cycle is None:
        return None
    names = {o.pk: o.name for o in path}
    detail = _("任务 %(number)s 在部门间循环转办：%(path)s") % {
        "number": task.number, "path": " → ".join(names[pk] for pk in cycle)}
    return raise_flag(task, FlagReason.CYCLE, detail, now=now, parameters={},
                      offices=[o for o in path if o.pk in set(cycle)])


def sweep_idle(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Flag every accepted task whose deadline ran out and that has had no activity (progress,
    questions) for the idle limit since. Returns how many flags were raised.

    Only the tasks whose ``idle_at`` has come are read (an index holds just those that have one):
    a flagged task drops out until its next activity, and one whose deadline was extended or whose
    calendar changed meanwhile gets its time computed again."""
    now = now or timezone.now()
    flagged = 0
    memo: dict[tuple[Any, ...], datetime] = {}
    due = Task.objects.filter(idle_at__lte=now).order_by("idle_at", "id").values_list("pk", flat=True)[:batch]
    for pk in list(due):
        with transaction.atomic():
            task = Task.objects.select_for_update(of=("self",)).select_related(
                "case__handling_region", "office__region", "deadline").get(pk=pk)
            limit, parameters = task_parameter(IDLE_PARAMETER, task, now, FALLBACK_IDLE_DAYS)
            deadline = task.deadline
            if task.status != TaskStatus.ACCEPTED or deadline is None:
                Task.objects.filter(pk=pk).update(idle_at=None)
                continue
            if deadline.paused_at is not None:  # paused by hand: look again tomorrow
                Task.objects.filter(pk=pk).update(idle_at=now + timedelta(days=1))
                continue
            # The deadline has run out when its time has come (the deadline sweep stamps the breach
            # within a minute; it need not have come by yet).
            if deadline.due_at >= now or now <= idle_until(task, limit, memo):
                # Not idle after all (the deadline was extended, or the calendar changed): look again later.
                Task.objects.filter(pk=pk).update(idle_at=max(deadline.due_at, idle_until(task, limit, memo)))
                continue
            local_due = timezone.localtime(deadline.due_at)
            detail = _("任务 %(number)s 已接收但逾期未办：期限 %(due)s，最近办理 %(last)s") % {
                "number": task.number, "due": local_due.strftime("%Y-%m-%d %H:%M"),
                "last": timezone.localtime(task.last_activity_at).strftime("%Y-%m-%d %H:%M")}
            raise_flag(task, FlagReason.IDLE, detail, now=now, parameters=parameters)
            Task.objects.filter(pk=pk).update(idle_at=None)  # until its next activity
            flagged += 1
    return flagged


@periodic("referrals.deflection_sweep", every=timedelta(minutes=10))
def deflection_sweep_job(payload: dict[str, Any]) -> None:
    sweep_idle()


def flag_supervise(flag: DeflectionFlag, *, note: str) -> DeflectionFlag:
    """Mark a live flag as under 督办 (the supervision app opened an order on it), inside the
    caller's transaction, with its audit event. A flag already settled is left as it is."""
    locked = DeflectionFlag.objects.select_for_update().get(pk=flag.pk)
    if locked.status != FlagStatus.OPEN:
        return locked
    DeflectionFlag.objects.filter(pk=locked.pk).update(status=FlagStatus.SUPERVISED, version=F("version") + 1)
    audit_record(actor=None, action="referrals.flag.supervise", subject=locked.task,
                 subject_label=locked.task.number, region_code=locked.covering_region.code, note=note[:300],
                 changes={"flag_status": (FlagStatus.OPEN, FlagStatus.SUPERVISED)})
    locked.refresh_from_db()
    return locked


SETTLED = frozenset({FlagStatus.RESOLVED, FlagStatus.DISMISSED})
OUTCOME_MAX = 2000


def flag_settle(*, actor: Any, flag: DeflectionFlag, version: Any, status: str, outcome: str) -> DeflectionFlag:
    """Settle a live flag: resolved (查实处理) with the finding, or dismissed (排除) with the reason.

    The row is locked and its version compared: a flag changed meanwhile (raised again, put under
    督办, settled by someone else) is refused, and so is a flag already settled."""
    require(actor, FLAG_SETTLE, Target(region_prefix=flag.covering_region.prefix))
    if status not in SETTLED:
        raise DomainError.for_field("status", _("请选择处理结果：查实处理或排除"), code=E.FLAG_STATUS)
    outcome = (outcome or "").strip()
    if not outcome:
        message = _("请写明查实的情况和处理") if status == FlagStatus.RESOLVED else _("请写明排除的理由")
        raise DomainError.for_field("outcome", message, code=E.OUTCOME_REQUIRED)
    if len(outcome) > OUTCOME_MAX:
        raise DomainError.for_field("outcome", _("处理结果不能超过 %(n)d 字") % {"n": OUTCOME_MAX})
    try:
        expected = int(version)
    except (TypeError, ValueError):
        raise DomainError.for_field("version", _("请提供预警的版本号（version）"), code=E.STALE) from None
    with transaction.atomic():
        locked = DeflectionFlag.objects.select_for_update(of=("self",)).select_related(
            "task", "covering_region").get(pk=flag.pk)
        if locked.status in SETTLED:
            raise DomainError(_("该预警已于 %(at)s 处理（%(status)s），不能再次处理") % {
                "at": timezone.localtime(locked.settled_at).strftime("%Y-%m-%d %H:%M") if locked.settled_at else "—",
                "status": locked.get_status_display()}, code=E.FLAG_SETTLED, status=409)
        if locked.version != expected:
            stale = _("该预警已有变化（当前版本 %(current)s，您提交的是 %(given)s），请刷新后重试") % {
                "current": locked.version, "given": expected}
            raise Conflict(stale, code=E.STALE, field_errors={"version": [stale]})
        before = locked.status
        now = timezone.now()
        locked.status = status
        locked.outcome = outcome
        locked.settled_by = actor if getattr(actor, "pk", None) else None
        locked.settled_at = now
        locked.version += 1
        locked.save(update_fields=["status", "outcome", "settled_by", "settled_at", "version"])
        audit_record(actor=actor, action=f"referrals.flag.{'resolve' if status == FlagStatus.RESOLVED else 'dismiss'}",
                     subject=locked.task, subject_label=locked.task.number, region_code=locked.covering_region.code,
                     note=outcome[:300], changes={"flag_status": (before, status), "flag_version": (
                         expected, locked.version)})
    return locked
