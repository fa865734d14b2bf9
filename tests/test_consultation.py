"""Escalation and consultation: each trigger at its edge, parallel opinions with deadlines and a late
one chased, the decision creating department tasks and releasing the approval, refusals that change
nothing, exactly one decision, scoping, the policy explanation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import DepartmentType, Organisation
from jijinan.cases.choices import ApproverLevel, Stage
from jijinan.cases.models import Case
from jijinan.cases.workflow import services as wf
from jijinan.consultation import selectors
from jijinan.consultation import services as cs
from jijinan.consultation.choices import EscalationStatus, EscalationTrigger, OpinionStatus
from jijinan.consultation.models import Consultation, ConsultationDecision, Escalation, Opinion
from jijinan.core.deadlines.services import deadline_sweep
from jijinan.core.errors import Conflict, DomainError, Forbidden, NotFound
from jijinan.core.jobs.outbox import outbox_deliver_due
from jijinan.core.messaging.models import InboxItem
from jijinan.core.permissions import Role
from jijinan.referrals.choices import TaskStatus
from jijinan.referrals.models import Task
from jijinan.referrals.services import task_accept, task_complete
from jijinan.regions.models import Region
from tests.test_cases_workflow import _case, _end_notice, _fresh, _resolved, _review
from tests.world import GULOU, XUANWU, persona

pytestmark = pytest.mark.django_db

S = 94500  # 玄武区's monthly 低保 standard in fen (Nanjing, 945 yuan)
CAP = 10 * S


@pytest.fixture
def offices(world, defaults):  # type: ignore[no-untyped-def]
    return _offices(world)


def _offices(world: Any) -> dict[str, Organisation]:
    xuanwu = Region.objects.get(code=XUANWU)
    government = Organisation.objects.create(kind="government_office", name="玄武区人民政府办公室", region=xuanwu)
    made = {"government": government, "health": world.health_office}
    for code, name in (("education", "玄武区教育局"), ("housing", "玄武区住建局")):
        made[code] = Organisation.objects.create(kind=OrganisationKind.DEPARTMENT_OFFICE, name=name, region=xuanwu,
                                                 department_type=DepartmentType.objects.get(code=code))
    # The world may already hold 鼓楼区's health office (one per department type and region).
    made["gulou_health"] = Organisation.objects.get_or_create(
        kind=OrganisationKind.DEPARTMENT_OFFICE, region=Region.objects.get(code=GULOU),
        department_type=DepartmentType.objects.get(code="health"), defaults={"name": "鼓楼区卫健委"})[0]
    return made


@pytest.fixture
def people(world, defaults, offices):  # type: ignore[no-untyped-def]
    return _people(world, offices)


def _people(world: Any, offices: dict[str, Organisation]) -> dict[str, Any]:
    made = {role: persona(world, role, at=XUANWU) for role in (
        Role.WINDOW_CLERK, Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_LEAD, Role.COUNTY_APPROVER, Role.GOVERNMENT_LEADER,
        Role.DEPARTMENT_HANDLER)}
    made[Role.GOVERNMENT_LEADER].organisation = offices["government"]
    made[Role.GOVERNMENT_LEADER].save()
    made["township_lead_only"] = persona(world, Role.TOWNSHIP_LEAD, at="320102002000")
    made["gulou_leader"] = persona(world, Role.GOVERNMENT_LEADER, at=GULOU)
    return made


@pytest.fixture
def subject(world, defaults):  # type: ignore[no-untyped-def]
    return _subject()


def _subject() -> tuple[Any, Any]:
    from tests.test_cases import TOWNSHIP, _household, _person

    head = _person("王建国", TOWNSHIP, 11, phone="13912345678")
    return head, _household(head, _person("李秀英", TOWNSHIP, 12))


def _above_cap(people: dict[str, Any], subject: Any, amount: int = 1_200_000) -> Case:
    case = _case(people, subject)
    return wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                          data=_review(kind="expense", cause="medical", requested_amount_fen=amount,
                                       expenses=[("medical", 3_000_000)]))


def _escalation(case: Case) -> Escalation:
    return Escalation.objects.select_related("case", "region", "office", "deadline").get(case=case)


def _convene(people: dict[str, Any], escalation: Escalation, offices: dict[str, Organisation],
             names: tuple[str, ...] = ("health", "education", "housing")) -> Consultation:
    return cs.consultation_convene(
        actor=people[Role.GOVERNMENT_LEADER], escalation=escalation, version=escalation.version,
        agenda="王建国家火灾后重病，申请救助超过单次上限，研究一事一议",
        invitations=[cs.InvitationDraft(offices[n].pk, "请提出意见") for n in names])


def _meeting(people: dict[str, Any], consultation: Consultation) -> None:
    consultation.refresh_from_db()
    cs.meeting_record(actor=people[Role.GOVERNMENT_LEADER], consultation=consultation, version=consultation.version,
                      data=cs.MeetingInput(held_at=timezone.now() - timedelta(minutes=5), mode="in_person",
                                           place="区政府三楼会议室", attendees="冯区长、郑审批、韩卫健、何教育、住建局",
                                           minutes="各部门意见一致，同意一事一议给予救助，卫健和教育分工落实"))
    consultation.refresh_from_db()


def _support(offices: dict[str, Organisation], amount: int | None = 1_200_000, **overrides: Any
             ) -> cs.DecisionInput:
    values: dict[str, Any] = {
        "outcome": "support", "plan": "一事一议给予临时救助；卫健落实医疗费用减免，教育落实子女学费减免",
        "case_by_case_amount_fen": amount,
        "funding": (cs.FundingLine("program_budget", 1_000_000), cs.FundingLine("charity", 200_000, "南京市慈善总会")),
        "duties": (cs.DutyDraft(offices["health"].pk, "协调医院减免住院费用", 300_000),
                   cs.DutyDraft(offices["education"].pk, "减免子女本学期学费", 150_000, 5, "working_days"))}
    values.update(overrides)
    return cs.DecisionInput(**values)


# --- triggers at their edges ----------------------------------------------------------------------------


def test_one_fen_above_the_cap_is_escalated_to_the_county_government_with_a_deadline_to_convene(people, subject,
                                                                                                offices):
    at_cap = _above_cap(people, subject, amount=CAP)
    assert not at_cap.needs_consultation and not Escalation.objects.filter(case=at_cap).exists()
    case = _above_cap(people, subject, amount=CAP + 1)
    assert case.needs_consultation and case.approver_level == ApproverLevel.CONSULTATION
    escalation = _escalation(case)
    assert (escalation.trigger, escalation.level, escalation.office) == ("above_cap", "county", offices["government"])
    assert escalation.region.code == XUANWU and escalation.status == EscalationStatus.OPEN
    assert escalation.requested_amount_fen == CAP + 1 and escalation.cap_fen == CAP
    assert escalation.deadline is not None and escalation.deadline.kind == cs.CONVENE_DEADLINE
    assert escalation.deadline.owner_organisation == offices["government"]
    assert "case_handling.escalation_level" in escalation.parameters
    assert case.number in escalation.facts and "审核" in escalation.done_so_far
    assert case.events.filter(kind="consultation.escalated").exists()
    _end_notice(case)
    with pytest.raises(DomainError) as waits:
        wf.case_approve(actor=people[Role.COUNTY_APPROVER], case=_fresh(case), version=_fresh(case).version)
    assert waits.value.code == "needs_consultation"
    outbox_deliver_due(worker_id="test")
    leader_items = InboxItem.objects.filter(user=people[Role.GOVERNMENT_LEADER], subject_id=str(escalation.pk))
    assert leader_items.exists()


def test_above_the_band_within_the_cap_is_the_countys_with_a_written_reason_not_a_consultation(people, subject,
                                                                                             offices):
    case = _case(people, subject)  # a fire: the emergency band is 1–3 × 945 yuan
    case = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                          data=_review(requested_amount_fen=3 * S + 1))
    assert not case.needs_consultation and case.approver_level == ApproverLevel.COUNTY
    assert not Escalation.objects.filter(case=case).exists()
    _end_notice(case)
    with pytest.raises(DomainError) as reason:
        wf.case_approve(actor=people[Role.COUNTY_APPROVER], case=_fresh(case), version=case.version)
    assert "note" in reason.value.field_errors and _fresh(case).stage == Stage.REVIEWED
    with pytest.raises(Forbidden):
        wf.case_approve(actor=people[Role.TOWNSHIP_LEAD], case=_fresh(case), version=case.version, note="理由")
    case = wf.case_approve(actor=people[Role.COUNTY_APPROVER], case=_fresh(case), version=case.version,
                           note="房屋全毁，租房押金和基本生活用品超出区间")
    assert case.stage == Stage.APPROVED and case.decided_amount_fen == 3 * S + 1
    assert "房屋全毁" in case.events.filter(kind="stage.approve").get().summary_text


def test_a_stability_risk_needs_a_reason_and_escalates_whatever_the_amount(people, subject, offices):
    case = _case(people, subject, crisis=True, crisis_note="扬言轻生")
    with pytest.raises(DomainError) as missing:
        wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=_fresh(case).version,
                       data=_review(stability_risk=True))
    assert "stability_risk_reason" in missing.value.field_errors
    assert _fresh(case).stage == Stage.ACCEPTED and not Escalation.objects.filter(case=case).exists()
    # A crisis flag alone is no stability risk: a small amount is the township's.
    calm = _case(people, subject, crisis=True, crisis_note="情绪低落")
    calm = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(calm), version=_fresh(calm).version,
                          data=_review(requested_amount_fen=S))
    assert not calm.needs_consultation and calm.approver_level == ApproverLevel.TOWNSHIP
    case = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=_fresh(case).version,
                          data=_review(requested_amount_fen=S, stability_risk=True,
                                       stability_risk_reason="邻里纠纷激化，扬言集体上访"))
    assert case.needs_consultation and case.stability_risk
    escalation = _escalation(case)
    assert escalation.trigger == EscalationTrigger.STABILITY_RISK and "集体上访" in escalation.facts


def test_staff_escalate_by_hand_with_a_reason_and_only_once(people, subject, offices):
    case = _case(people, subject)
    with pytest.raises(DomainError) as reason:
        cs.escalation_raise(actor=people[Role.TOWNSHIP_REVIEWER], case=case, trigger="manual", reason=" ")
    assert "reason" in reason.value.field_errors and not Escalation.objects.filter(case=case).exists()
    with pytest.raises(Forbidden):
        cs.escalation_raise(actor=people[Role.WINDOW_CLERK], case=case, trigger="manual", reason="多部门共同解决")
    escalation = cs.escalation_raise(actor=people[Role.TOWNSHIP_REVIEWER], case=case, trigger="manual",
                                     reason="涉及住房、就学、就医，需多部门共同解决")
    assert escalation.trigger == "manual" and escalation.reason.startswith("涉及住房")
    with pytest.raises(DomainError) as twice:
        cs.escalation_raise(actor=people[Role.TOWNSHIP_LEAD], case=case, trigger="manual", reason="再次报告")
    assert twice.value.code == "already_escalated" and Escalation.objects.filter(case=case).count() == 1
    withdrawn = cs.escalation_withdraw(actor=people[Role.TOWNSHIP_REVIEWER], escalation=escalation,
                                       version=escalation.version, reason="已由民政部门协调解决")
    withdrawn.deadline.refresh_from_db()
    assert withdrawn.status == EscalationStatus.WITHDRAWN and withdrawn.deadline.cancelled_at is not None


def test_the_level_follows_the_parameter(people, subject, offices, world):
    from jijinan.policy.models import ParameterDefinition, ParameterVersion

    definition = ParameterDefinition.objects.get(name=cs.LEVEL_PARAMETER)
    ParameterVersion.objects.create(definition=definition, region=Region.objects.get(code=XUANWU), value=2,
                                    effective_from=timezone.localdate() - timedelta(days=1), citation="测试")
    from jijinan.policy.lookup import policy_cache_invalidate

    policy_cache_invalidate()
    nanjing = Region.objects.get(code="320100000000")
    city = Organisation.objects.create(kind=OrganisationKind.CIVIL_AFFAIRS_OFFICE, name="南京市民政局", region=nanjing)
    escalation = _escalation(_above_cap(people, subject))
    assert (escalation.level, escalation.region, escalation.office) == ("city", nanjing, city)


# --- the consultation --------------------------------------------------------------------------------------


def test_parallel_opinions_each_with_its_deadline_and_a_late_one_is_chased(people, subject, offices):
    escalation = _escalation(_above_cap(people, subject))
    consultation = _convene(people, escalation, offices)
    escalation.refresh_from_db()
    escalation.deadline.refresh_from_db()
    assert escalation.status == EscalationStatus.CONSULTING and escalation.deadline.met_at is not None
    opinions = {o.office_id: o for o in Opinion.objects.filter(consultation=consultation).select_related("deadline")}
    assert len(opinions) == 3 and all(o.deadline is not None and o.status == "requested" for o in opinions.values())
    outbox_deliver_due(worker_id="test")
    assert InboxItem.objects.filter(user=people[Role.DEPARTMENT_HANDLER], kind="invited").exists()
    # The health office answers; another office's handler may not answer for it.
    health = opinions[offices["health"].pk]
    with pytest.raises(Forbidden):
        cs.opinion_give(actor=people[Role.DEPARTMENT_HANDLER], opinion=opinions[offices["education"].pk],
                        version=1, text="同意")
    cs.opinion_give(actor=people[Role.DEPARTMENT_HANDLER], opinion=health, version=health.version,
                    text="同意纳入医疗救助，协调医院减免", can_help="住院费用减免 3,000 元")
    # The education office's deadline runs out: it shows late and is chased once by the worker.
    education = opinions[offices["education"].pk]
    from jijinan.core.models import Deadline

    Deadline.objects.filter(pk=education.deadline_id).update(due_at=timezone.now() - timedelta(minutes=1))
    deadline_sweep()
    outbox_deliver_due(worker_id="test")
    education.refresh_from_db()
    assert education.chased == 1 and education.last_chased_at is not None
    rows = {r.opinion.office_id: r for r in selectors.opinion_rows(consultation)}
    assert rows[offices["education"].pk].late and not rows[offices["health"].pk].late
    assert not rows[offices["housing"].pk].late
    # By hand, the convener chases the two still missing.
    assert cs.opinions_chase(actor=people[Role.GOVERNMENT_LEADER], consultation=consultation) == 2
    with pytest.raises(Forbidden):
        cs.opinions_chase(actor=people[Role.DEPARTMENT_HANDLER], consultation=consultation)


def test_the_decision_creates_department_tasks_and_releases_the_approval_through_to_closure(people, subject, offices):
    case = _above_cap(people, subject)
    escalation = _escalation(case)
    consultation = _convene(people, escalation, offices)
    for opinion in Opinion.objects.filter(consultation=consultation):
        cs.opinion_give(actor=people[Role.GOVERNMENT_LEADER], opinion=opinion, version=opinion.version,
                        text="同意", on_behalf=True)
    _meeting(people, consultation)
    decision = cs.consultation_decide(actor=people[Role.GOVERNMENT_LEADER], consultation=consultation,
                                      version=consultation.version, data=_support(offices))
    assert decision.case_by_case_amount_fen == 1_200_000 and decision.total_support_fen == 1_650_000
    duties = list(decision.duties.select_related("task", "task__deadline").order_by("sequence"))
    assert [d.office for d in duties] == [offices["health"], offices["education"]]
    assert all(d.task is not None and d.task.status == TaskStatus.PENDING for d in duties)
    assert duties[1].task.deadline.limit == 5 and "会商分工" in duties[1].task.description
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.DECIDED
    case = _fresh(case)
    assert not case.needs_consultation and case.approver_level == ApproverLevel.CONSULTATION
    assert case.consultation_authority["amount_fen"] == 1_200_000
    _end_notice(case)
    with pytest.raises(DomainError) as more:
        wf.case_approve(actor=people[Role.COUNTY_APPROVER], case=case, version=case.version, amount_fen=1_200_001)
    assert "amount_fen" in more.value.field_errors
    case = wf.case_approve(actor=people[Role.COUNTY_APPROVER], case=_fresh(case), version=case.version)
    assert case.stage == Stage.APPROVED and case.decided_amount_fen == 1_200_000
    case = wf.case_assist(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                          amount_fen=1_200_000, method="bank")
    case = wf.case_follow_up(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version)
    wf.follow_up_record(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=_fresh(case).version,
                        data=_resolved())
    with pytest.raises(DomainError) as open_duties:  # the duties' tasks are still open
        wf.case_close(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=_fresh(case).version)
    assert open_duties.value.code == "close_blocked"
    handler = people[Role.DEPARTMENT_HANDLER]
    health_task = Task.objects.get(pk=duties[0].task_id)
    health_task = task_accept(actor=handler, task=health_task, version=health_task.version)
    task_complete(actor=handler, task=health_task, version=health_task.version, result="已减免住院费用 3,000 元")
    education_task = Task.objects.get(pk=duties[1].task_id)
    from jijinan.referrals.services import task_cancel

    task_cancel(actor=people[Role.TOWNSHIP_REVIEWER], task=education_task, version=education_task.version,
                reason="学校已直接减免")
    rows = selectors.duty_rows(escalation)
    assert [r.done for r in rows] == [True, False]
    case = wf.case_close(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=_fresh(case).version,
                         reason="资金救助已由会商一事一议解决")
    assert case.stage == Stage.CLOSED


def test_bad_decisions_and_late_opinions_are_refused_and_change_nothing(people, subject, offices):
    escalation = _escalation(_above_cap(people, subject))
    consultation = _convene(people, escalation, offices, names=("health", "education"))
    leader = people[Role.GOVERNMENT_LEADER]
    tasks = Task.objects.count()
    with pytest.raises(DomainError) as no_meeting:
        cs.consultation_decide(actor=leader, consultation=consultation, version=consultation.version,
                               data=_support(offices))
    assert "会商会议" in str(no_meeting.value.message)
    _meeting(people, consultation)
    for data, field in ((_support(offices, duties=()), "duties"),
                        (_support(offices, amount=None), "case_by_case_amount_fen"),
                        (_support(offices, duties=(cs.DutyDraft(offices["gulou_health"].pk, "减免"),)),
                         "duties.0.office_id"),
                        (_support(offices, duties=(cs.DutyDraft(99999, "减免"),)), "duties.0.office_id"),
                        (_support(offices, funding=(cs.FundingLine("charity", 100),)), "funding.0.name"),
                        (_support(offices, total_support_fen=100), "total_support_fen")):
        with pytest.raises(DomainError) as refused:
            cs.consultation_decide(actor=leader, consultation=consultation, version=consultation.version, data=data)
        assert field in refused.value.field_errors, (field, refused.value.field_errors)
    assert Task.objects.count() == tasks and not ConsultationDecision.objects.filter(consultation=consultation).exists()
    with pytest.raises(Forbidden):  # the township lead cannot decide what went to the county
        cs.consultation_decide(actor=people["township_lead_only"], consultation=consultation,
                               version=consultation.version, data=_support(offices))
    cs.consultation_decide(actor=leader, consultation=consultation, version=consultation.version,
                           data=_support(offices))
    with pytest.raises(Conflict):  # a second convener with the version both saw
        cs.consultation_decide(actor=people[Role.COUNTY_APPROVER], consultation=consultation,
                               version=consultation.version, data=_support(offices))
    fresh = Consultation.objects.get(pk=consultation.pk)
    with pytest.raises(DomainError) as closed:
        cs.consultation_decide(actor=people[Role.COUNTY_APPROVER], consultation=fresh, version=fresh.version,
                               data=_support(offices))
    assert closed.value.code == "invalid_status" and Task.objects.count() == tasks + 2
    late = Opinion.objects.filter(consultation=consultation, status=OpinionStatus.REQUESTED).first()
    with pytest.raises(DomainError) as after:
        cs.opinion_give(actor=people[Role.DEPARTMENT_HANDLER], opinion=late, version=late.version, text="迟到的意见")
    assert after.value.code == "invalid_status"


def test_an_unreasonable_demand_gets_a_policy_explanation_and_the_case_is_denied(people, subject, offices):
    case = _above_cap(people, subject)
    escalation = _escalation(case)
    consultation = _convene(people, escalation, offices, names=("health",))
    _meeting(people, consultation)
    with pytest.raises(DomainError) as early:
        cs.explanation_record(actor=people[Role.TOWNSHIP_REVIEWER], escalation=escalation, data=cs.ExplanationInput(
            "卫经办", timezone.now(), "政策规定", "表示理解", True))
    assert early.value.code == "invalid_status"
    cs.consultation_decide(actor=people[Role.GOVERNMENT_LEADER], consultation=consultation,
                           version=consultation.version, data=cs.DecisionInput(
                               outcome="unreasonable", plan="要求按全部损失补偿不符合临时救助政策，做好解释"))
    record = cs.explanation_record(actor=people[Role.TOWNSHIP_REVIEWER], escalation=escalation,
                                   data=cs.ExplanationInput(
                                       "卫经办、褚主任", timezone.now() - timedelta(hours=1),
                                       "临时救助解决基本生活，财产损失可通过保险理赔", "表示理解", True))
    assert record.accepted and _fresh(case).events.filter(kind="consultation.explained").exists()
    case = _fresh(case)
    _end_notice(case)
    with pytest.raises(DomainError) as nothing:
        wf.case_approve(actor=people[Role.COUNTY_APPROVER], case=case, version=case.version)
    assert nothing.value.code == "needs_consultation"
    case = wf.case_deny(actor=people[Role.COUNTY_APPROVER], case=case, version=case.version,
                        reason="经会商，诉求超出临时救助范围，已作政策解释")
    assert case.stage == Stage.DENIED


# --- scoping ---------------------------------------------------------------------------------------------


def test_another_county_sees_nothing(people, subject, offices):
    escalation = _escalation(_above_cap(people, subject))
    gulou = people["gulou_leader"]
    assert not selectors.escalation_list_for_user(user=gulou).filter(pk=escalation.pk).exists()
    with pytest.raises(NotFound):
        selectors.escalation_get_for_user(user=gulou, pk=escalation.pk)
    with pytest.raises(Forbidden):
        cs.consultation_convene(actor=gulou, escalation=escalation, version=escalation.version, agenda="x",
                                invitations=[cs.InvitationDraft(offices["health"].pk)])
    seen = selectors.escalation_list_for_user(user=people[Role.GOVERNMENT_LEADER])
    assert escalation in seen and all(e.case.handling_region.code.startswith("320102") for e in seen)
    # An invited office's handler sees the escalation it was asked about, and only that one.
    _convene(people, escalation, offices, names=("health",))
    assert selectors.escalation_get_for_user(user=people[Role.DEPARTMENT_HANDLER], pk=escalation.pk) == escalation


# --- two conveners at once -----------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite runs one writer")
@pytest.mark.django_db(transaction=True)
def test_two_conveners_deciding_at_once_make_exactly_one_decision():
    import threading

    from e2e.conftest import seed_again
    from tests.world import build_world, load_policy_defaults

    seed_again()  # a transactional test runs after others emptied the seeded tables
    world = build_world()
    load_policy_defaults()
    made = _offices(world)
    staff = _people(world, made)
    case = _above_cap(staff, _subject())
    escalation = _escalation(case)
    consultation = _convene(staff, escalation, made, names=("health", "education"))
    _meeting(staff, consultation)
    tasks = Task.objects.count()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(actor: Any) -> None:
        try:
            barrier.wait(timeout=30)
            cs.consultation_decide(actor=actor, consultation=consultation, version=consultation.version,
                                   data=_support(made))
            outcomes.append("decided")
        except (Conflict, DomainError) as exc:
            outcomes.append(str(exc.code))
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(a,)) for a in (staff[Role.GOVERNMENT_LEADER],
                                                                     staff[Role.COUNTY_APPROVER])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["decided", "stale_version"]
    assert ConsultationDecision.objects.filter(consultation=consultation).count() == 1
    assert Task.objects.count() == tasks + 2
    assert Case.objects.get(pk=case.pk).consultation_authority["amount_fen"] == 1_200_000
