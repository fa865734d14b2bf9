"""Pages of the work queues: my queue and my area's (/cases/queue/), its Excel export
(/cases/queue/export/), and the overdue list (/cases/overdue/). Every list reads through
``cases.queues.selectors`` (scoped) and marks overdue and due-today rows.

The filters are a GET form (a list can be bookmarked and paged); the search by phone is a POST form
of its own, so the number never enters a URL, the browser's history or a server log. Its result is
one page, without page links (a phone finds a handful of cases)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from jijinan.audit.decorators import refusals_recorded
from jijinan.cases.choices import Channel, Stage, Urgency
from jijinan.cases.models import CaseCategory
from jijinan.cases.permissions import CASE_CREATE
from jijinan.cases.queues import selectors as queues
from jijinan.cases.queues.export import queue_export_file
from jijinan.cases.queues.permissions import (
    OVERDUE_VIEW,
    QUEUE_AREA_VIEW,
    QUEUE_EXPORT,
    QUEUE_EXPORT_UNMASK,
    QUEUE_VIEW,
)
from jijinan.core import exports
from jijinan.core.errors import DomainError
from jijinan.core.permissions import can, requires
from jijinan.core.protected.ids import mask_phone
from jijinan.regions.pickers import (
    AREA_LEVELS,
    RegionPickerField,
    bind_region_pickers,
    region_label,
)

PAGE_SIZE = 50
_ANY = ("", _("全部"))


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), max_length=queues.KEYWORDS_MAX_LENGTH, required=False,
                        help_text=_("事项编号、姓名或情况描述"))
    stage = forms.ChoiceField(label=_("阶段"), required=False, choices=[_ANY, *Stage.choices])
    region = RegionPickerField(label=_("区划"), levels=AREA_LEVELS, action=QUEUE_VIEW, prefill=False,
                               required=False)
    category = forms.ChoiceField(label=_("急难类别"), required=False)
    urgency = forms.ChoiceField(label=_("紧急程度"), required=False, choices=[_ANY, *Urgency.choices])
    channel = forms.ChoiceField(label=_("来源渠道"), required=False, choices=[_ANY, *Channel.choices])
    crisis = forms.NullBooleanField(label=_("危机个案"), required=False, widget=forms.Select(choices=[
        ("", _("全部")), ("true", _("是")), ("false", _("否"))]))

    def __init__(self, *args: Any, user: Any, action: str = QUEUE_VIEW, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bind_region_pickers(self, user, action=action)  # the area of the page the filter narrows
        self.fields["category"].choices = [_ANY] + [  # type: ignore[attr-defined]
            (c.code, c.label) for c in CaseCategory.objects.filter(active=True)]

    def filters(self) -> queues.QueueFilters:
        d = self.cleaned_data
        return queues.QueueFilters(stage=d["stage"], region=d["region"], category=d["category"],
                                   urgency=d["urgency"], channel=d["channel"], crisis=d["crisis"],
                                   q=d["q"])


class PhoneSearchForm(forms.Form):
    """Sent by POST: a phone number never travels in a URL."""

    phone = forms.CharField(label=_("按电话查找"), max_length=30,
                            help_text=_("报告人或救助对象的电话"))


def _apply_errors(form: forms.Form, exc: DomainError) -> None:
    if not exc.field_errors:
        form.add_error(None, str(exc.message))
    for name, errors in exc.field_errors.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def _list_page(request: HttpRequest, template: str, select: Any, *, action: str, **context: Any) -> HttpResponse:
    """Filter form (GET) or phone search (POST), one page of rows with their marks, and 400 when a
    filter is refused."""
    by_phone = request.method == "POST"
    phone_form = PhoneSearchForm(request.POST if by_phone else None, auto_id="phone_%s")
    form = QueueFilterForm(None if by_phone else (request.GET or None), user=request.user, action=action)
    active: forms.Form = phone_form if by_phone else form  # the form the user sent
    filters = queues.QueueFilters()
    if active.is_bound and active.is_valid():
        filters = (queues.QueueFilters(phone=phone_form.cleaned_data["phone"]) if by_phone
                   else form.filters())
    now = timezone.now()
    page = None
    if not active.errors:
        try:
            page = Paginator(select(filters, now), PAGE_SIZE).get_page(1 if by_phone else request.GET.get("page"))
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            _apply_errors(active, exc)
        else:
            page.object_list = list(page.object_list)
            for case in page.object_list:
                case.due_today = queues.due_today(case, now=now)
    status = 400 if active.errors else 200
    # An empty list says why: the filters found nothing, or nothing waits (and what to do then).
    filtered = by_phone or any(v for k, v in request.GET.items() if k not in ("scope", "page"))
    return render(request, template, {"form": form, "phone_form": phone_form, "phone_search": by_phone,
                                      "page": page, "filtered": filtered,
                                      "may_intake": can(request.user, CASE_CREATE), **context}, status=status)


@requires(QUEUE_VIEW)
@require_http_methods(["GET", "POST"])
def case_queue(request: HttpRequest) -> HttpResponse:
    may_area = can(request.user, QUEUE_AREA_VIEW)
    wanted = (request.POST if request.method == "POST" else request.GET).get("scope")
    scope = queues.QueueScope.AREA if wanted == "area" and may_area else queues.QueueScope.MINE

    def select(filters: queues.QueueFilters, now: Any) -> Any:
        return queues.case_queue_for_user(user=request.user, scope=scope, filters=filters, now=now)

    return _list_page(request, "cases/queue.html", select, action=QUEUE_VIEW, scope=scope.value, may_area=may_area,
                      may_overdue=can(request.user, OVERDUE_VIEW), **_export_context(request, scope))


@requires(OVERDUE_VIEW)
@require_http_methods(["GET", "POST"])
def case_overdue(request: HttpRequest) -> HttpResponse:
    def select(filters: queues.QueueFilters, now: Any) -> Any:
        return queues.case_overdue_for_user(user=request.user, filters=filters, now=now)

    return _list_page(request, "cases/queue_overdue.html", select, action=OVERDUE_VIEW, overdue_list=True)


# --- the queue's Excel export ------------------------------------------------------------------------
# The filters travel in the body of a POST, never in the address: one of them is a phone number.
QUEUE_FILTERS = ("q", "phone", "stage", "region", "category", "urgency", "channel", "crisis")


def _queue_scope(user: Any, asked: str) -> queues.QueueScope:
    return queues.QueueScope.AREA if asked == "area" and can(user, QUEUE_AREA_VIEW) else queues.QueueScope.MINE


def _export_context(request: HttpRequest, scope: queues.QueueScope) -> dict[str, Any]:
    may_export = can(request.user, QUEUE_EXPORT)
    source = request.POST if request.method == "POST" else request.GET
    return {"may_export": may_export, "may_unmask_export": may_export and can(request.user, QUEUE_EXPORT_UNMASK),
            # The filters of the page shown: the GET form's, or the phone of a phone search (POST).
            "export_filters": [("scope", scope.value), *(
                (name, source[name]) for name in QUEUE_FILTERS if source.get(name))],
            "export_url": reverse("cases:queue_export"), "export_method": "post",
            "export_form": exports.ExportForm()}


def _shown_filters(form: QueueFilterForm, scope: queues.QueueScope, phone: str) -> dict[str, str]:
    """The filters as the page labels them, for the file's header line and the access log; a phone
    number is masked there."""
    shown = {str(_("范围")): str(_("辖区待办") if scope == queues.QueueScope.AREA else _("我的待办"))}
    if phone:
        shown[str(PhoneSearchForm.base_fields["phone"].label)] = mask_phone(re.sub(r"\D", "", phone))
    for name in QUEUE_FILTERS:
        value = form.cleaned_data.get(name)
        if value in ("", None) or name not in form.fields:
            continue
        field = form.fields[name]
        if name == "crisis":
            text = str(_("是") if value else _("否"))
        elif isinstance(field, RegionPickerField):
            text = region_label(code=value)
        elif hasattr(field, "choices"):
            text = str(dict(field.choices).get(value, value))
        else:
            text = str(value)
        shown[str(field.label)] = text
    return shown


@refusals_recorded
@requires(QUEUE_EXPORT)
@require_POST
def case_queue_export(request: HttpRequest) -> HttpResponseBase:
    """The queue as filtered on the page, as an Excel file; refused → back to the queue with why."""
    scope = _queue_scope(request.user, request.POST.get("scope", ""))
    form = QueueFilterForm(request.POST, user=request.user)
    try:
        options = exports.ExportForm(request.POST).options()
        if not form.is_valid():
            exports.refuse_invalid(form)(options)
        phone = request.POST.get("phone", "").strip()
        export = queue_export_file(user=request.user, scope=scope, filters=replace(form.filters(), phone=phone),
                                   options=options, shown_filters=_shown_filters(form, scope, phone))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, "；".join(e for errors in exc.field_errors.values() for e in errors)
                       or str(exc.message))
        kept = [("scope", scope.value)] + [(name, request.POST[name]) for name in QUEUE_FILTERS
                                            if name != "phone" and request.POST.get(name)]
        return redirect(f"{reverse('cases:queue')}?{urlencode(kept)}")
    return exports.export_response(export)
