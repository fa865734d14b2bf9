"""Pages of the deadlines board: the counts of the region viewed (by region with drill-down, by
office, kind or person), the filters, the rows with how late each one is, and the Excel export.

A filter the user may not use (a region outside their area) answers 400 with the error beside its
field and the input kept; the rows and counts are always read through the user's scope.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from jijinan.accounts.models import Organisation, User
from jijinan.core import charts, exports
from jijinan.core.calendar.workdays import DeadlineUnit
from jijinan.core.errors import DomainError
from jijinan.core.formerrors import refusal_on_form
from jijinan.core.permissions import can, requires
from jijinan.regions.pickers import RegionPickerField, bind_region_pickers
from jijinan.supervision.board import selectors
from jijinan.supervision.board.permissions import BOARD_EXPORT, BOARD_VIEW

PAGE_SIZE = 25
GROUP_PAGE_SIZE = 50
_ANY = ("", gettext_lazy("全部"))


def _now() -> datetime:
    """The instant the board is drawn at (one place, so a test can pin it)."""
    return timezone.now()


def group_choices() -> list[tuple[str, Any]]:
    return [(selectors.GROUP_REGION, gettext_lazy("按区划")), (selectors.GROUP_OFFICE, gettext_lazy("按负责机构")),
            (selectors.GROUP_KIND, gettext_lazy("按期限类型")), (selectors.GROUP_PERSON, gettext_lazy("按负责人"))]


def sort_choices() -> list[tuple[str, Any]]:
    return [(selectors.SORT_OVERDUE, gettext_lazy("已超期多的在前")),
            (selectors.SORT_DUE_TODAY, gettext_lazy("今天到期多的在前")),
            (selectors.SORT_TOTAL, gettext_lazy("合计多的在前")), (selectors.SORT_NAME, gettext_lazy("按名称"))]


class BoardFilterForm(forms.Form):
    group = forms.ChoiceField(label=gettext_lazy("分组"), required=False, choices=group_choices)
    region = RegionPickerField(label=gettext_lazy("区划"), levels=selectors.BOARD_LEVELS, action=BOARD_VIEW,
                               prefill=False, required=False,
                               help_text=gettext_lazy("不选则为您的整个工作范围"))
    kind = forms.ChoiceField(label=gettext_lazy("期限类型"), required=False)
    unit = forms.ChoiceField(label=gettext_lazy("计时单位"), required=False, choices=[_ANY, *DeadlineUnit.choices])
    overdue = forms.BooleanField(label=gettext_lazy("只看已超期"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("排序"), required=False, choices=sort_choices)
    # Set by following a row of the office or person grouping; shown as a removable filter.
    office = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_region_pickers(self, user, action=BOARD_VIEW)
        self.fields["kind"].choices = [_ANY, *selectors.board_kind_choices()]  # type: ignore[attr-defined]

    def filters(self) -> selectors.BoardFilters:
        d = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return selectors.BoardFilters(region=d.get("region") or "", kind=d.get("kind") or "",
                                      unit=d.get("unit") or "", overdue_only=bool(d.get("overdue")),
                                      office=d.get("office"), person=d.get("person"))

    def chosen_group(self) -> str:
        d = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return d.get("group") or selectors.GROUP_REGION

    def chosen_sort(self) -> str:
        d = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return d.get("sort") or selectors.SORT_OVERDUE


def _query(request: HttpRequest, **changes: Any) -> str:
    """The page's own query with ``changes`` (None removes a key); the page number always reset."""
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("rows", None)
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = str(value)
    return query.urlencode()


def _group_link(request: HttpRequest, board: selectors.Board, g: selectors.BoardGroup) -> str:
    """Where a group's row leads: the board of the region below, or the rows of that group."""
    if board.group == selectors.GROUP_REGION:
        return "?" + _query(request, region=g.region_code, region__q=None) if g.drill else ""
    key = {selectors.GROUP_OFFICE: "office", selectors.GROUP_PERSON: "person",
           selectors.GROUP_KIND: "kind"}[board.group]
    if not g.key:
        return ""
    return "?" + _query(request, **{key: g.key}) + "#board-rows"


