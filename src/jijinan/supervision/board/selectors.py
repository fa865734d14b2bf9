"""Reads of the deadlines board: what is overdue or due soon in the user's scope, counted by region,
office, kind or person, and the rows themselves with how late each one is in its own unit.

Everything is read from the one table of deadlines (``core.Deadline``), through the user's scope
(its region code). The counts of a board are one grouped SQL aggregate over the deadlines still owed
that are overdue or due within the horizon, read in the same round trip as the region viewed, those
above it and the regions right below it (the user's scope is checked from the region's code, which
denotes its level and digits); the names of offices and people are one more query. The rows are a
plain ordered query, and only the page shown is labelled and measured.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jijinan.accounts.models import Organisation, User
from jijinan.accounts.scopes import grant_scopes
from jijinan.cases.intake.triage import CRISIS_KIND
from jijinan.consultation.crisis.services import PLAN_DEADLINE, REASSESSMENT_DEADLINE
from jijinan.core.calendar.workdays import (
    DeadlineUnit,
    add_working_days,
    calendar_snapshot,
    end_of_day,
    local_date,
)
from jijinan.core.deadlines.kinds import deadline_kinds, kind_label
from jijinan.core.deadlines.models import Deadline, label_subjects
from jijinan.core.deadlines.selectors import DEADLINE_PATHS
from jijinan.core.errors import DomainError, NotFound
from jijinan.core.permissions import Target, can, restrict, rule_for
from jijinan.policy.lookup import value as parameter_value
from jijinan.regions.choices import LEVEL_ORDER, PREFIX_LENGTH, RegionLevel, level_of_code
from jijinan.regions.models import Region
from jijinan.supervision.board.permissions import BOARD_ROLES, BOARD_VIEW

HORIZON_PARAMETER = "case_handling.supervision_board_horizon"
CRISIS_KINDS = (CRISIS_KIND, PLAN_DEADLINE, REASSESSMENT_DEADLINE)

GROUP_REGION, GROUP_OFFICE, GROUP_KIND, GROUP_PERSON = "region", "office", "kind", "person"
GROUPS = (GROUP_REGION, GROUP_OFFICE, GROUP_KIND, GROUP_PERSON)
SORT_OVERDUE, SORT_DUE_TODAY, SORT_TOTAL, SORT_NAME = "overdue", "due_today", "total", "name"
SORTS = (SORT_OVERDUE, SORT_DUE_TODAY, SORT_TOTAL, SORT_NAME)
# The levels a board can be drawn for: a township's board lists its deadlines by person or kind.
BOARD_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP)

LATE, TODAY, SOON = "late", "today", "soon"


# --- the window -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The instants a board is drawn against: now, the end of today and the end of the horizon
    (the end of the ``horizon``-th working day after today, in Beijing time)."""

    now: datetime
    today_end: datetime
    horizon_end: datetime
    horizon: int
    horizon_missing: bool = False  # no parameter in force: only overdue and due today are shown


def board_window(*, region_code: str, now: datetime) -> Window:
    """The window of the board of ``region_code``, its horizon read from the policy parameter in
    force there (without one, the horizon is today only and the page says so)."""
    missing = False
    try:
        horizon = int(parameter_value(HORIZON_PARAMETER, region_code, now).value)
    except DomainError:
        horizon, missing = 0, True
    today = local_date(now)
    return Window(now=now, today_end=end_of_day(today),
                  horizon_end=end_of_day(add_working_days(today, max(horizon, 0)).date),
                  horizon=max(horizon, 0), horizon_missing=missing)


def on_board_condition(window: Window) -> Q:
    """Still owed, and overdue (marked breached, or run out) or due within the horizon and running."""
    return Q(met_at__isnull=True, cancelled_at__isnull=True) & (
        Q(breached_at__isnull=False) | Q(paused_at__isnull=True, due_at__lte=window.horizon_end))


