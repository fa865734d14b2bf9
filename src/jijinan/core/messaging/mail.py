"""E-mail through the outbox, sent by the configured Django e-mail backend (``EMAIL_BACKEND``:
the console by default; SMTP or a provider's backend in production).

``mail_message`` builds an outbox event inside the caller's transaction (to be written with
``outbox_write_many``); the worker hands it to ``deliver_mail``, which keeps one ``MailMessage`` row
per event id and sends unless that row is already sent, so a redelivered event never sends twice.
The body is encrypted in the outbox payload and in the row: it may name a case and a reason.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jijinan.core.errors import DomainError
from jijinan.core.jobs.models import OutboxMessage
from jijinan.core.jobs.outbox import outbox_handler, outbox_message
from jijinan.core.messaging.models import MAIL_BODY_PURPOSE, MailMessage, SmsStatus
from jijinan.core.protected import crypto
from jijinan.core.protected.fields import Protected

EVENT_TYPE = "mail.send"
SUBJECT_MAX = 200
BODY_MAX = 5000


def mail_message(*, to: str, subject: str, body: str, subject_type: str = "", subject_id: str = "") -> OutboxMessage:
    """An e-mail to ``to``, not written yet: pass it to ``outbox_write_many`` in the caller's transaction."""
    address = (to or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        raise DomainError.for_field("to", _("电子邮件地址格式不正确")) from None
    return outbox_message(type=EVENT_TYPE, subject_type=subject_type or "core.mail", subject_id=subject_id or address,
                          payload={"to": address, "subject": subject[:SUBJECT_MAX],
                                   "body": crypto.encrypt(body[:BODY_MAX], purpose=MAIL_BODY_PURPOSE),
                                   "subject_type": subject_type, "subject_id": str(subject_id)})


@outbox_handler("mail", types=[EVENT_TYPE])
def deliver_mail(message: OutboxMessage) -> None:
    """Send one queued e-mail, at most once per event id; a failure is recorded and retried."""
    payload: dict[str, Any] = message.payload
    failure: Exception | None = None
    with transaction.atomic():
        # The envelope is reused as it is: same purpose, so saving does not encrypt it again.
        defaults: dict[str, Any] = {
            "to": payload["to"], "subject": payload["subject"],
            "body": Protected(payload["body"], purpose=MAIL_BODY_PURPOSE),
            "subject_type": payload.get("subject_type", ""), "subject_id": payload.get("subject_id", "")}
        mail, _created = MailMessage.objects.select_for_update().get_or_create(message_id=message.event_id,
                                                                               defaults=defaults)
        if mail.status == SmsStatus.SENT:
            return
        mail.attempts += 1
        body = mail.body.reveal() if isinstance(mail.body, Protected) else str(mail.body)
        try:
            EmailMessage(subject=mail.subject, body=body, to=[mail.to],
                         from_email=settings.DEFAULT_FROM_EMAIL, headers={"Message-ID": f"<{message.event_id}@jijinan>"}
                         ).send(fail_silently=False)
        except Exception as exc:  # any backend failure: recorded here, retried by the outbox
            failure = exc
            mail.status, mail.last_error = SmsStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        else:
            mail.status, mail.sent_at, mail.last_error = SmsStatus.SENT, timezone.now(), ""
        mail.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    if failure is not None:
        raise failure
