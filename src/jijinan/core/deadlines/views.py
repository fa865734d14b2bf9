"""Pages of the deadline engine: the list (filters, paginated), one deadline with its actions.

Anyone with deadlines.view sees the deadlines of their region; pause, resume, extend and cancel
need deadlines.manage there. The list also serves the lazy "deadlines" panel of record pages
(``core/deadlines/_panel.html``) when htmx asks for ``?panel=1``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jijinan.core import exports
from jijinan.core.calendar.workdays import MAX_COUNT
from jijinan.core.deadlines import selectors, services
from jijinan.core.deadlines.kinds import deadline_kinds, kind_label
from jijinan.core.deadlines.models import Deadline, DeadlineStatus, label_subjects
from jijinan.core.deadlines.rules import REASON_MAX_LENGTH
from jijinan.core.errors import DomainError
from jijinan.core.extensions.subjects import parameter_titles, subject_labels
from jijinan.core.permissions import Target, can, requires

PAGE_SIZE = 50
EXPORT = "deadlines.export"


class _ActionForm(forms.Form):
    """The detail page holds several of these: each keeps its own element ids."""

    id_prefix = "action"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class PauseForm(_ActionForm):
    id_prefix = "pause"
    reason = forms.CharField(label=gettext_lazy("暂停原因"), max_length=REASON_MAX_LENGTH,
                             help_text=gettext_lazy("如：公示期收到异议，待核实"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ResumeForm(_ActionForm):
    id_prefix = "resume"
    version = forms.IntegerField(widget=forms.HiddenInput)


class ExtendForm(_ActionForm):
    id_prefix = "extend"
    extra = forms.IntegerField(label=gettext_lazy("延长"), min_value=1, max_value=max(MAX_COUNT.values()))
    reason = forms.CharField(label=gettext_lazy("延期原因"), max_length=REASON_MAX_LENGTH)
    version = forms.IntegerField(widget=forms.HiddenInput)


class CancelForm(_ActionForm):
    id_prefix = "cancel"
    reason = forms.CharField(label=gettext_lazy("取消原因"), max_length=REASON_MAX_LENGTH)
    version = forms.IntegerField(widget=forms.HiddenInput)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    return _("%(d)s 天 %(h)s 小时 %(m)s 分") % {"d": days, "h": hours, "m": minutes}


def _extensions(deadline: Deadline) -> list[dict[str, Any]]:
    rows = []
    for e in deadline.extensions:
        try:
            at: datetime | str = datetime.fromisoformat(str(e.get("at")))
        except ValueError:
            at = str(e.get("at", ""))
        rows.append({**e, "at": at})
    return rows


@requires("deadlines.view")
@require_GET
def deadline_list(request: HttpRequest) -> HttpResponse:
    deadlines, f = _deadlines_of_page(request)
    status, owner, owner_user, owner_organisation = f["status"], f["owner"], f["owner_user"], f["owner_organisation"]
    subject_type, subject_id, kind, overdue = f["subject_type"], f["subject_id"], f["kind"], f["overdue"]
    if request.GET.get("panel") == "1" and getattr(request, "htmx", False):
        rows = label_subjects(list(deadlines[:selectors.PANEL_ROWS + 1]))
        return render(request, "core/deadlines/_panel_table.html", {
            "deadlines": rows[:selectors.PANEL_ROWS], "more": len(rows) > selectors.PANEL_ROWS,
            "subject_type": subject_type, "subject_id": subject_id})
    page = Paginator(deadlines, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = label_subjects(list(page.object_list))
    subject_label = ""
    if subject_type and subject_id:
        subject_label = subject_labels([(subject_type, subject_id)])[(subject_type, subject_id)].text
    return render(request, "core/deadlines/list.html", {
        "page": page, "status": status, "statuses": DeadlineStatus.choices,
        "kind": kind, "kinds": sorted(((k.code, str(k.label)) for k in deadline_kinds().values()),
                                      key=lambda k: k[0]),
        "owner": owner, "owner_user": owner_user if owner != "me" else None,
        "owner_organisation": owner_organisation if owner != "organisation" else None,
        "overdue": overdue, "subject_type": subject_type, "subject_id": subject_id, "subject_label": subject_label,
        **exports.export_link_context(request, url=reverse("deadlines:export"), may_export=can(request.user, EXPORT)),
    })


def _deadlines_of_page(request: HttpRequest) -> tuple[QuerySet[Deadline], dict[str, Any]]:
    """The deadlines the list page shows for its query, and the filters read (the export reads
    the same)."""
    user = request.user
    status = request.GET.get("status") or ""
    status = status if status in DeadlineStatus.values else ""
    owner = request.GET.get("owner") or ""
    owner_user = _int(request.GET.get("owner_user"))
    owner_organisation = _int(request.GET.get("owner_organisation"))
    if owner == "me":
        owner_user = user.pk
    elif owner == "organisation":
        owner_organisation = getattr(user, "organisation_id", None) or 0
    subject_type = (request.GET.get("subject_type") or "")[:100]
    subject_id = (request.GET.get("subject_id") or "")[:64]
    kind = (request.GET.get("kind") or "")[:60]
    overdue = request.GET.get("overdue") == "1"
    deadlines = selectors.deadline_list_for_user(
        user=user, subject_type=subject_type or None,
        subject_id=subject_id if subject_type else None, owner_user=owner_user,
        owner_organisation=owner_organisation, status=status or None, kind=kind or None,
        overdue=overdue)
    return deadlines, {"status": status, "owner": owner, "owner_user": owner_user,
                       "owner_organisation": owner_organisation, "subject_type": subject_type,
                       "subject_id": subject_id, "kind": kind, "overdue": overdue}


def _parameters(deadline: Deadline) -> list[tuple[str, Any]]:
    """The parameters the deadline was computed from, by title, with their versions."""
    used = dict(deadline.parameters or {})
    titles = parameter_titles(list(used))
    return [(titles[name], version) for name, version in used.items()]


def _detail(request: HttpRequest, deadline: Deadline, *, forms_bound: dict[str, forms.Form] | None = None,
            status: int = 200) -> HttpResponse:
    may_manage = can(request.user, "deadlines.manage", Target(region_prefix=deadline.region_code))
    initial = {"version": deadline.version}
    context: dict[str, Any] = {
        "deadline": deadline, "may_manage": may_manage, "extensions": _extensions(deadline),
        "paused_for": _duration(deadline.paused_seconds) if deadline.paused_seconds else "",
        "parameters": _parameters(deadline),
        "pause_form": PauseForm(initial=initial), "resume_form": ResumeForm(initial=initial),
        "extend_form": ExtendForm(initial=initial), "cancel_form": CancelForm(initial=initial),
    }
    context.update(forms_bound or {})
    return render(request, "core/deadlines/detail.html", context, status=status)


@requires("deadlines.view")
@require_GET
def deadline_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.deadline_get_for_user(user=request.user, pk=pk))


def _act(request: HttpRequest, pk: int, form_class: type[forms.Form], name: str,
         act: Any, done: str) -> HttpResponse:
    """Run one action from its form: back to the deadline with a message, or the form's errors."""
    deadline = selectors.deadline_get_for_user(user=request.user, pk=pk, action="deadlines.manage")
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(deadline, form.cleaned_data)
        except DomainError as error:
            if error.status in (403, 404):
                raise
            on_form = {f: texts for f, texts in error.field_errors.items() if f in form.fields}
            if error.status == 409 or not on_form:
                messages.error(request, str(error.message))
                return redirect("deadlines:detail", pk=pk)
            for field, texts in on_form.items():
                for text in texts:
                    form.add_error(field, text)
        else:
            messages.success(request, done)
            return redirect("deadlines:detail", pk=pk)
    if form.errors.get("version"):
        messages.error(request, _("页面已过期，请刷新后重试"))
        return redirect("deadlines:detail", pk=pk)
    return _detail(request, deadline, forms_bound={name: form}, status=400)


