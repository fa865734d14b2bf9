"""Notices of escalation and consultation, through the outbox: an inbox item always, and a text
message where a mobile number is on file, to the government side when a case is escalated, to an
invited office when it is asked (and chased) for its opinion, to the convener when an opinion
arrives, to the case side when the consultation decides.

The services write one outbox event per notice in their transaction; the handler turns it into
inbox items and SMS events in one transaction of its own, once per event.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy, gettext_noop

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import Grant, User
from jijinan.accounts.selectors import staff_mobiles
from jijinan.core.jobs.outbox import outbox_handler, outbox_write, outbox_write_many
from jijinan.core.messaging.inbox import Notice, inbox_post
from jijinan.core.messaging.sms import register_sms_template, sms_message
from jijinan.core.models import InboxItem, OutboxMessage
from jijinan.core.permissions import Role
from jijinan.core.texts import message

ESCALATION_EVENT = "consultation.escalation.notice"
OPINION_EVENT = "consultation.opinion.notice"
RAISED, DECIDED, INVITED, GIVEN, CHASED = "raised", "decided", "invited", "given", "chased"
SMS_ESCALATED = "consultation.escalated"
SMS_INVITED = "consultation.opinion_requested"

register_sms_template(SMS_ESCALATED, gettext_lazy(
    "【报告协商】%(township)s 急难事项 %(number)s 报请会商，请于 %(due)s 前召集。"))
register_sms_template(SMS_INVITED, gettext_lazy(
    "【会商意见】请%(office)s于 %(due)s 前就急难事项 %(number)s 提出书面意见。"))


def _due(deadline: Any) -> str:
    return timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M") if deadline is not None else "—"


def escalation_notice(escalation: Any, kind: str, *, actor: Any) -> OutboxMessage:
    return outbox_write(type=ESCALATION_EVENT, subject_type="consultation.escalation", subject_id=str(escalation.pk),
                        payload={"escalation_id": escalation.pk, "notice": kind, "number": escalation.number,
                                 "township": escalation.case.handling_region.name,
                                 "due": _due(escalation.deadline), "actor_id": getattr(actor, "pk", None)})


def opinion_notice(opinion: Any, kind: str, *, actor: Any) -> OutboxMessage:
    escalation = opinion.consultation.escalation
    return outbox_write(type=OPINION_EVENT, subject_type="consultation.escalation", subject_id=str(escalation.pk),
                        payload={"opinion_id": opinion.pk, "escalation_id": escalation.pk, "notice": kind,
                                 "number": escalation.number, "office": opinion.office.name,
                                 "due": _due(opinion.deadline), "actor_id": getattr(actor, "pk", None)})


# --- who hears of it ----------------------------------------------------------------------------------


def _covering(prefix: str, roles: set[str]) -> set[int]:
    rows = Grant.objects.filter(role__in=roles, revoked_at__isnull=True, user__is_active=True).values_list(
        "user_id", "region__prefix")
    return {user_id for user_id, grant_prefix in rows if prefix.startswith(grant_prefix)}


def government_side(escalation: Any) -> set[int]:
    """The government leaders and the civil-affairs approvers whose grants cover the government the
    case went to, and the staff of the receiving office."""
    ids = _covering(escalation.region.prefix, {Role.GOVERNMENT_LEADER, Role.COUNTY_APPROVER})
    if escalation.region.level == "township":
        ids |= _covering(escalation.region.prefix, {Role.TOWNSHIP_LEAD})
    ids |= set(User.objects.filter(organisation_id=escalation.office_id, is_active=True).values_list("pk", flat=True))
    return ids


def office_people(office: Any) -> set[int]:
    """Who answers for an invited office: a department's handlers in scope, else its own staff."""
    if office.kind == OrganisationKind.DEPARTMENT_OFFICE:
        rows = (Grant.objects.filter(role=Role.DEPARTMENT_HANDLER, revoked_at__isnull=True, user__is_active=True)
                .filter(Q(department_type__isnull=True) | Q(department_type_id=office.department_type_id))
                .values_list("user_id", "region__prefix"))
        return {u for u, p in rows if office.region.prefix.startswith(p)}
    return set(User.objects.filter(organisation_id=office.pk, is_active=True).values_list("pk", flat=True))


