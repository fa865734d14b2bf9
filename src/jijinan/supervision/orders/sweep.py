"""The system's own 督办 orders, opened by a periodic sweep on behalf of the supervising civil-affairs
office, and the escalation of orders left unanswered past their deadline.

What is chased: a deadline still owed past its grace (a parameter per county), an escalation whose
convene deadline ran out, a consultation duty whose task deadline ran out, a live deflection flag.
Each matter gets one order, ever: a matter that already had one (open, closed or cancelled) is not
chased again by the sweep, and an order left unanswered escalates instead.

Orders are opened in batches (one transaction per batch: numbers, orders, deadlines, history,
audit and notices). Deadline rows are taken with SKIP LOCKED, so two sweeps at once split the work;
the unique constraint on an open matter settles any remaining race (the loser's row is skipped).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jijinan.consultation.choices import EscalationStatus
from jijinan.consultation.models import Duty, Escalation
from jijinan.consultation.services import CONVENE_DEADLINE
from jijinan.core.calendar.workdays import calendar_snapshot
from jijinan.core.deadlines.kinds import kind_label
from jijinan.core.deadlines.models import Deadline
from jijinan.core.deadlines.selectors import overdue_condition
from jijinan.core.deadlines.services import deadline_cancel
from jijinan.core.errors import DomainError
from jijinan.core.extensions.subjects import subject_labels
from jijinan.core.jobs.queue import periodic
from jijinan.policy.lookup import value as parameter_value
from jijinan.referrals.choices import OPEN_STATUSES, FlagStatus
from jijinan.referrals.models import DeflectionFlag, Task
from jijinan.regions.models import Region
from jijinan.supervision.choices import MatterKind, OrderEventKind, OrderStatus
from jijinan.supervision.models import OrderEvent, SupervisionOrder
from jijinan.supervision.orders.routing import Offices, county_code, next_addressee
from jijinan.supervision.orders.services import (
    GRACE_PARAMETER,
    ORDER_DEADLINE,
    RELATED,
    Draft,
    Limits,
    open_orders,
)

logger = logging.getLogger(__name__)

SWEEP_BATCH = 1000


def _local(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _required() -> str:
    return _("请在答复期限内办结该事项，并答复办理情况（做了什么、结果如何）；确有困难的，说明原因和办理计划。")


class Graces:
    """The grace of each county, and when a deadline's grace runs out (both read once per run)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.snapshot = calendar_snapshot()
        self._found: dict[str, Any] = {}
        self._ends: dict[tuple[str, datetime], datetime] = {}

    def of(self, region_code: str) -> Any:
        key = county_code(region_code)
        if key not in self._found:
            try:
                self._found[key] = parameter_value(GRACE_PARAMETER, region_code, self.now)
            except DomainError:
                logger.warning("no %s in force for %s: its deadlines are not chased", GRACE_PARAMETER, key)
                self._found[key] = None
        return self._found[key]

    def past(self, region_code: str, due_at: datetime) -> Any:
        """The grace parameter when the deadline is overdue for longer than the grace, else None."""
        found = self.of(region_code)
        if found is None:
            return None
        key = (county_code(region_code), due_at)
        end = self._ends.get(key)
        if end is None:
            end = self.snapshot.deadline_at(due_at, found.value.count, found.value.unit).due_at
            self._ends[key] = end
        return found if end < self.now else None


@dataclass
class SweepResult:
    opened: int = 0
    escalated: int = 0


class Regions:
    def __init__(self) -> None:
        self._found: dict[str, Region | None] = {}

    def get(self, codes: set[str]) -> dict[str, Region | None]:
        wanted = codes - self._found.keys()
        if wanted:
            found = {r.code: r for r in Region.objects.filter(code__in=wanted)}
            for code in wanted:
                self._found[code] = found.get(code)
        return {c: self._found[c] for c in codes}


# --- deadlines ------------------------------------------------------------------------------------------


