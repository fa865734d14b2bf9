"""Accountability records (责任追究), read: the records of the user's area, filtered, and one record."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from jijinan.core.permissions import get_for_user, restrict
from jijinan.regions.models import Region
from jijinan.supervision.accountability.permissions import ACCOUNTABILITY_PATHS, ACCOUNTABILITY_VIEW
from jijinan.supervision.choices import Failing
from jijinan.supervision.models import AccountabilityRecord


def _records() -> QuerySet[AccountabilityRecord]:
    return AccountabilityRecord.objects.select_related(
        "region", "responsible_office", "responsible_user", "recorded_by", "case__handling_region",
        "task__case__handling_region", "order")


def accountability_list_for_user(*, user: Any, year: int | None = None, failing: str = "", region_code: str = "",
                                 office_id: int | None = None, q: str = "", action: str = ACCOUNTABILITY_VIEW
                                 ) -> QuerySet[AccountabilityRecord]:
    """The records of the user's area, newest decision first; ``region_code`` narrows to a region's
    subtree, ``q`` finds a subject number, a person, or words of the finding or measure."""
    rows = restrict(_records(), user, action, ACCOUNTABILITY_PATHS)
    if year:
        rows = rows.filter(decided_on__year=year)
    if failing in Failing.values:
        rows = rows.filter(failing=failing)
    if region_code:
        picked = Region.objects.filter(code=region_code).first()
        rows = rows.filter(region__code__startswith=picked.prefix) if picked is not None else rows.none()
    if office_id:
        rows = rows.filter(responsible_office_id=office_id)
    q = (q or "").strip()
    if q:
        head, _dash, sequence = q.upper().rpartition("-")
        found = (Q(case__number=q.upper()) | Q(order__number=q.upper()) | Q(responsible_person__icontains=q)
                 | Q(finding__icontains=q) | Q(measure__icontains=q) | Q(responsible_office__name__icontains=q))
        if head and sequence.isdigit():
            found |= Q(task__case__number=head, task__sequence=int(sequence))
        rows = rows.filter(found)
    return rows.order_by("-decided_on", "-id")


def accountability_get_for_user(*, user: Any, pk: int, action: str = ACCOUNTABILITY_VIEW) -> AccountabilityRecord:
    return get_for_user(_records(), user, action, ACCOUNTABILITY_PATHS, pk=pk)


def accountability_years(*, user: Any) -> list[int]:
    """The years that have records in the user's area, newest first."""
    rows = restrict(AccountabilityRecord.objects.all(), user, ACCOUNTABILITY_VIEW, ACCOUNTABILITY_PATHS)
    return sorted({d.year for d in rows.dates("decided_on", "year")}, reverse=True)
