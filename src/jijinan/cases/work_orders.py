"""Work-order numbers of the hotlines (12345, 110, 120) linked to a case after its intake.

A kind holds one number. Adding a kind the case has no number for links it; a kind that already
has a different number is refused unless the new one is given with a reason (a correction: the
old number is kept in the audit trail and the case's timeline); the same number again is refused
as already linked. Who may: whoever may edit the case in its scope — township and county staff,
window clerks and relief stations for any open case, a hotline operator for the cases that came
through a hotline or that they took up themselves.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from jijinan.accounts.scopes import grant_scopes
from jijinan.audit.services import audit_record
from jijinan.cases.choices import OPEN_STAGES, Channel, Stage
from jijinan.cases.errors import CaseErrorCode as E
from jijinan.cases.models import Case
from jijinan.cases.permissions import WORK_ORDER_ADD, WORK_ORDER_ROLES
from jijinan.cases.services import case_event_record
from jijinan.cases.workflow.services import case_locked
from jijinan.core.errors import DomainError, Forbidden
from jijinan.core.jobs.outbox import outbox_write
from jijinan.core.permissions import Role, Target, can, require
from jijinan.core.texts import message

CASE_SUBJECT = "cases.case"
WORK_ORDER_KINDS = ("12345", "110", "120")
KIND_LABELS = {"12345": gettext_lazy("12345 热线工单"), "110": gettext_lazy("110 警情工单"),
               "120": gettext_lazy("120 急救工单")}
NUMBER_MAX = 40
REASON_MAX = 300
HOTLINE_CHANNELS = frozenset({Channel.HOTLINE, Channel.HOTLINE_12345})


def work_order_errors(kind: str, number: str) -> dict[str, list[str]]:
    """What is wrong with one work order, by field (empty: nothing) — the rules of intake."""
    errors: dict[str, list[str]] = {}
    if kind not in WORK_ORDER_KINDS:
        errors["kind"] = [_("工单类型只能是 12345、110 或 120")]
    if not number:
        errors["number"] = [_("请填写工单编号")]
    elif len(number) > NUMBER_MAX or not number.replace("-", "").isalnum() or not number.isascii():
        errors["number"] = [_("工单编号只能含字母、数字和连字符，不超过 %(n)s 个字符") % {"n": NUMBER_MAX}]
    return errors


def _may_edit(actor: Any, case: Case) -> bool:
    """Township and county staff edit any case of their area; a hotline operator only the cases
    that came through a hotline or that they took up."""
    roles = {g.role for g in grant_scopes(actor) if case.handling_region.prefix.startswith(g.prefix)}
    if roles & (WORK_ORDER_ROLES - {Role.HOTLINE_OPERATOR}):
        return True
    return Role.HOTLINE_OPERATOR in roles and (case.channel in HOTLINE_CHANNELS or case.created_by_id == actor.pk)


def work_order_may_add(user: Any, case: Case) -> bool:
    """Whether the case page offers ``user`` the form: the role in the case's area, an open stage,
    and for a hotline operator a case of the hotline or their own."""
    return (case.stage in OPEN_STAGES and can(user, WORK_ORDER_ADD, Target(region_prefix=case.handling_region.prefix))
            and _may_edit(user, case))


def case_work_order_add(*, actor: Any, case: Case, version: Any, kind: str, number: str, reason: str = "") -> Case:
    """Link a hotline work order to the case (or correct one, with a reason); the case's version
    goes up by one, and the keyword search finds the case by the number from now on."""
    kind, number, reason = (kind or "").strip(), (number or "").strip(), (reason or "").strip()
    user = actor if getattr(actor, "pk", None) else None
    require(actor, WORK_ORDER_ADD, Target(region_prefix=case.handling_region.prefix))  # the role first
    errors = work_order_errors(kind, number)
    if len(reason) > REASON_MAX:
        errors["reason"] = [_("不能超过 %(n)s 个字符") % {"n": REASON_MAX}]
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors, code="validation_error")
    with transaction.atomic():
        locked = case_locked(case, version)
        if locked.handling_region_id != case.handling_region_id:
            require(actor, WORK_ORDER_ADD, Target(region_prefix=locked.handling_region.prefix))
        if user is not None and not _may_edit(user, locked):
            raise Forbidden(_("热线坐席只能为经热线登记或本人登记的事项关联工单"), code="forbidden")
        if locked.stage not in OPEN_STAGES:
            raise DomainError(_("事项已处于“%(stage)s”阶段，不能再关联工单") % {"stage": Stage(locked.stage).label},
                              code=E.INVALID_TRANSITION, status=409)
        orders = dict(locked.work_orders or {})
        old = orders.get(kind) or None
        if old == number:
            raise DomainError.for_field("number", _("该工单编号已关联本事项"), code=E.WORK_ORDER_EXISTS)
        if old is not None and not reason:
            raise DomainError(_("本事项已关联%(kind)s %(old)s；更正编号请填写更正理由") % {
                "kind": KIND_LABELS[kind], "old": old}, code=E.WORK_ORDER_EXISTS, status=409,
                field_errors={"reason": [_("更正已关联的工单编号须填写理由")]})
        now = timezone.now()
        orders[kind] = number
        locked.work_orders = orders
        locked.version += 1
        locked.updated_at = now
        locked.save(update_fields=["work_orders", "version", "updated_at"])
        if old is None:
            summary = message(gettext_noop("关联%(kind)s %(number)s"), {"kind": KIND_LABELS[kind], "number": number})
        else:
            summary = message(gettext_noop("更正%(kind)s：%(old)s → %(number)s；理由：%(reason)s"), {
                "kind": KIND_LABELS[kind], "old": old, "number": number, "reason": reason})
        case_event_record(case=locked, kind="work_order", text=summary, actor=user, at=now,
                          data={"kind": kind, "number": number, "previous": old, "reason": reason})
        audit_record(actor=actor, action=WORK_ORDER_ADD, subject=locked, subject_label=locked.number,
                     region_code=locked.handling_region.code, note=reason,
                     changes={f"work_orders.{kind}": (old, number),
                              "version": (locked.version - 1, locked.version)})
        outbox_write(type="cases.case.work_order_added", subject_type=CASE_SUBJECT, subject_id=str(locked.pk),
                     payload={"id": locked.pk, "number": locked.number, "region_code": locked.handling_region.code,
                              "kind": kind, "work_order": number, "previous": old, "version": locked.version})
    return locked
