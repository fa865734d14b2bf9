"""Reads of the deadline engine: each through the user's scope (the deadline's region code).

``deadline_find_open`` is the one unscoped read, for the services of the apps that own the
subjects (to meet or pause the deadline of their own record).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.core.deadlines.models import Deadline, DeadlineStatus
from jijinan.core.errors import DomainError
from jijinan.core.permissions import ScopePaths, get_for_user, restrict

DEADLINE_PATHS = ScopePaths(region_code="region_code")
VIEW = "deadlines.view"
PANEL_ROWS = 20

_STATUS: dict[str, Q] = {
    DeadlineStatus.OPEN: Q(cancelled_at__isnull=True, met_at__isnull=True, paused_at__isnull=True,
                           breached_at__isnull=True),
    DeadlineStatus.PAUSED: Q(cancelled_at__isnull=True, met_at__isnull=True, paused_at__isnull=False),
    DeadlineStatus.BREACHED: Q(cancelled_at__isnull=True, met_at__isnull=True, paused_at__isnull=True,
                               breached_at__isnull=False),
    DeadlineStatus.MET: Q(met_at__isnull=False),
    DeadlineStatus.CANCELLED: Q(cancelled_at__isnull=False),
}


def status_condition(status: str) -> Q:
    try:
        return _STATUS[DeadlineStatus(status)]
    except ValueError:
        raise DomainError.for_field("status", _("状态只能是 %(values)s 之一") % {
            "values": "、".join(DeadlineStatus.values)}, code="deadline_bad_status") from None


def overdue_condition(now: datetime) -> Q:
    """Still owed and past its time: marked breached, or run out and not yet swept."""
    return Q(cancelled_at__isnull=True, met_at__isnull=True) & (
        Q(breached_at__isnull=False) | Q(paused_at__isnull=True, due_at__lt=now))


def deadline_list_for_user(
    *, user: Any, subject_type: str | None = None, subject_id: str | None = None,
    owner_user: int | None = None, owner_organisation: int | None = None,
    status: str | None = None, kind: str | None = None, overdue: bool = False,
    now: datetime | None = None,
) -> QuerySet[Deadline]:
    """The deadlines the user may see, soonest due first, filtered."""
    if subject_id and not subject_type:
        raise DomainError.for_field("subject_type", _("按对象编号查询时须同时给出对象类型"),
                                    code="deadline_subject_type_required")
    deadlines = restrict(Deadline.objects.select_related("owner_user", "owner_organisation"),
                         user, VIEW, DEADLINE_PATHS)
    if subject_type:
        deadlines = deadlines.filter(subject_type=subject_type)
    if subject_id:
        deadlines = deadlines.filter(subject_id=str(subject_id))
    if owner_user is not None:
        deadlines = deadlines.filter(owner_user_id=owner_user)
    if owner_organisation is not None:
        deadlines = deadlines.filter(owner_organisation_id=owner_organisation)
    if status:
        deadlines = deadlines.filter(status_condition(status))
    if kind:
        deadlines = deadlines.filter(kind=kind)
    if overdue:
        deadlines = deadlines.filter(overdue_condition(now or timezone.now()))
    return deadlines.order_by("due_at", "id")


def deadlines_due_for_owner(*, user: Any, until: datetime) -> QuerySet[Deadline]:
    """The user's own deadlines still running and due by ``until`` (overdue ones included), the
    longest overdue first: the work a person owns, whatever region it lies in."""
    return (Deadline.objects.filter(owner_user_id=user.pk, met_at__isnull=True, cancelled_at__isnull=True,
                                    paused_at__isnull=True, due_at__lte=until)
            .order_by("due_at", "id"))


def deadline_get_for_user(*, user: Any, pk: int, action: str = VIEW) -> Deadline:
    """One deadline: 404 outside the user's scope, 403 when seen but ``action`` is not theirs."""
    return get_for_user(
        Deadline.objects.select_related("owner_user", "owner_organisation"), user, action,
        DEADLINE_PATHS, pk=pk)


def deadlines_for_subject(*, user: Any, subject_type: str, subject_id: str | int) -> list[Deadline]:
    """The first rows of a record's deadlines panel (``core/deadlines/_panel.html``)."""
    return list(deadline_list_for_user(user=user, subject_type=subject_type,
                                       subject_id=str(subject_id))[:PANEL_ROWS])


def deadline_find_open(*, subject_type: str, subject_id: str | int, kind: str) -> Deadline | None:
    """The subject's deadline of ``kind`` that is still owed (unscoped: for services only)."""
    return (Deadline.objects.filter(subject_type=subject_type, subject_id=str(subject_id), kind=kind,
                                    met_at__isnull=True, cancelled_at__isnull=True)
            .order_by("-created_at", "-id").first())
