"""The filing (备案) of township approvals, read: the filings of the user's area, one filing, the
draws of the counties the user may draw for."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet

from jijinan.core.permissions import get_for_user, restrict
from jijinan.regions.models import Region
from jijinan.supervision.choices import CheckFinding, FilingStatus
from jijinan.supervision.filings.permissions import DRAW_PATHS, FILING_PATHS, FILING_VIEW
from jijinan.supervision.filings.services import day_start
from jijinan.supervision.models import ApprovalFiling, SpotCheckDraw


def _filings() -> QuerySet[ApprovalFiling]:
    return ApprovalFiling.objects.select_related("case", "case__handling_region", "township", "county", "approved_by",
                                                 "checked_by", "draw")


def filing_list_for_user(*, user: Any, period_from: date | None = None, period_to: date | None = None,
                         township_code: str = "", status: str = "", finding: str = "", q: str = "",
                         action: str = FILING_VIEW) -> QuerySet[ApprovalFiling]:
    """The filings of the user's area, newest first; the period is of the filing date (Beijing)."""
    rows = restrict(_filings(), user, action, FILING_PATHS)
    if period_from is not None:
        rows = rows.filter(filed_at__gte=day_start(period_from))
    if period_to is not None:
        rows = rows.filter(filed_at__lt=day_start(period_to + timedelta(days=1)))
    if township_code:
        picked = Region.objects.filter(code=township_code).first()
        rows = rows.filter(township__code__startswith=picked.prefix) if picked is not None else rows.none()
    if status in FilingStatus.values:
        rows = rows.filter(status=status)
    if finding in CheckFinding.values:
        rows = rows.filter(finding=finding)
    q = (q or "").strip()
    if q:
        rows = rows.filter(case__number=q.upper())
    return rows.order_by("-filed_at", "-id")


def filing_get_for_user(*, user: Any, pk: int, action: str = FILING_VIEW) -> ApprovalFiling:
    return get_for_user(_filings(), user, action, FILING_PATHS, pk=pk)


def draws_for_user(*, user: Any) -> QuerySet[SpotCheckDraw]:
    return restrict(SpotCheckDraw.objects.select_related("county", "drawn_by"), user, FILING_VIEW,
                    DRAW_PATHS).order_by("-drawn_at", "-id")


def waiting_checks(*, user: Any, action: str = FILING_VIEW) -> QuerySet[ApprovalFiling]:
    """The sampled filings of the user's area still waiting for their finding, oldest draw first."""
    return restrict(_filings(), user, action, FILING_PATHS).filter(status=FilingStatus.SAMPLED).order_by(
        "draw__drawn_at", "id")
