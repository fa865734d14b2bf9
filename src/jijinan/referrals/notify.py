"""Notices about tasks, through the outbox: in-app inbox items for the receiving side, and a text
message and an e-mail to the office's handlers when a task reaches their office, and to the
supervisors when a flag is raised (the configured SMS sender and Django e-mail backend).

The services write one outbox event per notice in their transaction; the worker's handler turns it
into inbox items and SMS events in one transaction of its own. A worker killed halfway leaves
nothing (the transaction rolls back and the event is delivered again); a worker killed after the
commit but before the delivery was marked finds the event's items there and writes nothing twice.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop

from jijinan.accounts.models import Grant, Organisation, User
from jijinan.accounts.selectors import staff_mobiles
from jijinan.core.jobs.outbox import outbox_handler, outbox_write, outbox_write_many
from jijinan.core.messaging.inbox import Notice, inbox_post
from jijinan.core.messaging.mail import mail_message
from jijinan.core.messaging.sms import register_sms_template, sms_message
from jijinan.core.models import InboxItem, OutboxMessage
from jijinan.core.permissions import Role
from jijinan.core.texts import Stored, joined, message
from jijinan.referrals.choices import FlagReason, ReturnReason
from jijinan.referrals.models import DeflectionFlag, Task

NOTICE_EVENT = "referrals.task.notice"
FLAG_EVENT = "referrals.flag.raised"
ASSIGNED, RETURNED, INFO_REQUESTED, INFO_PROVIDED, COMPLETED, CANCELLED = (
    "assigned", "returned", "info_requested", "info_provided", "completed", "cancelled")
TO_OFFICE = frozenset({ASSIGNED, INFO_PROVIDED, CANCELLED})
SMS_TASK = "referrals.task_assigned"
SMS_FLAG = "referrals.flag_raised"

register_sms_template(SMS_TASK, gettext_lazy("【救急难】%(office)s收到部门任务 %(number)s，请于 %(due)s 前办结。"))
register_sms_template(SMS_FLAG, gettext_lazy("【推诿预警】%(detail)s"))


def task_notice(task: Task, notice: str, *, actor: Any) -> OutboxMessage:
    """Queue a notice about ``task`` (inside the service's transaction)."""
    latest = task.events.order_by("-at", "-id").first()
    return outbox_write(type=NOTICE_EVENT, subject_type="referrals.task", subject_id=str(task.pk), payload={
        "task_id": task.pk, "notice": notice, "number": task.number, "case_id": task.case_id,
        "office_id": task.office_id, "office": task.office.name,
        "township": task.case.handling_region.name,
        "due_at": task.deadline.due_at.isoformat() if task.deadline_id and task.deadline else None,
        "reason": latest.reason_code if latest else "", "text": (latest.text if latest else "")[:300],
        "actor_id": getattr(actor, "pk", None), "at": timezone.now().isoformat()})


def flag_notice(flag: DeflectionFlag) -> OutboxMessage:
    return outbox_write(type=FLAG_EVENT, subject_type="referrals.task", subject_id=str(flag.task_id), payload={
        "flag_id": flag.pk, "task_id": flag.task_id, "reason": flag.reason, "detail": flag.detail,
        "region_code": flag.covering_region.code, "occurrences": flag.occurrences})


# --- who hears of it ----------------------------------------------------------------------------------


def _covering(prefix: str, rows: list[tuple[int, str]]) -> set[int]:
    return {user_id for user_id, grant_prefix in rows if prefix.startswith(grant_prefix)}


def office_handlers(office: Organisation) -> set[int]:
    """The active department handlers whose grants cover ``office`` (its region and type)."""
    rows = list(Grant.objects.filter(role=Role.DEPARTMENT_HANDLER, revoked_at__isnull=True, user__is_active=True)
                .filter(Q(department_type__isnull=True) | Q(department_type_id=office.department_type_id))
                .values_list("user_id", "region__prefix"))
    return _covering(office.region.prefix, rows)


def case_side(task: Task) -> set[int]:
    """Who answers for the case: its responsible person and whoever opened the task; failing
    both, the township's reviewers."""
    ids = {u for u in (task.case.owner_id, task.created_by_id) if u is not None}
    ids = set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    if not ids:
        ids = set(Grant.objects.filter(role=Role.TOWNSHIP_REVIEWER, revoked_at__isnull=True, user__is_active=True,
                                       region_id=task.case.handling_region_id).values_list("user_id", flat=True))
    return ids


def supervisors(region_prefix: str) -> set[int]:
    rows = list(Grant.objects.filter(role=Role.SUPERVISOR, revoked_at__isnull=True, user__is_active=True)
                .values_list("user_id", "region__prefix"))
    return _covering(region_prefix, rows)


# --- delivery ---------------------------------------------------------------------------------------


def _due(payload: dict[str, Any]) -> str:
    if not payload.get("due_at"):
        return "—"
    from datetime import datetime

    return timezone.localtime(datetime.fromisoformat(payload["due_at"])).strftime("%Y-%m-%d %H:%M")


def _task_notice(p: dict[str, Any]) -> tuple[Notice, bool]:
    number, office = p["number"], p["office"]
    office_url = reverse("referrals:office_task", args=[p["task_id"]])
    case_url = reverse("referrals:case_task", args=[p["case_id"], p["task_id"]])
    kind = p["notice"]
    body: Stored | str = p.get("text", "")
    if kind == ASSIGNED:
        title = message(gettext_noop("新的部门任务 %(number)s"), {"number": number})
        body = message(gettext_noop("%(township)s 交办，请于 %(due)s 前办结"), {
            "township": p["township"], "due": _due(p)})
        url = office_url
    elif kind == RETURNED:
        title = message(gettext_noop("任务 %(number)s 被%(office)s退回"), {"number": number, "office": office})
        if p.get("reason") in ReturnReason.values:
            body = joined([ReturnReason(p["reason"]).label, p["text"]], "：")
        url = case_url
    elif kind == INFO_REQUESTED:
        title = message(gettext_noop("%(office)s 要求补充材料（任务 %(number)s）"), {
            "office": office, "number": number})
        url = case_url
    elif kind == INFO_PROVIDED:
        title, url = message(gettext_noop("任务 %(number)s 已补充材料"), {"number": number}), office_url
    elif kind == COMPLETED:
        title = message(gettext_noop("%(office)s 已办结任务 %(number)s"), {"office": office, "number": number})
        url = case_url
    else:
        title, url = message(gettext_noop("任务 %(number)s 已撤回"), {"number": number}), office_url
    return Notice.translated(kind, title, body, url, "referrals.task", str(p["task_id"])), kind in TO_OFFICE


def _flag_title(flag: DeflectionFlag) -> Stored:
    return message(gettext_noop("推诿预警：任务 %(number)s（%(reason)s）"), {
        "number": flag.task.number, "reason": FlagReason(flag.reason).label})


def _emails(user_ids: set[int], notice: Notice, subject_id: str) -> list[OutboxMessage]:
    """An e-mail to each of ``user_ids`` who has an address on file, with the notice and its link."""
    body = f"{notice.title}\n\n{notice.body}\n\n{settings.JIJINAN_SITE_URL}{notice.url}"
    return [mail_message(to=address, subject=notice.title, body=body, subject_type="referrals.task",
                         subject_id=subject_id)
            for address in User.objects.filter(pk__in=user_ids).exclude(email="").order_by("pk")
            .values_list("email", flat=True)]


@outbox_handler("referrals.notify", types=[NOTICE_EVENT, FLAG_EVENT])
def deliver_notice(message: OutboxMessage) -> None:
    p = message.payload
    with transaction.atomic():
        if InboxItem.objects.filter(event_id=message.event_id).exists():
            return  # delivered before a worker died: nothing twice
        texts: list[OutboxMessage] = []
        if message.type == FLAG_EVENT:
            flag = DeflectionFlag.objects.select_related("task__case", "covering_region").filter(
                pk=p["flag_id"]).first()
            if flag is None:
                return
            users = supervisors(flag.covering_region.prefix)
            notice = Notice.translated("flag", _flag_title(flag), p["detail"],
                reverse("referrals:flags") + f"?q={flag.task.case.number}", "referrals.task", str(flag.task_id))
            texts = [sms_message(to=m, template=SMS_FLAG, params={"detail": p["detail"][:200]},
                                 subject_type="referrals.task", subject_id=str(flag.task_id))
                     for m in staff_mobiles(user_ids=users)] + _emails(users, notice, str(flag.task_id))
        else:
            task = Task.objects.select_related("case", "office__region").filter(pk=p["task_id"]).first()
            if task is None:
                return
            notice, to_office = _task_notice(p)
            if to_office:
                office = Organisation.objects.select_related("region").get(pk=p["office_id"])
                users = office_handlers(office)
            else:
                users = case_side(task)
            users.discard(p.get("actor_id"))
            if p["notice"] == ASSIGNED:
                texts = [sms_message(to=m, template=SMS_TASK, params={
                    "office": p["office"], "number": p["number"], "due": _due(p)},
                    subject_type="referrals.task", subject_id=str(task.pk)) for m in staff_mobiles(user_ids=users)]
                texts += _emails(users, notice, str(task.pk))
        inbox_post(user_ids=users, notice=notice, event_id=message.event_id)
        outbox_write_many(texts)
