"""Who answers for a stage or a task now (现在负责): the person and office named on its open
deadlines, else the record's own holder (the case's responsible person or its civil-affairs office,
the task's handler or office).

The deadlines name their owner when the line starts them: the case line names the case's responsible
person (or, when nobody holds the case yet, the civil-affairs office of its township or county), a
department task names its office and, once accepted, its handler; a crisis names the person who
marked it. These reads only show that on the pages of records the reader already sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import Organisation
from jijinan.core.deadlines.kinds import kind_label
from jijinan.core.deadlines.models import Deadline
from jijinan.core.extensions.panels import due_note
from jijinan.referrals.choices import OPEN_STATUSES, TaskStatus

CASE_SUBJECT = "cases.case"
TASK_SUBJECT = "referrals.task"


@dataclass(frozen=True)
class OwnerNow:
    what: str  # the stage or deadline it answers for, e.g. 审核期限
    person: str
    office: str
    when: str = ""  # how the deadline stands, e.g. 已超期 2 天
    state: str = ""


def _open_deadlines(subject_type: str, subject_id: Any) -> list[Deadline]:
    return list(Deadline.objects.filter(subject_type=subject_type, subject_id=str(subject_id), met_at__isnull=True,
                                        cancelled_at__isnull=True)
                .select_related("owner_user", "owner_organisation__region").order_by("due_at", "id"))


def _from_deadlines(deadlines: list[Deadline], now: datetime) -> list[OwnerNow]:
    found = []
    for d in deadlines:
        when, state = ("", "") if d.paused_at is not None else due_note(d.due_at, now=now)
        found.append(OwnerNow(what=kind_label(d.kind),
                              person=d.owner_user.display_name() if d.owner_user is not None else "",
                              office=d.owner_organisation.name if d.owner_organisation is not None else "",
                              when=when if d.paused_at is None else _("已暂停"), state=state))
    return found


def case_civil_office(case: Any) -> Organisation | None:
    """The civil-affairs office of the case's township, else of its county."""
    code = case.handling_region.code
    offices = Organisation.objects.filter(kind=OrganisationKind.CIVIL_AFFAIRS_OFFICE, active=True,
                                          region__code__in=[code, code[:6] + "000000"]).select_related("region")
    return min(offices, key=lambda o: (o.region.code != code, o.pk), default=None)


def case_owners_now(*, case: Any, deadlines: list[Deadline] | None = None, now: datetime | None = None
                    ) -> list[OwnerNow]:
    """Who answers for the case's stage now: one line per deadline still owed, else the case's holder.
    ``deadlines``: the case's deadlines as its page read them already (else they are read here)."""
    if case.closed_at is not None:
        return []
    owed = ([d for d in deadlines if d.met_at is None and d.cancelled_at is None] if deadlines is not None
            else _open_deadlines(CASE_SUBJECT, case.pk))
    found = _from_deadlines(owed, now or timezone.now())
    if found:
        return found
    office = case_civil_office(case)
    return [OwnerNow(what=str(case.get_stage_display()),
                     person=case.owner.display_name() if case.owner is not None else "",
                     office=office.name if office is not None else "")]


def task_owners_now(*, task: Any, now: datetime | None = None) -> list[OwnerNow]:
    """Who answers for the task now: its open deadline's owner, else its handler and office; a
    returned task waits on the case's side."""
    if task.status not in OPEN_STATUSES:
        return []
    found = _from_deadlines(_open_deadlines(TASK_SUBJECT, task.pk), now or timezone.now())
    if found:
        return found
    if task.status == TaskStatus.RETURNED:
        case = task.case
        office = case_civil_office(case)
        return [OwnerNow(what=str(task.get_status_display()),
                         person=case.owner.display_name() if case.owner is not None else "",
                         office=office.name if office is not None else "")]
    return [OwnerNow(what=str(task.get_status_display()),
                     person=task.handler.display_name() if task.handler is not None else "",
                     office=task.office.name)]
