"""Referrals (分办 / 转办): routing by the responsibility matrix, splitting a case into department
tasks with deadlines, the office's moves (accept, return, ask, progress, complete, transfer), the
case side's (answer, re-send, recall), closing only without open tasks, deflection flags (returns,
cycles, idle past the deadline), notices through the outbox, what an office may read, and the
pages: the case page's tasks panel, the split form, the office's queue and task page, the flags
with their export, and the matrix."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.utils import timezone

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import DepartmentType, Grant, Organisation, User
from jijinan.audit.models import AccessLog, AuditEvent
from jijinan.cases.choices import Stage
from jijinan.cases.intake.services import case_intake
from jijinan.cases.models import Case, CaseEvent, FollowUp
from jijinan.cases.workflow import services as wf
from jijinan.cases.workflow.selectors import close_blockers
from jijinan.core.errors import Conflict, DomainError, Forbidden, NotFound
from jijinan.core.jobs.outbox import delivery_claim, delivery_run, outbox_deliver_due, outbox_write_many
from jijinan.core.models import Deadline, InboxItem, MailMessage, OutboxDelivery, OutboxMessage
from jijinan.core.permissions import Role
from jijinan.referrals import notify, selectors, services
from jijinan.referrals.choices import FlagReason, TaskEventKind, TaskStatus
from jijinan.referrals.deflection import selectors as deflection
from jijinan.referrals.deflection import services as deflection_services
from jijinan.referrals.models import DeflectionFlag, ResponsibilityRule, Task, TaskEvent
from jijinan.regions.models import Region
from tests.test_cases import TOWNSHIP, _household, _person, intake
from tests.world import PASSWORD, XUANWU, World, load_policy_defaults, persona

pytestmark = pytest.mark.django_db

GULOU = "320106000000"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path


def extend_module_world(world: World) -> None:
    load_policy_defaults()


def _office(code: str, department: str, name: str) -> Organisation:
    return Organisation.objects.get_or_create(
        kind=OrganisationKind.DEPARTMENT_OFFICE, region=Region.objects.get(code=code),
        department_type=DepartmentType.objects.get(code=department), defaults={"name": name})[0]


def _handler(office: Organisation, username: str, *, mobile: str | None = None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, organisation=office, full_name=username,
                                    mobile=mobile)
    Grant.objects.create(user=user, role=Role.DEPARTMENT_HANDLER, region=office.region,
                         department_type=office.department_type)
    return user


@pytest.fixture
def offices(world):  # type: ignore[no-untyped-def]
    return {"health": world.health_office, "medical": _office(XUANWU, "medical_security", "玄武区医保局"),
            "education": _office(XUANWU, "education", "玄武区教育局"),
            "housing": _office(XUANWU, "housing", "玄武区住建局"),
            "gulou_health": _office(GULOU, "health", "鼓楼区卫健委")}


@pytest.fixture
def people(world, offices):  # type: ignore[no-untyped-def]
    return {
        "clerk": persona(world, Role.WINDOW_CLERK, at=XUANWU),
        "reviewer": persona(world, Role.TOWNSHIP_REVIEWER, at=XUANWU),
        "supervisor": persona(world, Role.SUPERVISOR, at=XUANWU),
        "health": _handler(offices["health"], "wj_handler", mobile="13900000011"),
        "medical": _handler(offices["medical"], "yb_handler", mobile="13900000012"),
        "education": _handler(offices["education"], "jy_handler"),
        "housing": _handler(offices["housing"], "zj_handler"),
        "gulou_health": _handler(offices["gulou_health"], "gl_wj_handler"),
    }


@pytest.fixture
def case(people):  # type: ignore[no-untyped-def]
    head = _person("王建国", TOWNSHIP, 11, phone="13912345678")
    household = _household(head, _person("李秀英", TOWNSHIP, 12))
    return case_intake(actor=people["clerk"], data=intake(
        person_id=head.pk, household_id=household.pk, subject_name="", categories=["serious_illness"],
        needs=["medical", "education"], description="住院费用 8 万元，孩子面临辍学，家住玄武区某路 1 号",
        reporter_phone="13912345678")).case


def _draft(office: Organisation, **more: Any) -> services.TaskDraft:
    values: dict[str, Any] = {"office_id": office.pk, "description": "请核实并办理", "required_result": "办理结果"}
    values.update(more)
    return services.TaskDraft(**values)


def _split(people: dict[str, User], case: Case, *targets: Organisation) -> list[Task]:
    return services.tasks_open(actor=people["reviewer"], case=case, drafts=[_draft(o) for o in targets])


def _fresh(task: Task) -> Task:
    return selectors._tasks().get(pk=task.pk)


def _snapshot() -> dict[str, Any]:
    """Everything a refused move must leave as it was."""
    return {"tasks": list(Task.objects.order_by("pk").values()), "events": TaskEvent.objects.count(),
            "deadlines": list(Deadline.objects.order_by("pk").values("pk", "met_at", "cancelled_at", "owner_user")),
            "flags": list(DeflectionFlag.objects.order_by("pk").values()), "outbox": OutboxMessage.objects.count(),
            "case_events": CaseEvent.objects.count(),
            "audit": AuditEvent.objects.filter(action__startswith="referrals.").count()}


# --- routing by the matrix ---------------------------------------------------------------------------


def test_the_matrix_routes_each_need_to_its_departments_and_nearest_office(world, offices, case):
    routes = services.routes_for(case)
    pairs = [(r.need.code, r.department_type.code) for r in routes]
    # medical → 医保 and 卫健 (seeded defaults), education → 教育 (no 团委 row: the category is not schooling)
    assert pairs == [("medical", "health"), ("medical", "medical_security"), ("education", "education")]
    by_department = {r.department_type.code: r for r in routes}
    assert by_department["medical_security"].office == offices["medical"]
    assert by_department["health"].office == offices["health"]  # 玄武区's, not 鼓楼区's
    assert "医疗救助" in by_department["medical_security"].required_result


def test_a_more_specific_row_wins_and_retired_rows_and_other_categories_do_not_route(world, offices, case):
    medical = DepartmentType.objects.get(code="medical_security")
    need = ResponsibilityRule.objects.filter(need__code="medical", department_type=medical, demo_default=True).first()
    assert need is not None
    local = ResponsibilityRule.objects.create(need=need.need, department_type=medical, required_result="玄武区专项",
                                              region=Region.objects.get(code=XUANWU), limit_count=3,
                                              limit_unit="working_days")
    elsewhere = ResponsibilityRule.objects.create(need=need.need, department_type=medical, required_result="鼓楼",
                                                  region=Region.objects.get(code=GULOU))
    routes = {r.department_type.code: r for r in services.routes_for(case)}
    assert routes["medical_security"].rule == local and elsewhere != local
    local.retired_at = timezone.now()
    local.save()
    assert {r.department_type.code: r for r in services.routes_for(case)}["medical_security"].rule == need
    # A row for another category (schooling → 团委) does not apply to a serious-illness case …
    assert "youth_league" not in {r.department_type.code for r in services.routes_for(case)}
    # … and applies once the case has that category.
    case.categories = ["serious_illness", "schooling"]
    assert "youth_league" in {r.department_type.code for r in services.routes_for(case)}
    # A need nobody covers routes nowhere (the page lets the caseworker pick an office).
    assert services.routes_for(case, ["legal"]) == []


def test_office_for_takes_the_nearest_active_office_above_the_case(world, offices, case):
    housing = DepartmentType.objects.get(code="housing")
    city = _office("320100000000", "housing", "南京市住建局")
    assert services.office_for(housing, case.handling_region) == offices["housing"]
    offices["housing"].active = False
    offices["housing"].save()
    assert services.office_for(housing, case.handling_region) == city


# --- split ------------------------------------------------------------------------------------------


def test_split_opens_tasks_with_deadlines_events_and_notices(world, offices, people, case):
    medical_rule = ResponsibilityRule.objects.get(need__code="medical", department_type__code="health",
                                                  category__isnull=True, demo_default=True)
    tasks = services.tasks_open(actor=people["reviewer"], case=case, drafts=[
        _draft(offices["medical"], need="medical"), _draft(offices["education"], need="education"),
        _draft(offices["health"], need="medical", rule_id=medical_rule.pk)])
    assert [t.number for t in tasks] == [f"{case.number}-01", f"{case.number}-02", f"{case.number}-03"]
    for task in tasks:
        task = _fresh(task)
        assert task.status == TaskStatus.PENDING and task.deadline is not None
        assert task.deadline.owner_organisation == task.office and task.deadline.kind == services.TASK_DEADLINE
        assert task.events.get().kind == TaskEventKind.OPENED
    # The parameter (5 working days) or the row's own limit (卫健: 2 working days) sets the deadline.
    assert _fresh(tasks[0]).deadline.limit == 5 and "case_handling.task_limit" in _fresh(tasks[0]).deadline.parameters
    assert _fresh(tasks[2]).deadline.limit == 2 and _fresh(tasks[2]).deadline.parameters == {
        "referrals.rule": medical_rule.pk}
    assert CaseEvent.objects.filter(case=case, kind="referral.opened").count() == 1
    assert OutboxMessage.objects.filter(type=notify.NOTICE_EVENT).count() == 3
    assert AuditEvent.objects.filter(action="referrals.task.open").count() == 3


@pytest.mark.parametrize("bad", ["inactive_office", "not_an_office", "no_description", "no_result", "twice"])
def test_bad_split_input_is_refused_with_a_field_error_and_changes_nothing(world, offices, people, case, bad):
    drafts = [_draft(offices["medical"])]
    if bad == "inactive_office":
        offices["medical"].active = False
        offices["medical"].save()
    elif bad == "not_an_office":
        drafts = [_draft(world.xuanwu_office)]
    elif bad == "no_description":
        drafts = [_draft(offices["medical"], description="  ")]
    elif bad == "no_result":
        drafts = [_draft(offices["medical"], required_result="")]
    else:
        drafts = [_draft(offices["medical"]), _draft(offices["medical"])]
    before = _snapshot()
    with pytest.raises(DomainError) as caught:
        services.tasks_open(actor=people["reviewer"], case=case, drafts=drafts)
    assert caught.value.field_errors and all(k.startswith("tasks.") for k in caught.value.field_errors)
    message = "；".join(e for es in caught.value.field_errors.values() for e in es)
    expected = {"inactive_office": "已停用", "not_an_office": "未找到该部门机构", "no_description": "任务说明",
                "no_result": "要求反馈的结果", "twice": "不能重复"}[bad]
    assert expected in message
    assert _snapshot() == before


def test_split_is_refused_outside_the_referrable_stages_and_for_a_duplicate(world, offices, people, case):
    _split(people, case, offices["medical"])
    before = _snapshot()
    with pytest.raises(DomainError) as caught:
        _split(people, case, offices["medical"])
    assert caught.value.status == 409 and "已有本事项同一需求的未办结任务" in caught.value.message
    Case.objects.filter(pk=case.pk).update(stage=Stage.CLOSED)
    with pytest.raises(DomainError) as caught:
        _split(people, Case.objects.get(pk=case.pk), offices["education"])
    assert caught.value.status == 409 and "不能分办" in caught.value.message
    assert _snapshot() == before
    with pytest.raises(Forbidden):  # a clerk may not split
        services.tasks_open(actor=people["clerk"], case=case, drafts=[_draft(offices["education"])])


# --- the office's moves -----------------------------------------------------------------------------


def test_accept_progress_complete_meets_the_deadline_and_tells_the_case_side(world, offices, people, case):
    task = _split(people, case, offices["medical"])[0]
    task = services.task_accept(actor=people["medical"], task=task, version=1)
    assert task.status == TaskStatus.ACCEPTED and task.handler == people["medical"]
    assert Deadline.objects.get(pk=task.deadline_id).owner_user == people["medical"]
    task = services.task_progress(actor=people["medical"], task=task, version=2, text="已与医院核对费用")
    before = _snapshot()
    with pytest.raises(DomainError) as caught:  # completion without a result
        services.task_complete(actor=people["medical"], task=task, version=3, result=" ", amount_fen=50000)
    assert "办理结果" in caught.value.field_errors["result"][0]
    assert _snapshot() == before
    task = services.task_complete(actor=people["medical"], task=task, version=3, result="医疗救助已结算",
                                  amount_fen=3200000)
    assert task.status == TaskStatus.COMPLETED and task.result_amount_fen == 3200000
    assert Deadline.objects.get(pk=task.deadline_id).met_at is not None
    assert "32,000.00" in CaseEvent.objects.filter(case=case, kind="referral.completed").get().summary
    assert [e.kind for e in selectors.task_history(task=task)] == [
        TaskEventKind.OPENED, TaskEventKind.ACCEPTED, TaskEventKind.PROGRESS, TaskEventKind.COMPLETED]


def test_a_stale_version_and_a_wrong_status_are_refused_and_change_nothing(world, offices, people, case):
    task = _split(people, case, offices["medical"])[0]
    services.task_accept(actor=people["medical"], task=task, version=1)
    before = _snapshot()
    with pytest.raises(Conflict):
        services.task_progress(actor=people["medical"], task=task, version=1, text="过期的版本")
    with pytest.raises(DomainError) as caught:
        services.task_accept(actor=people["medical"], task=task, version=2)
    assert caught.value.status == 409 and "办理中" in caught.value.message
    assert _snapshot() == before


@pytest.mark.parametrize("code,text,field", [("", "不属于本部门", "reason_code"), ("not_our_duty", "  ", "reason"),
                                             ("made_up", "x", "reason_code")])
def test_a_return_needs_a_reason_code_and_a_reason(world, offices, people, case, code, text, field):
    task = _split(people, case, offices["medical"])[0]
    before = _snapshot()
    with pytest.raises(DomainError) as caught:
        services.task_return(actor=people["medical"], task=task, version=1, reason_code=code, reason=text)
    assert field in caught.value.field_errors
    assert _snapshot() == before


def test_acting_on_another_offices_task_is_refused_and_changes_nothing(world, offices, people, case):
    task = _split(people, case, offices["medical"])[0]
    before = _snapshot()
    with pytest.raises(Forbidden):
        services.task_accept(actor=people["education"], task=task, version=1)
    with pytest.raises(NotFound):  # and the office's selectors do not find it at all
        selectors.office_task_get(user=people["education"], pk=task.pk)
    assert selectors.office_tasks(user=people["education"], status="all").count() == 0
    client = Client()
    client.force_login(people["education"])
    for url, body in ((f"/api/v1/tasks/{task.pk}", None), (f"/api/v1/tasks/{task.pk}/accept", {"version": 1}),
                      (f"/api/v1/tasks/{task.pk}/return", {"version": 1, "reason_code": "other", "reason": "x"})):
        response = client.get(url) if body is None else client.post(url, body, content_type="application/json")
        assert response.status_code == 404 and response.json()["code"] == "not_found", url
    assert client.get(f"/referrals/office/{task.pk}/").status_code == 404
    assert _snapshot() == before


def test_the_return_history_and_a_reassign_to_the_same_office(world, offices, people, case):
    task = _split(people, case, offices["medical"])[0]
    task = services.task_return(actor=people["medical"], task=task, version=1, reason_code="insufficient",
                                reason="缺少住院费用清单")
    assert task.status == TaskStatus.RETURNED and task.returns == 1
    assert Deadline.objects.get(pk=task.deadline_id).cancelled_at is not None
    assert InboxItem.objects.count() == 0  # the notice waits in the outbox …
    outbox_deliver_due(worker_id="test")
    notice = InboxItem.objects.get(user=people["reviewer"], kind=notify.RETURNED)  # … the opener hears of it
    assert "退回" in notice.title and "缺少住院费用清单" in notice.body
    task = services.task_reassign(actor=people["reviewer"], task=task, version=2, to_office_id=offices["medical"].pk,
                                  reason="已补充费用清单")
    assert task.status == TaskStatus.PENDING and task.office == offices["medical"]
    assert Deadline.objects.get(pk=task.deadline_id).cancelled_at is None  # a new deadline
    history = deflection.history(task)
    assert [(h["kind"], h["reason"]) for h in history] == [
        ("opened", ""), ("returned", "材料不全，无法办理"), ("reassigned", "")]
    assert not DeflectionFlag.objects.filter(task=task).exists()  # one return, and A → A is no cycle


# --- deflection ------------------------------------------------------------------------------------------


def test_the_returns_flag_fires_at_the_parameter_and_not_before(world, offices, people, case):
    task = _split(people, case, offices["medical"])[0]
    version = 1
    for n in (1, 2, 3):
        task = services.task_return(actor=people["medical"], task=task, version=version, reason_code="not_our_duty",
                                    reason=f"第 {n} 次退回")
        flags = list(DeflectionFlag.objects.filter(task=task, reason=FlagReason.RETURNS))
        if n < 2:
            assert flags == []  # one return is below the limit of 2
        else:
            assert len(flags) == 1 and flags[0].occurrences == n - 1  # renewed, never duplicated
            assert flags[0].covering_region.code == XUANWU  # the township and 玄武区医保局 meet in 玄武区
            assert flags[0].covering_office == world.xuanwu_office
            assert [h["kind"] for h in flags[0].history].count("returned") == n
        if n < 3:
            task = services.task_reassign(actor=people["reviewer"], task=task, version=task.version,
                                          to_office_id=offices["medical"].pk, reason="请再核实")
            version = task.version
    flag = DeflectionFlag.objects.get(task=task)
    assert flag.parameters["case_handling.deflection_returns"] is not None
    assert OutboxMessage.objects.filter(type=notify.FLAG_EVENT).count() == 2


def test_find_cycle_edges():
    assert deflection.find_cycle([1, 2, 3, 1]) == [1, 2, 3, 1]
    assert deflection.find_cycle([1, 2, 1]) == [1, 2, 1]
    assert deflection.find_cycle([1, 1]) is None  # a re-send to the same office
    assert deflection.find_cycle([1, 1, 1]) is None
    assert deflection.find_cycle([1, 2, 3]) is None
    assert deflection.find_cycle([4, 1, 2, 3, 2]) == [2, 3, 2]
    assert deflection.find_cycle([1, 2, 2, 1]) == [1, 2, 2, 1]


def test_a_task_passed_around_a_cycle_of_offices_is_flagged_with_its_path(world, offices, people, case):
    a, b, c = offices["medical"], offices["health"], offices["housing"]
    task = _split(people, case, a)[0]
    task = services.task_transfer(actor=people["medical"], task=task, version=1, to_office_id=b.pk, reason="属卫健")
    task = services.task_transfer(actor=people["health"], task=task, version=task.version, to_office_id=c.pk,
                                  reason="属住建")
    assert not DeflectionFlag.objects.filter(task=task).exists()  # A → B → C is no cycle yet
    before = _snapshot()
    with pytest.raises(DomainError):  # a transfer to itself, or without a reason, changes nothing
        services.task_transfer(actor=people["housing"], task=task, version=task.version, to_office_id=c.pk,
                               reason="x")
    with pytest.raises(DomainError):
        services.task_transfer(actor=people["housing"], task=task, version=task.version, to_office_id=a.pk,
                               reason="")
    assert _snapshot() == before
    task = services.task_transfer(actor=people["housing"], task=task, version=task.version, to_office_id=a.pk,
                                  reason="属医保")
    flag = DeflectionFlag.objects.get(task=task, reason=FlagReason.CYCLE)
    assert "玄武区医保局 → 玄武区卫健委 → 玄武区住建局 → 玄武区医保局" in flag.detail
    assert flag.offices == ["玄武区医保局", "玄武区卫健委", "玄武区住建局"]
    assert [h["kind"] for h in flag.history] == ["opened", "transferred", "transferred", "transferred"]
    # Each transfer cancelled the last office's deadline and started the next one's.
    deadlines = Deadline.objects.filter(subject_type=services.TASK_SUBJECT, subject_id=str(task.pk))
    assert deadlines.count() == 4 and deadlines.filter(cancelled_at__isnull=True).count() == 1


def test_a_cycle_across_districts_is_covered_by_the_city(world, offices, people, case):
    task = _split(people, case, offices["health"])[0]
    task = services.task_transfer(actor=people["health"], task=task, version=1,
                                  to_office_id=offices["gulou_health"].pk, reason="对象户籍在鼓楼")
    services.task_transfer(actor=people["gulou_health"], task=task, version=task.version,
                           to_office_id=offices["health"].pk, reason="对象住在玄武")
    flag = DeflectionFlag.objects.get(reason=FlagReason.CYCLE)
    assert flag.covering_region.code == "320100000000"  # 南京市 covers 玄武区 and 鼓楼区
    supervisor = people["supervisor"]  # 玄武区's supervisor does not cover 南京市's flag
    assert flag not in selectors.flags_for_user(user=supervisor)
    assert flag in selectors.flags_for_user(user=persona(world, Role.SUPERVISOR, at="320000000000"))


def _run_out(task: Task, days: int) -> None:
    """Time passes: the task's deadline ran out, and its last activity lies ``days`` back."""
    past = timezone.now() - timedelta(days=days)
    Deadline.objects.filter(pk=task.deadline_id).update(due_at=past, breached_at=past)
    Task.objects.filter(pk=task.pk).update(last_activity_at=past)
    moved = _fresh(task)
    Task.objects.filter(pk=task.pk).update(idle_at=deflection.idle_at_for(moved, timezone.now()))