def _chips(request: HttpRequest, filters: selectors.BoardFilters) -> list[dict[str, str]]:
    """The office or person a row of the grouping chose, with a link that removes it."""
    chips = []
    if filters.office is not None:
        office = Organisation.objects.filter(pk=filters.office).values_list("name", flat=True).first()
        chips.append({"text": _("负责机构：%(name)s") % {"name": office or _("（已删除）")},
                      "remove": "?" + _query(request, office=None)})
    if filters.person is not None:
        person = User.objects.filter(pk=filters.person).first()
        chips.append({"text": _("负责人：%(name)s") % {"name": person.display_name() if person else _("（已删除）")},
                      "remove": "?" + _query(request, person=None)})
    return chips


def board_chart(board: selectors.Board, groups: list[selectors.BoardGroup]) -> charts.Chart:
    """The groups shown as stacked bars: overdue, then due today (the rest of the horizon is in the table)."""
    return charts.stacked_bar_chart(
        title=_chart_title(board.group),
        category_header=_("名称"), total_header=_("两项合计"),
        series=[charts.Series(_("已超期"), [(g.label, g.overdue) for g in groups], tone="bad"),
                charts.Series(_("今天到期"), [(g.label, g.due_today) for g in groups], tone="warn")])


def _chart_title(group: str) -> str:
    return {selectors.GROUP_REGION: _("已超期和今天到期（按区划）"),
            selectors.GROUP_OFFICE: _("已超期和今天到期（按负责机构）"),
            selectors.GROUP_KIND: _("已超期和今天到期（按期限类型）"),
            selectors.GROUP_PERSON: _("已超期和今天到期（按负责人）")}[group]


@requires(BOARD_VIEW)
@require_GET
def board_page(request: HttpRequest) -> HttpResponse:
    """The board: the counts of the region viewed, grouped, then the rows, most overdue first."""
    form = BoardFilterForm(request.GET or None, user=request.user)
    now = _now()
    board = None
    rows_page = groups_page = None
    items: list[selectors.BoardRow] = []
    if not form.is_bound or form.is_valid():
        filters, group, sort = form.filters(), form.chosen_group(), form.chosen_sort()
        try:
            board = selectors.board_for_user(user=request.user, filters=filters, group=group, sort=sort, now=now)
            _region, _window, rows = selectors.board_rows(user=request.user, filters=filters, now=now, board=board)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            refusal_on_form(form, exc)
        else:
            groups_page = Paginator(board.groups, GROUP_PAGE_SIZE).get_page(request.GET.get("groups"))
            rows_page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
            items = selectors.describe_rows(rows_page.object_list, now=now)
    status = 400 if form.errors else 200
    context: dict[str, Any] = {
        "form": form, "board": board, "groups_page": groups_page, "page": rows_page, "items": items,
        "group_tabs": [(value, label, "?" + _query(request, group=value, groups=None))
                       for value, label in group_choices()],
        "current_group": board.group if board else form.chosen_group(),
        "chips": _chips(request, form.filters()) if board else [],
        "filtered": any(v for k, v in request.GET.items() if k not in ("group", "sort", "page", "groups")),
        **exports.export_link_context(request, url=reverse("supervision:board_export"),
                                      may_export=can(request.user, BOARD_EXPORT)),
    }
    if board is not None and groups_page is not None:
        context["crumbs"] = [(r, "?" + _query(request, region=r.code, region__q=None)) for r in board.breadcrumbs]
        context["group_rows"] = [(g, _group_link(request, board, g)) for g in groups_page.object_list]
        context["chart"] = board_chart(board, list(groups_page.object_list))
        chart_query = _query(request, data="chart", groups=request.GET.get("groups"))
        context["chart_export_url"] = (f"{reverse('supervision:board_export')}?{chart_query}"
                                       if context["may_export"] else "")
    return render(request, "supervision/board/board.html", context, status=status)