def overdue_on_board(window: Window) -> Q:
    """Among the rows on the board: the overdue ones (the rest are running and not yet due)."""
    return Q(breached_at__isnull=False) | Q(due_at__lt=window.now)


def due_today_on_board(window: Window) -> Q:
    return Q(breached_at__isnull=True, due_at__gte=window.now, due_at__lte=window.today_end)


# --- filters and the region viewed ------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardFilters:
    region: str = ""  # a 12-digit code: the board of that region (its subtree)
    kind: str = ""
    unit: str = ""
    overdue_only: bool = False
    office: int | None = None
    person: int | None = None


def board_root(*, user: Any) -> str:
    """The code of the region a user's board opens on: the widest region of their board grants
    (read from the grants themselves: a grant names its region's code)."""
    if getattr(user, "is_superuser", False):
        top = Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code").values_list("code", flat=True).first()
        if top is not None:
            return top
    granted = sorted((g for g in grant_scopes(user) if g.role in BOARD_ROLES),
                     key=lambda g: (len(g.prefix), g.prefix, g.region_code))
    if not granted:
        raise NotFound(_("您没有可查看的督查期限看板"), code="not_found")
    return granted[0].region_code


def _region_not_found() -> DomainError:
    return DomainError.for_field("region", _("未找到该区划"), code="board_region")


def board_code(*, user: Any, code: str = "") -> str:
    """The code of the region whose board is asked for (a village's is its township's), checked
    against the user's scope by the prefix the code itself denotes: no read unless refused (then the
    region is read to say whether it exists at all)."""
    if not code:
        code = board_root(user=user)
    if len(code) != 12 or not code.isdigit():
        raise _region_not_found()
    if level_of_code(code) not in BOARD_LEVELS:
        code = code[:PREFIX_LENGTH[RegionLevel.TOWNSHIP]].ljust(12, "0")
    if not can(user, BOARD_VIEW, Target(region_prefix=_prefix_of(code))):
        name = Region.objects.filter(code=code).values_list("name", flat=True).first()
        if name is None:
            raise _region_not_found()
        raise DomainError.for_field("region", _("%(region)s 不在您的工作范围内") % {"region": name},
                                    code="board_region")
    return code


def _prefix_of(code: str) -> str:
    """The significant digits of a region's code (what the loader stores as ``Region.prefix``)."""
    return code[:PREFIX_LENGTH[level_of_code(code)]]


def _child_level_of(code: str) -> RegionLevel | None:
    index = LEVEL_ORDER.index(level_of_code(code))
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


REGION_FIELDS = ("id", "code", "name", "level", "prefix")


def _regions_around(code: str, *, above: bool, below: bool) -> QuerySet[Any]:
    """The region of ``code``, those above it (``above``) and those right below it (``below``: the
    board's region groups), as rows of ``REGION_FIELDS``."""
    level = level_of_code(code)
    codes = [code[:PREFIX_LENGTH[lv]].ljust(12, "0") for lv in LEVEL_ORDER
             if PREFIX_LENGTH[lv] <= PREFIX_LENGTH[level]] if above else [code]
    wanted = Q(code__in=codes)
    child = _child_level_of(code)
    if below and child is not None:
        # Right below: the codes of the next level that start with its digits (a range of the index).
        prefix = _prefix_of(code)
        wanted |= Q(level=child, code__gte=prefix.ljust(12, "0"), code__lte=prefix.ljust(12, "9"))
    return Region.objects.filter(wanted).values_list(*REGION_FIELDS).order_by()


def _region_of_row(row: tuple[Any, ...]) -> Region:
    return Region.from_db(Region.objects.db, list(REGION_FIELDS), list(row))


