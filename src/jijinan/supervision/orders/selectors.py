"""Reads of 督办 orders, always through the user's scope: the orders of the matters in their region,
and the orders addressed to an office their grant covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.accounts.choices import OrganisationKind
from jijinan.cases.models import Case
from jijinan.core.errors import NotFound
from jijinan.core.permissions import ScopePaths, get_for_user, restrict
from jijinan.supervision.choices import OPEN_ORDER, MatterKind, OrderStatus
from jijinan.supervision.models import OrderAttachment, OrderEvent, SupervisionOrder
from jijinan.supervision.orders.permissions import (
    ADDRESSEE_PATHS,
    ORDER_ISSUE,
    ORDER_PATHS,
    ORDER_VIEW,
    ORDER_VIEW_ADDRESSED,
)
from jijinan.supervision.orders.services import Matter, answers_for_department_offices

RELATED = ("region", "addressee_office", "addressee_office__region", "issuing_office", "deadline",
           "addressee_user", "issued_by", "case")
CASE_PATHS = ScopePaths(region="handling_region")
SEARCH_LIMIT = 20


def visible_orders(user: Any) -> QuerySet[SupervisionOrder]:
    """Every order the user may read: in their region, or addressed to an office they answer for."""
    base = SupervisionOrder.objects.all()
    region = restrict(base, user, ORDER_VIEW, ORDER_PATHS)
    addressed = restrict(base, user, ORDER_VIEW_ADDRESSED, ADDRESSEE_PATHS)
    return SupervisionOrder.objects.filter(Q(pk__in=region.values("pk")) | Q(pk__in=addressed.values("pk")))


def answering_condition(user: Any) -> Q:
    """Of the orders an answering grant covers, those that wait for the user: addressed to their
    own office, or, for department handlers, to a department office (the scope has matched its
    department type already). A county approver is not asked to answer what was sent to a
    township's or a department's office, though they may read it and answer on its behalf."""
    organisation_id = getattr(user, "organisation_id", None)
    condition = Q(addressee_office_id=organisation_id) if organisation_id else Q(pk__in=[])
    if answers_for_department_offices(user):
        condition |= Q(addressee_office__kind=OrganisationKind.DEPARTMENT_OFFICE)
    return condition


@dataclass(frozen=True)
class OrderFilters:
    status: str = "open"  # "open" (open or answered), one status, or "all"
    matter_kind: str = ""
    region_prefix: str = ""
    addressee_id: int | None = None
    overdue: bool = False
    q: str = ""


def _filtered(rows: QuerySet[SupervisionOrder], f: OrderFilters, now: datetime) -> QuerySet[SupervisionOrder]:
    if f.status == "open":
        rows = rows.filter(status__in=sorted(OPEN_ORDER))
    elif f.status in OrderStatus.values:
        rows = rows.filter(status=f.status)
    if f.matter_kind in MatterKind.values:
        rows = rows.filter(matter_kind=f.matter_kind)
    if f.region_prefix:
        rows = rows.filter(region__prefix__startswith=f.region_prefix)
    if f.addressee_id:
        rows = rows.filter(addressee_office_id=f.addressee_id)
    if f.overdue:
        rows = rows.filter(status=OrderStatus.OPEN, deadline__due_at__lt=now)
    q = f.q.strip()
    if q:
        rows = rows.filter(Q(number__icontains=q) | Q(case__number__icontains=q))
    return rows


def order_list_for_user(*, user: Any, filters: OrderFilters | None = None, now: datetime | None = None
                        ) -> QuerySet[SupervisionOrder]:
    """The orders the user may read, filtered, newest first."""
    rows = _filtered(visible_orders(user), filters or OrderFilters(), now or timezone.now())
    return rows.select_related(*RELATED).order_by("-created_at", "-id")


def orders_addressed_for_user(*, user: Any, status: str = "open") -> QuerySet[SupervisionOrder]:
    """The orders waiting for the user's office to answer (soonest due first)."""
    rows = restrict(SupervisionOrder.objects.select_related(*RELATED), user, ORDER_VIEW_ADDRESSED, ADDRESSEE_PATHS)
    rows = rows.filter(answering_condition(user))
    if status == "open":
        rows = rows.filter(status=OrderStatus.OPEN)
    elif status in OrderStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("deadline__due_at", "-id")


def order_get_for_user(*, user: Any, pk: int) -> SupervisionOrder:
    found = visible_orders(user).filter(pk=pk).select_related(*RELATED, "answered_by", "closed_by",
                                                               "parent", "escalated_to").first()
    if found is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    return found


def order_history(order: SupervisionOrder) -> list[OrderEvent]:
    return list(order.events.select_related("actor").prefetch_related("attachments").order_by("at", "id"))


def order_chain(order: SupervisionOrder) -> list[SupervisionOrder]:
    """The order's escalation chain, first order first (the chain is a few levels at most)."""
    first = order
    seen = {order.pk}
    while first.parent_id is not None and first.parent_id not in seen:
        parent = SupervisionOrder.objects.select_related("addressee_office").filter(pk=first.parent_id).first()
        if parent is None:
            break
        seen.add(parent.pk)
        first = parent
    chain = [first]
    while chain[-1].escalated_to_id is not None and len(chain) < 10:
        nxt = SupervisionOrder.objects.select_related("addressee_office").filter(pk=chain[-1].escalated_to_id).first()
        if nxt is None:
            break
        chain.append(nxt)
    return chain if len(chain) > 1 else []