EXPORT_COLUMNS = (
    exports.Column("subject", gettext_lazy("事项")),
    exports.Column("kind", gettext_lazy("期限类型")),
    exports.Column("region", gettext_lazy("所属区划")),
    exports.Column("person", gettext_lazy("负责人")),
    exports.Column("office", gettext_lazy("负责机构")),
    exports.Column("unit", gettext_lazy("计时单位")),
    exports.Column("due_at", gettext_lazy("到期时间"), exports.ColumnKind.DATETIME),
    exports.Column("late", gettext_lazy("超期情况")),
    exports.Column("late_amount", gettext_lazy("超期或剩余（按期限单位）"), exports.ColumnKind.NUMBER),
)


def _export_rows(rows: Any, now: datetime) -> Any:
    for chunk in exports.chunked(rows):
        for row in selectors.describe_rows(chunk, now=now):
            d = row.deadline
            yield {"subject": row.subject, "kind": row.kind, "region": row.region, "person": row.person,
                   "office": row.office, "unit": d.get_unit_display(), "due_at": d.due_at,
                   "late": row.lateness.text, "late_amount": row.lateness.amount}


def _shown_filters(form: BoardFilterForm, board_region: Any) -> dict[str, str]:
    filters = form.filters()
    shown = {str(_("区划")): board_region.name}
    if filters.kind:
        shown[str(_("期限类型"))] = dict(selectors.board_kind_choices()).get(filters.kind, filters.kind)
    if filters.unit:
        shown[str(_("计时单位"))] = str(DeadlineUnit(filters.unit).label)
    if filters.overdue_only:
        shown[str(_("只看已超期"))] = str(_("是"))
    if filters.office is not None:
        office = Organisation.objects.filter(pk=filters.office).values_list("name", flat=True).first()
        shown[str(_("负责机构"))] = office or str(_("（已删除）"))
    if filters.person is not None:
        person = User.objects.filter(pk=filters.person).first()
        shown[str(_("负责人"))] = person.display_name() if person is not None else str(_("（已删除）"))
    return shown


def board_export_file(*, user: Any, form: BoardFilterForm, reason: str = "") -> exports.ExportFile:
    """The board's rows, filtered as on the page, as a workbook (one access-log row)."""
    now = _now()
    region, _window, rows = selectors.board_rows(user=user, filters=form.filters(), now=now)
    spec = exports.ExportSpec(title=gettext_lazy("督查期限看板"), subject_type="core.deadline",
                              columns=EXPORT_COLUMNS, fields=["owner_user"])
    return exports.export_list(actor=user, spec=spec, rows=_export_rows(rows, now), count=rows.count(),
                               filters=_shown_filters(form, region), masked=True, reason=reason)


def board_chart_export_file(*, user: Any, form: BoardFilterForm, groups_page: Any = None,
                            reason: str = "") -> exports.ExportFile:
    """The figures of the board's chart (the groups of the page viewed) as a workbook, logged."""
    board = selectors.board_for_user(user=user, filters=form.filters(), group=form.chosen_group(),
                                     sort=form.chosen_sort(), now=_now())
    groups = Paginator(board.groups, GROUP_PAGE_SIZE).get_page(groups_page)
    return charts.chart_export(actor=user, chart=board_chart(board, list(groups.object_list)),
                               filters=_shown_filters(form, board.region), reason=reason)


@requires(BOARD_EXPORT)
@require_GET
def board_export(request: HttpRequest) -> HttpResponseBase:
    """The rows of the board as filtered on the page, as an Excel file (logged like every export);
    with ``data=chart`` the figures of the page's chart instead."""
    form = BoardFilterForm(request.GET or None, user=request.user)
    list_url = reverse("supervision:board")
    if form.is_bound and not form.is_valid():
        return exports.export_page(request, list_url, exports.refuse_invalid(form))
    if request.GET.get("data") == "chart":
        return exports.export_page(request, list_url, lambda options: board_chart_export_file(
            user=request.user, form=form, groups_page=request.GET.get("groups"), reason=options.reason))
    return exports.export_page(request, list_url, lambda options: board_export_file(
        user=request.user, form=form, reason=options.reason))


def board_url(**query: Any) -> str:
    """The board's address with ``query`` (used by the home panel's links)."""
    url = reverse("supervision:board")
    return f"{url}?{urlencode(query)}" if query else url
