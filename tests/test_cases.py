"""Intake from every channel, triage (urgency, duplicates, suggestions, crisis), idempotency,
bad input that leaves nothing behind, attachments, the timeline and the case page."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from jijinan.accounts.models import Grant, User
from jijinan.audit.models import AccessLog, AuditEvent
from jijinan.cases import notices, selectors
from jijinan.cases.choices import Channel, Stage, SubjectKind, Urgency
from jijinan.cases.intake import services
from jijinan.cases.intake.attachments import MAX_ATTACHMENT_BYTES, Upload
from jijinan.cases.intake.services import IntakeInput, case_intake
from jijinan.cases.intake.triage import CRISIS_KIND
from jijinan.cases.models import (
    REPORTER_PHONE_PURPOSE,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNumberCounter,
    OnCallContact,
)
from jijinan.core.errors import Conflict, DomainError, Forbidden
from jijinan.core.models import Deadline, OutboxMessage
from jijinan.core.permissions import Role
from jijinan.core.protected import crypto
from jijinan.policy.lookup import value as parameter_value
from jijinan.regions.models import Region
from jijinan.registry.models import Household, HouseholdMember, Person
from jijinan.registry.services import PersonInput
from jijinan.verification.demo import tiny_png
from tests.permission_cases.registry import valid_id
from tests.world import PASSWORD, XUANWU, persona

pytestmark = pytest.mark.django_db

TOWNSHIP, VILLAGE, GULOU_VILLAGE = "320102002000", "320102002001", "320106001001"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):  # type: ignore[no-untyped-def]
    # Each test keeps its files apart, so counting them is exact even beside parallel workers.
    settings.VAR_DIR = tmp_path


@pytest.fixture
def clerk(world):  # type: ignore[no-untyped-def]
    return persona(world, Role.WINDOW_CLERK, at=XUANWU)


@pytest.fixture
def operator(world):  # type: ignore[no-untyped-def]
    return persona(world, Role.HOTLINE_OPERATOR, at=XUANWU)


def _user_with_mobile(username: str, role: str, region_code: str, mobile: str, world: Any) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=username,
                                    organisation=world.xuanwu_office, mobile=mobile,
                                    mobile_index=crypto.blind_index(mobile, purpose="accounts.user.mobile"))
    Grant.objects.create(user=user, role=role, region=Region.objects.get(code=region_code))
    return user


def intake(**overrides: Any) -> IntakeInput:
    values: dict[str, Any] = {
        "channel": Channel.WINDOW, "handling_region_code": TOWNSHIP,
        "event_at": timezone.now() - timedelta(hours=2), "categories": ["fire"], "needs": ["food_shelter"],
        "description": "住房失火，一家三口无处居住", "subject_name": "无名氏"}
    values.update(overrides)
    return IntakeInput(**values)


def _person(name: str, region: str, seq: int, *, phone: str | None = None) -> Person:
    from jijinan.registry.services import person_create

    return person_create(actor=None, data=PersonInput(name=name, residence_region_code=region,
                                                     id_number=valid_id(region[:6], "19660606", seq), phone=phone))


def _household(head: Person, *others: Person, income_fen: int = 0) -> Household:
    household = Household.objects.create(region=head.residence_region, monthly_income_fen=income_fen)
    HouseholdMember.objects.create(household=household, person=head, relation="head")
    for other in others:
        HouseholdMember.objects.create(household=household, person=other, relation="spouse")
    return household


def _counts() -> dict[str, int]:
    private = Path(settings.VAR_DIR) / "private" / "cases"
    return {"cases": Case.objects.count(), "events": CaseEvent.objects.count(),
            "attachments": CaseAttachment.objects.count(), "persons": Person.objects.count(),
            "counters": sum(CaseNumberCounter.objects.values_list("last", flat=True)),
            "outbox": OutboxMessage.objects.count(), "deadlines": Deadline.objects.count(),
            "audit": AuditEvent.objects.filter(action__startswith="cases.").count(),
            "files": len(list(private.glob("*"))) if private.exists() else 0}


# --- channels and numbers ------------------------------------------------------------------------
@pytest.mark.parametrize(("channel", "stage"), [
    (Channel.WINDOW, Stage.ACCEPTED), (Channel.HOTLINE, Stage.ACCEPTED), (Channel.HOTLINE_12345, Stage.ACCEPTED),
    (Channel.RELIEF_STATION, Stage.ACCEPTED), (Channel.DEPARTMENT, Stage.ACCEPTED),
    (Channel.INFORMANT, Stage.REPORTED), (Channel.ONLINE, Stage.REPORTED), (Channel.WARNING, Stage.DISCOVERED),
])
def test_every_channel_starts_in_its_stage(channel, stage, clerk):  # type: ignore[no-untyped-def]
    case = case_intake(actor=clerk, data=intake(channel=channel)).case
    assert case.stage == stage and case.channel == channel
    assert (case.accepted_at is not None) == (stage == Stage.ACCEPTED)
    assert case.handling_region.code == TOWNSHIP
    assert case.events.filter(kind="intake").count() == 1
    assert AuditEvent.objects.filter(action="cases.case.intake", subject_id=str(case.pk)).count() == 1
    assert OutboxMessage.objects.filter(type="cases.case.intake", subject_id=str(case.pk)).count() == 1


def test_numbers_run_per_township_and_year(clerk, world):  # type: ignore[no-untyped-def]
    year = timezone.localdate().year
    taken = {c.township.code: c.last for c in CaseNumberCounter.objects.select_related("township")}
    assert taken == {TOWNSHIP: 1, "320106001000": 1}  # the world's own cases
    first = case_intake(actor=clerk, data=intake()).case
    second = case_intake(actor=clerk, data=intake(handling_region_code=VILLAGE)).case  # a village → its township
    assert first.number == f"JJ{TOWNSHIP}{year}00002"
    assert second.number == f"JJ{TOWNSHIP}{year}00003"
    assert second.handling_region.code == TOWNSHIP
    other = case_intake(actor=None, data=intake(handling_region_code=GULOU_VILLAGE)).case
    assert other.number == f"JJ320106001000{year}00002"


def test_hotline_links_work_orders(operator):  # type: ignore[no-untyped-def]
    case = case_intake(actor=operator, data=intake(
        channel=Channel.HOTLINE_12345, work_orders={"12345": "NJ-2026-88", "110": "", "120": "A120x9"})).case
    assert case.work_orders == {"12345": "NJ-2026-88", "120": "A120x9"}
    with pytest.raises(DomainError) as caught:
        case_intake(actor=operator, data=intake(work_orders={"119": "1"}))
    assert "work_orders" in caught.value.field_errors


def test_reporter_phone_is_encrypted_with_a_blind_index(clerk):  # type: ignore[no-untyped-def]
    case = case_intake(actor=clerk, data=intake(reporter_phone="+86 139-0517-1234")).case
    stored = Case.objects.filter(pk=case.pk).values_list("reporter_phone", flat=True).get()
    assert "13905171234" not in stored.envelope
    case.refresh_from_db()
    assert case.reporter_phone.reveal() == "13905171234"
    assert case.reporter_phone_index == crypto.blind_index("13905171234", purpose=REPORTER_PHONE_PURPOSE)
    assert "13905171234" not in str(AuditEvent.objects.filter(subject_id=str(case.pk)).values_list("changes"))


# --- subjects ------------------------------------------------------------------------------------
def test_a_registry_person_brings_their_household(clerk):  # type: ignore[no-untyped-def]
    head = _person("张伟", VILLAGE, 11)
    household = _household(head)
    case = case_intake(actor=clerk, data=intake(person_id=head.pk, subject_name="")).case
    assert case.subject_kind == SubjectKind.PERSON and case.person == head and case.household == household
    assert case.subject_name == "张伟"


def test_a_household_alone_is_a_household_subject_with_its_head_as_applicant(clerk):  # type: ignore[no-untyped-def]
    head = _person("张伟", VILLAGE, 11)
    household = _household(head)
    case = case_intake(actor=clerk, data=intake(household_id=household.pk, subject_name="")).case
    assert case.subject_kind == SubjectKind.HOUSEHOLD and case.person == head and case.household == household
    assert case.subject_name == "张伟"


def test_a_new_person_is_registered_through_the_registry(clerk):  # type: ignore[no-untyped-def]
    new = PersonInput(name="赵新", residence_region_code=VILLAGE, id_number=valid_id("320102", "19900101", 77))
    case = case_intake(actor=clerk, data=intake(new_person=new, subject_name="")).case
    person = Person.objects.get(name="赵新")
    assert case.person == person and case.subject_kind == SubjectKind.PERSON
    assert AuditEvent.objects.filter(action="registry.person.create", subject_id=str(person.pk)).exists()
    assert case.events.filter(kind="subject_registered").exists()


def test_a_hotline_operator_may_not_register_a_new_person(operator):  # type: ignore[no-untyped-def]
    new = PersonInput(name="赵新", residence_region_code=VILLAGE, id_number=valid_id("320102", "19900101", 77))
    before = _counts()
    with pytest.raises(DomainError) as caught:
        case_intake(actor=operator, data=intake(new_person=new, subject_name=""))
    assert caught.value.code == "new_person_not_allowed" and "new_person" in caught.value.field_errors
    assert _counts() == before


def test_an_unknown_and_an_out_of_scope_subject_get_the_same_error(clerk):  # type: ignore[no-untyped-def]
    outside = _person("张卫", GULOU_VILLAGE, 21)
    before = _counts()
    messages = []
    for pk in (outside.pk, 999_999):
        with pytest.raises(DomainError) as caught:
            case_intake(actor=clerk, data=intake(person_id=pk, subject_name=""))
        assert caught.value.code == "unknown_subject"
        messages.append(caught.value.field_errors["person_id"])
    assert messages[0] == messages[1]
    assert _counts() == before


# --- bad input -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("overrides", "field", "code"), [
    ({"handling_region_code": "320102999000"}, "handling_region_code", "unknown_region"),
    ({"handling_region_code": "320102000000"}, "handling_region_code", "region_level"),
    ({"event_at": "future"}, "event_at", "future_event"),
    ({"event_at": None}, "event_at", "validation_error"),
    ({"categories": []}, "categories", "unknown_category"),
    ({"categories": ["fire", "meteor"]}, "categories", "unknown_category"),
    ({"needs": ["yacht"]}, "needs", "unknown_need"),
    ({"description": "  "}, "description", "validation_error"),
    ({"channel": "carrier_pigeon"}, "channel", "validation_error"),
    ({"subject_name": "", "subject_description": ""}, "subject_name", "unknown_subject"),
    ({"reporter_phone": "12345"}, "reporter_phone", "invalid_phone"),
    ({"crisis": True, "crisis_note": ""}, "crisis_note", "validation_error"),
])
def test_bad_input_is_refused_and_nothing_is_half_created(overrides, field, code, clerk):  # type: ignore[no-untyped-def]
    if overrides.get("event_at") == "future":
        overrides = {**overrides, "event_at": timezone.now() + timedelta(hours=2)}
    before = _counts()
    with pytest.raises(DomainError) as caught:
        case_intake(actor=clerk, data=intake(**overrides), attachments=[Upload("a.pdf", PDF)])
    assert field in caught.value.field_errors, caught.value.field_errors
    assert caught.value.code == code
    assert _counts() == before


def test_an_out_of_scope_region_is_forbidden(clerk):  # type: ignore[no-untyped-def]
    before = _counts()
    with pytest.raises(Forbidden):
        case_intake(actor=clerk, data=intake(handling_region_code=GULOU_VILLAGE))
    assert _counts() == before


@pytest.mark.parametrize(("upload", "code"), [
    (Upload("big.pdf", PDF + b"\x00" * MAX_ATTACHMENT_BYTES), "attachment_too_large"),
    (Upload("photo.pdf", tiny_png()), "bad_attachment"),  # a PNG calling itself a PDF
    (Upload("virus.png", b"MZ\x90\x00" + b"\x00" * 100), "bad_attachment"),  # a program calling itself a PNG
    (Upload("empty.pdf", b""), "bad_attachment"),
])
def test_oversized_or_disguised_attachments_are_refused(upload, code, clerk):  # type: ignore[no-untyped-def]
    before = _counts()
    with pytest.raises(DomainError) as caught:
        case_intake(actor=clerk, data=intake(), attachments=[Upload("ok.png", tiny_png()), upload])
    assert caught.value.code == code and "attachments" in caught.value.field_errors
    assert _counts() == before


def test_attachments_are_stored_outside_the_web_root(clerk):  # type: ignore[no-untyped-def]
    case = case_intake(actor=clerk, data=intake(), attachments=[Upload("scan.pdf", PDF)]).case
    attachment = case.attachments.get()
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF)
    path = Path(settings.VAR_DIR) / attachment.storage_name
    assert path.read_bytes() == PDF and attachment.storage_name.startswith("private/cases/")


def test_a_failure_after_the_files_were_written_removes_them(clerk, monkeypatch):  # type: ignore[no-untyped-def]
    before = _counts()

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("outbox down")

    monkeypatch.setattr(services, "outbox_write_many", boom)
    with pytest.raises(RuntimeError):
        case_intake(actor=clerk, data=intake(), attachments=[Upload("scan.pdf", PDF)])
    assert _counts() == before


# --- idempotency ---------------------------------------------------------------------------------
def test_the_same_key_and_body_return_the_same_case(clerk):  # type: ignore[no-untyped-def]
    data = intake(client_key="k-1", reporter_phone="13905171234")
    first = case_intake(actor=clerk, data=data)
    before = _counts()
    again = case_intake(actor=clerk, data=data)
    assert first.created and not again.created and again.case.pk == first.case.pk
    assert _counts() == before  # no second notice, number, event or audit row


def test_the_same_key_with_another_body_is_a_conflict(clerk):  # type: ignore[no-untyped-def]
    case_intake(actor=clerk, data=intake(client_key="k-1"))
    before = _counts()
    with pytest.raises(Conflict) as caught:
        case_intake(actor=clerk, data=intake(client_key="k-1", description="另一件事"))
    assert caught.value.code == "client_key_reused" and caught.value.status == 409
    assert _counts() == before


def test_a_key_belongs_to_its_user(clerk, world):  # type: ignore[no-untyped-def]
    other = persona(world, Role.TOWNSHIP_REVIEWER, at=XUANWU)
    mine = case_intake(actor=clerk, data=intake(client_key="k-1")).case
    theirs = case_intake(actor=other, data=intake(client_key="k-1")).case
    assert mine.pk != theirs.pk


# --- triage --------------------------------------------------------------------------------------
def test_urgency_follows_the_category_and_the_crisis_flag(clerk, defaults):  # type: ignore[no-untyped-def]
    normal = case_intake(actor=clerk, data=intake(categories=["housing"])).case
    fire = case_intake(actor=clerk, data=intake(categories=["fire"])).case
    declared = case_intake(actor=clerk, data=intake(categories=["housing"], urgency=Urgency.CRITICAL)).case
    crisis = case_intake(actor=clerk, data=intake(crisis=True, crisis_note="扬言轻生")).case
    assert (normal.urgency, fire.urgency, declared.urgency, crisis.urgency) == (
        Urgency.NORMAL, Urgency.URGENT, Urgency.CRITICAL, Urgency.CRITICAL)
    assert fire.triage["urgency"] == Urgency.URGENT and fire.events.filter(kind="triage").exists()


def test_a_crisis_starts_a_deadline_in_hours_and_alerts_lead_and_on_call(clerk, world, defaults):  # type: ignore[no-untyped-def]
    lead = _user_with_mobile("lead", Role.TOWNSHIP_LEAD, TOWNSHIP, "13800000011", world)
    _user_with_mobile("far_lead", Role.TOWNSHIP_LEAD, "320106001000", "13800000012", world)
    approver = _user_with_mobile("approver", Role.COUNTY_APPROVER, XUANWU, "13800000013", world)
    duty = _user_with_mobile("duty", Role.SOCIAL_WORKER, XUANWU, "13800000014", world)
    now = timezone.now()
    OnCallContact.objects.create(county=Region.objects.get(code=XUANWU), user=duty,
                                 starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8))
    OnCallContact.objects.create(county=Region.objects.get(code=XUANWU), user=approver,
                                 starts_at=now + timedelta(hours=8), ends_at=now + timedelta(hours=16))
    case = case_intake(actor=clerk, data=intake(crisis=True, crisis_note="扬言轻生")).case
    deadline = Deadline.objects.get(subject_type="cases.case", subject_id=str(case.pk), kind=CRISIS_KIND)
    assert deadline.unit == "hours" and deadline.limit == 2
    assert abs((deadline.due_at - deadline.started_at) - timedelta(hours=2)) < timedelta(seconds=1)
    alert = OutboxMessage.objects.get(type="case.crisis_alert", subject_id=str(case.pk))
    assert alert.payload["leads"] == [lead.pk] and alert.payload["on_call"] == [duty.pk]
    texts = OutboxMessage.objects.filter(type="sms.send", payload__template=notices.CRISIS_ALERT)
    assert {crypto.decrypt(m.payload["to"], purpose="core.sms.to") for m in texts} == {"13800000011", "13800000014"}
    assert case.events.filter(kind="crisis_alert").count() == 1


def test_without_an_on_call_contact_the_county_approvers_are_alerted(clerk, world, defaults):  # type: ignore[no-untyped-def]
    approver = _user_with_mobile("approver", Role.COUNTY_APPROVER, XUANWU, "13800000013", world)
    case = case_intake(actor=clerk, data=intake(crisis=True, crisis_note="家暴威胁")).case
    alert = OutboxMessage.objects.get(type="case.crisis_alert", subject_id=str(case.pk))
    assert alert.payload["on_call"] == [approver.pk] and alert.payload["leads"] == []


def test_a_crisis_without_the_parameter_still_alerts_and_says_why(clerk, world):  # type: ignore[no-untyped-def]
    _user_with_mobile("approver", Role.COUNTY_APPROVER, XUANWU, "13800000013", world)
    case = case_intake(actor=clerk, data=intake(crisis=True, crisis_note="扬言轻生")).case
    assert not Deadline.objects.filter(subject_id=str(case.pk), kind=CRISIS_KIND).exists()
    assert OutboxMessage.objects.filter(type="case.crisis_alert", subject_id=str(case.pk)).exists()
    assert "未能设定时限" in case.events.get(kind="crisis_alert").summary


def test_duplicate_warnings_name_the_open_case_and_the_repeated_cause(clerk):  # type: ignore[no-untyped-def]
    person = _person("张伟", VILLAGE, 11)
    first = case_intake(actor=clerk, data=intake(person_id=person.pk, subject_name="")).case
    assert first.triage["warnings"] == []
    second = case_intake(actor=clerk, data=intake(person_id=person.pk, subject_name="")).case
    kinds = {(w["kind"], w["number"]) for w in second.triage["warnings"]}
    assert kinds == {("open_case", first.number), ("repeat_cause", first.number)}
    other_cause = case_intake(actor=clerk, data=intake(person_id=person.pk, subject_name="",
                                                       categories=["housing"])).case
    assert {w["kind"] for w in other_cause.triage["warnings"]} == {"open_case"}
    assert second.events.filter(kind="duplicate_warning").count() == 2


def test_a_closed_case_of_last_year_warns_of_nothing(clerk):  # type: ignore[no-untyped-def]
    person = _person("张伟", VILLAGE, 11)
    old = case_intake(actor=clerk, data=intake(person_id=person.pk, subject_name="")).case
    Case.objects.filter(pk=old.pk).update(stage=Stage.CLOSED, created_at=timezone.now() - timedelta(days=400))
    new = case_intake(actor=clerk, data=intake(person_id=person.pk, subject_name="")).case
    assert new.triage["warnings"] == []


def test_suggestions_come_from_the_policy_engine_with_their_lines(clerk, defaults):  # type: ignore[no-untyped-def]
    head = _person("张伟", VILLAGE, 11)
    _household(head, _person("李娜", VILLAGE, 12), income_fen=50_000)  # 500 yuan a month for two
    case = case_intake(actor=clerk, data=intake(person_id=head.pk, subject_name="", needs=["money"])).case
    by_program = {s["program"]: s for s in case.triage["suggestions"]}
    assert set(by_program) == {"dibao", "temporary_assistance"}
    dibao = by_program["dibao"]
    standard = parameter_value("dibao.standard_monthly", TOWNSHIP, timezone.now()).value
    # The top-up is at least the gap between the standard for two and the income (uplifts add to it).
    assert dibao["eligible"] is True and dibao["amount_fen"] >= standard * 2 - 50_000 > 0
    assert dibao["lines"] and all(isinstance(line, str) for line in dibao["lines"])
    assert case.events.filter(kind="suggestion").count() == 2


def test_suggestions_never_fail_the_intake(clerk):  # type: ignore[no-untyped-def]
    head = _person("张伟", VILLAGE, 11)
    _household(head)
    case = case_intake(actor=clerk, data=intake(person_id=head.pk, subject_name="", needs=["money"])).case
    assert case.pk is not None
    assert all(s["outcome"] == "unavailable" and s["summary"].startswith("无法测算：")
               for s in case.triage["suggestions"])
    unknown = case_intake(actor=clerk, data=intake()).case
    assert unknown.triage["suggestions"][0]["summary"].startswith("无法测算：")


# --- notices -------------------------------------------------------------------------------------
def _accepted_texts() -> list[str]:
    return [crypto.decrypt(m.payload["to"], purpose="core.sms.to")
            for m in OutboxMessage.objects.filter(type="sms.send", payload__template=notices.ACCEPTED)]


def test_the_applicant_is_told_the_number(clerk):  # type: ignore[no-untyped-def]
    case = case_intake(actor=clerk, data=intake(reporter_phone="13905171234")).case
    message = OutboxMessage.objects.get(type="sms.send", payload__template=notices.ACCEPTED)
    assert crypto.decrypt(message.payload["to"], purpose="core.sms.to") == "13905171234"
    assert case.number in crypto.decrypt(message.payload["text"], purpose="core.sms.text")


def test_the_outbox_keeps_the_order_of_the_intake(clerk, world, defaults):  # type: ignore[no-untyped-def]
    # The intake writes its outbox events together; a crisis alert still comes between the intake
    # event and the applicant's notice, and each text message has its one delivery.
    _user_with_mobile("lead", Role.TOWNSHIP_LEAD, TOWNSHIP, "13800000011", world)
    case = case_intake(actor=clerk, data=intake(crisis=True, crisis_note="扬言轻生",
                                                reporter_phone="13905171234")).case
    ours = {"cases.case.intake", "case.crisis_alert", "sms.send"}
    messages = [m for m in OutboxMessage.objects.filter(subject_type="cases.case", subject_id=str(case.pk))
                .order_by("id") if m.type in ours]
    assert [(m.type, m.payload.get("template")) for m in messages] == [
        ("cases.case.intake", None), ("case.crisis_alert", None), ("sms.send", notices.CRISIS_ALERT),
        ("sms.send", notices.ACCEPTED)]
    assert [list(m.deliveries.values_list("handler", flat=True)) for m in messages if m.type == "sms.send"] == [
        ["sms"], ["sms"]]


def test_no_notice_for_an_informant_a_landline_or_no_phone(clerk):  # type: ignore[no-untyped-def]
    case_intake(actor=clerk, data=intake(channel=Channel.INFORMANT, reporter_phone="13905171234"))
    case_intake(actor=clerk, data=intake(reporter_phone="025-84567890"))
    case_intake(actor=clerk, data=intake())
    assert _accepted_texts() == []


def test_the_decision_hook_texts_the_applicant(clerk):  # type: ignore[no-untyped-def]
    case = case_intake(actor=clerk, data=intake(reporter_phone="13905171234")).case
    case.refresh_from_db()
    with transaction.atomic():
        assert notices.case_notify_decision(case, "已批准临时救助 2000 元") is True
    message = OutboxMessage.objects.get(type="sms.send", payload__template=notices.DECISION)
    assert "2000" in crypto.decrypt(message.payload["text"], purpose="core.sms.text")


# --- reads: scope, timeline, the page ------------------------------------------------------------
def test_an_informant_sees_only_their_own_reports(world):  # type: ignore[no-untyped-def]
    informant = persona(world, Role.INFORMANT, at=XUANWU)
    mine = case_intake(actor=informant, data=intake(channel=Channel.INFORMANT)).case
    other = case_intake(actor=None, data=intake()).case
    visible = set(selectors.cases_visible_to(informant).values_list("pk", flat=True))
    assert visible == {mine.pk} and other.pk not in visible


def test_the_timeline_merges_case_events_and_the_audit(clerk):  # type: ignore[no-untyped-def]
    case = case_intake(actor=clerk, data=intake(), attachments=[Upload("a.pdf", PDF)]).case
    entries = selectors.case_timeline(case=case)
    kinds = [e.kind for e in entries]
    assert kinds[0] == "intake" and "audit:cases.case.intake" in kinds and "attachment" in kinds
    assert all(e.actor == clerk.full_name for e in entries)
    assert [e.at for e in entries] == sorted(e.at for e in entries)


def test_the_case_page_shows_everything_in_few_queries(clerk, world, defaults, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    _user_with_mobile("approver", Role.COUNTY_APPROVER, XUANWU, "13800000013", world)
    head = _person("张伟", VILLAGE, 11)
    _household(head)
    case = case_intake(actor=clerk, data=intake(person_id=head.pk, subject_name="", crisis=True,
                                                crisis_note="扬言轻生", needs=["money"]),
                       attachments=[Upload("a.pdf", PDF), Upload("b.png", tiny_png())]).case
    client = Client()
    client.force_login(clerk)
    # session, user, grants, nav and the page itself (with the deflection flags of its summary)
    with django_assert_max_num_queries(16):
        response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert case.number in page and "张伟" in page and f"/registry/persons/{head.pk}/" in page
    assert "危机个案首次接触" in page and "最低生活保障" in page and "a.pdf" in page
    assert valid_id("320102", "19660606", 11) not in page  # the ID number is masked
    assert AccessLog.objects.filter(subject_type="cases.case", subject_id=str(case.pk)).count() == 1


def test_an_attachment_is_served_to_the_area_and_logged(clerk, world):  # type: ignore[no-untyped-def]
    case = case_intake(actor=clerk, data=intake(), attachments=[Upload("a.pdf", PDF)]).case
    attachment = case.attachments.get()
    client = Client()
    client.force_login(clerk)
    response = client.get(f"/cases/{case.pk}/attachments/{attachment.pk}/")
    assert response.status_code == 200 and response.content == PDF
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert AccessLog.objects.filter(fields=["attachment"], subject_id=str(case.pk)).count() == 1
    outsider = Client()
    outsider.force_login(persona(world, Role.WINDOW_CLERK, at="320106000000"))
    assert outsider.get(f"/cases/{case.pk}/attachments/{attachment.pk}/").status_code == 404


def test_the_intake_page_takes_a_case_with_files(clerk):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    client.force_login(clerk)
    assert client.get("/cases/new/").status_code == 200
    form = {"channel": "window", "handling_region_code": VILLAGE, "subject_mode": "unidentified",
            "subject_name": "路人", "event_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "categories": ["accident"], "needs": ["medical"], "description": "摔伤", "urgency": "normal",
            "client_key": "page-1", "attachments": [SimpleUploadedFile("x.png", tiny_png())]}
    before = Case.objects.count()
    response = client.post("/cases/new/", form)
    case = Case.objects.get(client_key="page-1")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.attachments.count() == 1 and Case.objects.count() == before + 1
    bad = client.post("/cases/new/", {**form, "client_key": "page-2", "categories": [],
                                      "attachments": [SimpleUploadedFile("x.png", b"not an image")]})
    assert bad.status_code == 400 and Case.objects.count() == before + 1
    assert "请至少选择一个急难类别" in bad.content.decode()


def test_an_old_event_date_is_refused(clerk):  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError) as caught:
        case_intake(actor=clerk, data=intake(event_at=timezone.now() - timedelta(days=365 * 6)))
    assert "event_at" in caught.value.field_errors
    assert date.today().year  # the check is relative to now, not to a fixed year


# --- the public self-application -----------------------------------------------------------------
def _latest_code() -> str:
    import re

    message = OutboxMessage.objects.filter(type="sms.send", payload__template="core.otp").latest("id")
    return re.search(r"\d{6}", crypto.decrypt(message.payload["text"], purpose="core.sms.text")).group(0)  # type: ignore[union-attr]


def test_the_online_application_needs_the_code_sent_to_the_phone(world):  # type: ignore[no-untyped-def]
    client = Client()
    form = {"phone": "13905171234", "name": "孙申请", "handling_region_code": VILLAGE,
            "event_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "categories": ["schooling"],
            "needs": ["education"], "description": "孩子考上大学，学费无力支付"}
    assert client.get("/cases/apply/").status_code == 200
    assert client.post("/cases/apply/", {**form, "action": "send_code"}).status_code == 200
    before = Case.objects.count()
    wrong = client.post("/cases/apply/", {**form, "action": "submit", "code": "000000" if _latest_code() != "000000"
                                          else "111111"})
    assert wrong.status_code == 400 and Case.objects.count() == before
    response = client.post("/cases/apply/", {**form, "action": "submit", "code": _latest_code()})
    assert response.status_code == 200, response.content.decode()[:500]
    case = Case.objects.latest("id")
    assert Case.objects.count() == before + 1
    assert case.channel == Channel.ONLINE and case.stage == Stage.REPORTED and case.created_by is None
    assert case.number in response.content.decode()
    assert case.reporter_phone_index == crypto.blind_index("13905171234", purpose=REPORTER_PHONE_PURPOSE)
    assert OutboxMessage.objects.filter(type="sms.send", payload__template=notices.ACCEPTED).count() == 1
    # A code is used up: the same submission again makes nothing.
    again = client.post("/cases/apply/", {**form, "action": "submit", "code": _latest_code()})
    assert again.status_code == 400 and Case.objects.count() == before + 1


# --- the duty rota -------------------------------------------------------------------------------
def test_a_county_approver_keeps_the_duty_rota_of_their_county(world):  # type: ignore[no-untyped-def]
    approver = persona(world, Role.COUNTY_APPROVER, at=XUANWU)
    client = Client()
    client.force_login(approver)
    now = timezone.localtime()
    form = {"county_code": XUANWU, "user": world.xuanwu_staff.pk,
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")}
    assert client.post("/cases/on-call/", form).status_code == 302
    duty = OnCallContact.objects.get()
    assert duty.user == world.xuanwu_staff and duty.county.code == XUANWU
    assert AuditEvent.objects.filter(action="cases.on_call.add", subject_id=str(duty.pk)).exists()
    assert world.xuanwu_staff.full_name in client.get("/cases/on-call/").content.decode()
    backwards = client.post("/cases/on-call/", {**form, "ends_at": form["starts_at"]})
    township = client.post("/cases/on-call/", {**form, "county_code": TOWNSHIP})
    assert backwards.status_code == 400 and township.status_code == 400
    # Another county, or someone from outside the county, is refused on the form, the rest kept.
    other_county = client.post("/cases/on-call/", {**form, "county_code": "320106000000"})
    assert other_county.status_code == 400 and "鼓楼区 不在您的工作范围内" in other_county.content.decode()
    outsider = client.post("/cases/on-call/", {**form, "user": world.gulou_staff.pk})
    assert outsider.status_code == 400 and "请从列表中选择在职的工作人员" in outsider.content.decode()
    assert OnCallContact.objects.count() == 1


# --- concurrency ---------------------------------------------------------------------------------
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite runs one writer")
@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_get_distinct_numbers_and_one_key_makes_one_case():
    import threading

    from jijinan.regions.services import regions_load_csv
    from tests.world import REGIONS

    regions_load_csv(text=REGIONS, valid_from=date(2022, 10, 31), source="test")
    # A transactional test runs after others have flushed the tables, the vocabularies the
    # migration seeded included: seed them again as the migration does.
    from importlib import import_module

    from django.apps import apps

    import_module("jijinan.cases.migrations.0001_cases_intake").seed_vocabularies(apps, None)
    # A key is per user: the clerk here is a superuser so that no grants are needed.
    clerk = User.objects.create_superuser(username="fast_clerk", password=PASSWORD, email="", full_name="快")
    made: list[Case] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    bodies = {key: intake(client_key=key) for key in ("k0", "k1", "k2", "k3", "same")}  # one body per key

    def take(key: str) -> None:
        try:
            barrier.wait(timeout=30)
            made.append(case_intake(actor=clerk, data=bodies[key]).case)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(f"k{i}",)) for i in range(4)]
    threads += [threading.Thread(target=take, args=("same",)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len({c.number for c in made}) == 5 and Case.objects.count() == 5
    assert CaseNumberCounter.objects.get().last == 5
    assert len({c.pk for c in made if c.client_key == "same"}) == 1


def test_an_informant_lists_their_own_reports_only(world, django_assert_max_num_queries):  # type: ignore[no-untyped-def]
    informant = persona(world, Role.INFORMANT, at=XUANWU)
    mine = [case_intake(actor=informant, data=intake(channel=Channel.INFORMANT)).case for _ in range(3)]
    other = case_intake(actor=None, data=intake()).case
    client = Client()
    client.force_login(informant)
    with django_assert_max_num_queries(12):
        page = client.get("/cases/mine/").content.decode()
    assert all(c.number in page for c in mine) and other.number not in page
