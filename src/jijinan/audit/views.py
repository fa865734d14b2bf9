"""Pages of the audit: the audit log and the access log with filters, and the record panels."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jijinan.audit import selectors
from jijinan.audit.decorators import refusals_recorded
from jijinan.audit.errors import AuditError, AuditErrorCode
from jijinan.audit.forms import AuditFilterForm
from jijinan.audit.permissions import AUDIT_VIEW
from jijinan.core.permissions import requires

PAGE_SIZE = 50
PANEL_ROWS = 20
EVENT_FILTERS = ("subject_type", "subject_id", "actor", "action", "outcome", "date_from", "date_to")
ACCESS_FILTERS = ("subject_type", "subject_id", "actor", "kind", "date_from", "date_to")


@refusals_recorded
@requires(AUDIT_VIEW)
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    rows = selectors.audit_event_list_for_user(user=request.user, filters=form.filters())
    return render(request, "audit/events.html", {
        "form": form, "fields": [form[n] for n in EVENT_FILTERS],
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
    })


@refusals_recorded
@requires(AUDIT_VIEW)
@require_GET
def access_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    rows = selectors.access_log_list_for_user(user=request.user, filters=form.filters())
    return render(request, "audit/access.html", {
        "form": form, "fields": [form[n] for n in ACCESS_FILTERS],
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
    })


def _subject(request: HttpRequest) -> tuple[str, str]:
    subject_type = request.GET.get("subject_type", "").strip()[:100]
    subject_id = request.GET.get("subject_id", "").strip()[:64]
    if not subject_type or not subject_id:
        raise AuditError.for_field("subject_id" if subject_type else "subject_type",
                                   _("请指明记录的类型和编号"), code=AuditErrorCode.INVALID_FILTER)
    return subject_type, subject_id


def full_list_url(name: str, subject_type: str, subject_id: str) -> str:
    return reverse(name) + "?" + urlencode({"subject_type": subject_type, "subject_id": subject_id})


@refusals_recorded
@requires(AUDIT_VIEW)
@require_GET
def history_panel(request: HttpRequest) -> HttpResponse:
    """The "history" panel of one record (loaded by htmx from the record's page)."""
    subject_type, subject_id = _subject(request)
    events = list(selectors.audit_events_for_subject(
        user=request.user, subject_type=subject_type, subject_id=subject_id)[:PANEL_ROWS + 1])
    return render(request, "audit/_history.html", {
        "audit_events": events[:PANEL_ROWS],
        "more_url": full_list_url("audit:events", subject_type, subject_id)
        if len(events) > PANEL_ROWS else "",
    })


@refusals_recorded
@requires(AUDIT_VIEW)
@require_GET
def viewers_panel(request: HttpRequest) -> HttpResponse:
    """The "who viewed this" panel of one record with protected data."""
    subject_type, subject_id = _subject(request)
    entries = list(selectors.access_log_for_subject(
        user=request.user, subject_type=subject_type, subject_id=subject_id)[:PANEL_ROWS + 1])
    return render(request, "audit/_viewers.html", {
        "access_log": entries[:PANEL_ROWS],
        "more_url": full_list_url("audit:access", subject_type, subject_id)
        if len(entries) > PANEL_ROWS else "",
    })