@requires("deadlines.manage")
@require_POST
def deadline_pause_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, PauseForm, "pause_form", lambda d, data: services.deadline_pause(
        actor=request.user, deadline=d, version=data["version"], reason=data["reason"]),
        _("期限已暂停"))


@requires("deadlines.manage")
@require_POST
def deadline_resume_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, ResumeForm, "resume_form", lambda d, data: services.deadline_resume(
        actor=request.user, deadline=d, version=data["version"]), _("期限已恢复计时"))


@requires("deadlines.manage")
@require_POST
def deadline_extend_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, ExtendForm, "extend_form", lambda d, data: services.deadline_extend(
        actor=request.user, deadline=d, version=data["version"], extra=data["extra"],
        reason=data["reason"]), _("期限已延长"))


@requires("deadlines.manage")
@require_POST
def deadline_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, CancelForm, "cancel_form", lambda d, data: services.deadline_cancel(
        actor=request.user, deadline=d, version=data["version"], reason=data["reason"]),
        _("期限已取消"))


# --- export to Excel ----------------------------------------------------------------------------
C, K = exports.Column, exports.ColumnKind
DEADLINE_FILTERS = ("status", "kind", "owner", "owner_user", "owner_organisation", "subject_type", "subject_id",
                    "overdue")

DEADLINE_EXPORT_SPEC = exports.ExportSpec(
    title=gettext_lazy("期限"), subject_type="core.deadline", fields=["deadlines"],
    columns=[
        C("id", gettext_lazy("编号"), K.NUMBER), C("kind", gettext_lazy("期限类型"), width=20),
        C("subject", gettext_lazy("对象"), width=36), C("subject_id", gettext_lazy("对象编号")),
        C("region_code", gettext_lazy("区划代码"), width=14), C("owner_user", gettext_lazy("负责人")),
        C("owner_organisation", gettext_lazy("负责机构"), width=20), C("status", gettext_lazy("状态"), width=8),
        C("started_at", gettext_lazy("起算时间"), K.DATETIME), C("due_at", gettext_lazy("到期时间"), K.DATETIME),
        C("limit", gettext_lazy("时限"), width=12), C("provisional", gettext_lazy("暂定"), K.BOOL),
        C("paused_at", gettext_lazy("暂停时间"), K.DATETIME), C("pause_reason", gettext_lazy("暂停原因"), width=24),
        C("met_at", gettext_lazy("完成时间"), K.DATETIME), C("breached_at", gettext_lazy("超期时间"), K.DATETIME),
        C("cancelled_at", gettext_lazy("取消时间"), K.DATETIME), C("cancel_reason", gettext_lazy("取消原因"), width=24),
    ])


