"""Pages of means verification: open requests, a household's verification page, authorisation
entry (scan or on-screen signature), result entry and CSV import, and the printable report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jijinan.accounts.context import acting_user
from jijinan.audit.services import access_log_record
from jijinan.core.errors import DomainError, RowErrors
from jijinan.core.formerrors import apply_errors, flash_errors, form_status
from jijinan.core.permissions import Target, can, requires
from jijinan.core.uploads import CONTENT_TYPES, SUFFIXES, inline_response
from jijinan.policy.permissions import POLICY_EVALUATE
from jijinan.regions.pickers import bind_region_pickers
from jijinan.verification import documents, forms, selectors, services, sources
from jijinan.verification.choices import AuthorisationMethod, DocumentKind, RequestStatus, Source
from jijinan.verification.permissions import (
    AUTHORISATION_MANAGE,
    REPORT_ISSUE,
    REQUEST_MANAGE,
    RESULT_MANAGE,
    VERIFICATION_VIEW,
)

PAGE_SIZE = 50


# --- the list of requests ---------------------------------------------------------------------------------
@requires(VERIFICATION_VIEW)
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    form = forms.RequestFilterForm(request.GET or None)
    bind_region_pickers(form, request.user)
    search = selectors.RequestFilter()
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        search = selectors.RequestFilter(source=d["source"], status=d["status"], region=d["region"])
    context: dict[str, Any] = {"form": form, "may_import": can(request.user, RESULT_MANAGE)}
    if not form.errors:
        requests = selectors.request_list_for_user(user=request.user, search=search)
        context["page"] = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "verification/request_list.html", context, status=form_status(form))


# --- a household --------------------------------------------------------------------------------------------
def _members(household: Any) -> list[tuple[int, str]]:
    today = timezone.localdate()
    return [(m.person_id, f"{m.person.name}（{m.get_relation_display()}，"
             f"{m.person.age(today) if m.person.birth_date else '?'}）")
            for m in services.current_members(household)]


@requires(VERIFICATION_VIEW)
@require_GET
def household_page(request: HttpRequest, pk: int) -> HttpResponse:
    data = selectors.household_verification_for_user(user=request.user, pk=pk)
    for r in data.requests:
        result = selectors.result_of(r)
        r.lines = sources.fact_lines(r.source, result.facts) if result is not None else []  # type: ignore[attr-defined]
    target = Target(region_prefix=data.household.region.prefix)
    return render(request, "verification/household.html", {
        "data": data, "household": data.household, "by_source": data.latest_by_source(),
        "today": timezone.localdate(),
        "may_authorise": can(request.user, AUTHORISATION_MANAGE, target),
        "may_request": can(request.user, REQUEST_MANAGE, target),
        "may_enter": can(request.user, RESULT_MANAGE, target),
        "may_issue": can(request.user, REPORT_ISSUE, target),
        "request_form": forms.RequestForm(), "report_form": forms.ReportForm(),
    })


@requires(AUTHORISATION_MANAGE)
@require_http_methods(["GET", "POST"])
def authorisation_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk, action=AUTHORISATION_MANAGE)
    members = _members(household)
    form = forms.AuthorisationForm(request.POST or None, request.FILES or None, members=members,
                                   initial={"signed_on": timezone.localdate(),
                                            "signatories": [pk for pk, _label in members]})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["method"] == AuthorisationMethod.SIGNED_ON_SCREEN:
                document = documents.check_signature(d["signature"])
            else:
                upload = d["document"]
                if upload is None:
                    raise DomainError.for_field("document", _("请上传授权书文件"))
                documents.check_size(upload.size)  # refused before it is read into memory
                document = documents.check_upload(upload.read(), upload.name)
            services.authorisation_record(actor=acting_user(request), household=household,
                                          signatory_ids=d["signatories"], signed_on=d["signed_on"],
                                          method=d["method"], document=document, note=d["note"])
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已登记核对授权书"))
            return redirect("verification:household", pk=pk)
    return render(request, "verification/authorisation_form.html", {"form": form, "household": household},
                  status=form_status(form))


@requires(VERIFICATION_VIEW)
@require_GET
def authorisation_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The scanned or signed document, read from the private directory; each view is logged."""
    authorisation = selectors.authorisation_get_for_user(user=request.user, pk=pk)
    content = documents.read(authorisation.document_path)
    access_log_record(actor=request.user, kind="view", subject=authorisation, subject_label=str(authorisation),
                      region_code=authorisation.household.region.code, fields=["authorisation_document"],
                      purpose=_("查看核对授权书"))
    kind = DocumentKind(authorisation.document_kind)
    return inline_response(content, content_type=CONTENT_TYPES[kind],
                           filename=f"authorisation-{authorisation.pk}.{SUFFIXES[kind]}")


@requires(AUTHORISATION_MANAGE)
@require_POST
def authorisation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    authorisation = selectors.authorisation_get_for_user(user=request.user, pk=pk, action=AUTHORISATION_MANAGE)
    form = forms.RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写撤销原因"))
    else:
        try:
            services.authorisation_revoke(actor=acting_user(request), authorisation=authorisation,
                                          version=form.cleaned_data["version"], reason=form.cleaned_data["reason"])
        except DomainError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("授权书已撤销"))
    return redirect("verification:household", pk=authorisation.household_id)


