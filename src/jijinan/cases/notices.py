"""Notices of the cases app: text messages to the applicant that the case was taken up (and of
later decisions), and the crisis alert to the township lead and the on-call contact, which reaches
each of them in the in-app inbox and, where a mobile number is on file, by text message.

Text messages leave through the core SMS module, which writes them to the outbox in the caller's
transaction. The crisis alert's outbox event is turned into inbox items by its handler here, in one
transaction of its own and once per event (a redelivered event finds its items and adds none).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from jijinan.accounts.selectors import grants_covering
from jijinan.cases.choices import Channel
from jijinan.cases.models import Case
from jijinan.core.jobs.outbox import outbox_handler
from jijinan.core.messaging.inbox import Notice, inbox_post
from jijinan.core.messaging.sms import register_sms_template, sms_message, sms_send
from jijinan.core.models import InboxItem, OutboxMessage
from jijinan.core.permissions import Role
from jijinan.core.texts import Stored, message

CASE_SUBJECT = "cases.case"
MOBILE = re.compile(r"1[3-9][0-9]{9}")
ACCEPTED = "case.accepted"
DECISION = "case.decision"
CRISIS_ALERT = "case.crisis_alert"  # the text message's template
CRISIS_EVENT = "case.crisis_alert"  # the outbox event the inbox items come from


def sms_templates_install() -> None:
    register_sms_template(ACCEPTED, gettext_lazy("您反映的急难事项已登记，事项编号 %(number)s，我们会尽快与您联系。"))
    register_sms_template(DECISION, gettext_lazy("您的急难事项 %(number)s：%(text)s"))
    register_sms_template(CRISIS_ALERT, gettext_lazy(
        "【危机预警】事项 %(number)s（%(region)s）：%(note)s。请于 %(due)s 前首次接触。"))


def is_mobile(number: str) -> bool:
    """Text messages reach mobiles only; a landline on file is simply not texted."""
    return bool(MOBILE.fullmatch(number or ""))


def _send(*, to: str, template: str, params: dict[str, str], case: Any,
          batch: list[OutboxMessage] | None = None) -> None:
    if batch is not None:  # the caller writes it with its other outbox events
        batch.append(sms_message(to=to, template=template, params=params, subject_type=CASE_SUBJECT,
                                 subject_id=str(case.pk)))
        return
    sms_send(to=to, template=template, params=params, subject_type=CASE_SUBJECT, subject_id=str(case.pk))


def case_notify_accepted(*, case: Any, phone: str, batch: list[OutboxMessage] | None = None) -> bool:
    """Tell the applicant the case was taken up, with its number; an anonymous informant's report
    or a case without a phone number sends nothing. With ``batch``, the message is added to it for
    the caller to write (``outbox_write_many``) instead of being written now."""
    if not is_mobile(phone) or case.channel == Channel.INFORMANT:
        return False
    _send(to=phone, template=ACCEPTED, params={"number": case.number}, case=case, batch=batch)
    return True


def case_notify_decision(case: Any, text: str) -> bool:
    """Tell the applicant of a decision on their case (called by the decision services)."""
    phone = case.reporter_phone.reveal() if case.reporter_phone is not None else ""
    if not phone and case.person is not None and case.person.phone is not None:
        phone = case.person.phone.reveal()
    if not is_mobile(phone):
        return False
    _send(to=phone, template=DECISION, params={"number": case.number, "text": str(text)}, case=case)
    return True


def crisis_alert(*, case: Any, recipients: list[Any], due: str) -> list[Any]:
    """One text message to each recipient with a mobile number on file; those texted. (Every
    recipient also gets an inbox item, from the crisis alert's outbox event.)"""
    texted = []
    for user in recipients:
        mobile = user.mobile.reveal() if user.mobile is not None else ""
        if not is_mobile(mobile):
            continue
        _send(to=mobile, template=CRISIS_ALERT, case=case, params={
            "number": case.number, "region": case.handling_region.name,
            "note": case.crisis_note or _("有极端行为风险"), "due": due or _("尽快")})
        texted.append(user)
    return texted


def _local(at: str | None) -> str:
    return timezone.localtime(datetime.fromisoformat(at)).strftime("%Y-%m-%d %H:%M") if at else ""


def _crisis_notice(p: dict[str, Any], *, reached: bool) -> Notice:
    """The inbox item of a crisis alert; when nobody could be alerted, the one the supervisors get."""
    if reached:
        title = message(gettext_noop("危机预警：事项 %(number)s（%(region)s）"), {
            "number": p["number"], "region": p.get("region", "")})
    else:
        title = message(gettext_noop("危机预警未能送达：事项 %(number)s（%(region)s）"), {
            "number": p["number"], "region": p.get("region", "")})
    due = _local(p.get("due_at"))
    body: Stored = message(gettext_noop("%(note)s。请于 %(due)s 前首次接触。"), {
        "note": p.get("crisis_note", ""), "due": due}) if due else message(
        gettext_noop("%(note)s。请尽快首次接触。"), {"note": p.get("crisis_note", "")})
    if not reached:
        body = message(gettext_noop("该乡镇没有分管领导，该县（区）没有值班人员或审批人员：%(alert)s"), {"alert": body})
    return Notice.translated("crisis_alert" if reached else "crisis_alert_failed", title, body,
                             reverse("cases:case", args=[int(p["id"])]), CASE_SUBJECT, str(p["id"]))


@outbox_handler("cases.crisis_alert", types=[CRISIS_EVENT])
def deliver_crisis_alert(event: OutboxMessage) -> None:
    """An inbox item to every recipient of the alert, whether or not they were also texted; an
    alert that found nobody goes to the supervisors whose grants cover the township."""
    p = event.payload
    with transaction.atomic():
        if InboxItem.objects.filter(event_id=event.event_id).exists():
            return  # delivered before a worker died: nothing twice
        case = Case.objects.select_related("handling_region").filter(pk=p["id"]).first()
        if case is None:
            return
        users = set(p.get("leads", [])) | set(p.get("on_call", []))
        reached = bool(users)
        if not reached:
            users = set(grants_covering(region=case.handling_region, roles=[Role.SUPERVISOR])
                        .values_list("user_id", flat=True))
        inbox_post(user_ids=users, notice=_crisis_notice(p, reached=reached), event_id=event.event_id)
