"""Reads of referrals, always with the user's scope.

The case side reaches tasks through the case's handling region; the office side through the
office the task is addressed to, and of the case it sees only ``TaskBrief``: the number and
handling office, the subject's name, masked ID number and contact, the needs, and the task itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import DepartmentType, Organisation
from jijinan.audit.services import access_log_record
from jijinan.cases.models import Case, NeedType
from jijinan.cases.selectors import case_get_for_user
from jijinan.core.errors import NotFound
from jijinan.core.permissions import get_for_user, restrict
from jijinan.core.vocabulary import vocabulary_labels
from jijinan.referrals.choices import LIVE_FLAG, OPEN_STATUSES, FlagReason, FlagStatus, TaskStatus
from jijinan.referrals.models import DeflectionFlag, ResponsibilityRule, Task, TaskAttachment, TaskEvent
from jijinan.referrals.permissions import (
    CASE_SIDE_PATHS,
    FLAG_PATHS,
    FLAG_VIEW,
    OFFICE_PATHS,
    OFFICE_VIEW,
    TASK_VIEW,
)

OFFICE_STATUSES = ("open", "pending", "accepted", "overdue", "done", "all")


def _tasks() -> QuerySet[Task]:
    return Task.objects.select_related("case", "case__handling_region", "office", "office__region",
                                       "office__department_type", "need", "handler", "deadline")


# --- the case side ------------------------------------------------------------------------------------


def case_tasks(*, user: Any, case: Case) -> list[Task]:
    """Every task of a case the user may see (the case page's panel)."""
    return list(restrict(_tasks().filter(case_id=case.pk), user, TASK_VIEW, CASE_SIDE_PATHS)
                .order_by("sequence"))


def case_task_get(*, user: Any, case_pk: int, pk: int, action: str = TASK_VIEW) -> Task:
    return get_for_user(_tasks().filter(case_id=case_pk), user, action, CASE_SIDE_PATHS, pk=pk)


def case_for_referral(*, user: Any, pk: int, action: str) -> Case:
    return case_get_for_user(user=user, pk=pk, action=action)


# --- the office side ---------------------------------------------------------------------------------


def office_tasks(*, user: Any, status: str = "open", q: str = "", now: datetime | None = None) -> QuerySet[Task]:
    """The tasks addressed to the user's offices, newest first, by status; ``q`` finds a case or
    task number, or the subject's name."""
    now = now or timezone.now()
    tasks = restrict(_tasks(), user, OFFICE_VIEW, OFFICE_PATHS)
    if status == "open":
        tasks = tasks.filter(status__in=[TaskStatus.PENDING, TaskStatus.ACCEPTED])
    elif status in (TaskStatus.PENDING, TaskStatus.ACCEPTED):
        tasks = tasks.filter(status=status)
    elif status == "overdue":
        tasks = tasks.filter(status__in=[TaskStatus.PENDING, TaskStatus.ACCEPTED], deadline__due_at__lt=now)
    elif status == "done":
        tasks = tasks.filter(status=TaskStatus.COMPLETED)
    q = (q or "").strip()
    if q:
        number, _sep, seq = q.rpartition("-")
        condition = Q(case__number=q) | Q(case__subject_name=q) | Q(case__person__name=q)
        if number and seq.isdigit():
            condition |= Q(case__number=number, sequence=int(seq))
        tasks = tasks.filter(condition)
    return tasks.order_by("deadline__due_at", "-created_at", "-id") if status != "done" else \
        tasks.order_by("-completed_at", "-id")


def office_task_get(*, user: Any, pk: int, action: str = OFFICE_VIEW) -> Task:
    return get_for_user(_tasks(), user, action, OFFICE_PATHS, pk=pk)


def task_locate(*, user: Any, pk: int) -> tuple[str, Task]:
    """Which side of a task the user sees: "office" or "case"; 404 when neither."""
    found = restrict(_tasks(), user, OFFICE_VIEW, OFFICE_PATHS).filter(pk=pk).first()
    if found is not None:
        return "office", found
    found = restrict(_tasks(), user, TASK_VIEW, CASE_SIDE_PATHS).filter(pk=pk).first()
    if found is not None:
        return "case", found
    raise NotFound(_("未找到该记录"), code="not_found")


@dataclass(frozen=True)
class TaskBrief:
    """What a department office sees of the case behind its task, and nothing more."""

    case_number: str
    handling_region: str
    handling_office: str
    subject_name: str
    id_number_masked: str
    contact_masked: str
    needs: list[str]


def _civil_office(case: Case) -> str:
    code = case.handling_region.code
    offices = Organisation.objects.filter(kind=OrganisationKind.CIVIL_AFFAIRS_OFFICE, active=True,
                                          region__code__in=[code, code[:6] + "000000"]).select_related("region")
    office = min(offices, key=lambda o: o.region.code != code, default=None)
    return office.name if office else ""


def _masked(value: Any) -> str:
    if value is None:
        return ""
    return getattr(value, "masked", "") or ""


def task_brief(*, user: Any, task: Task, log: bool = True) -> TaskBrief:
    """The minimum of the case for the office; the view of it is logged (name, masked ID, contact)."""
    case = task.case
    person = case.person
    names = vocabulary_labels(NeedType, case.needs)
    brief = TaskBrief(
        case_number=case.number, handling_region=case.handling_region.name, handling_office=_civil_office(case),
        subject_name=person.name if person is not None else (case.subject_name or _("身份不明")),
        id_number_masked=_masked(person.id_number) if person is not None else "",
        contact_masked=_masked(person.phone) if person is not None and person.phone else _masked(case.reporter_phone),
        needs=[names.get(code, code) for code in case.needs])
    if log:
        access_log_record(actor=user, kind="view", subject=task, subject_label=task.number,
                          region_code=case.handling_region.code, fields=["subject_name", "id_number", "phone"],
                          purpose=_("办理部门任务"))
    return brief


def task_history(*, task: Task) -> list[TaskEvent]:
    return list(task.events.select_related("actor", "from_office", "to_office").prefetch_related("attachments")
                .order_by("at", "id"))


def task_attachment_get(*, task: Task, pk: int) -> TaskAttachment:
    found = task.attachments.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("未找到该附件"), code="not_found")
    return found


