"""Writes of 督办 orders: open one by hand, answer it (with documents), close it as satisfied, send it
back, cancel it; and the system's own orders, opened in batches by the sweep (see ``sweep.py``).

Each change of one order is one transaction: the order row is locked and its version compared (a
stale version is refused with 409 and changes nothing), the status and the right are checked, then
the order, its answer deadline, its history event, the audit event and the outbox message of its
notice are written together. One matter has at most one open order: the database holds the rule
(a conditional unique constraint on ``matter_key``), and a duplicate is refused with the number of
the open order, or skipped by the sweep.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import CharField, F, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import Organisation, User
from jijinan.accounts.scopes import grant_scopes
from jijinan.audit.services import audit_record, audit_record_many
from jijinan.cases.intake import attachments as files
from jijinan.core.calendar.workdays import MAX_COUNT, DeadlineUnit
from jijinan.core.deadlines.models import Deadline
from jijinan.core.deadlines.services import (
    DeadlineStart,
    deadline_cancel,
    deadline_meet,
    deadline_start,
    deadline_start_many,
)
from jijinan.core.errors import Conflict, DomainError, Forbidden, expected_version, stale_version
from jijinan.core.jobs.outbox import outbox_write_many
from jijinan.core.permissions import Role, Target, can, require
from jijinan.policy.lookup import value as parameter_value
from jijinan.referrals.deflection.services import flag_supervise
from jijinan.regions.models import Region
from jijinan.supervision.choices import OPEN_ORDER, MatterKind, OrderEventKind, OrderStatus
from jijinan.supervision.models import OrderAttachment, OrderEvent, OrderNumberCounter, SupervisionOrder
from jijinan.supervision.orders import notify
from jijinan.supervision.orders.errors import OrderErrorCode as E
from jijinan.supervision.orders.permissions import ORDER_ANSWER, ORDER_ISSUE
from jijinan.supervision.orders.routing import Offices

logger = logging.getLogger(__name__)

ORDER_SUBJECT = "supervision.order"
ORDER_DEADLINE = "supervision.order"
LIMIT_PARAMETER = "case_handling.supervision_order_limit"
GRACE_PARAMETER = "case_handling.supervision_order_grace"
TEXT_MAX = 4000
SHORT_MAX = 500
NUMBER_PREFIX = "DB"
# Offices an order may be addressed to.
ADDRESSABLE = frozenset({OrganisationKind.CIVIL_AFFAIRS_OFFICE, OrganisationKind.DEPARTMENT_OFFICE,
                         OrganisationKind.GOVERNMENT_OFFICE, OrganisationKind.RELIEF_STATION})


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _text(value: Any, name: str, *, required: str | None = None, limit: int = TEXT_MAX) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise DomainError.for_field(name, required, code=E.TEXT_REQUIRED)
    if len(text) > limit:
        raise DomainError.for_field(name, _("不能超过 %(n)s 个字符") % {"n": limit})
    return text


def _stale(current: int, given: int) -> Conflict:
    return stale_version(_("该督办单已被他人修改（当前版本 %(current)s，您提交的是 %(given)s），请刷新后重试") % {
        "current": current, "given": given})


def _due_text(deadline: Any) -> str:
    return timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M") if deadline is not None else "—"


# --- numbers and the common write ----------------------------------------------------------------------


def take_numbers(count: int, *, now: datetime) -> list[str]:
    """``count`` new order numbers of the year (DB-2026-000001 …), under the counter's row lock."""
    year = timezone.localtime(now).year
    OrderNumberCounter.objects.get_or_create(year=year)
    counter = OrderNumberCounter.objects.select_for_update().get(year=year)
    first = counter.last + 1
    OrderNumberCounter.objects.filter(pk=counter.pk).update(last=F("last") + count)
    return [f"{NUMBER_PREFIX}-{year}-{n:06d}" for n in range(first, first + count)]


