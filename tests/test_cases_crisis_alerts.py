"""The crisis alert as it arrives: every recipient in the inbox, a text message where a mobile is on
file, a timeline that names who was reached and how (or plainly that nobody was); the county's duty
rota open only to staff whose grants cover the county; a crisis flag is no stability risk."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jijinan.accounts.models import Grant, Organisation, User
from jijinan.audit.models import AuditEvent
from jijinan.cases import notices
from jijinan.cases.intake import services
from jijinan.cases.models import Case, OnCallContact
from jijinan.core.errors import DomainError
from jijinan.core.jobs.outbox import outbox_deliver_due
from jijinan.core.models import InboxItem, OutboxMessage
from jijinan.core.permissions import Role
from jijinan.core.protected import crypto
from jijinan.regions.models import Region
from jijinan.registry.models import Household, HouseholdMember
from jijinan.registry.services import PersonInput, person_create
from tests.permission_cases.registry import valid_id
from tests.world import PASSWORD, PROVINCE, XUANWU, fingerprint, persona

pytestmark = pytest.mark.django_db

NANJING, GULOU, TOWNSHIP, VILLAGE = "320100000000", "320106000000", "320102002000", "320102002001"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path


@pytest.fixture
def clerk(world):  # type: ignore[no-untyped-def]
    return persona(world, Role.WINDOW_CLERK, at=XUANWU)


def _staff(username: str, full_name: str, role: str, region_code: str, world: Any, *, mobile: str = "",
           office: Organisation | None = None) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, full_name=full_name, organisation=office or world.xuanwu_office,
        mobile=mobile or None,
        mobile_index=crypto.blind_index(mobile, purpose="accounts.user.mobile") if mobile else "")
    Grant.objects.create(user=user, role=role, region=Region.objects.get(code=region_code))
    return user


def _crisis_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "channel": "window", "handling_region_code": VILLAGE, "subject_mode": "unidentified",
        "subject_name": "路人", "event_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "categories": ["accident"], "needs": ["medical"], "description": "扬言轻生，情绪激动", "urgency": "normal",
        "reporter_name": "王五", "crisis": "on", "crisis_note": "扬言轻生"}
    data.update(overrides)
    return data


def _crisis_texts() -> list[str]:
    return [crypto.decrypt(m.payload["to"], purpose="core.sms.to")
            for m in OutboxMessage.objects.filter(type="sms.send", payload__template=notices.CRISIS_ALERT)]


def _english(client: Client) -> Client:
    client.cookies["jijinan_language"] = "en"
    return client


# --- the alert reaches everyone -------------------------------------------------------------------------
def test_a_crisis_taken_at_the_window_reaches_the_lead_and_the_on_call_approver(world, clerk, defaults):  # type: ignore[no-untyped-def]
    lead = _staff("chu", "褚主任", Role.TOWNSHIP_LEAD, TOWNSHIP, world, mobile="13800000011")
    approver = _staff("zheng", "郑审批", Role.COUNTY_APPROVER, XUANWU, world)  # no mobile on file
    now = timezone.now()
    services.on_call_add(actor=approver, county_code=XUANWU, user=approver, starts_at=now - timedelta(hours=1),
                         ends_at=now + timedelta(hours=8))
    browser = Client()
    browser.force_login(clerk)
    response = browser.post("/cases/new/", _crisis_form(client_key="crisis-1"))
    assert response.status_code == 302
    case = Case.objects.get(client_key="crisis-1")
    assert _crisis_texts() == ["13800000011"]  # one text message: only the lead has a mobile
    alert = case.events.get(kind="crisis_alert")
    assert alert.summary.startswith(
        "危机预警：站内通知 褚主任、郑审批；短信 褚主任；未登记手机号（仅站内通知）：郑审批；首次接触时限 ")
    assert alert.data["inbox"] == [lead.pk, approver.pk] and alert.data["sms"] == [lead.pk]
    assert not InboxItem.objects.exists()  # the inbox items come from the outbox, after the commit
    outbox_deliver_due(worker_id="test")
    items = {i.user_id: i for i in InboxItem.objects.filter(kind="crisis_alert")}
    assert set(items) == {lead.pk, approver.pk}
    item = items[approver.pk]
    assert item.title == f"危机预警：事项 {case.number}（梅园新村街道）" and item.url == f"/cases/{case.pk}/"
    assert item.body.startswith("扬言轻生。请于 ") and item.body.endswith(" 前首次接触。")
    # The approver follows the link to the case, whose timeline says who was reached and how.
    reader = Client()
    reader.force_login(approver)
    followed = reader.get(f"/inbox/{item.pk}/")
    assert followed.status_code == 302 and followed["Location"] == f"/cases/{case.pk}/"
    page = reader.get(f"/cases/{case.pk}/").content.decode()
    assert "危机预警：站内通知 褚主任、郑审批；短信 褚主任；未登记手机号（仅站内通知）：郑审批" in page
    english = _english(reader).get(f"/cases/{case.pk}/").content.decode()
    assert ("Crisis alert: in-app notice to 褚主任、郑审批; text message to 褚主任; "
            "no mobile number on file (in-app notice only): 郑审批") in english
    assert f"Crisis alert: case {case.number}" in _english(reader).get("/inbox/").content.decode()
    # Delivered again (a worker that died after its commit): nobody gets it twice.
    notices.deliver_crisis_alert(OutboxMessage.objects.get(type=notices.CRISIS_EVENT, subject_id=str(case.pk)))
    outbox_deliver_due(worker_id="test")
    assert InboxItem.objects.filter(kind="crisis_alert").count() == 2 and _crisis_texts() == ["13800000011"]


def test_when_nobody_can_be_found_the_timeline_says_so_and_the_supervisors_hear_of_it(world, clerk, defaults):  # type: ignore[no-untyped-def]
    supervisor = persona(world, Role.SUPERVISOR, at=XUANWU)
    elsewhere = persona(world, Role.SUPERVISOR, at=GULOU)
    case = services.case_intake(actor=clerk, data=services.IntakeInput(
        channel="window", handling_region_code=TOWNSHIP, event_at=timezone.now() - timedelta(hours=1),
        categories=["accident"], description="扬言轻生", subject_name="路人", crisis=True,
        crisis_note="扬言轻生")).case
    alert = case.events.get(kind="crisis_alert")
    assert alert.summary.startswith(
        "危机预警未能送达：该乡镇没有分管领导，该县（区）没有值班人员或审批人员；首次接触时限 ")
    assert alert.data["recipients"] == [] and alert.data["reached"] is False
    assert _crisis_texts() == []
    outbox_deliver_due(worker_id="test")
    item = InboxItem.objects.get(kind="crisis_alert_failed")
    assert item.user_id == supervisor.pk and item.user_id != elsewhere.pk
    assert item.title == f"危机预警未能送达：事项 {case.number}（梅园新村街道）"
    assert item.body.startswith("该乡镇没有分管领导，该县（区）没有值班人员或审批人员：扬言轻生。")
    assert item.url == f"/cases/{case.pk}/"


def test_a_missing_side_is_named_beside_those_reached(world, clerk, defaults):  # type: ignore[no-untyped-def]
    _staff("chu", "褚主任", Role.TOWNSHIP_LEAD, TOWNSHIP, world)
    case = services.case_intake(actor=clerk, data=services.IntakeInput(
        channel="window", handling_region_code=TOWNSHIP, event_at=timezone.now() - timedelta(hours=1),
        categories=["accident"], description="扬言轻生", subject_name="路人", crisis=True,
        crisis_note="扬言轻生")).case
    summary = case.events.get(kind="crisis_alert").summary
    assert summary.startswith(
        "危机预警：站内通知 褚主任；未登记手机号（仅站内通知）：褚主任；该县（区）没有值班人员或审批人员；")
    assert "短信" not in summary


def test_a_crisis_flag_alone_is_no_stability_risk_for_the_suggestions(world, clerk, defaults):  # type: ignore[no-untyped-def]
    head = person_create(actor=None, data=PersonInput(name="张伟", residence_region_code=VILLAGE,
                                                      id_number=valid_id("320102", "19660606", 41)))
    household = Household.objects.create(region=head.residence_region, monthly_income_fen=50_000)
    HouseholdMember.objects.create(household=household, person=head, relation="head")
    case = services.case_intake(actor=clerk, data=services.IntakeInput(
        channel="window", handling_region_code=TOWNSHIP, event_at=timezone.now() - timedelta(hours=1),
        categories=["accident"], needs=["money"], description="扬言轻生", person_id=head.pk, crisis=True,
        crisis_note="扬言轻生")).case
    [suggestion] = [s for s in case.triage["suggestions"] if s["program"] == "temporary_assistance"]
    lines = "\n".join(suggestion["lines"])
    assert "未登记稳定风险" in lines and "有稳定或极端行为风险" not in lines


# --- the duty rota --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "region_code", "allowed"), [
    (Role.WINDOW_CLERK, XUANWU, True),  # the county itself
    (Role.SUPERVISOR, NANJING, True),  # the city above it
    (Role.SOCIAL_WORKER, PROVINCE, True),  # the province
    (Role.TOWNSHIP_REVIEWER, TOWNSHIP, False),  # one township of it is not the county
    (Role.COUNTY_APPROVER, GULOU, False),  # another county
    (Role.INFORMANT, XUANWU, False),  # an informant is not on duty
    (Role.PARTNER_STAFF, XUANWU, False),  # nor partner staff
])
def test_only_staff_whose_grants_cover_the_county_go_on_its_rota(world, role, region_code, allowed):  # type: ignore[no-untyped-def]
    approver = persona(world, Role.COUNTY_APPROVER, at=XUANWU)
    member = _staff("duty", "值班甲", role, region_code, world)
    now = timezone.now()
    before = fingerprint()

    def add() -> OnCallContact:
        return services.on_call_add(actor=approver, county_code=XUANWU, user=member, starts_at=now,
                                    ends_at=now + timedelta(hours=8))

    if allowed:
        assert add().user == member
        return
    with pytest.raises(DomainError) as caught:
        add()
    assert caught.value.code == "on_call_not_covered"
    assert caught.value.field_errors == {"user": ["该工作人员的授权范围不包括 玄武区，不能排入该县（区）值班"]}
    assert fingerprint() == before


def test_a_revoked_grant_no_longer_covers_the_county(world):  # type: ignore[no-untyped-def]
    approver = persona(world, Role.COUNTY_APPROVER, at=XUANWU)
    member = _staff("duty", "值班甲", Role.SOCIAL_WORKER, XUANWU, world)
    Grant.objects.filter(user=member).update(revoked_at=timezone.now())
    with pytest.raises(DomainError) as caught:
        services.on_call_add(actor=approver, county_code=XUANWU, user=member, starts_at=timezone.now(),
                             ends_at=timezone.now() + timedelta(hours=8))
    assert "授权范围不包括 玄武区" in caught.value.field_errors["user"][0]
    assert not OnCallContact.objects.exists()


def _offered(html: str) -> set[int]:
    select = re.search(r'<select name="user"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return {int(pk) for pk in re.findall(r'<option value="(\d+)"', select.group(1))}


def test_the_rota_page_offers_only_staff_who_cover_the_county_and_says_why_one_is_refused(world):  # type: ignore[no-untyped-def]
    approver = persona(world, Role.COUNTY_APPROVER, at=XUANWU)
    reviewer = _staff("reviewer", "卫经办", Role.TOWNSHIP_REVIEWER, TOWNSHIP, world)
    informant = _staff("grid", "沈网格", Role.INFORMANT, XUANWU, world)
    client = Client()
    client.force_login(approver)
    html = client.get("/cases/on-call/").content.decode()  # the approver's one county is already chosen
    offered = _offered(html)
    assert world.xuanwu_staff.pk in offered and approver.pk in offered
    assert reviewer.pk not in offered and informant.pk not in offered
    assert "只列出授权范围包括 玄武区 的工作人员" in html
    now = timezone.localtime()
    form = {"county_code": XUANWU, "user": reviewer.pk, "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"), "note": "夜班"}
    refused = client.post("/cases/on-call/", form)
    page = refused.content.decode()
    assert refused.status_code == 400 and "该工作人员的授权范围不包括 玄武区，不能排入该县（区）值班" in page
    assert 'value="夜班"' in page and reviewer.pk not in _offered(page)  # the rest kept, the list narrowed
    assert not OnCallContact.objects.exists()
    assert not AuditEvent.objects.filter(action="cases.on_call.add").exists()
    english = _english(client).post("/cases/on-call/", form).content.decode()
    assert "grants do not include 玄武区" in english
    assert client.post("/cases/on-call/", {**form, "user": world.xuanwu_staff.pk}).status_code == 302
    assert OnCallContact.objects.get().user == world.xuanwu_staff
