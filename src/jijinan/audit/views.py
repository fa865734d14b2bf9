"""Pages of the audit: the audit log and the access log with filters, and the record panels."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from jijinan.audit import selectors
from jijinan.audit.choices import AccessKind, AuditOutcome
from jijinan.audit.decorators import refusals_recorded
from jijinan.audit.errors import AuditError, AuditErrorCode
from jijinan.audit.forms import AuditFilterForm
from jijinan.audit.labels import action_label
from jijinan.audit.permissions import AUDIT_EXPORT, AUDIT_VIEW
from jijinan.core import exports
from jijinan.core.permissions import can, requires

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
        **exports.export_link_context(request, url=reverse("audit:events_export"),
                                      may_export=can(request.user, AUDIT_EXPORT)),
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
        **exports.export_link_context(request, url=reverse("audit:access_export"),
                                      may_export=can(request.user, AUDIT_EXPORT)),
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


# --- exports to Excel ------------------------------------------------------------------------------
# The same selectors and scope as the lists; audit rows hold no clear protected values (services
# never put them there), so there is nothing to unmask.
C, K = exports.Column, exports.ColumnKind

EVENT_EXPORT_SPEC = exports.ExportSpec(
    title=gettext_lazy("审计事件"), subject_type="audit.auditevent", fields=["audit_events"],
    columns=[
        C("id", gettext_lazy("编号"), K.NUMBER), C("seq", gettext_lazy("链序号"), K.NUMBER),
        C("occurred_at", gettext_lazy("发生时间"), K.DATETIME), C("actor_id", gettext_lazy("操作人编号"), K.NUMBER),
        C("actor_label", gettext_lazy("操作人")), C("action", gettext_lazy("操作代码"), width=28),
        C("action_label", gettext_lazy("操作")), C("outcome", gettext_lazy("结果"), width=8),
        C("subject_type", gettext_lazy("对象类型"), width=20), C("subject_id", gettext_lazy("对象编号")),
        C("subject_label", gettext_lazy("对象名称"), width=24), C("region_code", gettext_lazy("区划代码"), width=14),
        C("changes", gettext_lazy("变更内容"), width=40), C("note", gettext_lazy("说明"), width=30),
        C("ip", gettext_lazy("来源地址")), C("request_id", gettext_lazy("请求编号"), width=24),
    ])

ACCESS_EXPORT_SPEC = exports.ExportSpec(
    title=gettext_lazy("访问日志"), subject_type="audit.accesslog", fields=["access_log"],
    columns=[
        C("id", gettext_lazy("编号"), K.NUMBER), C("seq", gettext_lazy("链序号"), K.NUMBER),
        C("at", gettext_lazy("时间"), K.DATETIME), C("actor_id", gettext_lazy("查阅人编号"), K.NUMBER),
        C("actor_label", gettext_lazy("查阅人")), C("kind", gettext_lazy("方式"), width=10),
        C("subject_type", gettext_lazy("对象类型"), width=20), C("subject_id", gettext_lazy("对象编号")),
        C("subject_label", gettext_lazy("对象名称"), width=30), C("region_code", gettext_lazy("区划代码"), width=14),
        C("fields", gettext_lazy("涉及字段"), width=30), C("purpose", gettext_lazy("用途"), width=24),
        C("rows", gettext_lazy("记录数"), K.NUMBER), C("ip", gettext_lazy("来源地址")),
        C("request_id", gettext_lazy("请求编号"), width=24),
    ])


def _filters_shown(filters: selectors.AuditFilters) -> dict[str, str]:
    values = {"subject_type": filters.subject_type, "subject_id": filters.subject_id, "actor": filters.actor,
              "action": filters.action, "outcome": filters.outcome, "kind": filters.kind,
              "date_from": filters.date_from.isoformat() if filters.date_from else "",
              "date_to": filters.date_to.isoformat() if filters.date_to else ""}
    return {k: v for k, v in values.items() if v}


def _changes_text(changes: Mapping[str, Any]) -> str:
    return "；".join(f"{name}: {pair[0]!s} → {pair[1]!s}" if isinstance(pair, list | tuple) and len(pair) == 2
                    else f"{name}: {pair!s}" for name, pair in (changes or {}).items())


def event_export_file(*, user: Any, filters: selectors.AuditFilters, options: exports.ExportOptions
                      ) -> exports.ExportFile:
    masked = exports.export_masked(options=options, may_unmask=False)
    rows_qs = selectors.audit_event_list_for_user(user=user, filters=filters)
    count = rows_qs.count()
    outcomes = dict(AuditOutcome.choices)

    def rows() -> Iterator[dict[str, Any]]:
        for batch in exports.chunked(rows_qs):
            for e in batch:
                yield {"id": e.pk, "seq": e.seq, "occurred_at": e.occurred_at, "actor_id": e.actor_id,
                       "actor_label": e.actor_label, "action": e.action, "action_label": action_label(e.action),
                       "outcome": str(outcomes.get(e.outcome, e.outcome)), "subject_type": e.subject_type,
                       "subject_id": e.subject_id, "subject_label": e.subject_label, "region_code": e.region_code,
                       "changes": _changes_text(e.changes), "note": e.note, "ip": e.ip, "request_id": e.request_id}

    return exports.export_list(actor=user, spec=EVENT_EXPORT_SPEC, rows=rows(), count=count,
                               filters=_filters_shown(filters), masked=masked, reason=options.reason)


def access_export_file(*, user: Any, filters: selectors.AuditFilters, options: exports.ExportOptions
                       ) -> exports.ExportFile:
    masked = exports.export_masked(options=options, may_unmask=False)
    rows_qs = selectors.access_log_list_for_user(user=user, filters=filters)
    count = rows_qs.count()
    kinds = dict(AccessKind.choices)

    def rows() -> Iterator[dict[str, Any]]:
        for batch in exports.chunked(rows_qs):
            for a in batch:
                yield {"id": a.pk, "seq": a.seq, "at": a.at, "actor_id": a.actor_id, "actor_label": a.actor_label,
                       "kind": str(kinds.get(a.kind, a.kind)), "subject_type": a.subject_type,
                       "subject_id": a.subject_id, "subject_label": a.subject_label, "region_code": a.region_code,
                       "fields": "、".join(str(f) for f in a.fields or []), "purpose": a.purpose, "rows": a.rows,
                       "ip": a.ip, "request_id": a.request_id}

    return exports.export_list(actor=user, spec=ACCESS_EXPORT_SPEC, rows=rows(), count=count,
                               filters=_filters_shown(filters), masked=masked, reason=options.reason)


def _export(request: HttpRequest, list_name: str, build: Any) -> HttpResponseBase:
    form = AuditFilterForm(request.GET)
    filters = form.filters()
    if form.errors:
        # The list drops a bad filter and shows the error; an export must not silently widen.
        return exports.export_page(request, reverse(list_name), exports.refuse_invalid(form))
    return exports.export_page(request, reverse(list_name),
                               lambda options: build(user=request.user, filters=filters, options=options))


@refusals_recorded
@requires(AUDIT_EXPORT)
@require_GET
def event_export(request: HttpRequest) -> HttpResponseBase:
    return _export(request, "audit:events", event_export_file)


@refusals_recorded
@requires(AUDIT_EXPORT)
@require_GET
def access_export(request: HttpRequest) -> HttpResponseBase:
    return _export(request, "audit:access", access_export_file)
