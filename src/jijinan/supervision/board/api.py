"""API of supervision's board: the counts of a region's board by group, and its rows."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from jijinan.core.apitools import ERROR_RESPONSES, PagePagination
from jijinan.core.calendar.workdays import DeadlineUnit
from jijinan.core.errors import DomainError
from jijinan.core.permissions import requires
from jijinan.supervision.board import selectors, views
from jijinan.supervision.board.permissions import BOARD_VIEW

router = Router(tags=["supervision"])


class BoardQuery(Schema):
    region: str = Field("", pattern=r"^(\d{12})?$", description="区划代码（默认为您的工作范围）/ region code")
    kind: str = Field("", max_length=60, description="期限类型 / deadline kind")
    unit: DeadlineUnit | None = Field(None, description="计时单位 / unit")
    overdue: bool = Field(False, description="只看已超期 / overdue only")
    office: int | None = Field(None, description="负责机构编号 / owner organisation id")
    person: int | None = Field(None, description="负责人用户编号 / owner user id")

    def filters(self) -> selectors.BoardFilters:
        return selectors.BoardFilters(region=self.region, kind=self.kind, unit=self.unit or "",
                                      overdue_only=self.overdue, office=self.office, person=self.person)


class BoardCountsQuery(BoardQuery):
    group: str = Field(selectors.GROUP_REGION, description="region / office / kind / person")
    sort: str = Field(selectors.SORT_OVERDUE, description="overdue / due_today / total / name")


class RegionOut(Schema):
    code: str
    name: str
    level: str


class GroupOut(Schema):
    key: str = Field(..., description="分组键：下级区划代码前缀、机构或用户编号、期限类型 / group key")
    label: str
    overdue: int
    due_today: int
    due_soon: int = Field(..., description="临期未超期（含今天到期）/ due within the horizon, not overdue")
    total: int
    region_code: str = Field("", description="区划分组的区划代码 / the group's region")
    drill: bool = Field(False, description="可下钻到该区划的看板 / has a board of its own")


class BoardOut(Schema):
    region: RegionOut
    group: str
    now: datetime
    horizon: int = Field(..., description="临期工作日数 / due within this many working days")
    horizon_end: datetime
    overdue: int
    due_today: int
    due_soon: int
    total: int
    groups: list[GroupOut]


class RowOut(Schema):
    deadline_id: int
    subject_type: str
    subject_id: str
    subject: str
    url: str = Field("", description="对象页面 / the subject's page")
    kind: str
    kind_label: str
    region_code: str
    region: str
    owner_user_id: int | None
    owner_user_name: str
    owner_organisation_id: int | None
    owner_organisation_name: str
    unit: DeadlineUnit
    due_at: datetime
    overdue: bool
    lateness: str = Field(..., description="超期或剩余，按期限自己的单位 / how late, in its own unit")
    lateness_amount: int


@router.get("/supervision/board", response={200: BoardOut, **ERROR_RESPONSES},
            summary="督查期限看板：按区划、机构、类型或负责人计数 / the deadlines board's counts")
@requires(BOARD_VIEW)
def board_counts(request: HttpRequest, query: Query[BoardCountsQuery]) -> Any:
    if query.group not in selectors.GROUPS:
        raise DomainError.for_field("group", _("分组方式不正确"), code="board_group")
    if query.sort not in selectors.SORTS:
        raise DomainError.for_field("sort", _("排序方式不正确"), code="board_sort")
    board = selectors.board_for_user(user=request.user, filters=query.filters(), group=query.group,
                                     sort=query.sort, now=views._now())
    return {
        "region": {"code": board.region.code, "name": board.region.name, "level": board.region.level},
        "group": board.group, "now": board.window.now, "horizon": board.window.horizon,
        "horizon_end": board.window.horizon_end, "overdue": board.overdue, "due_today": board.due_today,
        "due_soon": board.due_soon, "total": board.total,
        "groups": [{"key": g.key, "label": g.label, "overdue": g.overdue, "due_today": g.due_today,
                    "due_soon": g.due_soon, "total": g.total, "region_code": g.region_code, "drill": g.drill}
                   for g in board.groups],
    }


@router.get("/supervision/board/rows", response={200: list[RowOut], **ERROR_RESPONSES},
            summary="督查期限看板的明细，超期最久的在前 / the board's rows, most overdue first")
@requires(BOARD_VIEW)
@paginate(PagePagination)
def board_rows(request: HttpRequest, query: Query[BoardQuery]) -> Any:
    now = views._now()
    _region, _window, rows = selectors.board_rows(user=request.user, filters=query.filters(), now=now)
    return _LabelledRows(rows, now)


class _LabelledRows:
    """A queryset that labels the slice the paginator takes (the page), never every row."""

    def __init__(self, rows: Any, now: datetime) -> None:
        self.rows, self.now = rows, now

    def count(self) -> int:
        return int(self.rows.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: Any) -> list[dict[str, Any]]:
        return [_row_out(r) for r in selectors.describe_rows(self.rows[item], now=self.now)]


def _row_out(row: selectors.BoardRow) -> dict[str, Any]:
    d = row.deadline
    return {"deadline_id": d.pk, "subject_type": d.subject_type, "subject_id": d.subject_id, "subject": row.subject,
            "url": row.url, "kind": d.kind, "kind_label": row.kind, "region_code": d.region_code,
            "region": row.region, "owner_user_id": d.owner_user_id, "owner_user_name": row.person,
            "owner_organisation_id": d.owner_organisation_id, "owner_organisation_name": row.office,
            "unit": d.unit, "due_at": d.due_at, "overdue": row.lateness.state == selectors.LATE,
            "lateness": row.lateness.text, "lateness_amount": row.lateness.amount}