def _viewed(code: str, found: dict[str, Region], user: Any) -> tuple[Region, list[Region]]:
    """The region viewed and its breadcrumbs (those above it the user may open, itself last), with
    the names of the regions right below it attached for the group labels."""
    region = found.get(code)
    if region is None:
        raise _region_not_found()
    crumbs = sorted((r for r in found.values() if region.prefix.startswith(r.prefix)
                     and can(user, BOARD_VIEW, Target(region_prefix=r.prefix))), key=lambda r: len(r.prefix))
    region.board_children = {r.code: r.name for r in found.values()  # type: ignore[attr-defined]
                             if len(r.prefix) > len(region.prefix)}
    return region, crumbs


def board_region(*, user: Any, code: str = "") -> tuple[Region, list[Region]]:
    """The region whose board is asked for, checked against the user's scope, and the regions
    above it (itself last) the user may open the board of."""
    code = board_code(user=user, code=code)
    return _viewed(code, {row[1]: _region_of_row(row) for row in _regions_around(code, above=True, below=True)},
                   user)


def _scope_within(user: Any, prefix: str) -> bool:
    """Whether the user's scope for the board lies wholly inside the subtree of ``prefix``: then the
    scope restriction alone keeps the rows inside it and the subtree filter would only repeat it."""
    if getattr(user, "is_superuser", False):
        return False
    roles = rule_for(BOARD_VIEW).roles
    granted = [g.prefix for g in grant_scopes(user) if g.role in roles]
    return bool(granted) and all(p.startswith(prefix) for p in granted)


def board_deadlines(*, user: Any, region: Region, filters: BoardFilters, window: Window) -> QuerySet[Deadline]:
    """The deadlines on the board of ``region``, in the user's scope, filtered."""
    return _board_deadlines(user=user, prefix=region.prefix, filters=filters, window=window)


def _board_deadlines(*, user: Any, prefix: str, filters: BoardFilters, window: Window) -> QuerySet[Deadline]:
    wanted = on_board_condition(window)
    if prefix and not _scope_within(user, prefix):
        wanted &= Q(region_code__startswith=prefix)
    if filters.kind:
        wanted &= Q(kind=filters.kind)
    if filters.unit:
        wanted &= Q(unit=filters.unit)
    if filters.office is not None:
        wanted &= Q(owner_organisation_id=filters.office)
    if filters.person is not None:
        wanted &= Q(owner_user_id=filters.person)
    if filters.overdue_only:
        wanted &= overdue_on_board(window)
    return restrict(Deadline.objects.filter(wanted), user, BOARD_VIEW, DEADLINE_PATHS)


# --- the counts -------------------------------------------------------------------------------------------


@dataclass
class BoardGroup:
    key: str
    label: str
    overdue: int
    due_today: int
    total: int
    region_code: str = ""  # the region of a region group (its board is the drill-down)
    drill: bool = False  # the region group has a board of its own below
    own_level: bool = False  # deadlines recorded at the viewed region itself

    @property
    def due_soon(self) -> int:
        """Due within the horizon and not overdue (today's included)."""
        return self.total - self.overdue


@dataclass
class Board:
    region: Region
    group: str
    window: Window
    groups: list[BoardGroup]
    overdue: int = 0
    due_today: int = 0
    total: int = 0
    breadcrumbs: list[Region] = field(default_factory=list)

    @property
    def due_soon(self) -> int:
        return self.total - self.overdue


def child_level(region: Region) -> str | None:
    return _child_level_of(region.code)


def _group_expression(group: str, code: str) -> Any:
    if group == GROUP_REGION:
        below = _child_level_of(code)
        return Substr("region_code", 1, PREFIX_LENGTH[below] if below else 12)
    return F({GROUP_OFFICE: "owner_organisation_id", GROUP_KIND: "kind", GROUP_PERSON: "owner_user_id"}[group])


def _counted(rows: QuerySet[Deadline], group: str, code: str, window: Window) -> QuerySet[Any]:
    """The grouped aggregate of ``rows``: (group key, overdue, due today, total) per group."""
    if group not in GROUPS:
        raise DomainError.for_field("group", _("分组方式不正确"), code="board_group")
    return (rows.values(group_key=_group_expression(group, code))
            .annotate(overdue=Count("due_at", filter=overdue_on_board(window)),
                      due_today=Count("due_at", filter=due_today_on_board(window)),
                      total=Count("due_at")))


