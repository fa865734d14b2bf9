"""Payments of aid (救助金发放): the schedule an aid record is paid in, and each payment's status.

An aid record is paid at once or in monthly instalments that stay within the calendar year
(POLICY.md §1: a difficulty lasting longer is paid monthly, "within the calendar year"). A
payment moves ``pending → paid | failed`` and ``paid → returned``; a failed or returned payment is
reissued as a new pending one, the old one kept. A transfer to a bank account needs the bank's
reference to count as paid; a failure or a return needs the reason. Each change is one
transaction with its version check, case event, audit event and outbox message.

The first payment of a case that is paid (handed over with the aid, or recorded paid later) meets
the emergency kind's aid deadline (``AID_DEADLINE``, started at acceptance by the stage line).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jijinan.audit.services import audit_record
from jijinan.cases.choices import AidMethod, PaymentStatus
from jijinan.cases.errors import CaseErrorCode as E
from jijinan.cases.models import AidPayment, CaseAid
from jijinan.cases.permissions import PAYMENT_MANAGE
from jijinan.cases.services import case_event_record
from jijinan.core.deadlines.selectors import deadline_find_open
from jijinan.core.deadlines.services import deadline_meet
from jijinan.core.errors import Conflict, DomainError, expected_version, stale_version
from jijinan.core.jobs.outbox import outbox_write
from jijinan.core.permissions import Target, require
from jijinan.core.texts import Stored, message
from jijinan.policy.calculators.temporary_assistance import split_instalments

MAX_INSTALMENTS = 12
REFERENCE_MAX = 80
NOTE_MAX = 300
# The statuses a payment may move to from each status.
NEXT: dict[str, frozenset[str]] = {
    PaymentStatus.PENDING: frozenset({PaymentStatus.PAID, PaymentStatus.FAILED}),
    PaymentStatus.PAID: frozenset({PaymentStatus.RETURNED}),
    PaymentStatus.FAILED: frozenset(),
    PaymentStatus.RETURNED: frozenset(),
}
# Handed over in person: the first payment is made when the aid is given.
IN_PERSON = frozenset({AidMethod.CASH, AidMethod.IN_KIND, AidMethod.SERVICE})
# The deadline kind of the emergency kind's aid (急难型, counted in hours from acceptance).
AID_DEADLINE = "cases.aid_within_limit"


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def _month_start(day: date, months_ahead: int) -> date:
    month = day.month - 1 + months_ahead
    return date(day.year + month // 12, month % 12 + 1, 1)


def schedule(amount_fen: int, instalments: int, *, today: date) -> list[tuple[int, date]]:
    """(amount, due day) of each payment: the first today, the next ones on the first of each
    following month, all within ``today``'s calendar year; the parts add up to the amount exactly."""
    if isinstance(instalments, bool) or not isinstance(instalments, int) or instalments < 1:
        raise DomainError.for_field("instalments", _("分期数应为正整数"))
    left = 13 - today.month  # this month and the months after it in the year
    if instalments > min(left, MAX_INSTALMENTS):
        raise DomainError.for_field("instalments", _("分期发放不能跨年：本年内最多还可分 %(n)s 期") % {"n": left},
                                    code=E.INSTALMENTS_PAST_YEAR)
    parts = split_instalments(amount_fen, instalments) if instalments > 1 else (amount_fen,)
    return [(part, today if i == 0 else _month_start(today, i)) for i, part in enumerate(parts)]


def payments_create(*, aid: CaseAid, instalments: int, actor: Any, paid_now: bool,
                    reference: str = "") -> list[AidPayment]:
    """The payments of a new aid record (inside the caller's transaction). ``paid_now``: the first
    payment was handed over as the aid was given (a fast track, cash, goods, a service)."""
    now = timezone.now()
    rows = []
    for i, (amount, due) in enumerate(schedule(aid.amount_fen, instalments, today=timezone.localdate(now))):
        first_paid = paid_now and i == 0
        rows.append(AidPayment(aid=aid, sequence=i + 1, amount_fen=amount, due_on=due,
                               status=PaymentStatus.PAID if first_paid else PaymentStatus.PENDING,
                               reference=reference if first_paid else "",
                               changed_by=actor if first_paid and getattr(actor, "pk", None) else None,
                               changed_at=now if first_paid else None))
    created = AidPayment.objects.bulk_create(rows)
    if paid_now:
        aid_deadline_meet(case=aid.case, actor=actor)
    return created


def aid_deadline_meet(*, case: Any, actor: Any) -> None:
    """A payment of the case is paid: the aid deadline, if one is still owed, is met (inside the
    caller's transaction)."""
    deadline = deadline_find_open(subject_type="cases.case", subject_id=case.pk, kind=AID_DEADLINE)
    if deadline is not None:
        deadline_meet(actor=actor, deadline=deadline)


