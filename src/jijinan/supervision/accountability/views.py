"""Pages of accountability records (责任追究): the list of the user's area (filters, search, Excel
export for the annual assessment), the form that registers one, a record with its correction.

A refusal of the user's rights answers 403, a record outside their scope 404; any other refusal
re-renders the form with the service's sentences beside the fields, status 400, and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from jijinan.accounts.context import acting_user
from jijinan.accounts.models import User
from jijinan.cases.permissions import CASE_VIEW
from jijinan.core import exports
from jijinan.core.errors import DomainError, NotFound
from jijinan.core.formerrors import apply_errors
from jijinan.core.permissions import Target, can, requires
from jijinan.regions.models import Region
from jijinan.supervision.accountability import selectors, services
from jijinan.supervision.accountability.forms import AccountabilityFilterForm, AccountabilityForm
from jijinan.supervision.accountability.permissions import (
    ACCOUNTABILITY_EXPORT,
    ACCOUNTABILITY_RECORD,
    ACCOUNTABILITY_VIEW,
)
from jijinan.supervision.choices import Failing

PAGE_SIZE = 30


def _filters(request: HttpRequest) -> tuple[AccountabilityFilterForm, dict[str, Any]]:
    offices = list(services.offices_in_scope(actor=request.user))
    form = AccountabilityFilterForm(request.GET or None, user=request.user,
                                    years=selectors.accountability_years(user=request.user), offices=offices)
    chosen: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        chosen = {"year": d["year"], "failing": d["failing"], "region_code": d["region"] or "",
                  "office_id": d["office"], "q": d["q"]}
    return form, chosen


@requires(ACCOUNTABILITY_VIEW)
@require_GET
def accountability_list(request: HttpRequest) -> HttpResponse:
    form, chosen = _filters(request)
    rows = selectors.accountability_list_for_user(user=request.user, **chosen)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = [{"r": r, "number": services.subject_number(r)} for r in page.object_list]
    return render(request, "supervision/accountability/list.html", {
        "form": form, "page": page, "items": items, "filtered": any(chosen.values()),
        "may_record": can(request.user, ACCOUNTABILITY_RECORD),
        **exports.export_link_context(request, url=reverse("supervision:accountability_export"),
                                      may_export=can(request.user, ACCOUNTABILITY_EXPORT))})


EXPORT_COLUMNS = (
    exports.Column("decided_on", gettext_lazy("处理日期"), exports.ColumnKind.DATE),
    exports.Column("region", gettext_lazy("所属区划")),
    exports.Column("office", gettext_lazy("责任单位")),
    exports.Column("person", gettext_lazy("责任人")),
    exports.Column("failing", gettext_lazy("问题类型")),
    exports.Column("finding", gettext_lazy("调查认定"), width=40),
    exports.Column("measure", gettext_lazy("处理措施"), width=40),
    exports.Column("subject", gettext_lazy("对象编号"), width=24),
)


def _export_rows(rows: Any) -> Any:
    for r in rows:
        yield {"decided_on": r.decided_on, "region": r.region.name, "office": r.responsible_office.name,
               "person": r.responsible_person, "failing": r.get_failing_display(), "finding": r.finding,
               "measure": r.measure, "subject": services.subject_number(r)}


@requires(ACCOUNTABILITY_EXPORT)
@require_GET
def accountability_export(request: HttpRequest) -> HttpResponseBase:
    """The list as filtered on the page, as an Excel file for the annual assessment (logged)."""
    form, chosen = _filters(request)
    if form.is_bound and not form.is_valid():
        return exports.export_page(request, reverse("supervision:accountability"), exports.refuse_invalid(form))
    rows = selectors.accountability_list_for_user(user=request.user, action=ACCOUNTABILITY_EXPORT, **chosen)
    shown: dict[str, str] = {}
    if chosen.get("year"):
        shown[str(_("年度"))] = str(chosen["year"])
    if chosen.get("failing"):
        shown[str(_("问题类型"))] = str(Failing(chosen["failing"]).label)
    if chosen.get("region_code"):
        picked = Region.objects.filter(code=chosen["region_code"]).first()
        shown[str(_("区划"))] = picked.name if picked is not None else chosen["region_code"]
    if chosen.get("q"):
        shown[str(_("关键词"))] = chosen["q"]
    spec = exports.ExportSpec(title=gettext_lazy("责任追究记录"), subject_type="supervision.accountabilityrecord",
                              columns=EXPORT_COLUMNS, fields=["responsible_person", "finding", "measure"])
    return exports.export_page(request, reverse("supervision:accountability"), lambda options: exports.export_list(
        actor=request.user, spec=spec, rows=_export_rows(rows), count=rows.count(), filters=shown, masked=True,
        reason=options.reason))


def _form(request: HttpRequest, data: Any = None, **kwargs: Any) -> AccountabilityForm:
    offices = list(services.offices_in_scope(actor=request.user))
    staff = list(User.objects.filter(organisation__in=offices, is_active=True).select_related(
        "organisation__department_type").order_by("organisation__region__code", "organisation__name", "full_name"))
    return AccountabilityForm(data, offices=offices, staff=staff, **kwargs)


def _prefill(request: HttpRequest) -> dict[str, Any]:
    """``?case=<number>`` (or ``task``, ``order``) from the page the user came from."""
    for kind in (services.CASE, services.TASK, services.ORDER):
        number = (request.GET.get(kind) or "").strip()
        if number:
            return {"subject_kind": kind, "subject_number": number[:40]}
    return {}


@requires(ACCOUNTABILITY_RECORD)
@require_http_methods(["GET", "POST"])
def accountability_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = _form(request, initial={"decided_on": timezone.localdate(), **_prefill(request)})
        return render(request, "supervision/accountability/form.html", {"form": form})
    form = _form(request, request.POST)
    if form.is_valid():
        try:
            try:
                subject = services.subject_find(actor=request.user, kind=form.cleaned_data["subject_kind"],
                                                number=form.cleaned_data["subject_number"])
            except NotFound as missing:  # a number typed on the form: said beside it, the input kept
                raise DomainError(missing.message, code=missing.code, field_errors=missing.field_errors) from None
            record = services.accountability_record(actor=acting_user(request), subject=subject,
                                                    data=form.data_input())
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记责任追究记录"))
            return redirect("supervision:accountability_detail", pk=record.pk)
    return render(request, "supervision/accountability/form.html", {"form": form}, status=400)


@requires(ACCOUNTABILITY_VIEW)
@require_GET
def accountability_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.accountability_get_for_user(user=request.user, pk=pk)
    case = record.task.case if record.task is not None else record.case
    return render(request, "supervision/accountability/detail.html", {
        "r": record, "number": services.subject_number(record), "case": case,
        "may_open_case": case is not None and can(request.user, CASE_VIEW,
                                                  Target(region_prefix=case.handling_region.prefix)),
        "may_correct": can(request.user, ACCOUNTABILITY_RECORD, Target(region_prefix=record.region.prefix))})


@requires(ACCOUNTABILITY_RECORD)
@require_http_methods(["GET", "POST"])
def accountability_edit(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.accountability_get_for_user(user=request.user, pk=pk, action=ACCOUNTABILITY_RECORD)
    context = {"r": record, "number": services.subject_number(record), "correcting": True}
    if request.method == "GET":
        form = _form(request, correcting=True, initial={
            "failing": record.failing, "responsible_office": record.responsible_office_id,
            "responsible_user": record.responsible_user_id, "responsible_person": record.responsible_person,
            "finding": record.finding, "measure": record.measure, "decided_on": record.decided_on,
            "version": record.version})
        return render(request, "supervision/accountability/form.html", {**context, "form": form})
    form = _form(request, request.POST, correcting=True)
    if form.is_valid():
        try:
            services.accountability_correct(actor=acting_user(request), record=record,
                                            version=form.cleaned_data["version"], data=form.data_input())
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已更正责任追究记录"))
            return redirect("supervision:accountability_detail", pk=record.pk)
    return render(request, "supervision/accountability/form.html", {**context, "form": form}, status=400)
