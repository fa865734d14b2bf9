"""The case page: the summary, triage, deadlines, attachments and timeline of one case, and the
stage line's panel (its forms post to the workflow's views, which render this page again with a
refused form showing why)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jijinan.cases import selectors
from jijinan.cases.intake.forms import AttachmentForm
from jijinan.cases.permissions import ATTACHMENT_ADD, CASE_VIEW
from jijinan.cases.workflow.panel import workflow_context
from jijinan.core.permissions import Target, can, requires


@requires(CASE_VIEW)
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_detail_for_user(user=request.user, pk=pk)
    return render(request, "cases/case_detail.html", case_page_context(request, case))


def case_page_context(request: HttpRequest, case: Any, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    """The case page's context; ``bound``: workflow forms refused by a service, shown with why."""
    categories, needs = selectors.vocabulary_names()
    triage = case.triage or {}
    timeline = selectors.case_timeline(case=case, each_move_once=True)
    return {
        "case": case, "triage": triage,
        "categories": [categories.get(c, c) for c in case.categories],
        "needs": [needs.get(n, n) for n in case.needs],
        "deadlines": selectors.case_deadlines(case=case),
        "attachments": selectors.case_attachments(case=case),
        "timeline": timeline,
        "may_attach": can(request.user, ATTACHMENT_ADD, Target(region_prefix=case.handling_region.prefix)),
        "attachment_form": AttachmentForm(),
        **workflow_context(request.user, case, bound, kinds={e.kind for e in timeline}),
    }