@dataclass
class Draft:
    """An order about to be opened (by hand, by the sweep, or by an escalation)."""

    matter_kind: str
    matter_key: str
    subject_type: str
    subject_id: str
    region: Region
    addressee_office: Organisation
    issuing_office: Organisation
    reason: str
    required_response: str
    addressee_user: Any = None
    case_id: int | None = None
    overdue_deadline_id: int | None = None
    flag: Any = None
    level: int = 0
    parent: SupervisionOrder | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    limit: tuple[int, str] | None = None  # chosen by hand; else the parameter


class Limits:
    """The answer limit of each county, read once per run."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._found: dict[str, Any] = {}

    def of(self, region_code: str) -> Any:
        key = region_code[:6]
        if key not in self._found:
            self._found[key] = parameter_value(LIMIT_PARAMETER, region_code, self.now)
        return self._found[key]


def _insert(orders: list[SupervisionOrder]) -> list[SupervisionOrder]:
    """Insert the orders; one whose matter already has an open order (the constraint) is left out."""
    try:
        with transaction.atomic():
            return SupervisionOrder.objects.bulk_create(orders)
    except IntegrityError:
        pass
    made = []
    for order in orders:
        try:
            with transaction.atomic():
                order.save(force_insert=True)
        except IntegrityError:
            order.pk = None
            continue
        made.append(order)
    return made


def _link_deadlines(orders: list[SupervisionOrder]) -> None:
    """Point each new order at its answer deadline and keep the parameters it used, in two
    statements for the batch (a CASE per row would cost more than the inserts)."""
    if not orders:
        return
    ids = [o.pk for o in orders]
    SupervisionOrder.objects.filter(pk__in=ids).update(deadline=Subquery(
        Deadline.objects.filter(subject_type=ORDER_SUBJECT, kind=ORDER_DEADLINE,
                                subject_id=Cast(OuterRef("pk"), CharField())).order_by("-pk").values("pk")[:1]))
    by_parameters: dict[str, list[int]] = {}
    for o in orders:
        by_parameters.setdefault(json.dumps(o.parameters, sort_keys=True), []).append(o.pk)
    for stored, pks in by_parameters.items():
        SupervisionOrder.objects.filter(pk__in=pks).update(parameters=json.loads(stored))


def open_orders(drafts: list[Draft], *, actor: Any, now: datetime, limits: Limits | None = None
                ) -> list[SupervisionOrder]:
    """Open the drafted orders inside the caller's transaction, with their answer deadlines, their
    history, audit events and notices; a draft whose matter already has an open order is skipped.
    Returns the orders opened."""
    limits = limits or Limits(now)
    ready = []
    for d in drafts:
        if d.limit is None:
            try:
                limits.of(d.region.code)
            except DomainError:
                if actor is not None:
                    raise
                logger.warning("no %s in force for %s: %s waits", LIMIT_PARAMETER, d.region.code, d.matter_key)
                continue
        ready.append(d)
    drafts = ready
    if not drafts:
        return []
    numbers = take_numbers(len(drafts), now=now)
    automatic = actor is None
    built = [SupervisionOrder(
        number=number, matter_kind=d.matter_kind, matter_key=d.matter_key, subject_type=d.subject_type,
        subject_id=d.subject_id, case_id=d.case_id, overdue_deadline_id=d.overdue_deadline_id,
        flag=d.flag, region=d.region, level=d.level, automatic=automatic, issuing_office=d.issuing_office,
        issued_by=_user(actor), addressee_office=d.addressee_office, addressee_user=d.addressee_user,
        reason=d.reason, required_response=d.required_response, parent=d.parent, parameters=d.parameters,
        created_at=now) for number, d in zip(numbers, drafts, strict=True)]
    by_number = {o.number: d for o, d in zip(built, drafts, strict=True)}
    orders = _insert(built)
    starts, used_by_order = [], {}
    for order in orders:
        draft = by_number[order.number]
        if draft.limit is not None:
            count, unit = draft.limit
            used: dict[str, Any] = {}
        else:
            found = limits.of(order.region.code)
            count, unit = found.value.count, found.value.unit
            used = {LIMIT_PARAMETER: found.version_id}
        used_by_order[order.pk] = used
        starts.append(DeadlineStart(
            subject_type=ORDER_SUBJECT, subject_id=order.pk, region_code=order.region.code, kind=ORDER_DEADLINE,
            start=now, limit=count, unit=unit, owner_organisation=order.addressee_office,
            owner_user=order.addressee_user, parameters=used,
            subject_label=f"{order.number} · {order.addressee_office.name}"))
    for order, deadline in zip(orders, deadline_start_many(actor=actor, starts=starts), strict=True):
        order.deadline = deadline
        order.parameters = {**order.parameters, **used_by_order[order.pk]}
    _link_deadlines(orders)
    with translation.override(settings.LANGUAGE_CODE):  # the history is written in the official language
        texts = {o.pk: _("发出督办至%(office)s，请于 %(due)s 前答复：%(reason)s") % {
            "office": o.addressee_office.name, "due": _due_text(o.deadline), "reason": o.reason[:300]}
            for o in orders}
    OrderEvent.objects.bulk_create([OrderEvent(order=o, kind=OrderEventKind.OPENED, actor=_user(actor), at=now,
                                               text=texts[o.pk]) for o in orders])
    audit_record_many([{
        "actor": actor, "action": "supervision.order.open", "subject": o, "subject_label": o.number,
        "region_code": o.region.code, "note": o.reason[:300],
        "changes": {"matter": (None, o.matter_key), "addressee": (None, o.addressee_office.name),
                    "due_at": (None, o.deadline.due_at if o.deadline else None), "level": (None, o.level)}}
        for o in orders])
    for o in orders:
        if o.flag is not None:
            flag_supervise(o.flag, note=_("督办单 %(number)s") % {"number": o.number})
    outbox_write_many([notify.order_message(o, notify.OPENED, actor=actor) for o in orders])
    return orders


# --- by hand --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Matter:
    """A record an order may be opened on by hand, as the services see it."""

    subject_type: str
    subject_id: str
    label: str
    region: Region
    case_id: int | None
    default_office: Organisation | None
    url: str


def matter_key(subject_type: str, subject_id: Any) -> str:
    return f"{subject_type}:{subject_id}"


def open_order_of(key: str) -> SupervisionOrder | None:
    return SupervisionOrder.objects.filter(matter_key=key, status__in=sorted(OPEN_ORDER)).first()


def _duplicate(existing: SupervisionOrder) -> DomainError:
    return DomainError(_("该事项已有未办结的督办单 %(number)s（%(status)s），请在该督办单上继续督办") % {
        "number": existing.number, "status": existing.get_status_display()}, code=E.DUPLICATE, status=409,
        field_errors={"subject": [_("已有未办结的督办单 %(number)s") % {"number": existing.number}]})


def addressable_offices(matter: Matter) -> list[Organisation]:
    """The offices an order on ``matter`` may be addressed to: active offices at the matter's
    region or above it, or inside its county."""
    prefix = matter.region.prefix
    above = [prefix[:n] for n in range(1, len(prefix) + 1)]
    county = matter.region.code[:6]
    from django.db.models import Q

    return list(Organisation.objects.filter(active=True, kind__in=ADDRESSABLE)
                .filter(Q(region__prefix__in=above) | Q(region__code__startswith=county))
                .select_related("region", "department_type").order_by("kind", "region__code", "name"))


def _addressee(matter: Matter, office_id: Any, user_id: Any) -> tuple[Organisation, Any]:
    try:
        pk = int(office_id)
    except (TypeError, ValueError):
        raise DomainError.for_field("addressee_office", _("请选择承办单位"), code=E.OFFICE) from None
    office = next((o for o in addressable_offices(matter) if o.pk == pk), None)
    if office is None:
        raise DomainError.for_field("addressee_office", _("该单位不在本事项所属区域，或已停用，不能承办"),
                                    code=E.OFFICE)
    person = None
    if user_id not in (None, ""):
        try:
            person = User.objects.filter(pk=int(user_id), is_active=True, organisation=office).first()
        except (TypeError, ValueError):
            person = None
        if person is None:
            raise DomainError.for_field("addressee_user", _("承办人应为承办单位的在岗工作人员"), code=E.OFFICE)
    return office, person


def _chosen_limit(count: Any, unit: Any) -> tuple[int, str] | None:
    if count in (None, ""):
        return None
    if unit not in DeadlineUnit.values:
        raise DomainError.for_field("limit_unit", _("请选择时限单位"))
    try:
        n = int(count)
    except (TypeError, ValueError):
        raise DomainError.for_field("limit_count", _("答复时限应为正整数")) from None
    if not 1 <= n <= MAX_COUNT[unit]:
        raise DomainError.for_field("limit_count", _("答复时限应在 1 至 %(n)s 之间") % {"n": MAX_COUNT[unit]})
    return n, unit


def order_open(*, actor: Any, matter: Matter, reason: str, required_response: str, addressee_office_id: Any,
               addressee_user_id: Any = None, limit_count: Any = None, limit_unit: Any = None,
               now: datetime | None = None) -> SupervisionOrder:
    """Open an order by hand on a case, a department task, an escalation or a crisis in the
    actor's region, with a reason, the response required, the addressee and the answer limit (the
    parameter unless chosen). A matter with an open order is refused, naming that order."""
    require(actor, ORDER_ISSUE, Target(region_prefix=matter.region.prefix))
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    checks = {
        "reason": lambda: _text(reason, "reason", required=_("请写明督办事由")),
        "required_response": lambda: _text(required_response, "required_response", required=_("请写明办理要求")),
        "addressee": lambda: _addressee(matter, addressee_office_id, addressee_user_id),
        "limit": lambda: _chosen_limit(limit_count, limit_unit),
    }
    for name, check in checks.items():
        try:
            values[name] = check()
        except DomainError as exc:
            for k, v in exc.field_errors.items():
                errors.setdefault(k, []).extend(str(x) for x in v)
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors)
    office, person = values["addressee"]
    key = matter_key(matter.subject_type, matter.subject_id)
    now = now or timezone.now()
    with transaction.atomic():
        existing = open_order_of(key)
        if existing is not None:
            raise _duplicate(existing)
        issuer = getattr(actor, "organisation", None)
        if issuer is None or issuer.kind not in (OrganisationKind.CIVIL_AFFAIRS_OFFICE,
                                                 OrganisationKind.GOVERNMENT_OFFICE):
            issuer = Offices.load().issuer(office) or office
        draft = Draft(matter_kind=MatterKind.MANUAL, matter_key=key, subject_type=matter.subject_type,
                      subject_id=matter.subject_id, region=matter.region, addressee_office=office,
                      addressee_user=person, issuing_office=issuer, reason=values["reason"],
                      required_response=values["required_response"], case_id=matter.case_id,
                      limit=values["limit"])
        made = open_orders([draft], actor=actor, now=now)
        if not made:  # another supervisor opened one a moment ago
            existing = open_order_of(key)
            raise _duplicate(existing) if existing is not None else DomainError(_("督办未能发出，请重试"))
        return made[0]


# --- one order's moves ----------------------------------------------------------------------------------

RELATED = ("region", "addressee_office", "addressee_office__region", "addressee_office__department_type",
           "issuing_office", "deadline", "addressee_user", "issued_by")


def _locked(order: SupervisionOrder, version: Any) -> SupervisionOrder:
    expected = expected_version(version)
    locked = SupervisionOrder.objects.select_for_update(of=("self",)).select_related(*RELATED).get(pk=order.pk)
    if locked.version != expected:
        raise _stale(locked.version, expected)
    return locked


def addressee_target(order: SupervisionOrder) -> Target:
    office = order.addressee_office
    kind = office.department_type
    return Target(region_prefix=office.region.prefix, department_type=kind.code if kind is not None else None)


def answers_for_department_offices(user: Any) -> bool:
    """Department handlers answer for the department offices their grants cover (region subtree and
    department type); other staff's "orders to answer" are those of the office they work in."""
    return any(g.role == Role.DEPARTMENT_HANDLER for g in grant_scopes(user))


