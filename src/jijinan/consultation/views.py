"""Pages of escalation and consultation: the list of escalations in the user's scope, and one
escalation with its consultation, opinions, meetings, decision and duties."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jijinan.consultation import selectors
from jijinan.consultation.choices import EscalationStatus
from jijinan.consultation.permissions import ESCALATION_VIEW
from jijinan.core.permissions import requires

PAGE_SIZE = 25


@requires(ESCALATION_VIEW)
@require_GET
def escalation_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    rows = selectors.escalation_list_for_user(user=request.user, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "consultation/list.html", {
        "page": page, "status": status, "statuses": [("open", None), *EscalationStatus.choices]})


@requires(ESCALATION_VIEW)
@require_GET
def escalation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = selectors.escalation_get_for_user(user=request.user, pk=pk)
    consultation = selectors.consultation_of(escalation)
    return render(request, "consultation/escalation.html", {
        "escalation": escalation, "consultation": consultation,
        "opinions": selectors.opinion_rows(consultation) if consultation else [],
        "meetings": list(consultation.meetings.all()) if consultation else [],
        "decision": getattr(consultation, "decision", None) if consultation else None,
        "duties": selectors.duty_rows(escalation),
        "explanations": list(escalation.explanations.all())})
