"""Reads of the crisis track, always through the user's scope: a case's intervention with what is
due, and the open crises of the user's area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from jijinan.cases.models import Case
from jijinan.consultation.crisis.choices import InterventionStatus
from jijinan.consultation.crisis.models import CrisisContact, CrisisIntervention, CrisisReassessment
from jijinan.consultation.crisis.permissions import CASE_PATHS, CRISIS_VIEW
from jijinan.consultation.crisis.services import CASE_SUBJECT, CRISIS_DEADLINES
from jijinan.core.deadlines.kinds import kind_label
from jijinan.core.deadlines.models import Deadline
from jijinan.core.permissions import get_for_user, restrict


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related("handling_region", "person", "owner", "created_by")


def case_for_crisis(*, user: Any, pk: int, action: str = CRISIS_VIEW) -> Case:
    """A case whose crisis the user may see (404) or act on (403)."""
    return get_for_user(_cases(), user, action, CASE_PATHS, pk=pk)


def intervention_of(case: Case) -> CrisisIntervention | None:
    return (CrisisIntervention.objects.filter(case=case)
            .select_related("first_contact_by", "first_contact_recorded_by", "plan_recorded_by", "resolved_by",
                            "escalation", "escalation__case").first())


def contacts_of(intervention: CrisisIntervention | None) -> list[CrisisContact]:
    if intervention is None:
        return []
    return list(intervention.contacts.select_related("recorded_by").order_by("contacted_at", "id"))


def reassessments_of(intervention: CrisisIntervention | None) -> list[CrisisReassessment]:
    if intervention is None:
        return []
    return list(intervention.reassessments.select_related("recorded_by").order_by("assessed_at", "id"))


@dataclass(frozen=True)
class Due:
    kind: str
    label: str
    due_at: datetime
    late_hours: int  # 0 when not late
    hours_left: int  # 0 when late


def _due(d: Deadline, now: datetime) -> Due:
    late = int((now - d.due_at).total_seconds() // 3600) if d.due_at < now else 0
    left = int((d.due_at - now).total_seconds() // 3600) if d.due_at >= now else 0
    return Due(d.kind, kind_label(d.kind), d.due_at, max(late, 1) if d.due_at < now else 0, left)


def dues_of(case_ids: list[int], now: datetime | None = None) -> dict[int, list[Due]]:
    """The open crisis deadlines of these cases, soonest first (one query for a whole list)."""
    now = now or timezone.now()
    found: dict[int, list[Due]] = {pk: [] for pk in case_ids}
    rows = Deadline.objects.filter(subject_type=CASE_SUBJECT, subject_id__in=[str(pk) for pk in case_ids],
                                   kind__in=CRISIS_DEADLINES, met_at__isnull=True, cancelled_at__isnull=True
                                   ).order_by("due_at", "id")
    for d in rows:
        found.setdefault(int(d.subject_id), []).append(_due(d, now))
    return found


def crisis_list_for_user(*, user: Any, q: str = "", action: str = CRISIS_VIEW) -> QuerySet[Case]:
    """The crisis cases in the user's scope whose risk is not resolved yet (the intervention opened
    or about to be), newest first; ``q`` finds a case number."""
    rows = restrict(Case.objects.filter(crisis=True).select_related(
        "handling_region", "person", "crisis_intervention"), user, action, CASE_PATHS)
    rows = rows.exclude(crisis_intervention__status=InterventionStatus.RESOLVED)
    if q.strip():
        rows = rows.filter(number__icontains=q.strip())
    return rows.order_by("-created_at", "-id")


def overdue_count(cases: QuerySet[Case], now: datetime | None = None) -> int:
    """How many of ``cases`` have a crisis step past its deadline (one query)."""
    now = now or timezone.now()
    late = Deadline.objects.filter(subject_type=CASE_SUBJECT, kind__in=CRISIS_DEADLINES, met_at__isnull=True,
                                   cancelled_at__isnull=True, due_at__lt=now,
                                   subject_id__in=cases.order_by().values_list(Cast("pk", CharField())))
    return late.values("subject_id").distinct().count()