def _nearest(o: Organisation) -> tuple[int, int, str]:
    return (-len(o.region.prefix), o.department_type.sort_order if o.department_type else 0, o.name)


def referral_offices(*, case: Case) -> list[Organisation]:
    """The department offices a case's tasks may go to: at its township and above, nearest first."""
    code = case.handling_region.code
    prefixes = {code[:n] for n in (9, 6, 4, 2)}
    offices = (Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT_OFFICE, active=True,
                                           department_type__active=True, region__prefix__in=prefixes)
               .select_related("region", "department_type"))
    return sorted(offices, key=_nearest)


def transfer_offices(*, task: Task) -> list[Organisation]:
    """The offices a task may be handed on to: those of its case, but its current one."""
    return [o for o in referral_offices(case=task.case) if o.pk != task.office_id]


def open_task_count(*, case: Case) -> int:
    return Task.objects.filter(case_id=case.pk, status__in=OPEN_STATUSES).count()


# --- flags and the matrix ----------------------------------------------------------------------------


# The status filter of the flags: the live ones (open or under 督办) unless another is asked for.
FLAG_LIVE, FLAG_ALL = "live", "all"


def flags_for_user(*, user: Any, reason: str = "", q: str = "", status: str = FLAG_LIVE) -> QuerySet[DeflectionFlag]:
    flags = restrict(DeflectionFlag.objects.select_related(
        "task", "task__case", "task__office", "covering_region", "covering_office", "settled_by"),
        user, FLAG_VIEW, FLAG_PATHS)
    if reason in FlagReason.values:
        flags = flags.filter(reason=reason)
    if status in FlagStatus.values:
        flags = flags.filter(status=status)
    elif status != FLAG_ALL:
        flags = flags.filter(status__in=LIVE_FLAG)
    q = (q or "").strip()
    if q:
        flags = flags.filter(Q(task__case__number=q) | Q(offices__icontains=q) | Q(detail__icontains=q))
    return flags.order_by("-updated_at", "-id")


def flag_get_for_user(*, user: Any, pk: int, action: str = FLAG_VIEW) -> DeflectionFlag:
    """One flag the user may see (404 outside their scope), for ``action`` (403 when seen but not theirs)."""
    return get_for_user(DeflectionFlag.objects.select_related(
        "task", "task__case", "task__office", "covering_region", "covering_office", "settled_by"),
        user, action, FLAG_PATHS, pk=pk)


def rules(*, history: bool = False, need: str = "") -> QuerySet[ResponsibilityRule]:
    found = ResponsibilityRule.objects.select_related("need", "category", "region", "department_type",
                                                      "created_by", "retired_by", "replaced_by")
    found = found.filter(retired_at__isnull=False) if history else found.filter(retired_at__isnull=True)
    if need:
        found = found.filter(need__code=need)
    return found.order_by("-retired_at", "-id") if history else found


def rule_get(*, pk: int) -> ResponsibilityRule:
    found = rules().filter(pk=pk).first() or rules(history=True).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    return found


def department_types() -> list[DepartmentType]:
    return list(DepartmentType.objects.filter(active=True))