def deadline_candidates(now: datetime) -> Any:
    """Deadlines still owed and past their time that no order has chased yet; the escalations'
    convene deadlines, the duties' task deadlines and orders' own deadlines are matters of their own."""
    duty_deadlines = Task.objects.filter(consultation_duty__isnull=False, deadline__isnull=False).values("deadline_id")
    return (Deadline.objects.filter(overdue_condition(now))
            .exclude(kind__in=[CONVENE_DEADLINE, ORDER_DEADLINE])
            .exclude(pk__in=duty_deadlines)
            .filter(~Exists(SupervisionOrder.objects.filter(overdue_deadline=OuterRef("pk")))))


def _deadline_drafts(rows: list[Deadline], *, graces: Graces, offices: Offices, regions: Regions) -> list[Draft]:
    due = [(d, graces.past(d.region_code, d.due_at)) for d in rows]
    due = [(d, g) for d, g in due if g is not None]
    if not due:
        return []
    found = regions.get({d.region_code for d, _g in due})
    labels = subject_labels((d.subject_type, d.subject_id) for d, _g in due)
    task_cases = dict(Task.objects.filter(pk__in=[int(d.subject_id) for d, _g in due if d.subject_type ==
                                                  "referrals.task" and d.subject_id.isdigit()])
                      .values_list("pk", "case_id"))
    drafts = []
    for d, grace in due:
        office = d.owner_organisation or (d.owner_user.organisation if d.owner_user is not None else None)
        region = found.get(d.region_code)
        issuer = offices.issuer(office) if office is not None else None
        if office is None or region is None or issuer is None:
            continue  # nobody to address or to issue: left to the board
        case_id = None
        if d.subject_type == "cases.case" and d.subject_id.isdigit():
            case_id = int(d.subject_id)
        elif d.subject_type == "referrals.task" and d.subject_id.isdigit():
            case_id = task_cases.get(int(d.subject_id))
        reason = _("%(subject)s 的%(kind)s已于 %(due)s 到期，超过宽限期（%(grace)s）仍未办结") % {
            "subject": labels[(d.subject_type, d.subject_id)].text, "kind": kind_label(d.kind),
            "due": _local(d.due_at), "grace": grace.display()}
        drafts.append(Draft(
            matter_kind=MatterKind.DEADLINE, matter_key=f"deadline:{d.pk}", subject_type=d.subject_type,
            subject_id=d.subject_id, region=region, addressee_office=office, addressee_user=d.owner_user,
            issuing_office=issuer, reason=reason, required_response=_required(), case_id=case_id,
            overdue_deadline_id=d.pk, parameters={GRACE_PARAMETER: grace.version_id}))
    return drafts


def _sweep_deadlines(now: datetime, batch: int, offices: Offices, limits: Limits) -> int:
    graces, regions = Graces(now), Regions()
    opened, last = 0, 0
    while True:
        with transaction.atomic():
            rows = list(deadline_candidates(now).filter(pk__gt=last)
                        .select_related("owner_organisation", "owner_organisation__region",
                                        "owner_user", "owner_user__organisation",
                                        "owner_user__organisation__region")
                        .select_for_update(skip_locked=True, of=("self",)).order_by("pk")[:batch])
            if rows:
                last = rows[-1].pk
                drafts = _deadline_drafts(rows, graces=graces, offices=offices, regions=regions)
                opened += len(open_orders(drafts, actor=None, now=now, limits=limits))
        if len(rows) < batch:
            return opened


# --- escalations, duties, flags -------------------------------------------------------------------------


def _not_chased(keys: list[str]) -> set[str]:
    """Of ``keys``, the matters no order ever chased."""
    chased = set(SupervisionOrder.objects.filter(matter_key__in=keys).values_list("matter_key", flat=True))
    return {k for k in keys if k not in chased}


def _escalation_drafts(now: datetime, offices: Offices) -> list[Draft]:
    rows = list(Escalation.objects.filter(
        status=EscalationStatus.OPEN, deadline__due_at__lt=now, deadline__met_at__isnull=True,
        deadline__cancelled_at__isnull=True).select_related(
        "case", "case__handling_region", "office", "office__region", "deadline").order_by("pk"))
    fresh = _not_chased([f"escalation:{e.pk}" for e in rows])
    drafts = []
    for e in rows:
        key = f"escalation:{e.pk}"
        issuer = offices.issuer(e.office)
        if key not in fresh or issuer is None or e.deadline is None:
            continue
        drafts.append(Draft(
            matter_kind=MatterKind.ESCALATION, matter_key=key, subject_type="consultation.escalation",
            subject_id=str(e.pk), region=e.case.handling_region, addressee_office=e.office, issuing_office=issuer,
            reason=_("报告协商 %(number)s 的召集会商期限已于 %(due)s 届满，尚未召集会商") % {
                "number": e.number, "due": _local(e.deadline.due_at)},
            required_response=_("请立即召集会商，征求有关部门意见，并答复召集情况和会商安排。"), case_id=e.case_id,
            overdue_deadline_id=e.deadline_id))
    return drafts


