"""Pages of the filing (备案) of township approvals: the county's filing list (filters, pagination,
Excel export) with the form that draws a random sample for spot checks and the recent draws, and
one filing with the form that records its spot-check finding.

A refusal of the user's rights answers 403, a record outside their scope 404; any other refusal
re-renders the page with the service's sentences beside the fields, status 400, and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jijinan.accounts.context import acting_user
from jijinan.cases.permissions import CASE_VIEW
from jijinan.core import exports
from jijinan.core.errors import DomainError
from jijinan.core.formerrors import apply_errors
from jijinan.core.permissions import Target, can, requires
from jijinan.regions.models import Region
from jijinan.supervision.choices import CheckFinding, FilingStatus
from jijinan.supervision.filings import selectors, services
from jijinan.supervision.filings.forms import CheckForm, DrawForm, FilingFilterForm
from jijinan.supervision.filings.permissions import FILING_CHECK, FILING_DRAW, FILING_VIEW

PAGE_SIZE = 30
RECENT_DRAWS = 5


def _filters(request: HttpRequest) -> tuple[FilingFilterForm, dict[str, Any]]:
    form = FilingFilterForm(request.GET or None, user=request.user)
    chosen: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        chosen = {"period_from": d["period_from"], "period_to": d["period_to"], "township_code": d["township"] or "",
                  "status": d["status"], "finding": d["finding"], "q": d["q"]}
    return form, chosen


def _list_page(request: HttpRequest, draw_form: DrawForm | None = None, status: int = 200) -> HttpResponse:
    form, chosen = _filters(request)
    rows = selectors.filing_list_for_user(user=request.user, **chosen)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    may_draw = can(request.user, FILING_DRAW)
    if may_draw and draw_form is None:
        draw_form = DrawForm(user=request.user)
    return render(request, "supervision/filings/list.html", {
        "form": form, "page": page, "filtered": any(chosen.values()), "draw_form": draw_form if may_draw else None,
        "draws": list(selectors.draws_for_user(user=request.user)[:RECENT_DRAWS]),
        "waiting": selectors.waiting_checks(user=request.user).count(),
        **exports.export_link_context(request, url=reverse("supervision:filings_export"), may_export=True),
    }, status=status)


@requires(FILING_VIEW)
@require_GET
def filing_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


@requires(FILING_DRAW)
@require_POST
def filing_draw(request: HttpRequest) -> HttpResponse:
    form = DrawForm(request.POST, user=request.user)
    if form.is_valid():
        d = form.cleaned_data
        try:
            draw = services.filing_draw(actor=acting_user(request), data=services.DrawInput(
                county_code=d["county"], period_from=d["period_from"], period_to=d["period_to"],
                share_percent=d["share_percent"]))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已从 %(population)d 件备案中随机抽取 %(drawn)d 件，请逐件登记抽查结论") % {
                "population": draw.population, "drawn": draw.drawn})
            return redirect(reverse("supervision:filings") + "?status=sampled")
    return _list_page(request, form, status=400)


EXPORT_COLUMNS = (
    exports.Column("number", gettext_lazy("事项编号"), width=24),
    exports.Column("township", gettext_lazy("审批乡镇（街道）")),
    exports.Column("county", gettext_lazy("备案县（区）")),
    exports.Column("amount", gettext_lazy("审批金额（元）"), exports.ColumnKind.MONEY_FEN),
    exports.Column("ceiling", gettext_lazy("乡镇审批限额（元）"), exports.ColumnKind.MONEY_FEN),
    exports.Column("approved_by", gettext_lazy("审批人")),
    exports.Column("approved_at", gettext_lazy("审批时间"), exports.ColumnKind.DATETIME),
    exports.Column("filed_at", gettext_lazy("备案时间"), exports.ColumnKind.DATETIME),
    exports.Column("status", gettext_lazy("状态")),
    exports.Column("finding", gettext_lazy("抽查结论")),
    exports.Column("note", gettext_lazy("抽查意见"), width=40),
    exports.Column("checked_at", gettext_lazy("抽查时间"), exports.ColumnKind.DATETIME),
)


def _export_rows(rows: Any) -> Any:
    for f in rows:
        yield {"number": f.case.number, "township": f.township.name, "county": f.county.name,
               "amount": f.amount_fen, "ceiling": f.ceiling_fen,
               "approved_by": f.approved_by.display_name() if f.approved_by else "", "approved_at": f.approved_at,
               "filed_at": f.filed_at, "status": f.get_status_display(),
               "finding": f.get_finding_display() if f.finding else "", "note": f.check_note,
               "checked_at": f.checked_at}


@requires(FILING_VIEW)
@require_GET
def filing_export(request: HttpRequest) -> HttpResponseBase:
    """The list as filtered on the page, as an Excel file (logged)."""
    form, chosen = _filters(request)
    if form.is_bound and not form.is_valid():
        return exports.export_page(request, reverse("supervision:filings"), exports.refuse_invalid(form))
    rows = selectors.filing_list_for_user(user=request.user, **chosen)
    shown: dict[str, str] = {}
    if chosen.get("period_from"):
        shown[str(_("备案日期从"))] = chosen["period_from"].isoformat()
    if chosen.get("period_to"):
        shown[str(_("备案日期至"))] = chosen["period_to"].isoformat()
    if chosen.get("township_code"):
        picked = Region.objects.filter(code=chosen["township_code"]).first()
        shown[str(_("审批乡镇（街道）"))] = picked.name if picked is not None else chosen["township_code"]
    if chosen.get("status"):
        shown[str(_("状态"))] = str(FilingStatus(chosen["status"]).label)
    if chosen.get("finding"):
        shown[str(_("抽查结论"))] = str(CheckFinding(chosen["finding"]).label)
    if chosen.get("q"):
        shown[str(_("事项编号"))] = chosen["q"]
    spec = exports.ExportSpec(title=gettext_lazy("乡镇审批备案"), subject_type="supervision.approvalfiling",
                              columns=EXPORT_COLUMNS, fields=["amount_fen", "check_note"])
    return exports.export_page(request, reverse("supervision:filings"), lambda options: exports.export_list(
        actor=request.user, spec=spec, rows=_export_rows(rows), count=rows.count(), filters=shown, masked=True,
        reason=options.reason))


def _filing_page(request: HttpRequest, filing: Any, form: CheckForm | None = None, status: int = 200
                 ) -> HttpResponse:
    may_check = filing.status == FilingStatus.SAMPLED and can(
        request.user, FILING_CHECK, Target(region_prefix=filing.township.prefix))
    if may_check and form is None:
        form = CheckForm(initial={"version": filing.version})
    elif form is not None and not may_check:
        for error in form.non_field_errors():
            messages.error(request, str(error))  # refused because the filing moved on: said above the page
    return render(request, "supervision/filings/detail.html", {
        "f": filing, "check_form": form if may_check else None,
        "may_open_case": can(request.user, CASE_VIEW, Target(region_prefix=filing.case.handling_region.prefix))},
        status=status)


@requires(FILING_VIEW)
@require_GET
def filing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _filing_page(request, selectors.filing_get_for_user(user=request.user, pk=pk))


@requires(FILING_CHECK)
@require_POST
def filing_check(request: HttpRequest, pk: int) -> HttpResponse:
    filing = selectors.filing_get_for_user(user=request.user, pk=pk, action=FILING_CHECK)
    form = CheckForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            checked = services.filing_check(actor=acting_user(request), filing=filing, version=d["version"],
                                            finding=d["finding"], note=d["note"])
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记抽查结论：%(finding)s") % {"finding": checked.get_finding_display()})
            return redirect("supervision:filing", pk=checked.pk)
    return _filing_page(request, selectors.filing_get_for_user(user=request.user, pk=pk), form, status=400)
