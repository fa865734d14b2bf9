"""Accountability records (责任追究): registered on a case, a department task or a 督办 order named
by its number, corrected with the version, listed with filters and search, exported for the annual
assessment; seen only by supervisors and government leaders of the record's area (a county
approver and a department handler see none, another county's supervisor nothing)."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from jijinan.accounts.models import Organisation, User
from jijinan.audit.models import AccessLog, AuditEvent
from jijinan.cases.intake.services import case_intake
from jijinan.cases.models import Case, NeedType
from jijinan.core import exports
from jijinan.core.errors import Conflict, DomainError, Forbidden, NotFound
from jijinan.core.permissions import Role
from jijinan.referrals.models import Task
from jijinan.regions.models import Region
from jijinan.supervision.accountability import selectors, services
from jijinan.supervision.accountability.services import AccountabilityInput
from jijinan.supervision.models import AccountabilityRecord, SupervisionOrder
from tests.test_cases import TOWNSHIP, intake
from tests.world import GULOU, PASSWORD, XUANWU, World, persona

pytestmark = pytest.mark.django_db

GULOU_TOWNSHIP = "320106001000"


def extend_module_world(world: World) -> None:
    AccountabilityRecord.objects.all().delete()  # the permission cases' records: counts here are exact


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(world):  # type: ignore[no-untyped-def]
    return {"supervisor": persona(world, Role.SUPERVISOR, at=XUANWU),
            "leader": persona(world, Role.GOVERNMENT_LEADER, at=XUANWU),
            "approver": persona(world, Role.COUNTY_APPROVER, at=XUANWU),
            "handler": persona(world, Role.DEPARTMENT_HANDLER, at=XUANWU),
            "gulou_supervisor": persona(world, Role.SUPERVISOR, at=GULOU)}


@pytest.fixture
def subjects(world):  # type: ignore[no-untyped-def]
    case = case_intake(actor=None, data=intake(subject_name="王某")).case
    gulou_case = case_intake(actor=None, data=intake(subject_name="李某", handling_region_code=GULOU_TOWNSHIP)).case
    need, _created = NeedType.objects.get_or_create(code="medical", defaults={"name": "医疗"})
    task = Task.objects.create(case=case, sequence=1, need=need, office=world.health_office,
                               description="医疗费用报销", required_result="报销金额")
    order = SupervisionOrder.objects.create(
        number="DB-2026-000007", matter_kind="manual", matter_key=f"cases.case:{case.pk}", subject_type="cases.case",
        subject_id=str(case.pk), case=case, region=Region.objects.get(code=XUANWU),
        issuing_office=world.xuanwu_office, addressee_office=world.health_office, reason="超期未办",
        required_response="三日内办结")
    return {"case": case, "gulou_case": gulou_case, "task": task, "order": order}


def _data(office: Organisation, **more: Any) -> AccountabilityInput:
    values: dict[str, Any] = {"failing": "deflection", "responsible_office_id": office.pk,
                              "responsible_person": "赵六 科长", "finding": "两次退回无正当理由",
                              "measure": "约谈并通报批评", "decided_on": date(2026, 11, 20)}
    values.update(more)
    return AccountabilityInput(**values)


def _record(actor: Any, kind: str, number: str, office: Organisation, **more: Any) -> AccountabilityRecord:
    subject = services.subject_find(actor=actor, kind=kind, number=number)
    return services.accountability_record(actor=actor, subject=subject, data=_data(office, **more))


def test_records_on_a_case_a_task_and_an_order_take_the_subjects_region(world, people, subjects):
    supervisor = people["supervisor"]
    case, task, order = subjects["case"], subjects["task"], subjects["order"]
    on_case = _record(supervisor, "case", case.number, world.xuanwu_office)
    on_task = _record(supervisor, "task", task.number.lower(), world.health_office, failing="late")
    on_order = _record(supervisor, "order", order.number, world.health_office, failing="not_implemented")
    assert (on_case.subject_type, on_case.subject_id, on_case.case, on_case.region.code) == (
        "cases.case", str(case.pk), case, TOWNSHIP)
    assert (on_task.subject_type, on_task.task, on_task.case, on_task.region.code) == (
        "referrals.task", task, case, TOWNSHIP)
    assert (on_order.subject_type, on_order.order, on_order.region.code) == ("supervision.order", order, XUANWU)
    assert [services.subject_number(r) for r in (on_case, on_task, on_order)] == [case.number, task.number,
                                                                                  order.number]
    assert on_case.recorded_by == supervisor and on_case.version == 1
    assert AuditEvent.objects.filter(action="supervision.accountability.record").count() == 3


def test_every_problem_is_said_at_once_and_nothing_is_written(world, people, subjects):
    supervisor = people["supervisor"]
    subject = services.subject_find(actor=supervisor, kind="case", number=subjects["case"].number)
    with pytest.raises(DomainError) as refused:
        services.accountability_record(actor=supervisor, subject=subject, data=_data(
            world.gulou_office, failing="lazy", finding=" ", measure="", responsible_person="",
            decided_on=date(2099, 1, 1)))
    assert sorted(refused.value.field_errors) == ["decided_on", "failing", "finding", "measure",
                                                  "responsible_office", "responsible_person"]
    with pytest.raises(DomainError) as stranger:  # a member of staff of another office
        services.accountability_record(actor=supervisor, subject=subject, data=_data(
            world.health_office, responsible_user_id=world.xuanwu_staff.pk))
    assert list(stranger.value.field_errors) == ["responsible_user"]
    with pytest.raises(DomainError) as kind:
        services.subject_find(actor=supervisor, kind="household", number="X")
    assert list(kind.value.field_errors) == ["subject_kind"]
    with pytest.raises(NotFound):
        services.subject_find(actor=supervisor, kind="task", number=subjects["case"].number + "-09")
    assert AccountabilityRecord.objects.count() == 0


def test_a_user_of_the_office_fills_the_person_and_a_correction_needs_the_current_version(world, people, subjects):
    supervisor = people["supervisor"]
    clerk = User.objects.create_user(username="hw_clerk", password=PASSWORD, organisation=world.health_office,
                                     full_name="钱七", title="医政科科长")
    record = _record(supervisor, "case", subjects["case"].number, world.health_office, responsible_person="",
                     responsible_user_id=clerk.pk)
    assert (record.responsible_user, record.responsible_person) == (clerk, "钱七 医政科科长")
    before = AccountabilityRecord.objects.filter(pk=record.pk).values().get()
    with pytest.raises(Conflict):
        services.accountability_correct(actor=supervisor, record=record, version=2,
                                        data=_data(world.health_office, measure="诫勉谈话"))
    with pytest.raises(Forbidden):
        services.accountability_correct(actor=people["gulou_supervisor"], record=record, version=1,
                                        data=_data(world.health_office, measure="诫勉谈话"))
    assert AccountabilityRecord.objects.filter(pk=record.pk).values().get() == before
    record = services.accountability_correct(actor=people["leader"], record=record, version=1,
                                             data=_data(world.health_office, measure="诫勉谈话"))
    assert (record.version, record.measure, record.responsible_user) == (2, "诫勉谈话", None)
    event = AuditEvent.objects.get(action="supervision.accountability.correct")
    assert event.changes["measure"] == ["约谈并通报批评", "诫勉谈话"] and event.changes["version"] == [1, 2]


def test_only_supervisors_and_the_government_in_scope_see_records(world, people, subjects):
    record = _record(people["supervisor"], "case", subjects["case"].number, world.xuanwu_office)
    for role in ("approver", "handler"):
        client = _client(people[role])
        assert client.get("/supervision/accountability/").status_code == 403
        assert client.get(f"/supervision/accountability/{record.pk}/").status_code == 403
        assert client.get("/supervision/accountability/export/").status_code == 403
        assert client.get("/api/v1/supervision/accountability").status_code == 403
        assert client.get(f"/api/v1/supervision/accountability/{record.pk}").status_code == 403
        assert list(selectors.accountability_list_for_user(user=people[role])) == []
    other = _client(people["gulou_supervisor"])
    page = other.get("/supervision/accountability/").content.decode()
    assert 'data-testid="accountability-empty"' in page and record.finding not in page
    assert other.get(f"/supervision/accountability/{record.pk}/").status_code == 404
    assert other.get(f"/supervision/accountability/{record.pk}/edit/").status_code == 404
    assert other.get("/api/v1/supervision/accountability").json()["count"] == 0
    assert other.get(f"/api/v1/supervision/accountability/{record.pk}").status_code == 404
    with pytest.raises(NotFound):  # nor can they name a case of 玄武区
        services.subject_find(actor=people["gulou_supervisor"], kind="case", number=subjects["case"].number)
    assert _record(people["gulou_supervisor"], "case", subjects["gulou_case"].number, world.gulou_office).pk
    mine = _client(people["leader"]).get("/supervision/accountability/").content.decode()
    assert mine.count('data-testid="accountability-row"') == 1 and "玄武区民政局" in mine


def test_the_pages_record_filter_search_and_export(world, people, subjects):
    client = _client(people["supervisor"])
    case, task = subjects["case"], subjects["task"]
    form = client.get(f"/supervision/accountability/new/?task={task.number}").content.decode()
    assert f'value="{task.number}"' in form and re.search(r'value="task"[^>]*checked', form)
    body = {"subject_kind": "case", "subject_number": "JJ000", "failing": "", "responsible_office": "",
            "finding": "", "measure": "", "decided_on": ""}
    refused = client.post("/supervision/accountability/new/", body)
    text = refused.content.decode()
    assert refused.status_code == 400 and "问题类型" in text and 'value="JJ000"' in text
    body.update(failing="late", responsible_office=str(world.health_office.pk), finding="超期未接收",
                measure="约谈", decided_on="2026-11-02")
    missing = client.post("/supervision/accountability/new/", body)
    assert missing.status_code == 400 and "没有找到编号为 JJ000 的事项" in missing.content.decode()
    assert AccountabilityRecord.objects.count() == 0
    body.update(subject_kind="task", subject_number=task.number, responsible_person="孙八 副主任")
    made = client.post("/supervision/accountability/new/", body)
    record = AccountabilityRecord.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/supervision/accountability/{record.pk}/"
    detail = client.get(made["Location"]).content.decode()
    assert task.number in detail and "孙八 副主任" in detail and "处置不及时" in detail
    assert f'href="/cases/{case.pk}/" data-testid="accountability-case"' in detail  # the task's case
    _record(people["supervisor"], "case", case.number, world.xuanwu_office, decided_on=date(2025, 6, 1))
    _record(people["supervisor"], "order", subjects["order"].number, world.health_office, decided_on=date(2024, 1, 9))

    def rows(query: str) -> int:
        return client.get(f"/supervision/accountability/?{query}").content.decode().count(
            'data-testid="accountability-row"')
    assert rows("") == 3
    assert rows("year=2026") == 1 and rows("year=2025") == 1 and rows("year=2024") == 1
    assert rows("failing=late") == 1 and rows("failing=deflection") == 2 and rows("failing=other") == 0
    assert rows(f"office={world.xuanwu_office.pk}") == 1 and rows(f"office={world.health_office.pk}") == 2
    assert rows(f"q={task.number}") == 1 and rows("q=孙八") == 1 and rows("q=DB-2026-000007") == 1
    assert rows(f"region={TOWNSHIP}") == 2 and rows(f"region={XUANWU}") == 3

    edit = client.post(f"/supervision/accountability/{record.pk}/edit/", {
        "failing": "late", "responsible_office": world.health_office.pk, "responsible_person": "孙八 副主任",
        "finding": "超期未接收", "measure": "诫勉谈话", "decided_on": "2026-11-02", "version": 5})
    assert edit.status_code == 400 and "请刷新后重试" in edit.content.decode()
    edit = client.post(f"/supervision/accountability/{record.pk}/edit/", {
        "failing": "late", "responsible_office": world.health_office.pk, "responsible_person": "孙八 副主任",
        "finding": "超期未接收", "measure": "诫勉谈话", "decided_on": "2026-11-02", "version": 1})
    assert edit.status_code == 302 and AccountabilityRecord.objects.get(pk=record.pk).measure == "诫勉谈话"

    response = client.get("/supervision/accountability/export/?year=2026")
    assert response.status_code == 200 and response["X-Export-Rows"] == "1"
    body_bytes = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body_bytes)).worksheets[0]
    table = list(sheet.iter_rows(min_row=exports.HEADER_ROWS, values_only=True))
    assert list(table[0]) == ["处理日期", "所属区划", "责任单位", "责任人", "问题类型", "调查认定", "处理措施",
                              "对象编号"]
    assert list(table[1])[1:] == ["梅园新村街道", "玄武区卫健委", "孙八 副主任", "处置不及时", "超期未接收", "诫勉谈话",
                                  task.number]
    assert AccessLog.objects.filter(kind="export", subject_type="supervision.accountabilityrecord").count() == 1


def test_the_api_lists_reads_registers_and_corrects(world, people, subjects):
    client = _client(people["supervisor"])
    body = {"subject_kind": "order", "subject_number": subjects["order"].number, "failing": "not_implemented",
            "responsible_office_id": world.health_office.pk, "responsible_person": "周九 主任",
            "finding": "督办后仍未落实", "measure": "通报批评", "decided_on": "2026-10-10"}
    made = client.post("/api/v1/supervision/accountability", body, content_type="application/json")
    assert made.status_code == 201
    record = made.json()
    assert (record["subject_kind"], record["subject_number"], record["region_code"], record["version"]) == (
        "order", "DB-2026-000007", XUANWU, 1)
    missing = client.post("/api/v1/supervision/accountability", {**body, "subject_number": "DB-2026-999999"},
                          content_type="application/json")
    assert missing.status_code == 404 and missing.json()["field_errors"]["subject_number"]
    listed = client.get("/api/v1/supervision/accountability?failing=not_implemented").json()
    assert listed["count"] == 1 and listed["items"][0]["responsible_office"] == "玄武区卫健委"
    url = f"/api/v1/supervision/accountability/{record['id']}"
    assert client.get(url).json()["finding"] == "督办后仍未落实"
    stale = client.put(url, {**body, "measure": "诫勉谈话", "version": 3}, content_type="application/json")
    assert stale.status_code == 409
    done = client.put(url, {**body, "measure": "诫勉谈话", "version": 1}, content_type="application/json")
    assert done.status_code == 200 and (done.json()["measure"], done.json()["version"]) == ("诫勉谈话", 2)
    wrong = client.put(url, {**body, "responsible_office_id": world.gulou_office.pk, "version": 2},
                       content_type="application/json")
    assert wrong.status_code == 400 and "responsible_office" in wrong.json()["field_errors"]
    assert Case.objects.filter(pk=subjects["case"].pk).exists()


def test_the_list_reads_a_fixed_number_of_queries_whatever_the_rows(world, people, subjects):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(people["supervisor"])
    client.get("/supervision/accountability/")  # the session and the caches, warmed

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/supervision/accountability/").status_code == 200
        return len(captured)
    _record(people["supervisor"], "task", subjects["task"].number, world.health_office)
    one = queries()
    for _n in range(3):
        _record(people["supervisor"], "order", subjects["order"].number, world.health_office)
        _record(people["supervisor"], "case", subjects["case"].number, world.xuanwu_office)
    assert queries() == one