def may_answer(user: Any, order: SupervisionOrder) -> bool:
    """Who may answer: role grants whose region (and department type, for department handlers) cover
    the addressee office — its own staff, or someone above answering on its behalf."""
    return can(user, ORDER_ANSWER, addressee_target(order))


def may_review(user: Any, order: SupervisionOrder) -> bool:
    return can(user, ORDER_ISSUE, Target(region_prefix=order.region.prefix))


def _event(order: SupervisionOrder, kind: str, text: str, *, actor: Any, now: datetime) -> OrderEvent:
    return OrderEvent.objects.create(order=order, kind=kind, actor=_user(actor), at=now, text=text)


def _audit(order: SupervisionOrder, action: str, *, actor: Any, before: str, note: str = "",
           **changes: Any) -> None:
    audit_record(actor=actor, action=action, subject=order, subject_label=order.number,
                 region_code=order.region.code, note=note[:300],
                 changes={"status": (before, order.status), **changes})


def _end_deadline(order: SupervisionOrder, actor: Any, *, met: bool, reason: str = "") -> None:
    deadline = order.deadline
    if deadline is None:
        return
    deadline.refresh_from_db()
    if deadline.met_at is not None or deadline.cancelled_at is not None:
        return
    if met:
        deadline_meet(actor=actor, deadline=deadline)
    else:
        deadline_cancel(actor=actor, deadline=deadline, version=deadline.version, reason=reason[:500] or "—",
                        authorised=True)