def case_side(escalation: Any) -> set[int]:
    case = escalation.case
    ids = {u for u in (case.owner_id, escalation.raised_by_id) if u is not None}
    ids |= _covering(case.handling_region.prefix, {Role.TOWNSHIP_LEAD})
    return set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))


# --- delivery ---------------------------------------------------------------------------------------


@outbox_handler("consultation.notify", types=[ESCALATION_EVENT, OPINION_EVENT])
def deliver_notice(event: OutboxMessage) -> None:
    from jijinan.consultation.models import Escalation, Opinion

    p = event.payload
    with transaction.atomic():
        if InboxItem.objects.filter(event_id=event.event_id).exists():
            return  # delivered before a worker died: nothing twice
        escalation = (Escalation.objects.select_related("case", "case__handling_region", "region", "office")
                      .filter(pk=p["escalation_id"]).first())
        if escalation is None:
            return
        url = reverse("consultation:escalation", args=[escalation.pk])
        kind = p["notice"]
        texts: list[OutboxMessage] = []
        subject = ("consultation.escalation", str(escalation.pk))
        if event.type == ESCALATION_EVENT:
            if kind == RAISED:
                users = government_side(escalation)
                notice = Notice.translated(kind, message(gettext_noop("报告协商 %(number)s"), {"number": p["number"]}),
                                           message(gettext_noop("%(township)s 报请会商，请于 %(due)s 前召集"), {
                                               "township": p["township"], "due": p["due"]}), url, *subject)
                texts = [sms_message(to=m, template=SMS_ESCALATED, params={
                    "township": p["township"], "number": p["number"], "due": p["due"]},
                    subject_type=subject[0], subject_id=subject[1]) for m in staff_mobiles(user_ids=users)]
            else:
                users = case_side(escalation)
                notice = Notice.translated(kind, message(gettext_noop("会商已作出决定：%(number)s"), {
                    "number": p["number"]}), "", url, *subject)
        else:
            opinion = Opinion.objects.select_related("office", "office__region", "consultation").filter(
                pk=p["opinion_id"]).first()
            if opinion is None:
                return
            if kind == GIVEN:
                users = {u for u in [opinion.consultation.convened_by_id] if u is not None}
                notice = Notice.translated(kind, message(gettext_noop("%(office)s 已提出会商意见（%(number)s）"), {
                    "office": p["office"], "number": p["number"]}), "", url, *subject)
            else:
                users = office_people(opinion.office)
                title = (message(gettext_noop("请提出会商意见：%(number)s"), {"number": p["number"]}) if kind == INVITED
                         else message(gettext_noop("会商意见催办：%(number)s"), {"number": p["number"]}))
                body = message(gettext_noop("%(office)s，请于 %(due)s 前提出书面意见"), {
                    "office": p["office"], "due": p["due"]})
                notice = Notice.translated(kind, title, body, url, *subject)
                texts = [sms_message(to=m, template=SMS_INVITED, params={
                    "office": p["office"], "number": p["number"], "due": p["due"]},
                    subject_type=subject[0], subject_id=subject[1]) for m in staff_mobiles(user_ids=users)]
        users.discard(p.get("actor_id"))
        inbox_post(user_ids=users, notice=notice, event_id=event.event_id)
        outbox_write_many(texts)


@outbox_handler("consultation.late_opinions", types=["deadline.breached"])
def chase_late_opinion(event: OutboxMessage) -> None:
    """An opinion's deadline ran out: chase the office once (the deadline engine knows no opinions)."""
    if event.payload.get("kind") != "consultation.opinion":
        return
    from jijinan.consultation.services import opinion_deadline_breached

    opinion_deadline_breached(int(event.subject_id))
