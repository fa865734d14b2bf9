"""Reads of the audit: events and access-log rows, only those in the user's scope.

A row is visible to a user holding ``audit.view`` (administrator, supervisor) in a region
subtree that contains the row's ``region_code``; superusers see every row, including those
recorded without a region.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.audit.errors import AuditError, AuditErrorCode
from jijinan.audit.models import AccessLog, AuditEvent
from jijinan.audit.permissions import AUDIT_VIEW
from jijinan.core.permissions import ScopePaths, restrict

AUDIT_SCOPE = ScopePaths(region_code="region_code")


@dataclass(frozen=True)
class AuditFilters:
    """Filters of the audit pages and API; dates are whole days in the local time zone."""

    subject_type: str = ""
    subject_id: str = ""
    actor: str = ""  # a user id, a user name, or the recorded name
    action: str = ""  # a prefix: "cases." matches every case action
    outcome: str = ""  # events only
    kind: str = ""  # access log only
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise AuditError.for_field("date_to", _("结束日期不能早于开始日期"),
                                       code=AuditErrorCode.INVALID_FILTER)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(rows: QuerySet[Any], filters: AuditFilters | None, time_field: str) -> QuerySet[Any]:
    if filters is None:
        return rows
    if filters.subject_type:
        rows = rows.filter(subject_type=filters.subject_type)
    if filters.subject_id:
        rows = rows.filter(subject_id=filters.subject_id)
    actor = filters.actor.strip()
    if actor:
        condition = Q(actor__username=actor) | Q(actor_label=actor)
        if actor.isdigit():
            condition |= Q(actor_id=int(actor))
        rows = rows.filter(condition)
    if filters.date_from:
        rows = rows.filter(**{f"{time_field}__gte": _start_of(filters.date_from)})
    if filters.date_to:
        rows = rows.filter(**{f"{time_field}__lt": _start_of(filters.date_to + timedelta(days=1))})
    return rows


def audit_event_list_for_user(*, user: Any, filters: AuditFilters | None = None
                              ) -> QuerySet[AuditEvent]:
    """Newest first."""
    rows = restrict(AuditEvent.objects.all(), user, AUDIT_VIEW, AUDIT_SCOPE)
    rows = _filtered(rows, filters, "occurred_at")
    if filters and filters.action:
        rows = rows.filter(action__startswith=filters.action)
    if filters and filters.outcome:
        rows = rows.filter(outcome=filters.outcome)
    return rows.order_by("-occurred_at", "-id")


def access_log_list_for_user(*, user: Any, filters: AuditFilters | None = None
                             ) -> QuerySet[AccessLog]:
    """Newest first."""
    rows = restrict(AccessLog.objects.all(), user, AUDIT_VIEW, AUDIT_SCOPE)
    rows = _filtered(rows, filters, "at")
    if filters and filters.kind:
        rows = rows.filter(kind=filters.kind)
    return rows.order_by("-at", "-id")


def audit_events_for_subject(*, user: Any, subject_type: str, subject_id: str
                             ) -> QuerySet[AuditEvent]:
    """The history of one record, newest first (the "history" panel)."""
    return audit_event_list_for_user(
        user=user, filters=AuditFilters(subject_type=subject_type, subject_id=str(subject_id)))


def access_log_for_subject(*, user: Any, subject_type: str, subject_id: str) -> QuerySet[AccessLog]:
    """Who viewed, printed, exported or unmasked one record, newest first."""
    return access_log_list_for_user(
        user=user, filters=AuditFilters(subject_type=subject_type, subject_id=str(subject_id)))
