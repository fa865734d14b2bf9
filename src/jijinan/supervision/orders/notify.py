"""Notices of 督办 orders, through the outbox: to the addressee's people when an order is opened (or
escalated to them) or sent back, to the issuer's side when it is answered, and to the addressee
when it is closed or cancelled. An inbox item always; a text message and an e-mail where a mobile
number or an address is on file.

The services write one outbox event per notice in their transaction; the handler turns it into
inbox items, SMS and e-mail events in one transaction of its own, once per event.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import Grant, User
from jijinan.accounts.selectors import staff_mobiles
from jijinan.core.jobs.outbox import outbox_handler, outbox_message, outbox_write_many
from jijinan.core.messaging.inbox import Notice, inbox_post
from jijinan.core.messaging.mail import mail_message
from jijinan.core.messaging.models import InboxItem
from jijinan.core.messaging.sms import register_sms_template, sms_message
from jijinan.core.models import OutboxMessage
from jijinan.core.permissions import Role
from jijinan.core.texts import message

ORDER_EVENT = "supervision.order.notice"
OPENED, ANSWERED, SENT_BACK, CLOSED, CANCELLED = "opened", "answered", "sent_back", "closed", "cancelled"
SMS_OPENED = "supervision.order_opened"
SMS_ANSWERED = "supervision.order_answered"
SUBJECT_TYPE = "supervision.order"

register_sms_template(SMS_OPENED, gettext_lazy(
    "【督办】%(office)s：督办单 %(number)s，请于 %(due)s 前办理并答复。"))
register_sms_template(SMS_ANSWERED, gettext_lazy("【督办】督办单 %(number)s 已由%(office)s答复，请审核。"))


def _due(deadline: Any) -> str:
    return timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M") if deadline is not None else "—"


def order_message(order: Any, kind: str, *, actor: Any) -> OutboxMessage:
    """The notice event of ``order`` (not written yet: the caller writes a batch with ``outbox_write_many``)."""
    return outbox_message(type=ORDER_EVENT, subject_type=SUBJECT_TYPE, subject_id=str(order.pk), payload={
        "order_id": order.pk, "notice": kind, "number": order.number, "office": order.addressee_office.name,
        "level": order.level, "due": _due(order.deadline), "actor_id": getattr(actor, "pk", None)})


# --- who hears of it ----------------------------------------------------------------------------------


def addressee_people(order: Any) -> set[int]:
    """Who answers for the addressee: the person named, a department's handlers whose grant covers
    the office, else the office's own staff."""
    office = order.addressee_office
    ids: set[int] = {order.addressee_user_id} if order.addressee_user_id else set()
    if office.kind == OrganisationKind.DEPARTMENT_OFFICE:
        rows = (Grant.objects.filter(role=Role.DEPARTMENT_HANDLER, revoked_at__isnull=True, user__is_active=True)
                .filter(Q(department_type__isnull=True) | Q(department_type_id=office.department_type_id))
                .values_list("user_id", "region__prefix"))
        ids |= {u for u, p in rows if office.region.prefix.startswith(p)}
    ids |= set(User.objects.filter(organisation_id=office.pk, is_active=True).values_list("pk", flat=True))
    return ids


def issuer_people(order: Any) -> set[int]:
    """Who reviews the answer: the person who issued the order, else the issuing office's staff."""
    if order.issued_by_id:
        return {order.issued_by_id}
    return set(User.objects.filter(organisation_id=order.issuing_office_id, is_active=True)
               .values_list("pk", flat=True))


def _emails(user_ids: set[int], notice: Notice, subject_id: str) -> list[OutboxMessage]:
    body = f"{notice.title}\n\n{notice.body}\n\n{settings.JIJINAN_SITE_URL}{notice.url}"
    return [mail_message(to=address, subject=notice.title, body=body, subject_type=SUBJECT_TYPE,
                         subject_id=subject_id)
            for address in User.objects.filter(pk__in=user_ids).exclude(email="").order_by("pk")
            .values_list("email", flat=True)]


# --- delivery ---------------------------------------------------------------------------------------


@outbox_handler("supervision.orders.notify", types=[ORDER_EVENT])
def deliver_notice(event: OutboxMessage) -> None:
    from jijinan.supervision.models import SupervisionOrder

    p = event.payload
    with transaction.atomic():
        if InboxItem.objects.filter(event_id=event.event_id).exists():
            return  # delivered before a worker died: nothing twice
        order = (SupervisionOrder.objects.select_related("addressee_office", "addressee_office__region")
                 .filter(pk=p["order_id"]).first())
        if order is None:
            return
        url = reverse("supervision:order", args=[order.pk])
        kind = p["notice"]
        params = {"number": p["number"], "office": p["office"], "due": p["due"]}
        texts: list[OutboxMessage] = []
        subject = (SUBJECT_TYPE, str(order.pk))
        if kind in (OPENED, SENT_BACK):
            users = addressee_people(order)
            title = (message(gettext_noop("督办：%(number)s（请于 %(due)s 前答复）"), params) if kind == OPENED
                     else message(gettext_noop("督办退回重办：%(number)s（请于 %(due)s 前重新答复）"), params))
            body = (message(gettext_noop("第 %(level)s 次提级督办：%(office)s 须办理并答复"), {
                "level": p["level"], "office": p["office"]}) if p.get("level") else
                message(gettext_noop("%(office)s 须办理并答复"), {"office": p["office"]}))
            notice = Notice.translated(kind, title, body, url, *subject)
            texts = [sms_message(to=m, template=SMS_OPENED, params=params, subject_type=subject[0],
                                 subject_id=subject[1]) for m in staff_mobiles(user_ids=users)]
        elif kind == ANSWERED:
            users = issuer_people(order)
            notice = Notice.translated(kind, message(gettext_noop("督办已答复：%(number)s"), params),
                                       message(gettext_noop("%(office)s 已答复，请审核办结或退回"), params), url,
                                       *subject)
            texts = [sms_message(to=m, template=SMS_ANSWERED, params=params, subject_type=subject[0],
                                 subject_id=subject[1]) for m in staff_mobiles(user_ids=users)]
        else:
            users = addressee_people(order)
            title = (message(gettext_noop("督办已办结：%(number)s"), params) if kind == CLOSED
                     else message(gettext_noop("督办已撤销：%(number)s"), params))
            notice = Notice.translated(kind, title, "", url, *subject)
        users.discard(p.get("actor_id"))
        inbox_post(user_ids=users, notice=notice, event_id=event.event_id)
        texts += _emails(users, notice, subject[1])
        outbox_write_many(texts)
