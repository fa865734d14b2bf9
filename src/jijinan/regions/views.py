"""Pages of regions: tree, search, detail; import and retire for administrators."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jijinan.core.errors import DomainError, RowErrors
from jijinan.core.permissions import requires
from jijinan.regions import selectors, services
from jijinan.regions.choices import RegionLevel

PAGE_SIZE = 50


@requires("regions.view")
@require_GET
def region_index(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    level = request.GET.get("level") or None
    if level not in RegionLevel.values:
        level = None
    include_retired = request.GET.get("retired") == "1"
    context: dict[str, object] = {"q": q, "level": level, "levels": RegionLevel.choices,
                                  "include_retired": include_retired}
    if q or level:
        results = selectors.region_search(q=q, level=level, include_retired=include_retired) \
            .select_related("successor")
        context["page"] = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        context["roots"] = selectors.region_roots()
    return render(request, "regions/index.html", context)


@requires("regions.view")
@require_GET
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = selectors.region_get(code=code)
    return render(request, "regions/detail.html", {
        "region": region,
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