# The instants a board's aggregate is compiled with, each replaced by the request's own on every use.
_WINDOW_SLOTS = ("now", "today_end", "horizon_end")
_STAND_IN = Window(now=datetime(1900, 1, 1, 1, tzinfo=UTC), today_end=datetime(1900, 1, 1, 2, tzinfo=UTC),
                   horizon_end=datetime(1900, 1, 1, 3, tzinfo=UTC), horizon=0)
_COMPILED: dict[tuple[Any, ...], tuple[str, tuple[Any, ...], tuple[tuple[int, str], ...]]] = {}
_COMPILED_MAX = 1024


def _counts_sql(*, user: Any, code: str, group: str, filters: BoardFilters, window: Window,
                connection: Any) -> tuple[str, list[Any]]:
    """The SQL of the board's grouped aggregate through the user's scope. The scope's condition is
    asked of ``restrict`` on every call; the aggregate around it is built by the ORM once per shape
    (that condition, the region, the grouping and the filters) and used again with this window's
    instants. Raises ``EmptyResultSet`` when the user has no scope for the board."""
    if group not in GROUPS:
        raise DomainError.for_field("group", _("分组方式不正确"), code="board_group")
    scoped = restrict(Deadline.objects.all(), user, BOARD_VIEW, DEADLINE_PATHS)
    try:
        scope_sql, scope_params = scoped.query.get_compiler(connection=connection).compile(scoped.query.where)
    except FullResultSet:  # every row (a superuser)
        scope_sql, scope_params = "", []
    prefix = _prefix_of(code)
    key = (connection.alias, scope_sql, tuple(scope_params), _scope_within(user, prefix), code, group, filters)
    compiled = _COMPILED.get(key)
    if compiled is None:
        rows = _board_deadlines(user=user, prefix=prefix, filters=filters, window=_STAND_IN)
        sql, params = _counted(rows, group, code, _STAND_IN).query.get_compiler(connection=connection).as_sql()
        stand_ins = {connection.ops.adapt_datetimefield_value(getattr(_STAND_IN, name)): name
                     for name in _WINDOW_SLOTS}
        slots = tuple((i, stand_ins[p]) for i, p in enumerate(params)
                      if isinstance(p, str | datetime) and p in stand_ins)
        if {name for _i, name in slots} != set(_WINDOW_SLOTS):  # an instant not found: built for this window
            rows = _board_deadlines(user=user, prefix=prefix, filters=filters, window=window)
            sql, params = _counted(rows, group, code, window).query.get_compiler(connection=connection).as_sql()
            return sql, list(params)
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        compiled = _COMPILED[key] = (sql, tuple(params), slots)
    sql, template, slots = compiled
    params = list(template)
    for i, name in slots:
        params[i] = connection.ops.adapt_datetimefield_value(getattr(window, name))
    return sql, params


_REGIONS_SQL: dict[tuple[Any, ...], tuple[str, tuple[Any, ...]]] = {}


def _regions_sql(code: str, *, below: bool, connection: Any) -> tuple[str, tuple[Any, ...]]:
    """The SQL reading the region of ``code``, those above it and (``below``) those right below it."""
    key = (connection.alias, code, below)
    if key not in _REGIONS_SQL:
        if len(_REGIONS_SQL) >= _COMPILED_MAX:
            _REGIONS_SQL.clear()
        regions = _regions_around(code, above=True, below=below)
        sql, params = regions.query.get_compiler(connection=connection).as_sql()
        _REGIONS_SQL[key] = (sql, tuple(params))
    return _REGIONS_SQL[key]


