"""Text messages of the cases app: the applicant's notice that the case was taken up (and later
decisions), and the crisis alert to the township lead and the on-call contact. Messages leave
through the core SMS module, which writes them to the outbox in the caller's transaction."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jijinan.cases.choices import Channel
from jijinan.core.messaging.sms import register_sms_template, sms_message, sms_send
from jijinan.core.models import OutboxMessage

CASE_SUBJECT = "cases.case"
MOBILE = re.compile(r"1[3-9][0-9]{9}")
ACCEPTED = "case.accepted"
DECISION = "case.decision"
CRISIS_ALERT = "case.crisis_alert"


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


def crisis_alert(*, case: Any, recipients: list[Any], due: str) -> int:
    """One message to each recipient with a mobile number on file; the number sent."""
    sent = 0
    for user in recipients:
        mobile = user.mobile.reveal() if user.mobile is not None else ""
        if not is_mobile(mobile):
            continue
        _send(to=mobile, template=CRISIS_ALERT, case=case, params={
            "number": case.number, "region": case.handling_region.name,
            "note": case.crisis_note or _("有极端行为风险"), "due": due or _("尽快")})
        sent += 1
    return sent