def _locked(payment: AidPayment, version: Any) -> AidPayment:
    expected = expected_version(version)
    locked = AidPayment.objects.select_for_update(of=("self",)).select_related(
        "aid", "aid__case", "aid__case__handling_region").get(pk=payment.pk)
    if locked.version != expected:
        raise stale_version(_("该笔发放已被他人修改，请刷新后重试"))
    return locked


def _record(payment: AidPayment, *, actor: Any, action: str, summary: Stored, changes: dict[str, Any]) -> None:
    case = payment.aid.case
    case_event_record(case=case, kind="payment", actor=actor, text=summary,
                      data={"payment_id": payment.pk, "status": payment.status})
    audit_record(actor=actor, action=action, subject=case, subject_label=case.number,
                 region_code=case.handling_region.code, changes=changes)
    outbox_write(type="cases.payment.changed", subject_type="cases.case", subject_id=str(case.pk), payload={
        "case_id": case.pk, "number": case.number, "payment_id": payment.pk, "aid_id": payment.aid_id,
        "sequence": payment.sequence, "amount_fen": payment.amount_fen, "status": payment.status,
        "version": payment.version})


def payment_update(*, actor: Any, payment: AidPayment, version: Any, status: str, reference: str = "",
                   note: str = "") -> AidPayment:
    """Record what became of a payment: paid (a bank transfer with its reference), failed or
    returned (with the reason)."""
    case = payment.aid.case
    require(actor, PAYMENT_MANAGE, Target(region_prefix=case.handling_region.prefix))
    reference, note = (reference or "").strip(), (note or "").strip()
    errors: dict[str, list[str]] = {}
    if status not in PaymentStatus.values or status == PaymentStatus.PENDING:
        errors["status"] = [_("请选择已发放、发放失败或已退回")]
    if len(reference) > REFERENCE_MAX:
        errors["reference"] = [_("不能超过 %(n)s 个字符") % {"n": REFERENCE_MAX}]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("不能超过 %(n)s 个字符") % {"n": NOTE_MAX}]
    if status == PaymentStatus.PAID and payment.aid.method == AidMethod.BANK and not reference:
        errors["reference"] = [_("银行转账须填写支付凭证号")]
    if status in (PaymentStatus.FAILED, PaymentStatus.RETURNED) and not note:
        errors["note"] = [_("请填写失败或退回的原因")]
    if errors:
        raise DomainError(_("提交的数据有误，请检查标出的字段"), field_errors=errors)
    with transaction.atomic():
        locked = _locked(payment, version)
        if status not in NEXT[locked.status]:
            raise DomainError(_("“%(from)s”的发放不能改为“%(to)s”") % {
                "from": PaymentStatus(locked.status).label, "to": PaymentStatus(status).label},
                code=E.PAYMENT_STATUS, status=409)
        before = locked.status
        locked.status, locked.note = status, note or locked.note
        if reference:
            locked.reference = reference
        locked.changed_by = actor if getattr(actor, "pk", None) else None
        locked.changed_at = timezone.now()
        locked.version += 1
        locked.save()
        if status == PaymentStatus.PAID:
            aid_deadline_meet(case=locked.aid.case, actor=actor)
        _record(locked, actor=actor, action="cases.payment.update",
                summary=message(gettext_noop("第 %(n)s 期 %(amount)s 元：%(status)s"), {
                    "n": locked.sequence, "amount": _yuan(locked.amount_fen),
                    "status": PaymentStatus(status).label}),
                changes={"status": (before, status), "reference": (None, reference or None)})
    return locked


def payment_reissue(*, actor: Any, payment: AidPayment, version: Any) -> AidPayment:
    """Pay again what failed or came back: a new pending payment of the same amount, due today."""
    case = payment.aid.case
    require(actor, PAYMENT_MANAGE, Target(region_prefix=case.handling_region.prefix))
    with transaction.atomic():
        locked = _locked(payment, version)
        if locked.status not in (PaymentStatus.FAILED, PaymentStatus.RETURNED):
            raise DomainError(_("只有发放失败或已退回的款项才能重新发放"), code=E.PAYMENT_STATUS, status=409)
        if AidPayment.objects.filter(reissue_of=locked).exists():
            raise Conflict(_("该笔款项已重新发放过"), code=E.PAYMENT_STATUS)
        last = AidPayment.objects.filter(aid=locked.aid).aggregate(last=Max("sequence"))["last"] or 0
        new = AidPayment.objects.create(aid=locked.aid, sequence=last + 1, amount_fen=locked.amount_fen,
                                        due_on=timezone.localdate(), reissue_of=locked)
        locked.version += 1
        locked.save(update_fields=["version"])
        _record(new, actor=actor, action="cases.payment.reissue",
                summary=message(gettext_noop("重新发放第 %(n)s 期 %(amount)s 元（原第 %(old)s 期）"), {
                    "n": new.sequence, "amount": _yuan(new.amount_fen), "old": locked.sequence}),
                changes={"reissue_of": (None, locked.pk)})
    return new