def test_an_accepted_task_idle_past_its_deadline_is_flagged_once(world, offices, people, case):
    idle, busy, pending = _split(people, case, offices["medical"], offices["education"], offices["health"])
    idle = services.task_accept(actor=people["medical"], task=idle, version=1)
    busy = services.task_accept(actor=people["education"], task=busy, version=1)
    _run_out(idle, 10)
    _run_out(busy, 10)
    _run_out(pending, 10)  # not accepted: the deadline report shows it, the idle flag does not
    services.task_progress(actor=people["education"], task=busy, version=2, text="已安排助学金")
    assert deflection_services.sweep_idle() == 1
    flag = DeflectionFlag.objects.get(task__case=case)
    assert flag.task == idle and flag.reason == FlagReason.IDLE and "逾期未办" in flag.detail
    assert flag.parameters["case_handling.task_idle_limit"] is not None
    assert _fresh(idle).idle_at is None and _fresh(busy).idle_at > timezone.now()
    assert _fresh(pending).idle_at is None  # not accepted: never idle
    assert deflection_services.sweep_idle() == 0  # flagged already, and no news since
    # Looked at too early (the deadline was extended, the calendar changed): not flagged, looked at later.
    Task.objects.filter(pk=idle.pk).update(last_activity_at=timezone.now() - timedelta(hours=1),
                                           idle_at=timezone.now() - timedelta(minutes=1))
    DeflectionFlag.objects.filter(task__case=case).delete()
    assert deflection_services.sweep_idle() == 0
    assert _fresh(idle).idle_at > timezone.now() and not DeflectionFlag.objects.filter(task__case=case).exists()