def _counts_and_regions(*, user: Any, code: str, group: str, filters: BoardFilters, window: Window
                        ) -> tuple[list[tuple[Any, ...]], dict[str, Region]]:
    """The rows of the board's aggregate and the regions around the one viewed, read in one round
    trip: the two queries as the ORM builds them set side by side in one ``UNION ALL``."""
    connection = connections[Deadline.objects.db]
    region_sql, region_params = _regions_sql(code, below=group == GROUP_REGION, connection=connection)
    try:
        count_sql, count_params = _counts_sql(user=user, code=code, group=group, filters=filters, window=window,
                                              connection=connection)
    except EmptyResultSet:  # no scope at all: nothing to count
        count_sql = ""
    width = len(REGION_FIELDS)
    if count_sql:
        sql = (f"SELECT counted.*, {', '.join(['NULL'] * width)} FROM ({count_sql}) counted "  # noqa: S608 (ORM-built)
               f"UNION ALL SELECT NULL, NULL, NULL, NULL, named.* FROM ({region_sql}) named")
        params: tuple[Any, ...] = (*count_params, *region_params)
    else:
        sql, params = f"SELECT NULL, NULL, NULL, NULL, named.* FROM ({region_sql}) named", region_params  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    # A count is never NULL: the rows without one are the regions.
    return ([row[:4] for row in found if row[1] is not None],
            {row[5]: _region_of_row(row[4:]) for row in found if row[1] is None})


def _groups(found: list[tuple[Any, ...]], group: str, region: Region) -> list[BoardGroup]:
    labels = _labels(group, region, [key for key, *_rest in found])
    groups = []
    for key, overdue, due_today, total in found:
        text, extra = labels.get(key, (None, {}))
        groups.append(BoardGroup(key="" if key is None else str(key), label=text or _unnamed(group, key),
                                 overdue=overdue, due_today=due_today, total=total, **extra))
    return groups


def board_counts(*, rows: QuerySet[Deadline], group: str, region: Region, window: Window) -> list[BoardGroup]:
    """The counts of ``rows`` per group: one grouped aggregate, then the names of the groups (of the
    regions below, when ``region`` was read by ``board_region``, already known)."""
    counted = _counted(rows, group, region.code, window)
    return _groups([(r["group_key"], r["overdue"], r["due_today"], r["total"]) for r in counted], group, region)


def _unnamed(group: str, key: Any) -> str:
    if key is None:
        return _("未指定负责机构") if group == GROUP_OFFICE else _("未指定负责人")
    if group == GROUP_KIND:
        return kind_label(str(key))
    return _("（已删除）")


def _labels(group: str, region: Region, keys: list[Any]) -> dict[Any, tuple[str, dict[str, Any]]]:
    if group == GROUP_KIND:
        return {k: (kind_label(k), {}) for k in keys}
    present = [k for k in keys if k is not None]
    if group == GROUP_OFFICE:
        return {pk: (name, {}) for pk, name in Organisation.objects.filter(pk__in=present).values_list("pk", "name")}
    if group == GROUP_PERSON:
        people = User.objects.filter(pk__in=present).values_list("pk", "full_name", "username", "organisation__name")
        return {pk: (f"{name or login}（{office}）" if office else (name or login), {})
                for pk, name, login, office in people}
    codes = {k: k.ljust(12, "0") for k in present}
    names = {region.code: region.name, **getattr(region, "board_children", {})}
    if any(c not in names for c in codes.values()):  # a code below that is no region's (read to say so)
        names.update(Region.objects.filter(code__in=codes.values()).values_list("code", "name"))
    below = child_level(region)
    out: dict[Any, tuple[str, dict[str, Any]]] = {}
    for key, code in codes.items():
        own = code == region.code
        name = names.get(code) or code
        label = _("%(region)s本级") % {"region": region.name} if own else name
        out[key] = (label, {"region_code": code, "own_level": own,
                            "drill": not own and code in names and below in BOARD_LEVELS})
    return out


