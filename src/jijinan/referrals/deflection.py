"""Deflection flags (推诿预警): a task returned too often, passed around a cycle of offices, or
accepted and left idle past its deadline.

A flag keeps the task's hand-off history as it stood and the lowest region that covers every
party (the referring township and each office the task went to), with the office there that can
coordinate them (its 综治办, else its civil-affairs office). It is written in the transaction of
the move that caused it, with an audit event and an outbox message that tells the supervisors of
that region; a later trigger of the same kind updates the flag instead of adding another.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import Organisation
from jijinan.audit.services import audit_record
from jijinan.core.calendar import DeadlineUnit, deadline_at
from jijinan.core.errors import DomainError
from jijinan.core.jobs import periodic
from jijinan.policy.lookup import value as parameter_value
from jijinan.referrals.choices import HAND_OFFS, FlagReason, ReturnReason, TaskEventKind, TaskStatus
from jijinan.referrals.models import DeflectionFlag, Task, TaskEvent
from jijinan.regions.models import Region

RETURNS_PARAMETER = "case_handling.deflection_returns"
IDLE_PARAMETER = "case_handling.task_idle_limit"
# Used only where a county has no value in force (the suite of parameters is data; a missing one
# must not stop a department from returning a task). POLICY.md §10: "after 2 returns".
FALLBACK_RETURNS = 2
FALLBACK_IDLE_DAYS = 2
COORDINATOR = "comprehensive_governance"
SWEEP_BATCH = 500  # tasks looked at per sweep; the rest wait for the next one (every 10 minutes)


def _parameter(name: str, task: Task, now: datetime, fallback: Any) -> tuple[Any, dict[str, Any]]:
    try:
        found = parameter_value(name, task.case.handling_region.code, now)
    except DomainError:
        return fallback, {name: None}
    return found.value, {name: found.version_id}


def history(task: Task) -> list[dict[str, Any]]:
    """The task's hand-offs, returns and flags in order, as plain data a flag keeps."""
    rows = []
    for e in task.events.select_related("from_office", "to_office", "actor").order_by("at", "id"):
        if e.kind in {TaskEventKind.PROGRESS, TaskEventKind.INFO_PROVIDED}:
            continue
        rows.append({"kind": e.kind, "label": str(TaskEventKind(e.kind).label), "at": e.at.isoformat(),
                     "from": e.from_office.name if e.from_office else "", "to": e.to_office.name if e.to_office else "",
                     "reason": str(ReturnReason(e.reason_code).label) if e.reason_code else "",
                     "text": e.text[:300], "actor": e.actor.display_name() if e.actor else ""})
    return rows


def office_path(task: Task) -> list[Organisation]:
    """The offices the task was handed to, in order (a re-send to the same office repeats it)."""
    return [e.to_office for e in task.events.filter(kind__in=HAND_OFFS).select_related("to_office__region")
            .order_by("at", "id") if e.to_office is not None]


def find_cycle(path: list[int]) -> list[int] | None:
    """The cycle the last hand-off closed: the path from the office's earlier visit back to it,
    passing through at least one other office (A→B→A, A→B→C→A). A re-send to the same office
    after a return (A→A) is no cycle: the returns count that."""
    if len(path) < 3:
        return None
    last = path[-1]
    for i in range(len(path) - 2, -1, -1):
        if path[i] == last:
            between = path[i + 1:-1]
            if any(o != last for o in between):
                return path[i:]
            return None
    return None


def covering_region(regions: list[Region]) -> Region:
    """The lowest region whose subtree holds every one of ``regions``: the longest division-code
    prefix (province 2, city 4, county 6, township 9 digits) they share."""
    codes = [r.code for r in regions]
    for cut in (12, 9, 6, 4, 2):
        head = codes[0][:cut]
        if all(code[:cut] == head for code in codes[1:]):
            found = Region.objects.filter(code=head.ljust(12, "0")).first()
            if found is not None:
                return found
    return regions[0]


def covering_office(region: Region) -> Organisation | None:
    """The office at ``region`` that can bring the parties together: its 综治办, else its civil-affairs office."""
    offices = list(Organisation.objects.filter(region=region, active=True).filter(
        Q(kind=OrganisationKind.DEPARTMENT_OFFICE, department_type__code=COORDINATOR)
        | Q(kind=OrganisationKind.CIVIL_AFFAIRS_OFFICE)))
    return min(offices, key=lambda o: (o.kind != OrganisationKind.DEPARTMENT_OFFICE, o.pk), default=None)


def raise_flag(task: Task, reason: str, detail: str, *, now: datetime, parameters: dict[str, Any],
               offices: list[Organisation] | None = None) -> DeflectionFlag:
    """Write (or renew) the flag of ``reason`` on ``task``, with its history, audit and outbox message."""
    from jijinan.referrals import notify

    offices = offices if offices is not None else office_path(task)
    parties = list({o.pk: o for o in offices}.values())
    region = covering_region([task.case.handling_region, *[o.region for o in parties]])
    values = {"detail": detail[:500], "history": history(task), "offices": [o.name for o in parties],
              "covering_region": region, "covering_office": covering_office(region), "parameters": parameters,
              "updated_at": now}
    flag = DeflectionFlag.objects.select_for_update().filter(task=task, reason=reason).first()
    if flag is None:
        flag = DeflectionFlag.objects.create(task=task, reason=reason, raised_at=now, **values)
    else:
        for k, v in values.items():
            setattr(flag, k, v)
        flag.occurrences = F("occurrences") + 1
        flag.save()
        flag.refresh_from_db()
    TaskEvent.objects.create(task=task, kind=TaskEventKind.FLAGGED, at=now, text=detail[:500],
                             data={"flag_id": flag.pk, "reason": reason})
    audit_record(actor=None, action="referrals.flag.raise", subject=task, subject_label=task.number,
                 region_code=region.code, note=detail[:300], changes={"flag": (None, reason)})
    notify.flag_notice(flag)
    return flag


def check_returns(task: Task, *, now: datetime) -> DeflectionFlag | None:
    limit, parameters = _parameter(RETURNS_PARAMETER, task, now, FALLBACK_RETURNS)
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


def idle_until(task: Task, limit: Any, memo: dict[tuple[Any, ...], datetime] | None = None) -> datetime:
    """When an accepted task past its deadline counts as idle: ``limit`` after its last activity."""
    count, unit = (limit.count, limit.unit) if hasattr(limit, "count") else (int(limit), DeadlineUnit.WORKING_DAYS)
    if count == 0:
        return task.last_activity_at
    if unit == DeadlineUnit.HOURS or memo is None:
        return deadline_at(task.last_activity_at, count, unit).due_at
    key = (timezone.localdate(task.last_activity_at), count, unit)  # day limits end at the end of a day
    if key not in memo:
        memo[key] = deadline_at(task.last_activity_at, count, unit).due_at
    return memo[key]


def idle_at_for(task: Task, now: datetime) -> datetime | None:
    """When ``task`` would count as idle if nothing happens meanwhile: the later of its deadline
    and the idle limit after its last activity (None: it is not accepted, it cannot be idle)."""
    if task.status != TaskStatus.ACCEPTED or task.deadline is None:
        return None
    limit, _parameters = _parameter(IDLE_PARAMETER, task, now, FALLBACK_IDLE_DAYS)
    return max(task.deadline.due_at, idle_until(task, limit))


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
            limit, parameters = _parameter(IDLE_PARAMETER, task, now, FALLBACK_IDLE_DAYS)
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