def order_answer(*, actor: Any, order: SupervisionOrder, version: Any, text: str,
                 uploads: list[files.Upload] | None = None) -> SupervisionOrder:
    """The addressee's answer: what was done, with documents; the answer deadline is met and the
    issuer's side is told."""
    text = _text(text, "answer", required=_("请写明办理情况"))
    checked = files.check_files(uploads or [], field="attachments")
    with files.removed_on_failure() as written, transaction.atomic():
        locked = _locked(order, version)
        if not may_answer(actor, locked):
            raise Forbidden(_("只有承办单位的工作人员可以答复督办"), code="forbidden")
        if locked.status != OrderStatus.OPEN:
            raise DomainError(_("该督办单当前为“%(status)s”，不能答复") % {"status": locked.get_status_display()},
                              code=E.STATUS, status=409)
        now = timezone.now()
        before = locked.status
        locked.answer, locked.answered_by, locked.answered_at = text, _user(actor), now
        locked.status = OrderStatus.ANSWERED
        locked.version += 1
        locked.save()
        _end_deadline(locked, actor, met=True)
        event = _event(locked, OrderEventKind.ANSWERED, text, actor=actor, now=now)
        for c in checked:
            relative = written.store(c)
            OrderAttachment.objects.create(order=locked, event=event, name=c.name, path=relative,
                                           size=len(c.content), content_type=c.content_type, sha256=c.sha256,
                                           uploaded_by=_user(actor), uploaded_at=now)
        _audit(locked, "supervision.order.answer", actor=actor, before=before, note=text,
               attachments=(None, len(checked)))
        outbox_write_many([notify.order_message(locked, notify.ANSWERED, actor=actor)])
        return locked


