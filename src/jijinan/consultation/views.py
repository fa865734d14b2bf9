"""Pages of escalation and consultation.

The list of escalations in the user's scope (filters, search, Excel export); one escalation: what
stands now (status, the deadline to convene and how late, the amounts, the triggers), the moves the
user may make (convene, invite more, chase, record an opinion on an office's behalf, record the
meeting, decide, record a policy explanation, withdraw), then the record; the minutes and decision
as a PDF. The case page's section (the case's escalations and the manual 报告协商 form). The invited
office's side: the opinions asked of its offices, and one opinion to give.

A refusal of the user's rights answers 403, a record outside their scope 404; any other refusal
re-renders the page with every error on its form, the input kept, status 400 (409 for a conflict).
"""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import formset_factory
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jijinan.accounts.context import acting_user
from jijinan.audit.services import access_log_record
from jijinan.cases import selectors as case_selectors
from jijinan.cases.models import Case
from jijinan.cases.permissions import CASE_VIEW
from jijinan.consultation import forms, printing, selectors, services
from jijinan.consultation.choices import DecisionOutcome, EscalationStatus, EscalationTrigger, OpinionStatus
from jijinan.consultation.models import Consultation, Escalation, Opinion
from jijinan.consultation.permissions import (
    CONSULTATION_MANAGE,
    ESCALATION_RAISE,
    ESCALATION_VIEW,
    ESCALATION_WITHDRAW,
    EXPLANATION_RECORD,
    OPINION_GIVE,
    OPINION_VIEW_OFFICE,
)
from jijinan.core import exports
from jijinan.core.errors import DomainError, NotFound
from jijinan.core.extensions.panels import due_note
from jijinan.core.formerrors import refusal_on_form
from jijinan.core.permissions import ScopePaths, Target, can, get_for_user, requires

PAGE_SIZE = 25
CASE_REGION = ScopePaths(region="handling_region")

Bound = dict[str, Any]


def _statuses() -> list[tuple[str, Any]]:
    return [("open", _("未办结")), *EscalationStatus.choices, ("all", _("全部"))]


def _manage(user: Any, escalation: Escalation) -> bool:
    return can(user, CONSULTATION_MANAGE, Target(region_prefix=escalation.region.prefix))


def _case_target(escalation: Escalation) -> Target:
    return Target(region_prefix=escalation.case.handling_region.prefix)


# --- the list ------------------------------------------------------------------------------------------


def _list_filters(request: HttpRequest) -> tuple[forms.ListFilterForm, str, str]:
    form = forms.ListFilterForm(request.GET or None, statuses=_statuses())
    status, q = "open", ""
    if form.is_valid():
        status, q = form.cleaned_data["status"] or "open", form.cleaned_data["q"]
    return form, status, q


@requires(ESCALATION_VIEW)
@require_GET
def escalation_list(request: HttpRequest) -> HttpResponse:
    form, status, q = _list_filters(request)
    rows = selectors.escalation_list_for_user(user=request.user, status=status, q=q)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    late = selectors.late_opinions(escalations=list(page.object_list), now=now)
    items = [{"e": e, "late_opinions": late.get(e.pk, 0),
              "convene_late": e.status == EscalationStatus.OPEN and e.deadline is not None and e.deadline.due_at < now}
             for e in page.object_list]
    return render(request, "consultation/list.html", {
        "form": form, "page": page, "items": items, "status": status, "q": q, "statuses": _statuses(),
        **exports.export_link_context(request, url=reverse("consultation:export"), may_export=True)})


EXPORT_COLUMNS = (
    exports.Column("number", gettext_lazy("编号")), exports.Column("subject", gettext_lazy("对象")),
    exports.Column("township", gettext_lazy("办理乡镇（街道）")), exports.Column("triggers", gettext_lazy("报告原因")),
    exports.Column("office", gettext_lazy("报告至")), exports.Column("status", gettext_lazy("状态")),
    exports.Column("raised_at", gettext_lazy("报告时间"), exports.ColumnKind.DATETIME),
    exports.Column("requested", gettext_lazy("申请或拟救助金额（元）"), exports.ColumnKind.MONEY_FEN),
    exports.Column("due_at", gettext_lazy("召集会商期限"), exports.ColumnKind.DATETIME),
)