# --- closing the case ---------------------------------------------------------------------------------


def test_a_case_closes_only_when_no_task_is_open(world, offices, people, case):
    medical, education = _split(people, case, offices["medical"], offices["education"])
    Case.objects.filter(pk=case.pk).update(stage=Stage.DENIED, refusal_reason="不符合临时救助条件")
    denied = Case.objects.get(pk=case.pk)
    assert any("部门任务尚未办结" in b for b in close_blockers(denied))
    before = _snapshot()
    with pytest.raises(DomainError) as caught:
        wf.case_close(actor=people["reviewer"], case=denied, version=denied.version)
    assert caught.value.status == 409 and f"{case.number}-01" in caught.value.message
    assert Case.objects.get(pk=case.pk).stage == Stage.DENIED and _snapshot() == before
    medical = services.task_accept(actor=people["medical"], task=medical, version=1)
    services.task_complete(actor=people["medical"], task=medical, version=2, result="医疗救助已结算")
    returned = services.task_return(actor=people["education"], task=education, version=1,
                                    reason_code="already_handled", reason="已享受教育资助")
    assert any("-02" in b for b in close_blockers(denied))  # a returned task is still open
    services.task_cancel(actor=people["reviewer"], task=returned, version=returned.version,
                         reason="已享受资助，无需再办")
    assert close_blockers(Case.objects.get(pk=case.pk)) == []
    closed = wf.case_close(actor=people["reviewer"], case=denied, version=denied.version)
    assert closed.stage == Stage.CLOSED