def deadline_export_file(*, user: Any, deadlines: QuerySet[Deadline], options: exports.ExportOptions,
                         filters: dict[str, str]) -> exports.ExportFile:
    """Deadlines hold no protected values: nothing to unmask; the export is logged."""
    masked = exports.export_masked(options=options, may_unmask=False)
    count = deadlines.count()

    def rows() -> Iterator[dict[str, Any]]:
        for batch in exports.chunked(deadlines):
            for d in label_subjects(list(batch)):
                owner = d.owner_user
                yield {"id": d.pk, "kind": kind_label(d.kind), "subject": d.subject_label.text,
                       "subject_id": d.subject_id, "region_code": d.region_code,
                       "owner_user": (owner.display_name() if hasattr(owner, "display_name") else owner.get_username())
                       if owner is not None else "",
                       "owner_organisation": d.owner_organisation.name if d.owner_organisation else "",
                       "status": d.get_status_display(), "started_at": d.started_at, "due_at": d.due_at,
                       "limit": f"{d.limit} {d.get_unit_display()}", "provisional": d.provisional,
                       "paused_at": d.paused_at, "pause_reason": d.pause_reason, "met_at": d.met_at,
                       "breached_at": d.breached_at, "cancelled_at": d.cancelled_at,
                       "cancel_reason": d.cancel_reason}

    return exports.export_list(actor=user, spec=DEADLINE_EXPORT_SPEC, rows=rows(), count=count, filters=filters,
                               masked=masked, reason=options.reason)


@requires(EXPORT)
@require_GET
def deadline_export(request: HttpRequest) -> HttpResponseBase:
    try:
        deadlines, _filters = _deadlines_of_page(request)
    except DomainError as error:
        return exports.export_page(request, reverse("deadlines:list"), exports.refuse(error))
    return exports.export_page(request, reverse("deadlines:list"), lambda options: deadline_export_file(
        user=request.user, deadlines=deadlines, options=options,
        filters=exports.query_filters(request.GET, DEADLINE_FILTERS)))
