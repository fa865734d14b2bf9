"""督办 orders through the services and the real sweep: automatic orders at the grace edge and never
duplicated (also by two sweeps at once), escalation one level up when unanswered (with its notices
delivered by the real outbox worker), each automatic source, orders by hand (scope, duplicates,
answer, close, send back, cancel, a stale version refused)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import Organisation, User
from jijinan.audit.models import AuditEvent
from jijinan.cases.models import Case
from jijinan.consultation.models import Consultation, ConsultationDecision, Duty, Escalation
from jijinan.core.calendar.workdays import calendar_snapshot, end_of_day
from jijinan.core.deadlines.models import Deadline
from jijinan.core.errors import Conflict, DomainError, Forbidden, NotFound
from jijinan.core.jobs.models import OutboxMessage
from jijinan.core.jobs.outbox import outbox_deliver_due
from jijinan.core.messaging.models import InboxItem
from jijinan.core.permissions import Role
from jijinan.referrals.choices import FlagStatus
from jijinan.referrals.models import DeflectionFlag, Task
from jijinan.regions.models import Region
from jijinan.supervision.choices import MatterKind, OrderEventKind, OrderStatus
from jijinan.supervision.models import OrderEvent, SupervisionOrder
from jijinan.supervision.orders import selectors, services
from jijinan.supervision.orders.sweep import order_sweep
from tests.world import GULOU, XUANWU, World, government_office, persona

pytestmark = pytest.mark.django_db

TOWNSHIP = "320102002000"
NANJING = "320100000000"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_offices(world: World) -> dict[str, Organisation]:
    """A township office under 玄武区's civil-affairs office, and the city's office above it."""
    civil = OrganisationKind.CIVIL_AFFAIRS_OFFICE
    township = Organisation.objects.get_or_create(kind=civil, region=Region.objects.get(code=TOWNSHIP),
                                                  name="梅园新村街道社会救助服务站")[0]
    city = Organisation.objects.get_or_create(kind=civil, region=Region.objects.get(code=NANJING),
                                              name="南京市民政局")[0]
    return {"township": township, "county": world.xuanwu_office, "city": city}


@pytest.fixture
def offices(world, defaults):  # type: ignore[no-untyped-def]
    return make_offices(world)


def _working_day_before(days: int) -> datetime:
    """The end of a working day at least ``days`` before today (Beijing time)."""
    snapshot = calendar_snapshot()
    day = timezone.localdate() - timedelta(days=days)
    while not snapshot.is_working_day(day):
        day -= timedelta(days=1)
    return end_of_day(day)


def overdue_deadline(office: Organisation, due_at: datetime, *, region_code: str = "320102002001",
                     kind: str = "tests.review", subject_id: str = "s-1", owner_user: Any = None) -> Deadline:
    return Deadline.objects.create(
        subject_type="tests.subject", subject_id=subject_id, kind=kind, region_code=region_code,
        owner_organisation=office, owner_user=owner_user, started_at=due_at - timedelta(days=3), unit="hours",
        limit=72, due_at=due_at, counted_from=due_at - timedelta(days=3), counted_units=72)


def grace_end(due_at: datetime) -> datetime:
    return calendar_snapshot().deadline_at(due_at, 1, "working_days").due_at


def _orders(key: str) -> list[SupervisionOrder]:
    return list(SupervisionOrder.objects.filter(matter_key=key).order_by("pk"))


# --- the grace edge, never twice --------------------------------------------------------------------------


def test_an_overdue_deadline_gets_one_order_only_once_its_grace_has_passed(world, offices):
    due = _working_day_before(10)
    deadline = overdue_deadline(offices["township"], due)
    edge = grace_end(due)
    assert edge > due
    order_sweep(now=edge - timedelta(seconds=1))
    assert _orders(f"deadline:{deadline.pk}") == []
    result = order_sweep(now=edge + timedelta(seconds=1))
    assert result.opened >= 1
    [order] = _orders(f"deadline:{deadline.pk}")
    assert (order.matter_kind, order.status, order.automatic, order.level) == (
        MatterKind.DEADLINE, OrderStatus.OPEN, True, 0)
    assert order.addressee_office == offices["township"] and order.issuing_office == offices["county"]
    assert order.issued_by is None and order.overdue_deadline_id == deadline.pk
    assert order.region.code == "320102002001"
    assert order.number.startswith(f"DB-{timezone.localtime(edge).year}-")
    assert order.deadline is not None and order.deadline.kind == "supervision.order"
    assert order.deadline.owner_organisation == offices["township"] and order.deadline.unit == "working_days"
    assert order.parameters["case_handling.supervision_order_grace"] > 0
    assert list(order.events.values_list("kind", flat=True)) == [OrderEventKind.OPENED]
    assert AuditEvent.objects.filter(action="supervision.order.open", subject_id=str(order.pk)).count() == 1
    assert OutboxMessage.objects.filter(type="supervision.order.notice", subject_id=str(order.pk)).count() == 1
    # The answer deadline was started in a batch exactly as one by one: its audit event and message.
    started = AuditEvent.objects.get(action="deadlines.start", subject_id=str(order.deadline_id))
    assert started.subject_label == f"{order.number} · {offices['township'].name}"
    assert started.changes["limit"] == [None, 3] and order.deadline.limit == 3  # the parameter's 3 working days
    message = OutboxMessage.objects.get(type="deadline.started", subject_id=str(order.deadline_id))
    assert (message.payload["kind"], message.payload["subject_id"]) == ("supervision.order", str(order.pk))
    # The sweep again, later: still one order; and after the order is closed, the matter is not chased again.
    order_sweep(now=edge + timedelta(hours=2))
    assert len(_orders(f"deadline:{deadline.pk}")) == 1
    SupervisionOrder.objects.filter(pk=order.pk).update(status=OrderStatus.CLOSED)
    order_sweep(now=edge + timedelta(hours=3))
    assert len(_orders(f"deadline:{deadline.pk}")) == 1


def test_a_met_or_cancelled_deadline_and_an_orders_own_deadline_are_not_chased(world, offices):
    due = _working_day_before(10)
    met = overdue_deadline(offices["township"], due, subject_id="met")
    Deadline.objects.filter(pk=met.pk).update(met_at=due - timedelta(hours=1))
    own = overdue_deadline(offices["township"], due, subject_id="own", kind="supervision.order")
    order_sweep(now=grace_end(due) + timedelta(minutes=1))
    assert _orders(f"deadline:{met.pk}") == [] and _orders(f"deadline:{own.pk}") == []


def test_a_deadline_owned_by_a_person_goes_to_their_office_and_to_them(world, offices):
    due = _working_day_before(10)
    deadline = overdue_deadline(None, due, owner_user=world.xuanwu_staff, subject_id="person")  # type: ignore[arg-type]
    order_sweep(now=grace_end(due) + timedelta(minutes=1))
    [order] = _orders(f"deadline:{deadline.pk}")
    assert order.addressee_office == world.xuanwu_office and order.addressee_user == world.xuanwu_staff
    assert order.issuing_office == offices["city"]  # a county's own office is supervised by the city


def test_the_worker_runs_the_sweep_every_five_minutes(world, offices):
    from jijinan.core.jobs.models import Job
    from jijinan.core.jobs.queue import job_claim, job_enqueue, job_run, registered_periodic

    assert registered_periodic()["supervision.order_sweep"].every == timedelta(minutes=5)
    deadline = overdue_deadline(offices["township"], _working_day_before(10), subject_id="by-worker")
    Job.objects.filter(status="queued").update(status="done")  # only this run's job is claimed
    job_enqueue("supervision.order_sweep")
    claimed = job_claim(worker_id="test")
    assert claimed is not None and claimed.name == "supervision.order_sweep"
    assert job_run(claimed, worker_id="test"), Job.objects.get(pk=claimed.pk).last_error
    assert len(_orders(f"deadline:{deadline.pk}")) == 1


# --- escalation when unanswered -------------------------------------------------------------------------


def test_an_order_unanswered_past_its_deadline_is_escalated_one_level_up_with_notices(world, offices):
    mobile_user = User.objects.create_user(username="mx_staff", password="x-horse-battery-9", full_name="梅园甲",
                                           organisation=offices["township"], mobile="13900000011",
                                           email="mx@example.org")
    due = _working_day_before(20)
    deadline = overdue_deadline(offices["township"], due)
    start = grace_end(due) + timedelta(minutes=1)
    order_sweep(now=start)
    [first] = _orders(f"deadline:{deadline.pk}")
    outbox_deliver_due(worker_id="test")
    notice = InboxItem.objects.get(user=mobile_user, subject_type="supervision.order", subject_id=str(first.pk))
    assert first.number in notice.title and notice.url == f"/supervision/orders/{first.pk}/"
    assert OutboxMessage.objects.filter(type="sms.send", subject_id=str(first.pk)).count() == 1
    assert OutboxMessage.objects.filter(type="mail.send", subject_id=str(first.pk)).count() == 1
    # Just before the answer deadline nothing moves; just after, the order goes up one level.
    order_sweep(now=first.deadline.due_at - timedelta(seconds=1))
    first.refresh_from_db()
    assert first.status == OrderStatus.OPEN and first.escalated_to is None
    order_sweep(now=first.deadline.due_at + timedelta(seconds=1))
    first.refresh_from_db()
    second = first.escalated_to
    assert first.status == OrderStatus.ESCALATED and second is not None
    assert (second.level, second.parent_id, second.matter_key, second.status) == (
        1, first.pk, first.matter_key, OrderStatus.OPEN)
    assert second.addressee_office == offices["county"] and second.issuing_office == offices["city"]
    assert first.deadline.cancelled_at is not None and first.deadline.breached_at is not None
    assert list(first.events.values_list("kind", flat=True)) == [OrderEventKind.OPENED, OrderEventKind.ESCALATED]
    assert AuditEvent.objects.filter(action="supervision.order.escalate", subject_id=str(first.pk)).count() == 1
    outbox_deliver_due(worker_id="test")
    assert InboxItem.objects.filter(user=world.xuanwu_staff, subject_id=str(second.pk)).count() == 1
    assert OutboxMessage.objects.filter(type="sms.send", subject_id=str(second.pk)).count() == 1
    # Unanswered again: the city's office; the matter keeps exactly one open order all along.
    order_sweep(now=second.deadline.due_at + timedelta(seconds=1))
    second.refresh_from_db()
    third = second.escalated_to
    assert third is not None and third.addressee_office == offices["city"] and third.level == 2
    assert SupervisionOrder.objects.filter(matter_key=first.matter_key, status__in=["open", "answered"]).count() == 1
    assert selectors.order_chain(second) == [first, second, third]
    # Answered in time, an order is not escalated.
    services.order_answer(actor=_city_staff(third),
                          order=third, version=third.version, text="已督促区、街道办结")
    order_sweep(now=third.deadline.due_at + timedelta(days=30))
    third.refresh_from_db()
    assert third.status == OrderStatus.ANSWERED and third.escalated_to is None


def _city_staff(order: SupervisionOrder) -> User:
    user = User.objects.create_user(username="city_approver", password="x-horse-battery-9", full_name="市审批",
                                    organisation=order.addressee_office)
    from jijinan.accounts.models import Grant

    Grant.objects.create(user=user, role=Role.COUNTY_APPROVER, region=Region.objects.get(code=NANJING))
    return user


# --- each automatic source ------------------------------------------------------------------------------


_SEQ = iter(range(100, 999, 2))


def _case(world: World) -> Case:
    """A case taken in at 梅园新村街道, each with a household of its own."""
    from tests.test_cases import TOWNSHIP as PLACE
    from tests.test_cases import _household, _person
    from tests.test_cases_workflow import _case as intake_case

    clerk = User.objects.filter(username=f"{Role.WINDOW_CLERK}_{XUANWU}").first() or persona(
        world, Role.WINDOW_CLERK, at=XUANWU)
    seq = next(_SEQ)
    head = _person("王建国", PLACE, seq, phone="13912345678")
    return intake_case({Role.WINDOW_CLERK: clerk}, (head, _household(head, _person("李秀英", PLACE, seq + 1))))


def _task(case: Case, office: Organisation, sequence: int = 1, deadline: Deadline | None = None) -> Task:
    return Task.objects.create(case=case, sequence=sequence, office=office, description="医疗救助",
                               required_result="减免住院费用", deadline=deadline)


def test_a_live_deflection_flag_gets_an_order_and_is_put_under_supervision(world, offices):
    case = _case(world)
    task = _task(case, world.health_office)
    flag = DeflectionFlag.objects.create(task=task, reason="returns", detail="任务已被退回 3 次",
                                         covering_region=Region.objects.get(code=XUANWU),
                                         covering_office=world.xuanwu_office)
    order_sweep()
    [order] = _orders(f"flag:{flag.pk}")
    assert (order.matter_kind, order.addressee_office, order.flag_id, order.case_id) == (
        MatterKind.DEFLECTION, world.health_office, flag.pk, case.pk)
    assert order.issuing_office == world.xuanwu_office and order.subject_type == "referrals.task"
    flag.refresh_from_db()
    assert flag.status == FlagStatus.SUPERVISED
    order_sweep()
    assert len(_orders(f"flag:{flag.pk}")) == 1


def test_an_escalation_not_convened_in_time_gets_an_order_to_the_government_office(world, offices):
    case = _case(world)
    government = government_office()
    escalation = Escalation.objects.create(case=case, trigger="manual", triggers=["manual"], level="county",
                                           region=Region.objects.get(code=XUANWU), office=government,
                                           reason="多部门", facts="火灾", done_so_far="已受理")
    convene = overdue_deadline(government, timezone.now() - timedelta(minutes=5), kind="consultation.convene",
                               subject_id=str(escalation.pk))
    Deadline.objects.filter(pk=convene.pk).update(subject_type="consultation.escalation")
    Escalation.objects.filter(pk=escalation.pk).update(deadline=convene)
    order_sweep()
    [order] = _orders(f"escalation:{escalation.pk}")
    assert (order.matter_kind, order.addressee_office, order.issuing_office) == (
        MatterKind.ESCALATION, government, offices["city"])
    assert order.region == case.handling_region and order.overdue_deadline_id == convene.pk
    assert _orders(f"deadline:{convene.pk}") == []  # the convene deadline is the escalation's matter


def test_a_consultation_duty_overdue_gets_an_order_to_the_duty_office(world, offices):
    case = _case(world)
    escalation = Escalation.objects.create(case=case, trigger="manual", triggers=["manual"], level="county",
                                           region=Region.objects.get(code=XUANWU), office=world.xuanwu_office,
                                           reason="多部门", facts="火灾", done_so_far="已受理", status="decided")
    consultation = Consultation.objects.create(escalation=escalation, convener_office=world.xuanwu_office,
                                               agenda="研究救助", convened_at=timezone.now())
    decision = ConsultationDecision.objects.create(consultation=consultation, outcome="support", plan="分工落实")
    due = overdue_deadline(world.health_office, timezone.now() - timedelta(minutes=1), kind="referrals.task",
                           subject_id="duty-task")
    task = _task(case, world.health_office, deadline=due)
    duty = Duty.objects.create(decision=decision, sequence=1, office=world.health_office, description="减免住院费用",
                               limit_count=5, limit_unit="working_days", task=task)
    order_sweep()
    [order] = _orders(f"duty:{duty.pk}")
    assert (order.matter_kind, order.addressee_office, order.subject_id) == (
        MatterKind.DUTY, world.health_office, str(task.pk))
    assert _orders(f"deadline:{due.pk}") == []


# --- by hand ----------------------------------------------------------------------------------------------


@pytest.fixture
def people(world, offices):  # type: ignore[no-untyped-def]
    made = {role: persona(world, role, at=XUANWU) for role in (
        Role.SUPERVISOR, Role.GOVERNMENT_LEADER, Role.DEPARTMENT_HANDLER, Role.COUNTY_APPROVER, Role.WINDOW_CLERK)}
    made["gulou_supervisor"] = persona(world, Role.SUPERVISOR, at=GULOU)
    return made


def _open(people: dict[str, Any], case: Case, office: Organisation, **more: Any) -> SupervisionOrder:
    matter = selectors.matter_for_user(user=people[Role.SUPERVISOR], subject_type="cases.case", subject_id=case.pk)
    return services.order_open(actor=people[Role.SUPERVISOR], matter=matter, reason="救助金迟迟未发放",
                               required_response="说明原因并立即发放", addressee_office_id=office.pk, **more)


def test_by_hand_an_order_is_refused_outside_the_scope_and_a_second_open_one_names_the_first(world, people):
    case = _case(world)
    with pytest.raises(NotFound):
        selectors.matter_for_user(user=people["gulou_supervisor"], subject_type="cases.case", subject_id=case.pk)
    matter = selectors.matter_for_user(user=people[Role.SUPERVISOR], subject_type="cases.case", subject_id=case.pk)
    with pytest.raises(Forbidden):
        services.order_open(actor=people["gulou_supervisor"], matter=matter, reason="x", required_response="y",
                            addressee_office_id=world.xuanwu_office.pk)
    with pytest.raises(Forbidden):
        services.order_open(actor=people[Role.WINDOW_CLERK], matter=matter, reason="x", required_response="y",
                            addressee_office_id=world.xuanwu_office.pk)
    with pytest.raises(DomainError) as missing:
        services.order_open(actor=people[Role.SUPERVISOR], matter=matter, reason="", required_response="",
                            addressee_office_id=world.gulou_office.pk)
    assert set(missing.value.field_errors) == {"reason", "required_response", "addressee_office"}
    assert SupervisionOrder.objects.filter(case=case).count() == 0
    order = _open(people, case, world.xuanwu_office, limit_count=2, limit_unit="calendar_days")
    assert (order.issued_by, order.issuing_office, order.automatic, order.matter_key) == (
        people[Role.SUPERVISOR], world.xuanwu_office, False, f"cases.case:{case.pk}")
    assert order.deadline.unit == "calendar_days" and order.deadline.limit == 2
    with pytest.raises(DomainError) as twice:
        _open(people, case, world.xuanwu_office)
    assert twice.value.status == 409 and order.number in str(twice.value.message)
    assert SupervisionOrder.objects.filter(case=case).count() == 1


def test_answer_send_back_answer_close_and_a_stale_version_refused(world, people):
    case = _case(world)
    order = _open(people, case, world.health_office)
    handler, supervisor = people[Role.DEPARTMENT_HANDLER], people[Role.SUPERVISOR]
    with pytest.raises(Forbidden):
        services.order_answer(actor=people["gulou_supervisor"], order=order, version=order.version, text="x")
    with pytest.raises(DomainError):
        services.order_close(actor=supervisor, order=order, version=order.version)  # not answered yet
    answered = services.order_answer(actor=handler, order=order, version=order.version, text="已联系医院减免",
                                     uploads=[services.files.Upload("回执.pdf", PDF)])
    assert answered.status == OrderStatus.ANSWERED and answered.answered_by == handler
    assert answered.attachments.count() == 1 and Deadline.objects.get(pk=order.deadline_id).met_at is not None
    with pytest.raises(Conflict):
        services.order_send_back(actor=supervisor, order=order, version=order.version, note="不够")
    assert SupervisionOrder.objects.get(pk=order.pk).status == OrderStatus.ANSWERED
    with pytest.raises(DomainError) as no_note:
        services.order_send_back(actor=supervisor, order=answered, version=answered.version, note="")
    assert "note" in no_note.value.field_errors
    back = services.order_send_back(actor=supervisor, order=answered, version=answered.version,
                                    note="请附医院减免证明")
    assert (back.status, back.sent_back) == (OrderStatus.OPEN, 1) and back.deadline_id != order.deadline_id
    again = services.order_answer(actor=handler, order=back, version=back.version, text="已附减免证明")
    closed = services.order_close(actor=supervisor, order=again, version=again.version, note="满意")
    assert (closed.status, closed.closed_by) == (OrderStatus.CLOSED, supervisor)
    assert list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True)) == [
        "opened", "answered", "sent_back", "answered", "closed"]
    outbox_deliver_due(worker_id="test")
    assert InboxItem.objects.filter(user=supervisor, subject_id=str(order.pk), kind="answered").count() == 2
    assert InboxItem.objects.filter(user=handler, subject_id=str(order.pk), kind="sent_back").count() == 1
    # Once closed a new order may be opened on the same case.
    assert _open(people, case, world.xuanwu_office).status == OrderStatus.OPEN


def test_cancel_by_the_issuer_ends_the_deadline(world, people):
    order = _open(people, _case(world), world.xuanwu_office)
    with pytest.raises(DomainError):
        services.order_cancel(actor=people[Role.SUPERVISOR], order=order, version=order.version, reason=" ")
    cancelled = services.order_cancel(actor=people[Role.GOVERNMENT_LEADER], order=order, version=order.version,
                                      reason="重复督办")
    assert cancelled.status == OrderStatus.CANCELLED
    assert Deadline.objects.get(pk=order.deadline_id).cancelled_at is not None
    with pytest.raises(DomainError):
        services.order_cancel(actor=people[Role.SUPERVISOR], order=cancelled, version=cancelled.version, reason="再撤")


def test_scoped_reads(world, people):
    order = _open(people, _case(world), world.health_office)
    assert selectors.order_get_for_user(user=people[Role.DEPARTMENT_HANDLER], pk=order.pk) == order
    addressed = list(selectors.orders_addressed_for_user(user=people[Role.DEPARTMENT_HANDLER]))
    assert order in addressed and {o.addressee_office for o in addressed} == {world.health_office}
    assert list(selectors.orders_addressed_for_user(user=people[Role.SUPERVISOR])) == []
    with pytest.raises(NotFound):
        selectors.order_get_for_user(user=people["gulou_supervisor"], pk=order.pk)
    with pytest.raises(NotFound):
        selectors.order_get_for_user(user=people[Role.WINDOW_CLERK], pk=order.pk)


# --- two sweeps at once ---------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite runs one writer")
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_open_exactly_one_order_per_matter():
    import threading

    from e2e.conftest import seed_again
    from tests.world import build_world, load_policy_defaults

    seed_again()
    world = build_world()
    load_policy_defaults()
    offices = make_offices(world)
    due = _working_day_before(10)
    deadlines = [overdue_deadline(offices["township"], due, subject_id=f"c-{i}") for i in range(40)]
    now = grace_end(due) + timedelta(minutes=1)
    barrier = threading.Barrier(2)
    outcomes: list[int] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=30)
            outcomes.append(order_sweep(now=now, batch=7).opened)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == 2 and sum(outcomes) >= 40
    for d in deadlines:
        assert len(_orders(f"deadline:{d.pk}")) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; SQLite runs one writer")
@pytest.mark.django_db(transaction=True)
def test_two_supervisors_opening_an_order_on_one_case_at_once_make_exactly_one():
    import threading

    from e2e.conftest import seed_again
    from tests.world import build_world, load_policy_defaults

    seed_again()
    world = build_world()
    load_policy_defaults()
    make_offices(world)
    first, second = (persona(world, role, at=XUANWU) for role in (Role.SUPERVISOR, Role.GOVERNMENT_LEADER))
    case = _case(world)
    matter = selectors.matter_for_user(user=first, subject_type="cases.case", subject_id=case.pk)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def issue(actor: Any) -> None:
        try:
            barrier.wait(timeout=30)
            services.order_open(actor=actor, matter=matter, reason="救助金未发放", required_response="说明原因",
                                addressee_office_id=world.xuanwu_office.pk)
            outcomes.append("opened")
        except DomainError as exc:
            outcomes.append(str(exc.code))
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(a,)) for a in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["opened", "order_open_for_matter"]
    assert SupervisionOrder.objects.filter(matter_key=f"cases.case:{case.pk}").count() == 1