# --- what an office sees ------------------------------------------------------------------------------


def test_the_office_reads_the_minimum_of_the_case_and_the_view_is_logged(world, offices, people, case):
    task = _split(people, case, offices["medical"])[0]
    client = Client()
    client.force_login(people["medical"])
    body = client.get(f"/api/v1/tasks/{task.pk}").json()
    brief = body["case"]
    assert brief["case_number"] == case.number and brief["subject_name"] == "王建国"
    assert brief["id_number_masked"].count("*") >= 8 and case.person.id_number.reveal() not in json.dumps(body)
    assert brief["contact_masked"].startswith("139") and "13912345678" not in json.dumps(body)
    assert brief["needs"] == ["医疗", "教育"]
    text = json.dumps(body, ensure_ascii=False)
    for secret in ("某路 1 号", "8 万元", "李秀英", "household", "description\": \"住院"):
        assert secret not in text, secret
    assert AccessLog.objects.filter(subject_type="referrals.task", subject_id=str(task.pk)).count() == 1
    page = client.get(f"/referrals/office/{task.pk}/").content.decode()
    assert "王建国" in page and "某路 1 号" not in page and case.person.id_number.reveal() not in page
    assert client.get(f"/cases/{case.pk}/").status_code == 403  # the case page is not theirs


