"""Pages of the staged workflow: one POST view per move of the stage line (each marked with that
move's permission), public-notice objections, the printable refusal notice, close-relative filings.

Every move posts the case's version; a stale one is refused by the service and nothing changes.
A refusal of the user's rights (403) or a case outside their scope (404) goes to its error page;
any other refusal re-renders the case page with the sentence the service gave.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jijinan.accounts.context import acting_user
from jijinan.accounts.models import User
from jijinan.audit.services import access_log_record
from jijinan.cases import selectors
from jijinan.cases.aid import selectors as aid_selectors
from jijinan.cases.aid.services import payment_reissue, payment_update
from jijinan.cases.choices import REFUSED_STAGES, Stage
from jijinan.cases.models import Case
from jijinan.cases.permissions import CASE_VIEW, PAYMENT_MANAGE
from jijinan.cases.views import case_page_context
from jijinan.cases.workflow import selectors as workflow_selectors
from jijinan.cases.workflow import services
from jijinan.cases.workflow.forms import (
    FilingForm,
    FilingSearchForm,
    FollowUpForm,
    ObjectionForm,
    PaymentForm,
    ResolveForm,
    RetireForm,
    action_form,
)
from jijinan.cases.workflow.transitions import (
    FOLLOW_UP_RECORD,
    OBJECTION_MANAGE,
    RELATIVE_FILING_MANAGE,
    RELATIVE_FILING_VIEW,
    TRANSITIONS,
    Transition,
)
from jijinan.core.errors import DomainError
from jijinan.core.formerrors import apply_errors, flash_errors, refusal_on_form
from jijinan.core.permissions import Target, can, require, requires
from jijinan.registry import selectors as registry_selectors

FILINGS_PAGE_SIZE = 50


# --- the case page, again after a refusal ----------------------------------------------------------


def _case_page(request: HttpRequest, pk: int, bound: dict[str, django_forms.Form], status: int) -> HttpResponse:
    """The case page again, with the refused form showing why (the view is logged like the page)."""
    case = selectors.case_detail_for_user(user=request.user, pk=pk)
    return render(request, "cases/case_detail.html", case_page_context(request, case, bound=bound), status=status)


def _current_version(request: HttpRequest, pk: int) -> int:
    return selectors.case_get_for_user(user=request.user, pk=pk).version


# --- one view per move of the stage line -----------------------------------------------------------

Call = Callable[[User, Case, Any], Case]


def _note(d: Any) -> str:
    return str(d.cleaned_data.get("note") or "")


def _reason(d: Any) -> str:
    return str(d.cleaned_data.get("reason") or "")


def _version(f: Any) -> int:
    return int(f.cleaned_data["version"])


CALLS: dict[str, Call] = {
    "report": lambda u, c, f: services.case_report(actor=u, case=c, version=_version(f), note=_note(f)),
    "accept": lambda u, c, f: services.case_accept(actor=u, case=c, version=_version(f), note=_note(f)),
    "not_accept": lambda u, c, f: services.case_not_accept(actor=u, case=c, version=_version(f), reason=_reason(f)),
    "review": lambda u, c, f: services.case_review(actor=u, case=c, version=_version(f), data=f.to_input()),
    "send_back": lambda u, c, f: services.case_send_back(actor=u, case=c, version=_version(f), reason=_reason(f)),
    "approve": lambda u, c, f: services.case_approve(actor=u, case=c, version=_version(f),
                                                     amount_fen=f.amount_fen(), note=_note(f)),
    "deny": lambda u, c, f: services.case_deny(actor=u, case=c, version=_version(f), reason=_reason(f)),
    "fast_track": lambda u, c, f: services.case_fast_track(
        actor=u, case=c, version=_version(f), amount_fen=f.amount_fen(), method=f.cleaned_data["method"],
        severity=f.cleaned_data["severity"], note=_note(f)),
    "makeup_review": lambda u, c, f: services.case_makeup_review(actor=u, case=c, version=_version(f),
                                                                 data=f.to_input()),
    "makeup_approve": lambda u, c, f: services.case_makeup_approve(actor=u, case=c, version=_version(f),
                                                                   note=_note(f)),
    "assist": lambda u, c, f: services.case_assist(actor=u, case=c, version=_version(f), amount_fen=f.amount_fen(),
                                                   method=f.cleaned_data["method"], note=_note(f),
                                                   instalments=f.cleaned_data.get("instalments") or 1),
    "follow_up": lambda u, c, f: services.case_follow_up(actor=u, case=c, version=_version(f), note=_note(f)),
    "close": lambda u, c, f: services.case_close(actor=u, case=c, version=_version(f), note=_note(f),
                                                 reason=f.cleaned_data.get("reason") or ""),
    "reopen": lambda u, c, f: services.case_reopen(actor=u, case=c, version=_version(f), reason=_reason(f)),
    "reconsider": lambda u, c, f: services.case_reconsider(actor=u, case=c, version=_version(f), reason=_reason(f)),
    "transfer": lambda u, c, f: services.case_transfer(actor=u, case=c, version=_version(f),
                                                       to_region_code=f.cleaned_data["to_region_code"],
                                                       reason=_reason(f)),
    "transfer_accept": lambda u, c, f: services.case_transfer_accept(actor=u, case=c, version=_version(f),
                                                                     note=_note(f)),
    "transfer_refuse": lambda u, c, f: services.case_transfer_refuse(actor=u, case=c, version=_version(f),
                                                                     reason=_reason(f)),
}


# The amount fields of the forms are in 元; the services name them in fen.
ALIASES = {"amount_fen": "amount", "requested_amount_fen": "requested_amount", "expenses": "expense_medical",
           "declared_monthly_income_fen": "declared_income", "declared_assets_fen": "declared_assets"}


def _act_view(t: Transition) -> Callable[[HttpRequest, int], HttpResponse]:
    call = CALLS[t.name]

    @requires(t.action)
    @require_POST
    def act(request: HttpRequest, pk: int) -> HttpResponse:
        # Visible first (404 outside the user's scope); the service checks the role on the case's
        # region (or the receiving one) before anything else, so a read-only sender gets 403.
        case = selectors.case_get_for_user(user=request.user, pk=pk)
        form = action_form(t.name, request.POST, case=case)
        status = 400
        if form.is_valid():
            try:
                call(acting_user(request), case, form)
            except DomainError as exc:
                if exc.status in (403, 404):
                    raise
                if exc.status == 409:  # stale: what was typed stays, with the case's version now
                    status = refusal_on_form(form, exc, aliases=ALIASES, version=_current_version(request, pk))
                else:
                    apply_errors(form, exc, aliases=ALIASES)
                    if "version" in exc.field_errors:  # hidden: say it where it is seen
                        form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("已完成“%(action)s”") % {"action": t.label})
                return redirect("cases:case", pk=case.pk)
        return _case_page(request, case.pk, {t.name: form}, status)

    act.__name__ = f"act_{t.name}"
    act.__qualname__ = act.__name__
    return act


ACT_VIEWS = {name: _act_view(t) for name, t in TRANSITIONS.items()}


def act_urlpatterns() -> list[Any]:
    return [path(f"<int:pk>/act/{name}/", view, name=f"act_{name}") for name, view in ACT_VIEWS.items()]


# --- objections during a public notice -------------------------------------------------------------------


@requires(OBJECTION_MANAGE)
@require_http_methods(["GET", "POST"])
def objection_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    require(request.user, OBJECTION_MANAGE, Target(region_prefix=case.handling_region.prefix))
    form = ObjectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_add(actor=acting_user(request), case=case, text=form.cleaned_data["text"],
                                   raised_by=form.cleaned_data["raised_by"])
        except DomainError as exc:
            if exc.field_errors:
                apply_errors(form, exc)
            else:  # the notice is over or there is none: nothing to fix on the form
                flash_errors(request, exc)
                return redirect("cases:case", pk=case.pk)
        else:
            messages.success(request, _("已登记公示异议，审批期限暂停"))
            return redirect("cases:case", pk=case.pk)
    status = 400 if form.errors else 200
    return render(request, "cases/workflow/objection_form.html",
                  {"case": case, "form": form, "title": _("登记公示异议")}, status=status)


@requires(FOLLOW_UP_RECORD)
@require_http_methods(["GET", "POST"])
def follow_up_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the call-back or visit (回访) of a case at the follow-up stage."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    require(request.user, FOLLOW_UP_RECORD, Target(region_prefix=case.handling_region.prefix))
    needs = [(n.code, n.label) for n in selectors.need_type_list()]
    form = FollowUpForm(request.POST or None, needs=needs, initial={"version": case.version})
    stale = 0
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.follow_up_record(actor=acting_user(request), case=case, version=d["version"],
                                      data=services.FollowUpInput(
                                          method=d["method"], done_on=d["done_on"], outcome=d["outcome"],
                                          satisfaction=d["satisfaction"], need_resolved=d["need_resolved"],
                                          unresolved_needs=list(d["unresolved_needs"])))
        except DomainError as exc:
            if exc.status == 409:  # stale: the page again, with what was typed
                stale = refusal_on_form(form, exc, version=_current_version(request, pk))
            elif exc.field_errors and set(exc.field_errors) - {"version"}:
                apply_errors(form, exc)
            else:  # the wrong stage: nothing to fix on the form
                flash_errors(request, exc)
                return redirect("cases:case", pk=case.pk)
        else:
            messages.success(request, _("已登记回访结果") if d["need_resolved"] else
                             _("已登记回访结果：困难仍未解决，可“回访后重新办理”"))
            return redirect("cases:case", pk=case.pk)
    status = stale or (400 if form.errors else 200)
    return render(request, "cases/workflow/follow_up_form.html",
                  {"case": case, "form": form, "title": _("登记回访结果")}, status=status)


@requires(OBJECTION_MANAGE)
@require_http_methods(["GET", "POST"])
def objection_resolve(request: HttpRequest, pk: int, objection_pk: int) -> HttpResponse:
    objection = workflow_selectors.objection_get_for_user(user=request.user, case_pk=pk, pk=objection_pk)
    case = objection.case
    require(request.user, OBJECTION_MANAGE, Target(region_prefix=case.handling_region.prefix))
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_resolve(actor=acting_user(request), objection=objection,
                                       outcome=form.cleaned_data["outcome"],
                                       resolution=form.cleaned_data["resolution"])
        except DomainError as exc:
            if exc.field_errors:
                apply_errors(form, exc)
            else:
                flash_errors(request, exc)
                return redirect("cases:case", pk=case.pk)
        else:
            messages.success(request, _("公示异议已办结"))
            return redirect("cases:case", pk=case.pk)
    status = 400 if form.errors else 200
    return render(request, "cases/workflow/objection_form.html",
                  {"case": case, "form": form, "objection": objection, "title": _("办结公示异议")}, status=status)


# --- the printable refusal notice ------------------------------------------------------------------------


@requires(CASE_VIEW)
@require_GET
def refusal_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """不予受理告知书 / 不予救助告知书, to print and hand to the applicant; each view is logged."""
    case = selectors.case_get_for_user(user=request.user, pk=pk)
    if case.stage not in REFUSED_STAGES:
        raise Http404
    access_log_record(actor=request.user, kind="view", subject=case, subject_label=case.number,
                      region_code=case.handling_region.code, fields=["refusal_reason"],
                      purpose=_("打印告知书"))
    denied = case.stage == Stage.DENIED
    name = case.person.name if case.person is not None else case.subject_name
    return render(request, "cases/workflow/refusal_notice.html", {
        "case": case, "applicant": name or "—",
        "title": _("不予救助告知书") if denied else _("不予受理告知书"),
        "decision": _("不予救助") if denied else _("不予受理"),
        "office": case.handling_region.name,
        "decided_on": timezone.localtime(case.stage_changed_at or case.updated_at).date(),
    })


# --- close-relative filings ------------------------------------------------------------------------------


def _filing_person(request: HttpRequest, form: FilingForm) -> Any:
    """The person the form names, by number or by ID number, among those the user may see."""
    d = form.cleaned_data
    if d.get("person_id"):
        return registry_selectors.person_or_404(user=request.user, pk=d["person_id"])
    if registry_selectors.parse_query(d["id_number"]).kind not in ("id_number", "temporary"):
        raise DomainError.for_field("id_number", _("请填写完整的身份证号或临时编号"))
    found = list(registry_selectors.person_search_for_user(
        user=request.user, search=registry_selectors.PersonSearch(q=d["id_number"]))[:2])
    if len(found) != 1:
        raise DomainError.for_field("id_number", _("未找到该身份证号的救助对象，或不在您的范围内"))
    return found[0]


@requires(RELATIVE_FILING_VIEW)
@require_http_methods(["GET", "POST"])
def relative_filings(request: HttpRequest) -> HttpResponse:
    """The filings of the user's area, with a search, and a form to add one (managers only)."""
    user = acting_user(request)
    may_manage = can(user, RELATIVE_FILING_MANAGE)
    form = FilingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require(user, RELATIVE_FILING_MANAGE)
        if form.is_valid():
            d = form.cleaned_data
            try:
                person = _filing_person(request, form)
                filing = services.relative_filing_add(actor=user, person=person, relative_name=d["relative_name"],
                                                      relative_post=d["relative_post"], relation=d["relation"])
            except DomainError as exc:
                apply_errors(form, exc, aliases={"q": "id_number"})
            else:
                messages.success(request, _("已备案：%(name)s") % {"name": filing.person.name})
                return redirect("cases:relative_filings")
        status = 400
    search = FilingSearchForm(request.GET or None)
    q, active = "", True
    if search.is_valid():
        q = search.cleaned_data["q"]
        active = {"retired": False, "all": None}.get(search.cleaned_data["status"], True)  # type: ignore[assignment]
    rows = workflow_selectors.relative_filing_list_for_user(user=user, q=q, active=active)
    page = Paginator(rows, FILINGS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/workflow/relative_filings.html", {
        "page": page, "search": search, "form": form if may_manage else None, "may_manage": may_manage,
        "retire_form": RetireForm()}, status=status)


