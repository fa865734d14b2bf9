"""Pages of 督办 orders.

The list of the orders in the user's scope (filters, search, Excel export); the orders the user's
offices must answer; one order: what stands now (the matter with its link, the addressee, the
answer deadline and how late), the moves the user may make (answer, close or send back, cancel),
then the history and the escalation chain; opening an order by hand on a case (found by number or
name), a department task, an escalation or a crisis.

A refusal of the user's rights answers 403, a record outside their scope 404; any other refusal
re-renders the page with every error on its form, the input kept, status 400 (409 for a conflict).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jijinan.accounts.context import acting_user
from jijinan.accounts.models import Organisation, User
from jijinan.audit.services import access_log_record
from jijinan.cases.intake import attachments as files
from jijinan.cases.models import Case
from jijinan.core import exports
from jijinan.core.errors import DomainError, NotFound
from jijinan.core.extensions.panels import due_note
from jijinan.core.formerrors import refusal_on_form
from jijinan.core.permissions import Target, can, get_for_user, requires
from jijinan.core.uploads import inline_response
from jijinan.regions.models import Region
from jijinan.regions.pickers import bind_region_pickers
from jijinan.supervision.choices import OrderStatus
from jijinan.supervision.models import SupervisionOrder
from jijinan.supervision.orders import forms, selectors, services
from jijinan.supervision.orders.permissions import (
    ORDER_ANSWER,
    ORDER_ISSUE,
    ORDER_READ,
    ORDER_VIEW,
    ORDER_VIEW_ADDRESSED,
)

PAGE_SIZE = 25
SUBJECT_TYPES = {"case": "cases.case", "task": "referrals.task", "escalation": "consultation.escalation",
                 "crisis": "consultation.crisis"}


def _late(order: SupervisionOrder, now: Any) -> bool:
    return order.status == OrderStatus.OPEN and order.deadline is not None and order.deadline.due_at < now


# --- the lists --------------------------------------------------------------------------------------------


def _addressees(user: Any) -> list[Organisation]:
    ids = selectors.visible_orders(user).values("addressee_office_id")
    return list(Organisation.objects.filter(pk__in=ids).select_related("region").order_by("region__code", "name"))


def _list_filters(request: HttpRequest) -> tuple[forms.ListFilterForm, selectors.OrderFilters]:
    form = forms.ListFilterForm(request.GET or None, addressees=_addressees(request.user))
    bind_region_pickers(form, request.user)
    found = selectors.OrderFilters()
    if form.is_valid():
        d = form.cleaned_data
        region = Region.objects.filter(code=d["region"]).first() if d.get("region") else None
        found = selectors.OrderFilters(status=d["status"] or "open", matter_kind=d["matter_kind"] or "",
                                       region_prefix=region.prefix if region is not None else "",
                                       addressee_id=d["addressee"], overdue=bool(d["overdue"]), q=d["q"] or "")
    return form, found


def _items(orders: list[SupervisionOrder]) -> list[dict[str, Any]]:
    now = timezone.now()
    return [{"o": o, "late": _late(o, now),
             "due_note": due_note(o.deadline.due_at, now=now)[0] if o.deadline is not None
             and o.status == OrderStatus.OPEN else ""} for o in orders]


@requires(ORDER_VIEW)
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    form, filters = _list_filters(request)
    rows = selectors.order_list_for_user(user=request.user, filters=filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/orders/list.html", {
        "form": form, "page": page, "items": _items(list(page.object_list)), "filters": filters,
        "may_issue": can(request.user, ORDER_ISSUE),
        **exports.export_link_context(request, url=reverse("supervision:orders_export"), may_export=True)})


EXPORT_COLUMNS = (
    exports.Column("number", gettext_lazy("督办编号")), exports.Column("matter_kind", gettext_lazy("督办事由")),
    exports.Column("case", gettext_lazy("急难事项编号")), exports.Column("region", gettext_lazy("所属区划")),
    exports.Column("addressee", gettext_lazy("承办单位")), exports.Column("issuer", gettext_lazy("督办单位")),
    exports.Column("level", gettext_lazy("督办层级")), exports.Column("status", gettext_lazy("状态")),
    exports.Column("created_at", gettext_lazy("督办时间"), exports.ColumnKind.DATETIME),
    exports.Column("due_at", gettext_lazy("答复期限"), exports.ColumnKind.DATETIME),
    exports.Column("answered_at", gettext_lazy("答复时间"), exports.ColumnKind.DATETIME),
    exports.Column("reason", gettext_lazy("督办事由说明")),
)


def _export_rows(rows: Any) -> Any:
    for o in rows:
        yield {"number": o.number, "matter_kind": o.get_matter_kind_display(),
               "case": o.case.number if o.case is not None else "", "region": o.region.name,
               "addressee": o.addressee_office.name, "issuer": o.issuing_office.name, "level": str(o.level),
               "status": o.get_status_display(), "created_at": o.created_at,
               "due_at": o.deadline.due_at if o.deadline is not None else None, "answered_at": o.answered_at,
               "reason": o.reason[:500]}


@requires(ORDER_VIEW)
@require_GET
def order_export(request: HttpRequest) -> HttpResponseBase:
    """The list as filtered on the page, as an Excel file (logged like every export)."""
    form, filters = _list_filters(request)
    rows = selectors.order_list_for_user(user=request.user, filters=filters)
    shown = {str(_("状态")): str(dict(form.fields["status"].choices).get(filters.status, filters.status))}  # type: ignore[attr-defined]
    if filters.q:
        shown[str(_("督办编号或事项编号"))] = filters.q
    if filters.overdue:
        shown[str(_("只看逾期未答复的"))] = str(_("是"))
    spec = exports.ExportSpec(title=gettext_lazy("督办单"), subject_type="supervision.order", columns=EXPORT_COLUMNS,
                              fields=["reason"])
    return exports.export_page(request, reverse("supervision:orders"), lambda options: exports.export_list(
        actor=request.user, spec=spec, rows=_export_rows(rows), count=rows.count(), filters=shown, masked=True,
        reason=options.reason))


@requires(ORDER_VIEW_ADDRESSED)
@require_GET
def orders_addressed(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status not in ("open", "all", *OrderStatus.values):
        status = "open"
    rows = selectors.orders_addressed_for_user(user=request.user, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/orders/addressed.html", {
        "page": page, "items": _items(list(page.object_list)), "status": status,
        "statuses": [("open", _("待答复")), (OrderStatus.ANSWERED, OrderStatus.ANSWERED.label),
                     (OrderStatus.CLOSED, OrderStatus.CLOSED.label), ("all", _("全部"))]})


# --- one order --------------------------------------------------------------------------------------------


def _context(request: HttpRequest, order: SupervisionOrder, **forms_given: Any) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    may_answer = order.status == OrderStatus.OPEN and services.may_answer(user, order)
    may_review = services.may_review(user, order)
    history = selectors.order_history(order)
    answer = forms_given.get("answer_form") or (
        forms.AnswerForm(initial={"version": order.version}) if may_answer else None)
    review = forms_given.get("review_form") or (
        forms.ReviewForm(initial={"version": order.version}) if may_review and order.status == OrderStatus.ANSWERED
        else None)
    cancel = forms_given.get("cancel_form") or (
        forms.CancelForm(initial={"version": order.version}) if may_review and order.is_open else None)
    due = order.deadline.due_at if order.deadline is not None else None
    return {"order": order, "history": history, "chain": selectors.order_chain(order),
            "matter_url": selectors.subject_link(order), "late": _late(order, now),
            "due": due, "due_note": due_note(due, now=now)[0] if due is not None and order.status == OrderStatus.OPEN
            else "", "answer_form": answer, "review_form": review, "cancel_form": cancel}


@requires(ORDER_READ)
@require_GET
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    return render(request, "supervision/orders/detail.html", _context(request, order))


def _refused(form: Any, exc: DomainError, version: int | None = None, aliases: dict[str, str] | None = None) -> int:
    if exc.status in (403, 404):
        raise exc
    return refusal_on_form(form, exc, aliases=aliases, version=version)


@requires(ORDER_ANSWER)
@require_POST
def order_answer(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    form = forms.AnswerForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            services.order_answer(actor=acting_user(request), order=order, version=form.cleaned_data["version"],
                                  text=form.cleaned_data["answer"], uploads=form.uploads())
        except DomainError as exc:
            status = _refused(form, exc, order.version, aliases={"attachments": "documents"})
        else:
            messages.success(request, _("已答复督办，已通知督办单位审核"))
            return redirect("supervision:order", pk=pk)
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    return render(request, "supervision/orders/detail.html", _context(request, order, answer_form=form),
                  status=status)


@requires(ORDER_ISSUE)
@require_POST
def order_review(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    form = forms.ReviewForm(request.POST)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        try:
            if d["decision"] == "close":
                services.order_close(actor=acting_user(request), order=order, version=d["version"], note=d["note"])
                done = _("督办已办结")
            else:
                services.order_send_back(actor=acting_user(request), order=order, version=d["version"],
                                         note=d["note"])
                done = _("已退回重办，已通知承办单位")
        except DomainError as exc:
            status = _refused(form, exc, order.version)
        else:
            messages.success(request, done)
            return redirect("supervision:order", pk=pk)
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    return render(request, "supervision/orders/detail.html", _context(request, order, review_form=form),
                  status=status)


@requires(ORDER_ISSUE)
@require_POST
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    form = forms.CancelForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.order_cancel(actor=acting_user(request), order=order, version=form.cleaned_data["version"],
                                  reason=form.cleaned_data["reason"])
        except DomainError as exc:
            status = _refused(form, exc, order.version)
        else:
            messages.success(request, _("督办已撤销"))
            return redirect("supervision:order", pk=pk)
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    return render(request, "supervision/orders/detail.html", _context(request, order, cancel_form=form),
                  status=status)


@requires(ORDER_READ)
@require_GET
def order_attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    attachment = selectors.order_attachment_get(order=order, pk=attachment_id)
    content = files.read(attachment.path)
    access_log_record(actor=request.user, kind="view", subject=order, subject_label=order.number,
                      region_code=order.region.code, fields=["attachment"],
                      purpose=_("查看督办附件 %(name)s") % {"name": attachment.name})
    extension = attachment.path.rsplit(".", 1)[-1]
    return inline_response(content, content_type=attachment.content_type,
                           filename=f"order-{order.pk}-{attachment.pk}.{extension}")


@requires(ORDER_VIEW)
@require_GET
def case_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case page's 督办 section: the case's orders, and the way to open one."""
    case = get_for_user(Case.objects.select_related("handling_region"), request.user, ORDER_VIEW,
                        selectors.CASE_PATHS, pk=case_id)
    orders = selectors.visible_orders(request.user).filter(case=case).select_related(
        "addressee_office", "deadline").order_by("-created_at", "-id")
    return render(request, "supervision/orders/case_panel.html", {
        "case": case, "orders": list(orders),
        "may_issue": can(request.user, ORDER_ISSUE, Target(region_prefix=case.handling_region.prefix))})


