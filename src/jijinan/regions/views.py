"""Pages of regions: tree, search, detail; import and retire for administrators."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jijinan.audit.decorators import refusals_recorded
from jijinan.core import exports
from jijinan.core.errors import DomainError, RowErrors
from jijinan.core.permissions import PUBLIC, can, matrix, requires
from jijinan.regions import pickers, selectors, services
from jijinan.regions.choices import RegionLevel
from jijinan.regions.models import Region

PAGE_SIZE = 50


@requires("regions.view")
@require_GET
def region_index(request: HttpRequest) -> HttpResponse:
    results, q, level, include_retired = _regions_of_page(request)
    context: dict[str, object] = {"q": q, "level": level, "levels": RegionLevel.choices,
                                  "include_retired": include_retired}
    if q or level:
        context["page"] = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(exports.export_link_context(request, url=reverse("regions:export"),
                                                   may_export=can(request.user, "regions.export")))
    else:
        context["roots"] = selectors.region_roots()
    return render(request, "regions/index.html", context)


def _regions_of_page(request: HttpRequest) -> tuple[QuerySet[Region], str, str | None, bool]:
    """The search results the page shows for its query (the export reads the same)."""
    q = request.GET.get("q", "").strip()[:50]
    level = request.GET.get("level") or None
    if level not in RegionLevel.values:
        level = None
    include_retired = request.GET.get("retired") == "1"
    results = selectors.region_search(q=q, level=level, include_retired=include_retired) \
        .select_related("parent", "successor")
    return results, q, level, include_retired


class RetireForm(forms.Form):
    successor_code = pickers.RegionPickerField(label=gettext_lazy("继任区划（可选）"), levels=pickers.ALL_LEVELS,
                                               action="regions.manage", prefill=False, required=False)


@requires("regions.view")
@require_GET
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = selectors.region_get(code=code)
    retire_form = RetireForm(auto_id="retire_%s")
    retire_form.fields["successor_code"].widget.levels = (region.level,)
    pickers.bind_region_pickers(retire_form, request.user)
    return render(request, "regions/detail.html", {
        "region": region, "retire_form": retire_form,
        "ancestors": selectors.region_ancestors(region=region),
        "children": selectors.region_children(region=region, include_retired=True),
        "today": date.today(),
    })


@requires("regions.view")
@require_GET
def region_children(request: HttpRequest, code: str) -> HttpResponse:
    """The htmx partial that expands one node of the tree."""
    region = selectors.region_get(code=code)
    return render(request, "regions/_children.html", {
        "children": selectors.region_children(region=region)})


_PICKER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,80}$")


@requires(PUBLIC)
@require_GET
def region_pick(request: HttpRequest) -> HttpResponse:
    """The results of a region picker as the user types (htmx). Region names are public; the
    results are limited to the user's area for the form's action, and the form checks again."""
    name = request.GET.get("name", "")
    widget_id = request.GET.get("id", "")
    levels = [lv for lv in request.GET.get("levels", "").split(",") if lv in RegionLevel.values]
    action = request.GET.get("action") or None
    if not (_PICKER_NAME.match(name) and _PICKER_NAME.match(widget_id) and levels) or (
            action is not None and action not in matrix()):
        return HttpResponse(status=400)
    query = request.GET.get(f"{name}__q", "").strip()[:50]
    chosen = pickers.region_pick_choosable(code=request.GET.get(name, "")[:12], user=request.user,
                                           action=action, levels=levels)
    result = pickers.region_pick_search(user=request.user, action=action, levels=levels, q=query) \
        if query else None
    context = pickers.picker_results_context(name=name, widget_id=widget_id, chosen=chosen, result=result,
                                             query=query, levels=levels)
    return render(request, "regions/pickers/_results.html", {**context, "oob": True})


@requires("regions.manage")
@require_http_methods(["GET", "POST"])
def region_import(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise DomainError.for_field("file", _("请选择要导入的 CSV 文件"))
            valid_from = date.fromisoformat(request.POST.get("valid_from") or "2022-10-31")
            result = services.regions_load_csv(
                text=services.decode_csv_bytes(upload.read()), valid_from=valid_from,
                source=_("上传：%(name)s") % {"name": upload.name}, actor=request.user)
        except RowErrors as exc:
            context.update(error=exc.message, rows=exc.rows)
        except DomainError as exc:
            context.update(error=exc.message)
        except ValueError:
            context.update(error=_("日期格式应为 YYYY-MM-DD"))
        else:
            messages.success(request, _("导入完成：新建 %(c)s，更新 %(u)s，未变 %(n)s") % {
                "c": result.created, "u": result.updated, "n": result.unchanged})
            return redirect("regions:index")
    return render(request, "regions/import.html", context, status=400 if context else 200)


@requires("regions.manage")
@require_POST
def region_retire(request: HttpRequest, code: str) -> HttpResponse:
    selectors.region_get(code=code)
    try:
        valid_to = date.fromisoformat(request.POST.get("valid_to", ""))
        services.region_retire(code=code, successor_code=request.POST.get("successor_code") or None,
                               valid_to=valid_to, actor=request.user)
    except ValueError:
        messages.error(request, _("日期格式应为 YYYY-MM-DD"))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已停用该区划代码"))
    return redirect("regions:detail", code=code)


# --- export to Excel ----------------------------------------------------------------------------
C, K = exports.Column, exports.ColumnKind
REGION_FILTERS = ("q", "level", "retired", "parent", "include_retired")

REGION_EXPORT_SPEC = exports.ExportSpec(
    title=gettext_lazy("行政区划"), subject_type="regions.region", fields=["regions"],
    columns=[
        C("code", gettext_lazy("区划代码"), width=14), C("name", gettext_lazy("名称"), width=20),
        C("level", gettext_lazy("级别"), width=8), C("parent_code", gettext_lazy("上级代码"), width=14),
        C("parent", gettext_lazy("上级")), C("population", gettext_lazy("常住人口"), K.NUMBER),
        C("synthetic", gettext_lazy("演示区划"), K.BOOL), C("valid_from", gettext_lazy("启用日期"), K.DATE),
        C("valid_to", gettext_lazy("停用日期"), K.DATE), C("successor_code", gettext_lazy("继任区划代码"), width=14),
    ])


def region_export_file(*, user: Any, regions: QuerySet[Region], options: exports.ExportOptions,
                       filters: dict[str, str]) -> exports.ExportFile:
    """Reference data, nothing protected: the export is logged like every other."""
    masked = exports.export_masked(options=options, may_unmask=False)
    count = regions.count()
    levels = dict(RegionLevel.choices)

    def rows() -> Iterator[dict[str, Any]]:
        for batch in exports.chunked(regions):
            for r in batch:
                yield {"code": r.code, "name": r.name, "level": str(levels.get(r.level, r.level)),
                       "parent_code": r.parent.code if r.parent else "", "parent": r.parent.name if r.parent else "",
                       "population": r.population, "synthetic": r.synthetic, "valid_from": r.valid_from,
                       "valid_to": r.valid_to, "successor_code": r.successor.code if r.successor else ""}

    return exports.export_list(actor=user, spec=REGION_EXPORT_SPEC, rows=rows(), count=count, filters=filters,
                               masked=masked, reason=options.reason)


@refusals_recorded
@requires("regions.export")
@require_GET
def region_export(request: HttpRequest) -> HttpResponseBase:
    regions, _q, _level, _retired = _regions_of_page(request)
    return exports.export_page(request, reverse("regions:index"), lambda options: region_export_file(
        user=request.user, regions=regions, options=options,
        filters=exports.query_filters(request.GET, REGION_FILTERS)))