# --- notices -----------------------------------------------------------------------------------------


def test_a_new_task_reaches_the_offices_handlers_by_inbox_text_and_mail(world, offices, people, case):
    User.objects.filter(pk=people["medical"].pk).update(email="yb@example.org")
    outbox_deliver_due(worker_id="test")  # what intake queued
    mail.outbox.clear()
    _split(people, case, offices["medical"], offices["education"])
    outbox_deliver_due(worker_id="test")
    assert set(InboxItem.objects.values_list("user__username", flat=True)) == {"yb_handler", "jy_handler"}
    item = InboxItem.objects.get(user=people["medical"])
    assert item.title.startswith("新的部门任务") and item.url == f"/referrals/office/{item.subject_id}/"
    texts = OutboxMessage.objects.filter(type="sms.send", payload__template=notify.SMS_TASK)
    assert texts.count() == 1  # only the handler with a mobile on file
    assert [m.to for m in mail.outbox] == [["yb@example.org"]]  # only the one with an address
    assert mail.outbox[0].subject.startswith("新的部门任务") and item.url in mail.outbox[0].body
    outbox_deliver_due(worker_id="test")  # nothing left: nothing sent twice
    assert len(mail.outbox) == 1 and MailMessage.objects.get().status == "sent"
    client = Client()
    client.force_login(people["medical"])
    assert "badge" in client.get("/referrals/office/").content.decode()  # the unread count in the top bar
    response = client.get(f"/inbox/{item.pk}/")
    assert response.status_code == 302 and response["Location"] == item.url
    assert InboxItem.objects.get(pk=item.pk).read_at is not None
    assert client.get(f"/inbox/{InboxItem.objects.get(user=people['education']).pk}/").status_code == 404


