"""Text messages through the outbox with a pluggable sender, and one-time codes sent by SMS.

``sms_send`` only writes an outbox event, inside the caller's transaction: a change that rolls
back sends nothing. The outbox worker hands the event to ``deliver_sms``, which keeps one
``SmsMessage`` row per event id and sends through the configured sender
(``settings.JIJINAN_SMS_SENDER``, a dotted path; the console sender by default) unless that row
is already sent, so a redelivered event never sends twice. The row is locked while the sender
runs, so two workers holding the same event cannot both send it. A sender that succeeds at the
provider but whose commit here fails would send again on redelivery: real senders pass
``message_id`` to the provider as its idempotency key for that case.

Phone numbers and texts are encrypted in the outbox payload and in ``SmsMessage``; a one-time
code is stored only as a keyed hash.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import string
import unicodedata
from datetime import timedelta
from enum import StrEnum
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jijinan.core.errors import DomainError
from jijinan.core.jobs.models import OutboxMessage
from jijinan.core.jobs.outbox import outbox_handler, outbox_message, outbox_write
from jijinan.core.messaging.models import SMS_TEXT_PURPOSE, SMS_TO_PURPOSE, OneTimeCode, SmsMessage, SmsStatus
from jijinan.core.protected import crypto
from jijinan.core.protected.fields import Protected
from jijinan.core.protected.ids import mask_phone, normalise_phone

logger = logging.getLogger("jijinan.sms")

DEFAULT_SENDER = "jijinan.core.messaging.sms.ConsoleSender"
EVENT_TYPE = "sms.send"
MAX_TEXT_CHARS = 500  # a long SMS is split by the carrier into 67-character parts; 500 is ~8 parts

OTP_TEMPLATE = "core.otp"
OTP_TTL = timedelta(minutes=10)
OTP_MAX_TRIES = 5
OTP_MAX_ISSUES_PER_HOUR = 5
OTP_PHONE_PURPOSE = "core.otp.phone"
OTP_CODE_PURPOSE = "core.otp.code"
_OTP_PURPOSE = re.compile(r"[a-z0-9_]+(?:[.:][a-z0-9_]+)*")
_TEMPLATE_CODE = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


class SmsErrorCode(StrEnum):
    UNKNOWN_TEMPLATE = "unknown_template"
    TEMPLATE_PARAMS = "template_params"
    TEXT_TOO_LONG = "text_too_long"
    NOT_MOBILE = "not_mobile"
    OTP_RATE_LIMITED = "otp_rate_limited"
    OTP_MISSING = "otp_missing"
    OTP_EXPIRED = "otp_expired"
    OTP_USED = "otp_used"
    OTP_TOO_MANY_TRIES = "otp_too_many_tries"


# --- templates -----------------------------------------------------------------------------------

_templates: dict[str, str | Promise] = {}


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))


def register_sms_template(code: str, text: str | Promise) -> None:
    """Register a message text (Chinese, with ``%(name)s`` placeholders) under ``code``."""
    if not _TEMPLATE_CODE.fullmatch(code):
        raise ValueError(f"SMS template code {code!r} must look like 'cases.accepted'")
    rendered = str(text)
    try:
        rendered % dict.fromkeys(_placeholders(rendered), "")
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"SMS template {code!r} may hold only %(name)s placeholders") from exc
    _templates[code] = text


def registered_sms_templates() -> dict[str, str | Promise]:
    return dict(_templates)


def _render(template: str, params: dict[str, str]) -> str:
    text = _templates.get(template)
    if text is None:
        raise DomainError.for_field("template", _("未知的短信模板：%(code)s") % {"code": template},
                                    code=SmsErrorCode.UNKNOWN_TEMPLATE)
    pattern = str(text)
    wanted = _placeholders(pattern)
    missing, unknown = sorted(wanted - set(params)), sorted(set(params) - wanted)
    if missing or unknown:
        raise DomainError.for_field(
            "params", _("短信模板 %(code)s 的参数不符：缺少 %(missing)s，多出 %(unknown)s") % {
                "code": template, "missing": "、".join(missing) or "—", "unknown": "、".join(unknown) or "—"},
            code=SmsErrorCode.TEMPLATE_PARAMS)
    rendered = pattern % {name: str(value) for name, value in params.items()}
    if len(rendered) > MAX_TEXT_CHARS:
        raise DomainError.for_field("params", _("短信内容过长：最多 %(n)s 个字") % {"n": MAX_TEXT_CHARS},
                                    code=SmsErrorCode.TEXT_TOO_LONG)
    return rendered


register_sms_template(
    OTP_TEMPLATE, gettext_lazy("您的验证码是 %(code)s，%(minutes)s 分钟内有效。如非本人操作，请忽略本短信。"))


def _mobile(raw: str, *, field: str) -> str:
    number = normalise_phone(raw, field=field)
    if not _MOBILE.fullmatch(number):
        raise DomainError.for_field(field, _("短信只能发往手机号（11 位数字，以 1 开头），不能发往固定电话"),
                                    code=SmsErrorCode.NOT_MOBILE)
    return number


# --- senders -------------------------------------------------------------------------------------


class SmsSender(Protocol):
    def send(self, *, to: str, text: str, message_id: str) -> str:
        """Hand one message to the provider; return its reference. Raise to have it retried."""
        ...


class ConsoleSender:
    """The demo and development sender: writes the message to the ``jijinan.sms`` log, phone masked.

    Nothing leaves the machine; the message itself stays readable (encrypted) in ``SmsMessage``.
    """

    def send(self, *, to: str, text: str, message_id: str) -> str:
        logger.info("SMS to %s (message %s): %s", mask_phone(to), message_id, text)
        return f"console:{message_id}"


def sms_sender() -> SmsSender:
    """The configured sender, built afresh (settings may change in tests and between deploys)."""
    sender_class = import_string(getattr(settings, "JIJINAN_SMS_SENDER", DEFAULT_SENDER))
    return sender_class()


# --- sending -------------------------------------------------------------------------------------


def sms_send(*, to: str, template: str, params: dict[str, str], subject_type: str = "",
             subject_id: str = "") -> None:
    """Queue a text message to the mobile ``to``; call it inside the business transaction.

    The text is rendered now (an unknown template or wrong parameters fail the caller's change),
    and leaves only when that transaction commits.
    """
    outbox_write(**_sms_event(to=to, template=template, params=params, subject_type=subject_type,
                              subject_id=subject_id))


def sms_message(*, to: str, template: str, params: dict[str, str], subject_type: str = "",
                subject_id: str = "") -> OutboxMessage:
    """What ``sms_send`` writes, not written yet: for a service that writes its outbox events
    together (``outbox_write_many``) in its transaction. Checked and rendered now, like ``sms_send``."""
    return outbox_message(**_sms_event(to=to, template=template, params=params, subject_type=subject_type,
                                       subject_id=subject_id))


def _sms_event(*, to: str, template: str, params: dict[str, str], subject_type: str,
               subject_id: str) -> dict[str, Any]:
    number = _mobile(to, field="to")
    text = _render(template, params)
    to_index = crypto.blind_index(number, purpose=SMS_TO_PURPOSE)
    # Without a subject of the caller's, messages to one phone are kept in order among themselves.
    return {"type": EVENT_TYPE, "subject_type": subject_type or "core.sms", "subject_id": subject_id or to_index,
            "payload": {"to": crypto.encrypt(number, purpose=SMS_TO_PURPOSE), "to_index": to_index,
                        "template": template, "text": crypto.encrypt(text, purpose=SMS_TEXT_PURPOSE),
                        "subject_type": subject_type, "subject_id": str(subject_id)}}


def _plain(value: Any) -> str:
    """A protected value in clear, whether loaded (Protected) or just assigned (str)."""
    return str(value.reveal() if isinstance(value, Protected) else value)


@outbox_handler("sms", types=[EVENT_TYPE])
def deliver_sms(message: OutboxMessage) -> None:
    """Send one queued message through the configured sender, at most once per event id."""
    payload = message.payload
    failure: Exception | None = None
    # The envelopes are reused as they are: same purpose, so saving does not re-encrypt them.
    defaults: dict[str, Any] = {
        "to": Protected(payload["to"], purpose=SMS_TO_PURPOSE, mask="phone"),
        "to_index": payload["to_index"], "template": payload["template"],
        "text": Protected(payload["text"], purpose=SMS_TEXT_PURPOSE),
        "subject_type": payload.get("subject_type", ""), "subject_id": payload.get("subject_id", ""),
    }
    with transaction.atomic():
        sms, _created = SmsMessage.objects.select_for_update().get_or_create(
            message_id=message.event_id, defaults=defaults)
        if sms.status == SmsStatus.SENT:
            return
        sms.attempts += 1
        try:
            sms.provider_ref = sms_sender().send(to=_plain(sms.to), text=_plain(sms.text),
                                                 message_id=str(message.event_id))[:200]
        except Exception as exc:  # any provider failure: recorded here, retried by the outbox
            failure = exc
            sms.status = SmsStatus.FAILED
            sms.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        else:
            sms.status, sms.sent_at, sms.last_error = SmsStatus.SENT, timezone.now(), ""
        sms.save(update_fields=["attempts", "provider_ref", "status", "sent_at", "last_error"])
    if failure is not None:
        raise failure


# --- one-time codes ------------------------------------------------------------------------------


def _check_otp_purpose(purpose: str) -> None:
    if not isinstance(purpose, str) or len(purpose) > 60 or not _OTP_PURPOSE.fullmatch(purpose):
        raise ValueError(f"one-time code purpose {purpose!r} must look like 'cases.applicant_login'")


def _code_hash(*, phone_index: str, purpose: str, code: str) -> str:
    # Phone and purpose are hashed in: a stored hash cannot be checked against another number or use.
    return crypto.blind_index(f"{phone_index}\x00{purpose}\x00{code}", purpose=OTP_CODE_PURPOSE)


def otp_issue(*, phone: str, purpose: str) -> None:
    """Send a fresh 6-digit code to the mobile ``phone`` for ``purpose`` (it replaces earlier ones).

    At most five codes per phone per hour, whatever their purpose.
    """
    _check_otp_purpose(purpose)
    number = _mobile(phone, field="phone")
    phone_index = crypto.blind_index(number, purpose=OTP_PHONE_PURPOSE)
    now = timezone.now()
    with transaction.atomic():
        issued = OneTimeCode.objects.filter(phone_index=phone_index, created_at__gt=now - timedelta(hours=1))
        if issued.count() >= OTP_MAX_ISSUES_PER_HOUR:
            refusal = _("该手机号 1 小时内获取验证码已达 %(n)s 次，请稍后再试") % {"n": OTP_MAX_ISSUES_PER_HOUR}
            raise DomainError(refusal, code=SmsErrorCode.OTP_RATE_LIMITED,
                              field_errors={"phone": [refusal]}, status=429)
        code = "".join(secrets.choice(string.digits) for _ in range(6))
        otp = OneTimeCode.objects.create(
            phone_index=phone_index, purpose=purpose, created_at=now, expires_at=now + OTP_TTL,
            code_hash=_code_hash(phone_index=phone_index, purpose=purpose, code=code))
        sms_send(to=number, template=OTP_TEMPLATE,
                 params={"code": code, "minutes": str(int(OTP_TTL.total_seconds() // 60))},
                 subject_type="core.onetimecode", subject_id=str(otp.pk))


def otp_verify(*, phone: str, purpose: str, code: str) -> bool:
    """Whether ``code`` is the latest code sent to ``phone`` for ``purpose``; a right code is used up.

    A wrong code counts as a try and gives False. No code, a used or expired one, or one tried
    five times is refused with a ``DomainError`` naming what to do (ask for a new code).
    """
    _check_otp_purpose(purpose)
    number = _mobile(phone, field="phone")
    phone_index = crypto.blind_index(number, purpose=OTP_PHONE_PURPOSE)
    now = timezone.now()
    with transaction.atomic():
        otp = (OneTimeCode.objects.select_for_update()
               .filter(phone_index=phone_index, purpose=purpose).order_by("-created_at", "-id").first())
        if otp is None:
            raise DomainError.for_field("code", _("请先获取验证码"), code=SmsErrorCode.OTP_MISSING)
        if otp.used_at is not None:
            raise DomainError.for_field("code", _("验证码已使用，请重新获取"), code=SmsErrorCode.OTP_USED)
        if otp.expires_at <= now:
            raise DomainError.for_field("code", _("验证码已过期，请重新获取"), code=SmsErrorCode.OTP_EXPIRED)
        if otp.attempts >= OTP_MAX_TRIES:
            raise DomainError.for_field("code", _("验证码错误次数过多，请重新获取"),
                                        code=SmsErrorCode.OTP_TOO_MANY_TRIES)
        typed = re.sub(r"\s", "", unicodedata.normalize("NFKC", code or ""))
        right = hmac.compare_digest(
            _code_hash(phone_index=phone_index, purpose=purpose, code=typed), otp.code_hash)
        otp.attempts += 1
        if right:
            otp.used_at = now
        otp.save(update_fields=["attempts", "used_at"])
    return right