@requires(REQUEST_MANAGE)
@require_POST
def request_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk, action=REQUEST_MANAGE)
    form = forms.RequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择数据来源并填写核对用途"))
        return redirect("verification:household", pk=pk)
    source = form.cleaned_data["source"]
    wanted = list(Source.values) if source == forms.ALL_SOURCES else [source]
    try:
        created = services.request_create(actor=acting_user(request), household=household, sources_wanted=wanted,
                                          purpose=form.cleaned_data["purpose"])
    except DomainError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已发起 %(n)s 项核对请求") % {"n": len(created)})
    return redirect("verification:household", pk=pk)


@requires(REQUEST_MANAGE)
@require_POST
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.request_get_for_user(user=request.user, pk=pk, action=REQUEST_MANAGE)
    form = forms.CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写原因"))
    else:
        try:
            services.request_cancel(actor=acting_user(request), request=found, version=form.cleaned_data["version"],
                                    reason=form.cleaned_data["reason"])
        except DomainError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("已取消核对请求"))
    return redirect("verification:household", pk=found.household_id)


@requires(RESULT_MANAGE)
@require_POST
def request_fail(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.request_get_for_user(user=request.user, pk=pk, action=RESULT_MANAGE)
    form = forms.CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写原因"))
    else:
        try:
            services.request_fail(actor=acting_user(request), request=found, version=form.cleaned_data["version"],
                                  reason=form.cleaned_data["reason"])
        except DomainError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("已登记查询失败"))
    return redirect("verification:household", pk=found.household_id)


@requires(RESULT_MANAGE)
@require_http_methods(["GET", "POST"])
def result_enter(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.request_get_for_user(user=request.user, pk=pk, action=RESULT_MANAGE)
    form = forms.ResultForm(request.POST or None, source=found.source, initial={"version": found.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.result_enter(actor=acting_user(request), request=found, version=form.cleaned_data["version"],
                                  facts=form.to_facts())
        except DomainError as exc:
            apply_errors(form, exc, rename=form.field_name)
        else:
            messages.success(request, _("已录入核对结果"))
            return redirect("verification:household", pk=found.household_id)
    return render(request, "verification/result_form.html", {
        "form": form, "vrequest": found, "pending": found.status == RequestStatus.PENDING},
        status=form_status(form))


@requires(RESULT_MANAGE)
@require_http_methods(["GET", "POST"])
def result_import(request: HttpRequest) -> HttpResponse:
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    row_errors = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.results_import(actor=acting_user(request), source=form.cleaned_data["source"],
                                             content=upload.read(), name=upload.name)
        except RowErrors as exc:
            row_errors = exc.rows
            form.add_error(None, str(exc.message))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已导入 %(rows)s 行，答复了 %(n)s 户的核对请求") % {
                "rows": result.rows, "n": result.answered})
            return redirect("verification:requests")
    columns = {code: ["id_number | household_id", *sources.SPECS[code].columns] for code in Source.values}
    return render(request, "verification/import.html", {
        "form": form, "row_errors": row_errors, "columns": [(Source(c).label, cols) for c, cols in columns.items()]},
        status=400 if form.errors else 200)


@requires(REPORT_ISSUE)
@require_POST
def report_issue(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get_for_user(user=request.user, pk=pk, action=REPORT_ISSUE)
    form = forms.ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("说明不能超过 300 个字符"))
        return redirect("verification:household", pk=pk)
    try:
        report = services.report_issue(actor=acting_user(request), household=household,
                                       close_missing=form.cleaned_data["close_missing"],
                                       note=form.cleaned_data["note"])
    except DomainError as exc:
        flash_errors(request, exc)
        return redirect("verification:household", pk=pk)
    messages.success(request, _("已出具核对报告"))
    return redirect("verification:report", pk=report.pk)


@requires(VERIFICATION_VIEW)
@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The report, printable as it is (the print stylesheet hides the shell)."""
    printing = request.GET.get("print") == "1"
    report = selectors.report_get_for_user(user=request.user, pk=pk, kind="print" if printing else "view")
    rows = []
    for code, label in Source.choices:
        entry = report.facts.get(code) or {"status": "not_requested", "facts": {}, "origin": {}}
        rows.append({"code": code, "label": label, "status": entry["status"], "origin": entry.get("origin") or {},
                     "lines": sources.fact_lines(code, entry["facts"]) if entry["status"] == "answered" else []})
    facts = selectors.report_property_facts(report)
    income = selectors.report_income_facts(report)
    household = report.household
    calculator = None
    if can(request.user, POLICY_EVALUATE, Target(region_prefix=household.region.prefix)):
        calculator = _calculator_url(household.region.code, facts, income)
    return render(request, "verification/report.html", {
        "report": report, "household": household, "rows": rows, "printing": printing,
        "property": facts, "income": income, "calculator_url": calculator})


def _calculator_url(region_code: str, facts: Any, income: Any) -> str:
    """The window calculator pre-filled with what this report established."""
    from urllib.parse import urlencode

    from django.urls import reverse

    from jijinan.policy.calculators.property import VehicleUse

    def yuan(fen: int) -> str:
        return f"{fen // 100}.{fen % 100:02d}"

    query: dict[str, str] = {
        "region_code": region_code, "financial_assets": yuan(facts.financial_assets_fen),
        "homes": str(facts.homes), "floor_area": str(facts.floor_area_m2),
        "private_cars": str(sum(1 for v in facts.vehicles if v.use == VehicleUse.PRIVATE)),
        "monthly_income": yuan(income.monthly_income_fen)}
    if facts.latest_home_acquired_on:
        query["latest_home_acquired_on"] = facts.latest_home_acquired_on.isoformat()
    for flag in ("business_controller", "large_farm_machinery", "commercial_boat"):
        if getattr(facts, flag):
            query[flag] = "on"
    return f"{reverse('policy:calculator')}?{urlencode(query)}"