def sort_groups(groups: list[BoardGroup], sort: str) -> list[BoardGroup]:
    if sort == SORT_NAME:
        return sorted(groups, key=lambda g: (g.own_level, g.region_code or g.label))
    if sort == SORT_DUE_TODAY:
        return sorted(groups, key=lambda g: (-g.due_today, -g.overdue, -g.total, g.region_code or g.label))
    if sort == SORT_TOTAL:
        return sorted(groups, key=lambda g: (-g.total, -g.overdue, g.region_code or g.label))
    return sorted(groups, key=lambda g: (-g.overdue, -g.due_today, -g.total, g.region_code or g.label))


def board_for_user(*, user: Any, filters: BoardFilters, group: str = GROUP_REGION, sort: str = SORT_OVERDUE,
                   now: datetime) -> Board:
    """The board of the region asked for (the user's widest region by default), grouped and sorted."""
    code = board_code(user=user, code=filters.region)
    window = board_window(region_code=code, now=now)
    # The counts, the region, those above it (the breadcrumbs) and, grouped by region, those right
    # below it (the groups' names): one round trip.
    found, regions = _counts_and_regions(user=user, code=code, group=group, filters=filters, window=window)
    region, crumbs = _viewed(code, regions, user)
    groups = sort_groups(_groups(found, group, region), sort)
    return Board(region=region, group=group, window=window, groups=groups,
                 overdue=sum(g.overdue for g in groups), due_today=sum(g.due_today for g in groups),
                 total=sum(g.total for g in groups), breadcrumbs=crumbs)


def board_rows(*, user: Any, filters: BoardFilters, now: datetime, board: Board | None = None
               ) -> tuple[Region, Window, QuerySet[Deadline]]:
    """The rows of the board (of ``board``, when its counts were read already), the longest overdue first."""
    if board is not None:
        region, window = board.region, board.window
    else:
        region, _crumbs = board_region(user=user, code=filters.region)
        window = board_window(region_code=region.code, now=now)
    # The owners are read for the page shown (``describe_rows``), not joined: a join would let the
    # planner loop over the staff for every row of a large region.
    rows = board_deadlines(user=user, region=region, filters=filters, window=window).order_by("due_at", "id")
    return region, window, rows


def board_kind_choices() -> list[tuple[str, str]]:
    return sorted(((code, str(k.label)) for code, k in deadline_kinds().items()), key=lambda c: c[1])


# --- how late ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lateness:
    text: str
    state: str  # LATE, TODAY or SOON
    amount: int  # in the deadline's own unit: late (positive) or left (negative is never used)