def _duty_drafts(now: datetime, offices: Offices) -> list[Draft]:
    rows = list(Duty.objects.filter(task__status__in=OPEN_STATUSES, task__deadline__due_at__lt=now,
                                    task__deadline__met_at__isnull=True, task__deadline__cancelled_at__isnull=True)
                .select_related("office", "office__region", "task", "task__deadline", "task__case",
                                "task__case__handling_region", "decision__consultation__escalation")
                .order_by("pk"))
    fresh = _not_chased([f"duty:{d.pk}" for d in rows])
    drafts = []
    for d in rows:
        key = f"duty:{d.pk}"
        issuer = offices.issuer(d.office)
        task, due = d.task, d.task.deadline if d.task is not None else None
        if key not in fresh or issuer is None or task is None or due is None:
            continue
        drafts.append(Draft(
            matter_kind=MatterKind.DUTY, matter_key=key, subject_type="referrals.task", subject_id=str(task.pk),
            region=task.case.handling_region, addressee_office=d.office, issuing_office=issuer,
            reason=_("会商决定（%(number)s）分工由%(office)s落实的“%(duty)s”已于 %(due)s 到期，尚未办结") % {
                "number": d.decision.consultation.escalation.number, "office": d.office.name,
                "duty": d.description[:100], "due": _local(due.due_at)},
            required_response=_required(), case_id=task.case_id, overdue_deadline_id=task.deadline_id))
    return drafts


def _flag_drafts(offices: Offices) -> list[Draft]:
    rows = list(DeflectionFlag.objects.filter(status=FlagStatus.OPEN).select_related(
        "task", "task__office", "task__office__region", "task__case", "task__case__handling_region",
        "covering_office", "covering_office__region").order_by("pk"))
    fresh = _not_chased([f"flag:{f.pk}" for f in rows])
    drafts = []
    for f in rows:
        key = f"flag:{f.pk}"
        task = f.task
        office = task.office if task.status in OPEN_STATUSES or f.covering_office is None else f.covering_office
        issuer = offices.issuer(office)
        if key not in fresh or issuer is None:
            continue
        drafts.append(Draft(
            matter_kind=MatterKind.DEFLECTION, matter_key=key, subject_type="referrals.task",
            subject_id=str(task.pk), region=task.case.handling_region, addressee_office=office,
            issuing_office=issuer, flag=f, case_id=task.case_id,
            reason=_("推诿预警：%(detail)s") % {"detail": f.detail},
            required_response=_("请说明任务的办理情况和退回、转办的理由，立即落实办理，并答复结果。")))
    return drafts


def _open_in_batches(drafts: list[Draft], batch: int, now: datetime, limits: Limits) -> int:
    opened = 0
    for start in range(0, len(drafts), batch):
        with transaction.atomic():
            opened += len(open_orders(drafts[start:start + batch], actor=None, now=now, limits=limits))
    return opened


# --- escalation of unanswered orders ------------------------------------------------------------------


