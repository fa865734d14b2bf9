"""Pages of the indicators: every registered indicator of the region and period chosen, with its
unit, per 10,000 residents where it says so, and its written definition beside it; one indicator by
the regions right below (with links to drill down); and the Excel export of both tables.

A region outside the user's area or a wrong period answers 400 with the error beside its field and
the input kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from jijinan.core import exports
from jijinan.core.calendar.workdays import local_date
from jijinan.core.errors import DomainError
from jijinan.core.extensions.indicators import indicators
from jijinan.core.formerrors import refusal_on_form
from jijinan.core.permissions import can, requires
from jijinan.regions.models import Region
from jijinan.regions.pickers import RegionPickerField, bind_region_pickers
from jijinan.supervision.indicators import selectors
from jijinan.supervision.indicators.permissions import INDICATOR_EXPORT, INDICATOR_VIEW


def _now() -> datetime:
    """The instant the page is drawn at (one place, so a test can pin it)."""
    return timezone.now()


def period_choices() -> list[tuple[str, Any]]:
    return [(selectors.MONTH, gettext_lazy("按月")), (selectors.QUARTER, gettext_lazy("按季度")),
            (selectors.YEAR, gettext_lazy("按年")), (selectors.CUSTOM, gettext_lazy("自定义期间"))]


def _date_field(label: Any, help_text: Any = "") -> forms.DateField:
    return forms.DateField(label=label, required=False, help_text=help_text,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class IndicatorFilterForm(forms.Form):
    region = RegionPickerField(label=gettext_lazy("区划"), levels=selectors.INDICATOR_LEVELS, action=INDICATOR_VIEW,
                               prefill=False, required=False, help_text=gettext_lazy("不选则为您的整个工作范围"))
    period = forms.ChoiceField(label=gettext_lazy("统计期间"), required=False, choices=period_choices)
    on = _date_field(gettext_lazy("期间内的任一天"),
                     gettext_lazy("按月、季度、年统计时，取这一天所在的月、季度或年；不填为今天"))
    start = _date_field(gettext_lazy("开始日期"), gettext_lazy("自定义期间用，北京时间，含当天"))
    end = _date_field(gettext_lazy("结束日期"), gettext_lazy("自定义期间用，北京时间，含当天"))
    indicator = forms.ChoiceField(label=gettext_lazy("按下级区划查看的指标"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_region_pickers(self, user, action=INDICATOR_VIEW)
        self.fields["indicator"].choices = [(i.code, str(i.title)) for i in indicators()]  # type: ignore[attr-defined]

    def period_value(self, now: datetime) -> selectors.Period:
        d = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return selectors.period_of(d.get("period") or selectors.MONTH, d.get("on") or local_date(now),
                                   d.get("start"), d.get("end"))

    def region_code(self) -> str:
        d = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return d.get("region") or ""

    def indicator_code(self) -> str:
        d = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return d.get("indicator") or indicators()[0].code


def _query(request: HttpRequest, **changes: Any) -> str:
    query = request.GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = str(value)
    return query.urlencode()


@requires(INDICATOR_VIEW)
@require_GET
def indicators_page(request: HttpRequest) -> HttpResponse:
    """The indicators of the region and period, and the chosen one by the regions below."""
    form = IndicatorFilterForm(request.GET or None, user=request.user)
    context: dict[str, Any] = {"form": form}
    if not form.is_bound or form.is_valid():
        try:
            region = selectors.indicator_region(user=request.user, code=form.region_code())
            period = form.period_value(_now())
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            refusal_on_form(form, exc)
        else:
            chosen = selectors.find_indicator(form.indicator_code())
            context.update({
                "region": region, "period": period, "chosen": chosen,
                "rows": [(row, "?" + _query(request, indicator=row.indicator.code) + "#drill-down")
                         for row in selectors.indicator_table(region=region, period=period)],
                "drill": [(child, row, "?" + _query(request, region=child.code, region__q=None))
                          for child, row in selectors.drill_down(region=region, period=period, each=chosen)],
                "crumbs": [(r, "?" + _query(request, region=r.code, region__q=None))
                           for r in selectors.breadcrumbs(user=request.user, region=region)],
                **exports.export_link_context(request, url=reverse("supervision:indicators_export"),
                                              may_export=can(request.user, INDICATOR_EXPORT)),
            })
    status = 400 if form.errors else 200
    return render(request, "supervision/indicators/indicators.html", context, status=status)


EXPORT_COLUMNS = (
    exports.Column("region", gettext_lazy("区划")),
    exports.Column("title", gettext_lazy("指标")),
    exports.Column("value", gettext_lazy("数值")),
    exports.Column("per_10k", gettext_lazy("每万人")),
    exports.Column("breakdown", gettext_lazy("分列")),
    exports.Column("definition", gettext_lazy("定义"), width=60),
)


def _export_row(region: Region, row: selectors.IndicatorRow) -> dict[str, Any]:
    return {"region": region.name, "title": str(row.indicator.title), "value": row.shown,
            "per_10k": row.shown_per_10k, "breakdown": _("；").join(row.shown_breakdown),
            "definition": str(row.indicator.definition)}


def indicators_export_file(*, user: Any, form: IndicatorFilterForm, reason: str = "") -> exports.ExportFile:
    """Every indicator of the region, then the chosen one by the regions below, as a workbook."""
    region = selectors.indicator_region(user=user, code=form.region_code())
    period = form.period_value(_now())
    chosen = selectors.find_indicator(form.indicator_code())
    rows = [_export_row(region, row) for row in selectors.indicator_table(region=region, period=period)]
    rows += [_export_row(child, row) for child, row in selectors.drill_down(region=region, period=period, each=chosen)]
    spec = exports.ExportSpec(title=gettext_lazy("工作指标"), subject_type="supervision.indicator",
                              columns=EXPORT_COLUMNS, fields=["indicators"])
    filters = {str(_("区划")): region.name, str(_("统计期间")): period.label(),
               str(_("按下级区划查看的指标")): str(chosen.title)}
    return exports.export_list(actor=user, spec=spec, rows=rows, count=len(rows), filters=filters, masked=True,
                               reason=reason)


@requires(INDICATOR_EXPORT)
@require_GET
def indicators_export(request: HttpRequest) -> HttpResponseBase:
    """The indicators as on the page, as an Excel file (logged like every export)."""
    form = IndicatorFilterForm(request.GET or None, user=request.user)
    list_url = reverse("supervision:indicators")
    if form.is_bound and not form.is_valid():
        return exports.export_page(request, list_url, exports.refuse_invalid(form))
    return exports.export_page(request, list_url, lambda options: indicators_export_file(
        user=request.user, form=form, reason=options.reason))