def _review(actor: Any, order: SupervisionOrder) -> None:
    require(actor, ORDER_ISSUE, Target(region_prefix=order.region.prefix))


def order_close(*, actor: Any, order: SupervisionOrder, version: Any, note: str = "") -> SupervisionOrder:
    """The issuer's side is satisfied with the answer: the order is done (办结)."""
    _review(actor, order)
    note = _text(note, "note")
    with transaction.atomic():
        locked = _locked(order, version)
        _review(actor, locked)
        if locked.status != OrderStatus.ANSWERED:
            raise DomainError(_("只有已答复的督办单可以办结"), code=E.STATUS, status=409)
        now = timezone.now()
        before = locked.status
        locked.status = OrderStatus.CLOSED
        locked.closed_by, locked.closed_at, locked.review_note = _user(actor), now, note
        locked.version += 1
        locked.save()
        _event(locked, OrderEventKind.CLOSED, note, actor=actor, now=now)
        _audit(locked, "supervision.order.close", actor=actor, before=before, note=note)
        outbox_write_many([notify.order_message(locked, notify.CLOSED, actor=actor)])
        return locked


def order_send_back(*, actor: Any, order: SupervisionOrder, version: Any, note: str) -> SupervisionOrder:
    """The answer is not enough: back to the addressee with a note and a new answer deadline."""
    _review(actor, order)
    note = _text(note, "note", required=_("请写明退回理由和还需办理的事项"))
    with transaction.atomic():
        locked = _locked(order, version)
        _review(actor, locked)
        if locked.status != OrderStatus.ANSWERED:
            raise DomainError(_("只有已答复的督办单可以退回重办"), code=E.STATUS, status=409)
        now = timezone.now()
        before = locked.status
        found = parameter_value(LIMIT_PARAMETER, locked.region.code, now)
        locked.deadline = deadline_start(
            actor=actor, subject_type=ORDER_SUBJECT, subject_id=locked.pk, region_code=locked.region.code,
            kind=ORDER_DEADLINE, start=now, limit=found.value.count, unit=found.value.unit,
            owner_organisation=locked.addressee_office, owner_user=locked.addressee_user,
            parameters={LIMIT_PARAMETER: found.version_id})
        locked.status = OrderStatus.OPEN
        locked.sent_back += 1
        locked.review_note = note
        locked.version += 1
        locked.save()
        with translation.override(settings.LANGUAGE_CODE):
            text = _("退回重办：%(note)s；请于 %(due)s 前重新答复") % {"note": note, "due": _due_text(locked.deadline)}
        _event(locked, OrderEventKind.SENT_BACK, text, actor=actor, now=now)
        _audit(locked, "supervision.order.send_back", actor=actor, before=before, note=note,
               due_at=(None, locked.deadline.due_at))
        outbox_write_many([notify.order_message(locked, notify.SENT_BACK, actor=actor)])
        return locked


def order_cancel(*, actor: Any, order: SupervisionOrder, version: Any, reason: str) -> SupervisionOrder:
    """Withdraw an order still open or answered (issued by mistake, the matter settled otherwise)."""
    _review(actor, order)
    reason = _text(reason, "reason", required=_("请写明撤销理由"))
    with transaction.atomic():
        locked = _locked(order, version)
        _review(actor, locked)
        if locked.status not in OPEN_ORDER:
            raise DomainError(_("该督办单已办结、提级或撤销，不能撤销"), code=E.STATUS, status=409)
        now = timezone.now()
        before = locked.status
        locked.status = OrderStatus.CANCELLED
        locked.closed_by, locked.closed_at, locked.review_note = _user(actor), now, reason
        locked.version += 1
        locked.save()
        _end_deadline(locked, actor, met=False, reason=_("督办已撤销：%(reason)s") % {"reason": reason})
        _event(locked, OrderEventKind.CANCELLED, reason, actor=actor, now=now)
        _audit(locked, "supervision.order.cancel", actor=actor, before=before, note=reason)
        outbox_write_many([notify.order_message(locked, notify.CANCELLED, actor=actor)])
        return locked
