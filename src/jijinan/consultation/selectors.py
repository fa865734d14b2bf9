"""Reads of escalation and consultation, always through the user's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.consultation.choices import OPEN_ESCALATION, EscalationStatus, OpinionStatus
from jijinan.consultation.models import Consultation, Duty, Escalation, Opinion
from jijinan.consultation.permissions import (
    ESCALATION_PATHS,
    ESCALATION_VIEW,
    OPINION_OFFICE_PATHS,
    OPINION_VIEW_OFFICE,
)
from jijinan.core.errors import NotFound
from jijinan.core.permissions import get_for_user, restrict
from jijinan.referrals.choices import OPEN_STATUSES, TaskStatus

RELATED = ("case", "case__handling_region", "case__person", "region", "office", "deadline", "raised_by")


def escalation_list_for_user(*, user: Any, status: str = "", q: str = "") -> QuerySet[Escalation]:
    """The escalations of cases in the user's scope, newest first; ``status`` "open" for the open
    ones, else one of the statuses."""
    rows = restrict(Escalation.objects.select_related(*RELATED), user, ESCALATION_VIEW, ESCALATION_PATHS)
    if status == "open":
        rows = rows.filter(status__in=OPEN_ESCALATION)
    elif status in EscalationStatus.values:
        rows = rows.filter(status=status)
    if q.strip():
        rows = rows.filter(Q(case__number__icontains=q.strip()) | Q(case__person__name__icontains=q.strip()))
    return rows.order_by("-raised_at", "-id")


def escalation_get_for_user(*, user: Any, pk: int, action: str = ESCALATION_VIEW) -> Escalation:
    """One escalation the user may see (404 otherwise); an invited office's people see the ones
    they were asked about."""
    try:
        return get_for_user(Escalation.objects.select_related(*RELATED), user, action, ESCALATION_PATHS, pk=pk)
    except NotFound:
        if action != ESCALATION_VIEW:
            raise
        asked = opinions_for_office(user=user).filter(consultation__escalation_id=pk).exists()
        if not asked:
            raise
        return Escalation.objects.select_related(*RELATED).get(pk=pk)


def escalations_for_case(*, case: Any) -> list[Escalation]:
    """A case's escalations (the case page already checked the user may see the case)."""
    return list(Escalation.objects.filter(case=case).select_related("region", "office", "deadline")
                .order_by("-raised_at", "-id"))


def consultation_of(escalation: Escalation) -> Consultation | None:
    return (Consultation.objects.filter(escalation=escalation)
            .select_related("convener_office", "convened_by").first())


def opinions_for_office(*, user: Any) -> QuerySet[Opinion]:
    """The opinions asked of offices in the user's scope (department handlers), or of the user's own
    organisation."""
    base = Opinion.objects.select_related("office", "deadline", "consultation__escalation__case",
                                          "consultation__escalation__case__handling_region")
    mine = restrict(base, user, OPINION_VIEW_OFFICE, OPINION_OFFICE_PATHS)
    own = base.filter(office_id=getattr(user, "organisation_id", None)) if getattr(
        user, "organisation_id", None) else base.none()
    return (mine | own).distinct().order_by("-requested_at", "-id")


@dataclass(frozen=True)
class OpinionRow:
    opinion: Opinion
    late: bool  # asked and not given by its deadline


def opinion_rows(consultation: Consultation, now: datetime | None = None) -> list[OpinionRow]:
    now = now or timezone.now()
    rows = []
    for o in consultation.opinions.select_related("office", "deadline", "given_by").order_by("id"):
        due = o.deadline.due_at if o.deadline is not None else None
        late = due is not None and ((o.status == OpinionStatus.REQUESTED and now > due)
                                    or (o.given_at is not None and o.given_at > due))
        rows.append(OpinionRow(o, late))
    return rows


@dataclass(frozen=True)
class DutyRow:
    duty: Duty
    status: str  # the task's status
    done: bool
    overdue: bool


def duty_rows(escalation: Escalation, now: datetime | None = None) -> list[DutyRow]:
    now = now or timezone.now()
    rows = []
    for d in (Duty.objects.filter(decision__consultation__escalation=escalation)
              .select_related("office", "task", "task__deadline").order_by("sequence")):
        task = d.task
        status = task.status if task is not None else ""
        overdue = bool(task is not None and task.status in OPEN_STATUSES and task.deadline is not None
                       and task.deadline.due_at < now)
        rows.append(DutyRow(d, status, status == TaskStatus.COMPLETED, overdue))
    return rows


def open_escalation_for_case(*, case: Any) -> Escalation | None:
    return Escalation.objects.filter(case=case, status__in=OPEN_ESCALATION).first()


def eligible_offices(*, escalation: Escalation) -> list[Any]:
    """The offices a consultation may ask or charge (the rule of the services): active department
    offices, civil-affairs offices, relief stations and partners at the case's township or above
    it, or inside the region the escalation went to; by kind, then name."""
    from jijinan.accounts.models import Organisation
    from jijinan.consultation.services import INVITABLE

    case_prefix = escalation.case.handling_region.prefix
    above = [case_prefix[:n] for n in range(1, len(case_prefix) + 1)]
    return list(Organisation.objects.filter(active=True, kind__in=INVITABLE).filter(
        Q(region__prefix__in=above) | Q(region__prefix__startswith=escalation.region.prefix))
        .select_related("region", "department_type").order_by("kind", "region__code", "name"))


def late_opinions(*, escalations: list[Escalation], now: datetime | None = None) -> dict[int, int]:
    """escalation id → the number of its opinions still missing past their deadline."""
    now = now or timezone.now()
    rows = (Opinion.objects.filter(consultation__escalation__in=escalations, status=OpinionStatus.REQUESTED,
                                   deadline__due_at__lt=now)
            .values_list("consultation__escalation_id", flat=True))
    out: dict[int, int] = {}
    for pk in rows:
        out[pk] = out.get(pk, 0) + 1
    return out


def overdue_duties(*, user: Any, now: datetime | None = None) -> QuerySet[Duty]:
    """The duties of decided escalations in the user's scope whose task is open past its deadline."""
    now = now or timezone.now()
    decided = escalation_list_for_user(user=user, status=EscalationStatus.DECIDED).values("pk")
    return (Duty.objects.filter(decision__consultation__escalation__in=decided, task__status__in=OPEN_STATUSES,
                                task__deadline__due_at__lt=now)
            .select_related("office", "task", "task__deadline", "decision__consultation__escalation__case")
            .order_by("task__deadline__due_at"))


def opinion_for_office_get(*, user: Any, pk: int) -> Opinion:
    """One opinion asked of an office in the user's scope (404 otherwise)."""
    found = opinions_for_office(user=user).filter(pk=pk).select_related(
        "consultation", "consultation__escalation", "consultation__escalation__region",
        "consultation__escalation__office", "given_by").first()
    if found is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    return found
