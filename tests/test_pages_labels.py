"""What pages and prints show instead of internals: deadlines name their case or task with a link,
decision records and the 审批表 give each parameter's title and value in its unit, department and
office names instead of codes, citations without maintenance markers, Beijing time in the
deflection history, and each move of a case once on its timeline — in Chinese and in English."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC

import pytest
from django.test import Client
from django.utils import timezone, translation
from pypdf import PdfReader

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import DepartmentType, Grant, Organisation, User
from jijinan.audit.labels import action_label
from jijinan.cases.intake.services import case_intake
from jijinan.cases.models import Case
from jijinan.cases.printing import services as print_services
from jijinan.cases.workflow import services as wf
from jijinan.core.jobs.queue import job_claim, job_run
from jijinan.core.models import Deadline, Job
from jijinan.core.permissions import Role
from jijinan.policy.models import ParameterDefinition
from jijinan.referrals import services as referrals
from jijinan.referrals.models import DeflectionFlag, Task, TaskEvent
from jijinan.regions.models import Region
from tests.test_cases import TOWNSHIP, _household, _person, intake
from tests.world import PASSWORD, XUANWU, World, load_policy_defaults, persona

pytestmark = pytest.mark.django_db

RAW = ("cases.case#", "referrals.task#", "{'min'", "False", "True", "None", "demo default", "other province",
       "POLICY.md")


def extend_module_world(world: World) -> None:
    load_policy_defaults()


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path


@pytest.fixture
def people(world) -> dict[str, User]:  # type: ignore[no-untyped-def]
    return {role: persona(world, role, at=XUANWU) for role in (
        Role.WINDOW_CLERK, Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_LEAD, Role.SUPERVISOR)}


def _office(department: str, name: str) -> Organisation:
    return Organisation.objects.get_or_create(
        kind=OrganisationKind.DEPARTMENT_OFFICE, region=Region.objects.get(code=XUANWU),
        department_type=DepartmentType.objects.get(code=department), defaults={"name": name})[0]


def _handler(office: Organisation, username: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, organisation=office, full_name=username)
    Grant.objects.create(user=user, role=Role.DEPARTMENT_HANDLER, region=office.region,
                         department_type=office.department_type)
    return user


def _case(people: dict[str, User]) -> Case:
    head = _person("王建国", TOWNSHIP, 11, phone="13912345678")
    household = _household(head, _person("李秀英", TOWNSHIP, 12))
    return case_intake(actor=people[Role.WINDOW_CLERK], data=intake(
        person_id=head.pk, household_id=household.pk, subject_name="", needs=["money"],
        reporter_phone="13912345678")).case


def _fresh(case: Case) -> Case:
    return Case.objects.select_related("handling_region", "transfer_to", "person", "household").get(pk=case.pk)


def _approved(people: dict[str, User]) -> Case:
    case = _case(people)
    case = wf.case_review(actor=people[Role.TOWNSHIP_REVIEWER], case=_fresh(case), version=case.version,
                          data=wf.ReviewInput(opinion="经入户调查，情况属实", requested_amount_fen=150000,
                                              home_visit_on=timezone.localdate(), home_visit_note="入户核实",
                                              appraisal="passed", appraisal_note=""))
    return wf.case_approve(actor=people[Role.TOWNSHIP_LEAD], case=_fresh(case), version=case.version)


def _client(user: User, language: str = "zh-hans") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["jijinan_language"] = language
    return client


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<script.*?</script>", "", html))


def _no_raw(html: str) -> None:
    text = _text(html)
    for raw in RAW:
        assert raw not in text, raw


# --- deadlines name their subject -------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "case_word", "task_word"), [
    ("zh-hans", "急难事项", "部门任务"), ("en", "Case", "Department task")])
def test_deadlines_show_the_case_and_task_numbers_with_links(world, people, language, case_word, task_word):
    case = _case(people)
    medical = _office("medical_security", "玄武区医保局")
    task = referrals.tasks_open(actor=people[Role.TOWNSHIP_REVIEWER], case=case, drafts=[referrals.TaskDraft(
        office_id=medical.pk, description="请核实并办理", required_result="办理结果")])[0]
    client = _client(people[Role.TOWNSHIP_REVIEWER], language)

    listed = _page(client, "/deadlines/?subject_type=cases.case&subject_id=" + str(case.pk))
    assert f'<a href="/cases/{case.pk}/">{case_word} {case.number}</a>' in listed
    _no_raw(listed)
    tasks = _page(client, "/deadlines/?subject_type=referrals.task")
    assert f'<a href="/referrals/tasks/{task.pk}/">{task_word} {task.number} · 玄武区医保局</a>' in tasks
    _no_raw(tasks)

    deadline = Deadline.objects.get(subject_type="cases.case", subject_id=str(case.pk), met_at__isnull=True,
                                    kind__startswith="cases.stage.")  # beside it, an emergency's aid deadline
    detail = _page(client, f"/deadlines/{deadline.pk}/")
    assert f'<a href="/cases/{case.pk}/">{case_word} {case.number}</a>' in detail
    used = ParameterDefinition.objects.filter(name__in=list(deadline.parameters))
    assert used  # the parameters it was computed from, by title
    for definition in used:
        assert (definition.label if language == "zh-hans" else definition.label_en) in detail
        assert definition.name not in _text(detail)
    _no_raw(detail)


# --- decision records and the 审批表 -----------------------------------------------------------------------


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-hans", ("低保标准", "945.00 元/人·月", "急难型救助金额区间", "1–3 倍月低保标准", "限额以下是否公示",
                 "<td>否</td>", "南京市", "临时救助 第 1 版")),
    ("en", ("<th>Parameter</th>", "Dibao standard", "945.00 yuan per person per month", "Amount band: emergency kind",
            "1–3 × monthly dibao standard", "Public notice below the township ceiling", "<td>No</td>",
            "Temporary assistance, version 1")),
])
def test_the_decision_record_shows_parameter_titles_and_readable_values(world, people, language, expected):
    case = _approved(people)
    assert case.decision is not None
    page = _page(_client(people[Role.SUPERVISOR], language), f"/policy/decisions/{case.decision.pk}/")
    section = _text(page[page.index("data-testid=\"used-parameter\""):])
    for text in expected:
        assert text in page, text
    for raw in ("dibao.standard_monthly", "94500", "320100000000", "temporary_assistance/"):
        assert raw not in section, raw
    _no_raw(section)


def _run_jobs() -> None:
    while (claimed := job_claim(worker_id="test-worker")) is not None:
        assert job_run(claimed, worker_id="test-worker"), Job.objects.get(pk=claimed.pk).last_error


def test_the_printed_approval_form_names_the_parameters_and_their_values(world, people):
    case = _approved(people)
    client = _client(people[Role.TOWNSHIP_REVIEWER])
    asked = client.post(f"/cases/{case.pk}/print/approval/")
    assert asked.status_code == 302
    request_id = uuid.UUID(Job.objects.get(name=print_services.PRINT_JOB).payload["request_id"])
    _run_jobs()
    download = client.get(f"/cases/{case.pk}/print/approval/{request_id}/download/")
    assert download.status_code == 200
    pdf = b"".join(download.streaming_content)
    text = re.sub(r"\s+", "", "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages))
    for expected in ("低保标准945.00元/人·月", "急难型救助金额区间1–3倍月低保标准", "限额以下是否公示否",
                     "南京市，版本", "计算规则临时救助第1版"):
        assert expected in text, expected
    for raw in ("dibao.standard_monthly", "94500", "320100000000", "{'min'", "False", "temporary_assistance"):
        assert raw not in text, raw


# --- department and office names ------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "names"), [
    ("zh-hans", ("卫健", "应急管理", "民政")), ("en", ("Health", "Emergency management", "Civil affairs"))])
def test_the_exchange_page_names_the_departments(world, language, names):
    approver = persona(world, Role.COUNTY_APPROVER, at=XUANWU)
    page = _page(_client(approver, language), "/exchange/")
    assert "emergency_management" not in _text(page) and "medical_security" not in _text(page)
    cells = re.findall(r'<td data-testid="source-department">([^<]*)</td>', page)
    assert cells and all(cell.strip() for cell in cells)
    assert not {"health", "emergency_management", "civil_affairs", "medical_security"} & {c.strip() for c in cells}
    names_en = {str(d.name_en) for d in DepartmentType.objects.all()}
    names_zh = {str(d.name) for d in DepartmentType.objects.all()}
    assert {c.strip() for c in cells} <= (names_zh if language == "zh-hans" else names_en | names_zh)
    assert any(name in cells for name in names)


def test_an_office_whose_name_says_its_type_shows_the_type_once(world, people):
    case = _case(people)
    _office("comprehensive_governance", "玄武区委政法委（综治办）")
    Organisation.objects.create(kind=OrganisationKind.DEPARTMENT_OFFICE, name="梅园新村街道社区卫生服务中心",
                                region=Region.objects.get(code=TOWNSHIP),
                                department_type=DepartmentType.objects.get(code="health"))
    page = _page(_client(people[Role.TOWNSHIP_REVIEWER]), f"/referrals/cases/{case.pk}/split/")
    assert "玄武区委政法委（综治办）" in page and "（综治办）（综治办）" not in page
    assert "梅园新村街道社区卫生服务中心（卫健）" in page  # a name that does not say its type still gets it
    assert "玄武区卫健委（卫健）" not in page and "玄武区卫健委" in page


# --- policy citations ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "badge", "column"), [("zh-hans", "演示默认值", "参数"),
                                                         ("en", "Demo default", "Parameter")])
def test_policy_pages_show_citations_without_maintenance_markers(world, people, language, badge, column):
    client = _client(people[Role.SUPERVISOR], language)
    index = _page(client, "/policy/?region=320100000000")
    assert badge in index and "演示默认值，待县（区）按本地标准替换" in index
    assert f"<th>{column}</th>" in index and "Payload" not in index
    _no_raw(index)
    detail = _page(client, "/policy/parameters/temporary_assistance.township_ceiling/")
    assert "3 倍为外省做法，待本省文件替换" in detail
    _no_raw(detail)


# --- Beijing time in the deflection history ---------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_deflection_history_reads_in_beijing_time(world, people, language):
    case = _case(people)
    medical, health = _office("medical_security", "玄武区医保局"), world.health_office
    handlers = {name: _handler(office, f"{name}_handler") for office, name in ((medical, "yb"), (health, "wj"))}
    task = referrals.tasks_open(actor=people[Role.TOWNSHIP_REVIEWER], case=case, drafts=[referrals.TaskDraft(
        office_id=medical.pk, description="请核实并办理", required_result="办理结果")])[0]
    referrals.task_transfer(actor=handlers["yb"], task=task, version=1, to_office_id=health.pk, reason="属卫健")
    task = Task.objects.get(pk=task.pk)
    referrals.task_transfer(actor=handlers["wj"], task=task, version=task.version, to_office_id=medical.pk,
                            reason="属医保")
    assert DeflectionFlag.objects.filter(task=task).count() == 1
    at = TaskEvent.objects.filter(task=task).order_by("at", "id").first()
    assert at is not None
    beijing = timezone.localtime(at.at).strftime("%Y-%m-%d %H:%M")
    utc = at.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    assert beijing != utc

    client = _client(people[Role.SUPERVISOR], language)
    page = _page(client, "/referrals/flags/")
    steps = re.findall(r'data-testid="flag-step-time">([^<]*)<', page)
    assert utc.replace(" ", "T") not in page and utc not in page  # the stored UTC text
    assert beijing in steps
    exported = client.get("/referrals/flags/?format=csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert beijing in rows[1][-1] and utc not in rows[1][-1] and utc.replace(" ", "T") not in rows[1][-1]


# --- the case timeline ----------------------------------------------------------------------------------------


def _timeline(page: str) -> list[str]:
    """The event cell of each row of the case page's timeline."""
    section = page[page.index('data-testid="case-timeline"'):]
    section = section[:section.index("</section>")]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in re.findall(r"<tr><td.*?</tr>", section, re.S)]
    return [re.sub(r"<[^>]+>", "", cells[-1]).strip() for cells in rows]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_move_shows_once_on_the_case_timeline(world, people, language):
    case = _approved(people)
    rows = _timeline(_page(_client(people[Role.TOWNSHIP_REVIEWER], language), f"/cases/{case.pk}/"))
    review, approval, intake = {  # each entry in the page's language
        "zh-hans": ("审核：拟救助 1,500.00 元", "审批：同意救助 1,500.00 元", "登记，事项编号"),
        "en": ("Reviewed: proposed 1,500.00 yuan", "Approved: 1,500.00 yuan", "Registered via")}[language]
    assert sum(review in row for row in rows) == 1
    assert sum(approval in row for row in rows) == 1
    assert sum(intake in row for row in rows) == 1
    with translation.override(language):
        twins = {str(action_label(a)) for a in ("cases.case.intake", "cases.case.review", "cases.case.approve")}
    assert not twins & set(rows), rows  # each move once, by its case event, not again by its audit event