def _export_rows(rows: Any) -> Any:
    for e in rows:
        yield {"number": e.number, "subject": e.case.person.name if e.case.person else (e.case.subject_name or ""),
               "township": e.case.handling_region.name,
               "triggers": "、".join(str(EscalationTrigger(t).label) for t in e.triggers
                                    if t in EscalationTrigger.values),
               "office": e.office.name, "status": e.get_status_display(), "raised_at": e.raised_at,
               "requested": e.requested_amount_fen, "due_at": e.deadline.due_at if e.deadline else None}


@requires(ESCALATION_VIEW)
@require_GET
def escalation_export(request: HttpRequest) -> HttpResponseBase:
    """The list as filtered on the page, as an Excel file (logged like every export)."""
    _form, status, q = _list_filters(request)
    rows = selectors.escalation_list_for_user(user=request.user, status=status, q=q)
    shown = {str(_("状态")): str(dict(_statuses()).get(status, status))}
    if q:
        shown[str(_("事项编号或对象姓名"))] = q
    spec = exports.ExportSpec(title=gettext_lazy("报告协商"), subject_type="consultation.escalation",
                              columns=EXPORT_COLUMNS, fields=["name"])
    return exports.export_page(request, reverse("consultation:list"), lambda options: exports.export_list(
        actor=request.user, spec=spec, rows=_export_rows(rows), count=rows.count(), filters=shown, masked=True,
        reason=options.reason))


# --- one escalation: the context of its page -------------------------------------------------------------


def _invitation_rows(offices: list[Any], data: Any = None, prefix: str = "invitations") -> Any:
    Rows = formset_factory(forms.InvitationRowForm, extra=0 if data is not None else forms.INVITE_ROWS)
    return Rows(data, prefix=prefix, form_kwargs={"offices": offices})


def _department_choices(escalation: Escalation) -> list[tuple[int, str]]:
    return [(o.pk, forms.office_label(o)) for o in selectors.eligible_offices(escalation=escalation)
            if o.kind == "department_office"]


def _summary(escalation: Escalation, now: Any) -> dict[str, Any]:
    due = escalation.deadline.due_at if escalation.deadline is not None else None
    late = ""
    if due is not None and escalation.status == EscalationStatus.OPEN:
        late = due_note(due, now=now)[0]
    requested, cap = escalation.requested_amount_fen, escalation.cap_fen
    return {"due": due, "due_note": late, "convene_late": bool(due and escalation.status == EscalationStatus.OPEN
                                                                 and due < now),
            "above_cap_fen": requested - cap if requested is not None and cap is not None and requested > cap else None,
            "triggers": [EscalationTrigger(t).label for t in escalation.triggers if t in EscalationTrigger.values]}


def _context(request: HttpRequest, escalation: Escalation, bound: Bound | None = None) -> dict[str, Any]:
    bound = bound or {}
    user = request.user
    now = timezone.now()
    consultation = selectors.consultation_of(escalation)
    decision = getattr(consultation, "decision", None) if consultation else None
    opinions = selectors.opinion_rows(consultation, now) if consultation else []
    manage = _manage(user, escalation)
    status = escalation.status
    consulting = status == EscalationStatus.CONSULTING and consultation is not None and decision is None
    offices = forms.grouped_office_choices(selectors.eligible_offices(escalation=escalation)) if manage and (
        status == EscalationStatus.OPEN or consulting) else []
    ctx: dict[str, Any] = {
        "escalation": escalation, "consultation": consultation, "decision": decision, "opinions": opinions,
        "meetings": list(consultation.meetings.select_related("recorded_by")) if consultation else [],
        "duties": selectors.duty_rows(escalation, now), "explanations": list(escalation.explanations.all()),
        "funding": [{**f, "label": dict(services.FundingSource.choices).get(f.get("source"), f.get("source"))}
                    for f in (decision.funding if decision else [])],
        "now": now, "summary": _summary(escalation, now), "may_manage": manage,
        "missing": sum(1 for r in opinions if r.opinion.status == OpinionStatus.REQUESTED),
        "late_count": sum(1 for r in opinions if r.late),
    }
    if manage and status == EscalationStatus.OPEN:
        ctx["convene_form"] = bound.get("convene") or forms.ConveneForm(initial={"version": escalation.version})
        ctx["convene_rows"] = bound.get("convene_rows") or _invitation_rows(offices)
    if manage and consulting:
        assert consultation is not None
        version = {"version": consultation.version}
        ctx["invite_form"] = bound.get("invite") or forms.VersionForm(initial=version)
        ctx["invite_rows"] = bound.get("invite_rows") or _invitation_rows(offices, prefix="more")
        ctx["meeting_form"] = bound.get("meeting") or forms.MeetingForm(initial=version)
        ctx["decide_form"] = bound.get("decide") or forms.DecisionForm(initial=version)
        departments = _department_choices(escalation)
        Funding = formset_factory(forms.FundingRowForm, extra=forms.FUNDING_ROWS)
        Duties = formset_factory(forms.DutyRowForm, extra=forms.DUTY_ROWS)
        ctx["funding_rows"] = bound.get("funding_rows") or Funding(prefix="funding")
        ctx["duty_rows"] = bound.get("duty_rows") or Duties(prefix="duties", form_kwargs={"offices": departments})
        ctx["behalf_forms"] = [
            (row, bound.get(f"opinion-{row.opinion.pk}") or forms.OpinionForm(
                prefix=f"opinion-{row.opinion.pk}", initial={"version": row.opinion.version}))
            for row in opinions if row.opinion.status == OpinionStatus.REQUESTED]
    if status == EscalationStatus.OPEN and can(user, ESCALATION_WITHDRAW) and (
            manage or can(user, ESCALATION_RAISE, _case_target(escalation))):
        ctx["withdraw_form"] = bound.get("withdraw") or forms.ReasonForm(initial={"version": escalation.version})
    if decision is not None and decision.outcome == DecisionOutcome.UNREASONABLE and can(
            user, EXPLANATION_RECORD, _case_target(escalation)):
        ctx["explanation_form"] = bound.get("explanation") or forms.ExplanationForm()
    ctx["may_print"] = consultation is not None
    return ctx


