"""The crisis intervention track: opened by the crisis alert's handler with its plan deadline (or by
the first step taken), first contact through the case page meeting its deadline, the plan with
professional help starting the reassessments, resolution ending every crisis deadline, a crisis
left unresolved past its limit escalated exactly once, scoping, and refusals that change nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jijinan.audit.models import AuditEvent
from jijinan.cases.models import Case
from jijinan.consultation.choices import EscalationTrigger
from jijinan.consultation.crisis import services as crisis
from jijinan.consultation.crisis.choices import EscalationState, InterventionStatus
from jijinan.consultation.crisis.models import CrisisContact, CrisisIntervention, CrisisReassessment
from jijinan.consultation.crisis.tasks import crisis_sweep_job, open_intervention
from jijinan.consultation.models import Escalation
from jijinan.core.errors import DomainError, NotFound
from jijinan.core.jobs.outbox import outbox_deliver_due
from jijinan.core.models import Deadline, OutboxMessage
from jijinan.core.permissions import Role
from tests.test_cases_workflow import _case, _fresh
from tests.world import GULOU, PASSWORD, XUANWU, persona

pytestmark = pytest.mark.django_db

FIRST, PLAN, REASSESS = crisis.FIRST_CONTACT_DEADLINE, crisis.PLAN_DEADLINE, crisis.REASSESSMENT_DEADLINE


@pytest.fixture
def people(world, defaults):  # type: ignore[no-untyped-def]
    made = {role: persona(world, role, at=XUANWU) for role in (
        Role.WINDOW_CLERK, Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_LEAD, Role.COUNTY_APPROVER, Role.SOCIAL_WORKER)}
    made["gulou_approver"] = persona(world, Role.COUNTY_APPROVER, at=GULOU)
    return made


@pytest.fixture
def subject(world, defaults):  # type: ignore[no-untyped-def]
    from tests.test_cases import TOWNSHIP, _household, _person

    head = _person("王建国", TOWNSHIP, 11, phone="13912345678")
    return head, _household(head, _person("李秀英", TOWNSHIP, 12))


def _crisis(people: dict[str, Any], subject: Any, note: str = "扬言轻生") -> Case:
    return _fresh(_case(people, subject, crisis=True, crisis_note=note))


def _deadline(case: Case, kind: str) -> Deadline | None:
    return Deadline.objects.filter(subject_type="cases.case", subject_id=str(case.pk), kind=kind).order_by(
        "-created_at", "-id").first()


def _open(case: Case) -> list[str]:
    return sorted(Deadline.objects.filter(subject_type="cases.case", subject_id=str(case.pk), kind__in=[
        FIRST, PLAN, REASSESS], met_at__isnull=True, cancelled_at__isnull=True).values_list("kind", flat=True))


def _client(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _local(minutes_ago: int = 5) -> str:
    return (timezone.localtime() - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


def _first_contact(user: Any, **overrides: Any) -> dict[str, Any]:
    values = {"made_by": user.pk, "method": "home_visit", "contacted_at": _local(),
              "findings": "社工与民警上门，对象情绪激动，家属在场", "risk": "high"}
    values.update(overrides)
    return values


def _contact(index: int, **overrides: Any) -> dict[str, Any]:
    values = {"kind": "hotline", "name": "值班咨询员", "organisation": "南京心理危机干预中心",
              "phone": "025-83712977", "contacted_at": _local(3), "outcome": "已评估，安排每日回访"}
    values.update(overrides)
    return {f"contacts-{index}-{k}": v for k, v in values.items()}


def _plan_post(*rows: dict[str, Any], measures: str = "家属24小时陪护；社工每日上门；心理热线跟进") -> dict[str, Any]:
    data: dict[str, Any] = {"measures": measures, "contacts-TOTAL_FORMS": "3", "contacts-INITIAL_FORMS": "0"}
    for row in rows:
        data.update(row)
    return data


def _reassess(actor: Any, case: Case, outcome: str = "medium", note: str = "情绪趋稳", reason: str = "") -> Any:
    return crisis.crisis_reassess(actor=actor, case=case, data=crisis.ReassessmentInput(outcome, note, reason))


def _snapshot(case: Case) -> tuple[Any, ...]:
    deadlines = tuple(Deadline.objects.filter(subject_id=str(case.pk), subject_type="cases.case").order_by("pk")
                      .values_list("pk", "kind", "met_at", "cancelled_at", "version"))
    intervention = tuple(CrisisIntervention.objects.filter(case=case).values_list(
        "status", "version", "first_contact_at", "plan_recorded_at", "resolved_at"))
    return (deadlines, intervention, CrisisContact.objects.filter(intervention__case=case).count(),
            CrisisReassessment.objects.filter(intervention__case=case).count(), case.events.count())


# --- opened by the alert --------------------------------------------------------------------------


def test_the_crisis_alert_opens_the_intervention_with_its_plan_deadline_once(people, subject):
    case = _crisis(people, subject)
    assert not CrisisIntervention.objects.filter(case=case).exists()
    outbox_deliver_due(worker_id="test")
    intervention = CrisisIntervention.objects.get(case=case)
    assert intervention.status == InterventionStatus.OPEN and intervention.flagged_at == case.created_at
    plan = intervention.plan_deadline
    assert plan is not None and plan.kind == PLAN and plan.unit == "hours" and plan.limit == 24
    assert plan.due_at == case.created_at + timedelta(hours=24)
    assert crisis.PLAN_PARAMETER in intervention.parameters
    # A second delivery of the same alert changes nothing.
    open_intervention(OutboxMessage.objects.get(type="case.crisis_alert", subject_id=str(case.pk)))
    assert CrisisIntervention.objects.filter(case=case).count() == 1
    assert Deadline.objects.filter(subject_id=str(case.pk), kind=PLAN).count() == 1
    assert case.events.filter(kind="crisis.opened").count() == 1
    assert _open(case) == [FIRST, PLAN]


def test_a_case_without_a_crisis_has_no_track(people, subject):
    case = _fresh(_case(people, subject))
    with pytest.raises(DomainError) as refused:
        crisis.intervention_ensure(actor=people[Role.TOWNSHIP_LEAD], case=case)
    assert refused.value.code == "not_a_crisis"
    assert not CrisisIntervention.objects.filter(case=case).exists()
    page = _client(people[Role.TOWNSHIP_LEAD]).get(f"/cases/{case.pk}/").content.decode()
    assert 'data-testid="case-crisis"' not in page


# --- the steps through the case page ----------------------------------------------------------------


def test_first_contact_through_the_case_page_meets_the_first_contact_deadline(people, subject):
    case = _crisis(people, subject)  # the alert's handler has not run: the first step opens the track
    lead = people[Role.TOWNSHIP_LEAD]
    client = _client(lead)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    panel_url = f"/consultation/crisis/cases/{case.pk}/panel/"
    assert f'hx-get="{panel_url}"' in page
    panel = client.get(panel_url).content.decode()
    assert 'data-testid="crisis-first-contact-form"' in panel and "危机个案首次接触" in panel
    assert re.search(r"还剩 \d+ 小时", panel)
    response = client.post(f"/consultation/crisis/cases/{case.pk}/first-contact/", _first_contact(lead))
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    first = _deadline(case, FIRST)
    assert first is not None and first.met_at is not None and first.breached_at is None
    intervention = CrisisIntervention.objects.get(case=case)
    assert (intervention.first_contact_by, intervention.first_contact_method, intervention.first_contact_risk) == (
        lead, "home_visit", "high")
    assert intervention.plan_deadline is not None and _open(case) == [PLAN]
    panel = client.get(panel_url).content.decode()
    assert 'data-testid="crisis-first-contact"' in panel and "社工与民警上门" in panel
    assert 'data-testid="crisis-first-contact-form"' not in panel and 'data-testid="crisis-plan-form"' in panel


def test_a_late_first_contact_says_how_late_and_still_meets_the_deadline(people, subject):
    case = _crisis(people, subject)
    first = _deadline(case, FIRST)
    assert first is not None
    Deadline.objects.filter(pk=first.pk).update(due_at=timezone.now() - timedelta(hours=3, minutes=10))
    client = _client(people[Role.SOCIAL_WORKER])
    panel = client.get(f"/consultation/crisis/cases/{case.pk}/panel/").content.decode()
    assert "危机个案首次接触：已超期 3 小时" in panel
    listed = client.get("/consultation/crisis/").content.decode()
    assert case.number in listed and "已超期 3 小时" in listed
    crisis.crisis_first_contact_record(actor=people[Role.SOCIAL_WORKER], case=case, data=crisis.FirstContactInput(
        people[Role.SOCIAL_WORKER].pk, "phone", timezone.now(), "电话联系上，对象同意见面", "medium"))
    first.refresh_from_db()
    assert first.met_at is not None and first.breached_at is not None


def test_the_plan_with_two_professional_contacts_meets_the_plan_deadline_and_starts_the_reassessment(people,
                                                                                                   subject):
    case = _crisis(people, subject)
    outbox_deliver_due(worker_id="test")
    client = _client(people[Role.TOWNSHIP_REVIEWER])
    response = client.post(f"/consultation/crisis/cases/{case.pk}/plan/", _plan_post(
        _contact(0), _contact(1, kind="police", name="张警官", organisation="梅园新村派出所", phone="025-84401110")))
    assert response.status_code == 302
    intervention = CrisisIntervention.objects.get(case=case)
    assert intervention.plan_recorded_at is not None and "家属24小时陪护" in intervention.plan_measures
    assert intervention.plan_deadline is not None
    intervention.plan_deadline.refresh_from_db()
    assert intervention.plan_deadline.met_at is not None
    assert sorted(intervention.contacts.values_list("kind", "name")) == [("hotline", "值班咨询员"),
                                                                         ("police", "张警官")]
    reassessment = _deadline(case, REASSESS)
    assert reassessment is not None and reassessment.met_at is None and reassessment.limit == 24
    assert abs((reassessment.due_at - intervention.plan_recorded_at) - timedelta(hours=24)) < timedelta(seconds=1)
    assert _open(case) == [FIRST, REASSESS]  # the first contact is still owed
    panel = client.get(f"/consultation/crisis/cases/{case.pk}/panel/").content.decode()
    assert panel.count('data-testid="crisis-contact-row"') == 2
    assert "025-83712977" not in panel and "*******2977" in panel  # a service number, masked in the list
    # More help is logged later.
    response = client.post(f"/consultation/crisis/cases/{case.pk}/contacts/", {
        "more-kind": "medical", "more-name": "李医生", "more-organisation": "南京脑科医院",
        "more-contacted_at": _local(1), "more-outcome": "预约门诊评估"})
    assert response.status_code == 302 and intervention.contacts.count() == 3


def test_a_reassessment_starts_the_next_and_the_resolution_ends_every_crisis_deadline(people, subject):
    case = _crisis(people, subject)
    lead = people[Role.TOWNSHIP_LEAD]
    crisis.crisis_plan_record(actor=lead, case=case, data=crisis.PlanInput("家属陪护，社工每日电话", (
        crisis.ContactInput("social_worker", "陈社工", "玄武区社工站", "", timezone.now(), "已建立联系"),)))
    first_round = _deadline(case, REASSESS)
    _reassess(lead, case, "medium", "情绪趋稳，仍需关注")
    assert first_round is not None
    first_round.refresh_from_db()
    second_round = _deadline(case, REASSESS)
    assert first_round.met_at is not None and second_round is not None and second_round.pk != first_round.pk
    assert _open(case) == [FIRST, REASSESS]
    client = _client(lead)
    response = client.post(f"/consultation/crisis/cases/{case.pk}/reassess/", {
        "outcome": "resolved", "note": "连续三天情绪平稳，已返岗", "reason": "经心理评估风险解除，家属同意继续陪护"})
    assert response.status_code == 302
    intervention = CrisisIntervention.objects.get(case=case)
    assert intervention.status == InterventionStatus.RESOLVED and intervention.resolved_by == lead
    assert "风险解除" in intervention.resolution_reason
    assert _open(case) == []  # every crisis deadline ended
    second_round.refresh_from_db()
    first = _deadline(case, FIRST)
    assert second_round.met_at is not None and first is not None and first.cancelled_at is not None
    assert list(intervention.reassessments.values_list("outcome", flat=True)) == ["medium", "resolved"]
    case.refresh_from_db()
    assert case.stage == "accepted"  # the crisis never moves the stage line
    panel = client.get(f"/consultation/crisis/cases/{case.pk}/panel/").content.decode()
    assert 'data-testid="crisis-resolved"' in panel and "<form" not in panel
    assert case.number not in client.get("/consultation/crisis/").content.decode()


# --- refusals change nothing --------------------------------------------------------------------------


def test_a_first_contact_in_the_future_is_refused_with_every_error_at_once_and_the_input_kept(people, subject,
                                                                                              world):
    case = _crisis(people, subject)
    lead = people[Role.TOWNSHIP_LEAD]
    before = _snapshot(case)
    future = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = _client(lead).post(f"/consultation/crisis/cases/{case.pk}/first-contact/",
                                  _first_contact(lead, contacted_at=future, findings="", method="video"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "时间不能晚于现在" in page and "请写明接触时了解到的情况" in page and "有 2 处需要修改" in page
    assert f'value="{future}"' in page and '<option value="video" selected>' in page
    assert _snapshot(case) == before
    with pytest.raises(DomainError) as refused:
        crisis.crisis_first_contact_record(actor=lead, case=case, data=crisis.FirstContactInput(
            world.staff(False).pk, "phone", timezone.now() + timedelta(hours=1), "", "extreme"))  # 鼓楼区's staff
    assert set(refused.value.field_errors) == {"made_by", "contacted_at", "findings", "risk"}
    assert _snapshot(case) == before


def test_a_resolution_without_a_reason_and_any_step_on_a_resolved_crisis_are_refused(people, subject):
    case = _crisis(people, subject)
    lead = people[Role.TOWNSHIP_LEAD]
    crisis.intervention_ensure(actor=None, case=case)
    before = _snapshot(case)
    response = _client(lead).post(f"/consultation/crisis/cases/{case.pk}/reassess/", {
        "outcome": "resolved", "note": "已平稳", "reason": ""})
    assert response.status_code == 400 and "解除危机须写明理由" in response.content.decode()
    with pytest.raises(DomainError) as refused:
        _reassess(lead, case, "resolved", "已平稳", "  ")
    assert "reason" in refused.value.field_errors
    assert _snapshot(case) == before
    _reassess(lead, case, "resolved", "误报：对象系与家人赌气", "经核实无极端行为风险")
    after = _snapshot(case)
    assert _open(case) == []
    for step in (lambda: _reassess(lead, case, "high", "又有反复"),
                 lambda: crisis.crisis_contact_add(actor=lead, case=case, data=crisis.ContactInput(
                     "police", "张警官", "派出所", "", timezone.now(), "出警")),
                 lambda: crisis.crisis_first_contact_record(actor=lead, case=case, data=crisis.FirstContactInput(
                     lead.pk, "phone", timezone.now(), "电话", "low"))):
        with pytest.raises(DomainError) as refused:
            step()
        assert refused.value.code == "crisis_resolved" and refused.value.status == 409
    response = _client(lead).post(f"/consultation/crisis/cases/{case.pk}/first-contact/", _first_contact(lead))
    assert response.status_code == 400 and "不能再登记" in response.content.decode()
    assert _snapshot(case) == after


def test_a_plan_row_half_filled_is_refused_naming_its_fields(people, subject):
    case = _crisis(people, subject)
    before = _snapshot(case)
    response = _client(people[Role.TOWNSHIP_LEAD]).post(f"/consultation/crisis/cases/{case.pk}/plan/", _plan_post(
        _contact(0), _contact(1, name="", outcome=""), measures=""))
    page = response.content.decode()
    assert response.status_code == 400
    assert "请写明干预措施" in page and "请填写联系人" in page and "请写明联系结果" in page
    assert 'value="南京心理危机干预中心"' in page  # what was typed is kept
    assert _snapshot(case) == before


# --- unresolved past the limit --------------------------------------------------------------------------


def test_a_crisis_unresolved_past_its_limit_is_escalated_exactly_once(people, subject):
    resolved = _crisis(people, subject, "家暴威胁")
    crisis.intervention_ensure(actor=None, case=resolved)
    _reassess(people[Role.TOWNSHIP_LEAD], resolved, "resolved", "已安置", "已转入庇护所，施暴人被训诫")
    stuck = _crisis(people, subject)
    crisis.intervention_ensure(actor=None, case=stuck)
    recent = _crisis(people, subject, "情绪低落")
    crisis.intervention_ensure(actor=None, case=recent)
    long_ago = timezone.now() - timedelta(hours=73)
    CrisisIntervention.objects.filter(case__in=[resolved, stuck]).update(flagged_at=long_ago)
    CrisisIntervention.objects.filter(case=recent).update(flagged_at=timezone.now() - timedelta(hours=71))
    crisis_sweep_job({})
    crisis_sweep_job({})
    escalation = Escalation.objects.get(case=stuck)
    assert escalation.trigger == EscalationTrigger.CRISIS_UNRESOLVED and escalation.raised_by is None
    assert not Escalation.objects.filter(case__in=[resolved, recent]).exists()
    intervention = CrisisIntervention.objects.get(case=stuck)
    assert intervention.escalation_state == EscalationState.ESCALATED and intervention.escalated_at is not None
    assert intervention.escalation == escalation and intervention.status == InterventionStatus.OPEN
    assert stuck.events.filter(kind="consultation.escalated").count() == 1
    escalated = AuditEvent.objects.filter(action="consultation.crisis.escalate", subject_id=str(intervention.pk))
    assert escalated.count() == 1
    panel = _client(people[Role.COUNTY_APPROVER]).get(f"/consultation/crisis/cases/{stuck.pk}/panel/")
    assert escalation.number in panel.content.decode()


def test_a_case_that_cannot_be_escalated_is_recorded_as_such_and_not_tried_again(people, subject):
    case = _crisis(people, subject)
    crisis.intervention_ensure(actor=None, case=case)
    CrisisIntervention.objects.filter(case=case).update(flagged_at=timezone.now() - timedelta(days=4))
    Case.objects.filter(pk=case.pk).update(stage="closed")
    assert crisis.crisis_escalate_unresolved() == 0
    intervention = CrisisIntervention.objects.get(case=case)
    assert intervention.escalation_state == EscalationState.REFUSED and "不能报告协商" in intervention.escalation_note
    version = intervention.version
    assert crisis.crisis_escalate_unresolved() == 0
    intervention.refresh_from_db()
    assert intervention.version == version and not Escalation.objects.filter(case=case).exists()


# --- scope, list, home -----------------------------------------------------------------------------------


def test_another_county_sees_nothing_of_a_crisis(people, subject):
    case = _crisis(people, subject)
    crisis.intervention_ensure(actor=None, case=case)
    other = people["gulou_approver"]
    client = _client(other)
    before = _snapshot(case)
    assert client.get(f"/consultation/crisis/cases/{case.pk}/panel/").status_code == 404
    assert client.post(f"/consultation/crisis/cases/{case.pk}/first-contact/",
                       _first_contact(other)).status_code == 404
    assert case.number not in client.get("/consultation/crisis/").content.decode()
    with pytest.raises(NotFound):
        from jijinan.consultation.crisis.selectors import case_for_crisis

        case_for_crisis(user=other, pk=case.pk)
    assert _snapshot(case) == before


def test_the_crisis_list_searches_by_case_number_newest_first(people, subject):
    older = _crisis(people, subject, "扬言轻生")
    newer = _crisis(people, subject, "家暴威胁")
    plain = _fresh(_case(people, subject))
    client = _client(people[Role.TOWNSHIP_REVIEWER])
    page = client.get("/consultation/crisis/").content.decode()
    numbers = re.findall(r'data-testid="crisis-row" data-number="([^"]+)"', page)
    assert numbers == [newer.number, older.number] and plain.number not in page
    found = client.get(f"/consultation/crisis/?q={older.number[-5:]}").content.decode()
    assert re.findall(r'data-number="([^"]+)"', found) == [older.number]


def _home_panel(user: Any) -> str:
    page = _client(user).get("/").content.decode()
    found = re.search(r'<article[^>]*data-panel="consultation.crisis".*?</article>', page, re.S)
    return found.group(0) if found else ""


def test_the_home_panel_is_always_shown_to_the_township_lead_and_the_county_approver(people, subject):
    for role in (Role.TOWNSHIP_LEAD, Role.COUNTY_APPROVER):
        panel = _home_panel(people[role])
        assert "辖区没有进行中的危机个案" in panel, role
    assert _home_panel(people[Role.WINDOW_CLERK]) == ""
    case = _crisis(people, subject)
    panel = _home_panel(people[Role.TOWNSHIP_LEAD])
    assert "辖区有 1 个进行中的危机个案" in panel and case.number in panel and "已超期" not in panel
    first = _deadline(case, FIRST)
    assert first is not None
    Deadline.objects.filter(pk=first.pk).update(due_at=timezone.now() - timedelta(hours=1))
    panel = _home_panel(people[Role.COUNTY_APPROVER])
    assert "辖区有 1 个进行中的危机个案，其中 1 个有事项已超期" in panel and "is-late" in panel
    assert "辖区没有进行中的危机个案" in _home_panel(people["gulou_approver"])


def test_the_panel_and_the_list_read_in_few_queries_and_in_english(people, subject, django_assert_max_num_queries):
    cases = [_crisis(people, subject, f"风险{n}") for n in range(4)]
    lead = people[Role.TOWNSHIP_LEAD]
    crisis.crisis_plan_record(actor=lead, case=cases[0], data=crisis.PlanInput("家属陪护", tuple(
        crisis.ContactInput("hotline", f"咨询员{n}", "热线", "96111", timezone.now(), "已转介") for n in range(3))))
    client = _client(lead)
    with django_assert_max_num_queries(16):
        listed = client.get("/consultation/crisis/").content.decode()
    assert listed.count('data-testid="crisis-row"') == 4
    with django_assert_max_num_queries(20):
        panel = client.get(f"/consultation/crisis/cases/{cases[0].pk}/panel/").content.decode()
    assert panel.count('data-testid="crisis-contact-row"') == 3
    client.cookies["jijinan_language"] = "en"
    english = client.get(f"/consultation/crisis/cases/{cases[0].pk}/panel/").content.decode()
    assert "Crisis intervention" in english and "Record the assessment" in english and "危机干预" not in english
    assert "No crisis case" not in client.get("/consultation/crisis/").content.decode()
    assert "Crisis cases" in client.get("/consultation/crisis/").content.decode()
