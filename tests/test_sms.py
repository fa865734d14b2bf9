"""Text messages through the outbox (sent once, after commit, phone masked) and one-time codes."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.db import connection, transaction

from jijinan.core.errors import DomainError
from jijinan.core.jobs.choices import DeliveryStatus
from jijinan.core.jobs.outbox import outbox_deliver_due
from jijinan.core.messaging.sms import (
    OTP_MAX_TRIES,
    ConsoleSender,
    SmsErrorCode,
    deliver_sms,
    otp_issue,
    otp_verify,
    register_sms_template,
    sms_send,
)
from jijinan.core.models import OneTimeCode, OutboxDelivery, OutboxMessage, SmsMessage, SmsStatus

PHONE = "13812345678"
SENDER = "tests.test_sms.RecordingSender"


class RecordingSender:
    """Keeps what it was asked to send; fails while ``failures`` is above zero."""

    sent: list[tuple[str, str, str]] = []
    failures = 0

    def send(self, *, to: str, text: str, message_id: str) -> str:
        if RecordingSender.failures:
            RecordingSender.failures -= 1
            raise ConnectionError("provider unreachable")
        RecordingSender.sent.append((to, text, message_id))
        return f"ref-{len(RecordingSender.sent)}"


@pytest.fixture(autouse=True)
def recording(settings):  # type: ignore[no-untyped-def]
    settings.JIJINAN_SMS_SENDER = SENDER
    RecordingSender.sent = []
    RecordingSender.failures = 0
    register_sms_template("tests.notice", "您好，%(name)s：您的申请 %(number)s 已受理。")
    return RecordingSender.sent


def deliver() -> int:
    return outbox_deliver_due(worker_id="tests")


def codes_sent() -> list[str]:
    return [re.search(r"验证码是 (\d{6})", text).group(1) for _, text, _ in RecordingSender.sent]  # type: ignore[union-attr]


# --- sending -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_message_is_sent_once_after_delivery(recording):
    with transaction.atomic():
        sms_send(to="+86 138-1234-5678", template="tests.notice", params={"name": "张伟", "number": "JJ-1"},
                 subject_type="tests.case", subject_id="7")
    assert recording == []  # nothing leaves before the worker delivers
    assert deliver() == 1
    assert [(to, text) for to, text, _ in recording] == [(PHONE, "您好，张伟：您的申请 JJ-1 已受理。")]
    sms = SmsMessage.objects.get()
    assert sms.status == SmsStatus.SENT and sms.attempts == 1 and sms.provider_ref == "ref-1"
    assert sms.to.reveal() == PHONE and str(sms.to) == "138****5678"
    assert str(sms.message_id) == recording[0][2] == str(OutboxMessage.objects.get().event_id)
    assert (sms.subject_type, sms.subject_id) == ("tests.case", "7")


@pytest.mark.django_db
def test_nothing_is_stored_in_clear(recording):
    sms_send(to=PHONE, template="tests.notice", params={"name": "张伟", "number": "JJ-1"})
    deliver()
    message = OutboxMessage.objects.get()
    assert PHONE not in str(message.payload) and "张伟" not in str(message.payload)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_smsmessage")
        row = " ".join(str(v) for v in cursor.fetchone())
    assert PHONE not in row and "张伟" not in row


@pytest.mark.django_db
def test_a_rolled_back_change_sends_nothing(recording):
    with pytest.raises(RuntimeError), transaction.atomic():
        sms_send(to=PHONE, template="tests.notice", params={"name": "张伟", "number": "JJ-1"})
        raise RuntimeError("the business change failed")
    assert deliver() == 0
    assert recording == []
    assert not OutboxMessage.objects.exists() and not SmsMessage.objects.exists()


@pytest.mark.django_db
def test_a_redelivered_event_is_not_sent_twice(recording):
    sms_send(to=PHONE, template="tests.notice", params={"name": "张伟", "number": "JJ-1"})
    message = OutboxMessage.objects.get()
    deliver_sms(message)
    deliver_sms(message)  # the outbox is at least once: the same event may come again
    assert deliver() == 1  # and the worker's own delivery of it too
    assert len(recording) == 1
    assert SmsMessage.objects.get().attempts == 1


@pytest.mark.django_db
def test_a_failing_provider_is_retried_and_recorded(recording):
    RecordingSender.failures = 1
    sms_send(to=PHONE, template="tests.notice", params={"name": "张伟", "number": "JJ-1"})
    deliver()
    sms = SmsMessage.objects.get()
    assert (sms.status, sms.attempts) == (SmsStatus.FAILED, 1)
    assert "provider unreachable" in sms.last_error
    delivery = OutboxDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and "provider unreachable" in delivery.last_error
    OutboxDelivery.objects.update(next_attempt_at=delivery.next_attempt_at - timedelta(hours=1))
    deliver()
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == (SmsStatus.SENT, 2, "")
    assert len(recording) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("kwargs", "field", "code"), [
    ({"template": "tests.nope", "params": {}}, "template", SmsErrorCode.UNKNOWN_TEMPLATE),
    ({"template": "tests.notice", "params": {"name": "张伟"}}, "params", SmsErrorCode.TEMPLATE_PARAMS),
    ({"template": "tests.notice", "params": {"name": "张", "number": "1", "x": "y"}}, "params",
     SmsErrorCode.TEMPLATE_PARAMS),
    ({"template": "tests.notice", "params": {"name": "张" * 600, "number": "1"}}, "params",
     SmsErrorCode.TEXT_TOO_LONG),
    ({"to": "025-84567890", "template": "tests.notice", "params": {"name": "张", "number": "1"}}, "to",
     SmsErrorCode.NOT_MOBILE),
    ({"to": "12345", "template": "tests.notice", "params": {"name": "张", "number": "1"}}, "to",
     "invalid_phone"),
])
def test_refused_messages_write_nothing(kwargs, field, code):
    with pytest.raises(DomainError) as refused:
        sms_send(**{"to": PHONE, **kwargs})
    assert refused.value.code == code
    assert field in refused.value.field_errors
    assert re.search(r"[\u4e00-\u9fff]", str(refused.value.message))
    assert not OutboxMessage.objects.exists()


def test_a_template_must_hold_only_named_placeholders():
    with pytest.raises(ValueError):
        register_sms_template("tests.bad", "共 %d 元")
    with pytest.raises(ValueError):
        register_sms_template("Bad Code", "您好")


@pytest.mark.django_db
def test_the_console_sender_masks_the_phone(settings, caplog):
    settings.JIJINAN_SMS_SENDER = "jijinan.core.messaging.sms.ConsoleSender"
    sms_send(to=PHONE, template="tests.notice", params={"name": "张伟", "number": "JJ-1"})
    with caplog.at_level(logging.INFO, logger="jijinan.sms"):
        deliver()
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "jijinan.sms")
    assert "138****5678" in logged and "您的申请 JJ-1 已受理" in logged
    assert PHONE not in caplog.text
    sms = SmsMessage.objects.get()
    assert sms.status == SmsStatus.SENT and sms.provider_ref == f"console:{sms.message_id}"
    assert sms.text.reveal() == "您好，张伟：您的申请 JJ-1 已受理。"
    assert ConsoleSender().send(to=PHONE, text="x", message_id="m") == "console:m"


# --- one-time codes ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_code_is_sent_and_only_its_hash_kept(recording):
    otp_issue(phone="138 1234 5678", purpose="tests.login")
    deliver()
    [code] = codes_sent()
    assert recording[0][0] == PHONE
    otp = OneTimeCode.objects.get()
    assert code not in otp.code_hash and len(otp.code_hash) == 64
    assert PHONE not in otp.phone_index
    assert otp.expires_at - otp.created_at == timedelta(minutes=10)
    assert otp_verify(phone=PHONE, purpose="tests.login", code=code) is True


@pytest.mark.django_db
def test_a_code_is_used_once(recording):
    otp_issue(phone=PHONE, purpose="tests.login")
    deliver()
    [code] = codes_sent()
    assert otp_verify(phone=PHONE, purpose="tests.login", code=f" {code} ") is True
    with pytest.raises(DomainError) as refused:
        otp_verify(phone=PHONE, purpose="tests.login", code=code)
    assert refused.value.code == SmsErrorCode.OTP_USED


@pytest.mark.django_db
def test_a_wrong_code_counts_and_five_tries_end_it(recording):
    otp_issue(phone=PHONE, purpose="tests.login")
    deliver()
    [code] = codes_sent()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(OTP_MAX_TRIES):
        assert otp_verify(phone=PHONE, purpose="tests.login", code=wrong) is False
    with pytest.raises(DomainError) as refused:
        otp_verify(phone=PHONE, purpose="tests.login", code=code)  # even the right one now
    assert refused.value.code == SmsErrorCode.OTP_TOO_MANY_TRIES
    assert "验证码错误次数过多" in str(refused.value.message)
    assert OneTimeCode.objects.get().attempts == OTP_MAX_TRIES and OneTimeCode.objects.get().used_at is None


@pytest.mark.django_db
def test_an_expired_code_is_refused(recording):
    otp_issue(phone=PHONE, purpose="tests.login")
    deliver()
    [code] = codes_sent()
    otp = OneTimeCode.objects.get()
    OneTimeCode.objects.filter(pk=otp.pk).update(expires_at=otp.created_at)
    with pytest.raises(DomainError) as refused:
        otp_verify(phone=PHONE, purpose="tests.login", code=code)
    assert refused.value.code == SmsErrorCode.OTP_EXPIRED
    assert OneTimeCode.objects.get().attempts == 0


@pytest.mark.django_db
def test_codes_are_bound_to_phone_and_purpose_and_the_latest_wins(recording):
    otp_issue(phone=PHONE, purpose="tests.login")
    otp_issue(phone=PHONE, purpose="tests.login")
    otp_issue(phone="13900001111", purpose="tests.login")
    deliver()
    first, second, other = codes_sent()
    with pytest.raises(DomainError) as refused:
        otp_verify(phone=PHONE, purpose="tests.other", code=second)
    assert refused.value.code == SmsErrorCode.OTP_MISSING
    if other != second:
        assert otp_verify(phone=PHONE, purpose="tests.login", code=other) is False
    if first != second:
        assert otp_verify(phone=PHONE, purpose="tests.login", code=first) is False
    assert otp_verify(phone=PHONE, purpose="tests.login", code=second) is True
    assert otp_verify(phone="13900001111", purpose="tests.login", code=other) is True


@pytest.mark.django_db
def test_at_most_five_codes_per_phone_an_hour(recording):
    for purpose in ("tests.a", "tests.b", "tests.a", "tests.c", "tests.a"):
        otp_issue(phone=PHONE, purpose=purpose)
    before = (OneTimeCode.objects.count(), OutboxMessage.objects.count())
    with pytest.raises(DomainError) as refused:
        otp_issue(phone=PHONE, purpose="tests.d")
    assert refused.value.code == SmsErrorCode.OTP_RATE_LIMITED and refused.value.status == 429
    assert "1 小时内" in str(refused.value.message)
    assert (OneTimeCode.objects.count(), OutboxMessage.objects.count()) == before
    otp_issue(phone="13900001111", purpose="tests.a")  # another phone is not held back
    OneTimeCode.objects.update(created_at=OneTimeCode.objects.latest("id").created_at - timedelta(minutes=61))
    otp_issue(phone=PHONE, purpose="tests.d")  # an hour later the phone may ask again
    deliver()
    assert len(recording) == 7


@pytest.mark.django_db
@pytest.mark.parametrize(("phone", "code"), [("12345", "invalid_phone"), ("02584567890", SmsErrorCode.NOT_MOBILE),
                                             ("", "invalid_phone")])
def test_the_phone_is_validated(phone, code):
    for call in (lambda: otp_issue(phone=phone, purpose="tests.login"),
                 lambda: otp_verify(phone=phone, purpose="tests.login", code="123456")):
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.code == code and "phone" in refused.value.field_errors
    assert not OneTimeCode.objects.exists() and not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_a_code_in_another_form_is_a_wrong_try(recording):
    otp_issue(phone=PHONE, purpose="tests.login")
    deliver()
    [code] = codes_sent()
    assert otp_verify(phone=PHONE, purpose="tests.login", code="abc") is False
    assert otp_verify(phone=PHONE, purpose="tests.login", code="") is False
    full_width = code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert otp_verify(phone=PHONE, purpose="tests.login", code=full_width) is True
    assert OneTimeCode.objects.get().attempts == 3