@requires(ESCALATION_VIEW)
@require_GET
def escalation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = selectors.escalation_get_for_user(user=request.user, pk=pk)
    return render(request, "consultation/escalation.html", _context(request, escalation))


def _again(request: HttpRequest, pk: int, bound: Bound, status: int) -> HttpResponse:
    escalation = selectors.escalation_get_for_user(user=request.user, pk=pk)
    return render(request, "consultation/escalation.html", _context(request, escalation, bound), status=status)


def _done(request: HttpRequest, pk: int, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("consultation:escalation", pk=pk)


def _row_errors(exc: DomainError, root: str, rows: Any, picked: list[int], form: django_forms.Form,
                aliases: dict[str, str]) -> DomainError:
    """Put the errors of ``root.<i>.<field>`` on the i-th picked row of ``rows``; what is left is
    returned for the main form."""
    if exc.status in (403, 404):
        raise exc
    rest: dict[str, list[str]] = {}
    for name, errors in (exc.field_errors or {}).items():
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == root and parts[1].isdigit() and int(parts[1]) < len(picked):
            row = rows.forms[picked[int(parts[1])]]
            field = aliases.get(parts[2], parts[2])
            for e in errors:
                row.add_error(field if field in row.fields else None, e)
                form.add_error(None, e)  # said in the summary at the top too
        else:
            rest.setdefault(name, []).extend(str(e) for e in errors)
    return DomainError(exc.message, code=exc.code, status=exc.status, field_errors=rest)


def _refused(form: django_forms.Form, exc: DomainError, version: int | None = None,
             aliases: dict[str, str] | None = None) -> int:
    if exc.status in (403, 404):
        raise exc
    return refusal_on_form(form, exc, aliases=aliases, version=version)


def _consultation(escalation: Escalation) -> Consultation:
    consultation = selectors.consultation_of(escalation)
    if consultation is None:
        raise DomainError(_("尚未召集会商"), code="status", status=409)
    consultation.escalation = escalation
    return consultation


def _invitations(rows: Any) -> tuple[list[services.InvitationDraft], list[int]]:
    drafts, picked = [], []
    for i, row in enumerate(rows.forms):
        data = row.cleaned_data if hasattr(row, "cleaned_data") else {}
        if data.get("office"):
            drafts.append(services.InvitationDraft(office_id=data["office"], question=data.get("question", "")))
            picked.append(i)
    return drafts, picked


def _offices_for(escalation: Escalation) -> list[Any]:
    return forms.grouped_office_choices(selectors.eligible_offices(escalation=escalation))


@requires(CONSULTATION_MANAGE)
@require_POST
def convene(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = selectors.escalation_get_for_user(user=request.user, pk=pk, action=CONSULTATION_MANAGE)
    form = forms.ConveneForm(request.POST)
    rows = _invitation_rows(_offices_for(escalation), request.POST)
    status = 400
    if form.is_valid() and rows.is_valid():
        drafts, picked = _invitations(rows)
        try:
            services.consultation_convene(actor=acting_user(request), escalation=escalation,
                                          version=form.cleaned_data["version"], agenda=form.cleaned_data["agenda"],
                                          invitations=drafts)
        except DomainError as exc:
            rest = _row_errors(exc, "invitations", rows, picked, form, {"office_id": "office"})
            status = _refused(form, rest, escalation.version)
        else:
            return _done(request, pk, _("已召集会商，已向 %(n)s 个部门或单位征求意见") % {"n": len(drafts)})
    return _again(request, pk, {"convene": form, "convene_rows": rows}, status)


@requires(CONSULTATION_MANAGE)
@require_POST
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = selectors.escalation_get_for_user(user=request.user, pk=pk, action=CONSULTATION_MANAGE)
    form = forms.VersionForm(request.POST)
    rows = _invitation_rows(_offices_for(escalation), request.POST, prefix="more")
    status = 400
    if form.is_valid() and rows.is_valid():
        drafts, picked = _invitations(rows)
        try:
            consultation = _consultation(escalation)
            services.consultation_invite(actor=acting_user(request), consultation=consultation,
                                         version=form.cleaned_data["version"], invitations=drafts)
        except DomainError as exc:
            rest = _row_errors(exc, "invitations", rows, picked, form, {"office_id": "office"})
            status = _refused(form, rest)
        else:
            return _done(request, pk, _("已追加征求 %(n)s 个部门或单位的意见") % {"n": len(drafts)})
    return _again(request, pk, {"invite": form, "invite_rows": rows}, status)


@requires(CONSULTATION_MANAGE)
@require_POST
def chase(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = selectors.escalation_get_for_user(user=request.user, pk=pk, action=CONSULTATION_MANAGE)
    try:
        n = services.opinions_chase(actor=acting_user(request), consultation=_consultation(escalation))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
        return redirect("consultation:escalation", pk=pk)
    if not n:
        messages.info(request, _("没有待提出的意见，无需催办"))
        return redirect("consultation:escalation", pk=pk)
    return _done(request, pk, _("已催办 %(n)s 个部门或单位") % {"n": n})


@requires(CONSULTATION_MANAGE)
@require_POST
def opinion_on_behalf(request: HttpRequest, pk: int, opinion_id: int) -> HttpResponse:
    escalation = selectors.escalation_get_for_user(user=request.user, pk=pk, action=CONSULTATION_MANAGE)
    opinion = _opinion_of(escalation, opinion_id)
    name = f"opinion-{opinion.pk}"
    form = forms.OpinionForm(request.POST, prefix=name)
    status = 400
    if form.is_valid():
        try:
            services.opinion_give(actor=acting_user(request), opinion=opinion, version=form.cleaned_data["version"],
                                  text=form.cleaned_data["text"], can_help=form.cleaned_data["can_help"],
                                  on_behalf=True)
        except DomainError as exc:
            status = _refused(form, exc, opinion.version)
        else:
            return _done(request, pk, _("已代为登记 %(office)s 的意见") % {"office": opinion.office.name})
    return _again(request, pk, {name: form}, status)


def _opinion_of(escalation: Escalation, opinion_id: int) -> Opinion:
    opinion = Opinion.objects.filter(pk=opinion_id, consultation__escalation=escalation).select_related(
        "office").first()
    if opinion is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    return opinion


@requires(CONSULTATION_MANAGE)
@require_POST
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = selectors.escalation_get_for_user(user=request.user, pk=pk, action=CONSULTATION_MANAGE)
    form = forms.MeetingForm(request.POST)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        try:
            consultation = _consultation(escalation)
            services.meeting_record(actor=acting_user(request), consultation=consultation, version=d["version"],
                                    data=services.MeetingInput(held_at=d["held_at"], mode=d["mode"], place=d["place"],
                                                               attendees=d["attendees"], minutes=d["minutes"]))
        except DomainError as exc:
            status = _refused(form, exc, None)
        else:
            return _done(request, pk, _("已登记会商会议"))
    return _again(request, pk, {"meeting": form}, status)


@requires(CONSULTATION_MANAGE)
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = selectors.escalation_get_for_user(user=request.user, pk=pk, action=CONSULTATION_MANAGE)
    form = forms.DecisionForm(request.POST)
    Funding = formset_factory(forms.FundingRowForm, extra=0)
    Duties = formset_factory(forms.DutyRowForm, extra=0)
    funding = Funding(request.POST, prefix="funding")
    duties = Duties(request.POST, prefix="duties", form_kwargs={"offices": _department_choices(escalation)})
    bound = {"decide": form, "funding_rows": funding, "duty_rows": duties}
    status = 400
    valid = [form.is_valid(), funding.is_valid(), duties.is_valid()]  # all validated: every error at once
    if all(valid):
        lines, line_rows, drafts, duty_rows = [], [], [], []
        for i, line in enumerate(funding.forms):
            if line.is_blank():
                continue
            amount = line.cleaned_data.get("amount")
            lines.append(services.FundingLine(source=line.cleaned_data.get("source") or "",
                                              amount_fen=None if amount is None else forms.yuan_to_fen(amount),
                                              name=line.cleaned_data.get("name") or ""))
            line_rows.append(i)
        for i, duty in enumerate(duties.forms):
            if duty.is_blank():
                continue
            d = duty.cleaned_data
            drafts.append(services.DutyDraft(
                office_id=d.get("office"), description=d.get("description") or "",
                amount_fen=None if d.get("amount") is None else forms.yuan_to_fen(d["amount"]),
                limit_count=d.get("limit_count"), limit_unit=d.get("limit_unit") or ""))
            duty_rows.append(i)
        d = form.cleaned_data
        try:
            services.consultation_decide(
                actor=acting_user(request), consultation=_consultation(escalation), version=d["version"],
                data=services.DecisionInput(outcome=d["outcome"], plan=d["plan"],
                                            case_by_case_amount_fen=form.case_by_case_amount_fen(),
                                            total_support_fen=form.total_support_fen(),
                                            funding=tuple(lines), duties=tuple(drafts)))
        except DomainError as exc:
            rest = _row_errors(exc, "funding", funding, line_rows, form, {"amount_fen": "amount"})
            rest = _row_errors(rest, "duties", duties, duty_rows, form, {"office_id": "office", "amount_fen": "amount"})
            status = _refused(form, rest, None, {"case_by_case_amount_fen": "case_by_case_amount",
                                                 "total_support_fen": "total_support"})
        else:
            return _done(request, pk, _("已作出会商决定"))
    else:
        if (not funding.is_valid() or not duties.is_valid()) and form.is_valid():
            form.add_error(None, _("资金来源或部门分工中有需要修改的地方，请查看标出的行"))
    return _again(request, pk, bound, status)


@requires(EXPLANATION_RECORD)
@require_POST
def explanation(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = selectors.escalation_get_for_user(user=request.user, pk=pk, action=EXPLANATION_RECORD)
    form = forms.ExplanationForm(request.POST)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        try:
            data = services.ExplanationInput(
                explained_by=d["explained_by"], explained_at=d["explained_at"], content=d["content"],
                response=d["response"], accepted=d["accepted"])
            services.explanation_record(actor=acting_user(request), escalation=escalation, data=data)
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            return _done(request, pk, _("已登记政策解释"))
    return _again(request, pk, {"explanation": form}, status)


@requires(ESCALATION_WITHDRAW)
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = selectors.escalation_get_for_user(user=request.user, pk=pk, action=ESCALATION_WITHDRAW)
    form = forms.ReasonForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.escalation_withdraw(actor=acting_user(request), escalation=escalation,
                                         version=form.cleaned_data["version"], reason=form.cleaned_data["reason"])
        except DomainError as exc:
            status = _refused(form, exc, escalation.version)
        else:
            return _done(request, pk, _("已撤回报告协商"))
    return _again(request, pk, {"withdraw": form}, status)


@requires(ESCALATION_VIEW)
@require_GET
def print_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The consultation's minutes and decision as a PDF (logged as a print, like the case's forms)."""
    escalation = selectors.escalation_get_for_user(user=request.user, pk=pk)
    pdf = printing.render_pdf(escalation)
    access_log_record(actor=request.user, kind="print", subject=escalation, subject_label=escalation.number,
                      region_code=escalation.case.handling_region.code, fields=printing.FIELDS,
                      purpose=_("下载会商纪要和决定"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{escalation.number}-consultation.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- the case page's section -----------------------------------------------------------------------------


def _case_section(request: HttpRequest, case: Any, form: forms.RaiseForm | None = None) -> dict[str, Any]:
    rows = selectors.escalations_for_case(case=case)
    open_one = next((e for e in rows if e.status in (EscalationStatus.OPEN, EscalationStatus.CONSULTING)), None)
    may_raise = open_one is None and case.stage in services.ESCALABLE_STAGES and can(
        request.user, ESCALATION_RAISE, Target(region_prefix=case.handling_region.prefix))
    return {"case": case, "escalations": rows, "open_escalation": open_one,
            "raise_form": form or (forms.RaiseForm() if may_raise else None)}


@requires(ESCALATION_VIEW)
@require_GET
def case_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    # The case as the reader's escalation scope sees it (a government leader reads escalations
    # without reading every case).
    case = get_for_user(Case.objects.select_related("handling_region"), request.user, ESCALATION_VIEW,
                        CASE_REGION, pk=case_id)
    return render(request, "consultation/case_panel.html", _case_section(request, case))


@requires(ESCALATION_RAISE)
@require_http_methods(["POST"])
def case_raise(request: HttpRequest, case_id: int) -> HttpResponse:
    """报告协商 by hand from the case page (a reason is required)."""
    case = case_selectors.case_get_for_user(user=request.user, pk=case_id, action=CASE_VIEW)
    form = forms.RaiseForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            escalation = services.escalation_raise(actor=acting_user(request), case=case,
                                                   trigger=EscalationTrigger.MANUAL, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            return _done(request, escalation.pk, _("已报告协商至 %(office)s") % {"office": escalation.office.name})
    return render(request, "consultation/raise.html", _case_section(request, case, form), status=status)


# --- the invited office's side ---------------------------------------------------------------------------


@requires(OPINION_VIEW_OFFICE)
@require_GET
def office_opinions(request: HttpRequest) -> HttpResponse:
    wanted = request.GET.get("status", "requested")
    rows = selectors.opinions_for_office(user=request.user)
    if wanted in OpinionStatus.values:
        rows = rows.filter(status=wanted)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    items = [{"o": o, "late": o.status == OpinionStatus.REQUESTED and o.deadline is not None
              and o.deadline.due_at < now,
              "due_note": due_note(o.deadline.due_at, now=now)[0] if o.deadline is not None
              and o.status == OpinionStatus.REQUESTED else ""} for o in page.object_list]
    return render(request, "consultation/office_opinions.html", {
        "page": page, "items": items, "status": wanted,
        "statuses": [("requested", _("待提出")), ("given", _("已提出")), ("all", _("全部"))]})


def _office_context(request: HttpRequest, opinion: Opinion, form: forms.OpinionForm | None = None) -> dict[str, Any]:
    consultation = opinion.consultation
    open_ = consultation.decided_at is None and opinion.status != OpinionStatus.WITHDRAWN
    may_give = open_ and services.may_give_opinion(request.user, opinion)
    now = timezone.now()
    return {"opinion": opinion, "consultation": consultation, "escalation": consultation.escalation, "now": now,
            "late": opinion.status == OpinionStatus.REQUESTED and opinion.deadline is not None
            and opinion.deadline.due_at < now,
            "form": form or (forms.OpinionForm(initial={"version": opinion.version, "text": opinion.text,
                                                        "can_help": opinion.can_help}) if may_give else None)}


@requires(OPINION_VIEW_OFFICE)
@require_GET
def office_opinion(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = selectors.opinion_for_office_get(user=request.user, pk=pk)
    return render(request, "consultation/office_opinion.html", _office_context(request, opinion))


@requires(OPINION_GIVE)
@require_POST
def office_give(request: HttpRequest, pk: int) -> HttpResponse:
    opinion = selectors.opinion_for_office_get(user=request.user, pk=pk)
    form = forms.OpinionForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.opinion_give(actor=acting_user(request), opinion=opinion, version=form.cleaned_data["version"],
                                  text=form.cleaned_data["text"], can_help=form.cleaned_data["can_help"])
        except DomainError as exc:
            status = _refused(form, exc, opinion.version)
        else:
            messages.success(request, _("已提出意见，已通知召集单位"))
            return redirect("consultation:office_opinion", pk=pk)
    opinion = selectors.opinion_for_office_get(user=request.user, pk=pk)
    return render(request, "consultation/office_opinion.html", _office_context(request, opinion, form), status=status)