def order_attachment_get(*, order: SupervisionOrder, pk: int) -> OrderAttachment:
    found = OrderAttachment.objects.filter(order=order, pk=pk).first()
    if found is None:
        raise NotFound(_("未找到该记录"), code="not_found")
    return found


def open_order_counts(*, user: Any, now: datetime | None = None) -> dict[str, int]:
    """How many orders addressed to the user's offices wait for an answer, and how many are late."""
    now = now or timezone.now()
    rows = orders_addressed_for_user(user=user)
    return {"open": rows.count(), "late": rows.filter(deadline__due_at__lt=now).count()}


# --- the matters an order may be opened on by hand -----------------------------------------------------

SUBJECTS = ("cases.case", "referrals.task", "consultation.escalation", "consultation.crisis")


def matter_for_user(*, user: Any, subject_type: str, subject_id: int) -> Matter:
    """A case, department task, escalation or crisis in the user's region for issuing orders (404
    otherwise), with the office responsible for it now."""
    from jijinan.accounts.models import Organisation
    from jijinan.consultation.crisis.models import CrisisIntervention
    from jijinan.consultation.models import Escalation
    from jijinan.referrals.models import Task

    if subject_type == "cases.case":
        case = get_for_user(Case.objects.select_related("handling_region", "owner", "owner__organisation",
                                                        "person"), user, ORDER_ISSUE, CASE_PATHS, pk=subject_id)
        office = case.owner.organisation if case.owner is not None and case.owner.organisation is not None else (
            Organisation.objects.filter(kind="civil_affairs_office", active=True, region=case.handling_region)
            .select_related("region").first())
        return Matter(subject_type, str(case.pk), _("急难事项 %(number)s") % {"number": case.number},
                      case.handling_region, case.pk, office, reverse("cases:case", args=[case.pk]))
    if subject_type == "referrals.task":
        task = get_for_user(Task.objects.select_related("case", "case__handling_region", "office", "office__region"),
                            user, ORDER_ISSUE, ScopePaths(region="case__handling_region"), pk=subject_id)
        return Matter(subject_type, str(task.pk), _("部门任务 %(number)s · %(office)s") % {
            "number": task.number, "office": task.office.name}, task.case.handling_region, task.case_id, task.office,
            reverse("cases:case", args=[task.case_id]))
    if subject_type == "consultation.escalation":
        e = get_for_user(Escalation.objects.select_related("case", "case__handling_region", "office",
                                                           "office__region"),
                         user, ORDER_ISSUE, ScopePaths(region="case__handling_region"), pk=subject_id)
        return Matter(subject_type, str(e.pk), _("报告协商 %(number)s") % {"number": e.number},
                      e.case.handling_region, e.case_id, e.office, reverse("consultation:escalation", args=[e.pk]))
    if subject_type == "consultation.crisis":
        c = get_for_user(CrisisIntervention.objects.select_related("case", "case__handling_region",
                                                                   "case__owner__organisation"),
                         user, ORDER_ISSUE, ScopePaths(region="case__handling_region"), pk=subject_id)
        owner = c.case.owner
        office = owner.organisation if owner is not None else None
        return Matter(subject_type, str(c.pk), _("危机个案 %(number)s") % {"number": c.case.number},
                      c.case.handling_region, c.case_id, office, reverse("cases:case", args=[c.case_id]))
    raise NotFound(_("未找到该记录"), code="not_found")


def cases_to_supervise(*, user: Any, q: str) -> list[Case]:
    """Cases in the user's region for issuing orders whose number or person's name matches ``q``."""
    q = q.strip()
    if not q:
        return []
    rows = restrict(Case.objects.select_related("handling_region", "person"), user, ORDER_ISSUE, CASE_PATHS)
    return list(rows.filter(Q(number__icontains=q) | Q(person__name__icontains=q) | Q(subject_name__icontains=q))
                .order_by("-created_at", "-id")[:SEARCH_LIMIT])


@dataclass(frozen=True)
class Found:
    """A case found to supervise, with the other matters of it an order may be opened on."""

    case: Case
    tasks: list[Any]
    escalations: list[Any]
    crisis_id: int | None


def matters_of(cases: list[Case]) -> list[Found]:
    """The department tasks, escalations and crisis case of each case (three reads for the list)."""
    from jijinan.consultation.crisis.models import CrisisIntervention
    from jijinan.consultation.models import Escalation
    from jijinan.referrals.models import Task

    ids = [c.pk for c in cases]
    tasks: dict[int, list[Any]] = {}
    for t in Task.objects.filter(case_id__in=ids).select_related("case", "office").order_by("sequence"):
        tasks.setdefault(t.case_id, []).append(t)
    escalations: dict[int, list[Any]] = {}
    for e in Escalation.objects.filter(case_id__in=ids).select_related("case").order_by("pk"):
        escalations.setdefault(e.case_id, []).append(e)
    crises = dict(CrisisIntervention.objects.filter(case_id__in=ids).values_list("case_id", "pk"))
    return [Found(c, tasks.get(c.pk, []), escalations.get(c.pk, []), crises.get(c.pk)) for c in cases]


def subject_link(order: SupervisionOrder) -> str:
    """The page of the order's matter (the case, or the escalation)."""
    if order.subject_type == "consultation.escalation":
        return reverse("consultation:escalation", args=[int(order.subject_id)])
    if order.case_id:
        return reverse("cases:case", args=[order.case_id])
    if order.overdue_deadline_id and order.overdue_deadline is not None:
        return order.overdue_deadline.subject_url
    return ""