def lateness(deadline: Deadline, *, now: datetime, snapshot: Any = None) -> Lateness:
    """How late the deadline is, or how much is left, in its own unit: "已超期 3 个工作日",
    "已超期 5 小时", "还剩 1 个工作日", "今天到期"."""
    snapshot = snapshot or calendar_snapshot()
    due = deadline.due_at
    unit = deadline.unit
    late = deadline.breached_at is not None or due < now
    if late:
        if unit == DeadlineUnit.WORKING_DAYS:
            n = snapshot.working_days_between(due, now).days
            if n < 1:
                return Lateness(_("已超期，不足 1 个工作日"), LATE, 0)
            return Lateness(ngettext("已超期 %(n)d 个工作日", "已超期 %(n)d 个工作日", n) % {"n": n}, LATE, n)
        if unit == DeadlineUnit.CALENDAR_DAYS:
            n = (local_date(now) - local_date(due)).days
            if n < 1:
                return Lateness(_("已超期，不足 1 天"), LATE, 0)
            return Lateness(ngettext("已超期 %(n)d 天", "已超期 %(n)d 天", n) % {"n": n}, LATE, n)
        n = int((now - due).total_seconds() // 3600)
        if n < 1:
            return Lateness(_("已超期，不足 1 小时"), LATE, 0)
        return Lateness(ngettext("已超期 %(n)d 小时", "已超期 %(n)d 小时", n) % {"n": n}, LATE, n)
    if unit == DeadlineUnit.HOURS:
        n = int((due - now).total_seconds() // 3600)
        state = TODAY if local_date(due) == local_date(now) else SOON
        if n < 1:
            return Lateness(_("还剩不足 1 小时"), state, 0)
        return Lateness(ngettext("还剩 %(n)d 小时", "还剩 %(n)d 小时", n) % {"n": n}, state, n)
    if unit == DeadlineUnit.WORKING_DAYS:
        n = snapshot.working_days_between(now, due).days
        if n < 1:
            return Lateness(_("今天到期"), TODAY, 0)
        return Lateness(ngettext("还剩 %(n)d 个工作日", "还剩 %(n)d 个工作日", n) % {"n": n}, SOON, n)
    n = (local_date(due) - local_date(now)).days
    if n < 1:
        return Lateness(_("今天到期"), TODAY, 0)
    return Lateness(ngettext("还剩 %(n)d 天", "还剩 %(n)d 天", n) % {"n": n}, SOON, n)


@dataclass(frozen=True)
class BoardRow:
    deadline: Deadline
    subject: str
    url: str
    kind: str
    region: str
    person: str
    office: str
    lateness: Lateness


def describe_rows(deadlines: Iterable[Deadline], *, now: datetime) -> list[BoardRow]:
    """Label a page of rows: the subject and its link, the region's and owners' names and how late
    each is (a few queries for the page, none a row)."""
    found = label_subjects(list(deadlines))
    names = dict(Region.objects.filter(code__in={d.region_code for d in found}).values_list("code", "name"))
    people = {u.pk: u.display_name() for u in User.objects.filter(
        pk__in={d.owner_user_id for d in found if d.owner_user_id})}
    offices = dict(Organisation.objects.filter(
        pk__in={d.owner_organisation_id for d in found if d.owner_organisation_id}).values_list("pk", "name"))
    snapshot = calendar_snapshot()
    rows = []
    for d in found:
        label = d.subject_label
        rows.append(BoardRow(deadline=d, subject=str(label.text), url=d.subject_url, kind=kind_label(d.kind),
                             region=names.get(d.region_code, d.region_code),
                             person=people.get(d.owner_user_id, "") if d.owner_user_id else "",
                             office=offices.get(d.owner_organisation_id, "") if d.owner_organisation_id else "",
                             lateness=lateness(d, now=now, snapshot=snapshot)))
    return rows


# --- the home panel's counts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelCounts:
    overdue: int
    due_today: int
    crises: int


def panel_counts(*, user: Any, now: datetime) -> PanelCounts:
    """Overdue, due today and open crises (cases with a crisis deadline still owed) in the user's
    scope: one aggregate."""
    owed = restrict(Deadline.objects.all(), user, BOARD_VIEW, DEADLINE_PATHS).filter(
        met_at__isnull=True, cancelled_at__isnull=True)
    window = Window(now=now, today_end=end_of_day(local_date(now)), horizon_end=now, horizon=0)
    running = Q(paused_at__isnull=True, breached_at__isnull=True)
    found = owed.aggregate(
        overdue=Count("id", filter=Q(breached_at__isnull=False) | Q(paused_at__isnull=True, due_at__lt=now)),
        due_today=Count("id", filter=running & due_today_on_board(window)),
        crises=Count("subject_id", distinct=True, filter=Q(kind__in=CRISIS_KINDS)))
    return PanelCounts(overdue=found["overdue"], due_today=found["due_today"], crises=found["crises"])


def panel_rows(*, user: Any, now: datetime, limit: int) -> list[Deadline]:
    """The first few of the user's overdue or due-today deadlines, the longest overdue first."""
    owed = restrict(Deadline.objects.all(), user, BOARD_VIEW, DEADLINE_PATHS).filter(
        Q(met_at__isnull=True, cancelled_at__isnull=True)
        & (Q(breached_at__isnull=False) | Q(paused_at__isnull=True, due_at__lte=end_of_day(local_date(now)))))
    return label_subjects(list(owed.order_by("due_at", "id")[:limit]))