def test_a_worker_killed_mid_notification_loses_none_and_doubles_none(world, offices, people, case, monkeypatch):
    second = _handler(offices["medical"], "yb_handler_2", mobile="13900000013")
    outbox_deliver_due(worker_id="w0")  # what intake queued
    _split(people, case, offices["medical"])
    message = OutboxMessage.objects.get(type=notify.NOTICE_EVENT)
    calls = {"n": 0}
    real = notify.sms_message

    def dies_on_the_second_text(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemError("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(notify, "sms_message", dies_on_the_second_text)
    delivery = delivery_claim(worker_id="w1")
    assert delivery is not None and delivery.message_id == message.pk
    assert delivery_run(delivery, worker_id="w1") is False
    texts = OutboxMessage.objects.filter(type="sms.send", payload__template=notify.SMS_TASK)
    assert InboxItem.objects.count() == 0  # half a notice is no notice: all rolled back
    assert texts.count() == 0
    monkeypatch.setattr(notify, "sms_message", real)
    OutboxDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    outbox_deliver_due(worker_id="w2")
    assert sorted(InboxItem.objects.values_list("user_id", flat=True)) == sorted([people["medical"].pk, second.pk])
    assert texts.count() == 2
    # A worker that died after its commit, before marking the delivery: the event comes again.
    notify.deliver_notice(message)
    assert InboxItem.objects.count() == 2 and texts.count() == 2


# --- the matrix -----------------------------------------------------------------------------------------


def test_changing_a_row_keeps_the_old_one_as_history(world, offices, people, case):
    admin = persona(world, Role.ADMINISTRATOR, at="320000000000")
    rule = ResponsibilityRule.objects.get(need__code="housing", department_type__code="housing", demo_default=True)
    task = services.tasks_open(actor=people["reviewer"], case=case, drafts=[
        _draft(offices["housing"], rule_id=rule.pk)])[0]
    data = services.RuleInput(need="housing", department_type="housing", required_result="安置情况", limit_count=3,
                              limit_unit="working_days", duty="住建部门负责住房救助")
    new = services.rule_change(actor=admin, rule=rule, version=1, data=data)
    old = ResponsibilityRule.objects.get(pk=rule.pk)
    assert old.retired_at is not None and old.replaced_by == new and new.retired_at is None
    assert Task.objects.get(pk=task.pk).rule == old  # the task keeps the row it was opened by
    with pytest.raises(DomainError):  # the old row can no longer change
        services.rule_change(actor=admin, rule=old, version=old.version, data=data)
    with pytest.raises(Conflict):
        services.rule_retire(actor=admin, rule=new, version=7, reason="职能调整")
    with pytest.raises(DomainError) as caught:
        services.rule_add(actor=admin, data=services.RuleInput(need="nope", department_type="housing",
                                                               required_result="", limit_count=0))
    assert set(caught.value.field_errors) == {"need", "required_result", "limit_count", "limit_unit"}
    with pytest.raises(Forbidden):
        services.rule_add(actor=people["reviewer"], data=data)
    assert AuditEvent.objects.filter(action="referrals.matrix.change").count() == 1
    assert list(selectors.rules(history=True)) == [old]


# --- the pages ------------------------------------------------------------------------------------------


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_the_split_page_proposes_the_matrix_and_opens_the_picked_tasks(world, offices, people, case):
    client = _client(people["reviewer"])
    page = client.get(f"/referrals/cases/{case.pk}/split/").content.decode()
    assert "玄武区医保局" in page and "玄武区教育局" in page and "医疗救助结果" in page
    rows = [("medical", offices["medical"]), ("education", offices["education"])]
    data = {"tasks-TOTAL_FORMS": "3", "tasks-INITIAL_FORMS": "0"}
    for i, (need, office) in enumerate(rows):
        data.update({f"tasks-{i}-pick": "on", f"tasks-{i}-need": need, f"tasks-{i}-office": office.pk,
                     f"tasks-{i}-description": "请办理", f"tasks-{i}-required_result": "办理结果"})
    data.update({"tasks-2-office": offices["housing"].pk, "tasks-2-description": "未勾选的行不交办"})
    response = client.post(f"/referrals/cases/{case.pk}/split/", data)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert sorted(Task.objects.filter(case=case).values_list("office__name", flat=True)) == ["玄武区医保局",
                                                                                              "玄武区教育局"]
    panel = client.get(f"/referrals/cases/{case.pk}/panel/").content.decode()
    assert "玄武区医保局" in panel and "未办结 2" in panel and "待接收" in panel


def test_a_picked_row_without_an_office_is_shown_again_with_its_error(world, offices, people, case):
    client = _client(people["reviewer"])
    response = client.post(f"/referrals/cases/{case.pk}/split/", {
        "tasks-TOTAL_FORMS": "1", "tasks-INITIAL_FORMS": "0", "tasks-0-pick": "on", "tasks-0-description": "x",
        "tasks-0-required_result": "y"})
    assert response.status_code == 400 and "请选择承办部门" in response.content.decode()
    offices["medical"].active = False
    offices["medical"].save()
    response = client.post(f"/referrals/cases/{case.pk}/split/", {
        "tasks-TOTAL_FORMS": "1", "tasks-INITIAL_FORMS": "0", "tasks-0-pick": "on",
        "tasks-0-office": offices["medical"].pk, "tasks-0-description": "x", "tasks-0-required_result": "y"})
    assert response.status_code == 400  # an inactive office is no longer offered
    assert not Task.objects.filter(case=case).exists()


def test_the_office_returns_then_completes_through_its_pages(world, offices, people, case):
    task = services.tasks_open(actor=people["reviewer"], case=case, drafts=[_draft(offices["education"])])[0]
    office = _client(people["education"])
    queue = office.get("/referrals/office/").content.decode()
    assert task.number in queue and case.number in queue
    response = office.post(f"/referrals/office/{task.pk}/return/", {"version": 1, "reason_code": "not_our_duty"})
    assert response.status_code == 400 and "请填写退回理由" in response.content.decode()
    assert Task.objects.get(pk=task.pk).status == TaskStatus.PENDING
    response = office.post(f"/referrals/office/{task.pk}/return/", {
        "version": 1, "reason_code": "already_handled", "reason": "已享受国家助学金"})
    assert response.status_code == 302
    case_side = _client(people["reviewer"])
    page = case_side.get(f"/referrals/cases/{case.pk}/tasks/{task.pk}/").content.decode()
    assert "已由本部门办理过" in page and "已享受国家助学金" in page and "重新交办" in page
    response = case_side.post(f"/referrals/cases/{case.pk}/tasks/{task.pk}/reassign/", {
        "version": 2, "to_office": offices["education"].pk, "reason": "另有生活补助需求"})
    assert response.status_code == 302
    assert office.post(f"/referrals/office/{task.pk}/accept/", {"version": 3}).status_code == 302
    response = office.post(f"/referrals/office/{task.pk}/complete/", {"version": 4, "result": "",
                                                                      "amount_yuan": "500"})
    assert response.status_code == 400 and "请填写办理结果" in response.content.decode()
    response = office.post(f"/referrals/office/{task.pk}/complete/", {
        "version": 4, "result": "发放生活补助", "amount_yuan": "1500.50"})
    assert response.status_code == 302
    done = Task.objects.get(pk=task.pk)
    assert done.status == TaskStatus.COMPLETED and done.result_amount_fen == 150050


def test_the_follow_up_offers_unresolved_needs_to_a_department(world, offices, people, case):
    Case.objects.filter(pk=case.pk).update(stage=Stage.FOLLOW_UP)
    FollowUp.objects.create(case=case, method="phone", done_on=case.created_at.date(), outcome="仍需住房",
                            satisfaction=3, need_resolved=False, unresolved_needs=["housing"])
    client = _client(people["reviewer"])
    panel = client.get(f"/referrals/cases/{case.pk}/panel/").content.decode()
    assert "回访发现仍未解决的需求：住房" in panel and "need=housing" in panel
    page = client.get(f"/referrals/cases/{case.pk}/split/?need=housing").content.decode()
    assert "玄武区住建局" in page and "玄武区医保局" not in page.split("<tbody>")[1].split("</tbody>")[0].split(
        'selected')[0]


def test_flags_are_listed_and_exported_with_their_history_and_the_export_is_logged(world, offices, people,
                                                                                    case):
    task = services.tasks_open(actor=people["reviewer"], case=case, drafts=[_draft(offices["medical"])])[0]
    services.task_transfer(actor=people["medical"], task=task, version=1, to_office_id=offices["health"].pk,
                           reason="属卫健")
    task = Task.objects.get(pk=task.pk)
    services.task_transfer(actor=people["health"], task=task, version=task.version,
                           to_office_id=offices["medical"].pk, reason="属医保")
    assert DeflectionFlag.objects.filter(task=task).count() == 1
    client = _client(people["supervisor"])
    page = client.get("/referrals/flags/?reason=cycle").content.decode()
    assert "循环转办" in page and task.number in page
    response = client.get("/referrals/flags/?reason=cycle&format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "预警时间" and rows[1][2] == "循环转办" and "转办" in rows[1][-1]
    assert AccessLog.objects.filter(kind="export", subject_type="referrals.deflectionflag").count() == 1
    assert _client(people["medical"]).get("/referrals/flags/").status_code == 403


def test_an_administrator_edits_the_matrix_and_sees_its_history(world, offices, people):
    admin = _client(persona(world, Role.ADMINISTRATOR, at="320000000000"))
    assert "住房城乡建设部门负责住房救助" in admin.get("/referrals/matrix/").content.decode()
    rule = ResponsibilityRule.objects.get(need__code="housing", demo_default=True)
    response = admin.post(f"/referrals/matrix/{rule.pk}/edit/", {
        "need": "housing", "department_type": "housing", "required_result": "安置结果", "version": 1,
        "limit_count": "3", "limit_unit": ""})
    assert response.status_code == 400 and "请选择时限单位" in response.content.decode()
    response = admin.post(f"/referrals/matrix/{rule.pk}/edit/", {
        "need": "housing", "department_type": "housing", "required_result": "安置结果", "version": 1,
        "limit_count": "3", "limit_unit": "working_days", "region_code": XUANWU})
    assert response.status_code == 302
    history = admin.get("/referrals/matrix/?history=1").content.decode()
    assert "住房城乡建设部门负责住房救助" in history and "已由新条目取代" in history
    assert "安置结果" in admin.get("/referrals/matrix/").content.decode()
    assert _client(people["reviewer"]).get("/referrals/matrix/new/").status_code == 403


class BrokenMailBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("mail server down")


def test_an_email_that_fails_is_recorded_retried_and_sent_once(settings, world):
    from jijinan.core.messaging.mail import deliver_mail, mail_message

    with pytest.raises(DomainError):
        mail_message(to="not an address", subject="x", body="y")
    text = "任务 A-01 被退回 2 次"
    message = outbox_write_many([mail_message(to="sv@example.org", subject="推诿预警", body=text)])[0]
    assert "任务" not in json.dumps(message.payload, ensure_ascii=False)  # the body travels encrypted
    settings.EMAIL_BACKEND = "tests.test_referrals.BrokenMailBackend"
    with pytest.raises(ConnectionRefusedError):
        deliver_mail(message)
    row = MailMessage.objects.get(message_id=message.event_id)
    assert row.status == "failed" and row.attempts == 1 and "mail server down" in row.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    deliver_mail(message)
    deliver_mail(message)  # delivered again: not sent again
    assert len(mail.outbox) == 1 and mail.outbox[0].body == "任务 A-01 被退回 2 次"
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2 and row.body.reveal() == "任务 A-01 被退回 2 次"


def test_a_matrix_rule_picks_its_program_from_the_list(world, offices, people):
    """The rule's program is chosen among the program types by name, not typed as a code; a code
    that is no program is refused on the form with the rest kept."""
    admin = _client(persona(world, Role.ADMINISTRATOR, at="320000000000"))
    page = admin.get("/referrals/matrix/new/").content.decode()
    select = page[page.index('name="program"'):]
    select = select[:select.index("</select>")]
    assert 'value="dibao"' in select and "低保" in select and "救助项目代码" not in page
    base = {"need": "housing", "department_type": "housing", "required_result": "安置结果"}
    refused = admin.post("/referrals/matrix/new/", {**base, "program": "no-such-program"})
    assert refused.status_code == 400 and "安置结果" in refused.content.decode()
    assert admin.post("/referrals/matrix/new/", {**base, "program": "dibao"}).status_code == 302
    assert ResponsibilityRule.objects.filter(program="dibao", retired_at__isnull=True).exists()