# --- opening an order by hand ---------------------------------------------------------------------------


@requires(ORDER_ISSUE)
@require_GET
def order_new(request: HttpRequest) -> HttpResponse:
    """Find the case to supervise (by its number or the person's name)."""
    form = forms.CaseSearchForm(request.GET or None)
    found = None
    if form.is_valid():
        found = selectors.matters_of(selectors.cases_to_supervise(user=request.user, q=form.cleaned_data["q"]))
    return render(request, "supervision/orders/new.html", {"form": form, "found": found})


def _matter(request: HttpRequest, kind: str, subject_id: int) -> services.Matter:
    subject_type = SUBJECT_TYPES.get(kind)
    if subject_type is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    return selectors.matter_for_user(user=request.user, subject_type=subject_type, subject_id=subject_id)


def _open_form(matter: services.Matter, data: Any = None) -> forms.OpenForm:
    offices = services.addressable_offices(matter)
    staff = User.objects.filter(is_active=True, organisation__in=offices).select_related("organisation").order_by(
        "organisation__region__code", "full_name", "username")
    initial = {"addressee_office": matter.default_office.pk} if matter.default_office is not None else {}
    return forms.OpenForm(data, offices=offices, staff=staff, initial=initial)


@requires(ORDER_ISSUE)
@require_http_methods(["GET", "POST"])
def order_open(request: HttpRequest, kind: str, subject_id: int) -> HttpResponse:
    matter = _matter(request, kind, subject_id)
    existing = services.open_order_of(services.matter_key(matter.subject_type, matter.subject_id))
    status = 200
    form = _open_form(matter, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                order = services.order_open(
                    actor=acting_user(request), matter=matter, reason=d["reason"],
                    required_response=d["required_response"], addressee_office_id=d["addressee_office"],
                    addressee_user_id=d["addressee_user"].pk if d["addressee_user"] is not None else None,
                    limit_count=d["limit_count"], limit_unit=d["limit_unit"])
            except DomainError as exc:
                status = _refused(form, exc, aliases={"subject": "__all__"})
            else:
                messages.success(request, _("已发出督办 %(number)s，已通知 %(office)s") % {
                    "number": order.number, "office": order.addressee_office.name})
                return redirect("supervision:order", pk=order.pk)
    return render(request, "supervision/orders/open.html", {"matter": matter, "form": form, "existing": existing},
                  status=status)