# --- triage on the case page ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_triage_names_the_repeated_category_and_gives_a_reason(world, people, language):
    head = _person("王建国", TOWNSHIP, 11, phone="13912345678")
    first, second = (case_intake(actor=people[Role.WINDOW_CLERK], data=intake(
        person_id=head.pk, subject_name="", categories=["serious_illness"], needs=["money"])).case for _ in (1, 2))
    page = _page(_client(people[Role.TOWNSHIP_REVIEWER], language), f"/cases/{second.pk}/")
    triage = _text(page[page.index('data-testid="case-triage"'):page.index('data-testid="case-deadlines"')])
    repeated, reason = {  # in the page's language, whoever wrote the case
        "zh-hans": (f"本年度已因相同原因（重病）登记过事项 {first.number}", "未见需紧急处理的情形"),
        "en": (f"Case {first.number} was already registered this year for the same cause (Serious illness)",
               "nothing calls for urgent handling")}[language]
    assert repeated in triage
    assert "serious_illness" not in _text(page)
    assert "（一般）" not in triage and reason in triage


def test_the_task_text_field_is_labelled_as_a_note(world, people):
    case = _case(people)
    medical = _office("medical_security", "玄武区医保局")
    task = referrals.tasks_open(actor=people[Role.TOWNSHIP_REVIEWER], case=case, drafts=[referrals.TaskDraft(
        office_id=medical.pk, description="请核实并办理", required_result="办理结果")])[0]
    page = _page(_client(people[Role.TOWNSHIP_REVIEWER], "en"), f"/referrals/cases/{case.pk}/tasks/{task.pk}/")
    assert "Provide more information" in page
    assert "Payload" not in page and "Note" in page