@requires(RELATIVE_FILING_MANAGE)
@require_POST
def relative_filing_retire(request: HttpRequest, pk: int) -> HttpResponse:
    filing = workflow_selectors.relative_filing_get_for_user(user=request.user, pk=pk)
    require(request.user, RELATIVE_FILING_MANAGE, Target(region_prefix=filing.region.prefix))
    form = RetireForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写撤销理由"))
        return redirect("cases:relative_filings")
    try:
        services.relative_filing_retire(actor=acting_user(request), filing=filing, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("已撤销备案：%(name)s") % {"name": filing.person.name})
    return redirect("cases:relative_filings")


@requires(PAYMENT_MANAGE)
@require_POST
def payment_status(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    """Record what became of one payment (paid, failed, returned) from the case page."""
    payment = aid_selectors.payment_get_for_user(user=request.user, case_pk=pk, pk=payment_pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for es in form.errors.values() for e in es))
        return redirect("cases:case", pk=pk)
    d = form.cleaned_data
    try:
        payment_update(actor=acting_user(request), payment=payment, version=d["version"], status=d["status"],
                       reference=d["reference"], note=d["note"])
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        flash_errors(request, exc)
    else:
        messages.success(request, _("已登记第 %(n)s 期的发放结果") % {"n": payment.sequence})
    return redirect("cases:case", pk=pk)


@requires(PAYMENT_MANAGE)
@require_POST
def payment_reissue_view(request: HttpRequest, pk: int, payment_pk: int) -> HttpResponse:
    """Pay again a payment that failed or came back."""
    payment = aid_selectors.payment_get_for_user(user=request.user, case_pk=pk, pk=payment_pk)
    try:
        new = payment_reissue(actor=acting_user(request), payment=payment, version=request.POST.get("version"))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        flash_errors(request, exc)
    else:
        messages.success(request, _("已重新发放，第 %(n)s 期待发放") % {"n": new.sequence})
    return redirect("cases:case", pk=pk)