def order_escalate(order: SupervisionOrder, *, now: datetime, offices: Offices, limits: Limits
                   ) -> SupervisionOrder | None:
    """An order unanswered past its deadline goes one level up: it becomes ``escalated`` and a new
    order on the same matter is addressed to the office above, issued by the office above that.
    One transaction; None when someone else moved it first or there is nowhere higher to go."""
    with transaction.atomic():
        locked = (SupervisionOrder.objects.select_for_update(skip_locked=True, of=("self",))
                  .select_related(*RELATED).filter(pk=order.pk, status=OrderStatus.OPEN).first())
        if locked is None or locked.deadline is None:
            return None
        deadline = locked.deadline
        if deadline.met_at is not None or deadline.cancelled_at is not None or deadline.paused_at is not None \
                or deadline.due_at >= now:
            return None
        to = next_addressee(locked.addressee_office, offices)
        issuer = offices.issuer_above(to) if to is not None else None
        if to is None or issuer is None:
            logger.info("order %s: no office above %s to escalate to", locked.number, locked.addressee_office)
            return None
        locked.status = OrderStatus.ESCALATED
        locked.version += 1
        locked.save(update_fields=["status", "version"])  # frees the matter for the new order
        reason = _("督办单 %(number)s 逾期未答复（%(office)s，答复期限 %(due)s），提级督办。原督办事由：%(reason)s") % {
            "number": locked.number, "office": locked.addressee_office.name, "due": _local(deadline.due_at),
            "reason": locked.reason[:1000]}
        made = open_orders([Draft(
            matter_kind=locked.matter_kind, matter_key=locked.matter_key, subject_type=locked.subject_type,
            subject_id=locked.subject_id, region=locked.region, addressee_office=to, issuing_office=issuer,
            reason=reason, required_response=locked.required_response, case_id=locked.case_id,
            overdue_deadline_id=locked.overdue_deadline_id, level=locked.level + 1, parent=locked)],
            actor=None, now=now, limits=limits)
        if not made:  # the matter was taken meanwhile: leave this order as it was
            transaction.set_rollback(True)
            return None
        new = made[0]
        locked.escalated_to = new
        locked.save(update_fields=["escalated_to"])
        deadline.refresh_from_db()  # the breach sweep may have stamped it meanwhile
        deadline_cancel(actor=None, deadline=deadline, version=deadline.version, authorised=True,
                        reason=_("逾期未答复，已提级督办（%(number)s）") % {"number": new.number})
        OrderEvent.objects.create(order=locked, kind=OrderEventKind.ESCALATED, at=now, text=_(
            "逾期未答复，提级督办至%(office)s（%(number)s）") % {"office": to.name, "number": new.number})
        from jijinan.audit.services import audit_record

        audit_record(actor=None, action="supervision.order.escalate", subject=locked, subject_label=locked.number,
                     region_code=locked.region.code, note=new.number,
                     changes={"status": (OrderStatus.OPEN, OrderStatus.ESCALATED),
                              "escalated_to": (None, new.number), "addressee": (locked.addressee_office.name, to.name)})
        return new


def order_escalate_due(*, now: datetime, offices: Offices, limits: Limits) -> int:
    ids = list(SupervisionOrder.objects.filter(
        status=OrderStatus.OPEN, deadline__due_at__lt=now, deadline__met_at__isnull=True,
        deadline__cancelled_at__isnull=True, deadline__paused_at__isnull=True).order_by("pk")
        .values_list("pk", flat=True))
    escalated = 0
    for pk in ids:
        try:
            new = order_escalate(SupervisionOrder(pk=pk), now=now, offices=offices, limits=limits)
        except DomainError as exc:  # changed meanwhile (its deadline, a parameter): the next sweep tries again
            logger.warning("order %s not escalated: %s", pk, exc)
            continue
        if new is not None:
            escalated += 1
    return escalated


# --- the sweep ------------------------------------------------------------------------------------------


def order_sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> SweepResult:
    """Open the orders the system owes and escalate the unanswered ones; returns how many of each."""
    now = now or timezone.now()
    offices, limits = Offices.load(), Limits(now)
    result = SweepResult()
    with translation.override(settings.LANGUAGE_CODE):  # orders are written in the official language
        result.opened += _sweep_deadlines(now, batch, offices, limits)
        for drafts in (_escalation_drafts(now, offices), _duty_drafts(now, offices), _flag_drafts(offices)):
            result.opened += _open_in_batches(drafts, batch, now, limits)
        result.escalated = order_escalate_due(now=now, offices=offices, limits=limits)
    return result


@periodic("supervision.order_sweep", every=timedelta(minutes=5))
def order_sweep_job(payload: dict[str, Any]) -> None:
    result = order_sweep()
    if result.opened or result.escalated:
        logger.info("督办 sweep: %s opened, %s escalated", result.opened, result.escalated)
