"""Pages of the crisis track: the panel on the case page (fetched by htmx) with the track and the
form of the next step, the steps' forms (a refusal shows the track again on a page of its own, every
error at once and everything typed kept, status 400), and the list of open crises in the user's area.

A refusal of the user's rights answers 403, a case outside their scope 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jijinan.accounts.context import acting_user
from jijinan.cases.models import Case
from jijinan.consultation.crisis import selectors, services
from jijinan.consultation.crisis.forms import ContactForm, ContactRows, FirstContactForm, PlanForm, ReassessForm
from jijinan.consultation.crisis.permissions import CRISIS_RECORD, CRISIS_VIEW
from jijinan.core.errors import DomainError
from jijinan.core.formerrors import apply_errors
from jijinan.core.permissions import can, requires

PAGE_SIZE = 25


def _context(request: HttpRequest, case: Case, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    bound = bound or {}
    now = timezone.now()
    intervention = selectors.intervention_of(case)
    resolved = intervention is not None and intervention.resolved
    may = not resolved and can(request.user, CRISIS_RECORD, services.case_target(case))
    contacted = intervention is not None and intervention.first_contact_at is not None
    planned = intervention is not None and intervention.plan_recorded_at is not None

    def offer(name: str, allowed: bool, make: Callable[[], Any]) -> Any:
        return bound.get(name) or (make() if allowed else None)

    return {
        "case": case, "intervention": intervention, "now": now,
        "contacts": selectors.contacts_of(intervention),
        "reassessments": selectors.reassessments_of(intervention),
        "dues": selectors.dues_of([case.pk], now)[case.pk],
        "resolution_due": services.resolution_due(intervention, now) if intervention is not None else None,
        "first_contact_form": offer("first_contact", may and not contacted,
                                    lambda: FirstContactForm(user=request.user)),
        "plan_form": offer("plan", may and not planned, PlanForm),
        "contact_rows": offer("contact_rows", may and not planned, lambda: ContactRows(prefix="contacts")),
        "contact_form": offer("contact", may and planned, lambda: ContactForm(prefix="more")),
        "reassess_form": offer("reassess", may and (contacted or planned), ReassessForm),
    }


@requires(CRISIS_VIEW)
@require_GET
def case_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page's crisis panel (fetched by the page)."""
    case = selectors.case_for_crisis(user=request.user, pk=case_id)
    return render(request, "consultation/crisis/panel.html", _context(request, case))


def _step(request: HttpRequest, case_id: int, name: str, form: django_forms.Form, run: Callable[[Case], Any],
          done: str) -> HttpResponse:
    """Check the form, run the service; on a refusal show the track again with every error."""
    case = selectors.case_for_crisis(user=request.user, pk=case_id, action=CRISIS_RECORD)
    if form.is_valid():
        try:
            run(case)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("cases:case", pk=case.pk)
    return render(request, "consultation/crisis/page.html", _context(request, case, {name: form}), status=400)


@requires(CRISIS_RECORD)
@require_POST
def first_contact(request: HttpRequest, case_id: int) -> HttpResponse:
    form = FirstContactForm(request.POST, user=request.user)
    return _step(request, case_id, "first_contact", form, lambda case: services.crisis_first_contact_record(
        actor=acting_user(request), case=case, data=form.to_input()), _("已登记首次接触"))


@requires(CRISIS_RECORD)
@require_POST
def plan(request: HttpRequest, case_id: int) -> HttpResponse:
    form = PlanForm(request.POST)
    rows = ContactRows(request.POST, prefix="contacts")

    case = selectors.case_for_crisis(user=request.user, pk=case_id, action=CRISIS_RECORD)
    valid = form.is_valid() & rows.is_valid()
    if not valid:
        return render(request, "consultation/crisis/page.html",
                      _context(request, case, {"plan": form, "contact_rows": rows}), status=400)
    filled = [r for r in rows.forms if r.filled()]
    try:
        services.crisis_plan_record(actor=acting_user(request), case=case, data=services.PlanInput(
            measures=form.cleaned_data["measures"], contacts=tuple(r.to_input() for r in filled)))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        for name, errors in (exc.field_errors or {"": [str(exc.message)]}).items():
            parts = name.split(".")
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(filled):
                row = filled[int(parts[1])]
                for e in errors:
                    row.add_error(parts[2] if parts[2] in row.fields else None, e)
            else:
                for e in errors:
                    form.add_error(name if name in form.fields else None, e)
        return render(request, "consultation/crisis/page.html",
                      _context(request, case, {"plan": form, "contact_rows": rows}), status=400)
    messages.success(request, _("已登记干预方案"))
    return redirect("cases:case", pk=case.pk)


@requires(CRISIS_RECORD)
@require_POST
def contact_add(request: HttpRequest, case_id: int) -> HttpResponse:
    form = ContactForm(request.POST, prefix="more")
    return _step(request, case_id, "contact", form, lambda case: services.crisis_contact_add(
        actor=acting_user(request), case=case, data=form.to_input()), _("已登记专业力量"))


@requires(CRISIS_RECORD)
@require_POST
def reassess(request: HttpRequest, case_id: int) -> HttpResponse:
    form = ReassessForm(request.POST)

    def run(case: Case) -> Any:
        return services.crisis_reassess(actor=acting_user(request), case=case, data=form.to_input())

    done = _("已登记危机解除") if request.POST.get("outcome") == "resolved" else _("已登记再评估")
    return _step(request, case_id, "reassess", form, run, done)


@requires(CRISIS_VIEW)
@require_GET
def crisis_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:40]
    rows = selectors.crisis_list_for_user(user=request.user, q=q)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    dues = selectors.dues_of([c.pk for c in page.object_list], now)
    return render(request, "consultation/crisis/list.html", {
        "page": page, "q": q, "now": now, "rows": [(c, dues.get(c.pk, [])) for c in page.object_list]})
