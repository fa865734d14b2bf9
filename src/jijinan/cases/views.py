"""The case page: the summary, triage, deadlines, attachments and timeline of one case, and the
stage line's panel (its forms post to the workflow's views, which render this page again with a
refused form showing why); for a case the user's area handed over, its record of the hand-over."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from jijinan.accounts.context import acting_user
from jijinan.cases import selectors
from jijinan.cases.intake.forms import AttachmentForm
from jijinan.cases.intake.triage import triage_shown
from jijinan.cases.permissions import ATTACHMENT_ADD, CASE_VIEW, WORK_ORDER_ADD
from jijinan.cases.summary import case_summary
from jijinan.cases.work_orders import KIND_LABELS, NUMBER_MAX, REASON_MAX, case_work_order_add, work_order_may_add
from jijinan.cases.workflow.panel import workflow_context
from jijinan.core.errors import DomainError, NotFound
from jijinan.core.formerrors import apply_errors, form_status
from jijinan.core.permissions import Target, can, requires


@requires(CASE_VIEW)
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        case = selectors.case_detail_for_user(user=request.user, pk=pk)
    except NotFound:
        # A case the user's area handed over: its record of the hand-over, read-only (else 404).
        record = selectors.transfer_record_for_user(user=request.user, case_pk=pk)
        return render(request, "cases/transfer_record.html", {"record": record})
    return render(request, "cases/case_detail.html", case_page_context(request, case))


def case_page_context(request: HttpRequest, case: Any, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    """The case page's context; ``bound``: workflow forms refused by a service, shown with why."""
    categories, needs = selectors.vocabulary_names()
    triage = triage_shown(case.triage or {})
    timeline = selectors.case_timeline(case=case, each_move_once=True)
    deadlines = selectors.case_deadlines(case=case)
    workflow = workflow_context(request.user, case, bound, kinds={e.kind for e in timeline})
    return {
        "case": case, "triage": triage,
        "summary": case_summary(case=case, deadlines=deadlines, aid=workflow["wf_aid"]),
        "categories": [categories.get(c, c) for c in case.categories],
        "needs": [needs.get(n, n) for n in case.needs],
        "deadlines": deadlines,
        "attachments": selectors.case_attachments(case=case),
        "timeline": timeline,
        "may_attach": can(request.user, ATTACHMENT_ADD, Target(region_prefix=case.handling_region.prefix)),
        "attachment_form": AttachmentForm(),
        "may_add_work_order": work_order_may_add(request.user, case),
        "work_order_form": WorkOrderForm(initial={"version": case.version}, auto_id="wo_%s"),
        **workflow,
    }


class WorkOrderForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("工单类型"), choices=list(KIND_LABELS.items()))
    number = forms.CharField(label=gettext_lazy("工单编号"), max_length=NUMBER_MAX,
                             help_text=gettext_lazy("字母、数字和连字符"))
    reason = forms.CharField(label=gettext_lazy("更正理由"), max_length=REASON_MAX, required=False,
                             help_text=gettext_lazy("更正已关联的编号时填写"))
    version = forms.IntegerField(widget=forms.HiddenInput)


@requires(WORK_ORDER_ADD)
@require_http_methods(["GET", "POST"])
def work_order_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a hotline work order to the case; a refusal shows the form again with what was typed."""
    case = selectors.case_get_for_user(user=request.user, pk=pk, action=WORK_ORDER_ADD)
    form = WorkOrderForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case_work_order_add(actor=acting_user(request), case=case, version=d["version"], kind=d["kind"],
                                number=d["number"], reason=d["reason"])
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已关联工单 %(number)s") % {"number": d["number"].strip()})
            return redirect("cases:case", pk=case.pk)
    return render(request, "cases/work_order_form.html", {"case": case, "form": form}, status=form_status(form))
