"""Deflection flags (推诿预警), what is read to raise one: a task's hand-off history, the cycle its
last hand-off closed, the region and office that cover every party, when an accepted task counts
as idle. The flags themselves are written by :mod:`jijinan.referrals.deflection.services`.

A flag keeps the task's hand-off history as it stood and the lowest region that covers every
party (the referring township and each office the task went to), with the office there that can
coordinate them (its 综治办, else its civil-affairs office). It is written in the transaction of
the move that caused it, with an audit event and an outbox message that tells the supervisors of
that region; a later trigger of the same kind updates the flag instead of adding another.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import Organisation
from jijinan.core.calendar.workdays import DeadlineUnit, deadline_at
from jijinan.core.errors import DomainError
from jijinan.policy.lookup import value as parameter_value
from jijinan.referrals.choices import HAND_OFFS, ReturnReason, TaskEventKind, TaskStatus
from jijinan.referrals.models import Task
from jijinan.regions.models import Region

RETURNS_PARAMETER = "case_handling.deflection_returns"
IDLE_PARAMETER = "case_handling.task_idle_limit"
# Used only where a county has no value in force (the suite of parameters is data; a missing one
# must not stop a department from returning a task). POLICY.md §10: "after 2 returns".
FALLBACK_RETURNS = 2
FALLBACK_IDLE_DAYS = 2
COORDINATOR = "comprehensive_governance"


def task_parameter(name: str, task: Task, now: datetime, fallback: Any) -> tuple[Any, dict[str, Any]]:
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


def history_time(at: Any) -> datetime | None:
    """When a step of a kept history happened: the stored text (ISO 8601, UTC) as an aware time,
    shown in Beijing time by the page's ``date`` filter; None for a missing or unreadable one."""
    if isinstance(at, datetime):
        return at
    try:
        found = datetime.fromisoformat(str(at))
    except ValueError:
        return None
    return found if timezone.is_aware(found) else timezone.make_aware(found, UTC)


def history_when(at: Any) -> str:
    """A step's time as exports write it: Beijing time, to the minute ("2026-12-07 22:52")."""
    found = history_time(at)
    return timezone.localtime(found).strftime("%Y-%m-%d %H:%M") if found is not None else ""


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
    limit, _parameters = task_parameter(IDLE_PARAMETER, task, now, FALLBACK_IDLE_DAYS)
    return max(task.deadline.due_at, idle_until(task, limit))
